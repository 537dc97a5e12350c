// W0b: a fresh process imports a contender, connects over the in-process link to the canned
// responder and makes its first tools/call. Prints three figures in milliseconds: the import, the
// connect and first call after it, and the two together (before the import to the checked
// result). mcp-actors loads its schemas (zod) during this connect; the SDKs at import.
// Usage: node bench/cold-start.mjs <floor|mcp-actors|sdk-v1|client-v2>
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { channelOf, createDuplex, lineSplitter, startResponder } from './link.mjs';

// BENCH_CHECKOUT: the checkout whose build is measured (bench/run.mjs's baseline); this one by default.
const root =
  process.env.BENCH_CHECKOUT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2];
const t0 = performance.now();
const [clientEnd, serverEnd] = createDuplex();
startResponder(serverEnd);

function sdkTransport(end, ReadBuffer, serialize) {
  const rb = new ReadBuffer();
  const t = {
    async start() {
      end.onData = (chunk) => {
        rb.append(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        for (let m = rb.readMessage(); m !== null; m = rb.readMessage()) t.onmessage?.(m);
      };
    },
    async send(message) {
      end.write(Buffer.from(serialize(message)));
    },
    async close() {},
  };
  return t;
}

let text;
let imported = NaN;
if (which === 'mcp-actors') {
  const { createClientSession, createFramedTransport } = await import(
    path.join(root, 'dist/bundle/src/index.js')
  );
  imported = performance.now();
  const session = createClientSession({
    transport: createFramedTransport(channelOf(clientEnd)),
    mode: 'legacy',
  });
  await session.connect();
  text = (await session.callTool('echo', { text: 'cold' })).content[0].text;
} else if (which === 'sdk-v1' || which === 'client-v2') {
  const v1 = which === 'sdk-v1';
  const { Client } = await import(
    v1 ? '@modelcontextprotocol/sdk/client/index.js' : '@modelcontextprotocol/client'
  );
  const { ReadBuffer, serializeMessage } = await import(
    v1 ? '@modelcontextprotocol/sdk/shared/stdio.js' : '@modelcontextprotocol/client'
  );
  imported = performance.now();
  const client = new Client({ name: 'cold', version: '1' }, { capabilities: {} });
  await client.connect(sdkTransport(clientEnd, ReadBuffer, serializeMessage));
  text = (await client.callTool({ name: 'echo', arguments: { text: 'cold' } })).content[0].text;
} else if (which === 'floor') {
  imported = performance.now(); // the floor imports nothing
  const pending = new Map();
  let id = 0;
  clientEnd.onData = lineSplitter((line) => {
    const m = JSON.parse(line);
    pending.get(m.id)?.(m.result);
  });
  const request = (method, params) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      clientEnd.write(Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`));
    });
  await request('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'f', version: '1' },
  });
  text = (await request('tools/call', { name: 'echo', arguments: { text: 'cold' } })).content[0]
    .text;
} else {
  console.error(`unknown contender ${which}`);
  process.exit(2);
}
if (text !== 'cold') throw new Error(`wrong result ${text}`);
const done = performance.now();
console.log(`${imported - t0} ${done - imported} ${done - t0}`);
