import { describe, expect, it } from 'vitest';
import {
  createStreamableHttpTransport,
  SessionExpiredError,
  type StreamableHttpOptions,
} from '../src/transports/streamable-http.js';
import type { TransportEvent } from '../src/wire/transport.js';
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
  until,
} from './support/scripted-fetch.js';
import { deferred, failure } from './support/deferred.js';

/**
 * Renewing a legacy Streamable HTTP session the server ended (a 404 to a message that carried the
 * session id), over a scripted `fetch`: the new session's `initialize` and how its answer is read,
 * the messages that met the 404 (together, late, twice), and closing while a renewal runs.
 */

/** A started transport over `answer`, and what it told its user. */
function open(answer: Answer, options: Partial<StreamableHttpOptions> = {}) {
  const { calls, fetch } = scriptedFetch(answer);
  const transport = createStreamableHttpTransport({
    url: MCP_URL,
    fetch,
    standaloneStream: false,
    delay: () => Promise.resolve(),
    ...options,
  });
  const seen = {
    transport,
    calls,
    messages: [] as Record<string, unknown>[],
    events: [] as TransportEvent[],
    closed: [] as (Error | undefined)[],
    lost: [] as (string | number)[],
    /** The POSTs of the request or notification `method`. */
    posts: (method: string) =>
      calls.filter((c) => c.method === 'POST' && c.body?.['method'] === method),
    /** The session ids the message `id` was POSTed with, in order. */
    sessionsOf: (id: unknown) =>
      calls
        .filter((c) => c.method === 'POST' && idOf(c) === id)
        .map((c) => c.headers.get('mcp-session-id')),
  };
  void transport.start({
    message: (m) => void seen.messages.push(m as Record<string, unknown>),
    error: () => {},
    closed: (reason) => void seen.closed.push(reason),
    lost: (id) => void seen.lost.push(id),
    event: (e) => void seen.events.push(e),
  });
  return seen;
}

const initializeJson = (id: unknown, sessionId?: string) =>
  json(initializeResult(id), {
    headers: sessionId === undefined ? {} : { 'mcp-session-id': sessionId },
  });

/** The session ids a server gives, in order: `s1` to the client's own initialize, then `s2`, `s3`… */
function sessions(): () => string {
  let n = 0;
  return () => `s${String(++n)}`;
}

/**
 * A legacy server: the client's initialize opens session `s1`; a renewal's initialize (its id
 * names the renewal) is answered by `renewal` (by default: the next session); notifications get
 * 202, GET 405, DELETE 200; requests get what `other` says.
 */
function server(other: Answer, renewal?: Answer): Answer {
  const next = sessions();
  return (call, index) => {
    if (call.method === 'DELETE') return new Response(null, { status: 200 });
    if (call.method === 'GET') return status(405);
    const body = call.body;
    if (body?.['method'] === 'initialize') {
      if (String(body['id']).startsWith('mcp-actors-renewal-') && renewal !== undefined)
        return renewal(call, index);
      return initializeJson(body['id'], next());
    }
    if (body !== undefined && !('id' in body)) return accepted();
    return other(call, index);
  };
}

/** Requests in session `s1` meet a 404; elsewhere they are answered. */
const endsS1: Answer = (call) =>
  call.headers.get('mcp-session-id') === 's1' ? status(404, 'Not Found') : json(result(idOf(call)));

async function handshake(transport: ReturnType<typeof open>['transport']): Promise<void> {
  await transport.send(initializeRequest(1));
  await transport.send(initialized);
}

/** Lets the answers' bodies be read: turns of the event loop, no timers. */
async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const renewalFailed = (reason: string) =>
  `The server ended session "s1" (HTTP 404), and initialising a new one failed: ${reason}. Create a new session to reconnect.`;

