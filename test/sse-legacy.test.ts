import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createSseTransport,
  type HttpAuth,
  type JsonRpcMessage,
  type TransportHandlers,
} from '../src/index.js';
import { deferred } from './support/deferred.js';

/**
 * The HTTP+SSE transport (MCP 2024-11-05) against a server scripted as a `fetch` in the test's
 * own process: the test writes the GET stream's events and answers each POST itself, so that the
 * endpoint timer can run on fake timers. The tests against real servers are in sse.test.ts.
 */

const encoder = new TextEncoder();

/** The GET's event stream, written by the test; a GET aborted by the client errors it. */
function eventStream() {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
  });
  return {
    body,
    write: (text: string) => controller?.enqueue(encoder.encode(text)),
    end: () => controller?.close(),
    fail: (reason: unknown) => controller?.error(reason),
  };
}

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly message: JsonRpcMessage | undefined;
}

/**
 * A legacy server as a `fetch`: a GET opens `stream` (status 200, `text/event-stream`); a POST is
 * answered by `post` (by default 202 `Accepted`). Every request is recorded.
 */
function legacyServer(
  post: (
    message: JsonRpcMessage,
    signal: AbortSignal | undefined,
  ) => Promise<Response> | Response = () => new Response('Accepted', { status: 202 }),
) {
  const stream = eventStream();
  const requests: Seen[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const method = init?.method ?? 'GET';
    const message =
      typeof init?.body === 'string' ? (JSON.parse(init.body) as JsonRpcMessage) : undefined;
    const target = typeof input === 'string' ? input : 'href' in input ? input.href : input.url;
    requests.push({ method, url: target, message });
    const signal = init?.signal ?? undefined;
    signal?.throwIfAborted();
    if (method !== 'GET') return post(message as JsonRpcMessage, signal);
    signal?.addEventListener('abort', () => stream.fail(signal.reason));
    return new Response(stream.body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
    });
  };
  return { fetch, stream, requests };
}

const url = 'http://127.0.0.1:3001/sse';
const ping: JsonRpcMessage = { jsonrpc: '2.0', id: 1, method: 'ping' };

/** Handlers that record what the transport reports. */
function recorder() {
  const messages: unknown[] = [];
  const closed: (Error | undefined)[] = [];
  const held: boolean[] = [];
  let ended: (reason: Error | undefined) => void = () => {};
  const whenClosed = new Promise<Error | undefined>((resolve) => (ended = resolve));
  let received: (message: unknown) => void = () => {};
  const firstMessage = new Promise<unknown>((resolve) => (received = resolve));
  const handlers: TransportHandlers = {
    message: (m) => {
      messages.push(m);
      received(m);
    },
    error: () => {},
    closed: (reason) => {
      closed.push(reason);
      ended(reason);
    },
    hold: (waiting) => held.push(waiting),
  };
  return { handlers, messages, closed, held, whenClosed, firstMessage };
}

