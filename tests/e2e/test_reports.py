"""Reports: golden JUnit and Markdown, the HTML's content, bad input, baselines, diffs, merged
runs, and the reports a real `run_suite.py` run writes.

The fixed run is tests/e2e/fixtures/reports/two-targets: real wire records of the reference
server under two agents, with the verdicts of `beta` edited to cover every verdict. Golden
files are in fixtures/reports/golden; after an intended change of the output, rewrite them
with WSCONFORM_UPDATE_GOLDEN=1 and review the diff.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
sys.path.insert(0, str(ROOT))

import reports  # noqa: E402  (the package under test, from the checkout)
from reports import VERDICTS, wire  # noqa: E402
from reports.patterns import CasePattern, PatternError  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reports"
RUN = FIXTURES / "two-targets"
GOLDEN = FIXTURES / "golden"
BASELINE = FIXTURES / "expect-failures.txt"
UPDATE_GOLDEN = os.environ.get("WSCONFORM_UPDATE_GOLDEN") == "1"
# Seconds (compression: minutes) each, and checked by their own tests.
SLOW_ELSEWHERE = "H.5.3,L.9,L.10,12.*,13.*"


def run_suite(*args: str, cwd: Path = ROOT, env: dict | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, str(ROOT / "run_suite.py"), *map(str, args)], cwd=cwd,
                          env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def assert_one_error_line(result: subprocess.CompletedProcess, *mentions: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert len(lines) == 1 and lines[0].startswith("run_suite: "), result.stderr
    assert "Traceback" not in result.stderr
    for mention in mentions:
        assert mention in lines[0], lines[0]


def copy_run(tmp_path: Path, name: str = "run") -> Path:
    return Path(shutil.copytree(RUN, tmp_path / name))


def edit_index(run: Path, change) -> None:
    index = json.loads((run / "index.json").read_text())
    change(index)
    (run / "index.json").write_text(json.dumps(index))


def case(index: dict, agent: str, case_id: str) -> dict:
    target = next(t for t in index["targets"] if t["agent"] == agent)
    return next(c for c in target["cases"] if c["id"] == case_id)


def details_blob(html: str) -> dict:
    """The case details the page's script unpacks (gzip'd JSON in base64)."""
    match = re.search(r'<script type="application/octet-stream" id="wsconform-data">([^<]*)'
                      r"</script>", html)
    assert match, "no details blob in the page"
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))


class Cells(HTMLParser):
    """Collects the matrix: rows (id, group, subgroup) and the cells' classes per row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.headings: list[str] = []
        self._heading = False
        self.tags: set[str] = set()
        self.sources: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.add(tag)
        for name in ("src", "href"):
            if name in attributes:
                self.sources.append(attributes[name])
        classes = (attributes.get("class") or "").split()
        if tag == "tr" and "case" in classes:
            self.rows.append({"id": attributes["data-id"], "g": attributes["data-g"],
                              "s": attributes["data-s"], "cells": []})
        elif tag == "tr" and ("group" in classes or "subgroup" in classes):
            self._heading = True
        elif tag == "td" and "cell" in classes:
            self.rows[-1]["cells"].append(classes)

    def handle_data(self, data):
        if self._heading and data.strip():
            self.headings.append(data.strip())
            self._heading = False


