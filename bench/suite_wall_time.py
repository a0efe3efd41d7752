#!/usr/bin/env python3
"""Wall time of the whole conformance run against the reference server.

Builds Release (through run_suite.py's build), starts the reference server once, runs the
selected cases REPEAT times with each --jobs value, and prints the median, min and max wall
time per setting. Standard library only; figures are for the README and closing notes.

    python3 bench/suite_wall_time.py [--repeat 5] [--jobs 1,64] [--cases '*'] [--exclude-cases P]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import paths, servers  # noqa: E402
from bench.wsconform_run import timed_run, wsconform_binary, write_figures  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", default="1,64", help="comma-separated --jobs values")
    parser.add_argument("--cases", default="*")
    parser.add_argument("--exclude-cases", dest="exclude_cases", help="e.g. @slow")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    runner = wsconform_binary()
    figures = {}
    with servers.reference_server(paths.BUILD_DIR) as server:
        for jobs in [int(j) for j in args.jobs.split(",")]:
            times, verdicts = [], set()
            for _ in range(args.repeat):
                extra = ("--exclude-cases", args.exclude_cases) if args.exclude_cases else ()
                run = timed_run(runner, server.url, args.cases, jobs, extra)
                times.append(run.wall_s)
                verdicts.add(json.dumps(run.target["summary"], sort_keys=True))
                if run.status != 0:
                    print(f"run failed with exit {run.status}", file=sys.stderr)
                    return 1
            figures[jobs] = {"median_s": statistics.median(times), "min_s": min(times),
                             "max_s": max(times), "runs": len(times),
                             "summary": json.loads(verdicts.pop()) if len(verdicts) == 1 else
                             "verdicts differ between runs"}
            f = figures[jobs]
            print(f"--jobs {jobs:>3}: median {f['median_s']:.2f} s  (min {f['min_s']:.2f}, "
                  f"max {f['max_s']:.2f}, {f['runs']} runs)  {f['summary']}")
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
