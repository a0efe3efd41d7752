#!/usr/bin/env python3
"""wsconform orchestration: build, start servers under test, run the cases, report, test.

    python3 run_suite.py [--target URL] [--out DIR] [options]   run the conformance suite
    python3 run_suite.py --spec fuzzingclient.json [--out DIR]   run an Autobahn spec's servers
    python3 run_suite.py --spec fuzzingserver.json [--out DIR]   serve Autobahn's client protocol
    python3 run_suite.py clients [--command 'CMD {url}']          test a client (we are the server)
    python3 run_suite.py clients --browser [--open 'CMD {url}']   test a browser through a page
    python3 run_suite.py report DIR [DIR...] [--out OUT]          re-render (or merge) reports
    python3 run_suite.py diff OLD_DIR NEW_DIR [--html FILE]       verdict changes between runs
    python3 run_suite.py fuzz [--seconds N] [--jobs N] [--out DIR] the libFuzzer targets
    python3 run_suite.py fuzz-live --target URL --seconds N ...   fuzz a running server
    python3 run_suite.py test                                     run the project's own tests

Without --target the suite runs against the built-in reference server, started on a free
loopback port and stopped afterwards. Every run writes index.html, junit.xml and summary.md
next to its index.json, and Autobahn's report layout in autobahn/ (index.json and one JSON file
per agent and case). Exit status: 0 nothing FAILED (or only what --expect-failures
expects), 1 some case FAILED, a stale expected failure, or (diff) a regression, 2 the run
could not be done. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import reports

ROOT = Path(__file__).resolve().parent
# WSCONFORM_BUILD_DIR lets the project's tests reuse the build they already made.
BUILD_DIR = Path(os.environ.get("WSCONFORM_BUILD_DIR", ROOT / "build" / "release")).resolve()
DEFAULT_REPORTS = ROOT / "reports" / "runs"

# Debian packages, by what needs them. libboost1.81-dev conflicts with libboost1.74-dev; apt
# removes the older one when asked to install the newer.
BUILD_PACKAGES = {
    "cmake": "cmake",
    "ninja-build": "ninja",
    "g++": "g++",
    "libboost1.81-dev": None,
    "libssl-dev": None,
    "zlib1g-dev": None,
    "libcli11-dev": None,
    "libnghttp2-dev": None,  # HTTP/2 for WebSocket over extended CONNECT (RFC 8441)
    "pkg-config": "pkg-config",  # how CMake finds libnghttp2
}
# The embedded HTTP/2 default (--http2 without --target): nghttpx in front of the reference
# server; openssl makes its certificate for --tls.
HTTP2_PACKAGES = {"nghttp2-proxy": "nghttpx", "openssl": "openssl"}
# The libFuzzer targets (run_suite.py fuzz): clang and its libFuzzer and sanitizer runtimes
# (libclang-rt-14-dev, which clang-14 only recommends).
CLANG_PACKAGES = {"clang-14": "clang++-14", "libclang-rt-14-dev": None}
TEST_PACKAGES = {
    **CLANG_PACKAGES,  # tests/e2e/test_fuzzing.py
    "chromium": "chromium",  # the report's browser tests (headless, driven over DevTools)
    "libgtest-dev": None,
    "openssl": "openssl",  # test certificates for the TLS checks (S.4.*)
    "python3-pytest": None,
    "python3-websockets": None,
    **HTTP2_PACKAGES,  # tests/e2e/test_http2.py: nghttpx in front of the reference server
    "python3-h2": None,  # the faulty HTTP/2 WebSocket server
    "python3-hypercorn": None,  # a real RFC 8441 server (ASGI)
}


class RunError(Exception):
    """A failure of the run itself (exit status 2), reported as one line."""


def say(message: str) -> None:
    print(f"run_suite: {message}", file=sys.stderr, flush=True)


# --- dependencies ----------------------------------------------------------------------------

def missing_packages(packages: dict[str, str | None]) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []  # not Debian: trust the toolchain and let CMake say what is missing
    missing = []
    for pkg in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                                capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(pkg)
    return missing


def ensure_packages(packages: dict[str, str | None]) -> None:
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0:
        raise RunError("missing Debian packages: " + " ".join(missing)
                       + "; install them with: sudo apt-get install -y " + " ".join(missing))
    if "libboost1.81-dev" in missing and not missing_packages({"libboost1.74-dev": None}):
        # The two conflict; apt removes 1.74's headers when 1.81's are installed.
        say("libboost1.74-dev is installed and conflicts with libboost1.81-dev: apt-get will "
            "replace it")
    say("installing " + " ".join(missing) + " (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run(["apt-get", "update", "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if update.returncode != 0:
        say("apt-get update failed; trying the install anyway")
    install = subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if install.returncode != 0:
        tail = install.stderr.strip().splitlines()[-1:] or ["?"]
        raise RunError("apt-get install " + " ".join(missing) + " failed: " + tail[0])


# --- build -------------------------------------------------------------------------------------

def build(build_dir: Path = BUILD_DIR, build_type: str = "Release", extra: list[str] | None = None,
          targets: list[str] | None = None) -> None:
    ensure_packages(BUILD_PACKAGES)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    # Configured when there is no build file yet, also after a configure that was cut short
    # (a CMakeCache.txt but no build.ninja): building that would fail forever.
    if not any((build_dir / name).exists() for name in ("build.ninja", "Makefile")):
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                     f"-DCMAKE_BUILD_TYPE={build_type}", *(extra or [])]
        run_quiet(configure, "configure (cmake)")
    command = ["cmake", "--build", str(build_dir), "--parallel"]
    for target in targets or []:
        command += ["--target", target]
    run_quiet(command, "build")


def run_quiet(command: list[str], what: str) -> None:
    """Runs a build step; its output is shown only when it fails."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:])
        raise RunError(f"{what} failed (exit {result.returncode}): " + " ".join(command))


# --- servers under test ------------------------------------------------------------------------

