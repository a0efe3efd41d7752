"""summary.md: a short Markdown table per target, for CI job summaries."""

from __future__ import annotations

import os
import re

from .baseline import Outcome, count_message, stale_message
from .html import format_duration, format_time
from .model import VERDICTS, Target

FAILED_LISTED = 15  # FAILED cases named per target; the rest are in index.html
_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def md(text: str) -> str:
    """Text safe in a Markdown table cell: one line, no markup, no HTML."""
    text = " ".join(str(text).split())
    return _SPECIAL.sub(r"\\\1", text).replace("<", "&lt;").replace(">", "&gt;")


def render_markdown(targets: list[Target], outcome: Outcome) -> str:
    out = []
    for target, result in zip(targets, outcome.targets):
        counts = target.counts()
        status = "passed" if result.passed else "failed"
        out.append(f"### wsconform: {md(target.label)} {status}\n")
        facts = [f"`{target.url.replace('`', '')}`" if target.url else "",
                 md(format_time(target.started_at)), format_duration(target.duration_ms)]
        out.append(" · ".join(f for f in facts if f) + "\n")
        out.append("| " + " | ".join([*VERDICTS, "total"]) + " |")
        out.append("|" + "---:|" * (len(VERDICTS) + 1))
        out.append("| " + " | ".join([*(str(counts[v]) for v in VERDICTS),
                                      str(len(target.cases))]) + " |\n")
        failed = [c for c in target.cases if c.verdict == "FAILED"]
        if failed:
            out.append("| FAILED case | title | why |")
            out.append("|---|---|---|")
            for case in failed[:FAILED_LISTED]:
                expected = " (expected)" if case.id in result.expected else ""
                out.append(f"| {md(case.id)}{expected} | {md(case.title)} | {md(case.reason)} |")
            if len(failed) > FAILED_LISTED:
                out.append(f"\n{len(failed) - FAILED_LISTED} more FAILED cases: see index.html.")
            out.append("")
        if outcome.baseline is not None:
            out.append(f"Baseline `{md(outcome.baseline.path.name)}`: {len(result.expected)} "
                       f"expected failure{'s' * (len(result.expected) != 1)}, "
                       f"{len(result.unexpected)} not expected.\n")
            notes = [stale_message(outcome.baseline, target, c, e) for c, e in result.stale]
            if result.count_changed:
                notes.append(count_message(outcome.baseline, result))
            out += [f"- {md(n)}" for n in notes]
            if notes:
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def append_job_summary(markdown: str) -> str | None:
    """Appends to $GITHUB_STEP_SUMMARY when set; returns the file written, or None."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if not path:
        return None
    with open(path, "a", encoding="utf-8") as f:
        f.write(markdown if markdown.endswith("\n") else markdown + "\n")
    return path
