"""The glue between a run and reports/: baselines (--expect-failures), merging the runs of a
spec into one index.json, writing a report and saying what it means (the exit status)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import reports

from .console import RunError, say
from .paths import RUNS

def merge_runs(run_dirs: list[Path], out: Path, started_at: str, duration_ms: int) -> dict:
    """One index.json (docs/report.md) with the targets of every run; wire_log paths become
    relative to OUT."""
    merged: dict = {"schema": reports.SCHEMA, "tool": {}, "started_at": started_at,
                    "duration_ms": duration_ms, "targets": []}
    for run_dir in run_dirs:
        index_path = run_dir / "index.json"
        where = str(index_path)
        index = reports.parse_json(reports.read_text(index_path, where, "the run wrote no result",
                                                     RunError), where, RunError)
        merged["tool"] = merged["tool"] or index.get("tool", {})
        prefix = run_dir.relative_to(out).as_posix()
        for target in index.get("targets", []):
            for case in target.get("cases", []):
                if case.get("wire_log"):
                    case["wire_log"] = f"{prefix}/{case['wire_log']}"
            merged["targets"].append(target)
    return merged


def load_baseline(path: str | None) -> reports.Baseline | None:
    if path is None:
        return None
    try:
        return reports.load_baseline(path)
    except reports.ReportError as error:
        raise RunError(str(error))


def write_report(sources: list[Path], out: Path | None, baseline: reports.Baseline | None,
                 save_baseline: str | None = None) -> int:
    """Renders the report of finished runs and says what it means; returns the exit status
    the runs give (0 or 1), --expect-failures applied."""
    report = reports.generate(sources, out, baseline)
    for run in report.runs:
        for warning in run.warnings:
            say(f"warning: {warning}")
    for line in report.outcome.messages():
        say(line)
    if baseline is not None:
        expected = sum(len(t.expected) for t in report.outcome.targets)
        say(f"{baseline.path}: {expected} FAILED case{'s' * (expected != 1)} expected")
    say(f"report: {report.files['index.html']} (also junit.xml, summary.md, "
        f"{reports.AUTOBAHN_INDEX})")
    if save_baseline:
        reports.write_file(Path(save_baseline), reports.write_baseline(report.targets))
        say(f"expected failures of this run written to {save_baseline}")
    try:
        if summary := reports.append_job_summary(report.summary_md):
            say(f"summary appended to {summary}")
    except OSError as error:  # the report itself is written; a job summary is a courtesy
        say(f"warning: cannot append to $GITHUB_STEP_SUMMARY: {error}")
    return report.outcome.exit_status




def finish_run(out: Path, default_out: bool, baseline: reports.Baseline | None) -> int:
    """After a run that wrote its index.json: out/runs/latest (for a run in the default place),
    and the report."""
    if default_out:
        latest = RUNS / "latest"
        try:
            if latest.is_symlink() or latest.exists():
                latest.unlink()
            latest.symlink_to(out.name)
        except OSError:
            pass
    try:
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        # The runner's index.json and wire records are complete and stay where they are.
        raise RunError(f"report: {error} (the results are in {out / 'index.json'})")


def new_run_dir(out: str | None) -> Path:
    """--out, or a new out/runs/<time>/."""
    return Path(out) if out else RUNS / _dt.datetime.now(_dt.timezone.utc).strftime(
        "%Y%m%dT%H%M%SZ")