class Server:
    """A server process that prints 'listening URL' once ready; stopped on exit."""

    def __init__(self, command: list[str], name: str, ready_timeout: float = 15.0):
        self.name = name
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True, start_new_session=True)
        except OSError as error:
            raise RunError(f"{name}: cannot start {command[0]!r}: {error.strerror or error}")
        self.url = self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> str:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        text = line[0].strip() if line else ""
        if not text.startswith("listening "):
            self.stop()
            err = self.process.stderr.read().strip().splitlines() if self.process.stderr else []
            raise RunError(f"{self.name} did not start"
                           + (f": {err[-1]}" if err else f" within {timeout:.0f} s"))
        # Keep draining its output so a chatty server never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        return text.split(" ", 1)[1]

    def stop(self) -> None:
        stop_process_group(self.process)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_process_group(process: subprocess.Popen) -> None:
    """Stops a server we started in its own session: SIGTERM to its process group, then SIGKILL
    to whatever is left of the group (children included), and reaps it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class CommandServer:
    """A server under test started from a user's command line: ready once its URL's port
    accepts connections; stopped (its whole process group) afterwards. Its output goes to
    `log`."""

    def __init__(self, command: list[str], name: str, url: str, cwd: Path, log: Path,
                 timeout: float):
        self.name = name
        self.url = url
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or (
            443 if parts.scheme == "wss" else 80)
        if port_open(host, port):
            raise RunError(f"server {name}: port {port} on {host} already accepts "
                           "connections before its command started (another process?)")
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        # Appended to: a server restarted after a crash keeps the output of its first life.
        with open(log, "ab") as output:
            output.write(f"--- {_dt.datetime.now().isoformat(timespec='seconds')}: "
                         f"{' '.join(command)}\n".encode())
            output.flush()
            try:
                self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                                stdout=output, stderr=subprocess.STDOUT,
                                                start_new_session=True)
            except OSError as error:
                raise RunError(f"server {name}: cannot start {command[0]!r}: "
                               f"{error.strerror or error}")
        deadline = time.monotonic() + timeout
        while not port_open(host, port, timeout=0.5):
            if self.process.poll() is not None:
                raise RunError(f"server {name}: its command exited ({self.process.returncode}) "
                               f"before port {port} accepted connections" + self._log_tail())
            if time.monotonic() > deadline:
                self.stop()
                raise RunError(f"server {name}: port {port} did not accept connections "
                               f"within {timeout:g} s of starting its command" + self._log_tail())
            time.sleep(0.1)

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return f": {lines[-1].strip()}" if lines else f" (output: {self.log})"

    def stop(self) -> None:
        stop_process_group(self.process)


class Restartable:
    """A server we started, that can be started again: `start()` returns a Server or
    CommandServer. For wsconform's --restart-over-stdio: `restart()` stops what is left of it,
    starts it again and returns its URL (a server on port 0 moves)."""

    def __init__(self, start):
        self._start = start
        self.server = start()

    @property
    def url(self) -> str:
        return self.server.url

    def restart(self) -> str:
        self.stop()
        self.server = self._start()
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> "Restartable":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def run_with_restarts(argv: list[str], server: Restartable | None,
                      timeout: float | None = None) -> int:
    """Runs wsconform (a run or fuzz-live) and returns its exit status. For a server we started
    (`server`), wsconform gets --restart-over-stdio: each `restart-request` line it prints is
    answered with `restarted URL` once the server is back, or `failed REASON`; its other output
    is passed through. `timeout`: wsconform is killed after that many seconds (a backstop)."""
    if server is None:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    else:
        process = subprocess.Popen([*argv, "--restart-over-stdio"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, bufsize=1)
    watchdog = threading.Timer(timeout, process.kill) if timeout else None
    if watchdog:
        watchdog.daemon = True
        watchdog.start()
    try:
        for line in process.stdout if server is not None else ():
            if line.strip() != "restart-request":
                sys.stdout.write(line)
                sys.stdout.flush()
                continue
            try:
                reply = f"restarted {server.restart()}\n"
                say("server restarted")
            except RunError as error:
                reply = f"failed {error}\n"
                say(f"cannot restart the server: {error}")
            try:
                process.stdin.write(reply)
                process.stdin.flush()
            except OSError:
                pass
        return process.wait()
    finally:
        if watchdog:
            watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()


def reference_server(build_dir: Path, tls: bool = False, allowed_origin: str | None = None,
                     required_header: str | None = None, extra: tuple[str, ...] = ()) -> Server:
    """Our reference server on a free loopback port; `extra`: more of its options."""
    binary = build_dir / "server" / "wsconform-server"
    command = [str(binary), "--host", "127.0.0.1", "--port", "0"] + (["--tls"] if tls else [])
    if allowed_origin:
        command += ["--allowed-origin", allowed_origin]
    if required_header:
        command += ["--require-header", required_header]
    return Server(command + list(extra), "reference server")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Http2Front:
    """nghttpx (Debian's nghttp2-proxy) taking WebSocket over HTTP/2 (RFC 8441) on its front
    end, cleartext with prior knowledge or TLS with ALPN h2 (a throwaway self-signed
    certificate), in front of the reference server over HTTP/1.1. Stopped with it."""

    def __init__(self, build_dir: Path, tls: bool = False, allowed_origin: str | None = None):
        self.backend = reference_server(build_dir, allowed_origin=allowed_origin)
        self._dir = tempfile.TemporaryDirectory(prefix="wsconform-nghttpx-")
        try:
            backend = urllib.parse.urlsplit(self.backend.url)
            port = free_port()
            command = ["nghttpx", "--conf=/dev/null", "--single-process", "--single-thread",
                       "-L", "WARN", "--errorlog-file=/dev/null", "--no-ocsp",
                       f"-b127.0.0.1,{backend.port}"]
            if tls:
                key, cert = Path(self._dir.name, "key.pem"), Path(self._dir.name, "cert.pem")
                run_quiet(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                           "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,"
                           "IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                          "making nghttpx's test certificate")
                command += [f"-f127.0.0.1,{port}", "--npn-list=h2", str(key), str(cert)]
            else:
                command.append(f"-f127.0.0.1,{port};no-tls")
            self.front = CommandServer(command, "nghttpx", f"ws://127.0.0.1:{port}/",
                                       Path(self._dir.name), Path(self._dir.name, "nghttpx.log"),
                                       15.0)
        except BaseException:
            self.backend.stop()
            self._dir.cleanup()
            raise
        self.url = f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/"

    def stop(self) -> None:
        self.front.stop()
        self.backend.stop()
        self._dir.cleanup()


# --- run -----------------------------------------------------------------------------------------

def run_dir(args: argparse.Namespace) -> Path:
    """--out, or a new reports/runs/<time>/."""
    return Path(args.out) if args.out else (
        DEFAULT_REPORTS / _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"))


def passthrough(args: argparse.Namespace, options: tuple[str, ...]) -> list[str]:
    """The runner's options among `options` that were given, as command-line arguments."""
    out = []
    for option in options:
        value = getattr(args, option)
        if value is not None:
            out += ["--" + option.replace("_", "-"), str(value)]
    return out


def finish_run(args: argparse.Namespace, out: Path, baseline) -> int:
    """After a run that wrote its index.json: reports/runs/latest, and the report."""
    if not args.out:
        latest = DEFAULT_REPORTS / "latest"
        try:
            if latest.is_symlink() or latest.exists():
                latest.unlink()
            latest.symlink_to(out.name)
        except OSError:
            pass
    try:
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        # The runner's index.json and wire records are complete and stay where they are.
        raise RunError(f"report: {error} (the results are in {out / 'index.json'})")


def run_cases(args: argparse.Namespace) -> int:
    if args.spec:
        return run_spec(args)
    # Bad input is said before minutes of building and running.
    if args.restart_command and not args.target:
        raise RunError("--restart-command is for a --target server; the reference server is "
                       "restarted by run_suite.py")
    baseline = load_baseline(args.expect_failures)
    build(BUILD_DIR)
    runner = BUILD_DIR / "harness" / "wsconform"
    out = run_dir(args)
    given = passthrough(args, ("agent", "cases", "exclude_cases", "jobs", "timeout_scale", "ca",
                               "allowed_origin", "restart_command", "restart_wait"))
    for header in args.header or []:
        given += ["--header", header]
    if args.tls_verify:
        given.append("--tls-verify")
    if args.http2:
        given.append("--http2")

    def invoke(url: str, agent: str, server: Restartable | None = None) -> int:
        command = [str(runner), "--target", url, "--out", str(out), *given]
        if args.agent is None:
            command += ["--agent", agent]
        return run_with_restarts(command, server)

    if args.target:
        status = invoke(args.target, args.agent or "")
    elif args.http2:
        # The embedded HTTP/2 default is made of real parts: nghttpx (RFC 8441 on its HTTP/2
        # front end) in front of the reference server.
        ensure_packages(HTTP2_PACKAGES)
        with Restartable(lambda: Http2Front(BUILD_DIR, tls=args.tls,
                                            allowed_origin=args.allowed_origin)) as server:
            say(f"nghttpx at {server.url} in front of the reference server")
            status = invoke(server.url, "nghttpx+wsconform-reference", server)
    else:
        with Restartable(lambda: reference_server(BUILD_DIR, tls=args.tls,
                                                  allowed_origin=args.allowed_origin)) as server:
            say(f"reference server at {server.url}")
            status = invoke(server.url, "wsconform-reference", server)
    if status not in (0, 1):
        return status
    return finish_run(args, out, baseline)


# --- clients -------------------------------------------------------------------------------------

def reference_client_command(build_dir: Path) -> str:
    """The built-in reference client (Boost.Beast) in exec mode: one run per case URL, trusting
    the run's test CA (the TLS cases T.1 send it to wss:// URLs)."""
    return f"{build_dir / 'client' / 'wsconform-client'} --ca {{ca}} {{url}}"


def run_browser(args: argparse.Namespace, runner: Path, out: Path) -> int:
    """Browser mode: wsconform serves a page that runs the cases through the browser's
    WebSocket API; the browser is started with `--open` (stopped at the end), or a person opens
    the URL wsconform prints."""
    command = [str(runner), "--browser", "--out", str(out),
               *passthrough(args, ("agent", "cases", "exclude_cases", "jobs", "timeout_scale",
                                   "listen"))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    browser: subprocess.Popen | None = None
    try:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            match = re.match(r"open (\S+) in the browser", line)
            if match and args.open and browser is None:
                opener = args.open.replace("{url}", match.group(1))
                say(f"starting the browser: {opener}")
                # A group of its own, so the browser and every process it starts are stopped.
                browser = subprocess.Popen(opener, shell=True, stdin=subprocess.DEVNULL,
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                           start_new_session=True)
        return process.wait()
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait()
        if browser is not None:
            stop_process_group(browser)


def run_clients(args: argparse.Namespace) -> int:
    """Tests a WebSocket client: wsconform is the server, and the client is started once per
    case with that case's URL (exec mode); without --command, the built-in reference client.
    With --browser, a browser runs the cases through a page wsconform serves."""
    if args.browser and args.command_line is not None:
        raise RunError("clients: --browser and --command exclude each other (the browser runs "
                       "the cases through a page; --open CMD starts it)")
    if args.open and not args.browser:
        raise RunError("clients --open is for --browser: it starts the browser with the page")
    if args.open and "{url}" not in args.open:
        raise RunError("clients --open: the command must contain {url}, where the page's URL "
                       "goes (e.g. --open 'chromium --headless=new --no-sandbox {url}')")
    if args.browser:
        baseline = load_baseline(args.expect_failures)
        build(BUILD_DIR)
        out = run_dir(args)
        status = run_browser(args, BUILD_DIR / "harness" / "wsconform", out)
        if status not in (0, 1):
            return status
        return finish_run(args, out, baseline)
    if args.command_line is not None and "{url}" not in args.command_line:
        raise RunError("clients --command: the command must contain {url}, where the case's "
                       "URL goes (e.g. --command 'python3 my_client.py {url}')")
    baseline = load_baseline(args.expect_failures)
    build(BUILD_DIR)
    runner = BUILD_DIR / "harness" / "wsconform"
    out = run_dir(args)
    client = args.command_line or reference_client_command(BUILD_DIR)
    command = [str(runner), "--client-command", client, "--out", str(out),
               *passthrough(args, ("agent", "cases", "exclude_cases", "jobs", "timeout_scale",
                                   "listen"))]
    if args.agent is None and args.command_line is None:
        command += ["--agent", "wsconform-reference-client"]
    say("testing the client " + ("'" + args.command_line + "'" if args.command_line
                                 else "wsconform-reference-client (built-in)") +
        ": it is started once per case with the case's URL")
    status = subprocess.call(command)
    if status not in (0, 1):
        return status
    return finish_run(args, out, baseline)


# --- Autobahn fuzzingclient spec (--spec) --------------------------------------------------------

# Keys of Autobahn's fuzzingclient spec (../shared/reference/autobahn-testsuite.md §1.2), plus
# our per-server `command`.
SPEC_KEYS = frozenset({"outdir", "servers", "options", "cases", "exclude-cases",
                       "exclude-agent-cases"})
# "http2" is ours (Autobahn speaks HTTP/1.1 only): test that server over HTTP/2 (RFC 8441).
SERVER_KEYS = frozenset({"agent", "url", "options", "origin", "protocols", "hostname", "command",
                         "http2"})
# Autobahn's protocol options (setProtocolOptions, client side, 0.10.9): accepted and ignored,
# wsconform's own timers and limits apply. `version` 18 is RFC 6455, the only one spoken here.
AUTOBAHN_OPTIONS = frozenset({
    "version", "allowHixie76", "utf8validateIncoming", "acceptMaskedServerFrames",
    "maskClientFrames", "applyMask", "maxFramePayloadSize", "maxMessagePayloadSize",
    "autoFragmentSize", "failByDrop", "echoCloseCodeReason", "serverConnectionDropTimeout",
    "openHandshakeTimeout", "closeHandshakeTimeout", "tcpNoDelay", "autoPingInterval",
    "autoPingTimeout", "autoPingSize", "perMessageCompressionOffers",
    "perMessageCompressionAccept"})
DEFAULT_OUTDIR = "./reports/servers/"  # Autobahn's default, relative to the working directory
_PATTERN_CHARS = re.compile(r"[0-9A-Za-z._*-]+")


@dataclass
class SpecServer:
    agent: str | None  # None: the server's HTTP Server header names it (else UnknownServer)
    url: str
    host: str
    port: int
    command: list[str] | None
    headers: list[str]  # --header values (origin, protocols)
    tls_verify: bool  # `hostname` given: Autobahn then verifies the certificate
    excluded: list[str] = field(default_factory=list)  # its exclude-agent-cases patterns
    http2: bool = False  # over HTTP/2's extended CONNECT (RFC 8441)


@dataclass
class Spec:
    path: Path
    outdir: Path
    servers: list[SpecServer]
    cases: list[str]
    exclude: list[str]
    agent_excludes: dict[str, list[str]]
    warnings: list[str]


def load_spec(path_text: str) -> Spec:
    """Reads and checks an Autobahn fuzzingclient spec; RunError says what is wrong."""
    path = Path(path_text)
    where = f"spec {path}"
    spec = reports.parse_json(reports.read_text(path, where, "no such file", RunError), where,
                              RunError)
    if not isinstance(spec, dict):
        raise RunError(f"{where}: not a JSON object")
    warnings = [f"{where}: unknown key '{k}' ignored" for k in spec if k not in SPEC_KEYS]
    warnings += _check_options(spec.get("options"), f"{where}: options")
    outdir = spec.get("outdir", DEFAULT_OUTDIR)
    if not isinstance(outdir, str) or not outdir:
        raise RunError(f"{where}: 'outdir' must be a directory name")
    servers_json = spec.get("servers")
    if not isinstance(servers_json, list) or not servers_json:
        raise RunError(f"{where}: 'servers' must be a non-empty list of {{\"agent\", \"url\"}} "
                       "objects")
    servers = [_spec_server(s, f"{where}: servers[{n}]", warnings)
               for n, s in enumerate(servers_json)]
    cases = _patterns(spec.get("cases", ["*"]), f"{where}: 'cases'")
    exclude = _patterns(spec.get("exclude-cases", []), f"{where}: 'exclude-cases'")
    agent_excludes_json = spec.get("exclude-agent-cases", {})
    if not isinstance(agent_excludes_json, dict):
        raise RunError(f"{where}: 'exclude-agent-cases' must be an object "
                       "{agent pattern: [case patterns]}")
    agent_excludes = {agent: _patterns(patterns, f"{where}: 'exclude-agent-cases' for '{agent}'")
                      for agent, patterns in agent_excludes_json.items()}
    # Autobahn opens outdir relative to its working directory (the Docker image's spec in
    # /config writes to /reports), and so do we.
    return Spec(path, Path(outdir), servers, cases, exclude, agent_excludes, warnings)


def _check_options(options, where: str) -> list[str]:
    if options is None:
        return []
    if not isinstance(options, dict):
        raise RunError(f"{where} must be an object")
    warnings = [f"{where}: unknown option '{k}' ignored" for k in options
                if k not in AUTOBAHN_OPTIONS]
    if "version" in options and options["version"] != 18:
        warnings.append(f"{where}: version {options['version']!r} ignored: wsconform speaks "
                        "RFC 6455 (Autobahn's version 18) only")
    return warnings


def _spec_server(entry, where: str, warnings: list[str]) -> SpecServer:
    if not isinstance(entry, dict):
        raise RunError(f"{where} is not an object")
    warnings += [f"{where}: unknown key '{k}' ignored" for k in entry if k not in SERVER_KEYS]
    warnings += _check_options(entry.get("options"), f"{where}: options")
    url = entry.get("url")
    if not isinstance(url, str) or not url:
        raise RunError(f"{where}: missing 'url' (ws://host:port/path)")
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise RunError(f"{where}: bad port in url '{url}'")
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise RunError(f"{where}: url '{url}' is not a ws:// or wss:// URL")
    agent = entry.get("agent")
    if agent is not None and (not isinstance(agent, str) or not agent.strip()):
        raise RunError(f"{where}: 'agent' must be a non-empty string")
    command = entry.get("command")
    if command is not None:
        if isinstance(command, str) and command.strip():
            command = ["/bin/sh", "-c", command]
        elif not (isinstance(command, list) and command
                  and all(isinstance(c, str) for c in command)):
            raise RunError(f"{where}: 'command' must be a string or a non-empty list of strings")
    headers = []
    origin = entry.get("origin")
    if origin is not None:
        if not isinstance(origin, str) or not origin or "\n" in origin or "\r" in origin:
            raise RunError(f"{where}: 'origin' must be a string")
        headers.append(f"Origin: {origin}")  # Autobahn sends it in every opening handshake
    protocols = entry.get("protocols")
    if protocols is not None:
        if not (isinstance(protocols, list) and all(
                isinstance(p, str) and p and _PATTERN_CHARS.fullmatch(p.replace("*", "_"))
                for p in protocols)):
            raise RunError(f"{where}: 'protocols' must be a list of subprotocol names")
        if protocols:
            # Offered in every handshake; the response check accepts one offered protocol.
            headers.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    tls_verify = False
    hostname = entry.get("hostname")
    if hostname is not None:
        if not isinstance(hostname, str) or not hostname:
            raise RunError(f"{where}: 'hostname' must be a string")
        if parts.scheme != "wss":
            warnings.append(f"{where}: 'hostname' ignored: only used for wss:// (TLS SNI)")
        elif hostname.lower() == parts.hostname.lower():
            tls_verify = True  # Autobahn verifies the certificate when a hostname is given
        else:
            warnings.append(f"{where}: 'hostname' {hostname!r} ignored: wsconform sends the "
                            f"URL's host {parts.hostname!r} as SNI and verifies against it only "
                            "with --tls-verify")
    http2 = entry.get("http2", False)
    if not isinstance(http2, bool):
        raise RunError(f"{where}: 'http2' must be true or false")
    return SpecServer(agent.strip() if agent else None, url, parts.hostname,
                      port or (443 if parts.scheme == "wss" else 80), command, headers,
                      tls_verify, http2=http2)


def _patterns(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise RunError(f"{where} must be a list of patterns such as \"1.*\"")
    for p in value:
        if not p or not _PATTERN_CHARS.fullmatch(p):
            bad = next((c for c in p if not _PATTERN_CHARS.fullmatch(c)), "") if p else ""
            raise RunError(f"{where}: bad pattern {p!r}"
                           + (f" (character {bad!r})" if bad else " (empty)")
                           + ": use case ids like 6.4.1 and '*' wildcards")
    return list(value)


def autobahn_match(pattern: str, text: str, whole: bool) -> bool:
    """Autobahn's wildcard rule: with '*' a regex ('.' literal, '*' any run) anchored at the
    start (`cases`, `exclude-cases`) or at both ends (`exclude-agent-cases`); without '*' the
    text itself."""
    if "*" not in pattern:
        return pattern == text
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return (re.fullmatch if whole else re.match)(regex, text) is not None


def select_cases(spec: Spec, catalogue: list[str], agent: str) -> list[str]:
    excluded = [p for agent_pattern, patterns in spec.agent_excludes.items()
                if autobahn_match(agent_pattern, agent, whole=True) for p in patterns]
    return [i for i in catalogue
            if any(autobahn_match(p, i, whole=False) for p in spec.cases)
            and not any(autobahn_match(p, i, whole=False) for p in spec.exclude)
            and not any(autobahn_match(p, i, whole=True) for p in excluded)]


def server_header(server: SpecServer) -> str | None:
    """The HTTP Server header of the server's answer to an opening handshake (Autobahn names an
    agent-less server by it)."""
    parts = urllib.parse.urlsplit(server.url)
    request = (f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
               f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    try:
        with socket.create_connection((server.host, server.port), timeout=5) as raw:
            sock = raw
            if parts.scheme == "wss":
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                sock = context.wrap_socket(raw, server_hostname=server.host)
            sock.sendall(request.encode("latin-1"))
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 16384:
                data = sock.recv(4096)
                if not data:
                    break
                head += data
    except (OSError, ssl.SSLError):
        return None
    for line in head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "server" and value.strip():
            return value.strip()
    return None


def dir_slug(name: str) -> str:
    """As the runner names agents' folders (harness/runner/report_writer.cpp agent_slug)."""
    return "".join(c.lower() if c.isascii() and c.isalnum() else c if c in "._-" else "_"
                   for c in name) or "agent"


# Keys of Autobahn's fuzzingserver spec (tests clients; ../shared/reference/autobahn-testsuite.md
# §1.2): `webport` (its browser page's HTTP port) is accepted and ignored.
SERVER_SPEC_KEYS = frozenset({"url", "outdir", "options", "cases", "exclude-cases",
                              "exclude-agent-cases", "webport"})
DEFAULT_CLIENTS_OUTDIR = "./reports/clients/"  # Autobahn's default for fuzzingserver


def run_server_spec(args: argparse.Namespace, spec: dict, path: Path) -> int:
    """Autobahn's fuzzingserver, from its spec: clients drive their cases through the control
    protocol on the spec's URL until one of them stops the server (/updateReports with
    shutdownOnComplete=true, /stopServer) or it is interrupted; then the report."""
    where = f"spec {path}"
    for option in ("target", "agent", "cases", "exclude_cases", "restart_command"):
        if getattr(args, option) is not None:
            raise RunError(f"--spec: --{option.replace('_', '-')} cannot be combined with a "
                           "fuzzingserver spec")
    for key in spec:
        if key not in SERVER_SPEC_KEYS:
            say(f"warning: {where}: unknown key '{key}' ignored")
    for warning in _check_options(spec.get("options"), f"{where}: options"):
        say(f"warning: {warning}")
    url = spec.get("url", "ws://127.0.0.1:9001")
    if not isinstance(url, str) or not url.startswith(("ws://", "wss://")):
        raise RunError(f"{where}: 'url' must be a ws:// or wss:// URL to listen on, e.g. "
                       "\"ws://127.0.0.1:9001\" (wss://: the test CA is written to "
                       "OUTDIR/tls/ca.pem)")
    outdir = spec.get("outdir", DEFAULT_CLIENTS_OUTDIR)
    if not isinstance(outdir, str) or not outdir:
        raise RunError(f"{where}: 'outdir' must be a directory name")
    cases = _patterns(spec.get("cases", ["*"]), f"{where}: 'cases'")
    exclude = _patterns(spec.get("exclude-cases", []), f"{where}: 'exclude-cases'")
    agent_excludes = spec.get("exclude-agent-cases", {})
    if not isinstance(agent_excludes, dict):
        raise RunError(f"{where}: 'exclude-agent-cases' must be an object "
                       "{agent pattern: [case patterns]}")
    baseline = load_baseline(args.expect_failures)
    out = Path(args.out) if args.out else Path(outdir)
    build(BUILD_DIR)
    command = [str(BUILD_DIR / "harness" / "wsconform"), "--serve-autobahn", url,
               "--out", str(out), "--cases", ",".join(cases)]
    if exclude:
        command += ["--exclude-cases", ",".join(exclude)]
    for agent, patterns in agent_excludes.items():
        patterns = _patterns(patterns, f"{where}: 'exclude-agent-cases' for '{agent}'")
        command += ["--exclude-agent-cases", f"{agent}={','.join(patterns)}"]
    command += passthrough(args, ("timeout_scale",))
    say(f"serving Autobahn's fuzzingserver protocol on {url}: start your testee client")
    status = subprocess.call(command)
    if status not in (0, 1):
        return status
    try:
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        raise RunError(f"report: {error} (the results are in {out / 'index.json'})")


def run_spec(args: argparse.Namespace) -> int:
    """Runs every server of an Autobahn fuzzingclient spec: each into OUT/servers/<agent>/ (a
    complete run of its own), then OUT/index.json with all of them and the report of them all.
    A fuzzingserver spec (a `url` to listen on, no `servers`) tests clients instead."""
    path = Path(args.spec)
    raw = reports.parse_json(reports.read_text(path, f"spec {path}", "no such file", RunError),
                             f"spec {path}", RunError)
    if isinstance(raw, dict) and "servers" not in raw and "url" in raw:
        return run_server_spec(args, raw, path)
    for option in ("target", "agent", "cases", "exclude_cases"):
        if getattr(args, option) is not None:
            raise RunError(f"--spec: --{option.replace('_', '-')} cannot be combined with a "
                           "spec (it lists the servers and cases)")
    if args.tls:
        raise RunError("--spec: --tls is for the reference server; the spec lists the servers")
    if args.restart_command:
        raise RunError("--spec: --restart-command cannot be combined with a spec (a server "
                       "with a 'command' is restarted by run_suite.py)")
    spec = load_spec(args.spec)
    baseline = load_baseline(args.expect_failures)
    for warning in spec.warnings:
        say(f"warning: {warning}")
    out = Path(args.out) if args.out else spec.outdir
    build(BUILD_DIR)
    runner = BUILD_DIR / "harness" / "wsconform"
    def listed(*extra: str) -> list[str]:
        listing = subprocess.run([str(runner), "--list", *extra], capture_output=True, text=True)
        if listing.returncode != 0:
            raise RunError(f"wsconform --list failed: {listing.stderr.strip()}")
        return [line.split("\t", 1)[0] for line in listing.stdout.splitlines() if line]

    catalogue = listed()
    # Over HTTP/2 the cases differ: the H2 checks join, HTTP/1.1's request cases leave.
    catalogue_h2 = listed("--http2") if any(s.http2 for s in spec.servers) or args.http2 else []
    known = sorted(set(catalogue) | set(catalogue_h2))
    for pattern in spec.cases:
        if not any(autobahn_match(pattern, i, whole=False) for i in known):
            say(f"warning: spec {spec.path}: case pattern {pattern!r} selects no case")
    if not select_cases(spec, known, "\0"):
        raise RunError(f"spec {spec.path}: 'cases' minus 'exclude-cases' selects no case")
    given = passthrough(args, ("jobs", "timeout_scale", "ca", "allowed_origin", "restart_wait"))
    for header in args.header or []:
        given += ["--header", header]

    started_at = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()
    run_dirs: list[Path] = []
    used: set[str] = set()
    for n, server in enumerate(spec.servers, start=1):
        name = server.agent or f"server-{n}"
        slug = base = dir_slug(name)
        while slug in used:
            slug = f"{base}-{n}"
        used.add(slug)
        run_dir = out / "servers" / slug
        process = None
        try:
            if server.command:
                process = Restartable(lambda: CommandServer(
                    server.command, name, server.url, spec.path.parent, run_dir / "server.log",
                    args.ready_timeout))
                say(f"server {name}: started, port {server.port} accepts connections")
            agent = server.agent or server_header(server) or "UnknownServer"
            ids = select_cases(spec, catalogue_h2 if server.http2 or args.http2 else catalogue,
                               agent)
            if not ids:
                say(f"warning: server {agent}: every case is excluded for it; not run")
                continue
            command = [str(runner), "--target", server.url, "--out", str(run_dir), "--agent",
                       agent, "--cases", ",".join(ids), *given]
            for header in server.headers:
                command += ["--header", header]
            if server.tls_verify or args.tls_verify:
                command.append("--tls-verify")
            if server.http2 or args.http2:
                command.append("--http2")
            say(f"server {agent}: {len(ids)} cases against {server.url}"
                + (" over HTTP/2" if server.http2 or args.http2 else ""))
            status = run_with_restarts(command, process)
        finally:
            if process is not None:
                process.stop()
        if status not in (0, 1):
            raise RunError(f"server {agent}: the run could not be done (wsconform exit {status})")
        run_dirs.append(run_dir)
    if not run_dirs:
        raise RunError(f"spec {spec.path}: no server was run")
    merged = merge_runs(run_dirs, out, started_at, int((time.monotonic() - started) * 1000))
    try:
        reports.write_file(out / "index.json", json.dumps(merged, indent=1) + "\n")
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        raise RunError(f"report: {error} (the runs are in {out / 'servers'})")


def merge_runs(run_dirs: list[Path], out: Path, started_at: str, duration_ms: int) -> dict:
    """One index.json (docs/report.md) with the targets of every run; wire_log paths become
    relative to OUT."""
    merged: dict = {"schema": reports.SCHEMA, "tool": {}, "started_at": started_at,
                    "duration_ms": duration_ms, "targets": []}
    for run_dir in run_dirs:
        index_path = run_dir / "index.json"
        where = str(index_path)
        index = reports.parse_json(reports.read_text(index_path, where, "the run wrote no result",
                                                     RunError), where, RunError)
        merged["tool"] = merged["tool"] or index.get("tool", {})
        prefix = run_dir.relative_to(out).as_posix()
        for target in index.get("targets", []):
            for case in target.get("cases", []):
                if case.get("wire_log"):
                    case["wire_log"] = f"{prefix}/{case['wire_log']}"
            merged["targets"].append(target)
    return merged


# --- reports -------------------------------------------------------------------------------------

def load_baseline(path: str | None) -> reports.Baseline | None:
    if path is None:
        return None
    try:
        return reports.load_baseline(path)
    except reports.ReportError as error:
        raise RunError(str(error))


def write_report(sources: list[Path], out: Path | None, baseline: reports.Baseline | None,
                 save_baseline: str | None = None) -> int:
    """Renders the report of finished runs and says what it means; returns the exit status
    the runs give (0 or 1), --expect-failures applied."""
    report = reports.generate(sources, out, baseline)
    for run in report.runs:
        for warning in run.warnings:
            say(f"warning: {warning}")
    for line in report.outcome.messages():
        say(line)
    if baseline is not None:
        expected = sum(len(t.expected) for t in report.outcome.targets)
        say(f"{baseline.path}: {expected} FAILED case{'s' * (expected != 1)} expected")
    say(f"report: {report.files['index.html']} (also junit.xml, summary.md, "
        f"{reports.AUTOBAHN_INDEX})")
    if save_baseline:
        reports.write_file(Path(save_baseline), reports.write_baseline(report.targets))
        say(f"expected failures of this run written to {save_baseline}")
    try:
        if summary := reports.append_job_summary(report.summary_md):
            say(f"summary appended to {summary}")
    except OSError as error:  # the report itself is written; a job summary is a courtesy
        say(f"warning: cannot append to $GITHUB_STEP_SUMMARY: {error}")
    return report.outcome.exit_status


def run_report(args: argparse.Namespace) -> int:
    baseline = load_baseline(args.expect_failures)
    try:
        return write_report([Path(d) for d in args.dirs], Path(args.out) if args.out else None,
                            baseline, args.save_expect_failures)
    except reports.ReportError as error:
        raise RunError(str(error))


def run_diff(args: argparse.Namespace) -> int:
    try:
        comparison = reports.compare(reports.load_run(args.old), reports.load_run(args.new))
        sys.stdout.write(reports.render_diff_text(comparison))
        if args.html:
            target = Path(args.html)
            if target.is_dir():
                target = target / "diff.html"
            reports.write_file(target, reports.render_diff_html(comparison, target))
            say(f"diff: {target}")
    except reports.ReportError as error:
        raise RunError(str(error))
    regressions = comparison.count("regression")
    if regressions:
        say(f"{regressions} regression{'s' * (regressions != 1)}")
    return comparison.exit_status


# --- test ----------------------------------------------------------------------------------------

def run_tests(args: argparse.Namespace) -> int:
    """The project's own tests: C++ unit tests (ctest) and end-to-end tests (pytest)."""
    ensure_packages({**BUILD_PACKAGES, **TEST_PACKAGES})
    test_build = ROOT / "build" / "test"
    werror = "ON" if os.environ.get("CI") or args.werror else "OFF"
    build(test_build, "Release", [f"-DWSCONFORM_WERROR={werror}"])
    say("ctest")
    ctest = subprocess.call(["ctest", "--test-dir", str(test_build), "--output-on-failure",
                             "--parallel", str(os.cpu_count() or 2)])
    # Debian's pytest is seen by the system interpreter, not by a python3 earlier on PATH.
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    say("pytest")
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(test_build))
    pytest = subprocess.call([python, "-m", "pytest", "-q", str(ROOT / "tests" / "e2e"),
                              *args.pytest_args], env=env, cwd=ROOT)
    if ctest != 0 or pytest not in (0,):
        say(f"tests failed (ctest exit {ctest}, pytest exit {pytest})")
        return 1
    return 0


# --- fuzz, fuzz-live (fuzzing/) ------------------------------------------------------------------

FUZZ_COMMANDS = {"fuzz": "engine", "fuzz-live": "live"}


def fuzz_module(command: str):
    return importlib.import_module(f"fuzzing.{FUZZ_COMMANDS[command]}")


def run_fuzz(args: argparse.Namespace) -> int:
    return fuzz_module(args.command).run(args, sys.modules[__name__])


# --- command line --------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    if argv and argv[0] == "test":
        parser = argparse.ArgumentParser(prog="run_suite.py test",
                                         description="Build and run the project's own tests.")
        parser.add_argument("--werror", action="store_true", help="warnings are errors (on in CI)")
        parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
        args = parser.parse_args(argv[1:])
        args.command = "test"
        return args
    if argv and argv[0] == "clients":
        parser = argparse.ArgumentParser(
            prog="run_suite.py clients",
            description="Test a WebSocket client: wsconform is the server and starts the client "
                        "once per case with that case's URL. Without --command, the built-in "
                        "reference client.")
        parser.add_argument("--command", dest="command_line", metavar="CMD",
                            help="shell command that runs your client; {url} is replaced by "
                                 "the case's ws:// (or, for the T.1 cases, wss://) URL and {ca} "
                                 "by the run's test CA file, e.g. 'python3 client.py --ca {ca} "
                                 "{url}'. The "
                                 "client connects, echoes every message, and exits (0 after a "
                                 "clean close)")
        parser.add_argument("--browser", action="store_true",
                            help="test a browser's WebSocket: wsconform serves a page that runs "
                                 "the cases; open the URL it prints in the browser (or --open)")
        parser.add_argument("--open", metavar="CMD",
                            help="with --browser: shell command that starts the browser, {url} "
                                 "replaced by the page's URL, e.g. 'chromium --headless=new "
                                 "--no-sandbox {url}'; it is stopped at the end")
        parser.add_argument("--out", help="report directory (default reports/runs/<time>)")
        parser.add_argument("--agent", help="name of the client in the report")
        parser.add_argument("--cases", help="case patterns, e.g. '1.*,6.4.*'")
        parser.add_argument("--exclude-cases", dest="exclude_cases",
                            help="case patterns to skip")
        parser.add_argument("--jobs", "-j", type=int,
                            help="clients running at once (default 64, fewer while they start "
                                 "slowly)")
        parser.add_argument("--timeout-scale", dest="timeout_scale", type=float,
                            help="multiply every timer")
        parser.add_argument("--listen", metavar="HOST:PORT",
                            help="where clients connect (default 127.0.0.1 and a free port)")
        add_expect_failures(parser)
        args = parser.parse_args(argv[1:])
        args.command = "clients"
        return args
    if argv and argv[0] in FUZZ_COMMANDS:
        parser = fuzz_module(argv[0]).build_parser()
        args = parser.parse_args(argv[1:])
        args.command = argv[0]
        return args
    if argv and argv[0] == "report":
        parser = argparse.ArgumentParser(
            prog="run_suite.py report",
            description="Render index.html, junit.xml and summary.md of finished runs from their "
                        "index.json and wire records; several runs are merged into one matrix. "
                        "Exit status as a run's: 1 when a case FAILED (and was not expected).")
        parser.add_argument("dirs", nargs="+", metavar="DIR", help="run directory")
        parser.add_argument("--out", help="where to write (default: DIR; required with several)")
        add_expect_failures(parser)
        parser.add_argument("--save-expect-failures", dest="save_expect_failures", metavar="FILE",
                            help="write the runs' FAILED cases and case counts as a baseline")
        args = parser.parse_args(argv[1:])
        args.command = "report"
        return args
    if argv and argv[0] == "diff":
        parser = argparse.ArgumentParser(
            prog="run_suite.py diff",
            description="List every case whose verdict changed between two runs: regressions, "
                        "fixes, other changes. Exit status 1 when there is a regression.")
        parser.add_argument("old", metavar="OLD_DIR")
        parser.add_argument("new", metavar="NEW_DIR")
        parser.add_argument("--html", metavar="FILE", help="also write the diff as HTML")
        args = parser.parse_args(argv[1:])
        args.command = "diff"
        return args
    parser = argparse.ArgumentParser(
        prog="run_suite.py",
        description="Run the WebSocket conformance suite. Without --target, against the "
                    "built-in reference server. 'run_suite.py test' runs the project's tests.")
    parser.add_argument("--target", help="server URL (ws://host:port/path or wss://...)")
    parser.add_argument("--spec", metavar="FILE",
                        help="an Autobahn|Testsuite fuzzingclient spec (fuzzingclient.json): run "
                             "every server it lists (each may have a 'command' that starts it) "
                             "with its cases; --out overrides its outdir")
    parser.add_argument("--ready-timeout", dest="ready_timeout", type=float, default=30.0,
                        metavar="SECONDS",
                        help="with --spec: how long a server's command may take until its port "
                             "accepts connections (default 30)")
    parser.add_argument("--out", help="report directory (default reports/runs/<time>)")
    parser.add_argument("--agent", help="name of the server in the report")
    parser.add_argument("--cases", help="case patterns, e.g. '1.*,6.4.*'")
    parser.add_argument("--exclude-cases", dest="exclude_cases", help="case patterns to skip")
    parser.add_argument("--jobs", "-j", type=int, help="cases in flight at once (default 64)")
    parser.add_argument("--timeout-scale", dest="timeout_scale", type=float,
                        help="multiply every timer")
    parser.add_argument("--header", action="append", help="extra handshake header 'Name: value'")
    parser.add_argument("--allowed-origin", dest="allowed_origin",
                        help="the Origin your server serves (checks that others are refused); "
                             "the reference server is started with the same policy")
    parser.add_argument("--tls", action="store_true",
                        help="run the reference server with TLS (wss://) when no --target is given")
    parser.add_argument("--http2", action="store_true",
                        help="test over HTTP/2 (RFC 8441 extended CONNECT): h2c with prior "
                             "knowledge for ws://, ALPN h2 for wss://; without --target, "
                             "against nghttpx in front of the reference server")
    parser.add_argument("--tls-verify", dest="tls_verify", action="store_true",
                        help="verify the target's certificate")
    parser.add_argument("--ca", help="CA file for --tls-verify")
    parser.add_argument("--restart-command", dest="restart_command", metavar="CMD",
                        help="with --target: shell command that restarts the server when it "
                             "crashed during a case (a server run_suite.py started is "
                             "restarted by it)")
    parser.add_argument("--restart-wait", dest="restart_wait", type=float, metavar="SECONDS",
                        help="how long a crashed server has to accept connections again "
                             "(default 5)")
    add_expect_failures(parser)
    args = parser.parse_args(argv)
    args.command = "run"
    return args


def add_expect_failures(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--expect-failures", dest="expect_failures", metavar="FILE",
                        help="case patterns expected to fail ('agent: pattern' for one target); "
                             "a listed case that passes fails the run")


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    try:
        commands = {"test": run_tests, "report": run_report, "diff": run_diff, "run": run_cases,
                    "clients": run_clients, "fuzz": run_fuzz, "fuzz-live": run_fuzz}
        return commands[args.command](args)
    except RunError as error:
        say(str(error))
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
