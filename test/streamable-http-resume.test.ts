import type { IncomingMessage, ServerResponse } from 'node:http';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AuthorizationError,
  createClientSession,
  type HttpAuth,
  type SessionMessage,
} from '../src/index.js';
import { defaultDelay } from '../src/transports/http/resumable-stream.js';
import {
  createStreamableHttpTransport,
  type StreamableHttpOptions,
} from '../src/transports/streamable-http.js';
import type { TransportEvent } from '../src/wire/transport.js';
import { steppingClock } from './support/clock.js';
import {
  closeServers,
  event,
  initialize,
  json,
  legacySession,
  recordingDelay,
  serve,
  sse,
  toolResult,
} from './support/scripted-http.js';
import { deferred } from './support/deferred.js';

/**
 * Resuming Streamable HTTP streams (MCP 2025-03-26..2025-11-25), against a real HTTP server on
 * 127.0.0.1 that the tests script: what a resume meets (a refusal, a network error, a stream cut
 * again), what a stream carries besides messages, the standalone GET stream's reopening and its
 * giving up, and the default wait between attempts. Waits go through an injected `delay`.
 */

afterEach(async () => {
  vi.useRealTimers();
  await closeServers();
});

/** The transport events among a session's messages. */
const transportEvents = (messages: SessionMessage[]): TransportEvent[] =>
  messages.flatMap((m) => (m.type === 'transport' ? [m.event] : []));

const exceptions = (messages: SessionMessage[]): Error[] =>
  messages.flatMap((m) => (m.type === 'exception' ? [m.error] : []));

describe('defaultDelay: the wait between reconnection attempts', () => {
  it('resolves once the time has passed, not before, and leaves no listener on the signal', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let done = false;
    const waiting = defaultDelay(100, controller.signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once with the abort reason when the signal aborts during the wait', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const reason = new Error('closing');
    const waiting = defaultDelay(10_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // No timer is left to fire.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal had aborted before, an Error made of a reason that is not one', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    controller.abort('gone');
    await expect(defaultDelay(10, controller.signal)).rejects.toMatchObject({
      message: 'gone',
    });
    expect(vi.getTimerCount()).toBe(0);
    const during = new AbortController();
    const waiting = defaultDelay(10, during.signal);
    during.abort('went');
    await expect(waiting).rejects.toMatchObject({ message: 'went' });
  });
});

describe('Streamable HTTP: what a resume meets', () => {
  it('fails the request at once, naming the refusal, when the server answers a resume with 404', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(404).end('no such stream');
      sse(res).end('id: p-0\nretry: 20\ndata: \n\n');
    });
    const { waits, delay } = recordingDelay();
    const { session } = await legacySession(url, { delay });
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^The response stream of request \d+ \(tools\/call\) ended before its response, and the server refused to resume it: HTTP 404 Not Found for GET request \d+ \(tools\/call\): no such stream\.$/,
      ) as unknown,
      cause: { status: 404, body: 'no such stream' },
    });
    expect(waits).toEqual([20]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });

  it('fails the request at once, without trying again, when authorizing its resume fails', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      sse(res).end('id: a-0\nretry: 20\ndata: \n\n');
    });
    const refusal = new AuthorizationError('unauthorized', 'The server refused the new token.');
    let authorized = 0;
    // An authorization that fails on the resume's GET (POSTs go through as they are).
    const auth: HttpAuth = {
      wrapFetch: (_server, inner) => (input, init) => {
        if (init?.method !== 'GET') return inner(input, init);
        authorized++;
        return Promise.reject(refusal);
      },
    };
    const { waits, delay } = recordingDelay();
    const { session } = await legacySession(url, { delay, auth });
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^The response stream of request \d+ \(tools\/call\) ended before its response, and the server refused to resume it: The server refused the new token\.$/,
      ) as unknown,
      cause: refusal,
    });
    expect(authorized).toBe(1);
    expect(waits).toEqual([20]);
    expect(seen.some((s) => s.method === 'GET')).toBe(false);
    await session.close();
  });

  it('tries again after a network error on a resume, backing off, and says when the stream is back', async () => {
    let gets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        gets++;
        // The first resume meets a connection closed before any answer.
        if (gets === 1) return void req.socket.destroy();
        const call = seen.find((s) => s.rpc === 'tools/call');
        return void sse(res).end(event(toolResult(call?.id, 'back'), 'n-1'));
      }
      sse(res).end('id: n-0\nretry: 100\ndata: \n\n');
    });
    const { waits, delay } = recordingDelay();
    const messages: SessionMessage[] = [];
    const { session } = await legacySession(url, { delay, reconnect: { factor: 3 } }, messages);
    await expect(session.callTool('slow')).resolves.toMatchObject({
      content: [{ text: 'back' }],
    });
    expect(waits).toEqual([100, 300]);
    const ids = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(ids).toEqual(['n-0', 'n-0']);
    const call = seen.find((s) => s.rpc === 'tools/call');
    expect(transportEvents(messages)).toEqual([
      {
        type: 'stream-resumed',
        message: `Resumed the stream of request ${String(call?.id)} (tools/call) after event "n-0".`,
        lastEventId: 'n-0',
        requestId: call?.id,
      },
    ]);
    await session.close();
  });

  it('resumes again, from the last event, when a resumed stream is cut in the middle of an event', async () => {
    let gets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        gets++;
        const call = seen.find((s) => s.rpc === 'tools/call');
        if (gets === 1) {
          sse(res).write('id: m-1\ndata: \n\ndata: {"jsonrpc":', () => res.socket?.destroy());
          return;
        }
        return void sse(res).end(event(toolResult(call?.id, 'whole'), 'm-2'));
      }
      sse(res).end('id: m-0\nretry: 10\ndata: \n\n');
    });
    const { waits, delay } = recordingDelay();
    const { session } = await legacySession(url, { delay });
    await expect(session.callTool('slow')).resolves.toMatchObject({
      content: [{ text: 'whole' }],
    });
    const ids = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(ids).toEqual(['m-0', 'm-1']);
    expect(waits).toEqual([10, 10]);
    await session.close();
  });
});

