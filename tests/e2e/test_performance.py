"""Limits and performance (Autobahn 9.x): single messages up to 16 MiB, 4 MiB in fragments of
64 B to 4 MiB, 1 MiB in TCP chops of 64-2048 octets, 1000-message round-trip runs.

Beyond Autobahn: every echo is compared byte for byte, a 1009 refusal is named plainly, and
each case records throughput and round-trip percentiles. The runner streams the payloads, so a
whole 9.x run stays under 256 MiB of resident memory.
"""

from __future__ import annotations

import re

import pytest

from conftest import run_measured

MiB = 1 << 20
RSS_LIMIT_KIB = 256 * 1024

SUBGROUPS = {
    "9.1": "Text Message (increasing size)",
    "9.2": "Binary Message (increasing size)",
    "9.3": "Fragmented Text Message (fixed size, increasing fragment size)",
    "9.4": "Fragmented Binary Message (fixed size, increasing fragment size)",
    "9.5": "Text Message (fixed size, increasing chop size)",
    "9.6": "Binary Message (fixed size, increasing chop size)",
    "9.7": "Text Message Roundtrip Time",
    "9.8": "Binary Message Roundtrip Time",
}
SIZES = [64 << 10, 256 << 10, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB]  # 9.1.n, 9.2.n
RTT_SIZES = [0, 16, 64, 256, 1024, 4096]  # 9.7.n, 9.8.n
METRICS = {"echoed_messages", "echoed_bytes", "transfer_ms", "throughput_mb_s", "rtt_p50_ms",
           "rtt_p99_ms", "rtt_max_ms"}

@pytest.fixture(scope="module")
def reference_9x(start_module_server, reference_server_command, binaries, tmp_path_factory):
    server = start_module_server(reference_server_command(), "wsconform-server")
    out = tmp_path_factory.mktemp("perf")
    return run_measured(binaries, server.url, out, "reference", "--cases", "9.*")


def test_reference_server_passes_every_9x_case(reference_9x, select, validate_report):
    run, _ = reference_9x
    assert run.returncode == 0, run.stderr + run.stdout
    expected = select("9.*")
    assert len(expected) == 54
    validate_report(run, expected)
    assert run.summary == {"total": 54, "OK": 54, "NON-STRICT": 0, "INFORMATIONAL": 0,
                           "UNIMPLEMENTED": 0, "FAILED": 0}, run.describe(run.verdicts)
    for case_id, case in run.cases.items():
        assert case["group"] == "Limits/Performance", case_id
        assert case["subgroup"] == SUBGROUPS[case_id.rsplit(".", 1)[0]], case_id
        assert case["behavior_close"] == "OK" and case["remote_close_code"] == 1000, case_id
        assert "unchanged" in case["result"], case["result"]


def test_peak_rss_of_the_whole_9x_run_is_bounded(reference_9x):
    run, rss_kib = reference_9x
    assert run.returncode == 0
    assert 0 < rss_kib < RSS_LIMIT_KIB, f"peak RSS {rss_kib / 1024:.0f} MiB"