/** A promise, and whether it has settled yet; its outcome is read by awaiting `promise`. */
function watch<T>(promise: Promise<T>) {
  const state = { promise, settled: false };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('HTTP+SSE: opening the stream', () => {
  it('rejects start() with request-failed when the GET fails below HTTP', async () => {
    const failure = new TypeError('fetch failed');
    const transport = createSseTransport({ url, fetch: () => Promise.reject(failure) });
    await expect(transport.start(recorder().handlers)).rejects.toMatchObject({
      name: 'SseTransportError',
      reason: 'request-failed',
      message: `GET ${url} for the SSE stream failed: fetch failed`,
      cause: failure,
    });
  });

  it('rejects start() with the GET status when the endpoint does not come within endpointTimeout', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = legacyServer();
    const transport = createSseTransport({ url, fetch: server.fetch, endpointTimeout: 500 });
    const started = watch(Promise.resolve(transport.start(recorder().handlers)));
    server.stream.write(': a comment, no endpoint\n\n');
    await vi.advanceTimersByTimeAsync(499);
    expect(started.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await expect(started.promise).rejects.toMatchObject({
      reason: 'no-endpoint',
      status: 200,
      message: expect.stringContaining('within 500 ms') as unknown,
    });
  });

  it('waits for the endpoint as long as it takes with endpointTimeout Infinity', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = legacyServer();
    const transport = createSseTransport({ url, fetch: server.fetch, endpointTimeout: Infinity });
    const started = watch(Promise.resolve(transport.start(recorder().handlers)));
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(started.settled).toBe(false);
    server.stream.write('event: endpoint\ndata: /messages?sessionId=1\n\n');
    await expect(started.promise).resolves.toBeUndefined();
    expect(transport.endpoint?.href).toBe('http://127.0.0.1:3001/messages?sessionId=1');
  });

  it('stays open past endpointTimeout once the endpoint has come', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = legacyServer();
    const transport = createSseTransport({ url, fetch: server.fetch, endpointTimeout: 500 });
    const r = recorder();
    const started = transport.start(r.handlers);
    server.stream.write('event: endpoint\ndata: /messages\n\n');
    await started;
    await vi.advanceTimersByTimeAsync(5_000);
    server.stream.write(
      `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} })}\n\n`,
    );
    const closed = r.whenClosed.then((reason) => ({ closed: reason }));
    await expect(Promise.race([r.firstMessage, closed])).resolves.toEqual({
      jsonrpc: '2.0',
      id: 1,
      result: {},
    });
    await transport.close();
  });

  it('start() after close() rejects with CONNECTION_CLOSED and sends no GET', async () => {
    const server = legacyServer();
    const transport = createSseTransport({ url, fetch: server.fetch });
    await transport.close();
    await expect(transport.start(recorder().handlers)).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: `The HTTP+SSE transport was closed before ${url} sent its endpoint.`,
    });
    expect(server.requests).toEqual([]);
  });
});

describe('HTTP+SSE: authorization (auth)', () => {
  /**
   * An `HttpAuth` whose user takes until `authorized()` to authorize the first request (the
   * hooks are told, as an OAuth client tells them); `notify` tells the hooks of an authorization
   * elsewhere, as a client shared between transports does.
   */
  function slowUserAuth() {
    const hooks: ((active: boolean) => void)[] = [];
    const { promise: user, resolve: authorized } = deferred();
    let first = true;
    const auth: HttpAuth = {
      wrapFetch: (_server, base, h) => {
        if (h?.authorizing !== undefined) hooks.push(h.authorizing);
        return async (input, init) => {
          if (first) {
            first = false;
            for (const hook of hooks) hook(true);
            await user;
            for (const hook of hooks) hook(false);
          }
          return base(input, init);
        };
      },
      extensions: { 'io.example/auth': { flavour: 'test' } },
    };
    return {
      auth,
      authorized: () => authorized(),
      notify: (active: boolean) => hooks.forEach((hook) => hook(active)),
    };
  }

  it('does not count the time a user takes to authorize the GET against endpointTimeout, and holds requests meanwhile', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const server = legacyServer();
    const user = slowUserAuth();
    const transport = createSseTransport({
      url,
      fetch: server.fetch,
      auth: user.auth,
      endpointTimeout: 1_000,
    });
    const r = recorder();
    const started = watch(Promise.resolve(transport.start(r.handlers)));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(started.settled).toBe(false);
    expect(r.held).toEqual([true]);
    user.authorized();
    await vi.advanceTimersByTimeAsync(999);
    expect(r.held).toEqual([true, false]);
    expect(started.settled).toBe(false);
    // After the authorization the whole endpointTimeout runs again.
    await vi.advanceTimersByTimeAsync(1);
    await expect(started.promise).rejects.toMatchObject({ reason: 'no-endpoint', status: 200 });
  });

  it('goes through an authorization with handlers that do not hold', async () => {
    const server = legacyServer();
    const user = slowUserAuth();
    const transport = createSseTransport({ url, fetch: server.fetch, auth: user.auth });
    const { message, error, closed } = recorder().handlers;
    const started = transport.start({ message, error, closed });
    user.authorized();
    server.stream.write('event: endpoint\ndata: /messages\n\n');
    await expect(started).resolves.toBeUndefined();
    await transport.close();
  });

  it('takes an authorization by a shared OAuth client before start() and after the endpoint in its stride', async () => {
    const server = legacyServer();
    const user = slowUserAuth();
    user.authorized();
    const transport = createSseTransport({ url, fetch: server.fetch, auth: user.auth });
    user.notify(true);
    user.notify(false);
    const r = recorder();
    const started = transport.start(r.handlers);
    server.stream.write('event: endpoint\ndata: /messages\n\n');
    await started;
    r.held.length = 0;
    user.notify(true);
    user.notify(false);
    expect(r.held).toEqual([true, false]);
    await expect(transport.send(ping)).resolves.toBeUndefined();
    expect(r.closed).toEqual([]);
    await transport.close();
  });

  it('declares the extensions its auth takes part in', () => {
    expect(createSseTransport({ url, auth: slowUserAuth().auth }).extensions).toEqual({
      'io.example/auth': { flavour: 'test' },
    });
    expect(createSseTransport({ url }).extensions).toBeUndefined();
  });
});