describe('Streamable HTTP: what an event stream carries besides messages', () => {
  it('skips named events and events without data, and reports an event whose data is not JSON', async () => {
    const notJson = `{not json ${'x'.repeat(200)}`;
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      sse(res).end(
        `event: heartbeat\ndata: ${JSON.stringify(toolResult(rpc?.id, 'not this'))}\n\n` +
          'data:  \n\n' +
          `data: ${notJson}\n\n` +
          `event: message\ndata: ${JSON.stringify(toolResult(rpc?.id, 'this'))}\n\n`,
      );
    });
    const messages: SessionMessage[] = [];
    const { session } = await legacySession(url, {}, messages);
    await expect(session.callTool('x')).resolves.toMatchObject({ content: [{ text: 'this' }] });
    const errors = exceptions(messages);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'INVALID_JSON',
      message: `An SSE event's data is not JSON: ${notJson.slice(0, 120)}`,
    });
    expect(errors[0]?.cause).toBeInstanceOf(SyntaxError);
    await session.close();
  });
});

describe('Streamable HTTP: resumes answered with something other than an event stream', () => {
  const cases: [string, (res: ServerResponse) => void, Record<string, unknown>][] = [
    [
      '200 with another content type',
      (res) => void res.writeHead(200, { 'content-type': 'text/html' }).write('<html>'),
      { status: 200, contentType: 'text/html', body: '' },
    ],
    [
      '200 with no content type',
      (res) => void res.writeHead(200).write('?'),
      { status: 200, contentType: '', body: '' },
    ],
    [
      '204 with no body',
      (res) => void res.writeHead(204, { 'content-type': 'text/event-stream' }).end(),
      { status: 204, body: '' },
    ],
    [
      '503 with the event-stream content type',
      (res) => void res.writeHead(503, { 'content-type': 'text/event-stream' }).end('down'),
      { status: 503, body: 'down' },
    ],
  ];
  for (const [what, answer, cause] of cases) {
    it(`counts a resume answered ${what} as a failed attempt, and drops its connection`, async () => {
      const closed: Promise<void>[] = [];
      const { url, seen } = await serve((req, rpc, res) => {
        if (rpc?.method === 'initialize') return initialize(rpc, res);
        if (req.method === 'GET') {
          closed.push(new Promise((resolve) => res.on('close', () => resolve())));
          return answer(res);
        }
        sse(res).end('id: q-0\nretry: 10\ndata: \n\n');
      });
      const { waits, delay } = recordingDelay();
      const { session } = await legacySession(url, { delay, reconnect: { maxRetries: 2 } });
      const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'TRANSPORT_ERROR',
        message: expect.stringMatching(
          new RegExp(
            `ended before its response: 2 attempts to resume it failed, the last with HTTP ${String(cause.status)}\\b.* for GET request \\d+ \\(tools/call\\)`,
          ),
        ) as unknown,
        cause,
      });
      expect(waits).toEqual([10, 15]);
      expect(seen.filter((s) => s.method === 'GET')).toHaveLength(2);
      // The client read no further: the server sees each connection closed.
      await Promise.all(closed);
      await session.close();
    });
  }
});

