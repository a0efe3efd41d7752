"""The subcommands of run_suite.py: each module offers build_parser() -> an argparse parser and
run(args) -> exit status (0 nothing FAILED, 1 a case FAILED or a regression, 2 the run could
not be done). `run` is the default, used when no subcommand is named."""