def parse_cells(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


# --- golden JUnit and Markdown ---------------------------------------------------------------

@pytest.mark.parametrize("with_baseline", [False, True], ids=["plain", "baseline"])
def test_golden_junit_and_markdown(tmp_path, with_baseline):
    # Relative paths (cwd = the fixtures), so the files name the baseline the same everywhere.
    out = tmp_path / "out"
    args = ["report", "two-targets", "--out", out]
    if with_baseline:
        args += ["--expect-failures", BASELINE.name]
    result = run_suite(*args, cwd=FIXTURES)
    # Plain: beta FAILED. With the baseline: beta's failures are expected, alpha's entry stale.
    assert result.returncode == 1, result.stderr
    suffix = "-baseline" if with_baseline else ""
    for name, golden_name in (("junit.xml", f"junit{suffix}.xml"),
                              ("summary.md", f"summary{suffix}.md")):
        produced = (out / name).read_text()
        golden = GOLDEN / golden_name
        if UPDATE_GOLDEN:
            golden.write_text(produced)
        assert produced == golden.read_text(), \
            f"{name} differs from {golden} (WSCONFORM_UPDATE_GOLDEN=1 rewrites it)"


# The Jenkins/Surefire JUnit schema (what Jenkins, GitLab and the GitHub reporters accept):
# the elements each element may hold, and the attributes it may have.
JUNIT_CHILDREN = {"testsuites": {"testsuite"}, "testsuite": {"properties", "testcase",
                                                             "system-out", "system-err"},
                  "properties": {"property"}, "property": set(),
                  "testcase": {"skipped", "failure", "error", "system-out", "system-err"},
                  "skipped": set(), "failure": set(), "error": set(), "system-out": set(),
                  "system-err": set()}
JUNIT_ATTRIBUTES = {"testsuites": {"name", "time", "tests", "failures", "errors"},
                    "testsuite": {"name", "tests", "failures", "errors", "skipped", "time",
                                  "timestamp", "hostname", "id", "package"},
                    "property": {"name", "value"}, "testcase": {"name", "classname", "time"},
                    "skipped": {"message", "type"}, "failure": {"message", "type"},
                    "error": {"message", "type"}, "properties": set(), "system-out": set(),
                    "system-err": set()}


def check_junit(text: str, index: dict) -> ET.Element:
    """junit.xml follows the schema and its counts equal index.json's, per target."""
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    for element in root.iter():
        assert element.tag in JUNIT_CHILDREN, element.tag
        assert {c.tag for c in element} <= JUNIT_CHILDREN[element.tag], element.tag
        assert set(element.attrib) <= JUNIT_ATTRIBUTES[element.tag], (element.tag,
                                                                      element.attrib)
    for suite in root.iter("testsuite"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", suite.get("timestamp"))
        assert re.fullmatch(r"\d+\.\d{3}", suite.get("time"))
        testcases = suite.findall("testcase")
        assert int(suite.get("tests")) == len(testcases)
        assert int(suite.get("failures")) == sum(tc.find("failure") is not None
                                                 for tc in testcases)
        assert int(suite.get("skipped")) == sum(tc.find("skipped") is not None
                                                for tc in testcases)
    for target in index["targets"]:
        suites = [s for s in root.iter("testsuite")
                  if s.find("properties/property[@name='agent']").get("value") == target["agent"]]
        summary = target["summary"]
        assert sum(int(s.get("tests")) for s in suites) == summary["total"]
        assert sum(int(s.get("failures")) for s in suites) == summary["FAILED"]
        assert sum(int(s.get("skipped")) for s in suites) == summary["UNIMPLEMENTED"]
        categories = []
        for c in target["cases"]:
            if c["id"].split(".")[0] not in categories:
                categories.append(c["id"].split(".")[0])
        assert len(suites) == len(categories)  # one suite per target and group
        names = [tc.get("name") for s in suites for tc in s.findall("testcase")]
        assert names == [f"{c['id']} {c['title']}" for c in target["cases"]]
    assert int(root.get("tests")) == sum(t["summary"]["total"] for t in index["targets"])
    assert int(root.get("failures")) == sum(t["summary"]["FAILED"] for t in index["targets"])
    return root


def test_junit_follows_the_schema_and_counts_match_index(tmp_path):
    result = run_suite("report", RUN, "--out", tmp_path)
    assert result.returncode == 1, result.stderr
    index = json.loads((RUN / "index.json").read_text())
    root = check_junit((tmp_path / "junit.xml").read_text(), index)
    by_name = {tc.get("name").split()[0] + "@" + tc.get("classname").split(".")[0]: tc
               for tc in root.iter("testcase")}
    failure = by_name["6.4.3@beta"].find("failure")
    assert failure.get("type") == "FAILED"
    assert "WRONG CODE" in failure.get("message") and "1007" in failure.get("message")
    assert "observed: [timeout A]; close 1002" in failure.text
    assert by_name["H.4.5@beta"].find("skipped").get("message").startswith("UNIMPLEMENTED")
    assert by_name["1.1.1@beta"].find("*") is None  # OK: a bare passing testcase
    assert "NON-STRICT" in by_name["2.10@beta"].find("system-out").text
    # A control character a peer sent cannot go into XML 1.0 even escaped: it is spelled out.
    assert "[text 'a\\x01b']" in by_name["1.1.2@beta"].find("failure").text


# --- the HTML, read as data --------------------------------------------------------------------

def test_html_matrix_and_details(tmp_path):
    result = run_suite("report", RUN, "--out", tmp_path)
    assert result.returncode == 1, result.stderr
    html = (tmp_path / "index.html").read_text()
    index = json.loads((RUN / "index.json").read_text())
    page = parse_cells(html)
    ids = [row["id"] for row in page.rows]
    # Autobahn order over both targets: 1.2.1 only beta has, 7.13.1 only alpha.
    assert ids == ["1.1.1", "1.1.2", "1.2.1", "2.10", "5.1", "6.4.3", "7.1.1", "7.13.1", "H.2.1",
                   "H.4.5", "L.3", "S.1.2"]
    assert page.headings[:4] == ["1 Framing", "1.1 Text Messages", "1.2 Binary Messages",
                                 "2 Pings/Pongs"]
    assert all(len(row["cells"]) == 2 for row in page.rows)
    cells = {(row["id"], n): classes for row in page.rows
             for n, classes in enumerate(row["cells"])}
    for n, target in enumerate(index["targets"]):
        for c in target["cases"]:
            assert "v-" + c["verdict"].lower() in cells[(c["id"], n)], (c["id"], n)
    assert "v-missing" in cells[("1.2.1", 0)] and "v-missing" in cells[("7.13.1", 1)]
    # Offline: no external resource, nothing but inline style and script.
    assert "link" not in page.tags and "img" not in page.tags
    assert all(s.startswith("#") for s in page.sources), page.sources
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    # Times show for the timed categories (L here) and nowhere else.
    assert re.search(r'data-id="L\.3".*?<span class="ms">\d+ ms</span>', html)
    assert not re.search(r'data-id="1\.1\.1"[^\n]*class="ms"', html)

    blob = details_blob(html)
    assert [t["label"] for t in blob["targets"]] == ["alpha", "beta"]
    detail = blob["targets"][1]["cases"]["6.4.3"]
    assert detail["verdict"] == "FAILED" and detail["behavior_close"] == "WRONG CODE"
    # Relative to the report, wherever the two are (they may share a prefix, e.g. /tmp).
    assert detail["record"] == Path(os.path.relpath(RUN.resolve(), tmp_path.resolve())).as_posix() \
        + "/cases/beta/6.4.3.json"
    assert (tmp_path / detail["record"]).resolve() == RUN / "cases/beta/6.4.3.json"
    record = json.loads((RUN / "cases/beta/6.4.3.json").read_text())
    summary = detail["wire"]
    assert summary["request"] == record["http_request"]
    assert summary["frames_total"] == len(record["frames"]) == len(summary["frames"])
    assert summary["bytes_total"] == sum(c["length"] for c in record["chunks"])
    shown = base64.b64decode(summary["raw"])
    assert shown.startswith(b"GET / HTTP/1.1\r\n")
    assert shown == bytes.fromhex("".join(c["hex"] for c in record["chunks"]))[:len(shown)]
    assert blob["cases"]["6.4.3"]["rfc"] == case(index, "beta", "6.4.3")["rfc"]
    assert blob["targets"][0]["cases"]["L.3"]["metrics"] == {"echo_after_ms": 3}


def test_html_escapes_what_the_peer_controls(tmp_path):
    run = copy_run(tmp_path)

    def inject(index):
        for target in index["targets"]:
            case(index, target["agent"], "1.1.1")["title"] = "<script>alert(1)</script>"
        case(index, "beta", "1.1.1")["observation"] = "</script><b>bold</b>"
        index["targets"][1]["agent"] = "<i>beta</i>"
    edit_index(run, inject)
    assert run_suite("report", run).returncode == 1
    html = (run / "index.html").read_text()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>beta" not in html and "&lt;i&gt;beta&lt;/i&gt;" in html
    assert html.count("<script") == 2  # the details blob and the page's own script
    assert details_blob(html)["targets"][1]["cases"]["1.1.1"]["observation"] == \
        "</script><b>bold</b>"


def test_missing_and_broken_wire_records_do_not_stop_the_report(tmp_path):
    run = copy_run(tmp_path)
    (run / "cases/beta/5.1.json").unlink()
    (run / "cases/beta/7.1.1.json").write_text("{not json")
    result = run_suite("report", run)
    assert result.returncode == 1, result.stderr
    blob = details_blob((run / "index.html").read_text())["targets"][1]["cases"]
    assert blob["5.1"]["wire"] is None and blob["5.1"]["wire_error"] == "record missing"
    assert blob["7.1.1"]["wire"] is None and "unreadable" in blob["7.1.1"]["wire_error"]
    assert blob["1.1.1"]["wire"] is not None


def big_record(frames: int) -> dict:
    """A record bigger than the full-read limit: a flood of one-byte fragments."""
    record = json.loads((RUN / "cases/alpha/1.1.1.json").read_text())
    record["notes"] = ["frame log truncated after 5000 frames"]
    record["frames"] = [{"t_us": 100 + n, "dir": "tx", "fin": False, "rsv": 0,
                         "opcode": 0 if n else 1, "opcode_name": "continuation" if n else "text",
                         "masked": True, "mask_key": "01020304", "declared_length": 1,
                         "length": 1, "text": "a", "hex": "61"} for n in range(frames)]
    record["chunks"].append({"t_us": 900, "dir": "tx", "length": 200000,
                             "hex": "82" * 200000})
    return record


def test_big_records_are_summarised_from_their_head(tmp_path):
    run = copy_run(tmp_path)
    record = big_record(5000)
    text = json.dumps(record, separators=(",", ":"))
    assert len(text) > wire.FULL_READ_LIMIT
    (run / "cases/alpha/1.1.1.json").write_text(text)
    assert run_suite("report", run).returncode == 1
    html = (run / "index.html").read_text()
    summary = details_blob(html)["targets"][0]["cases"]["1.1.1"]["wire"]
    assert summary["partial"] is True and summary["record_bytes"] == len(text)
    assert len(summary["frames"]) == wire.FRAME_LIMIT and summary["frames_more"] is True
    assert summary["frames_total"] is None and summary["bytes_total"] is None
    assert summary["notes"] == record["notes"]
    assert summary["request"] == record["http_request"]
    assert len(base64.b64decode(summary["raw"])) <= wire.BYTES_LIMIT
    assert len(html) < 400_000


def test_head_summary_equals_the_whole_summary_where_both_see_everything():
    """summarise_head() on a whole record finds what summarise() reads from the parsed one;
    only the totals it cannot know are left out. (A real run checks the same, below.)"""
    for path in sorted(RUN.glob("cases/*/*.json")) + [None]:
        text = json.dumps(big_record(120)) if path is None else path.read_text()
        whole = wire.summarise(json.loads(text))
        head = wire.summarise_head(text)
        assert head.pop("partial") is True
        for key in ("frames_total", "chunks_total", "bytes_total"):
            whole.pop(key)
            head.pop(key)
        assert head == whole, path


# --- bad input ---------------------------------------------------------------------------------

def corrupt(kind: str, run: Path) -> str:
    """Breaks the run directory one way; returns what the error line must mention."""
    index = run / "index.json"
    if kind == "no-directory":
        shutil.rmtree(run)
        return "no such run directory"
    if kind == "no-index":
        index.unlink()
        return "index.json: missing"
    if kind == "corrupt-json":
        index.write_text(index.read_text()[:500])
        return "invalid JSON at line"
    if kind == "not-a-report":
        index.write_text('{"hello": 1}')
        return "no 'schema' field"
    if kind == "unknown-schema":
        edit_index(run, lambda i: i.update(schema="wsconform-report/2"))
        return "unknown schema 'wsconform-report/2'"
    if kind == "bad-verdict":
        edit_index(run, lambda i: case(i, "beta", "5.1").update(verdict="PASS"))
        return "verdict 'PASS' is not one of"
    if kind == "targets-not-a-list":
        edit_index(run, lambda i: i.update(targets={"agent": "x"}))
        return "'targets' must be a list"
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["no-directory", "no-index", "corrupt-json", "not-a-report",
                                  "unknown-schema", "bad-verdict", "targets-not-a-list"])
def test_bad_input_is_one_line_and_exit_2_and_keeps_the_old_report(tmp_path, kind):
    run = copy_run(tmp_path)
    out = tmp_path / "out"
    assert run_suite("report", run, "--out", out).returncode == 1
    def contents() -> dict[str, bytes]:
        return {p.relative_to(out).as_posix(): p.read_bytes() if p.is_file() else b"<dir>"
                for p in out.rglob("*")}
    before = contents()
    assert sorted(p.name for p in out.iterdir()) == ["autobahn", "index.html", "junit.xml",
                                                     "summary.md"]
    mention = corrupt(kind, run)
    result = run_suite("report", run, "--out", out)
    assert_one_error_line(result, mention)
    assert contents() == before  # untouched, no staging


def test_bad_input_of_diff_and_of_in_place_report(tmp_path):
    run = copy_run(tmp_path)
    corrupt("unknown-schema", run)
    assert_one_error_line(run_suite("report", run), "unknown schema")
    assert not (run / "index.html").exists()
    assert_one_error_line(run_suite("diff", RUN, run), "unknown schema")
    assert_one_error_line(run_suite("diff", tmp_path / "nothing", RUN), "no such run directory")


def test_unwritable_out_and_missing_out_for_several_runs(tmp_path):
    assert_one_error_line(run_suite("report", RUN, "--out", "/proc/forbidden"),
                          "cannot write the report to /proc/forbidden")
    assert_one_error_line(run_suite("report", RUN, RUN), "give --out DIR")


def test_a_file_in_the_way_fails_the_report_and_leaves_no_staging(tmp_path):
    out = tmp_path / "out"
    (out / "junit.xml").mkdir(parents=True)  # cannot be replaced by a file
    (out / "junit.xml" / "keep").write_text("x")
    assert_one_error_line(run_suite("report", RUN, "--out", out), "cannot write the report")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_outputs_replace_the_old_ones_only_once_all_are_written(tmp_path):
    from reports.generate import write_all
    (tmp_path / "index.html").write_text("old report")
    # The second file cannot be written (a lone surrogate has no UTF-8 form).
    with pytest.raises(UnicodeEncodeError):
        write_all(tmp_path, {"index.html": "new report", "junit.xml": "\ud800"})
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]  # no staging left behind
    assert (tmp_path / "index.html").read_text() == "old report"
    write_all(tmp_path, {"index.html": "new report", "junit.xml": "<testsuites/>"})
    assert (tmp_path / "index.html").read_text() == "new report"


