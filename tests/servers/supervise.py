#!/usr/bin/env python3
"""Keeps a server running, as systemd's Restart=always would: starts COMMAND, and whenever it
exits, starts it again after --delay seconds. The tests use it to show that a run survives a
server that crashes during a case and is brought back by a supervisor wsconform knows nothing
of.

    supervise.py [--delay 0.3] [--log FILE] -- COMMAND [ARG...]

Prints the first line COMMAND prints (`listening URL` for our servers) once, then keeps quiet.
SIGTERM/SIGINT stop the server and the supervisor (exit 0). --log appends one line per start.
"""
import argparse
import signal
import subprocess
import sys
import threading
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.3)
    parser.add_argument("--log")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("COMMAND is required")
    stopping = threading.Event()
    child: list[subprocess.Popen] = []

    def stop(*_):
        stopping.set()
        for process in child:
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    starts = 0
    while not stopping.is_set():
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        child[:] = [process]
        starts += 1
        if args.log:
            with open(args.log, "a") as log:
                log.write(f"start {starts}\n")
        first = process.stdout.readline()
        if starts == 1:
            sys.stdout.write(first)
            sys.stdout.flush()
        threading.Thread(target=process.stdout.read, daemon=True).start()
        while process.poll() is None and not stopping.is_set():
            time.sleep(0.05)
        if stopping.is_set():
            break
        stopping.wait(args.delay)
    for process in child:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
