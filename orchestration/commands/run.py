"""run_suite.py [--target URL | --spec FILE] ...: test a server (the default subcommand).
Without --target, the reference server (or, with --http2, nghttpx in front of it) is started
on a free loopback port and stopped afterwards."""

from __future__ import annotations

import argparse

from ..console import RunError, say
from ..packages import HTTP2_PACKAGES, ensure_packages
from ..paths import BUILD_DIR, runner_binary
from ..processes import Restartable, run_with_restarts
from ..reporting import finish_run
from ..servers import Http2Front, reference_server
from . import spec as spec_command
from .options import add_expect_failures, add_wire_log, passthrough, prepare_run

SUMMARY = "test a server (the default: run_suite.py [--target URL] ...)"


def build_parser(prog: str = "run_suite.py", epilog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the WebSocket conformance suite against a server. Without --target, "
                    "against the built-in reference server.")
    parser.add_argument("--target", help="server URL (ws://host:port/path or wss://...)")
    parser.add_argument("--spec", metavar="FILE",
                        help="an Autobahn|Testsuite spec: fuzzingclient.json (run every server "
                             "it lists, each may have a 'command' that starts it) or "
                             "fuzzingserver.json (serve its control protocol to clients); --out "
                             "overrides its outdir")
    parser.add_argument("--ready-timeout", dest="ready_timeout", type=float, default=30.0,
                        metavar="SECONDS",
                        help="with --spec: how long a server's command may take until its port "
                             "accepts connections (default 30)")
    parser.add_argument("--out", help="report directory (default out/runs/<time>)")
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
    add_wire_log(parser)
    add_expect_failures(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    if args.spec:
        return spec_command.run(args)
    # Bad input is said before minutes of building and running.
    if args.restart_command and not args.target:
        raise RunError("--restart-command is for a --target server; the reference server is "
                       "restarted by run_suite.py")
    baseline, out = prepare_run(args)
    runner = runner_binary()
    given = passthrough(args, ("agent", "cases", "exclude_cases", "jobs", "timeout_scale", "ca",
                               "allowed_origin", "restart_command", "restart_wait", "wire_log"))
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
    return finish_run(out, args.out is None, baseline)
