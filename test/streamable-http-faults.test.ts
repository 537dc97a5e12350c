import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  createClientSession,
  type Clock,
  JsonRpcError,
  type SessionMessage,
} from '../src/index.js';
import {
  createStreamableHttpTransport,
  SessionExpiredError,
  type StreamableHttpOptions,
} from '../src/transports/streamable-http.js';
import {
  closeServers,
  event,
  type Handler,
  initialize,
  json,
  legacySession,
  recordingDelay,
  type Seen,
  serve as serveScripted,
  sse,
  toolResult,
} from './support/scripted-http.js';

/**
 * Streamable HTTP faults against a real HTTP server on 127.0.0.1 that the tests script: broken
 * response streams (resumed with Last-Event-ID, or failing the request at once), the standalone
 * GET stream, an expired session, unreadable answers. Waits between reconnections go through an
 * injected `delay` that records what it was asked and returns at once.
 */

// The scripted server and its helpers (test/support/scripted-http.ts); `server` is the one the
// current test started, for the tests that close it or listen to it themselves.
let server: Server | undefined;
afterEach(async () => {
  server = undefined;
  await closeServers();
});

async function serve(handler: Handler): Promise<{ url: string; seen: Seen[] }> {
  const scripted = await serveScripted(handler);
  server = scripted.server;
  return scripted;
}

const discoverResult = (id: unknown) => ({
  jsonrpc: '2.0',
  id,
  result: {
    resultType: 'complete',
    supportedVersions: ['2026-07-28'],
    capabilities: { tools: {} },
    ttlMs: 0,
    cacheScope: 'public',
  },
});

describe('Streamable HTTP: broken response streams', () => {
  it('resumes a stream the server closed after priming, with GET + Last-Event-ID after its retry', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (rpc?.method === 'tools/call') {
        // SEP-1699: prime with an id and a retry, then close the connection.
        sse(res).end('id: call-0\nretry: 250\ndata: \n\n');
        return;
      }
      if (req.method === 'GET') {
        expect(req.headers['last-event-id']).toBe('call-0');
        const call = seen.find((s) => s.rpc === 'tools/call');
        sse(res).end(event(toolResult(call?.id, 'resumed'), 'call-1'));
        return;
      }
      res.writeHead(500).end();
    });
    const { waits, delay } = recordingDelay();
    const messages: SessionMessage[] = [];
    const { session } = await legacySession(url, { delay }, messages);
    await expect(session.callTool('slow')).resolves.toMatchObject({
      content: [{ text: 'resumed' }],
    });
    expect(waits).toEqual([250]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    expect(messages).toContainEqual({
      type: 'transport',
      event: expect.objectContaining({ type: 'stream-resumed', lastEventId: 'call-0' }) as unknown,
    });
    await session.close();
  });

  it('keeps resuming while streams open, and backs off on failures until maxRetries in a row, then fails the request', async () => {
    let gets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (rpc?.method === 'tools/call') {
        sse(res).end('id: a-1\nretry: 100\ndata: \n\n');
        return;
      }
      if (req.method === 'GET') {
        gets++;
        // Two polls that open and close with one new event each, then only failures.
        if (gets <= 2) sse(res).end(`id: a-${gets + 1}\ndata: \n\n`);
        else res.writeHead(503).end('busy');
        return;
      }
      res.writeHead(500).end();
    });
    const { waits, delay } = recordingDelay();
    const { session } = await legacySession(url, {
      delay,
      reconnect: { maxRetries: 3, factor: 2, maxDelay: 350 },
    });
    await expect(session.callTool('slow')).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/ended before its response: 3 attempts to resume it failed/),
    });
    // 100 after the priming close and after each poll; after failures 200, then 400 capped to 350.
    expect(waits).toEqual([100, 100, 100, 200, 350]);
    const lastIds = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(lastIds).toEqual(['a-1', 'a-2', 'a-3', 'a-3', 'a-3']);
    await session.close();
  });

  it('fails the request at once when a stream without event ids ends before its response', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      const progress = {
        jsonrpc: '2.0',
        method: 'notifications/message',
        params: { level: 'info', data: 'working' },
      };
      sse(res).end(event(progress));
    });
    const { session } = await legacySession(url);
    await expect(session.callTool('slow')).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/ended before its response/),
    });
    expect(seen.some((s) => s.method === 'GET')).toBe(false);
    await session.close();
  });

  it('fails the request at once when the connection is reset mid-stream', async () => {
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      sse(res).write(': working\n\n', () => res.socket?.destroy());
    });
    const { session } = await legacySession(url);
    await expect(session.callTool('slow')).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await session.close();
  });

  it('on 2026, never resumes: a broken stream fails its request at once', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'server/discover') return json(res, discoverResult(rpc.id));
      sse(res).end('id: x-1\nretry: 10\ndata: \n\n');
    });
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'modern',
    });
    await session.connect();
    await expect(session.callTool('slow')).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/ended before its response/),
    });
    expect(seen.some((s) => s.method === 'GET')).toBe(false);
    await session.close();
  });
});

