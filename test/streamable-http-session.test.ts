import { describe, expect, it } from 'vitest';
import type { HttpAuth } from '../src/auth/types.js';
import {
  createStreamableHttpTransport,
  SessionExpiredError,
  type StreamableHttpOptions,
} from '../src/transports/streamable-http.js';
import type { JsonRpcMessage } from '../src/wire/jsonrpc.js';
import type { TransportEvent, TransportHandlers } from '../src/wire/transport.js';
import {
  accepted,
  type Answer,
  type Call,
  event,
  fedBody,
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

/**
 * The Streamable HTTP transport driven directly (send, the handlers it calls, close) over a
 * scripted `fetch`: the test answers each request, and sees each one's headers, body and signal.
 * What is checked here is what a user of the transport sees of its session: which answers complete
 * which request, the protocol version, renewing a session the server ended, cancelling, closing.
 */

/** An SSE answer whose text the test writes, and ends (or breaks) when it says. */
function sseStream() {
  const fed = fedBody();
  return { ...fed, response: new Response(fed.body, { status: 200, headers: SSE }) };
}

/** What the transport told its user. */
function recorder() {
  const seen = {
    messages: [] as Record<string, unknown>[],
    errors: [] as Error[],
    closed: [] as (Error | undefined)[],
    lost: [] as [string | number, Error][],
    events: [] as TransportEvent[],
    holds: [] as boolean[],
  };
  const handlers: TransportHandlers = {
    message: (m) => void seen.messages.push(m as Record<string, unknown>),
    error: (e) => void seen.errors.push(e),
    closed: (reason) => void seen.closed.push(reason),
    lost: (id, e) => void seen.lost.push([id, e]),
    timeLeft: () => Infinity,
    event: (e) => void seen.events.push(e),
    hold: (waiting) => void seen.holds.push(waiting),
  };
  /** Only what every transport user must take: messages, stream exceptions, the end. */
  const bare: TransportHandlers = {
    message: handlers.message,
    error: handlers.error,
    closed: handlers.closed,
  };
  return { ...seen, handlers, bare };
}

/**
 * A legacy server: each `initialize` opens the next session of `sessions` (answered with the
 * version it asked for, unless `versions` says another), notifications get 202, GET 405, DELETE
 * 200, and any other request what `other` says (by default an empty result).
 */
function legacyServer(
  other: Answer = (call) => json(result(call.body?.id)),
  sessions = ['session-1', 'session-2', 'session-3'],
  versions: unknown[] = [],
): Answer {
  let next = 0;
  return (call, index) => {
    if (call.method === 'DELETE') return new Response(null, { status: 200 });
    if (call.method === 'GET') return status(405);
    const body = call.body;
    if (body?.method === 'initialize') {
      const params = body.params as { protocolVersion?: unknown };
      const version = versions[next] ?? params.protocolVersion;
      return json(initializeResult(body.id, version), {
        headers: { 'mcp-session-id': sessions[next++] ?? 'x' },
      });
    }
    if (body !== undefined && !('id' in body)) return accepted();
    return other(call, index);
  };
}

/** A started transport over `answer`, with what it tells its user. */
function transportOver(answer: Answer, options: Partial<StreamableHttpOptions> = {}, bare = false) {
  const script = scriptedFetch(answer);
  const transport = createStreamableHttpTransport({
    url: MCP_URL,
    fetch: script.fetch,
    standaloneStream: false,
    ...options,
  });
  const seen = recorder();
  void transport.start(bare ? seen.bare : seen.handlers);
  return { transport, calls: script.calls, seen };
}

/** `initialize` (its answer awaited) and `notifications/initialized`. */
async function handshake(
  transport: ReturnType<typeof createStreamableHttpTransport>,
  seen: ReturnType<typeof recorder>,
): Promise<void> {
  await transport.send(initializeRequest(0));
  await until(() => seen.messages.some((m) => m.id === 0));
  await transport.send(initialized);
}

const posts = (calls: readonly Call[], method?: string) =>
  calls.filter((c) => c.method === 'POST' && (method === undefined || c.body?.method === method));

describe('Streamable HTTP: which answer completes which request', () => {
  it('takes a JSON response with the request’s id, numeric or string, as its answer', async () => {
    const { transport, seen } = transportOver((call) => json(result(call.body?.id, { ok: true })));
    await transport.send(request(7));
    await transport.send(request('seven'));
    await until(() => seen.messages.length === 2);
    expect(seen.messages.map((m) => m.id)).toEqual([7, 'seven']);
    expect(seen.lost).toEqual([]);
    await transport.close();
  });

  it('takes an error response as an answer too', async () => {
    const { transport, seen } = transportOver((call) =>
      json({ jsonrpc: '2.0', id: call.body?.id, error: { code: -32601, message: 'nope' } }),
    );
    await transport.send(request(3));
    await until(() => seen.messages.length === 1);
    expect(seen.messages[0]).toMatchObject({ id: 3, error: { code: -32601 } });
    expect(seen.lost).toEqual([]);
    await transport.close();
  });

  it('fails a request at once when its JSON answer is another request’s response, passing that on', async () => {
    const { transport, seen } = transportOver(() => json(result(99)));
    await transport.send(request(7));
    await until(() => seen.lost.length === 1);
    expect(seen.messages).toEqual([result(99)]);
    expect(seen.lost[0]?.[0]).toBe(7);
    expect(seen.lost[0]?.[1]).toMatchObject({ code: 'TRANSPORT_ERROR' });
    await transport.close();
  });

  it('does not take an error with a null id as the answer to a request whose id is "null"', async () => {
    const { transport, seen } = transportOver(() =>
      json({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } }),
    );
    await transport.send(request('null'));
    await until(() => seen.lost.length === 1);
    expect(seen.lost[0]?.[0]).toBe('null');
    await transport.close();
  });

  it('does not take a server request that reuses the request’s id as its answer', async () => {
    const { transport, seen } = transportOver((call) =>
      sse(event({ jsonrpc: '2.0', id: call.body?.id, method: 'ping' })),
    );
    await transport.send(request(5));
    await until(() => seen.lost.length === 1);
    expect(seen.messages).toEqual([{ jsonrpc: '2.0', id: 5, method: 'ping' }]);
    expect(seen.lost[0]?.[0]).toBe(5);
    await transport.close();
  });

  it('does not resume an event stream that ended after its response', async () => {
    const { transport, calls, seen } = transportOver(
      (call) => (call.method === 'GET' ? status(405) : sse(event(result(call.body?.id), 'e-1'))),
      { delay: () => Promise.resolve() },
    );
    await transport.send(request(1));
    await until(() => seen.messages.length === 1);
    // Another request, answered after the first stream was read to its end.
    await transport.send(request(2));
    await until(() => seen.messages.length === 2);
    expect(calls.map((c) => c.method)).toEqual(['POST', 'POST']);
    await transport.close();
  });
});