describe('Streamable HTTP renewal: which sessions are renewed', () => {
  it('renews a session the server ended before answering anything in it, when no renewal made it', async () => {
    let ended = false;
    const base = server(endsS1);
    const o = open((call, index) => {
      // The first notifications/initialized, in s1, meets a 404.
      if (call.body?.['method'] === 'notifications/initialized' && !ended) {
        ended = true;
        return status(404, 'Not Found');
      }
      return base(call, index);
    });
    await handshake(o.transport);
    expect(o.closed).toEqual([]);
    expect(o.transport.sessionId).toBe('s2');
    expect(o.events.map((e) => e.type)).toEqual(['session-renewed']);
    // The renewal's own notifications/initialized stands for the one that met the 404: the new
    // session is told once.
    expect(
      o.posts('notifications/initialized').map((c) => c.headers.get('mcp-session-id')),
    ).toEqual(['s1', 's2']);
  });

  it('renews the session of a client that sent no notifications/initialized, sending none', async () => {
    let first = true;
    const o = open(
      server((call) => {
        // One answer in s1, then the end of s1.
        if (first) {
          first = false;
          return json(result(idOf(call)));
        }
        return endsS1(call, 0);
      }),
    );
    await o.transport.send(initializeRequest(1));
    await o.transport.send(request(2));
    await o.transport.send(request(3));
    await until(() => o.messages.length === 3);
    expect(o.sessionsOf(3)).toEqual(['s1', 's2']);
    expect(o.messages.map((m) => m['id'])).toEqual([1, 2, 3]);
    expect(o.posts('notifications/initialized')).toEqual([]);
  });

  it('sends a message whose 404 came after the renewal again in the new session, without renewing again', async () => {
    const late = deferred<Response>();
    const o = open(
      server((call) =>
        idOf(call) === 2 && call.headers.get('mcp-session-id') === 's1'
          ? late.promise
          : endsS1(call, 0),
      ),
    );
    await handshake(o.transport);
    const a = o.transport.send(request(2));
    await o.transport.send(request(3)); // its 404 renews s1 as s2; sent again, answered there
    late.resolve(status(404, 'Not Found')); // the 404 to 2, sent in s1, comes now
    await a;
    expect(o.sessionsOf(2)).toEqual(['s1', 's2']);
    expect(o.posts('initialize')).toHaveLength(2);
    expect(o.transport.sessionId).toBe('s2');
  });

  it('fails a message that met a 404 with the server still unanswered in the renewed session, and closes once', async () => {
    // 2 and 3 meet the 404 of s1, and again in s2, where the test ends each 404's body in turn.
    const bodies: ReturnType<typeof fedBody>[] = [];
    const o = open(
      server((call) => {
        const sid = call.headers.get('mcp-session-id');
        if (sid !== 's2') return endsS1(call, 0);
        const body = fedBody();
        bodies.push(body);
        return new Response(body.body, { status: 404, statusText: 'Not Found' });
      }),
    );
    await handshake(o.transport);
    const sent = [failure(o.transport.send(request(2))), failure(o.transport.send(request(3)))];
    await until(() => bodies.length === 2);
    await settle();
    bodies[0]?.end();
    await until(() => o.closed.length === 1);
    bodies[1]?.end();
    const outcomes = await Promise.all(sent);
    const expired = outcomes.filter((e) => e instanceof SessionExpiredError);
    expect(expired).toMatchObject([{ reason: 'refused-again', sessionId: 's2' }]);
    expect((expired[0] as Error).message).toBe(
      'The server ended session "s2" (HTTP 404), which a renewal had just made, before answering anything in it; the connection is closed rather than renewed again. Create a new session to reconnect.',
    );
    // The other, whose 404 was read once the connection had closed, fails as closed.
    expect(outcomes.filter((e) => !(e instanceof SessionExpiredError))).toMatchObject([
      { code: 'CONNECTION_CLOSED' },
    ]);
    expect(o.closed).toEqual([expired[0]]);
    expect(o.posts('initialize')).toHaveLength(2);
  });
});

