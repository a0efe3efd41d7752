"""The cases Autobahn does not have: opening handshake (H.*) and masking (M.*).

Against the reference server every one is OK; each seeded fault of the faulty server turns
exactly its family FAILED; the verdicts of Python websockets and Node ws are pinned with the
reason of every deviation (real findings about those libraries, read from the wire records).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SERVERS = Path(__file__).resolve().parent / "servers"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

SELECTION = "H.*,M.*"
VERSION_CASES = {"H.3.1", "H.3.2", "H.3.3", "H.3.4", "H.3.5"}
UNMASKED_CASES = {"M.1", "M.2", "M.3", "M.4", "M.5"}
EARLY_FRAME = "H.1.19"  # the first frame in the same write as the request


def _run(start_server, command, run_suite, out, agent):
    server = start_server(command)
    # The slow handshake (H.5.3, 5-15 s) has its own tests in test_limits.py.
    return run_suite(server.url, out, agent, "--cases", SELECTION, "--exclude-cases", "@slow",
                     timeout=120)


def test_reference_server_passes_every_handshake_and_masking_case(
        start_server, reference_server_command, run_suite, catalogue, tmp_path):
    run = _run(start_server, reference_server_command(), run_suite, tmp_path / "out", "reference")
    ids = {case_id for case_id, _, _ in catalogue if case_id.startswith(("H.", "M."))} - {"H.5.3"}
    assert run.returncode == 0, run.describe(set(run.verdicts) - run.ids_with("OK"))
    assert set(run.verdicts) == ids and len(ids) == 47 + 8
    # A frame in the same write as the request binds no server (RFC 6455 4.1 forbids the
    # client to send it): INFORMATIONAL, saying what the server did. Beast keeps it.
    assert run.ids_with("INFORMATIONAL") == {EARLY_FRAME}, run.describe(run.verdicts)
    assert run.cases[EARLY_FRAME]["result"].startswith(
        "the server kept the frame sent with the request and echoed it")
    ids -= {EARLY_FRAME}
    # The huge requests (H.5) are refused with 431 and the server keeps serving. (The server
    # closes while the request is still arriving, so a TCP reset may swallow the 431: then the
    # refusal is seen as the connection closing.)
    for case_id in ("H.5.1", "H.5.2"):
        assert run.cases[case_id]["result"].startswith(
            ("refused with status 431", "refused by closing the connection")), run.describe([case_id])
        assert any(n.startswith("server still serving") for n in run.wire(case_id)["notes"])
    assert run.ids_with("OK") == ids, run.describe(set(run.verdicts) - run.ids_with("OK"))
    # A refusal is judged from the HTTP answer; the 426 names the version (RFC 6455 4.4).
    for case_id in VERSION_CASES:
        assert run.cases[case_id]["result"] == "refused with status 426", run.describe([case_id])
        assert "the refusal carries 'Sec-WebSocket-Version: 13'" in run.wire(case_id)["notes"]


@pytest.mark.parametrize("fault, failed, lesser", [
    ("none", set(), {}),
    # Accepting any version: the version cases are accepted with 101 and FAIL, except H.3.2
    # (draft version 8), where acceptance is INFORMATIONAL because RFC 6455 4.4 lets a server
    # speak several versions.
    ("any-version", VERSION_CASES - {"H.3.2"}, {"H.3.2": "INFORMATIONAL"}),
    # Acting on unmasked frames (echo, pong, processing the fragment) breaks RFC 6455 5.1's
    # MUST; an unmasked Close answered with a Close (1000) closes the connection as 5.1 asks,
    # with a code that says something else (NON-STRICT).
    ("no-mask", UNMASKED_CASES - {"M.4"}, {"M.4": "NON-STRICT"}),
    # Closing with 1003 instead of 1002: the MUST is to close, the 1002 is a MAY.
    ("unmasked-1003", set(), {c: "NON-STRICT" for c in UNMASKED_CASES}),
    # 400 without naming the supported version: a MUST only for a well-formed version the
    # server does not understand (H.3.2-H.3.4); no version at all is just a malformed request
    # (H.3.1, OK), a malformed version asks only for an appropriate error (H.3.5, NON-STRICT).
    ("version-no-header", {"H.3.2", "H.3.3", "H.3.4"}, {"H.3.5": "NON-STRICT"}),
    # A 5xx for the client's mistake.
    ("version-5xx", set(), {c: "NON-STRICT" for c in VERSION_CASES}),
    # Speaking version 0 too (websocketpp): a version-0 request without hixie-76's fields is
    # refused as malformed, not as an unknown version; the probe for version 255 shows the list.
    ("versions-0-13", set(), {}),
    # Dropping the bytes that came with the request is no MUST violation: the client sent early.
    ("early-data-drop", set(), {EARLY_FRAME: "INFORMATIONAL"}),
])
def test_each_fault_fails_exactly_its_family(fault, failed, lesser, start_server,
                                             faulty_server_command, run_suite, tmp_path):
    run = _run(start_server, faulty_server_command(fault), run_suite, tmp_path / "out", fault)
    assert run.ids_with("FAILED") == failed, run.describe(run.ids_with("FAILED") ^ failed)
    expected_other = {EARLY_FRAME: "INFORMATIONAL", **lesser}
    for case_id in set(run.verdicts) - failed:
        assert run.verdicts[case_id] == expected_other.get(case_id, "OK"), run.describe([case_id])
    # Every FAILED says what went wrong and quotes the MUST it enforces.
    for case_id in failed:
        result = run.cases[case_id]["result"]
        assert not result.startswith("Actual events match"), result
        assert " MUST " in result and "[RFC " in result, result
    if fault == "no-mask":
        assert run.cases["M.1"]["result"].startswith(
            "the peer acted on what it had to reject: it answered with [text 'Hello, world!']")
        assert run.cases["M.3"]["result"].startswith(
            "the peer acted on what it had to reject: it answered with [pong 'ping payload']")
    if fault == "unmasked-1003":
        assert all(run.cases[c]["remote_close_code"] == 1003 for c in UNMASKED_CASES)
        assert run.cases["M.1"]["result"].startswith(
            "closed the connection as required, but with 1003 where 1002")
    if fault == "version-no-header":
        assert run.cases["H.3.1"]["result"] == (
            "refused with status 400 without 'Sec-WebSocket-Version: 13'")
        assert 'RFC 6455 4.2.2: "If this version does not match' in run.cases["H.3.3"]["result"]
    if fault == "versions-0-13":
        assert "the server understands version 0 (asked for version 255, it lists 0, 13)" in (
            run.cases["H.3.4"]["result"])
    if fault == "early-data-drop":
        assert run.cases[EARLY_FRAME]["result"] == (
            "the server answered 101 but dropped the frame sent with the request (no echo "
            "within 1 s)")


# Python websockets 10.4 (Debian 12).
WEBSOCKETS_FAILED = {
    # RFC 6455 4.2.1 item 2: a request without Host must be refused; websockets answers 101.
    "H.2.14",
    # RFC 6455 4.2.2: an unsupported version is refused with 400, but without naming the
    # supported version in Sec-WebSocket-Version.
    "H.3.2", "H.3.3", "H.3.4",
}
# The same 400 for a malformed version: RFC 6455 4.2.1 asks only for an appropriate error.
# (A missing version, H.3.1, is a malformed request: any 4xx is OK.)
WEBSOCKETS_NON_STRICT = {"H.3.5"}
# Node ws (pinned in package.json).
WS_FAILED = {
    # RFC 6455 4.2.1 item 1: "An HTTP/1.1 or higher GET request"; ws accepts HTTP/1.0.
    "H.2.13",
    # RFC 6455 4.2.1 item 2: no Host header, accepted with 101.
    "H.2.14",
}
# ws speaks the hybi-08 draft too (Sec-WebSocket-Version: 8), which RFC 6455 4.4 allows; the
# frame sent with the request is reported, whatever ws does with it.
WS_INFORMATIONAL = {"H.3.2", EARLY_FRAME}


def test_python_websockets(start_server, run_suite, tmp_path):
    run = _run(start_server, [PYTHON, str(SERVERS / "websockets_echo.py")], run_suite,
               tmp_path / "out", "websockets")
    assert run.ids_with("FAILED") == WEBSOCKETS_FAILED, run.describe(
        run.ids_with("FAILED") ^ WEBSOCKETS_FAILED)
    assert run.ids_with("NON-STRICT") == WEBSOCKETS_NON_STRICT, run.describe(run.verdicts)
    # websockets keeps a frame sent with the request and echoes it.
    assert run.ids_with("INFORMATIONAL") == {EARLY_FRAME}
    assert run.cases[EARLY_FRAME]["result"].startswith("the server kept the frame")
    assert run.ids_with("OK") == (set(run.verdicts) - WEBSOCKETS_FAILED - WEBSOCKETS_NON_STRICT
                                  - {EARLY_FRAME})
    assert "101" not in run.cases["H.3.2"]["result"]
    assert "without 'Sec-WebSocket-Version: 13'" in run.cases["H.3.2"]["result"]


def test_node_ws(start_server, node_ws, run_suite, tmp_path):
    run = _run(start_server, [node_ws, str(SERVERS / "ws_echo.js")], run_suite, tmp_path / "out",
               "ws")
    assert run.ids_with("FAILED") == WS_FAILED, run.describe(run.ids_with("FAILED") ^ WS_FAILED)
    assert run.ids_with("INFORMATIONAL") == WS_INFORMATIONAL, run.describe(WS_INFORMATIONAL)
    assert run.ids_with("OK") == set(run.verdicts) - WS_FAILED - WS_INFORMATIONAL
    for case_id in WS_FAILED:
        assert "accepted (101) a request it must refuse" in run.cases[case_id]["result"]
