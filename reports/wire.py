"""Wire records (`cases/<agent>/<id>.json`) cut down to what the HTML report shows of them.

A report of 600 cases x 5 targets must stay small and quick to make, so each case shows its
first FRAME_LIMIT decoded frames (payloads cut to PREVIEW_BYTES) and its first BYTES_LIMIT raw
bytes (in at most CHUNK_LIMIT reads and writes); the report links the full record for the
rest. A record bigger than FULL_READ_LIMIT (floods, big messages) is not parsed whole: its
first HEAD_BYTES are scanned for the fields shown, so the time to render does not grow with
the size of the records.

A shortened record (`--wire-log failed`, the default, for cases that passed; `summary` for all)
lists only the chunks at either end of each direction and its first and last frames, with a
`shortened` object saying what was left out and the SHA-256 of each direction's middle bytes
(docs/report.md): its summary carries that object and says it in the first note, and its totals
are those of the whole traffic, not of what is listed.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FRAME_LIMIT = 40
PREVIEW_BYTES = 48
BYTES_LIMIT = 1024
CHUNK_LIMIT = 64  # TCP reads and writes shown (a case written one byte at a time has many)
HANDSHAKE_CHARS = 2048
NOTES_LIMIT = 20
FULL_READ_LIMIT = 256 << 10
HEAD_BYTES = 256 << 10

_decoder = json.JSONDecoder()
_SPACE = " \t\r\n"
_SCALARS = ("was_clean", "remote_close_reason", "local_close_code", "handshake_us")
_HEAD_ORDER = ("notes", *_SCALARS, "http_request", "http_response",
               "shortened")  # the runner's order


@dataclass(frozen=True)
class RecordSummary:
    data: dict[str, Any] | None  # compact form for the page's script; None when unreadable
    error: str = ""


@dataclass(frozen=True)
class RecordText:
    """A wire record as read: parsed whole (`record`), or, when it is bigger than the whole-read
    limit, the text of its first bytes (`head`), to be scanned with value_after/array_head."""
    record: Any = None
    head: str | None = None
    size: int = 0


def read_record(path: Path, full_read: int = FULL_READ_LIMIT,
                head_bytes: int = HEAD_BYTES) -> RecordText:
    """Reads a wire record whole when it is at most `full_read` bytes, else only its first
    `head_bytes`, so the cost does not grow with the record. OSError and ValueError (bad JSON)
    pass through."""
    with open(path, "rb") as f:
        head = f.read(full_read + 1)
        if len(head) <= full_read:
            return RecordText(record=json.loads(head), size=len(head))
        head += f.read(max(0, head_bytes - len(head)))
        return RecordText(head=head[:head_bytes].decode("utf-8", "replace"),
                          size=os.fstat(f.fileno()).st_size)


def read_summary(path: Path) -> RecordSummary:
    """Reads and summarises one wire record; a missing or broken record is not fatal."""
    try:
        text = read_record(path)
        if text.head is None:
            if not isinstance(text.record, dict):
                return RecordSummary(None, "record unreadable: not a JSON object")
            return RecordSummary(summarise(text.record))
        summary = summarise_head(text.head)
        summary.update(record_bytes=text.size, head_bytes=HEAD_BYTES)
        return RecordSummary(summary)
    except FileNotFoundError:
        return RecordSummary(None, "record missing")
    except (OSError, ValueError) as error:
        return RecordSummary(None, f"record unreadable: {error}")
    except (KeyError, TypeError, AttributeError) as error:
        return RecordSummary(None, f"record malformed: {type(error).__name__}: {error}")


def summarise(record: dict[str, Any]) -> dict[str, Any]:
    """The summary of a whole record."""
    frames = record.get("frames") or []
    chunks = record.get("chunks") or []
    fields = {key: record.get(key) for key in ("notes", "http_request", "http_response",
                                               "shortened", *_SCALARS)}
    summary = _summary(fields, frames[:FRAME_LIMIT], len(frames) > FRAME_LIMIT,
                       *_chunk_head(chunks))
    summary.update(frames_total=len(frames), chunks_total=len(chunks),
                   bytes_total=sum(int(c["length"]) for c in chunks))
    summary.update(_shortened_totals(fields["shortened"]))
    return summary


def _shortened_totals(shortened: Any) -> dict[str, Any]:
    """The totals of the whole traffic where a shortened record lists only part of it."""
    totals: dict[str, Any] = {}
    if not isinstance(shortened, dict):
        return totals
    frames, chunks = shortened.get("frames"), shortened.get("chunks")
    if isinstance(frames, dict) and isinstance(frames.get("logged"), int):
        totals["frames_total"] = frames["logged"]
    if isinstance(chunks, dict):
        if isinstance(chunks.get("listed"), int) and isinstance(chunks.get("left_out"), int):
            totals["chunks_total"] = chunks["listed"] + chunks["left_out"]
        directions = [chunks.get(d) for d in ("tx", "rx")]
        if all(isinstance(d, dict) and isinstance(d.get("bytes"), int) for d in directions):
            totals["bytes_total"] = sum(d["bytes"] for d in directions)
    return totals


def shortened_note(shortened: Any) -> str:
    """One line saying what a shortened record left out, for the notes the report shows."""
    if not isinstance(shortened, dict):
        return ""
    parts = []
    chunks = shortened.get("chunks")
    if isinstance(chunks, dict):
        for key, name in (("tx", "sent"), ("rx", "received")):
            d = chunks.get(key)
            if not isinstance(d, dict) or not d.get("middle_bytes"):
                continue
            parts.append(f"of the {d.get('bytes')} bytes {name}, the first {d.get('head_bytes')} "
                         f"and the last {d.get('bytes', 0) - d.get('tail_from', 0)} are listed, "
                         f"the {d.get('middle_bytes')} between have SHA-256 "
                         f"{d.get('middle_sha256')}")
    frames = shortened.get("frames")
    if isinstance(frames, dict) and frames.get("left_out"):
        parts.append(f"{frames.get('left_out')} of {frames.get('logged')} frames left out "
                     f"after the first {frames.get('left_out_from')}")
    received = shortened.get("received")
    if isinstance(received, dict) and received.get("left_out"):
        parts.append(f"{received.get('left_out')} received events left out after the first "
                     f"{received.get('left_out_from')}")
    mode = shortened.get("mode", "")
    return (f"shortened record (--wire-log {mode}; --wire-log full keeps every byte): "
            + "; ".join(parts))


def summarise_head(text: str) -> dict[str, Any]:
    """The summary of a big record from its first characters: the same fields as
    summarise(), with the totals that would need the whole record left out (None)."""
    fields: dict[str, Any] = dict.fromkeys(_HEAD_ORDER)
    position = 0
    for key in _HEAD_ORDER:
        found, value, position = value_after(text, key, position)
        if found:
            fields[key] = value
        elif key != "notes":
            # In the runner's order the fields after this one lie beyond the head too: each
            # further search would read the whole head for nothing.
            break
    frames, frames_done, position = array_head(text, "frames", FRAME_LIMIT, position)
    chunks = array_head(text, "chunks", CHUNK_LIMIT, position)[0] \
        if frames or frames_done else []
    summary = _summary(fields, frames, not frames_done, *_chunk_head(chunks))
    summary.update(frames_total=len(frames) if frames_done else None, chunks_total=None,
                   bytes_total=None, partial=True)
    summary.update(_shortened_totals(fields["shortened"]))
    return summary


def _find(text: str, marker: str, start: int) -> int:
    # In JSON text a quote inside a string is escaped, so '"key":' is always a real key; the
    # keys read here occur once, at the top level. Searching on from the last key found reads
    # the head about once when the record keeps the runner's key order (and works otherwise).
    at = text.find(marker, start)
    return at if at >= 0 else text.find(marker, 0, start + len(marker))


def _value_start(text: str, key: str, start: int) -> int:
    """Where the value of top-level `key` starts, or -1."""
    marker = f'"{key}":'
    at = _find(text, marker, start)
    if at < 0:
        return -1
    at += len(marker)
    while at < len(text) and text[at] in _SPACE:
        at += 1
    return at


def value_after(text: str, key: str, start: int) -> tuple[bool, Any, int]:
    at = _value_start(text, key, start)
    if at < 0:
        return False, None, start
    try:
        value, end = _decoder.raw_decode(text, at)
        return True, value, end
    except ValueError:  # cut off by the end of the head
        return False, None, start


def array_head(text: str, key: str, limit: int,
                start: int) -> tuple[list[Any], bool, int]:
    """Up to `limit` items of the array `key`; True when that is all of them."""
    at = _value_start(text, key, start)
    if at < 0 or not text.startswith("[", at):
        return [], False, start
    items: list[Any] = []
    position = at + 1
    while True:
        while position < len(text) and text[position] in _SPACE + ",":
            position += 1
        if position < len(text) and text[position] == "]":
            return items, True, position
        if len(items) == limit:
            return items, False, position
        try:
            item, position = _decoder.raw_decode(text, position)
        except ValueError:
            return items, False, position
        items.append(item)


def _chunk_head(chunks: list[dict[str, Any]]) -> tuple[list[list[Any]], str]:
    """The first chunks, up to BYTES_LIMIT bytes of them, and those bytes in base64."""
    raw, shown = bytearray(), []
    for chunk in chunks[:CHUNK_LIMIT]:
        room = BYTES_LIMIT - len(raw)
        if room <= 0:
            break
        # A chunk beyond the runner's recording budget has its length but no bytes.
        head = bytes.fromhex(chunk.get("hex", "")[:2 * room])
        raw += head
        shown.append([chunk["t_us"], chunk["dir"], chunk["length"], len(head),
                      int(bool(chunk.get("elided")))])
    return shown, base64.b64encode(bytes(raw)).decode("ascii")


def _summary(fields: dict[str, Any], frames: list[dict[str, Any]], more_frames: bool,
             chunks: list[list[Any]], raw: str) -> dict[str, Any]:
    notes = [str(n) for n in fields["notes"] or []]
    if note := shortened_note(fields.get("shortened")):
        notes.insert(0, note)
    summary: dict[str, Any] = {
        "frames": [_frame(f) for f in frames],
        "frames_more": more_frames,
        "chunks": chunks,
        "raw": raw,
        "notes": notes[:NOTES_LIMIT] + ([f"... {len(notes) - NOTES_LIMIT} more notes"]
                                        if len(notes) > NOTES_LIMIT else []),
    }
    for key, name in (("request", "http_request"), ("response", "http_response")):
        text = str(fields[name] or "")
        summary[key] = text[:HANDSHAKE_CHARS] + (
            f"\n... {len(text) - HANDSHAKE_CHARS} more characters" if len(text) > HANDSHAKE_CHARS
            else "")
    for key in _SCALARS:
        if fields[key] not in (None, ""):
            summary[key] = fields[key]
    if isinstance(fields.get("shortened"), dict):
        summary["shortened"] = fields["shortened"]
    return summary


def _frame(frame: dict[str, Any]) -> list[Any]:
    """[t_us, dir, fin, rsv, opcode, opcode_name, mask_key, declared, length, preview, is_text]."""
    text = frame.get("text")
    if text is not None:
        preview, is_text = text[:PREVIEW_BYTES], 1
    else:
        preview, is_text = frame.get("hex", "")[:2 * PREVIEW_BYTES], 0
    return [frame["t_us"], frame["dir"], int(bool(frame.get("fin"))), frame.get("rsv", 0),
            frame["opcode"], frame.get("opcode_name", ""),
            frame.get("mask_key", "") if frame.get("masked") else "",
            frame.get("declared_length", frame.get("length", 0)), frame.get("length", 0),
            preview, is_text]