describe('Streamable HTTP: the protocol version', () => {
  it('takes the version from the answer to initialize, and from no other answer', async () => {
    const { transport, seen } = transportOver((call) => {
      const id = call.body?.id;
      if (id === 0) return json(initializeResult(0, '2025-06-18'));
      if (id === 1) return json(initializeResult(1, '1999-01-01')); // a tool's result, say
      if (id === 2) return json({ jsonrpc: '2.0', id, error: { code: -32602, message: 'no' } });
      return json(initializeResult(id, 42)); // not a version
    });
    expect(transport.protocolVersion).toBeUndefined();
    await transport.send(initializeRequest(0));
    await until(() => seen.messages.length === 1);
    expect(transport.protocolVersion).toBe('2025-06-18');
    await transport.send(request(1));
    await until(() => seen.messages.length === 2);
    // An initialize answered with an error, then one answered without a version string.
    await transport.send(initializeRequest(2));
    await transport.send(initializeRequest(3));
    await until(() => seen.messages.length === 4);
    expect(seen.messages[2]).toMatchObject({ id: 2, error: { code: -32602 } });
    expect(seen.lost).toEqual([]);
    expect(transport.protocolVersion).toBe('2025-06-18');
    await transport.close();
  });
});

describe('Streamable HTTP: a user that takes only messages, errors and the end', () => {
  it('passes a request it cannot answer to error() when there is no lost()', async () => {
    const { transport, seen } = transportOver(() => json(result(99)), {}, true);
    await transport.send(request(7));
    await until(() => seen.errors.length === 1);
    expect(seen.errors[0]).toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(seen.lost).toEqual([]);
    await transport.close();
  });

  it('resumes a broken event stream without asking timeLeft()', async () => {
    const broken = sseStream();
    const { transport, calls, seen } = transportOver(
      (call) => (call.method === 'GET' ? sse(event(result(1), 'e-2')) : broken.response),
      { delay: () => Promise.resolve() },
      true,
    );
    await transport.send(request(1));
    broken.write('id: e-1\ndata: \n\n');
    broken.fail(new Error('connection reset'));
    await until(() => seen.messages.length + seen.errors.length > 0);
    expect(seen.errors).toEqual([]);
    expect(seen.messages).toEqual([result(1)]);
    expect(calls.at(-1)?.headers.get('last-event-id')).toBe('e-1');
    await transport.close();
  });

  it('renews an ended session without event()', async () => {
    let ended = false;
    const { transport, seen } = transportOver(
      legacyServer((call) => {
        if (!ended) {
          ended = true;
          return status(404);
        }
        return json(result(call.body?.id));
      }),
      {},
      true,
    );
    await handshake(transport, seen);
    await transport.send(request(1));
    await until(() => seen.messages.length === 2);
    expect(seen.messages[1]).toEqual(result(1));
    expect(transport.sessionId).toBe('session-2');
    await transport.close();
  });

  it('tells hold() while an authorization runs, and works without it', async () => {
    const auth: HttpAuth = {
      wrapFetch: (_url, inner, options) => async (input, init) => {
        options?.authorizing?.(true);
        options?.authorizing?.(false);
        return inner(input, init);
      },
    };
    for (const bare of [false, true]) {
      const { transport, seen } = transportOver(
        (call) => json(result(call.body?.id)),
        { auth },
        bare,
      );
      await transport.send(request(1));
      await until(() => seen.messages.length === 1);
      expect(seen.holds).toEqual(bare ? [] : [true, false]);
      await transport.close();
    }
  });
});

