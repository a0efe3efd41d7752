"""Limits (L.*) and the slow handshake (H.5.3): frame lengths a server must not trust,
non-minimal length encodings, floods, the message-size limit, a crowd of connections,
decompression bombs.

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
SIZE_LIMIT = "L.9"  # the largest message echoed, found by doubling then bisecting
CROWD = "L.10"  # 1,000 connections open at once, each echoes
BOMBS = {"L.11", "L.12"}  # 1 GiB of zeros deflated to ~1 MiB: one frame, 16 KiB fragments
SLOW_HANDSHAKE = "H.5.3"  # the request at one octet per second, for up to 15 s


def _run(start_server, command, run_suite, tmp_path, agent):
    server = start_server(command)
    return run_suite(server.url, tmp_path / "out", agent, "--cases", "L.*", timeout=120)


def test_reference_server_passes_every_limit_case(start_server, reference_server_command,
                                                 run_suite, tmp_path):
    run = _run(start_server, reference_server_command(), run_suite, tmp_path, "reference")
    assert run.returncode == 0
    assert run.ids_with("OK") == (UNTRUSTED_LENGTH | NON_MINIMAL_DATA | NON_MINIMAL_PING | FLOODS
                                  | {SIZE_LIMIT} | BOMBS), run.describe(run.verdicts)
    # No MUST covers capacity: the crowd is INFORMATIONAL, with its counts.
    assert run.ids_with("INFORMATIONAL") == {CROWD}
    assert run.cases[CROWD]["result"].startswith("1000 of 1000 connections open at once, 1000 "
                                                 "echoed")
    for case_id in run.verdicts:
        notes = run.wire(case_id)["notes"]
        assert any(n.startswith("server still serving") for n in notes), (case_id, notes)
    # Beast refuses the 2^63-1 header as too big for its limit (1009), not after waiting.
    assert {run.cases[i]["remote_close_code"] for i in UNTRUSTED_LENGTH} == {1009}
    # The reference server's limit is 16 MiB (--max-message-size), found to the byte.
    assert run.cases[SIZE_LIMIT]["metrics"] == {
        "largest_echoed_bytes": 16 << 20, "smallest_refused_bytes": (16 << 20) + 1,
        "refusal_close_code": 1009}
    assert run.cases[SIZE_LIMIT]["result"].startswith("largest message echoed: 16777216 bytes")
    assert run.cases[SIZE_LIMIT]["tags"] == ["slow"]
    crowd = run.cases[CROWD]["metrics"]
    assert (crowd["connections"], crowd["opened"], crowd["echoed"], crowd["failed"]) == (
        1000, 1000, 1000, 0)
    # Beast inflates up to its message limit, then closes with 1009.
    for case_id in BOMBS:
        assert run.cases[case_id]["remote_close_code"] == 1009
        assert "permessage-deflate" in run.wire(case_id)["http_response"]


def test_size_limit_is_found_to_the_byte(start_server, faulty_server_command, run_suite,
                                        tmp_path):
    server = start_server(faulty_server_command("none") + ["--max-message", "100000"])
    run = run_suite(server.url, tmp_path / "out", "limited", "--cases", SIZE_LIMIT)
    assert run.ids_with("OK") == {SIZE_LIMIT}, run.describe(run.verdicts)
    assert run.cases[SIZE_LIMIT]["metrics"]["largest_echoed_bytes"] == 100000
    assert run.cases[SIZE_LIMIT]["metrics"]["smallest_refused_bytes"] == 100001
    # The record is the refused probe's connection, and lists every probe.
    wire = run.wire(SIZE_LIMIT)
    assert wire["remote_close_code"] == 1009
    probes = [n.strip() for n in wire["notes"] if n.startswith("  ")]
    assert probes[0] == "1048576 bytes: refused with close 1009"
    assert "100000 bytes: echoed" in probes and "100001 bytes: refused with close 1009" in probes


def test_reference_server_times_out_a_slow_handshake(start_server, reference_server_command,
                                                     run_suite, tmp_path):
    server = start_server(reference_server_command() + ["--handshake-timeout", "3"])
    run = run_suite(server.url, tmp_path / "out", "reference", "--cases", SLOW_HANDSHAKE)
    assert run.ids_with("OK") == {SLOW_HANDSHAKE}, run.describe(run.verdicts)
    case = run.cases[SLOW_HANDSHAKE]
    assert case["result"].startswith("the server closed the slow handshake after ")
    assert 2500 <= case["metrics"]["held_ms"] <= 6000, case["metrics"]
    notes = run.wire(SLOW_HANDSHAKE)["notes"]
    assert any(n.startswith("while the slow handshake was held, a fresh connection got its echo")
               for n in notes), notes


def test_serial_server_fails_the_slow_handshake_and_the_crowd(start_server,
                                                             faulty_server_command, run_suite,
                                                             tmp_path):
    # One connection at a time and no handshake timeout: the slow client blocks the canary,
    # and the crowd's connections wait in the accept queue until their handshakes time out.
    # The crowd is a capacity finding (INFORMATIONAL with the counts), not a MUST broken.
    server = start_server(faulty_server_command("serial"))
    run = run_suite(server.url, tmp_path / "out", "serial", "--cases",
                    f"{SLOW_HANDSHAKE},{CROWD}", "--jobs", "1", timeout=120)
    assert run.returncode == 1
    assert run.ids_with("FAILED") == {SLOW_HANDSHAKE}, run.describe(run.verdicts)
    assert run.ids_with("INFORMATIONAL") == {CROWD}, run.describe(run.verdicts)
    assert "neither served nor refused cleanly" in run.cases[CROWD]["result"]
    assert "a fresh connection was not served" in run.cases[SLOW_HANDSHAKE]["result"]
    assert "still held the slow handshake open after 15.0 s" in run.cases[SLOW_HANDSHAKE]["result"]
    assert run.cases[SLOW_HANDSHAKE]["metrics"]["held_ms"] >= 15000
    assert run.cases[CROWD]["metrics"]["failed"] > 0


def test_unbounded_inflate_is_non_strict_on_the_bombs(start_server, faulty_server_command,
                                                     run_suite, tmp_path):
    # A limit on the inflated size is a SHOULD (RFC 6455 10.4): inflating all of it and
    # echoing it is NON-STRICT, said plainly; the server survived. Which of the two reasons
    # depends on the machine's speed: the echo of 1 GiB, or no answer within the case's 10 s
    # while the server is still inflating (on a loaded machine). Both say there is no limit.
    server = start_server(faulty_server_command("inflate-unbounded"))
    run = run_suite(server.url, tmp_path / "out", "inflate", "--cases", "L.11,L.12")
    assert run.ids_with("NON-STRICT") == BOMBS, run.describe(run.verdicts)
    for case_id in BOMBS:
        result = run.cases[case_id]["result"]
        assert "no limit on the inflated size" in result, result
        if result.startswith("the server inflated the whole bomb and echoed it"):
            assert "observed [binary 1040462 bytes]" in result
        else:
            assert result.startswith("the server neither refused nor echoed the bomb"), result


@pytest.mark.parametrize("fault, failed, waited", [
    ("none", set(), set()),
    # Believing the declared length: it waits for the payload. For 2^63-1 bytes, a legal length
    # (RFC 6455 5.2), that is only the lack of a limit (a SHOULD, 10.4: NON-STRICT; the tester
    # ends the case by dropping TCP); a length with its top bit set breaks 5.2's MUST.
    ("trust-length", {"L.2"}, {"L.1"}),
])
def test_trusting_the_declared_length(fault, failed, waited, start_server, faulty_server_command,
                                      run_suite, tmp_path):
    run = _run(start_server, faulty_server_command(fault), run_suite, tmp_path, fault)
    assert run.ids_with("FAILED") == failed, run.describe(run.verdicts)
    # The stdlib server accepts non-minimal data frame lengths (NON-STRICT) but refuses a ping
    # whose 7-bit length field says 126 (its control-frame check comes first).
    assert run.ids_with("NON-STRICT") == NON_MINIMAL_DATA | waited, run.describe(run.verdicts)
    assert run.ids_with("OK") == (UNTRUSTED_LENGTH - failed - waited) | NON_MINIMAL_PING | FLOODS
    # Its limit is 64 MiB, the search's bound: no limit found. No permessage-deflate.
    assert run.ids_with("INFORMATIONAL") == {SIZE_LIMIT, CROWD}
    assert run.ids_with("UNIMPLEMENTED") == BOMBS
    for case_id in waited:
        wire = run.wire(case_id)
        assert run.cases[case_id]["result"].startswith("the server kept waiting for the payload")
        # Ended by dropping TCP: a Close would have been read as payload of the declared frame.
        assert not any(f["dir"] == "tx" and f["opcode"] == 8 for f in wire["frames"]), wire
    for case_id in failed:
        assert run.cases[case_id]["result"].startswith(
            "the peer never failed the connection: the tester had to end it after 3.0 s")
        assert "(the most significant bit MUST be 0)" in run.cases[case_id]["result"]


@pytest.mark.parametrize("fault, verdict, reason", [
    # RFC 6455 5.5.3: a server may answer only the most recent of the pings it has not answered.
    ("coalesce-pongs", "OK", "Actual events match the OK expectation"),
    # A 6 s stall before the pongs: a robustness finding with its duration, not a failure.
    ("slow-pongs", "INFORMATIONAL", "every expected event came, but only after "),
    # The last ping never answered breaks 5.5.2's MUST.
    ("no-pong", "FAILED", "Actual events differ from any expected: observed []"),
])
def test_ping_flood_rules(fault, verdict, reason, start_server, faulty_server_command, run_suite,
                          tmp_path):
    server = start_server(faulty_server_command(fault))
    run = run_suite(server.url, tmp_path / "out", fault, "--cases", "L.7", timeout=120)
    assert run.verdicts == {"L.7": verdict}, run.describe(run.verdicts)
    assert reason in run.cases["L.7"]["result"], run.cases["L.7"]["result"]
    if fault == "coalesce-pongs":  # fewer pongs than pings, the last one answered
        assert run.cases["L.7"]["metrics"]["expected_events_ms"] >= 0
    if fault == "no-pong":
        assert "Upon receipt of a Ping frame, an endpoint MUST send a Pong frame" in (
            run.cases["L.7"]["result"])


def _run_third_party(start_server, command, run_suite, tmp_path, agent):
    # With the library's permessage-deflate on (--deflate), so the bombs are checked; and the
    # slow handshake, which holds each run for 15 s when the server has no handshake timeout.
    server = start_server(command + ["--deflate"])
    return run_suite(server.url, tmp_path / "out", agent, "--cases", f"L.*,{SLOW_HANDSHAKE}",
                     timeout=120)


def test_python_websockets(start_server, run_suite, tmp_path):
    run = _run_third_party(start_server, [PYTHON, str(SERVERS / "websockets_echo.py")], run_suite,
                           tmp_path, "websockets")
    # websockets 10.4 does not check the minimal length form, also not for control frames.
    assert run.ids_with("NON-STRICT") == NON_MINIMAL_DATA | NON_MINIMAL_PING, run.describe(
        run.verdicts)
    assert run.ids_with("OK") == UNTRUSTED_LENGTH | FLOODS | {SIZE_LIMIT} | BOMBS
    # Its default max_size (1 MiB), to the byte, refused with 1009; its bound on inflated size
    # stops the bombs.
    assert run.cases[SIZE_LIMIT]["metrics"]["largest_echoed_bytes"] == 1 << 20
    assert run.cases[SIZE_LIMIT]["metrics"]["refusal_close_code"] == 1009
    assert {run.cases[i]["remote_close_code"] for i in BOMBS} == {1009}
    # Its open_timeout does not cover a request head that never completes (held >= 15 s).
    assert run.ids_with("INFORMATIONAL") == {SLOW_HANDSHAKE, CROWD}
    assert run.cases[SLOW_HANDSHAKE]["metrics"]["held_ms"] >= 15000


def test_node_ws(start_server, node_ws, run_suite, tmp_path):
    run = _run_third_party(start_server, [node_ws, str(SERVERS / "ws_echo.js")], run_suite,
                           tmp_path, "ws")
    # ws does not check the minimal length form of data frames; a ping with a 16-bit length
    # is refused (its control-frame length check looks at the 7-bit field).
    # ws terminates a connection with more than 60 pending auto-pongs (its maxPendingAutoPongs
    # guard): it survives the ping flood but drops TCP without a Close frame (NON-STRICT, RFC
    # 6455 7.1.7). It refuses the 100,000-fragment message cleanly with 1008.
    assert run.ids_with("NON-STRICT") == NON_MINIMAL_DATA | {"L.7"}, run.describe(run.verdicts)
    assert run.ids_with("OK") == UNTRUSTED_LENGTH | NON_MINIMAL_PING | {"L.8"} | BOMBS
    assert "without a Close frame" in run.cases["L.7"]["result"]
    assert run.cases["L.8"]["result"].startswith("refused the load cleanly with close code 1008")
    # The echo server sets maxPayload to 64 MiB, the search's bound; Node's HTTP server holds a
    # request head that never completes for longer than 15 s.
    assert run.ids_with("INFORMATIONAL") == {SIZE_LIMIT, SLOW_HANDSHAKE, CROWD}
    assert {run.cases[i]["remote_close_code"] for i in BOMBS} == {1009}
