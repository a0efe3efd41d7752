"""A testee client on python3-websockets (Debian's 10.4): connects to the URL it is given,
echoes every message back as it came, and exits 0 when the closing handshake completed (Close
frames both ways, whatever their codes), 1 otherwise. Run by wsconform's exec mode once per
case:

    wsconform --client-command '/usr/bin/python3 websockets_client.py {url}' --out OUT

For wss:// (the T.1 cases), `--ca {ca}` makes it trust the run's test CA:

    wsconform --client-command '/usr/bin/python3 websockets_client.py --ca {ca} {url}' ...
"""

import argparse
import asyncio
import ssl
import sys

import websockets


async def echo(url: str, ca: str | None) -> int:
    options = {}
    if url.startswith("wss://"):
        # The library's default for wss:// is ssl.create_default_context(); with --ca it
        # trusts that CA instead of the system's (chain, dates and host name still checked).
        options["ssl"] = ssl.create_default_context(cafile=ca)
    try:
        # max_size as websockets' own compliance client has it (9.x sends 16 MiB messages).
        async with websockets.connect(url, max_size=2**25, ping_interval=None, **options) as ws:
            async for message in ws:
                await ws.send(message)
    except websockets.ConnectionClosed as e:
        if e.rcvd is not None and e.sent is not None:
            return 0  # a closing handshake with a code other than 1000 or 1001
        print(f"websockets_client: connection failed: {e}", file=sys.stderr)
        return 1
    except (OSError, websockets.InvalidHandshake) as e:
        print(f"websockets_client: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ca", help="CA file for wss:// (default: the system's)")
    parser.add_argument("url")
    args = parser.parse_args()
    sys.exit(asyncio.run(echo(args.url, args.ca)))
