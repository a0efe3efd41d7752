"""Autobahn|Testsuite's spec files, read and checked: a fuzzingclient spec (the servers to test,
their cases) and a fuzzingserver spec (where to serve the control protocol clients drive).
Autobahn's keys and defaults, plus ours (a server's `command` and `http2`); RunError says what
is wrong in one line."""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import reports

from .console import RunError

SPEC_KEYS = frozenset({"outdir", "servers", "options", "cases", "exclude-cases",
                       "exclude-agent-cases"})
# "http2" is ours (Autobahn speaks HTTP/1.1 only): test that server over HTTP/2 (RFC 8441).
SERVER_KEYS = frozenset({"agent", "url", "options", "origin", "protocols", "hostname", "command",
                         "http2"})
# Autobahn's protocol options (setProtocolOptions, client side, 0.10.9): accepted and ignored,
# wsconform's own timers and limits apply. `version` 18 is RFC 6455, the only one spoken here.
AUTOBAHN_OPTIONS = frozenset({
    "version", "allowHixie76", "utf8validateIncoming", "acceptMaskedServerFrames",
    "maskClientFrames", "applyMask", "maxFramePayloadSize", "maxMessagePayloadSize",
    "autoFragmentSize", "failByDrop", "echoCloseCodeReason", "serverConnectionDropTimeout",
    "openHandshakeTimeout", "closeHandshakeTimeout", "tcpNoDelay", "autoPingInterval",
    "autoPingTimeout", "autoPingSize", "perMessageCompressionOffers",
    "perMessageCompressionAccept"})
DEFAULT_OUTDIR = "./reports/servers/"  # Autobahn's default, relative to the working directory
_PATTERN_CHARS = re.compile(r"[0-9A-Za-z._*-]+")


@dataclass
class SpecServer:
    agent: str | None  # None: the server's HTTP Server header names it (else UnknownServer)
    url: str
    host: str
    port: int
    command: list[str] | None
    headers: list[str]  # --header values (origin, protocols)
    tls_verify: bool  # `hostname` given: Autobahn then verifies the certificate
    excluded: list[str] = field(default_factory=list)  # its exclude-agent-cases patterns
    http2: bool = False  # over HTTP/2's extended CONNECT (RFC 8441)


@dataclass
class Spec:
    path: Path
    outdir: Path
    servers: list[SpecServer]
    cases: list[str]
    exclude: list[str]
    agent_excludes: dict[str, list[str]]
    warnings: list[str]


def load_spec(path: Path, spec) -> Spec:
    """Checks an Autobahn fuzzingclient spec (read by read_spec_json); RunError says what is
    wrong."""
    where = f"spec {path}"
    if not isinstance(spec, dict):
        raise RunError(f"{where}: not a JSON object")
    warnings = [f"{where}: unknown key '{k}' ignored" for k in spec if k not in SPEC_KEYS]
    warnings += _check_options(spec.get("options"), f"{where}: options")
    outdir = spec.get("outdir", DEFAULT_OUTDIR)
    if not isinstance(outdir, str) or not outdir:
        raise RunError(f"{where}: 'outdir' must be a directory name")
    servers_json = spec.get("servers")
    if not isinstance(servers_json, list) or not servers_json:
        raise RunError(f"{where}: 'servers' must be a non-empty list of {{\"agent\", \"url\"}} "
                       "objects")
    servers = [_spec_server(s, f"{where}: servers[{n}]", warnings)
               for n, s in enumerate(servers_json)]
    cases, exclude, agent_excludes = _selection(spec, where)
    # Autobahn opens outdir relative to its working directory (the Docker image's spec in
    # /config writes to /reports), and so do we.
    return Spec(path, Path(outdir), servers, cases, exclude, agent_excludes, warnings)


def _check_options(options, where: str) -> list[str]:
    if options is None:
        return []
    if not isinstance(options, dict):
        raise RunError(f"{where} must be an object")
    warnings = [f"{where}: unknown option '{k}' ignored" for k in options
                if k not in AUTOBAHN_OPTIONS]
    if "version" in options and options["version"] != 18:
        warnings.append(f"{where}: version {options['version']!r} ignored: wsconform speaks "
                        "RFC 6455 (Autobahn's version 18) only")
    return warnings


