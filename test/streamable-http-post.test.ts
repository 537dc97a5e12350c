import { describe, expect, it } from 'vitest';
import type { TransportEvent } from '../src/wire/transport.js';
import {
  createStreamableHttpTransport,
  HttpError,
  SessionExpiredError,
  type StreamableHttpOptions,
  type StreamableHttpTransport,
} from '../src/transports/streamable-http.js';
import {
  accepted,
  type Answer,
  type Call,
  event,
  fedBody,
  idOf,
  initialized,
  initializeRequest,
  initializeResult,
  json,
  MCP_URL,
  request,
  result,
  scriptedFetch,
  SSE,
  sse,
  status,
} from './support/scripted-fetch.js';
import { deferred, failure } from './support/deferred.js';

/**
 * One message's POST on Streamable HTTP and what the session learns from its answers, against a
 * scripted `fetch` (the transport's `fetch` option) that answers each request as the test says:
 * answers no real server gives on cue (a 202 to a request, a body that breaks, a CORS answer that
 * hides the session id, a renewal still under way when the next message is sent).
 */

const HIDDEN = 'its CORS must expose the header';

function cors(response: Response): Response {
  return Object.defineProperty(response, 'type', { value: 'cors' });
}

/** A body that gives `first`, then fails with `error` (or stays open until the fetch is aborted). */
function breaking(first: string, signal: AbortSignal, error?: Error): ReadableStream<Uint8Array> {
  let pulls = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      signal.addEventListener('abort', () => controller.error(signal.reason));
    },
    pull(controller) {
      if (pulls++ === 0 && first !== '') controller.enqueue(new TextEncoder().encode(first));
      else if (error !== undefined) controller.error(error);
      else return new Promise<void>(() => {});
      return undefined;
    },
  });
}

/** Lets the answers' bodies be read: turns of the event loop, no timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const stamped = (id: number, method: string, params: Record<string, unknown> = {}) =>
  request(id, method, {
    ...params,
    _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
  });
const resultJson = (id: unknown, headers: Record<string, string> = {}) =>
  json(result(id), { headers });
const initializeJson = (id: unknown, headers: Record<string, string> = {}) =>
  json(initializeResult(id), { headers });

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

function open(
  answer: Answer,
  options: Partial<StreamableHttpOptions> = {},
  timeLeft?: (id: string | number) => number,
): Opened {
  const waiters: { check: () => boolean; resolve: () => void }[] = [];
  const poke = (): void => {
    for (const w of [...waiters]) {
      if (w.check()) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  const { calls, fetch } = scriptedFetch(answer, poke);
  const transport = createStreamableHttpTransport({
    url: MCP_URL,
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
  void transport.start({
    message: report((m) => opened.messages.push(m)),
    error: report((e) => opened.errors.push(e)),
    closed: report((r) => opened.closed.push(r)),
    lost: report((id, error) => opened.lost.push({ id, error })),
    event: report((e) => opened.events.push(e)),
    ...(timeLeft === undefined ? {} : { timeLeft }),
  });
  return opened;
}

/** Answers a legacy handshake: session `s1` (unless `sessionId` says otherwise), 202 to notifications. */
function legacy(rest: Answer, sessionId: string | null = 's1'): Answer {
  return (call, index) => {
    const method = call.body?.['method'];
    if (call.method === 'DELETE') return new Response(null, { status: 200 });
    if (method === 'initialize')
      return initializeJson(
        call.body?.['id'],
        sessionId === null ? {} : { 'mcp-session-id': sessionId },
      );
    if (call.body !== undefined && !('id' in call.body)) return accepted();
    return rest(call, index);
  };
}

async function handshake(t: StreamableHttpTransport): Promise<void> {
  await t.send(initializeRequest(1));
  await t.send(initialized);
}