/** A session whose transport opens the standalone GET stream; its messages are kept. */
async function listeningSession(
  url: string,
  options: Partial<StreamableHttpOptions>,
  onMessage: (m: SessionMessage) => void = () => {},
) {
  const messages: SessionMessage[] = [];
  const transport = createStreamableHttpTransport({ url, ...options });
  const session = createClientSession({
    transport,
    mode: 'legacy',
    protocolVersion: '2025-11-25',
    messageHandler: (m) => {
      messages.push(m);
      onMessage(m);
    },
  });
  await session.connect();
  return { session, transport, messages };
}

/** Resolves with the first transport event of type `type` a session reports. */
function awaitEvent(type: string): {
  onMessage: (m: SessionMessage) => void;
  reported: Promise<TransportEvent>;
} {
  let resolve: (e: TransportEvent) => void = () => {};
  const reported = new Promise<TransportEvent>((r) => (resolve = r));
  return {
    reported,
    onMessage: (m) => {
      if (m.type === 'transport' && m.event.type === type) resolve(m.event);
    },
  };
}

const toolsChanged = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };

describe('Streamable HTTP: the standalone GET stream, reopened and given up', () => {
  it('reports no resumption when it first opens, and one naming the last event when reopened', async () => {
    let gets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        gets++;
        if (gets === 1) return void sse(res).end(event(toolsChanged, 'l-1') + 'retry: 30\n\n');
        return void sse(res).write(event(toolsChanged));
      }
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    let changes = 0;
    const { promise: changedTwice, resolve: twice } = deferred();
    const { waits, delay } = recordingDelay();
    const { session, messages } = await listeningSession(url, { delay });
    session.onListChanged('tools', () => {
      if (++changes === 2) twice();
    });
    await changedTwice;
    expect(transportEvents(messages)).toEqual([
      {
        type: 'stream-resumed',
        message: 'Resumed the stream of the standalone GET stream after event "l-1".',
        lastEventId: 'l-1',
        requestId: undefined,
      },
    ]);
    expect(waits).toEqual([30]);
    const ids = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(ids).toEqual([undefined, 'l-1']);
    await session.close();
  });

  it('tries again after a failed GET, backing off, and after maxRetries failures in a row gives up saying why', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(503).end('busy');
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const lost = awaitEvent('stream-lost');
    const { waits, delay } = recordingDelay();
    const { session, messages } = await listeningSession(
      url,
      { delay, reconnect: { maxRetries: 2 } },
      lost.onMessage,
    );
    const failure = 'HTTP 503 Service Unavailable for GET the standalone GET stream: busy';
    await expect(lost.reported).resolves.toEqual({
      type: 'stream-lost',
      message: `The standalone GET stream could not be reopened after 2 attempts (the last: ${failure}); server messages outside requests will not arrive.`,
      cause: `${failure}.`,
    });
    expect(waits).toEqual([1_500]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(2);
    expect(exceptions(messages)).toEqual([]);
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await session.close();
  });

  it('with reconnect: { maxRetries: 0 }, still opens, and gives up at the first failure', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(500).end('no');
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const lost = awaitEvent('stream-lost');
    const { waits, delay } = recordingDelay();
    const { session } = await listeningSession(
      url,
      { delay, reconnect: { maxRetries: 0 } },
      lost.onMessage,
    );
    const failure = 'HTTP 500 Internal Server Error for GET the standalone GET stream: no';
    await expect(lost.reported).resolves.toEqual({
      type: 'stream-lost',
      message: `The standalone GET stream failed (${failure}) and is not reopened (reconnect.maxRetries is 0); server messages outside requests will not arrive.`,
      cause: `${failure}.`,
    });
    expect(waits).toEqual([]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });

  it('with reconnect: { maxRetries: 0 }, is not reopened when the server ends it, and says so', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void sse(res).end(event(toolsChanged, 'l-1'));
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const lost = awaitEvent('stream-lost');
    const { waits, delay } = recordingDelay();
    let changes = 0;
    const { session, messages } = await listeningSession(
      url,
      { delay, reconnect: { maxRetries: 0 } },
      (m) => {
        if (m.type === 'notification' && m.notification.method === toolsChanged.method) changes++;
        lost.onMessage(m);
      },
    );
    await expect(lost.reported).resolves.toEqual({
      type: 'stream-lost',
      message:
        'The standalone GET stream ended and is not reopened (reconnect.maxRetries is 0); server messages outside requests will not arrive.',
    });
    // What the stream carried before it ended arrived; it was not resumed.
    expect(changes).toBe(1);
    expect(waits).toEqual([]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    expect(exceptions(messages)).toEqual([]);
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await session.close();
  });

  it('with reconnect: { maxRetries: 0 }, is not reopened when the connection breaks, and says why', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        return void sse(res).write(event(toolsChanged, 'l-1'), () => res.socket?.destroy());
      }
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const lost = awaitEvent('stream-lost');
    const { waits, delay } = recordingDelay();
    const { session, messages } = await listeningSession(
      url,
      { delay, reconnect: { maxRetries: 0 } },
      lost.onMessage,
    );
    // What undici says of a body cut by the server.
    const failure = 'terminated: other side closed (UND_ERR_SOCKET)';
    await expect(lost.reported).resolves.toEqual({
      type: 'stream-lost',
      message: `The standalone GET stream failed (${failure}) and is not reopened (reconnect.maxRetries is 0); server messages outside requests will not arrive.`,
      cause: failure,
    });
    expect(waits).toEqual([]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    expect(exceptions(messages)).toEqual([]);
    await session.close();
  });

  it('with reconnect: { maxRetries: 0 }, is given up quietly on 405, as with reconnection on', async () => {
    const { promise: getAnswered, resolve: answered } = deferred();
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(405).end();
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    // The GET's answer is read whole before the transport sees it (see the 404 case below).
    const buffered: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== 'GET') return response;
      const body = await response.arrayBuffer();
      answered();
      return new Response(body, response);
    };
    const { session, messages } = await listeningSession(url, {
      fetch: buffered,
      reconnect: { maxRetries: 0 },
    });
    await getAnswered;
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    expect(transportEvents(messages)).toEqual([]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });

  it('is given up quietly on 404: no report, no stream exception', async () => {
    const { promise: getAnswered, resolve: answered } = deferred();
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(404).end('none here');
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    // The GET's answer is read whole before the transport sees it: what the transport does
    // with it then takes no I/O, and is over before the next request's answer arrives.
    const buffered: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== 'GET') return response;
      const body = await response.arrayBuffer();
      answered();
      return new Response(body, response);
    };
    const { waits, delay } = recordingDelay();
    const { session, messages } = await listeningSession(url, { delay, fetch: buffered });
    await getAnswered;
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    expect(transportEvents(messages)).toEqual([]);
    expect(exceptions(messages)).toEqual([]);
    expect(waits).toEqual([]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });

  it('gives up an event over maxMessageBytes with a stream exception and a report naming the cap', async () => {
    const { url } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        const big = { ...toolsChanged, params: { pad: 'p'.repeat(64 * 1024) } };
        return void sse(res).write(event(big, 'big-1'));
      }
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const lost = awaitEvent('stream-lost');
    const { delay } = recordingDelay();
    const { session, messages } = await listeningSession(
      url,
      { delay, maxMessageBytes: 64 * 1024 },
      lost.onMessage,
    );
    await expect(lost.reported).resolves.toEqual({
      type: 'stream-lost',
      message:
        'The standalone GET stream carried an event over 65536 bytes (maxMessageBytes) and was closed; server messages outside requests will not arrive.',
    });
    expect(exceptions(messages)).toMatchObject([{ code: 'MESSAGE_TOO_LARGE' }]);
    await session.close();
  });

  it('is closed by a session renewal, and opened again in the new session', async () => {
    let sessions = 0;
    let expired = false;
    let firstClosed: Promise<void> | undefined;
    let opened: (sessionId: unknown) => void = () => {};
    const reopened = new Promise<unknown>((resolve) => (opened = resolve));
    const { promise: firstOpen, resolve: first } = deferred();
    const { url } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        sessions++;
        return initialize(rpc, res, `session-${sessions}`);
      }
      const sid = req.headers['mcp-session-id'];
      if (req.method === 'GET') {
        if (sid === 'session-1') {
          firstClosed = new Promise((resolve) => res.on('close', () => resolve()));
          sse(res).write(': open\n\n');
          return first();
        }
        sse(res).write(': open\n\n');
        return opened(sid);
      }
      if (expired && sid === 'session-1') return void res.writeHead(404).end();
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const { session } = await listeningSession(url, {});
    await firstOpen;
    expired = true;
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await expect(reopened).resolves.toBe('session-2');
    await firstClosed;
    await session.close();
  });
});

