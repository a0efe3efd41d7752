"""Limits (L.*): frame lengths a server must not trust, and non-minimal length encodings.

Each L case also opens a fresh connection afterwards that must get its echo: the server survived.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SERVERS = Path(__file__).resolve().parent / "servers"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

UNTRUSTED_LENGTH = {"L.1", "L.2"}  # 2^63-1 declared then a trickle; 64-bit length with MSB set
NON_MINIMAL_DATA = {"L.3", "L.4", "L.5"}  # text/binary frames with a non-minimal length form
NON_MINIMAL_PING = {"L.6"}
FLOODS = {"L.7", "L.8"}  # 10,000 pings in one write; one message in 100,000 1-byte fragments


def _run(start_server, command, run_suite, tmp_path, agent):
    server = start_server(command)
    return run_suite(server.url, tmp_path / "out", agent, "--cases", "L.*", timeout=120)


def test_reference_server_fails_every_bad_length_and_survives(start_server,
                                                             reference_server_command,
                                                             run_suite, tmp_path):
    run = _run(start_server, reference_server_command(), run_suite, tmp_path, "reference")
    assert run.returncode == 0
    assert run.ids_with("OK") == UNTRUSTED_LENGTH | NON_MINIMAL_DATA | NON_MINIMAL_PING | FLOODS
    for case_id in run.verdicts:
        notes = run.wire(case_id)["notes"]
        assert any(n.startswith("server still serving") for n in notes), (case_id, notes)
    # Beast refuses the 2^63-1 header as too big for its limit (1009), not after waiting.
    assert {run.cases[i]["remote_close_code"] for i in UNTRUSTED_LENGTH} == {1009}


@pytest.mark.parametrize("fault, failed", [
    ("none", set()),
    # Believing the declared length: it waits for 2^63 bytes and never fails the connection.
    ("trust-length", UNTRUSTED_LENGTH),
])
def test_trusting_the_declared_length_fails(fault, failed, start_server, faulty_server_command,
                                           run_suite, tmp_path):
    run = _run(start_server, faulty_server_command(fault), run_suite, tmp_path, fault)
    assert run.ids_with("FAILED") == failed, run.describe(run.verdicts)
    # The stdlib server accepts non-minimal data frame lengths (NON-STRICT) but refuses a ping
    # whose 7-bit length field says 126 (its control-frame check comes first).
    assert run.ids_with("NON-STRICT") == NON_MINIMAL_DATA, run.describe(run.verdicts)
    assert run.ids_with("OK") == (UNTRUSTED_LENGTH - failed) | NON_MINIMAL_PING | FLOODS


def test_python_websockets(start_server, run_suite, tmp_path):
    run = _run(start_server, [PYTHON, str(SERVERS / "websockets_echo.py")], run_suite, tmp_path,
               "websockets")
    # websockets 10.4 does not check the minimal length form, also not for control frames.
    assert run.ids_with("NON-STRICT") == NON_MINIMAL_DATA | NON_MINIMAL_PING, run.describe(
        run.verdicts)
    assert run.ids_with("OK") == UNTRUSTED_LENGTH | FLOODS


def test_node_ws(start_server, node_ws, run_suite, tmp_path):
    run = _run(start_server, [node_ws, str(SERVERS / "ws_echo.js")], run_suite, tmp_path, "ws")
    # ws does not check the minimal length form of data frames; a ping with a 16-bit length
    # is refused (its control-frame length check looks at the 7-bit field).
    # ws terminates a connection with more than 60 pending auto-pongs (its maxPendingAutoPongs
    # guard): it survives the ping flood but drops TCP without a Close frame (NON-STRICT, RFC
    # 6455 7.1.7). It refuses the 100,000-fragment message cleanly with 1008.
    assert run.ids_with("NON-STRICT") == NON_MINIMAL_DATA | {"L.7"}, run.describe(run.verdicts)
    assert run.ids_with("OK") == UNTRUSTED_LENGTH | NON_MINIMAL_PING | {"L.8"}
    assert "without a Close frame" in run.cases["L.7"]["result"]
    assert run.cases["L.8"]["result"].startswith("refused the load cleanly with close code 1008")
