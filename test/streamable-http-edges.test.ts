import { afterEach, describe, expect, it } from 'vitest';
import type { HttpAuth } from '../src/index.js';
import {
  createStreamableHttpTransport,
  SessionExpiredError,
  type StreamableHttpOptions,
} from '../src/transports/streamable-http.js';
import type { JsonRpcMessage } from '../src/wire/jsonrpc.js';
import { closeServers, event, initialize, json, serve, sse } from './support/scripted-http.js';
import { deferred } from './support/deferred.js';

/**
 * Edges of the Streamable HTTP transport, against a real HTTP server on 127.0.0.1 that the tests
 * script: a transport sent to before `start()` (no handlers yet: what the server sends is dropped,
 * and nothing throws), a close that meets a session the server ended, and a request whose
 * protocol version stamp is not a string.
 */

afterEach(closeServers);

const initializeRequest = (id: number): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: {
    protocolVersion: '2025-11-25',
    capabilities: {},
    clientInfo: { name: 'edges', version: '1' },
  },
});

const ping = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, method: 'ping' });

const initialized: JsonRpcMessage = { jsonrpc: '2.0', method: 'notifications/initialized' };

const note = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info' } };

/**
 * A `fetch` that reads each event-stream answer whole before the transport sees it, and hands it
 * over in one chunk: `read()` resolves once the transport has read past the end of the last one
 * (its events all handled then) or given it up.
 */
function handedWhole(): { fetch: typeof fetch; read: () => Promise<void> } {
  let done: () => void = () => {};
  let read = new Promise<void>((resolve) => (done = resolve));
  const whole: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (response.headers.get('content-type') !== 'text/event-stream') return response;
    const bytes = new Uint8Array(await response.arrayBuffer());
    read = new Promise<void>((resolve) => (done = resolve));
    let given = false;
    // With no queue, the stream is pulled only when the transport asks for more.
    const body = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => {
          if (!given) {
            given = true;
            return controller.enqueue(bytes);
          }
          controller.close();
          done();
        },
        cancel: () => done(),
      },
      { highWaterMark: 0 },
    );
    return new Response(body, response);
  };
  return { fetch: whole, read: () => read };
}

/** Records the process's unhandled rejections until `stop()`. */
function unhandledRejections(): { reasons: unknown[]; stop: () => void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown): void => void reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => void process.off('unhandledRejection', listener) };
}

describe('Streamable HTTP: a transport sent to before start()', () => {
  it('drops what the server sends (an event that is not JSON, a notification) and still takes the version from the initialize answer', async () => {
    const { url } = await serve((_req, rpc, res) => {
      const answer = {
        jsonrpc: '2.0',
        id: rpc?.id,
        result: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          serverInfo: { name: 'scripted', version: '1' },
        },
      };
      res
        .writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'early-1' })
        .end('data: {not json\n\n' + event(note) + event(answer));
    });
    const answers = handedWhole();
    const transport = createStreamableHttpTransport({
      url,
      standaloneStream: false,
      fetch: answers.fetch,
    });
    await transport.send(initializeRequest(0));
    await answers.read();
    expect(transport.sessionId).toBe('early-1');
    expect(transport.protocolVersion).toBe('2025-11-25');
    await transport.close();
  });

  it('drops a request whose stream ends without its response, with no unhandled rejection', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      sse(res).end(event(note));
    });
    const answers = handedWhole();
    const transport = createStreamableHttpTransport({
      url,
      standaloneStream: false,
      fetch: answers.fetch,
    });
    const unhandled = unhandledRejections();
    try {
      await transport.send(initializeRequest(0));
      await transport.send(ping(1));
      await answers.read();
      // A round trip more: a rejection left unhandled would have been reported by then.
      await transport.send(initialized);
      expect(unhandled.reasons).toEqual([]);
    } finally {
      unhandled.stop();
    }
    expect(seen.filter((s) => s.rpc === 'ping')).toHaveLength(1);
    await transport.close();
  });

  it('still resumes a request whose stream ended early, after the server’s retry', async () => {
    const { promise: getArrived, resolve: got } = deferred();
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        got();
        return void sse(res).end(event({ jsonrpc: '2.0', id: 1, result: {} }, 'e-1'));
      }
      sse(res).end('id: e-0\nretry: 7\ndata: \n\n');
    });
    const waits: number[] = [];
    const delay: NonNullable<StreamableHttpOptions['delay']> = (ms, signal) => {
      waits.push(ms);
      return signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve();
    };
    const answers = handedWhole();
    const transport = createStreamableHttpTransport({
      url,
      standaloneStream: false,
      fetch: answers.fetch,
      delay,
    });
    await transport.send(initializeRequest(0));
    await transport.send(ping(1));
    await answers.read();
    await transport.send(initialized);
    expect(waits).toEqual([7]);
    await getArrived;
    const get = seen.find((s) => s.method === 'GET');
    expect(get?.headers['last-event-id']).toBe('e-0');
    await transport.close();
  });

  it('lets an authorization run, with no deadlines to hold, and sends the message', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      json(res, { jsonrpc: '2.0', id: rpc?.id, result: {} });
    });
    let authorizations = 0;
    // An authorization on every request, which says when it starts and ends.
    const auth: HttpAuth = {
      wrapFetch: (_server, inner, hooks) => async (input, init) => {
        authorizations++;
        hooks?.authorizing?.(true);
        try {
          return await inner(input, init);
        } finally {
          hooks?.authorizing?.(false);
        }
      },
    };
    const transport = createStreamableHttpTransport({ url, standaloneStream: false, auth });
    await expect(transport.send(initializeRequest(0))).resolves.toBeUndefined();
    expect(authorizations).toBe(1);
    expect(seen.map((s) => s.rpc)).toEqual(['initialize']);
    await transport.close();
  });

  it('with renewSession off, rejects a message the server answers 404 with a SessionExpiredError, and refuses the next', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res, 'gone-1');
      res.writeHead(404).end();
    });
    const transport = createStreamableHttpTransport({
      url,
      standaloneStream: false,
      renewSession: false,
    });
    await transport.send(initializeRequest(0));
    const error: unknown = await Promise.resolve(transport.send(ping(1))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionExpiredError);
    expect(error).toMatchObject({ reason: 'renewal-off', sessionId: 'gone-1' });
    await expect(transport.send(ping(2))).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(seen.filter((s) => s.rpc === 'ping')).toHaveLength(1);
    await transport.close();
  });
});

