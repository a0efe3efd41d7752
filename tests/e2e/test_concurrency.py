"""Verdicts that do not depend on --jobs, against slow servers too (issue 14, point 9).

Sixty-four connections at once turn a slow but conforming server into a failing one: its
handshakes queue until they time out, its answers come after our closing timers. The runner
keeps as many cases in flight as the target takes and confirms, on a quiet target, every
verdict a timeout decided while other cases were in flight. Each test runs the same cases
at --jobs 1 and at the default, against the same server, and compares them case by case.
"""

from __future__ import annotations

import pytest

# (fault, cases): one connection at a time (a slow handshake queue), and a server that answers
# everything 1.2 s late while more than 8 connections are open.
SLOW_SERVERS = [
    ("serial", "1.*,2.*,5.*,6.4.*,7.1.*"),
    ("busy", "1.*,2.*,5.*,7.1.*"),
]


def _outcomes(run) -> dict[str, tuple[str, str]]:
    return {c["id"]: (c["verdict"], c["behavior_close"]) for c in run.target["cases"]}


@pytest.mark.parametrize("fault, cases", SLOW_SERVERS, ids=[f for f, _ in SLOW_SERVERS])
def test_slow_server_gets_the_verdicts_of_one_case_at_a_time(fault, cases, start_server,
                                                             faulty_server_command, run_suite,
                                                             tmp_path):
    server = start_server(faulty_server_command(fault))
    alone = run_suite(server.url, tmp_path / "alone", fault, "--cases", cases, "--jobs", "1",
                      timeout=240)
    crowd = run_suite(server.url, tmp_path / "default", fault, "--cases", cases, timeout=240)
    assert alone.returncode == crowd.returncode == 0, crowd.describe(crowd.verdicts)
    assert not alone.ids_with("FAILED"), alone.describe(alone.verdicts)
    assert _outcomes(crowd) == _outcomes(alone), crowd.describe(
        [i for i, o in _outcomes(crowd).items() if o != _outcomes(alone)[i]])
    # The runner noticed: fewer cases at once once the server answered late.
    assert "the target answered opening handshakes late" in crowd.stderr, crowd.stderr


def test_verdicts_decided_by_a_timeout_under_load_are_confirmed_alone(start_server,
                                                                      faulty_server_command,
                                                                      run_suite, tmp_path):
    # The busy server lets the window grow past 8 connections before it slows down: the cases
    # in flight then see their closing timers fire, and each is run again alone.
    server = start_server(faulty_server_command("busy"))
    run = run_suite(server.url, tmp_path / "out", "busy", "--cases", "1.*,2.*", timeout=240)
    assert run.returncode == 0, run.describe(run.verdicts)
    confirmed = {i for i in run.verdicts
                 if any("ran again alone after them" in n for n in run.wire(i)["notes"])}
    assert confirmed, "no verdict was confirmed alone"
    for case_id in confirmed:
        notes = " ".join(run.wire(case_id)["notes"])
        # The first run under load was not OK; the run alone was, and it stands.
        assert "the first run's verdict while other cases were in flight" in notes, notes
        assert run.verdicts[case_id] == "OK"
    assert "running those cases again, one at a time" in run.stderr or \
        "running that case again, one at a time" in run.stderr
