#!/usr/bin/python3
"""An RFC 8441 WebSocket-over-HTTP/2 echo server with optional, deliberate faults.

Built on the `h2` library (4.1, as Debian 12 ships it) over asyncio streams, with hand-written
RFC 6455 framing and zlib for permessage-deflate. The project's tests run wsconform against it
to prove that the HTTP/2 verdicts can fail (and that the conformant variants do not).

    /usr/bin/python3 tests/servers/faulty_h2_server.py [--host 127.0.0.1] [--port 0]
        [--fault NAME] [--tls CERT KEY]

Cleartext is HTTP/2 with prior knowledge (h2c, no Upgrade); --tls serves TLS with ALPN "h2"
only. Prints `listening ws://HOST:PORT/` (wss:// with --tls) once listening and serves until
SIGINT/SIGTERM, then exits 0.

With `--fault none` the server behaves conformantly:
  * Its SETTINGS carry SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 and MAX_CONCURRENT_STREAMS = 100.
  * Extended CONNECT (`:method CONNECT`, `:protocol websocket`, `:scheme`, `:path`,
    `:authority`, `sec-websocket-version: 13`) is answered `:status 200`, without
    sec-websocket-accept. permessage-deflate (RFC 7692) is accepted when offered: the first
    acceptable offer wins; server_no_context_takeover and client_no_context_takeover are
    acknowledged, server_max_window_bits is echoed (an offer of 8, which zlib cannot honour, is
    declined), client_max_window_bits is not answered (a 15-bit inflater reads any window). An
    offer with an unknown, duplicated or invalid parameter is declined. The subprotocol "chat"
    is selected when offered, no other.
  * A bad or missing sec-websocket-version gets 400 with `sec-websocket-version: 13`; an
    extended CONNECT whose HEADERS carry END_STREAM gets 400.
  * Extended CONNECT with another :protocol gets 501; classic CONNECT (only :method and
    :authority) gets 405; GET/HEAD on any path gets 200 "ok\\n"; other methods get 405. All with
    END_STREAM.
  * Malformed requests are stream errors (RST_STREAM PROTOCOL_ERROR), never connection errors:
    the h2 library's inbound header validation (which in h2 4.1 would tear the whole connection
    down with GOAWAY) is applied per stream instead. Malformed: :protocol on a non-CONNECT
    request; connection-specific headers (connection, upgrade, keep-alive, ...); te other than
    "trailers"; uppercase names; missing :method/:scheme/:path (and :authority on an extended
    CONNECT, RFC 8441 §4); a CONNECT without :protocol that carries :scheme or :path or lacks
    :authority (RFC 9113 §8.5).
  * After the 200 the stream's DATA frames carry WebSocket frames. Client frames must be masked.
    Text and binary messages are echoed with their type (fragments reassembled, the echo is one
    frame; with deflate the echo is compressed and has RSV1). Pings get pongs (also between the
    fragments of a message), pongs are ignored. Text is validated as UTF-8 per message (1007);
    protocol violations (RSV bits, reserved opcodes, long or fragmented control frames,
    unmasked frames, a continuation without a message or a new message inside one, a 64-bit
    length with its top bit set, a bad close payload or code) get Close 1002. Messages over
    64 MiB (declared length, or inflated size) get Close 1009.
  * Closing: a Close is answered with a Close (same code, none for an empty Close, 1002 if
    invalid); after any Close of ours the stream is ended with END_STREAM (an empty DATA frame)
    once all queued DATA has gone out; incoming data is then discarded. A client END_STREAM
    without a Close is answered with END_STREAM. Client RST_STREAM drops the stream.
  * Flow control: the client's windows are respected (sending resumes on WINDOW_UPDATE);
    received data is acknowledged at once, so the client can keep sending.

Faults (the RFC clause each breaks):
    none            conformant (see above)
    no-setting      SETTINGS lacks ENABLE_CONNECT_PROTOCOL, yet extended CONNECT is accepted
                    (RFC 8441 §3/§4: :protocol without the setting is malformed; netty#17417)
    setting-only    advertises the setting, refuses every extended CONNECT with 501 (the
                    setting is a promise, RFC 8441 §3; Bun PR #28581)
    any-protocol    every :protocol value is taken for websocket (RFC 8441 §4, unknown
                    protocols should be refused; anycorn PR #84)
    status-101      answers :status 101, then talks WebSocket (RFC 9113 §8.6: 101 is not
                    used in HTTP/2; RFC 8441 §5: success is 2xx)
    accept-header   the 200 also carries sec-websocket-accept (RFC 8441 §5: the Sec-WebSocket-Key
                    / Sec-WebSocket-Accept exchange is replaced by :protocol)
    rst-close       after the closing handshake, RST_STREAM(CANCEL) instead of END_STREAM
                    (RFC 8441 §5: orderly close is END_STREAM; RST_STREAM is an abort;
                    aspnetcore#42328)
    end-on-headers  the 200 HEADERS frame carries END_STREAM: the server's half of the tunnel is
                    closed before it starts (RFC 8441 §4/§5; dotnet/runtime#72301)
    first-stream-only  only the first extended CONNECT of a connection is accepted, later ones
                    get 400 (RFC 8441 §4: each stream is a tunnel; envoy#38645)
    no-flow-control  for echoes over 64 KiB the DATA frames are written raw (hyperframe) to the
                    socket regardless of the client's window (RFC 9113 §6.9.1, FLOW_CONTROL_ERROR)
    accept-bad-headers  no inbound header validation: :protocol on GET, CONNECT with
                    connection/upgrade headers, missing :path/:scheme/:authority are all accepted
                    as WebSocket when :protocol is websocket (RFC 9113 §8.2.2/§8.3, RFC 8441 §4)
    deflate-no-rsv1 negotiates permessage-deflate but echoes compressed payloads without RSV1
                    (RFC 7692 §6: a compressed message has RSV1 on its first frame; fluffos PR #1289)
    goaway-close    after the closing handshake, GOAWAY(NO_ERROR) and TCP close instead of
                    END_STREAM: the stream never ends in order and other streams die with it
                    (RFC 8441 §5)
    drop-tcp-close  after the closing handshake the TCP connection is closed (FIN, after the Close
                    frame went out): no END_STREAM, no GOAWAY (RFC 8441 §5, RFC 9113 §6.8)

Faults that are no violation (the verdict must NOT be FAILED for these):
    drop-second-connect  a second extended CONNECT on a connection closes TCP before it is
                    answered (hypercorn drops the whole connection for its own reasons): every
                    stream on it dies at once, and no case may be blamed for another's drop
    rst-after-end   after the closing handshake END_STREAM, then RST_STREAM(NO_ERROR) if the client
                    has not ended its side yet (RFC 9113 §8.1: a server that has sent a complete
                    response may ask the client to stop sending with RST_STREAM NO_ERROR)
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import signal
import ssl
import struct
import sys
import zlib

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings
import h2.utilities
from hyperframe.frame import DataFrame

FAULTS = ("none", "no-setting", "setting-only", "any-protocol", "status-101", "accept-header",
          "rst-close", "rst-after-end", "goaway-close", "end-on-headers", "first-stream-only",
          "no-flow-control", "accept-bad-headers", "deflate-no-rsv1", "drop-tcp-close",
          "drop-second-connect")

SERVER_NAME = "wsconform-faulty-h2/0.1"
MAX_MESSAGE = 64 * 1024 * 1024  # larger messages fail with 1009
RAW_ABOVE = 64 * 1024  # no-flow-control: echoes larger than this ignore the window
MAX_CONCURRENT_STREAMS = 100
READ_SIZE = 65536

# Opcodes
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
DATA_OPCODES = {OP_CONT, OP_TEXT, OP_BINARY}
CONTROL_OPCODES = {OP_CLOSE, OP_PING, OP_PONG}

# Close codes
PROTOCOL_ERROR, INVALID_PAYLOAD, MESSAGE_TOO_BIG = 1002, 1007, 1009

# What h2 raises when we act on a stream the peer has already reset.
STREAM_GONE = (h2.exceptions.NoSuchStreamError, h2.exceptions.StreamIDTooLowError)

REQUEST_FLAGS = h2.utilities.HeaderValidationFlags(
    is_client=False, is_trailer=False, is_response_header=False, is_push_promise=False)


def is_valid_close_code(code: int) -> bool:
    """RFC 6455 §7.4 plus the IANA registry: 1000-1003, 1007-1014, 3000-4999."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def is_valid_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Fail(Exception):
    """Fail the WebSocket connection with this close code (RFC 6455 §7.1.7)."""

    def __init__(self, code: int, why: str) -> None:
        super().__init__(why)
        self.code = code


