// W8: many servers at once. SERVERS canned stdio servers (bench/canned-stdio-server.mjs: each its
// own Node process, answering at once, one `echo` tool), three figures per repetition:
//
// - Time to the first aggregated tool list: from creating the group to `ready()` with every
//   server's tool in `tools()` (a server is `ready` once connected and listed). Beside it, in the
//   same repetition: the slowest single connect (SERVERS bare sessions started at once, the
//   longest time to `connect()` resolving, listing excluded), the same work as the group without
//   one (SERVERS bare sessions connected concurrently and listed with `listAllTools`), and SERVERS
//   official SDK v1 clients likewise. On 2 cores, SERVERS processes
//   starting at once compete for the CPU, so every one of these is much longer than one connect
//   alone; the ratios compare like with like.
// - A call through the group: `group.callTool(aggregated name)` against `session.callTool` on the
//   same server's session, in interleaved blocks of BLOCK sequential calls (order alternating per
//   round), client CPU time per call (user + system; the servers are other processes), the ratio
//   taken between the two blocks of one round, the median over ROUNDS rounds.
// - Memory per idle server: the client heap (after gc) with SERVERS ready servers and their
//   aggregate, less the heap before, divided by SERVERS; beside it the same for bare sessions and
//   SDK v1 clients.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClientSession, createSessionGroup } from '../dist/bundle/src/index.js';
import { createStdioTransport } from '../dist/bundle/src/node/index.js';
import { childEnv } from './server-process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export const SERVERS = Number(process.env.BENCH_W8_SERVERS ?? 20);
const ROUNDS = Number(process.env.BENCH_W8_ROUNDS ?? 20);
const BLOCK = Number(process.env.BENCH_W8_BLOCK ?? 200);

const canned = {
  command: process.execPath,
  args: [path.join(here, 'canned-stdio-server.mjs')],
  cwd: path.resolve(here, '..'),
  env: childEnv,
};

const gc = () => {
  globalThis.gc();
  globalThis.gc();
};
const heap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const names = () => Array.from({ length: SERVERS }, (_, i) => `s${String(i).padStart(2, '0')}`);

/** The group: time to the first aggregated list, the slowest single connect, the heap per server. */
async function groupConnect() {
  const base = heap();
  const readyAt = new Map();
  const t0 = performance.now();
  const servers = Object.fromEntries(
    names().map((name) => [
      name,
      { transport: () => createStdioTransport(canned), session: { mode: 'legacy' } },
    ]),
  );
  const group = createSessionGroup({ servers });
  group.on((event) => {
    if (event.type === 'status' && event.state.status === 'ready' && !readyAt.has(event.server)) {
      readyAt.set(event.server, performance.now() - t0);
    }
  });
  const states = await group.ready();
  const tools = group.tools();
  const ms = performance.now() - t0;
  if (states.some((s) => s.status !== 'ready')) throw new Error('a server of W8 is not ready');
  if (tools.length !== SERVERS) throw new Error(`W8 aggregate has ${tools.length} tools`);
  const perServer = (heap() - base) / SERVERS;
  return { group, ms, slowest: Math.max(...readyAt.values()), perServer };
}

/** SERVERS bare sessions, connected concurrently and listed: the same work without a group. */
async function bareConnect() {
  const base = heap();
  const t0 = performance.now();
  let slowestConnect = 0;
  const sessions = await Promise.all(
    names().map(async () => {
      const session = createClientSession({
        transport: createStdioTransport(canned),
        mode: 'legacy',
      });
      await session.connect();
      slowestConnect = Math.max(slowestConnect, performance.now() - t0);
      const tools = await session.listAllTools();
      if (tools.length !== 1) throw new Error('W8 bare session lists no tool');
      return session;
    }),
  );
  const ms = performance.now() - t0;
  const perServer = (heap() - base) / SERVERS;
  await Promise.all(sessions.map((s) => s.close()));
  return { ms, perServer, slowestConnect };
}

