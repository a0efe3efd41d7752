"""index.html: one static page, no external resources, readable from file:// offline.

The header and the case matrix are plain HTML (so they show before any script runs); the
details of every case, wire log included, travel as one gzip'd JSON blob that the page's
script unpacks when a case is first opened.
"""

from __future__ import annotations

import base64
import datetime as _dt
import gzip
import json
import os
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import chartlib
from .baseline import Outcome, TargetOutcome, count_message, stale_message
from .charts import NOTES_READ, Chart, build_charts
from .model import VERDICTS, Case, Target, case_rows
from .wire import RecordSummary, read_record, read_summary, value_after

ASSETS = Path(__file__).resolve().parent / "assets"
SHORT = {"OK": "OK", "NON-STRICT": "NON-STRICT", "INFORMATIONAL": "INFO",
         "UNIMPLEMENTED": "UNIMPL.", "FAILED": "FAILED"}


def verdict_class(verdict: str) -> str:
    return "v-" + verdict.lower()


def css() -> str:
    return (ASSETS / "report.css").read_text(encoding="utf-8")


def page(title: str, body: str, script: str = "", style: str = "") -> str:
    """The page frame every report page shares: inline style (ours, then `style`), optional
    inline script."""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{escape(title)}</title>\n<style>\n{css()}{style}</style>\n</head>\n"
            "<body>\n"
            f"{body}"
            + (f"<script>\n{script}</script>\n" if script else "")
            + "</body>\n</html>\n")


def render_html(targets: list[Target], outcome: Outcome, out_dir: Path,
                tool_version: str = "") -> str:
    rows = case_rows(targets)
    summaries = _read_records(targets)
    charts = build_charts(targets, _chart_notes(targets))
    # Only a run with figures to draw needs the library (and, the first time, npm).
    library = chartlib.load() if charts else None
    figures = chart_section(charts, library)
    parts = [_header(targets, tool_version), _target_cards(targets, outcome), figures.html,
             _filters(rows), _matrix(targets, outcome, rows),
             _data_blob(targets, outcome, rows, summaries, out_dir), figures.scripts]
    agents = ", ".join(t.label for t in targets)
    return page(f"wsconform report: {agents}", "".join(parts),
                (ASSETS / "report.js").read_text(encoding="utf-8"), figures.style)


@dataclass(frozen=True)
class Figures:
    """The charts' share of a page: their section, the scripts that draw them (the chart
    data, uPlot, assets/charts.js) and uPlot's stylesheet. All empty without charts."""

    html: str = ""
    scripts: str = ""
    style: str = ""


def chart_section(charts: list[Chart], library: chartlib.ChartLibrary | None,
                  heading: str = "Figures") -> Figures:
    """The figures of `charts`, drawn in the browser by uPlot; nothing when there are no
    charts or no library (the page is complete without them)."""
    if not charts or library is None:
        return Figures()
    figures = "".join(_figure(chart) for chart in charts)
    html = (f"<details class=\"charts\" id=\"charts\" open>\n<summary>{escape(heading)} "
            f"({len(charts)} chart{'s' * (len(charts) != 1)})</summary>\n"
            f"<div class=\"chart-grid\">\n{figures}</div>\n</details>\n")
    # "<" escaped: a label from a run cannot end the script element early.
    data = json.dumps([c.as_json() for c in charts],
                      separators=(",", ":")).replace("<", "\\u003c")
    scripts = (f"<script type=\"application/json\" id=\"wsconform-charts\">{data}</script>\n"
               f"<script>\n/* uPlot {library.version}, MIT licence, (c) Leon Sorokin */\n"
               f"{library.script}\n</script>\n"
               f"<script>\n{(ASSETS / 'charts.js').read_text(encoding='utf-8')}</script>\n")
    return Figures(html, scripts, library.style)


def _figure(chart: Chart) -> str:
    findings = "".join(f"<li>{escape(line)}</li>" for line in chart.findings)
    return (f"<figure class=\"chart\" data-chart=\"{escape(chart.id)}\">\n"
            f"<figcaption><b>{escape(chart.title)}</b> <span class=\"muted\">"
            f"{escape(chart.note)}</span></figcaption>\n"
            f"<div class=\"plot\" role=\"img\" aria-label=\"{escape(chart.title)}\"></div>\n"
            + (f"<ul class=\"findings\">{findings}</ul>\n" if findings else "")
            + "</figure>\n")


def _chart_notes(targets: list[Target]) -> dict[tuple[int, str], list[str]]:
    """The notes of the wire records the charts read (L.9's probes), whole: the summaries
    shown in the page keep only the first few."""
    notes = {}
    for n, target in enumerate(targets):
        for case in target.cases:
            if case.id in NOTES_READ and case.wire_log:
                found = record_notes(target.run_dir / case.wire_log)
                if found:
                    notes[(n, case.id)] = found
    return notes


