"""WebSocket over HTTP/2 (RFC 8441, `--http2`): verdicts against real implementations from Debian
(nghttpx in front of the reference server; hypercorn with an ASGI echo app) and against the
faulty HTTP/2 WebSocket server's seeded faults, the report's transport, and the usage errors.

nghttpx and hypercorn print no ready line: they are ready once their port accepts connections.
Every process is stopped at the end of its module or test.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import pytest

from conftest import PYTHON, ROOT, free_port

FAULTY_H2_SERVER = ROOT / "tests" / "servers" / "faulty_h2_server.py"
ASGI_ECHO = ROOT / "tests" / "e2e" / "servers" / "asgi_echo.py"
AUTOBAHN_1_10 = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*"


def wait_for_port(port: int, process: subprocess.Popen, name: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{name} exited ({process.returncode}) before its port accepted "
                        "connections", pytrace=False)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    stop(process)
    pytest.fail(f"{name}: port {port} did not accept connections within {timeout:.0f} s",
                pytrace=False)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_port_server(command: list[str], port: int, name: str) -> subprocess.Popen:
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for_port(port, process, name)
    return process


@pytest.fixture(scope="module")
def reference_url(start_module_server, reference_server_command) -> str:
    return start_module_server(reference_server_command(), "reference server").url


@pytest.fixture(scope="module")
def nghttpx_url(reference_url):
    """nghttpx (Debian's nghttp2-proxy) taking h2c with prior knowledge, in front of the
    reference server over HTTP/1.1."""
    backend = int(reference_url.rsplit(":", 1)[1].strip("/"))
    port = free_port()
    process = start_port_server(
        ["nghttpx", "--conf=/dev/null", "--single-process", "--single-thread", "-L", "WARN",
         "--errorlog-file=/dev/null", f"-f127.0.0.1,{port};no-tls", f"-b127.0.0.1,{backend}"],
        port, "nghttpx")
    yield f"ws://127.0.0.1:{port}/"
    stop(process)


@pytest.fixture(scope="module")
def hypercorn_url():
    port = free_port()
    process = start_port_server(
        [PYTHON, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         f"{ASGI_ECHO}:app"], port, "hypercorn")
    yield f"ws://127.0.0.1:{port}/"
    stop(process)


@pytest.fixture
def faulty_h2(start_server):
    def start(fault: str) -> str:
        return start_server([PYTHON, str(FAULTY_H2_SERVER), "--host", "127.0.0.1", "--port", "0",
                             "--fault", fault], f"faulty-h2-{fault}").url
    return start


@pytest.fixture(scope="module")
def both_ways(reference_url, nghttpx_url, tmp_path_factory, binaries):
    """Categories 1-10 against the reference server directly and through nghttpx over h2."""
    from conftest import invoke
    out = tmp_path_factory.mktemp("h2-both")
    runs = {}
    for name, url, extra in (("http1", reference_url, ()),
                             ("h2", nghttpx_url, ("--http2",))):
        result = invoke(binaries, "--target", url, "--out", str(out / name), "--agent",
                        "reference", "--cases", AUTOBAHN_1_10, "--quiet", *extra, timeout=600)
        assert result.returncode in (0, 1), result.stderr
        runs[name] = json.loads((out / name / "index.json").read_text())
    return out, runs


def verdicts(index: dict) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in index["targets"][0]["cases"]}


def test_autobahn_cases_over_nghttpx_give_the_verdicts_of_http11(both_ways):
    """The same 301 cases, the same verdicts: nghttpx carries RFC 8441 streams to an RFC 6455
    server without changing what it does."""
    _, runs = both_ways
    http1, h2 = verdicts(runs["http1"]), verdicts(runs["h2"])
    assert len(h2) == 301 and h2.keys() == http1.keys()
    assert h2 == http1, {i: (http1[i], h2[i]) for i in h2 if h2[i] != http1[i]}
    assert "FAILED" not in h2.values()
    assert runs["h2"]["targets"][0]["transport"] == "h2"
    assert runs["http1"]["targets"][0]["transport"] == "http/1.1"


def test_the_record_shows_the_extended_connect_and_its_answer(both_ways):
    out, runs = both_ways
    case = next(c for c in runs["h2"]["targets"][0]["cases"] if c["id"] == "1.1.1")
    record = json.loads((out / "h2" / case["wire_log"]).read_text())
    request = record["http_request"]
    # RFC 8441 §4: the pseudo-headers, no key, no Upgrade or Connection.
    for line in (":method: CONNECT", ":protocol: websocket", ":scheme: http", ":path: /",
                 "sec-websocket-version: 13"):
        assert line in request, request
    assert "sec-websocket-key" not in request.lower() and "upgrade" not in request.lower()
    assert record["http_response"].startswith(":status: 200"), record["http_response"]
    # The stream carries RFC 6455 frames, masked by us.
    assert any(f["dir"] == "tx" and f["masked"] for f in record["frames"]), record["frames"][:2]


def test_a_merged_report_shows_the_two_transports_side_by_side(both_ways, tmp_path):
    out, _ = both_ways
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "report", str(out / "http1"),
                             str(out / "h2"), "--out", str(tmp_path / "merged")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "merged" / "index.html").read_text()
    assert ">reference (h2)</th>" in html and ">reference</th>" in html


def test_compression_over_nghttpx(nghttpx_url, run_suite, tmp_path):
    """permessage-deflate is negotiated end to end through nghttpx (RFC 7692 over RFC 8441)."""
    run = run_suite(nghttpx_url, tmp_path, "nghttpx", "--http2", "--cases",
                    "12.1.1,12.1.2,12.2.3,13.1.1,13.3.2", timeout=600)
    assert run.returncode == 0, run.describe(run.cases)
    assert set(run.verdicts.values()) == {"OK"}, run.describe(run.cases)
    wire = run.wire("12.1.1")
    assert "permessage-deflate" in wire["http_response"]


# --- seeded faults ------------------------------------------------------------------------------

CLOSING_CASES = "1.1.1,1.1.2,1.2.1,2.1,5.1"


@pytest.mark.parametrize("fault, verdict, reason", [
    ("none", "OK", None),
    # RFC 9113 §8.1: END_STREAM then RST_STREAM(NO_ERROR) is an orderly end (nghttpx does it).
    ("rst-after-end", "OK", None),
    ("rst-close", "FAILED", "RST_STREAM CANCEL"),
    ("goaway-close", "FAILED", "GOAWAY"),
    ("drop-tcp-close", "FAILED", "connection was lost"),
    ("status-101", "FAILED", "status 101 instead of 200 (RFC 9113 8.6)"),
    ("accept-header", "FAILED", "Sec-WebSocket-Accept in a response to an extended CONNECT"),
    ("end-on-headers", "FAILED", "END_STREAM on its HEADERS"),
    ("setting-only", "FAILED", "status 501 instead of 200"),
    ("no-setting", "UNIMPLEMENTED", "SETTINGS_ENABLE_CONNECT_PROTOCOL"),
])
def test_seeded_faults(faulty_h2, run_suite, tmp_path, fault, verdict, reason):
    url = faulty_h2(fault)
    run = run_suite(url, tmp_path, fault, "--http2", "--cases", CLOSING_CASES)
    assert run.returncode == (1 if verdict == "FAILED" else 0), run.stderr
    # 5.1 is failed by the server (a continuation without a message): its closing is the
    # server's Close, then the same stream ending.
    ids = [i for i in run.verdicts if verdict != "FAILED" or i != "5.1"
           or fault not in ("rst-close", "goaway-close", "drop-tcp-close")]
    wrong = [i for i in ids if run.verdicts[i] != verdict]
    assert not wrong, run.describe(run.verdicts)
    if reason:
        case = run.cases["1.1.1"]
        assert reason in case["result"] + case["result_close"], run.describe(["1.1.1"])


def test_only_the_first_stream_upgraded_is_caught(faulty_h2, run_suite, tmp_path):
    """envoy#38645: a server that upgrades only the first stream of a connection."""
    run = run_suite(faulty_h2("first-stream-only"), tmp_path, "first-only", "--http2",
                    "--cases", "1.1.*")
    assert run.returncode == 1
    failed = run.ids_with("FAILED")
    assert len(failed) >= 7, run.describe(run.verdicts)
    assert all("status 400 instead of 200" in run.cases[i]["result"] for i in failed)


def test_no_case_is_blamed_for_a_connection_dropped_before_its_answer(faulty_h2, run_suite,
                                                                      tmp_path):
    """The server closes TCP when a second extended CONNECT comes on a connection, before it
    answers it: that case, like those whose streams were open, runs again on a connection of
    its own (its first run kept "no response to the extended CONNECT" before)."""
    run = run_suite(faulty_h2("drop-second-connect"), tmp_path, "drop-second", "--http2",
                    "--cases", "1.1.1,1.1.2,1.1.3,1.1.4")
    assert run.returncode == 0, run.describe(run.verdicts)
    assert set(run.verdicts.values()) == {"OK"}, run.describe(run.verdicts)
    notes = [note for i in run.cases for note in run.wire(i)["notes"]]
    assert any("ended during its first run (no response to the extended CONNECT" in note
               for note in notes), notes


def test_deflate_without_rsv1_is_caught(faulty_h2, run_suite, tmp_path):
    """fluffos PR #1289: compressed echoes without RSV1 arrive as garbage text."""
    run = run_suite(faulty_h2("deflate-no-rsv1"), tmp_path, "no-rsv1", "--http2",
                    "--cases", "12.1.1,12.1.2")
    assert run.returncode == 1
    assert run.ids_with("FAILED") == {"12.1.1", "12.1.2"}, run.describe(run.verdicts)


# --- the RFC 8441 / RFC 9113 checks (H2.*) ------------------------------------------------------

def test_the_h2_checks_run_only_over_http2(wsconform):
    plain = wsconform("--list").stdout
    over_h2 = wsconform("--list", "--http2").stdout
    assert "H2.1.1" not in plain and over_h2.count("\nH2.") + over_h2.startswith("H2.") == 20
    # HTTP/1.1's request cases are left out over HTTP/2; Autobahn's stay.
    assert "\nH.2.1\t" in plain and "\nH.2.1\t" not in over_h2
    assert "\n13.7.18\t" in over_h2


def test_h2_checks_against_nghttpx(nghttpx_url, run_suite, tmp_path):
    run = run_suite(nghttpx_url, tmp_path, "nghttpx", "--http2", "--cases", "H2.*", timeout=600)
    assert run.returncode == 0, run.describe(run.verdicts)
    verdicts = run.verdicts
    # nghttpx answers an extended CONNECT carrying END_STREAM with 200 and leaves the stream
    # open; nghttp2 ends the connection (GOAWAY) for a stream past its limit once its SETTINGS
    # are acknowledged, and resets the stream before.
    assert verdicts.pop("H2.2.9") == "NON-STRICT", run.describe(["H2.2.9"])
    assert verdicts.pop("H2.6.2") in ("OK", "NON-STRICT"), run.describe(["H2.6.2"])
    assert set(verdicts.values()) == {"OK"}, run.describe(verdicts)
    assert "RST_STREAM PROTOCOL_ERROR" in run.cases["H2.2.6"]["result"]
    assert "went on serving" in run.cases["H2.2.6"]["result"]
    record = run.wire("H2.2.6")
    assert "connection: upgrade" in record["http_request"], record["http_request"]


@pytest.mark.parametrize("fault, expected", [
    ("none", {"H2.1.1": "OK", "H2.2.6": "OK", "H2.2.9": "OK", "H2.3.1": "OK", "H2.5.2": "OK"}),
    ("accept-bad-headers", {"H2.2.2": "FAILED", "H2.2.5": "FAILED", "H2.2.6": "FAILED",
                            "H2.2.7": "FAILED"}),
    ("no-flow-control", {"H2.5.2": "FAILED", "H2.5.1": "OK"}),
    ("any-protocol", {"H2.2.8": "NON-STRICT"}),
    ("first-stream-only", {"H2.4.3": "NON-STRICT", "H2.4.1": "NON-STRICT"}),
    ("rst-close", {"H2.3.1": "FAILED"}),
    ("no-setting", {"H2.1.1": "UNIMPLEMENTED", "H2.3.1": "UNIMPLEMENTED"}),
])
def test_h2_checks_catch_seeded_faults(faulty_h2, run_suite, tmp_path, fault, expected):
    run = run_suite(faulty_h2(fault), tmp_path, fault, "--http2", "--cases",
                    ",".join(expected), timeout=600)
    assert run.verdicts == expected, run.describe(run.verdicts)
    reasons = {"accept-bad-headers": "accepted (200) a malformed request",
               "no-flow-control": "overran our flow-control window",
               "first-stream-only": "stream 2",
               "rst-close": "RST_STREAM CANCEL"}
    if fault in reasons:
        failing = next(i for i, v in expected.items() if v != "OK")
        assert reasons[fault] in run.cases[failing]["result"], run.describe([failing])


# --- hypercorn ----------------------------------------------------------------------------------

def test_hypercorn_verdicts(hypercorn_url, run_suite, tmp_path):
    """hypercorn 0.13 speaks RFC 8441, but never ends its stream after the closing handshake
    (it sends its Close, then nothing), sends no Close on a protocol error, and drops the whole
    connection when a stream it closed gets more frames. Each case is judged on its own: a case
    whose shared connection went down runs again on one of its own."""
    run = run_suite(hypercorn_url, tmp_path, "hypercorn", "--http2", "--cases",
                    "1.1.*,2.1,2.5,5.1,5.3,6.6.1", timeout=600)
    assert run.returncode == 1
    assert run.target["transport"] == "h2"
    verdicts = run.verdicts
    # The echo is right; the ending is the server's failing (it leaves the stream open).
    for i in ("1.1.1", "1.1.2", "2.1", "5.3"):
        c = run.cases[i]
        assert verdicts[i] in ("NON-STRICT", "FAILED"), run.describe([i])
        assert "END_STREAM" in c["result"] + c["result_close"], run.describe([i])
        assert c["behavior"] in ("OK", "NON-STRICT"), run.describe([i])
    # Protocol errors get no Close: the server never fails the connection.
    for i in ("2.5", "5.1", "6.6.1"):
        assert verdicts[i] == "FAILED", run.describe([i])
        assert "never failed the connection" in run.cases[i]["result"], run.describe([i])
    # No case is blamed for another's dropped connection.
    for i in verdicts:
        assert "connection was lost" not in run.cases[i]["result"], run.describe([i])


def test_h2_checks_against_hypercorn(hypercorn_url, run_suite, tmp_path):
    """hypercorn 0.13 (h2 4.1): every CONNECT is a WebSocket to it, malformed requests end the
    whole connection, and it never ends a stream after the closing handshake."""
    run = run_suite(hypercorn_url, tmp_path, "hypercorn", "--http2", "--cases",
                    "H2.1.1,H2.2.1,H2.2.3,H2.2.6,H2.2.8,H2.3.1,H2.4.1,H2.5.2", timeout=600)
    assert run.verdicts == {"H2.1.1": "OK", "H2.2.1": "FAILED", "H2.2.3": "NON-STRICT",
                            "H2.2.6": "NON-STRICT", "H2.2.8": "NON-STRICT",
                            "H2.3.1": "FAILED", "H2.4.1": "OK", "H2.5.2": "OK"}, \
        run.describe(run.verdicts)
    assert "GOAWAY" in run.cases["H2.2.6"]["result"]
    assert "did not end the stream" in run.cases["H2.3.1"]["result"]


# --- usage --------------------------------------------------------------------------------------

def test_an_http11_only_server_is_one_line_and_exit_2(reference_url, wsconform, tmp_path):
    result = wsconform("--target", reference_url, "--http2", "--cases", "1.1.1",
                       "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no HTTP/2 at" in lines[0] and "prior knowledge" in lines[0]
    assert not (tmp_path / "out" / "index.json").exists()


def test_http2_is_for_servers(wsconform, tmp_path):
    result = wsconform("--client-command", "true {url}", "--http2", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "--http2 tests a server" in result.stderr


def test_run_suite_http2_default_is_nghttpx_in_front_of_the_reference_server(binaries, tmp_path):
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--http2", "--cases",
                             "1.1.*,7.1.1", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    assert "nghttpx at ws://127.0.0.1:" in result.stderr
    index = json.loads((tmp_path / "index.json").read_text())
    target = index["targets"][0]
    assert target["transport"] == "h2" and target["agent"] == "nghttpx+wsconform-reference"
    assert {c["verdict"] for c in target["cases"]} == {"OK"}
    assert (tmp_path / "index.html").exists()


def test_run_suite_http2_over_tls_selects_h2_by_alpn(binaries, tmp_path):
    """--http2 --tls: nghttpx's TLS front end (a throwaway certificate), HTTP/2 chosen by ALPN."""
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--http2", "--tls", "--cases",
                             "1.1.1,2.1,12.1.1,H2.1.1,H2.3.1", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr
    target = json.loads((tmp_path / "index.json").read_text())["targets"][0]
    assert target["url"].startswith("wss://127.0.0.1:") and target["transport"] == "h2"
    assert {c["id"]: c["verdict"] for c in target["cases"]} == {
        "1.1.1": "OK", "2.1": "OK", "12.1.1": "OK", "H2.1.1": "OK", "H2.3.1": "OK"}


def test_the_live_fuzzer_over_http2(nghttpx_url, wsconform, tmp_path):
    """fuzz-live --http2: each input on an extended CONNECT stream; nghttpx in front of the
    reference server gives no finding."""
    result = wsconform("fuzz-live", "--target", nghttpx_url, "--http2", "--seconds", "4",
                       "--out", str(tmp_path), timeout=120)
    assert result.returncode == 0, result.stderr
    summary = next(line for line in (result.stdout + result.stderr).splitlines()
                   if " inputs in " in line)
    assert " 0 findings" in summary, summary
    inputs = int(summary.split(": ", 1)[1].split(" inputs", 1)[0])
    assert inputs > 100, summary
