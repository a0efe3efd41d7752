"""wsconform-client, the reference WebSocket client, against small servers written here.

Each test starts its server on 127.0.0.1 port 0 inside the test's own event loop (the asyncio
server of python3-websockets 10.4, or a raw one where the server must misbehave below what
websockets lets it do), runs the client as a subprocess with a timeout, and kills it if it
outlives that. Exec mode: echoes (text, binary, empty, fragmented 1 MiB, with and without
permessage-deflate), pings, the closing handshake and the exit status; the request's path,
query, Host and extension offer; failures and their one-line reasons (invalid UTF-8, protocol
errors, oversized and undecodable messages, dropped connections, refused or malformed handshake
responses, negotiations the client did not ask for, random frames); TLS verification and SNI.
Autobahn mode: the fuzzingserver control protocol against a fake control server. Usage errors.

The binary is WSCONFORM_BUILD_DIR/client/wsconform-client (default build/test, as conftest.py);
when it is missing, only that target is built.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import shutil
import ssl
import struct
import subprocess
import time
import urllib.parse
import zlib
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

import pytest
import websockets
from websockets.frames import Opcode

from conftest import free_port

CLIENT_TIMEOUT = 30.0  # s for one client run (each takes well under a second, or ~5 s lingering)
STEP_TIMEOUT = 10.0  # s for one server-side step (a reply, a close)
MIB = 1 << 20


# --- the binary ----------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def client_binary(binaries) -> Path:
    return binaries.client


# --- running the client --------------------------------------------------------------------------

@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def why(self) -> str:
        """The client's one stderr line (it must print exactly one when it exits non-zero)."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, f"expected one stderr line, got {self.stderr!r}"
        assert lines[0].startswith("wsconform-client: "), lines[0]
        return lines[0]


async def run_client(binary: Path, *args: str, timeout: float = CLIENT_TIMEOUT) -> Result:
    """Runs the client to its end; kills it (and fails the test) if it outlives `timeout`."""
    start = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        str(binary), *map(str, args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"wsconform-client {' '.join(map(str, args))} still ran after {timeout} s",
                    pytrace=False)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    result = Result(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"),
                    time.monotonic() - start)
    assert result.returncode >= 0, f"killed by signal {-result.returncode}: {result.stderr}"
    return result


def url_of(server, scheme: str = "ws", host: str = "127.0.0.1") -> str:
    port = server.sockets[0].getsockname()[1]
    return f"{scheme}://{host}:{port}"


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, CLIENT_TIMEOUT + 30))


# --- exec mode: echoes ---------------------------------------------------------------------------

