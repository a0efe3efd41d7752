"""The whole suite against two widely used third-party servers: Python `websockets` and npm `ws`.

Each test pins the verdict of every case: the deviations from OK are listed below with the
reason read from the wire records (OUT/cases/<agent>/<id>.json), everything else must be OK.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

E2E = Path(__file__).resolve().parent
SERVERS = E2E / "servers"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

# Autobahn scores these INFORMATIONAL for every server (see test_reference.py).
INFORMATIONAL = {"7.1.6", "7.13.1", "7.13.2"}

# --- Python websockets 10.4 (Debian 12's python3-websockets), legacy asyncio server -------------
WEBSOCKETS_VERSION = "10.4"

# Its reader task parses frames ahead of the handler coroutine. When the bad frame is already in
# the buffer as the first message completes, the connection is failed (close 1002) before the
# handler's echo is written, and that send then raises ConnectionClosed: no echo (NON-STRICT).
_NO_ECHO = "first message never echoed: the bad frame in the same write fails the connection " \
           "(1002) before the handler coroutine runs"
WEBSOCKETS_NON_STRICT = {
    "3.2": ("RSV = 2 frame sent in the same write; " + _NO_ECHO, 1002),
    "4.1.3": ("reserved opcode 5 sent in the same write; " + _NO_ECHO, 1002),
    "4.1.4": ("reserved opcode 6 (with payload) sent in the same write; " + _NO_ECHO, 1002),
    "4.2.3": ("reserved opcode 13 sent in the same write; " + _NO_ECHO, 1002),
    "4.2.4": ("reserved opcode 14 (with payload) sent in the same write; " + _NO_ECHO, 1002),
    "5.15": ("continuation with nothing to continue sent in the same write as the message; "
             + _NO_ECHO, 1002),
    # An unfragmented text frame is decoded only once complete (fragmented ones go through an
    # incremental decoder, so 6.4.1/6.4.2 fail fast and are OK): 1007 only after the last chop.
    "6.4.3": ("invalid UTF-8 inside one frame sent in chops: detected only at frame end", 1007),
    "6.4.4": ("invalid UTF-8 inside one frame sent in chops: detected only at frame end", 1007),
}
# The same cases with the frames written one per write (3.3) or one octet per write (3.4, 4.1.5,
# 4.2.5): whether the handler coroutine echoes the first message before the reader reaches the
# bad frame is a race inside the server, mostly lost (NON-STRICT); 3.3 and 3.4 were seen OK in
# about 1 run of 10. Both verdicts are legitimate for these cases; both must close with 1002.
WEBSOCKETS_RACY = {"3.3", "3.4", "4.1.5", "4.2.5"}

# --- npm ws (pinned in tests/e2e/package.json) ---------------------------------------------------
WS_VERSION = "8.23.0"

# ws checks the UTF-8 of a text message only once the whole message has arrived (Receiver
# dataMessage -> isValidUTF8 on the concatenated fragments), neither per fragment nor per chop,
# so the invalid message is refused (1007) only after its last frame or chop.
WS_NON_STRICT = {
    "6.4.1": ("invalid UTF-8 in the 2nd of 3 fragments: detected only at message end", 1007),
    "6.4.2": ("invalid UTF-8 in the 2nd of 3 fragments: detected only at message end", 1007),
    "6.4.3": ("invalid UTF-8 inside one frame sent in chops: detected only at message end", 1007),
    "6.4.4": ("invalid UTF-8 inside one frame sent in chops: detected only at message end", 1007),
}


@pytest.fixture(scope="module")
def websockets_run(start_module_server, run_suite, tmp_path_factory):
    version = subprocess.run([PYTHON, "-c", "import websockets; print(websockets.__version__)"],
                             capture_output=True, text=True, timeout=30)
    assert version.returncode == 0, f"python3-websockets is not importable: {version.stderr}"
    assert version.stdout.strip() == WEBSOCKETS_VERSION, (
        f"the verdicts below were observed with websockets {WEBSOCKETS_VERSION}, "
        f"this is {version.stdout.strip()}")
    server = start_module_server([PYTHON, SERVERS / "websockets_echo.py"], "websockets")
    # Autobahn's categories; our own (C.*, U.*, H.*, M.*, L.*, S.*) are pinned in their own
    # test files.
    return run_suite(server.url, tmp_path_factory.mktemp("websockets"), "websockets",
                     "--exclude-cases", "9.*,12.*,13.*,C.*,U.*,H.*,M.*,L.*,S.*")


@pytest.fixture(scope="module")
def ws_run(node_ws, start_module_server, run_suite, tmp_path_factory):
    installed = json.loads((E2E / "node_modules" / "ws" / "package.json").read_text())["version"]
    assert installed == WS_VERSION, f"node_modules has ws {installed}, package.json pins " \
                                    f"{WS_VERSION}: run npm ci in {E2E}"
    server = start_module_server([node_ws, SERVERS / "ws_echo.js"], "node-ws")
    return run_suite(server.url, tmp_path_factory.mktemp("ws"), "node-ws",
                     "--exclude-cases", "9.*,12.*,13.*,C.*,U.*,H.*,M.*,L.*,S.*")


def check_deviation(run, case_id: str, close_code: int, echoed: bool | None = None) -> None:
    case = run.cases[case_id]
    assert case["behavior_close"] == "OK", run.describe([case_id])
    assert case["remote_close_code"] == close_code, run.describe([case_id])
    if echoed is not None:
        messages = [e for e in run.wire(case_id)["received"] if e["type"] == "message"]
        assert bool(messages) == echoed, run.describe([case_id])


def test_websockets_verdicts(websockets_run, validate_report, conformance_ids):
    run = websockets_run
    assert run.returncode == 0, run.stderr + run.stdout
    validate_report(run, conformance_ids)

    racy = {i: run.verdicts[i] for i in WEBSOCKETS_RACY}
    assert set(racy.values()) <= {"OK", "NON-STRICT"}, run.describe(WEBSOCKETS_RACY)
    racy_non_strict = {i for i, v in racy.items() if v == "NON-STRICT"}
    summary = run.summary
    assert summary == {"total": 247, "OK": 232 + len(WEBSOCKETS_RACY) - len(racy_non_strict),
                       "NON-STRICT": len(WEBSOCKETS_NON_STRICT) + len(racy_non_strict),
                       "INFORMATIONAL": 3, "UNIMPLEMENTED": 0, "FAILED": 0}, summary

    non_strict = run.ids_with("NON-STRICT") - WEBSOCKETS_RACY
    assert non_strict == set(WEBSOCKETS_NON_STRICT), run.describe(
        non_strict ^ set(WEBSOCKETS_NON_STRICT))
    assert run.ids_with("INFORMATIONAL") == INFORMATIONAL
    assert run.ids_with("FAILED", "UNIMPLEMENTED") == set()

    for case_id, (_, code) in WEBSOCKETS_NON_STRICT.items():
        check_deviation(run, case_id, code, echoed=False)
    for case_id, verdict in racy.items():
        check_deviation(run, case_id, 1002, echoed=verdict == "OK")


def test_websockets_answers_7_1_5_with_1000(websockets_run):
    # A close between two fragments: websockets echoes the peer's close (1000) from
    # read_data_frame before read_message raises "incomplete fragmented message", so 7.1.5 is OK.
    case = websockets_run.cases["7.1.5"]
    assert case["verdict"] == "OK" and case["remote_close_code"] == 1000, \
        websockets_run.describe(["7.1.5"])


def test_ws_verdicts(ws_run, validate_report, conformance_ids):
    run = ws_run
    assert run.returncode == 0, run.stderr + run.stdout
    validate_report(run, conformance_ids)
    assert run.summary == {"total": 247, "OK": 240, "NON-STRICT": 4, "INFORMATIONAL": 3,
                           "UNIMPLEMENTED": 0, "FAILED": 0}, run.summary
    assert run.ids_with("NON-STRICT") == set(WS_NON_STRICT), run.describe(
        run.ids_with("NON-STRICT") ^ set(WS_NON_STRICT))
    assert run.ids_with("INFORMATIONAL") == INFORMATIONAL
    for case_id, (_, code) in WS_NON_STRICT.items():
        check_deviation(run, case_id, code)
        # Both pauses passed before the close: the refusal came only after the last piece.
        events = [e.get("tag") for e in run.wire(case_id)["received"] if e["type"] == "timeout"]
        assert events == ["A", "B"], run.describe([case_id])
