"""SSLKEYLOGFILE: every TLS connection wsconform makes (testing a wss:// server) or accepts
(testing a client) appends its secrets in the NSS key log format, so that a capture of the run
opens decrypted in Wireshark. The secrets are checked against the peer's own key log: a wrong
secret, or a line for the wrong connection, would not match."""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from pathlib import Path

from conftest import PYTHON, ROOT, invoke

WEBSOCKETS_ECHO = ROOT / "tests" / "e2e" / "servers" / "websockets_echo.py"
WEBSOCKETS_CLIENT = ROOT / "tests" / "e2e" / "clients" / "websockets_client.py"
LINE = re.compile(r"^([A-Z0-9_]+) ([0-9a-f]{64}) ([0-9a-f]+)$")


def secrets(path: Path) -> dict[tuple[str, str], set[str]]:
    """(label, client random) -> the secrets logged for it; every line must be well formed."""
    found: dict[tuple[str, str], set[str]] = defaultdict(set)
    for line in path.read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        match = LINE.match(line)
        assert match, f"not a key log line: {line!r}"
        found[(match[1], match[2])].add(match[3])
    return found


def assert_same_secrets(ours: Path, theirs: Path, connections: int) -> None:
    mine, peer = secrets(ours), secrets(theirs)
    randoms = {random for _, random in mine}
    assert len(randoms) >= connections, sorted(mine)
    # TLS 1.3 (what both sides speak by default): the handshake and traffic secrets.
    assert {label for label, _ in mine} >= {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                            "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
    for key, values in mine.items():
        assert len(values) == 1, (key, values)
        assert peer.get(key) == values, f"{key}: ours {values}, the peer's {peer.get(key)}"


def test_a_wss_server_run_logs_every_connection(binaries, start_server, tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    server_log, our_log = tmp_path / "server.keys", tmp_path / "ours.keys"
    url = start_server([PYTHON, WEBSOCKETS_ECHO, "--tls", cert, key, "--keylog", server_log],
                       "websockets-tls").url
    assert url.startswith("wss://")
    monkeypatch.setenv("SSLKEYLOGFILE", str(our_log))
    result = invoke(binaries, "--target", url, "--out", tmp_path / "run", "--cases",
                    "1.1.1,1.1.2,1.2.1", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_secrets(our_log, server_log, connections=3)


def test_a_client_run_logs_every_accepted_connection(binaries, tmp_path, monkeypatch):
    # The client under test (python3-websockets, whose default context honours SSLKEYLOGFILE
    # too) writes its own log, named in its command line.
    client_log, our_log = tmp_path / "client.keys", tmp_path / "ours.keys"
    monkeypatch.setenv("SSLKEYLOGFILE", str(our_log))
    command = f"env SSLKEYLOGFILE={client_log} {PYTHON} {WEBSOCKETS_CLIENT} --ca {{ca}} {{url}}"
    result = invoke(binaries, "--client-command", command, "--out", tmp_path / "run",
                    "--cases", "T.1.1", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    assert_same_secrets(our_log, client_log, connections=1)


def test_an_unwritable_key_log_is_said_once_and_the_run_goes_on(binaries, tmp_path, monkeypatch):
    monkeypatch.setenv("SSLKEYLOGFILE", str(tmp_path / "missing-dir" / "keys"))
    command = f"env -u SSLKEYLOGFILE {PYTHON} {WEBSOCKETS_CLIENT} --ca {{ca}} {{url}}"
    result = invoke(binaries, "--client-command", command, "--out", tmp_path / "run",
                    "--cases", "T.1.1", "--quiet")
    assert result.returncode == 0, result.stderr[-2000:]
    warnings = [line for line in result.stderr.splitlines() if "SSLKEYLOGFILE" in line]
    assert len(warnings) == 1 and "cannot append to" in warnings[0], result.stderr
