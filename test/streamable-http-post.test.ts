import { describe, expect, it } from 'vitest';
import type { JsonRpcMessage } from '../src/wire/jsonrpc.js';
import type { TransportEvent } from '../src/wire/transport.js';
import {
  createStreamableHttpTransport,
  HttpError,
  SessionExpiredError,
  type StreamableHttpOptions,
  type StreamableHttpTransport,
} from '../src/transports/streamable-http.js';

/**
 * One message's POST on Streamable HTTP and what the session learns from its answers, against a
 * scripted `fetch` (the transport's `fetch` option) that answers each request as the test says:
 * answers no real server gives on cue (a 202 to a request, a body that breaks, a CORS answer that
 * hides the session id, a renewal still under way when the next message is sent).
 */

interface Call {
  method: string;
  headers: Headers;
  body: Record<string, unknown> | undefined;
  signal: AbortSignal;
}

type Answer = (call: Call) => Response | Promise<Response>;

const URL_ = 'http://mcp.test/mcp';
const HIDDEN = 'its CORS must expose the header';

function json(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}) {
  return new Response(JSON.stringify(body), {
    status: init.status ?? 200,
    headers: { 'content-type': 'application/json', ...init.headers },
  });
}

function sse(text: string): Response {
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

function cors(response: Response): Response {
  return Object.defineProperty(response, 'type', { value: 'cors' });
}

function accepted(): Response {
  return new Response(null, { status: 202 });
}

/** A body that gives `first`, then fails with `error` (or stays open until the fetch is aborted). */
function breaking(first: string, signal: AbortSignal, error?: Error): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (first !== '') controller.enqueue(new TextEncoder().encode(first));
      if (error !== undefined) controller.error(error);
      else signal.addEventListener('abort', () => controller.error(signal.reason));
    },
  });
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets the answers' bodies be read: turns of the event loop, no timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const initialize = (id: number | string = 1): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: '2025-06-18',
    capabilities: {},
    clientInfo: { name: 'test', version: '1' },
  },
});
const initialized: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };
const request = (id: number | string, method = 'tools/list', params?: Record<string, unknown>) =>
  ({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) }) as JsonRpcMessage;
const stamped = (id: number, method: string, params: Record<string, unknown> = {}) =>
  request(id, method, {
    ...params,
    _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
  });
const result = (id: unknown, headers: Record<string, string> = {}) =>
  json({ jsonrpc: '2.0', id, result: {} }, { headers });
const initResult = (id: unknown, headers: Record<string, string> = {}) =>
  json(
    {
      jsonrpc: '2.0',
      id,
      result: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        serverInfo: { name: 's', version: '1' },
      },
    },
    { headers },
  );

interface Opened {
  transport: StreamableHttpTransport;
  calls: Call[];
  messages: unknown[];
  lost: { id: string | number; error: Error }[];
  errors: Error[];
  events: TransportEvent[];
  closed: (Error | undefined)[];
  /** Resolves once `check` holds, tried after each fetch and each report of the transport. */
  until(check: () => boolean): Promise<void>;
  /** The POSTs of the request or notification `method`. */
  posts(method: string): Call[];
}

