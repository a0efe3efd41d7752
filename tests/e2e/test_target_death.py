"""A server that dies during a case: that case is blamed, the cases in flight beside it on
other connections are run again once it is back, one at a time, never FAILED for it.

The server is faulty_server.py --fault crash-len64: the whole process dies on the first frame
header with the 64-bit length form, which 1.1.7 and 1.1.8 (65,536-byte messages) send and no
other case selected here does. 5.19 and 5.20 take over a second each (pauses between
fragments), so they are in flight when it dies. Brought back three ways: a supervisor
wsconform knows nothing of (tests/servers/supervise.py), run_suite.py restarting the server
it started (--restart-over-stdio), and not at all.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import pytest

from conftest import FAULTY_SERVER, PYTHON, ROOT, Run, free_port

CULPRITS = {"1.1.7", "1.1.8"}
BYSTANDERS = {"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "5.19", "5.20"}
CASES = "1.1.*,5.19,5.20"
SUPERVISOR = ROOT / "tests" / "servers" / "supervise.py"


def crasher(port: int) -> list[str]:
    return [PYTHON, str(FAULTY_SERVER), "--host", "127.0.0.1", "--port", str(port),
            "--fault", "crash-len64"]


def notes(run: Run, case_id: str) -> list[str]:
    return run.wire(case_id)["notes"]


def check_blamed_and_rerun(run: Run) -> None:
    assert run.returncode == 1, run.stderr[-3000:]
    assert set(run.cases) == CULPRITS | BYSTANDERS
    assert run.ids_with("FAILED") == CULPRITS, run.describe(sorted(run.cases))
    assert run.ids_with("OK") == BYSTANDERS, run.describe(sorted(run.cases))
    for case_id in CULPRITS:
        result = run.cases[case_id]["result"]
        assert result.startswith("the target died during this case: it stopped accepting "
                                 "connections"), result
        assert "and again when the case was run alone" in result, result
    for case_id in BYSTANDERS:
        # Run once beside the crash, then again alone: what the report shows is the second.
        assert any("this case was run again, alone" in n for n in notes(run, case_id)), \
            notes(run, case_id)


def test_a_supervised_server_that_dies_blames_the_case_and_reruns_the_others(
        start_server, run_suite, tmp_path):
    port = free_port()
    log = tmp_path / "starts.log"
    start_server([PYTHON, str(SUPERVISOR), "--delay", "0.3", "--log", str(log), "--",
                  *crasher(port)], "supervised-crasher")
    run = run_suite(f"ws://127.0.0.1:{port}/", tmp_path / "out", "crasher", "--cases", CASES,
                    "--jobs", "16", timeout=120)
    check_blamed_and_rerun(run)
    # Died once beside the others, then once more for each culprit run alone.
    assert log.read_text().count("start") == 4, log.read_text()
    assert "the target stopped accepting connections" in run.stderr
    assert "the target died again during 1.1.7, run alone: FAILED for it" in run.stderr


def test_run_suite_restarts_the_server_it_started(binaries, tmp_path):
    port = free_port()
    spec = {"servers": [{"agent": "crasher", "url": f"ws://127.0.0.1:{port}",
                         "command": crasher(port)}],
            "cases": CASES.split(",")}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    out = tmp_path / "out"
    try:
        result = subprocess.run(
            [PYTHON, str(ROOT / "run_suite.py"), "--spec", "spec.json", "--out", str(out),
             "--jobs", "16"], cwd=tmp_path, stdin=subprocess.DEVNULL, capture_output=True,
            text=True, timeout=180,
            env=dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir)))
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"run_suite.py --spec did not finish: {(e.stderr or '')[-2000:]}",
                    pytrace=False)
    run_dir = out / "servers" / "crasher"
    run = Run(run_dir, result.returncode, result.stdout, result.stderr)
    run.target = json.loads((run_dir / "index.json").read_text())["targets"][0]
    check_blamed_and_rerun(run)
    assert result.stderr.count("run_suite: server restarted") == 3, result.stderr[-3000:]
    # The output of every life of the server is kept, and the last one was stopped.
    assert (run_dir / "server.log").read_text().count("--- ") == 4
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_a_server_that_stays_dead_fails_the_cases_in_flight_as_unreachable(
        start_server, run_suite, tmp_path):
    server = start_server(crasher(0), "crasher")
    started = time.monotonic()
    run = run_suite(server.url, tmp_path / "out", "crasher", "--cases", CASES, "--jobs", "16",
                    "--restart-wait", "1", timeout=120)
    assert time.monotonic() - started < 60
    assert run.returncode == 1, run.stderr[-3000:]
    # All ten were in flight when it died, and it never came back: which one killed it is
    # not known, so none is blamed; each says so.
    assert run.ids_with("FAILED") == CULPRITS | BYSTANDERS, run.describe(sorted(run.cases))
    for case_id in CULPRITS | BYSTANDERS:
        result = run.cases[case_id]["result"]
        assert result.startswith("target stopped accepting connections: "), result
        assert any("which case it died on is not known" in n for n in notes(run, case_id))
    assert "did not accept them again within 1.0 s" in " ".join(notes(run, "5.19"))
