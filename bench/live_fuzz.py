#!/usr/bin/env python3
"""The live-server fuzzer: time to the first finding, and inputs per second. Medians of runs.

1. Time to the first finding against tests/servers/faulty_server.py --fault crash-len64 (the
   process dies on a frame header with the 64-bit length form), fuzzed through
   `run_suite.py fuzz-live --command ... --max-findings 1`, so the server is restarted after
   each crash and the finding is confirmed and minimised before it counts. Reported: the
   campaign's clock at the finding line (from the first input to the minimised reproducer on
   disk) and the wall time of the whole command (build check and server start included). One
   run per seed (1..N): the median is over seeds. Goal: under 10 s.
2. Inputs per second sent to the reference server (`wsconform fuzz-live --target`), per
   --jobs value; every run must also end with 0 findings.

    python3 bench/live_fuzz.py [--runs 3] [--seconds 20] [--jobs 1,4,8] [--crash-runs 5]
                               [--json F] [--markdown F]

Uses the binaries in WSCONFORM_BUILD_DIR (default build/release) as they are: build first.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("WSCONFORM_BUILD_DIR", ROOT / "build" / "release"))
BUILD = BUILD if BUILD.is_absolute() else ROOT / BUILD
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
FAULTY = ROOT / "tests" / "servers" / "faulty_server.py"


def first_finding(seed: int, limit: float) -> dict:
    with tempfile.TemporaryDirectory() as out:
        command = f"{PYTHON} {FAULTY} --host 127.0.0.1 --port 0 --fault crash-len64"
        started = time.monotonic()
        result = subprocess.run(
            [PYTHON, str(ROOT / "run_suite.py"), "fuzz-live", "--no-build", "--command", command,
             "--seconds", str(limit), "--seed", str(seed), "--max-findings", "1", "--out", out],
            capture_output=True, text=True, timeout=limit + 120,
            env=dict(os.environ, WSCONFORM_BUILD_DIR=str(BUILD)))
        wall = time.monotonic() - started
        found = re.search(r"^finding 1 at ([\d.]+) s: (\S+)", result.stdout, re.M)
        if result.returncode != 1 or not found:
            raise RuntimeError(f"seed {seed}: no finding (exit {result.returncode}):\n"
                               + result.stdout[-1500:] + result.stderr[-1500:])
        return {"seed": seed, "campaign_s": float(found.group(1)), "wall_s": round(wall, 2),
                "signature": found.group(2)}


def input_rate(url: str, jobs: int, seconds: float, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as out:
        result = subprocess.run(
            [str(BUILD / "harness" / "wsconform"), "fuzz-live", "--target", url, "--seconds",
             str(seconds), "--jobs", str(jobs), "--seed", str(seed), "--out", out],
            capture_output=True, text=True, timeout=seconds + 120)
    summary = re.search(r"^fuzz-live: (\d+) inputs in ([\d.]+) s \(([\d.]+) inputs/s\), "
                        r"(\d+) findings?", result.stdout, re.M)
    if not summary:
        raise RuntimeError(f"no summary (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    findings = int(summary.group(4))
    if result.returncode != 0 or findings:
        raise RuntimeError(f"the reference server gave {findings} findings (exit "
                           f"{result.returncode}):\n{result.stdout}")
    return {"inputs": int(summary.group(1)), "seconds": float(summary.group(2)),
            "inputs_per_s": float(summary.group(3)), "findings": findings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per --jobs value")
    parser.add_argument("--seconds", type=float, default=20, help="seconds per rate run")
    parser.add_argument("--jobs", default="1,4,8")
    parser.add_argument("--crash-runs", type=int, default=5, help="seeds for the first finding")
    parser.add_argument("--json")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    jobs = [int(j) for j in args.jobs.split(",")]

    results: dict = {"first_finding": [], "rate": {}}
    for seed in range(1, args.crash_runs + 1):
        run = first_finding(seed, limit=60)
        print(f"first finding, seed {seed}: {run['campaign_s']} s into the campaign, "
              f"{run['wall_s']} s wall ({run['signature']})", flush=True)
        results["first_finding"].append(run)

    server = subprocess.Popen([str(BUILD / "server" / "wsconform-server"), "--host", "127.0.0.1",
                               "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split(" ", 1)[1].strip()
        for j in jobs:
            runs = [input_rate(url, j, args.seconds, seed) for seed in range(1, args.runs + 1)]
            for r in runs:
                print(f"reference server, --jobs {j}: {r['inputs_per_s']} inputs/s "
                      f"({r['inputs']} inputs, {r['findings']} findings)", flush=True)
            results["rate"][str(j)] = runs
    finally:
        server.terminate()
        server.wait(timeout=10)

    camp = [r["campaign_s"] for r in results["first_finding"]]
    wall = [r["wall_s"] for r in results["first_finding"]]
    summary = {
        "first_finding_campaign_s": {"median": statistics.median(camp), "min": min(camp),
                                     "max": max(camp), "runs": len(camp)},
        "first_finding_wall_s": {"median": statistics.median(wall), "min": min(wall),
                                 "max": max(wall), "runs": len(wall)},
        "inputs_per_s": {j: {"median": statistics.median(r["inputs_per_s"] for r in runs),
                             "min": min(r["inputs_per_s"] for r in runs),
                             "max": max(r["inputs_per_s"] for r in runs),
                             "runs": len(runs), "seconds": args.seconds,
                             "findings": sum(r["findings"] for r in runs)}
                         for j, runs in results["rate"].items()},
    }
    results["summary"] = summary
    lines = [
        "| measure | median | min | max | runs |",
        "|---|---|---|---|---|",
        "| time to first finding, crash-len64 (campaign clock, minimised reproducer written) | "
        f"{summary['first_finding_campaign_s']['median']:.2f} s | "
        f"{summary['first_finding_campaign_s']['min']:.2f} s | "
        f"{summary['first_finding_campaign_s']['max']:.2f} s | {len(camp)} seeds |",
        "| same, wall time of `run_suite.py fuzz-live --no-build` (server start included) | "
        f"{summary['first_finding_wall_s']['median']:.2f} s | "
        f"{summary['first_finding_wall_s']['min']:.2f} s | "
        f"{summary['first_finding_wall_s']['max']:.2f} s | {len(wall)} seeds |",
    ]
    for j, s in summary["inputs_per_s"].items():
        lines.append(f"| inputs/s to the reference server, `--jobs {j}` ({s['seconds']:g} s runs, "
                     f"{s['findings']} findings) | {s['median']:,.0f} | {s['min']:,.0f} | "
                     f"{s['max']:,.0f} | {s['runs']} |")
    table = "\n".join(lines) + "\n"
    heading = ("# Live-server fuzzer (`python3 bench/live_fuzz.py`)\n\n"
               "Release build, 2 shared cores; medians. Time to first finding: "
               "`run_suite.py fuzz-live --command 'faulty_server.py --fault crash-len64'`, one "
               "run per seed, the server restarted after every crash, the finding confirmed and "
               "minimised (to the 2-byte header `82 ff`) before it counts. Rates: "
               "`wsconform fuzz-live --target` against the reference server, which gave no "
               "finding in any run.\n\n")
    print("\n" + table)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if args.markdown:
        Path(args.markdown).write_text(heading + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