describe('Streamable HTTP POST: what an answer says about the session', () => {
  it('takes the session id from the answer to initialize, not from later answers', async () => {
    const o = open(legacy(() => resultJson(2, { 'mcp-session-id': 'other' })));
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
          return resultJson(call.body['id'], { 'mcp-session-id': `late-${++n}` });
        return resultJson(call.body?.['id']);
      }, null),
    );
    await handshake(o.transport);
    expect(o.transport.sessionId).toBeUndefined();
    await o.transport.send(request(2));
    expect(o.transport.sessionId).toBe('late-1');
    const again = open((call) =>
      call.body?.['method'] === 'initialize'
        ? initializeJson(call.body['id'], { 'mcp-session-id': `s${String(call.body['id'])}` })
        : accepted(),
    );
    await again.transport.send(initializeRequest(1));
    await again.transport.send(initializeRequest(2));
    expect(again.transport.sessionId).toBe('s2');
  });

  it('sends no MCP-Protocol-Version before the version is negotiated, and the negotiated one after', async () => {
    const o = open(legacy((call) => resultJson(call.body?.['id'])));
    await o.transport.send(initializeRequest(1));
    await settle();
    await o.transport.send(request(2));
    const [init] = o.posts('initialize');
    expect(init?.headers.has('mcp-protocol-version')).toBe(false);
    const [list] = o.posts('tools/list');
    expect(list?.headers.get('mcp-protocol-version')).toBe('2025-06-18');
    expect(list?.headers.has('mcp-method')).toBe(false);
  });

  it('keeps the legacy headers for a request stamped with a handshake-era version', async () => {
    const o = open(legacy((call) => resultJson(call.body?.['id'])));
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
    const o = open(legacy((call) => resultJson(call.body?.['id'])));
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
      legacy((call) => resultJson(call.body?.['id'])),
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
      { url: MCP_URL, method: 'POST' },
      { url: MCP_URL, method: 'POST' },
      { url: MCP_URL, method: 'DELETE' },
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
      if (call.body?.['method'] === 'initialize') return cors(initializeJson(call.body['id']));
      if (call.body?.['method'] === 'notifications/initialized') return cors(accepted());
      return cors(new Response('no session', { status: 400, statusText: 'Bad Request' }));
    });
    await handshake(o.transport);
    await expect(o.transport.send(request(2))).rejects.toThrow(HIDDEN);
  });

  it('adds no such note off CORS, before initialize, or once a session id came', async () => {
    const plain = open((call) =>
      call.body?.['method'] === 'initialize' ? initializeJson(call.body['id']) : refuse400(call),
    );
    await plain.transport.send(initializeRequest(1));
    const error = await failure(plain.transport.send(request(2)));
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).message).not.toContain(HIDDEN);

    const first = open((call) => cors(refuse400(call)));
    const early = await failure(first.transport.send(initializeRequest(1)));
    expect(early).toMatchObject({ status: 400 });
    expect((early as Error).message).not.toContain(HIDDEN);

    let n = 0;
    const late = open((call) => {
      const method = call.body?.['method'];
      if (method === 'initialize') return cors(initializeJson(call.body?.['id']));
      if (method === 'tools/list' && n++ === 0)
        return cors(resultJson(call.body?.['id'], { 'mcp-session-id': 's1' }));
      return cors(refuse400(call));
    });
    await late.transport.send(initializeRequest(1));
    await late.transport.send(request(2));
    const refused = await failure(late.transport.send(request(3)));
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).not.toContain(HIDDEN);
  });

  it('judges the session id hidden by the answer to initialize only', async () => {
    let n = 0;
    const o = open((call) => {
      const method = call.body?.['method'];
      if (method === 'initialize') return initializeJson(call.body?.['id']);
      if (method === 'tools/list' && n++ === 0) return cors(resultJson(call.body?.['id']));
      return new Response('no', { status: 400, statusText: 'Bad Request' });
    });
    await o.transport.send(initializeRequest(1));
    await o.transport.send(request(2));
    const refused = await failure(o.transport.send(request(3)));
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).not.toContain(HIDDEN);
  });

  it('adds no note to a message sent before a readable session id arrived', async () => {
    const ping = deferred<Response>();
    const o = open((call) => {
      if (call.body?.['method'] === 'initialize')
        return cors(initializeJson(call.body['id'], { 'mcp-session-id': 's1' }));
      return ping.promise;
    });
    const early = failure(o.transport.send(request(2, 'ping')));
    await o.until(() => o.calls.length === 1);
    await o.transport.send(initializeRequest(1));
    ping.resolve(cors(new Response('no', { status: 400, statusText: 'Bad Request' })));
    const refused = await early;
    expect(refused).toMatchObject({ status: 400 });
    expect((refused as Error).message).not.toContain(HIDDEN);
  });
});

