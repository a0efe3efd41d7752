#!/usr/bin/env python3
"""Peak memory of a run against a hostile server, at the default --jobs.

Starts tests/servers/faulty_server.py with each hostile fault in turn (64 KiB frames without
end, pings without end, 48 MiB frames in answer to every message), runs the same 67 cases
against it REPEAT times and prints the median peak RSS and wall time of the wsconform process.
The goal (issue 14): under 256 MiB whatever the peer does. Standard library only.

    python3 bench/hostile_memory.py [--repeat 3] [--json FILE] [--no-build]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.wsconform_run import timed_run, wsconform_binary, write_figures  # noqa: E402

FAULTY_SERVER = ROOT / "tests" / "servers" / "faulty_server.py"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
CASES = "1.*,2.*,3.*,5.*,6.1.*,6.2.*,7.1.*"
FAULTS = ("flood", "ping-flood", "big-frames")


def start(fault: str) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen([PYTHON, str(FAULTY_SERVER), "--fault", fault],
                              stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    line = server.stdout.readline() if server.stdout else ""
    if not line.startswith("listening "):
        server.kill()
        raise SystemExit(f"faulty_server.py --fault {fault} did not start: {line!r}")
    return server, line.split()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--no-build", action="store_true", help="use the build as it is")
    args = parser.parse_args()

    runner = wsconform_binary(build=not args.no_build)
    figures = {"cases": CASES, "goal_mib": 256, "faults": {}}
    for fault in FAULTS:
        runs = []
        for _ in range(args.repeat):
            server, url = start(fault)
            try:
                # Half the timers, as the e2e tests run it: the verdicts do not depend on them.
                runs.append(timed_run(runner, url, CASES, extra=("--timeout-scale", "0.5")))
            finally:
                server.terminate()
                server.wait(timeout=30)
        rss = [r.max_rss_kib / 1024 for r in runs]
        wall = [r.wall_s for r in runs]
        figures["faults"][fault] = {
            "median_max_rss_mib": round(statistics.median(rss), 1),
            "max_rss_mib": [round(x, 1) for x in rss],
            "median_wall_s": round(statistics.median(wall), 2),
            "summary": runs[-1].target["summary"],
        }
        print(f"{fault:11} peak RSS {statistics.median(rss):6.1f} MiB "
              f"({min(rss):.1f}-{max(rss):.1f}), wall {statistics.median(wall):.2f} s")
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