@pytest.mark.parametrize("deflate", [True, False], ids=["deflate", "no-deflate"])
@pytest.mark.parametrize("close_code", [1000, 4000])
def test_echoes_every_message_answers_pings_and_closes_cleanly(client_binary, deflate,
                                                              close_code):
    seen: dict = {}
    big = os.urandom(MIB)
    text = "héllo, wörld ✓ " * 100

    async def handler(ws):
        seen["extensions"] = ws.response_headers.get("Sec-WebSocket-Extensions")
        await ws.send(text)
        seen["text"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        await ws.send(b"\x00\x01\xfe\xff" * 1000)
        seen["binary"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        await ws.send("")
        seen["empty"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        # A list is sent as one fragmented message: 16 frames of 64 KiB.
        await ws.send([big[i:i + 65536] for i in range(0, len(big), 65536)])
        seen["big"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        pong = await ws.ping(b"are you there")
        await asyncio.wait_for(pong, STEP_TIMEOUT)
        seen["pong"] = True
        await ws.close(close_code, "done")
        seen["close_code"] = ws.close_code

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0, max_size=4 * MIB,
                                    compression="deflate" if deflate else None) as server:
            return await run_client(client_binary, url_of(server) + "/")

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    assert seen["text"] == text  # str: echoed as a text message
    assert seen["binary"] == b"\x00\x01\xfe\xff" * 1000  # bytes: echoed as binary
    assert seen["empty"] == ""
    assert seen["big"] == big
    assert seen["pong"]
    assert seen["close_code"] == close_code  # RFC 6455 §5.5.1: the code echoed (Beast: no reason)
    assert ("permessage-deflate" in (seen["extensions"] or "")) == deflate


@pytest.mark.parametrize("suffix, expected", [
    ("/", "/"),
    ("", "/"),
    ("/some/path", "/some/path"),
    ("/a/b?x=1&y=a%20b&z=", "/a/b?x=1&y=a%20b&z="),
    ("?only=query", "/?only=query"),
    ("/runCase?case=12&agent=my%2Fagent", "/runCase?case=12&agent=my%2Fagent"),
])
def test_requests_exactly_the_path_and_query(client_binary, suffix, expected):
    seen: dict = {}

    async def handler(ws):
        seen["path"] = ws.path
        seen["host"] = ws.request_headers.get_all("Host")
        seen["version"] = ws.request_headers.get("Sec-WebSocket-Version")
        await ws.close()

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            seen["port"] = server.sockets[0].getsockname()[1]
            return await run_client(client_binary, url_of(server) + suffix)

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert seen["path"] == expected
    # RFC 6455 §4.1: Host carries the port when it is not the scheme's default.
    assert seen["host"] == [f"127.0.0.1:{seen['port']}"]
    assert seen["version"] == "13"


@pytest.mark.parametrize("no_deflate", [False, True], ids=["default", "--no-deflate"])
def test_offers_permessage_deflate_unless_told_not_to(client_binary, no_deflate):
    seen: dict = {}

    async def handler(ws):
        seen["offer"] = ws.request_headers.get_all("Sec-WebSocket-Extensions")
        seen["answer"] = ws.response_headers.get("Sec-WebSocket-Extensions")
        await ws.send("x" * 10000)  # compressible: checks that the echo inflates and deflates
        seen["echo"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            args = ["--no-deflate"] if no_deflate else []
            return await run_client(client_binary, *args, url_of(server))

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert seen["echo"] == "x" * 10000
    if no_deflate:
        assert seen["offer"] == [] and seen["answer"] is None
    else:
        assert len(seen["offer"]) == 1 and seen["offer"][0].startswith("permessage-deflate")
        assert seen["answer"] is not None and seen["answer"].startswith("permessage-deflate")


# --- exec mode: failures -------------------------------------------------------------------------

@pytest.mark.parametrize("frames", [
    [(True, Opcode.TEXT, b"\xce\xba\xff")],
    # Beast 1.81 alone misses this one (an empty final fragment ends an incomplete sequence).
    [(False, Opcode.TEXT, b"ok \xce"), (True, Opcode.CONT, b"")],
    [(False, Opcode.TEXT, b"ok \xed\xa0"), (True, Opcode.CONT, b"\x80")],  # a surrogate
], ids=["invalid-byte", "truncated-by-empty-final-fragment", "surrogate"])
def test_invalid_utf8_fails_the_connection_with_1007(client_binary, frames):
    seen: dict = {}

    async def handler(ws):
        for fin, opcode, data in frames:
            await ws.write_frame(fin, opcode, data)
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
        seen["close_code"] = ws.close_code

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert result.returncode == 1
    assert "close code 1007" in result.why and "UTF-8" in result.why, result.why
    assert seen["close_code"] == 1007


def test_a_message_over_max_message_fails_with_1009(client_binary):
    seen: dict = {}

    async def handler(ws):
        await ws.send(b"a" * 1000)  # the limit itself is allowed
        seen["echo"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        await ws.send([b"b" * 600, b"b" * 401])  # 1001 bytes, in two fragments
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
        seen["close_code"] = ws.close_code

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0, compression=None) as server:
            return await run_client(client_binary, "--max-message", "1000", url_of(server))

    result = run(scenario())
    assert seen["echo"] == b"a" * 1000
    assert seen["close_code"] == 1009
    assert result.returncode == 1 and "--max-message 1000" in result.why, result.stderr


def test_an_inflated_message_over_max_message_fails_with_1009(client_binary):
    """The limit applies to what a compressed message inflates to (CVE-2018-1000518's lesson)."""
    seen: dict = {}

    async def handler(ws):
        await ws.send(b"\x00" * (4 * MIB))  # a few KiB on the wire
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
        seen["close_code"] = ws.close_code

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            return await run_client(client_binary, "--max-message", str(MIB), url_of(server))

    result = run(scenario())
    assert seen["close_code"] == 1009
    assert result.returncode == 1, result.stderr


def test_a_refused_handshake_exits_1_and_says_why(client_binary):
    async def refuse(path, headers):
        return HTTPStatus.FORBIDDEN, [("Content-Type", "text/plain")], b"not you\n"

    async def scenario():
        async with websockets.serve(lambda ws: ws.close(), "127.0.0.1", 0,
                                    process_request=refuse) as server:
            return await run_client(client_binary, url_of(server) + "/x")

    result = run(scenario())
    assert result.returncode == 1
    assert "not a WebSocket upgrade" in result.why and "403" in result.why, result.why
    assert "not you" in result.why


@pytest.mark.parametrize("how", ["fin", "reset"])
def test_a_connection_dropped_without_close_exits_1(client_binary, how):
    seen: dict = {}

    async def handler(ws):
        await ws.send("one")
        seen["echo"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)
        if how == "fin":
            ws.transport.close()
        else:
            ws.transport.abort()

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert seen["echo"] == "one"
    assert result.returncode == 1
    assert "without a closing handshake" in result.why, result.why


def test_nothing_listening_exits_1(client_binary):
    result = run(run_client(client_binary, f"ws://127.0.0.1:{free_port()}/"))
    assert result.returncode == 1 and "cannot connect" in result.why, result.stderr


def test_idle_timeout_gives_up_on_a_silent_server(client_binary):
    async def handler(ws):
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)  # sends nothing

    async def scenario():
        async with websockets.serve(handler, "127.0.0.1", 0) as server:
            return await run_client(client_binary, "--idle-timeout", "1", url_of(server))

    result = run(scenario())
    assert result.returncode == 1 and "--idle-timeout 1" in result.why, result.stderr
    assert result.seconds < STEP_TIMEOUT - 2


# --- a raw server, for what websockets will not send -----------------------------------------------

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One frame from the client (it must be masked): (opcode, unmasked payload)."""
    b0, b1 = await reader.readexactly(2)
    assert b1 & 0x80, "client frame not masked"
    length = b1 & 0x7F
    if length == 126:
        length = struct.unpack("!H", await reader.readexactly(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", await reader.readexactly(8))[0]
    mask = await reader.readexactly(4)
    data = await reader.readexactly(length)
    return b0 & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def close_cleanly(reader, writer):
    """The server's side of a closing handshake (1000); it closes TCP first (RFC 6455 §7.1.1)."""
    writer.write(bytes([0x88, 0x02, 0x03, 0xE8]))
    await writer.drain()
    assert await asyncio.wait_for(read_frame(reader), STEP_TIMEOUT) == (0x8, b"\x03\xe8")


async def raw_server(script=None, headers: bytes = b"", response: bytes | None = None):
    """Answers the opening handshake by hand: a 101 with the given extra header lines (by default
    no extension), then runs script(reader, writer); or `response` as it is, then closes."""
    async def serve(reader, writer):
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), STEP_TIMEOUT)
            if response is not None:
                writer.write(response)
                await writer.drain()
                return
            key = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                       if line.lower().startswith(b"sec-websocket-key:"))
            accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
            writer.write(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                         b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n"
                         + headers + b"\r\n")
            await (script or close_cleanly)(reader, writer)
        finally:
            writer.close()
    return await asyncio.start_server(serve, "127.0.0.1", 0)


