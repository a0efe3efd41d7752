"""What changed between two runs: every case whose verdict differs, as regressions, fixes and
other changes. A regression is a case that now fails or got less strict (OK -> NON-STRICT); a
fix the reverse. Cases that appear or disappear, and moves among INFORMATIONAL and
UNIMPLEMENTED, are other changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import quote

from .html import format_time, page, verdict_class
from .model import Case, Run, Target, case_rows

KINDS = ("regression", "fix", "other")
HEADINGS = {"regression": "Regressions", "fix": "Fixes", "other": "Other changes"}
_QUALITY = {"FAILED": 0, "NON-STRICT": 1, "OK": 2}


def classify(old: str | None, new: str | None) -> str:
    if old is None or new is None:
        return "other"
    if new == "FAILED":
        return "regression"
    if old == "FAILED":
        return "fix"
    if old in _QUALITY and new in _QUALITY:
        return "regression" if _QUALITY[new] < _QUALITY[old] else "fix"
    return "other"


@dataclass(frozen=True)
class Change:
    case: Case  # the new entry, or the old one for a case the new run does not have
    old: str | None  # verdict; None: not in that run
    new: str | None
    kind: str


@dataclass(frozen=True)
class TargetDiff:
    old: Target | None
    new: Target | None
    changes: list[Change] = field(default_factory=list)

    @property
    def label(self) -> str:
        if self.old and self.new:
            same = self.old.agent == self.new.agent
            return self.new.agent if same else f"{self.old.agent} -> {self.new.agent}"
        return (self.new or self.old).agent  # type: ignore[union-attr]

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


@dataclass(frozen=True)
class Comparison:
    old: Run
    new: Run
    targets: list[TargetDiff]

    def count(self, kind: str) -> int:
        return sum(len(t.of_kind(kind)) for t in self.targets)

    @property
    def exit_status(self) -> int:
        return 1 if self.count("regression") else 0


def compare(old: Run, new: Run) -> Comparison:
    """Pairs targets by agent name (a lone target on each side is paired whatever its name)."""
    if len(old.targets) == 1 and len(new.targets) == 1:
        pairs: list[tuple[Target | None, Target | None]] = [(old.targets[0], new.targets[0])]
    else:
        new_by_agent = {t.agent: t for t in new.targets}
        old_agents = {t.agent for t in old.targets}
        pairs = [(t, new_by_agent.get(t.agent)) for t in old.targets]
        pairs += [(None, t) for t in new.targets if t.agent not in old_agents]
    return Comparison(old, new, [_diff(o, n) for o, n in pairs])


def _diff(old: Target | None, new: Target | None) -> TargetDiff:
    if old is None or new is None:
        return TargetDiff(old, new)
    changes = []
    for _, (before, after) in case_rows([old, new]):
        old_verdict = before.verdict if before else None
        new_verdict = after.verdict if after else None
        if old_verdict != new_verdict:
            changes.append(Change(after or before, old_verdict, new_verdict,  # type: ignore
                                  classify(old_verdict, new_verdict)))
    return TargetDiff(old, new, changes)


def _verdict(verdict: str | None) -> str:
    return verdict or "(not run)"


def render_diff_text(comparison: Comparison) -> str:
    lines = [f"old: {comparison.old.directory}", f"new: {comparison.new.directory}"]
    for target in comparison.targets:
        if target.old is None or target.new is None:
            side = "new" if target.new else "old"
            lines.append(f"{target.label}: only in the {side} run")
            continue
        totals = f"{len(target.old.cases)} -> {len(target.new.cases)} cases" \
            if len(target.old.cases) != len(target.new.cases) else f"{len(target.new.cases)} cases"
        counts = ", ".join(f"{len(target.of_kind(k))} {name.lower()}"
                           for k, name in HEADINGS.items())
        lines.append(f"{target.label}: {totals}; {counts}")
        width = max((len(c.case.id) for c in target.changes), default=0)
        for kind in KINDS:
            changes = target.of_kind(kind)
            if not changes:
                continue
            lines.append(f"  {HEADINGS[kind].lower()}:")
            for change in changes:
                why = f"  ({change.case.reason})" if change.new == "FAILED" else ""
                lines.append(f"    {change.case.id:<{width}}  {_verdict(change.old)} -> "
                             f"{_verdict(change.new)}  {change.case.title}{why}")
    return "\n".join(lines) + "\n"


def render_diff_html(comparison: Comparison, out_file: Path) -> str:
    report = comparison.new.directory / "index.html"
    link_base = quote(Path(os.path.relpath(report, out_file.resolve().parent)).as_posix()) \
        if report.exists() else ""
    body = ["<header class=\"page\"><h1>wsconform: what changed</h1>\n",
            f"<p>old: {escape(str(comparison.old.directory))} "
            f"({escape(format_time(comparison.old.started_at))})<br>\n"
            f"new: {escape(str(comparison.new.directory))} "
            f"({escape(format_time(comparison.new.started_at))})</p></header>\n"]
    for target in comparison.targets:
        body.append(f"<section class=\"diff\"><h2>{escape(target.label)}</h2>\n")
        if target.old is None or target.new is None:
            body.append(f"<p>only in the {'new' if target.new else 'old'} run</p></section>\n")
            continue
        counts = ", ".join(f"{len(target.of_kind(k))} {HEADINGS[k].lower()}" for k in KINDS)
        body.append(f"<p>{len(target.old.cases)} \u2192 {len(target.new.cases)} cases: "
                    f"{counts}</p>\n")
        column = comparison.new.targets.index(target.new)
        for kind in KINDS:
            changes = target.of_kind(kind)
            if not changes:
                continue
            body.append(f"<h3>{HEADINGS[kind]} ({len(changes)})</h3>\n<table class=\"diff "
                        f"{kind}\"><thead><tr><th>Case</th><th>Title</th><th>Old</th><th>New"
                        "</th><th>Why (new run)</th></tr></thead><tbody>\n")
            for change in changes:
                case_id = escape(change.case.id)
                if link_base and change.new is not None:
                    case_id = (f"<a href=\"{link_base}#case={column}/{quote(change.case.id)}\">"
                               f"{case_id}</a>")
                body.append(
                    f"<tr><td>{case_id}</td><td>{escape(change.case.title)}</td>"
                    f"{_verdict_cell(change.old)}{_verdict_cell(change.new)}"
                    f"<td>{escape(change.case.reason if change.new else '')}</td></tr>\n")
            body.append("</tbody></table>\n")
        if not target.changes:
            body.append("<p>No verdict changed.</p>\n")
        body.append("</section>\n")
    return page("wsconform: what changed", "".join(body))


def _verdict_cell(verdict: str | None) -> str:
    if verdict is None:
        return "<td class=\"v v-missing\">(not run)</td>"
    return f"<td class=\"v {verdict_class(verdict)}\">{verdict}</td>"
