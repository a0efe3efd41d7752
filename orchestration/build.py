"""Configuring and building the project with CMake (Ninja when there is one), with progress:
a first configure says so, a build shows its running count of compiled units, and a build
with nothing to do prints nothing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import deque
from pathlib import Path

from .console import Progress, RunError, say
from .packages import BUILD_PACKAGES, ensure_packages
from .paths import BUILD_DIR, ROOT

# Ninja's "[12/181] Building CXX object ..." and Make's "[ 45%] Building ...".
_NINJA_STEP = re.compile(r"^\[(\d+)/(\d+)\] (.*)$")
_MAKE_STEP = re.compile(r"^\[\s*(\d+)%\] (.*)$")


def configured(build_dir: Path) -> bool:
    # A configure that was cut short leaves a CMakeCache.txt but no build file: building that
    # would fail forever, so it is configured again.
    return any((build_dir / name).exists() for name in ("build.ninja", "Makefile"))


def build(build_dir: Path = BUILD_DIR, build_type: str = "Release", extra: list[str] | None = None,
          targets: list[str] | None = None) -> None:
    if not configured(build_dir):
        # The first line of a first run says what is coming and how long it takes.
        cores = os.cpu_count() or 1
        say(f"first build in {build_dir}: installing what is missing, configuring and compiling "
            f"(about {max(2, round(14 / cores))} minutes on {cores} core{'s' * (cores != 1)}); "
            "later runs reuse it and start in seconds")
    ensure_packages(BUILD_PACKAGES)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    if not configured(build_dir):
        say(f"configuring the build in {build_dir} (cmake)")
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                     f"-DCMAKE_BUILD_TYPE={build_type}", *(extra or [])]
        run_quiet(configure, "configure (cmake)")
    command = ["cmake", "--build", str(build_dir), "--parallel"]
    for target in targets or []:
        command += ["--target", target]
    run_with_progress(command, f"building {build_dir.name}", "build")


def run_with_progress(command: list[str], what: str, step: str) -> None:
    """Runs a build, showing its count of finished steps; its output is shown only when it
    fails."""
    tail: deque[str] = deque(maxlen=80)
    progress = Progress(what)
    worked = False
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, errors="replace")
    except OSError as error:
        raise RunError(f"{step}: cannot run {command[0]!r}: {error.strerror or error}")
    for line in process.stdout:
        line = line.rstrip("\n")
        tail.append(line)
        if match := _NINJA_STEP.match(line):
            done, total, detail = int(match[1]), int(match[2]), match[3]
        elif match := _MAKE_STEP.match(line):
            done, total, detail = int(match[1]), 100, match[2]
        else:
            continue
        if detail.startswith("Re-checking") or detail.startswith("Re-running"):
            continue
        worked = True
        progress.update(done, total, _short(detail))
    status = process.wait()
    progress.finish(f"{what}: done" if worked else None)
    if status != 0:
        sys.stderr.write("\n".join(tail)[-6000:] + "\n")
        raise RunError(f"{step} failed (exit {status}): " + " ".join(command))


def _short(detail: str) -> str:
    """'Building CXX object harness/CMakeFiles/x.dir/runner/judge.cpp.o' -> 'runner/judge.cpp'."""
    if match := re.search(r"([\w./-]+\.(?:cpp|c|cc))\.o$", detail):
        return match[1].rsplit(".dir/", 1)[-1]
    if detail.startswith("Linking"):
        return "linking " + detail.rsplit("/", 1)[-1].rsplit(" ", 1)[-1]
    return ""


def run_quiet(command: list[str], what: str) -> None:
    """Runs a short step; its output is shown only when it fails."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:])
        raise RunError(f"{what} failed (exit {result.returncode}): " + " ".join(command))