# --- baselines ---------------------------------------------------------------------------------

def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_expected_failures_pass_the_run_and_stale_entries_fail_it(tmp_path):
    expected = write(tmp_path / "ok.txt", "beta: 1.1.2\nbeta: 6.4.*\nbeta: H.2.1\n")
    result = run_suite("report", RUN, "--out", tmp_path / "a", "--expect-failures", expected)
    assert result.returncode == 0, result.stderr
    assert "3 FAILED cases expected" in result.stderr
    junit = ET.parse(tmp_path / "a" / "junit.xml").getroot()
    assert junit.get("failures") == "0"
    skipped = [tc.find("skipped") for tc in junit.iter("testcase")
               if tc.find("skipped") is not None]
    assert sorted(s.get("type") for s in skipped) == ["UNIMPLEMENTED"] + ["expected-failure"] * 3

    # 7.1.1 passes on alpha: listing it fails the run, and says what to do.
    stale = write(tmp_path / "stale.txt", expected.read_text() + "7.1.1\n")
    result = run_suite("report", RUN, "--out", tmp_path / "b", "--expect-failures", stale)
    assert result.returncode == 1
    assert f"stale baseline: remove 7.1.1 ({stale}:4): it is OK on alpha now" in result.stderr
    assert "stale baseline: remove 7.1.1" in (tmp_path / "b" / "summary.md").read_text()
    junit = ET.parse(tmp_path / "b" / "junit.xml").getroot()
    assert [f.get("type") for f in junit.iter("failure")] == ["stale-baseline"] * 2

    # A failure nobody listed still fails the run.
    partial = write(tmp_path / "partial.txt", "beta: 1.1.2\nbeta: H.2.1\n")
    result = run_suite("report", RUN, "--out", tmp_path / "c", "--expect-failures", partial)
    assert result.returncode == 1 and "beta: FAILED and not expected: 6.4.3" in result.stderr


