"""wsconform fuzzing orchestration, called by run_suite.py (standard library only).

    fuzzing.engine   run_suite.py fuzz       the libFuzzer targets of fuzz/, all cores, corpus merge
    fuzzing.live     run_suite.py fuzz-live  the live-server fuzzer (wsconform fuzz-live)

Each module offers build_parser() -> argparse.ArgumentParser and run(args, suite) -> exit
status, where `suite` is run_suite itself (build, ensure_packages, Server, RunError, say).
"""
