"""Making the report of one or more runs: read, judge against the baseline, render, write."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import autobahn
from .baseline import Baseline, Outcome, evaluate
from .html import render_html
from .junit import render_junit
from .markdown import render_markdown
from .model import ReportError, Run, Target, load_runs

OUTPUTS = ("index.html", "junit.xml", "summary.md")
AUTOBAHN_INDEX = f"{autobahn.DIRECTORY}/index.json"  # and one file per agent and case beside it


@dataclass(frozen=True)
class Report:
    out_dir: Path
    runs: list[Run]
    targets: list[Target]
    outcome: Outcome
    files: dict[str, Path]  # output name -> where it was written
    summary_md: str


def generate(sources: list[str | Path], out_dir: str | Path | None = None,
             baseline: Baseline | None = None) -> Report:
    """Writes index.html, junit.xml and summary.md of the runs in `sources` into `out_dir`
    (default: the one source), and Autobahn's layout into out_dir/autobahn/ (reports/autobahn.py).
    Raises ReportError on bad input or an unwritable out_dir."""
    if not sources:
        raise ReportError("no run directory given")
    if out_dir is None:
        if len(sources) > 1:
            raise ReportError("several runs are merged into one report: give --out DIR")
        out_dir = Path(sources[0])
        if out_dir.name == "index.json":
            out_dir = out_dir.parent
    out_dir = Path(out_dir)
    runs = load_runs(list(sources))
    targets = [t for run in runs for t in run.targets]
    outcome = evaluate(targets, baseline)
    version = next((r.tool_version for r in runs if r.tool_version), "")
    summary_md = render_markdown(targets, outcome)
    contents = {"index.html": render_html(targets, outcome, out_dir.resolve(), version),
                "junit.xml": render_junit(targets, outcome),
                "summary.md": summary_md}
    files = write_all(out_dir, contents)
    files[AUTOBAHN_INDEX] = autobahn.write(targets, out_dir)
    return Report(out_dir, runs, targets, outcome, files, summary_md)


def write_all(out_dir: Path, contents: dict[str, str]) -> dict[str, Path]:
    """Writes every file to a staging directory inside out_dir, then renames each into place:
    nothing in out_dir changes until all of them are complete."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".report-staging-", dir=out_dir))
    except OSError as error:
        raise ReportError(f"cannot write the report to {out_dir}: {error.strerror or error}")
    try:
        for name, text in contents.items():
            with open(staging / name, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        written = {}
        for name in contents:
            os.replace(staging / name, out_dir / name)
            written[name] = out_dir / name
        return written
    except OSError as error:
        raise ReportError(f"cannot write the report to {out_dir}: {error.strerror or error}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_file(path: Path, text: str) -> None:
    """One file, replaced only once its new content is complete."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, staging = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error.strerror or error}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.chmod(staging, 0o644)  # mkstemp makes it private; a report is for reading
        os.replace(staging, path)
    except OSError as error:
        raise ReportError(f"cannot write {path}: {error.strerror or error}")
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
