"""The command line: errors (exit 2, one line), --list, the report directory, run_suite.py."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def assert_usage_error(result: subprocess.CompletedProcess, mention: str = "") -> None:
    """Exit 2 with exactly one line on stderr, no traceback or abort, nothing on stdout."""
    lines = result.stderr.splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr, result.stdout)
    assert len(lines) == 1 and lines[0].startswith("wsconform: "), result.stderr
    assert "Traceback" not in result.stderr and "terminate called" not in result.stderr
    assert result.stdout == ""
    if mention:
        assert mention in lines[0], lines[0]


@pytest.mark.parametrize("args, mention", [
    (["--target", "http://x"], "http://x"),
    (["--target", "ws://"], "ws://"),
    (["--target", "ws://[::1"], "ws://[::1"),
    (["--target", "ws://127.0.0.1:99999/"], "99999"),
    (["--target", "ws://127.0.0.1:9/", "--cases", "1.[2]"], "1.[2]"),
    (["--target", "ws://127.0.0.1:9/", "--cases", "99.*"], "99.*"),
    (["--target", "ws://127.0.0.1:9/", "--exclude-cases", "1.[2]"], "--exclude-cases"),
    (["--target", "ws://127.0.0.1:9/", "--jobs", "0"], "--jobs"),
    (["--target", "ws://127.0.0.1:9/", "--no-such-option"], "--no-such-option"),
    (["--target", "ws://127.0.0.1:9/", "--header", "no colon"], "--header"),
], ids=["http-scheme", "no-host", "open-ipv6", "bad-port", "bad-pattern", "pattern-matches-nothing",
        "bad-exclude-pattern", "jobs-0", "unknown-option", "bad-header"])
def test_bad_arguments(wsconform, tmp_path, args, mention):
    out = tmp_path / "out"
    assert_usage_error(wsconform(*args, "--out", str(out)), mention)
    assert not (out / "index.json").exists()


def test_missing_target_and_out(wsconform, tmp_path):
    assert_usage_error(wsconform("--out", str(tmp_path)), "--target")
    assert_usage_error(wsconform("--target", "ws://127.0.0.1:9/"), "--out")


def test_unreachable_target(wsconform, unused_port, tmp_path):
    # The port was free a moment ago and nothing listens on it.
    url = f"ws://127.0.0.1:{unused_port}/"
    result = wsconform("--target", url, "--out", str(tmp_path / "out"), timeout=60)
    assert_usage_error(result, url)


def test_tls_verify_refuses_a_self_signed_certificate(wsconform, start_server,
                                                      reference_server_command, tmp_path):
    """TLS verification is off by default (a test tool); --tls-verify checks the chain and the
    reference server's certificate is self-signed, so the run cannot be done."""
    server = start_server(reference_server_command(tls=True), "wsconform-server --tls")
    ok = wsconform("--target", server.url, "--out", str(tmp_path / "plain"), "--cases", "1.1.1")
    assert ok.returncode == 0, ok.stderr
    refused = wsconform("--target", server.url, "--out", str(tmp_path / "verified"), "--cases",
                        "1.1.1", "--tls-verify")
    assert_usage_error(refused, "certificate verify failed")
    missing_ca = wsconform("--target", server.url, "--out", str(tmp_path / "ca"), "--cases",
                           "1.1.1", "--ca", str(tmp_path / "no-such-ca.pem"))
    assert_usage_error(missing_ca, "no-such-ca.pem")


def test_unwritable_out(wsconform, start_server, reference_server_command):
    server = start_server(reference_server_command(), "wsconform-server")
    result = wsconform("--target", server.url, "--out", "/proc/forbidden", "--cases", "1.1.1")
    assert_usage_error(result, "/proc/forbidden")


def test_failed_run_keeps_existing_index(wsconform, unused_port, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    sentinel = '{"sentinel": true}\n'
    (out / "index.json").write_text(sentinel)
    for args in (["--target", f"ws://127.0.0.1:{unused_port}/"],
                 ["--target", "ws://127.0.0.1:9/", "--cases", "1.[2]"],
                 ["--target", "ws://"]):
        assert_usage_error(wsconform(*args, "--out", str(out), timeout=60))
        assert (out / "index.json").read_text() == sentinel, args
        assert not (out / "cases").exists(), args


def test_successful_run_replaces_index(wsconform, start_server, reference_server_command,
                                       tmp_path):
    server = start_server(reference_server_command(), "wsconform-server")
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.json").write_text('{"sentinel": true}\n')
    result = wsconform("--target", server.url, "--out", str(out), "--cases", "1.1.1,1.1.2",
                       "--agent", "again")
    assert result.returncode == 0, result.stderr
    index = json.loads((out / "index.json").read_text())
    assert [c["id"] for c in index["targets"][0]["cases"]] == ["1.1.1", "1.1.2"]
    assert sorted(os.listdir(out)) == ["cases", "index.json"]  # no staging left behind
    assert sorted(os.listdir(out / "cases" / "again")) == ["1.1.1.json", "1.1.2.json"]


def test_list(wsconform):
    result = wsconform("--list", timeout=30)
    assert result.returncode == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    rows = [line.split("\t") for line in lines]
    assert all(len(row) == 3 and all(field.strip() for field in row) for row in rows), \
        [line for line in lines if len(line.split("\t")) != 3][:3]
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)) == 616
    # Autobahn's categories first, in Autobahn's order, then our own prefixes.
    autobahn = [i for i in ids if i[0].isdigit()]
    ours = ids[len(autobahn):]
    assert ids[:len(autobahn)] == autobahn
    assert all(re.fullmatch(r"\d+(\.\d+)+", i) for i in autobahn)
    counts = {}
    for i in autobahn:
        counts[i.split(".")[0]] = counts.get(i.split(".")[0], 0) + 1
    assert counts == {"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54,
                      "10": 1, "12": 90, "13": 126}
    assert autobahn[0] == "1.1.1" and autobahn[-1] == "13.7.18"
    key = [tuple(int(p) for p in i.split(".")) for i in autobahn]
    assert key == sorted(key), "not in Autobahn order"
    assert sum(i.startswith("H.") for i in ours) == 48
    assert sum(i.startswith("M.") for i in ours) == 8
    assert sum(i.startswith("L.") for i in ours) == 12
    assert sum(i.startswith("S.") for i in ours) == 21
    assert sum(i.startswith("C.") for i in ours) == 8
    assert sum(i.startswith("U.") for i in ours) == 2
    assert all(re.fullmatch(r"[CUHMLS](\.\d+)+", i) for i in ours)