/**
 * Time that moves only when the transport waits (its `delay`): the session's request deadlines
 * are measured on it, and its timers never fire by themselves.
 */
function steppingTime(): {
  clock: Clock;
  waits: number[];
  delay: NonNullable<StreamableHttpOptions['delay']>;
} {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    clock: { now: () => now, setTimeout: () => 0, clearTimeout: () => {} },
    delay: (ms, signal) => {
      waits.push(ms);
      now += ms;
      return signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve();
    },
  };
}

/** The codes in an error's cause chain. */
function codesIn(error: unknown): unknown[] {
  const codes: unknown[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 10; depth++) {
    codes.push((e as { code?: unknown }).code);
    e = e.cause;
  }
  return codes;
}

describe('Streamable HTTP: the server gone mid-call', () => {
  it('resumes only within the request’s timeout, then fails it naming the cause (ECONNREFUSED)', async () => {
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      // The server primes the stream and goes away: nothing listens when the client comes back.
      server?.close();
      res
        .writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' })
        .end('id: c-0\ndata: \n\n');
    });
    const { clock, delay, waits } = steppingTime();
    const transport = createStreamableHttpTransport({ url, standaloneStream: false, delay });
    const session = createClientSession({
      transport,
      mode: 'legacy',
      clock,
      requestTimeout: 5_000,
    });
    await session.connect();
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /ended before its response: resuming it failed with fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+, and the next attempt \(in 3375 ms\) would come after the request's timeout \(250 ms away\)/,
      ) as unknown,
    });
    expect(codesIn(error)).toContain('ECONNREFUSED');
    // 1 000 + 1 500 + 2 250 = 4 750 ms of waiting: within the 5 000 ms timeout.
    expect(waits).toEqual([1_000, 1_500, 2_250]);
    await session.close();
  });

  it('names the last HTTP status when maxRetries attempts in a row fail', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(503).end('restarting');
      sse(res).end('id: d-0\nretry: 10\ndata: \n\n');
    });
    const { delay } = recordingDelay();
    const { session } = await legacySession(url, { delay, reconnect: { maxRetries: 2 } });
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /2 attempts to resume it failed, the last with HTTP 503 Service Unavailable for GET request \d+ \(tools\/call\): restarting\.$/,
      ) as unknown,
      cause: { status: 503, body: 'restarting' },
    });
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(2);
    await session.close();
  });

  it('names the cause when the POST itself is refused', async () => {
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const { session } = await legacySession(url);
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const error: unknown = await session.listTools().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'SEND_FAILED',
      message: expect.stringMatching(
        /POST for tools\/list failed: fetch failed: connect ECONNREFUSED/,
      ) as unknown,
    });
    expect(codesIn(error)).toContain('ECONNREFUSED');
    await session.close();
  });
});

describe('Streamable HTTP: a connection reset before any answer', () => {
  it('sends the POST again once, on a new connection, and says so', async () => {
    let resets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      // The first tools/call meets a connection closed under it (as a kept-alive socket the
      // server timed out would be); the second is answered.
      if (resets === 0) {
        resets++;
        req.socket.destroy();
        return;
      }
      json(res, toolResult(rpc?.id, 'second time'));
    });
    const messages: SessionMessage[] = [];
    const { session } = await legacySession(url, {}, messages);
    await expect(session.callTool('once')).resolves.toMatchObject({
      content: [{ text: 'second time' }],
    });
    const calls = seen.filter((s) => s.rpc === 'tools/call');
    expect(calls).toHaveLength(2);
    expect(calls[0]?.id).toBe(calls[1]?.id); // the same request, not a new one
    expect(messages).toContainEqual(
      expect.objectContaining({
        type: 'transport',
        event: expect.objectContaining({ type: 'post-resent' }),
      }),
    );
    await session.close();
  });

  it('fails the request when the resent POST is reset too', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      req.socket.destroy();
    });
    const { session } = await legacySession(url);
    await expect(session.callTool('never')).rejects.toMatchObject({
      code: 'SEND_FAILED',
      cause: { code: 'TRANSPORT_ERROR' },
    });
    expect(seen.filter((s) => s.rpc === 'tools/call')).toHaveLength(2);
    await session.close();
  });
});