def record_notes(path: Path) -> list[str]:
    """The `notes` of a wire record (at its head, so a big record is not read whole); none
    when it cannot be read."""
    try:
        text = read_record(path)
    except (OSError, ValueError):
        return []
    if text.head is None:
        found = text.record.get("notes") if isinstance(text.record, dict) else None
    else:
        found = value_after(text.head, "notes", 0)[1]
    return [str(note) for note in found] if isinstance(found, list) else []


def format_time(iso: str) -> str:
    """'2026-11-21T22:24:03Z' as '2026-11-21 22:24:03 UTC' (anything else as given)."""
    try:
        moment = _dt.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return iso
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def format_duration(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def _header(targets: list[Target], tool_version: str) -> str:
    runs = sorted({str(t.run_dir.resolve().name) for t in targets})
    sources = ", ".join(escape(r) for r in runs)
    version = f" {escape(tool_version)}" if tool_version else ""
    return ("<header class=\"page\">\n<h1>wsconform report</h1>\n"
            f"<p>RFC 6455 conformance of {len(targets)} target{'s' * (len(targets) != 1)}, "
            f"from run{'s' * (len(runs) != 1)} {sources} (wsconform{version}).</p>\n</header>\n")


def _target_cards(targets: list[Target], outcome: Outcome) -> str:
    cards = []
    for n, (target, result) in enumerate(zip(targets, outcome.targets)):
        counts = target.counts()
        total = len(target.cases)
        bar = "".join(f"<span class=\"{verdict_class(v)}\" style=\"flex-grow:{counts[v]}\" "
                      f"title=\"{v}: {counts[v]}\"></span>" for v in VERDICTS if counts[v])
        legend = "".join(f"<li class=\"{verdict_class(v)}\"><b>{counts[v]}</b> {v}</li>"
                         for v in VERDICTS)
        label = ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v]) or "no cases"
        cards.append(
            f"<article class=\"target\" data-t=\"{n}\">\n<h2>{escape(target.label)}</h2>\n<dl>"
            f"<dt>URL</dt><dd><code>{escape(target.url)}</code></dd>"
            f"<dt>Transport</dt><dd>{escape(target.transport)}</dd>"
            f"<dt>Started</dt><dd>{escape(format_time(target.started_at))}</dd>"
            f"<dt>Duration</dt><dd>{format_duration(target.duration_ms)}</dd>"
            f"<dt>Cases</dt><dd>{total}</dd></dl>\n"
            f"<div class=\"bar\" role=\"img\" aria-label=\"{escape(label)}\">{bar}</div>\n"
            f"<ul class=\"counts\">{legend}</ul>\n{_baseline_note(outcome, result)}</article>\n")
    return "<section class=\"targets\">\n" + "".join(cards) + "</section>\n"


def _baseline_note(outcome: Outcome, result: TargetOutcome) -> str:
    if outcome.baseline is None:
        return ""
    lines = [f"Baseline {escape(outcome.baseline.path.name)}: {len(result.expected)} expected "
             f"failure{'s' * (len(result.expected) != 1)}"]
    if result.unexpected:
        lines.append(f"{len(result.unexpected)} FAILED and not expected")
    lines += [escape(stale_message(outcome.baseline, result.target, c, e))
              for c, e in result.stale]
    if result.count_changed:
        lines.append(escape(count_message(outcome.baseline, result)))
    state = "" if result.passed else " bad"
    return f"<p class=\"baseline{state}\">" + "<br>".join(lines) + "</p>\n"


def _group_options(rows: list[tuple[Case, list[Case | None]]]) -> str:
    options, seen = [], set()
    for case, _ in rows:
        if case.category not in seen:
            seen.add(case.category)
            options.append(f"<option value=\"g:{escape(case.category)}\">"
                           f"{escape(case.category)} {escape(case.group)}</option>")
        if case.subcategory and case.subcategory not in seen:
            seen.add(case.subcategory)
            options.append(f"<option value=\"s:{escape(case.subcategory)}\">\u2003"
                           f"{escape(case.subcategory)} {escape(case.subgroup)}</option>")
    return "".join(options)


def _filters(rows: list[tuple[Case, list[Case | None]]]) -> str:
    boxes = "".join(f"<label><input type=\"checkbox\" name=\"verdict\" value=\"{v}\" checked> "
                    f"{v}</label>" for v in VERDICTS)
    return ("<form id=\"filters\" class=\"filters\">\n"
            f"<fieldset><legend>Verdict</legend>{boxes}</fieldset>\n"
            "<label>Group <select id=\"group\"><option value=\"\">all groups</option>"
            f"{_group_options(rows)}</select></label>\n"
            "<label>Search <input type=\"search\" id=\"search\" placeholder=\"case id or title\">"
            "</label>\n"
            f"<output id=\"shown\">{len(rows)} of {len(rows)} cases shown</output>\n</form>\n")


