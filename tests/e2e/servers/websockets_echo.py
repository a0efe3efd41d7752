#!/usr/bin/python3
"""Echo server built on the Python `websockets` library (10.4 API), for the wsconform e2e tests.

Listens on 127.0.0.1 (--port, default 0 = a free one) and prints
"listening ws://127.0.0.1:PORT/" on stdout once ready. Echoes every message back as it came
(str as text, bytes as binary). No compression; messages up to 64 MiB. Run with /usr/bin/python3.
"""

import argparse
import asyncio
import signal
import sys

import websockets


async def echo(websocket, path=None):
    try:
        async for message in websocket:
            await websocket.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass


async def main(port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(echo, "127.0.0.1", port, max_size=64 * 1024 * 1024,
                                compression=None) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"listening ws://127.0.0.1:{bound}/", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
    sys.exit(0)
