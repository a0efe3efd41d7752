"""run_suite.py fuzz: the libFuzzer targets of fuzz/, on every core, with a persistent corpus.

    python3 run_suite.py fuzz [--seconds N] [--jobs N] [--out DIR] [--targets a,b] [--replay-only]

For each target (all of them, or --targets): replay its seeds and regressions once (a failure
there is a finding, and that target is not fuzzed), fuzz it for --seconds with libFuzzer
(`-fork=JOBS`, or in-process with --jobs 1) starting from OUT/corpus/<stem> plus the compiled
seeds and regressions, then merge what it found into OUT/corpus/<stem> with `-merge=1` so the
corpus stays minimal (OUT: --out, default out/fuzz). Prints exec/s, coverage (cov: edges,
ft: features, of the merged corpus), corpus files and bytes per target, writes
OUT/fuzz-summary.json, and exits 1 when anything crashed, leaked, ran out of memory or timed
out (the input is in OUT/crashes/<stem>/, a repro command is printed), 0 when nothing did, 2
when it could not run.

The fuzzers never write into OUT/corpus: new inputs go to OUT/work/<stem>/new and the merged
corpus replaces the old one by rename, so a crash or an interrupt loses nothing already there.

Build: clang-14 with -DWSCONFORM_FUZZ=ON in build/fuzz-engine, or WSCONFORM_FUZZ_BUILD_DIR.
That directory may also hold ready binaries without a CMake cache: then nothing is built and
its targets are fuzz/<stem> executables with a fuzz/<stem>.options file (optional .dict,
corpus/<stem>/, regressions/<stem>/ next to them). Standard library only.
"""

from __future__ import annotations

import argparse
import configparser
import datetime as _dt
import fcntl
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import reports
from orchestration import build as building
from orchestration.commands.options import OneLineParser, positive
from orchestration.console import RunError, say
from orchestration.packages import CLANG_PACKAGES, ensure_packages
from orchestration.paths import FUZZ, ROOT
from orchestration.processes import stop_process_group

SUMMARY = "run the libFuzzer targets (fuzz/) on every core and grow their corpus"

DEFAULT_BUILD_DIR = ROOT / "build" / "fuzz-engine"
DEFAULT_OUT = FUZZ
BUILD_DIR_ENV = "WSCONFORM_FUZZ_BUILD_DIR"
SUMMARY_SCHEMA = "wsconform-fuzz-summary/1"

CLANG_CMAKE_ARGS = ["-DCMAKE_C_COMPILER=clang-14", "-DCMAKE_CXX_COMPILER=clang++-14",
                    "-DWSCONFORM_FUZZ=ON", "-DWSCONFORM_BUILD_TESTS=OFF"]

DEFAULT_INPUT_TIMEOUT = 25  # s per input, as OSS-Fuzz (libFuzzer's own default is 1200 s)
ARTIFACT_KINDS = ("crash", "leak", "timeout", "oom")
MERGE_TIMEOUT = 900  # s


class EngineError(Exception):
    """Becomes run_suite's RunError: the run could not be done (exit 2, one line)."""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="run_suite.py fuzz",
        description="Build the libFuzzer targets (clang), replay their seeds and regressions, "
                    "fuzz each for --seconds on every core, merge new inputs into the corpus. "
                    "Exit status: 0 nothing found, 1 a crash/leak/OOM/timeout (with a repro "
                    "command), 2 the run could not be done.")
    parser.add_argument("--seconds", type=positive(int), default=60, metavar="N",
                        help="fuzzing time per target (default 60)")
    parser.add_argument("--jobs", type=positive(int), default=os.cpu_count() or 1, metavar="N",
                        help="parallel fuzzing processes per target (default: all cores)")
    parser.add_argument("--out", metavar="DIR",
                        help="corpus, crashes, logs and fuzz-summary.json (default out/fuzz)")
    parser.add_argument("--targets", metavar="A,B",
                        help="comma-separated target stems (default: all)")
    parser.add_argument("--timeout", type=positive(int), default=DEFAULT_INPUT_TIMEOUT, metavar="S",
                        help=f"seconds one input may take before it is a timeout finding "
                             f"(default {DEFAULT_INPUT_TIMEOUT}; a target's .options wins)")
    parser.add_argument("--replay-only", dest="replay_only", action="store_true",
                        help="only replay the seeds and regressions, do not fuzz")
    return parser


