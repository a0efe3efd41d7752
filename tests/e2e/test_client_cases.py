"""The client-only case families beyond Autobahn (exec mode): the client's opening request
(Q.1), limits towards a client (B.1), closing from both sides (E.1), and the checks across a
whole run (Q.1.7, K.1.6). Correct clients pass; each seeded fault of tests/clients/faulty_client.py
fails exactly the cases of the rule it breaks, with the reason.
"""

from __future__ import annotations

import pytest

from conftest import PYTHON
from test_clients import FAULTY_CLIENT, WEBSOCKETS_CLIENT, run_client

FAMILIES = "Q.*,K.1.6,B.*,E.*"
# B.1.3/B.1.4 (decompression bombs) need permessage-deflate, which the faulty client does not
# offer: UNIMPLEMENTED for it.
BOMBS = {"B.1.3", "B.1.4"}


def faulty(fault: str) -> str:
    return f"{PYTHON} {FAULTY_CLIENT} --fault {fault} {{url}}"


@pytest.fixture(scope="module")
def correct(binaries, tmp_path_factory):
    return run_client(binaries, faulty("none"), tmp_path_factory.mktemp("none"),
                      "--cases", FAMILIES)


def test_a_correct_client_passes_every_family(correct):
    assert correct.returncode == 0, correct.describe(correct.ids_with("FAILED"))
    assert correct.ids_with("UNIMPLEMENTED") == BOMBS
    assert correct.ids_with("OK") == set(correct.cases) - BOMBS, \
        correct.describe(set(correct.cases) - correct.ids_with("OK"))
    assert len(correct.cases) == 8 + 1 + 7 + 4
    # Its 16 MiB limit refuses the 32 MiB message, and its 2^63-1 frame, with 1009.
    assert "1009" in correct.cases["B.1.5"]["result"]
    # Q.1.7 and K.1.6 start after all the others and compare every connection of the run (but
    # each other's, when they run side by side).
    for check in ("Q.1.7", "K.1.6"):
        assert correct.cases[check]["metrics"]["connections_compared"] >= len(correct.cases) - 1


# fault -> the cases it fails, and the start of the reason of the first of them.
REQUEST_FAULTS = {
    "host-no-port": ({"Q.1.2"}, "the client's opening handshake request is invalid: Host "
                                "127.0.0.1 instead of 127.0.0.1:"),
    "no-connection": ({"Q.1.4"}, "the client's opening handshake request is invalid: "
                                 "Connection header missing"),
    "no-version": ({"Q.1.6"}, "the client's opening handshake request is invalid: "
                              "Sec-WebSocket-Version header missing"),
    "fixed-key": ({"Q.1.7"}, "across the run: the connections of cases Q.1."),
}


@pytest.mark.parametrize("fault", sorted(REQUEST_FAULTS))
def test_each_part_of_the_request_is_its_own_case(binaries, tmp_path, fault):
    failing, reason = REQUEST_FAULTS[fault]
    run = run_client(binaries, faulty(fault), tmp_path, "--cases", "Q.*")
    assert run.returncode == 1
    assert run.ids_with("FAILED") == failing, run.describe(run.ids_with("FAILED"))
    first = run.cases[sorted(failing)[0]]
    assert first["result"].startswith(reason), first["result"]
    if fault == "fixed-key":
        assert "both sent the key dGhlIHNhbWUgbm9uY2UhIQ==" in first["result"]


def test_mask_keys_that_repeat_across_processes_fail_the_check_across_the_run(binaries,
                                                                               tmp_path):
    # Seeded the same way in every process: each connection's keys differ (K.1.1 passes), but
    # every connection starts with the same key, which only the run as a whole shows.
    run = run_client(binaries, faulty("seeded-mask"), tmp_path, "--cases", "K.1.1,Q.1.1,K.1.6")
    assert run.verdicts == {"K.1.1": "OK", "Q.1.1": "OK", "K.1.6": "FAILED"}
    result = run.cases["K.1.6"]["result"]
    assert result.startswith("across the run: the connections of cases "), result
    assert "both masked their first frame with the key" in result


def test_a_client_without_limits(binaries, tmp_path):
    run = run_client(binaries, faulty("no-limits"), tmp_path, "--cases", "B.1.1,B.1.2,B.1.5")
    # A 64-bit length with its top bit set is a MUST (RFC 6455 5.2): waiting for 2^63 bytes
    # FAILS; waiting for 2^63-1 is only the missing limit (a SHOULD); it echoes 32 MiB.
    assert run.verdicts == {"B.1.1": "NON-STRICT", "B.1.2": "FAILED", "B.1.5": "OK"}, \
        run.describe(run.cases)
    assert "no frame-size limit" in run.cases["B.1.1"]["result"]
    assert "the peer never failed the connection" in run.cases["B.1.2"]["result"]


def test_a_client_that_never_closes_tcp(binaries, tmp_path):
    # The server keeps TCP open 75 s after the closing handshake (15 s at this scale); this
    # client waits for it for ever, whoever started the close.
    run = run_client(binaries, faulty("never-close-tcp"), tmp_path, "--cases", "E.1.1,E.1.2",
                     "--timeout-scale", "0.2")
    assert run.ids_with("FAILED") == {"E.1.1", "E.1.2"}, run.describe(run.cases)
    for case_id in ("E.1.1", "E.1.2"):
        result = run.cases[case_id]["result"]
        assert result.startswith("the client did not close TCP within 15.0 s of the closing "
                                 "handshake"), result
        assert "MUST close the underlying TCP connection" in result


def test_the_websockets_client_on_the_families(binaries, tmp_path):
    # python3-websockets 10.4: a correct request and keys, a 1 MiB message limit (1009 for the
    # 32 MiB message and the 2^63-1 frame), permessage-deflate with a limit on the inflated
    # size (1009 for the bombs), and TCP closed by itself after its close timeout.
    run = run_client(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}", tmp_path,
                     "--cases", FAMILIES)
    # One finding: after refusing the bomb in 16 KiB fragments with 1009 (B.1.4), the process
    # lingers, idle, for about 20 s before it exits: it stopped reading, so it sees neither our
    # Close nor our TCP close, and waits out its 10 s close timeout twice. Killed 5 s after a
    # clean closing handshake, that is NON-STRICT; when it saw our close in time, OK.
    assert not run.ids_with("FAILED"), run.describe(run.ids_with("FAILED"))
    if run.verdicts["B.1.4"] != "OK":
        assert run.verdicts["B.1.4"] == "NON-STRICT"
        result = run.cases["B.1.4"]["result"]
        assert result.startswith("the client did not exit in time and was killed"), result
        assert result.endswith("after a clean closing handshake"), result
    assert run.ids_with("OK") >= set(run.cases) - {"B.1.4"}, \
        run.describe(set(run.cases) - run.ids_with("OK"))
    assert run.cases["B.1.3"]["remote_close_code"] == 1009  # its limit on the inflated size
