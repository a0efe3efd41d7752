"""The figures of a run as chart series: pure data, drawn by the page's script (html.py,
assets/report.js) with uPlot.

What a case measured is in its `metrics` and `duration_ms` (docs/report.md); what it varied
(message size, fragment size, chop size, data set, deflate offer) is only in its title and
sub-group, so those are read here. Every chart has categorical x values (the sizes or
parameters a group of cases steps through, in order) and one series per target and variant,
with None where a target has no figure for that x. A chart is made only when some case of
the run gives it a point: a run without 9.x has no 9.x chart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from .model import Case, Target

# A size as the case titles say it: "64 KiB", "65536 bytes", "64 octets".
_SIZE = re.compile(r"(\d+) ?(bytes?|octets?|B|KiB|MiB|GiB)\b")
_UNITS = {"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
_L9_PROBE = re.compile(r"^\s*(\d+) bytes: (.+)$")
NOTES_READ = frozenset({"L.9"})  # cases whose wire-record notes a chart reads (build_charts)


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]  # one per x of the chart
    cases: list[str | None]  # the case id behind each value: shown on hover, a click opens it
    colour: str  # series with the same key share a colour (a target, a data set)
    target: int | None = None  # the target's column in the report, for the cases' links
    dash: int = 0  # 0 solid, 1 dashed, 2 dotted, 3 dash-dot: the second distinction
    marker: str = ""  # "": a line; "filled" or "hollow": points alone (L.9's probes)
    axis: int = 0  # 0: the left y axis; 1: the right one (a chart with y2_label)

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "values": self.values, "cases": self.cases,
                "colour": self.colour, "target": self.target, "dash": self.dash,
                "marker": self.marker, "axis": self.axis}


@dataclass(frozen=True)
class Chart:
    """One chart. The x axis is categorical (`x_ticks`, the sizes or parameters a group of
    cases steps through) unless `x_values` gives numbers (the fuzz page's seconds)."""

    id: str
    title: str
    note: str  # one or two sentences: what is measured, and how
    x_label: str
    y_label: str
    y_unit: str  # "MB/s", "ms", "bytes" or "": how the page formats a value
    x_ticks: list[str]
    series: list[Series]
    y_log: bool = False
    findings: list[str] = field(default_factory=list)  # lines under the chart (L.9's result)
    x_values: list[float] | None = None
    x_unit: str = ""
    y2_label: str = ""
    y2_unit: str = ""
    span_gaps: bool = False  # join a line over x values its series has no value at

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "note": self.note, "x_label": self.x_label,
                "y_label": self.y_label, "y_unit": self.y_unit, "x_ticks": self.x_ticks,
                "y_log": self.y_log, "findings": self.findings, "x_values": self.x_values,
                "x_unit": self.x_unit, "y2_label": self.y2_label, "y2_unit": self.y2_unit,
                "span_gaps": self.span_gaps, "series": [s.as_json() for s in self.series]}


# --- reading parameters ------------------------------------------------------------------------

def parse_size(text: str) -> int | None:
    """The first size in `text`, in bytes ("4 MiB" -> 4194304), or None."""
    found = _SIZE.search(text)
    if not found:
        return None
    return int(found.group(1)) * _UNITS.get(found.group(2), 1)


def size_after(text: str, words: str) -> int | None:
    """The size that follows `words` in `text` ("in fragments of" -> 64 of "... in fragments of
    64 bytes"), or None."""
    at = text.find(words)
    return None if at < 0 else parse_size(text[at + len(words):])