describe('Streamable HTTP: resuming within the request’s timeout', () => {
  /** Time that moves only when the transport waits; the session's timers fire as it passes. */
  function steppingTime() {
    const clock = steppingClock();
    const waits: number[] = [];
    const delay: NonNullable<StreamableHttpOptions['delay']> = (ms, signal) => {
      waits.push(ms);
      clock.advance(ms);
      return signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve();
    };
    return { clock, waits, delay };
  }

  async function timedSession(url: string, requestTimeout: number) {
    const { clock, waits, delay } = steppingTime();
    const transport = createStreamableHttpTransport({ url, standaloneStream: false, delay });
    const session = createClientSession({ transport, mode: 'legacy', clock, requestTimeout });
    await session.connect();
    return { session, waits };
  }

  it('fails the request when the next attempt would come just as it times out', async () => {
    const { url } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(503).end('later');
      sse(res).end('id: t-0\ndata: \n\n');
    });
    const { session, waits } = await timedSession(url, 2_500);
    await expect(session.callTool('slow')).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /: resuming it failed with HTTP 503 Service Unavailable for GET request \d+ \(tools\/call\): later, and the next attempt \(in 1500 ms\) would come after the request's timeout \(1500 ms away\)\.$/,
      ) as unknown,
    });
    expect(waits).toEqual([1_000]);
    await session.close();
  });

  it('leaves a request whose stream ended cleanly to its own timeout, however long the wait', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void sse(res).write(': nothing yet\n\n');
      sse(res).end('id: w-0\nretry: 800\ndata: \n\n');
    });
    const { session, waits } = await timedSession(url, 500);
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(waits).toEqual([800]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(0);
    await session.close();
  });
});

