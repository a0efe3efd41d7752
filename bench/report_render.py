#!/usr/bin/env python3
"""Time to render the report of a big run, and the size of its HTML.

Synthesises a run of 600 cases x 5 targets in the runner's format (index.json and one wire
record per case, with the runner's key order, 4096-byte payload previews, 5000-frame cap and
8 MiB byte budget), shaped like a full Autobahn run plus our own cases: mostly small echo and
protocol-error cases, big single messages (1.1.x, 7.1.6, 9.1-9.6), floods (L.7, L.8), and
thousand-message cases (9.7, 9.8, and 12.x/13.x against the two targets that negotiate
permessage-deflate; the other three are UNIMPLEMENTED there, as a server without it is).
Identical big records are hard links, so the run takes little disk; reading them costs the
same. Then renders it REPEAT times (index.html, junit.xml, summary.md) and prints the median.

    python3 bench/report_render.py [--repeat 5] [--cases 600] [--targets 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reports  # noqa: E402

PAYLOAD_CAP = 4096  # the runner shows payloads up to this many bytes
FRAME_CAP = 5000  # ... logs at most this many frames
BYTE_BUDGET = 8 << 20  # ... and keeps the bytes of at most this much traffic
REQUEST = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\n"
           "Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
           "User-Agent: wsconform\r\n\r\n")
RESPONSE = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
            "Sec-WebSocket-Accept: {accept}\r\nServer: bench/1.0\r\n\r\n")

# (category, group, [(subgroup, count, kind)]) in Autobahn order; 600 cases in all.
CATALOGUE: list[tuple[str, str, list[tuple[str, int, str]]]] = [
    ("1", "Framing", [("Text Messages", 8, "echo"), ("Binary Messages", 8, "echo")]),
    ("2", "Pings/Pongs", [("", 11, "ping")]),
    ("3", "Reserved Bits", [("", 7, "fail")]),
    ("4", "Opcodes", [("Non-control Opcodes", 5, "fail"), ("Control Opcodes", 5, "fail")]),
    ("5", "Fragmentation", [("", 20, "fragments")]),
    ("6", "UTF-8 Handling", [(f"UTF-8 family {n}", 10, "utf8") for n in range(1, 15)]
     + [("Fail-fast on invalid UTF-8", 5, "fail")]),
    ("7", "Close Handling", [("Basic close behavior (fuzzer initiated)", 6, "big-close"),
                             ("Close frame structure: payload length", 6, "close"),
                             ("Close frame structure: valid close codes", 25, "close")]),
    ("9", "Limits/Performance", [("Text Message (increasing size)", 6, "big"),
                                 ("Binary Message (increasing size)", 6, "big"),
                                 ("Fragmented Text Message", 9, "big-fragments"),
                                 ("Fragmented Binary Message", 9, "big-fragments"),
                                 ("Text Message (fixed size, increasing chop size)", 6, "big"),
                                 ("Binary Text Message (fixed size, increasing chop size)", 6,
                                  "big"),
                                 ("Send-receive round-trip time", 6, "many"),
                                 ("Send-receive round-trip time (binary)", 6, "many")]),
    ("10", "Misc", [("Auto-Fragmentation", 1, "big")]),
    ("12", "WebSocket Compression (different payloads)",
     [(f"Large JSON data file, {n}", 18, "deflate") for n in range(1, 6)]),
    ("13", "WebSocket Compression (different parameters)",
     [(f"Parameter set {n}", 18, "deflate") for n in range(1, 8)] + [("Parameter set 8", 4,
                                                                      "deflate")]),
    ("H", "Handshake", [("Accepted request variants", 19, "handshake"),
                        ("Requests to refuse", 14, "refusal"),
                        ("Version negotiation", 5, "refusal"), ("Negotiation", 7, "handshake"),
                        ("Robustness", 2, "refusal")]),
    ("M", "Masking", [("", 8, "fail")]),
    ("L", "Limits", [("", 6, "fail"), ("", 1, "ping-flood"), ("", 1, "fragment-flood")]),
    ("S", "Security", [("Origin policy", 13, "refusal"), ("Origin exposure", 1, "handshake"),
                       ("Credentials", 1, "refusal"), ("TLS", 1, "refusal")]),
]


class Wire:
    """The bytes of one synthetic connection, recorded the way the runner records them."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.t = 0
        self.frames: list[dict[str, Any]] = []
        self.chunks: list[dict[str, Any]] = []
        self.kept = 0

    def chunk(self, direction: str, data: bytes) -> None:
        self.t += self.rng.randint(5, 400)
        entry: dict[str, Any] = {"t_us": self.t, "dir": direction, "length": len(data)}
        if self.kept + len(data) <= BYTE_BUDGET:
            entry["hex"] = data.hex()
            self.kept += len(data)
        else:
            entry["elided"] = True
        self.chunks.append(entry)

    def frame(self, direction: str, opcode: int, payload: bytes, fin: bool = True,
              chop: int = 0) -> bytes:
        names = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
        masked = direction == "tx"
        key = self.rng.randbytes(4) if masked else b""
        n = len(payload)
        header = bytes([(0x80 if fin else 0) | opcode])
        mask_bit = 0x80 if masked else 0
        if n < 126:
            header += bytes([mask_bit | n])
        elif n < 65536:
            header += bytes([mask_bit | 126]) + n.to_bytes(2, "big")
        else:
            header += bytes([mask_bit | 127]) + n.to_bytes(8, "big")
        body = bytes(b ^ key[i % 4] for i, b in enumerate(payload[:PAYLOAD_CAP])) if masked \
            else payload[:PAYLOAD_CAP]
        wire = header + key + body + (self.rng.randbytes(n - PAYLOAD_CAP) if n > PAYLOAD_CAP
                                      else b"")
        if len(self.frames) < FRAME_CAP:
            shown = payload[:PAYLOAD_CAP]
            entry: dict[str, Any] = {"t_us": self.t, "dir": direction, "fin": fin, "rsv": 0,
                                     "opcode": opcode, "opcode_name": names.get(opcode, "?"),
                                     "masked": masked}
            if masked:
                entry["mask_key"] = key.hex()
            entry["declared_length"] = n
            entry["length"] = n
            try:
                entry["text"] = shown.decode("utf-8")
            except UnicodeDecodeError:
                pass
            entry["hex"] = shown.hex()
            if n > PAYLOAD_CAP:
                entry["truncated"] = True
            self.frames.append(entry)
        if chop:
            for start in range(0, len(wire), chop):
                self.chunk(direction, wire[start:start + chop])
        return wire

    def send(self, opcode: int, payload: bytes, chop: int = 0) -> None:
        data = self.frame("tx", opcode, payload, chop=chop)
        if not chop:
            self.chunk("tx", data)

    def receive(self, opcode: int, payload: bytes) -> None:
        data = self.frame("rx", opcode, payload)
        for start in range(0, len(data), 65536):  # reads of up to 64 KiB
            self.chunk("rx", data[start:start + 65536])