@pytest.mark.parametrize("response, expected", [
    (b"", "without answering the opening handshake"),
    (b"HTTP/1.1 101 Switching", "in the middle of its handshake response"),
    (b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "not a WebSocket upgrade: HTTP 200 OK"),
    (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
     b"Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", "not a valid WebSocket upgrade"),
    (b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\r\n",
     "not a valid WebSocket upgrade"),
    (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", "not valid HTTP"),
], ids=["no-answer", "cut-short", "200", "wrong-accept", "no-upgrade", "not-http"])
def test_a_bad_handshake_response_exits_1_and_says_why(client_binary, response, expected):
    async def scenario():
        server = await raw_server(response=response)
        async with server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert result.returncode == 1 and expected in result.why, result.why


# The client offers "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15"
# (Beast's only form): an acceptance must carry server_max_window_bits (RFC 7692 §7.1.2.1).
PMD = b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=15"


@pytest.mark.parametrize("headers, args, expected", [
    (b"Sec-WebSocket-Protocol: chat\r\n", [], "subprotocol the client did not offer"),
    (b"Sec-WebSocket-Extensions: permessage-foo\r\n", [],
     "extension that was not offered (RFC 6455 §9.1): 'permessage-foo'"),
    (b"Sec-WebSocket-Extensions: permessage-deflate\r\n", ["--no-deflate"],
     "did not offer: 'permessage-deflate'"),
    (PMD + b", permessage-deflate; server_max_window_bits=15\r\n", [], "more than once"),
    (PMD + b"\r\n" + PMD + b"\r\n", [], "more than once"),
    (PMD + b"; x=1\r\n", [], "not defined for this side (RFC 7692 §7): 'x=1'"),
    (b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits\r\n", [],
     "without a required value"),
    (PMD + b"; client_max_window_bits=16\r\n", [], "not an integer 8..15"),
    (b"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=09\r\n", [],
     "not an integer 8..15"),
    (PMD + b"; server_no_context_takeover=1\r\n", [], "takes none"),
    (PMD + b"; server_no_context_takeover; server_no_context_takeover\r\n", [],
     "given more than once"),
    (b"Sec-WebSocket-Extensions: permessage-deflate; =\r\n", [], "is not token"),
    (b"Sec-WebSocket-Extensions: permessage-deflate\r\n", [],
     "offered server_max_window_bits missing from the response (RFC 7692 §7.1.2.1)"),
], ids=["subprotocol", "unknown-extension", "deflate-not-offered", "deflate-twice",
        "deflate-twice-two-lines", "unknown-param", "window-bits-no-value", "window-bits-16",
        "window-bits-leading-zero", "takeover-with-value", "param-twice", "malformed",
        "offered-window-bits-ignored"])
def test_a_negotiation_the_client_did_not_ask_for_fails_the_handshake(client_binary, headers,
                                                                     args, expected):
    """RFC 6455 §4.1 and RFC 7692 §7: checks Beast 1.81 does not make (the codec's)."""
    async def scenario():
        server = await raw_server(headers=headers)
        async with server:
            return await run_client(client_binary, *args, url_of(server))

    result = run(scenario())
    assert result.returncode == 1, result.stderr
    assert "not a valid WebSocket upgrade" in result.why and expected in result.why, result.why


@pytest.mark.parametrize("extension", [
    b"permessage-deflate; server_max_window_bits=15",
    b"PerMessage-Deflate; Server_No_Context_Takeover; Server_Max_Window_Bits=12",
    b"permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
    b"server_max_window_bits=15",
    b'permessage-deflate; server_max_window_bits="10"; client_max_window_bits=9',
    b", permessage-deflate ;  client_max_window_bits = 15 ; server_max_window_bits=9,",
])
def test_a_valid_deflate_answer_is_accepted_and_used(client_binary, extension):
    seen: dict = {}

    async def script(reader, writer):
        # Compressed with a 512-byte window: within any server_max_window_bits the answers allow.
        compressor = zlib.compressobj(wbits=-9)
        message = b"hello, " * 100
        payload = compressor.compress(message) + compressor.flush(zlib.Z_SYNC_FLUSH)
        assert payload.endswith(b"\x00\x00\xff\xff")
        payload = payload[:-4]  # RFC 7692 §7.2.1: the final 00 00 ff ff is left out
        assert len(payload) < 126
        writer.write(bytes([0xC2, len(payload)]) + payload)  # FIN, RSV1, binary
        await writer.drain()
        opcode, data = await asyncio.wait_for(read_frame(reader), STEP_TIMEOUT)
        seen["echo"] = (opcode, zlib.decompressobj(wbits=-15).decompress(data + b"\x00\x00\xff\xff")
                        == message)
        await close_cleanly(reader, writer)

    async def scenario():
        server = await raw_server(script, b"Sec-WebSocket-Extensions: " + extension + b"\r\n")
        async with server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert seen["echo"] == (0x2, True)


@pytest.mark.parametrize("frame", [
    bytes([0x83, 0x00]),                                       # reserved data opcode
    bytes([0x8B, 0x00]),                                       # reserved control opcode
    bytes([0xC1, 0x02]) + b"hi",                               # RSV1 without an extension
    bytes([0x81, 0x82, 1, 2, 3, 4]) + bytes([ord("h") ^ 1, ord("i") ^ 2]),  # masked by server
    bytes([0x89, 0x7E, 0x00, 0x7E]) + b"p" * 126,              # ping over 125 bytes
    bytes([0x09, 0x00]),                                       # fragmented ping
    bytes([0x80, 0x02]) + b"hi",                               # continuation with no message
    bytes([0x01, 0x01]) + b"a" + bytes([0x81, 0x01]) + b"b",   # new message inside a message
    bytes([0x88, 0x02, 0x03, 0xED]),                           # close code 1005 on the wire
    bytes([0x88, 0x01, 0x03]),                                 # close payload of one byte
    bytes([0x81, 0x7F]) + struct.pack("!Q", 1 << 63) + b"x",   # 64-bit length with MSB set
], ids=["opcode-3", "opcode-11", "rsv1", "masked", "long-ping", "fragmented-ping",
        "orphan-continuation", "nested-message", "close-1005", "close-1-byte", "length-msb"])
def test_protocol_errors_fail_the_connection_with_1002(client_binary, frame):
    seen: dict = {}

    async def script(reader, writer):
        writer.write(frame)
        await writer.drain()
        opcode, payload = await asyncio.wait_for(read_frame(reader), STEP_TIMEOUT)
        seen["close"] = (opcode, payload[:2])

    async def scenario():
        server = await raw_server(script)
        async with server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert result.returncode == 1, result.stderr
    # Beast does not check the 64-bit length's most significant bit (RFC 6455 §5.2): such a
    # length exceeds any --max-message, so it fails the connection with 1009 instead.
    code = 1009 if frame[1] == 0x7F else 1002
    assert f"failed with close code {code}" in result.why, result.why
    assert seen["close"] == (0x8, struct.pack("!H", code))


@pytest.mark.parametrize("payload", [b"\xff\xff\xff\xff", b"\x07\x00\x00\x00"])
def test_undecodable_compressed_data_fails_the_connection_with_1007(client_binary, payload):
    """Beast alone drops the connection without a Close frame; the client sends it."""
    seen: dict = {}

    async def script(reader, writer):
        writer.write(bytes([0xC1, len(payload)]) + payload)  # RSV1: compressed
        await writer.drain()
        seen["close"] = await asyncio.wait_for(read_frame(reader), STEP_TIMEOUT)
        seen["eof"] = await asyncio.wait_for(reader.read(), STEP_TIMEOUT) == b""

    async def scenario():
        server = await raw_server(script, PMD + b"\r\n")
        async with server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert result.returncode == 1
    assert "close code 1007" in result.why and "inflated" in result.why, result.why
    assert seen["close"] == (0x8, struct.pack("!H", 1007))
    assert seen["eof"]


def random_frames(rng: random.Random) -> bytes:
    """A few frames, each likely valid in part and broken in part: opcodes, RSV bits, lengths
    (also non-canonical or absurd), masks, close codes, UTF-8, deflate data, truncation."""
    out = b""
    for _ in range(rng.randint(1, 8)):
        opcode = rng.choice([0, 1, 2, 8, 9, 10, 0, 1, 2, 3, 11])
        rsv = rng.choice([0, 0, 0, 0x40, 0x40, 0x20, 0x10])
        if rsv == 0x40 and rng.random() < 0.7:
            compressor = zlib.compressobj(wbits=-rng.choice([9, 15]))
            data = rng.randbytes(rng.randint(0, 50)) if rng.random() < 0.5 else b"a" * 3000
            payload = (compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))[:-4]
            if rng.random() < 0.3:
                payload = bytes(b ^ rng.choice([0, 0, 1, 0x80]) for b in payload)
        elif opcode == 8 and rng.random() < 0.7:
            payload = struct.pack("!H", rng.choice([1000, 1005, 1006, 999, 1015, 1016, 3000,
                                                    4999, 5000])) + b"r" * rng.randint(0, 4)
        elif opcode == 1:
            payload = "héllo ✓".encode()[:rng.randint(0, 10)]
        else:
            payload = rng.randbytes(rng.choice([0, 1, 2, 125, 126, 127, 200, 70000]))
        n = len(payload)
        masked = 0x80 if rng.random() < 0.03 else 0
        b0 = (0x80 if rng.random() < 0.7 else 0) | rsv | opcode
        form = rng.random()
        if n < 126 and form < 0.95:
            header = bytes([b0, masked | n])
        elif n < 65536 and form < 0.98:
            header = bytes([b0, masked | 126]) + struct.pack("!H", n)
        else:
            length = n if rng.random() < 0.9 else rng.getrandbits(64)
            header = bytes([b0, masked | 127]) + struct.pack("!Q", length)
        frame = header + (rng.randbytes(4) if masked else b"") + payload
        out += frame[:rng.randint(0, len(frame))] if rng.random() < 0.05 else frame
    return out


