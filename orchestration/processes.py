"""Processes the run starts: a server that prints its URL once ready, a user's server command
that is ready once its port accepts connections, restarting either, and running wsconform so
that it can ask for a restart. Every process is started in a session of its own and stopped
with its whole process group."""

from __future__ import annotations

import datetime as _dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from .console import RunError, say


class Server:
    """A server process that prints 'listening URL' once ready; stopped on exit."""

    def __init__(self, command: list[str], name: str, ready_timeout: float = 15.0):
        self.name = name
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                            text=True, start_new_session=True)
        except OSError as error:
            raise RunError(f"{name}: cannot start {command[0]!r}: {error.strerror or error}")
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
        stop_process_group(self.process)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_process_group(process: subprocess.Popen) -> None:
    """Stops a server we started in its own session: SIGTERM to its process group, then SIGKILL
    to whatever is left of the group (children included), and reaps it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class CommandServer:
    """A server under test started from a user's command line: ready once its URL's port
    accepts connections; stopped (its whole process group) afterwards. Its output goes to
    `log`."""

    def __init__(self, command: list[str], name: str, url: str, cwd: Path, log: Path,
                 timeout: float):
        self.name = name
        self.url = url
        parts = urllib.parse.urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or (
            443 if parts.scheme == "wss" else 80)
        if port_open(host, port):
            raise RunError(f"server {name}: port {port} on {host} already accepts "
                           "connections before its command started (another process?)")
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        # Appended to: a server restarted after a crash keeps the output of its first life.
        with open(log, "ab") as output:
            output.write(f"--- {_dt.datetime.now().isoformat(timespec='seconds')}: "
                         f"{' '.join(command)}\n".encode())
            output.flush()
            try:
                self.process = subprocess.Popen(command, cwd=cwd, stdin=subprocess.DEVNULL,
                                                stdout=output, stderr=subprocess.STDOUT,
                                                start_new_session=True)
            except OSError as error:
                raise RunError(f"server {name}: cannot start {command[0]!r}: "
                               f"{error.strerror or error}")
        deadline = time.monotonic() + timeout
        while not port_open(host, port, timeout=0.5):
            if self.process.poll() is not None:
                raise RunError(f"server {name}: its command exited ({self.process.returncode}) "
                               f"before port {port} accepted connections" + self._log_tail())
            if time.monotonic() > deadline:
                self.stop()
                raise RunError(f"server {name}: port {port} did not accept connections "
                               f"within {timeout:g} s of starting its command" + self._log_tail())
            time.sleep(0.1)

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return f": {lines[-1].strip()}" if lines else f" (output: {self.log})"

    def stop(self) -> None:
        stop_process_group(self.process)


class Restartable:
    """A server we started, that can be started again: `start()` returns a Server or
    CommandServer. For wsconform's --restart-over-stdio: `restart()` stops what is left of it,
    starts it again and returns its URL (a server on port 0 moves)."""

    def __init__(self, start):
        self._start = start
        self.server = start()

    @property
    def url(self) -> str:
        return self.server.url

    def restart(self) -> str:
        self.stop()
        self.server = self._start()
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> "Restartable":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def run_with_restarts(argv: list[str], server: Restartable | None,
                      timeout: float | None = None) -> int:
    """Runs wsconform (a run or fuzz-live) and returns its exit status. For a server we started
    (`server`), wsconform gets --restart-over-stdio: each `restart-request` line it prints is
    answered with `restarted URL` once the server is back, or `failed REASON`; its other output
    is passed through. `timeout`: wsconform is killed after that many seconds (a backstop)."""
    if server is None:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    else:
        process = subprocess.Popen([*argv, "--restart-over-stdio"], stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, text=True, bufsize=1)
    watchdog = threading.Timer(timeout, process.kill) if timeout else None
    if watchdog:
        watchdog.daemon = True
        watchdog.start()
    try:
        for line in process.stdout if server is not None else ():
            if line.strip() != "restart-request":
                sys.stdout.write(line)
                sys.stdout.flush()
                continue
            try:
                reply = f"restarted {server.restart()}\n"
                say("server restarted")
            except RunError as error:
                reply = f"failed {error}\n"
                say(f"cannot restart the server: {error}")
            try:
                process.stdin.write(reply)
                process.stdin.flush()
            except OSError:
                pass
        return process.wait()
    finally:
        if watchdog:
            watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()



def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