describe('HTTP+SSE: sending', () => {
  async function connected(post?: Parameters<typeof legacyServer>[0]) {
    const server = legacyServer(post);
    const transport = createSseTransport({ url, fetch: server.fetch });
    const r = recorder();
    const started = transport.start(r.handlers);
    server.stream.write('event: endpoint\ndata: /messages?sessionId=7\n\n');
    await started;
    return { server, transport, r };
  }

  it('refuses to send before start() has resolved with the endpoint', async () => {
    const server = legacyServer();
    const transport = createSseTransport({ url, fetch: server.fetch });
    await expect(transport.send(ping)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'The HTTP+SSE transport has no endpoint yet; wait for start() to resolve.',
    });
    expect(server.requests).toEqual([]);
  });

  it('POSTs each message to the endpoint, taking a 2xx without a body as accepted', async () => {
    const { server, transport } = await connected(() => new Response(null, { status: 202 }));
    await expect(transport.send(ping)).resolves.toBeUndefined();
    expect(server.requests.slice(1)).toEqual([
      { method: 'POST', url: 'http://127.0.0.1:3001/messages?sessionId=7', message: ping },
    ]);
    await transport.close();
  });

  it('counts a POST as sent when discarding the body of its 2xx answer fails', async () => {
    const body = new ReadableStream<Uint8Array>({
      cancel: () => Promise.reject(new Error('cannot discard')),
    });
    const { transport } = await connected(() => new Response(body, { status: 202 }));
    await expect(transport.send(ping)).resolves.toBeUndefined();
    await transport.close();
  });

  it('refuses to send once the server has ended the stream, without a POST', async () => {
    const { server, transport, r } = await connected();
    server.stream.end();
    await expect(r.whenClosed).resolves.toMatchObject({ reason: 'stream-ended' });
    await expect(transport.send(ping)).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The HTTP+SSE transport is closed.',
    });
    expect(server.requests.map((q) => q.method)).toEqual(['GET']);
  });

  it('close() aborts the POST under way, which rejects with CONNECTION_CLOSED, and not the POSTs already answered', async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const { promise: hanging, resolve: posted } = deferred();
    const { transport } = await connected((message, signal) => {
      signals.push(signal);
      if ('method' in message && message.method === 'ping') {
        return new Response('Accepted', { status: 202 });
      }
      return new Promise<Response>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason as Error));
        posted();
      });
    });
    await transport.send(ping);
    const sending = transport.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    await hanging;
    await transport.close();
    expect(signals.map((signal) => signal?.aborted)).toEqual([false, true]);
    await expect(sending).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The HTTP+SSE transport closed while POSTing tools/list.',
      cause: signals[1]?.reason as unknown,
    });
  });
});