describe('Streamable HTTP: unreadable answers', () => {
  const cases: [string, (res: ServerResponse) => void, Record<string, unknown>][] = [
    [
      'a wrong content type',
      (res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'),
      { code: 'TRANSPORT_ERROR', status: 200, contentType: 'text/html' },
    ],
    [
      'a JSON body that is not JSON',
      (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"jsonrpc":'),
      { code: 'INVALID_JSON' },
    ],
    [
      'a JSON body without the response',
      (res) => json(res, { jsonrpc: '2.0', method: 'notifications/message', params: {} }),
      { code: 'TRANSPORT_ERROR', message: expect.stringMatching(/held no response/) as unknown },
    ],
    ['202 for a request', (res) => res.writeHead(202).end(), { code: 'TRANSPORT_ERROR' }],
  ];
  for (const [what, answer, expected] of cases) {
    it(`fails the request at once on ${what}`, async () => {
      const { url } = await serve((_req, rpc, res) => {
        if (rpc?.method === 'initialize') return initialize(rpc, res);
        answer(res);
      });
      const { session } = await legacySession(url);
      await expect(session.listTools()).rejects.toMatchObject(expected);
      await session.close();
    });
  }

  it('gives an id-less JSON-RPC error body to the request the POST carried', async () => {
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'Nope' } }),
        );
    });
    const { session } = await legacySession(url);
    const error = await session.listTools().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ code: -32600 });
    await session.close();
  });
});

