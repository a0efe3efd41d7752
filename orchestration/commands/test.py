"""run_suite.py test: the project's own tests, C++ unit tests (ctest) and end-to-end tests
(pytest), after installing what they need and building."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from ..build import build
from ..console import say
from ..packages import BUILD_PACKAGES, TEST_PACKAGES, ensure_packages
from ..paths import ROOT, TEST_BUILD_DIR

SUMMARY = "build and run the project's own tests (ctest, pytest)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run_suite.py test",
                                     description="Build and run the project's own tests.")
    parser.add_argument("--werror", action="store_true", help="warnings are errors (on in CI)")
    parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
    return parser


def run(args: argparse.Namespace) -> int:
    """The project's own tests: C++ unit tests (ctest) and end-to-end tests (pytest)."""
    ensure_packages({**BUILD_PACKAGES, **TEST_PACKAGES})
    test_build = TEST_BUILD_DIR
    werror = "ON" if os.environ.get("CI") or args.werror else "OFF"
    build(test_build, "Release", [f"-DWSCONFORM_WERROR={werror}"])
    say("ctest")
    ctest = subprocess.call(["ctest", "--test-dir", str(test_build), "--output-on-failure",
                             "--parallel", str(os.cpu_count() or 2)])
    # Debian's pytest is seen by the system interpreter, not by a python3 earlier on PATH.
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    say("pytest")
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(test_build))
    pytest = subprocess.call([python, "-m", "pytest", "-q", str(ROOT / "tests" / "e2e"),
                              *args.pytest_args], env=env, cwd=ROOT)
    if ctest != 0 or pytest not in (0,):
        say(f"tests failed (ctest exit {ctest}, pytest exit {pytest})")
        return 1
    return 0
