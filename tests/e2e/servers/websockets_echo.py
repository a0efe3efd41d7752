#!/usr/bin/python3
"""Echo server built on the Python `websockets` library (10.4 API), for the wsconform e2e tests.

Listens on 127.0.0.1 (--port, default 0 = a free one) and prints
"listening ws://127.0.0.1:PORT/" on stdout once ready. Echoes every message back as it came
(str as text, bytes as binary). Messages up to 64 MiB; no compression unless --deflate, which
turns on the library's default permessage-deflate (and its default 1 MiB message limit, the
configuration most deployments run). --tls CERT KEY serves wss:// instead (and says so on its
ready line); --keylog FILE appends that TLS server's secrets to FILE (NSS key log format). Run
with /usr/bin/python3.
"""

import argparse
import asyncio
import signal
import ssl
import sys

import websockets


async def echo(websocket, path=None):
    try:
        async for message in websocket:
            await websocket.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass


async def main(port: int, deflate: bool, tls: list[str] | None, keylog: str | None) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    options = {} if deflate else {"max_size": 64 * 1024 * 1024, "compression": None}
    scheme = "ws"
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        if keylog:
            context.keylog_filename = keylog
        options["ssl"], scheme = context, "wss"
    async with websockets.serve(echo, "127.0.0.1", port, **options) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"listening {scheme}://127.0.0.1:{bound}/", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--keylog", metavar="FILE")
    args = parser.parse_args()
    asyncio.run(main(args.port, args.deflate, args.tls, args.keylog))
    sys.exit(0)
