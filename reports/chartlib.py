"""The charting library the report pages inline: uPlot, pinned in assets/package.json and
assets/package-lock.json, installed into assets/node_modules by `npm ci` when it is not there.

A page is one offline file, so the library's minified IIFE build and its stylesheet go into
it whole (about 50 KB). Charts are an extra: when npm is missing or fails, `load()` says why
in one line on stderr and returns None, and the page is written without them.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

ASSETS = Path(__file__).resolve().parent / "assets"
PACKAGE = "uplot"
NPM_TIMEOUT = 600.0  # s; a cold npm cache on a slow network


@dataclass(frozen=True)
class ChartLibrary:
    version: str
    script: str  # uPlot's IIFE build: defines the global `uPlot`
    style: str


_loaded: dict[Path, ChartLibrary | None] = {}


def pinned_version(assets: Path = ASSETS) -> str:
    """The uPlot version package-lock.json pins."""
    lock = json.loads((assets / "package-lock.json").read_text(encoding="utf-8"))
    return str(lock["packages"][f"node_modules/{PACKAGE}"]["version"])


def installed_version(assets: Path = ASSETS) -> str | None:
    try:
        meta = json.loads((assets / "node_modules" / PACKAGE / "package.json")
                          .read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(meta.get("version")) if isinstance(meta, dict) else None


def load(assets: Path | None = None, log: TextIO | None = None) -> ChartLibrary | None:
    """The pinned uPlot (from `assets`, default ASSETS), installed first if need be; None
    (said on `log`, default stderr) when it cannot be had. Once per process and assets
    directory: a report that writes several pages says it once."""
    assets = assets or ASSETS
    if assets not in _loaded:
        _loaded[assets] = _load(assets, log or sys.stderr)
    return _loaded[assets]


def _load(assets: Path, log: TextIO) -> ChartLibrary | None:
    try:
        version = pinned_version(assets)
    except (OSError, ValueError, KeyError) as error:
        return _without(log, f"cannot read {assets / 'package-lock.json'}: {error}")
    try:
        # Another report being written at the same time may be running `npm ci`, which
        # empties node_modules first: install and read under one lock.
        with open(assets / "package-lock.json", "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if installed_version(assets) != version:
                problem = _install(assets, version, log)
                if problem:
                    return _without(log, problem)
            dist = assets / "node_modules" / PACKAGE / "dist"
            return ChartLibrary(version, (dist / "uPlot.iife.min.js").read_text(encoding="utf-8"),
                                (dist / "uPlot.min.css").read_text(encoding="utf-8"))
    except OSError as error:
        return _without(log, f"cannot read uPlot {version}: {error.strerror or error}")


def _install(assets: Path, version: str, log: TextIO) -> str:
    """Runs `npm ci` in `assets`; what went wrong, or "" when uPlot is now there."""
    npm = shutil.which("npm")
    if npm is None:
        return f"npm not found, so uPlot {version} cannot be installed into {assets}"
    print(f"installing uPlot {version} for the report's charts (npm ci in {assets})",
          file=log, flush=True)
    try:
        # --ignore-scripts: the library needs no install step, and runs none of its own.
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                              cwd=assets, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, timeout=NPM_TIMEOUT)
    except subprocess.TimeoutExpired:
        return f"npm ci did not finish within {NPM_TIMEOUT:.0f} s"
    except OSError as error:
        return f"npm could not be run: {error.strerror or error}"
    if done.returncode != 0:
        reason = npm_error(done.stderr + "\n" + done.stdout)
        return f"npm ci failed (exit {done.returncode})" + (f": {reason}" if reason else "")
    if installed_version(assets) != version:
        return f"npm ci did not install uPlot {version}"
    return ""


def npm_error(output: str) -> str:
    """The line of npm's output that says what went wrong: its first error line that is not
    the error code or the pointer to its debug log."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("npm ERR!", "npm error"))]
    telling = [line for line in errors
               if not any(word in line for word in (" code ", "A complete log", " errno "))]
    return (telling or errors or lines or [""])[0]


def _without(log: TextIO, why: str) -> None:
    print(f"report written without charts: {why}", file=log, flush=True)
    return None
