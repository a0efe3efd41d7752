"""The command line of run_suite.py: which subcommand, its options, and --help that lists every
subcommand with one line each."""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

from .console import RunError, say

# name -> the module with build_parser(), run(args) and SUMMARY; `run` is the default.
SUBCOMMANDS = {
    "clients": "orchestration.commands.clients",
    "report": "orchestration.commands.report",
    "diff": "orchestration.commands.diff",
    "test": "orchestration.commands.test",
    "fuzz": "fuzzing.engine",
    "fuzz-live": "fuzzing.live",
}
DEFAULT = "orchestration.commands.run"


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


def subcommand_list() -> str:
    """The epilog of the main --help: every subcommand, one line each."""
    lines = ["subcommands (run_suite.py SUBCOMMAND --help for its options):"]
    for name, module in SUBCOMMANDS.items():
        lines.append(f"  {name:<10} {_module(module).SUMMARY}")
    lines.append("\nExit status: 0 nothing FAILED (or only what --expect-failures expects), 1 a "
                 "case FAILED,\na stale expected failure or (diff) a regression, 2 the run could "
                 "not be done.")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> tuple[ModuleType, argparse.Namespace]:
    if argv and argv[0] in SUBCOMMANDS:
        module = _module(SUBCOMMANDS[argv[0]])
        args = module.build_parser().parse_args(argv[1:])
        args.command = argv[0]
        return module, args
    module = _module(DEFAULT)
    args = module.build_parser(epilog=subcommand_list()).parse_args(argv)
    args.command = "run"
    return module, args


def main(argv: list[str]) -> int:
    try:
        module, args = parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    try:
        return module.run(args)
    except RunError as error:
        say(str(error))
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
