#!/usr/bin/env node
// A testee client on the npm `ws` package, for wsconform's client tests (exec mode): connects
// to the URL it is given, echoes every message back with the same text/binary flag, and exits
// 0 when the closing handshake completed, 1 otherwise. Offers permessage-deflate (ws's default
// client offer) and accepts messages up to 64 MiB.
//
//   wsconform --client-command 'node ws_client.js {url}' --out OUT
'use strict';

const path = require('path');
const WebSocket = require(path.join(__dirname, '..', 'node_modules', 'ws'));

const socket = new WebSocket(process.argv[2], { maxPayload: 64 * 1024 * 1024 });
let closeReceived = false;

socket.on('message', (data, isBinary) => {
  socket.send(data, { binary: isBinary });
});
// ws emits 'close' once TCP is gone; the code is 1006 when no Close frame came.
socket.on('close', (code) => {
  closeReceived = code !== 1006;
  process.exit(closeReceived ? 0 : 1);
});
socket.on('error', (error) => {
  process.stderr.write(`ws_client: ${error.message}\n`);
});
