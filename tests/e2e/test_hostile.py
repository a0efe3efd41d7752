"""Hostile peers: a server that hangs, stays silent, floods, declares a 2^63-1 byte frame or
resets mid-frame ends each case with a clear reason; the run never hangs or crashes, and the
report stays bounded.

Runs three cases against each behaviour of tests/servers/faulty_server.py: 1.1.1 and 1.1.2
(text echo, where the hostile reply is triggered) and 2.1 (a ping, which the hostile server
answers normally except in 'hang' and 'silent').
"""

from __future__ import annotations

import pytest

from conftest import run_measured

CASES = "1.1.1,1.1.2,2.1"
ECHO_CASES = {"1.1.1", "1.1.2"}


def _reasons(run, case_id: str) -> str:
    """The verdict's reasoning: result line plus the notes of the wire record."""
    wire = run.wire(case_id)
    return " | ".join([run.cases[case_id]["result"], *wire["notes"]])


@pytest.mark.parametrize("fault, failed, reason", [
    # No answer to the opening handshake: every case fails once the handshake timeout expires.
    ("hang", {"1.1.1", "1.1.2", "2.1"}, "no opening handshake response within the timeout"),
    # Handshake done, then nothing: our Close goes unanswered and we drop TCP.
    ("silent", {"1.1.1", "1.1.2", "2.1"}, "no Close reply within the closing-handshake timeout"),
    # A frame declaring 2^63-1 bytes is refused as soon as its header is read (RFC 6455 10.4).
    ("huge-length", ECHO_CASES, "payload exceeds the configured limit"),
    # Endless 64 KiB frames: the flood guard drops the connection, or, when the peer floods
    # slower than the guard's 256 MiB in the time allowed, our Close goes unanswered.
    ("flood", ECHO_CASES, ("flood", "no Close reply within the closing-handshake timeout")),
    # Half a frame, then a TCP RST.
    ("reset", ECHO_CASES, "reset"),
])
def test_hostile_peer_ends_each_case_with_a_reason(fault, failed, reason, start_server,
                                                   faulty_server_command, run_suite, tmp_path):
    server = start_server(faulty_server_command(fault))
    # Half the timers: these verdicts do not depend on timer lengths, only on the peer never
    # doing the right thing.
    run = run_suite(server.url, tmp_path / "out", f"hostile-{fault}", "--cases", CASES,
                    "--timeout-scale", "0.5", timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.ids_with("FAILED") == failed, run.describe(run.verdicts)
    reasons = reason if isinstance(reason, tuple) else (reason,)
    for case_id in failed:
        assert any(r in _reasons(run, case_id) for r in reasons), run.describe([case_id])
    for case_id in set(run.verdicts) - failed:
        assert run.verdicts[case_id] == "OK", run.describe([case_id])
    # The report stays bounded however much the peer sent (flood: 256 MiB per case).
    total = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert total < 100 * 1024 * 1024, f"report is {total} bytes"


def test_2_63_length_never_allocates(start_server, faulty_server_command, run_suite, tmp_path):
    """The 2^63-1 header is rejected at its first 10 bytes: the wire record shows the violation
    at stream offset 0, before any payload byte was waited for."""
    server = start_server(faulty_server_command("huge-length"))
    run = run_suite(server.url, tmp_path / "out", "huge", "--cases", "1.1.1", timeout=60)
    notes = run.wire("1.1.1")["notes"]
    assert any("RFC 6455 10.4" in n and "stream offset 0" in n for n in notes), notes


@pytest.mark.parametrize("fault", ["flood", "ping-flood"])
def test_a_flooding_peer_keeps_memory_bounded(fault, binaries, start_server,
                                              faulty_server_command, tmp_path):
    """Six cases flooded at once with 64 KiB data frames, or with pings: what a case keeps is
    bounded (events past the expected lists keep no payload, one pong owed at most, pings
    counted), so the harness stays far below the 256 MiB each case may receive. It took
    0.77 GB and 0.99 GB before."""
    server = start_server(faulty_server_command(fault))
    run, rss_kib = run_measured(binaries, server.url, tmp_path / "out", fault, "--cases",
                                "1.1.1,1.2.8,2.1,5.3,6.3.1,7.1.1", "--timeout-scale", "0.5")
    assert run.returncode == 1, run.stderr
    assert run.ids_with("OK") == {"2.1"}, run.describe(run.verdicts)
    assert 0 < rss_kib < 320 * 1024, f"peak RSS {rss_kib / 1024:.0f} MiB"
    if fault == "ping-flood":
        assert run.cases["1.1.1"]["metrics"]["pings_received"] > 1000


def test_a_peer_flooding_every_case_keeps_memory_and_the_report_bounded(
        binaries, start_server, faulty_server_command, tmp_path):
    """Every case flooded with 64 KiB frames at the default --jobs: each case may receive 256
    MiB, and every record is kept until the report is written, so the records share one budget
    (64 MiB for the run). Before, 67 cases took 0.54 GB and wrote a 789 MB report."""
    server = start_server(faulty_server_command("flood"))
    out = tmp_path / "out"
    run, rss_kib = run_measured(binaries, server.url, out, "flood", "--cases",
                                "1.*,2.*,3.*,5.*,6.1.*,6.2.*,7.1.*", "--timeout-scale", "0.5")
    assert run.returncode == 1, run.stderr
    assert len(run.verdicts) == 67
    # Cases whose reply triggers the flood fail; the rest (no data echoed) still pass.
    assert run.ids_with("FAILED") and run.ids_with("OK"), run.describe(run.verdicts)
    assert 0 < rss_kib < 256 * 1024, f"peak RSS {rss_kib / 1024:.0f} MiB"
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < 200 * 1024 * 1024, f"report is {total / 2**20:.0f} MiB"


def test_a_peer_sending_huge_frames_on_every_case_keeps_memory_bounded(
        binaries, start_server, faulty_server_command, tmp_path):
    """Every echo answered with 48 MiB frames: a frame is buffered whole until it completes, so
    a case refuses one larger than what it can expect (receive_limit) at its header. The run's
    64 MiB limit for every case would have let 64 cases in flight buffer 3 GiB."""
    server = start_server(faulty_server_command("big-frames"))
    run, rss_kib = run_measured(binaries, server.url, tmp_path / "out", "big-frames", "--cases",
                                "1.*,2.*,3.*,5.*,6.1.*,6.2.*,7.1.*", "--timeout-scale", "0.5")
    assert run.returncode == 1, run.stderr
    assert 0 < rss_kib < 256 * 1024, f"peak RSS {rss_kib / 1024:.0f} MiB"
    assert "payload exceeds the configured limit" in _reasons(run, "1.1.1"), \
        run.describe(["1.1.1"])
    assert run.verdicts["1.1.1"] == "FAILED"
