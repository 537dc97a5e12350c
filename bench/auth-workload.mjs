// W6a: the cost of authorization on the hot path. Sequential `tools/call` echo round trips over
// Streamable HTTP to one local server process (bench/auth-http-server.mjs: a minimal MCP server
// answering JSON, and a minimal authorization server, on 127.0.0.1), for each client in three
// variants: no authorization (the server's open endpoint), OAuth with a bearer token, OAuth with a
// DPoP-bound token and a fresh proof per request. The server side is the same process and the same
// handler for every variant; the only difference is what the client does per request.
//
// The token is obtained once per connection, before anything is timed: each OAuth client connects
// unauthorised, gets the 401 and its challenge, discovers (RFC 9728, RFC 8414), asks for a token
// with the client_credentials grant, and sends the request again. The bench checks with the
// server's counters that exactly one token was issued per connection, and that the timed calls
// carried exactly the expected authorization and met no 401.
//
// The variants run interleaved, so that drift (the server warming up, the machine's frequency)
// falls on all of them alike: in each repetition every connection is opened (order rotated) and
// warmed up, then ROUNDS rounds each time BLOCK sequential calls on every connection in turn (order
// rotated per round). Each block gives wall time and this process's CPU time (user + system: the
// client's share) per call; ratios and differences are taken between blocks of the same round, and
// a repetition's figure is the median over its rounds. Then `wrapFetch` alone (measureWrap).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening } from './server-process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

export const WARMUP = Number(process.env.BENCH_W6A_WARMUP ?? 300);
export const ROUNDS = Number(process.env.BENCH_W6A_ROUNDS ?? 20);
export const BLOCK = Number(process.env.BENCH_W6A_BLOCK ?? 100);
const WRAP_ROUNDS = 20;
const WRAP_BLOCK = 500;

const CLIENT_ID = 'bench'; // the authorization server's one client (bench/auth-http-server.mjs)
const CLIENT_SECRET = 'bench-secret';

// ------------------------------------------------------------------------------------------------
// The server process.

/** Starts bench/auth-http-server.mjs; resolves with its URLs once it listens. */
export function startAuthServer() {
  return startListening({
    args: [path.join(here, 'auth-http-server.mjs')],
    env: process.env,
    stream: 'stdout',
    pattern: /auth-bench listening as=(\d+) mcp=(\d+)/,
    resolved: (m) => {
      const as = `http://127.0.0.1:${m[1]}`;
      const mcp = `http://127.0.0.1:${m[2]}`;
      return {
        issuer: as,
        tokenEndpoint: `${as}/token`,
        open: `${mcp}/open/mcp`,
        protected: `${mcp}/mcp`,
        stats: async () => (await fetch(`${as}/stats`)).json(),
      };
    },
    what: 'the W6a server',
    stdin: 'pipe', // it ends when its stdin closes (this process gone)
  });
}

// ------------------------------------------------------------------------------------------------
// The floor: fetch POSTs as in the floor of W6 (bench/run.mjs), plus the least a client must add
// per request: one Authorization header (bearer); or that and a fresh DPoP proof, one ES256
// signature by WebCrypto with the JOSE header and the `ath` computed once (DPoP).

const b64u = (bytes) => Buffer.from(bytes).toString('base64url');

async function floorToken(server, dpop) {
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
    authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
  };
  if (dpop !== undefined) headers.dpop = await dpop.proof('POST', server.tokenEndpoint);
  const res = await fetch(server.tokenEndpoint, {
    method: 'POST',
    headers,
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      resource: server.protected,
    }).toString(),
  });
  if (!res.ok) throw new Error(`token request: HTTP ${res.status}: ${await res.text()}`);
  const body = await res.json();
  const expected = dpop === undefined ? 'bearer' : 'dpop';
  if (body.token_type.toLowerCase() !== expected)
    throw new Error(`token_type ${body.token_type}, not ${expected}`);
  return body.access_token;
}

