"""run_suite.py --spec FILE: Autobahn|Testsuite's specs, unchanged. A fuzzingclient spec runs
every server it lists (each into OUT/servers/<agent>/, a complete run of its own), then writes
OUT/index.json with all of them and their report; a fuzzingserver spec serves Autobahn's
control protocol to the clients that drive their cases through it."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import socket
import ssl
import subprocess
import time
import urllib.parse
from pathlib import Path

import reports

from ..build import build
from ..catalogue import listing
from ..console import RunError, say
from ..paths import BUILD_DIR, runner_binary
from ..processes import CommandServer, Restartable, run_with_restarts
from ..reporting import load_baseline, merge_runs, write_report
from ..spec import (SpecServer, exclude_agent_options, is_server_spec, load_server_spec,
                    load_spec, read_spec_json)
from .options import passthrough


def run(args: argparse.Namespace) -> int:
    path = Path(args.spec)
    raw = read_spec_json(path)
    if is_server_spec(raw):
        return run_server_spec(args, raw, path)
    return run_client_spec(args, raw, path)


def run_client_spec(args: argparse.Namespace, raw, path: Path) -> int:
    """Autobahn's fuzzingclient: we are the client of every server the spec lists."""
    for option in ("target", "agent", "cases", "exclude_cases"):
        if getattr(args, option) is not None:
            raise RunError(f"--spec: --{option.replace('_', '-')} cannot be combined with a "
                           "spec (it lists the servers and cases)")
    if args.tls:
        raise RunError("--spec: --tls is for the reference server; the spec lists the servers")
    if args.restart_command:
        raise RunError("--spec: --restart-command cannot be combined with a spec (a server "
                       "with a 'command' is restarted by run_suite.py)")
    spec = load_spec(path, raw)
    baseline = load_baseline(args.expect_failures)
    for warning in spec.warnings:
        say(f"warning: {warning}")
    out = Path(args.out) if args.out else spec.outdir
    build(BUILD_DIR)
    runner = runner_binary()
    chosen_cases = ["--cases", ",".join(spec.cases)]
    if spec.exclude:
        chosen_cases += ["--exclude-cases", ",".join(spec.exclude)]
    selection = [*chosen_cases, *exclude_agent_options(spec.agent_excludes)]
    # Over HTTP/2 the cases differ (the H2 checks join, HTTP/1.1's request cases leave): a
    # pattern is worth a warning only when no kind of run the spec asks for has its cases.
    kinds = [[]] + ([["--http2"]] if any(s.http2 for s in spec.servers) or args.http2 else [])
    listings = [listing(runner, *kind, "--cases", ",".join(spec.cases)) for kind in kinds]
    for pattern in spec.cases:
        if all(pattern in found.unmatched for found in listings):
            say(f"warning: spec {spec.path}: case pattern {pattern!r} selects no case")
    if not any(listing(runner, *kind, *chosen_cases).ids for kind in kinds):
        raise RunError(f"spec {spec.path}: 'cases' minus 'exclude-cases' selects no case")
    given = passthrough(args, ("jobs", "timeout_scale", "ca", "allowed_origin", "restart_wait",
                               "wire_log"))
    for header in args.header or []:
        given += ["--header", header]

    started_at = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()
    run_dirs: list[Path] = []
    used: set[str] = set()
    for n, server in enumerate(spec.servers, start=1):
        name = server.agent or f"server-{n}"
        http2 = ["--http2"] if server.http2 or args.http2 else []
        folder = base = listing(runner, "--agent", name, "--cases", "1.1.1").agent_folder
        while folder in used:
            folder = f"{base}-{n}"
        used.add(folder)
        run_dir = out / "servers" / folder
        process = None
        try:
            if server.command:
                process = Restartable(lambda: CommandServer(
                    server.command, name, server.url, spec.path.parent, run_dir / "server.log",
                    args.ready_timeout))
                say(f"server {name}: started, port {server.port} accepts connections")
            agent = server.agent or server_header(server) or "UnknownServer"
            chosen = [*selection, "--agent", agent, *http2]
            count = len(listing(runner, *chosen).ids)
            if not count:
                say(f"warning: server {agent}: every case is excluded for it; not run")
                continue
            command = [str(runner), "--target", server.url, "--out", str(run_dir), *chosen,
                       *given]
            for header in server.headers:
                command += ["--header", header]
            if server.tls_verify or args.tls_verify:
                command.append("--tls-verify")
            say(f"server {agent}: {count} cases against {server.url}"
                + (" over HTTP/2" if http2 else ""))
            status = run_with_restarts(command, process)
        finally:
            if process is not None:
                process.stop()
        if status not in (0, 1):
            raise RunError(f"server {agent}: the run could not be done (wsconform exit {status})")
        run_dirs.append(run_dir)
    if not run_dirs:
        raise RunError(f"spec {spec.path}: no server was run")
    merged = merge_runs(run_dirs, out, started_at, int((time.monotonic() - started) * 1000))
    try:
        reports.write_file(out / "index.json", json.dumps(merged, indent=1) + "\n")
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        raise RunError(f"report: {error} (the runs are in {out / 'servers'})")


def run_server_spec(args: argparse.Namespace, raw: dict, path: Path) -> int:
    """Autobahn's fuzzingserver: clients drive their cases through the control protocol on the
    spec's URL until one of them stops the server (/updateReports with
    shutdownOnComplete=true, /stopServer) or it is interrupted; then the report."""
    for option in ("target", "agent", "cases", "exclude_cases", "restart_command"):
        if getattr(args, option) is not None:
            raise RunError(f"--spec: --{option.replace('_', '-')} cannot be combined with a "
                           "fuzzingserver spec")
    spec = load_server_spec(path, raw)
    for warning in spec.warnings:
        say(f"warning: {warning}")
    baseline = load_baseline(args.expect_failures)
    out = Path(args.out) if args.out else spec.outdir
    build(BUILD_DIR)
    command = [str(runner_binary()), "--serve-autobahn", spec.url, "--out", str(out),
               "--cases", ",".join(spec.cases)]
    if spec.exclude:
        command += ["--exclude-cases", ",".join(spec.exclude)]
    command += exclude_agent_options(spec.agent_excludes)
    command += passthrough(args, ("timeout_scale", "wire_log"))
    say(f"serving Autobahn's fuzzingserver protocol on {spec.url}: start your testee client")
    status = subprocess.call(command)
    if status not in (0, 1):
        return status
    try:
        return write_report([out], out, baseline)
    except reports.ReportError as error:
        raise RunError(f"report: {error} (the results are in {out / 'index.json'})")


def server_header(server: SpecServer) -> str | None:
    """The HTTP Server header of the server's answer to an opening handshake (Autobahn names an
    agent-less server by it)."""
    parts = urllib.parse.urlsplit(server.url)
    request = (f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\n"
               f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    try:
        with socket.create_connection((server.host, server.port), timeout=5) as raw:
            sock = raw
            if parts.scheme == "wss":
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                sock = context.wrap_socket(raw, server_hostname=server.host)
            sock.sendall(request.encode("latin-1"))
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 16384:
                data = sock.recv(4096)
                if not data:
                    break
                head += data
    except (OSError, ssl.SSLError):
        return None
    for line in head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "server" and value.strip():
            return value.strip()
    return None
