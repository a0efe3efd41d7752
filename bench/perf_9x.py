#!/usr/bin/env python3
"""Wall time and peak memory of the limits/performance cases (Autobahn 9.x).

Starts the reference server once, runs `wsconform --cases '9.*'` REPEAT times at each --jobs
value, and prints per setting the median, min and max wall time, the wsconform process's peak
resident set size (ru_maxrss of that child alone, from wait4), and the case figures of the
median run (throughput of the biggest messages, round-trip p50/p99 of 9.7/9.8). Standard
library only; figures are for bench/perf_9x.md and the README.

    python3 bench/perf_9x.py [--repeat 3] [--jobs 64] [--no-build] [--json FILE]

WSCONFORM_BUILD_DIR selects the build (default build/release); --no-build uses it as it is.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import paths, servers  # noqa: E402
from bench.wsconform_run import timed_run, wsconform_binary, write_figures  # noqa: E402

SHOWN = ("9.1.6", "9.2.6", "9.3.1", "9.4.9", "9.5.1", "9.6.6", "9.7.1", "9.7.6", "9.8.1", "9.8.6")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default="64", help="comma-separated --jobs values")
    parser.add_argument("--cases", default="9.*")
    parser.add_argument("--no-build", action="store_true", help="use the build as it is")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    runner = wsconform_binary(build=not args.no_build)
    figures = {}
    with servers.reference_server(paths.BUILD_DIR) as server:
        for jobs in [int(j) for j in args.jobs.split(",")]:
            runs = []
            for _ in range(args.repeat):
                run = timed_run(runner, server.url, args.cases, jobs)
                if run.status != 0:
                    print(f"run failed with exit {run.status}", file=sys.stderr)
                    return 1
                runs.append((run.wall_s, run.max_rss_kib, run.index))
            runs.sort(key=lambda r: r[0])
            median_wall, _, median_index = runs[len(runs) // 2]
            walls, rsss = [r[0] for r in runs], [r[1] for r in runs]
            target = median_index["targets"][0]
            cases = {c["id"]: c for c in target["cases"]}
            f = figures[jobs] = {
                "median_s": statistics.median(walls), "min_s": min(walls), "max_s": max(walls),
                "peak_rss_mib": max(rsss) / 1024, "runs": len(runs),
                "summary": target["summary"],
                "cases": {i: {"duration_ms": cases[i]["duration_ms"], **cases[i]["metrics"]}
                          for i in SHOWN if i in cases},
            }
            print(f"--jobs {jobs:>3}: median {f['median_s']:.2f} s  (min {f['min_s']:.2f}, "
                  f"max {f['max_s']:.2f}, {f['runs']} runs)  peak RSS "
                  f"{f['peak_rss_mib']:.0f} MiB  {f['summary']}")
            for case_id, m in f["cases"].items():
                print(f"    {case_id:6} {m['duration_ms']:>6} ms  "
                      f"{m.get('throughput_mb_s', 0):>8.1f} MB/s  p50 {m.get('rtt_p50_ms', 0):.3f} "
                      f"ms  p99 {m.get('rtt_p99_ms', 0):.3f} ms")
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