def test_metrics_and_streamed_events(reference_9x):
    run, _ = reference_9x
    for case_id, case in run.cases.items():
        metrics = case["metrics"]
        assert set(metrics) == METRICS, (case_id, metrics)
        assert 0 <= metrics["rtt_p50_ms"] <= metrics["rtt_p99_ms"] <= metrics["rtt_max_ms"]
        assert metrics["transfer_ms"] > 0
    for n, size in enumerate(SIZES, 1):
        for sub in ("9.1", "9.2"):
            metrics = run.cases[f"{sub}.{n}"]["metrics"]
            assert metrics["echoed_messages"] == 1 and metrics["echoed_bytes"] == size
            assert metrics["throughput_mb_s"] > 0
    for n, size in enumerate(RTT_SIZES, 1):
        for sub in ("9.7", "9.8"):
            metrics = run.cases[f"{sub}.{n}"]["metrics"]
            assert metrics["echoed_messages"] == 1000 and metrics["echoed_bytes"] == 1000 * size
    # The echo is checked as it streams in and not kept: the record gives its length only.
    record = run.wire("9.1.6")
    assert record["received"] == [{"type": "message", "binary": False, "length": 16 * MiB,
                                   "hex": "", "truncated": True, "streamed": True}]
    assert record["received_count"] == 1
    # 1000 echoes: a shortened record lists the first and last 32 events, and counts them all.
    echoes = run.wire("9.8.3")
    assert echoes["received_count"] == 1000 and len(echoes["received"]) == 64
    assert echoes["shortened"]["received"] == {"left_out": 936, "left_out_from": 32}
    # A case that passed has a shortened record (--wire-log failed, the default): the first and
    # last 4 KiB of each direction, the 16 MiB between as their length and SHA-256 (Autobahn
    # logs none of it).
    ends = record["shortened"]["chunks"]
    assert ends["tx"]["bytes"] > 16 * MiB and ends["rx"]["bytes"] > 16 * MiB
    assert ends["rx"]["middle_bytes"] == ends["rx"]["bytes"] - 2 * 4096
    assert sum(len(c["hex"]) // 2 for c in record["chunks"]) <= 4 * 4096
    assert record["frames"][0]["dir"] == "tx" and record["frames"][0]["length"] == 16 * MiB
    assert record["frames"][0]["hex"] == b"BAsd7&jh23BAsd7&jh23BAsd7&jh23BAsd7&jh23BAsd7&jh23" \
        b"BAsd7&jh23BAsd".hex()


def test_titles_fix_autobahns_size_mistakes(catalogue):
    titles = {case_id: title for case_id, _, title in catalogue}
    # Autobahn says "(16M)" for 9.2.5 and "(8M)" for 9.3.9's fragments.
    assert titles["9.2.5"] == "Send a binary message of 8 MiB (8388608 bytes) in one frame"
    assert titles["9.3.9"] == "Send a text message of 4 MiB in fragments of 4 MiB (1 frame)"
    assert titles["9.3.1"] == "Send a text message of 4 MiB in fragments of 64 bytes (65536 frames)"
    assert titles["9.6.2"] == ("Send a binary message of 1 MiB in one frame, written in chops of "
                               "128 octets")
    assert titles["9.7.6"].startswith("Send 1000 text messages of 4 KiB, each once the previous")


@pytest.fixture(scope="module")
def limited_server(start_module_server, faulty_server_command):
    return start_module_server(faulty_server_command("none") + ["--max-message", str(MiB)],
                               "faulty-1MiB")


def test_a_1009_refusal_is_named_plainly(limited_server, run_suite, tmp_path):
    run = run_suite(limited_server.url, tmp_path / "out", "limited", "--cases",
                    "9.1.*,9.2.*,9.3.1", timeout=120)
    assert run.returncode == 1
    assert run.ids_with("OK") == {"9.1.1", "9.1.2", "9.1.3", "9.2.1", "9.2.2", "9.2.3"}, \
        run.describe(run.verdicts)
    refused = {"9.1.4": "4 MiB", "9.1.5": "8 MiB", "9.1.6": "16 MiB", "9.2.4": "4 MiB",
               "9.2.5": "8 MiB", "9.2.6": "16 MiB", "9.3.1": "4 MiB"}
    for case_id, size in refused.items():
        case = run.cases[case_id]
        assert case["verdict"] == "FAILED" and case["behavior"] == "FAILED", case_id
        assert case["result"] == (f"peer refused a {size} message with 1009 (message too big): "
                                  f"its limit is below {size}"), case["result"]
        # The peer's closing handshake is judged as the peer's: it closed first, cleanly.
        assert case["remote_close_code"] == 1009
        assert case["behavior_close"] == "OK", run.describe([case_id])


def test_verdicts_do_not_depend_on_jobs(limited_server, run_suite, select, tmp_path):
    subset = "9.1.*,9.4.9,9.6.1,9.7.2,9.8.6"
    serial = run_suite(limited_server.url, tmp_path / "serial", "serial", "--cases", subset,
                       "--jobs", "1", timeout=120)
    parallel = run_suite(limited_server.url, tmp_path / "parallel", "parallel", "--cases", subset,
                         timeout=120)
    expected = select("9.1.*", "9.4.9", "9.6.1", "9.7.2", "9.8.6")
    assert list(serial.verdicts) == list(parallel.verdicts) == expected
    assert serial.verdicts == parallel.verdicts, (
        f"--jobs 1:\n{serial.describe(expected)}\ndefault:\n{parallel.describe(expected)}")
    assert serial.ids_with("FAILED") == {"9.1.4", "9.1.5", "9.1.6", "9.4.9"}
    assert serial.returncode == parallel.returncode == 1


def test_a_corrupted_echo_is_detected(start_server, faulty_server_command, run_suite, tmp_path):
    # The server changes the middle byte of every echo above 64 KiB: type and length are right,
    # so Autobahn would pass these.
    server = start_server(faulty_server_command("corrupt-large"), "faulty-corrupt-large")
    run = run_suite(server.url, tmp_path / "out", "corrupt", "--cases",
                    "9.1.1,9.1.2,9.2.3,9.4.5,9.6.6,9.8.6", timeout=120)
    assert run.returncode == 1
    assert run.ids_with("OK") == {"9.1.1", "9.8.6"}, run.describe(run.verdicts)
    assert run.ids_with("FAILED") == {"9.1.2", "9.2.3", "9.4.5", "9.6.6"}
    # 256 KiB of "BAsd7&jh23": byte 131072 is 's' (0x73), sent back as 0x72.
    assert run.cases["9.1.2"]["result"] == ("the echo differs from what was sent at byte 131072 "
                                            "of 262144 (sent 0x73, got 0x72)")
    for case_id in ("9.2.3", "9.4.5", "9.6.6"):
        case = run.cases[case_id]
        assert re.fullmatch(r"the echo differs from what was sent at byte \d+ of \d+ "
                            r"\(sent 0x[0-9a-f]{2}, got 0x[0-9a-f]{2}\)", case["result"]), case
        # The tester closes after the wrong echo; the closing handshake itself is fine.
        assert case["behavior_close"] == "OK", run.describe([case_id])
        assert "metrics" in case and case["metrics"]["echoed_messages"] == 0


def test_no_echo_within_the_scaled_timer(start_server, faulty_server_command, run_suite,
                                         tmp_path):
    # Autobahn's timers (10 s for 9.1.1, 60 s for 9.7.1) scaled by --timeout-scale; the server
    # reads everything and never answers.
    server = start_server(faulty_server_command("silent"), "faulty-silent")
    run = run_suite(server.url, tmp_path / "out", "silent", "--cases", "9.1.1,9.7.1",
                    "--timeout-scale", "0.05", timeout=60)
    assert run.returncode == 1
    assert run.cases["9.1.1"]["result"] == "no echo of the text message of 64 KiB within 0.5 s"
    assert run.cases["9.7.1"]["result"] == "no echo of text message 1 of 1000 (0 bytes) within 3 s"
    assert 500 <= run.cases["9.1.1"]["duration_ms"] < 3000
    assert run.cases["9.7.1"]["metrics"] == {"echoed_messages": 0, "echoed_bytes": 0}
