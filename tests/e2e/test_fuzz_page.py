"""The fuzzing page (reports/fuzz_page.py): libFuzzer's status lines, as its logs have them
(in-process and -fork=N; lines taken from real runs of fuzz/utf8 and fuzz/beast_differential),
into time series, and the page written from them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from reports import chartlib  # noqa: E402  (the package under test, from the checkout)
from reports.fuzz_page import (fuzz_logs_in, parse_log, parse_status,  # noqa: E402
                               read_logs, thin, write_fuzz_page)

IN_PROCESS = """\
INFO: Running with entropic power schedule (0xFF, 100).
INFO: Seed: 809035490
INFO: Loaded 1 modules   (39 inline 8-bit counters): 39 [0x55e0db0e5770, 0x55e0db0e5797),
INFO: A corpus is not provided, starting from an empty corpus
#2\tINITED cov: 6 ft: 7 corp: 1/1b exec/s: 0 rss: 34Mb
#11\tNEW    cov: 10 ft: 12 corp: 2/4b lim: 4 exec/s: 0 rss: 34Mb L: 3/3 MS: 4 CrossOver-EraseBytes-CopyPart-CrossOver-
#324\tREDUCE cov: 23 ft: 33 corp: 13/45b lim: 4 exec/s: 0 rss: 35Mb L: 3/4 MS: 1 CrossOver-
#131072\tpulse  cov: 30 ft: 90 corp: 58/700b lim: 64 exec/s: 131072 rss: 50Mb
#150011\tNEW    cov: 31 ft: 92 corp: 59/720b lim: 64 exec/s: 75005 rss: 51Mb L: 20/64 MS: 2 ShuffleBytes-CMP- DE: "\\001\\000"-
#262144\tpulse  cov: 31 ft: 96 corp: 62/779b lim: 64 exec/s: 87381 rss: 58Mb
#1048576\tpulse  cov: 31 ft: 98 corp: 64/20Kb lim: 64 exec/s: 74898 rss: 67Mb
###### Recommended dictionary. ######
"\\377\\377" # Uses: 4629
###### End of recommended dictionary. ######
Done 1101229 runs in 15 second(s)
stat::number_of_executed_units: 1101229
stat::average_exec_per_sec:     73415
stat::new_units_added:          131
stat::slowest_unit_time_sec:    0
stat::peak_rss_mb:              67
"""

FORK = """\
$ /work/main/build/fuzz-engine/fuzz/beast_differential -timeout=25 -fork=2 corpus
INFO: -fork=2: fuzzing in separate process(s)
INFO: -fork=2: 387 seed inputs, starting to fuzz in /tmp/libFuzzerTemp.FuzzWithFork4402.dir
#2862: cov: 7464 ft: 7464 corp: 387 exec/s 1431 oom/timeout/crash: 0/0/0 time: 3s job: 1 dft_time: 0
  NEW_FUNC: 0x562bda974070 in LLVMFuzzerTestOneInput /work/main/fuzz/beast_differential.cpp:572
