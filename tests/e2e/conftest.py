"""Fixtures of the wsconform end-to-end tests.

The binaries come from WSCONFORM_BUILD_DIR (default build/test; built with CMake when missing).
Servers under test are started through `start_server`/`start_module_server`: each prints
`listening URL` on stdout once ready and is stopped (SIGTERM, then SIGKILL, on its whole process
group) at teardown. Everything listens and connects on 127.0.0.1; every subprocess call has a
timeout. Standard library and pytest only.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
E2E = Path(__file__).resolve().parent
SERVERS = E2E / "servers"
FAULTY_SERVER = ROOT / "tests" / "servers" / "faulty_server.py"
PYTHON = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable

READY_TIMEOUT = 15.0  # s for a server to print its listening line
RUN_TIMEOUT = 240.0  # s for one wsconform run (a full run takes a few seconds)
BUILD_TIMEOUT = 1800.0  # s for building the binaries from scratch

VERDICTS = ("OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED")
CLOSE_BEHAVIORS = ("OK", "FAILED", "FAILED BY CLIENT", "WRONG CODE", "UNCLEAN", "INFORMATIONAL")
CLOSE_FAILURES = ("FAILED", "FAILED BY CLIENT", "WRONG CODE", "UNCLEAN")


# --- binaries ------------------------------------------------------------------------------------

def _build_dir() -> Path:
    value = os.environ.get("WSCONFORM_BUILD_DIR")
    path = Path(value) if value else ROOT / "build" / "test"
    return path if path.is_absolute() else ROOT / path


@dataclass(frozen=True)
class Binaries:
    build_dir: Path
    wsconform: Path
    server: Path
    client: Path  # the reference client, wsconform-client


@pytest.fixture(scope="session")
def binaries() -> Binaries:
    build_dir = _build_dir()
    found = Binaries(build_dir, build_dir / "harness" / "wsconform",
                     build_dir / "server" / "wsconform-server",
                     build_dir / "client" / "wsconform-client")
    everything = (found.wsconform, found.server, found.client)
    if all(b.exists() for b in everything):
        return found
    generator = ["-G", "Ninja"] if shutil.which("ninja") else []
    steps = []
    if not (build_dir / "CMakeCache.txt").exists():
        steps.append(["cmake", "-S", str(ROOT), "-B", str(build_dir), *generator,
                      "-DCMAKE_BUILD_TYPE=Release"])
    steps.append(["cmake", "--build", str(build_dir), "--parallel"])
    for step in steps:
        try:
            result = subprocess.run(step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, timeout=BUILD_TIMEOUT)
        except FileNotFoundError:
            pytest.fail(f"cannot build the binaries: {step[0]} is not installed", pytrace=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"build step timed out after {BUILD_TIMEOUT:.0f} s: {' '.join(step)}",
                        pytrace=False)
        if result.returncode != 0:
            pytest.fail(f"build step failed (exit {result.returncode}): {' '.join(step)}\n"
                        + result.stdout[-4000:], pytrace=False)
    if not all(b.exists() for b in everything):
        pytest.fail("the build did not produce " + ", ".join(map(str, everything)),
                    pytrace=False)
    return found


# --- servers -------------------------------------------------------------------------------------

class Server:
    """A server process started in its own session; `url` is what it printed as ready."""

    def __init__(self, command: list[str], name: str, log_dir: Path,
                 ready_timeout: float = READY_TIMEOUT, cwd: Path | None = None):
        self.name = name
        self.command = command
        self.stderr_path = Path(tempfile.mkstemp(prefix=f"{_slug(name)}-", suffix=".stderr",
                                                 dir=log_dir)[1])
        self._stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=self._stderr,
                                        cwd=cwd, start_new_session=True)
        self._stopped = False
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._drainer = threading.Thread(target=self._drain, daemon=True)
        self._drainer.start()
        self.url = self._wait_ready(ready_timeout)

    def _drain(self) -> None:
        # Reads every stdout line, so a chatty server never blocks on a full pipe.
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(b"")

    def _wait_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise RuntimeError(f"{self.name} did not print 'listening URL' within "
                                   f"{timeout:.0f} s: {self.stderr_tail()}")
            try:
                line = self._lines.get(timeout=remaining).decode(errors="replace").strip()
            except queue.Empty:
                continue
            if line.startswith("listening "):
                url = line.split(" ", 1)[1].strip()
                if "127.0.0.1" not in url:
                    self.stop()
                    raise RuntimeError(f"{self.name} is not on 127.0.0.1: {line}")
                return url
            if not line and self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}) before it "
                                   f"was ready: {self.stderr_tail()}")

    def stderr_tail(self, lines: int = 5) -> str:
        try:
            text = self.stderr_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:]) or "(no stderr)"

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:  # whatever is left of its process group (or the leader, if SIGTERM was not enough)
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self._drainer.join(timeout=5)  # ends at EOF, once every holder of the pipe is gone
        if self.process.stdout and not self._drainer.is_alive():
            self.process.stdout.close()
        self._stderr.close()


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "server"


class ServerSet:
    """Starts servers and stops every one of them at close()."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.servers: list[Server] = []

    def __call__(self, command: list[str], name: str | None = None,
                 ready_timeout: float = READY_TIMEOUT, cwd: Path | None = None) -> Server:
        server = Server([str(c) for c in command], name or Path(str(command[0])).name,
                        self.log_dir, ready_timeout, cwd)
        self.servers.append(server)
        return server

    def close(self) -> None:
        while self.servers:
            self.servers.pop().stop()


