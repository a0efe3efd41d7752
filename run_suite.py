#!/usr/bin/env python3
"""wsconform orchestration: build, start servers under test, run the cases, report, test.

    python3 run_suite.py [--target URL] [--out DIR] [options]   run the conformance suite
    python3 run_suite.py report DIR [DIR...] [--out OUT]          re-render (or merge) reports
    python3 run_suite.py diff OLD_DIR NEW_DIR [--html FILE]       verdict changes between runs
    python3 run_suite.py fuzz [--seconds N] [--jobs N] [--out DIR] the libFuzzer targets
    python3 run_suite.py fuzz-live --target URL --seconds N ...   fuzz a running server
    python3 run_suite.py test                                     run the project's own tests

Without --target the suite runs against the built-in reference server, started on a free
loopback port and stopped afterwards. Every run writes index.html, junit.xml and summary.md
next to its index.json. Exit status: 0 nothing FAILED (or only what --expect-failures
expects), 1 some case FAILED, a stale expected failure, or (diff) a regression, 2 the run
could not be done. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import importlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import reports

ROOT = Path(__file__).resolve().parent
# WSCONFORM_BUILD_DIR lets the project's tests reuse the build they already made.
BUILD_DIR = Path(os.environ.get("WSCONFORM_BUILD_DIR", ROOT / "build" / "release")).resolve()
DEFAULT_REPORTS = ROOT / "reports" / "runs"

# Debian packages, by what needs them. libboost1.81-dev conflicts with libboost1.74-dev; apt
# removes the older one when asked to install the newer.
BUILD_PACKAGES = {
    "cmake": "cmake",
    "ninja-build": "ninja",
    "g++": "g++",
    "libboost1.81-dev": None,
    "libssl-dev": None,
    "zlib1g-dev": None,
    "libcli11-dev": None,
}
TEST_PACKAGES = {
    "chromium": "chromium",  # the report's browser tests (headless, driven over DevTools)
    "clang-14": "clang++-14",  # the libFuzzer targets (run_suite.py fuzz, tests/e2e/test_fuzzing.py)
    "libclang-rt-14-dev": None,  # libFuzzer and the sanitizer runtimes (only recommended by clang-14)
    "libgtest-dev": None,
    "openssl": "openssl",  # test certificates for the TLS checks (S.4.*)
    "python3-pytest": None,
    "python3-websockets": None,
}


class RunError(Exception):
    """A failure of the run itself (exit status 2), reported as one line."""


def say(message: str) -> None:
    print(f"run_suite: {message}", file=sys.stderr, flush=True)


# --- dependencies ----------------------------------------------------------------------------

def missing_packages(packages: dict[str, str | None]) -> list[str]:
    if not shutil.which("dpkg-query"):
        return []  # not Debian: trust the toolchain and let CMake say what is missing
    missing = []
    for pkg in packages:
        result = subprocess.run(["dpkg-query", "-W", "-f=${Status}", pkg],
                                capture_output=True, text=True)
        if "install ok installed" not in result.stdout:
            missing.append(pkg)
    return missing


def ensure_packages(packages: dict[str, str | None]) -> None:
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0:
        raise RunError("missing Debian packages: " + " ".join(missing)
                       + "; install them with: sudo apt-get install -y " + " ".join(missing))
    if "libboost1.81-dev" in missing and not missing_packages({"libboost1.74-dev": None}):
        # The two conflict; apt removes 1.74's headers when 1.81's are installed.
        say("libboost1.74-dev is installed and conflicts with libboost1.81-dev: apt-get will "
            "replace it")
    say("installing " + " ".join(missing) + " (apt-get)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    update = subprocess.run(["apt-get", "update", "-q"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if update.returncode != 0:
        say("apt-get update failed; trying the install anyway")
    install = subprocess.run(["apt-get", "install", "-y", "-q", *missing], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if install.returncode != 0:
        tail = install.stderr.strip().splitlines()[-1:] or ["?"]
        raise RunError("apt-get install " + " ".join(missing) + " failed: " + tail[0])


# --- build -------------------------------------------------------------------------------------

def build(build_dir: Path = BUILD_DIR, build_type: str = "Release", extra: list[str] | None = None,
          targets: list[str] | None = None) -> None:
    ensure_packages(BUILD_PACKAGES)
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    if not (build_dir / "CMakeCache.txt").exists():
        configure = ["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                     f"-DCMAKE_BUILD_TYPE={build_type}", *(extra or [])]
        run_quiet(configure, "configure (cmake)")
    command = ["cmake", "--build", str(build_dir), "--parallel"]
    for target in targets or []:
        command += ["--target", target]
    run_quiet(command, "build")


def run_quiet(command: list[str], what: str) -> None:
    """Runs a build step; its output is shown only when it fails."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-6000:])
        raise RunError(f"{what} failed (exit {result.returncode}): " + " ".join(command))


