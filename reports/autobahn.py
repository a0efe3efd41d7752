"""Autobahn|Testsuite's report layout, made from our index.json and wire records.

    OUT/autobahn/index.json                   {agent: {case id: {behavior, behaviorClose,
                                               duration, remoteCloseCode, reportfile}}}
    OUT/autobahn/<agent>_case_<id>.json       one per agent and case, Autobahn's fields

so scripts written for Autobahn's `reports/servers/` keep working. Names follow Autobahn: the
agent lower-cased, every character outside [a-z0-9] a space, trimmed, spaces to '_'; the dots
of the case id to '_' (`gws/server@v1.8.0` + `5.19` -> `gws_server_v1_8_0_case_5_19.json`).
JSON is pretty-printed with sorted keys, as Autobahn writes it.

Only Autobahn's own 517 case ids are written: our cases with letter prefixes (H., M., L., S.,
C., ...) have no Autobahn meaning, and scripts written for Autobahn reports often sort or
compare ids as numbers (`[int(p) for p in id.split('.')]`), which an `H.2.1` would break. They
stay in our index.json and HTML report. Autobahn's per-case `.html` pages and its `index.html`
are not written (our index.html is the report to read).

The verdict words are Autobahn's own (docs/report.md): `behavior` is one of OK, NON-STRICT,
INFORMATIONAL, UNIMPLEMENTED, FAILED and `behaviorClose` one of OK, FAILED, FAILED BY CLIENT,
WRONG CODE, UNCLEAN, INFORMATIONAL, so they are copied as they are. Fields we do not record
(`localCloseReason`, the three timeout flags, `trafficStats`) are null. Each per-case file has
one field Autobahn does not write, `wsconform` ({verdict, wire_log, shortened}: our overall
verdict, our wire record, relative to OUT, and whether that record is shortened).

A shortened wire record (`--wire-log`, docs/report.md) lists only the chunks at either end of
each direction and its first and last frames: `wirelog` and the octet and frame statistics are
made from what it lists, like the rest of the file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from . import wire
from .model import TIMED_CATEGORIES, Case, ReportError, Target

DIRECTORY = "autobahn"

# Autobahn's sub-categories in its case order with their sizes (the reference catalogue,
# 517 cases): the `case` field is the 1-based index of a case in this order.
_SUBCATEGORIES: tuple[tuple[str, int], ...] = (
    ("1.1", 8), ("1.2", 8), ("2", 11), ("3", 7), ("4.1", 5), ("4.2", 5), ("5", 20),
    ("6.1", 3), ("6.2", 4), ("6.3", 2), ("6.4", 4), ("6.5", 5), ("6.6", 11), ("6.7", 4),
    ("6.8", 2), ("6.9", 4), ("6.10", 3), ("6.11", 5), ("6.12", 8), ("6.13", 5), ("6.14", 10),
    ("6.15", 1), ("6.16", 3), ("6.17", 5), ("6.18", 5), ("6.19", 5), ("6.20", 7), ("6.21", 8),
    ("6.22", 34), ("6.23", 7),
    ("7.1", 6), ("7.3", 6), ("7.5", 1), ("7.7", 13), ("7.9", 9), ("7.13", 2),
    ("9.1", 6), ("9.2", 6), ("9.3", 9), ("9.4", 9), ("9.5", 6), ("9.6", 6), ("9.7", 6),
    ("9.8", 6), ("10.1", 1),
    *((f"12.{i}", 18) for i in range(1, 6)), *((f"13.{i}", 18) for i in range(1, 8)),
)
CASE_NUMBERS: dict[str, int] = {
    f"{sub}.{n}": number
    for number, (sub, n) in enumerate(
        ((sub, n) for sub, count in _SUBCATEGORIES for n in range(1, count + 1)), start=1)
}
assert len(CASE_NUMBERS) == 517

FULL_READ = 2 << 20
HEAD_READ = 1 << 20
_HEAD_ITEMS = 2000
_RECORD_FIELDS = ("expected", "expected_close", "received", "closed_by_me", "failed_by_me",
                  "dropped_by_me", "was_clean", "remote_close_reason", "local_close_code",
                  "started_at", "http_request", "http_response", "shortened")
_PAYLOAD_CHARS = 64


def is_autobahn_case(case_id: str) -> bool:
    return case_id in CASE_NUMBERS


def agent_stem(agent: str) -> str:
    """Autobahn's cleanForFilename."""
    cleaned = "".join(c if c in "abcdefghijklmnopqrstuvwxyz0123456789" else " "
                      for c in agent.strip().lower())
    return cleaned.strip().replace(" ", "_")


