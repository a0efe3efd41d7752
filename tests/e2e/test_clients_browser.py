"""Browser mode: `wsconform --browser` serves a page whose script runs the cases through the
browser's own WebSocket API; headless Chromium (Debian's `chromium`) opens it.

Chromium is started with the page's URL and a profile of its own, in a process group of its own
that is killed at the end, whatever happened.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import PYTHON, ROOT, Run
from test_reports_browser import Browser, Page, artifacts_dir, find_chromium

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None,
                                    reason="no Chromium (Debian package chromium) installed")
RUN_LIMIT = 120.0  # s for a whole run; the runs below take well under a minute


def chromium_command(profile: Path) -> list[str]:
    return [CHROMIUM, "--headless=new", "--no-sandbox", f"--user-data-dir={profile}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio"]


def stop_group(process: subprocess.Popen) -> None:
    """Stops a process and everything it started (Chromium's renderers, zygotes)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except (ProcessLookupError, PermissionError):
            return
        try:
            process.wait(timeout=5)
            if sig == signal.SIGTERM:
                # The group may outlive its leader: make sure nothing is left.
                continue
        except subprocess.TimeoutExpired:
            continue


class BrowserRun:
    """`wsconform --browser` in the background, and Chromium opened at the URL it prints."""

    def __init__(self, binaries, tmp_path: Path, *args: str, open_page: bool = True):
        self.out = tmp_path / "report"
        self.process = subprocess.Popen(
            [str(binaries.wsconform), "--browser", "--out", str(self.out), *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.browser: subprocess.Popen | None = None
        self.stderr = ""
        self.rest = ""
        # Each pipe has one reader (a second one would take part of its text).
        self._err = threading.Thread(target=self._drain_stderr, daemon=True)
        self._err.start()
        self.first_line = self.process.stdout.readline()
        self._out = threading.Thread(target=self._drain_stdout, daemon=True)
        self._out.start()
        match = re.match(r"open (http://127\.0\.0\.1:\d+/) in the browser to test", self.first_line)
        self.url = match.group(1) if match else None
        if open_page and self.url:
            profile = tmp_path / "profile"
            log = open(tmp_path / "chromium.log", "wb")
            self.browser = subprocess.Popen(chromium_command(profile) + [self.url],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            start_new_session=True)
            log.close()

    def _drain_stderr(self) -> None:
        self.stderr = self.process.stderr.read()

    def _drain_stdout(self) -> None:
        self.rest = self.process.stdout.read()

    def finish(self, timeout: float = RUN_LIMIT) -> Run:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_group(self.process)
            pytest.fail(f"wsconform --browser did not finish within {timeout:.0f} s")
        finally:
            if self.browser:
                stop_group(self.browser)
        self._err.join(timeout=5)
        self._out.join(timeout=5)
        run = Run(self.out, self.process.returncode, self.first_line + self.rest, self.stderr)
        if run.returncode in (0, 1):
            run.index = json.loads((self.out / "index.json").read_text())
            run.target = run.index["targets"][0]
        return run


# Categories 1-7 (Autobahn's framing, pings, reserved bits and opcodes, fragmentation, UTF-8,
# closing), the responses a client must reject (R.1) and its masking (K.1).
SAMPLE = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,R.1.*,K.1.*"


@pytest.fixture(scope="module")
def chromium_run(binaries, tmp_path_factory) -> Run:
    if CHROMIUM is None:
        pytest.skip("no Chromium (Debian package chromium) installed")
    tmp = tmp_path_factory.mktemp("browser")
    started = time.monotonic()
    run = BrowserRun(binaries, tmp, "--cases", SAMPLE).finish()
    run.seconds = time.monotonic() - started
    return run


# Chromium's own defects, seen on the wire (Chromium 156): it fails the connection on invalid
# UTF-8 in a text message, but with 1002 and "Invalid UTF-8 in text frame" where Autobahn's rule
# (and RFC 6455 7.4.1's meaning of 1007) wants 1007 or no code; and it answers a Close with a
# code no endpoint may send (0, 999, 1004, 1016, 1100, 2000, 2999: 7.9.x) by echoing that code,
# where it must fail the connection (1002). Another Chromium may have fixed them: then OK.
CHROMIUM_DEFECTS = {
    "6.": "the peer closed with code 1002, which this case does not allow",
    "7.9.": "peer violated RFC 6455 7.4.1: close code not allowed on the wire",
}


def chromium_defect(case: dict) -> bool:
    return any(case["id"].startswith(prefix) and case["result"].startswith(reason)
               for prefix, reason in CHROMIUM_DEFECTS.items())


@needs_chromium
def test_headless_chromium_runs_the_cases_through_the_page(chromium_run):
    run = chromium_run
    failed = run.ids_with("FAILED")
    assert run.returncode == (1 if failed else 0), run.stderr[-2000:]
    assert run.stdout.startswith("open http://127.0.0.1:")
    assert run.target["mode"] == "client"
    assert "Chrome/" in run.target["agent"]
    assert run.target["url"].startswith("http://127.0.0.1:")
    assert run.summary["total"] == len(run.cases) > 250
    # Every FAILED is one of Chromium's known defects, with its reason; nothing else fails.
    unexplained = {i for i in failed if not chromium_defect(run.cases[i])}
    assert not unexplained, run.describe(unexplained)
    for case_id in failed:
        if case_id.startswith("6."):
            # It did fail the connection, only with the wrong code.
            assert run.cases[case_id]["remote_close_code"] == 1002
    # The responses a client must reject: Chromium rejects every one of them.
    r1 = {i: v for i, v in run.verdicts.items() if i.startswith("R.1.")}
    assert len(r1) == 12 and set(r1.values()) == {"OK"}, run.describe(r1)
    # Masking: fresh keys on its echoes, and a masked frame from us is refused.
    k1 = {i: v for i, v in run.verdicts.items() if i.startswith("K.1.")}
    assert k1 and set(k1.values()) == {"OK"}, run.describe(k1)
    # Framing, pings, fragmentation: every echo came back through the page unchanged.
    for prefix in ("1.", "2.", "5."):
        ids = {i for i in run.cases if i.startswith(prefix)}
        assert ids and run.ids_with("OK", "NON-STRICT") >= ids, run.describe(ids)
    assert run.verdicts["7.1.1"] == "OK"
    case = run.wire("1.1.1")
    assert "Chrome/" in case["http_request"]  # the browser's own opening handshake
    assert case["http_request"].startswith("GET /")
    assert run.seconds < 90


@needs_chromium
def test_the_report_is_the_same_as_other_ways(chromium_run):
    out = chromium_run.out
    index = json.loads((out / "index.json").read_text())
    assert index["targets"][0]["agent"].startswith(("Chrome/", "HeadlessChrome/"))
    assert all(c["wire_log"] for c in index["targets"][0]["cases"])


@needs_chromium
def test_the_page_shows_the_progress_and_the_summary(binaries, tmp_path):
    # The page driven over DevTools, to read what a person sees on it.
    background = BrowserRun(binaries, tmp_path, "--cases", "1.1.*,2.1,6.3.1", "--jobs", "2",
                            open_page=False)
    assert background.url, background.first_line
    browser = Browser(CHROMIUM, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        page = Page(browser)
        page.goto(background.url)
        page.wait_for("!document.getElementById('result').hidden", timeout=60)
        status = page.evaluate("document.getElementById('status').textContent")
        summary = page.evaluate("document.getElementById('summary').textContent")
        report = page.evaluate("document.getElementById('report').textContent")
        page.screenshot(artifacts_dir() / "browser-mode-page.png")
        assert page.errors() == [] or all("WebSocket" in e for e in page.errors()), page.errors()
    finally:
        browser.close()
    run = background.finish(timeout=30)
    # 6.3.1 is one of Chromium's defects (1002 for invalid UTF-8): the run's status says so.
    assert run.returncode == 1, run.stderr
    assert status == "The run is over. Some cases FAILED."
    assert "Chrome/" in summary and "1 Framing" in summary and "6.3.1" in summary
    assert report == str((run.out / "index.json").resolve())
    assert run.verdicts["6.3.1"] == "FAILED" and len(run.ids_with("OK")) == 9


def test_a_page_never_opened_ends_the_run_with_one_line(binaries, tmp_path):
    # --timeout-scale 0.05: the 120 s wait for the page is 6 s (finish() bounds the wait).
    run = BrowserRun(binaries, tmp_path, "--cases", "1.1.1", "--timeout-scale", "0.05",
                     open_page=False).finish(timeout=60)
    assert run.returncode == 2
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert re.fullmatch(r"wsconform: the page http://127\.0\.0\.1:\d+/ was not opened within "
                        r"6(\.0+)? s: no case was run", lines[0]), lines[0]
    assert not (run.out / "index.json").exists()


def test_browser_mode_excludes_the_other_ways(binaries, tmp_path):
    result = subprocess.run([str(binaries.wsconform), "--browser", "--client-command", "x {url}",
                             "--out", str(tmp_path / "a")], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 2
    assert "exclude each other" in result.stderr


@needs_chromium
def test_run_suite_opens_the_browser_and_writes_every_report(binaries, tmp_path):
    out = tmp_path / "suite"
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    command = " ".join(chromium_command(tmp_path / "profile")) + " {url}"
    # 6.3.1 is one of Chromium's defects (see CHROMIUM_DEFECTS): expected, it does not fail the
    # run; fixed, the baseline is stale and does.
    expected = tmp_path / "expect-failures.txt"
    expected.write_text("6.3.1  # Chromium: 1002 for invalid UTF-8\n")
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "run_suite.py"), "clients", "--browser", "--open", command,
         "--cases", "1.1.*,2.*,R.1.1,6.3.1", "--expect-failures", str(expected), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        start_new_session=True)
    try:
        output, _ = process.communicate(timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired:
        stop_group(process)
        pytest.fail("run_suite.py clients --browser did not finish")
    index = json.loads((out / "index.json").read_text())
    target = index["targets"][0]
    verdicts = {c["id"]: c["verdict"] for c in target["cases"]}
    assert process.returncode == (0 if verdicts.pop("6.3.1") == "FAILED" else 1), output[-3000:]
    assert target["mode"] == "client" and "Chrome/" in target["agent"]
    assert set(verdicts.values()) == {"OK"}, verdicts
    assert "open http://127.0.0.1:" in output and "starting the browser" in output
    for name in ("index.html", "junit.xml", "summary.md", "autobahn/index.json"):
        assert (out / name).exists(), name
    # run_suite.py stopped the browser it started: no Chromium with this profile is left.
    left = subprocess.run(["pgrep", "-f", str(tmp_path / "profile")], capture_output=True,
                          text=True)
    assert left.stdout.strip() == "", left.stdout
