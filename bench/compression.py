#!/usr/bin/env python3
"""Wall and CPU time of the permessage-deflate cases (12.x, 13.x) against the reference server.

Starts the reference server of BUILD_DIR, runs the selected cases REPEAT times and prints, per
run, the wall time, the CPU time of the harness and of the server (both sides run zlib over
~11 GB for all 216 cases) and the verdict counts; then the median. Standard library only.

    python3 bench/compression.py [--build-dir build/pmd] [--repeat 3] [--cases '12.*,13.*']
                                 [--server-threads 1] [--deflate-level 1] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", default=os.environ.get("WSCONFORM_BUILD_DIR", "build/pmd"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", default="12.*,13.*")
    parser.add_argument("--jobs", type=int, help="--jobs for wsconform (default: its own)")
    parser.add_argument("--server-threads", type=int, default=1)
    parser.add_argument("--deflate-level", type=int, default=1)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    build = Path(args.build_dir)
    build = build if build.is_absolute() else ROOT / build
    runner, server_bin = build / "harness" / "wsconform", build / "server" / "wsconform-server"
    server = subprocess.Popen([str(server_bin), "--threads", str(args.server_threads),
                               "--deflate-level", str(args.deflate_level)],
                              stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[1]
        runs = []
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as out:
                command = [str(runner), "--target", url, "--out", out, "--cases", args.cases,
                           "--quiet"]
                if args.jobs:
                    command += ["--jobs", str(args.jobs)]
                server_before = cpu_seconds(server.pid)
                started = time.perf_counter()
                child = subprocess.Popen(command, stdout=subprocess.DEVNULL)
                _, status, usage = os.wait4(child.pid, 0)
                wall = time.perf_counter() - started
                server_cpu = cpu_seconds(server.pid) - server_before
                harness_cpu = usage.ru_utime + usage.ru_stime
                if os.waitstatus_to_exitcode(status) not in (0, 1):
                    print(f"wsconform failed: {status}", file=sys.stderr)
                    return 1
                target = json.loads(Path(out, "index.json").read_text())["targets"][0]
                summary = target["summary"]
                failed = {c["id"]: c["result"][:160] for c in target["cases"]
                          if c["verdict"] == "FAILED"}
                run = {"wall_s": round(wall, 2), "harness_cpu_s": round(harness_cpu, 2),
                       "server_cpu_s": round(server_cpu, 2),
                       "harness_cpu_share": round(harness_cpu / (harness_cpu + server_cpu), 3),
                       "max_rss_mib": round(usage.ru_maxrss / 1024, 1), "summary": summary,
                       "failed": failed}
                runs.append(run)
                print(json.dumps(run), flush=True)
        figures = {
            "cases": args.cases, "server_threads": args.server_threads,
            "deflate_level": args.deflate_level, "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(), "runs": runs,
            "median_wall_s": statistics.median(r["wall_s"] for r in runs),
            "median_harness_cpu_s": statistics.median(r["harness_cpu_s"] for r in runs),
            "median_server_cpu_s": statistics.median(r["server_cpu_s"] for r in runs),
        }
        print(json.dumps({k: v for k, v in figures.items() if k != "runs"}))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
