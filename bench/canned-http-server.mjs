// A canned MCP server over Streamable HTTP for the benchmarks (W6c): the responder of link.mjs
// behind a node:http server on 127.0.0.1 and a free port, one session, JSON answers. It costs the
// server side next to nothing, so what a benchmark against it measures is the client and its HTTP
// stack. Prints `listening <port>` on stdout once it listens.

import http from 'node:http';
import { createDuplex, lineSplitter, startResponder } from './link.mjs';

const [serverSide, responderSide] = createDuplex();
startResponder(responderSide);
/** Answers waiting by request id. */
const waiting = new Map();
serverSide.onData = lineSplitter((line) => {
  const m = JSON.parse(line);
  const res = waiting.get(m.id);
  waiting.delete(m.id);
  res?.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': SESSION }).end(line);
});
const SESSION = 'canned-session';

const server = http.createServer((req, res) => {
  if (req.method === 'DELETE') {
    res.writeHead(200).end();
    return;
  }
  if (req.method !== 'POST') {
    res.writeHead(405).end(); // no listening stream
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const m = JSON.parse(body);
    if (m.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    waiting.set(m.id, res);
    serverSide.write(Buffer.from(`${body}\n`));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