describe('Streamable HTTP renewal: a renewal that fails', () => {
  it('fails every message that met the same 404 with the reason the renewal failed', async () => {
    const renewal = deferred<Response>();
    let held = 0;
    const o = open(
      server(
        async (call) => {
          held++;
          await until(() => held === 2);
          return endsS1(call, 0);
        },
        () => renewal.promise,
      ),
    );
    await handshake(o.transport);
    const a = failure(o.transport.send(request(2)));
    const b = failure(o.transport.send(request(3)));
    await until(() => o.posts('initialize').length === 2);
    await settle(); // both 404s read: the second waits for the renewal the first began
    renewal.resolve(new Response('down', { status: 500, statusText: 'Internal Server Error' }));
    const outcomes = await Promise.all([a, b]);
    expect(outcomes).toMatchObject([{ reason: 'renewal-failed' }, { reason: 'renewal-failed' }]);
    expect(outcomes[0]).toBe(outcomes[1]);
    expect(outcomes[0]).toBeInstanceOf(SessionExpiredError);
    expect(o.posts('initialize')).toHaveLength(2);
    expect(o.closed).toEqual([outcomes[0]]);
  });

  it('fails the renewal of a session no initialize made, saying there is none to repeat', async () => {
    // A server that gave a session id with the answer to an ordinary request.
    const o = open((call) =>
      idOf(call) === 1 ? json(result(1), { headers: { 'mcp-session-id': 's1' } }) : endsS1(call, 0),
    );
    await o.transport.send(request(1));
    expect(o.transport.sessionId).toBe('s1');
    const error = await failure(o.transport.send(request(2)));
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect(error).toMatchObject({ reason: 'renewal-failed', cause: { code: 'TRANSPORT_ERROR' } });
    expect((error as Error).message).toBe(
      renewalFailed('there is no initialize request to repeat'),
    );
    expect(o.posts('initialize')).toEqual([]);
  });

  it('fails a renewal whose initialize is answered with a JSON-RPC error, quoting it', async () => {
    const o = open(
      server(endsS1, (call) =>
        json(
          { jsonrpc: '2.0', id: idOf(call), error: { code: -32603, message: 'no more sessions' } },
          { headers: { 'mcp-session-id': 's2' } },
        ),
      ),
    );
    await handshake(o.transport);
    const error = await failure(o.transport.send(request(2)));
    expect(error).toMatchObject({ reason: 'renewal-failed', cause: { code: 'TRANSPORT_ERROR' } });
    expect((error as Error).message).toBe(
      renewalFailed('the server answered initialize with error -32603 no more sessions'),
    );
  });

  it('fails a renewal whose initialize is answered without its response, saying so', async () => {
    const o = open(
      server(endsS1, () =>
        json(
          { jsonrpc: '2.0', method: 'notifications/message', params: {} },
          { headers: { 'mcp-session-id': 's2' } },
        ),
      ),
    );
    await handshake(o.transport);
    const error = await failure(o.transport.send(request(2)));
    expect(error).toMatchObject({ reason: 'renewal-failed', cause: { code: 'TRANSPORT_ERROR' } });
    expect((error as Error).message).toBe(renewalFailed('No response to initialize'));
    // The notification that came instead is passed on.
    expect(o.messages.at(-1)).toMatchObject({ method: 'notifications/message' });
  });

  it('fails a renewal whose JSON answer to initialize is past maxMessageBytes, saying so', async () => {
    const o = open(
      server(endsS1, (call) =>
        json(result(idOf(call), { protocolVersion: '2025-06-18', padding: 'x'.repeat(2_000) }), {
          headers: { 'mcp-session-id': 's2' },
        }),
      ),
      { maxMessageBytes: 1_000 },
    );
    await handshake(o.transport);
    const error = await failure(o.transport.send(request(2)));
    expect(error).toMatchObject({ reason: 'renewal-failed' });
    expect((error as Error).message).toContain(
      'initialising a new one failed: The JSON answer to initialize passed 1000 bytes (maxMessageBytes); it was not read further.',
    );
  });

  it('fails a renewal whose initialize is answered with an event stream with no body, as unreadable JSON', async () => {
    const o = open(
      server(
        endsS1,
        () => new Response(null, { status: 200, headers: { ...SSE, 'mcp-session-id': 's2' } }),
      ),
    );
    await handshake(o.transport);
    const error = await failure(o.transport.send(request(2)));
    expect(error).toMatchObject({ reason: 'renewal-failed' });
    expect((error as Error).message).toBe(renewalFailed('Unexpected end of JSON input'));
  });
});