def case_file_name(stem: str, case_id: str) -> str:
    return f"{stem}_case_{case_id.replace('.', '_')}.json"


def render(targets: list[Target] | tuple[Target, ...], out_dir: Path) -> dict[str, str]:
    """The layout's files by name (relative to OUT/autobahn), their content as text."""
    files: dict[str, str] = {}
    index: dict[str, dict[str, Any]] = {}
    stems: set[str] = set()
    for target in targets:
        agent = target.label or target.agent
        stem = base = agent_stem(agent) or "unknownserver"
        n = 1
        while stem in stems:  # two agents cleaned to the same name: keep both
            n += 1
            stem = f"{base}_{n}"
        stems.add(stem)
        entries = index.setdefault(agent, {})
        for case in target.cases:
            if not is_autobahn_case(case.id):
                continue
            name = case_file_name(stem, case.id)
            record = _read_record(target.run_dir, case.wire_log)
            data = case_json(agent, case, record, target.mode, out_dir, target.run_dir)
            files[name] = _dumps(data)
            entries[case.id] = {"behavior": data["behavior"],
                                "behaviorClose": data["behaviorClose"],
                                "duration": data["duration"],
                                "remoteCloseCode": data["remoteCloseCode"],
                                "reportfile": name}
    files["index.json"] = _dumps(index)
    return files


