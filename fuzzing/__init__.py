"""wsconform fuzzing orchestration, called by run_suite.py (standard library only).

    fuzzing.engine   run_suite.py fuzz       the libFuzzer targets of fuzz/, all cores, corpus merge
    fuzzing.live     run_suite.py fuzz-live  the live-server fuzzer (wsconform fuzz-live)

Each module offers build_parser() -> argparse.ArgumentParser and run(args, suite) -> exit
status, where `suite` is run_suite itself (build, ensure_packages, Server, CommandServer,
stop_process_group, reports, RunError, say).
"""

from __future__ import annotations

import argparse
import sys


class OneLineParser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like the rest of run_suite.py's errors."""

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