describe('Streamable HTTP renewal: the new session', () => {
  it('takes the new session’s initialize answer from an event stream', async () => {
    const o = open(
      server(endsS1, (call) => {
        const response = sse(event(initializeResult(idOf(call), '2025-03-26'), 'e-1'));
        response.headers.set('mcp-session-id', 's2');
        return response;
      }),
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    expect(o.transport.sessionId).toBe('s2');
    expect(o.transport.protocolVersion).toBe('2025-03-26');
    expect(o.sessionsOf(2)).toEqual(['s1', 's2']);
  });

  it('goes on with the version it had when the renewal’s initialize result is null', async () => {
    const o = open(
      server(endsS1, (call) =>
        json(
          { jsonrpc: '2.0', id: idOf(call), result: null },
          { headers: { 'mcp-session-id': 's2' } },
        ),
      ),
    );
    await handshake(o.transport);
    await o.transport.send(request(2));
    expect(o.transport.sessionId).toBe('s2');
    expect(o.transport.protocolVersion).toBe('2025-06-18');
    expect(o.sessionsOf(2)).toEqual(['s1', 's2']);
  });

  it('takes the id of the renewal’s initialize answer even after a late answer in the old session brought the old one', async () => {
    const late = deferred<Response>();
    const renewal = deferred<Response>();
    const o = open(
      server(
        (call) => (idOf(call) === 2 && late.promise) || endsS1(call, 0),
        () => renewal.promise,
      ),
    );
    await handshake(o.transport);
    const a = o.transport.send(request(2));
    const b = o.transport.send(request(3));
    await until(() => o.posts('initialize').length === 2);
    late.resolve(json(result(2), { headers: { 'mcp-session-id': 's1' } }));
    await a;
    renewal.resolve(initializeJson(idOf(o.posts('initialize')[1] as Call), 's2'));
    await b;
    expect(o.transport.sessionId).toBe('s2');
    expect(o.sessionsOf(3)).toEqual(['s1', 's2']);
  });

  it('passes on a response that repeats the renewal’s initialize id once the renewal is over', async () => {
    const stray = { jsonrpc: '2.0', id: 'mcp-actors-renewal-1', result: {} };
    const o = open(server((call) => (idOf(call) === 4 ? json(stray) : endsS1(call, 0))));
    await handshake(o.transport);
    await o.transport.send(request(2));
    await o.transport.send(request(4));
    await until(() => o.lost.length === 1);
    expect(o.messages.at(-1)).toEqual(stray);
    expect(o.lost).toEqual([4]);
  });
});

describe('Streamable HTTP renewal: closing', () => {
  it('on close, aborts none of the renewal’s fetches that were already answered', async () => {
    const o = open(server(endsS1));
    await handshake(o.transport);
    await o.transport.send(request(2));
    await until(() => o.messages.some((m) => m['id'] === 2));
    await o.transport.close();
    const renewal = o.calls.filter(
      (c) => c.headers.get('mcp-session-id') === 's2' || idOf(c) === 'mcp-actors-renewal-1',
    );
    expect(renewal.map((c) => c.body?.['method'] ?? c.method)).toEqual([
      'initialize',
      'notifications/initialized',
      'tools/list',
      'DELETE',
    ]);
    expect(renewal.map((c) => c.signal.aborted)).toEqual([false, false, false, false]);
  });

  it('fails the messages waiting on a renewal as closed when the transport closes during it', async () => {
    let held = 0;
    const o = open(
      server(
        async (call) => {
          held++;
          await until(() => held === 2);
          return endsS1(call, 0);
        },
        () => new Promise<Response>(() => {}), // the renewal's initialize: never answered
      ),
    );
    await handshake(o.transport);
    const sent = [o.transport.send(request(2)), o.transport.send(request(3))];
    await until(() => o.posts('initialize').length === 2);
    await settle();
    await o.transport.close();
    for (const message of sent)
      await expect(message).rejects.toMatchObject({
        code: 'CONNECTION_CLOSED',
        message: 'The HTTP transport is closed.',
      });
    expect(o.closed).toEqual([undefined]);
    expect(o.events).toEqual([]);
  });

  /**
   * Session s1 ends at request 2; the renewal's initialize is answered with a body the test ends
   * only after closing the transport.
   */
  async function closedDuringAnswer(sendInitialized: boolean) {
    const body = fedBody();
    const o = open(
      server(
        endsS1,
        () =>
          new Response(body.body, {
            status: 200,
            headers: { 'content-type': 'application/json', 'mcp-session-id': 's2' },
          }),
      ),
    );
    await o.transport.send(initializeRequest(1));
    if (sendInitialized) await o.transport.send(initialized);
    const sent = o.transport.send(request(2));
    await until(() => o.posts('initialize').length === 2);
    await settle();
    await o.transport.close();
    const callsAtClose = o.calls.length;
    body.write(JSON.stringify(initializeResult('mcp-actors-renewal-1')));
    body.end();
    await expect(sent).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    return { ...o, callsAtClose };
  }

  it('reports no renewal when the transport closed while the new session’s initialize answer was read', async () => {
    const o = await closedDuringAnswer(false);
    expect(o.events).toEqual([]);
    expect(o.closed).toEqual([undefined]);
  });

  it('sends no notifications/initialized once the transport closed during the renewal’s initialize', async () => {
    const o = await closedDuringAnswer(true);
    expect(o.calls).toHaveLength(o.callsAtClose);
    expect(o.posts('notifications/initialized')).toHaveLength(1);
    expect(o.events).toEqual([]);
  });
});