def test_baseline_semantics(tmp_path):
    run = reports.load_run(RUN)

    def evaluate(text: str) -> reports.Outcome:
        loaded = reports.load_baseline(write(tmp_path / "b.txt", text))
        # Named b.txt in messages, wherever the test's files are.
        return reports.evaluate(run.targets, reports.Baseline(Path("b.txt"), loaded.entries))

    # Wildcards follow the runner: '6.*' is anchored at the start; a stale wildcard match
    # says to narrow the pattern; an agent prefix scopes a line to one target; @slow names
    # the cases tagged slow, on every target.
    result = evaluate("6.*\nbeta: H.*\n@slow\n")
    alpha, beta = result.targets
    assert alpha.expected == {} and [c.id for c, _ in alpha.stale] == ["6.4.3", "L.3"]
    assert sorted(beta.expected) == ["6.4.3", "H.2.1"]
    assert [c.id for c, _ in beta.stale] == ["H.4.5", "L.3"]
    messages = result.messages()
    assert "stale baseline: 6.4.3 is NON-STRICT on alpha now, but '6.*' (b.txt:1) expects " \
           "it to fail: narrow the pattern" in messages
    for agent in ("alpha", "beta"):
        assert f"stale baseline: L.3 is OK on {agent} now, but '@slow' (b.txt:3) expects it " \
               "to fail: narrow the pattern" in messages
    assert "stale baseline: H.4.5 is UNIMPLEMENTED on beta now, but 'H.*' (b.txt:2) expects " \
           "it to fail: narrow the pattern" in messages
    assert "beta: FAILED and not expected: 1.1.2" in messages
    assert result.exit_status == 1
    # A count change is reported, per target, and does not by itself fail the run.
    result = evaluate("total 11\nbeta: total 9\nbeta: 1.1.2\nbeta: 6.4.3\nbeta: H.2.1")
    assert result.exit_status == 0
    assert [t.count_changed for t in result.targets] == [False, True]
    assert "beta: 11 cases, +2 since the baseline's 'total 9' (b.txt:2)" in result.messages()
    # A line that names no case of the run is a note, not a failure.
    result = evaluate("beta: 1.1.2\nbeta: 6.4.3\nbeta: H.2.1\n9.*\n")
    assert result.exit_status == 0
    assert "note: b.txt:4: '9.*' names no case of this run" in result.messages()


