"""Reading runs: `index.json` (docs/report.md) into typed values, checked on the way in.

Everything the renderers know about a run comes from here. Fields the contract marks as
additions (`subgroup`, `result`, `severity`, `tags`, ...) are optional, so runs written by
older runners re-render too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = "wsconform-report/1"
VERDICTS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")
CLOSE_FAILURES = frozenset({"FAILED", "FAILED BY CLIENT", "WRONG CODE", "UNCLEAN"})
# Autobahn reports the time of these categories in the matrix (its `reportTime`); L.* are our
# floods and limits, where the time is the finding too.
TIMED_CATEGORIES = frozenset({"9", "12", "13", "L"})


class ReportError(Exception):
    """Input a report cannot be made from (exit status 2), said in one line."""


@dataclass(frozen=True)
class Case:
    """One case entry of a target in index.json."""

    id: str
    verdict: str
    group: str = ""
    subgroup: str = ""
    title: str = ""
    rfc: str = ""
    behavior: str = ""
    behavior_close: str = ""
    expectation: str = ""
    observation: str = ""
    result: str = ""
    result_close: str = ""
    remote_close_code: int | None = None
    duration_ms: int = 0
    wire_log: str = ""
    severity: str = ""
    tags: tuple[str, ...] = ()
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def category(self) -> str:
        """'6' for 6.4.3, 'H' for H.2.1: the first part of the id."""
        return self.id.split(".", 1)[0]

    @property
    def subcategory(self) -> str:
        """'6.4' for 6.4.3; empty when the case has no sub-category (2.1, M.3)."""
        parts = self.id.split(".")
        return ".".join(parts[:2]) if self.subgroup and len(parts) > 2 else ""

    @property
    def timed(self) -> bool:
        return self.category in TIMED_CATEGORIES

    @property
    def reason(self) -> str:
        """Why the verdict is what it is, in one line: the failing sides, or the result."""
        behavior = f"behavior {self.behavior}" + (f": {self.result}" if self.result else "")
        closing = f"close {self.behavior_close}" + (
            f": {self.result_close}" if self.result_close else "")
        if self.verdict == "FAILED":
            parts = ([behavior] if self.behavior == "FAILED" else []) + \
                ([closing] if self.behavior_close in CLOSE_FAILURES else [])
            return "; ".join(parts) or self.result or self.observation
        if self.behavior_close in CLOSE_FAILURES:  # FAILED BY CLIENT alone: NON-STRICT
            return f"{self.result or self.observation}; {closing}"
        return self.result or self.observation


@dataclass(frozen=True)
class Target:
    """One server tested in a run, with the run's own facts it was measured in."""

    agent: str
    url: str
    mode: str
    started_at: str
    duration_ms: int
    cases: tuple[Case, ...]
    run_dir: Path
    label: str = ""  # unique among the targets of one report (merged runs may repeat agents)
    transport: str = "http/1.1"  # how the WebSocket travelled: "http/1.1" or "h2" (RFC 8441)

    def counts(self) -> dict[str, int]:
        counts = {v: 0 for v in VERDICTS}
        for case in self.cases:
            counts[case.verdict] += 1
        return counts


@dataclass(frozen=True)
class Run:
    directory: Path
    tool_version: str
    started_at: str
    duration_ms: int
    targets: tuple[Target, ...]
    warnings: tuple[str, ...] = ()


def read_text(path: Path, where: str, missing: str,
              error: type[Exception] = ReportError) -> str:
    """The UTF-8 text of an input file. `error` with one line otherwise: "WHERE: MISSING" when
    there is no such file, "WHERE: cannot read: REASON" when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{where}: {missing}") from None
    except (OSError, UnicodeDecodeError) as reason:
        raise error(f"{where}: cannot read: {getattr(reason, 'strerror', None) or reason}") \
            from None


def parse_json(text: str, where: str, error: type[Exception] = ReportError) -> Any:
    """json.loads, with `error` saying where the JSON breaks."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as reason:
        raise error(f"{where}: invalid JSON at line {reason.lineno} column {reason.colno}: "
                    f"{reason.msg}") from None


def load_run(path: str | Path) -> Run:
    """Reads DIR/index.json (or the index.json file itself); ReportError says what is wrong."""
    path = Path(path)
    directory = path.parent if path.name == "index.json" and path.is_file() else path
    index_path = directory / "index.json"
    if not directory.is_dir():
        raise ReportError(f"{directory}: no such run directory")
    text = read_text(index_path, str(index_path),
                     f"missing (is {directory} a wsconform run directory?)")
    return parse_index(parse_json(text, str(index_path)), directory, str(index_path))


