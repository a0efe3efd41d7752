"""One timed `wsconform` run for the benchmarks: wall time, the child's own CPU time and peak
RSS (from wait4, so nothing else on the machine counts), its exit status and its index.json;
and the binary to run, from run_suite.py's build. Standard library only."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def wsconform_binary(build: bool = True) -> Path:
    """run_suite.py's wsconform (WSCONFORM_BUILD_DIR), built first unless `build` is false."""
    from orchestration import build, paths

    if build:
        build.build(paths.BUILD_DIR)
    return paths.BUILD_DIR / "harness" / "wsconform"


@dataclass
class TimedRun:
    wall_s: float
    cpu_s: float  # user + system of the wsconform process
    max_rss_kib: int
    status: int
    index: dict

    @property
    def target(self) -> dict:
        return self.index["targets"][0]


def timed_run(runner: Path, url: str | list[str], cases: str, jobs: int | None = None,
              extra: tuple[str, ...] = ()) -> TimedRun:
    """`url` is a server's URL (--target), or the options that say what to test instead (a
    client: ["--client-command", "CMD {url}"])."""
    target = ["--target", url] if isinstance(url, str) else url
    with tempfile.TemporaryDirectory() as out:
        command = [str(runner), *target, "--out", out, "--cases", cases, "--quiet", *extra]
        if jobs is not None:
            command += ["--jobs", str(jobs)]
        started = time.perf_counter()
        child = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        index = json.loads(Path(out, "index.json").read_text())
    return TimedRun(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss,
                    os.waitstatus_to_exitcode(status), index)


def write_figures(path: str | None, figures: dict) -> None:
    """A bench's figures as JSON, when --json asked for a file."""
    if path:
        Path(path).write_text(json.dumps(figures, indent=2) + "\n")
