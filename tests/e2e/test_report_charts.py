"""The report's charts as data (reports/charts.py), from hand-made index.json runs, and the
charting library's installation (reports/chartlib.py) when npm is missing or fails.

No browser here: test_reports_browser.py checks that the charts are drawn.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from reports import chartlib, generate  # noqa: E402  (the package under test, from the checkout)
from reports.charts import (build_charts, compression_parameters, data_set_name,  # noqa: E402
                            human_size, parse_size, probes_of)
from reports.model import Target, parse_index  # noqa: E402

JSON_TITLE = "Large JSON data file (utf8, 194056 bytes)"
OFFER = ("client offers (requestNoContextTakeover, requestMaxWindowBits): [(True, 9)] / "
         "server accept (requestNoContextTakeover, requestMaxWindowBits): [(True, 9)]")
L9_NOTES = ["probes (6), this record is of the smallest refused one:",
            "  1048576 bytes: echoed", "  2097152 bytes: echoed",
            "  4194304 bytes: refused with close 1009", "  2097153 bytes: refused with close 1009",
            "  3145728 bytes: refused with close 1009", "  2621440 bytes: no echo: timer fired",
            "the peer closed with 1009"]


def case(case_id: str, title: str, verdict: str = "OK", duration_ms: int = 10,
         subgroup: str = "", **metrics: float) -> dict:
    return {"id": case_id, "title": title, "verdict": verdict, "behavior": verdict,
            "behavior_close": "OK", "duration_ms": duration_ms, "subgroup": subgroup,
            "metrics": metrics}


def throughput(case_id: str, title: str, mb_s: float) -> dict:
    return case(case_id, title, throughput_mb_s=mb_s, transfer_ms=1.5, echoed_messages=1)


def alpha_cases() -> list[dict]:
    return [
        case("1.1.1", "Send text message with payload length 0"),
        throughput("9.1.1", "Send a text message of 64 KiB (65536 bytes) in one frame", 100.5),
        throughput("9.1.3", "Send a text message of 1 MiB (1048576 bytes) in one frame", 300),
        throughput("9.2.1", "Send a binary message of 64 KiB (65536 bytes) in one frame", 120),
        # FAILED without an echo: no figure, its size still on the axis.
        case("9.2.2", "Send a binary message of 256 KiB (262144 bytes) in one frame",
             verdict="FAILED"),
        throughput("9.3.1", "Send a text message of 4 MiB in fragments of 64 bytes "
                   "(65536 frames)", 20),
        throughput("9.3.9", "Send a text message of 4 MiB in fragments of 4 MiB (1 frame)", 400),
        throughput("9.5.1", "Send a text message of 1 MiB in one frame, written in chops of "
                   "64 octets", 30),
        case("9.7.1", "Send 1000 text messages of 0 bytes, each once the previous one's echo "
             "arrived (round-trip time)", rtt_p50_ms=0.05, rtt_p99_ms=0.2, rtt_max_ms=1),
        case("9.7.5", "Send 1000 text messages of 1 KiB, each once the previous one's echo "
             "arrived (round-trip time)", rtt_p50_ms=0.08, rtt_p99_ms=0.4),
        compression("12.1.1", 16, 0, 120),
        compression("12.1.11", 8192, 256, 900),
        compression("12.2.1", 16, 0, 140, data_set="Picture, Bitmap 512x512 grayscale "
                    "(binary, 263222 bytes)"),
        compression("13.1.1", 16, 0, 150, subgroup=f"{JSON_TITLE} - {OFFER}"),
        compression("13.1.2", 64, 0, 0, subgroup=f"{JSON_TITLE} - {OFFER}"),  # 0 ms: off a log axis
        case("L.9", "Find the largest binary message the server echoes", verdict="OK",
             largest_echoed_bytes=2097152, smallest_refused_bytes=2097153,
             refusal_close_code=1009) | {"wire_log": "cases/alpha/L.9.json"},
    ]


def compression(case_id: str, payload: int, fragment: int, duration_ms: int,
                data_set: str = JSON_TITLE, subgroup: str = "", verdict: str = "OK") -> dict:
    title = (f"Send 1000 compressed messages each of payload size {payload}, auto-fragment to "
             f"{fragment} octets. Use default permessage-deflate offer.")
    return case(case_id, title, verdict=verdict, duration_ms=duration_ms,
                subgroup=subgroup or data_set, throughput_mb_s=1.0)


def beta_cases() -> list[dict]:
    return [
        throughput("9.1.1", "Send a text message of 64 KiB (65536 bytes) in one frame", 50),
        throughput("9.1.5", "Send a text message of 8 MiB (8388608 bytes) in one frame", 80),
        case("9.7.1", "Send 1000 text messages of 0 bytes, each once the previous one's echo "
             "arrived (round-trip time)", rtt_p50_ms=0.5, rtt_p99_ms=3),
        compression("12.1.1", 16, 0, 200),
        compression("12.1.11", 8192, 256, 0, verdict="UNIMPLEMENTED"),
        # No wire record: the bounds from the metrics alone.
        case("L.9", "Find the largest binary message the server echoes",
             verdict="INFORMATIONAL", largest_echoed_bytes=67108864),
    ]


def write_chart_run(directory: Path, agents: tuple[str, ...] = ("alpha", "beta")) -> Path:
    """A run of two targets with cases of every charted kind (and one that is not charted);
    alpha's L.9 has a wire record with its probes in the notes."""
    cases = {"alpha": alpha_cases(), "beta": beta_cases()}
    index = {"schema": "wsconform-report/1", "tool": {"name": "wsconform", "version": "0.1.0"},
             "started_at": "2026-11-21T10:00:00Z", "duration_ms": 4210,
             "targets": [{"agent": name, "url": f"ws://127.0.0.1:900{n}/", "mode": "server",
                          "cases": cases[default]}
                         for n, (name, default) in enumerate(zip(agents, ("alpha", "beta")))]}
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.json").write_text(json.dumps(index))
    (directory / "cases" / "alpha").mkdir(parents=True, exist_ok=True)
    (directory / "cases" / "alpha" / "L.9.json").write_text(json.dumps(
        {"id": "L.9", "notes": L9_NOTES, "frames": [], "chunks": []}))
    return directory