@pytest.mark.parametrize("deflate", [True, False], ids=["deflate", "no-deflate"])
def test_random_frames_never_crash_the_client(client_binary, deflate):
    """A small, seeded stand-in for fuzzing the client with a hostile server: whatever arrives,
    the client ends with 0 or 1 and a reason, in time."""
    rng = random.Random(6455 + deflate)
    outcomes = []

    async def scenario(data: bytes):
        async def script(reader, writer):
            writer.write(data)
            await writer.drain()
            try:  # read what the client answers, for a while
                await asyncio.wait_for(reader.read(1 << 20), 0.2)
            except asyncio.TimeoutError:
                pass
        headers = PMD + b"\r\n" if deflate else b""
        server = await raw_server(script, headers)
        async with server:
            return await run_client(client_binary, url_of(server))

    for _ in range(25):
        data = random_frames(rng)
        result = run(scenario(data))
        assert result.returncode in (0, 1), (data.hex(), result.stderr)
        if result.returncode == 1:
            assert result.why, data.hex()
        outcomes.append(result.returncode)
    assert 1 in outcomes


def test_waits_a_bounded_time_for_the_server_to_close_tcp(client_binary):
    """After the closing handshake, a server that keeps TCP open is given 5 s (RFC 6455 §7.1.1:
    the client MAY then close it itself); that still counts as a clean close."""
    seen: dict = {}

    async def script(reader, writer):
        writer.write(bytes([0x88, 0x02, 0x03, 0xE8]))
        await writer.drain()
        seen["reply"] = await asyncio.wait_for(read_frame(reader), STEP_TIMEOUT)
        seen["eof"] = await asyncio.wait_for(reader.read(), STEP_TIMEOUT) == b""

    async def scenario():
        server = await raw_server(script)
        async with server:
            return await run_client(client_binary, url_of(server))

    result = run(scenario())
    assert seen["reply"] == (0x8, struct.pack("!H", 1000))
    assert seen["eof"]
    assert result.returncode == 0, result.stderr
    assert 4 < result.seconds < 9