# --------------------------------------------------------------------------------------------
# Framing and permessage-deflate


def unmask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte masking key, as one big-integer operation (fast for large payloads)."""
    n = len(payload)
    if n == 0:
        return payload
    keystream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keystream, "little")).to_bytes(
        n, "little")


def encode_frame(opcode: int, payload: bytes = b"", rsv: int = 0) -> bytes:
    """A single unmasked server frame with FIN set (and `rsv`, e.g. 0x40 for RSV1)."""
    n = len(payload)
    first = 0x80 | rsv | opcode
    if n < 126:
        header = struct.pack("!BB", first, n)
    elif n < 1 << 16:
        header = struct.pack("!BBH", first, 126, n)
    else:
        header = struct.pack("!BBQ", first, 127, n)
    return header + payload


def close_payload(code: int | None) -> bytes:
    return b"" if code is None else struct.pack("!H", code)


def parse_window_bits(value: str) -> int | None:
    """RFC 7692 §7.1.2: a decimal 8-15 without leading zeros (a quoted form is allowed)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if value in {str(n) for n in range(8, 16)}:
        return int(value)
    return None


def negotiate_deflate(offers: str) -> tuple[str, dict] | None:
    """Picks the first acceptable permessage-deflate offer; returns (response, parameters)."""
    for offer in offers.split(","):
        parts = [part.strip() for part in offer.split(";")]
        if parts[0].lower() != "permessage-deflate":
            continue
        params: dict = {}
        acceptable = True
        for part in parts[1:]:
            name, eq, value = part.partition("=")
            name = name.strip().lower()
            if name in params:
                acceptable = False  # RFC 7692 §7.1: a parameter at most once
            elif name in ("server_no_context_takeover", "client_no_context_takeover"):
                acceptable = not eq
                params[name] = True
            elif name == "server_max_window_bits":
                params[name] = parse_window_bits(value)
                acceptable = params[name] is not None
            elif name == "client_max_window_bits":
                params[name] = parse_window_bits(value) if eq else 15
                acceptable = params[name] is not None
            else:
                acceptable = False  # unknown parameter
            if not acceptable:
                break
        if not acceptable or params.get("server_max_window_bits") == 8:
            continue  # zlib cannot deflate with a 256-byte window: decline this offer
        response = ["permessage-deflate"]
        response += [name for name in ("server_no_context_takeover", "client_no_context_takeover")
                     if name in params]
        if "server_max_window_bits" in params:
            response.append(f"server_max_window_bits={params['server_max_window_bits']}")
        return "; ".join(response), params
    return None