@pytest.mark.parametrize("text, mention", [
    ("6.4.[3]\n", "2: bad character '['"),
    ("\n\nbeta:\n", "3: no case pattern after 'beta:'"),
    (": 6.4.3\n", "1: empty agent name"),
    ("6.4.3 6.4.4\n", "1: one case pattern per line"),
    ("@Slow\n", "1: bad tag pattern '@Slow'"),
    ("total 3\ntotal 4\n", "2: a second 'total' line"),
], ids=["bad-character", "no-pattern", "no-agent", "two-patterns", "bad-tag", "two-totals"])
def test_bad_baseline_is_one_line_and_exit_2(tmp_path, text, mention):
    if text.startswith("6.4.[3]"):
        text = "# comment\n" + text
    baseline = write(tmp_path / "b.txt", text)
    result = run_suite("report", RUN, "--out", tmp_path / "out", "--expect-failures", baseline)
    assert_one_error_line(result, f"{baseline}:{mention}")
    assert not (tmp_path / "out").exists()


def test_missing_baseline_fails_a_run_before_it_starts(tmp_path):
    # No build or server is needed to see that the file is missing.
    result = run_suite("--out", tmp_path / "out", "--expect-failures", tmp_path / "nope.txt",
                       timeout=30)
    assert_one_error_line(result, "nope.txt: expected-failures file not found")
    assert not (tmp_path / "out").exists()


def test_saved_baseline_makes_the_same_run_pass(tmp_path):
    saved = tmp_path / "saved.txt"
    result = run_suite("report", RUN, "--out", tmp_path / "a", "--save-expect-failures", saved)
    assert result.returncode == 1
    lines = [line for line in saved.read_text().splitlines()
             if line and not line.startswith("#")]
    assert lines == ["alpha: total 11", "beta: total 11", "beta: 1.1.2", "beta: 6.4.3",
                     "beta: H.2.1"]
    result = run_suite("report", RUN, "--out", tmp_path / "b", "--expect-failures", saved)
    assert result.returncode == 0, result.stderr


def test_patterns_select_what_the_runner_selects(wsconform, all_ids):
    """The runner's --cases and the baseline's patterns are one language."""
    class Case:
        def __init__(self, case_id):
            self.id, self.tags = case_id, ()

    for pattern in ("1.*", "1.1.*", "6.4", "6.4.*", "*.1", "*", "H.*", "1.1*", "7.*.1",
                    "2.1", "*4*", "S.1.1*"):
        listed = wsconform("--list", "--cases", pattern, timeout=30)
        assert listed.returncode == 0, listed.stderr
        runner = [line.split("\t")[0] for line in listed.stdout.splitlines()]
        ours = [i for i in all_ids if CasePattern.parse(pattern).matches(Case(i))]
        assert ours == runner, pattern
    for bad in ("1.[2]", "6.4.?", ""):
        with pytest.raises(PatternError):
            CasePattern.parse(bad)


# --- diff --------------------------------------------------------------------------------------

def changed_run(tmp_path: Path) -> Path:
    new = copy_run(tmp_path, "new")

    def change(index):
        case(index, "beta", "1.1.2").update(verdict="OK", behavior="OK")  # fix
        case(index, "beta", "5.1").update(verdict="FAILED", behavior="FAILED",
                                          result="no close frame")  # regression
        case(index, "alpha", "6.4.3").update(verdict="OK", behavior="OK")  # fix
        case(index, "alpha", "1.1.1").update(verdict="NON-STRICT")  # regression: less strict
        case(index, "alpha", "7.13.1").update(verdict="UNIMPLEMENTED")  # other
        alpha = next(t for t in index["targets"] if t["agent"] == "alpha")
        alpha["cases"] = [c for c in alpha["cases"] if c["id"] != "S.1.2"]  # other: gone
    edit_index(new, change)
    return new