export async function floorDpopKey() {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign', 'verify'],
  );
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', publicKey);
  const header = b64u(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: { crv, kty, x, y } }));
  const params = { name: 'ECDSA', hash: 'SHA-256' };
  let ath;
  return {
    bind: async (token) => {
      ath = b64u(await crypto.subtle.digest('SHA-256', Buffer.from(token)));
    },
    async proof(htm, htu) {
      const payload = { iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID(), htm, htu };
      if (ath !== undefined) payload.ath = ath;
      const input = `${header}.${b64u(JSON.stringify(payload))}`;
      const signature = await crypto.subtle.sign(params, privateKey, Buffer.from(input));
      return `${input}.${b64u(signature)}`;
    },
  };
}

async function floorHttp(server, auth) {
  const url = auth === 'none' ? server.open : server.protected;
  let authorize;
  if (auth === 'bearer') {
    const value = `Bearer ${await floorToken(server, undefined)}`;
    authorize = (headers) => {
      headers.authorization = value;
    };
  } else if (auth === 'dpop') {
    const key = await floorDpopKey();
    const token = await floorToken(server, key);
    await key.bind(token);
    const value = `DPoP ${token}`;
    authorize = async (headers, method) => {
      headers.authorization = value;
      headers.dpop = await key.proof(method, url);
    };
  }
  let sessionId;
  let protocolVersion;
  const post = async (message) => {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    };
    if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
    if (protocolVersion !== undefined) headers['mcp-protocol-version'] = protocolVersion;
    if (authorize !== undefined) await authorize(headers, 'POST');
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(message) });
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
    sessionId ??= res.headers.get('mcp-session-id') ?? undefined;
    const text = await res.text();
    if (message.id === undefined) return undefined; // 202 for a notification
    if (!(res.headers.get('content-type') ?? '').startsWith('text/event-stream'))
      return JSON.parse(text);
    for (const line of text.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '') continue;
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
  protocolVersion = (
    await request('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'floor', version: '1' },
    })
  ).protocolVersion;
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return {
    call: async (args) =>
      (await request('tools/call', { name: 'echo', arguments: args })).content[0].text,
    async close() {
      const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion };
      if (authorize !== undefined) await authorize(headers, 'DELETE');
      const res = await fetch(url, { method: 'DELETE', headers });
      await res.arrayBuffer();
    },
  };
}

// ------------------------------------------------------------------------------------------------
// The libraries.

async function loadContenders() {
  const { createClientSession, createOAuthClient, createStreamableHttpTransport } =
    await import('../dist/bundle/src/index.js');
  const { Client: ClientV1 } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport: HttpV1 } =
    await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const { ClientCredentialsProvider: CredentialsV1 } =
    await import('@modelcontextprotocol/sdk/client/auth-extensions.js');
  const {
    Client: ClientV2,
    StreamableHTTPClientTransport: HttpV2,
    ClientCredentialsProvider: CredentialsV2,
    DpopSession,
  } = await import('@modelcontextprotocol/client');

  /** mcp-actors: default transport and session options; the OAuth client as its `auth`. */
  const actors = async (server, auth) => {
    const oauth =
      auth === 'none'
        ? undefined
        : createOAuthClient({
            grant: { type: 'client_credentials' },
            client: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, issuer: server.issuer },
            // bearer: the default ('auto', which binds only when the server asks for DPoP).
            ...(auth === 'dpop' ? { dpop: true } : {}),
          });
    const transport = createStreamableHttpTransport({
      url: auth === 'none' ? server.open : server.protected,
      ...(oauth === undefined ? {} : { auth: oauth }),
    });
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    if (oauth !== undefined && !oauth.authorized) throw new Error('connected without a token');
    return {
      call: async (args) => (await session.callTool('echo', args)).content[0].text,
      async close() {
        await session.close();
        oauth?.stop();
      },
    };
  };

  const sdk = (Client, Http, Credentials) => async (server, auth) => {
    let authProvider;
    if (auth !== 'none') {
      authProvider = new Credentials({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        expectedIssuer: server.issuer,
      });
      if (auth === 'dpop') {
        // client v2: a provider with dpop() gets DPoP-bound tokens and a proof per request.
        const session = DpopSession.create();
        authProvider.dpop = () => session;
      }
    }
    const transport = new Http(
      new URL(auth === 'none' ? server.open : server.protected),
      authProvider === undefined ? undefined : { authProvider },
    );
    const client = new Client({ name: 'bench', version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport);
    return {
      call: async (args) =>
        (await client.callTool({ name: 'echo', arguments: args })).content[0].text,
      close: () => client.close(),
    };
  };

  return {
    floor: floorHttp,
    'mcp-actors': actors,
    'sdk v1 1.32.2': sdk(ClientV1, HttpV1, CredentialsV1),
    'client v2 2.4.0': sdk(ClientV2, HttpV2, CredentialsV2),
  };
}