/**
 * A Streamable HTTP transport driven without a session: what it hands its handlers is kept,
 * `request` sends a request and resolves with its answer, `lost` lists the requests it gave up,
 * `events` what it reported. GETs go through `fetch` counted as they are made.
 */
async function bareTransport(url: string, options: Partial<StreamableHttpOptions> = {}) {
  const lost: [string | number, Error][] = [];
  const events: TransportEvent[] = [];
  const messages: Record<string, unknown>[] = [];
  const waiting = new Map<unknown, (m: Record<string, unknown>) => void>();
  let gets = 0;
  const inner = options.fetch ?? fetch;
  const counting: typeof fetch = (input, init) => {
    if (init?.method === 'GET') gets++;
    return inner(input, init);
  };
  const transport = createStreamableHttpTransport({
    url,
    standaloneStream: false,
    ...options,
    fetch: counting,
  });
  await transport.start({
    message: (m) => {
      const message = m as Record<string, unknown>;
      messages.push(message);
      waiting.get(message.id)?.(message);
    },
    error: () => {},
    closed: () => {},
    lost: (id, error) => void lost.push([id, error]),
    event: (e) => void events.push(e),
    timeLeft: () => Infinity,
  });
  const request = async (id: number, method: string, params: Record<string, unknown> = {}) => {
    const answered = new Promise<Record<string, unknown>>((resolve) => waiting.set(id, resolve));
    await transport.send({ jsonrpc: '2.0', id, method, params });
    return answered;
  };
  await request(0, 'initialize', {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'bare', version: '1' },
  });
  await transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  const cancel = (requestId: number) =>
    transport.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId } });
  return { transport, request, cancel, lost, events, messages, gets: () => gets };
}

