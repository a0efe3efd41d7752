"""run_suite.py diff OLD NEW: every case whose verdict changed between two runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import reports

from ..console import RunError, say

SUMMARY = "list the cases whose verdict changed between two runs (exit 1 on a regression)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_suite.py diff",
        description="List every case whose verdict changed between two runs: regressions, "
                    "fixes, other changes. Exit status 1 when there is a regression.")
    parser.add_argument("old", metavar="OLD_DIR")
    parser.add_argument("new", metavar="NEW_DIR")
    parser.add_argument("--html", metavar="FILE", help="also write the diff as HTML")
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        comparison = reports.compare(reports.load_run(args.old), reports.load_run(args.new))
        sys.stdout.write(reports.render_diff_text(comparison))
        if args.html:
            target = Path(args.html)
            if target.is_dir():
                target = target / "diff.html"
            reports.write_file(target, reports.render_diff_html(comparison, target))
            say(f"diff: {target}")
    except reports.ReportError as error:
        raise RunError(str(error))
    regressions = comparison.count("regression")
    if regressions:
        say(f"{regressions} regression{'s' * (regressions != 1)}")
    return comparison.exit_status
