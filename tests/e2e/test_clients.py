"""Testing clients (wsconform as the server, exec mode): real clients pass, and a client with a
seeded fault fails the cases its fault breaks, with the reason.

Each client is started once per case by `wsconform --client-command 'CMD {url}'` and must echo
every message and exit (0 after a clean close).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PYTHON, ROOT, Run, invoke

FAULTY_CLIENT = ROOT / "tests" / "clients" / "faulty_client.py"
WEBSOCKETS_CLIENT = ROOT / "tests" / "e2e" / "clients" / "websockets_client.py"


def run_client(binaries, command: str, out: Path, *extra: str) -> Run:
    result = invoke(binaries, "--client-command", command, "--out", str(out), *extra)
    run = Run(out, result.returncode, result.stdout, result.stderr)
    if result.returncode in (0, 1):
        run.index = json.loads((out / "index.json").read_text())
        run.target = run.index["targets"][0]
    return run


def test_the_websockets_client_passes(binaries, tmp_path):
    # Categories without 6.x (python3-websockets 10.4 closes some invalid UTF-8 with 1002, where
    # the cases want 1007): everything OK, NON-STRICT or INFORMATIONAL, as Autobahn reports it.
    run = run_client(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}", tmp_path,
                     "--cases", "1.*,2.*,3.*,4.*,5.*,7.*,10.*")
    assert run.returncode == 0, run.describe(run.ids_with("FAILED")) + run.stderr[-2000:]
    assert run.target["mode"] == "client"
    assert run.target["agent"] == "python3"
    assert run.summary["total"] == len(run.cases) > 100
    # NON-STRICT where Autobahn allows it: the echo of the valid message before the bad frame
    # came or not (3.x, 4.x: a race inside the client), the fragmented ping of 5.15.
    assert all(i.split(".")[0] in ("3", "4") or i == "5.15" for i in run.ids_with("NON-STRICT"))
    case = run.wire("1.1.1")
    # Our frames go unmasked (RFC 6455 §5.1), the request is the client's.
    assert case["http_request"].startswith("GET /")
    assert "Sec-WebSocket-Key:" in case["http_request"]
    assert case["http_response"].startswith("HTTP/1.1 101 ")
    sent_frame = next(c for c in case["chunks"] if c["dir"] == "tx" and c["hex"].startswith("81"))
    assert sent_frame["hex"] == "8100"


# fault -> (case, the start of the reason it fails with); the other case of the pair passes
# unless the fault breaks every case.
FAULTS = {
    "crash": ("1.1.1", "the client crashed: it was killed by SIGABRT"),
    "segv": ("1.1.1", "the client crashed: it was killed by SIGSEGV"),
    "sanitizer": ("1.1.1", "the client crashed: it exited with status 0; its sanitizer "
                           "reported: ==4242==ERROR: AddressSanitizer: heap-buffer-overflow"),
    "exit-1": ("1.1.1", "the client exited with status 1 after a normal end of its connection"),
    "no-connect": ("1.1.1", "the client exited with status 3 before it sent an opening "
                            "handshake (it printed: faulty_client: not connecting"),
    "hang": ("1.1.1", "the client did not exit in time and was killed"),
    "unmasked": ("1.1.1", "peer violated RFC 6455 5.1: frame from the client is not masked"),
    "bad-key": ("1.1.1", "the client's opening handshake request is invalid: Sec-WebSocket-Key"),
    "no-version": ("1.1.1", "the client's opening handshake request is invalid: "
                            "Sec-WebSocket-Version header missing (RFC 6455 4.2.1)"),
}


@pytest.fixture(scope="module")
def healthy(binaries, tmp_path_factory) -> Run:
    out = tmp_path_factory.mktemp("healthy")
    return run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault none {{url}}", out,
                      "--cases", "1.1.1,2.2")


def test_the_faulty_client_without_a_fault_passes(healthy):
    assert healthy.returncode == 0, healthy.describe(healthy.cases) + healthy.stderr[-2000:]
    assert healthy.verdicts == {"1.1.1": "OK", "2.2": "OK"}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_seeded_fault_fails_its_cases_with_the_reason(binaries, tmp_path, fault):
    case_id, reason = FAULTS[fault]
    # A short exit wait for the hang (5 s x 0.2); the cases' own timers are not reached.
    run = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault {fault} {{url}}", tmp_path,
                     "--cases", "1.1.1,2.2", "--timeout-scale", "0.2" if fault == "hang" else "1")
    assert run.returncode == 1, run.stderr[-2000:]
    case = run.cases[case_id]
    assert case["verdict"] == "FAILED"
    assert case["result"].startswith(reason), case["result"]


def test_the_command_line_says_what_is_wrong(binaries, tmp_path):
    both = invoke(binaries, "--client-command", "true {url}", "--target", "ws://127.0.0.1:1/",
                  "--out", str(tmp_path / "a"))
    assert both.returncode == 2
    assert "--target and --client-command exclude each other" in both.stderr
    bad = invoke(binaries, "--client-command", "true {url}", "--listen", "127.0.0.1",
                 "--out", str(tmp_path / "b"))
    assert bad.returncode == 2
    assert "bad --listen '127.0.0.1': expected HOST:PORT" in bad.stderr
    none = invoke(binaries, "--client-command", "true {url}", "--cases", "H.*",
                  "--out", str(tmp_path / "c"))
    assert none.returncode == 2
    assert "among the cases run against clients" in none.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()
