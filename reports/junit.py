"""junit.xml: the run as JUnit XML, for Jenkins, GitLab and the GitHub test-report actions.

One <testsuite> per target and category, one <testcase> per case. FAILED is <failure>,
UNIMPLEMENTED is <skipped>; NON-STRICT and INFORMATIONAL pass, with the reason in
<system-out>. Only elements and attributes of the common JUnit schema (Jenkins/Surefire's)
are used: no per-testcase <properties>, timestamps without a zone, times in seconds.
Without a baseline the counts equal index.json's; with one, an expected failure is <skipped>
and a stale entry is a <failure> of the case that no longer fails.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from itertools import groupby

from .baseline import Outcome, TargetOutcome, stale_message
from .model import Case, Target

# Characters XML 1.0 cannot carry at all, even escaped; peers' bytes can contain them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.3f}"


def _timestamp(iso: str) -> str:
    """JUnit's timestamp has no zone: '2026-11-21T10:00:00Z' -> '2026-11-21T10:00:00'."""
    return iso[:-1] if iso.endswith("Z") else iso


def _class_part(text: str) -> str:
    # Jenkins splits classname at its last dots into package and class: keep ours dot-free.
    return text.replace(".", "_")


def render_junit(targets: list[Target], outcome: Outcome) -> str:
    root = ET.Element("testsuites", name="wsconform")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    time_ms = 0
    for target, result in zip(targets, outcome.targets):
        for (category, group), cases in groupby(target.cases, key=lambda c: (c.category, c.group)):
            suite = _suite(target, result, outcome, category, group, list(cases))
            root.append(suite)
            for key in totals:
                totals[key] += int(suite.get(key, "0"))
        time_ms += target.duration_ms
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(time_ms))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _suite(target: Target, result: TargetOutcome, outcome: Outcome, category: str, group: str,
           cases: list[Case]) -> ET.Element:
    suite = ET.Element("testsuite", name=_text(f"{target.label}: {category} {group}".strip()))
    properties = ET.SubElement(suite, "properties")
    for name, value in (("agent", target.agent), ("url", target.url), ("mode", target.mode)):
        if value:
            ET.SubElement(properties, "property", name=name, value=_text(value))
    classname = _text(f"{_class_part(target.label)}.{_class_part(f'{category} {group}'.strip())}")
    counts = {"failures": 0, "skipped": 0}
    stale = {case.id: entry for case, entry in result.stale}
    for case in cases:
        testcase = ET.SubElement(suite, "testcase", name=_text(f"{case.id} {case.title}".strip()),
                                 classname=classname, time=_seconds(case.duration_ms))
        kind = _add_outcome(testcase, target, case, result, outcome, stale)
        if kind:
            counts[kind] += 1
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(counts["failures"]))
    suite.set("errors", "0")
    suite.set("skipped", str(counts["skipped"]))
    suite.set("time", _seconds(sum(c.duration_ms for c in cases)))
    if target.started_at:
        suite.set("timestamp", _timestamp(target.started_at))
    return suite


def _add_outcome(testcase: ET.Element, target: Target, case: Case, result: TargetOutcome,
                 outcome: Outcome, stale: dict) -> str:
    """Adds <failure>/<skipped>/<system-out>; returns which count the case adds to."""
    if case.id in stale:
        message = stale_message(outcome.baseline, target, case, stale[case.id])
        ET.SubElement(testcase, "failure", message=_text(message),
                      type="stale-baseline").text = _text(_details(case))
        return "failures"
    if case.verdict == "FAILED":
        entry = result.expected.get(case.id)
        if entry is not None and outcome.baseline is not None:
            ET.SubElement(testcase, "skipped", type="expected-failure", message=_text(
                f"FAILED as expected ({outcome.baseline.where(entry)}): {case.reason}"))
            return "skipped"
        ET.SubElement(testcase, "failure", message=_text(case.reason),
                      type="FAILED").text = _text(_details(case))
        return "failures"
    if case.verdict == "UNIMPLEMENTED":
        ET.SubElement(testcase, "skipped", type="UNIMPLEMENTED",
                      message=_text(f"UNIMPLEMENTED: {case.result or case.observation}"))
        return "skipped"
    if case.verdict != "OK":
        ET.SubElement(testcase, "system-out").text = _text(_details(case))
    return ""


def _details(case: Case) -> str:
    lines = [f"verdict: {case.verdict} (behavior {case.behavior or '?'}, closing "
             f"{case.behavior_close or '?'})"]
    for label, value in (("rfc", case.rfc), ("expected", case.expectation),
                         ("observed", case.observation), ("behavior", case.result),
                         ("closing", case.result_close), ("severity", case.severity),
                         ("wire log", case.wire_log)):
        if value:
            lines.append(f"{label}: {value}")
    if case.remote_close_code is not None:
        lines.append(f"remote close code: {case.remote_close_code}")
    return "\n".join(lines) + "\n"