/** The variants: every client without and with a bearer token; DPoP where the client has it. */
export const VARIANTS = [
  ['floor', 'none'],
  ['floor', 'bearer'],
  ['floor', 'dpop'],
  ['mcp-actors', 'none'],
  ['mcp-actors', 'bearer'],
  ['mcp-actors', 'dpop'],
  ['sdk v1 1.32.2', 'none'],
  ['sdk v1 1.32.2', 'bearer'], // sdk v1 1.32.2 has no DPoP
  ['client v2 2.4.0', 'none'],
  ['client v2 2.4.0', 'bearer'],
  ['client v2 2.4.0', 'dpop'],
].map(([name, auth]) => ({ key: `${name} · ${auth}`, name, auth }));

// ------------------------------------------------------------------------------------------------

function rotate(arr, k) {
  const n = arr.length;
  return arr.map((_, i) => arr[(i + k) % n]);
}

function check(actual, expected) {
  if (actual !== expected)
    throw new Error(`wrong result: ${JSON.stringify(actual)?.slice(0, 80)} ≠ expected`);
}

const count = (open, auth) => open.filter((o) => o.v.auth === auth).length;

function delta(after, before) {
  return {
    tokensBearer: after.tokens.bearer - before.tokens.bearer,
    tokensDpop: after.tokens.dpop - before.tokens.dpop,
    tokenRefused: after.tokenRefused - before.tokenRefused,
    unauthorized: after.unauthorized - before.unauthorized,
    bearer: after.authorized.bearer - before.authorized.bearer,
    dpop: after.authorized.dpop - before.authorized.dpop,
    open: after.open - before.open,
  };
}

function expectDelta(what, got, want) {
  for (const [k, v] of Object.entries(want)) {
    if (got[k] !== v)
      throw new Error(
        `${what}: server counted ${k} ${got[k]}, expected ${v} (${JSON.stringify(got)})`,
      );
  }
}

/**
 * Runs W6a `reps` times. Resolves with `blocks[rep][variant key]`: per round, the block's wall µs
 * and client CPU µs per call (absent where the variant failed to connect), and the failures.
 */