/** SERVERS official SDK v1 clients, connected concurrently and listed. */
async function sdkConnect() {
  const [{ Client }, { StdioClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  const base = heap();
  const t0 = performance.now();
  const clients = await Promise.all(
    names().map(async () => {
      const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
      await client.connect(new StdioClientTransport({ ...canned, stderr: 'ignore' }));
      const { tools } = await client.listTools();
      if (tools.length !== 1) throw new Error('W8 sdk client lists no tool');
      return client;
    }),
  );
  const ms = performance.now() - t0;
  const perServer = (heap() - base) / SERVERS;
  await Promise.all(clients.map((c) => c.close()));
  return { ms, perServer };
}

/** Interleaved blocks: a call through the group against the same call on the session directly. */
async function callCost(group) {
  const [first] = group.tools();
  const server = first.origin.server;
  const session = group.session(server);
  const viaGroup = (i) => group.callTool(first.name, { text: `g${i}` });
  const direct = (i) => session.callTool(first.origin.original, { text: `d${i}` });
  const check = (result, text) => {
    if (result.content?.[0]?.text !== text)
      throw new Error(`W8 call answered ${JSON.stringify(result)}`);
  };
  for (let i = 0; i < BLOCK; i++) {
    check(await viaGroup(i), `g${i}`);
    check(await direct(i), `d${i}`);
  }
  const block = async (call, prefix) => {
    const c0 = cpu();
    for (let i = 0; i < BLOCK; i++) check(await call(i), `${prefix}${i}`);
    return (cpu() - c0) / BLOCK;
  };
  const ratios = [];
  const groupCpu = [];
  const directCpu = [];
  for (let round = 0; round < ROUNDS; round++) {
    let g;
    let d;
    if (round % 2 === 0) {
      g = await block(viaGroup, 'g');
      d = await block(direct, 'd');
    } else {
      d = await block(direct, 'd');
      g = await block(viaGroup, 'g');
    }
    groupCpu.push(g);
    directCpu.push(d);
    ratios.push(g / d);
  }
  return { ratio: median(ratios), groupCpu: median(groupCpu), directCpu: median(directCpu) };
}

/** Runs W8 `reps` times; each repetition rotates which of the three connects runs first. */
export async function runW8({ reps }) {
  const rows = [];
  for (let rep = 0; rep < reps; rep++) {
    process.stderr.write(`W8 rep ${rep + 1}/${reps}\n`);
    const order = ['group', 'bare', 'sdk'];
    for (let i = 0; i < rep % 3; i++) order.push(order.shift());
    const row = {};
    for (const which of order) {
      if (which === 'group') {
        const { group, ms, slowest, perServer } = await groupConnect();
        Object.assign(row, { groupMs: ms, slowestMs: slowest, groupHeap: perServer });
        Object.assign(row, await callCost(group));
        await group.close();
      } else if (which === 'bare') {
        const { ms, perServer, slowestConnect } = await bareConnect();
        Object.assign(row, { bareMs: ms, bareHeap: perServer, slowestConnectMs: slowestConnect });
      } else {
        const { ms, perServer } = await sdkConnect();
        Object.assign(row, { sdkMs: ms, sdkHeap: perServer });
      }
    }
    rows.push(row);
  }
  return rows;
}

/** W8's table, as lines: medians over repetitions (min–max). */
export function reportW8(rows) {
  const out = [];
  const stat = (key, digits = 1) => {
    const xs = rows.map((r) => r[key]);
    const f = (x) => x.toFixed(digits);
    return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
  };
  for (const r of rows) {
    r.toSlowest = r.groupMs / r.slowestConnectMs;
    r.toBare = r.groupMs / r.bareMs;
  }
  out.push('');
  out.push(
    `W8: ${SERVERS} canned stdio servers at once; ${rows.length} repetitions; median (min–max) over repetitions`,
  );
  out.push('');
  out.push('| W8 figure | value | target |');
  out.push('|---|---:|---|');
  out.push(`| group: create → first aggregated tool list, ms | ${stat('groupMs')} | |`);
  out.push(
    `| the slowest server of the group ready (connected and listed), ms | ${stat('slowestMs')} | |`,
  );
  out.push(
    `| the slowest single connect (${SERVERS} bare sessions at once, \`connect()\` alone), ms | ${stat('slowestConnectMs')} | |`,
  );
  out.push(`| first aggregated list ÷ slowest single connect | ${stat('toSlowest', 3)} | ≤ 1.2× |`);
  out.push(
    `| ${SERVERS} bare sessions connected and listed concurrently, ms | ${stat('bareMs')} | |`,
  );
  out.push(`| group ÷ bare sessions | ${stat('toBare', 3)} | |`);
  out.push(
    `| ${SERVERS} sdk v1 clients connected and listed concurrently, ms | ${stat('sdkMs')} | |`,
  );
  out.push(
    `| call through the group ÷ on the session, client CPU | ${stat('ratio', 3)} | ≤ 1.05× |`,
  );
  out.push(`| client CPU per call: through the group, µs | ${stat('groupCpu')} | |`);
  out.push(`| client CPU per call: on the session, µs | ${stat('directCpu')} | |`);
  out.push(
    `| client heap per idle ready server: group, B | ${stat('groupHeap', 0)} | (reported) |`,
  );
  out.push(`| client heap per idle session: bare sessions, B | ${stat('bareHeap', 0)} | |`);
  out.push(`| client heap per idle client: sdk v1, B | ${stat('sdkHeap', 0)} | |`);
  return out;
}
