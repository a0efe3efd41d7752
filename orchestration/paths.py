"""Where things are: the source tree, the build directories and the default output folder.
Outputs go to out/ at the top of the checkout, never into a source folder."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# WSCONFORM_BUILD_DIR lets the project's tests reuse the build they already made.
BUILD_DIR = Path(os.environ.get("WSCONFORM_BUILD_DIR", ROOT / "build" / "release")).resolve()
TEST_BUILD_DIR = ROOT / "build" / "test"
OUT = ROOT / "out"
RUNS = OUT / "runs"  # one folder per run, and `latest`
FUZZ = OUT / "fuzz"  # run_suite.py fuzz: corpus, crashes, logs


def runner_binary(build_dir: Path = BUILD_DIR) -> Path:
    return build_dir / "harness" / "wsconform"