def _spec_server(entry, where: str, warnings: list[str]) -> SpecServer:
    if not isinstance(entry, dict):
        raise RunError(f"{where} is not an object")
    warnings += [f"{where}: unknown key '{k}' ignored" for k in entry if k not in SERVER_KEYS]
    warnings += _check_options(entry.get("options"), f"{where}: options")
    url = entry.get("url")
    if not isinstance(url, str) or not url:
        raise RunError(f"{where}: missing 'url' (ws://host:port/path)")
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise RunError(f"{where}: bad port in url '{url}'")
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise RunError(f"{where}: url '{url}' is not a ws:// or wss:// URL")
    agent = entry.get("agent")
    if agent is not None and (not isinstance(agent, str) or not agent.strip()):
        raise RunError(f"{where}: 'agent' must be a non-empty string")
    command = entry.get("command")
    if command is not None:
        if isinstance(command, str) and command.strip():
            command = ["/bin/sh", "-c", command]
        elif not (isinstance(command, list) and command
                  and all(isinstance(c, str) for c in command)):
            raise RunError(f"{where}: 'command' must be a string or a non-empty list of strings")
    headers = []
    origin = entry.get("origin")
    if origin is not None:
        if not isinstance(origin, str) or not origin or "\n" in origin or "\r" in origin:
            raise RunError(f"{where}: 'origin' must be a string")
        headers.append(f"Origin: {origin}")  # Autobahn sends it in every opening handshake
    protocols = entry.get("protocols")
    if protocols is not None:
        if not (isinstance(protocols, list) and all(
                isinstance(p, str) and p and _PATTERN_CHARS.fullmatch(p.replace("*", "_"))
                for p in protocols)):
            raise RunError(f"{where}: 'protocols' must be a list of subprotocol names")
        if protocols:
            # Offered in every handshake; the response check accepts one offered protocol.
            headers.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    tls_verify = False
    hostname = entry.get("hostname")
    if hostname is not None:
        if not isinstance(hostname, str) or not hostname:
            raise RunError(f"{where}: 'hostname' must be a string")
        if parts.scheme != "wss":
            warnings.append(f"{where}: 'hostname' ignored: only used for wss:// (TLS SNI)")
        elif hostname.lower() == parts.hostname.lower():
            tls_verify = True  # Autobahn verifies the certificate when a hostname is given
        else:
            warnings.append(f"{where}: 'hostname' {hostname!r} ignored: wsconform sends the "
                            f"URL's host {parts.hostname!r} as SNI and verifies against it only "
                            "with --tls-verify")
    http2 = entry.get("http2", False)
    if not isinstance(http2, bool):
        raise RunError(f"{where}: 'http2' must be true or false")
    return SpecServer(agent.strip() if agent else None, url, parts.hostname,
                      port or (443 if parts.scheme == "wss" else 80), command, headers,
                      tls_verify, http2=http2)


def _selection(spec: dict, where: str) -> tuple[list[str], list[str], dict[str, list[str]]]:
    """A spec's `cases`, `exclude-cases` and `exclude-agent-cases` (both kinds of spec)."""
    cases = _patterns(spec.get("cases", ["*"]), f"{where}: 'cases'")
    exclude = _patterns(spec.get("exclude-cases", []), f"{where}: 'exclude-cases'")
    agent_excludes_json = spec.get("exclude-agent-cases", {})
    if not isinstance(agent_excludes_json, dict):
        raise RunError(f"{where}: 'exclude-agent-cases' must be an object "
                       "{agent pattern: [case patterns]}")
    agent_excludes = {agent: _patterns(patterns, f"{where}: 'exclude-agent-cases' for '{agent}'")
                      for agent, patterns in agent_excludes_json.items()}
    return cases, exclude, agent_excludes


def _patterns(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise RunError(f"{where} must be a list of patterns such as \"1.*\"")
    for p in value:
        if not p or not _PATTERN_CHARS.fullmatch(p):
            bad = next((c for c in p if not _PATTERN_CHARS.fullmatch(c)), "") if p else ""
            raise RunError(f"{where}: bad pattern {p!r}"
                           + (f" (character {bad!r})" if bad else " (empty)")
                           + ": use case ids like 6.4.1 and '*' wildcards")
    return list(value)


# Keys of Autobahn's fuzzingserver spec (tests clients; ../shared/reference/autobahn-testsuite.md
# §1.2): `webport` (its browser page's HTTP port) is accepted and ignored.
SERVER_SPEC_KEYS = frozenset({"url", "outdir", "options", "cases", "exclude-cases",
                              "exclude-agent-cases", "webport"})
DEFAULT_CLIENTS_OUTDIR = "./reports/clients/"  # Autobahn's default for fuzzingserver




@dataclass
class ServerSpec:
    """A fuzzingserver spec: where to listen, which cases, what to leave out for which agent."""
    path: Path
    url: str
    outdir: Path
    cases: list[str]
    exclude: list[str]
    agent_excludes: dict[str, list[str]]
    warnings: list[str]


def is_server_spec(raw) -> bool:
    """A fuzzingserver spec has a `url` to listen on and no `servers`."""
    return isinstance(raw, dict) and "servers" not in raw and "url" in raw


def read_spec_json(path: Path):
    where = f"spec {path}"
    return reports.parse_json(reports.read_text(path, where, "no such file", RunError), where,
                              RunError)


def load_server_spec(path: Path, spec: dict) -> ServerSpec:
    where = f"spec {path}"
    warnings = [f"{where}: unknown key '{key}' ignored" for key in spec
                if key not in SERVER_SPEC_KEYS]
    warnings += _check_options(spec.get("options"), f"{where}: options")
    url = spec.get("url", "ws://127.0.0.1:9001")
    if not isinstance(url, str) or not url.startswith(("ws://", "wss://")):
        raise RunError(f"{where}: 'url' must be a ws:// or wss:// URL to listen on, e.g. "
                       "\"ws://127.0.0.1:9001\" (wss://: the test CA is written to "
                       "OUTDIR/tls/ca.pem)")
    outdir = spec.get("outdir", DEFAULT_CLIENTS_OUTDIR)
    if not isinstance(outdir, str) or not outdir:
        raise RunError(f"{where}: 'outdir' must be a directory name")
    cases, exclude, agent_excludes = _selection(spec, where)
    return ServerSpec(path, url, Path(outdir), cases, exclude, agent_excludes, warnings)


def exclude_agent_options(agent_excludes: dict[str, list[str]]) -> list[str]:
    """The runner's --exclude-agent-cases options for a spec's exclude-agent-cases."""
    options = []
    for agent, patterns in agent_excludes.items():
        options += ["--exclude-agent-cases", f"{agent}={','.join(patterns)}"]
    return options