/** A server for bare transports: initialize and ping answered, tools/call's stream primed and ended. */
function resumingServer(onGet: (req: IncomingMessage, res: ServerResponse) => void) {
  return serve((req, rpc, res) => {
    if (rpc?.method === 'initialize') return initialize(rpc, res);
    if (req.method === 'GET') return onGet(req, res);
    if (rpc?.method === 'ping') return json(res, { jsonrpc: '2.0', id: rpc.id, result: {} });
    sse(res).end('id: b-0\nretry: 5\ndata: \n\n');
  });
}

describe('Streamable HTTP: a request’s stream that resuming no longer serves', () => {
  it('reads a resumed stream to its end after the answer, without reopening it or calling the request lost', async () => {
    const { url } = await resumingServer((_req, res) => {
      sse(res).end(
        event(toolResult(7, 'done'), 'b-1') +
          event({ jsonrpc: '2.0', method: 'notifications/message', params: {} }, 'b-2'),
      );
    });
    // The GET's answer is read whole before the transport sees it: the rest of its work on it
    // takes no I/O, and is over before the next answer arrives.
    const buffered: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      return init?.method === 'GET'
        ? new Response(await response.arrayBuffer(), response)
        : response;
    };
    const bare = await bareTransport(url, { fetch: buffered, delay: recordingDelay().delay });
    await expect(bare.request(7, 'tools/call', { name: 'x' })).resolves.toMatchObject({
      result: { content: [{ text: 'done' }] },
    });
    await bare.request(8, 'ping');
    expect(bare.messages.map((m) => m.method ?? m.id)).toEqual([0, 7, 'notifications/message', 8]);
    expect(bare.lost).toEqual([]);
    expect(bare.gets()).toBe(1);
    await bare.transport.close();
  });

  /** A fetch that says when the answer to a GET has arrived (its headers, not its body). */
  function answeredGets() {
    const { promise: answered, resolve: arrived } = deferred();
    const watching: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'GET') arrived();
      return response;
    };
    return { answered, fetch: watching };
  }

  it('calls a request cancelled while its resumed stream is read neither lost nor resumed again', async () => {
    const { url } = await resumingServer((_req, res) => void sse(res).write(': working\n\n'));
    const get = answeredGets();
    const bare = await bareTransport(url, { fetch: get.fetch, delay: recordingDelay().delay });
    void bare.request(7, 'tools/call', { name: 'x' });
    await get.answered;
    await bare.cancel(7);
    await bare.request(8, 'ping');
    expect(bare.lost).toEqual([]);
    expect(bare.gets()).toBe(1);
    await bare.transport.close();
  });

  it('calls a request cancelled during the wait before a resume neither lost nor resumed', async () => {
    const { url } = await resumingServer((_req, res) => void sse(res).end());
    const { promise: waiting, resolve: inWait } = deferred();
    const untilAborted: NonNullable<StreamableHttpOptions['delay']> = (_ms, signal) =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
        inWait();
      });
    const bare = await bareTransport(url, { delay: untilAborted });
    void bare.request(7, 'tools/call', { name: 'x' });
    await waiting;
    await bare.cancel(7);
    await bare.request(8, 'ping');
    expect(bare.lost).toEqual([]);
    expect(bare.gets()).toBe(0);
    await bare.transport.close();
  });

  it('calls a request cancelled while its resume GET awaits an answer neither lost nor resumed again', async () => {
    const { promise: getArrived, resolve: arrived } = deferred();
    const { url } = await resumingServer(() => arrived());
    const bare = await bareTransport(url, { delay: recordingDelay().delay });
    void bare.request(7, 'tools/call', { name: 'x' });
    await getArrived;
    await bare.cancel(7);
    await bare.request(8, 'ping');
    expect(bare.lost).toEqual([]);
    expect(bare.gets()).toBe(1);
    // The GET never answered: no resumption is reported.
    expect(bare.events).toEqual([]);
    await bare.transport.close();
  });

  it('calls a request cancelled while a failed resume’s answer is read not lost, though that was its last attempt', async () => {
    const { url } = await resumingServer((_req, res) => void res.writeHead(503).write('still '));
    const get = answeredGets();
    const bare = await bareTransport(url, {
      fetch: get.fetch,
      delay: recordingDelay().delay,
      reconnect: { maxRetries: 1 },
    });
    void bare.request(7, 'tools/call', { name: 'x' });
    await get.answered;
    await bare.cancel(7);
    await bare.request(8, 'ping');
    expect(bare.lost).toEqual([]);
    expect(bare.gets()).toBe(1);
    await bare.transport.close();
  });
});