export async function runW6a({ reps, log = (s) => process.stderr.write(`${s}\n`) }) {
  const server = await startAuthServer();
  const blocks = [];
  const failures = {};
  let wrap;
  const fail = (v, e) => {
    (failures[v.key] ??= []).push(e?.message ?? String(e));
    log(`W6a ${v.key} failed: ${e?.stack ?? e}`);
  };
  try {
    const contenders = await loadContenders();
    for (let rep = 0; rep < reps; rep++) {
      globalThis.gc?.();
      const s0 = await server.stats();
      const open = [];
      for (const v of rotate(VARIANTS, rep)) {
        try {
          open.push({ v, c: await contenders[v.name](server, v.auth) });
        } catch (e) {
          fail(v, e);
        }
      }
      for (const o of open) {
        for (let i = 0; i < WARMUP; i++) check(await o.c.call({ message: `w${i}` }), `Echo: w${i}`);
      }
      const s1 = await server.stats();
      // One token per OAuth connection, none refused, none asked for twice.
      expectDelta('W6a connect and warm-up', delta(s1, s0), {
        tokensBearer: count(open, 'bearer'),
        tokensDpop: count(open, 'dpop'),
        tokenRefused: 0,
      });
      const byKey = Object.fromEntries(open.map((o) => [o.v.key, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const o of rotate(open, (round + rep) % open.length)) {
          const c = o.c;
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          for (let i = 0; i < BLOCK; i++) check(await c.call({ message: `m${i}` }), `Echo: m${i}`);
          const ms = performance.now() - t0;
          const used = process.cpuUsage(cpu0);
          byKey[o.v.key][round] = {
            wall: (ms * 1000) / BLOCK,
            cpu: (used.user + used.system) / BLOCK,
          };
        }
      }
      const s2 = await server.stats();
      // The timed calls: exactly one request each, with the expected authorization, no 401.
      const calls = ROUNDS * BLOCK;
      expectDelta('W6a timed calls', delta(s2, s1), {
        tokensBearer: 0,
        tokensDpop: 0,
        tokenRefused: 0,
        unauthorized: 0,
        bearer: count(open, 'bearer') * calls,
        dpop: count(open, 'dpop') * calls,
        open: count(open, 'none') * calls,
      });
      blocks.push(byKey);
      for (const o of open) {
        try {
          await o.c.close();
        } catch (e) {
          fail(o.v, e);
        }
      }
      log(`W6a rep ${rep + 1}/${reps}`);
    }
    wrap = await measureWrap(server);
  } finally {
    await server.stop();
  }
  return { blocks, failures, wrap };
}

/**
 * The OAuth client's own share per request, without the network: `wrapFetch` of an authorized
 * OAuthClient (bearer; DPoP) around a stub `fetch` that answers 200 at once, against the stub
 * alone, for the request the transport makes per call (POST, a Headers object, a JSON body, a
 * signal). Interleaved rounds; per round, µs per request (wall, and CPU: DPoP signs on the thread
 * pool).
 */
async function measureWrap(server) {
  const { createOAuthClient } = await import('../dist/bundle/src/index.js');
  const stub = async () => new Response(null, { status: 200 });
  const url = new URL(server.protected);
  const paths = { none: stub };
  const clients = [];
  for (const auth of ['bearer', 'dpop']) {
    const oauth = createOAuthClient({
      grant: { type: 'client_credentials' },
      client: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, issuer: server.issuer },
      ...(auth === 'dpop' ? { dpop: true } : {}),
    });
    await oauth.login(server.protected);
    paths[auth] = oauth.wrapFetch(url, stub);
    clients.push(oauth);
  }
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'echo', arguments: { message: 'm1' } },
  });
  const send = async (f, n) => {
    for (let i = 0; i < n; i++) {
      const res = await f(url, {
        method: 'POST',
        headers: new Headers({
          accept: 'application/json, text/event-stream',
          'content-type': 'application/json',
          'mcp-session-id': '0b8e6c0e-5a57-4b1e-9d1c-3c2f4a1e7d21',
          'mcp-protocol-version': '2025-11-25',
        }),
        body,
        signal: new AbortController().signal,
      });
      if (res.status !== 200) throw new Error(`wrapFetch answered ${res.status}`);
    }
  };
  const n = WRAP_BLOCK;
  for (const f of Object.values(paths)) await send(f, n);
  const out = Object.fromEntries(Object.keys(paths).map((k) => [k, []]));
  const keys = Object.keys(paths);
  for (let round = 0; round < WRAP_ROUNDS; round++) {
    for (const k of rotate(keys, round)) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await send(paths[k], n);
      const ms = performance.now() - t0;
      const used = process.cpuUsage(cpu0);
      out[k].push({ wall: (ms * 1000) / n, cpu: (used.user + used.system) / n });
    }
  }
  for (const c of clients) c.stop();
  return out;
}

// ------------------------------------------------------------------------------------------------
// The report.

