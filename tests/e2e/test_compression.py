"""WebSocket Compression (Autobahn 12.x, 13.x): permessage-deflate, RFC 7692.

216 cases of 1000 compressed round trips each: 12.x over five generated data sets with
Autobahn's default offer, 13.x over the JSON set with Autobahn's seven parameter sets. Echoes
are inflated (they may come compressed or not) and checked byte for byte. A server that does
not agree to permessage-deflate is UNIMPLEMENTED.

All 216 push ~11 GB through zlib on each side, minutes on two shared cores: the tests here run
a subset that covers every data set, every parameter set and every kind of variant (small,
large, fragmented compressed payloads); bench/compression.py runs them all.
"""

from __future__ import annotations

import re

import pytest

from conftest import expand

SUBGROUP_SIZES = {
    "12.1": ("Large JSON data file", "utf8", 194056),
    "12.2": ("Picture, Bitmap 512x512 grayscale", "binary", 263222),
    "12.3": ("Human readable text, German verse drama", "binary", 222218),
    "12.4": ("Large HTML file", "utf8", 263647),
    "12.5": ("A larger PDF", "binary", 1042328),
}
# (payload size, auto-fragment size) of variants 1-18: Autobahn's MSG_SIZES.
VARIANTS = [(16, 0), (64, 0), (256, 0), (1024, 0), (4096, 0), (8192, 0), (16384, 0),
            (32768, 0), (65536, 0), (131072, 0), (8192, 256), (16384, 256), (32768, 256),
            (65536, 256), (131072, 256), (131072, 1024), (131072, 4096), (131072, 32768)]
DEFAULT = "permessage-deflate; client_no_context_takeover; client_max_window_bits"
# What each 13.x sub-category offers, exactly as Autobahn writes it.
OFFERS = {
    "13.1": DEFAULT,
    "13.2": DEFAULT + "; server_no_context_takeover",
    "13.3": DEFAULT + "; server_max_window_bits=9",
    "13.4": DEFAULT + "; server_max_window_bits=15",
    "13.5": DEFAULT + "; server_no_context_takeover; server_max_window_bits=9",
    "13.6": DEFAULT + "; server_no_context_takeover; server_max_window_bits=15",
    "13.7": ", ".join([DEFAULT + "; server_no_context_takeover; server_max_window_bits=9",
                       DEFAULT + "; server_no_context_takeover", DEFAULT]),
}
# Every data set and parameter set, each variant kind at least once; few large ones.
SUBSET = ["12.1.1", "12.1.11", "12.2.4", "12.3.5", "12.4.12", "12.5.3", "12.5.11", "13.1.2",
          "13.2.6", "13.3.1", "13.3.11", "13.4.4", "13.5.5", "13.5.11", "13.6.3", "13.7.1",
          "13.7.18"]


def compression_ids(all_ids) -> list[str]:
    return expand(all_ids, "12.*", "13.*")


def test_catalogue_has_autobahns_216_cases(catalogue, all_ids):
    ids = compression_ids(all_ids)
    expected = [f"{c}.{s}.{v}" for c, subs in ((12, 5), (13, 7)) for s in range(1, subs + 1)
                for v in range(1, 19)]
    assert ids == expected
    # After 10.1.1, before our own prefixed cases.
    assert all_ids.index("12.1.1") == all_ids.index("10.1.1") + 1
    rows = {row[0]: row for row in catalogue}
    for i in ids:
        _, group, title = rows[i]
        assert group.startswith("WebSocket Compression / "), (i, group)
        sub = i.rsplit(".", 1)[0]
        if sub in SUBGROUP_SIZES:
            title_, kind, size_bytes = SUBGROUP_SIZES[sub]
            assert group.endswith(f" / {title_} ({kind}, {size_bytes} bytes)"), (i, group)
        size, fragment = VARIANTS[int(i.split(".")[2]) - 1]
        assert title.startswith(f"Send 1000 compressed messages each of payload size {size}, "
                                f"auto-fragment to {fragment} octets. Use "), (i, title)


@pytest.fixture(scope="module")
def reference_subset(binaries, reference_server_command, start_module_server, run_suite,
                     tmp_path_factory):
    server = start_module_server(reference_server_command(), "wsconform-server")
    out = tmp_path_factory.mktemp("compression-reference")
    return run_suite(server.url, out, "reference", "--cases", ",".join(SUBSET), timeout=600)


def test_reference_server_echoes_every_compressed_message(reference_subset):
    run = reference_subset
    assert run.returncode == 0, run.stderr
    assert set(run.verdicts) == set(SUBSET)
    assert run.ids_with("OK") == set(SUBSET), run.describe(set(SUBSET) - run.ids_with("OK"))
    for i in SUBSET:
        case = run.cases[i]
        m = case["metrics"]
        size = VARIANTS[int(i.split(".")[2]) - 1][0]
        assert m["echoed_messages"] == 1000 and m["echoed_bytes"] == 1000 * size, i
        # Beast compresses every echo; we sent every message compressed.
        assert m["compressed_echoes"] == 1000, i
        assert m["sent_compressed_bytes"] > 0 and 0 < m["sent_compression_ratio"] < 1.2, i
        assert "came back unchanged" in case["result"]
        sub = i.rsplit(".", 1)[0]
        if sub in SUBGROUP_SIZES:
            title, kind, size_bytes = SUBGROUP_SIZES[sub]
            assert case["subgroup"] == f"{title} ({kind}, {size_bytes} bytes)"
        else:
            assert case["subgroup"].startswith(
                "Large JSON data file (utf8, 194056 bytes) - client offers "
                "(requestNoContextTakeover, requestMaxWindowBits): [")