# --- build -------------------------------------------------------------------------------------

@dataclass
class Build:
    dir: Path
    bin: Path  # <dir>/fuzz: binaries, .dict, .options, corpus/<stem>, regressions/<stem>
    prebuilt: bool

    def stems(self) -> list[str]:
        return sorted(p.stem for p in self.bin.glob("*.options")
                      if os.access(self.bin / p.stem, os.X_OK))


def source_stems() -> list[str]:
    fuzz = ROOT / "fuzz"
    return sorted(p.stem for p in fuzz.glob("*.options") if (fuzz / f"{p.stem}.cpp").exists())


def locate_build() -> Build:
    value = os.environ.get(BUILD_DIR_ENV)
    if not value:
        return Build(DEFAULT_BUILD_DIR, DEFAULT_BUILD_DIR / "fuzz", prebuilt=False)
    path = Path(value)
    path = (path if path.is_absolute() else ROOT / path).resolve()
    prebuilt = path.is_dir() and not (path / "CMakeCache.txt").exists()
    if prebuilt and not (path / "fuzz").is_dir():
        raise EngineError(f"{BUILD_DIR_ENV}={value}: neither a CMake build directory nor one "
                          f"with fuzz/<stem> binaries")
    return Build(path, path / "fuzz", prebuilt)


def cache_value(build_dir: Path, name: str) -> str | None:
    try:
        text = (build_dir / "CMakeCache.txt").read_text(errors="replace")
    except OSError:
        return None
    match = re.search(rf"^{re.escape(name)}:[A-Z]+=(.*)$", text, re.M)
    return match.group(1).strip() if match else None


def build_targets(build: Build, stems: list[str]) -> None:
    """Configures (first time) and builds the targets' binaries and compiled seeds."""
    external = False
    if (build.dir / "CMakeCache.txt").exists():
        # A directory someone configured: it must make libFuzzer binaries, or minutes of
        # building end in binaries that cannot fuzz.
        external = bool(cache_value(build.dir, "WSCONFORM_LIB_FUZZING_ENGINE"))
        fuzz_on = (cache_value(build.dir, "WSCONFORM_FUZZ") or "").upper() in ("ON", "1", "TRUE",
                                                                                 "YES")
        compiler = cache_value(build.dir, "CMAKE_CXX_COMPILER") or "?"
        if not external and not (fuzz_on and "clang" in Path(compiler).name):
            raise EngineError(f"{build.dir} is configured for {Path(compiler).name} with "
                              f"WSCONFORM_FUZZ={'ON' if fuzz_on else 'OFF'}: no libFuzzer "
                              f"binaries; use another directory ({BUILD_DIR_ENV})")
    if not external:
        ensure_packages(CLANG_PACKAGES)
        if not shutil.which("clang++-14"):
            raise EngineError("clang++-14 not found: the fuzz targets need clang and libFuzzer "
                              "(Debian: apt-get install clang-14 libclang-rt-14-dev)")
    say(f"building {len(stems)} fuzz target{'s' * (len(stems) != 1)} in {build.dir}")
    targets = [t for stem in stems for t in (f"fuzz_{stem}", f"fuzz_{stem}_corpus")]
    building.build(build.dir, "RelWithDebInfo", CLANG_CMAKE_ARGS, targets)
    if not external and cache_value(build.dir, "WSCONFORM_HAVE_LIBFUZZER") != "1":
        raise EngineError(f"clang++-14 cannot link -fsanitize=fuzzer (no libFuzzer runtime: "
                          f"apt-get install libclang-rt-14-dev), see {build.dir}/CMakeFiles/"
                          f"CMakeError.log; then remove {build.dir}")