const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const span = (xs, d) => {
  const ok = xs.filter((x) => !Number.isNaN(x));
  if (ok.length === 0) return 'n/a';
  return `${median(ok).toFixed(d)} (${Math.min(...ok).toFixed(d)}–${Math.max(...ok).toFixed(d)})`;
};

/**
 * One figure per repetition: the median over its rounds of `f(round)` (a block's figure, or a
 * ratio or difference of two blocks of the same round), NaN where a variant is missing.
 */
const perRep = (blocks, keys, f) =>
  blocks.map((byKey) => {
    const series = keys.map((k) => byKey[k]);
    if (series.some((x) => x === undefined)) return NaN;
    return median(series[0].map((_, r) => f(...series.map((x) => x[r]))));
  });

/** The W6a table, as markdown lines. */
export function reportW6a({ blocks, failures, wrap }) {
  const lines = [];
  lines.push('');
  lines.push(
    `W6a: Streamable HTTP, authorization on the hot path; ${blocks.length} repetitions, each ${ROUNDS} rounds of ${BLOCK} timed calls per variant (interleaved), after ${WARMUP} warm-up calls`,
  );
  lines.push('');
  lines.push(
    '| W6a variant | wall µs/call | client CPU µs/call | wall vs same client, no auth | CPU vs same client, no auth | added wall µs/call | added CPU µs/call | wall vs floor, same auth | CPU vs floor, same auth |',
  );
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const v of VARIANTS) {
    const none = `${v.name} · none`;
    const floor = `floor · ${v.auth}`;
    const cell = (keys, f, d) => span(perRep(blocks, keys, f), d);
    const fails = failures[v.key];
    lines.push(
      `| ${v.key}${fails === undefined ? '' : ` (failed ${fails.length}: ${fails[0].replace(/\s+/g, ' ').slice(0, 100)})`} | ` +
        `${cell([v.key], (x) => x.wall, 1)} | ${cell([v.key], (x) => x.cpu, 1)} | ` +
        (v.auth === 'none'
          ? '— | — | — | — | '
          : `${cell([v.key, none], (x, y) => x.wall / y.wall, 3)} | ${cell([v.key, none], (x, y) => x.cpu / y.cpu, 3)} | ` +
            `${cell([v.key, none], (x, y) => x.wall - y.wall, 1)} | ${cell([v.key, none], (x, y) => x.cpu - y.cpu, 1)} | `) +
        (v.name === 'floor'
          ? '— | — |'
          : `${cell([v.key, floor], (x, y) => x.wall / y.wall, 3)} | ${cell([v.key, floor], (x, y) => x.cpu / y.cpu, 3)} |`),
    );
  }
  lines.push('');
  lines.push(
    'Each cell: median over repetitions (min–max) of a per-repetition figure, itself the median over the rounds of that repetition (ratios and differences between blocks of the same round).',
  );
  if (wrap !== undefined) {
    const rounds = wrap.none.length;
    const fig = (k, m) =>
      span(
        wrap[k].map((x) => x[m]),
        2,
      );
    const added = (k, m) =>
      span(
        wrap[k].map((x, r) => x[m] - wrap.none[r][m]),
        2,
      );
    lines.push('');
    lines.push(
      `W6a wrapFetch alone: mcp-actors' OAuthClient.wrapFetch around a stub fetch answering 200 at once, ${rounds} rounds of ${WRAP_BLOCK} requests per path (interleaved); median (min–max) over rounds`,
    );
    lines.push('');
    lines.push('| path | wall µs/request | CPU µs/request | added wall µs | added CPU µs |');
    lines.push('|---|---:|---:|---:|---:|');
    lines.push(`| stub fetch alone | ${fig('none', 'wall')} | ${fig('none', 'cpu')} | — | — |`);
    for (const k of ['bearer', 'dpop']) {
      lines.push(
        `| wrapFetch, ${k} | ${fig(k, 'wall')} | ${fig(k, 'cpu')} | ${added(k, 'wall')} | ${added(k, 'cpu')} |`,
      );
    }
  }
  return lines;
}