describe('Streamable HTTP: the standalone GET stream, opened once', () => {
  it('opens one stream however many times the session says it is initialised', async () => {
    const { url } = await resumingServer((_req, res) => void sse(res).write(': open\n\n'));
    const bare = await bareTransport(url, { standaloneStream: true });
    await bare.transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await bare.request(8, 'ping');
    expect(bare.gets()).toBe(1);
    await bare.transport.close();
  });

  it('opens it again once the one before has ended', async () => {
    const { url } = await resumingServer((_req, res) => void res.writeHead(405).end());
    const { promise: refused, resolve: answered } = deferred();
    // The refusal is read whole before the transport sees it: it is done with before the next
    // answer arrives.
    const buffered: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method !== 'GET') return response;
      const body = await response.arrayBuffer();
      answered();
      return new Response(body, response);
    };
    const bare = await bareTransport(url, { standaloneStream: true, fetch: buffered });
    await refused;
    await bare.request(8, 'ping');
    await bare.transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await bare.request(9, 'ping');
    expect(bare.gets()).toBe(2);
    await bare.transport.close();
  });

  it('keeps one stream open when the stream a renewal closed winds down after the new one opened', async () => {
    let sessions = 0;
    let expired = false;
    const { url, seen } = await serve((req, rpc, res) => {
      const sid = req.headers['mcp-session-id'];
      if (rpc?.method === 'initialize') {
        sessions++;
        return initialize(rpc, res, `session-${sessions}`);
      }
      if (req.method === 'GET') return void sse(res).write(': open\n\n');
      if (expired && sid === 'session-1') return void res.writeHead(404).end();
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: {} });
    });
    // The first stream's GET settles only when the test says, long after it was aborted.
    let windDown: () => void = () => {};
    let first = true;
    const slowToStop: typeof fetch = (input, init) => {
      if (init?.method !== 'GET' || !first) return fetch(input, init);
      first = false;
      return new Promise((_resolve, reject) => {
        windDown = () => reject(new Error('aborted at last'));
      });
    };
    const bare = await bareTransport(url, { standaloneStream: true, fetch: slowToStop });
    expect(bare.gets()).toBe(1);
    expired = true;
    // A renewal: the first stream is aborted, a new one opened in the new session.
    await bare.request(8, 'ping');
    expect(bare.gets()).toBe(2);
    windDown();
    await bare.request(9, 'ping');
    // Told again that the session is initialised: the new stream is open, none more is opened.
    await bare.transport.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await bare.request(10, 'ping');
    expect(bare.gets()).toBe(2);
    const gets = seen.filter((s) => s.method === 'GET');
    expect(gets.map((s) => s.headers['mcp-session-id'])).toEqual(['session-2']);
    await bare.transport.close();
  });
});