function open(answer: Answer, options: Partial<StreamableHttpOptions> = {}): Opened {
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const poke = (): void => {
    for (const w of [...waiters]) {
      if (w.check()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const calls: Call[] = [];
  const fetch = (async (_input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      body:
        typeof init?.body === 'string'
          ? (JSON.parse(init.body) as Record<string, unknown>)
          : undefined,
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- the transport always gives one
      signal: init!.signal!,
    };
    calls.push(call);
    poke();
    return answer(call);
  }) as typeof globalThis.fetch;
  const transport = createStreamableHttpTransport({
    url: URL_,
    fetch,
    standaloneStream: false,
    delay: () => Promise.resolve(),
    ...options,
  });
  const opened: Opened = {
    transport,
    calls,
    messages: [],
    lost: [],
    errors: [],
    events: [],
    closed: [],
    until: (check) =>
      new Promise<void>((resolve) => {
        if (check()) resolve();
        else waiters.push({ check, resolve });
      }),
    posts: (method) => calls.filter((c) => c.method === 'POST' && c.body?.['method'] === method),
  };
  const report =
    <A extends unknown[]>(f: (...args: A) => void) =>
    (...args: A): void => {
      f(...args);
      poke();
    };
  transport.start({
    message: report((m) => opened.messages.push(m)),
    error: report((e) => opened.errors.push(e)),
    closed: report((r) => opened.closed.push(r)),
    lost: report((id, error) => opened.lost.push({ id, error })),
    event: report((e) => opened.events.push(e)),
  });
  return opened;
}

/** Answers a legacy handshake: session `s1` (unless `sessionId` says otherwise), 202 to notifications. */
function legacy(rest: Answer, sessionId: string | null = 's1'): Answer {
  return (call) => {
    const method = call.body?.['method'];
    if (call.method === 'DELETE') return new Response(null, { status: 200 });
    if (method === 'initialize')
      return initResult(
        call.body?.['id'],
        sessionId === null ? {} : { 'mcp-session-id': sessionId },
      );
    if (call.body !== undefined && !('id' in call.body)) return accepted();
    return rest(call);
  };
}

async function handshake(t: StreamableHttpTransport): Promise<void> {
  await t.send(initialize());
  await t.send(initialized);
}

describe('Streamable HTTP POST: what an answer says about the session', () => {
  it('takes the session id from the answer to initialize, not from later answers', async () => {
    const o = open(legacy(() => result(2, { 'mcp-session-id': 'other' })));
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    expect(o.transport.sessionId).toBe('s1');
    expect(o.posts('tools/list').map((c) => c.headers.get('mcp-session-id'))).toEqual(['s1', 's1']);
  });

  it('takes a session id the first answer after a session-less initialize gives, and that of a second initialize', async () => {
    let n = 0;
    const o = open(
      legacy((call) => {
        if (call.body?.['method'] === 'tools/list')
          return result(call.body['id'], { 'mcp-session-id': `late-${++n}` });
        return result(call.body?.['id']);
      }, null),
    );
    await handshake(o.transport);
    expect(o.transport.sessionId).toBeUndefined();
    await o.transport.send(request(2));
    expect(o.transport.sessionId).toBe('late-1');
    const again = open((call) =>
      call.body?.['method'] === 'initialize'
        ? initResult(call.body['id'], { 'mcp-session-id': `s${String(call.body['id'])}` })
        : accepted(),
    );
    await again.transport.send(initialize(1));
    await again.transport.send(initialize(2));
    expect(again.transport.sessionId).toBe('s2');
  });

  it('sends no MCP-Protocol-Version before the version is negotiated, and the negotiated one after', async () => {
    const o = open(legacy((call) => result(call.body?.['id'])));
    await o.transport.send(initialize());
    await settle();
    await o.transport.send(request(2));
    const [init] = o.posts('initialize');
    expect(init?.headers.has('mcp-protocol-version')).toBe(false);
    const [list] = o.posts('tools/list');
    expect(list?.headers.get('mcp-protocol-version')).toBe('2025-06-18');
    expect(list?.headers.has('mcp-method')).toBe(false);
  });

  it('keeps the legacy headers for a request stamped with a handshake-era version', async () => {
    const o = open(legacy((call) => result(call.body?.['id'])));
    await handshake(o.transport);
    await settle();
    const old = request(2, 'tools/list', {
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2025-06-18' },
    });
    await o.transport.send(old);
    await settle();
    const [list] = o.posts('tools/list');
    expect(list?.headers.has('mcp-method')).toBe(false);
    expect(list?.headers.get('mcp-session-id')).toBe('s1');
    // Still a legacy session: a cancellation is a notification POST.
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 2 },
    });
    expect(o.posts('notifications/cancelled')).toHaveLength(1);
  });

  it('sends a cancellation on a transport that has sent nothing yet as a POST (legacy until a request says 2026)', async () => {
    const o = open(() => accepted());
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 9 },
    });
    expect(o.posts('notifications/cancelled')).toHaveLength(1);
  });

  it('stays legacy after an unstamped request, and after a notification stamped 2026', async () => {
    const o = open(legacy((call) => result(call.body?.['id'])));
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/roots/list_changed',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    });
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 2 },
    });
    expect(o.posts('notifications/cancelled')).toHaveLength(1);
  });

  it('asks each request’s `authorize` with its URL and method, and puts Content-Type on POSTs only', async () => {
    const asked: { url: string; method: string }[] = [];
    const o = open(
      legacy((call) => result(call.body?.['id'])),
      {
        authorize: ({ url, method }) => {
          asked.push({ url: url.href, method });
          return { authorization: 'Bearer t' };
        },
      },
    );
    await handshake(o.transport);
    await o.transport.close();
    expect(asked).toEqual([
      { url: URL_, method: 'POST' },
      { url: URL_, method: 'POST' },
      { url: URL_, method: 'DELETE' },
    ]);
    const del = o.calls.find((c) => c.method === 'DELETE');
    expect(del?.headers.get('authorization')).toBe('Bearer t');
    expect(del?.headers.has('content-type')).toBe(false);
    expect(o.posts('initialize')[0]?.headers.get('content-type')).toBe('application/json');
  });
});