describe('Streamable HTTP: closed while a 404 is read', () => {
  it('with renewSession off, says it closed once, for the close, not again for the ended session', async () => {
    const { promise: refusalArrived, resolve: arrived } = deferred();
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res, 'gone-2');
      // The 404's headers, and a body that never ends.
      res.writeHead(404).write('the session ');
    });
    // Says when the 404's headers have arrived.
    const watching: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 404) arrived();
      return response;
    };
    const closes: (Error | undefined)[] = [];
    const transport = createStreamableHttpTransport({
      url,
      standaloneStream: false,
      renewSession: false,
      fetch: watching,
    });
    await transport.start({
      message: () => {},
      error: () => {},
      closed: (reason) => void closes.push(reason),
    });
    await transport.send(initializeRequest(0));
    const sending = Promise.resolve(transport.send(ping(1))).catch((e: unknown) => e);
    await refusalArrived;
    await transport.close();
    await sending;
    expect(closes).toEqual([undefined]);
    expect(transport.sessionId).toBe('gone-2');
  });
});

describe('Streamable HTTP: a request whose protocol version stamp is not a string', () => {
  it('goes with the legacy session’s headers, and keeps the session legacy (a cancellation is sent)', async () => {
    const { url, seen } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res, 'legacy-1');
      sse(res).write(': working\n\n');
    });
    const { promise: answered, resolve: initializeAnswered } = deferred();
    const transport = createStreamableHttpTransport({ url, standaloneStream: false });
    await transport.start({
      message: (m) => {
        if ((m as { id?: unknown }).id === 0) initializeAnswered();
      },
      error: () => {},
      closed: () => {},
    });
    await transport.send(initializeRequest(0));
    await answered;
    await transport.send(initialized);
    // A version in a list: its text is a 2026 version, but it is no version string.
    await transport.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'x',
        arguments: {},
        _meta: { 'io.modelcontextprotocol/protocolVersion': ['2026-07-28'] },
      },
    });
    await transport.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 1 },
    });
    const call = seen.find((s) => s.rpc === 'tools/call');
    expect(call?.headers).toMatchObject({
      'mcp-protocol-version': '2025-11-25',
      'mcp-session-id': 'legacy-1',
    });
    expect(call?.headers['mcp-method']).toBeUndefined();
    expect(seen.filter((s) => s.rpc === 'notifications/cancelled')).toHaveLength(1);
    await transport.close();
  });
});