def human_size(n: int) -> str:
    """64 B, 1 KiB, 4 MiB, 1.5 KiB: sizes of the 9.x cases are mostly powers of two."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            value = n / scale
            return f"{value:g} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def sub_id(case: Case) -> str:
    """'9.1' of 9.1.3 (the sub-category, whether or not the run named a sub-group)."""
    return ".".join(case.id.split(".")[:2])


def metric(case: Case, name: str) -> float | None:
    value = case.metrics.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


# --- building series ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Point:
    x: Any  # a sortable key of the x value (a size, a (payload, fragment) pair)
    tick: str
    value: float | None
    case: str


def align(points: Mapping[tuple[str, str, int], list[Point]],
          part: Callable[[Any], Any] = lambda x: None) -> tuple[list[str], dict[Any, int]]:
    """The x ticks every series shares: the union of their x keys, in order, and where each
    key is. Keys of another `part` than the one before them start after an empty tick, where
    every series has no value: its line breaks there (12.x: unfragmented, then fragmented)."""
    ticks: dict[Any, str] = {}
    for found in points.values():
        for p in found:
            ticks.setdefault(p.x, p.tick)
    shown: list[str] = []
    position: dict[Any, int] = {}
    keys = sorted(ticks)
    for n, key in enumerate(keys):
        if n and part(key) != part(keys[n - 1]):
            shown.append("")
        position[key] = len(shown)
        shown.append(ticks[key])
    return shown, position


def series_of(label: str, found: list[Point], position: dict[Any, int], colour: str,
              target: int, dash: int = 0, marker: str = "") -> Series:
    width = max(position.values(), default=-1) + 1  # an empty tick is never the last
    values: list[float | None] = [None] * width
    cases: list[str | None] = [None] * width
    for p in found:
        values[position[p.x]], cases[position[p.x]] = p.value, p.case
    return Series(label, values, cases, colour, target, dash, marker)


def has_points(series: Iterable[Series]) -> bool:
    return any(v is not None for s in series for v in s.values)


def target_prefix(targets: Sequence[Target], target: Target) -> str:
    """Series of a merged report say whose they are; a single target's need not."""
    return f"{target.label} " if len(targets) > 1 else ""


# --- 9.x: throughput and round trips -----------------------------------------------------------

# (chart id, text and binary sub-categories, what the title varies, words before that size in
# the title, the chart's words)
_THROUGHPUT = (
    ("9-size", ("9.1", "9.2"), "message size", "message of",
     "9.1/9.2 Throughput by message size",
     "One message in one frame per case, echoed back; throughput is the echoed payload bytes "
     "per second of transfer_ms (one direction)."),
    ("9-fragment", ("9.3", "9.4"), "fragment size", "in fragments of",
     "9.3/9.4 Throughput by fragment size (a 4 MiB message)",
     "The same message sent in fragments of each size (fewer, bigger frames to the right)."),
    ("9-chop", ("9.5", "9.6"), "chop size", "chops of",
     "9.5/9.6 Throughput by write chop size (a 1 MiB message)",
     "One frame written to the socket in pieces of each size."),
)


def throughput_charts(targets: Sequence[Target]) -> list[Chart]:
    charts = []
    for chart_id, subs, x_label, words, title, note in _THROUGHPUT:
        points: dict[tuple[str, str, int], list[Point]] = {}
        for n, target in enumerate(targets):
            for kind, sub in zip(("text", "binary"), subs):
                points[(target.label, kind, n)] = [
                    Point(size, human_size(size), metric(c, "throughput_mb_s"), c.id)
                    for c in target.cases if sub_id(c) == sub
                    for size in [size_after(c.title, words)] if size is not None]
        ticks, position = align(points)
        series = [series_of(f"{target_prefix(targets, targets[n])}{kind}", found, position,
                            colour=label, target=n, dash=int(kind == "binary"))
                  for (label, kind, n), found in points.items() if found]
        if has_points(series):
            charts.append(Chart(chart_id, title, note, x_label, "throughput (MB/s)", "MB/s",
                                ticks, series))
    return charts