describe('Streamable HTTP: session expiry', () => {
  it('on 404, initialises a new session once, replays the request, and says so', async () => {
    let sessions = 0;
    let expired = false;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        sessions++;
        return initialize(rpc, res, `session-${sessions}`);
      }
      if (req.headers['mcp-session-id'] === 'session-1' && expired) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: null,
            error: { code: -32001, message: 'Session not found' },
          }),
        );
        return;
      }
      json(res, toolResult(rpc?.id, String(req.headers['mcp-session-id'])));
    });
    const messages: SessionMessage[] = [];
    const { session, transport } = await legacySession(url, {}, messages);
    await expect(session.callTool('where')).resolves.toMatchObject({
      content: [{ text: 'session-1' }],
    });
    expired = true;
    const [a, b] = await Promise.all([session.callTool('where'), session.callTool('where')]);
    expect([a, b]).toMatchObject([
      { content: [{ text: 'session-2' }] },
      { content: [{ text: 'session-2' }] },
    ]);
    expect(transport.sessionId).toBe('session-2');
    expect(sessions).toBe(2); // both requests waited for one renewal
    const renewal = seen.filter((s) => s.rpc === 'initialize')[1];
    expect(renewal?.headers['mcp-session-id']).toBeUndefined();
    expect(renewal?.id).toMatch(/^mcp-actors-renewal-/);
    const afterRenewal = seen.slice(seen.indexOf(renewal as Seen) + 1);
    expect(afterRenewal[0]).toMatchObject({
      rpc: 'notifications/initialized',
      headers: { 'mcp-session-id': 'session-2' },
    });
    expect(messages).toContainEqual({
      type: 'transport',
      event: expect.objectContaining({
        type: 'session-renewed',
        previousSessionId: 'session-1',
        sessionId: 'session-2',
      }) as unknown,
    });
    await session.close();
  });

  it('closes the connection when a renewed session meets a 404 before any answer in it: every call rejects with the cause', async () => {
    let sessions = 0;
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        sessions++;
        return initialize(rpc, res, `session-${sessions}`);
      }
      res.writeHead(404).end('gone');
    });
    const { session, transport } = await legacySession(url);
    const [a, b] = await Promise.all([
      session.listTools().catch((e: unknown) => e),
      session.callTool('x').catch((e: unknown) => e),
    ]);
    for (const error of [a, b]) {
      expect(error).toBeInstanceOf(ConnectionClosedError);
      const cause = (error as Error).cause;
      expect(cause).toBeInstanceOf(SessionExpiredError);
      expect(cause).toMatchObject({
        code: 'TRANSPORT_ERROR',
        reason: 'refused-again',
        sessionId: 'session-2',
        cause: { status: 404, body: 'gone' },
      });
    }
    expect(sessions).toBe(2); // one renewal, not one per 404
    expect(session.state).toBe('closed');
    expect(session.error).toBeInstanceOf(SessionExpiredError);
    expect(transport.sessionId).toBeUndefined();
    await expect(session.listTools()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    // Nothing went without a session id but the initialize requests, and no DELETE was sent for
    // a session the server no longer knows.
    const without = seen.filter((s) => s.rpc !== 'initialize' && !s.headers['mcp-session-id']);
    expect(without).toEqual([]);
    expect(seen.some((s) => s.method === 'DELETE')).toBe(false);
    await session.close();
  });

  it('renews again after a renewed session was answered, and close() ends the current session', async () => {
    let sessions = 0;
    const live = new Set<string>();
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        sessions++;
        live.add(`session-${sessions}`);
        return initialize(rpc, res, `session-${sessions}`);
      }
      const sid = String(req.headers['mcp-session-id']);
      if (!live.has(sid)) return void res.writeHead(404).end();
      json(res, toolResult(rpc?.id, sid));
    });
    const { session, transport } = await legacySession(url);
    for (const expected of ['session-1', 'session-2', 'session-3']) {
      await expect(session.callTool('where')).resolves.toMatchObject({
        content: [{ text: expected }],
      });
      live.clear(); // the server forgets every session
    }
    expect(session.state).toBe('ready');
    expect(transport.sessionId).toBe('session-3');
    await expect(session.callTool('where')).resolves.toMatchObject({
      content: [{ text: 'session-4' }],
    });
    expect(transport.sessionId).toBe('session-4');
    await session.close();
    const deletes = seen.filter((s) => s.method === 'DELETE');
    expect(deletes.map((d) => d.headers['mcp-session-id'])).toEqual(['session-4']);
  });

  it('takes a 404 as the end of the session whatever its body says (a JSON-RPC error with an id)', async () => {
    let sessions = 0;
    let expired = false;
    const { url } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        sessions++;
        return initialize(rpc, res, `session-${sessions}`);
      }
      if (expired && req.headers['mcp-session-id'] === 'session-1') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 'server-error',
            error: { code: -32600, message: 'Session not found' },
          }),
        );
        return;
      }
      json(res, toolResult(rpc?.id, String(req.headers['mcp-session-id'])));
    });
    const { session } = await legacySession(url);
    expired = true;
    await expect(session.callTool('where')).resolves.toMatchObject({
      content: [{ text: 'session-2' }],
    });
    await session.close();
  });

  it('closes the connection when initialising the new session fails, and ends the session it made', async () => {
    let sessions = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        sessions++;
        return initialize(rpc, res, `session-${sessions}`);
      }
      if (req.headers['mcp-session-id'] === 'session-1') return void res.writeHead(404).end();
      json(res, toolResult(rpc?.id, 'never'));
    });
    // notifications/initialized of the renewal is refused.
    server?.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.headers['mcp-session-id'] === 'session-2' && req.method === 'POST') {
        res.writeHead(500).end('cannot start');
      }
    });
    const { session } = await legacySession(url);
    const error: unknown = await session.callTool('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toMatchObject({
      reason: 'renewal-failed',
      sessionId: 'session-1',
      message: expect.stringMatching(/HTTP 500 Internal Server Error .*cannot start/) as unknown,
    });
    expect(session.state).toBe('closed');
    // The session the renewal made is ended.
    await expect
      .poll(() => seen.filter((s) => s.method === 'DELETE').map((s) => s.headers['mcp-session-id']))
      .toEqual(['session-2']);
  });

  it('with renewSession: false, a 404 closes the connection with the cause', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      res.writeHead(404).end('expired');
    });
    const { session } = await legacySession(url, { renewSession: false });
    const error: unknown = await session.listTools().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toMatchObject({
      reason: 'renewal-off',
      sessionId: 'session-1',
      cause: { status: 404, body: 'expired' },
    });
    expect(session.state).toBe('closed');
    expect(seen.filter((s) => s.rpc === 'initialize')).toHaveLength(1);
  });

  it('on 2026, takes no session id and never renews: a 404 with -32601 is the answer', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      const headers = { 'content-type': 'application/json', 'mcp-session-id': 'not-for-2026' };
      if (rpc?.method === 'server/discover') {
        return void res.writeHead(200, headers).end(JSON.stringify(discoverResult(rpc.id)));
      }
      res
        .writeHead(404, headers)
        .end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32601, message: 'No such method' } }),
        );
    });
    const transport = createStreamableHttpTransport({ url });
    const session = createClientSession({ transport, mode: 'modern' });
    await session.connect();
    await expect(session.listTools()).rejects.toMatchObject({ code: -32601 });
    expect(transport.sessionId).toBeUndefined();
    expect(seen.some((s) => s.headers['mcp-session-id'] !== undefined)).toBe(false);
    expect(session.state).toBe('ready');
    await session.close();
    expect(seen.some((s) => s.method === 'DELETE')).toBe(false);
  });
});

