"""The TLS cases for clients (T.1, exec mode): wsconform makes a test CA for the run, serves
wss:// with a valid, an untrusted, an expired and a wrong-host certificate and a TLS 1.0/1.1-only
server, and the client, given the CA as {ca}, must connect to the first and refuse the others.
Also wss:// for --serve-autobahn.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from conftest import PYTHON, ROOT, Run, free_port, invoke

FAULTY_CLIENT = ROOT / "tests" / "clients" / "faulty_client.py"
WEBSOCKETS_CLIENT = ROOT / "tests" / "e2e" / "clients" / "websockets_client.py"
TLS_CASES = ["T.1.1", "T.1.2", "T.1.3", "T.1.4", "T.1.5"]
REFUSED = {  # case -> what a client that goes on accepted
    "T.1.2": "a certificate no CA it trusts signed",
    "T.1.3": "an expired certificate",
    "T.1.4": "a certificate for another host (wrong-host.invalid)",
    "T.1.5": "TLS 1.0 or 1.1",
}


def run_tls_cases(binaries, command: str, out: Path) -> Run:
    result = invoke(binaries, "--client-command", command, "--out", str(out), "--cases", "T.*",
                    timeout=120)
    run = Run(out, result.returncode, result.stdout, result.stderr)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    run.index = json.loads((out / "index.json").read_text())
    run.target = run.index["targets"][0]
    return run


def assert_passes_every_tls_case(run: Run) -> None:
    assert sorted(run.verdicts) == TLS_CASES
    assert run.returncode == 0, run.describe(TLS_CASES) + run.stderr[-2000:]
    assert set(run.verdicts.values()) == {"OK"}, run.describe(TLS_CASES)
    # The CA the client was given is in the report folder, and no key is.
    assert (run.out / "tls" / "ca.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert not any("PRIVATE KEY" in p.read_text() for p in (run.out / "tls").iterdir())
    # The valid server: TLS, then the opening handshake to wss://localhost, an echo, a close.
    valid = run.cases["T.1.1"]
    assert valid["remote_close_code"] == 1000
    assert run.wire("T.1.1")["http_request"].startswith("GET /")
    # The others were refused during the TLS handshake, and the reason says how.
    for case_id, what in REFUSED.items():
        reason = run.cases[case_id]["result"]
        assert reason.startswith(f"the client refused {what}: "), reason


def said_how(reason: str) -> bool:
    """The reason says how the client refused: OpenSSL's text for its alert, or (when its exit
    was seen before our side of the handshake ended) how it exited and what it printed."""
    return "the TLS handshake failed: " in reason or "before it sent an opening handshake" in reason


def test_the_reference_client_passes_every_tls_case(binaries, tmp_path):
    run = run_tls_cases(binaries, f"{binaries.client} --ca {{ca}} {{url}}", tmp_path)
    assert_passes_every_tls_case(run)
    assert all(said_how(run.cases[i]["result"]) for i in REFUSED), run.describe(REFUSED)


def test_the_websockets_client_passes_every_tls_case(binaries, tmp_path):
    run = run_tls_cases(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} --ca {{ca}} {{url}}", tmp_path)
    assert_passes_every_tls_case(run)
    assert all(said_how(run.cases[i]["result"]) for i in REFUSED), run.describe(REFUSED)


def test_a_client_that_sends_alerts_is_told_by_them(binaries, tmp_path):
    # The faulty client without a fault: a blocking ssl socket, which sends its alert before
    # it exits; OpenSSL's reason on our side names it.
    run = run_tls_cases(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault none --ca {{ca}} {{url}}",
                        tmp_path)
    assert_passes_every_tls_case(run)
    assert "alert unknown ca" in run.cases["T.1.2"]["result"] or \
        "CERTIFICATE_VERIFY_FAILED" in run.cases["T.1.2"]["result"], run.describe(["T.1.2"])
    assert "alert certificate expired" in run.cases["T.1.3"]["result"] or \
        "CERTIFICATE_VERIFY_FAILED" in run.cases["T.1.3"]["result"], run.describe(["T.1.3"])


def test_a_client_without_the_ca_refuses_even_the_valid_server(binaries, tmp_path):
    # No --ca: the system's trust store, which does not have the run's CA.
    run = run_tls_cases(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}", tmp_path)
    assert run.returncode == 1
    assert run.verdicts["T.1.1"] == "FAILED"
    assert said_how(run.cases["T.1.1"]["result"]), run.describe(["T.1.1"])
    assert all(run.verdicts[i] == "OK" for i in REFUSED)


def test_a_client_that_does_not_verify_certificates_fails_t_1_2_to_t_1_4(binaries, tmp_path):
    run = run_tls_cases(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault no-verify --ca {{ca}} {{url}}",
                        tmp_path)
    assert run.returncode == 1
    assert run.ids_with("FAILED") == {"T.1.2", "T.1.3", "T.1.4"}, run.describe(TLS_CASES)
    for case_id in ("T.1.2", "T.1.3", "T.1.4"):
        reason = run.cases[case_id]["result"]
        assert reason.startswith(f"the client accepted {REFUSED[case_id]} and sent its opening "
                                 "handshake"), reason
        assert 'RFC 6455 4.1: "If this fails' in reason  # the MUST it broke, quoted
        assert run.wire(case_id)["http_request"].startswith("GET /")
    assert run.verdicts["T.1.1"] == "OK" and run.verdicts["T.1.5"] == "OK"


def test_a_client_that_offers_tls_1_0_fails_t_1_5(binaries, tmp_path):
    run = run_tls_cases(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault legacy-tls --ca {{ca}} {{url}}",
                        tmp_path)
    assert run.returncode == 1
    assert run.ids_with("FAILED") == {"T.1.5"}, run.describe(TLS_CASES)
    reason = run.cases["T.1.5"]["result"]
    assert reason.startswith("the client accepted TLS 1.0 or 1.1 and sent its opening handshake "
                             "(over TLSv1"), reason
    assert 'RFC 8996 2: "TLS 1.0 MUST NOT be used."' in reason


def test_the_tls_cases_are_listed_for_exec_mode_only(binaries, tmp_path):
    exec_list = invoke(binaries, "--client-command", "true {url}", "--cases", "T.*", "--list")
    assert exec_list.returncode == 0, exec_list.stderr
    assert [line.split("\t")[0] for line in exec_list.stdout.splitlines()] == TLS_CASES
    # A testee driving the run through the control protocol is never sent to them.
    served = invoke(binaries, "--serve-autobahn", "ws://127.0.0.1:9", "--out", str(tmp_path),
                    "--cases", "T.*,1.1.1", "--list")
    assert served.returncode == 0, served.stderr
    assert [line.split("\t")[0] for line in served.stdout.splitlines()] == ["1.1.1"]
    nothing = invoke(binaries, "--serve-autobahn", "ws://127.0.0.1:9", "--out", str(tmp_path),
                     "--cases", "T.*")
    assert nothing.returncode == 2
    assert "no case matches --cases 'T.*' among the cases run against clients" in nothing.stderr
    # Nor does a server run have them.
    servers = invoke(binaries, "--target", "ws://127.0.0.1:9", "--cases", "T.*,1.1.1", "--list")
    assert [line.split("\t")[0] for line in servers.stdout.splitlines()] == ["1.1.1"]


def test_serve_autobahn_over_wss(binaries, tmp_path):
    port = free_port()
    out = tmp_path / "clients"
    process = subprocess.Popen([str(binaries.wsconform), "--serve-autobahn",
                                f"wss://127.0.0.1:{port}", "--out", str(out), "--cases", "1.1.1,2.2"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    result = None
    try:
        ready = process.stdout.readline()
        ca = out / "tls" / "ca.pem"
        assert f"fuzzingserver ready on wss://127.0.0.1:{port} (2 cases; CA {ca})" in ready, ready
        for case in (1, 2):
            one = subprocess.run([PYTHON, str(WEBSOCKETS_CLIENT), "--ca", str(ca),
                                  f"wss://127.0.0.1:{port}/runCase?case={case}&agent=tls"],
                                 capture_output=True, text=True, timeout=60)
            assert one.returncode == 0, one.stderr
        # Without the CA, the testee refuses our certificate: nothing is run.
        refused = subprocess.run([PYTHON, str(WEBSOCKETS_CLIENT),
                                  f"wss://127.0.0.1:{port}/runCase?case=1&agent=no-ca"],
                                 capture_output=True, text=True, timeout=60)
        assert refused.returncode == 1 and "CERTIFICATE_VERIFY_FAILED" in refused.stderr
        os.killpg(process.pid, signal.SIGTERM)
        result = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert result == 0
    index = json.loads((out / "index.json").read_text())
    target, = index["targets"]
    assert target["agent"] == "tls"
    assert [c["verdict"] for c in target["cases"]] == ["OK", "OK"]


def test_a_second_round_of_cases_gets_fresh_tls_listeners(binaries, tmp_path):
    # A verdict decided by a timeout while other cases ran is confirmed by running the case
    # again, alone: the runner attaches the client source a second time. The TLS listeners of
    # the first round must give way to new ones (keeping the old ones crashed the run). Timers
    # at 5 % make timeouts decide verdicts in the first round.
    result = invoke(binaries, "--client-command",
                    f"{PYTHON} {WEBSOCKETS_CLIENT} --ca {{ca}} {{url}}", "--out", str(tmp_path),
                    "--cases", "2.*,T.*", "--timeout-scale", "0.05", timeout=120)
    assert result.returncode in (0, 1), result.stderr[-2000:]  # not killed by a signal
    if "decided by a timeout while other cases were in flight" not in result.stderr:
        pytest.skip("no verdict was decided by a timeout in the first round: nothing ran again")
    index = json.loads((tmp_path / "index.json").read_text())
    ids = [c["id"] for c in index["targets"][0]["cases"]]
    assert ids[-5:] == TLS_CASES and len(ids) == 16
