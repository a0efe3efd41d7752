#!/usr/bin/env python3
"""Executions per second of every libFuzzer target (ASan + UBSan), median of several runs.

Configures and builds the clang fuzz build (-DWSCONFORM_FUZZ=ON) if needed, then runs each
target RUNS times for SECONDS from a fresh copy of its seeds and regressions, with its
dictionary and .options, one process at a time, and prints the median exec/s (libFuzzer's
stat::average_exec_per_sec) with min and max. Also prints the frame decoder's rate against the
Beast differential's, measured in the same invocation; runs go round-robin over the targets so
that targets compared see the same load on a shared machine. Standard library only.

    python3 bench/fuzz_exec_rate.py [--seconds 30] [--runs 3] [--targets a,b] [--json F]
                                    [--markdown F] [--build-dir build/fuzz]
"""

from __future__ import annotations

import argparse
import configparser
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = ["frame_decoder", "frame_roundtrip", "utf8", "close_payload", "handshake_response",
           "handshake_request", "inflate", "beast_differential"]


def build(build_dir: Path) -> None:
    if not (build_dir / "build.ninja").exists():
        subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build_dir), "-G", "Ninja",
                        "-DCMAKE_C_COMPILER=clang-14", "-DCMAKE_CXX_COMPILER=clang++-14",
                        "-DWSCONFORM_FUZZ=ON", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                       check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", str(build_dir), "--target",
                    *[f"fuzz_{t}" for t in TARGETS], *[f"fuzz_{t}_corpus" for t in TARGETS]],
                   check=True, stdout=subprocess.DEVNULL)


def options_flags(options_file: Path) -> list[str]:
    """The [libfuzzer] section of an OSS-Fuzz .options file as -name=value flags."""
    parser = configparser.ConfigParser()
    parser.read(options_file)
    if not parser.has_section("libfuzzer"):
        return []
    return [f"-{name}={value}" for name, value in parser.items("libfuzzer")]


def run_once(out: Path, target: str, seconds: int, seed: int) -> dict:
    binary = out / target
    with tempfile.TemporaryDirectory() as work:
        corpus = Path(work) / "corpus"
        corpus.mkdir()
        for folder in (out / "corpus" / target, out / "regressions" / target):
            for f in folder.iterdir():
                shutil.copy(f, corpus / f"{folder.name}-{f.name}")
        command = [str(binary), f"-max_total_time={seconds}", f"-seed={seed}",
                   "-print_final_stats=1", f"-dict={out / (target + '.dict')}",
                   f"-artifact_prefix={work}/", *options_flags(out / f"{target}.options"),
                   str(corpus)]
        result = subprocess.run(command, capture_output=True, text=True, cwd=work)
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", result.stderr, re.M))
    if "average_exec_per_sec" not in stats:
        raise RuntimeError(f"{target}: no stats (exit {result.returncode}):\n"
                           + result.stderr[-2000:])
    crashed = result.returncode != 0
    if crashed:
        # Say why, so a crash is never mistaken for noise (a timeout under load, an OOM, a bug).
        reasons = re.findall(r"^(==\d+== ?ERROR: .*|.*contract broken.*|.*SUMMARY: .*)$",
                             result.stderr, re.M)
        print(f"  {target} (seed {seed}) stopped: {reasons[-1] if reasons else result.stderr[-300:]}",
              file=sys.stderr, flush=True)
    return {"exec_per_sec": int(stats["average_exec_per_sec"]),
            "executions": int(stats["number_of_executed_units"]),
            "crashed": crashed}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", default=",".join(TARGETS))
    parser.add_argument("--build-dir", default=str(ROOT / "build" / "fuzz"))
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--markdown", help="also write a table to this file")
    args = parser.parse_args()

    build_dir = Path(args.build_dir).resolve()
    build(build_dir)
    out = build_dir / "fuzz"
    figures = {}
    targets = args.targets.split(",")
    # Round-robin (run 1 of every target, then run 2, ...): targets compared with each other
    # see the same load over time on a shared machine.
    all_runs: dict[str, list[dict]] = {t: [] for t in targets}
    for seed in range(args.runs):
        for target in targets:
            all_runs[target].append(run_once(out, target, args.seconds, seed + 1))
    for target in targets:
        runs = all_runs[target]
        rates = [r["exec_per_sec"] for r in runs]
        figures[target] = {"median_exec_per_sec": int(statistics.median(rates)),
                           "min": min(rates), "max": max(rates), "runs": len(rates),
                           "seconds": args.seconds,
                           "crashed_runs": sum(r["crashed"] for r in runs)}
        f = figures[target]
        note = f"  ({f['crashed_runs']} runs stopped on a crash)" if f["crashed_runs"] else ""
        print(f"{target:<20} median {f['median_exec_per_sec']:>9,} exec/s  "
              f"(min {f['min']:,}, max {f['max']:,}, {f['runs']} x {args.seconds} s){note}",
              flush=True)
    ratio = None
    if "frame_decoder" in figures and "beast_differential" in figures:
        ratio = (figures["frame_decoder"]["median_exec_per_sec"]
                 / max(1, figures["beast_differential"]["median_exec_per_sec"]))
        print(f"frame_decoder / beast_differential: {ratio:.1f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"targets": figures,
                                               "frame_decoder_vs_beast": ratio}, indent=2) + "\n")
    if args.markdown:
        lines = ["| target | median exec/s | min | max |", "|---|---|---|---|"]
        lines += [f"| `{t}` | {f['median_exec_per_sec']:,} | {f['min']:,} | {f['max']:,} |"
                  for t, f in figures.items()]
        if ratio is not None:
            lines.append(f"\nframe_decoder / beast_differential: {ratio:.1f}x")
        Path(args.markdown).write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