def targets_of(directory: Path) -> list[Target]:
    index = json.loads((directory / "index.json").read_text())
    return list(parse_index(index, directory, "index.json").targets)


def by_id(charts) -> dict:
    return {c.id: c for c in charts}


def values(chart, label: str) -> list:
    return next(s.values for s in chart.series if s.label == label)


# --- parameters read from titles -----------------------------------------------------------------

def test_sizes_and_parameters_are_read_from_titles():
    assert parse_size("a text message of 64 KiB (65536 bytes)") == 65536
    assert parse_size("chops of 2048 octets") == 2048
    assert parse_size("4 MiB") == 4 << 20
    assert parse_size("no size") is None
    assert [human_size(n) for n in (0, 16, 1024, 1536, 4 << 20)] == \
        ["0 B", "16 B", "1 KiB", "1.5 KiB", "4 MiB"]
    assert compression_parameters("payload size 131072, auto-fragment to 4096 octets.") == \
        (131072, 4096)
    assert compression_parameters("Send a ping") is None


def test_a_compression_sub_group_is_named_by_its_data_set_or_offer(tmp_path):
    targets = targets_of(write_chart_run(tmp_path / "run"))
    names = {c.id: data_set_name(c) for c in targets[0].cases if c.category in ("12", "13")}
    assert names["12.1.1"] == "Large JSON data file"
    assert names["12.2.1"] == "Picture, Bitmap 512x512 grayscale"
    assert names["13.1.1"] == "no context takeover, 9-bit window"


# --- the charts ----------------------------------------------------------------------------------

