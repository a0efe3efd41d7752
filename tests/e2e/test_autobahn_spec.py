"""Autobahn in, Autobahn out: `run_suite.py --spec fuzzingclient.json` runs an Autobahn
fuzzingclient spec as is (servers started through our `command` extension), writes Autobahn's
report layout under OUT/autobahn/, and a target that stops accepting connections gets its
remaining cases FAILED with the reason, quickly.

Everything on 127.0.0.1; every subprocess call has a timeout; servers started by the spec are
stopped by run_suite.py (checked: their ports are closed afterwards).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FAULTY_SERVER, PYTHON, ROOT, expand, free_port

SPEC_TIMEOUT = 180.0
AUTOBAHN_INDEX_FIELDS = {"behavior", "behaviorClose", "duration", "remoteCloseCode", "reportfile"}
AUTOBAHN_CASE_FIELDS = {
    "agent", "id", "case", "description", "expectation", "started", "isServer", "behavior",
    "behaviorClose", "result", "resultClose", "expected", "expectedClose", "received",
    "duration", "reportTime", "closedByMe", "failedByMe", "droppedByMe", "wasClean",
    "localCloseCode", "remoteCloseCode", "remoteCloseReason", "httpRequest", "httpResponse",
    "createWirelog", "wirelog", "rxOctetStats", "txOctetStats", "rxFrameStats", "txFrameStats"}


def run_spec(binaries, spec: dict | str, cwd: Path, *extra: str,
             timeout: float = SPEC_TIMEOUT) -> subprocess.CompletedProcess:
    spec_path = cwd / "fuzzingclient.json"
    spec_path.write_text(spec if isinstance(spec, str) else json.dumps(spec, indent=2))
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    try:
        return subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--spec", str(spec_path),
                               *extra], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"run_suite.py --spec did not finish within {timeout:.0f} s: "
                    f"{(e.stderr or '')[-2000:]}", pytrace=False)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def reference_command(binaries, port: int) -> list[str]:
    return [str(binaries.server), "--host", "127.0.0.1", "--port", str(port)]


def faulty_command(fault: str, port: int) -> list[str]:
    return [PYTHON, str(FAULTY_SERVER), "--host", "127.0.0.1", "--port", str(port),
            "--fault", fault]


def test_fuzzingclient_spec_runs_as_is_with_two_servers(binaries, all_ids, tmp_path):
    ref_port, faulty_port = free_port(), free_port()
    # The shape of Autobahn's documented fuzzingclient.json, plus our `command`.
    spec = {
        "outdir": "./reports/servers",
        "options": {"failByDrop": False},
        "servers": [
            {"agent": "Reference Server/0.1", "url": f"ws://127.0.0.1:{ref_port}",
             "options": {"version": 18}, "command": reference_command(binaries, ref_port)},
            {"agent": "faulty-no-pong", "url": f"ws://127.0.0.1:{faulty_port}",
             "options": {"version": 18},
             # a string runs through /bin/sh
             "command": " ".join(faulty_command("no-pong", faulty_port))},
        ],
        "cases": ["1.*", "2.*"],
        "exclude-cases": ["2.11"],
        "exclude-agent-cases": {"faulty-*": ["1.2.*"]},
    }
    started = time.monotonic()
    result = run_spec(binaries, spec, tmp_path)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr[-3000:]  # no-pong fails 2.x
    assert not accepts(ref_port) and not accepts(faulty_port), "a spec server was left running"
    assert elapsed < 90, f"took {elapsed:.0f} s"

    out = tmp_path / "reports" / "servers"  # outdir, relative to the working directory
    selected = [i for i in expand(all_ids, "1.*", "2.*") if i != "2.11"]
    faulty_selected = [i for i in selected if not i.startswith("1.2.")]

    # Our index.json: both servers in one report.
    index = json.loads((out / "index.json").read_text())
    assert index["schema"] == "wsconform-report/1"
    targets = {t["agent"]: t for t in index["targets"]}
    assert list(targets) == ["Reference Server/0.1", "faulty-no-pong"]
    assert [c["id"] for c in targets["Reference Server/0.1"]["cases"]] == selected
    assert [c["id"] for c in targets["faulty-no-pong"]["cases"]] == faulty_selected
    for target in targets.values():
        for case in target["cases"]:
            assert (out / case["wire_log"]).is_file(), case["wire_log"]
    assert all(c["verdict"] == "OK" for c in targets["Reference Server/0.1"]["cases"])
    assert (out / "index.html").is_file() and (out / "junit.xml").is_file()

    # Autobahn's layout.
    ab_dir = out / "autobahn"
    ab = json.loads((ab_dir / "index.json").read_text())
    assert sorted(ab) == ["Reference Server/0.1", "faulty-no-pong"]
    assert list(ab["Reference Server/0.1"]) == sorted(selected)  # keys sorted, as Autobahn's
    assert sorted(ab["faulty-no-pong"]) == sorted(faulty_selected)
    stems = {"Reference Server/0.1": "reference_server_0_1", "faulty-no-pong": "faulty_no_pong"}
    for agent, entries in ab.items():
        ours = {c["id"]: c for c in targets[agent]["cases"]}
        for case_id, entry in entries.items():
            assert set(entry) == AUTOBAHN_INDEX_FIELDS, entry
            assert entry["reportfile"] == f"{stems[agent]}_case_{case_id.replace('.', '_')}.json"
            assert entry["behavior"] == ours[case_id]["behavior"]
            assert entry["behaviorClose"] == ours[case_id]["behavior_close"]
            assert entry["remoteCloseCode"] == ours[case_id]["remote_close_code"]
            assert isinstance(entry["duration"], int)
            detail = json.loads((ab_dir / entry["reportfile"]).read_text())
            assert AUTOBAHN_CASE_FIELDS <= set(detail), AUTOBAHN_CASE_FIELDS - set(detail)
            assert detail["agent"] == agent and detail["id"] == case_id
            assert detail["behavior"] == entry["behavior"] and detail["isServer"] is False
            assert detail["httpRequest"].startswith("GET ")
            assert detail["wirelog"] and detail["wirelog"][0][0] == "TO"
    assert json.loads((ab_dir / "reference_server_0_1_case_1_1_1.json").read_text())["case"] == 1
    assert json.loads((ab_dir / "reference_server_0_1_case_2_1.json").read_text())["case"] == 17
    pong = json.loads((ab_dir / "faulty_no_pong_case_2_2.json").read_text())
    assert pong["behavior"] == "FAILED"
    assert pong["expected"]["OK"] == [["pong", "Hello, world!"]]
    assert not list(out.glob(".*staging*")) and not list(out.glob(".autobahn-*"))

    # `report` re-renders the same layout from our index.json and the wire records.
    again = tmp_path / "again"
    report = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "report", str(out), "--out",
                             str(again)], capture_output=True, text=True, timeout=120)
    assert report.returncode == 1, report.stderr
    assert json.loads((again / "autobahn" / "index.json").read_text()) == ab


def test_out_overrides_outdir_and_agent_from_server_header(binaries, tmp_path):
    port = free_port()
    spec = {"outdir": "./never", "cases": ["1.1.1", "1.1.2"],
            "servers": [{"url": f"ws://127.0.0.1:{port}/",
                         "command": reference_command(binaries, port)}]}
    result = run_spec(binaries, spec, tmp_path, "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "never").exists()
    ab = json.loads((tmp_path / "out" / "autobahn" / "index.json").read_text())
    # No agent: Autobahn names the server by its HTTP Server header.
    assert list(ab) == ["wsconform-reference/0.1"], ab.keys()
    assert sorted(ab["wsconform-reference/0.1"]) == ["1.1.1", "1.1.2"]
    assert not accepts(port)


BAD_SPECS = {
    "invalid JSON": '{"servers": [',
    "not an object": "[]",
    "no servers": '{"cases": ["*"]}',
    "empty servers": '{"servers": []}',
    "no url": '{"servers": [{"agent": "x"}]}',
    "bad url": '{"servers": [{"agent": "x", "url": "http://127.0.0.1:1"}]}',
    "bad pattern": '{"servers": [{"agent": "x", "url": "ws://127.0.0.1:1"}], "cases": ["1 .*"]}',
    "pattern not a string": '{"servers": [{"url": "ws://127.0.0.1:1"}], "cases": [1]}',
    "bad agent excludes": '{"servers": [{"url": "ws://127.0.0.1:1"}], '
                          '"exclude-agent-cases": ["1.*"]}',
    "bad command": '{"servers": [{"url": "ws://127.0.0.1:1", "command": 5}]}',
}


@pytest.mark.parametrize("what", sorted(BAD_SPECS))
def test_bad_spec_is_one_line_and_exit_2(binaries, tmp_path, what):
    outdir = tmp_path / "reports" / "servers"
    outdir.mkdir(parents=True)
    (outdir / "index.json").write_text("previous run\n")
    result = run_spec(binaries, BAD_SPECS[what], tmp_path, timeout=60)
    assert result.returncode == 2, (what, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "fuzzingclient.json" in lines[0], lines
    assert (outdir / "index.json").read_text() == "previous run\n"
    assert sorted(p.name for p in outdir.iterdir()) == ["index.json"]


def test_missing_spec_file(binaries, tmp_path):
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--spec",
                             str(tmp_path / "nope.json")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"run_suite: spec {tmp_path / 'nope.json'}: "
                                                  "no such file"]


def test_server_command_that_never_listens(binaries, tmp_path):
    port = free_port()
    spec = {"servers": [{"agent": "sleeper", "url": f"ws://127.0.0.1:{port}",
                         "command": [PYTHON, "-c", "import time; time.sleep(120)"]}],
            "cases": ["1.1.1"]}
    started = time.monotonic()
    result = run_spec(binaries, spec, tmp_path, "--ready-timeout", "2", timeout=60)
    assert result.returncode == 2
    assert time.monotonic() - started < 30
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"port {port} did not accept connections within 2 s" in lines[0]

    spec["servers"][0]["command"] = [PYTHON, "-c", "import sys; print('no luck'); sys.exit(3)"]
    result = run_spec(binaries, spec, tmp_path, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "exited (3)" in lines[0] and "no luck" in lines[0], lines


def test_target_that_stops_accepting_connections(binaries, all_ids, tmp_path, start_server):
    """crash-len64 dies on the first frame with a 64-bit length (1.1.7: 65536 bytes). Started
    by the test, not by the spec, so nothing restarts it: the case is blamed, and the cases
    after it are FAILED with the reason, without waiting out timeouts (Autobahn would silently
    skip them). (A server the spec starts is restarted: test_target_death.py.)"""
    port = free_port()
    start_server(faulty_command("crash-len64", port), "crasher")
    spec = {"servers": [{"agent": "crasher", "url": f"ws://127.0.0.1:{port}"}],
            "cases": ["1.*", "2.*"]}
    started = time.monotonic()
    # One case at a time: which cases were in flight when the server died is then fixed.
    result = run_spec(binaries, spec, tmp_path, "--out", str(tmp_path / "out"), "--jobs", "1")
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr[-3000:]
    assert elapsed < 45, f"took {elapsed:.0f} s"
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    cases = {c["id"]: c for c in index["targets"][0]["cases"]}
    ids = expand(all_ids, "1.*", "2.*")
    assert list(cases) == ids
    before = ids[:ids.index("1.1.7")]
    assert all(cases[i]["verdict"] == "OK" for i in before), [cases[i] for i in before]
    # Alone in flight when the server died, and it did not come back: 1.1.7 is the one.
    assert cases["1.1.7"]["verdict"] == "FAILED"
    assert cases["1.1.7"]["result"].startswith("the target died during this case: "), \
        cases["1.1.7"]
    after = ids[ids.index("1.1.7") + 1:]
    for case_id in after:
        case = cases[case_id]
        assert case["verdict"] == "FAILED", case
        assert case["result"].startswith("target stopped accepting connections: "), case
        # Refused, or reset by a port that the dying server still held (which of the two a
        # connect meets depends on how far its exit had come).
        assert any(w in case["result"].lower() for w in ("refused", "reset")), case
    ab = json.loads((tmp_path / "out" / "autobahn" / "index.json").read_text())
    assert sorted(ab["crasher"]) == sorted(ids)  # nothing silently missing
    assert ab["crasher"]["2.1"]["behavior"] == "FAILED"
    detail = json.loads((tmp_path / "out" / "autobahn" / "crasher_case_2_1.json").read_text())
    assert detail["result"].startswith("target stopped accepting connections: ")


GAP_PROXY = r'''
"""Forwards 127.0.0.1:LISTEN to 127.0.0.1:TARGET; after the GAP_AFTER-th accepted connection
it stops listening for 0.3 s (connections are refused), then listens again."""
import asyncio, sys

listen_port, target_port, gap_after = map(int, sys.argv[1:4])
accepted = 0
server = None


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def handle(reader, writer):
    global accepted
    accepted += 1
    if accepted == gap_after:
        server.close()
        asyncio.get_running_loop().call_later(0.3, lambda: asyncio.ensure_future(listen()))
    try:
        target_reader, target_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        writer.close()
        return
    await asyncio.gather(pipe(reader, target_writer), pipe(target_reader, writer))


async def listen():
    global server
    server = await asyncio.start_server(handle, "127.0.0.1", listen_port, reuse_address=True)


async def main():
    await listen()
    await asyncio.Event().wait()


asyncio.run(main())
'''


def test_a_refused_connect_is_retried_after_a_reconnect(binaries, tmp_path):
    """A target that refuses one connection but accepts again: the case is retried once and
    keeps its own verdict (nothing else changes)."""
    proxy = tmp_path / "gap_proxy.py"
    proxy.write_text(GAP_PROXY)
    port, backend = free_port(), free_port()
    # Connections: 1 run_suite's readiness check, 2 the runner's probe, 3 case 1.1.1, 4 case
    # 1.1.2: then the gap, in which 1.1.3 is refused.
    command = (f"{binaries.server} --host 127.0.0.1 --port {backend} & "
               f"exec {PYTHON} {proxy} {port} {backend} 4")
    spec = {"servers": [{"agent": "gap", "url": f"ws://127.0.0.1:{port}", "command": command}],
            "cases": ["1.1.*"]}
    result = run_spec(binaries, spec, tmp_path, "--out", str(tmp_path / "out"), "--jobs", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not accepts(port) and not accepts(backend)
    index = json.loads((tmp_path / "out" / "index.json").read_text())
    cases = {c["id"]: c for c in index["targets"][0]["cases"]}
    assert all(c["verdict"] == "OK" for c in cases.values()), cases
    record = json.loads((tmp_path / "out" / cases["1.1.3"]["wire_log"]).read_text())
    # Refused while the proxy did not listen: run again once it accepted connections again.
    assert any("this case was run again, alone" in n for n in record["notes"]), record["notes"]
