"""Options several subcommands share, and passing them on to the wsconform binary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import reports

from ..build import build
from ..paths import BUILD_DIR
from ..reporting import load_baseline, new_run_dir


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other error of run_suite.py."""

    def error(self, message: str):  # type: ignore[override]
        print(f"run_suite: {self.prog}: {message}", file=sys.stderr)
        raise SystemExit(2)


def positive(kind):
    """An argparse type: a number of `kind` (int, float) greater than 0."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
        return value
    return parse


def add_expect_failures(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--expect-failures", dest="expect_failures", metavar="FILE",
                        help="case patterns expected to fail ('agent: pattern' for one target); "
                             "a listed case that passes fails the run")


def add_wire_log(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wire-log", dest="wire_log", choices=("full", "failed", "summary"),
                        help="what a case's wire record keeps: full (every byte), failed (the "
                             "default: FAILED and NON-STRICT cases every byte, big records of the "
                             "others their start, end and a SHA-256 of the middle) or summary")


def prepare_run(args: argparse.Namespace) -> tuple[reports.Baseline | None, Path]:
    """Before a run: the expected failures read (bad input is said before minutes of
    building), the build, and the run's folder."""
    baseline = load_baseline(args.expect_failures)
    build(BUILD_DIR)
    return baseline, new_run_dir(args.out)


def passthrough(args: argparse.Namespace, options: tuple[str, ...]) -> list[str]:
    """The runner's options among `options` that were given, as command-line arguments."""
    out = []
    for option in options:
        value = getattr(args, option)
        if value is not None:
            out += ["--" + option.replace("_", "-"), str(value)]
    return out