def test_offers_are_autobahns_and_responses_match_them(reference_subset):
    run = reference_subset
    for i in SUBSET:
        record = run.wire(i)
        sub = i.rsplit(".", 1)[0]
        offer = OFFERS.get(sub, DEFAULT)
        assert f"\r\nSec-WebSocket-Extensions: {offer}\r\n" in record["http_request"] \
            or f"\nSec-WebSocket-Extensions: {offer}\n" in record["http_request"], i
        response = re.search(r"Sec-WebSocket-Extensions: ([^\r\n]*)", record["http_response"])
        assert response, i
        params = {p.strip() for p in response.group(1).split(";")}
        assert "permessage-deflate" in params
        # Beast grants what is asked: server_no_context_takeover and the window bits offered.
        if "server_no_context_takeover" in offer.split(",")[0]:
            assert "server_no_context_takeover" in params, (i, params)
        if sub in ("13.3", "13.5", "13.7"):
            assert "server_max_window_bits=9" in params, (i, params)
        # Our first frame of a message has RSV1 (compressed), continuations do not.
        sent = [f for f in record["frames"] if f["dir"] == "tx" and f["opcode"] in (0, 1, 2)]
        assert sent and all((f["rsv"] == 4) == (f["opcode"] != 0) for f in sent), i
        if VARIANTS[int(i.split(".")[2]) - 1][1] == 256:
            assert any(f["opcode"] == 0 for f in sent), f"{i}: compressed payload not fragmented"


def test_unimplemented_when_the_server_does_not_negotiate(faulty_server_command, start_server,
                                                          run_suite, tmp_path):
    # The faulty server with --fault none is conformant but has no extensions.
    server = start_server(faulty_server_command("none"), "faulty-none")
    cases = ["12.1.1", "12.5.18", "13.3.1", "13.7.18"]
    run = run_suite(server.url, tmp_path, "no-deflate", "--cases", ",".join(cases), timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.ids_with("UNIMPLEMENTED") == set(cases), run.describe(cases)
    for i in cases:
        assert "did not negotiate permessage-deflate" in run.cases[i]["result"]


def test_context_takeover_when_the_server_allows_it(faulty_server_command, start_server,
                                                    run_suite, tmp_path):
    # This server accepts with a bare "permessage-deflate" (no client_no_context_takeover), so
    # we compress with context takeover; it echoes our compressed frames as they came, but
    # inflates each message with a fresh window (its own bug), so it breaks off as soon as a
    # message refers back to an earlier one. The echoes before that were compressed and are
    # inflated and checked; the verdict says which echo never came.
    server = start_server(faulty_server_command("inflate-unbounded"), "faulty-inflate")
    cases = ["12.1.1", "12.1.11", "13.2.3"]
    run = run_suite(server.url, tmp_path, "echo-compressed", "--cases", ",".join(cases),
                    timeout=240)
    assert run.returncode == 1, run.stderr
    assert run.ids_with("FAILED") == set(cases), run.describe(cases)
    for i in ("12.1.1", "12.1.11"):
        case = run.cases[i]
        m = case["metrics"]
        assert 1 <= m["echoed_messages"] < 1000, i
        assert m["compressed_echoes"] == m["echoed_messages"], i
        assert re.fullmatch(r"the connection ended before the echo of text message \d+ of 1000 "
                            r"\(.*\) came back", case["result"]), case["result"]
    # 13.2 asks for server_no_context_takeover, which this server leaves out of its answer:
    # an invalid response (RFC 7692 §7.1.1.1) fails the handshake.
    result = run.cases["13.2.3"]["result"]
    assert "invalid permessage-deflate response" in result and "7.1.1.1" in result, result


def test_verdicts_and_bytes_do_not_depend_on_jobs(reference_server_command, start_server,
                                                  run_suite, tmp_path):
    # At the default --jobs, cases that send the same messages share our compressed forms (the
    # run's cache) and start together; at --jobs 1 each compresses its own. Verdicts, and the
    # compressed bytes we sent, must be the same either way.
    server = start_server(reference_server_command(), "wsconform-server")
    subset = ["12.3.9", "12.3.14", "13.1.9", "13.5.14", "13.7.4", "C.1.3", "C.3.1"]
    runs = [run_suite(server.url, tmp_path / name, name, "--cases", ",".join(subset), *jobs,
                      timeout=300)
            for name, jobs in (("serial", ("--jobs", "1")), ("parallel", ()))]
    serial, parallel = runs
    assert list(serial.verdicts) == list(parallel.verdicts) == subset
    assert serial.verdicts == parallel.verdicts, (
        f"--jobs 1:\n{serial.describe(subset)}\ndefault:\n{parallel.describe(subset)}")
    assert serial.ids_with("OK") == set(subset), serial.describe(subset)
    for i in subset[:5]:
        for metric in ("sent_compressed_bytes", "echoed_bytes", "echoed_messages"):
            assert serial.cases[i]["metrics"][metric] == parallel.cases[i]["metrics"][metric], \
                (i, metric)
    # 12.3.9 and 12.3.14 send the same 65,536-byte slices, 13.1.9 and 13.5.14 the same ones
    # of the JSON set (fragmentation cuts the compressed payload, not the message).
    m = parallel.cases
    assert m["12.3.9"]["metrics"]["sent_compressed_bytes"] == \
        m["12.3.14"]["metrics"]["sent_compressed_bytes"]
    assert m["13.1.9"]["metrics"]["sent_compressed_bytes"] == \
        m["13.5.14"]["metrics"]["sent_compressed_bytes"]
    assert serial.returncode == parallel.returncode == 0
