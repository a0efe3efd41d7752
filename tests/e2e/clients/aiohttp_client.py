"""A testee client on python3-aiohttp (Debian's 3.8), in the two shapes client projects keep:

    aiohttp_client.py URL                   exec mode: echo on URL's one connection
    aiohttp_client.py --autobahn SERVER [--agent NAME]
                                            Autobahn's control protocol, as aiohttp's own
                                            tests/autobahn/client does it (an http:// URL is fine)

Every message is echoed back with its type; the connection offers permessage-deflate and has no
message-size limit. Exits 0 once the server ended the connection or the run, 1 if it could not
connect.
"""

import argparse
import asyncio
import sys

import aiohttp


async def echo(session: aiohttp.ClientSession, url: str) -> None:
    async with session.ws_connect(url, compress=15, max_msg_size=0) as ws:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(message.data)
            else:
                break


async def autobahn(session: aiohttp.ClientSession, server: str, agent: str) -> None:
    async with session.ws_connect(f"{server}/getCaseCount") as ws:
        count = int((await ws.receive()).data)
    print(f"{count} cases", flush=True)
    for case in range(1, count + 1):
        await echo(session, f"{server}/runCase?case={case}&agent={agent}")
    async with session.ws_connect(f"{server}/updateReports?agent={agent}"
                                  "&shutdownOnComplete=true"):
        pass


async def main(args: argparse.Namespace) -> int:
    async with aiohttp.ClientSession() as session:
        try:
            if args.autobahn:
                await autobahn(session, args.autobahn, args.agent)
            else:
                await echo(session, args.url)
        except aiohttp.ClientError as e:
            print(f"aiohttp_client: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--autobahn", metavar="SERVER", help="drive Autobahn's control protocol")
    parser.add_argument("--agent", default="aiohttp")
    parser.add_argument("url", nargs="?")
    arguments = parser.parse_args()
    if not arguments.autobahn and not arguments.url:
        parser.error("a URL, or --autobahn SERVER")
    sys.exit(asyncio.run(main(arguments)))