def _matrix(targets: list[Target], outcome: Outcome,
            rows: list[tuple[Case, list[Case | None]]]) -> str:
    width = 2 + len(targets)
    out = ["<table id=\"matrix\" class=\"matrix\">\n<thead><tr><th>Case</th><th>Title</th>"]
    out += [f"<th class=\"t\" title=\"{escape(t.url)}\">{escape(t.label)}</th>" for t in targets]
    out.append("</tr></thead>\n<tbody>\n")
    group = subgroup = None
    for case, entries in rows:
        g, s = escape(case.category), escape(case.subcategory)
        if case.category != group:
            group, subgroup = case.category, None
            out.append(f"<tr class=\"group\" data-g=\"{g}\"><th colspan=\"{width}\">{g} "
                       f"{escape(case.group)}</th></tr>\n")
        if case.subcategory and case.subcategory != subgroup:
            subgroup = case.subcategory
            out.append(f"<tr class=\"subgroup\" data-g=\"{g}\" data-s=\"{s}\"><th colspan=\""
                       f"{width}\">{s} {escape(case.subgroup)}</th></tr>\n")
        cid = escape(case.id)
        out.append(f"<tr class=\"case\" data-id=\"{cid}\" data-g=\"{g}\" data-s=\"{s}\">"
                   f"<td class=\"id\">{cid}</td><td class=\"title\">{escape(case.title)}</td>")
        for n, (entry, result) in enumerate(zip(entries, outcome.targets)):
            out.append(_cell(n, entry, result))
        out.append("</tr>\n")
    out.append("</tbody>\n</table>\n")
    return "".join(out)


def _cell(n: int, case: Case | None, result: TargetOutcome) -> str:
    if case is None:
        return (f"<td class=\"cell v-missing\" data-t=\"{n}\" title=\"not in this run\">"
                "\u2013</td>")
    classes = ["cell", verdict_class(case.verdict)]
    mark, note = "", ""
    if case.id in result.expected:
        classes.append("expected")
        mark, note = "<span class=\"mark\">expected</span>", "; expected to fail (baseline)"
    elif any(c.id == case.id for c, _ in result.stale):
        classes.append("stale")
        mark, note = "<span class=\"mark\">stale</span>", "; stale baseline entry"
    code = "" if case.remote_close_code is None else \
        f"<span class=\"code\">{case.remote_close_code}</span>"
    duration = f"<span class=\"ms\">{case.duration_ms} ms</span>" if case.timed else ""
    title = (f"{case.verdict}: behavior {case.behavior or '?'}, closing "
             f"{case.behavior_close or '?'}{note}")
    return (f"<td class=\"{' '.join(classes)}\" data-t=\"{n}\" data-v=\"{case.verdict}\">"
            f"<a href=\"#case={n}/{quote(case.id)}\" title=\"{escape(title)}\">"
            f"{SHORT[case.verdict]}{code}{duration}{mark}</a></td>")


def _read_records(targets: list[Target]) -> list[dict[str, RecordSummary]]:
    """Every wire record of every target, summarised."""
    return [{c.id: read_summary(t.run_dir / c.wire_log) for c in t.cases if c.wire_log}
            for t in targets]


def _record_base(target: Target, out_dir: Path) -> str:
    """The run directory as seen from the report, for links to its wire records."""
    relative = Path(os.path.relpath(target.run_dir.resolve(), out_dir)).as_posix()
    return "" if relative == "." else quote(relative) + "/"


def _data_blob(targets: list[Target], outcome: Outcome,
               rows: list[tuple[Case, list[Case | None]]],
               summaries: list[dict[str, RecordSummary]], out_dir: Path) -> str:
    about = {case.id: {"title": case.title, "rfc": case.rfc, "expectation": case.expectation}
             for case, _ in rows}
    data: dict[str, Any] = {"cases": about, "targets": []}
    for target, result, records in zip(targets, outcome.targets, summaries):
        base = _record_base(target, out_dir)
        cases = {}
        for case in target.cases:
            entry: dict[str, Any] = {
                "verdict": case.verdict, "behavior": case.behavior,
                "behavior_close": case.behavior_close, "observation": case.observation,
                "result": case.result, "result_close": case.result_close,
                "remote_close_code": case.remote_close_code, "duration_ms": case.duration_ms,
                "severity": case.severity, "metrics": case.metrics,
                "record": base + quote(case.wire_log) if case.wire_log else "",
            }
            summary = records.get(case.id)
            entry["wire"] = summary.data if summary else None
            entry["wire_error"] = summary.error if summary else "no wire_log in index.json"
            if case.id in result.expected:
                entry["baseline"] = ("expected to fail: " +
                                     outcome.baseline.where(result.expected[case.id])
                                     if outcome.baseline else "")
            cases[case.id] = entry
        for case, entry_ in result.stale:
            cases[case.id]["baseline"] = stale_message(outcome.baseline, target, case, entry_)
        data["targets"].append({"label": target.label, "url": target.url, "cases": cases})
    packed = gzip.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"),
                           compresslevel=6, mtime=0)
    # base64 has no '<', so the blob cannot end the script element early.
    return ("<script type=\"application/octet-stream\" id=\"wsconform-data\">"
            + base64.b64encode(packed).decode("ascii") + "</script>\n")