def write(targets: list[Target] | tuple[Target, ...], out_dir: Path) -> Path:
    """Writes OUT/autobahn/ whole: built in a staging directory, then swapped in, so a reader
    never sees a half-written layout. Returns the path of its index.json."""
    files = render(targets, out_dir)
    final = out_dir / DIRECTORY
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".autobahn-staging-", dir=out_dir))
    except OSError as error:
        raise ReportError(f"cannot write {final}: {error.strerror or error}")
    old = None
    try:
        for name, text in files.items():
            with open(staging / name, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a report is for reading
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".autobahn-old-", dir=out_dir))
            os.replace(final, old / DIRECTORY)
        os.replace(staging, final)
    except OSError as error:
        if old is not None and (old / DIRECTORY).exists() and not final.exists():
            os.replace(old / DIRECTORY, final)  # put the previous layout back
        raise ReportError(f"cannot write {final}: {error.strerror or error}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return final / "index.json"


def _dumps(value: Any) -> str:
    return json.dumps(value, indent=3, sort_keys=True, ensure_ascii=False) + "\n"


def _read_record(run_dir: Path, wire_log: str) -> dict[str, Any]:
    """The case's wire record, or {} when it is missing or unreadable (the case is still
    written, with the fields the record would give null). A record bigger than FULL_READ
    (floods, big messages) is not parsed whole: the fields are taken from its first HEAD_READ
    bytes, and its frames and chunks as far as they go there, so the time to make the layout
    does not grow with the size of the records."""
    if not wire_log:
        return {}
    try:
        read = wire.read_record(run_dir / wire_log, FULL_READ, HEAD_READ)
    except (OSError, ValueError):
        return {}
    if read.head is None:
        return read.record if isinstance(read.record, dict) else {}
    record = {}
    for key in _RECORD_FIELDS:
        found, value, _ = wire.value_after(read.head, key, 0)
        if found:
            record[key] = value
    for key in ("frames", "chunks"):
        record[key] = wire.array_head(read.head, key, _HEAD_ITEMS, 0)[0]
    return record


def case_json(agent: str, case: Case, record: dict[str, Any], mode: str, out_dir: Path,
              run_dir: Path) -> dict[str, Any]:
    """One per-case file, with the fields Autobahn writes."""
    category = case.category
    frames = [f for f in record.get("frames") or [] if isinstance(f, dict)]
    chunks = [c for c in record.get("chunks") or [] if isinstance(c, dict)]
    expected_close = record.get("expected_close")
    was_clean = record.get("was_clean")
    remote_reason = record.get("remote_close_reason")
    wire_log = ""
    if case.wire_log:
        wire_log = os.path.relpath(run_dir / case.wire_log, out_dir).replace(os.sep, "/")
    return {
        "agent": agent,
        "id": case.id,
        "case": CASE_NUMBERS[case.id],
        "description": case.title,
        "expectation": case.expectation,
        "started": record.get("started_at") or None,
        "isServer": mode == "client",
        "behavior": case.behavior or ("FAILED" if case.verdict == "FAILED" else case.verdict),
        "behaviorClose": case.behavior_close or ("FAILED" if case.verdict == "FAILED" else "OK"),
        "result": case.result or case.observation,
        "resultClose": case.result_close,
        "expected": {verdict: [_event(e) for e in events if isinstance(e, dict)]
                     for verdict, events in (record.get("expected") or {}).items()
                     if isinstance(events, list)},
        "expectedClose": _expected_close(expected_close) if isinstance(expected_close, dict)
        else None,
        "received": [_event(e) for e in record.get("received") or [] if isinstance(e, dict)],
        "duration": case.duration_ms,
        "reportTime": category in TIMED_CATEGORIES,
        "reportCompressionRatio": category in ("12", "13"),
        "closedByMe": record.get("closed_by_me"),
        "failedByMe": record.get("failed_by_me"),
        "droppedByMe": record.get("dropped_by_me"),
        "wasClean": was_clean,
        "wasNotCleanReason": None if was_clean or was_clean is None else case.result_close,
        "wasServerConnectionDropTimeout": None,
        "wasOpenHandshakeTimeout": None,
        "wasCloseHandshakeTimeout": None,
        "localCloseCode": record.get("local_close_code"),
        "localCloseReason": None,
        "remoteCloseCode": case.remote_close_code,
        "remoteCloseReason": remote_reason or None,
        "httpRequest": record.get("http_request") or None,
        "httpResponse": record.get("http_response") or None,
        # Autobahn switches its wire log off for the limits and compression cases.
        "createWirelog": category not in TIMED_CATEGORIES,
        "wirelog": _wirelog(frames, chunks) if category not in TIMED_CATEGORIES else [],
        "createStats": True,
        "rxOctetStats": _histogram(str(c.get("length", 0)) for c in chunks
                                   if c.get("dir") == "rx"),
        "txOctetStats": _histogram(str(c.get("length", 0)) for c in chunks
                                   if c.get("dir") == "tx"),
        "rxFrameStats": _histogram(str(f.get("opcode", 0)) for f in frames
                                   if f.get("dir") == "rx"),
        "txFrameStats": _histogram(str(f.get("opcode", 0)) for f in frames
                                   if f.get("dir") == "tx"),
        "trafficStats": None,
        "wsconform": {"verdict": case.verdict, "wire_log": wire_log,
                      "shortened": isinstance(record.get("shortened"), dict)},
    }


def _expected_close(e: dict[str, Any]) -> dict[str, Any]:
    out = {"closedByMe": e.get("closed_by_me"), "closeCode": e.get("close_codes", []),
           "requireClean": e.get("require_clean")}
    if e.get("wrong_endpoint_is_fatal"):
        out["closedByWrongEndpointIsFatal"] = True
    return out


def _payload(item: dict[str, Any]) -> str:
    """Autobahn's display of a payload: UTF-8 text cut to 64 characters + ' ...', else 0x+hex."""
    if item.get("streamed"):
        return f"<{item.get('length', 0)} bytes, compared as they streamed in, not kept>"
    text = item.get("text")
    if isinstance(text, str):
        return text if len(text) <= _PAYLOAD_CHARS else text[:_PAYLOAD_CHARS] + " ..."
    hex_ = str(item.get("hex", ""))
    return "0x" + (hex_ if len(hex_) <= 2 * _PAYLOAD_CHARS else hex_[:2 * _PAYLOAD_CHARS] + " ...")


def _event(e: dict[str, Any]) -> list[Any]:
    kind = e.get("type", "")
    if kind == "message":
        return ["message", _payload(e), bool(e.get("binary"))]
    if kind == "timeout":
        return ["timeout", e.get("tag", "")]
    return [kind, _payload(e)]


def _wirelog(frames: list[dict[str, Any]], chunks: list[dict[str, Any]]) -> list[list[Any]]:
    """TO/RO octet chunks ([length, hex of the first 64 bytes]) and TF/RF frames in time order."""
    entries: list[tuple[int, int, list[Any]]] = []
    for c in chunks:
        octets = [c.get("length", 0), str(c.get("hex", ""))[:128]]
        if c.get("dir") == "tx":
            entries.append((c.get("t_us", 0), 1, ["TO", octets, False]))
        else:
            entries.append((c.get("t_us", 0), 0, ["RO", octets]))
    for f in frames:
        payload = [f.get("length", 0), _payload(f)]
        common = [f.get("opcode", 0), bool(f.get("fin")), f.get("rsv", 0)]
        mask = f.get("mask_key") if f.get("masked") else None
        if f.get("dir") == "tx":
            entries.append((f.get("t_us", 0), 0, ["TF", payload, *common, mask, None, None,
                                                  False]))
        else:
            entries.append((f.get("t_us", 0), 1, ["RF", payload, *common, bool(f.get("masked")),
                                                  mask]))
    entries.sort(key=lambda e: (e[0], e[1]))
    return [e[2] for e in entries]


def _histogram(values) -> dict[str, int]:
    return dict(Counter(values))
