"""The HTML report as a person sees it: opened from file:// in headless Chromium.

Chromium (Debian package `chromium`, installed by `run_suite.py test`) is driven over the
DevTools protocol on a pipe (--remote-debugging-pipe): no browser download, no port, no npm.
Clicks and typing are real input events at the element's position, so a hidden or covered
control fails the test as it would fail a person. Screenshots go to build/test-artifacts/
(WSCONFORM_TEST_ARTIFACTS overrides). Every browser is stopped with its process group.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "reports" / "two-targets"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
CALL_TIMEOUT = 30.0  # s for one DevTools command (a page load included)
START_TIMEOUT = 30.0  # s for the browser to answer its first command


def find_chromium() -> str | None:
    candidates = [os.environ.get("WSCONFORM_CHROMIUM", ""), "chromium", "chromium-browser",
                  "google-chrome", "google-chrome-stable", "/usr/lib/chromium/chromium"]
    for candidate in filter(None, candidates):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def artifacts_dir() -> Path:
    path = Path(os.environ.get("WSCONFORM_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


class DevToolsError(Exception):
    pass


class Browser:
    """Headless Chromium and its DevTools connection (NUL-separated JSON on fds 3 and 4)."""

    # Chromium reads commands on fd 3 and writes answers on fd 4; this puts the pipe ends
    # there and becomes the browser (a shell cannot name fds above 9 in a redirection).
    _EXEC = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
             "os.execv(sys.argv[3], sys.argv[3:])")

    def __init__(self, executable: str, profile: Path, log: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        args = [executable, "--headless=new", "--no-sandbox", "--remote-debugging-pipe",
                f"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
                "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions",
                "--hide-scrollbars", "--mute-audio", "about:blank"]
        self._log = open(log, "wb")
        try:
            self.process = subprocess.Popen(
                [PYTHON, "-c", self._EXEC, str(to_browser_r), str(from_browser_w), *args],
                pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL,
                stdout=self._log, stderr=self._log, start_new_session=True)
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self._next_id = 0
        self._lock = threading.Condition()
        self._answers: dict[int, dict] = {}
        self.events: list[dict] = []
        self._closed = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.version = self.call("Browser.getVersion", timeout=START_TIMEOUT)["product"]

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                data = os.read(self._from_browser, 1 << 16)
            except OSError:
                data = b""
            if not data:
                break
            buffer += data
            *messages, buffer = buffer.split(b"\0")
            with self._lock:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._answers[message["id"]] = message
                    else:
                        self.events.append(message)
                self._lock.notify_all()
        with self._lock:
            self._closed = True
            self._lock.notify_all()

    def call(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = CALL_TIMEOUT) -> dict:
        with self._lock:
            self._next_id += 1
            number = self._next_id
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while number not in self._answers:
                remaining = deadline - time.monotonic()
                if self._closed:
                    raise DevToolsError(f"{method}: the browser went away")
                if remaining <= 0:
                    raise DevToolsError(f"{method}: no answer within {timeout:.0f} s")
                self._lock.wait(remaining)
            answer = self._answers.pop(number)
        if "error" in answer:
            raise DevToolsError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def wait_event(self, match: Callable[[dict], bool], timeout: float = CALL_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for event in self.events:
                    if match(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    raise DevToolsError("the expected browser event did not come")
                self._lock.wait(remaining)

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except DevToolsError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        try:  # whatever is left of its process group (or all of it, if it did not close)
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        os.close(self._to_browser)
        self._reader.join(timeout=5)
        os.close(self._from_browser)
        self._log.close()


class Page:
    """One tab: navigation, script evaluation, real mouse clicks and typing, screenshots."""

    def __init__(self, browser: Browser, width: int = 1400, height: int = 900):
        self.browser = browser
        self.target_id = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.call("Target.attachToTarget",
                                    {"targetId": self.target_id, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def call(self, method: str, params: dict | None = None) -> dict:
        return self.browser.call(method, params, self.session)

    def goto(self, url: str) -> None:
        loads = self._count("Page.loadEventFired")
        answer = self.call("Page.navigate", {"url": url})
        if answer.get("errorText"):
            raise DevToolsError(f"cannot open {url}: {answer['errorText']}")
        self.browser.wait_event(lambda e: e.get("sessionId") == self.session and
                                e["method"] == "Page.loadEventFired" and
                                self._count("Page.loadEventFired") > loads)

    def _count(self, method: str) -> int:
        return sum(e["method"] == method and e.get("sessionId") == self.session
                   for e in list(self.browser.events))

    def evaluate(self, expression: str) -> Any:
        answer = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise DevToolsError(f"script failed: {details.get('exception', {}).get('description')}"
                                f" ({details.get('text')})")
        return answer["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.evaluate(f"!!({expression})"):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"still false after {timeout:.0f} s: {expression}")
            time.sleep(0.05)

    def click(self, selector: str) -> None:
        """Clicks the middle of the element, as a mouse would, after checking that a click
        there would really reach it (visible, not covered)."""
        spot = self.evaluate(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: "center", inline: "center"}});
            const r = el.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            const hit = document.elementFromPoint(x, y);
            return {{x, y, visible: r.width > 0 && r.height > 0,
                     reaches: !!hit && (hit === el || el.contains(hit))}};
        }})()""")
        assert spot, f"no element {selector}"
        assert spot["visible"] and spot["reaches"], f"{selector} cannot be clicked: {spot}"
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": spot["x"], "y": spot["y"],
                                                   "button": "left", "clickCount": 1})

    def type(self, text: str) -> None:
        self.call("Input.insertText", {"text": text})

    def screenshot(self, path: Path) -> Path:
        png = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(png))
        return path

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser-logged errors of this tab."""
        found = []
        for event in list(self.browser.events):
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            method = event["method"]
            if method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                found.append("console: " + " ".join(str(a.get("value", a.get("description")))
                                                    for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                found.append("exception: " + str(details.get("exception", {}).get(
                    "description", details.get("text"))))
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append("log: " + params["entry"]["text"])
        return found


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = find_chromium()
    if executable is None:
        reason = ("Chromium not found (Debian: apt-get install -y chromium; run_suite.py test "
                  "installs it; WSCONFORM_CHROMIUM=/path/to/chrome names another)")
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)  # CI installs it: missing there is a defect
        pytest.skip(reason)
    scratch = tmp_path_factory.mktemp("chromium")
    started = Browser(executable, scratch / "profile", scratch / "chromium.log")
    yield started
    started.close()


@pytest.fixture
def page(browser):
    tab = Page(browser)
    yield tab
    try:
        browser.call("Target.closeTarget", {"targetId": tab.target_id})
    except DevToolsError:
        pass


def render(*args: str | Path) -> subprocess.CompletedProcess:
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "report", *map(str, args)],
                            cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode in (0, 1), result.stderr
    return result


VISIBLE_ROWS = "Array.from(document.querySelectorAll('tr.case:not([hidden])'), r => r.dataset.id)"
# Each chart: its id, how many canvases uPlot drew in it, the labels of its series.
CHARTS = ("Array.from(document.querySelectorAll('figure.chart'), f => [f.dataset.chart, "
          "f.querySelectorAll('canvas').length, Array.from(f.querySelectorAll("
          "'.u-legend .u-series .u-label'), l => l.textContent).slice(1)])")


# --- tests -------------------------------------------------------------------------------------

def test_the_report_works_in_a_browser(page, tmp_path):
    index = json.loads((FIXTURE / "index.json").read_text())
    out = tmp_path / "report"
    render(FIXTURE, "--out", out)
    page.goto((out / "index.html").as_uri())
    assert page.errors() == []
    assert page.evaluate("document.title") == "wsconform report: alpha, beta"
    # Nothing measured in this run (no 9.x, 12.x, 13.x, L.9): no charts, no charting library.
    assert page.evaluate("document.querySelectorAll('#charts, figure.chart, canvas').length") == 0
    assert page.evaluate("typeof uPlot") == "undefined"

    # The matrix: a row per case of either target, a cell per target in each.
    ids = page.evaluate(VISIBLE_ROWS)
    assert len(ids) == 12 and ids[0] == "1.1.1" and ids[-1] == "S.1.2"
    assert page.evaluate("document.querySelectorAll('#matrix td.cell').length") == 12 * 2
    verdicts = {(n, c["id"]): c["verdict"] for n, t in enumerate(index["targets"])
                for c in t["cases"]}
    shown = page.evaluate("Array.from(document.querySelectorAll('td.cell[data-v]'), "
                          "c => [Number(c.dataset.t), c.parentElement.dataset.id, c.dataset.v, "
                          "getComputedStyle(c).backgroundColor])")
    assert {(t, i): v for t, i, v, _ in shown} == verdicts
    colours = {v: {c for _, _, w, c in shown if w == v} for v in set(verdicts.values())}
    assert all(len(c) == 1 for c in colours.values()), colours  # one colour per verdict ...
    assert len({next(iter(c)) for c in colours.values()}) == len(colours)  # ... all different
    page.screenshot(artifacts_dir() / "report-matrix.png")

    # Verdict filter: only FAILED left checked, by clicking the other boxes off.
    for verdict in ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"):
        page.click(f'#filters input[value="{verdict}"]')
    failed = sorted({i for (_, i), v in verdicts.items() if v == "FAILED"})
    assert sorted(page.evaluate(VISIBLE_ROWS)) == failed == ["1.1.2", "6.4.3", "H.2.1"]
    assert page.evaluate("document.getElementById('shown').textContent") == \
        "3 of 12 cases shown"
    # Headings of groups with no row left go too.
    assert page.evaluate("Array.from(document.querySelectorAll('tr.group:not([hidden])'), "
                         "r => r.dataset.g)") == ["1", "6", "H"]
    page.click('#filters input[value="OK"]')
    ok_or_failed = {i for (_, i), v in verdicts.items() if v in ("OK", "FAILED")}
    assert set(page.evaluate(VISIBLE_ROWS)) == ok_or_failed
    assert len(ok_or_failed) == 10  # not 7.13.1 and S.1.2: INFORMATIONAL wherever they ran

    # Free-text search, over ids and titles, on top of the verdict filter.
    page.click("#search")
    page.type("upgrade")
    assert page.evaluate(VISIBLE_ROWS) == ["H.2.1"]
    page.evaluate("document.getElementById('search').value = ''; "
                  "document.getElementById('search').dispatchEvent(new Event('input', "
                  "{bubbles: true}))")
    for verdict in ("NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"):
        page.click(f'#filters input[value="{verdict}"]')
    assert len(page.evaluate(VISIBLE_ROWS)) == 12

    # A case of a target opens below its row, with its reasoning and wire log.
    page.click('tr.case[data-id="6.4.3"] td.cell[data-t="1"] a')
    page.wait_for("document.querySelector('tr.detail .case-detail')")
    text = page.evaluate("document.querySelector('tr.detail').innerText")
    beta = case_of(index, "beta", "6.4.3")
    for expected in ("6.4.3 " + beta["title"], "on beta", beta["rfc"], beta["expectation"],
                     beta["observation"], beta["result_close"], "FAILED", "WRONG CODE",
                     "Opening handshake", "GET / HTTP/1.1", "Frames (", "Raw bytes ("):
        assert expected in text, expected
    frames = page.evaluate("document.querySelectorAll('tr.detail table.frames tbody tr').length")
    record = json.loads((FIXTURE / "cases/beta/6.4.3.json").read_text())
    assert frames == len(record["frames"]) > 0
    assert "47 45 54 20 2f 20 48 54 54 50" in page.evaluate(
        "document.querySelector('tr.detail pre.hex').textContent")  # "GET / HTTP"
    link = page.evaluate("document.querySelector('tr.detail a[href$=\".json\"]').href")
    assert link.startswith("file://") and Path(link[len("file://"):]).resolve() == \
        (FIXTURE / "cases/beta/6.4.3.json").resolve()
    assert page.evaluate("location.hash") == "#case=1/6.4.3"
    page.evaluate("document.querySelector('tr.detail').scrollIntoView()")
    page.screenshot(artifacts_dir() / "report-case-detail.png")
    # Clicked again, it closes.
    page.click('tr.case[data-id="6.4.3"] td.cell[data-t="1"] a')
    assert page.evaluate("document.querySelectorAll('tr.detail').length") == 0
    assert page.errors() == []


def require_charts(stderr: str) -> None:
    """Skips (fails in CI, which has npm: the e2e tests need it) when the report was written
    without charts: npm missing or offline, said on stderr."""
    why = [line for line in stderr.splitlines() if "report written without charts" in line]
    if why:
        if os.environ.get("CI"):
            pytest.fail(why[0], pytrace=False)
        pytest.skip(why[0])


def render_with_charts(run: Path) -> None:
    require_charts(render(run).stderr)


def pixels_of(page: Page, chart: str, colour: tuple[int, int, int]) -> int:
    """How many pixels of a chart's canvas are (about) `colour`: its lines and points."""
    return page.evaluate(f"""(() => {{
        const canvas = document.querySelector('figure[data-chart="{chart}"] canvas');
        const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        const [r, g, b] = {list(colour)};
        let count = 0;
        for (let i = 0; i < data.length; i += 4) {{
            if (data[i + 3] > 200 && Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) +
                Math.abs(data[i + 2] - b) < 40) count += 1;
        }}
        return count;
    }})()""")