describe('Streamable HTTP: closing', () => {
  it('closes a transport that was never started', async () => {
    const { fetch: doFetch } = scriptedFetch(() => accepted());
    const transport = createStreamableHttpTransport({ url: MCP_URL, fetch: doFetch });
    await expect(transport.close()).resolves.toBeUndefined();
  });

  it('aborts what is in flight, ends the session once, tells closed() once, and refuses to send more', async () => {
    const { transport, calls, seen } = transportOver(
      legacyServer(() => new Promise<Response>(() => {})), // requests never answered
    );
    await handshake(transport, seen);
    const pending = transport.send(request(1));
    await until(() => posts(calls, 'tools/list').length === 1);
    await transport.close();
    await transport.close();
    await expect(pending).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(posts(calls, 'tools/list')[0]?.signal.aborted).toBe(true);
    expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1);
    expect(seen.closed).toEqual([undefined]);
    await expect(transport.send(request(2))).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('on 2026, refuses a cancellation once closed', async () => {
    const { transport } = transportOver((call) => json(result(call.body?.id)));
    await transport.send(
      request(1, 'tools/list', {
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
      }),
    );
    await transport.close();
    await expect(
      transport.send({
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 1 },
      }),
    ).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });
});

const cancel = (requestId?: unknown) =>
  ({
    jsonrpc: '2.0',
    method: 'notifications/cancelled',
    ...(requestId === undefined ? {} : { params: { requestId } }),
  }) as JsonRpcMessage;

const never = (): Promise<Response> => new Promise<Response>(() => {});