@pytest.fixture
def start_server(tmp_path_factory):
    """start_server(command, name=None) -> Server; stopped at the end of the test."""
    servers = ServerSet(tmp_path_factory.mktemp("server-logs"))
    yield servers
    servers.close()


@pytest.fixture(scope="module")
def start_module_server(tmp_path_factory):
    """Like start_server, for module-scoped fixtures; stopped at the end of the module."""
    servers = ServerSet(tmp_path_factory.mktemp("server-logs"))
    yield servers
    servers.close()


@pytest.fixture(scope="session")
def reference_server_command(binaries):
    def command(tls: bool = False) -> list[str]:
        return [str(binaries.server), "--host", "127.0.0.1", "--port", "0",
                *(["--tls"] if tls else [])]
    return command


@pytest.fixture(scope="session")
def faulty_server_command():
    if not FAULTY_SERVER.exists():
        pytest.fail(f"{FAULTY_SERVER} is missing", pytrace=False)

    def command(fault: str) -> list[str]:
        return [PYTHON, str(FAULTY_SERVER), "--host", "127.0.0.1", "--port", "0",
                "--fault", fault]
    return command


@pytest.fixture(scope="session")
def node_ws():
    """Node and the npm `ws` package (installed into tests/e2e/node_modules when missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.fail("node and npm are required for the npm 'ws' echo server (Debian: "
                    "apt-get install -y nodejs npm); missing: "
                    + " ".join(n for n, p in (("node", node), ("npm", npm)) if not p),
                    pytrace=False)
    if not (E2E / "node_modules" / "ws" / "package.json").exists():
        install = ["ci"] if (E2E / "package-lock.json").exists() else ["install"]
        try:
            result = subprocess.run([npm, *install, "--no-audit", "--no-fund"], cwd=E2E,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, timeout=600)
        except subprocess.TimeoutExpired:
            pytest.fail(f"npm {install[0]} in {E2E} timed out", pytrace=False)
        if result.returncode != 0:
            pytest.fail(f"npm {install[0]} in {E2E} failed (exit {result.returncode}):\n"
                        + result.stdout[-3000:], pytrace=False)
        if not (E2E / "node_modules" / "ws" / "package.json").exists():
            pytest.fail(f"npm {install[0]} did not install ws into {E2E / 'node_modules'}",
                        pytrace=False)
    return node


# --- running the suite ---------------------------------------------------------------------------

@dataclass
class Run:
    """One wsconform run: exit status, output, and (when written) the parsed index.json."""

    out: Path
    returncode: int
    stdout: str
    stderr: str
    index: dict | None = None
    target: dict = field(default_factory=dict)

    @property
    def cases(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.target.get("cases", [])}

    @property
    def verdicts(self) -> dict[str, str]:
        return {c["id"]: c["verdict"] for c in self.target.get("cases", [])}

    @property
    def summary(self) -> dict:
        return self.target.get("summary", {})

    def ids_with(self, *verdicts: str) -> set[str]:
        return {i for i, v in self.verdicts.items() if v in verdicts}

    def wire(self, case_id: str) -> dict:
        return json.loads((self.out / self.cases[case_id]["wire_log"]).read_text())

    def describe(self, case_ids) -> str:
        """One line per case (verdict and the tester's reasoning), for assertion messages."""
        lines = []
        for i in sorted(case_ids, key=case_key):
            c = self.cases.get(i)
            if c is None:
                lines.append(f"  {i}: not in the report")
                continue
            lines.append(f"  {i}: {c['verdict']} ({c['behavior']}/{c['behavior_close']}) "
                         f"close={c['remote_close_code']} | {c['observation']}")
        return "\n".join(lines)


def case_key(case_id: str) -> tuple:
    # (0, number) before (1, text) in each part, so "9.1" and "K.1.2" compare too.
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in case_id.split("."))