describe('Streamable HTTP: the standalone GET stream', () => {
  it('delivers server notifications and requests, and reopens with Last-Event-ID when it ends', async () => {
    let gets = 0;
    let answered: (body: unknown) => void = () => {};
    const pingAnswer = new Promise<unknown>((resolve) => (answered = resolve));
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        gets++;
        if (gets === 1) {
          sse(res).end(
            event({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' }, 'standalone-1') +
              'retry: 40\n\n',
          );
        } else {
          sse(res).write(event({ jsonrpc: '2.0', id: 'srv-1', method: 'ping' }, 'standalone-2'));
        }
        return;
      }
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    server?.prependListener('request', (req: IncomingMessage) => {
      if (req.method !== 'POST') return;
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const m = JSON.parse(body) as { id?: unknown; result?: unknown };
        if (m.id === 'srv-1') answered(m);
      });
    });
    const { waits, delay } = recordingDelay();
    const changed: string[] = [];
    const transport = createStreamableHttpTransport({ url, delay });
    const session = createClientSession({
      transport,
      mode: 'legacy',
      protocolVersion: '2025-11-25',
    });
    session.onListChanged('tools', () => changed.push('tools'));
    await session.connect();
    await expect(pingAnswer).resolves.toMatchObject({ id: 'srv-1', result: {} });
    expect(changed).toEqual(['tools']);
    expect(waits).toEqual([40]);
    const getIds = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(getIds).toEqual([undefined, 'standalone-1']);
    await session.close();
  });

  it('is given up quietly when the server offers none (405)', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(405).end();
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const { waits, delay } = recordingDelay();
    const transport = createStreamableHttpTransport({ url, delay });
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    await session.listTools();
    await session.listTools();
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    expect(waits).toEqual([]);
    await session.close();
  });
});

describe('Streamable HTTP on 2026: Mcp-Param headers', () => {
  it('mirrors annotated arguments of a listed tool into Mcp-Param-* headers', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'server/discover') return json(res, discoverResult(rpc.id));
      if (rpc?.method === 'tools/list') {
        return json(res, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            resultType: 'complete',
            ttlMs: 0,
            cacheScope: 'public',
            tools: [
              {
                name: 'deploy',
                inputSchema: {
                  type: 'object',
                  properties: {
                    region: { type: 'string', 'x-mcp-header': 'Region' },
                    replicas: { type: 'integer', 'x-mcp-header': 'Replicas' },
                    note: { type: 'string' },
                  },
                },
              },
            ],
          },
        });
      }
      json(res, { ...toolResult(rpc?.id, 'ok'), result: { resultType: 'complete', content: [] } });
    });
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'modern',
    });
    await session.connect();
    await session.listTools();
    await session.callTool('deploy', { region: 'eu-west 1 ', replicas: 3, note: 'x' });
    const call = seen.find((s) => s.rpc === 'tools/call');
    expect(call?.headers).toMatchObject({
      'mcp-name': 'deploy',
      'mcp-param-region': `=?base64?${Buffer.from('eu-west 1 ').toString('base64')}?=`,
      'mcp-param-replicas': '3',
    });
    expect(Object.keys(call?.headers ?? {}).filter((h) => h.startsWith('mcp-param-'))).toHaveLength(
      2,
    );
    await session.close();
  });
});

/**
 * Writes an SSE event that never ends: `head`, then `chunk` again and again while the client
 * reads, up to `limit` bytes (a bound for the test's own sake), never the blank line. Resolves
 * `closed` when the client has closed the connection.
 */
