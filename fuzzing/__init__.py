"""wsconform's fuzzing orchestration, the `fuzz` and `fuzz-live` subcommands of run_suite.py
(standard library only). Each module offers build_parser() and run(args) -> exit status, like
the other subcommands (orchestration/commands/), and imports what it needs from orchestration.

    fuzzing.engine   run_suite.py fuzz       the libFuzzer targets of fuzz/, all cores, corpus merge
    fuzzing.live     run_suite.py fuzz-live  the live-server fuzzer (wsconform fuzz-live)
"""
