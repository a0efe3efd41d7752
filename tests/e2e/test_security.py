"""Security (S.*): the origin policy against cross-site WebSocket hijacking, credentials, TLS.

With --allowed-origin every foreign variant must be refused; the reference server and the
faulty server (exact match) refuse them all, a server that ignores Origin or matches it by
prefix fails exactly the variants it lets through.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

ALLOWED = "https://app.example"
CONTROL = "S.1.1"  # the allowed origin itself: served
FOREIGN = {f"S.1.{n}" for n in range(2, 13)}  # 11 foreign variants: refused
NO_ORIGIN = "S.1.13"  # reported: a request without Origin
ANY_ORIGIN = "S.2.1"  # reported without --allowed-origin: is any origin accepted?
CREDENTIALS = "S.3.1"  # with --header credentials: a handshake without them is refused
TOKEN = "Authorization: Bearer wsconform-test"
PLAINTEXT_TO_TLS = "S.4.1"  # only checked against wss:// targets
# What a naive prefix match (origin.startswith(allowed)) lets through: the suffix trick, another
# port, the allowed origin with '@' junk, an origin list that starts with it, and two headers
# (joined into one list value by the server).
PREFIX_LEAKS = {"S.1.3", "S.1.7", "S.1.10", "S.1.11", "S.1.12"}


def _run(start_server, command, run_suite, tmp_path, agent, *extra):
    server = start_server(command)
    return run_suite(server.url, tmp_path / "out", agent, "--cases", "S.*", *extra, timeout=120)


def test_reference_server_refuses_every_foreign_origin(start_server, reference_server_command,
                                                      run_suite, tmp_path):
    command = reference_server_command() + ["--allowed-origin", ALLOWED]
    run = _run(start_server, command, run_suite, tmp_path, "reference", "--allowed-origin", ALLOWED)
    assert run.returncode == 0
    assert run.ids_with("OK") == FOREIGN | {CONTROL}, run.describe(run.verdicts)
    assert run.ids_with("INFORMATIONAL") == {NO_ORIGIN, ANY_ORIGIN, CREDENTIALS, PLAINTEXT_TO_TLS,
                                             *TLS_CHECKS}  # TLS: not checked over ws://
    for case_id in FOREIGN:
        assert run.cases[case_id]["result"] == "refused with status 403", run.describe([case_id])
        assert run.cases[case_id]["severity"] == "high"
    assert run.cases[ANY_ORIGIN]["result"] == "refused with status 403"
    assert run.cases[NO_ORIGIN]["result"].startswith("accepted (101)")
    assert "severity" not in run.cases[CONTROL]


def test_without_allowed_origin_only_the_exposure_is_reported(start_server,
                                                              reference_server_command,
                                                              run_suite, tmp_path):
    run = _run(start_server, reference_server_command(), run_suite, tmp_path, "reference")
    assert run.returncode == 0
    assert run.ids_with("INFORMATIONAL") == set(run.verdicts)
    for case_id in FOREIGN | {CONTROL, NO_ORIGIN}:
        assert run.cases[case_id]["result"].startswith("not checked: run with --allowed-origin")
        assert run.wire(case_id)["chunks"] == [], "a case that is not checked sends nothing"
    assert run.cases[ANY_ORIGIN]["result"].startswith("accepted (101): any Origin is accepted")
    assert run.cases[ANY_ORIGIN]["severity"] == "medium"


@pytest.mark.parametrize("fault, failed", [
    ("none", set()),
    ("ignore-origin", FOREIGN),
    ("origin-prefix", PREFIX_LEAKS),
])
def test_origin_faults(fault, failed, start_server, faulty_server_command, run_suite, tmp_path):
    command = faulty_server_command(fault) + ["--allowed-origin", ALLOWED]
    run = _run(start_server, command, run_suite, tmp_path, fault, "--allowed-origin", ALLOWED)
    assert run.ids_with("FAILED") == failed, run.describe(run.ids_with("FAILED") ^ failed)
    assert run.ids_with("OK") == (FOREIGN - failed) | {CONTROL}
    for case_id in failed:
        assert "accepted (101) a request it must refuse" in run.cases[case_id]["result"]


def test_bad_allowed_origin_is_a_usage_error(wsconform, tmp_path):
    for bad in ("app.example", "https://app.example/path", "https://:443", "https://a:99999"):
        result = wsconform("--target", "ws://127.0.0.1:9/", "--out", str(tmp_path / "o"),
                           "--allowed-origin", bad, timeout=30)
        assert result.returncode == 2 and result.stderr.startswith("wsconform: bad --allowed-origin")
        assert len(result.stderr.splitlines()) == 1


def test_credentials_are_required(start_server, reference_server_command, faulty_server_command,
                                  run_suite, tmp_path):
    # The reference server requiring a token: the suite (which sends it on every handshake)
    # passes, and the handshake without it is refused with 401.
    server = start_server(reference_server_command() + ["--require-header", TOKEN])
    run = run_suite(server.url, tmp_path / "ref", "reference", "--cases", f"{CREDENTIALS},1.1.1",
                    "--header", TOKEN, timeout=60)
    assert run.ids_with("OK") == {CREDENTIALS, "1.1.1"}, run.describe(run.verdicts)
    assert run.cases[CREDENTIALS]["result"] == "refused with status 401"
    assert TOKEN not in run.wire(CREDENTIALS)["http_request"]
    assert TOKEN in run.wire("1.1.1")["http_request"]
    # A server that checks no credentials serves the anonymous handshake: FAILED, severity high.
    anonymous = start_server(faulty_server_command("none"))
    run = run_suite(anonymous.url, tmp_path / "anon", "anonymous", "--cases", CREDENTIALS,
                    "--header", TOKEN, timeout=60)
    assert run.ids_with("FAILED") == {CREDENTIALS}
    assert run.cases[CREDENTIALS]["severity"] == "high"
    # Without credentials given, the case is not checked.
    run = run_suite(anonymous.url, tmp_path / "none", "anonymous", "--cases", CREDENTIALS,
                    timeout=60)
    assert run.ids_with("INFORMATIONAL") == {CREDENTIALS}
    assert run.cases[CREDENTIALS]["result"].startswith("not checked: give the credentials")


def test_plaintext_request_to_the_tls_port(start_server, reference_server_command, run_suite,
                                           tmp_path):
    server = start_server(reference_server_command(tls=True))
    run = run_suite(server.url, tmp_path / "out", "reference-tls", "--cases", PLAINTEXT_TO_TLS,
                    timeout=60)
    assert run.ids_with("OK") == {PLAINTEXT_TO_TLS}, run.describe(run.verdicts)
    assert run.cases[PLAINTEXT_TO_TLS]["result"].startswith("refused")
    wire = run.wire(PLAINTEXT_TO_TLS)
    assert wire["http_request"].startswith("GET ")  # sent as plain text
    assert any(n.startswith("server still serving") for n in wire["notes"])


# --- TLS set-up (S.4.2-S.4.6) ----------------------------------------------------------------

LEGACY_TLS = {"S.4.2", "S.4.3"}  # a client offering only TLS 1.0 / only TLS 1.1
CHAIN, EXPIRY, HOST_NAME = "S.4.4", "S.4.5", "S.4.6"
TLS_CHECKS = LEGACY_TLS | {CHAIN, EXPIRY, HOST_NAME}


def _certificate(tmp_path, name, subject, days, san=None):
    """A self-signed certificate and key made with the openssl command."""
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.fail("the openssl command is required (Debian: apt-get install -y openssl)",
                    pytrace=False)
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    command = [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
               "-nodes", "-keyout", str(key), "-out", str(cert), "-days", str(days),
               "-subj", subject]
    if san:
        command += ["-addext", f"subjectAltName={san}"]
    subprocess.run(command, check=True, capture_output=True, timeout=30)
    return cert, key


def test_reference_server_tls_setup(start_server, reference_server_command, run_suite, tmp_path):
    server = start_server(reference_server_command(tls=True))
    run = run_suite(server.url, tmp_path / "out", "reference-tls", "--cases", "S.4.*", timeout=60)
    # TLS 1.2+ only; a self-signed certificate for localhost and 127.0.0.1, valid 30 days.
    assert run.ids_with("OK") == LEGACY_TLS | {"S.4.1", EXPIRY, HOST_NAME}, run.describe(
        run.verdicts)
    assert run.ids_with("INFORMATIONAL") == {CHAIN}
    assert "self-signed certificate" in run.cases[CHAIN]["result"]
    assert run.cases["S.4.2"]["result"].startswith("the server refused a TLS 1.0-only client")
    assert 28 <= run.cases[EXPIRY]["metrics"]["days_left"] <= 30
    assert run.cases[HOST_NAME]["severity"] == "low"


def test_legacy_tls_and_a_bad_certificate_are_reported(start_server, faulty_server_command,
                                                      run_suite, tmp_path):
    cert, key = _certificate(tmp_path, "wrong", "/CN=wrong.example", 3)
    server = start_server(faulty_server_command("none") + ["--tls", str(cert), str(key),
                                                           "--tls-legacy"])
    assert server.url.startswith("wss://")
    run = run_suite(server.url, tmp_path / "out", "legacy", "--cases", "S.4.2,S.4.3,S.4.4,"
                    "S.4.5,S.4.6", timeout=60)
    assert run.returncode == 0  # warnings and reports, not failures
    assert run.ids_with("NON-STRICT") == LEGACY_TLS, run.describe(run.verdicts)
    assert run.cases["S.4.2"]["result"].startswith("the server accepted a TLS 1.0-only client")
    assert run.cases["S.4.3"]["severity"] == "medium"
    assert run.ids_with("INFORMATIONAL") == {CHAIN, EXPIRY, HOST_NAME}
    # Three days from now: 2 or 3 whole days left, depending on the second it was made in.
    assert re.match(r"the certificate expires in [23] days \(", run.cases[EXPIRY]["result"])
    assert "CN=wrong.example" in run.cases[HOST_NAME]["result"]
    assert "not valid for 127.0.0.1" in run.cases[HOST_NAME]["result"]


def test_a_certificate_trusted_with_ca_passes(start_server, faulty_server_command, run_suite,
                                              tmp_path):
    cert, key = _certificate(tmp_path, "good", "/CN=127.0.0.1", 90, san="IP:127.0.0.1")
    server = start_server(faulty_server_command("none") + ["--tls", str(cert), str(key)])
    run = run_suite(server.url, tmp_path / "out", "trusted", "--cases", "S.4.*", "--ca",
                    str(cert), timeout=60)
    assert run.ids_with("OK") == TLS_CHECKS | {"S.4.1"}, run.describe(run.verdicts)
    assert run.cases[CHAIN]["result"] == f"the certificate chain verifies against --ca {cert}"