# --- servers under test ------------------------------------------------------------------------

class Server:
    """A server process that prints 'listening URL' once ready; stopped on exit."""

    def __init__(self, command: list[str], name: str, ready_timeout: float = 15.0):
        self.name = name
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                        text=True, start_new_session=True)
        self.url = self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> str:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()),
                                  daemon=True)
        reader.start()
        reader.join(timeout)
        text = line[0].strip() if line else ""
        if not text.startswith("listening "):
            self.stop()
            err = self.process.stderr.read().strip().splitlines() if self.process.stderr else []
            raise RunError(f"{self.name} did not start"
                           + (f": {err[-1]}" if err else f" within {timeout:.0f} s"))
        # Keep draining its output so a chatty server never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()
        threading.Thread(target=self.process.stderr.read, daemon=True).start()
        return text.split(" ", 1)[1]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def reference_server(build_dir: Path, tls: bool = False, allowed_origin: str | None = None,
                     required_header: str | None = None) -> Server:
    binary = build_dir / "server" / "wsconform-server"
    command = [str(binary), "--host", "127.0.0.1", "--port", "0"] + (["--tls"] if tls else [])
    if allowed_origin:
        command += ["--allowed-origin", allowed_origin]
    if required_header:
        command += ["--require-header", required_header]
    return Server(command, "reference server")


# --- run -----------------------------------------------------------------------------------------