def test_diff_groups_changes_and_fails_on_regressions(tmp_path):
    new = changed_run(tmp_path)
    html = tmp_path / "diff.html"
    result = run_suite("diff", RUN, new, "--html", html)
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "alpha: 11 -> 10 cases; 1 regressions, 1 fixes, 2 other changes" in out
    assert "beta: 11 cases; 1 regressions, 1 fixes, 0 other changes" in out
    alpha = out[out.index("alpha:"):out.index("beta:")]
    assert re.search(r"regressions:\n\s+1\.1\.1\s+OK -> NON-STRICT", alpha)
    assert re.search(r"fixes:\n\s+6\.4\.3\s+NON-STRICT -> OK", alpha)
    assert re.search(r"other changes:\n\s+7\.13\.1\s+INFORMATIONAL -> UNIMPLEMENTED .*\n"
                     r"\s+S\.1\.2\s+INFORMATIONAL -> \(not run\)", alpha)
    beta = out[out.index("beta:"):]
    assert re.search(r"5\.1\s+OK -> FAILED .*\(behavior FAILED: no close frame\)", beta)
    assert re.search(r"1\.1\.2\s+FAILED -> OK", beta)
    assert "2 regressions" in result.stderr
    page = html.read_text()
    assert "<h3>Regressions (1)</h3>" in page and "<h3>Other changes (2)</h3>" in page
    # Without a report next to the new run there is nothing to link to.
    assert "index.html#case=" not in page


def test_diff_without_regressions_exits_0_and_links_the_new_report(tmp_path):
    new = copy_run(tmp_path, "new")
    edit_index(new, lambda i: case(i, "beta", "1.1.2").update(verdict="OK", behavior="OK"))
    assert run_suite("report", new).returncode == 1  # beta still has FAILED cases
    result = run_suite("diff", RUN, new, "--html", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "beta: 11 cases; 0 regressions, 1 fixes, 0 other changes" in result.stdout
    page = (tmp_path / "diff.html").read_text()
    assert 'href="new/index.html#case=1/1.1.2"' in page
    same = run_suite("diff", RUN, RUN)
    assert same.returncode == 0 and "0 regressions, 0 fixes, 0 other changes" in same.stdout


# --- merged runs -------------------------------------------------------------------------------

def test_several_runs_merge_into_one_matrix(tmp_path):
    first, second = copy_run(tmp_path, "monday"), copy_run(tmp_path, "tuesday")
    edit_index(second, lambda i: i.update(targets=i["targets"][1:]))  # beta only
    out = tmp_path / "merged"
    result = run_suite("report", first, second, "--out", out)
    assert result.returncode == 1, result.stderr
    html = (out / "index.html").read_text()
    page = parse_cells(html)
    assert all(len(row["cells"]) == 3 for row in page.rows) and len(page.rows) == 12
    blob = details_blob(html)
    assert [t["label"] for t in blob["targets"]] == ["alpha", "beta (monday)", "beta (tuesday)"]
    for target in blob["targets"]:
        for entry in target["cases"].values():
            assert (out / entry["record"]).is_file(), entry["record"]
    summary = (out / "summary.md").read_text()
    assert summary.count("### wsconform:") == 3
    junit = ET.parse(out / "junit.xml").getroot()
    assert junit.get("tests") == "33"


# --- shortened wire records (--wire-log) ----------------------------------------------------------

# 1.2.6: a 65535-byte binary echo, big enough to be shortened (8 KiB per direction), small
# enough to be recorded whole with --wire-log full; 2.1 and 1.1.1 stay small.
SHORT_CASES = "1.1.1,1.2.6,2.1"


def harness(binaries, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binaries.wsconform), "-q", *map(str, args)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)


def record_of(out: Path, case_id: str) -> dict:
    index = json.loads((out / "index.json").read_text())
    (entry,) = [c for c in index["targets"][0]["cases"] if c["id"] == case_id]
    return json.loads((out / entry["wire_log"]).read_text())


def stream(record: dict, direction: str) -> bytes:
    """What went one way, from the chunks of a complete record."""
    assert "shortened" not in record
    return b"".join(bytes.fromhex(c["hex"]) for c in record["chunks"] if c["dir"] == direction)


@pytest.fixture(scope="module")
def wire_log_runs(binaries, start_module_server, reference_server_command, tmp_path_factory):
    """The same cases against the reference server with the default (--wire-log failed) and
    with --wire-log full."""
    server = start_module_server(reference_server_command(), "reference")
    base = tmp_path_factory.mktemp("wire-log")
    runs = {}
    for mode in ("failed", "full"):
        out = base / mode
        extra = [] if mode == "failed" else ["--wire-log", mode]
        result = harness(binaries, "--target", server.url, "--out", out, "--agent", "ref",
                         "--cases", SHORT_CASES, *extra)
        assert result.returncode == 0, result.stderr[-2000:]
        runs[mode] = out
    return runs