#23222: cov: 9545 ft: 7531 corp: 404 exec/s 1249 oom/timeout/crash: 0/0/0 time: 9s job: 4 dft_time: 0
#87246: cov: 9740 ft: 7718 corp: 432 exec/s 3274 oom/timeout/crash: 0/0/0 time: 23s job: 7 dft_time: 0
INFO: fuzzed for 23 seconds, wrapping up soon
INFO: exiting: 0 time: 23s
"""


def test_an_in_process_status_line():
    assert parse_status("#150011\tNEW    cov: 31 ft: 92 corp: 59/720b lim: 64 exec/s: 75005 "
                        "rss: 51Mb L: 20/64 MS: 2 ShuffleBytes-CMP-") == {
        "runs": 150011, "event": "NEW", "cov": 31, "ft": 92, "corpus_units": 59,
        "corpus_bytes": 720, "exec_per_sec": 75005, "rss_mb": 51, "time": None}
    assert parse_status("#1048576\tpulse  cov: 31 ft: 98 corp: 64/20Kb lim: 64 exec/s: 74898 "
                        "rss: 67Mb")["corpus_bytes"] == 20 << 10


def test_a_fork_mode_status_line():
    assert parse_status("#2862: cov: 7464 ft: 7464 corp: 387 exec/s 1431 oom/timeout/crash: "
                        "0/0/0 time: 3s job: 1 dft_time: 0") == {
        "runs": 2862, "event": "job", "cov": 7464, "ft": 7464, "corpus_units": 387,
        "corpus_bytes": None, "exec_per_sec": 1431, "rss_mb": None, "time": 3}


@pytest.mark.parametrize("line", ["###### Recommended dictionary. ######", "#1 the target's own",
                                  "  NEW_FUNC: 0x562bda974070 in LLVMFuzzerTestOneInput",
                                  "INFO: exiting: 0 time: 23s", "Done 1101229 runs"])
def test_other_lines_are_not_status_lines(line):
    assert parse_status(line) is None


def test_an_in_process_log_as_time_series():
    samples, stats = parse_log(IN_PROCESS)
    assert [s.event for s in samples] == ["INITED", "NEW", "REDUCE", "pulse", "NEW", "pulse",
                                          "pulse"]
    assert [s.cov for s in samples] == [6, 10, 23, 30, 31, 31, 31]
    assert [s.exec_per_sec for s in samples] == [0, 0, 0, 131072, 75005, 87381, 74898]
    # Time: libFuzzer's whole seconds, executions / exec/s; 0 within the first second.
    assert [round(s.seconds, 2) for s in samples] == [0, 0, 0, 1, 2, 3, 14]
    assert stats == {"number_of_executed_units": 1101229, "average_exec_per_sec": 73415,
                     "new_units_added": 131, "slowest_unit_time_sec": 0, "peak_rss_mb": 67}


def test_a_fork_mode_log_says_its_time():
    samples, stats = parse_log(FORK)
    assert [(s.seconds, s.executions, s.cov, s.ft, s.corpus_units, s.exec_per_sec)
            for s in samples] == [(3, 2862, 7464, 7464, 387, 1431),
                                  (9, 23222, 9545, 7531, 404, 1249),
                                  (23, 87246, 9740, 7718, 432, 3274)]
    assert stats == {}


def test_logs_of_one_target_follow_each_other(tmp_path):
    first, second = tmp_path / "one.log", tmp_path / "two.log"
    first.write_text(FORK)
    second.write_text(IN_PROCESS)
    log = read_logs("beast", [first, second, tmp_path / "missing.log"])
    assert len(log.samples) == 3 + 7
    assert log.samples[3].seconds == 23 and log.samples[3].executions == 87246 + 2
    assert log.samples[-1].seconds == pytest.approx(23 + 1048576 / 74898)
    assert log.final_stats["peak_rss_mb"] == 67
    assert len(log.problems) == 1 and "missing.log: cannot read" in log.problems[0]


def test_thin_keeps_the_first_and_the_last():
    samples, _ = parse_log(IN_PROCESS)
    kept = thin(samples, 3)
    assert kept == [samples[0], samples[3], samples[-1]]
    assert thin(samples, 100) == samples


def test_the_page(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "utf8.fuzz.log").write_text(IN_PROCESS)
    (logs / "beast_differential.fuzz.log").write_text(FORK)
    (logs / "beast_differential.merge.log").write_text("MERGE-OUTER: 3 new files\n")
    (logs / "inflate.fuzz.log").write_text("INFO: Seed: 1\n")
    found = fuzz_logs_in(logs)
    assert found == {"beast_differential": [logs / "beast_differential.fuzz.log"],
                     "inflate": [logs / "inflate.fuzz.log"], "utf8": [logs / "utf8.fuzz.log"]}
    out = tmp_path / "fuzz" / "fuzz.html"
    parsed = write_fuzz_page(found, out)
    assert [len(log.samples) for log in parsed] == [3, 0, 7]
    html = out.read_text()
    assert "<td>beast_differential</td><td>3</td><td>23</td><td>87,246</td><td>9,740</td>" in html
    assert "No status lines in the logs of inflate." in html
    if chartlib.load() is None:
        pytest.skip("uPlot could not be installed (see stderr)")
    start = html.index('id="wsconform-charts">') + len('id="wsconform-charts">')
    charts = json.loads(html[start:html.index("</script>", start)])
    assert [c["title"] for c in charts] == ["beast_differential", "utf8"]
    fork = charts[0]
    assert fork["x_values"] == [3, 9, 23]
    assert {s["label"]: s["values"] for s in fork["series"]} == {
        "cov": [7464, 9545, 9740], "ft": [7464, 7531, 7718], "exec/s": [1431, 1249, 3274]}
    assert [s["axis"] for s in fork["series"]] == [0, 0, 1]
    assert " src=" not in html and "<link" not in html  # one file: nothing loaded from elsewhere
