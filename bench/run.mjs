// Benchmarks: the same work, side by side in one run, for mcp-actors, the official TypeScript SDK
// v1 (@modelcontextprotocol/sdk) and v2 (@modelcontextprotocol/client), and a hand-written floor
// (a Map of pending promises, JSON.parse/stringify, newline framing, no validation), each against
// one canned responder over one in-process byte duplex with newline framing.
//
// W5–W7 are the exception: real transports (stdio, Streamable HTTP) against a real
// @modelcontextprotocol/server-everything process (bench/server-process.mjs), and W5c/W6c against
// the canned responder as a stdio or Streamable HTTP server process of its own (a server that
// costs next to nothing, so the client's share stands out). W6a (the cost of
// OAuth on the hot path: no auth, bearer, DPoP) runs against its own minimal server process
// (bench/auth-workload.mjs, bench/auth-http-server.mjs) and prints its own table.
//
// Run with `npm run bench` (builds first; needs --expose-gc). Options (environment):
//   BENCH_REPS=5        repetitions of each workload (the order of contenders rotates)
//   BENCH_ONLY=W1,W2    run only these workloads
//   BENCH_BASELINE=../other-checkout   adds 'mcp-actors baseline', the build of another checkout
//                       (its dist/, built), to the in-process workloads and the cold starts: a
//                       change measured before and after in one run
//   BENCH_W1I_ROUNDS=20, BENCH_W1I_BLOCK=500, BENCH_W1I_WARMUP=500   the size of W1i
//   BENCH_W6A_ROUNDS=20, BENCH_W6A_BLOCK=100, BENCH_W6A_WARMUP=300   the size of W6a
//   BENCH_W8_SERVERS=20, BENCH_W8_ROUNDS=20, BENCH_W8_BLOCK=200   the size of W8 (a group of servers)
// Every workload checks every result it gets, so no contender can win by skipping work.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport as InMemoryV1 } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  ReadBuffer as ReadBufferV1,
  serializeMessage as serializeV1,
} from '@modelcontextprotocol/sdk/shared/stdio.js';
import {
  Client as ClientV2,
  InMemoryTransport as InMemoryV2,
  ReadBuffer as ReadBufferV2,
  serializeMessage as serializeV2,
} from '@modelcontextprotocol/client';

import * as mcpActorsRoot from '../dist/bundle/src/index.js';

const { createClientSession, createFramedTransport } = mcpActorsRoot;

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const REPS = Number(process.env.BENCH_REPS ?? 5);
const ONLY = process.env.BENCH_ONLY?.split(',');
const gc = globalThis.gc;
if (typeof gc !== 'function') {
  console.error('Run with node --expose-gc (npm run bench does).');
  process.exit(2);
}

import { cannedAnswer, channelOf, createDuplex, lineSplitter, startResponder } from './link.mjs';
import {
  childProcesses,
  startCannedHttpServer,
  startHttpServer,
  stdioServer,
  waitGone,
} from './server-process.mjs';

// ------------------------------------------------------------------------------------------------
// Contenders. Each returns { start(args) → the library's own promise of the result, close() }.

async function floor(end) {
  const pending = new Map();
  let nextId = 0;
  end.onData = lineSplitter((line) => {
    const m = JSON.parse(line);
    const p = pending.get(m.id);
    if (p === undefined) return;
    pending.delete(m.id);
    if (m.error !== undefined) p.reject(new Error(m.error.message));
    else p.resolve(m.result);
  });
  const request = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      end.write(Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`));
    });
  await request('initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'floor', version: '1' },
  });
  end.write(
    Buffer.from(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`),
  );
  return {
    start: (args) => request('tools/call', { name: 'echo', arguments: args }),
    close: async () => {},
  };
}

const mcpActors = mcpActorsOf({ createClientSession, createFramedTransport });

/** The mcp-actors contender over `lib`, the root entry of a build. */
function mcpActorsOf({ createClientSession, createFramedTransport }) {
  return (end) => connectMcpActors(end, createClientSession, createFramedTransport);
}

