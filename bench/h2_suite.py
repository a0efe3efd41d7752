#!/usr/bin/env python3
"""Categories 1-10 over HTTP/2 (RFC 8441) and the same cases over HTTP/1.1, against the two
real implementations from Debian the tests use: nghttpx in front of the reference server (whose
HTTP/1.1 side is the reference server itself) and hypercorn with the ASGI echo app (one port,
both protocols). Each setting runs REPEAT times; the median, min and max wall time, the CPU time
of wsconform and the verdict counts are printed, and written as JSON with --json. Standard
library only.

    python3 bench/h2_suite.py [--repeat 3] [--servers nghttpx,hypercorn] [--cases ...]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from orchestration import paths, processes  # noqa: E402
from orchestration.servers import Http2Front  # noqa: E402
from bench.wsconform_run import timed_run, wsconform_binary, write_figures  # noqa: E402

PYTHON = "/usr/bin/python3"  # Debian's python3-hypercorn is seen by it
CATEGORIES_1_10 = "1.*,2.*,3.*,4.*,5.*,6.*,7.*,9.*,10.*"


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited ({process.returncode}) before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"port {port} did not accept connections within {timeout:.0f} s")


class Hypercorn:
    def __init__(self) -> None:
        port = processes.free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "hypercorn", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             f"{ROOT / 'tests' / 'e2e' / 'servers' / 'asgi_echo.py'}:app"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        wait_for_port(port, self.process)
        self.url = f"ws://127.0.0.1:{port}/"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait()


def servers(names: list[str]):
    """(name, HTTP/2 URL, HTTP/1.1 URL, stop) for each server asked for."""
    for name in names:
        if name == "nghttpx":
            front = Http2Front(paths.BUILD_DIR)
            yield name, front.url, front.backend.url, front.stop
        elif name == "hypercorn":
            server = Hypercorn()
            yield name, server.url, server.url, server.stop
        else:
            raise SystemExit(f"unknown server {name!r} (nghttpx, hypercorn)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--servers", default="nghttpx,hypercorn")
    parser.add_argument("--cases", default=CATEGORIES_1_10)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    runner = wsconform_binary()
    figures: dict = {"cases": args.cases, "cpus": os.cpu_count(), "settings": {}}
    for name, h2_url, h1_url, stop in servers(args.servers.split(",")):
        try:
            for transport, url, extra in (("h2", h2_url, ("--http2",)),
                                          ("http/1.1", h1_url, ())):
                runs = [timed_run(runner, url, args.cases, extra=extra)
                        for _ in range(args.repeat)]
                walls = [r.wall_s for r in runs]
                summaries = {str(r.target["summary"]) for r in runs}
                key = f"{name} {transport}"
                figures["settings"][key] = {
                    "median_s": round(statistics.median(walls), 2),
                    "min_s": round(min(walls), 2), "max_s": round(max(walls), 2),
                    "median_cpu_s": round(statistics.median(r.cpu_s for r in runs), 2),
                    "runs": len(runs),
                    "summary": runs[0].target["summary"] if len(summaries) == 1
                    else "verdicts differ between runs: " + " | ".join(sorted(summaries)),
                }
                f = figures["settings"][key]
                print(f"{key:22} median {f['median_s']:8.2f} s (min {f['min_s']}, max "
                      f"{f['max_s']}, {f['runs']} runs), wsconform CPU {f['median_cpu_s']} s  "
                      f"{f['summary']}", flush=True)
        finally:
            stop()
    figures["load_average_at_end"] = list(os.getloadavg())
    write_figures(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
