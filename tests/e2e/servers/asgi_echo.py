"""ASGI WebSocket echo app, served by hypercorn 0.13 (python3-hypercorn) for the RFC 8441 tests.

websocket scope: accepts (selecting the subprotocol "chat" when offered, no other), then
echoes every message with its type (text as text, bytes as binary) until the client
disconnects. http scope: 200 "ok\\n" (text/plain) for any method and path.

Serve it (port 8443/8080 are examples; run from the repository root, /usr/bin/python3):

    # cleartext HTTP/2 with prior knowledge (h2c; hypercorn also speaks HTTP/1.1 there)
    /usr/bin/python3 -m hypercorn --bind 127.0.0.1:8080 --log-level warning \\
        tests/e2e/servers/asgi_echo.py:app

    # TLS, ALPN h2 (hypercorn offers "h2, http/1.1"; an h2 client gets h2)
    /usr/bin/python3 -m hypercorn --bind 127.0.0.1:8443 --certfile CERT --keyfile KEY \\
        --log-level warning tests/e2e/servers/asgi_echo.py:app

Ready: with --log-level info (the default) hypercorn prints `Running on http://127.0.0.1:8080
(CTRL + C to quit)` (https:// with TLS) on stderr once listening; with --log-level warning it
prints nothing, so poll the port. --bind 127.0.0.1:0 works, but the bound port only appears
in that info line. SIGTERM/SIGINT stop it (exit 0).

What hypercorn 0.13 does with it over HTTP/2: SETTINGS carry ENABLE_CONNECT_PROTOCOL = 1 and
MAX_CONCURRENT_STREAMS 100; an extended CONNECT gets 200; permessage-deflate is negotiated
when offered (wsproto's PerMessageDeflate); messages up to 16 MiB (websocket_max_message_size,
only settable with --config). Every CONNECT is taken for WebSocket, whatever :protocol says.
"""


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    elif scope["type"] == "http":
        while (await receive()).get("more_body"):  # drain the request body
            pass
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", b"3")]})
        await send({"type": "http.response.body", "body": b"ok\n"})
    elif scope["type"] == "websocket":
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        accept = {"type": "websocket.accept"}
        if "chat" in scope.get("subprotocols", []):
            accept["subprotocol"] = "chat"
        await send(accept)
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                await send({"type": "websocket.send", "bytes": message["bytes"]})
            else:
                await send({"type": "websocket.send", "text": message["text"]})