def point_on(page: Page, chart: str, index: int, ticks: int,
             colour: tuple[int, int, int]) -> dict | None:
    """Where on the screen a chart shows its value at x tick `index`, found in its pixels:
    the first pixel of `colour` down the column of that tick."""
    return page.evaluate(f"""(() => {{
        const figure = document.querySelector('figure[data-chart="{chart}"]');
        figure.scrollIntoView({{block: "center"}});
        const canvas = figure.querySelector("canvas");
        const area = figure.querySelector(".u-over").getBoundingClientRect();
        const box = canvas.getBoundingClientRect();
        const scale = canvas.width / box.width;
        const x = area.left + area.width * ({index} + 0.5) / {ticks};
        const [r, g, b] = {list(colour)};
        const column = canvas.getContext("2d").getImageData(
            Math.round((x - box.left) * scale), 0, 1, canvas.height).data;
        for (let y = Math.ceil((area.top - box.top) * scale); y < canvas.height; y += 1) {{
            const i = 4 * y;
            if (column[i + 3] > 200 && Math.abs(column[i] - r) + Math.abs(column[i + 1] - g) +
                Math.abs(column[i + 2] - b) < 40) return {{x, y: box.top + y / scale + 2}};
        }}
        return null;
    }})()""")


ALPHA, BETA = (0x00, 0x72, 0xb2), (0xd5, 0x5e, 0x00)  # the first two colours of charts.js


