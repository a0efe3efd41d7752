#!/usr/bin/env python3
"""Wall time of a client run: the cases against a client under test, in exec mode at the
default --jobs and at --jobs 1, and through Autobahn's control protocol (the client's testee
drives the cases one at a time, as with Autobahn's fuzzingserver).

Clients: the built-in reference client (Boost.Beast) and python3-websockets (the testees of
tests/e2e/clients/). Each setting runs REPEAT times; the median, min and max wall time and the
verdict counts are printed, and written as JSON with --json. Standard library only.

    python3 bench/client_suite.py [--repeat 3] [--clients reference,websockets]
        [--modes exec,exec-j1,control] [--cases '1.*,...,13.*'] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import paths  # noqa: E402
from bench.wsconform_run import timed_run, wsconform_binary, write_figures  # noqa: E402

PYTHON = "/usr/bin/python3"  # Debian's python3-websockets is seen by it
AUTOBAHN = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,12.*,13.*"  # Autobahn's 517 cases


def exec_command(client: str) -> str:
    if client == "reference":
        return f"{paths.BUILD_DIR / 'client' / 'wsconform-client'} {{url}}"
    return f"{PYTHON} {ROOT / 'tests' / 'e2e' / 'clients' / 'websockets_client.py'} {{url}}"


def testee_command(client: str, url: str) -> list[str]:
    if client == "reference":
        return [str(paths.BUILD_DIR / "client" / "wsconform-client"), "--autobahn", url,
                "--agent", "bench"]
    return [PYTHON, str(ROOT / "tests" / "e2e" / "clients" / "autobahn_testee.py"), url,
            "--agent", "bench", "--shutdown"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def control_run(runner: Path, client: str, cases: str) -> tuple[float, dict, int]:
    """One run through the control protocol: our fuzzingserver and the client's testee, from
    the start of the server to its exit. Returns wall time, summary and exit status."""
    with tempfile.TemporaryDirectory() as out:
        url = f"ws://127.0.0.1:{free_port()}"
        started = time.perf_counter()
        server = subprocess.Popen([str(runner), "--serve-autobahn", url, "--out", out,
                                   "--cases", cases, "--quiet"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        try:
            server.stdout.readline()  # the ready line: the port accepts
            subprocess.run(testee_command(client, url), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=7200)
            if client == "reference":  # it does not ask for the shutdown itself
                subprocess.run([PYTHON, "-c", CONTROL_STOP, url], timeout=60)
            status = server.wait(timeout=600)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, 9)
                server.wait()
        wall = time.perf_counter() - started
        index = json.loads(Path(out, "index.json").read_text())
        return wall, index["targets"][0]["summary"], status


# /updateReports with shutdownOnComplete, for testees that do not ask for it.
CONTROL_STOP = """
import sys, asyncio, websockets
async def stop(url):
    async with websockets.connect(url + "/updateReports?agent=bench&shutdownOnComplete=true") as ws:
        try:
            await ws.recv()
        except websockets.ConnectionClosed:
            pass
asyncio.run(stop(sys.argv[1]))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default="reference,websockets")
    parser.add_argument("--modes", default="exec,exec-j1,control")
    parser.add_argument("--cases", default=AUTOBAHN)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    runner = wsconform_binary()  # built with the reference client
    figures: dict = {"cases": args.cases, "cpus": os.cpu_count(), "settings": {}}
    for client in args.clients.split(","):
        for mode in args.modes.split(","):
            times, summaries = [], set()
            for _ in range(args.repeat):
                if mode == "control":
                    wall, summary, status = control_run(runner, client, args.cases)
                else:
                    jobs = 1 if mode == "exec-j1" else None
                    run = timed_run(runner, ["--client-command", exec_command(client)],
                                    args.cases, jobs)
                    wall, summary, status = run.wall_s, run.target["summary"], run.status
                if status not in (0, 1):
                    print(f"{client} {mode}: exit {status}", file=sys.stderr)
                    return 1
                times.append(wall)
                summaries.add(json.dumps(summary, sort_keys=True))
            f = {"median_s": round(statistics.median(times), 2), "min_s": round(min(times), 2),
                 "max_s": round(max(times), 2), "runs": len(times),
                 "summary": json.loads(summaries.pop()) if len(summaries) == 1 else
                 "verdicts differ between runs: " + " | ".join(sorted(summaries))}
            figures["settings"][f"{client} {mode}"] = f
            print(f"{client:>10} {mode:<8} median {f['median_s']:8.2f} s (min {f['min_s']:.2f}, "
                  f"max {f['max_s']:.2f}, {f['runs']} runs)  {f['summary']}", flush=True)
    figures["load_average_at_end"] = os.getloadavg()
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