def round_trip_charts(targets: Sequence[Target]) -> list[Chart]:
    charts = []
    for sub, kind in (("9.7", "text"), ("9.8", "binary")):
        points: dict[tuple[str, str, int], list[Point]] = {}
        for n, target in enumerate(targets):
            mine = [(c, size_after(c.title, "messages of")) for c in target.cases
                    if sub_id(c) == sub]
            for name in ("p50", "p99"):
                points[(target.label, name, n)] = [
                    Point(size, human_size(size), metric(c, f"rtt_{name}_ms"), c.id)
                    for c, size in mine if size is not None]
        ticks, position = align(points)
        series = [series_of(f"{target_prefix(targets, targets[n])}{name}", found, position,
                            colour=label, target=n, dash=int(name == "p99"))
                  for (label, name, n), found in points.items() if found]
        if has_points(series):
            charts.append(Chart(
                f"9-rtt-{kind}", f"{sub} Round-trip time of {kind} messages", (
                    "1000 messages one after another per case, each sent once the previous "
                    "echo arrived: median (p50, solid) and 99th percentile (p99, dashed)."),
                "message size", "round trip (ms)", "ms", ticks, series))
    return charts


# --- 12.x / 13.x: time per case by data set and parameters -------------------------------------

_PAYLOAD = re.compile(r"payload size (\d+)")
_FRAGMENT = re.compile(r"auto-fragment to (\d+)")
_OFFER = re.compile(r"\((True|False), (\d+)\)")


def compression_parameters(title: str) -> tuple[int, int] | None:
    """(payload size, auto-fragment size) of a 12.x/13.x title, or None."""
    payload, fragment = _PAYLOAD.search(title), _FRAGMENT.search(title)
    if not payload:
        return None
    return int(payload.group(1)), int(fragment.group(1)) if fragment else 0


def parameters_tick(payload: int, fragment: int) -> str:
    return human_size(payload) + (f" / {human_size(fragment)}" if fragment else "")


def data_set_name(case: Case) -> str:
    """The short name of a 12.x/13.x sub-group: its data set for 12.x ("Large JSON data
    file"), the deflate offer for 13.x (Autobahn's (requestNoContextTakeover,
    requestMaxWindowBits) tuples, said in words)."""
    subgroup = case.subgroup or sub_id(case)
    if case.category == "13":
        offers = _OFFER.findall(subgroup.split(" / ")[0])
        if offers:
            return " | ".join(_offer_words(no_takeover == "True", int(bits))
                              for no_takeover, bits in offers)
    return re.sub(r"\s*\([^()]*\)\s*$", "", subgroup.split(" - ")[0]) or subgroup


def _offer_words(no_takeover: bool, bits: int) -> str:
    words = (["no context takeover"] if no_takeover else []) + \
        ([f"{bits}-bit window"] if bits else [])
    return ", ".join(words) or "default offer"


def compression_charts(targets: Sequence[Target]) -> list[Chart]:
    charts = []
    for category, what in (("12", "data set"), ("13", "permessage-deflate offer")):
        points: dict[tuple[str, str, int], list[Point]] = {}
        for n, target in enumerate(targets):
            for c in target.cases:
                parameters = compression_parameters(c.title)
                # An UNIMPLEMENTED case was decided at the handshake: its time says nothing.
                if c.category != category or parameters is None or c.verdict == "UNIMPLEMENTED":
                    continue
                key = (target.label, f"{sub_id(c)} {data_set_name(c)}", n)
                # Log scale: a 0 ms case has no place on it.
                points.setdefault(key, []).append(Point(
                    (parameters[1] > 0, parameters), parameters_tick(*parameters),
                    float(c.duration_ms) if c.duration_ms > 0 else None, c.id))
        ticks, position = align(points, part=lambda x: x[0])  # fragmented or not
        series = [series_of(f"{target_prefix(targets, targets[n])}{name}", found, position,
                            colour=name, target=n, dash=n % 4)
                  for (_, name, n), found in points.items()]
        if has_points(series):
            charts.append(Chart(
                f"{category}-time", f"{category}.x Time per case by {what} and parameters",
                "1000 compressed messages per case, each echoed; the x axis is the payload size "
                "of each message, and the auto-fragment size where the messages were "
                "fragmented" + ("; one line style per target." if len(targets) > 1 else "."),
                "payload size / fragment size", "time per case (ms, log scale)", "ms", ticks,
                series, y_log=True))
    return charts