def test_a_merged_run_has_every_chart_with_a_series_per_target(tmp_path):
    targets = targets_of(write_chart_run(tmp_path / "run"))
    charts = by_id(build_charts(targets))
    assert list(charts) == ["9-size", "9-fragment", "9-chop", "9-rtt-text", "12-time",
                            "13-time", "L9-search"]

    size = charts["9-size"]
    # Every size any target ran, in order; each target's figures at their sizes.
    assert size.x_ticks == ["64 KiB", "256 KiB", "1 MiB", "8 MiB"]
    assert [s.label for s in size.series] == ["alpha text", "alpha binary", "beta text"]
    assert values(size, "alpha text") == [100.5, None, 300.0, None]
    assert values(size, "alpha binary") == [120.0, None, None, None]  # 256 KiB FAILED
    assert values(size, "beta text") == [50.0, None, None, 80.0]
    alpha_text = size.series[0]
    assert alpha_text.cases == ["9.1.1", None, "9.1.3", None] and alpha_text.target == 0
    # Colour by target, line style by variant.
    assert [(s.colour, s.dash) for s in size.series] == [("alpha", 0), ("alpha", 1), ("beta", 0)]
    assert size.y_unit == "MB/s"

    assert charts["9-fragment"].x_ticks == ["64 B", "4 MiB"]
    assert charts["9-chop"].x_ticks == ["64 B"]

    rtt = charts["9-rtt-text"]
    assert rtt.x_ticks == ["0 B", "1 KiB"]
    assert {s.label: s.values for s in rtt.series} == {
        "alpha p50": [0.05, 0.08], "alpha p99": [0.2, 0.4],
        "beta p50": [0.5, None], "beta p99": [3.0, None]}


def test_compression_charts_give_time_per_case_by_data_set(tmp_path):
    charts = by_id(build_charts(targets_of(write_chart_run(tmp_path / "run"))))
    twelve = charts["12-time"]
    # Unfragmented first, then fragmented, an empty tick between (where the lines break).
    assert twelve.x_ticks == ["16 B", "", "8 KiB / 256 B"]
    assert twelve.y_log
    series = {s.label: s.values for s in twelve.series}
    assert series == {"alpha 12.1 Large JSON data file": [120.0, None, 900.0],
                      "alpha 12.2 Picture, Bitmap 512x512 grayscale": [140.0, None, None],
                      # UNIMPLEMENTED: decided at the handshake, its time is no figure
                      "beta 12.1 Large JSON data file": [200.0, None, None]}
    # One colour per data set, one line style per target.
    assert {(s.colour, s.dash) for s in twelve.series} == {
        ("12.1 Large JSON data file", 0), ("12.2 Picture, Bitmap 512x512 grayscale", 0),
        ("12.1 Large JSON data file", 1)}
    thirteen = charts["13-time"]
    assert [(s.label, s.values) for s in thirteen.series] == [
        ("alpha 13.1 no context takeover, 9-bit window", [150.0, None])]  # 0 ms left out


def test_the_size_search_shows_every_probe_in_order(tmp_path):
    charts = by_id(build_charts(targets_of(write_chart_run(tmp_path / "run")),
                                {(0, "L.9"): L9_NOTES}))
    search = charts["L9-search"]
    assert search.x_ticks == ["1", "2", "3", "4", "5", "6"]
    series = {s.label: s for s in search.series}
    mib = 1 << 20
    assert series["alpha echoed"].values == [mib, 2 * mib, None, None, None, None]
    assert series["alpha refused"].values == [None, None, 4 * mib, 2 * mib + 1, 3 * mib,
                                              2.5 * mib]
    assert (series["alpha echoed"].marker, series["alpha refused"].marker) == ("filled", "hollow")
    # beta's record is absent: its metrics give the one bound it found.
    assert series["beta echoed"].values[0] == 64 * mib and "beta refused" not in series
    assert search.findings == [
        "alpha OK: 6 probes; largest echoed 2,097,152 bytes (2 MiB); smallest refused "
        "2,097,153 bytes, close 1009",
        "beta INFORMATIONAL: its bounds (the probes are not in a wire record); largest echoed "
        "67,108,864 bytes (64 MiB)"]


def test_probes_are_read_from_the_notes():
    assert probes_of(L9_NOTES)[:3] == [(1048576, True, "echoed"), (2097152, True, "echoed"),
                                       (4194304, False, "refused with close 1009")]
    assert probes_of(["no probes here"]) == []


def test_a_single_target_names_no_target_and_charts_only_what_it_ran(tmp_path):
    targets = targets_of(write_chart_run(tmp_path / "run"))[1:]  # beta alone
    charts = by_id(build_charts(targets))
    assert list(charts) == ["9-size", "9-rtt-text", "12-time", "L9-search"]
    assert [s.label for s in charts["9-size"].series] == ["text"]
    assert [s.label for s in charts["9-rtt-text"].series] == ["p50", "p99"]


