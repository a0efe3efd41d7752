"""A testee client on python3-websockets (Debian's 10.4): connects to the URL it is given,
echoes every message back as it came, and exits 0 when the closing handshake completed (Close
frames both ways, whatever their codes), 1 otherwise. Run by wsconform's exec mode once per
case:

    wsconform --client-command '/usr/bin/python3 websockets_client.py {url}' --out OUT
"""

import asyncio
import sys

import websockets


async def echo(url: str) -> int:
    try:
        # max_size as websockets' own compliance client has it (9.x sends 16 MiB messages).
        async with websockets.connect(url, max_size=2**25, ping_interval=None) as ws:
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
    sys.exit(asyncio.run(echo(sys.argv[1])))
