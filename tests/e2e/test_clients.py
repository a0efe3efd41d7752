"""Testing clients (wsconform as the server, exec mode): real clients pass, and a client with a
seeded fault fails the cases its fault breaks, with the reason.

Each client is started once per case by `wsconform --client-command 'CMD {url}'` and must echo
every message and exit (0 after a clean close).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from conftest import PYTHON, ROOT, Run, free_port, invoke

FAULTY_CLIENT = ROOT / "tests" / "clients" / "faulty_client.py"
WEBSOCKETS_CLIENT = ROOT / "tests" / "e2e" / "clients" / "websockets_client.py"


def run_client(binaries, command: str, out: Path, *extra: str) -> Run:
    result = invoke(binaries, "--client-command", command, "--out", str(out), *extra)
    run = Run(out, result.returncode, result.stdout, result.stderr)
    if result.returncode in (0, 1):
        run.index = json.loads((out / "index.json").read_text())
        run.target = run.index["targets"][0]
    return run


def test_the_websockets_client_passes(binaries, tmp_path):
    # Categories without 6.x (python3-websockets 10.4 closes some invalid UTF-8 with 1002, where
    # the cases want 1007): everything OK, NON-STRICT or INFORMATIONAL, as Autobahn reports it.
    # Timers x3: 64 Python clients start at once, and on a loaded machine one can take more
    # than a case's 1 s to fail its connection (3.4, 4.1.5, 4.2.5 once in CI); the verdicts
    # are what is asserted, not the client's speed.
    run = run_client(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}", tmp_path,
                     "--cases", "1.*,2.*,3.*,4.*,5.*,7.*,10.*", "--timeout-scale", "3")
    assert run.returncode == 0, run.describe(run.ids_with("FAILED")) + run.stderr[-2000:]
    assert run.target["mode"] == "client"
    assert run.target["agent"] == "python3"
    assert run.summary["total"] == len(run.cases) > 100
    # NON-STRICT where Autobahn allows it: the echo of the valid message before the bad frame
    # came or not (3.x, 4.x: a race inside the client), the fragmented ping of 5.15.
    assert all(i.split(".")[0] in ("3", "4") or i == "5.15" for i in run.ids_with("NON-STRICT"))
    case = run.wire("1.1.1")
    # Our frames go unmasked (RFC 6455 §5.1), the request is the client's.
    assert case["http_request"].startswith("GET /")
    assert "Sec-WebSocket-Key:" in case["http_request"]
    assert case["http_response"].startswith("HTTP/1.1 101 ")
    sent_frame = next(c for c in case["chunks"] if c["dir"] == "tx" and c["hex"].startswith("81"))
    assert sent_frame["hex"] == "8100"


# fault -> (case, the start of the reason it fails with); the other case of the pair passes
# unless the fault breaks every case.
FAULTS = {
    "crash": ("1.1.1", "the client crashed: it was killed by SIGABRT"),
    "segv": ("1.1.1", "the client crashed: it was killed by SIGSEGV"),
    "sanitizer": ("1.1.1", "the client crashed: it exited with status 0; its sanitizer "
                           "reported: ==4242==ERROR: AddressSanitizer: heap-buffer-overflow"),
    "exit-1": ("1.1.1", "the client exited with status 1 after a normal end of its connection"),
    "no-connect": ("1.1.1", "the client exited with status 3 before it sent an opening "
                            "handshake (it printed: faulty_client: not connecting"),
    "unmasked": ("1.1.1", "peer violated RFC 6455 5.1: frame from the client is not masked"),
    "bad-key": ("1.1.1", "the client's opening handshake request is invalid: Sec-WebSocket-Key"),
    "no-version": ("1.1.1", "the client's opening handshake request is invalid: "
                            "Sec-WebSocket-Version header missing (RFC 6455 4.2.1)"),
}


@pytest.fixture(scope="module")
def healthy(binaries, tmp_path_factory) -> Run:
    out = tmp_path_factory.mktemp("healthy")
    return run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault none {{url}}", out,
                      "--cases", "1.1.1,2.2")


def test_the_faulty_client_without_a_fault_passes(healthy):
    assert healthy.returncode == 0, healthy.describe(healthy.cases) + healthy.stderr[-2000:]
    assert healthy.verdicts == {"1.1.1": "OK", "2.2": "OK"}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_seeded_fault_fails_its_cases_with_the_reason(binaries, tmp_path, fault):
    case_id, reason = FAULTS[fault]
    run = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault {fault} {{url}}", tmp_path,
                     "--cases", "1.1.1,2.2")
    assert run.returncode == 1, run.stderr[-2000:]
    case = run.cases[case_id]
    assert case["verdict"] == "FAILED"
    assert case["result"].startswith(reason), case["result"]


def test_a_client_that_never_exits_is_killed_and_non_strict(binaries, tmp_path):
    # It completes the closing handshake, then hangs: killed after the exit wait (5 s x 0.2).
    # The connection did all the RFC asks, so NON-STRICT, not FAILED; the reason says why.
    run = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault hang {{url}}", tmp_path,
                     "--cases", "1.1.1", "--timeout-scale", "0.2")
    assert run.returncode == 0, run.stderr[-2000:]
    case = run.cases["1.1.1"]
    assert case["verdict"] == "NON-STRICT", case
    assert case["result"] == ("the client did not exit in time and was killed (it kept running "
                              "1.0 s after its connection ended), after a clean closing "
                              "handshake"), case["result"]
    assert case["metrics"]["client_exit_status"] == -9


# The first run of each case is slowed as on a machine busy with the run's other clients;
# the timeout that decides it is no longer than the load seen, so the runner runs the case
# again alone after the others, where the client behaves; that second verdict stands, with a
# note. hang-first-run starts 1 s late and never exits (killed after the exit wait, 5 s x 0.4);
# late-first-run connects after 2.5 s, past the wait for its request (10 s x 0.2).
FIRST_RUN_FAULTS = {
    "hang-first-run": ("0.4", "the client did not exit in time and was killed"),
    "late-first-run": ("0.2", "the client did not send an opening handshake within 2.0 s"),
}


@pytest.mark.parametrize("fault", sorted(FIRST_RUN_FAULTS))
def test_a_timeout_while_other_clients_ran_is_confirmed_alone(binaries, tmp_path, fault):
    scale, first_reason = FIRST_RUN_FAULTS[fault]
    state = tmp_path / "state"
    state.mkdir()
    run = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault {fault} "
                     f"--state {state} {{url}}", tmp_path / "out",
                     "--cases", "1.1.1,1.1.2", "--jobs", "2", "--timeout-scale", scale)
    assert run.returncode == 0, run.describe(run.cases) + run.stderr[-2000:]
    assert run.verdicts == {"1.1.1": "OK", "1.1.2": "OK"}
    for case_id in run.cases:
        notes = run.wire(case_id)["notes"]
        assert any("the case ran again alone after them" in note and first_reason in note
                   for note in notes), notes


def test_the_command_line_says_what_is_wrong(binaries, tmp_path):
    both = invoke(binaries, "--client-command", "true {url}", "--target", "ws://127.0.0.1:1/",
                  "--out", str(tmp_path / "a"))
    assert both.returncode == 2
    assert "--target and --client-command exclude each other" in both.stderr
    bad = invoke(binaries, "--client-command", "true {url}", "--listen", "127.0.0.1",
                 "--out", str(tmp_path / "b"))
    assert bad.returncode == 2
    assert "bad --listen '127.0.0.1': expected HOST:PORT" in bad.stderr
    none = invoke(binaries, "--client-command", "true {url}", "--cases", "H.*",
                  "--out", str(tmp_path / "c"))
    assert none.returncode == 2
    assert "among the cases run against clients" in none.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "c").exists()


# --- Autobahn's fuzzingserver, as a drop-in -------------------------------------------------------

AUTOBAHN_TESTEE = ROOT / "tests" / "e2e" / "clients" / "autobahn_testee.py"


class Fuzzingserver:
    """`run_suite.py --spec fuzzingserver.json` running in the background: ready once it printed
    its ready line."""

    def __init__(self, binaries, tmp_path: Path, spec: dict):
        spec_file = tmp_path / "fuzzingserver.json"
        spec_file.write_text(json.dumps(spec))
        env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
        self.process = subprocess.Popen([PYTHON, str(ROOT / "run_suite.py"), "--spec",
                                         str(spec_file)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=env,
                                        start_new_session=True)
        self.lines: list[str] = []
        for line in self.process.stdout:
            self.lines.append(line)
            if "fuzzingserver ready on" in line:
                return
        pytest.fail("the fuzzingserver never said it was ready:\n" + "".join(self.lines))

    def finish(self, timeout: float = 60) -> int:
        try:
            rest, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail("the fuzzingserver did not stop:\n" + "".join(self.lines))
        self.lines.append(rest)
        return self.process.returncode

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def test_a_testee_client_drives_the_fuzzingserver_unchanged(binaries, tmp_path):
    port = free_port()
    out = tmp_path / "clients"
    server = Fuzzingserver(binaries, tmp_path, {
        "url": f"ws://127.0.0.1:{port}", "outdir": str(out), "cases": ["1.1.*", "2.*", "5.1"],
        "exclude-cases": ["2.10", "2.11"], "exclude-agent-cases": {"testee-*": ["5.1"]},
        "options": {"failByDrop": False}})
    try:
        testee = subprocess.run([PYTHON, str(AUTOBAHN_TESTEE), f"ws://127.0.0.1:{port}",
                                 "--agent", "testee-1", "--shutdown"],
                                capture_output=True, text=True, timeout=120)
        assert testee.returncode == 0, testee.stderr
        # /getCaseCount: 8 of 1.1, 9 of 2 and 5.1 (excluded for this agent, still counted).
        assert testee.stdout.startswith("18 cases")
        assert server.finish() == 0, "".join(server.lines)
    finally:
        server.stop()
    index = json.loads((out / "index.json").read_text())
    target, = index["targets"]
    assert target["agent"] == "testee-1" and target["mode"] == "client"
    ids = [c["id"] for c in target["cases"]]
    assert ids[0] == "1.1.1" and "5.1" not in ids and len(ids) == 17
    assert all(c["verdict"] == "OK" for c in target["cases"]), ids
    autobahn = json.loads((out / "autobahn" / "index.json").read_text())
    assert autobahn["testee-1"]["2.1"]["behavior"] == "OK"
    assert (out / "index.html").exists() and (out / "junit.xml").exists()


AIOHTTP_CLIENT = ROOT / "tests" / "e2e" / "clients" / "aiohttp_client.py"


def test_aiohttps_own_kind_of_testee_drives_the_fuzzingserver(binaries, tmp_path):
    # The shape aiohttp keeps in tests/autobahn/client: an http:// URL for the control
    # protocol, a session shared by every case, reports asked for at the end.
    port = free_port()
    out = tmp_path / "clients"
    server = Fuzzingserver(binaries, tmp_path, {
        "url": f"ws://127.0.0.1:{port}", "outdir": str(out), "cases": ["1.1.*", "5.*", "7.1.*"]})
    try:
        testee = subprocess.run([PYTHON, str(AIOHTTP_CLIENT), "--autobahn",
                                 f"http://127.0.0.1:{port}"],
                                capture_output=True, text=True, timeout=120)
        assert testee.returncode == 0, testee.stderr
        assert testee.stdout.startswith("34 cases")
        assert server.finish() == 0, "".join(server.lines)
    finally:
        server.stop()
    target, = json.loads((out / "index.json").read_text())["targets"]
    assert target["agent"] == "aiohttp" and len(target["cases"]) == 34
    verdicts = {c["id"]: c["verdict"] for c in target["cases"]}
    # 7.1.6 (a message of 256 KiB, then a close with the rest unread) is INFORMATIONAL, as in
    # Autobahn; 5.x are all OK (fragmented messages with pings between the fragments).
    assert {i for i, v in verdicts.items() if v != "OK"} == {"7.1.6"}, verdicts


def test_the_aiohttp_client_fails_where_it_accepts_what_it_must_refuse(binaries, tmp_path):
    # Debian's aiohttp 3.8 takes a subprotocol or an extension it did not offer, and
    # permessage-deflate parameters RFC 7692 forbids (R.1.9-R.1.11), and frames a server
    # masked (K.1.2-K.1.5, RFC 6455 5.1): real defects of that client, beyond Autobahn's
    # cases. The rest of these families and Autobahn's first categories pass.
    run = run_client(binaries, f"{PYTHON} {AIOHTTP_CLIENT} {{url}}", tmp_path,
                     "--cases", "1.*,2.*,R.*,K.*,Q.*")
    assert run.returncode == 1, run.stderr[-2000:]
    assert run.target["agent"] == "python3"
    assert run.ids_with("FAILED") == {"R.1.9", "R.1.10", "R.1.11", "K.1.2", "K.1.3", "K.1.4",
                                      "K.1.5"}, run.describe(run.ids_with("FAILED"))
    assert set(run.verdicts.values()) == {"OK", "FAILED"}
    assert run.cases["K.1.2"]["result"].startswith(
        "the peer acted on what it had to reject: it answered with [text 'Hello, world!']")
    assert "Sec-WebSocket-Protocol" in run.cases["R.1.10"]["result"]


def test_the_fuzzingserver_keeps_every_result_and_says_why_it_refuses(binaries, tmp_path):
    port = free_port()
    out = tmp_path / "clients"
    result = None
    process = subprocess.Popen([str(binaries.wsconform), "--serve-autobahn",
                                f"ws://127.0.0.1:{port}", "--out", str(out), "--cases", "1.1.*"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    try:
        assert "fuzzingserver ready on" in process.stdout.readline()
        # A bad control request: an HTTP error that says why, not a 500.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/runCase?case=99&agent=x")
        answer = connection.getresponse()
        assert answer.status == 404
        assert "the cases are numbered 1 to 8" in answer.read().decode()
        # No check of the port in Host: a client behind port mapping names another one.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /getCaseCount HTTP/1.1\r\nHost: localhost:1234\r\n"
                      b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                      b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                      b"Sec-WebSocket-Version: 13\r\n\r\n")
            assert s.recv(4096).startswith(b"HTTP/1.1 101 ")
        # One case, then the client and the server die: the result is on disk already.
        one = subprocess.run([PYTHON, str(WEBSOCKETS_CLIENT),
                              f"ws://127.0.0.1:{port}/runCase?case=1&agent=one-case"],
                             capture_output=True, text=True, timeout=60)
        assert one.returncode == 0, one.stderr
        index = json.loads((out / "index.json").read_text())
        assert [c["id"] for c in index["targets"][0]["cases"]] == ["1.1.1"]
        assert (out / index["targets"][0]["cases"][0]["wire_log"]).exists()
        os.killpg(process.pid, signal.SIGTERM)
        result = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert result == 0
    assert json.loads((out / "index.json").read_text())["targets"][0]["summary"]["OK"] == 1


def test_run_suite_clients_tests_the_reference_client_by_default(binaries, tmp_path):
    # What a new user runs first: categories 1-10 against the built-in client, all passing.
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "clients", "--out",
                             str(tmp_path), "--exclude-cases", "9.*,12.*,13.*"],
                            capture_output=True, text=True, timeout=300, env=env)
    # One finding: Boost.Beast 1.81's "secure" generator (detail::chacha) makes a new block
    # only every 16th counter step, so its mask keys repeat every 16 frames (RFC 6455 5.3).
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr[-3000:]
    index = json.loads((tmp_path / "index.json").read_text())
    target, = index["targets"]
    assert target["agent"] == "wsconform-reference-client" and target["mode"] == "client"
    failed = {c["id"]: c["result"] for c in target["cases"] if c["verdict"] == "FAILED"}
    assert list(failed) == ["K.1.1"], failed
    assert "frames 1 and 17 were masked with the same key" in failed["K.1.1"]
    # Autobahn's 1-7, 10; R.1; K.1; Q.1; B.1; E.1; T.1
    assert target["summary"]["total"] == 247 + 12 + 6 + 8 + 7 + 4 + 5
    assert (tmp_path / "index.html").exists()


def test_compression_cases_accept_the_clients_offer_as_autobahn_does(binaries, tmp_path):
    # python3-websockets offers "permessage-deflate; client_max_window_bits": 13.2, 13.5 and
    # 13.6 ask for client_no_context_takeover, which it did not offer (UNIMPLEMENTED, as in
    # Autobahn); the others are agreed, and every echo is checked after inflating.
    run = run_client(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}", tmp_path,
                     "--cases", ",".join(["12.1.1", "12.2.3"] +
                                         [f"13.{n}.1" for n in range(1, 8)]))
    assert run.returncode == 0, run.describe(run.ids_with("FAILED"))
    assert run.ids_with("UNIMPLEMENTED") == {"13.2.1", "13.5.1", "13.6.1"}
    assert run.ids_with("OK") == {"12.1.1", "12.2.3", "13.1.1", "13.3.1", "13.4.1", "13.7.1"}
    assert "client_no_context_takeover" in run.cases["13.2.1"]["result"]
    response = run.wire("13.3.1")["http_response"]
    assert "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9" in response


def test_responses_a_client_must_reject(binaries, tmp_path):
    # R.1: every broken 101 is rejected by the clients that validate it; a client that checks
    # only the status goes on talking WebSocket and fails every case past the status ones.
    for name, command in (("websockets", f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}"),
                          ("validating", f"{PYTHON} {FAULTY_CLIENT} --fault none {{url}}")):
        run = run_client(binaries, command, tmp_path / name, "--cases", "R.*")
        assert run.returncode == 0, name + "\n" + run.describe(run.ids_with("FAILED"))
        assert len(run.cases) == 12
    lax = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault no-validate {{url}}",
                     tmp_path / "lax", "--cases", "R.*")
    assert lax.returncode == 1
    assert lax.ids_with("FAILED") == {f"R.1.{n}" for n in range(3, 13)}
    case = lax.cases["R.1.8"]  # a Sec-WebSocket-Accept for another key
    assert case["result"].startswith("the peer acted on what it had to reject: it answered with "
                                     "[text 'Hello, client']"), case["result"]
    assert "Sec-WebSocket-Accept" in case["result"]  # the MUST it broke, quoted
    assert "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" in lax.wire("R.1.8")["http_response"]


def test_mask_keys_and_masked_frames(binaries, tmp_path):
    # K.1: python3-websockets draws its keys from os.urandom; seeded faults make them zero or a
    # counter; a client that does not validate acts on masked frames from the server.
    good = run_client(binaries, f"{PYTHON} {WEBSOCKETS_CLIENT} {{url}}", tmp_path / "good",
                      "--cases", "K.*")
    assert good.returncode == 0, good.describe(good.ids_with("FAILED"))
    for fault, reason in (("zero-mask", "frame 1 was masked with the all-zero key"),
                          ("counter-mask", "is the one before plus 00000001")):
        run = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault {fault} {{url}}",
                         tmp_path / fault, "--cases", "K.*")
        # Every connection starts with the same key too: the check across the run fails.
        assert run.ids_with("FAILED") == {"K.1.1", "K.1.6"}
        assert run.cases["K.1.1"]["result"].startswith("the client's mask keys are predictable")
        assert reason in run.cases["K.1.1"]["result"]
        assert run.cases["K.1.6"]["result"].startswith("across the run: the connection")
    lax = run_client(binaries, f"{PYTHON} {FAULTY_CLIENT} --fault no-validate {{url}}",
                     tmp_path / "lax", "--cases", "K.*")
    assert lax.ids_with("FAILED") == {"K.1.2", "K.1.3", "K.1.4", "K.1.5"}


WS_CLIENT = ROOT / "tests" / "e2e" / "clients" / "ws_client.js"


def test_the_ws_client_passes(binaries, node_ws, tmp_path):
    # npm ws, categories 1-7, 10, R.1 and K.1, and a compression sample: no FAILED. It offers
    # "permessage-deflate; client_max_window_bits", so 13.2 (client_no_context_takeover) is
    # UNIMPLEMENTED, as in Autobahn.
    run = run_client(binaries, f"{node_ws} {WS_CLIENT} {{url}}", tmp_path,
                     "--cases", "1.*,2.*,3.*,4.*,5.*,6.*,7.*,10.*,R.*,K.*,12.1.1,13.1.1,13.2.1")
    assert run.returncode == 0, run.describe(run.ids_with("FAILED")) + run.stderr[-2000:]
    assert run.ids_with("UNIMPLEMENTED") == {"13.2.1"}
    assert run.verdicts["12.1.1"] == "OK"
    # ws checks UTF-8 once a message is whole, so 6.4.x (fail fast) is NON-STRICT, as the ws
    # server's is.
    assert {"6.4.1", "6.4.2", "6.4.3", "6.4.4"} <= run.ids_with("NON-STRICT", "OK")
    assert all(i.split(".")[0] in ("3", "4") or i == "5.15" or i.startswith("6.4.")
               for i in run.ids_with("NON-STRICT"))
