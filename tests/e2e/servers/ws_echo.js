#!/usr/bin/env node
// Echo server built on the npm `ws` package, for the wsconform end-to-end tests.
// Listens on 127.0.0.1 (port from --port, default 0 = a free one) and prints
// "listening ws://127.0.0.1:PORT/" on stdout once ready. Echoes every message back with
// the same text/binary flag. Messages up to 64 MiB; no compression unless --deflate (ws's
// default permessage-deflate settings).
'use strict';

const path = require('path');
const { WebSocketServer } = require(path.join(__dirname, '..', 'node_modules', 'ws'));

let port = 0;
let deflate = false;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--port' && i + 1 < args.length) port = Number(args[++i]);
  else if (args[i] === '--deflate') deflate = true;
}

const server = new WebSocketServer({
  host: '127.0.0.1',
  port,
  perMessageDeflate: deflate,
  maxPayload: 64 * 1024 * 1024,
});

server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    socket.send(data, { binary: isBinary });
  });
  socket.on('error', () => {});
});

server.on('listening', () => {
  process.stdout.write(`listening ws://127.0.0.1:${server.address().port}/\n`);
});

server.on('error', (err) => {
  process.stderr.write(`ws_echo: ${err.message}\n`);
  process.exit(1);
});

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
