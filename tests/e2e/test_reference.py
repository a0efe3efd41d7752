"""The whole suite against the built-in reference server (ws:// and wss://)."""

from __future__ import annotations

import pytest

# Autobahn scores these three INFORMATIONAL for every server: 7.1.6 (a large message queued
# behind a close: what arrives is up to the implementation) and 7.13.1/7.13.2 (close codes 5000
# and 65535, outside every range RFC 6455 defines).
# Autobahn's three INFORMATIONAL cases, and the S.* cases: without --allowed-origin the origin
# policy cases are not checked and S.2.1 reports that any origin is accepted.
# The TLS checks (S.4.*) are not checked over ws://.
# H.1.19 (a frame in the same write as the request: no MUST binds a server) and L.10 (1,000
# connections: no MUST covers capacity) report what the server did.
REFERENCE_INFORMATIONAL = {"7.1.6", "7.13.1", "7.13.2", "S.2.1", "S.3.1", "H.1.19", "L.10",
                           *(f"S.1.{n}" for n in range(1, 14)), *(f"S.4.{n}" for n in range(1, 7))}


@pytest.fixture(scope="module")
def reference_run(start_module_server, reference_server_command, run_suite,
                  tmp_path_factory):
    server = start_module_server(reference_server_command(), "wsconform-server")
    assert server.url.startswith("ws://127.0.0.1:")
    out = tmp_path_factory.mktemp("reference")
    # 12.x/13.x (minutes of zlib) are run by test_compression.py and bench/compression.py.
    return run_suite(server.url, out, "reference", "--exclude-cases", "12.*,13.*")


def test_full_suite_passes(reference_run):
    run = reference_run
    assert run.returncode == 0, run.stderr + run.stdout
    # 301 Autobahn cases (1-7, 9, 10) and 99 of our own (C.*, U.*, H.*, M.*, L.*, S.*); over
    # ws:// without --allowed-origin and credentials the 21 S.* cases are INFORMATIONAL (20
    # not checked, S.2.1: any origin accepted).
    assert run.summary == {"total": 400, "OK": 374, "NON-STRICT": 0, "INFORMATIONAL": 26,
                           "UNIMPLEMENTED": 0, "FAILED": 0}, run.summary
    non_ok = set(run.verdicts) - run.ids_with("OK")
    assert non_ok == REFERENCE_INFORMATIONAL, run.describe(non_ok)
    assert run.ids_with("INFORMATIONAL") == REFERENCE_INFORMATIONAL
    assert f"report: {run.out}/index.json" in run.stdout


def test_index_and_wire_records(reference_run, all_ids, validate_report):
    assert len(all_ids) == 616
    ids = [i for i in all_ids if not i.startswith(("12.", "13."))]
    validate_report(reference_run, ids)
    # Every case of the reference run closes cleanly with a code the server sent.
    for case_id, case in reference_run.cases.items():
        assert case["behavior_close"] in ("OK", "INFORMATIONAL"), case_id


def test_index_groups_and_titles_match_list(reference_run, catalogue):
    for case_id, group, title in catalogue:
        if case_id.startswith(("12.", "13.")):
            continue  # not in this run
        case = reference_run.cases[case_id]
        assert case["title"] == title, case_id
        assert group == case["group"] or group.startswith(case["group"] + " / "), case_id


def test_wire_record_of_a_simple_case(reference_run):
    record = reference_run.wire("1.1.2")  # a 125-byte text message, echoed, then closed
    assert record["http_request"].startswith("GET / HTTP/1.1\r\n")
    assert record["http_response"].startswith("HTTP/1.1 101 ")
    kinds = [(f["dir"], f["opcode_name"]) for f in record["frames"]]
    assert kinds == [("tx", "text"), ("rx", "text"), ("tx", "close"), ("rx", "close")], kinds
    tx, rx = record["frames"][0], record["frames"][1]
    assert tx["masked"] and not rx["masked"]
    assert tx["length"] == rx["length"] == 125 and tx["text"] == rx["text"]
    assert record["remote_close_code"] == 1000 and record["was_clean"]


def test_wss_subset(start_server, reference_server_command, run_suite, select, tmp_path,
                    validate_report):
    server = start_server(reference_server_command(tls=True), "wsconform-server --tls")
    assert server.url.startswith("wss://127.0.0.1:")
    run = run_suite(server.url, tmp_path / "wss", "reference-tls", "--cases", "1.*,2.*,7.7.*")
    assert run.returncode == 0, run.stderr + run.stdout
    expected = select("1.*", "2.*", "7.7.*")
    validate_report(run, expected)
    assert run.target["url"] == server.url
    not_ok = set(expected) - run.ids_with("OK")
    assert not not_ok, run.describe(not_ok)


def test_jobs_do_not_change_verdicts(start_server, reference_server_command, run_suite, select,
                                     tmp_path):
    # The timed cases (waits between frames or chops, pings in flight) must not depend on how
    # many cases run at once.
    server = start_server(reference_server_command(), "wsconform-server")
    subset = "5.19,6.4.*,2.10,3.*"
    serial = run_suite(server.url, tmp_path / "serial", "serial", "--cases", subset, "--jobs", "1")
    parallel = run_suite(server.url, tmp_path / "parallel", "parallel", "--cases", subset)
    expected = select("5.19", "6.4.*", "2.10", "3.*")
    assert list(serial.verdicts) == list(parallel.verdicts) == expected
    differ = {i for i in expected if serial.verdicts[i] != parallel.verdicts[i]}
    assert not differ, f"--jobs 1:\n{serial.describe(differ)}\ndefault:\n{parallel.describe(differ)}"
    not_ok = set(expected) - serial.ids_with("OK")
    assert not not_ok, serial.describe(not_ok)
    assert serial.returncode == parallel.returncode == 0, serial.stderr + parallel.stderr


def test_exclude_cases(start_server, reference_server_command, run_suite, select, tmp_path):
    server = start_server(reference_server_command(), "wsconform-server")
    run = run_suite(server.url, tmp_path / "out", "reference", "--cases", "7.*",
                    "--exclude-cases", "7.9.*,7.13.*,7.1.6")
    assert run.returncode == 0, run.stderr
    expected = [i for i in select("7.*") if i not in set(select("7.9.*", "7.13.*", "7.1.6"))]
    assert list(run.verdicts) == expected
    assert set(run.verdicts.values()) == {"OK"}