describe('Streamable HTTP: cancelling', () => {
  it('on a handshake revision, posts notifications/cancelled and then closes the request’s POST', async () => {
    const { transport, calls, seen } = transportOver(legacyServer(never));
    await handshake(transport, seen);
    const inFlight = Promise.resolve(transport.send(request('r-1'))).catch((e: unknown) => e);
    await until(() => posts(calls, 'tools/list').length === 1);
    await transport.send(cancel('r-1'));
    expect(posts(calls, 'notifications/cancelled')).toHaveLength(1);
    expect(posts(calls, 'tools/list')[0]?.signal.aborted).toBe(true);
    // A request no longer in flight, and a cancellation naming none: only the notification.
    await transport.send(cancel('r-9'));
    await transport.send(cancel());
    expect(posts(calls, 'notifications/cancelled')).toHaveLength(3);
    await expect(inFlight).resolves.toMatchObject({ code: 'TRANSPORT_ERROR' });
    await transport.close();
  });

  it('on 2026, closes the POST of the request named by a string id, and posts nothing', async () => {
    const { transport, calls } = transportOver(never);
    const stamp = { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } };
    const call = transport.send(request('r-1', 'tools/list', stamp));
    await until(() => calls.length === 1);
    await transport.send(cancel('r-1'));
    await transport.send(cancel('r-9'));
    await expect(call).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(calls).toHaveLength(1);
    await transport.close();
  });

  it('sends a cancellation again in the new session when the server ended the old one', async () => {
    let ended = false;
    const server = legacyServer();
    const { transport, calls, seen } = transportOver((call, index) => {
      if (call.body?.method === 'notifications/cancelled' && !ended) {
        ended = true;
        return status(404);
      }
      return server(call, index);
    });
    await handshake(transport, seen);
    await expect(transport.send(cancel(5))).resolves.toBeUndefined();
    expect(
      posts(calls, 'notifications/cancelled').map((c) => c.headers.get('mcp-session-id')),
    ).toEqual(['session-1', 'session-2']);
    await transport.close();
  });
});

describe('Streamable HTTP: a session the server ended, with renewSession: false', () => {
  it('closes once, rejecting every message that met the 404, and ends no session', async () => {
    const { transport, calls, seen } = transportOver(
      legacyServer(async () => {
        await until(() => posts(calls, 'tools/list').length === 2);
        return status(404);
      }),
      { renewSession: false },
    );
    await handshake(transport, seen);
    const outcomes = Promise.allSettled([transport.send(request(1)), transport.send(request(2))]);
    const settled = await outcomes;
    const message = 'The server ended session "session-1" (HTTP 404), and renewSession is off.';
    expect(settled.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    const expired = settled
      .map((o) => (o.status === 'rejected' ? (o.reason as unknown) : undefined))
      .filter((e) => e instanceof SessionExpiredError);
    expect(expired).toMatchObject([{ reason: 'renewal-off' }]);
    expect((expired[0] as Error).message).toContain(message);
    expect(seen.closed).toHaveLength(1);
    expect(seen.closed[0]).toBeInstanceOf(SessionExpiredError);
    await transport.close();
    expect(calls.filter((c) => c.method === 'DELETE')).toEqual([]);
  });
});

describe('Streamable HTTP: renewing a session the server ended', () => {
  it('initialises each new session with an initialize of its own, takes its version and id, and says so', async () => {
    let ends = 0;
    const server = legacyServer(
      (call) => {
        // Each tools/list meets a 404 once; sent again, it is answered.
        if (ends < 2 && call.body?.id === ends + 1) {
          ends++;
          return status(404);
        }
        return json(result(call.body?.id));
      },
      ['session-1', 'session-2', 'session-3'],
      ['2025-06-18', '2025-03-26', 42],
    );
    const { transport, calls, seen } = transportOver(
      (call, index) =>
        call.body !== undefined && !('id' in call.body)
          ? accepted({ 'mcp-session-id': 'stray' }) // not an initialize's answer: not taken
          : server(call, index),
      { authorize: ({ method }) => ({ 'x-method': method }) },
    );
    await handshake(transport, seen);
    await transport.send(request(1));
    expect(transport.sessionId).toBe('session-2');
    expect(transport.protocolVersion).toBe('2025-03-26');
    await transport.send(request(2));
    expect(transport.sessionId).toBe('session-3');
    // An answer with no version string leaves the version as it was.
    expect(transport.protocolVersion).toBe('2025-03-26');
    expect(posts(calls, 'initialize').map((c) => c.body?.id)).toEqual([
      0,
      'mcp-actors-renewal-1',
      'mcp-actors-renewal-2',
    ]);
    expect(calls.every((c) => c.headers.get('x-method') === c.method)).toBe(true);
    expect(seen.events.map((e) => e.message)).toEqual([
      'The server ended session "session-1" (HTTP 404); initialised session "session-2" and sent the request again.',
      'The server ended session "session-2" (HTTP 404); initialised session "session-3" and sent the request again.',
    ]);
    await transport.close();
  });
});