# --- TLS -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Pki:
    ca: Path
    good: tuple[Path, Path]   # SAN IP:127.0.0.1, DNS:localhost
    other: tuple[Path, Path]  # SAN DNS:other.example only


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> Pki:
    openssl = shutil.which("openssl")
    if not openssl:
        pytest.fail("the openssl command is needed to make the test certificates", pytrace=False)
    d = tmp_path_factory.mktemp("pki")

    def sh(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=d, check=True, capture_output=True, timeout=60)

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    sh("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
       "-subj", "/CN=wsconform test CA", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, san in (("good", "IP:127.0.0.1,DNS:localhost"), ("other", "DNS:other.example")):
        (d / f"{name}.ext").write_text(f"subjectAltName={san}\nbasicConstraints=CA:FALSE\n"
                                       "extendedKeyUsage=serverAuth\n")
        sh("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        sh("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
           "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext")
    return Pki(d / "ca.pem", (d / "good.pem", d / "good.key"), (d / "other.pem", d / "other.key"))


def tls_echo(cert: tuple[Path, Path], seen: dict):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)

    def sni(sock, name, ctx):
        seen["sni"] = name
    context.sni_callback = sni

    async def handler(ws):
        await ws.send("over tls")
        seen["echo"] = await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)

    return websockets.serve(handler, "127.0.0.1", 0, ssl=context)