def run_cases(args: argparse.Namespace) -> int:
    # A bad baseline is bad input: say so before minutes of building and running.
    baseline = load_baseline(args.expect_failures)
    build(BUILD_DIR)
    runner = BUILD_DIR / "harness" / "wsconform"
    out = Path(args.out) if args.out else (
        DEFAULT_REPORTS / _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    passthrough = []
    for option in ("agent", "cases", "exclude_cases", "jobs", "timeout_scale", "ca",
                   "allowed_origin"):
        value = getattr(args, option)
        if value is not None:
            passthrough += ["--" + option.replace("_", "-"), str(value)]
    for header in args.header or []:
        passthrough += ["--header", header]
    if args.tls_verify:
        passthrough.append("--tls-verify")

    def invoke(url: str, agent: str) -> int:
        command = [str(runner), "--target", url, "--out", str(out), *passthrough]
        if args.agent is None:
            command += ["--agent", agent]
        return subprocess.call(command)

    if args.target:
        status = invoke(args.target, args.agent or "")
    else:
        with reference_server(BUILD_DIR, tls=args.tls, allowed_origin=args.allowed_origin) as server:
            say(f"reference server at {server.url}")
            status = invoke(server.url, "wsconform-reference")
    if status not in (0, 1):
        return status
    if not args.out:
        latest = DEFAULT_REPORTS / "latest"
        try:
            if latest.is_symlink() or latest.exists():
                latest.unlink()
            latest.symlink_to(out.name)
        except OSError:
            pass
    try:
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        # The runner's index.json and wire records are complete and stay where they are.
        raise RunError(f"report: {error} (the results are in {out / 'index.json'})")


# --- reports -------------------------------------------------------------------------------------

def load_baseline(path: str | None) -> reports.Baseline | None:
    if path is None:
        return None
    try:
        return reports.load_baseline(path)
    except reports.ReportError as error:
        raise RunError(str(error))


def write_report(sources: list[Path], out: Path | None, baseline: reports.Baseline | None,
                 save_baseline: str | None = None) -> int:
    """Renders the report of finished runs and says what it means; returns the exit status
    the runs give (0 or 1), --expect-failures applied."""
    report = reports.generate(sources, out, baseline)
    for run in report.runs:
        for warning in run.warnings:
            say(f"warning: {warning}")
    for line in report.outcome.messages():
        say(line)
    if baseline is not None:
        expected = sum(len(t.expected) for t in report.outcome.targets)
        say(f"{baseline.path}: {expected} FAILED case{'s' * (expected != 1)} expected")
    say(f"report: {report.files['index.html']} (also junit.xml, summary.md)")
    if save_baseline:
        reports.write_file(Path(save_baseline), reports.write_baseline(report.targets))
        say(f"expected failures of this run written to {save_baseline}")
    try:
        if summary := reports.append_job_summary(report.summary_md):
            say(f"summary appended to {summary}")
    except OSError as error:  # the report itself is written; a job summary is a courtesy
        say(f"warning: cannot append to $GITHUB_STEP_SUMMARY: {error}")
    return report.outcome.exit_status


def run_report(args: argparse.Namespace) -> int:
    baseline = load_baseline(args.expect_failures)
    try:
        return write_report([Path(d) for d in args.dirs], Path(args.out) if args.out else None,
                            baseline, args.save_expect_failures)
    except reports.ReportError as error:
        raise RunError(str(error))


def run_diff(args: argparse.Namespace) -> int:
    try:
        comparison = reports.compare(reports.load_run(args.old), reports.load_run(args.new))
        sys.stdout.write(reports.render_diff_text(comparison))
        if args.html:
            target = Path(args.html)
            if target.is_dir():
                target = target / "diff.html"
            reports.write_file(target, reports.render_diff_html(comparison, target))
            say(f"diff: {target}")
    except reports.ReportError as error:
        raise RunError(str(error))
    regressions = comparison.count("regression")
    if regressions:
        say(f"{regressions} regression{'s' * (regressions != 1)}")
    return comparison.exit_status


# --- test ----------------------------------------------------------------------------------------

def run_tests(args: argparse.Namespace) -> int:
    """The project's own tests: C++ unit tests (ctest) and end-to-end tests (pytest)."""
    ensure_packages({**BUILD_PACKAGES, **TEST_PACKAGES})
    test_build = ROOT / "build" / "test"
    werror = "ON" if os.environ.get("CI") or args.werror else "OFF"
    build(test_build, "Release", [f"-DWSCONFORM_WERROR={werror}"])
    say("ctest")
    ctest = subprocess.call(["ctest", "--test-dir", str(test_build), "--output-on-failure",
                             "--parallel", str(os.cpu_count() or 2)])
    # Debian's pytest is seen by the system interpreter, not by a python3 earlier on PATH.
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    say("pytest")
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(test_build))
    pytest = subprocess.call([python, "-m", "pytest", "-q", str(ROOT / "tests" / "e2e"),
                              *args.pytest_args], env=env, cwd=ROOT)
    if ctest != 0 or pytest not in (0,):
        say(f"tests failed (ctest exit {ctest}, pytest exit {pytest})")
        return 1
    return 0


# --- fuzz, fuzz-live (fuzzing/) ------------------------------------------------------------------

FUZZ_COMMANDS = {"fuzz": "engine", "fuzz-live": "live"}


def fuzz_module(command: str):
    return importlib.import_module(f"fuzzing.{FUZZ_COMMANDS[command]}")


def run_fuzz(args: argparse.Namespace) -> int:
    return fuzz_module(args.command).run(args, sys.modules[__name__])