async function connectMcpActors(end, createClientSession, createFramedTransport) {
  const channel = channelOf(end);
  // The same handshake as the SDKs (no era probe); results validated with the typed API.
  const session = createClientSession({
    transport: createFramedTransport(channel),
    mode: 'legacy',
  });
  await session.connect();
  return {
    start: (args) => session.callTool('echo', args),
    close: () => session.close(),
  };
}

function sdkTransport(end, ReadBuffer, serialize) {
  const rb = new ReadBuffer();
  const t = {
    onmessage: undefined,
    onclose: undefined,
    onerror: undefined,
    async start() {
      end.onData = (chunk) => {
        rb.append(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
        for (;;) {
          const m = rb.readMessage();
          if (m === null) break;
          t.onmessage?.(m);
        }
      };
    },
    async send(message) {
      end.write(Buffer.from(serialize(message)));
    },
    async close() {
      t.onclose?.();
    },
  };
  return t;
}

function sdkContender(Client, ReadBuffer, serialize) {
  return async (end) => {
    const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
    await client.connect(sdkTransport(end, ReadBuffer, serialize));
    return {
      start: (args) => client.callTool({ name: 'echo', arguments: args }),
      close: () => client.close(),
    };
  };
}

const BASELINE =
  process.env.BENCH_BASELINE === undefined ? undefined : path.resolve(process.env.BENCH_BASELINE);
const baselineEntry =
  BASELINE === undefined ? undefined : path.join(BASELINE, 'dist/bundle/src/index.js');

const contenders = {
  floor,
  'mcp-actors': mcpActors,
  ...(baselineEntry === undefined
    ? {}
    : { 'mcp-actors baseline': mcpActorsOf(await import(pathToFileURL(baselineEntry).href)) }),
  'sdk v1 1.32.2': sdkContender(ClientV1, ReadBufferV1, serializeV1),
  'client v2 2.4.0': sdkContender(ClientV2, ReadBufferV2, serializeV2),
};

// W2o: each library's own in-memory (object) transport pair, the canned answers on the server
// side; the floor on the in-process duplex of bench/link.mjs, carrying message objects by reference.
const answerObject = (m) => (m.id === undefined ? undefined : cannedAnswer(m));

async function objectFloor() {
  const [clientEnd, serverEnd] = createDuplex();
  serverEnd.onData = (m) => {
    const answer = answerObject(m);
    if (answer !== undefined) serverEnd.write(answer);
  };
  const rpc = floorRpc((m) => clientEnd.write(m));
  clientEnd.onData = (m) => rpc.receive(m);
  await rpc.request('initialize', initializeParams);
  clientEnd.write({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    start: (args) => rpc.request('tools/call', { name: 'echo', arguments: args }),
    close: async () => {},
  };
}

/** mcp-actors over its createInMemoryTransportPair, from `lib` (the root entry of a build). */
function objectMcpActors(lib) {
  return async () => {
    const [clientSide, serverSide] = lib.createInMemoryTransportPair();
    await serverSide.start({
      message(m) {
        const answer = answerObject(m);
        if (answer !== undefined) void serverSide.send(answer);
      },
      error() {},
      closed() {},
    });
    const session = lib.createClientSession({ transport: clientSide, mode: 'legacy' });
    await session.connect();
    return { start: (args) => session.callTool('echo', args), close: () => session.close() };
  };
}

function objectSdk(Client, InMemory) {
  return async () => {
    const [clientSide, serverSide] = InMemory.createLinkedPair();
    serverSide.onmessage = (m) => {
      const answer = answerObject(m);
      if (answer !== undefined) void serverSide.send(answer);
    };
    await serverSide.start();
    const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
    await client.connect(clientSide);
    return {
      start: (args) => client.callTool({ name: 'echo', arguments: args }),
      close: () => client.close(),
    };
  };
}

const objectContenders = {
  floor: objectFloor,
  'mcp-actors': objectMcpActors(mcpActorsRoot),
  ...(baselineEntry === undefined
    ? {}
    : {
        'mcp-actors baseline': objectMcpActors(await import(pathToFileURL(baselineEntry).href)),
      }),
  'sdk v1 1.32.2': objectSdk(ClientV1, InMemoryV1),
  'client v2 2.4.0': objectSdk(ClientV2, InMemoryV2),
};

async function setup(name) {
  const [clientEnd, serverEnd] = createDuplex();
  const responder = startResponder(serverEnd);
  // No wrapper around a contender's call: a shared one would add its cost to the floor as well.
  const client = await contenders[name](clientEnd);
  return { client, responder };
}

const textOf = (result) => result.content[0].text;

function check(actual, expected) {
  if (actual !== expected)
    throw new Error(`wrong result: ${JSON.stringify(actual)?.slice(0, 80)} ≠ expected`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const flush = () => new Promise((resolve) => setImmediate(resolve));

// ------------------------------------------------------------------------------------------------
// Real-transport contenders (W5–W7), against server-everything. Each has stdio() and http(url),
// resolving once connected to { pid, call(args) → the echoed text, list() → the tools, close() }.
// Loaded only when one of those workloads runs, so the workloads above are untouched by them.

/** The floor's JSON-RPC core: a Map of pending promises, no validation. */
function floorRpc(send) {
  const pending = new Map();
  let nextId = 0;
  return {
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        send({ jsonrpc: '2.0', id, method, params });
      }),
    receive(m) {
      if (m.method !== undefined) return; // the server's notifications (and requests: none here)
      const p = pending.get(m.id);
      if (p === undefined) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error.message));
      else p.resolve(m.result);
    },
  };
}