@pytest.mark.parametrize("host, sni", [("127.0.0.1", None), ("localhost", "localhost")])
def test_wss_verifies_against_ca_and_sends_sni(client_binary, pki, host, sni):
    seen: dict = {}

    async def scenario():
        async with tls_echo(pki.good, seen) as server:
            return await run_client(client_binary, "--ca", pki.ca,
                                    url_of(server, "wss", host) + "/")

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert seen["echo"] == "over tls"
    assert seen["sni"] == sni  # RFC 6066 §3: no IP literal in SNI


@pytest.mark.parametrize("cert, args, expected", [
    ("good", [], "unable to get local issuer certificate"),           # unknown CA
    ("other", ["--ca"], "address mismatch"),                           # not 127.0.0.1's
])
def test_wss_refuses_a_certificate_it_cannot_verify(client_binary, pki, cert, args, expected):
    seen: dict = {}

    async def scenario():
        async with tls_echo(getattr(pki, cert), seen) as server:
            extra = [*args, pki.ca] if args else []
            return await run_client(client_binary, *extra, url_of(server, "wss") + "/")

    result = run(scenario())
    assert result.returncode == 1
    assert "certificate was not accepted" in result.why and expected in result.why, result.why
    assert "echo" not in seen


def test_wss_insecure_skips_verification(client_binary, pki):
    seen: dict = {}

    async def scenario():
        async with tls_echo(pki.other, seen) as server:
            return await run_client(client_binary, "--insecure", url_of(server, "wss") + "/")

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert seen["echo"] == "over tls"


