"""run_suite.py clients: test a WebSocket client. wsconform is the server and starts the client
once per case with that case's URL (exec mode); without --command, the built-in reference
client. With --browser, a browser runs the cases through a page wsconform serves."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from ..console import RunError, say
from ..paths import BUILD_DIR, runner_binary
from ..processes import stop_process_group
from ..reporting import finish_run
from ..servers import reference_client_command
from .options import add_expect_failures, add_wire_log, passthrough, prepare_run

SUMMARY = "test a client: started once per case (--command 'CMD {url}'), or a browser"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_suite.py clients",
        description="Test a WebSocket client: wsconform is the server and starts the client "
                    "once per case with that case's URL. Without --command, the built-in "
                    "reference client.")
    parser.add_argument("--command", dest="command_line", metavar="CMD",
                        help="shell command that runs your client; {url} is replaced by "
                             "the case's ws:// (or, for the T.1 cases, wss://) URL and {ca} "
                             "by the run's test CA file, e.g. 'python3 client.py --ca {ca} "
                             "{url}'. The client connects, echoes every message, and exits (0 "
                             "after a clean close)")
    parser.add_argument("--browser", action="store_true",
                        help="test a browser's WebSocket: wsconform serves a page that runs "
                             "the cases; open the URL it prints in the browser (or --open)")
    parser.add_argument("--open", metavar="CMD",
                        help="with --browser: shell command that starts the browser, {url} "
                             "replaced by the page's URL, e.g. 'chromium --headless=new "
                             "--no-sandbox {url}'; it is stopped at the end")
    parser.add_argument("--out", help="report directory (default out/runs/<time>)")
    parser.add_argument("--agent", help="name of the client in the report")
    parser.add_argument("--cases", help="case patterns, e.g. '1.*,6.4.*'")
    parser.add_argument("--exclude-cases", dest="exclude_cases", help="case patterns to skip")
    parser.add_argument("--jobs", "-j", type=int,
                        help="clients running at once (default 64, fewer while they start "
                             "slowly)")
    parser.add_argument("--timeout-scale", dest="timeout_scale", type=float,
                        help="multiply every timer")
    parser.add_argument("--listen", metavar="HOST:PORT",
                        help="where clients connect (default 127.0.0.1 and a free port)")
    add_wire_log(parser)
    add_expect_failures(parser)
    return parser


def run_browser(args: argparse.Namespace, runner: Path, out: Path) -> int:
    """Browser mode: wsconform serves a page that runs the cases through the browser's
    WebSocket API; the browser is started with `--open` (stopped at the end), or a person opens
    the URL wsconform prints."""
    command = [str(runner), "--browser", "--out", str(out),
               *passthrough(args, ("agent", "cases", "exclude_cases", "jobs", "timeout_scale",
                                   "listen", "wire_log"))]
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


def run(args: argparse.Namespace) -> int:
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
        baseline, out = prepare_run(args)
        status = run_browser(args, runner_binary(), out)
        if status not in (0, 1):
            return status
        return finish_run(out, args.out is None, baseline)
    if args.command_line is not None and "{url}" not in args.command_line:
        raise RunError("clients --command: the command must contain {url}, where the case's "
                       "URL goes (e.g. --command 'python3 my_client.py {url}')")
    baseline, out = prepare_run(args)
    runner = runner_binary()
    client = args.command_line or reference_client_command(BUILD_DIR)
    command = [str(runner), "--client-command", client, "--out", str(out),
               *passthrough(args, ("agent", "cases", "exclude_cases", "jobs", "timeout_scale",
                                   "listen", "wire_log"))]
    if args.agent is None and args.command_line is None:
        command += ["--agent", "wsconform-reference-client"]
    say("testing the client " + ("'" + args.command_line + "'" if args.command_line
                                 else "wsconform-reference-client (built-in)") +
        ": it is started once per case with the case's URL")
    status = subprocess.call(command)
    if status not in (0, 1):
        return status
    return finish_run(out, args.out is None, baseline)


# --- Autobahn fuzzingclient spec (--spec) --------------------------------------------------------