def test_list_with_selection(wsconform):
    result = wsconform("--list", "--cases", "6.4.*,2.1*", "--exclude-cases", "2.11", timeout=30)
    assert result.returncode == 0
    assert [line.split("\t")[0] for line in result.stdout.splitlines()] == \
        ["2.1", "2.10", "6.4.1", "6.4.2", "6.4.3", "6.4.4"]


def test_run_suite_starts_and_stops_reference_server(binaries, tmp_path):
    # No --target: run_suite.py builds (build/release, a no-op when up to date), starts the
    # reference server on a free loopback port, runs the cases and stops the server.
    out = tmp_path / "out"
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = subprocess.run([sys.executable, str(ROOT / "run_suite.py"), "--cases", "1.1.1",
                             "--out", str(out)], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:] + result.stdout[-3000:]
    index = json.loads((out / "index.json").read_text())
    target = index["targets"][0]
    assert target["agent"] == "wsconform-reference"
    assert [(c["id"], c["verdict"]) for c in target["cases"]] == [("1.1.1", "OK")]
    match = re.search(r"reference server at ws://127\.0\.0\.1:(\d+)/", result.stderr)
    assert match, result.stderr
    assert target["url"] == f"ws://127.0.0.1:{match.group(1)}/"
    # The server is gone: its port refuses connections.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", int(match.group(1))), timeout=5).close()


def test_tag_patterns_select_the_slow_cases(wsconform):
    slow = wsconform("--list", "--cases", "@slow", timeout=30)
    assert slow.returncode == 0, slow.stderr
    assert [line.split("\t")[0] for line in slow.stdout.splitlines()] == [
        "H.5.3", "L.7", "L.8", "L.9", "L.10"]
    rest = wsconform("--list", "--cases", "L.*", "--exclude-cases", "@slow", timeout=30)
    assert [line.split("\t")[0] for line in rest.stdout.splitlines()] == [
        "L.1", "L.2", "L.3", "L.4", "L.5", "L.6", "L.11", "L.12"]
    bad = wsconform("--list", "--cases", "@Slow!", timeout=30)
    assert bad.returncode == 2 and "bad tag pattern '@Slow!'" in bad.stderr


def test_export_seeds_writes_what_each_case_sends(wsconform, tmp_path):
    out = tmp_path / "seeds"
    result = wsconform("--export-seeds", str(out), "--cases", "1.1.*,2.1,H.2.1,L.9", timeout=30)
    assert result.returncode == 0, result.stderr
    # H.2.1 is refused at the handshake and L.9 builds its messages as it goes: no seeds.
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"1.1.{n}.bin" for n in range(1, 9)] + ["2.1.bin"])
    assert result.stdout == f"exported 9 seeds to {out}\n"
    # 1.1.1: an empty masked text frame, then the Close the script sends (none: the session
    # closes), so FIN+text, MASK+length 0, and the 4-byte key.
    first = (out / "1.1.1.bin").read_bytes()
    assert first[:2] == b"\x81\x80" and len(first) == 6
    second = (out / "1.1.2.bin").read_bytes()
    assert second[:2] == b"\x81\xfd" and len(second) == 2 + 4 + 125
    key, payload = second[2:6], second[6:]
    assert bytes(b ^ key[i % 4] for i, b in enumerate(payload)) == b"*" * 125
    # The same seeds every time: masks come from a fixed seed per case.
    again = tmp_path / "again"
    wsconform("--export-seeds", str(again), "--cases", "1.1.2", timeout=30)
    assert (again / "1.1.2.bin").read_bytes() == second
    bad = wsconform("--export-seeds", "/proc/forbidden/seeds", timeout=30)
    assert bad.returncode == 2 and bad.stderr.startswith("wsconform: cannot create --export-seeds")