def test_a_bulky_record_keeps_head_tail_and_the_digest_of_its_middle(wire_log_runs):
    short = record_of(wire_log_runs["failed"], "1.2.6")
    full = record_of(wire_log_runs["full"], "1.2.6")
    assert short["verdict"] == "OK" and short["shortened"]["mode"] == "failed"
    ends = short["shortened"]["chunks"]
    # What the server echoed is the same bytes in both runs (our masks differ, its frames do
    # not): the shortened record's head and tail are those bytes' ends, its digest their middle.
    rx = stream(full, "rx")
    assert ends["rx"]["bytes"] == len(rx) > 65535
    head, tail_from = ends["rx"]["head_bytes"], ends["rx"]["tail_from"]
    assert head == 4096 and len(rx) - tail_from == 4096
    assert ends["rx"]["middle_bytes"] == tail_from - head
    assert ends["rx"]["middle_sha256"] == hashlib.sha256(rx[head:tail_from]).hexdigest()
    kept = b"".join(bytes.fromhex(c["hex"]) for c in short["chunks"] if c["dir"] == "rx")
    # (the 101 response differs: Sec-WebSocket-Accept answers each run's random key)
    frames_at = rx.index(b"\r\n\r\n") + 4
    assert kept.startswith(b"HTTP/1.1 101") and len(kept) == 2 * 4096
    assert kept[frames_at:] == (rx[:head] + rx[tail_from:])[frames_at:]
    # Sent: as many bytes as in the full run, and the tail still has our Close (written on
    # its own, after the 64 KiB message).
    assert ends["tx"]["bytes"] == len(stream(full, "tx"))
    tx = [c for c in short["chunks"] if c["dir"] == "tx"]
    assert tx[-1]["hex"].startswith("88") and "kept" not in tx[-1]
    assert [f["opcode_name"] for f in short["frames"]] == [f["opcode_name"]
                                                          for f in full["frames"]]
    for chunk in short["chunks"]:
        if "kept" in chunk:
            assert sum(b - a for a, b in chunk["kept"]) == len(chunk["hex"]) // 2 < chunk["length"]
    # Everything but the bulk is as in a complete record.
    for key in ("received", "http_request", "notes", "expected", "was_clean"):
        assert type(short[key]) is type(full[key]), key
    assert short["received"][0]["length"] == full["received"][0]["length"] == 65535
    # Small records are not touched.
    for case_id in ("1.1.1", "2.1"):
        assert "shortened" not in record_of(wire_log_runs["failed"], case_id), case_id


def test_the_html_opens_a_shortened_record(wire_log_runs, tmp_path):
    run = Path(shutil.copytree(wire_log_runs["failed"], tmp_path / "run"))
    reports.generate([run])
    entry = details_blob((run / "index.html").read_text())["targets"][0]["cases"]["1.2.6"]
    wire_ = entry["wire"]
    assert entry["wire_error"] == "" and wire_ is not None
    short = record_of(run, "1.2.6")
    ends = short["shortened"]["chunks"]
    assert wire_["notes"][0].startswith("shortened record (--wire-log failed")
    assert ends["rx"]["middle_sha256"] in wire_["notes"][0]
    assert wire_["bytes_total"] == ends["rx"]["bytes"] + ends["tx"]["bytes"]
    assert wire_["frames"] and wire_["chunks"] and base64.b64decode(wire_["raw"])
    assert (run / entry["record"]).is_file()
    # Autobahn's layout keeps every key, and says the record is short.
    layout = json.loads((run / "autobahn/ref_case_1_2_6.json").read_text())
    complete = json.loads((run / "autobahn/ref_case_1_1_1.json").read_text())
    assert layout.keys() == complete.keys()
    assert layout["wsconform"]["shortened"] is True and complete["wsconform"]["shortened"] is False
    assert layout["wirelog"] and sum(layout["rxOctetStats"].values()) == \
        sum(c["dir"] == "rx" for c in short["chunks"])


def test_a_failed_record_is_complete(binaries, start_server, faulty_server_command, tmp_path):
    """corrupt-large changes a byte in the middle of echoes above 64 KiB: 1.2.x's 65535 bytes
    come back as sent (OK, shortened), 9.1.2's 256 KiB do not (FAILED, every byte kept)."""
    server = start_server(faulty_server_command("corrupt-large"), "corrupt-large")
    records = {}
    for mode in ("failed", "summary"):
        out = tmp_path / mode
        result = harness(binaries, "--target", server.url, "--out", out, "--agent", "faulty",
                         "--cases", "1.2.6,9.1.2", "--wire-log", mode)
        assert result.returncode == 1, result.stderr[-2000:]
        records[mode] = {i: record_of(out, i) for i in ("1.2.6", "9.1.2")}
    failed = records["failed"]["9.1.2"]
    assert failed["verdict"] == "FAILED" and "shortened" not in failed
    # Complete, as every record was before --wire-log: every chunk's bytes up to the 9.x
    # recording budget (64 KiB), the chunks beyond it with their lengths.
    recorded = [c for c in failed["chunks"] if "hex" in c]
    assert all(c["length"] == len(c["hex"]) // 2 for c in recorded)
    assert sum(c["length"] for c in recorded) <= 64 * 1024
    assert any(c.get("elided") for c in failed["chunks"])
    assert sum(c["length"] for c in failed["chunks"]) > 2 * 256 * 1024
    assert all("kept" not in c for c in failed["chunks"]) and failed["frames"]
    assert "shortened" in records["failed"]["1.2.6"]
    # --wire-log summary shortens it too.
    assert records["summary"]["9.1.2"]["shortened"]["mode"] == "summary"


# A full run (616 cases, reference server): 133 MB with --wire-log full, 25 MB by default. The
# real run below leaves out the compression cases; with every record whole it is about 19 MB.
# The biggest shortened record: C.3.1 (310 KB), whose 24 received events keep their 4 KiB
# payload previews; before, 9.5/9.6 were 1 MB each.
SHORT_RECORD_MAX = 400_000
RUN_DIR_MAX = 12_000_000
AUTOBAHN_MAX = 2_000_000


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- real runs ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_run(binaries, tmp_path_factory):
    """run_suite.py against the reference server: what a user's first run does. The floods
    (L.7, L.8: the biggest records) are in; the slow handshake, the size search and the crowd
    are left to the tests of those cases."""
    out = tmp_path_factory.mktemp("real") / "out"
    summary = out.parent / "step-summary.md"
    summary.write_text("earlier step\n")
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir),
               GITHUB_STEP_SUMMARY=str(summary))
    result = run_suite("--out", out, "--exclude-cases", SLOW_ELSEWHERE, env=env, timeout=600)
    return out, result, summary