def test_charts_of_a_merged_report(page, tmp_path):
    from test_report_charts import write_chart_run
    run = write_chart_run(tmp_path / "run")
    render_with_charts(run)
    page.goto((run / "index.html").as_uri())
    page.wait_for("document.querySelectorAll('figure.chart canvas').length === 7")
    assert page.errors() == []
    # A canvas per chart, a series per target (and variant), labelled with the target.
    assert page.evaluate(CHARTS) == [
        ["9-size", 1, ["alpha text", "alpha binary", "beta text"]],
        ["9-fragment", 1, ["alpha text"]],
        ["9-chop", 1, ["alpha text"]],
        ["9-rtt-text", 1, ["alpha p50", "alpha p99", "beta p50", "beta p99"]],
        ["12-time", 1, ["alpha 12.1 Large JSON data file",
                        "alpha 12.2 Picture, Bitmap 512x512 grayscale",
                        "beta 12.1 Large JSON data file"]],
        ["13-time", 1, ["alpha 13.1 no context takeover, 9-bit window"]],
        ["L9-search", 1, ["alpha echoed", "alpha refused", "beta echoed"]]]
    sizes = page.evaluate("Array.from(document.querySelectorAll('figure.chart canvas'), "
                          "c => [c.getBoundingClientRect().width, c.getBoundingClientRect()"
                          ".height])")
    assert all(w > 300 and h > 250 for w, h in sizes), sizes
    # Drawn: each target's colour is on the canvas (lines and points), a target's own.
    for chart in ("9-size", "9-rtt-text", "12-time", "L9-search"):
        assert pixels_of(page, chart, ALPHA) > 20 and pixels_of(page, chart, BETA) > 20, chart
    assert pixels_of(page, "9-fragment", BETA) == 0  # beta ran no 9.3
    findings = page.evaluate("document.querySelector('figure[data-chart=\"L9-search\"] "
                             ".findings').innerText")
    assert findings.startswith("alpha OK: 6 probes; largest echoed 2,097,152 bytes"), findings
    page.evaluate("document.getElementById('charts').scrollIntoView()")
    page.screenshot(artifacts_dir() / "report-charts.png")

    # Hovering beta's 8 MiB point shows its figure and case; a click opens that case.
    spot = point_on(page, "9-size", 3, 4, BETA)
    assert spot, "beta's 8 MiB point is not drawn"
    page.call("Input.dispatchMouseEvent", {"type": "mouseMoved", **spot})
    page.wait_for("document.querySelector('figure[data-chart=\"9-size\"] "
                  ".u-legend .u-series:nth-child(4) .u-value').textContent === "
                  "'80 MB/s (9.1.5)'")
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", {"type": kind, **spot, "button": "left",
                                               "clickCount": 1})
    page.wait_for("document.querySelector('tr.detail .case-detail')")
    assert page.evaluate("location.hash") == "#case=1/9.1.5"
    assert "on beta" in page.evaluate("document.querySelector('tr.detail').innerText")
    assert page.errors() == []