# --- L.9: the size-limit search ----------------------------------------------------------------

def probes_of(notes: Sequence[str]) -> list[tuple[int, bool, str]]:
    """(size, echoed, outcome) of every probe L.9 made, in order, from its wire record's notes
    ("probes (N), ...", then "  SIZE bytes: echoed" or "  SIZE bytes: refused with close 1009",
    ...)."""
    probes = []
    for note in notes:
        found = _L9_PROBE.match(note)
        if found:
            probes.append((int(found.group(1)), found.group(2) == "echoed", found.group(2)))
    return probes


def size_limit_chart(targets: Sequence[Target],
                     notes: Mapping[tuple[int, str], Sequence[str]]) -> list[Chart]:
    """The probes in the order they were made (doubling, then bisecting): echoed ones filled,
    refused ones hollow. Without the record's notes, the two bounds the metrics give."""
    points: dict[tuple[str, str, int], list[Point]] = {}
    findings: list[str] = []
    for n, target in enumerate(targets):
        case = next((c for c in target.cases if c.id == "L.9"), None)
        if case is None:
            continue
        probes = probes_of(notes.get((n, case.id), ()))
        counted = len(probes) if probes else None
        if not probes:  # no record (or an older one): the two bounds the search found
            probes = [(int(size), echoed, "echoed" if echoed else "refused")
                      for size, echoed in ((metric(case, "largest_echoed_bytes"), True),
                                           (metric(case, "smallest_refused_bytes"), False))
                      if size]
        for step, (size, echoed, _) in enumerate(probes, 1):
            outcome = "echoed" if echoed else "refused"
            points.setdefault((target.label, outcome, n), []).append(
                Point(step, str(step), float(size), case.id))
        if probes:
            findings.append(target_prefix(targets, target) + _size_finding(case, counted))
    ticks, position = align(points)
    series = [series_of(f"{target_prefix(targets, targets[n])}{outcome}", found, position,
                        colour=label, target=n,
                        marker="filled" if outcome == "echoed" else "hollow")
              for (label, outcome, n), found in points.items()]
    if not has_points(series):
        return []
    return [Chart("L9-search", "L.9 Size-limit search: the probes", (
        "One connection per probe, each sending one binary message of that size: doubling "
        "from 1 MiB until a size is refused, then bisecting to the byte."),
        "probe (in the order made)", "message size", "bytes", ticks, series,
        findings=findings)]


def _size_finding(case: Case, probes: int | None) -> str:
    """The search's result in one line; `probes`: how many it made (None: not known, the
    chart shows the bounds of the metrics)."""
    largest = metric(case, "largest_echoed_bytes")
    refused = metric(case, "smallest_refused_bytes")
    code = metric(case, "refusal_close_code")
    said = [f"{probes} probe{'s' * (probes != 1)}" if probes is not None
            else "its bounds (the probes are not in a wire record)"]
    if largest is not None:
        said.append(f"largest echoed {int(largest):,} bytes ({human_size(int(largest))})")
    if refused is not None:
        said.append(f"smallest refused {int(refused):,} bytes" +
                    (f", close {int(code)}" if code is not None else ""))
    return f"{case.verdict}: " + "; ".join(said)


# --- all of them -------------------------------------------------------------------------------

def build_charts(targets: Sequence[Target],
                 notes: Mapping[tuple[int, str], Sequence[str]] | None = None) -> list[Chart]:
    """Every chart the cases of `targets` feed, in case order. `notes`: the wire record's
    notes by (target index, case id), where a chart reads them (L.9's probes)."""
    return (throughput_charts(targets) + round_trip_charts(targets) +
            compression_charts(targets) + size_limit_chart(targets, notes or {}))