describe('Streamable HTTP POST: a page that cannot read the session id', () => {
  const refuse400 = (call: Call) =>
    call.body?.['method'] === 'initialize'
      ? new Response('bad', { status: 400, statusText: 'Bad Request' })
      : new Response('no session', { status: 400, statusText: 'Bad Request' });

  it('says the server’s CORS may hide the session id when a CORS initialize answer had none', async () => {
    const o = open((call) => {
      if (call.body?.['method'] === 'initialize') return cors(initResult(call.body['id']));
      if (call.body?.['method'] === 'notifications/initialized') return cors(accepted());
      return cors(new Response('no session', { status: 400, statusText: 'Bad Request' }));
    });
    await handshake(o.transport);
    await expect(o.transport.send(request(2))).rejects.toThrow(HIDDEN);
  });

  it('adds no such note off CORS, before initialize, or once a session id came', async () => {
    const plain = open((call) =>
      call.body?.['method'] === 'initialize' ? initResult(call.body['id']) : refuse400(call),
    );
    await plain.transport.send(initialize());
    const error = await plain.transport.send(request(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).not.toContain(HIDDEN);

    const first = open((call) => cors(refuse400(call)));
    const early = await first.transport.send(initialize()).catch((e: unknown) => e);
    expect(early).toMatchObject({ status: 400 });
    expect((early as Error).message).not.toContain(HIDDEN);

    let n = 0;
    const late = open((call) => {
      const method = call.body?.['method'];
      if (method === 'initialize') return cors(initResult(call.body?.['id']));
      if (method === 'tools/list' && n++ === 0)
        return cors(result(call.body?.['id'], { 'mcp-session-id': 's1' }));
      return cors(refuse400(call));
    });
    await late.transport.send(initialize());
    await late.transport.send(request(2));
    const refused = await late.transport.send(request(3)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).not.toContain(HIDDEN);
  });

  it('judges the session id hidden by the answer to initialize only', async () => {
    let n = 0;
    const o = open((call) => {
      const method = call.body?.['method'];
      if (method === 'initialize') return initResult(call.body?.['id']);
      if (method === 'tools/list' && n++ === 0) return cors(result(call.body?.['id']));
      return new Response('no', { status: 400, statusText: 'Bad Request' });
    });
    await o.transport.send(initialize());
    await o.transport.send(request(2));
    const refused = await o.transport.send(request(3)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).not.toContain(HIDDEN);
  });

  it('adds no note to a message sent before a readable session id arrived', async () => {
    const ping = deferred<Response>();
    const o = open((call) => {
      if (call.body?.['method'] === 'initialize')
        return cors(initResult(call.body['id'], { 'mcp-session-id': 's1' }));
      return ping.promise;
    });
    const early = o.transport.send(request(2, 'ping')).catch((e: unknown) => e);
    await o.until(() => o.calls.length === 1);
    await o.transport.send(initialize());
    ping.resolve(cors(new Response('no', { status: 400, statusText: 'Bad Request' })));
    const refused = await early;
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).not.toContain(HIDDEN);
  });
});
