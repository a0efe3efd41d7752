"""A testee client for Autobahn's fuzzingserver control protocol, on python3-websockets, as
client libraries keep them (websockets' compliance/asyncio/client.py does the same): ask for
the number of cases, run each one by echoing every message, then ask for the reports.

    autobahn_testee.py ws://127.0.0.1:9001 [--agent NAME] [--shutdown]
"""

import argparse
import asyncio
import sys
import urllib.parse

import websockets


async def main(server: str, agent: str, shutdown: bool) -> int:
    async with websockets.connect(f"{server}/getCaseCount") as ws:
        count = int(await ws.recv())
    print(f"{count} cases", flush=True)
    quoted = urllib.parse.quote(agent)
    for case in range(1, count + 1):
        try:
            async with websockets.connect(f"{server}/runCase?case={case}&agent={quoted}",
                                          max_size=2**25, ping_interval=None) as ws:
                async for message in ws:
                    await ws.send(message)
        except websockets.WebSocketException:
            pass  # the case decides; the next one runs
    extra = "&shutdownOnComplete=true" if shutdown else ""
    async with websockets.connect(f"{server}/updateReports?agent={quoted}{extra}") as ws:
        async for _ in ws:
            pass
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("--agent", default="websockets-testee")
    parser.add_argument("--shutdown", action="store_true")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.server, args.agent, args.shutdown)))