const notFound = () => status(404, 'Not Found');
const answered = (o: Opened, id: unknown): boolean =>
  o.messages.some(
    (m) => (m as { id?: unknown; result?: unknown }).id === id && 'result' in (m as object),
  );
const withId = (o: Opened, id: unknown) =>
  o.calls.filter((c) => c.method === 'POST' && idOf(c) === id);

/** A legacy server whose session `s1` ends (404) and whose second initialize the test answers. */
function renewable(rest: Answer, renewal: (call: Call) => Response | Promise<Response>): Answer {
  let inits = 0;
  return (call, index) => {
    const method = call.body?.['method'];
    if (call.method === 'DELETE') return new Response(null);
    if (method === 'initialize')
      return ++inits === 1 ? initializeJson(idOf(call), { 'mcp-session-id': 's1' }) : renewal(call);
    if (call.body !== undefined && !('id' in call.body)) return accepted();
    return rest(call, index);
  };
}

describe('Streamable HTTP POST: a session the server ended', () => {
  it('holds a message sent during a renewal, and sends it in the new session', async () => {
    const renewal = deferred<Response>();
    const o = open(
      renewable(
        (call) =>
          call.headers.get('mcp-session-id') === 's1' ? notFound() : resultJson(idOf(call)),
        () => renewal.promise,
      ),
    );
    await handshake(o.transport);
    const first = o.transport.send(request(2));
    await o.until(() => o.posts('initialize').length === 2);
    const second = o.transport.send(request(3));
    await settle();
    renewal.resolve(
      initializeJson(idOf(o.posts('initialize')[1] as Call), { 'mcp-session-id': 's2' }),
    );
    await Promise.all([first, second]);
    expect(withId(o, 3).map((c) => c.headers.get('mcp-session-id'))).toEqual(['s2']);
    expect(withId(o, 2).map((c) => c.headers.get('mcp-session-id'))).toEqual(['s1', 's2']);
  });

  it('fails a message held during a renewal that failed, without sending it', async () => {
    const renewal = deferred<Response>();
    const o = open(
      renewable(
        (call) =>
          call.headers.get('mcp-session-id') === 's1' ? notFound() : resultJson(idOf(call)),
        () => renewal.promise,
      ),
    );
    await handshake(o.transport);
    const first = o.transport.send(request(2));
    await o.until(() => o.posts('initialize').length === 2);
    const second = o.transport.send(request(3));
    await settle();
    renewal.resolve(new Response('down', { status: 500, statusText: 'Internal Server Error' }));
    await expect(first).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(second).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(withId(o, 3)).toEqual([]);
  });

  it('counts only an answer in the renewed session as the server answering in it', async () => {
    const late = deferred<Response>();
    let inits = 1;
    const o = open(
      renewable(
        (call) => {
          const id = idOf(call);
          if (id === 2) return late.promise;
          if (call.headers.get('mcp-session-id') === 's1') return notFound();
          if (id === 3) return new Response('busy', { status: 500, statusText: 'Busy' });
          return notFound();
        },
        (call) => initializeJson(idOf(call), { 'mcp-session-id': `s${String(++inits)}` }),
      ),
    );
    await handshake(o.transport);
    const a = o.transport.send(request(2));
    await expect(o.transport.send(request(3))).rejects.toMatchObject({ status: 500 });
    late.resolve(resultJson(2)); // sent in s1, answered after s2 began
    await a;
    await expect(o.transport.send(request(4))).rejects.toBeInstanceOf(Error);
    expect(o.closed[0]).toMatchObject({ reason: 'refused-again', sessionId: 's2' });
    expect(o.posts('initialize')).toHaveLength(2);
  });

  it('counts no answer to a message sent without a session id as the server answering in a renewed session', async () => {
    let inits = 0;
    const o = open((call) => {
      const method = call.body?.['method'];
      const sid = call.headers.get('mcp-session-id');
      // The renewal's initialize gets no session id; a later answer brings one.
      if (method === 'initialize')
        return initializeJson(idOf(call), inits++ === 0 ? { 'mcp-session-id': 's1' } : {});
      if (call.body !== undefined && !('id' in call.body)) return accepted();
      if (sid === 's1') return notFound();
      if (idOf(call) === 2) return new Response('busy', { status: 500, statusText: 'Busy' });
      if (idOf(call) === 4) return resultJson(4, { 'mcp-session-id': 's3' });
      return sid === 's3' ? notFound() : resultJson(idOf(call));
    });
    await handshake(o.transport);
    await expect(o.transport.send(request(2))).rejects.toMatchObject({ status: 500 });
    await o.transport.send(request(3)); // no session id yet
    await o.transport.send(request(4));
    expect(o.transport.sessionId).toBe('s3');
    await expect(o.transport.send(request(5))).rejects.toBeInstanceOf(Error);
    expect(o.closed[0]).toMatchObject({ reason: 'refused-again', sessionId: 's3' });
    expect(o.posts('initialize')).toHaveLength(2);
  });

  it('fails a request that meets a 404 again after a renewal, renewing the session for the others', async () => {
    const replay = deferred<Response>();
    let inits = 1;
    const o = open(
      renewable(
        (call) => {
          if (call.headers.get('mcp-session-id') === 's1') return notFound();
          if (idOf(call) === 2 && call.headers.get('mcp-session-id') === 's2')
            return replay.promise;
          return resultJson(idOf(call));
        },
        (call) => initializeJson(idOf(call), { 'mcp-session-id': `s${String(++inits)}` }),
      ),
    );
    await handshake(o.transport);
    const a = o.transport.send(request(2));
    await o.until(() => withId(o, 2).length === 2);
    await o.transport.send(request(3)); // answered in s2
    replay.resolve(notFound());
    await expect(a).rejects.toMatchObject({ status: 404 });
    expect(withId(o, 2)).toHaveLength(2);
    expect(o.transport.sessionId).toBe('s3');
  });

  it('renews the session for a notification that meets a 404, and sends it again', async () => {
    let inits = 1;
    const o = open((call) => {
      const method = call.body?.['method'];
      if (method === 'initialize')
        return initializeJson(idOf(call), { 'mcp-session-id': inits++ === 1 ? 's1' : 's2' });
      if (
        method === 'notifications/roots/list_changed' &&
        call.headers.get('mcp-session-id') === 's1'
      )
        return notFound();
      return accepted();
    });
    await handshake(o.transport);
    await o.transport.send({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    expect(
      o.posts('notifications/roots/list_changed').map((c) => c.headers.get('mcp-session-id')),
    ).toEqual(['s1', 's2']);
  });

  it('fails, without a renewal, a 404 to a message sent with no session id or to a second initialize', async () => {
    const stateless = open(legacy(() => notFound(), null));
    await handshake(stateless.transport);
    await expect(stateless.transport.send(request(2))).rejects.toMatchObject({ status: 404 });
    expect(stateless.posts('initialize')).toHaveLength(1);

    let inits = 0;
    const o = open((call) => {
      if (call.body?.['method'] === 'initialize')
        return inits++ === 0 ? initializeJson(idOf(call), { 'mcp-session-id': 's1' }) : notFound();
      return accepted();
    });
    await handshake(o.transport);
    await expect(o.transport.send(initializeRequest(5))).rejects.toMatchObject({ status: 404 });
    expect(o.posts('initialize')).toHaveLength(2);
  });
});

describe('Streamable HTTP POST: refusals and failures', () => {
  const rpcError = { code: -32600, message: 'bad' };

  it('gives a JSON-RPC error with its own id in an error status as it is', async () => {
    const o = open(() => json({ jsonrpc: '2.0', id: 'other', error: rpcError }, { status: 400 }));
    await o.transport.send(request(2));
    expect(o.messages).toEqual([{ jsonrpc: '2.0', id: 'other', error: rpcError }]);
  });

  it('fails a notification refused with an id-less JSON-RPC error as an HTTP error', async () => {
    const o = open(() => json({ jsonrpc: '2.0', error: rpcError }, { status: 400 }));
    const error = await failure(
      o.transport.send({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' }),
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 400 });
    expect(o.messages).toEqual([]);
  });

  it('fails a request refused with a JSON body that is not an object (null, a number) as an HTTP error', async () => {
    for (const body of [null, 7, 'no']) {
      const o = open(() => json(body, { status: 404 }));
      const error = await failure(o.transport.send(request(2)));
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 404 });
      expect(o.messages).toEqual([]);
    }
  });

  it('sends a POST again once when the connection was reset before any answer, saying so', async () => {
    let n = 0;
    const o = open((call) => {
      if (n++ === 0) {
        throw Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
        });
      }
      return resultJson(idOf(call));
    });
    await o.transport.send(request(2));
    expect(o.events).toMatchObject([
      {
        type: 'post-resent',
        message: 'The connection was reset before any answer to tools/list; sent it again once.',
      },
    ]);
    expect(o.messages).toHaveLength(1);
  });

  it('fails a POST whose authorize throws, saying why', async () => {
    const o = open(() => resultJson(2), {
      authorize: () => {
        throw new Error('no token');
      },
    });
    await expect(o.transport.send(request(2))).rejects.toThrow(
      /^POST for tools\/list failed: no token$/,
    );
  });

  it('in a page, says what CORS must allow when the POST fails as a CORS refusal shows, and not when authorize failed', async () => {
    const scope = globalThis as Record<string, unknown>;
    scope['document'] = {};
    scope['location'] = { origin: 'http://page.test' };
    try {
      const refused = open(() => {
        throw new TypeError('Failed to fetch');
      });
      await expect(refused.transport.send(request(2))).rejects.toThrow(
        /from a page at http:\/\/page.test.*must allow that origin and the request headers content-type/,
      );
      const unauthorized = open(() => resultJson(2), {
        authorize: () => {
          throw new TypeError('no token');
        },
      });
      await expect(unauthorized.transport.send(request(2))).rejects.toThrow(
        /^POST for tools\/list failed: no token$/,
      );
    } finally {
      delete scope['document'];
      delete scope['location'];
    }
  });
});