class Deflate:
    """One stream's permessage-deflate state (RFC 7692)."""

    def __init__(self, params: dict) -> None:
        self.server_bits = params.get("server_max_window_bits", 15)
        self.server_reset = "server_no_context_takeover" in params
        self.client_reset = "client_no_context_takeover" in params
        self.compressor = zlib.compressobj(6, zlib.DEFLATED, -self.server_bits)
        self.inflater = zlib.decompressobj(-15)

    def inflate(self, data: bytes, limit: int) -> bytes:
        if self.client_reset:
            self.inflater = zlib.decompressobj(-15)
        try:
            out = self.inflater.decompress(data + b"\x00\x00\xff\xff", limit + 1)
        except zlib.error as error:
            raise Fail(PROTOCOL_ERROR, f"bad deflate data: {error}") from None
        if len(out) > limit or self.inflater.unconsumed_tail:
            raise Fail(MESSAGE_TOO_BIG, "inflated message too big")
        return out

    def deflate(self, data: bytes) -> bytes:
        if self.server_reset:
            self.compressor = zlib.compressobj(6, zlib.DEFLATED, -self.server_bits)
        out = self.compressor.compress(data) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
        if out.endswith(b"\x00\x00\xff\xff"):
            out = out[:-4]
        return out or b"\x00"  # RFC 7692 §7.2.3.6