def test_a_run_writes_every_report(real_run):
    out, result, step_summary = real_run
    assert result.returncode == 0, result.stderr[-3000:]
    assert {"index.json", "index.html", "junit.xml", "summary.md"} <= {p.name
                                                                       for p in out.iterdir()}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    index = json.loads((out / "index.json").read_text())
    check_junit((out / "junit.xml").read_text(), index)
    page = parse_cells((out / "index.html").read_text())
    assert [row["id"] for row in page.rows] == [c["id"] for c in index["targets"][0]["cases"]]
    summary = (out / "summary.md").read_text()
    counts = index["targets"][0]["summary"]
    assert f"| {' | '.join(str(counts[v]) for v in VERDICTS)} | {counts['total']} |" in summary
    assert step_summary.read_text() == "earlier step\n" + summary
    assert f"report: {out / 'index.html'}" in result.stderr
    assert (out / "index.html").stat().st_size < 2_000_000


def test_every_real_record_summarises_the_same_from_its_head(real_run, binaries, start_server,
                                                             reference_server_command, tmp_path):
    out, result, _ = real_run
    assert result.returncode == 0
    records = sorted(out.glob("cases/*/*.json"))
    assert len(records) > 300
    # The floods' records are big only when kept whole: by default (they pass) they are short.
    server = start_server(reference_server_command(), "reference")
    floods = harness(binaries, "--target", server.url, "--out", tmp_path / "full", "--cases",
                     "L.7,L.8", "--wire-log", "full")
    assert floods.returncode == 0, floods.stderr[-2000:]
    records += sorted((tmp_path / "full").glob("cases/*/*.json"))
    assert max(r.stat().st_size for r in records) > wire.FULL_READ_LIMIT
    for path in records:
        text = path.read_text()
        whole = wire.summarise(json.loads(text))
        head = wire.summarise_head(text)
        for key in ("frames_total", "chunks_total", "bytes_total", "partial"):
            whole.pop(key, None)
            head.pop(key, None)
        assert head == whole, path.name


def test_the_report_of_a_run_is_small(real_run):
    """Records of cases that passed are shortened where big (--wire-log failed, the default):
    the run's whole directory, reports and Autobahn's layout included, stays small."""
    out, result, _ = real_run
    assert result.returncode == 0
    paths = sorted(out.glob("cases/*/*.json"))
    records = {p: json.loads(p.read_text()) for p in paths}
    shortened = [p for p, r in records.items() if "shortened" in r]
    assert {p.stem for p in shortened} >= {"9.1.6", "9.2.6", "9.8.3", "L.7", "L.8"}
    assert max(p.stat().st_size for p in shortened) < SHORT_RECORD_MAX
    assert du(out / "autobahn") < AUTOBAHN_MAX
    assert du(out) < RUN_DIR_MAX, du(out)


def test_a_run_with_failures_passes_with_its_baseline(binaries, start_server,
                                                      faulty_server_command, tmp_path):
    server = start_server(faulty_server_command("no-pong"), "faulty-no-pong")
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    env.pop("GITHUB_STEP_SUMMARY", None)
    common = ["--target", server.url, "--agent", "no-pong", "--cases", "1.1.1,2.1,2.2"]
    plain = run_suite(*common, "--out", tmp_path / "plain", env=env, timeout=300)
    assert plain.returncode == 1, plain.stderr[-2000:]
    failed = [c["id"] for c in json.loads((tmp_path / "plain/index.json").read_text())
              ["targets"][0]["cases"] if c["verdict"] == "FAILED"]
    assert failed == ["2.1", "2.2"]
    baseline = write(tmp_path / "b.txt", "no-pong: 2.*\n")
    excused = run_suite(*common, "--out", tmp_path / "excused", "--expect-failures", baseline,
                        env=env, timeout=300)
    assert excused.returncode == 0, excused.stderr[-2000:]
    stale = write(tmp_path / "stale.txt", "no-pong: 2.*\n1.1.1\n")
    result = run_suite(*common, "--out", tmp_path / "stale", "--expect-failures", stale,
                       env=env, timeout=300)
    assert result.returncode == 1
    assert f"stale baseline: remove 1.1.1 ({stale}:2): it is OK on no-pong now" in result.stderr


def test_a_report_failure_keeps_the_results(binaries, tmp_path):
    out = tmp_path / "out"
    (out / "junit.xml").mkdir(parents=True)
    (out / "junit.xml" / "keep").write_text("x")
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    result = run_suite("--out", out, "--cases", "1.1.1", env=env, timeout=300)
    lines = result.stderr.splitlines()
    assert result.returncode == 2
    assert lines[-1].startswith("run_suite: report: cannot write the report") and \
        f"the results are in {out / 'index.json'}" in lines[-1]
    assert json.loads((out / "index.json").read_text())["targets"][0]["cases"][0]["id"] == "1.1.1"