describe('Streamable HTTP POST: the answer to a request', () => {
  it('fails a request answered 202, or 200 with no body, at once, saying it had none', async () => {
    const o = open((call) =>
      idOf(call) === 2
        ? new Response(null, { status: 202, statusText: 'Accepted' })
        : idOf(call) === 3
          ? json({ jsonrpc: '2.0', id: 3, result: {} }, { status: 202 })
          : new Response(null, {
              status: 200,
              statusText: 'OK',
              headers: { 'content-type': 'application/json' },
            }),
    );
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    await o.transport.send(request(4));
    await settle();
    expect(o.lost.map((l) => [l.id, l.error.message])).toEqual([
      [2, 'HTTP 202 Accepted for request 2 (tools/list), with no body.'],
      [3, 'HTTP 202  for request 3 (tools/list), with no body.'],
      [4, 'HTTP 200 OK for request 4 (tools/list), with no body.'],
    ]);
    expect(o.messages).toEqual([]);
  });

  it('fails a request answered with neither JSON nor an event stream, naming the Content-Type', async () => {
    const o = open((call) =>
      idOf(call) === 2
        ? new Response('hi', { headers: { 'content-type': 'text/plain' } })
        : new Response(breaking('hi', call.signal)),
    );
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    await settle();
    expect(o.lost.map((l) => l.error)).toMatchObject([
      { status: 200, body: '', contentType: 'text/plain' },
      { status: 200, body: '', contentType: '' },
    ]);
  });

  it('fails a request whose JSON answer breaks off, saying why', async () => {
    const boom = new Error('boom');
    const o = open(
      (call) =>
        new Response(breaking('{"jsonrpc"', call.signal, boom), {
          headers: { 'content-type': 'application/json' },
        }),
    );
    await o.transport.send(request(2));
    await o.until(() => o.lost.length === 1);
    expect(o.lost[0]?.error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: 'Reading the answer to request 2 (tools/list) failed: boom',
      cause: boom,
    });
  });

  it('fails a request whose JSON answer is not JSON, quoting its start', async () => {
    const text = `<html>${'x'.repeat(200)}`;
    const o = open(() => new Response(text, { headers: { 'content-type': 'application/json' } }));
    await o.transport.send(request(2));
    await o.until(() => o.lost.length === 1);
    const error = o.lost[0]?.error;
    expect(error).toMatchObject({
      code: 'INVALID_JSON',
      message: `The JSON answer to request 2 (tools/list) is not JSON: ${text.slice(0, 120)}`,
    });
    expect(error?.cause).toBeInstanceOf(SyntaxError);
  });

  it('delivers a JSON answer and loses nothing; fails one that holds no response to the request', async () => {
    const o = open((call) =>
      idOf(call) === 2 ? resultJson(2) : json({ jsonrpc: '2.0', method: 'notifications/message' }),
    );
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    await o.until(() => o.lost.length === 1);
    expect(o.messages).toHaveLength(2);
    expect(o.lost.map((l) => [l.id, l.error.message])).toEqual([
      [3, 'The JSON answer to request 3 (tools/list) held no response to it.'],
    ]);
  });

  it('on 2026, reports nothing lost for a request cancelled while its JSON answer is read', async () => {
    const o = open(
      (call) =>
        new Response(breaking('{"jsonrpc":', call.signal), {
          headers: { 'content-type': 'application/json' },
        }),
    );
    await o.transport.send(stamped(2, 'tools/list'));
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 2 },
    });
    await settle();
    expect(o.calls[0]?.signal.aborted).toBe(true);
    expect(o.lost).toEqual([]);
    expect(o.errors).toEqual([]);
  });
});

