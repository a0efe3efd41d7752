"""The live-server fuzzer: `wsconform fuzz-live`, `wsconform replay` and `run_suite.py fuzz-live`.

No false findings against conforming servers (the reference server, the faulty server without a
fault); a crash (faulty_server.py --fault crash-len64) is found, minimised to one frame with the
64-bit length form, and replays against a fresh crashing server but not against the reference
server; valid input dropped without a Close (--fault drop-len64) is found as such, not as a
crash, and pings left unanswered (--fault no-pong) too; kept connections and bad replies are
found; the same seed gives the same inputs; bad
input is exit 2 with one line. Every run is bounded in time and on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN_SUITE = ROOT / "run_suite.py"
FAULTY_SERVER = ROOT / "tests" / "servers" / "faulty_server.py"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable


def reproducers(out: Path) -> dict[str, dict]:
    """signature -> parsed reproducer, for every file in `out`; no half-written file is left."""
    assert not list(out.glob("*.partial")), list(out.iterdir())
    return {data["signature"]: data
            for data in (json.loads(p.read_text()) for p in sorted(out.glob("*.json")))}


def assert_one_line_error(result: subprocess.CompletedProcess, prefix: str = "wsconform: ",
                          mention: str = "") -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr, result.stdout)
    assert len(lines) == 1 and lines[0].startswith(prefix), result.stderr
    assert "Traceback" not in result.stderr and "terminate called" not in result.stderr
    if mention:
        assert mention in lines[0], lines[0]


def run_suite_fuzz(binaries, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """run_suite.py fuzz-live ...; on a timeout it gets SIGTERM first so it stops its server."""
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    # --no-build: the binaries fixture built them already.
    process = subprocess.Popen([PYTHON, str(RUN_SUITE), "fuzz-live", "--no-build", *args],
                               cwd=ROOT, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)
        try:
            stdout, stderr = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        pytest.fail(f"run_suite.py fuzz-live did not finish within {timeout:.0f} s:\n{stderr}")
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


# --- no false findings -------------------------------------------------------------------------

def test_reference_server_gives_no_finding(wsconform, start_server, reference_server_command,
                                           tmp_path):
    server = start_server(reference_server_command(), "reference")
    out = tmp_path / "out"
    result = wsconform("fuzz-live", "--target", server.url, "--seconds", "4", "--seed", "11",
                       "--out", str(out), timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert reproducers(out) == {}
    summary = result.stdout.strip().splitlines()[-1]
    assert "0 findings" in summary and "inputs/s" in summary, summary
    assert int(summary.split()[1]) > 100, summary  # it did send inputs


def test_conforming_python_server_gives_no_finding(wsconform, start_server,
                                                   faulty_server_command, tmp_path):
    # A second, independent conforming implementation (checks UTF-8 at message end only).
    server = start_server(faulty_server_command("none"), "faulty-none")
    out = tmp_path / "out"
    result = wsconform("fuzz-live", "--target", server.url, "--seconds", "3", "--out", str(out),
                       timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert reproducers(out) == {}


# --- findings --------------------------------------------------------------------------------

@pytest.mark.parametrize("fault, signature", [
    ("rsv", "kept-open:reserved_bits_set"),
    ("no-mask", "kept-open:mask_missing"),
    ("utf8", "bad-reply:invalid_utf8"),
    ("close-code", "bad-reply:close_code_invalid"),
])
def test_protocol_faults_are_found(wsconform, start_server, faulty_server_command, tmp_path,
                                   fault, signature):
    server = start_server(faulty_server_command(fault), f"faulty-{fault}")
    out = tmp_path / "out"
    result = wsconform("fuzz-live", "--target", server.url, "--seconds", "3", "--out", str(out),
                       "--max-findings", "1", timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    found = reproducers(out)
    assert list(found) == [signature], result.stdout
    data = found[signature]
    assert data["confirmed"] and data["minimised"], data
    assert 1 <= len(data["steps"]) <= data["original_steps"]
    # The same finding replays against the same server, not against a conforming one.
    replay = wsconform("replay", str(out / f"{signature.replace(':', '-')}.json"),
                       "--target", server.url, timeout=60)
    assert replay.returncode == 1 and replay.stdout.startswith("reproduced: "), replay.stdout


def test_crash_is_found_minimised_and_replayed(binaries, wsconform, start_server,
                                               faulty_server_command, reference_server_command,
                                               tmp_path):
    out = tmp_path / "out"
    command = " ".join([PYTHON, str(FAULTY_SERVER), "--host", "127.0.0.1", "--port", "0",
                        "--fault", "crash-len64"])
    result = run_suite_fuzz(binaries, "--command", command, "--seconds", "6", "--seed", "3",
                            "--out", str(out))
    assert result.returncode == 1, result.stdout + result.stderr
    found = reproducers(out)
    assert "crash:len64" in found, result.stdout
    crash = found["crash:len64"]
    assert crash["kind"] == "crash" and crash["confirmed"] and crash["minimised"], crash
    # Minimised to the one frame that matters: a header with the 64-bit length form.
    assert len(crash["steps"]) == 1, crash["steps"]
    header = bytes.fromhex(crash["steps"][0]["hex"])
    assert len(header) >= 2 and header[1] & 0x7F == 127, crash["steps"]
    assert "finding 1 at " in result.stdout and "restart" in result.stdout

    # The input is the one the seed gives at that index, whatever the target did.
    listing = wsconform("fuzz-live", "--print-inputs", str(crash["input_index"] + 1), "--seed", "3",
                        timeout=60)
    assert listing.stdout.splitlines()[crash["input_index"]].endswith(": " + crash["origin"])

    fresh = start_server(faulty_server_command("crash-len64"), "faulty-crash-len64")
    replay = wsconform("replay", str(out / "crash-len64.json"), "--target", fresh.url, timeout=60)
    assert replay.returncode == 1, replay.stdout + replay.stderr
    assert replay.stdout.startswith("reproduced: crash:len64"), replay.stdout
    assert fresh.process.poll() is not None  # it really died

    reference = start_server(reference_server_command(), "reference")
    replay = wsconform("replay", str(out / "crash-len64.json"), "--target", reference.url,
                       timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert replay.stdout.startswith("not reproduced: crash:len64"), replay.stdout


def the_first_finding(wsconform, url: str, out, signature: str) -> dict:
    """fuzz-live with seed 1 until its first finding, which must be `signature`."""
    result = wsconform("fuzz-live", "--target", url, "--seconds", "30", "--seed", "1",
                       "--out", str(out), "--max-findings", "1", timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    found = reproducers(out)
    assert list(found) == [signature], result.stdout
    return found


def test_valid_input_dropped_is_found_minimised_and_replayed(wsconform, start_server,
                                                             faulty_server_command,
                                                             reference_server_command, tmp_path):
    # drop-len64 closes TCP without a Close on any 64-bit length, valid or not, and lives on:
    # the valid-input half of the oracle sees it, and it is not taken for a crash.
    server = start_server(faulty_server_command("drop-len64"), "faulty-drop-len64")
    out = tmp_path / "out"
    found = the_first_finding(wsconform, server.url, out, "dropped-valid:len64")
    data = found["dropped-valid:len64"]
    assert data["kind"] == "dropped-valid" and data["confirmed"] and data["minimised"], data
    assert "without a Close" in data["description"], data["description"]
    # Minimised to one valid frame in the 64-bit form: 65536 bytes or more, so minimal.
    assert len(data["steps"]) == 1, data["steps"]
    header = bytes.fromhex(data["steps"][0]["hex"])
    assert header[1] & 0x7F == 127 and int.from_bytes(header[2:10], "big") >= 65536, data["steps"]
    assert server.process.poll() is None  # it still runs: no crash

    path = str(out / "dropped-valid-len64.json")
    replay = wsconform("replay", path, "--target", server.url, timeout=60)
    assert replay.returncode == 1, replay.stdout + replay.stderr
    assert replay.stdout.startswith("reproduced: dropped-valid:len64"), replay.stdout
    reference = start_server(reference_server_command(), "reference")
    replay = wsconform("replay", path, "--target", reference.url, timeout=60)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert replay.stdout.startswith("not reproduced: dropped-valid:len64"), replay.stdout


def test_pings_left_unanswered_are_found(wsconform, start_server, faulty_server_command,
                                        tmp_path):
    # no-pong echoes everything and answers no ping: the connection lives, the pings do not.
    server = start_server(faulty_server_command("no-pong"), "faulty-no-pong")
    found = the_first_finding(wsconform, server.url, tmp_path / "out", "unanswered-valid:ping")
    assert found["unanswered-valid:ping"]["confirmed"], found
    assert "no pong" in found["unanswered-valid:ping"]["description"]


def test_crash_without_restart_ends_the_run_with_an_unconfirmed_reproducer(
        wsconform, start_server, faulty_server_command, tmp_path):
    server = start_server(faulty_server_command("crash-len64"), "faulty-crash-len64")
    out = tmp_path / "out"
    result = wsconform("fuzz-live", "--target", server.url, "--seconds", "20", "--out", str(out),
                       timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr
    [data] = reproducers(out).values()
    assert data["kind"] == "crash" and not data["confirmed"] and not data["minimised"]
    assert "cannot be restarted" in result.stderr


def test_reference_server_through_run_suite(binaries, tmp_path):
    out = tmp_path / "out"
    result = run_suite_fuzz(binaries, "--seconds", "2", "--jobs", "2", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 findings" in result.stdout and reproducers(out) == {}


# --- determinism ------------------------------------------------------------------------------

def test_same_seed_same_inputs(wsconform):
    first = wsconform("fuzz-live", "--print-inputs", "300", "--seed", "9", timeout=60)
    again = wsconform("fuzz-live", "--print-inputs", "300", "--seed", "9", timeout=60)
    other = wsconform("fuzz-live", "--print-inputs", "300", "--seed", "10", timeout=60)
    assert first.returncode == again.returncode == other.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    lines = first.stdout.splitlines()
    assert len(lines) == 301 and lines[-1].startswith("digest of 300 inputs: ")
    assert other.stdout.splitlines()[-1] != lines[-1]
    # Input k is the same whether 5 or 300 are asked for.
    five = wsconform("fuzz-live", "--print-inputs", "5", "--seed", "9", timeout=60)
    assert five.stdout.splitlines()[:5] == lines[:5]


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("args, mention", [
    (["--target", "http://127.0.0.1:9/", "--out", "{out}"], "http://"),
    (["--target", "ws://127.0.0.1:9/", "--out", "{out}", "--seconds", "-1"], "--seconds"),
    (["--target", "ws://127.0.0.1:9/", "--out", "{out}", "--jobs", "0"], "--jobs"),
    (["--target", "ws://127.0.0.1:9/"], "--out"),
    (["--out", "{out}"], "--target"),
    (["--target", "ws://127.0.0.1:9/", "--out", "{out}", "--bogus"], "--bogus"),
], ids=["http-scheme", "negative-seconds", "jobs-0", "no-out", "no-target", "unknown-option"])
def test_bad_arguments(wsconform, tmp_path, args, mention):
    out = tmp_path / "out"
    result = wsconform("fuzz-live", *[a.replace("{out}", str(out)) for a in args], timeout=30)
    assert_one_line_error(result, mention=mention)
    assert result.stdout == ""


def test_unreachable_target(wsconform, unused_port, tmp_path):
    url = f"ws://127.0.0.1:{unused_port}/"
    result = wsconform("fuzz-live", "--target", url, "--seconds", "5", "--out",
                       str(tmp_path / "out"), timeout=60)
    assert_one_line_error(result, mention=url)
    assert result.stdout == ""


def test_replay_bad_input(wsconform, unused_port, tmp_path):
    url = f"ws://127.0.0.1:{unused_port}/"
    missing = tmp_path / "missing.json"
    assert_one_line_error(wsconform("replay", str(missing), "--target", url, timeout=30),
                          mention=str(missing))
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text('{"schema": "wsconform-livefuzz/1", "kind": "crash"')
    assert_one_line_error(wsconform("replay", str(corrupt), "--target", url, timeout=30),
                          mention=str(corrupt))
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"schema": "wsconform-livefuzz/1", "kind": "crash",
                                "rule": "len64", "write_chunk": 0,
                                "canary": {"key": "00000000"},
                                "steps": [{"hex": "82ff", "delay_ms": 0}]}))
    # A well-formed reproducer and a target that is not there: could not run.
    assert_one_line_error(wsconform("replay", str(good), "--target", url, timeout=60),
                          mention=url)
    assert_one_line_error(wsconform("replay", str(good), timeout=30), mention="--target")


@pytest.mark.parametrize("args, mention", [
    (["--seconds", "0", "--out", "{out}"], "--seconds"),
    (["--seconds", "2"], "--out"),
    (["--jobs", "x", "--out", "{out}"], "--jobs"),
    (["--target", "http://x/", "--out", "{out}"], "--target"),
    (["--command", "'unterminated", "--out", "{out}"], "--command"),
], ids=["zero-seconds", "no-out", "bad-jobs", "http-target", "bad-command"])
def test_run_suite_bad_arguments(binaries, tmp_path, args, mention):
    out = tmp_path / "out"
    result = run_suite_fuzz(binaries, *[a.replace("{out}", str(out)) for a in args], timeout=120)
    assert_one_line_error(result, prefix="run_suite", mention=mention)