# --- Autobahn testee mode ------------------------------------------------------------------------

class FakeFuzzingServer:
    """Speaks the fuzzingserver control protocol (autobahn-testsuite.md §1.3). `cases` maps a
    1-based case number to a coroutine run on that case's connection, or to an HTTP status
    that refuses it."""

    def __init__(self, count: str, cases: dict):
        self.count = count
        self.cases = cases
        self.paths: list[str] = []
        self.results: dict[int, object] = {}
        self.reports_agent: list[str] | None = None

    async def refuse(self, path, headers):
        self.paths.append(path)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(path).query)
        if path.startswith("/runCase") and isinstance(self.cases.get(int(query["case"][0])), int):
            return HTTPStatus(self.cases[int(query["case"][0])]), [], b"refused\n"
        return None

    async def handler(self, ws):
        parts = urllib.parse.urlsplit(ws.path)
        query = urllib.parse.parse_qs(parts.query)
        if parts.path == "/getCaseCount":
            await ws.send(self.count)
        elif parts.path == "/runCase":
            case = int(query["case"][0])
            self.results[case] = (query["agent"], await self.cases[case](ws))
        elif parts.path == "/updateReports":
            self.reports_agent = query["agent"]
        await ws.close()


async def send_and_check(ws, message):
    await ws.send(message)
    return await asyncio.wait_for(ws.recv(), STEP_TIMEOUT) == message


def test_autobahn_mode_runs_every_case_then_updates_the_reports(client_binary):
    agent = "my client/1.0+x&y"
    fake = FakeFuzzingServer("2", {
        1: lambda ws: send_and_check(ws, "case one"),
        2: lambda ws: send_and_check(ws, b"\x00case two\xff"),
    })

    async def scenario():
        async with websockets.serve(fake.handler, "127.0.0.1", 0,
                                    process_request=fake.refuse) as server:
            return await run_client(client_binary, "--autobahn", url_of(server),
                                    "--agent", agent)

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    encoded = "my%20client%2F1.0%2Bx%26y"  # RFC 3986: all but the unreserved characters
    assert fake.paths == ["/getCaseCount", f"/runCase?case=1&agent={encoded}",
                          f"/runCase?case=2&agent={encoded}", f"/updateReports?agent={encoded}"]
    assert fake.results == {1: ([agent], True), 2: ([agent], True)}
    assert fake.reports_agent == [agent]
    assert result.stdout.splitlines() == ["case 1/2: closed (1000)", "case 2/2: closed (1000)"]


