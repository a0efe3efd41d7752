#!/usr/bin/env python3
"""A minimal RFC 6455 WebSocket echo server with optional, deliberate faults.

Pure standard library (asyncio streams, hand-written framing), no extensions, no subprotocols.
The project's tests run wsconform against it to prove that verdicts can fail.

    python3 tests/servers/faulty_server.py [--host 127.0.0.1] [--port 0] [--fault NAME]

Prints `listening ws://HOST:PORT/` once listening and serves until killed (SIGINT/SIGTERM: exit 0).

With `--fault none` the server behaves conformantly: it echoes text/binary messages with their
type (fragmented messages are reassembled and echoed as one frame), answers pings with pongs
(also between the fragments of a message), answers a Close with a Close carrying the same code
(or 1002 if the code is invalid) and then closes TCP, and fails the connection (Close 1002, or
1007 for invalid UTF-8, then TCP close) on any protocol violation. Text messages are validated
as a whole, not fail-fast per frame.

Faults:
    none        conformant (see above)
    utf8        no UTF-8 validation of text messages; invalid text is echoed as a text frame
    rsv         RSV1-3 bits are ignored (the frame is processed as if they were 0)
    close-code  any close code is accepted and echoed
    no-pong     pings are never answered
    any-version any Sec-WebSocket-Version (or none) is accepted
    no-mask     unmasked client frames are accepted
    trust-length  the declared length is believed: no size limit, no check of the 64-bit MSB
    ignore-origin   --allowed-origin is not enforced
    origin-prefix   --allowed-origin is enforced with a naive prefix match
    inflate-unbounded  negotiates permessage-deflate, inflates every compressed message without
                a limit and echoes it (still compressed): a decompression bomb goes through
    serial      one connection at a time and no handshake timeout: a slow client starves the
                others (slow-loris), a crowd of clients waits in the accept queue
    busy        conformant, but slow under load: while more than 8 connections are open, all
                it writes (the 101 included) waits 1.2 s first, as an overloaded server's
                answers do; a tester that keeps dozens of cases in flight sees its timers fire
    crash-len64 the whole process dies (os._exit, no Close, no cleanup) as soon as it reads a
                frame header with the 64-bit extended length form (length field 127): the
                live fuzzer's crash to find, minimise and replay
    drop-len64  closes the TCP connection silently (FIN, no Close frame) as soon as it reads a
                frame header with the 64-bit extended length form; the process stays alive and
                serves other connections: valid input (a message of 64 KiB or more) dropped,
                which only the live fuzzer's valid-input oracle sees (dropped-valid)
    corrupt-large  echoes of messages above 64 KiB come back with their middle byte changed
                (XOR 0x01, so text stays valid UTF-8): only a tester that compares the echoed
                content, not just its type and length, notices (9.x)

Faults that are no MUST violation, or only a lesser one (the verdict is OK, NON-STRICT or
INFORMATIONAL, never FAILED for these alone):
    unmasked-1003  an unmasked frame closes the connection with 1003, not 1002 (as faye does)
    version-no-header  a missing or bad Sec-WebSocket-Version is refused with 400 and no
                Sec-WebSocket-Version header (as Python websockets does): FAILED only where the
                version is well formed and not understood
    version-5xx a missing or bad Sec-WebSocket-Version is refused with 503 (with the header)
    versions-0-13  speaks 13 and (it says) hixie-76's version 0, like websocketpp: a request
                with no version or version 0 is taken for a malformed hixie-76 request (400, no
                version header); another version gets 426 with 'Sec-WebSocket-Version: 0, 13'
    early-data-drop  whatever arrives in the same read as the opening handshake request, after
                it, is thrown away (a frame sent without waiting for the 101)
    coalesce-pongs  pings that arrive together get one pong, for the latest (RFC 6455 5.5.3)
    data-after-close  sends a text frame right after each Close frame it sends (RFC 6455 5.5.1:
                "After sending a Close frame, the endpoint MUST NOT send any more data frames")
    slow-pongs  the first ping of a connection is answered after a 6 s stall

With --allowed-origin ORIGIN (and no origin fault), a request whose Origin is present and not
exactly ORIGIN, or that has several Origin headers, is refused with 403. --max-message N sets
the size beyond which a message is refused with close 1009 (default 64 MiB). --tls CERT KEY
serves wss:// with that certificate; --tls-legacy also accepts TLS 1.0 and 1.1 clients.

Hostile peers (the tester must end each case with a clear reason, never hang or crash):
    hang        reads the opening handshake and never answers it
    silent      completes the handshake, then reads and discards everything, never replies
    huge-length answers every message with a frame header declaring 2^63-1 bytes, then trickles
    flood       answers every message with an endless stream of 64 KiB binary frames
    big-frames  answers every message with 48 MiB binary frames, one after another
    ping-flood  answers every message with an endless stream of pings (125 bytes each)
    reset       answers every message with half a frame, then resets the TCP connection
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import contextlib
import hashlib
import os
import signal
import socket
import ssl
import struct
import sys
import warnings
import zlib

FAULTS = ("none", "utf8", "rsv", "close-code", "no-pong", "any-version", "no-mask", "trust-length", "ignore-origin", "origin-prefix",
          "serial", "inflate-unbounded", "crash-len64", "drop-len64", "corrupt-large", "hang", "silent",
          "huge-length", "flood", "ping-flood", "reset", "unmasked-1003", "version-no-header", "version-5xx",
          "versions-0-13", "early-data-drop", "coalesce-pongs", "slow-pongs", "data-after-close",
          "busy", "big-frames")

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SERVER_NAME = "wsconform-faulty/0.1"

MAX_MESSAGE = 64 * 1024 * 1024  # larger messages fail with 1009
CORRUPT_ABOVE = 64 * 1024  # corrupt-large: echoes of larger messages get one byte changed
STREAM_LIMIT = 1024 * 1024  # StreamReader buffer limit; also bounds the request head
HANDSHAKE_TIMEOUT = 5.0
LINGER_TIMEOUT = 5.0  # after our Close + FIN, wait at most this long for the peer's FIN

# Opcodes
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
DATA_OPCODES = {OP_CONT, OP_TEXT, OP_BINARY}
CONTROL_OPCODES = {OP_CLOSE, OP_PING, OP_PONG}

# Close codes
PROTOCOL_ERROR, UNSUPPORTED_DATA, INVALID_PAYLOAD, MESSAGE_TOO_BIG = 1002, 1003, 1007, 1009


def is_valid_close_code(code: int) -> bool:
    """RFC 6455 §7.4 plus the IANA registry: 1000-1003, 1007-1014, 3000-4999."""
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def is_valid_utf8(data: bytes) -> bool:
    # Python's strict decoder rejects overlong forms, surrogates and code points > U+10FFFF.
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
# Framing


def unmask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte masking key, as one big-integer operation (fast for large payloads)."""
    n = len(payload)
    if n == 0:
        return payload
    keystream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keystream, "little")).to_bytes(
        n, "little"
    )