describe('Streamable HTTP POST: the fetches a request keeps open', () => {
  it('on close, aborts the fetches still open and not those already answered', async () => {
    const o = open(
      legacy((call) =>
        idOf(call) === 2
          ? resultJson(2)
          : new Response(breaking('', call.signal), { headers: SSE }),
      ),
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    await settle();
    await o.transport.close();
    expect(withId(o, 2)[0]?.signal.aborted).toBe(false);
    expect(withId(o, 3)[0]?.signal.aborted).toBe(true);
  });

  it('on 2026, a cancellation aborts nothing of a request already answered', async () => {
    const o = open((call) => resultJson(idOf(call)));
    await o.transport.send(stamped(2, 'tools/list'));
    await settle();
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 2 },
    });
    expect(withId(o, 2)[0]?.signal.aborted).toBe(false);
  });

  it('on 2026, a cancellation aborts the newest POST of a request id, after an older one with that id ended', async () => {
    const older = fedBody();
    const o = open((call) =>
      o.calls.length === 1
        ? new Response(older.body, { headers: SSE })
        : new Response(breaking('', call.signal), { headers: SSE }),
    );
    await o.transport.send(stamped(5, 'tools/list'));
    await o.transport.send(stamped(5, 'tools/list'));
    older.end();
    await o.until(() => o.lost.length === 1);
    await settle();
    await o.transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 5 },
    });
    expect(o.calls[1]?.signal.aborted).toBe(true);
  });

  it('opens the standalone GET stream after notifications/initialized, not after other messages', async () => {
    const o = open(
      legacy((call) => new Response(breaking('', call.signal), { headers: SSE })),
      { standaloneStream: true },
    );
    await o.transport.send(initializeRequest(1));
    await o.transport.send({ jsonrpc: '2.0', id: 'server-1', result: {} });
    await o.transport.send({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' });
    await settle();
    expect(o.calls.filter((c) => c.method === 'GET')).toEqual([]);
    await o.transport.send(initialized);
    await o.until(() => o.calls.some((c) => c.method === 'GET'));
    await o.transport.close();
  });
});