# --- one target ----------------------------------------------------------------------------------

@dataclass
class Finding:
    kind: str  # crash, leak, timeout, oom, replay, fuzzer-error, overrun
    input: Path | None
    repro: str
    log: Path
    detail: str = ""

    def as_json(self) -> dict:
        return {"kind": self.kind, "input": str(self.input) if self.input else None,
                "repro": self.repro, "log": str(self.log), "detail": self.detail}


@dataclass
class Result:
    stem: str
    status: str = "ok"  # ok, found, replay-failed, replayed
    exec_per_sec: int | None = None
    executions: int | None = None
    cov: int | None = None
    ft: int | None = None
    corpus_files: int = 0
    corpus_bytes: int = 0
    new_inputs: int = 0
    replayed: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)

    def as_json(self) -> dict:
        return {"status": self.status, "exec_per_sec": self.exec_per_sec,
                "executions": self.executions, "cov": self.cov, "ft": self.ft,
                "corpus_files": self.corpus_files, "corpus_bytes": self.corpus_bytes,
                "new_inputs": self.new_inputs, "replayed": self.replayed,
                "seconds": round(self.seconds, 1),
                "findings": [f.as_json() for f in self.findings]}


def options_flags(path: Path) -> list[str]:
    """The [libfuzzer] section of an OSS-Fuzz .options file as -name=value flags."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error as error:
        raise EngineError(f"{path}: {str(error).splitlines()[0]}")
    if not parser.has_section("libfuzzer"):
        return []
    return [f"-{name}={value}" for name, value in parser.items("libfuzzer")]


def without(flags: list[str], *names: str) -> list[str]:
    return [f for f in flags if f.split("=", 1)[0].lstrip("-") not in names]


def files_in(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file())


def dir_size(folder: Path) -> tuple[int, int]:
    files = files_in(folder)
    return len(files), sum(p.stat().st_size for p in files)


class Target:
    def __init__(self, stem: str, build: Build, out: Path, args: argparse.Namespace):
        self.stem = stem
        self.args = args
        self.binary = build.bin / stem
        self.dict = build.bin / f"{stem}.dict"
        self.options = options_flags(build.bin / f"{stem}.options")
        self.seeds = build.bin / "corpus" / stem
        self.regressions = build.bin / "regressions" / stem
        self.corpus = out / "corpus" / stem
        self.crashes = out / "crashes" / stem
        self.work = out / "work" / stem
        self.new = self.work / "new"  # what the fuzzer finds: merged, then emptied
        self.logs = out / "logs"
        self.result = Result(stem)

    # Flags that reproduce an input the way the fuzzer ran it (not max_len: a replayed file
    # is run whole).
    def run_flags(self) -> list[str]:
        return [f"-timeout={self.args.timeout}", *without(self.options, "max_len")]

    def repro(self, path: Path | str) -> str:
        return shlex.join([str(self.binary), *self.run_flags(), str(path)])

    def prepare(self) -> None:
        for folder in (self.crashes, self.new, self.logs, self.corpus.parent):
            folder.mkdir(parents=True, exist_ok=True)
        recover_swap(self.corpus)
        self.corpus.mkdir(exist_ok=True)
        # Scratch of an interrupted run (OUT is locked: no other run uses it). Inputs left in
        # `new` are kept: this run's merge takes them in.
        for stale in [*self.work.glob("merged-*"), *self.work.glob("tmp-*")]:
            shutil.rmtree(stale, ignore_errors=True)

    # -- replay --

    def replay(self) -> bool:
        inputs = files_in(self.seeds) + files_in(self.regressions)
        log = self.logs / f"{self.stem}.replay.log"
        if not inputs:
            log.write_text("no seeds or regressions\n")
            return True
        status, text = run_logged([str(self.binary), *self.run_flags(), *map(str, inputs)], log,
                                  self.work, timeout=120 + 2 * len(inputs))
        self.result.replayed = len(re.findall(r"^Executed ", text, re.M))
        if status == 0:
            return True
        running = re.findall(r"^Running: (.+)$", text, re.M)
        culprit = Path(running[-1]) if running else None
        detail = ("timed out" if status is None else f"exit {status}") + (
            f": {last_error_line(text)}" if last_error_line(text) else "")
        repro = self.repro(culprit) if culprit else shlex.join(
            [str(self.binary), *self.run_flags(), str(self.seeds), str(self.regressions)])
        self.result.findings.append(Finding("replay", culprit, repro, log, detail))
        self.result.status = "replay-failed"
        return False

    # -- fuzz --

    def fuzz(self) -> None:
        before = set(files_in(self.crashes))
        log = self.logs / f"{self.stem}.fuzz.log"
        command = [str(self.binary), f"-timeout={self.args.timeout}", *self.options,
                   f"-max_total_time={self.args.seconds}", "-print_final_stats=1",
                   f"-artifact_prefix={self.crashes}/"]
        if self.dict.exists():
            command.append(f"-dict={self.dict}")
        if self.args.jobs > 1:
            # Fork mode stops at the first crash; make timeouts and OOMs findings too.
            command += [f"-fork={self.args.jobs}", "-ignore_crashes=0", "-ignore_timeouts=0",
                        "-ignore_ooms=0"]
        command += [str(d) for d in (self.new, self.corpus, self.seeds, self.regressions)
                    if d.is_dir()]
        # Fork mode's jobs honour max_total_time between jobs; allow for the last job, the
        # per-input timeout and the initial pass over the corpus.
        deadline = self.args.seconds * 1.5 + 2 * self.args.timeout + 120
        status, text = run_logged(command, log, self.work, timeout=deadline)
        self.parse_stats(text)
        self.result.new_inputs = len(files_in(self.new))
        new_artifacts = [p for p in files_in(self.crashes) if p not in before
                         and p.name.split("-", 1)[0] in ARTIFACT_KINDS]
        for path in new_artifacts:
            kind = path.name.split("-", 1)[0]
            self.result.findings.append(Finding(kind, path, self.repro(path), log,
                                                last_error_line(text)))
        if status is None:
            self.result.findings.append(Finding(
                "overrun", None, shlex.join(command), log,
                f"libFuzzer still running {deadline:.0f} s after it started; stopped"))
        elif status != 0 and not new_artifacts:
            self.result.findings.append(Finding(
                "fuzzer-error", None, shlex.join(command), log,
                f"exit {status}" + (f": {last_error_line(text)}" if last_error_line(text) else "")))
        if self.result.findings:
            self.result.status = "found"

    def parse_stats(self, text: str) -> None:
        status = [m for m in re.finditer(r"cov: (\d+) ft: (\d+)", text)]
        if status:
            self.result.cov, self.result.ft = (int(g) for g in status[-1].groups())
        final = dict(re.findall(r"^stat::(\w+):\s+(\d+)", text, re.M))
        if "average_exec_per_sec" in final:  # in-process mode
            self.result.exec_per_sec = int(final["average_exec_per_sec"])
            self.result.executions = int(final.get("number_of_executed_units", 0)) or None
        # Fork mode prints "#RUNS: cov: C ft: F corp: N exec/s E ..." after every job; its
        # children's final stats (if one crashed) are about that child alone.
        fork = re.findall(r"^#(\d+): cov: \d+ ft: \d+ corp: \d+ exec/s:? (\d+)", text, re.M)
        if fork:
            self.result.executions = int(fork[-1][0])
            self.result.exec_per_sec = int(fork[-1][1])

    # -- merge --

    def merge(self) -> None:
        staged = files_in(self.new)
        sources = [d for d in (self.corpus, self.new, self.seeds, self.regressions)
                   if files_in(d)]
        log = self.logs / f"{self.stem}.merge.log"
        if staged or not files_in(self.corpus):
            merged = Path(tempfile.mkdtemp(prefix="merged-", dir=self.work))
            command = [str(self.binary), "-merge=1",
                       f"-merge_control_file={self.work / 'merge.control'}",
                       f"-timeout={self.args.timeout}", *self.options,
                       f"-artifact_prefix={self.work}/",
                       str(merged), *map(str, sources)]
            status, text = (0, "") if not sources else run_logged(
                command, log, self.work, timeout=MERGE_TIMEOUT)
            if status == 0 and (files_in(merged) or not sources):
                # Merging into an empty directory: its totals are the corpus's coverage,
                # comparable between runs and between fork and in-process mode.
                totals = re.findall(r"MERGE-OUTER: \d+ new files with (\d+) new features "
                                    r"added; (\d+) new coverage edges", text)
                if totals:
                    self.result.ft, self.result.cov = (int(n) for n in totals[-1])
                swap_in(merged, self.corpus)
                for path in staged:
                    path.unlink(missing_ok=True)
            else:
                shutil.rmtree(merged, ignore_errors=True)
                # Keep everything: the new inputs join the corpus unminimised.
                for path in staged:
                    os.replace(path, self.corpus / path.name)
                say(f"warning: {self.stem}: merge failed ("
                    + ("timed out" if status is None else f"exit {status}")
                    + f", see {log}); new inputs added without minimising")
            (self.work / "merge.control").unlink(missing_ok=True)
        self.result.corpus_files, self.result.corpus_bytes = dir_size(self.corpus)


def recover_swap(corpus: Path) -> None:
    """Finishes or undoes a corpus swap an earlier run was interrupted in."""
    old = corpus.with_name(corpus.name + ".old")
    if old.exists():
        if corpus.exists():
            shutil.rmtree(old, ignore_errors=True)  # the new corpus was in place
        else:
            os.replace(old, corpus)  # interrupted between the two renames


def swap_in(merged: Path, corpus: Path) -> None:
    old = corpus.with_name(corpus.name + ".old")
    if corpus.exists():
        os.replace(corpus, old)
    os.replace(merged, corpus)
    shutil.rmtree(old, ignore_errors=True)


def last_error_line(text: str) -> str:
    for pattern in (r"^SUMMARY: .*$", r"^==\d+==\s*ERROR: .*$", r"^ERROR: .*$"):
        found = re.findall(pattern, text, re.M)
        if found:
            return found[-1].strip()
    return ""


def run_logged(command: list[str], log: Path, cwd: Path,
               timeout: float) -> tuple[int | None, str]:
    """Runs a libFuzzer process in its own process group, output to `log`; returns its exit
    status (None when it overran `timeout` and was stopped) and the log text. The whole group
    (fork mode's children too) is stopped before returning."""
    cwd.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=cwd))  # fork mode's temporary files
    env = dict(os.environ, TMPDIR=str(tmp))
    status: int | None = None
    try:
        with open(log, "wb") as sink:
            sink.write(("$ " + shlex.join(command) + "\n").encode())
            sink.flush()
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sink,
                                       stderr=subprocess.STDOUT, cwd=cwd, env=env,
                                       start_new_session=True)
            try:
                status = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                status = None
            finally:
                stop_process_group(process)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return status, log.read_text(errors="replace")