# --- command line --------------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    if argv and argv[0] == "test":
        parser = argparse.ArgumentParser(prog="run_suite.py test",
                                         description="Build and run the project's own tests.")
        parser.add_argument("--werror", action="store_true", help="warnings are errors (on in CI)")
        parser.add_argument("pytest_args", nargs="*", help="extra arguments for pytest")
        args = parser.parse_args(argv[1:])
        args.command = "test"
        return args
    if argv and argv[0] in FUZZ_COMMANDS:
        parser = fuzz_module(argv[0]).build_parser()
        args = parser.parse_args(argv[1:])
        args.command = argv[0]
        return args
    if argv and argv[0] == "report":
        parser = argparse.ArgumentParser(
            prog="run_suite.py report",
            description="Render index.html, junit.xml and summary.md of finished runs from their "
                        "index.json and wire records; several runs are merged into one matrix. "
                        "Exit status as a run's: 1 when a case FAILED (and was not expected).")
        parser.add_argument("dirs", nargs="+", metavar="DIR", help="run directory")
        parser.add_argument("--out", help="where to write (default: DIR; required with several)")
        add_expect_failures(parser)
        parser.add_argument("--save-expect-failures", dest="save_expect_failures", metavar="FILE",
                            help="write the runs' FAILED cases and case counts as a baseline")
        args = parser.parse_args(argv[1:])
        args.command = "report"
        return args
    if argv and argv[0] == "diff":
        parser = argparse.ArgumentParser(
            prog="run_suite.py diff",
            description="List every case whose verdict changed between two runs: regressions, "
                        "fixes, other changes. Exit status 1 when there is a regression.")
        parser.add_argument("old", metavar="OLD_DIR")
        parser.add_argument("new", metavar="NEW_DIR")
        parser.add_argument("--html", metavar="FILE", help="also write the diff as HTML")
        args = parser.parse_args(argv[1:])
        args.command = "diff"
        return args
    parser = argparse.ArgumentParser(
        prog="run_suite.py",
        description="Run the WebSocket conformance suite. Without --target, against the "
                    "built-in reference server. 'run_suite.py test' runs the project's tests.")
    parser.add_argument("--target", help="server URL (ws://host:port/path or wss://...)")
    parser.add_argument("--out", help="report directory (default reports/runs/<time>)")
    parser.add_argument("--agent", help="name of the server in the report")
    parser.add_argument("--cases", help="case patterns, e.g. '1.*,6.4.*'")
    parser.add_argument("--exclude-cases", dest="exclude_cases", help="case patterns to skip")
    parser.add_argument("--jobs", "-j", type=int, help="cases in flight at once (default 64)")
    parser.add_argument("--timeout-scale", dest="timeout_scale", type=float,
                        help="multiply every timer")
    parser.add_argument("--header", action="append", help="extra handshake header 'Name: value'")
    parser.add_argument("--allowed-origin", dest="allowed_origin",
                        help="the Origin your server serves (checks that others are refused); "
                             "the reference server is started with the same policy")
    parser.add_argument("--tls", action="store_true",
                        help="run the reference server with TLS (wss://) when no --target is given")
    parser.add_argument("--tls-verify", dest="tls_verify", action="store_true",
                        help="verify the target's certificate")
    parser.add_argument("--ca", help="CA file for --tls-verify")
    add_expect_failures(parser)
    args = parser.parse_args(argv)
    args.command = "run"
    return args


def add_expect_failures(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--expect-failures", dest="expect_failures", metavar="FILE",
                        help="case patterns expected to fail ('agent: pattern' for one target); "
                             "a listed case that passes fails the run")


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    try:
        commands = {"test": run_tests, "report": run_report, "diff": run_diff, "run": run_cases,
                    "fuzz": run_fuzz, "fuzz-live": run_fuzz}
        return commands[args.command](args)
    except RunError as error:
        say(str(error))
        return 2
    except KeyboardInterrupt:
        say("interrupted")
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
