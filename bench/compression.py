#!/usr/bin/env python3
"""Wall and CPU time of the permessage-deflate cases (12.x, 13.x), or any selection, per server.

Starts the server under test (our reference server, or the e2e echo servers on Python
`websockets` and Node `ws` with their default permessage-deflate), runs the selected cases
REPEAT times and prints, per run, the wall time, the CPU time of the harness and of the server
(both sides run zlib over ~11 GB for all 216 compression cases) and the verdict counts; then
the medians. Standard library only.

    python3 bench/compression.py [--repeat 3] [--cases '12.*,13.*'] [--jobs N]
                                 [--server reference|websockets|ws] [--server-threads N]
                                 [--deflate-level 1] [--no-build] [--json FILE]

`--cases autobahn` selects Autobahn's 517 cases. WSCONFORM_BUILD_DIR selects the build (default
build/release); --no-build uses it as it is. The `ws` server needs tests/e2e/node_modules
(`npm ci` there, as the e2e tests do).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import paths, processes, servers  # noqa: E402
from bench.wsconform_run import timed_run, wsconform_binary  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


AUTOBAHN = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*,12.*,13.*"  # its 517 cases
E2E_SERVERS = ROOT / "tests" / "e2e" / "servers"


def server_under_test(args: argparse.Namespace) -> processes.Server:
    if args.server == "websockets":
        return processes.Server(["/usr/bin/python3", str(E2E_SERVERS / "websockets_echo.py"),
                                 "--deflate"], "websockets echo server")
    if args.server == "ws":
        return processes.Server(["node", str(E2E_SERVERS / "ws_echo.js"), "--deflate"],
                                "ws echo server")
    options = ("--deflate-level", str(args.deflate_level))
    if args.server_threads:
        options += ("--threads", str(args.server_threads))
    return servers.reference_server(paths.BUILD_DIR, extra=options)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", default="12.*,13.*")
    parser.add_argument("--jobs", type=int, help="--jobs for wsconform (default: its own)")
    parser.add_argument("--server", choices=("reference", "websockets", "ws"),
                        default="reference")
    parser.add_argument("--server-threads", type=int,
                        help="the reference server's --threads (default: its own, one per core)")
    parser.add_argument("--deflate-level", type=int, default=1)
    parser.add_argument("--no-build", action="store_true", help="use the build as it is")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    runner = wsconform_binary(build=not args.no_build)
    if args.cases == "autobahn":
        args.cases = AUTOBAHN
    runs = []
    with server_under_test(args) as server:
        for _ in range(args.repeat):
            server_before = cpu_seconds(server.process.pid)
            run = timed_run(runner, server.url, args.cases, args.jobs)
            server_cpu = cpu_seconds(server.process.pid) - server_before
            if run.status not in (0, 1):
                print(f"wsconform failed: exit {run.status}", file=sys.stderr)
                return 1
            failed = {c["id"]: c["result"][:160] for c in run.target["cases"]
                      if c["verdict"] == "FAILED"}
            figures = {"wall_s": round(run.wall_s, 2), "harness_cpu_s": round(run.cpu_s, 2),
                       "server_cpu_s": round(server_cpu, 2),
                       "harness_cpu_share": round(run.cpu_s / (run.cpu_s + server_cpu), 3),
                       "max_rss_mib": round(run.max_rss_kib / 1024, 1),
                       "summary": run.target["summary"], "failed": failed}
            runs.append(figures)
            print(json.dumps(figures), flush=True)
    result = {
        "server": args.server, "cases": args.cases, "server_threads": args.server_threads,
        "deflate_level": args.deflate_level, "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(), "runs": runs,
        "median_wall_s": statistics.median(r["wall_s"] for r in runs),
        "median_harness_cpu_s": statistics.median(r["harness_cpu_s"] for r in runs),
        "median_server_cpu_s": statistics.median(r["server_cpu_s"] for r in runs),
    }
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
