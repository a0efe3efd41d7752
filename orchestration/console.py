"""What the user reads: one line per message on stderr, prefixed with the program's name, and
the error that ends a run that could not be done (exit status 2)."""

from __future__ import annotations

import shutil
import sys
import time


class RunError(Exception):
    """A failure of the run itself (exit status 2), reported as one line."""


def say(message: str) -> None:
    print(f"run_suite: {message}", file=sys.stderr, flush=True)


class Progress:
    """A running count for a step that takes a while (a build, an install): on a terminal one
    line rewritten in place; in a log (CI) a line when the step starts, then at most one every
    `every` seconds, and one at the end, so a log shows it is alive without flooding."""

    def __init__(self, what: str, every: float = 15.0) -> None:
        self.what = what
        self.every = every
        self.tty = sys.stderr.isatty()
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = ""

    def update(self, done: int, total: int | None, detail: str = "") -> None:
        now = time.monotonic()
        count = f"{done}/{total}" if total else str(done)
        line = f"run_suite: {self.what}: {count}" + (f" {detail}" if detail else "")
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            sys.stderr.write("\r" + line[:width].ljust(len(self.shown[:width])))
            sys.stderr.flush()
            self.shown = line
        elif now - self.last >= self.every:
            print(line, file=sys.stderr, flush=True)
            self.last = now

    def finish(self, message: str | None = None) -> None:
        """Ends the line; `message` (with the time taken) is said when the step was slow enough
        to have been shown at all."""
        if self.tty and self.shown:
            sys.stderr.write("\r" + " " * min(len(self.shown), 200) + "\r")
        took = time.monotonic() - self.started
        if message and (self.shown or self.last or took >= 2):
            say(f"{message} ({took:.0f} s)")
