"""run_suite.py fuzz-live: the live-server fuzzer (`wsconform fuzz-live`) against a server.

    python3 run_suite.py fuzz-live [--target URL] [--command 'SERVER CMD'] --out DIR
                                   [--seconds N] [--seed S] [--jobs N] [--max-findings N]
                                   [--no-build]

Which server is fuzzed:
  - neither --target nor --command: the built-in reference server, started on a free loopback
    port (as a normal run does);
  - --command: the server under test, started from that command line (split like a shell
    would, no shell involved; `{port}` is replaced by a free loopback port). It is ready once it
    prints `listening URL` on stdout (our servers do) or, with --target, once the target's port
    accepts connections;
  - --target alone: a server that is not ours to restart: a crash ends the run with an
    unconfirmed, unminimised reproducer.

A server we started is restarted whenever wsconform finds it dead (it prints `restart-request`
on stdout and waits for `restarted URL` on stdin), so a crash can be confirmed and minimised;
it is stopped at the end. Exit status is wsconform's: 0 no finding, 1 findings (reproducers in
--out), 2 the run could not be done. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

READY_TIMEOUT = 15.0  # s for a server to be ready
GRACE = 120.0  # s beyond --seconds before wsconform is stopped (minimising, restarts)


class OneLineParser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        sys.exit(2)


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}")
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
        return value
    return parse


def _seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    if not 0 <= value < 2 ** 64:
        raise argparse.ArgumentTypeError(f"must be in 0..2^64-1: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="run_suite.py fuzz-live",
        description="Mutation-fuzz a running WebSocket server with wsconform fuzz-live; findings "
                    "are minimised into reproducer files (replay: wsconform replay FILE --target "
                    "URL).")
    parser.add_argument("--target", metavar="URL",
                        help="server URL (ws:// or wss://); default: the reference server, or "
                             "what --command prints")
    # dest is not "command": run_suite.py keeps the subcommand's name in args.command.
    parser.add_argument("--command", dest="server_command", metavar="'SERVER CMD'",
                        help="command line that starts the server under test; restarted after a "
                             "crash, stopped at the end ({port}: a free loopback port)")
    parser.add_argument("--seconds", type=_positive(float), default=60.0,
                        help="how long to fuzz (default 60)")
    parser.add_argument("--seed", type=_seed, default=1, help="same seed, same inputs (default 1)")
    parser.add_argument("--jobs", type=_positive(int), default=4,
                        help="connections in flight at once (default 4)")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for reproducers")
    parser.add_argument("--max-findings", type=_positive(int), metavar="N",
                        help="stop after N findings")
    parser.add_argument("--no-build", action="store_true",
                        help="use the binaries already in the build directory")
    return parser


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class CommandServer:
    """The --command server: ready on a `listening URL` line or when the target accepts."""

    def __init__(self, argv: list[str], target: str | None, suite):
        self.suite = suite
        try:
            self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=subprocess.PIPE, text=True, errors="replace",
                                            start_new_session=True)
        except OSError as error:
            raise suite.RunError(f"cannot start the server command: {error}")
        self._lines: queue.Queue[str] = queue.Queue()
        self._stderr: list[str] = []
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        try:
            self.url = self._wait_ready(target)
        except BaseException:
            self.stop()
            raise

    def _drain_stdout(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)

    def _drain_stderr(self) -> None:
        for line in self.process.stderr:
            self._stderr = (self._stderr + [line.rstrip()])[-5:]

    def _wait_ready(self, target: str | None) -> str:
        where = urlsplit(target) if target else None
        port = where.port or (443 if where.scheme == "wss" else 80) if where else None
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.1).strip()
                if line.startswith("listening ") and not target:
                    return line.split(" ", 1)[1].strip()
            except queue.Empty:
                pass
            if where and _accepts(where.hostname, port):
                return target
            if self.process.poll() is not None:
                time.sleep(0.1)  # let the drainers catch its last words
                raise self.suite.RunError(
                    f"the server command exited ({self.process.returncode}) before it was ready"
                    + (f": {self._stderr[-1]}" if self._stderr else ""))
        raise self.suite.RunError(
            f"the server command was not ready within {READY_TIMEOUT:.0f} s ("
            + ("its port did not accept" if target else "it printed no 'listening URL' line")
            + ")")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:  # whatever is left of its process group
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def run(args: argparse.Namespace, suite) -> int:
    if args.target and not args.target.startswith(("ws://", "wss://")):
        raise suite.RunError(f"--target must be a ws:// or wss:// URL, not {args.target!r}")
    command = None
    if args.server_command:
        try:
            command = shlex.split(args.server_command)
        except ValueError as error:
            raise suite.RunError(f"--command: {error}")
        if not command:
            raise suite.RunError("--command is empty")
        if any("{port}" in part for part in command):
            port = _free_port()
            command = [part.replace("{port}", str(port)) for part in command]
            args.target = args.target or f"ws://127.0.0.1:{port}/"

    if not args.no_build:
        suite.build(suite.BUILD_DIR, targets=["wsconform", "wsconform-server"])
    binary = suite.BUILD_DIR / "harness" / "wsconform"
    if not binary.exists():
        raise suite.RunError(f"{binary} is missing (build it, or drop --no-build)")

    def start():
        if command:
            return CommandServer(command, args.target, suite)
        if args.target:
            return None  # not ours: never restarted
        return suite.reference_server(suite.BUILD_DIR)

    # A SIGTERM (a CI timeout, a test's teardown) still stops what we started.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    server = None
    fuzzer = None
    try:
        server = start()
        url = server.url if server else args.target
        suite.say(f"fuzzing {url} for {args.seconds:g} s (seed {args.seed}, {args.jobs} jobs)")
        argv = [str(binary), "fuzz-live", "--target", url, "--seconds", str(args.seconds),
                "--seed", str(args.seed), "--jobs", str(args.jobs), "--out", str(Path(args.out))]
        if args.max_findings:
            argv += ["--max-findings", str(args.max_findings)]
        if server:
            argv.append("--restart-over-stdio")
        fuzzer = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1)
        # Bounded whatever happens: wsconform ends by itself, this is the backstop.
        watchdog = threading.Timer(args.seconds + GRACE, fuzzer.kill)
        watchdog.daemon = True
        watchdog.start()
        for line in fuzzer.stdout:
            if line.strip() != "restart-request":
                sys.stdout.write(line)
                sys.stdout.flush()
                continue
            try:
                if server:
                    server.stop()
                server = start()
                reply = f"restarted {server.url}\n"  # wsconform counts and reports restarts
            except suite.RunError as error:
                server = None
                reply = f"failed {error}\n"
                suite.say(f"cannot restart the server: {error}")
            try:
                fuzzer.stdin.write(reply)
                fuzzer.stdin.flush()
            except OSError:
                pass
        status = fuzzer.wait()
        watchdog.cancel()
        return status if status in (0, 1, 2) else 2
    finally:
        signal.signal(signal.SIGTERM, previous)
        if fuzzer and fuzzer.poll() is None:
            fuzzer.kill()
            fuzzer.wait()
        if server:
            server.stop()
