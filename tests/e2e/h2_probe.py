#!/usr/bin/python3
"""A tiny RFC 8441 (WebSocket over HTTP/2) client, used only to check the test servers.

    /usr/bin/python3 tests/e2e/h2_probe.py ws://127.0.0.1:PORT/path [options]

ws:// is cleartext HTTP/2 with prior knowledge, wss:// is TLS with ALPN "h2" (certificate not
verified). The probe waits for the server's SETTINGS, then opens --streams extended CONNECT
streams at once (`:protocol websocket`, sec-websocket-version 13, optionally a permessage-deflate
offer and a subprotocol). On each accepted stream (2xx, or 101) it sends a masked text frame and
a masked binary frame of --size bytes (compressed if deflate was accepted; split into
--fragments frames with a ping after the first), checks the echoes, sends a masked Close 1000,
and, once the server's Close has arrived, END_STREAM. It then waits --linger seconds for late
frames and prints one JSON line: the ALPN, the server's SETTINGS, GOAWAY / TCP close, and per
stream the response, the echo checks, the server's Close, how the stream ended (`END_STREAM`,
`RST_STREAM <code>`, `GOAWAY`, `TCP_CLOSED`, `CONNECTION_ERROR`, `TIMEOUT`) and every event in
order. --request picks other requests (malformed ones included), --bad sends one bad frame
instead of the messages. Run with /usr/bin/python3 (python3-h2).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import select
import socket
import ssl
import struct
import sys
import time
import urllib.parse
import zlib

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

REQUESTS = ("websocket", "protocol:NAME", "classic-connect", "connect-no-protocol",
            "get-protocol", "no-path", "no-scheme", "no-authority", "connection-header",
            "no-version", "version-8", "end-stream", "get")
BAD = {  # --bad: one bad frame instead of the messages, and the close code it should get
    "utf8": 1007, "unmasked": 1002, "rsv": 1002, "opcode": 1002, "oversize": 1009,
    "close-code": 1002, "continuation": 1002,
}
ACK_DELAY = 0.005  # seconds of silence before received data is acknowledged
SETTING_NAMES = {9: "NO_RFC7540_PRIORITIES"}  # RFC 9218; h2 4.1 does not know it
TEXT = "Hello over HTTP/2 \u2713 " * 3
PING = b"probe-ping"


def mask(payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    if n == 0:
        return payload
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(stream, "little")).to_bytes(
        n, "little")


def frame(opcode: int, payload: bytes, fin: bool = True, rsv: int = 0, masked: bool = True,
          length: int | None = None) -> bytes:
    """A client frame (masked unless told otherwise; `length` may lie about the payload)."""
    n = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv | opcode
    bit = 0x80 if masked else 0
    if n < 126:
        header = struct.pack("!BB", first, bit | n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", first, bit | 126, n)
    else:
        header = struct.pack("!BBQ", first, bit | 127, n)
    if not masked:
        return header + payload
    key = os.urandom(4)
    return header + key + mask(payload, key)


def code_name(code: int) -> str:
    try:
        return h2.errors.ErrorCodes(code).name
    except ValueError:
        return str(code)


def request_headers(kind: str, url: urllib.parse.SplitResult, args) -> list[tuple[str, str]]:
    scheme = "https" if url.scheme == "wss" else "http"
    path = (url.path or "/") + (f"?{url.query}" if url.query else "")
    authority = url.netloc
    if kind == "get":
        return [(":method", "GET"), (":scheme", scheme), (":path", path),
                (":authority", authority)]
    if kind == "classic-connect":
        return [(":method", "CONNECT"), (":authority", authority)]
    protocol = kind.split(":", 1)[1] if kind.startswith("protocol:") else "websocket"
    headers = [(":method", "GET" if kind == "get-protocol" else "CONNECT"),
               (":protocol", protocol), (":scheme", scheme), (":path", path),
               (":authority", authority), ("sec-websocket-version", "13")]
    drop = {"connect-no-protocol": ":protocol", "no-path": ":path", "no-scheme": ":scheme",
            "no-authority": ":authority", "no-version": "sec-websocket-version"}.get(kind)
    headers = [(n, v) for n, v in headers if n != drop]
    if kind == "version-8":
        headers[-1] = ("sec-websocket-version", "8")
    if kind == "connection-header":
        headers += [("connection", "upgrade"), ("upgrade", "websocket")]
    if args.deflate:
        headers.append(("sec-websocket-extensions", args.deflate))
    if args.subprotocol:
        headers.append(("sec-websocket-protocol", args.subprotocol))
    return headers


class Stream:
    def __init__(self, stream_id: int, kind: str) -> None:
        self.id = stream_id
        self.kind = kind
        self.record: dict = {"id": stream_id, "request": kind, "status": None, "events": []}
        self.events: list[str] = self.record["events"]
        self.pending: collections.deque = collections.deque()  # bytes, or None for END_STREAM
        self.buffer = bytearray()
        self.message: bytearray | None = None
        self.message_opcode = 0
        self.message_compressed = False
        self.expect: list[tuple[int, bytes]] = []  # echoes still awaited, in order
        self.websocket = False
        self.inflater = self.deflater = None
        self.server_reset = self.client_reset = False
        self.close_sent = self.end_sent = self.remote_ended = self.done = False
        self.body = b""

    def end(self, how: str, done: bool = True) -> None:
        """The server ended the stream this way (the first such event is the verdict)."""
        self.events.append(how)
        if "ended" not in self.record:
            self.record["ended"] = how
            self.record["after_close"] = "close" in self.record  # after the server's Close?
        self.done = self.done or done


class Probe:
    def __init__(self, args) -> None:
        self.args = args
        self.url = urllib.parse.urlsplit(args.url)
        self.result: dict = {"url": args.url, "alpn": None, "settings": None, "goaway": None,
                             "tcp_closed": False, "connection_error": None}
        self.streams: dict[int, Stream] = {}
        self.unacked: collections.Counter = collections.Counter()  # stream id: bytes to ack
        self.sock: socket.socket | None = None
        self.dead = False

    # ---- plumbing

    def connect(self) -> None:
        host = self.url.hostname
        port = self.url.port or (443 if self.url.scheme == "wss" else 80)
        sock = socket.create_connection((host, port), timeout=self.args.timeout)
        if self.url.scheme == "wss":
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(["h2"])
            sock = context.wrap_socket(sock, server_hostname=host)
            self.result["alpn"] = sock.selected_alpn_protocol()
        sock.setblocking(False)
        self.sock = sock
        config = h2.config.H2Configuration(client_side=True, header_encoding="utf-8",
                                           validate_outbound_headers=False,
                                           normalize_outbound_headers=False)
        self.conn = h2.connection.H2Connection(config=config)
        self.conn.local_settings = h2.settings.Settings(client=True, initial_values={
            h2.settings.SettingCodes.ENABLE_PUSH: 0,
            h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: self.args.window})
        self.conn.initiate_connection()
        if self.args.window > 65535:  # the connection window grows with the streams' windows
            self.conn.increment_flow_control_window(self.args.window - 65535)
        self.flush()

    def flush(self) -> None:
        data = self.conn.data_to_send()
        while data and not self.dead:
            try:
                sent = self.sock.send(data)
                data = data[sent:]
            except (BlockingIOError, ssl.SSLWantWriteError, ssl.SSLWantReadError):
                select.select([], [self.sock], [], 0.05)
            except OSError:
                self.tcp_closed()

    def receive(self, wait: float) -> None:
        if self.dead:
            time.sleep(wait)
            return
        if not self.readable() and not select.select([self.sock], [], [], wait)[0]:
            return
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, ssl.SSLWantReadError):
            return
        except OSError:
            data = b""
        if not data:
            return self.tcp_closed()
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as error:
            self.result["connection_error"] = f"{type(error).__name__}: {error}"
            self.flush()  # our GOAWAY
            self.dead = True
            for stream in self.streams.values():
                stream.end("CONNECTION_ERROR")
            return
        for event in events:
            self.on_event(event)
        # Received data is acknowledged (WINDOW_UPDATE) only once the socket has been quiet for
        # ACK_DELAY, so a server that writes beyond our window is caught however fast we read
        # (TCP's own window may have held the excess back for a moment).
        if self.unacked and not self.dead and not self.readable(ACK_DELAY):
            for stream_id, size in self.unacked.items():
                self.conn.acknowledge_received_data(size, stream_id)
            self.unacked.clear()
        self.flush()

    def readable(self, wait: float = 0) -> bool:
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return True
        return bool(select.select([self.sock], [], [], wait)[0])

    def tcp_closed(self) -> None:
        self.result["tcp_closed"] = True
        self.dead = True
        for stream in self.streams.values():
            stream.end("TCP_CLOSED")

    # ---- events

    def on_event(self, event) -> None:
        stream = self.streams.get(getattr(event, "stream_id", None) or 0)
        if isinstance(event, h2.events.RemoteSettingsChanged):
            if self.result["settings"] is None:
                self.result["settings"] = {
                    getattr(code, "name", SETTING_NAMES.get(code, str(code))): change.new_value
                    for code, change in event.changed_settings.items()}
        elif isinstance(event, h2.events.InformationalResponseReceived) and stream:
            status = dict(event.headers).get(":status")
            stream.events.append(f"HEADERS :status {status}")
            stream.record.setdefault("informational", []).append(int(status))
            if status == "101":
                self.on_accepted(stream, event.headers)
        elif isinstance(event, h2.events.ResponseReceived) and stream:
            headers = dict(event.headers)
            stream.record["status"] = int(headers[":status"])
            stream.record["headers"] = {n: v for n, v in event.headers if not n.startswith(":")}
            ended = event.stream_ended is not None
            stream.record["headers_end_stream"] = ended
            stream.events.append(f"HEADERS :status {headers[':status']}"
                                 + (" +END_STREAM" if ended else ""))
            if 200 <= stream.record["status"] < 300 and stream.kind not in ("get",):
                self.on_accepted(stream, event.headers)
        elif isinstance(event, h2.events.DataReceived) and stream:
            self.unacked[event.stream_id] += event.flow_controlled_length
            if stream.websocket:
                stream.buffer += event.data
                self.read_frames(stream)
            else:
                stream.body += event.data
        elif isinstance(event, h2.events.StreamEnded) and stream:
            stream.remote_ended = True
            if not stream.websocket:
                stream.record["body"] = stream.body[:200].decode("utf-8", "replace")
            stream.end("END_STREAM", done=stream.end_sent)
            if not stream.end_sent:
                stream.pending.append(None)  # nothing more can come: end our half too
        elif isinstance(event, h2.events.StreamReset) and stream:
            stream.end(f"RST_STREAM {code_name(event.error_code)}")
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.result["goaway"] = {"error": code_name(event.error_code),
                                     "last_stream_id": event.last_stream_id}
            for stream in self.streams.values():  # (h2 sends nothing after a GOAWAY)
                if not stream.done:
                    stream.end(f"GOAWAY {code_name(event.error_code)}")

    def on_accepted(self, stream: Stream, headers) -> None:
        if stream.websocket:
            return
        stream.websocket = True
        extensions = dict(headers).get("sec-websocket-extensions", "")
        if extensions.startswith("permessage-deflate"):
            params = [p.strip() for p in extensions.split(";")[1:]]
            stream.server_reset = "server_no_context_takeover" in params
            stream.client_reset = "client_no_context_takeover" in params
            bits = [int(p.split("=")[1]) for p in params if p.startswith("client_max_window_bits=")]
            stream.client_bits = max(9, bits[0]) if bits else 15
            stream.inflater = zlib.decompressobj(-15)
            stream.deflater = zlib.compressobj(6, zlib.DEFLATED, -stream.client_bits)
        if stream.end_sent:
            return  # (end-stream: our half is closed, nothing can be sent)
        if self.args.bad:
            return self.send_bad(stream)
        binary = bytes(range(256)) * (self.args.size // 256) + bytes(self.args.size % 256)
        for opcode, message in ((1, TEXT.encode()), (2, binary)):
            self.send_message(stream, opcode, message)
            stream.expect.append((opcode, message))

    def send_message(self, stream: Stream, opcode: int, message: bytes) -> None:
        rsv = 0
        if stream.deflater is not None:
            if stream.client_reset:
                stream.deflater = zlib.compressobj(6, zlib.DEFLATED, -stream.client_bits)
            message = stream.deflater.compress(message) + stream.deflater.flush(zlib.Z_SYNC_FLUSH)
            message, rsv = message[:-4], 0x40
        count = max(1, self.args.fragments)
        step = -(-len(message) // count) or 1
        pieces = [message[i:i + step] for i in range(0, len(message), step)] or [b""]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            stream.pending.append(frame(opcode if i == 0 else 0, piece, fin=last,
                                        rsv=rsv if i == 0 else 0))
            if i == 0 and not last:
                stream.pending.append(frame(0x9, PING))
                stream.expect.append((0xA, PING))

    def send_bad(self, stream: Stream) -> None:
        bad = self.args.bad
        stream.record["bad"] = bad
        stream.pending.append({
            "utf8": frame(0x1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80"),
            "unmasked": frame(0x1, b"unmasked", masked=False),
            "rsv": frame(0x1, b"rsv2", rsv=0x20),
            "opcode": frame(0x3, b"reserved"),
            "oversize": frame(0x2, b"x" * 1024, length=64 * 1024 * 1024 + 1)[:1024],
            "close-code": frame(0x8, struct.pack("!H", 999)),
            "continuation": frame(0x0, b"orphan"),
        }[bad])

    def read_frames(self, stream: Stream) -> None:
        buf = stream.buffer
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            length, offset = b1 & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    return
                (length,), offset = struct.unpack_from("!H", buf, 2), 4
            elif length == 127:
                if len(buf) < 10:
                    return
                (length,), offset = struct.unpack_from("!Q", buf, 2), 10
            if b1 & 0x80:
                stream.events.append("server frame masked")
                offset += 4
            if len(buf) < offset + length:
                return
            payload = bytes(buf[offset:offset + length])
            del buf[:offset + length]
            self.on_frame(stream, bool(b0 & 0x80), b0 & 0x70, b0 & 0x0F, payload)

    def on_frame(self, stream: Stream, fin: bool, rsv: int, opcode: int, payload: bytes) -> None:
        if opcode == 0x8:
            code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
            stream.record["close"] = [code, payload[2:].decode("utf-8", "replace")]
            stream.events.append(f"Close {code}")
            if not stream.close_sent:
                stream.pending.append(frame(0x8, payload[:2]))
                stream.close_sent = True
            stream.pending.append(None)
            return
        if opcode in (0x9, 0xA):
            stream.events.append(("Ping" if opcode == 0x9 else "Pong") + f" {len(payload)} B")
            if opcode == 0x9:
                stream.pending.append(frame(0xA, payload))
            else:
                self.check_echo(stream, opcode, payload, 0)
            return
        if opcode != 0:
            stream.message, stream.message_opcode, stream.message_compressed = (
                bytearray(), opcode, bool(rsv & 0x40))
        if stream.message is None:
            stream.events.append("continuation without message")
            return
        stream.message += payload
        if not fin:
            return
        message, stream.message = bytes(stream.message), None
        if stream.message_compressed and stream.inflater is not None:
            if stream.server_reset:
                stream.inflater = zlib.decompressobj(-15)
            message = stream.inflater.decompress(message + b"\x00\x00\xff\xff")
        self.check_echo(stream, stream.message_opcode, message, rsv)

    def check_echo(self, stream: Stream, opcode: int, message: bytes, rsv: int) -> None:
        name = {0x1: "text", 0x2: "binary", 0xA: "pong"}.get(opcode, f"opcode {opcode}")
        flag = " RSV1" if rsv & 0x40 else ""
        # Pongs and echoes each come in order, but a pong may overtake an echo.
        wanted = [i for i, (op, _) in enumerate(stream.expect) if (op == 0xA) == (opcode == 0xA)]
        if not wanted:
            stream.events.append(f"unexpected {name} {len(message)} B{flag}")
            return
        want_opcode, want = stream.expect.pop(wanted[0])
        verdict = "ok" if (opcode, message) == (want_opcode, want) else "MISMATCH"
        stream.record.setdefault("echo", []).append(f"{name} {verdict}")
        stream.events.append(f"{name} {len(message)} B{flag} {verdict}")
        if not stream.expect and not stream.close_sent:
            stream.pending.append(frame(0x8, struct.pack("!H", 1000)))
            stream.close_sent = True

    # ---- sending with flow control

    def pump(self) -> None:
        if self.result["goaway"] is not None:
            return
        for stream in self.streams.values():
            while stream.pending and not stream.done and not self.dead:
                item = stream.pending[0]
                try:
                    if item is None:
                        stream.pending.clear()
                        if not stream.end_sent:
                            self.conn.end_stream(stream.id)
                            stream.end_sent = True
                            stream.events.append("sent END_STREAM")
                        stream.done = stream.remote_ended
                        break
                    window = min(self.conn.local_flow_control_window(stream.id),
                                 self.conn.max_outbound_frame_size)
                    if window <= 0:
                        break
                    item = memoryview(item)
                    self.conn.send_data(stream.id, bytes(item[:window]))
                    if window >= len(item):
                        stream.pending.popleft()
                    else:
                        stream.pending[0] = item[window:]
                except h2.exceptions.ProtocolError as error:  # e.g. reset meanwhile
                    stream.pending.clear()
                    stream.events.append(f"cannot send: {error}")
                    break
        self.flush()

    # ---- main

    def run(self) -> dict:
        started = time.monotonic()
        deadline = started + self.args.timeout
        try:
            self.connect()
        except OSError as error:  # refused, TLS failure...
            self.result.update(connection_error=f"{type(error).__name__}: {error}", streams=[])
            return self.result
        while self.result["settings"] is None and not self.dead and time.monotonic() < deadline:
            self.receive(0.1)
        kinds = self.args.request * self.args.streams
        for index, kind in enumerate(kinds):
            if self.dead:
                break
            stream_id = self.conn.get_next_available_stream_id()
            try:
                self.conn.send_headers(stream_id, request_headers(kind, self.url, self.args),
                                       end_stream=kind in ("get", "end-stream"))
            except h2.exceptions.TooManyStreamsError:  # the server's MAX_CONCURRENT_STREAMS
                self.result["not_opened"] = len(kinds) - index
                break
            stream = self.streams[stream_id] = Stream(stream_id, kind)
            if kind in ("get", "end-stream"):
                stream.end_sent = True
        self.flush()
        while not self.dead and time.monotonic() < deadline:
            if all(stream.done for stream in self.streams.values()):
                break
            self.pump()
            self.receive(0.05)
        for stream in self.streams.values():
            if not stream.done:
                stream.end("TIMEOUT")
        linger = time.monotonic() + self.args.linger
        while not self.dead and time.monotonic() < linger:
            self.receive(0.05)
        for stream in (s for s in self.streams.values() if s.kind == "websocket"):
            record = stream.record  # ok: the conformant outcome of what was sent
            echoes = self.args.bad or (record.get("echo") is not None
                                       and all(e.endswith(" ok") for e in record["echo"]))
            record["ok"] = bool(echoes and record.get("ended") == "END_STREAM"
                                and record.get("close", [None])[0] == BAD.get(self.args.bad, 1000))
        self.result["streams"] = [stream.record for stream in self.streams.values()]
        self.result["elapsed"] = round(time.monotonic() - started, 3)
        if self.sock is not None:
            self.sock.close()
        return self.result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="ws://HOST:PORT/PATH (h2c prior knowledge) or wss://")
    parser.add_argument("--streams", type=int, default=1, help="how many times each request")
    parser.add_argument("--request", action="append", metavar="KIND",
                        help=f"one of {', '.join(REQUESTS)}; repeatable (default websocket)")
    parser.add_argument("--size", type=int, default=1000, help="binary message size")
    parser.add_argument("--fragments", type=int, default=1,
                        help="frames per message (a ping goes after the first)")
    parser.add_argument("--deflate", nargs="?", const="permessage-deflate; client_max_window_bits",
                        metavar="OFFER", help="offer permessage-deflate (this offer)")
    parser.add_argument("--subprotocol", metavar="LIST")
    parser.add_argument("--bad", choices=sorted(BAD), help="send this bad frame instead")
    parser.add_argument("--window", type=int, default=65535,
                        help="our stream (and connection) flow-control window")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--linger", type=float, default=0.5,
                        help="seconds to wait for late frames after the streams ended")
    args = parser.parse_args()
    args.request = args.request or ["websocket"]
    for kind in args.request:
        if kind not in REQUESTS and not kind.startswith("protocol:"):
            parser.error(f"unknown request {kind}")
    print(json.dumps(Probe(args).run()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