describe('Streamable HTTP POST: a request’s event stream', () => {
  const note = { jsonrpc: '2.0', method: 'notifications/progress', params: {} };

  it('loses nothing and resumes nothing once the stream brought the response', async () => {
    const o = open(
      legacy(() => sse(event(note, 'e1') + event({ jsonrpc: '2.0', id: 2, result: {} }, 'e2'))),
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.until(() => answered(o, 2));
    await settle();
    expect(o.lost).toEqual([]);
    expect(o.calls.filter((c) => c.method === 'GET')).toEqual([]);
  });

  it('with reconnection off, fails a request whose legacy stream ended early, without a GET', async () => {
    const o = open(
      legacy((call) =>
        call.method === 'GET' ? new Response(null, { status: 405 }) : sse(event(note, 'e1')),
      ),
      { reconnect: { maxRetries: 0 } },
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.until(() => o.lost.length === 1);
    expect(o.lost[0]?.error.message).toBe(
      'The response stream of request 2 (tools/list) ended before its response.',
    );
    expect(o.calls.filter((c) => c.method === 'GET')).toEqual([]);
  });

  it('fails a request whose stream has no event ids when it ends early, saying why it ended', async () => {
    const boom = new Error('boom');
    const o = open(
      legacy((call) =>
        idOf(call) === 2
          ? sse(event(note))
          : new Response(breaking(event(note), call.signal, boom), { headers: SSE }),
      ),
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    await o.until(() => o.lost.length === 2);
    const [ended, broken] = [...o.lost].sort((a, b) => Number(a.id) - Number(b.id));
    expect(ended?.error.message).toBe(
      'The response stream of request 2 (tools/list) ended before its response.',
    );
    expect(ended?.error.cause).toBeUndefined();
    expect(broken?.error.message).toBe(
      'The response stream of request 3 (tools/list) ended before its response: boom.',
    );
    expect(broken?.error.cause).toBe(boom);
  });

  it('resumes a stream that ended cleanly even when little time is left, but not one that broke', async () => {
    const boom = new Error('boom');
    const o = open(
      legacy((call) => {
        if (call.method === 'GET')
          return call.headers.get('last-event-id') === 'e1'
            ? sse(event({ jsonrpc: '2.0', id: 2, result: {} }, 'e2'))
            : new Response(null, { status: 405 });
        return idOf(call) === 2
          ? sse(event(note, 'e1'))
          : new Response(breaking(event(note, 'f1'), call.signal, boom), { headers: SSE });
      }),
      {},
      () => 0,
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.until(() => answered(o, 2));
    const gets = o.calls.filter((c) => c.method === 'GET');
    expect(gets.map((c) => c.headers.get('last-event-id'))).toEqual(['e1']);
    await settle();
    expect(o.lost).toEqual([]);

    await o.transport.send(request(3));
    await o.until(() => o.lost.length === 1);
    expect(o.lost[0]?.error.message).toMatch(/resuming it failed with boom/);
    expect(o.calls.filter((c) => c.method === 'GET')).toHaveLength(1);
  });

  it('reports nothing lost when the transport closes while a stream is being resumed', async () => {
    const o = open(
      legacy((call) => {
        if (call.method === 'GET')
          return new Promise<Response>((_, reject) =>
            call.signal.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        return sse(event(note, 'e1'));
      }),
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.until(() => o.calls.some((c) => c.method === 'GET'));
    await o.transport.close();
    await settle();
    expect(o.lost).toEqual([]);
  });
});

describe('Streamable HTTP POST: 2026 tools/call headers', () => {
  const valid = {
    name: 'query',
    inputSchema: {
      type: 'object',
      properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
    },
  };
  const invalid = {
    name: 'broken',
    inputSchema: { type: 'object', 'x-mcp-header': 'Root', properties: {} },
  };

  it('sends a 2026 tools/call or prompts/get with no tool lookup, naming it only', async () => {
    const o = open((call) => resultJson(idOf(call)));
    await o.transport.send(
      stamped(2, 'tools/call', { name: 'query', arguments: { region: 'eu' } }),
    );
    await o.transport.send(stamped(3, 'prompts/get', { name: 'greet' }));
    expect(
      o.calls.map((c) => [c.headers.get('mcp-name'), c.headers.has('mcp-param-region')]),
    ).toEqual([
      ['query', false],
      ['greet', false],
    ]);
  });

  it('mirrors the arguments of a tool with valid annotations, and sends a tool with invalid ones without Mcp-Param headers', async () => {
    const o = open((call) => resultJson(idOf(call)));
    o.transport.useToolSchemas?.((name) => [valid, invalid].find((t) => t.name === name));
    await o.transport.send(
      stamped(2, 'tools/call', { name: 'query', arguments: { region: 'eu' } }),
    );
    await o.transport.send(stamped(3, 'tools/call', { name: 'broken', arguments: {} }));
    expect(o.calls[0]?.headers.get('mcp-param-region')).toBe('eu');
    expect(o.calls[1]?.headers.get('mcp-name')).toBe('broken');
    expect(
      [...(o.calls[1]?.headers.keys() ?? [])].filter((k) => k.startsWith('mcp-param')),
    ).toEqual([]);
  });

  it('asks the tool lookup only for the string name of a tools/call', async () => {
    const asked: unknown[] = [];
    const o = open((call) => resultJson(idOf(call)));
    o.transport.useToolSchemas?.((name) => {
      asked.push(name);
      return undefined;
    });
    await o.transport.send(stamped(2, 'prompts/get', { name: 'query' }));
    await expect(
      o.transport.send(stamped(3, 'tools/call', { name: 42, arguments: {} })),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await o.transport.send(stamped(4, 'tools/call', { name: 'query', arguments: {} }));
    expect(asked).toEqual(['query']);
  });
});
