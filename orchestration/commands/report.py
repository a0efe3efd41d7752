"""run_suite.py report DIR...: render (or merge) the report of finished runs again."""

from __future__ import annotations

import argparse
from pathlib import Path

import reports

from ..console import RunError
from ..reporting import load_baseline, write_report
from .options import add_expect_failures

SUMMARY = "render index.html, junit.xml, summary.md of finished runs again (or merge several)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_suite.py report",
        description="Render index.html, junit.xml and summary.md of finished runs from their "
                    "index.json and wire records; several runs are merged into one matrix. "
                    "Exit status as a run's: 1 when a case FAILED (and was not expected).")
    parser.add_argument("dirs", nargs="+", metavar="DIR", help="run directory")
    parser.add_argument("--out", help="where to write (default: DIR; required with several)")
    add_expect_failures(parser)
    parser.add_argument("--save-expect-failures", dest="save_expect_failures", metavar="FILE",
                        help="write the runs' FAILED cases and case counts as a baseline")
    return parser


def run(args: argparse.Namespace) -> int:
    baseline = load_baseline(args.expect_failures)
    try:
        return write_report([Path(d) for d in args.dirs], Path(args.out) if args.out else None,
                            baseline, args.save_expect_failures)
    except reports.ReportError as error:
        raise RunError(str(error))