def parse_index(index: Any, directory: Path, where: str) -> Run:
    if not isinstance(index, dict) or "schema" not in index:
        raise ReportError(f"{where}: no 'schema' field: not a wsconform report")
    schema = index["schema"]
    if schema != SCHEMA:
        raise ReportError(f"{where}: unknown schema {schema!r} (this version reads {SCHEMA})")
    started_at = _field(index, "started_at", str, where, "")
    duration_ms = _field(index, "duration_ms", int, where, 0)
    tool = index.get("tool") if isinstance(index.get("tool"), dict) else {}
    targets_json = index.get("targets")
    if not isinstance(targets_json, list):
        raise ReportError(f"{where}: 'targets' must be a list")
    warnings: list[str] = []
    targets = []
    for n, target in enumerate(targets_json):
        here = f"{where}: targets[{n}]"
        if not isinstance(target, dict):
            raise ReportError(f"{here} is not an object")
        agent = _field(target, "agent", str, here)
        cases_json = target.get("cases")
        if not isinstance(cases_json, list):
            raise ReportError(f"{here} ({agent}): 'cases' must be a list")
        cases = tuple(_case(c, f"{here} ({agent}) cases[{i}]") for i, c in enumerate(cases_json))
        seen: set[str] = set()
        for case in cases:
            if case.id in seen:
                raise ReportError(f"{here} ({agent}): case {case.id} appears twice")
            seen.add(case.id)
        built = Target(agent=agent, url=_field(target, "url", str, here, ""),
                       mode=_field(target, "mode", str, here, ""), started_at=started_at,
                       duration_ms=duration_ms, cases=cases, run_dir=directory,
                       transport=_field(target, "transport", str, here, "http/1.1"))
        built = _relabel(built, _base_label(built))
        summary = target.get("summary")
        if isinstance(summary, dict):
            counts = built.counts()
            wrong = [v for v in VERDICTS if v in summary and summary[v] != counts[v]]
            if wrong or summary.get("total", len(cases)) != len(cases):
                warnings.append(f"{here} ({agent}): 'summary' disagrees with the cases; "
                                "the counts shown are those of the cases")
        targets.append(built)
    return Run(directory=directory, tool_version=str(tool.get("version", "")),
               started_at=started_at, duration_ms=duration_ms, targets=tuple(targets),
               warnings=tuple(warnings))


def _case(entry: Any, where: str) -> Case:
    if not isinstance(entry, dict):
        raise ReportError(f"{where} is not an object")
    case_id = _field(entry, "id", str, where)
    where = f"{where} {case_id}"
    verdict = _field(entry, "verdict", str, where)
    if verdict not in VERDICTS:
        raise ReportError(f"{where}: verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    code = entry.get("remote_close_code")
    if code is not None and (not isinstance(code, int) or isinstance(code, bool)):
        raise ReportError(f"{where}: remote_close_code must be an integer or null")
    tags = entry.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise ReportError(f"{where}: tags must be a list of strings")
    metrics = entry.get("metrics", {})
    text = {name: _field(entry, name, str, where, "")
            for name in ("group", "subgroup", "title", "rfc", "behavior", "behavior_close",
                         "expectation", "observation", "result", "result_close", "wire_log",
                         "severity")}
    return Case(id=case_id, verdict=verdict, remote_close_code=code,
                duration_ms=_field(entry, "duration_ms", int, where, 0), tags=tuple(tags),
                metrics=metrics if isinstance(metrics, dict) else {}, **text)


def _field(obj: dict, name: str, kind: type, where: str, default: Any = None) -> Any:
    """obj[name] checked to be of `kind`; `default` when absent (required when None)."""
    value = obj.get(name)
    if value is None:
        if default is None:
            raise ReportError(f"{where}: missing '{name}'")
        return default
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ReportError(f"{where}: '{name}' must be {'a string' if kind is str else 'a number'}")
    return value


def load_runs(paths: list[str | Path]) -> list[Run]:
    """Several runs for one report; columns get unique labels (agent, then agent (dir))."""
    runs = [load_run(p) for p in paths]
    targets = [t for run in runs for t in run.targets]
    labels = _unique_labels(targets)
    relabelled = iter(labels)
    return [Run(run.directory, run.tool_version, run.started_at, run.duration_ms,
                tuple(_relabel(t, next(relabelled)) for t in run.targets), run.warnings)
            for run in runs]


def _relabel(target: Target, label: str) -> Target:
    return Target(target.agent, target.url, target.mode, target.started_at, target.duration_ms,
                  target.cases, target.run_dir, label, target.transport)


def _base_label(target: Target) -> str:
    """The agent, and for HTTP/2 the transport: one server tested both ways gives two columns
    that say which is which."""
    return target.agent if target.transport == "http/1.1" else f"{target.agent} ({target.transport})"


def _unique_labels(targets: list[Target]) -> list[str]:
    bases = [_base_label(t) for t in targets]
    labels = [b if bases.count(b) == 1 else f"{b} ({t.run_dir.resolve().name})"
              for b, t in zip(bases, targets)]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:  # the same run given twice: number the repeats
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return unique


def case_sort_key(case_id: str, prefix_rank: dict[str, int]) -> tuple:
    """Autobahn order: numeric categories by number, then our prefixes as the runner lists them."""
    parts = case_id.split(".")
    head = parts[0]
    first = (0, int(head), "") if head.isdigit() else (1, prefix_rank.get(head, 1 << 30), head)
    rest = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts[1:])
    return (first, rest)


def case_rows(targets: list[Target] | tuple[Target, ...]) -> list[tuple[Case, list[Case | None]]]:
    """The matrix: every case id of any target in Autobahn order, with each target's entry.

    The first column is the entry that names the case (title, group) - the first target that
    has it."""
    prefix_rank: dict[str, int] = {}
    first_entry: dict[str, Case] = {}
    for target in targets:
        for case in target.cases:
            prefix_rank.setdefault(case.category, len(prefix_rank))
            first_entry.setdefault(case.id, case)
    by_target = [{c.id: c for c in t.cases} for t in targets]
    ordered = sorted(first_entry, key=lambda i: case_sort_key(i, prefix_rank))
    return [(first_entry[i], [cases.get(i) for cases in by_target]) for i in ordered]
