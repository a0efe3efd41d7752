"""Verdicts can fail: the suite against tests/servers/faulty_server.py with deliberate faults.

With `--fault none` the server is conformant; each fault breaks one rule, and exactly the cases
that check that rule must turn FAILED while every other case keeps its `none` verdict.
"""

from __future__ import annotations

import pytest

# With --fault none, what is not OK: 6.4.x are NON-STRICT because the server checks the UTF-8 of
# a text message only when the whole message is in (not per fragment or chop); the other three
# are INFORMATIONAL for every server (see test_reference.py).
NONE_NON_STRICT = {"6.4.1", "6.4.2", "6.4.3", "6.4.4"}
NONE_INFORMATIONAL = {"7.1.6", "7.13.1", "7.13.2"}

# The text messages of category 6 that are NOT valid UTF-8 (Autobahn's 6.x); all other 6.x
# cases send valid UTF-8 and expect an echo.
INVALID_UTF8 = (
    "6.3.*",  # invalid sequence, whole and in fragments
    "6.4.*",  # fail-fast: valid prefix, then the invalid part
    "6.6.1", "6.6.3", "6.6.4", "6.6.6", "6.6.8", "6.6.10",  # truncated prefixes of 'κόσμε'
    "6.8.*",  # 5- and 6-byte sequences
    "6.10.*",  # beyond U+10FFFF (4-, 5-, 6-byte forms)
    "6.11.5",  # U+110000
    "6.12.*", "6.13.*", "6.14.*", "6.15.*", "6.16.*",  # stray, lonely, truncated, impossible
    "6.17.*", "6.18.*", "6.19.*",  # overlong forms
    "6.20.*", "6.21.*",  # UTF-16 surrogates, single and paired
)

# Fault -> the case patterns that must turn FAILED (everything else keeps its verdict).
FAULTS = {
    # Invalid text is echoed instead of failing the connection with 1007.
    "utf8": INVALID_UTF8,
    # RSV bits are ignored: the frames are echoed (3.1-3.6). 3.7 is a Close with RSV = 7: the
    # server answers it with an empty Close, and Autobahn's rule for these cases ("close code
    # 1002 or none") accepts a Close without a code, so 3.7 stays OK.
    "rsv": ("3.1", "3.2", "3.3", "3.4", "3.5", "3.6"),
    # Close codes 0, 999, 1004-1006, 1016, 1100, 2000, 2999 are echoed instead of 1002.
    # (5000 and 65535, 7.13.x, are INFORMATIONAL whatever the answer.)
    "close-code": ("7.9.*",),
    # Every case that expects a pong: 2.1-2.4, 2.6 (pings), 2.9 (ping after a pong), 2.10/2.11
    # (10 pings); 5.6-5.8, 5.19, 5.20 (pings between fragments). Not 2.5 (a 126-byte ping must
    # fail the connection), 2.7/2.8 (unsolicited pongs need no answer).
    "no-pong": ("2.1", "2.2", "2.3", "2.4", "2.6", "2.9", "2.10", "2.11",
                "5.6", "5.7", "5.8", "5.19", "5.20"),
    # A text frame after each of its Close frames (RFC 6455 5.5.1: "After sending a Close frame,
    # the endpoint MUST NOT send any more data frames"): every case sees the server's Close,
    # so every case fails, the informational ones too.
    "data-after-close": ("1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"),
}


@pytest.fixture(scope="module")
def fault_run(start_module_server, faulty_server_command, run_suite, tmp_path_factory):
    """fault_run(name) -> Run of the whole suite against faulty_server.py --fault name (cached)."""
    runs = {}

    def run(fault: str):
        if fault not in runs:
            server = start_module_server(faulty_server_command(fault), f"faulty-{fault}")
            # The C.*, U.*, H.*, M.*, L.*, S.* faults are checked in their own test files.
            # 9.x (limits/performance) is checked in test_performance.py, 12.x/13.x
            # (compression) in test_compression.py.
            runs[fault] = run_suite(server.url, tmp_path_factory.mktemp(f"fault-{fault}"),
                                    f"faulty-{fault}", "--exclude-cases",
                                    "9.*,12.*,13.*,C.*,U.*,H.*,M.*,L.*,S.*")
            server.stop()
        return runs[fault]
    return run