def test_a_run_without_measured_cases_has_no_charts():
    fixture = Path(__file__).resolve().parent / "fixtures" / "reports" / "two-targets"
    assert build_charts(targets_of(fixture)) == []


def test_the_chart_data_is_plain_json(tmp_path):
    charts = build_charts(targets_of(write_chart_run(tmp_path / "run")))
    data = json.loads(json.dumps([c.as_json() for c in charts]))
    assert data[0]["series"][0] == {"label": "alpha text", "values": [100.5, None, 300.0, None],
                                    "cases": ["9.1.1", None, "9.1.3", None], "colour": "alpha",
                                    "target": 0, "dash": 0, "marker": "", "axis": 0}


# --- the page ------------------------------------------------------------------------------------

def test_the_report_reads_the_probes_from_the_record_and_escapes_labels(tmp_path):
    run = write_chart_run(tmp_path / "run", agents=("alpha</script><b>", "beta"))
    report = generate([run])
    html = report.files["index.html"].read_text()
    if chartlib.load() is None:
        pytest.skip("uPlot could not be installed (see stderr)")
    start = html.index('id="wsconform-charts">') + len('id="wsconform-charts">')
    data = json.loads(html[start:html.index("</script>", start)])
    assert [c["id"] for c in data][-1] == "L9-search"
    assert len(data[-1]["x_ticks"]) == 6  # the six probes of the record's notes
    assert data[0]["series"][0]["label"] == "alpha</script><b> text"
    assert "alpha</script><b>" not in html  # in the JSON as \u003c, in HTML as &lt;
    assert html.count("<figure class=\"chart\"") == len(data)


def test_a_report_without_measured_cases_does_not_need_the_library(tmp_path, monkeypatch):
    fixture = Path(__file__).resolve().parent / "fixtures" / "reports" / "two-targets"
    monkeypatch.setattr(chartlib, "load", lambda *a, **k: pytest.fail("library loaded"))
    html = generate([shutil.copytree(fixture, tmp_path / "run")]).files["index.html"].read_text()
    assert "wsconform-charts" not in html and "uPlot" not in html


# --- the library ---------------------------------------------------------------------------------

def assets_without_library(tmp_path: Path) -> Path:
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy(chartlib.ASSETS / name, assets / name)
    return assets


def test_without_npm_the_report_is_written_without_charts(tmp_path, monkeypatch, capsys):
    assets = assets_without_library(tmp_path)
    monkeypatch.setattr(chartlib, "ASSETS", assets)
    monkeypatch.setattr(chartlib, "_loaded", {})
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    report = generate([write_chart_run(tmp_path / "run")])
    html = report.files["index.html"].read_text()
    assert "<figure" not in html and "wsconform-charts" not in html
    assert '<table id="matrix"' in html  # the rest of the report is all there
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"report written without charts: npm not found, so uPlot "
                     f"{chartlib.pinned_version()} cannot be installed into {assets}"]


def test_a_failing_npm_is_said_in_one_line(tmp_path, monkeypatch):
    assets = assets_without_library(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\necho 'npm error code ENOTFOUND' >&2\n"
                   "echo 'npm error network request to https://registry.npmjs.org/uplot "
                   "failed' >&2\necho 'npm error A complete log of this run can be found in: "
                   "/x.log' >&2\nexit 1\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    log = io.StringIO()
    assert chartlib.load(assets, log) is None
    version = chartlib.pinned_version()
    assert log.getvalue().splitlines() == [
        f"installing uPlot {version} for the report's charts (npm ci in {assets})",
        "report written without charts: npm ci failed (exit 1): npm error network request to "
        "https://registry.npmjs.org/uplot failed"]


def test_the_pinned_library_is_inlined_whole():
    library = chartlib.load()
    if library is None:
        pytest.skip("uPlot could not be installed (see stderr)")
    assert library.version == chartlib.pinned_version() == \
        json.loads((chartlib.ASSETS / "package.json").read_text())["dependencies"]["uplot"]
    assert library.script.startswith("/*! https://github.com/leeoniya/uPlot (v" +
                                     library.version + ")")
    assert "</script" not in library.script.lower()
    assert 20_000 < len(library.script) < 100_000 and ".uplot" in library.style
