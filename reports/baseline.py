"""Expected failures (`--expect-failures FILE`) and the exit status of a run they give.

The file lists, one per line, case patterns expected to be FAILED; `agent: pattern` limits a
line to one target, `total N` (or `agent: total N`) records the number of cases the run had.
`#` starts a comment. Every case a line names must fail: one that no longer does is a stale
entry and fails the run, so the list cannot outlive the bugs it records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .model import Case, ReportError, Target, read_text
from .patterns import CasePattern, PatternError

_TOTAL = re.compile(r"total\s+(\d+)")


@dataclass(frozen=True)
class Entry:
    line: int
    agent: str | None  # None: every target
    pattern: CasePattern | None = None
    total: int | None = None

    def applies_to(self, target: Target) -> bool:
        return self.agent is None or self.agent == target.agent


@dataclass(frozen=True)
class Baseline:
    path: Path
    entries: tuple[Entry, ...]

    def where(self, entry: Entry) -> str:
        return f"{self.path}:{entry.line}"

    def entry_for(self, target: Target, case: Case) -> Entry | None:
        for entry in self.entries:
            if entry.pattern and entry.applies_to(target) and entry.pattern.matches(case):
                return entry
        return None

    def total_for(self, target: Target) -> Entry | None:
        # A line naming the agent wins over one for every target.
        scoped = [e for e in self.entries if e.total is not None and e.applies_to(target)]
        scoped.sort(key=lambda e: e.agent is None)
        return scoped[0] if scoped else None


def load_baseline(path: str | Path) -> Baseline:
    path = Path(path)
    text = read_text(path, str(path), "expected-failures file not found")
    entries = []
    totals: set[str | None] = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        agent: str | None = None
        if ":" in line:
            agent, _, line = (part.strip() for part in line.rpartition(":"))
            if not agent:
                raise ReportError(f"{path}:{number}: empty agent name before ':'")
        if not line:
            raise ReportError(f"{path}:{number}: no case pattern after '{agent}:'")
        if total := _TOTAL.fullmatch(line):
            if agent in totals:
                raise ReportError(f"{path}:{number}: a second 'total' line"
                                  + (f" for {agent}" if agent else ""))
            totals.add(agent)
            entries.append(Entry(number, agent, total=int(total.group(1))))
            continue
        if len(line.split()) > 1:
            raise ReportError(f"{path}:{number}: one case pattern per line, got '{line}'")
        try:
            entries.append(Entry(number, agent, pattern=CasePattern.parse(line)))
        except PatternError as error:
            raise ReportError(f"{path}:{number}: {error}")
    return Baseline(path, tuple(entries))


@dataclass(frozen=True)
class TargetOutcome:
    """What the cases of one target mean for the run, given the baseline."""

    target: Target
    unexpected: tuple[Case, ...]  # FAILED and not listed: these fail the run
    expected: dict[str, Entry] = field(default_factory=dict)  # FAILED and listed: case id ->
    stale: tuple[tuple[Case, Entry], ...] = ()  # listed but not FAILED: these fail the run
    recorded_total: Entry | None = None  # the baseline's `total` line for this target

    @property
    def count_changed(self) -> bool:
        return (self.recorded_total is not None
                and self.recorded_total.total != len(self.target.cases))

    @property
    def passed(self) -> bool:
        return not self.unexpected and not self.stale


@dataclass(frozen=True)
class Outcome:
    targets: tuple[TargetOutcome, ...]
    baseline: Baseline | None = None
    unused: tuple[Entry, ...] = ()  # pattern lines that named no case of any target

    @property
    def exit_status(self) -> int:
        """0: nothing failed that was not expected, and no stale entry; 1 otherwise."""
        return 0 if all(t.passed for t in self.targets) else 1

    def messages(self) -> list[str]:
        """One line per finding, for the terminal and the job summary."""
        lines = []
        for outcome in self.targets:
            lines.extend(stale_message(self.baseline, outcome.target, case, entry)
                         for case, entry in outcome.stale)
            if outcome.unexpected and self.baseline:
                lines.append(f"{outcome.target.label}: FAILED and not expected: "
                             + ", ".join(c.id for c in outcome.unexpected))
            if outcome.count_changed and self.baseline and outcome.recorded_total:
                lines.append(count_message(self.baseline, outcome))
        if self.baseline:
            lines.extend(f"note: {self.baseline.where(e)}: '{e.pattern.text}' names no case of "
                         f"{'this run' if e.agent is None else e.agent}"
                         for e in self.unused if e.pattern)
        return lines


def stale_message(baseline: Baseline | None, target: Target, case: Case, entry: Entry) -> str:
    where = baseline.where(entry) if baseline else f"line {entry.line}"
    assert entry.pattern is not None
    if entry.pattern.text == case.id:
        return (f"stale baseline: remove {case.id} ({where}): it is {case.verdict} on "
                f"{target.label} now")
    return (f"stale baseline: {case.id} is {case.verdict} on {target.label} now, but "
            f"'{entry.pattern.text}' ({where}) expects it to fail: narrow the pattern")


def count_message(baseline: Baseline, outcome: TargetOutcome) -> str:
    entry = outcome.recorded_total
    assert entry is not None and entry.total is not None
    actual = len(outcome.target.cases)
    return (f"{outcome.target.label}: {actual} cases, {actual - entry.total:+d} since the "
            f"baseline's 'total {entry.total}' ({baseline.where(entry)})")


def evaluate(targets: list[Target] | tuple[Target, ...],
             baseline: Baseline | None = None) -> Outcome:
    outcomes = []
    used: set[int] = set()
    for target in targets:
        unexpected, stale = [], []
        expected: dict[str, Entry] = {}
        for case in target.cases:
            entry = baseline.entry_for(target, case) if baseline else None
            if entry is not None:
                used.add(entry.line)
                if case.verdict == "FAILED":
                    expected[case.id] = entry
                else:
                    stale.append((case, entry))
            elif case.verdict == "FAILED":
                unexpected.append(case)
        outcomes.append(TargetOutcome(target, tuple(unexpected), expected, tuple(stale),
                                      baseline.total_for(target) if baseline else None))
    unused = tuple(e for e in baseline.entries if e.pattern and e.line not in used) \
        if baseline else ()
    return Outcome(tuple(outcomes), baseline, unused)


def write_baseline(targets: list[Target] | tuple[Target, ...]) -> str:
    """A baseline that expects exactly the failures (and case counts) of these targets."""
    lines = ["# wsconform expected failures: one case pattern per line, 'agent: pattern' for "
             "one target", "# A listed case that stops failing fails the run: remove it then.",
             ""]
    for target in targets:
        lines.append(f"{target.agent}: total {len(target.cases)}")
        lines.extend(f"{target.agent}: {c.id}" for c in target.cases if c.verdict == "FAILED")
    return "\n".join(lines) + "\n"