# --------------------------------------------------------------------------------------------
# Requests


def malformed(headers: list[tuple[bytes, bytes]]) -> str | None:
    """Why the request is malformed (RFC 9113 §8.1.1: a stream error), or None."""
    pseudo = {name: value for name, value in headers if name.startswith(b":")}
    checked = headers
    if pseudo.get(b":method") == b"CONNECT" and b":protocol" not in pseudo:
        # Classic CONNECT (RFC 9113 §8.5): :authority only; h2 4.1 wrongly demands :scheme and
        # :path of every request, so they are supplied for its other checks.
        if b":scheme" in pseudo or b":path" in pseudo or b":authority" not in pseudo:
            return "CONNECT without :protocol must have :authority and no :scheme/:path"
        checked = [(b":scheme", b"https"), (b":path", b"/")] + headers
    if b":protocol" in pseudo and b":authority" not in pseudo:
        return "extended CONNECT without :authority (RFC 8441 §4)"
    try:
        for _ in h2.utilities.validate_headers(checked, REQUEST_FLAGS):
            pass
    except h2.exceptions.ProtocolError as error:
        return str(error)
    return None


def header_values(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    values = [value.decode("latin-1") for n, value in headers if n == name]
    return ", ".join(values) if values else None


# --------------------------------------------------------------------------------------------
# Streams


class Outbound:
    """What is queued for one stream, and how to end it once the queue is empty."""

    def __init__(self) -> None:
        self.items: collections.deque = collections.deque()  # ("data" | "raw", memoryview)
        self.finish: str | None = None  # "end", "rst", "end-rst", "goaway", "drop"


class WebSocket:
    """The WebSocket side of one accepted extended CONNECT stream."""

    def __init__(self, deflate: Deflate | None) -> None:
        self.deflate = deflate
        self.buffer = bytearray()
        self.message_opcode: int | None = None
        self.compressed = False
        self.fragments = bytearray()
        self.closed = False  # our Close was sent: incoming data is discarded


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 fault: str) -> None:
        self.reader = reader
        self.writer = writer
        self.fault = fault
        config = h2.config.H2Configuration(
            client_side=False, header_encoding=None, validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config=config)
        settings = {
            h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: MAX_CONCURRENT_STREAMS,
            h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL: 1,
        }
        self.conn.local_settings = h2.settings.Settings(client=False, initial_values=settings)
        if fault == "no-setting":
            # h2 would otherwise send ENABLE_CONNECT_PROTOCOL = 0: send no such setting at all.
            del self.conn.local_settings[h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL]
        self.websockets: dict[int, WebSocket] = {}
        self.outbound: dict[int, Outbound] = {}
        self.upgraded = 0  # extended CONNECTs accepted on this connection
        self.close_tcp = False

    # ---- connection loop

    async def run(self) -> None:
        try:
            self.conn.initiate_connection()
            await self.flush()
            while not self.close_tcp:
                data = await self.reader.read(READ_SIZE)
                if not data:
                    break
                try:
                    events = self.conn.receive_data(data)
                except h2.exceptions.ProtocolError:
                    await self.flush()  # h2 has queued a GOAWAY
                    break
                for event in events:
                    try:
                        self.on_event(event)
                    except STREAM_GONE as error:
                        # e.g. HEADERS and RST_STREAM in one read: the stream is already gone.
                        self.websockets.pop(error.stream_id, None)
                        self.outbound.pop(error.stream_id, None)
                self.pump()
                await self.flush()
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.writer.write(data)
        await self.writer.drain()

    def on_event(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.RequestReceived):
            self.on_request(event.stream_id, event.headers, event.stream_ended is not None)
        elif isinstance(event, h2.events.DataReceived):
            with contextlib.suppress(h2.exceptions.ProtocolError):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            ws = self.websockets.get(event.stream_id)
            if ws is not None and not ws.closed:
                self.on_websocket_data(event.stream_id, ws, event.data)
        elif isinstance(event, h2.events.StreamEnded):
            ws = self.websockets.pop(event.stream_id, None)
            if ws is not None and not ws.closed:
                self.out(event.stream_id).finish = "end"  # the peer ended without a Close
        elif isinstance(event, h2.events.StreamReset):
            self.websockets.pop(event.stream_id, None)
            self.outbound.pop(event.stream_id, None)
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.close_tcp = True
        # WindowUpdated and RemoteSettingsChanged need nothing here: pump() runs after each batch.

    # ---- requests

    def respond(self, stream_id: int, status: int, headers: list | None = None,
                body: bytes = b"") -> None:
        headers = [(b":status", str(status).encode()), (b"server", SERVER_NAME.encode())] + (
            headers or [])
        if body:
            headers.append((b"content-length", str(len(body)).encode()))
        self.conn.send_headers(stream_id, headers, end_stream=not body)
        if body:
            out = self.out(stream_id)
            out.items.append(("data", memoryview(body)))
            out.finish = "end"

    def on_request(self, stream_id: int, headers: list, ended: bool) -> None:
        if self.fault != "accept-bad-headers":
            why = malformed(headers)
            if why is not None:
                self.conn.reset_stream(stream_id, h2.errors.ErrorCodes.PROTOCOL_ERROR)
                return
        pseudo = {name: value for name, value in headers if name.startswith(b":")}
        method = pseudo.get(b":method", b"")
        protocol = pseudo.get(b":protocol")
        if protocol is not None:
            self.on_extended_connect(stream_id, headers, protocol, ended)
        elif method == b"CONNECT":
            self.respond(stream_id, 405, [(b"allow", b"GET, HEAD")])
        elif method in (b"GET", b"HEAD"):
            if method == b"HEAD":
                self.respond(stream_id, 200, [(b"content-length", b"3")])
            else:
                self.respond(stream_id, 200, [(b"content-type", b"text/plain")], b"ok\n")
        else:
            self.respond(stream_id, 405, [(b"allow", b"GET, HEAD")])

    def on_extended_connect(self, stream_id: int, headers: list, protocol: bytes,
                            ended: bool) -> None:
        if self.fault == "setting-only":
            return self.respond(stream_id, 501)
        if protocol != b"websocket" and self.fault != "any-protocol":
            return self.respond(stream_id, 501)
        if self.fault == "first-stream-only" and self.upgraded:
            return self.respond(stream_id, 400)
        if self.fault == "drop-second-connect" and self.upgraded:
            self.close_tcp = True  # what is queued goes out, then TCP closes: no answer to this
            return None
        if header_values(headers, b"sec-websocket-version") != "13":
            return self.respond(stream_id, 400, [(b"sec-websocket-version", b"13")])
        if ended:
            return self.respond(stream_id, 400)  # a tunnel whose client half is already closed
        response = [] if self.fault != "accept-header" else [
            (b"sec-websocket-accept", b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")]
        offered = header_values(headers, b"sec-websocket-protocol") or ""
        if "chat" in {token.strip() for token in offered.split(",")}:
            response.append((b"sec-websocket-protocol", b"chat"))
        deflate = None
        negotiated = negotiate_deflate(header_values(headers, b"sec-websocket-extensions") or "")
        if negotiated is not None:
            response.append((b"sec-websocket-extensions", negotiated[0].encode()))
            deflate = Deflate(negotiated[1])
        self.upgraded += 1
        status = 101 if self.fault == "status-101" else 200
        response = [(b":status", str(status).encode()), (b"server", SERVER_NAME.encode())] + response
        end_on_headers = self.fault == "end-on-headers"
        self.conn.send_headers(stream_id, response, end_stream=end_on_headers)
        if not end_on_headers:
            self.websockets[stream_id] = WebSocket(deflate)

    # ---- WebSocket

    def on_websocket_data(self, stream_id: int, ws: WebSocket, data: bytes) -> None:
        ws.buffer += data
        try:
            while not ws.closed:
                frame = self.next_frame(ws)
                if frame is None:
                    return
                fin, opcode, payload = frame
                if opcode == OP_CLOSE:
                    self.close(stream_id, ws, self.parse_close(payload))
                elif opcode == OP_PING:
                    self.send(stream_id, encode_frame(OP_PONG, payload))
                elif opcode == OP_PONG:
                    pass  # unsolicited pongs are ignored
                else:
                    self.on_data_frame(stream_id, ws, fin, opcode, payload)
        except Fail as fail:
            self.close(stream_id, ws, fail.code)

    def next_frame(self, ws: WebSocket) -> tuple[bool, int, bytes] | None:
        """Takes one complete, validated frame off the buffer (None: not complete yet)."""
        buf = ws.buffer
        if len(buf) < 2:
            return None
        b0, b1 = buf[0], buf[1]
        fin, rsv, opcode = bool(b0 & 0x80), b0 & 0x70, b0 & 0x0F
        masked, length = bool(b1 & 0x80), b1 & 0x7F
        # Header checks come before waiting for the payload: fail fast.
        compressed_start = (rsv == 0x40 and ws.deflate is not None
                            and opcode in (OP_TEXT, OP_BINARY))
        if rsv and not compressed_start:
            raise Fail(PROTOCOL_ERROR, "RSV bits set without a negotiated meaning")
        if opcode not in DATA_OPCODES and opcode not in CONTROL_OPCODES:
            raise Fail(PROTOCOL_ERROR, f"reserved opcode {opcode:#x}")
        if opcode in CONTROL_OPCODES and (length > 125 or not fin):
            raise Fail(PROTOCOL_ERROR, "control frame too long or fragmented")
        if not masked:
            raise Fail(PROTOCOL_ERROR, "client frame not masked")
        offset = 2
        if length == 126:
            if len(buf) < 4:
                return None
            (length,) = struct.unpack_from("!H", buf, 2)
            offset = 4
        elif length == 127:
            if len(buf) < 10:
                return None
            (length,) = struct.unpack_from("!Q", buf, 2)
            offset = 10
            if length >> 63:
                raise Fail(PROTOCOL_ERROR, "64-bit length with the high bit set")
        if opcode in DATA_OPCODES and len(ws.fragments) + length > MAX_MESSAGE:
            raise Fail(MESSAGE_TOO_BIG, "message too big")
        end = offset + 4 + length
        if len(buf) < end:
            return None
        key = bytes(buf[offset:offset + 4])
        payload = unmask(bytes(buf[offset + 4:end]), key)
        del buf[:end]
        if compressed_start:
            ws.compressed = True  # (a new message: on_data_frame checks none is in progress)
        return fin, opcode, payload

    def on_data_frame(self, stream_id: int, ws: WebSocket, fin: bool, opcode: int,
                      payload: bytes) -> None:
        if opcode == OP_CONT:
            if ws.message_opcode is None:
                raise Fail(PROTOCOL_ERROR, "continuation frame without a message in progress")
        else:
            if ws.message_opcode is not None:
                raise Fail(PROTOCOL_ERROR, "new data frame while a message is in progress")
            ws.message_opcode = opcode
        ws.fragments += payload
        if not fin:
            return
        opcode, message, compressed = ws.message_opcode, bytes(ws.fragments), ws.compressed
        ws.message_opcode, ws.fragments, ws.compressed = None, bytearray(), False
        if compressed:
            message = ws.deflate.inflate(message, MAX_MESSAGE)
        if opcode == OP_TEXT and not is_valid_utf8(message):
            raise Fail(INVALID_PAYLOAD, "text message is not valid UTF-8")
        raw = self.fault == "no-flow-control" and len(message) > RAW_ABOVE
        if ws.deflate is not None:
            rsv = 0 if self.fault == "deflate-no-rsv1" else 0x40
            self.send(stream_id, encode_frame(opcode, ws.deflate.deflate(message), rsv), raw)
        else:
            self.send(stream_id, encode_frame(opcode, message), raw)

    def parse_close(self, payload: bytes) -> int | None:
        """Validates a received Close; returns the code to echo (None: empty Close)."""
        if not payload:
            return None
        if len(payload) == 1:
            raise Fail(PROTOCOL_ERROR, "close payload of one byte")
        (code,) = struct.unpack("!H", payload[:2])
        if not is_valid_close_code(code):
            raise Fail(PROTOCOL_ERROR, f"invalid close code {code}")
        if not is_valid_utf8(payload[2:]):
            raise Fail(INVALID_PAYLOAD, "close reason is not valid UTF-8")
        return code

    def close(self, stream_id: int, ws: WebSocket, code: int | None) -> None:
        """Sends our Close, then ends the stream (the way the fault says) once it is out."""
        ws.closed = True
        ws.buffer = bytearray()
        self.send(stream_id, encode_frame(OP_CLOSE, close_payload(code)))
        self.out(stream_id).finish = {
            "rst-close": "rst", "rst-after-end": "end-rst", "goaway-close": "goaway",
            "drop-tcp-close": "drop"}.get(self.fault, "end")

    # ---- sending

    def out(self, stream_id: int) -> Outbound:
        return self.outbound.setdefault(stream_id, Outbound())

    def send(self, stream_id: int, data: bytes, raw: bool = False) -> None:
        self.out(stream_id).items.append(("raw" if raw else "data", memoryview(data)))

    def pump(self) -> None:
        """Sends what the flow-control windows allow; ends the streams whose queue is empty."""
        for stream_id in list(self.outbound):
            out = self.outbound[stream_id]
            try:
                self.pump_stream(stream_id, out)
            except STREAM_GONE:
                self.outbound.pop(stream_id, None)  # reset by the peer meanwhile
            if self.close_tcp:
                return

    def pump_stream(self, stream_id: int, out: Outbound) -> None:
        while out.items:
            kind, data = out.items[0]
            if kind == "raw":  # no-flow-control: straight to the socket, windows ignored
                self.writer.write(self.conn.data_to_send())
                size = self.conn.max_outbound_frame_size
                for start in range(0, len(data), size):
                    self.writer.write(DataFrame(stream_id, data=bytes(data[start:start + size]))
                                      .serialize())
                out.items.popleft()
                continue
            window = min(self.conn.local_flow_control_window(stream_id),
                         self.conn.max_outbound_frame_size)
            if window <= 0:
                return  # WINDOW_UPDATE will bring us back
            chunk = data[:window]
            self.conn.send_data(stream_id, bytes(chunk))
            if len(chunk) == len(data):
                out.items.popleft()
            else:
                out.items[0] = (kind, data[len(chunk):])
        if out.finish is None:
            return
        del self.outbound[stream_id]
        if out.finish in ("end", "end-rst"):
            self.conn.end_stream(stream_id)
            if out.finish == "end-rst":
                # Only while the client's half is still open (a closed stream cannot be reset).
                with contextlib.suppress(*STREAM_GONE):
                    if self.conn._get_stream_by_id(stream_id).open:  # noqa: SLF001
                        self.conn.reset_stream(stream_id, h2.errors.ErrorCodes.NO_ERROR)
        elif out.finish == "rst":
            self.conn.reset_stream(stream_id, h2.errors.ErrorCodes.CANCEL)
        elif out.finish == "goaway":
            self.conn.close_connection(h2.errors.ErrorCodes.NO_ERROR)
            self.close_tcp = True
        elif out.finish == "drop":
            self.close_tcp = True


# --------------------------------------------------------------------------------------------
# Main


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()

    tls = None
    if args.tls:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*args.tls)
        tls.set_alpn_protocols(["h2"])

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await Connection(reader, writer, args.fault).run()

    server = await asyncio.start_server(on_client, args.host, args.port, backlog=1024, ssl=tls)
    host, port = server.sockets[0].getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    print(f"listening {'wss' if tls else 'ws'}://{host}:{port}/", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()  # asyncio.run() then cancels the connections still open
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
