"""Cases of our own where Autobahn is silent: permessage-deflate edge cases (C.*, RFC 7692) and
a text message completed by an empty final fragment (U.*, RFC 6455 §8.1).

C.1 compressed empty messages, C.2 a compressed message ended by an empty fragment (§7.2.3.6),
C.3 context takeover across messages of mixed sizes, C.4 RSV1 where it must not be.
Each is checked against the reference server (all OK) and against servers with known faults.
"""

from __future__ import annotations

import pytest

C_IDS = ["C.1.1", "C.1.2", "C.1.3", "C.2.1", "C.2.2", "C.3.1", "C.4.1", "C.4.2"]
U_IDS = ["U.1.1", "U.1.2"]


def test_catalogue_lists_them_after_autobahns_cases(all_ids):
    ours = [i for i in all_ids if i.startswith(("C.", "U."))]
    assert ours == C_IDS + U_IDS
    assert all_ids.index("C.1.1") == all_ids.index("13.7.18") + 1


@pytest.fixture(scope="module")
def reference_run(binaries, reference_server_command, start_module_server, run_suite,
                  tmp_path_factory):
    server = start_module_server(reference_server_command(), "wsconform-server")
    return run_suite(server.url, tmp_path_factory.mktemp("beyond-reference"), "reference",
                     "--cases", "C.*,U.*", timeout=120)


def test_reference_server_passes_them_all(reference_run):
    run = reference_run
    assert run.returncode == 0, run.stderr
    assert run.ids_with("OK") == set(C_IDS + U_IDS), run.describe(C_IDS + U_IDS)


def test_compressed_frames_on_the_wire(reference_run):
    run = reference_run

    def sent(case_id):
        return [f for f in run.wire(case_id)["frames"] if f["dir"] == "tx" and f["opcode"] != 8]

    # C.1.1: one compressed frame whose payload is the empty stored block 0x00.
    (frame,) = sent("C.1.1")
    assert frame["rsv"] == 4 and frame["length"] == 1 and frame["hex"] == "00"
    # C.2.2: RSV1 on the first frame only, then an empty final continuation.
    first, last = sent("C.2.2")
    assert (first["rsv"], first["fin"]) == (4, False)
    assert (last["opcode"], last["rsv"], last["fin"], last["length"]) == (0, 0, True, 0)
    # C.3.1: 24 messages, each compressed; the echoes were inflated and compared.
    assert len(sent("C.3.1")) == 24 and all(f["rsv"] == 4 for f in sent("C.3.1"))
    received = [e for e in run.wire("C.3.1")["received"] if e["type"] == "message"]
    assert len(received) == 24
    # C.4.2: the continuation carries RSV1 too; the server fails the connection with 1002.
    assert [f["rsv"] for f in sent("C.4.2")] == [4, 4]
    assert run.cases["C.4.2"]["remote_close_code"] == 1002
    assert run.cases["U.1.1"]["remote_close_code"] == 1007


def test_without_permessage_deflate(faulty_server_command, start_server, run_suite, tmp_path):
    # --fault none: conformant, no extensions. Cases that need the extension are UNIMPLEMENTED;
    # C.4.1 sends RSV1 without negotiating, which the server must (and does) refuse.
    server = start_server(faulty_server_command("none"), "faulty-none")
    run = run_suite(server.url, tmp_path, "no-deflate", "--cases", "C.*,U.*", timeout=120)
    assert run.returncode == 0, run.stderr
    unimplemented = set(C_IDS) - {"C.4.1"}
    assert run.ids_with("UNIMPLEMENTED") == unimplemented, run.describe(C_IDS)
    assert run.ids_with("OK") == {"C.4.1"} | set(U_IDS), run.describe(C_IDS + U_IDS)
    for i in unimplemented:
        assert "did not negotiate permessage-deflate" in run.cases[i]["result"], i


@pytest.mark.parametrize("fault, failed", [
    ("rsv", {"C.4.1"}),          # reserved bits not checked: RSV1 without negotiation passes
    ("utf8", {"U.1.1"}),         # no UTF-8 validation: the truncated code point is echoed
])
def test_faults_are_caught(fault, failed, faulty_server_command, start_server, run_suite,
                           tmp_path):
    server = start_server(faulty_server_command(fault), f"faulty-{fault}")
    run = run_suite(server.url, tmp_path, f"faulty-{fault}", "--cases", "C.4.1,U.*",
                    timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.ids_with("FAILED") == failed, run.describe(["C.4.1"] + U_IDS)
    if fault == "utf8":
        # The reason says what went wrong (the server sent invalid UTF-8 instead of failing the
        # connection), not that the events matched, and quotes the MUST.
        result = run.cases["U.1.1"]["result"]
        assert result.startswith("the peer never failed the connection: the tester did, on the "
                                 "peer's own violation (peer violated RFC 6455 8.1"), result
        assert "that endpoint MUST _Fail the WebSocket Connection_" in result


def test_a_server_that_loses_the_context_fails_takeover(faulty_server_command, start_server,
                                                         run_suite, tmp_path):
    # This server inflates each message with a fresh window: the messages of C.3.1 that refer
    # back into earlier ones do not inflate, so their echoes never come. The messages that
    # stand alone (C.1, C.2) are fine.
    server = start_server(faulty_server_command("inflate-unbounded"), "faulty-inflate")
    run = run_suite(server.url, tmp_path, "fresh-window", "--cases", "C.1.*,C.2.*,C.3.1",
                    timeout=120)
    assert run.returncode == 1, run.stderr
    assert run.ids_with("FAILED") == {"C.3.1"}, run.describe(C_IDS)
    received = [e for e in run.wire("C.3.1")["received"] if e["type"] == "message"]
    assert len(received) < 24