def event(payload: bytes, binary: bool) -> dict[str, Any]:
    shown = payload[:PAYLOAD_CAP]
    entry: dict[str, Any] = {"type": "message", "binary": binary, "length": len(payload)}
    if not binary:
        entry["text"] = shown.decode("utf-8", "replace")
    entry["hex"] = shown.hex()
    return entry


def play(kind: str, rng: random.Random, deflate: bool) -> tuple[Wire, list, str, int | None]:
    """The wire traffic of one case of this kind: (wire, received events, verdict, close)."""
    wire = Wire(rng)
    wire.chunk("tx", REQUEST.format(key="dGhlIHNhbXBsZSBub25jZQ==").encode())
    if kind == "refusal":
        wire.chunk("rx", b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return wire, [], "OK", None
    wire.chunk("rx", RESPONSE.format(accept="s3pPLMBiTxaQ9kYGzzhZRbK+xOo=").encode())
    if kind == "deflate" and not deflate:
        return wire, [], "UNIMPLEMENTED", None
    received: list = []

    def echo(payload: bytes, binary: bool = False, chop: int = 0) -> None:
        wire.send(2 if binary else 1, payload, chop)
        wire.receive(2 if binary else 1, payload)
        received.append(event(payload, binary))

    def text(n: int) -> bytes:
        return (b"Hello, \xe4\xb8\x96\xe7\x95\x8c! " * (n // 15 + 1))[:n]

    if kind in ("echo", "utf8", "handshake"):
        echo(text(rng.choice([0, 5, 16, 125, 126, 127, 128, 200])), binary=rng.random() < 0.3)
    elif kind == "ping":
        payload = rng.randbytes(rng.randint(0, 125))
        wire.send(9, payload)
        wire.receive(10, payload)
    elif kind == "fragments":
        for n in range(rng.randint(2, 6)):
            wire.send(0 if n else 1, text(rng.randint(1, 40)))
        received.append(event(text(64), False))
        wire.receive(1, text(64))
    elif kind == "fail":
        wire.send(rng.choice([3, 4, 5, 11]), rng.randbytes(rng.randint(0, 20)))
    elif kind in ("close", "big-close"):
        if kind == "big-close":
            echo(text(256 << 10))
    elif kind == "big":
        echo(text(rng.choice([64 << 10, 256 << 10, 1 << 20, 4 << 20])), chop=65536)
    elif kind == "big-fragments":
        size, piece = 1 << 20, rng.choice([64, 256, 1024, 4096, 16384, 65536])
        for start in range(0, size, piece):
            wire.send(0 if start else 1, text(piece))
        wire.receive(1, text(size))
        received.append(event(text(size), False))
    elif kind in ("many", "deflate"):
        size = rng.choice([16, 64, 256, 1024])
        for _ in range(1000):
            echo(text(size))
    elif kind == "ping-flood":
        pings = b"".join(wire.frame("tx", 9, b"") for _ in range(10000))
        wire.chunk("tx", pings)
        for _ in range(10000):
            wire.frame("rx", 10, b"")
        for start in range(0, 20000, 4096):
            wire.chunk("rx", b"\x8a\x00" * 2048)
    elif kind == "fragment-flood":
        frames = b"".join(wire.frame("tx", 0 if n else 1, b"a", fin=n == 99999)
                          for n in range(100000))
        for start in range(0, len(frames), 1 << 17):
            wire.chunk("tx", frames[start:start + (1 << 17)])
        wire.receive(1, b"a" * 100000)
        received.append(event(b"a" * 100000, False))
    else:
        raise ValueError(kind)
    wire.send(8, b"\x03\xe8")
    wire.receive(8, b"\x03\xe8")
    verdict = "OK" if kind != "fail" else rng.choice(["OK"] * 8 + ["NON-STRICT", "FAILED"])
    return wire, received, verdict, 1000 if kind != "fail" else 1002


def case_list() -> list[tuple[str, str, str, str]]:
    """(id, group, subgroup, kind) of every case, numbered the Autobahn way."""
    cases = []
    for category, group, subgroups in CATALOGUE:
        flat = 0  # cases of a category without sub-categories are numbered straight through
        for s, (subgroup, count, kind) in enumerate(subgroups, start=1):
            for n in range(1, count + 1):
                if subgroup:
                    case_id = f"{category}.{s}.{n}"
                else:
                    flat += 1
                    case_id = f"{category}.{flat}"
                cases.append((case_id, group, subgroup, kind))
    return cases


def synthesise(out: Path, n_cases: int = 600, n_targets: int = 5, seed: int = 6455) -> int:
    """Writes the run into `out`; returns the total size of its wire records in bytes."""
    catalogue = case_list()[:n_cases]
    targets = []
    shared: dict[tuple[str, int], Path] = {}  # big records, written once, linked after
    played: dict[tuple[str, int], tuple[Wire, list, str, int | None]] = {}
    record_bytes = 0
    for t in range(n_targets):
        agent = f"server-{t + 1}"
        (out / "cases" / agent).mkdir(parents=True)
        deflate = t < 2
        rng = random.Random(seed + t)
        entries = []
        for number, (case_id, group, subgroup, kind) in enumerate(catalogue):
            variant = rng.randrange(3)
            key = (f"{kind}:{deflate}", variant)
            path = out / "cases" / agent / f"{case_id}.json"
            if kind in BIG_KINDS:  # a few variants of each, shared by every case of the kind
                if key not in played:
                    played[key] = play(kind, random.Random(zlib.crc32(repr(key).encode())),
                                       deflate)
                wire, received, verdict, code = played[key]
            else:
                wire, received, verdict, code = play(kind, rng, deflate)
            if kind not in BIG_KINDS and rng.random() < 0.04:
                verdict = rng.choice(["NON-STRICT", "INFORMATIONAL", "FAILED"])
            behavior_close = "OK" if verdict != "FAILED" else rng.choice(["OK", "WRONG CODE"])
            behavior = verdict if behavior_close == "OK" else "OK"
            entry = {"id": case_id, "group": group, "subgroup": subgroup,
                     "title": f"Synthetic {kind} case number {number + 1} of the benchmark",
                     "rfc": "RFC 6455 5.2", "verdict": verdict, "behavior": behavior,
                     "behavior_close": behavior_close,
                     "expectation": "The message is echoed back; clean close with code 1000.",
                     "observation": f"{len(received)} messages; close {code} from peer",
                     "result": "Actual events match the OK expectation" if behavior == "OK"
                     else "Actual events differ from any expected",
                     "result_close": "Connection was properly closed"
                     if behavior_close == "OK" else "The close code 1002 was not expected",
                     "remote_close_code": code, "duration_ms": wire.t // 1000}
            if kind in BIG_KINDS and key in shared:
                os.link(shared[key], path)
            else:
                record = {**entry, "agent": agent, "url": "ws://127.0.0.1:9001/", "notes": [],
                          "expected": {"OK": received}, "expected_close": {
                              "closed_by_me": True, "close_codes": [1000], "require_clean": True,
                              "wrong_endpoint_is_fatal": False},
                          "received": received, "received_count": len(received),
                          "closed_by_me": True, "failed_by_me": False, "dropped_by_me": False,
                          "was_clean": True, "remote_close_reason": "", "local_close_code": 1000,
                          "started_at": "2026-11-21T10:00:00.000Z", "handshake_us": 800,
                          "http_request": REQUEST.format(key="dGhlIHNhbXBsZSBub25jZQ=="),
                          "http_response": RESPONSE.format(
                              accept="s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                          "frames": wire.frames, "chunks": wire.chunks}
                path.write_text(json.dumps(record, separators=(",", ":")) + "\n")
                if kind in BIG_KINDS:
                    shared[key] = path
            record_bytes += path.stat().st_size
            entries.append({**entry, "wire_log": f"cases/{agent}/{case_id}.json"})
        counts = {v: sum(e["verdict"] == v for e in entries) for v in reports.VERDICTS}
        targets.append({"agent": agent, "url": "ws://127.0.0.1:9001/", "mode": "server",
                        "summary": {"total": len(entries), **counts}, "cases": entries})
    index = {"schema": reports.SCHEMA, "tool": {"name": "wsconform", "version": "bench"},
             "started_at": "2026-11-21T10:00:00Z", "duration_ms": 60000, "targets": targets}
    (out / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return record_bytes


BIG_KINDS = {"big", "big-close", "big-fragments", "many", "deflate", "ping-flood",
             "fragment-flood"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--targets", type=int, default=5)
    parser.add_argument("--keep", help="synthesise into this directory and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        run = Path(args.keep) if args.keep else Path(scratch) / "run"
        started = time.perf_counter()
        record_bytes = synthesise(run, args.cases, args.targets)
        made = time.perf_counter() - started
        print(f"synthesised {args.cases} cases x {args.targets} targets in {made:.1f} s: "
              f"{record_bytes / 1e6:.0f} MB of wire records")
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = reports.generate([run])
            times.append(time.perf_counter() - started)
        sizes = {name: path.stat().st_size for name, path in report.files.items()}
        print(f"render: median {statistics.median(times):.2f} s (min {min(times):.2f}, max "
              f"{max(times):.2f}, {len(times)} runs)")
        print("sizes: " + ", ".join(f"{name} {size / 1e6:.2f} MB" for name, size in sizes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