# --- output --------------------------------------------------------------------------------------

def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def render_table(results: list[Result]) -> str:
    header = ("target", "result", "exec/s", "cov", "ft", "corpus", "bytes", "new")
    rows = [header] + [(r.stem, r.status, number(r.exec_per_sec), number(r.cov), number(r.ft),
                        number(r.corpus_files), human_bytes(r.corpus_bytes),
                        number(r.new_inputs)) for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def render_findings(results: list[Result]) -> str:
    lines = []
    for result in results:
        for finding in result.findings:
            what = {"replay": "replaying its seeds and regressions failed"}.get(
                finding.kind, finding.kind)
            lines.append(f"FOUND {result.stem}: {what}"
                         + (f" ({finding.detail})" if finding.detail else ""))
            if finding.input:
                lines.append(f"  input: {finding.input}")
            lines.append(f"  repro: {finding.repro}")
            lines.append(f"  log:   {finding.log}")
    return "\n".join(lines) + ("\n" if lines else "")


# --- command -------------------------------------------------------------------------------------

def selected_targets(requested: str | None, known: list[str], where: str) -> list[str]:
    if not known:
        raise EngineError(f"no fuzz targets in {where}")
    if requested is None:
        return known
    names = [n.strip() for n in requested.split(",") if n.strip()]
    if not names:
        raise EngineError("--targets: no target named")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise EngineError(f"--targets: unknown fuzz target{'s' * (len(unknown) > 1)} "
                             f"{', '.join(unknown)} (known: {', '.join(known)})")
    return list(dict.fromkeys(names))


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except EngineError as error:
        raise RunError(str(error)) from None


def _run(args: argparse.Namespace) -> int:
    build = locate_build()
    if build.prebuilt:
        stems = selected_targets(args.targets, build.stems(), str(build.bin))
    else:
        stems = selected_targets(args.targets, source_stems(), str(ROOT / "fuzz"))
    out = Path(args.out).resolve() if args.out else DEFAULT_OUT
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = open(out / ".lock", "w")
    except OSError as error:
        raise EngineError(f"--out {out}: cannot write there: {error.strerror or error}")
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise EngineError(f"--out {out}: another run_suite.py fuzz is using it") from None
        return fuzz_all(args, build, stems, out)


def fuzz_all(args: argparse.Namespace, build: Build, stems: list[str], out: Path) -> int:
    if not build.prebuilt:
        build_targets(build, stems)
        missing = [s for s in stems if s not in build.stems()]
        if missing:
            raise EngineError(f"the build did not produce {', '.join(missing)} in {build.bin}")

    started = _dt.datetime.now(_dt.timezone.utc)
    results: list[Result] = []
    for stem in stems:
        target = Target(stem, build, out, args)
        clock = _dt.datetime.now()
        try:
            target.prepare()
        except OSError as error:
            raise EngineError(f"{stem}: cannot prepare {out}: {error}")
        if target.replay() and not args.replay_only:
            say(f"{stem}: fuzzing for {args.seconds} s"
                      + (f" ({args.jobs} jobs)" if args.jobs > 1 else ""))
            target.fuzz()
            target.merge()
        else:
            if args.replay_only and not target.result.findings:
                target.result.status = "replayed"
            target.result.corpus_files, target.result.corpus_bytes = dir_size(target.corpus)
        target.result.seconds = (_dt.datetime.now() - clock).total_seconds()
        results.append(target.result)
        if target.result.findings:
            say(f"{stem}: {len(target.result.findings)} finding"
                f"{'s' * (len(target.result.findings) != 1)}")

    sys.stdout.write(render_table(results))
    sys.stdout.write(render_findings(results))
    sys.stdout.flush()
    found = sum(len(r.findings) for r in results)
    status = 1 if found else 0
    summary = {
        "schema": SUMMARY_SCHEMA,
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "seconds_per_target": 0 if args.replay_only else args.seconds,
        "jobs": args.jobs,
        "replay_only": bool(args.replay_only),
        "build_dir": str(build.dir),
        "out": str(out),
        "exit_status": status,
        "targets": {r.stem: r.as_json() for r in results},
    }
    try:
        reports.write_file(out / "fuzz-summary.json", json.dumps(summary, indent=2) + "\n")
        # exec/s and coverage over time, from libFuzzer's own stats lines in the logs.
        reports.write_fuzz_page(reports.fuzz_logs_in(out / "logs"), out / "fuzz.html")
    except reports.ReportError as error:
        raise EngineError(str(error))
    say(f"exec/s and coverage over time: {out / 'fuzz.html'}")
    if found:
        say(f"{found} finding{'s' * (found != 1)}: see above and {out / 'fuzz-summary.json'}")
    else:
        say(f"no findings; summary: {out / 'fuzz-summary.json'}")
    return status