describe('Streamable HTTP: a resume during a session renewal', () => {
  it('waits for the renewal, and resumes in the new session', async () => {
    let sessions = 0;
    let expired = false;
    const { promise: gate, resolve: open } = deferred();
    const { promise: waiting, resolve: inWait } = deferred();
    const { url, seen } = await serve((req, rpc, res) => {
      const sid = req.headers['mcp-session-id'];
      if (rpc?.method === 'initialize') {
        sessions++;
        // The renewal is under way: the resume's wait ends now, before the new session is known.
        if (sessions === 2) open();
        return initialize(rpc, res, `session-${sessions}`);
      }
      if (req.method === 'GET') {
        if (sid !== 'session-2') return void res.writeHead(404).end();
        const call = seen.find((s) => s.rpc === 'tools/call');
        return void sse(res).end(event(toolResult(call?.id, 'renewed'), 'r-1'));
      }
      if (expired && sid === 'session-1') return void res.writeHead(404).end();
      if (rpc?.method === 'tools/call') return void sse(res).end('id: r-0\ndata: \n\n');
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const gated: NonNullable<StreamableHttpOptions['delay']> = () => {
      inWait();
      return gate;
    };
    const { session } = await legacySession(url, { delay: gated });
    const call = session.callTool('slow');
    await waiting;
    expired = true;
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await expect(call).resolves.toMatchObject({ content: [{ text: 'renewed' }] });
    const gets = seen.filter((s) => s.method === 'GET');
    expect(gets.map((s) => s.headers['mcp-session-id'])).toEqual(['session-2']);
    await session.close();
  });
});

describe('Streamable HTTP: a request cancelled while its resume waits for a renewal', () => {
  it('sends no GET for it, asks authorize for none, and calls it neither lost nor resumed', async () => {
    let sessions = 0;
    let expired = false;
    const { promise: gate, resolve: open } = deferred();
    const { promise: waiting, resolve: inWait } = deferred();
    let answerRenewal: () => void = () => {};
    const { promise: renewalHeld, resolve: held } = deferred();
    const { url, seen } = await serve((req, rpc, res) => {
      const sid = req.headers['mcp-session-id'];
      if (rpc?.method === 'initialize') {
        sessions++;
        if (sessions === 1) return initialize(rpc, res, 'session-1');
        // The renewal is under way: the resume's wait ends, and the renewal's answer waits.
        open();
        answerRenewal = () => initialize(rpc, res, 'session-2');
        return held();
      }
      if (req.method === 'GET') return void res.writeHead(405).end();
      if (expired && sid === 'session-1') return void res.writeHead(404).end();
      if (rpc?.method === 'tools/call') return void sse(res).end('id: c-0\ndata: \n\n');
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: {} });
    });
    // The cancellation's POST fails, during the renewal: the request's resume is aborted then.
    let failCancel: (error: Error) => void = () => {};
    const { promise: cancelAtFetch, resolve: cancelSent } = deferred();
    const offlineForCancel: typeof fetch = (input, init) => {
      if (typeof init?.body === 'string' && init.body.includes('notifications/cancelled')) {
        cancelSent();
        return new Promise((_resolve, reject) => (failCancel = reject));
      }
      return fetch(input, init);
    };
    const gated: NonNullable<StreamableHttpOptions['delay']> = async (_ms, signal) => {
      inWait();
      await gate;
      if (signal.aborted) throw signal.reason as Error;
    };
    const asked: string[] = [];
    const bare = await bareTransport(url, {
      fetch: offlineForCancel,
      delay: gated,
      authorize: ({ method }) => {
        asked.push(method);
        return {};
      },
    });
    void bare.request(7, 'tools/call', { name: 'x' });
    await waiting;
    const cancelling = bare.cancel(7);
    await cancelAtFetch;
    expired = true;
    const ping = bare.request(8, 'ping');
    await renewalHeld;
    failCancel(new Error('offline'));
    await expect(cancelling).rejects.toMatchObject({ code: 'TRANSPORT_ERROR' });
    answerRenewal();
    await expect(ping).resolves.toMatchObject({ id: 8, result: {} });
    expect(asked).not.toContain('GET');
    expect(bare.gets()).toBe(0);
    expect(seen.some((s) => s.method === 'GET')).toBe(false);
    expect(bare.lost).toEqual([]);
    expect(bare.events.map((e) => e.type)).toEqual(['session-renewed']);
    await bare.transport.close();
  });
});

describe('Streamable HTTP: a resume waiting for a renewal that fails', () => {
  it('sends no GET, and asks authorize for none, once the connection has closed', async () => {
    let sessions = 0;
    let expired = false;
    const { promise: gate, resolve: open } = deferred();
    const { promise: waiting, resolve: inWait } = deferred();
    const { url, seen } = await serve((req, rpc, res) => {
      const sid = req.headers['mcp-session-id'];
      if (rpc?.method === 'initialize') {
        sessions++;
        if (sessions === 1) return initialize(rpc, res);
        // The renewal fails; the resume's wait ends while it is under way.
        open();
        return void res.writeHead(500).end('cannot start');
      }
      if (expired && sid === 'session-1') return void res.writeHead(404).end();
      if (rpc?.method === 'tools/call') return void sse(res).end('id: f-0\ndata: \n\n');
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: { tools: [] } });
    });
    const asked: string[] = [];
    const gated: NonNullable<StreamableHttpOptions['delay']> = () => {
      inWait();
      return gate;
    };
    const { session } = await legacySession(url, {
      delay: gated,
      authorize: ({ method }) => {
        asked.push(method);
        return {};
      },
    });
    const call = session.callTool('slow').catch((e: unknown) => e);
    await waiting;
    expired = true;
    await expect(session.listTools()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await expect(call).resolves.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(asked).not.toContain('GET');
    expect(seen.some((s) => s.method === 'GET')).toBe(false);
  });
});
