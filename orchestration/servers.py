"""The embedded defaults, made of real parts: the reference server (Boost.Beast), nghttpx in
front of it for WebSocket over HTTP/2, and the reference client's command line."""

from __future__ import annotations

import tempfile
import urllib.parse
from pathlib import Path

from .build import run_quiet
from .processes import CommandServer, Server, free_port


def reference_server(build_dir: Path, tls: bool = False, allowed_origin: str | None = None,
                     required_header: str | None = None, extra: tuple[str, ...] = ()) -> Server:
    """Our reference server on a free loopback port; `extra`: more of its options."""
    binary = build_dir / "server" / "wsconform-server"
    command = [str(binary), "--host", "127.0.0.1", "--port", "0"] + (["--tls"] if tls else [])
    if allowed_origin:
        command += ["--allowed-origin", allowed_origin]
    if required_header:
        command += ["--require-header", required_header]
    return Server(command + list(extra), "reference server")



class Http2Front:
    """nghttpx (Debian's nghttp2-proxy) taking WebSocket over HTTP/2 (RFC 8441) on its front
    end, cleartext with prior knowledge or TLS with ALPN h2 (a throwaway self-signed
    certificate), in front of the reference server over HTTP/1.1. Stopped with it."""

    def __init__(self, build_dir: Path, tls: bool = False, allowed_origin: str | None = None):
        self.backend = reference_server(build_dir, allowed_origin=allowed_origin)
        self._dir = tempfile.TemporaryDirectory(prefix="wsconform-nghttpx-")
        try:
            backend = urllib.parse.urlsplit(self.backend.url)
            port = free_port()
            command = ["nghttpx", "--conf=/dev/null", "--single-process", "--single-thread",
                       "-L", "WARN", "--errorlog-file=/dev/null", "--no-ocsp",
                       f"-b127.0.0.1,{backend.port}"]
            if tls:
                key, cert = Path(self._dir.name, "key.pem"), Path(self._dir.name, "cert.pem")
                run_quiet(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj",
                           "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,"
                           "IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                          "making nghttpx's test certificate")
                command += [f"-f127.0.0.1,{port}", "--npn-list=h2", str(key), str(cert)]
            else:
                command.append(f"-f127.0.0.1,{port};no-tls")
            self.front = CommandServer(command, "nghttpx", f"ws://127.0.0.1:{port}/",
                                       Path(self._dir.name), Path(self._dir.name, "nghttpx.log"),
                                       15.0)
        except BaseException:
            self.backend.stop()
            self._dir.cleanup()
            raise
        self.url = f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/"

    def stop(self) -> None:
        self.front.stop()
        self.backend.stop()
        self._dir.cleanup()




def reference_client_command(build_dir: Path) -> str:
    """The built-in reference client (Boost.Beast) in exec mode: one run per case URL, trusting
    the run's test CA (the TLS cases T.1 send it to wss:// URLs)."""
    return f"{build_dir / 'client' / 'wsconform-client'} --ca {{ca}} {{url}}"