def case_of(index: dict, agent: str, case_id: str) -> dict:
    target = next(t for t in index["targets"] if t["agent"] == agent)
    return next(c for c in target["cases"] if c["id"] == case_id)


def test_a_link_to_a_case_opens_it(page, tmp_path):
    out = tmp_path / "report"
    render(FIXTURE, "--out", out)
    page.goto((out / "index.html").as_uri() + "#case=0/7.13.1")
    page.wait_for("document.querySelector('tr.detail .case-detail')")
    assert page.evaluate("document.querySelector('tr.detail').previousElementSibling"
                         ".dataset.id") == "7.13.1"
    assert "peer sent 5000" in page.evaluate("document.querySelector('tr.detail').innerText")
    assert page.errors() == []


def test_a_big_record_shows_its_first_frames_and_links_the_rest(page, tmp_path):
    run = Path(shutil.copytree(FIXTURE, tmp_path / "run"))
    record = json.loads((run / "cases/alpha/1.1.1.json").read_text())
    record["frames"] = [{"t_us": 100 + n, "dir": "tx", "fin": n == 99999, "rsv": 0,
                         "opcode": 0 if n else 1, "opcode_name": "continuation" if n else "text",
                         "masked": True, "mask_key": "01020304", "declared_length": 1,
                         "length": 1, "text": "a", "hex": "61"} for n in range(5000)]
    (run / "cases/alpha/1.1.1.json").write_text(json.dumps(record, separators=(",", ":")))
    render(run)
    page.goto((run / "index.html").as_uri() + "#case=0/1.1.1")
    page.wait_for("document.querySelector('tr.detail table.frames')")
    text = page.evaluate("document.querySelector('tr.detail').innerText")
    assert "A big record (" in text and "Frames (first 40 shown)" in text
    assert "more frames: full record in cases/alpha/1.1.1.json" in text
    assert page.evaluate("document.querySelectorAll('tr.detail table.frames tbody tr').length") \
        == 41  # 40 frames and the line that says where the rest is
    assert page.errors() == []