function endlessEvent(
  res: ServerResponse,
  head: string,
  limit = 8 * 1024 * 1024,
): { closed: Promise<number> } {
  const chunk = 'x'.repeat(16 * 1024);
  let written = 0;
  let resolveClosed: (bytes: number) => void = () => {};
  const closed = new Promise<number>((resolve) => (resolveClosed = resolve));
  res.on('close', () => resolveClosed(written));
  const pump = (): void => {
    while (!res.destroyed && written < limit) {
      written += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
  };
  res.write(head);
  pump();
  return { closed };
}

/** What a call came to, without its (possibly huge) result: 'answered', or the error. */
const outcome = (call: Promise<unknown>): Promise<unknown> =>
  call.then(
    () => 'answered',
    (error: unknown) => error,
  );

describe('Streamable HTTP: the size of an SSE event (maxMessageBytes)', () => {
  const MAX = 64 * 1024;

  it('fails the request at once with MESSAGE_TOO_LARGE when its SSE event passes the cap, and closes the stream', async () => {
    let closed: Promise<number> | undefined;
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (rpc?.method === 'tools/call') {
        const head = `id: e-1\ndata: {"jsonrpc":"2.0","id":${JSON.stringify(rpc.id)},"result":{"content":[{"type":"text","text":"`;
        closed = endlessEvent(sse(res), head).closed;
        return;
      }
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const { session } = await legacySession(url, { maxMessageBytes: MAX });
    await expect(session.callTool('huge')).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      message: expect.stringMatching(/passed 65536 bytes \(maxMessageBytes\)/),
    });
    // The client closed the stream: the server stopped writing soon after the cap.
    const written = await closed;
    expect(written).toBeLessThan(8 * 1024 * 1024);
    expect(session.state).toBe('ready');
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await session.close();
  });

  it('refuses a finished event over the cap, and takes one within it', async () => {
    const big = 'y'.repeat(MAX);
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      const name = (rpc?.params as { name?: string } | undefined)?.name;
      // A data line of MAX bytes is over the cap (the line holds `data: ` and the JSON too).
      const text = name === 'big' ? big : 'y'.repeat(MAX - 200);
      sse(res).end(event(toolResult(rpc?.id, text)));
    });
    const { session } = await legacySession(url, { maxMessageBytes: MAX });
    await expect(outcome(session.callTool('big'))).resolves.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
    });
    await expect(session.callTool('small')).resolves.toMatchObject({
      content: [{ text: 'y'.repeat(MAX - 200) }],
    });
    await session.close();
  });

  it('fails the request when a resumed stream carries an event past the cap', async () => {
    let closed: Promise<number> | undefined;
    const { url } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (rpc?.method === 'tools/call') return void sse(res).end('id: r-1\nretry: 5\ndata: \n\n');
      if (req.method === 'GET') {
        closed = endlessEvent(sse(res), 'data: {"jsonrpc":"2.0",').closed;
        return;
      }
      res.writeHead(500).end();
    });
    const { delay } = recordingDelay();
    const { session } = await legacySession(url, { maxMessageBytes: MAX, delay });
    await expect(session.callTool('huge')).rejects.toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    await expect(closed).resolves.toBeLessThan(8 * 1024 * 1024);
    await session.close();
  });

  it('fails the request when a JSON answer passes the cap', async () => {
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      json(res, toolResult(rpc?.id, 'z'.repeat(2 * MAX)));
    });
    const { session } = await legacySession(url, { maxMessageBytes: MAX });
    await expect(outcome(session.callTool('big'))).resolves.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
    });
    await session.close();
  });

  it('gives up the standalone GET stream when an event on it passes the cap, and says so', async () => {
    let closed: Promise<number> | undefined;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        closed = endlessEvent(sse(res), 'id: g-1\ndata: {"jsonrpc":"2.0",').closed;
        return;
      }
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    let lost: () => void = () => {};
    const streamLost = new Promise<void>((resolve) => (lost = resolve));
    const messages: SessionMessage[] = [];
    const { delay } = recordingDelay();
    const transport = createStreamableHttpTransport({ url, maxMessageBytes: MAX, delay });
    const session = createClientSession({
      transport,
      mode: 'legacy',
      messageHandler: (m) => {
        messages.push(m);
        if (m.type === 'transport' && m.event.type === 'stream-lost') lost();
      },
    });
    await session.connect();
    await streamLost;
    await expect(closed).resolves.toBeLessThan(8 * 1024 * 1024);
    expect(messages).toContainEqual({
      type: 'exception',
      error: expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' }) as unknown,
    });
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });
});