const initializeParams = {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'floor', version: '1' },
};

/** Floor over stdio: child_process spawn, newline JSON framing. */
async function floorStdio(server = stdioServer) {
  const child = spawn(server.command, server.args, {
    cwd: server.cwd,
    env: server.env,
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const rpc = floorRpc((m) => child.stdin.write(`${JSON.stringify(m)}\n`));
  child.stdout.on(
    'data',
    lineSplitter((line) => rpc.receive(JSON.parse(line))),
  );
  await rpc.request('initialize', initializeParams);
  child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  return {
    pid: child.pid,
    call: (args) => rpc.request('tools/call', { name: 'echo', arguments: args }),
    list: async () => (await rpc.request('tools/list', {})).tools,
    async close() {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGTERM'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Floor over Streamable HTTP: POSTs on `node:http` with one kept-alive connection, the session id
 * from initialize, JSON or SSE answers read whole (server-everything ends each POST's stream once
 * it has answered).
 */
async function floorHttp(url) {
  const agent = new http.Agent({ keepAlive: true });
  const target = new URL(url);
  let sessionId;
  let protocolVersion;
  const exchange = (method, body, extra = {}) =>
    new Promise((resolve, reject) => {
      const headers = { ...extra };
      if (body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(body);
      }
      if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
      if (protocolVersion !== undefined) headers['mcp-protocol-version'] = protocolVersion;
      const req = http.request(target, { method, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ res, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const post = async (message) => {
    const { res, text } = await exchange('POST', JSON.stringify(message), {
      accept: 'application/json, text/event-stream',
    });
    if (res.statusCode >= 300) throw new Error(`HTTP ${res.statusCode}: ${text}`);
    sessionId ??= res.headers['mcp-session-id'];
    if (message.id === undefined) return undefined; // 202 for a notification
    if (!(res.headers['content-type'] ?? '').startsWith('text/event-stream'))
      return JSON.parse(text);
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '') continue; // the priming event
      const m = JSON.parse(data);
      if (m.id === message.id && m.method === undefined) return m;
    }
    throw new Error(`no answer to request ${message.id} in the SSE stream`);
  };
  let nextId = 0;
  const request = async (method, params) => {
    const m = await post({ jsonrpc: '2.0', id: nextId++, method, params });
    if (m.error !== undefined) throw new Error(m.error.message);
    return m.result;
  };
  protocolVersion = (await request('initialize', initializeParams)).protocolVersion;
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    pid: undefined,
    call: (args) => request('tools/call', { name: 'echo', arguments: args }),
    list: async () => (await request('tools/list', {})).tools,
    async close() {
      await exchange('DELETE', undefined);
      agent.destroy();
    },
  };
}

async function loadRealContenders() {
  const [{ StdioClientTransport: StdioV1 }, { StreamableHTTPClientTransport: HttpV1 }] =
    await Promise.all([
      import('@modelcontextprotocol/sdk/client/stdio.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
  const [{ StdioClientTransport: StdioV2 }, { StreamableHTTPClientTransport: HttpV2 }] =
    await Promise.all([
      import('@modelcontextprotocol/client/stdio'),
      import('@modelcontextprotocol/client'),
    ]);
  const { createNodeFetch, createStdioTransport } =
    await import('../dist/bundle/src/node/index.js');
  const { createStreamableHttpTransport } = await import('../dist/bundle/src/index.js');

  const actors = async (transport) => {
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    return {
      pid: transport.pid,
      call: (args) => session.callTool('echo', args),
      list: async () => (await session.listTools()).tools,
      close: () => session.close(),
    };
  };
  const sdk = (Client, Stdio, Http) => {
    const open = async (transport) => {
      const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
      await client.connect(transport);
      return {
        pid: transport.pid ?? undefined,
        call: (args) => client.callTool({ name: 'echo', arguments: args }),
        list: async () => (await client.listTools()).tools,
        close: () => client.close(),
      };
    };
    return {
      stdio: (server = stdioServer) => open(new Stdio({ ...server, stderr: 'ignore' })),
      http: (url) => open(new Http(new URL(url))),
    };
  };
  return {
    floor: { stdio: floorStdio, http: floorHttp },
    'mcp-actors': {
      stdio: (server = stdioServer) =>
        actors(createStdioTransport({ ...server, stderr: 'ignore' })),
      // In Node, the documented set-up: fetch on node:http with kept-alive connections.
      http: (url) => actors(createStreamableHttpTransport({ url, fetch: createNodeFetch() })),
      httpGlobalFetch: (url) => actors(createStreamableHttpTransport({ url })),
    },
    'sdk v1 1.32.2': sdk(ClientV1, StdioV1, HttpV1),
    'client v2 2.4.0': sdk(ClientV2, StdioV2, HttpV2),
  };
}

/** Runs `body` on a connection and closes it; a stdio server must be gone afterwards. */
async function using(connection, body) {
  try {
    return await body(connection);
  } finally {
    await connection.close();
    if (connection.pid !== undefined) await waitGone(connection.pid);
  }
}

// ------------------------------------------------------------------------------------------------
// Workloads. Each returns a number (ms, or bytes for the heap figure).

/** W2 and W2o: 10,000 calls at once on `client`, timed to the last result, checked after. */
async function concurrentCalls(client) {
  for (let i = 0; i < 500; i++) check(textOf(await client.start({ text: `w${i}` })), `w${i}`);
  const t0 = performance.now();
  const all = [];
  for (let i = 0; i < 10_000; i++) all.push(client.start({ text: `c${i}` }));
  const results = await Promise.all(all);
  const ms = performance.now() - t0;
  results.forEach((r, i) => check(textOf(r), `c${i}`));
  await client.close();
  return ms;
}

const workloads = {
  async W1(name) {
    const { client } = await setup(name);
    for (let i = 0; i < 500; i++) check(textOf(await client.start({ text: `w${i}` })), `w${i}`);
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) check(textOf(await client.start({ text: `m${i}` })), `m${i}`);
    const ms = performance.now() - t0;
    await client.close();
    return ms;
  },
  async W2(name) {
    return concurrentCalls((await setup(name)).client);
  },
  async W2o(name) {
    return concurrentCalls(await objectContenders[name]());
  },
  async W2heap(name) {
    const { client, responder } = await setup(name);
    for (let i = 0; i < 200; i++) check(textOf(await client.start({ text: `w${i}` })), `w${i}`);
    const N = 10_000;
    const all = new Array(N);
    await flush();
    gc();
    gc();
    const base = process.memoryUsage().heapUsed;
    for (let i = 0; i < N; i++) all[i] = client.start({ text: `h${i}`, hold: true });
    await flush();
    await flush();
    if (responder.heldCount !== N)
      throw new Error(`responder holds ${responder.heldCount}, not ${N}`);
    gc();
    gc();
    const used = process.memoryUsage().heapUsed;
    responder.releaseAll();
    const results = await Promise.all(all);
    results.forEach((r, i) => check(textOf(r), `h${i}`));
    await client.close();
    return (used - base) / N;
  },
  async W2b(name) {
    // One client; phases alternate between 10 and 10,000 other requests held in flight, and each
    // times 3,000 sequential round trips. The figure is median(many) / median(few).
    const { client, responder } = await setup(name);
    for (let i = 0; i < 300; i++) check(textOf(await client.start({ text: `w${i}` })), `w${i}`);
    const times = { 10: [], 10000: [] };
    let held = [];
    for (const others of [10, 10_000, 10, 10_000, 10, 10_000]) {
      responder.releaseAll();
      (await Promise.all(held)).forEach((r, i) => check(textOf(r), `o${i}`));
      held = [];
      for (let i = 0; i < others; i++) held.push(client.start({ text: `o${i}`, hold: true }));
      await flush();
      gc();
      const t0 = performance.now();
      for (let i = 0; i < 3000; i++) {
        check(textOf(await client.start({ text: `x${i}` })), `x${i}`);
      }
      times[others].push(performance.now() - t0);
    }
    responder.releaseAll();
    (await Promise.all(held)).forEach((r, i) => check(textOf(r), `o${i}`));
    await client.close();
    return median(times[10000]) / median(times[10]);
  },
  async W4(name) {
    const { client } = await setup(name);
    // Flat 1 MiB texts made before the timed region; the results are checked after it.
    const texts = Array.from({ length: 10 }, (_, i) => {
      const text = `${i}${'x'.repeat(1024 * 1024 - 2)}`;
      return JSON.parse(JSON.stringify(text));
    });
    for (let i = 0; i < 10; i++) check(textOf(await client.start({ text: texts[i] })), texts[i]);
    const results = new Array(200);
    const t0 = performance.now();
    for (let i = 0; i < 200; i++) results[i] = await client.start({ text: texts[i % 10] });
    const ms = performance.now() - t0;
    results.forEach((r, i) => check(textOf(r), texts[i % 10]));
    await client.close();
    return ms;
  },
};

/**
 * Times `n` sequential checked calls: the wall time (ms), and this process's CPU time per call
 * (µs, user + system: the client's share; the server is another process), as an extra figure.
 */
async function timedCalls(c, n, args, expected, cpuKey) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) check(textOf(await c.call(args(`m${i}`))), expected(`m${i}`));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { value: ms, extra: { [cpuKey]: (cpu.user + cpu.system) / n } };
}

const everythingEcho = [(text) => ({ message: text }), (text) => `Echo: ${text}`];
const cannedEcho = [(text) => ({ text }), (text) => text];

/** The canned responder of link.mjs as a stdio server process (bench/canned-stdio-server.mjs). */
const cannedServer = { ...stdioServer, args: [path.join(here, 'canned-stdio-server.mjs')] };

/**
 * W6 and W6c: `warm` then `timed` sequential calls over Streamable HTTP; for mcp-actors the same
 * again on the global `fetch` (the figure `<cpuKey> global fetch`).
 */
async function httpCalls(real, name, url, warm, timed, [args, expected], cpuKey) {
  const measure = (open, key) =>
    using(open, async (c) => {
      for (let i = 0; i < warm; i++) check(textOf(await c.call(args(`w${i}`))), expected(`w${i}`));
      return timedCalls(c, timed, args, expected, key);
    });
  const measured = await measure(await real[name].http(url), cpuKey);
  if (name !== 'mcp-actors') return measured;
  const global = await measure(await real[name].httpGlobalFetch(url), `${cpuKey} global fetch`);
  return { value: measured.value, extra: { ...measured.extra, ...global.extra } };
}

// W5–W7: real transports against server-everything, whose echo tool answers `Echo: <message>`;
// W5c against the canned responder over stdio.
const realWorkloads = {
  async W5(real, name) {
    return using(await real[name].stdio(), async (c) => {
      for (let i = 0; i < 500; i++)
        check(textOf(await c.call({ message: `w${i}` })), `Echo: w${i}`);
      return timedCalls(c, 2000, ...everythingEcho, 'W5cpu');
    });
  },
  async W5c(real, name) {
    return using(await real[name].stdio(cannedServer), async (c) => {
      for (let i = 0; i < 1000; i++) check(textOf(await c.call({ text: `w${i}` })), `w${i}`);
      return timedCalls(c, 5000, ...cannedEcho, 'W5ccpu');
    });
  },
  async W6(real, name, url) {
    return httpCalls(real, name, url, 30, 300, everythingEcho, 'W6cpu');
  },
  async W6c(real, name, url) {
    return httpCalls(real, name, url, 500, 3000, cannedEcho, 'W6ccpu');
  },
  async W7(real, name) {
    // Dominated by the server's own start-up, which scatters: the median of three starts.
    const times = [];
    for (let trial = 0; trial < 3; trial++) {
      const t0 = performance.now();
      times.push(
        await using(await real[name].stdio(), async (c) => {
          const tools = await c.list();
          const ms = performance.now() - t0;
          if (!tools.some((t) => t.name === 'echo'))
            throw new Error(`tools/list without echo: ${tools.map((t) => t.name).join(', ')}`);
          return ms;
        }),
      );
    }
    return median(times);
  },
};

// W0: cold import of each package's entry in a fresh process.
const importTargets = {
  floor: path.join(here, 'floor-entry.mjs'),
  'mcp-actors': path.join(root, 'dist/bundle/src/index.js'),
  ...(baselineEntry === undefined ? {} : { 'mcp-actors baseline': baselineEntry }),
  'sdk v1 1.32.2': '@modelcontextprotocol/sdk/client/index.js',
  'client v2 2.4.0': '@modelcontextprotocol/client',
};

function coldImport(name) {
  const target = importTargets[name];
  const spec = target.startsWith('/') ? `file://${target}` : target;
  const code = `const t=performance.now();await import(${JSON.stringify(spec)});console.log(performance.now()-t);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`import of ${name} failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

// ------------------------------------------------------------------------------------------------

const fmt = (x, d = 2) => x.toFixed(d);

const names = Object.keys(contenders);
const results = {};

function rotate(arr, k) {
  const n = arr.length;
  return arr.map((_, i) => arr[(i + k) % n]);
}

const failures = {};

// `tolerant`: a contender's failure is recorded (NaN, and its message for the report) instead of
// ending the run (the real-transport workloads, where an SDK may fail against the server).
async function run(workload, fn, tolerant = false) {
  if (ONLY && !ONLY.includes(workload)) return;
  results[workload] = Object.fromEntries(names.map((n) => [n, []]));
  for (let rep = 0; rep < REPS; rep++) {
    for (const name of rotate(names, rep)) {
      let value;
      try {
        value = await fn(name);
      } catch (e) {
        if (!tolerant) throw e;
        value = NaN;
        ((failures[workload] ??= {})[name] ??= []).push(e?.message ?? String(e));
        process.stderr.write(`${workload} ${name} failed: ${e?.stack ?? e}\n`);
      }
      // A workload may measure extra figures in the same run: { value, extra: { key: number } }.
      if (typeof value === 'object') {
        for (const [key, x] of Object.entries(value.extra)) {
          results[key] ??= Object.fromEntries(names.map((n) => [n, []]));
          results[key][name].push(x);
        }
        value = value.value;
      }
      results[workload][name].push(value);
    }
    process.stderr.write(`${workload} rep ${rep + 1}/${REPS}\n`);
  }
}

const pkg = (p) =>
  JSON.parse(readFileSync(path.join(root, 'node_modules', p, 'package.json'), 'utf8')).version;

console.log(`# mcp-actors benchmarks`);
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
    `node ${process.version}; xstate ${pkg('xstate')}; @modelcontextprotocol/sdk ${pkg('@modelcontextprotocol/sdk')}; ` +
    `@modelcontextprotocol/client ${pkg('@modelcontextprotocol/client')}; date ${new Date().toISOString().slice(0, 10)}; reps ${REPS}`,
);

for (const w of ['W1', 'W2', 'W2o', 'W2heap', 'W2b', 'W4']) await run(w, workloads[w]);
await run('W0', async (name) => coldImport(name));

// W0b: import, connect and a first checked tools/call, in a fresh process (bench/cold-start.mjs);
// the import and the connect with the first call after it are reported apart too.
const coldNames = {
  floor: 'floor',
  'mcp-actors': 'mcp-actors',
  'mcp-actors baseline': 'mcp-actors',
  'sdk v1 1.32.2': 'sdk-v1',
  'client v2 2.4.0': 'client-v2',
};
await run('W0b', async (name) => {
  const checkout = name === 'mcp-actors baseline' ? BASELINE : root;
  const r = spawnSync(process.execPath, [path.join(here, 'cold-start.mjs'), coldNames[name]], {
    cwd: root,
    env: { ...process.env, BENCH_CHECKOUT: checkout },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`cold start of ${name} failed: ${r.stderr}`);
  const [importMs, firstCallMs, totalMs] = r.stdout.trim().split(' ').map(Number);
  return { value: totalMs, extra: { 'W0b import': importMs, 'W0b first call': firstCallMs } };
});

// W5–W7: real transports against server-everything (one HTTP server process for all of W6).
const wanted = (w) => !ONLY || ONLY.includes(w);
if (['W5', 'W5c', 'W6', 'W6c', 'W7'].some(wanted)) {
  const real = await loadRealContenders();
  const startedAt = performance.now();
  await run('W5', (name) => realWorkloads.W5(real, name), true);
  await run('W5c', (name) => realWorkloads.W5c(real, name), true);
  if (wanted('W6')) {
    const server = await startHttpServer();
    try {
      await run('W6', (name) => realWorkloads.W6(real, name, server.url), true);
    } finally {
      await server.stop();
    }
  }
  if (wanted('W6c')) {
    const server = await startCannedHttpServer();
    try {
      await run('W6c', (name) => realWorkloads.W6c(real, name, server.url), true);
    } finally {
      await server.stop();
    }
  }
  await run('W7', (name) => realWorkloads.W7(real, name), true);
  const left = childProcesses();
  for (const p of left) process.kill(p.pid, 'SIGKILL');
  process.stderr.write(
    `W5–W7 took ${fmt((performance.now() - startedAt) / 1000, 1)} s; ` +
      (left.length === 0
        ? 'no child processes left\n'
        : `${left.length} child processes were left and were killed: ${JSON.stringify(left)}\n`),
  );
}

// W1i: the inspector on the hot path (bench/inspector-workload.mjs); mcp-actors alone.
let w1i;
if (wanted('W1i')) {
  const { runW1i, reportW1i } = await import('./inspector-workload.mjs');
  const startedAt = performance.now();
  w1i = { result: await runW1i({ reps: REPS }), report: reportW1i };
  process.stderr.write(`W1i took ${fmt((performance.now() - startedAt) / 1000, 1)} s\n`);
}

// W6a: authorization on the hot path, against its own server process (bench/auth-workload.mjs).
let w6a;
if (wanted('W6a')) {
  const { runW6a, reportW6a } = await import('./auth-workload.mjs');
  const startedAt = performance.now();
  w6a = { result: await runW6a({ reps: REPS }), report: reportW6a };
  const left = childProcesses();
  for (const p of left) process.kill(p.pid, 'SIGKILL');
  process.stderr.write(
    `W6a took ${fmt((performance.now() - startedAt) / 1000, 1)} s; ` +
      (left.length === 0
        ? 'no child processes left\n'
        : `${left.length} child processes were left and were killed: ${JSON.stringify(left)}\n`),
  );
}

// W8: many servers at once, in a group (bench/group-workload.mjs).
let w8;
if (wanted('W8')) {
  const { runW8, reportW8 } = await import('./group-workload.mjs');
  const startedAt = performance.now();
  w8 = { result: await runW8({ reps: REPS }), report: reportW8 };
  const left = childProcesses();
  for (const p of left) process.kill(p.pid, 'SIGKILL');
  process.stderr.write(
    `W8 took ${fmt((performance.now() - startedAt) / 1000, 1)} s; ` +
      (left.length === 0
        ? 'no child processes left\n'
        : `${left.length} child processes were left and were killed: ${JSON.stringify(left)}\n`),
  );
}

// Report: per workload, each contender's median, and its ratio to the floor per repetition.
console.log('');
console.log('| workload | contender | median | ratio to floor: median (min–max) |');
console.log('|---|---|---:|---:|');
const unit = {
  W1: 'ms',
  W2: 'ms',
  W2o: 'ms',
  W2heap: 'B/request',
  W2b: '× (10k vs 10 in flight)',
  W4: 'ms',
  W0: 'ms',
  W0b: 'ms',
  'W0b import': 'ms',
  'W0b first call': 'ms',
  W5: 'ms',
  W5cpu: 'µs client CPU/call',
  W5c: 'ms',
  W5ccpu: 'µs client CPU/call',
  W6: 'ms',
  W6cpu: 'µs client CPU/call',
  'W6cpu global fetch': 'µs client CPU/call',
  W6c: 'ms',
  W6ccpu: 'µs client CPU/call',
  'W6ccpu global fetch': 'µs client CPU/call',
  W7: 'ms',
};
for (const [w, byName] of Object.entries(results)) {
  for (const name of names) {
    const xs = byName[name];
    if (xs.length === 0) continue; // a figure only some contenders have
    if (w === 'W2b' || w.startsWith('W0') || w === 'W2heap') {
      console.log(
        `| ${w} | ${name} | ${fmt(median(xs), w === 'W2heap' ? 0 : 2)} ${unit[w]} (${fmt(Math.min(...xs), w === 'W2heap' ? 0 : 2)}–${fmt(Math.max(...xs), w === 'W2heap' ? 0 : 2)}) | |`,
      );
      continue;
    }
    const failed = failures[w]?.[name];
    if (failed !== undefined) {
      const ok = xs.filter((x) => !Number.isNaN(x));
      console.log(
        `| ${w} | ${name} | failed ${failed.length}/${xs.length}: ${failed[0].replace(/\s+/g, ' ').slice(0, 120)}` +
          `${ok.length > 0 ? `; median of the rest ${fmt(median(ok))} ${unit[w]}` : ''} | |`,
      );
      continue;
    }
    if (byName.floor.length === 0) {
      console.log(
        `| ${w} | ${name} | ${fmt(median(xs))} ${unit[w]} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}) | |`,
      );
      continue;
    }
    const ratios = xs.map((x, i) => x / byName.floor[i]).filter((r) => !Number.isNaN(r));
    console.log(
      `| ${w} | ${name} | ${fmt(median(xs))} ${unit[w]} | ${fmt(median(ratios))}× (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}) |`,
    );
  }
}

if (w1i !== undefined) console.log(w1i.report(w1i.result).join('\n'));
if (w6a !== undefined) console.log(w6a.report(w6a.result).join('\n'));
if (w8 !== undefined) console.log(w8.report(w8.result).join('\n'));
