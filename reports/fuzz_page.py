"""fuzz.html: libFuzzer's progress over time, one chart per fuzz target, from its own logs.

libFuzzer prints a status line whenever coverage grows and at every power-of-two execution
count, in one of two forms:

    #123456	NEW    cov: 1234 ft: 2345 corp: 56/789b lim: 4 exec/s: 12345 rss: 67Mb L: 3/4 MS: ...
    #2862: cov: 7464 ft: 7464 corp: 387 exec/s 1431 oom/timeout/crash: 0/0/0 time: 3s job: 1 ...

(in-process, and the parent of -fork=N), and with -print_final_stats=1 `stat::NAME: VALUE`
lines at the end. parse_log() reads them into samples; write_fuzz_page() writes one offline
HTML page with coverage (cov, ft) and exec/s against time per target, drawn by uPlot like the
report's charts. In-process lines carry no time: their time is libFuzzer's own count of whole
seconds, recovered as executions / exec/s (exec/s is executions per whole second since the
process started). Fork-mode lines say their time.

    write_fuzz_page(fuzz_logs_in(Path("reports/fuzz/logs")), Path("reports/fuzz/fuzz.html"))
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Mapping, Sequence

from . import chartlib
from .charts import Chart, Series
from .generate import write_file
from .html import chart_section, page

MAX_POINTS = 2000  # per target: hours of fuzzing print tens of thousands of NEW lines
FUZZ_LOG = ".fuzz.log"  # fuzzing/engine.py's OUT/logs/<target>.fuzz.log

_STATUS = re.compile(r"^#(\d+)(:?)\s+(?:([A-Za-z_]+)\s+)?(.*)$")
_FIELDS = {name: re.compile(pattern) for name, pattern in (
    ("cov", r"\bcov: (\d+)"), ("ft", r"\bft: (\d+)"),
    ("corp", r"\bcorp: (\d+)(?:/(\d+)(b|Kb|Mb))?"), ("exec_s", r"\bexec/s:? (\d+)"),
    ("rss", r"\brss: (\d+)Mb"), ("time", r"\btime: (\d+)s"))}
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)\s*$")
_UNIT = {"b": 1, "Kb": 1 << 10, "Mb": 1 << 20}


@dataclass(frozen=True)
class Sample:
    """One status line."""

    seconds: float  # since the first log of the target started
    executions: int  # counted over all the target's logs
    event: str  # INITED, NEW, REDUCE, pulse, DONE, RELOAD; "job" for a fork-mode line
    cov: int | None = None  # coverage: edges (PCs) reached
    ft: int | None = None  # features
    corpus_units: int | None = None
    corpus_bytes: int | None = None  # as libFuzzer rounds it (b, Kb, Mb)
    exec_per_sec: int | None = None
    rss_mb: int | None = None


@dataclass
class FuzzLog:
    """What the logs of one fuzz target say."""

    target: str
    samples: list[Sample] = field(default_factory=list)
    final_stats: dict[str, int] = field(default_factory=dict)  # the last log's stat:: lines
    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # logs that could not be read


def parse_status(line: str) -> dict[str, int | str | None] | None:
    """The fields of one libFuzzer status line, or None when it is not one. Keys: runs, event,
    cov, ft, corpus_units, corpus_bytes, exec_per_sec, rss_mb, time (fork mode only)."""
    found = _STATUS.match(line.strip())
    if not found:
        return None
    runs, fork, event, rest = found.groups()
    values = {name: pattern.search(rest) for name, pattern in _FIELDS.items()}
    if values["cov"] is None and values["exec_s"] is None:
        return None  # "#1 ..." in a target's own output, not a status line
    corp = values["corp"]
    return {
        "runs": int(runs), "event": event or ("job" if fork else ""),
        "cov": _int(values["cov"]), "ft": _int(values["ft"]),
        "corpus_units": int(corp.group(1)) if corp else None,
        "corpus_bytes": int(corp.group(2)) * _UNIT[corp.group(3)] if corp and corp.group(2)
        else None,
        "exec_per_sec": _int(values["exec_s"]), "rss_mb": _int(values["rss"]),
        "time": _int(values["time"]),
    }


def _int(found: re.Match | None) -> int | None:
    return int(found.group(1)) if found else None


def parse_log(text: str, start_seconds: float = 0.0,
              start_executions: int = 0) -> tuple[list[Sample], dict[str, int]]:
    """The status lines of one libFuzzer log as samples (times and executions counted from
    the given start), and its final stat:: lines."""
    samples: list[Sample] = []
    stats: dict[str, int] = {}
    seconds = 0.0
    for line in text.splitlines():
        stat = _STAT.match(line.strip())
        if stat:
            stats[stat.group(1)] = int(stat.group(2))
            continue
        status = parse_status(line)
        if status is None:
            continue
        runs, rate = int(status["runs"] or 0), status["exec_per_sec"]
        if isinstance(status["time"], int):
            elapsed = float(status["time"])
        elif isinstance(rate, int) and rate > 0:
            elapsed = runs / rate
        else:
            elapsed = seconds  # exec/s 0: within the first second
        seconds = max(seconds, elapsed)  # whole seconds, rounded down: keep time going forward
        samples.append(_sample(status, start_seconds + seconds, start_executions + runs))
    return samples, stats


def _sample(status: dict[str, int | str | None], seconds: float, executions: int) -> Sample:
    def number(name: str) -> int | None:
        value = status[name]
        return value if isinstance(value, int) else None

    return Sample(seconds, executions, str(status["event"]), cov=number("cov"), ft=number("ft"),
                  corpus_units=number("corpus_units"), corpus_bytes=number("corpus_bytes"),
                  exec_per_sec=number("exec_per_sec"), rss_mb=number("rss_mb"))


def read_logs(target: str, files: Sequence[Path]) -> FuzzLog:
    """A target's logs, one fuzzing session after another: each one's times and executions
    go on from where the previous one ended. A log that cannot be read is noted, not fatal."""
    log = FuzzLog(target, files=list(files))
    for path in files:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            log.problems.append(f"{path}: cannot read: {error.strerror or error}")
            continue
        last = log.samples[-1] if log.samples else None
        samples, stats = parse_log(text, last.seconds if last else 0.0,
                                   last.executions if last else 0)
        log.samples += samples
        if stats:
            log.final_stats = stats
    return log


def fuzz_logs_in(directory: Path) -> dict[str, list[Path]]:
    """The fuzzing logs fuzzing/engine.py keeps (DIRECTORY/<target>.fuzz.log), by target."""
    return {path.name[:-len(FUZZ_LOG)]: [path]
            for path in sorted(Path(directory).glob(f"*{FUZZ_LOG}"))}


def thin(samples: list[Sample], limit: int = MAX_POINTS) -> list[Sample]:
    """At most `limit` samples, evenly spread, the first and the last kept."""
    if len(samples) <= limit:
        return samples
    step = (len(samples) - 1) / (limit - 1)
    return [samples[round(n * step)] for n in range(limit)]


def fuzz_chart(number: int, log: FuzzLog) -> Chart:
    shown = thin(log.samples)

    def values(name: str) -> list[float | None]:
        return [getattr(s, name) for s in shown]

    return Chart(
        f"fuzz-{number}", log.target,
        "cov (edges) and ft (features), left; exec/s, right.",
        "time (s)", "coverage", "", [], [
            Series("cov", values("cov"), [], "coverage"),
            Series("ft", values("ft"), [], "coverage", dash=1),
            Series("exec/s", values("exec_per_sec"), [], "exec/s", axis=1),
        ], x_values=[round(s.seconds, 3) for s in shown], x_unit="s",
        y2_label="exec/s", y2_unit="", span_gaps=True)


def _summary_table(logs: list[FuzzLog]) -> str:
    head = ("target", "status lines", "time (s)", "executions", "cov", "ft", "corpus",
            "last exec/s", "average exec/s", "peak rss (MB)")
    rows = []
    for log in logs:
        last = log.samples[-1] if log.samples else None
        cells = [log.target, len(log.samples)] + ([
            f"{last.seconds:.0f}", last.executions, last.cov, last.ft, last.corpus_units,
            last.exec_per_sec, log.final_stats.get("average_exec_per_sec"),
            log.final_stats.get("peak_rss_mb", last.rss_mb)] if last else [None] * 8)
        rows.append("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in cells) + "</tr>\n")
    return ("<table class=\"fuzz\">\n<thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
            + "</tr></thead>\n<tbody>\n" + "".join(rows) + "</tbody>\n</table>\n")


def _cell(value: str | int | None) -> str:
    if value is None:
        return "-"
    return escape(value) if isinstance(value, str) else f"{value:,}"


def render_fuzz_page(logs: list[FuzzLog], library: chartlib.ChartLibrary | None) -> str:
    charts = [fuzz_chart(n, log) for n, log in enumerate(logs) if log.samples]
    figures = chart_section(charts, library, heading="Progress over time")
    quiet = [log.target for log in logs if not log.samples]
    problems = [p for log in logs for p in log.problems]
    body = ("<header class=\"page\">\n<h1>wsconform fuzzing</h1>\n"
            f"<p>libFuzzer's progress in {len(logs)} fuzz target{'s' * (len(logs) != 1)}, from "
            "the status lines of its logs: coverage (cov: edges reached; ft: features) and "
            "executions per second over time. In-process runs print no time: their times are "
            "libFuzzer's whole seconds, executions / exec/s.</p>\n</header>\n"
            + _summary_table(logs)
            + "".join(f"<p class=\"gap\">{escape(p)}</p>\n" for p in problems)
            + (f"<p class=\"gap\">No status lines in the logs of {escape(', '.join(quiet))}."
               "</p>\n" if quiet else "")
            + (figures.html or ("<p class=\"gap\">No charts: the charting library is not "
                                "available (see the message on stderr).</p>\n"
                                if charts else ""))
            + figures.scripts)
    return page("wsconform fuzzing", body, style=figures.style)


def write_fuzz_page(log_files: Mapping[str, Sequence[Path]], out: Path) -> list[FuzzLog]:
    """Writes the fuzzing page to `out` (an .html file): one chart per target of `log_files`
    (target name -> its libFuzzer logs, oldest first; fuzz_logs_in() finds those
    fuzzing/engine.py keeps).
    Returns what the logs said. Unreadable logs are said on the page; without npm the page
    has no charts (one line on stderr). ReportError when `out` cannot be written."""
    logs = [read_logs(target, files) for target, files in log_files.items()]
    has_samples = any(log.samples for log in logs)
    library = chartlib.load() if has_samples else None
    write_file(Path(out), render_fuzz_page(logs, library))
    return logs
