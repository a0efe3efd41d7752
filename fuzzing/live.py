"""run_suite.py fuzz-live: the live-server fuzzer (`wsconform fuzz-live`) against a server.

    python3 run_suite.py fuzz-live [--target URL] [--command 'SERVER CMD'] --out DIR
                                   [--seconds N] [--seed S] [--jobs N] [--max-findings N]
                                   [--no-build]

Which server is fuzzed:
  - neither --target nor --command: the built-in reference server, started on a free loopback
    port (as a normal run does);
  - --command: the server under test, started from that command line (split like a shell
    would, no shell involved; `{port}` is replaced by a free loopback port, which is then the
    target). With a target it is ready once the target's port accepts connections (its output
    goes to DIR/server.log); without one, once it prints `listening URL` (our servers do);
  - --target alone: a server that is not ours to restart: a crash ends the run with an
    unconfirmed, unminimised reproducer.

A server we started is restarted whenever wsconform finds it dead (it prints `restart-request`
on stdout and waits for `restarted URL` on stdin), so a crash can be confirmed and minimised;
it is stopped at the end. Exit status is wsconform's: 0 no finding, 1 findings (reproducers in
--out), 2 the run could not be done. Standard library only.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
from pathlib import Path

from orchestration.build import build
from orchestration.console import RunError, say
from orchestration.commands.options import OneLineParser, positive
from orchestration.packages import HTTP2_PACKAGES, ensure_packages
from orchestration.paths import BUILD_DIR, runner_binary
from orchestration.processes import (CommandServer, Restartable, Server, free_port,
                                     run_with_restarts)
from orchestration.servers import Http2Front, reference_server

SUMMARY = "mutation-fuzz a running server (--target URL, or a --command that starts it)"

READY_TIMEOUT = 15.0  # s for a server to be ready
GRACE = 120.0  # s beyond --seconds before wsconform is stopped (minimising, restarts)


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
    parser.add_argument("--seconds", type=positive(float), default=60.0,
                        help="how long to fuzz (default 60)")
    parser.add_argument("--seed", type=_seed, default=1, help="same seed, same inputs (default 1)")
    parser.add_argument("--jobs", type=positive(int), default=4,
                        help="connections in flight at once (default 4)")
    parser.add_argument("--out", required=True, metavar="DIR", help="directory for reproducers")
    parser.add_argument("--max-findings", type=positive(int), metavar="N",
                        help="stop after N findings")
    parser.add_argument("--http2", action="store_true",
                        help="each input on an extended CONNECT stream (RFC 8441) of a "
                             "connection of its own: h2c for ws://, ALPN h2 for wss://")
    parser.add_argument("--no-build", action="store_true",
                        help="use the binaries already in the build directory")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.target and not args.target.startswith(("ws://", "wss://")):
        raise RunError(f"--target must be a ws:// or wss:// URL, not {args.target!r}")
    command = None
    if args.server_command:
        try:
            command = shlex.split(args.server_command)
        except ValueError as error:
            raise RunError(f"--command: {error}")
        if not command:
            raise RunError("--command is empty")
        if any("{port}" in part for part in command):
            port = free_port()
            command = [part.replace("{port}", str(port)) for part in command]
            args.target = args.target or f"ws://127.0.0.1:{port}/"

    if not args.no_build:
        build(BUILD_DIR, targets=["wsconform", "wsconform-server"])
    binary = runner_binary()
    if not binary.exists():
        raise RunError(f"{binary} is missing (build it, or drop --no-build)")

    def start():
        if command and args.target:  # ready when the target's port accepts
            return CommandServer(command, "under test", args.target, Path.cwd(),
                                 Path(args.out) / "server.log", READY_TIMEOUT)
        if command:  # ready when it prints `listening URL`, as our servers do
            return Server(command, "the server command", READY_TIMEOUT)
        if args.http2:  # the embedded HTTP/2 default: nghttpx before the reference server
            ensure_packages(HTTP2_PACKAGES)
            return Http2Front(BUILD_DIR)
        return reference_server(BUILD_DIR)

    # A SIGTERM (a CI timeout, a test's teardown) still stops what we started.
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(2))
    server = None
    try:
        if command or not args.target:  # ours: restarted whenever wsconform finds it dead
            server = Restartable(start)
        url = server.url if server else args.target
        say(f"fuzzing {url} for {args.seconds:g} s (seed {args.seed}, {args.jobs} jobs)")
        argv = [str(binary), "fuzz-live", "--target", url, "--seconds", str(args.seconds),
                "--seed", str(args.seed), "--jobs", str(args.jobs), "--out", str(Path(args.out))]
        if args.http2:
            argv.append("--http2")
        if args.max_findings:
            argv += ["--max-findings", str(args.max_findings)]
        # Bounded whatever happens: wsconform ends by itself, the timeout is the backstop.
        status = run_with_restarts(argv, server, timeout=args.seconds + GRACE)
        return status if status in (0, 1, 2) else 2
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server:
            server.stop()