def test_autobahn_mode_goes_on_after_failed_cases(client_binary):
    async def invalid_utf8(ws):
        await ws.write_frame(True, Opcode.TEXT, b"\xff")
        await asyncio.wait_for(ws.wait_closed(), STEP_TIMEOUT)
        return ws.close_code

    async def drop(ws):
        ws.transport.abort()

    fake = FakeFuzzingServer(" 4\n", {
        1: invalid_utf8,
        2: 500,  # refused handshake
        3: drop,
        4: lambda ws: send_and_check(ws, "still here"),
    })

    async def scenario():
        async with websockets.serve(fake.handler, "127.0.0.1", 0,
                                    process_request=fake.refuse) as server:
            return await run_client(client_binary, "--autobahn", url_of(server))

    result = run(scenario())
    assert result.returncode == 0, result.stderr
    assert fake.results[1] == (["wsconform-client"], 1007)
    assert fake.results[4] == (["wsconform-client"], True)
    assert fake.reports_agent == ["wsconform-client"]
    lines = result.stdout.splitlines()
    assert len(lines) == 4 and lines[3] == "case 4/4: closed (1000)", lines
    assert "close code 1007" in lines[0] and "HTTP 500" in lines[1], lines
    assert "without a closing handshake" in lines[2], lines


@pytest.mark.parametrize("count", ["many", "-1", "1e3", "", "1000000000"])
def test_autobahn_mode_refuses_a_bad_case_count(client_binary, count):
    fake = FakeFuzzingServer(count, {})

    async def scenario():
        async with websockets.serve(fake.handler, "127.0.0.1", 0,
                                    process_request=fake.refuse) as server:
            return await run_client(client_binary, "--autobahn", url_of(server))

    result = run(scenario())
    assert result.returncode == 1 and "case count" in result.why, result.stderr
    assert fake.paths == ["/getCaseCount"]


def test_autobahn_mode_exits_1_when_the_control_server_is_unreachable(client_binary):
    result = run(run_client(client_binary, "--autobahn", f"ws://127.0.0.1:{free_port()}"))
    assert result.returncode == 1 and "case count" in result.why, result.stderr


# --- command line --------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    [],
    ["http://127.0.0.1:1/"],
    ["ws://127.0.0.1:1/#fragment"],
    ["ws://user@127.0.0.1:1/"],
    ["ws://127.0.0.1:0/"],
    ["ws://127.0.0.1:99999/"],
    ["ws://:80/"],
    ["ws://[::1/"],
    ["ws://127.0.0.1:1/a b"],
    ["ws://127.0.0.1:1/", "--autobahn", "ws://127.0.0.1:1"],
    ["--autobahn", "ws://127.0.0.1:1?x=1"],
    ["--agent", "a", "ws://127.0.0.1:1/"],
    ["--autobahn", "ws://127.0.0.1:1", "--agent", ""],
    ["--max-message", "0", "ws://127.0.0.1:1/"],
    ["--max-message", "lots", "ws://127.0.0.1:1/"],
    ["--ca", "/nonexistent/ca.pem", "wss://127.0.0.1:1/"],
    ["--no-such-option", "ws://127.0.0.1:1/"],
])
def test_usage_errors_exit_2(client_binary, args):
    result = run(run_client(client_binary, *args))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.why


def test_a_ca_file_without_certificates_is_a_usage_error(client_binary, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not a certificate\n")
    result = run(run_client(client_binary, "--ca", ca, "wss://127.0.0.1:1/"))
    assert result.returncode == 2 and "--ca" in result.why, result.stderr


def test_help_lists_every_option(client_binary):
    result = run(run_client(client_binary, "--help"))
    assert result.returncode == 0
    for option in ("URL", "--autobahn", "--agent", "--no-deflate", "--max-message", "--ca",
                   "--insecure", "--idle-timeout", "Exit status"):
        assert option in result.stdout, option