def invoke(binaries: Binaries, *args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([str(binaries.wsconform), *map(str, args)], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"wsconform {' '.join(map(str, args))} did not finish within {timeout:.0f} s:"
                    f" {e.stderr!r}"[-2000:], pytrace=False)


@pytest.fixture(scope="session")
def wsconform(binaries):
    """wsconform(*args, timeout=...) -> CompletedProcess, the CLI run with captured output."""
    def run(*args: str, timeout: float = RUN_TIMEOUT) -> subprocess.CompletedProcess:
        return invoke(binaries, *args, timeout=timeout)
    return run


@pytest.fixture(scope="session")
def run_suite(binaries):
    """run_suite(url, out, agent, *extra_args) -> Run, with index.json parsed when written."""
    def run(url: str, out: Path, agent: str, *extra: str, timeout: float = RUN_TIMEOUT) -> Run:
        result = invoke(binaries, "--target", url, "--out", str(out), "--agent", agent,
                        *extra, timeout=timeout)
        run_ = Run(Path(out), result.returncode, result.stdout, result.stderr)
        index_path = Path(out) / "index.json"
        if result.returncode in (0, 1):
            assert index_path.exists(), f"exit {result.returncode} but no {index_path}"
            run_.index = json.loads(index_path.read_text())
            assert len(run_.index["targets"]) == 1
            run_.target = run_.index["targets"][0]
        return run_
    return run


@pytest.fixture(scope="session")
def catalogue(binaries) -> list[tuple[str, str, str]]:
    """(id, group, title) of every case, from `wsconform --list`."""
    result = invoke(binaries, "--list", timeout=30)
    assert result.returncode == 0, result.stderr
    return [tuple(line.split("\t")) for line in result.stdout.splitlines()]


@pytest.fixture(scope="session")
def all_ids(catalogue) -> list[str]:
    return [row[0] for row in catalogue]


@pytest.fixture(scope="session")
def autobahn_ids(all_ids) -> list[str]:
    """Ids of Autobahn's categories (numeric), without our own prefixed cases."""
    return [i for i in all_ids if i[0].isdigit()]


@pytest.fixture(scope="session")
def conformance_ids(autobahn_ids) -> list[str]:
    """Autobahn's 247 conformance cases (categories 1-7 and 10): without 9.x, the limits and
    performance cases, and 12.x/13.x, the compression cases (minutes of zlib), which runs
    against slow or third-party servers leave out."""
    return [i for i in autobahn_ids if not i.startswith(("9.", "12.", "13."))]


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    return free_port()


def expand(all_ids, *patterns: str) -> list[str]:
    """The case ids, in catalogue order, matching any of the patterns ('*' wildcards)."""
    import fnmatch
    return [i for i in all_ids if any(fnmatch.fnmatchcase(i, p) for p in patterns)]


@pytest.fixture(scope="session")
def select(all_ids):
    """select('6.4.*', '2.10') -> matching case ids in catalogue order; each pattern must match."""
    def pick(*patterns: str) -> list[str]:
        for p in patterns:
            assert expand(all_ids, p), f"pattern {p!r} matches no case id"
        return expand(all_ids, *patterns)
    return pick


def check_report(run: Run, expected_ids: list[str] | None = None) -> None:
    """index.json follows docs/report.md (shared/spec/report.md), and every wire record exists."""
    index = run.index
    assert index is not None, "no index.json"
    assert index["schema"] == "wsconform-report/1"
    assert index["tool"]["name"] == "wsconform" and isinstance(index["tool"]["version"], str)
    assert time.strptime(index["started_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert isinstance(index["duration_ms"], int) and index["duration_ms"] >= 0
    target = run.target
    assert isinstance(target["agent"], str) and target["agent"]
    assert target["url"].startswith(("ws://127.0.0.1:", "wss://127.0.0.1:"))
    assert target["mode"] == "server"
    cases = target["cases"]
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "duplicate case ids"
    if expected_ids is not None:
        assert ids == list(expected_ids), "cases differ from the selection (or its order)"
    summary = target["summary"]
    assert set(summary) == {"total", *VERDICTS}
    assert summary["total"] == len(cases)
    for verdict in VERDICTS:
        assert summary[verdict] == sum(c["verdict"] == verdict for c in cases), verdict
    for c in cases:
        where = f"case {c['id']}"
        for key, kind in (("id", str), ("group", str), ("title", str), ("rfc", str),
                          ("verdict", str), ("behavior", str), ("behavior_close", str),
                          ("expectation", str), ("observation", str), ("duration_ms", int),
                          ("wire_log", str)):
            assert isinstance(c.get(key), kind), f"{where}: {key}={c.get(key)!r}"
        assert c["title"] and c["group"] and c["expectation"] and c["observation"], where
        assert c["verdict"] in VERDICTS, where
        assert c["behavior"] in VERDICTS, where
        assert c["behavior_close"] in CLOSE_BEHAVIORS, where
        failure = c["behavior"] == "FAILED" or c["behavior_close"] in CLOSE_FAILURES
        assert (c["verdict"] == "FAILED") == failure, f"{where}: verdict vs behaviors"
        code = c["remote_close_code"]
        assert code is None or (isinstance(code, int) and 0 <= code <= 65535), where
        assert c["duration_ms"] >= 0, where
        assert c["wire_log"].startswith("cases/") and c["wire_log"].endswith(f"/{c['id']}.json")
        record_path = run.out / c["wire_log"]
        assert record_path.is_file(), f"{where}: missing {record_path}"
        record = json.loads(record_path.read_text())
        assert record["id"] == c["id"] and record["verdict"] == c["verdict"], where
        assert isinstance(record["frames"], list) and isinstance(record["chunks"], list), where
        # A case that needs configuration the run did not give (S.1.*) sends nothing.
        not_checked = c["result"].startswith("not checked:")
        assert bool(record["chunks"]) != not_checked, f"{where}: bytes recorded vs not checked"
        for chunk in record["chunks"]:  # every byte, unlike frames (whose hex may be cut)...
            assert chunk["dir"] in ("tx", "rx") and isinstance(chunk["length"], int), where
            if chunk.get("elided"):  # ...up to the 8 MiB recording budget of a case
                assert "hex" not in chunk, where
            elif "kept" in chunk:  # ...or, in a shortened record, the ends of a direction
                assert "shortened" in record, where
                assert sum(to - from_ for from_, to in chunk["kept"]) == len(chunk["hex"]) // 2
                assert all(0 <= from_ < to <= chunk["length"] for from_, to in chunk["kept"])
            else:
                assert chunk["length"] == len(chunk["hex"]) // 2, where
        if "shortened" in record:  # only records of cases that passed (--wire-log failed)
            assert c["verdict"] not in ("FAILED", "NON-STRICT"), where
        for frame in record["frames"]:
            assert frame["dir"] in ("tx", "rx") and isinstance(frame["opcode"], int)


@pytest.fixture(scope="session")
def validate_report():
    """validate_report(run, expected_ids=None): asserts index.json and wire records are sane."""
    return check_report


# Runs a command and prints the peak resident set size (KiB) of its process tree's largest
# process: this interpreter's only child is the command.
_RSS_WRAPPER = ("import resource, subprocess, sys\n"
                "code = subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL)\n"
                "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
                "sys.exit(code)\n")


def run_measured(binaries, url: str, out: Path, agent: str, *extra: str,
                 timeout: float = 240) -> tuple[Run, int]:
    """wsconform as run_suite runs it, plus the peak RSS (KiB) of the wsconform process."""
    command = [PYTHON, "-c", _RSS_WRAPPER, str(binaries.wsconform), "--target", url,
               "--out", str(out), "--agent", agent, *extra]
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    *stderr, rss = result.stderr.strip().splitlines() or ["0"]
    run = Run(out, result.returncode, result.stdout, "\n".join(stderr))
    if result.returncode in (0, 1):
        run.index = json.loads((out / "index.json").read_text())
        run.target = run.index["targets"][0]
    return run, int(rss)