def test_a_real_run_report_in_a_browser(page, binaries, tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, WSCONFORM_BUILD_DIR=str(binaries.build_dir))
    env.pop("GITHUB_STEP_SUMMARY", None)
    # Without the cases that take seconds (or minutes: compression) by design and do not
    # change what is shown here.
    result = subprocess.run([PYTHON, str(ROOT / "run_suite.py"), "--out", str(out),
                             "--exclude-cases", "H.5.3,L.9,L.10,12.*,13.*"], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    require_charts(result.stderr)
    cases = json.loads((out / "index.json").read_text())["targets"][0]["cases"]
    page.goto((out / "index.html").as_uri())
    assert page.evaluate("document.querySelectorAll('#matrix td.cell').length") == len(cases)
    page.click("#search")
    page.type("L.8")
    assert page.evaluate(VISIBLE_ROWS) == ["L.8"]
    # The 9.x cases ran (L.9, 12.x and 13.x did not): their charts, and only theirs.
    assert page.evaluate(CHARTS) == [[i, 1, ["text", "binary"]] for i in
                                     ("9-size", "9-fragment", "9-chop")] + \
        [[i, 1, ["p50", "p99"]] for i in ("9-rtt-text", "9-rtt-binary")]
    page.evaluate("document.getElementById('charts').scrollIntoView()")
    page.screenshot(artifacts_dir() / "report-real-run-charts.png")
    page.click('tr.case[data-id="L.8"] td.cell a')
    page.wait_for("document.querySelector('tr.detail table.frames')")
    text = page.evaluate("document.querySelector('tr.detail').innerText")
    assert "frame log truncated" in text
    # The flood passed: its record is shortened (--wire-log failed), and says so.
    assert "shortened record (--wire-log failed" in text and "SHA-256" in text
    # The bytes between the ends are in no file: the page does not send the reader to one.
    assert "bytes between the ends shown were not recorded (--wire-log failed" in text, text
    assert "in the full record" not in text, text
    page.screenshot(artifacts_dir() / "report-real-run.png")
    assert page.errors() == []
