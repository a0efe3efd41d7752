#!/usr/bin/env python3
"""A WebSocket echo client with one seeded fault, for the tests of wsconform's client testing.

    faulty_client.py --fault FAULT [--ca FILE] URL

It connects to URL (ws://, or wss:// verifying the server's certificate against --ca), echoes
every message back (masked, as RFC 6455 §5.1 asks of a client), answers pings, completes the
closing handshake and exits 0 once the server closed TCP. The fault makes it wrong in exactly one way:

  none        no fault
  crash       abort() (SIGABRT) after echoing the first message
  segv        SIGSEGV after echoing the first message
  sanitizer   print an AddressSanitizer report and exit 0 at the end
  hang        never exit after the connection ended
  hang-first-run  the first time it runs a case (--state remembers): start 1 s late, as on a
              busy machine, and never exit after the connection ended; after that, no fault
  late-first-run  the first time it runs a case (--state remembers): connect only after 2.5 s,
              later than the run waits at --timeout-scale 0.2; after that, no fault
  exit-1      exit 1 after a clean close
  no-connect  exit 3 at once, printing why
  unmasked    send its echoes unmasked (RFC 6455 §5.1: "a client MUST mask all frames")
  zero-mask   mask every frame with the key 0x00000000 (predictable keys, §10.3)
  counter-mask  mask frame n with the key n (a counter: predictable, §5.3)
  bad-key     a Sec-WebSocket-Key that is not 16 bytes of base64 (§4.1)
  no-version  no Sec-WebSocket-Version header (§4.1)
  no-validate accept any 101 response: no check of Upgrade, Connection, Sec-WebSocket-Accept,
              extensions or subprotocol (§4.1)
  host-no-port  a Host header without the URL's port (§4.1)
  no-connection no Connection header (§4.1)
  fixed-key   the same Sec-WebSocket-Key in every process (§4.1: random for each connection)
  seeded-mask mask keys from a generator seeded the same way in every process (§5.3): each
              connection's keys differ, but every connection starts with the same key
  no-limits   no frame-size or message-size limit, and no check of the 64-bit length's top bit
              (§5.2, §10.4)
  never-close-tcp  after the closing handshake, wait for the server's TCP close for ever
              (§5.5.1: the client MUST close TCP itself; a correct client waits 2 s)
  no-verify   wss:// without checking the certificate: no chain, no dates, no host name
              (CERT_NONE; §4.1: a client MUST fail the connection if it cannot be verified)
  legacy-tls  wss:// that also offers TLS 1.0 and 1.1 (RFC 8996: they MUST NOT be used)

Standard library only; the frame reader accepts what the test cases send (no extensions).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import random
import signal
import socket
import ssl
import struct
import sys
import time
import urllib.parse

FAULTS = ("none", "crash", "segv", "sanitizer", "hang", "hang-first-run", "late-first-run",
          "exit-1", "no-connect", "unmasked", "zero-mask", "counter-mask", "bad-key", "no-version",
          "no-validate", "host-no-port", "no-connection", "fixed-key", "seeded-mask", "no-limits",
          "never-close-tcp", "no-verify", "legacy-tls")

def apply_mask(payload: bytes, key: bytes) -> bytes:
    """RFC 6455 §5.3's XOR with the 4-byte key, as one big-integer XOR: a byte loop took about
    a minute for B.1.5's 32 MiB echo on a loaded machine, past the case's 60 s."""
    n = len(payload)
    if n == 0:
        return payload
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")


# What a correct client refuses: a frame or message above 16 MiB (RFC 6455 §10.4).
LIMIT = 16 << 20


def tls_context(fault: str, ca: str | None) -> ssl.SSLContext:
    """A verifying client context (the CA given, host names checked), but for its fault."""
    context = ssl.create_default_context(cafile=ca)
    if fault == "no-verify":
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if fault == "legacy-tls":
        # OpenSSL 3 offers TLS 1.0/1.1 only at security level 0 (SHA-1 in their handshakes).
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("ALL:@SECLEVEL=0")
    return context


class Closed(Exception):
    """The connection ended."""


class Client:
    def __init__(self, url: str, fault: str, ca: str | None = None):
        self.fault = fault
        parts = urllib.parse.urlsplit(url)
        secure = parts.scheme == "wss"
        self.sock = socket.create_connection((parts.hostname, parts.port or (443 if secure else 80)),
                                             timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if secure:
            self.sock = tls_context(fault, ca).wrap_socket(self.sock,
                                                           server_hostname=parts.hostname)
        self.buffer = b""
        self.frames_sent = 0
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        key = base64.b64encode(os.urandom(16)).decode()
        if fault == "bad-key":
            key = base64.b64encode(os.urandom(12)).decode()
        if fault == "fixed-key":
            key = base64.b64encode(b"the same nonce!!").decode()
        self.seeded = random.Random(6455)
        host = parts.hostname if fault == "host-no-port" else parts.netloc
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Upgrade: websocket",
                 f"Sec-WebSocket-Key: {key}"]
        if fault != "no-connection":
            lines.append("Connection: Upgrade")
        if fault != "no-version":
            lines.append("Sec-WebSocket-Version: 13")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status, *lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in status + " ":
            raise SystemExit(f"faulty_client: handshake refused: {status}")
        if fault != "no-validate":
            self.validate(lines, key)

    @staticmethod
    def validate(lines: list[str], key: str) -> None:
        """RFC 6455 §4.1's checks of a 101: each failure fails the connection."""
        headers: dict[str, list[str]] = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        tokens = [t.strip().lower() for v in headers.get("connection", []) for t in v.split(",")]
        problems = [
            ([v.lower() for v in headers.get("upgrade", [])] != ["websocket"], "Upgrade"),
            ("upgrade" not in tokens, "Connection"),
            (headers.get("sec-websocket-accept") != [accept], "Sec-WebSocket-Accept"),
            ("sec-websocket-extensions" in headers, "an extension it did not offer"),
            ("sec-websocket-protocol" in headers, "a subprotocol it did not offer"),
        ]
        for bad, what in problems:
            if bad:
                raise SystemExit(f"faulty_client: invalid response: {what}")

    def _fill(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buffer += data

    def _take(self, n: int) -> bytes:
        while len(self.buffer) < n:
            self._fill()
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def read_frame(self) -> tuple[bool, int, bytes]:
        b0, b1 = self._take(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._take(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._take(8))[0]
        if self.fault != "no-limits":
            if length >> 63:  # RFC 6455 §5.2: "the most significant bit MUST be 0"
                self.send_frame(0x8, struct.pack("!H", 1002))
                raise Closed()
            if length > LIMIT:
                self.send_frame(0x8, struct.pack("!H", 1009))
                raise Closed()
        key = self._take(4) if b1 & 0x80 else None
        if key and self.fault != "no-validate":
            # RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame."
            self.send_frame(0x8, struct.pack("!H", 1002))
            raise Closed()
        payload = self._take(length)
        if key:
            payload = apply_mask(payload, key)
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def send_frame(self, opcode: int, payload: bytes) -> None:
        head = bytes([0x80 | opcode])
        masked = self.fault != "unmasked"
        n = len(payload)
        mask_bit = 0x80 if masked else 0
        if n < 126:
            head += bytes([mask_bit | n])
        elif n < 65536:
            head += bytes([mask_bit | 126]) + struct.pack("!H", n)
        else:
            head += bytes([mask_bit | 127]) + struct.pack("!Q", n)
        if masked:
            self.frames_sent += 1
            key = (b"\0\0\0\0" if self.fault == "zero-mask"
                   else struct.pack("!I", self.frames_sent) if self.fault == "counter-mask"
                   else self.seeded.randbytes(4) if self.fault == "seeded-mask"
                   else os.urandom(4))
            payload = apply_mask(payload, key)
            head += key
        self.sock.sendall(head + payload)

    def wait_for_tcp_close(self) -> None:
        """RFC 6455 §5.5.1: the client SHOULD wait for the server to close TCP, and MUST close
        it itself if the server does not (after 2 s here)."""
        self.sock.settimeout(None if self.fault == "never-close-tcp" else 2)
        try:
            while True:
                self._fill()
        except (Closed, OSError):
            pass

    def run(self) -> None:
        message, message_opcode, echoed = b"", 0, 0
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode == 0x8:  # Close: answer with its code, wait for the server's TCP close
                self.send_frame(0x8, payload[:2])
                self.wait_for_tcp_close()
                return
            if opcode in (0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF):
                # §5.2: a reserved opcode fails the connection: our Close, then the server's.
                self.send_frame(0x8, struct.pack("!H", 1002))
                while self.read_frame()[1] != 0x8:
                    pass
                self.wait_for_tcp_close()
                return
            if opcode == 0x9:
                self.send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode in (0x1, 0x2):
                message, message_opcode = bytearray(payload), opcode
            else:
                message += payload
            if len(message) > LIMIT and self.fault != "no-limits":
                self.send_frame(0x8, struct.pack("!H", 1009))
                raise Closed()
            if fin:
                self.send_frame(message_opcode, bytes(message))
                echoed += 1
                if echoed == 1 and self.fault == "crash":
                    os.abort()
                if echoed == 1 and self.fault == "segv":
                    os.kill(os.getpid(), signal.SIGSEGV)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", choices=FAULTS, default="none")
    parser.add_argument("--ca", help="CA file for wss:// (default: the system's)")
    parser.add_argument("--state", help="*-first-run: a folder remembering the cases run")
    parser.add_argument("url")
    args = parser.parse_args()
    hangs = args.fault == "hang"
    if args.fault in ("hang-first-run", "late-first-run"):
        ran = os.path.join(args.state, os.environ.get("WSCONFORM_CASE", "case"))
        first = not os.path.exists(ran)
        if first:
            open(ran, "w", encoding="ascii").close()
            time.sleep(1 if args.fault == "hang-first-run" else 2.5)
        hangs = first and args.fault == "hang-first-run"
    if args.fault == "no-connect":
        print("faulty_client: not connecting (fault no-connect)", file=sys.stderr)
        return 3
    try:
        Client(args.url, args.fault, args.ca).run()
    except ssl.SSLError as e:
        print(f"faulty_client: TLS handshake failed: {e}", file=sys.stderr)
        return 1
    except (Closed, OSError):
        pass
    if hangs:
        time.sleep(3600)
    if args.fault == "sanitizer":
        print("=================================================================\n"
              "==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011",
              file=sys.stderr)
    return 1 if args.fault == "exit-1" else 0


if __name__ == "__main__":
    sys.exit(main())