def inflate_without_limit(message: bytes) -> int:
    """Inflates a permessage-deflate message all the way (RFC 7692 §7.2.2), counting bytes."""
    inflater = zlib.decompressobj(-15)
    data, total = message + b"\x00\x00\xff\xff", 0
    while data:
        total += len(inflater.decompress(data, 1 << 20))
        data = inflater.unconsumed_tail
    return total


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


# --------------------------------------------------------------------------------------------
# Opening handshake


# busy: connections open now, and how slow the server gets above BUSY_ABOVE of them.
OPEN_CONNECTIONS = 0
BUSY_ABOVE = 8
BUSY_DELAY = 1.2


async def pace(fault: str) -> None:
    """busy: an overloaded server answers late."""
    if fault == "busy" and OPEN_CONNECTIONS > BUSY_ABOVE:
        await asyncio.sleep(BUSY_DELAY)


async def opening_handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            fault: str = "none", allowed_origin: str | None = None) -> bool:
    """Reads the HTTP upgrade request and answers 101 (True) or an HTTP error (False).

    Only the inflate-unbounded fault negotiates an extension: permessage-deflate, when offered.
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        return False
    lines = head.decode("latin-1").split("\r\n")
    request_line = lines[0].split(" ")
    headers: dict[str, str] = {}
    origins = 0
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            return await http_error(writer, "400 Bad Request")
        name = name.strip().lower()
        value = value.strip()
        origins += name == "origin"
        headers[name] = f"{headers[name]}, {value}" if name in headers else value

    def tokens(name: str) -> set[str]:
        return {t.strip().lower() for t in headers.get(name, "").split(",")}

    if len(request_line) != 3 or request_line[0] != "GET" or request_line[2] != "HTTP/1.1":
        return await http_error(writer, "400 Bad Request")
    if "websocket" not in tokens("upgrade") or "upgrade" not in tokens("connection"):
        return await http_error(writer, "400 Bad Request")
    if not headers.get("host"):
        return await http_error(writer, "400 Bad Request")
    if allowed_origin and "origin" in headers and fault != "ignore-origin":
        origin = headers["origin"]
        if fault == "origin-prefix":
            refused = not origin.startswith(allowed_origin)
        else:
            refused = origins > 1 or origin != allowed_origin
        if refused:
            return await http_error(writer, "403 Forbidden")
    version = headers.get("sec-websocket-version")
    if version != "13" and fault == "version-no-header":
        return await http_error(writer, "400 Bad Request")
    if version != "13" and fault == "version-5xx":
        return await http_error(writer, "503 Service Unavailable", "Sec-WebSocket-Version: 13\r\n")
    if version in (None, "0") and fault == "versions-0-13":
        return await http_error(writer, "400 Bad Request")  # hixie-76 without its key fields
    if version != "13" and fault == "versions-0-13":
        return await http_error(writer, "426 Upgrade Required", "Sec-WebSocket-Version: 0, 13\r\n")
    if version != "13" and fault != "any-version":
        return await http_error(writer, "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\n")
    key = headers.get("sec-websocket-key", "")
    try:
        if len(base64.b64decode(key, validate=True)) != 16:
            raise ValueError
    except (binascii.Error, ValueError):
        return await http_error(writer, "400 Bad Request")

    if fault == "early-data-drop":
        # Whatever the client sent after the request, without waiting for our answer.
        with contextlib.suppress(Exception):
            reader._buffer.clear()  # noqa: SLF001 (the point of the fault)
    accept = base64.b64encode(hashlib.sha1(key.encode("ascii") + WS_GUID).digest()).decode()
    extensions = {t.split(";")[0].strip() for t in tokens("sec-websocket-extensions")}
    deflate = fault == "inflate-unbounded" and "permessage-deflate" in extensions
    await pace(fault)
    writer.write(
        (
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            f"Sec-WebSocket-Accept: {accept}\r\n"
            + ("Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else "")
            + f"Server: {SERVER_NAME}\r\n"
            "\r\n"
        ).encode("ascii")
    )
    await writer.drain()
    return True


async def http_error(writer: asyncio.StreamWriter, status: str, extra: str = "") -> bool:
    writer.write(
        f"HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n".encode()
    )
    await writer.drain()
    return False


# --------------------------------------------------------------------------------------------
# Connection


class Connection:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: str,
        allowed_origin: str | None = None, max_message: int = MAX_MESSAGE,
    ) -> None:
        self.reader = reader
        self.max_message = max_message
        self.writer = writer
        self.fault = fault
        self.allowed_origin = allowed_origin
        self.message_opcode: int | None = None  # opcode of the fragmented message in progress
        self.compressed = False  # the message in progress has RSV1 (inflate-unbounded)
        self.fragments = bytearray()
        self.stalled = False  # slow-pongs: the stall happened

    async def send(self, opcode: int, payload: bytes = b"") -> None:
        await pace(self.fault)
        self.writer.write(encode_frame(opcode, payload))
        await self.writer.drain()

    async def run(self) -> None:
        if self.fault == "hang":
            with contextlib.suppress(Exception):
                await self.reader.read(65536)
                await asyncio.sleep(3600)
            return
        try:
            if not await asyncio.wait_for(
                opening_handshake(self.reader, self.writer, self.fault, self.allowed_origin),
                None if self.fault == "serial" else HANDSHAKE_TIMEOUT
            ):
                return
            close_code = await self.serve()  # returns once a Close was received
            await self.send(OP_CLOSE, close_payload(close_code))
            await self.after_close()
        except Fail as fail:
            with contextlib.suppress(ConnectionError):
                await self.send(OP_CLOSE, close_payload(fail.code))
                await self.after_close()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
            pass  # peer went away or handshake timed out: just drop the connection
        finally:
            await self.close_tcp()

    async def after_close(self) -> None:
        if self.fault == "data-after-close":
            await self.send(OP_TEXT, b"after close")

    async def close_tcp(self) -> None:
        """The server closes TCP first: FIN now, then drain until the peer's FIN, then close.

        (Closing with unread data pending would send an RST that can destroy our Close frame.)
        """
        with contextlib.suppress(Exception):
            if self.writer.can_write_eof():
                self.writer.write_eof()
            async with asyncio.timeout(LINGER_TIMEOUT):
                while await self.reader.read(65536):
                    pass
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()

    async def serve(self) -> int | None:
        """Frame loop. Returns the code to echo in our Close once the peer's Close arrived."""
        if self.fault == "silent":
            while await self.reader.read(65536):
                pass
            raise ConnectionError("peer closed")
        while True:
            fin, opcode, payload = await self.read_frame()
            if opcode == OP_CLOSE:
                return self.parse_close(payload)
            if opcode == OP_PING:
                if self.fault == "slow-pongs" and not self.stalled:
                    self.stalled = True
                    await asyncio.sleep(6)
                buffered = self.reader._buffer  # noqa: SLF001
                if self.fault == "coalesce-pongs" and buffered and buffered[0] & 0x0F == OP_PING:
                    continue  # another ping already here: only the latest ping gets its pong
                if self.fault != "no-pong":
                    await self.send(OP_PONG, payload)
            elif opcode == OP_PONG:
                pass  # unsolicited pongs are ignored
            else:
                await self.on_data_frame(fin, opcode, payload)

    async def read_frame(self) -> tuple[bool, int, bytes]:
        """Reads and validates one frame; returns (FIN, opcode, unmasked payload)."""
        b0, b1 = await self.reader.readexactly(2)
        fin = bool(b0 & 0x80)
        rsv = b0 & 0x70
        opcode = b0 & 0x0F
        masked = bool(b1 & 0x80)
        length = b1 & 0x7F

        # Header checks come before reading the payload: fail fast.
        if rsv == 0x40 and self.fault == "inflate-unbounded" and opcode != OP_CONT:
            self.compressed = True  # RSV1 on the first frame: a compressed message
        elif rsv and self.fault != "rsv":
            raise Fail(PROTOCOL_ERROR, "RSV bits set without a negotiated extension")
        if opcode not in DATA_OPCODES and opcode not in CONTROL_OPCODES:
            raise Fail(PROTOCOL_ERROR, f"reserved opcode {opcode:#x}")
        if opcode in CONTROL_OPCODES and (length > 125 or not fin):
            raise Fail(PROTOCOL_ERROR, "control frame too long or fragmented")
        if not masked and self.fault == "unmasked-1003":
            raise Fail(UNSUPPORTED_DATA, "client frame not masked")
        if not masked and self.fault != "no-mask":
            raise Fail(PROTOCOL_ERROR, "client frame not masked")

        if length == 126:
            (length,) = struct.unpack("!H", await self.reader.readexactly(2))
        elif length == 127:
            if self.fault == "crash-len64":
                os._exit(70)  # a crash: the process is gone, every connection with it
            if self.fault == "drop-len64":
                raise ConnectionError("drop-len64")  # run() closes TCP, sends no Close
            (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            if length >> 63 and self.fault != "trust-length":
                raise Fail(PROTOCOL_ERROR, "64-bit length with the high bit set")
        if self.fault == "trust-length":
            pass  # waits for whatever the header declares
        elif opcode in DATA_OPCODES and len(self.fragments) + length > self.max_message:
            raise Fail(MESSAGE_TOO_BIG, "message too big")

        key = await self.reader.readexactly(4) if masked else b"\0\0\0\0"
        payload = unmask(await self.reader.readexactly(length), key)
        return fin, opcode, payload

    async def on_data_frame(self, fin: bool, opcode: int, payload: bytes) -> None:
        if opcode == OP_CONT:
            if self.message_opcode is None:
                raise Fail(PROTOCOL_ERROR, "continuation frame without a message in progress")
        else:
            if self.message_opcode is not None:
                raise Fail(PROTOCOL_ERROR, "new data frame while a message is in progress")
            self.message_opcode = opcode
        self.fragments += payload
        if not fin:
            return

        message_opcode, message = self.message_opcode, bytes(self.fragments)
        self.message_opcode = None
        self.fragments = bytearray()
        if self.compressed:
            self.compressed = False
            inflate_without_limit(message)
            self.writer.write(encode_frame(message_opcode, message, rsv=0x40))
            await self.writer.drain()
            return
        if self.fault in ("huge-length", "flood", "ping-flood", "reset", "big-frames"):
            await self.misbehave()
        if message_opcode == OP_TEXT and self.fault != "utf8" and not is_valid_utf8(message):
            raise Fail(INVALID_PAYLOAD, "text message is not valid UTF-8")
        if self.fault == "corrupt-large" and len(message) > CORRUPT_ABOVE:
            corrupted = bytearray(message)
            corrupted[len(corrupted) // 2] ^= 0x01
            message = bytes(corrupted)
        await self.send(message_opcode, message)

    async def misbehave(self) -> None:
        """The hostile replies; each ends only when the peer gives up on us."""
        if self.fault == "huge-length":
            self.writer.write(b"\x82\x7f" + struct.pack("!Q", (1 << 63) - 1))
            while True:  # a trickle, so the frame never completes
                self.writer.write(b"x")
                await self.writer.drain()
                await asyncio.sleep(0.1)
        if self.fault in ("flood", "ping-flood"):
            chunk = (encode_frame(OP_BINARY, b"\xfe" * 65536) if self.fault == "flood"
                     else encode_frame(OP_PING, b"p" * 125) * 512)
            while True:
                self.writer.write(chunk)
                await self.writer.drain()
        if self.fault == "big-frames":
            size, piece = 48 << 20, b"\xfe" * (1 << 20)
            while True:
                self.writer.write(b"\x82\x7f" + struct.pack("!Q", size))
                for _ in range(size // len(piece)):
                    self.writer.write(piece)
                    await self.writer.drain()
        if self.fault == "reset":
            self.writer.write(b"\x82\x7e\x01\x00" + b"half")
            await self.writer.drain()
            sock = self.writer.get_extra_info("socket")
            # SO_LINGER with a zero timeout turns close() into a TCP RST.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.writer.transport.abort()
            raise ConnectionError("reset")

    def parse_close(self, payload: bytes) -> int | None:
        """Validates a received Close; returns the code to echo (None: empty Close)."""
        if not payload:
            return None
        if len(payload) == 1:
            raise Fail(PROTOCOL_ERROR, "close payload of one byte")
        (code,) = struct.unpack("!H", payload[:2])
        if not is_valid_close_code(code) and self.fault != "close-code":
            raise Fail(PROTOCOL_ERROR, f"invalid close code {code}")
        if not is_valid_utf8(payload[2:]):
            raise Fail(INVALID_PAYLOAD, "close reason is not valid UTF-8")
        return code


# --------------------------------------------------------------------------------------------
# Main


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--allowed-origin")
    parser.add_argument("--max-message", type=int, default=MAX_MESSAGE)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--tls-legacy", action="store_true")
    args = parser.parse_args()

    tls = None
    if args.tls:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*args.tls)
        if args.tls_legacy:
            # OpenSSL 3 needs security level 0 for TLS 1.0/1.1 (SHA-1 in the handshake).
            tls.set_ciphers("ALL:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # the point of the option
                tls.minimum_version = ssl.TLSVersion.TLSv1

    one_at_a_time = asyncio.Lock()

    async def on_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        global OPEN_CONNECTIONS
        connection = Connection(reader, writer, args.fault, args.allowed_origin, args.max_message)
        OPEN_CONNECTIONS += 1
        try:
            if args.fault == "serial":
                async with one_at_a_time:
                    await connection.run()
            else:
                await connection.run()
        finally:
            OPEN_CONNECTIONS -= 1

    server = await asyncio.start_server(
        on_client, args.host, args.port, limit=STREAM_LIMIT, backlog=1024, ssl=tls
    )
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