def test_no_fault(fault_run, validate_report, conformance_ids):
    run = fault_run("none")
    assert run.returncode == 0, run.stderr + run.stdout
    validate_report(run, conformance_ids)
    assert run.ids_with("NON-STRICT") == NONE_NON_STRICT, run.describe(
        run.ids_with("NON-STRICT") ^ NONE_NON_STRICT)
    assert run.ids_with("INFORMATIONAL") == NONE_INFORMATIONAL
    assert run.summary == {"total": 247, "OK": 240, "NON-STRICT": 4, "INFORMATIONAL": 3,
                           "UNIMPLEMENTED": 0, "FAILED": 0}
    for case_id in NONE_NON_STRICT:
        assert run.cases[case_id]["remote_close_code"] == 1007, run.describe([case_id])


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_fails_exactly_its_cases(fault, fault_run, select, validate_report, conformance_ids):
    baseline, run = fault_run("none"), fault_run(fault)
    expected = set(select(*FAULTS[fault]))
    assert run.returncode == 1, run.stderr + run.stdout
    validate_report(run, conformance_ids)
    changed = {i for i in conformance_ids if run.verdicts[i] != baseline.verdicts[i]}
    assert changed == expected, (
        f"turned: {sorted(changed - expected)}\n{run.describe(changed - expected)}\n"
        f"kept: {sorted(expected - changed)}\n{run.describe(expected - changed)}")
    assert run.ids_with("FAILED") == expected, run.describe(run.ids_with("FAILED") ^ expected)
    assert run.summary["FAILED"] == len(expected)
    # The summary on stdout names every failed case.
    failed_lines = [line.split()[0] for line in run.stdout.split("FAILED:\n", 1)[-1].splitlines()
                    if line.startswith("  ")]
    assert failed_lines == [i for i in conformance_ids if i in expected]


def test_utf8_fault_mechanism(fault_run, select):
    run = fault_run("utf8")
    # The invalid text came back as a text frame; the tester failed the connection itself with
    # 1007 (the peer never did), and says why in the record's notes.
    for case_id in ("6.3.1", "6.12.1", "6.20.1"):
        record = run.wire(case_id)
        sent = [f["hex"] for f in record["frames"] if f["dir"] == "tx" and f["opcode"] == 1]
        echoed = [f["hex"] for f in record["frames"] if f["dir"] == "rx" and f["opcode"] == 1]
        assert sent and echoed == sent, run.describe([case_id])
        assert record["failed_by_me"] and record["local_close_code"] == 1007, run.describe([case_id])
        assert any("not valid UTF-8" in note for note in record["notes"]), record["notes"]
    valid = set(select("6.*")) - set(select(*INVALID_UTF8))
    assert len(valid) == 145 - 75
    assert {run.verdicts[i] for i in valid} == {"OK"}


def test_data_after_close_is_named(fault_run):
    run = fault_run("data-after-close")
    for case_id in ("1.1.1", "7.1.1", "7.13.1"):
        result = run.cases[case_id]["result"]
        assert result.startswith("the peer sent a data frame after its own Close frame (RFC 6455 "
                                 "5.5.1"), result
        assert any("data frame after the peer's Close frame" in n
                   for n in run.wire(case_id)["notes"]), run.wire(case_id)["notes"]


def test_rsv_fault_3_7_closes_without_code(fault_run):
    case = fault_run("rsv").cases["3.7"]
    assert case["verdict"] == "OK" and case["remote_close_code"] is None, case


def test_close_code_fault_echoes_the_code(fault_run):
    run = fault_run("close-code")
    for case_id in ("7.9.1", "7.9.3", "7.9.9"):
        case = run.cases[case_id]
        assert case["behavior_close"] == "WRONG CODE" or case["behavior"] == "FAILED", case
        assert case["remote_close_code"] not in (None, 1002), run.describe([case_id])
