import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpTransport,
  HttpError,
  McpLocalError,
  SessionExpiredError,
  SseTransportError,
  type TransportHandlers,
} from '../src/index.js';
import type { JsonRpcMessage } from '../src/wire/jsonrpc.js';
import { closeServers, event, json, serve, sse, type Scripted } from './support/scripted-http.js';
import { deferred } from './support/deferred.js';

/**
 * The HTTP transport that finds which HTTP transport a server speaks (MCP 2025-03-26 … 2025-11-25
 * basic/transports, backwards compatibility): its first message POSTed as Streamable HTTP, a
 * refusal with 400, 404 or 405 followed by a GET for the HTTP+SSE event stream, against scripted
 * servers on 127.0.0.1 in the test's own process.
 */

afterEach(closeServers);

const request = (id: number, method = 'tools/list'): JsonRpcMessage => ({
  jsonrpc: '2.0',
  id,
  method,
});

const answer = (id: unknown) => ({ jsonrpc: '2.0', id, result: { tools: [] } });

/** Handlers that record what the transport delivers; `next` waits for the next message. */
function recorder() {
  const messages: unknown[] = [];
  const closed: (Error | undefined)[] = [];
  let waiting: ((message: unknown) => void) | undefined;
  const ended = deferred<Error | undefined>();
  const handlers: TransportHandlers = {
    message: (m) => {
      messages.push(m);
      waiting?.(m);
      waiting = undefined;
    },
    error: () => {},
    closed: (reason) => {
      closed.push(reason);
      ended.resolve(reason);
    },
  };
  return {
    handlers,
    messages,
    closed,
    ended: ended.promise,
    next: () => new Promise<unknown>((resolve) => (waiting = resolve)),
  };
}

const pathOf = (url: string | undefined): string => new URL(url ?? '/', 'http://x').pathname;

/** Every request a server received, as `METHOD /path`, in order. */
function requestLines(scripted: Scripted): string[] {
  const lines: string[] = [];
  scripted.server.prependListener('request', (req: IncomingMessage) => {
    lines.push(`${req.method ?? ''} ${pathOf(req.url)}`);
  });
  return lines;
}

/** A Streamable HTTP server: every request is answered with JSON. */
async function streamableServer() {
  const server = await serve((_req, rpc, res) => {
    if (rpc === undefined) return void res.writeHead(405).end();
    json(res, answer(rpc.id));
  });
  return { server, lines: requestLines(server) };
}

interface LegacyOptions {
  /** How the POST to the MCP URL is refused: status and body (405, plain text by default). */
  readonly status?: number;
  readonly body?: string;
  readonly type?: string;
  /** Answers the GET; by default an event stream naming `/messages` as its endpoint. */
  readonly get?: (res: ServerResponse) => void;
}

/**
 * An HTTP+SSE (2024-11-05) server at `/mcp`: a POST there is refused, the GET opens the event
 * stream, and each request POSTed to `/messages` is answered on that stream.
 */
async function legacyServer(options: LegacyOptions = {}) {
  const opened = deferred<ServerResponse>();
  let stream: ServerResponse | undefined;
  const scripted = await serve((req, rpc, res) => {
    const path = pathOf(req.url);
    if (req.method === 'GET') {
      if (options.get !== undefined) return options.get(res);
      stream = sse(res);
      stream.write('event: endpoint\ndata: /messages\n\n');
      opened.resolve(stream);
      return;
    }
    if (path === '/mcp') {
      res
        .writeHead(options.status ?? 405, { 'content-type': options.type ?? 'text/plain' })
        .end(options.body ?? 'Method Not Allowed');
      return;
    }
    stream?.write(`event: message\n${event(answer(rpc?.id))}`);
    res.writeHead(202).end();
  });
  return { scripted, opened: opened.promise, lines: requestLines(scripted) };
}

/** A `fetch` that records the signal of each GET and lets `refuse` fail some requests. */
function watchingFetch(refuse: (method: string) => boolean = () => false) {
  const getSignals: AbortSignal[] = [];
  const fetch: typeof globalThis.fetch = (input, init) => {
    const method = init?.method ?? 'GET';
    if (refuse(method)) return Promise.reject(new TypeError('fetch failed'));
    if (method === 'GET' && init?.signal) getSignals.push(init.signal);
    return globalThis.fetch(input, init);
  };
  return { fetch, getSignals };
}

describe('createHttpTransport: a Streamable HTTP server', () => {
  it('stays on Streamable HTTP when the first POST is answered, and POSTs every later message to the same URL', async () => {
    const { server, lines } = await streamableServer();
    const transport = createHttpTransport({ url: server.url });
    const r = recorder();
    await transport.start(r.handlers);
    expect(transport.kind).toBe('streamable-http');
    let next = r.next();
    await transport.send(request(1));
    await expect(next).resolves.toEqual(answer(1));
    next = r.next();
    await transport.send(request(2));
    await expect(next).resolves.toEqual(answer(2));
    expect(transport.kind).toBe('streamable-http');
    expect(lines).toEqual(['POST /mcp', 'POST /mcp']);
    await transport.close();
  });

  it('reports its close once, however often it is closed', async () => {
    const { server } = await streamableServer();
    const transport = createHttpTransport({ url: server.url });
    const r = recorder();
    await transport.start(r.handlers);
    await transport.send(request(1));
    await transport.close();
    await transport.close();
    expect(r.closed).toEqual([undefined]);
  });

  it('reports its close once the session is ended (DELETE), even when closed again meanwhile', async () => {
    const { server, lines } = await streamableServer();
    server.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method === 'POST') res.setHeader('mcp-session-id', 'session-1');
    });
    const deleting = deferred();
    const release = deferred();
    const fetch: typeof globalThis.fetch = async (input, init) => {
      if (init?.method === 'DELETE') {
        deleting.resolve();
        await release.promise;
      }
      return globalThis.fetch(input, init);
    };
    const transport = createHttpTransport({ url: server.url, fetch });
    const r = recorder();
    await transport.start(r.handlers);
    const next = r.next();
    await transport.send(request(1, 'initialize'));
    await next;
    const closing = transport.close();
    await deleting.promise;
    await transport.close();
    expect(r.closed).toEqual([]);
    release.resolve();
    await closing;
    expect(r.closed).toEqual([undefined]);
    expect(lines).toEqual(['POST /mcp', 'DELETE /mcp']);
  });

  it('reports a session the server ended as the end of the transport, with renewSession: false passed through', async () => {
    const server = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') {
        return void json(res, answer(rpc.id), { 'mcp-session-id': 'session-1' });
      }
      res.writeHead(404).end();
    });
    const transport = createHttpTransport({ url: server.url, renewSession: false });
    const r = recorder();
    await transport.start(r.handlers);
    await transport.send(request(1, 'initialize'));
    await expect(transport.send(request(2))).rejects.toBeInstanceOf(SessionExpiredError);
    expect(r.closed).toEqual([expect.objectContaining({ reason: 'renewal-off' })]);
    expect(r.closed[0]).toBeInstanceOf(SessionExpiredError);
    await transport.close();
    expect(r.closed).toHaveLength(1);
    expect(transport.kind).toBe('streamable-http');
  });

  it('gives the session the extensions of its authorization', () => {
    const extensions = { 'io.example/auth': { flows: ['code'] } };
    const transport = createHttpTransport({
      url: 'http://127.0.0.1:9/mcp',
      auth: { wrapFetch: (_server, fetch) => fetch, extensions },
    });
    expect(transport.extensions).toEqual(extensions);
  });

  it('mirrors a 2026-07-28 tool call argument into its Mcp-Param header with the tools the session gives', async () => {
    const { server } = await streamableServer();
    const transport = createHttpTransport({ url: server.url });
    await transport.start(recorder().handlers);
    transport.useToolSchemas?.((name) =>
      name === 'forecast'
        ? {
            name,
            inputSchema: {
              type: 'object',
              properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
            },
          }
        : undefined,
    );
    await transport.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'forecast',
        arguments: { region: 'us-west1' },
        _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
      },
    });
    expect(server.seen[0]?.headers['mcp-param-region']).toBe('us-west1');
    await transport.close();
  });
});

describe('createHttpTransport: falling back to HTTP+SSE', () => {
  it.each([400, 404, 405])(
    'GETs the event stream when the first POST is refused with %i, and sends that message and every later one to its endpoint',
    async (status) => {
      const { scripted, lines } = await legacyServer({ status });
      const transport = createHttpTransport({ url: scripted.url });
      const r = recorder();
      await transport.start(r.handlers);
      let next = r.next();
      await transport.send(request(1));
      expect(transport.kind).toBe('sse');
      await expect(next).resolves.toEqual(answer(1));
      next = r.next();
      await transport.send(request(2));
      await expect(next).resolves.toEqual(answer(2));
      expect(lines).toEqual(['POST /mcp', 'GET /mcp', 'POST /messages', 'POST /messages']);
      expect(scripted.seen[1]?.headers.accept).toBe('text/event-stream');
      await transport.close();
    },
  );

  it('holds a message sent while the first decides, then sends it to the endpoint', async () => {
    const { scripted, lines } = await legacyServer();
    const transport = createHttpTransport({ url: scripted.url });
    await transport.start(recorder().handlers);
    await Promise.all([transport.send(request(1)), transport.send(request(2))]);
    expect(lines).toEqual(['POST /mcp', 'GET /mcp', 'POST /messages', 'POST /messages']);
    await transport.close();
  });

  it('sends the headers it was given on the POST, the GET and the endpoint POSTs', async () => {
    const { scripted } = await legacyServer();
    const transport = createHttpTransport({ url: scripted.url, headers: { 'x-client': 'auto' } });
    await transport.start(recorder().handlers);
    await transport.send(request(1));
    expect(scripted.seen.map((s) => s.headers['x-client'])).toEqual(['auto', 'auto', 'auto']);
    await transport.close();
  });

  it.each([
    ['an HTML page', '<pre>Cannot POST /mcp</pre>'],
    ['a JSON string', '"refused"'],
    ['an error without an id', '{"jsonrpc":"2.0","error":{}}'],
    ['an error with a null id', '{"jsonrpc":"2.0","id":null,"error":{}}'],
    ['a null error', '{"jsonrpc":"2.0","id":1,"error":null}'],
    ['an error that is a string', '{"jsonrpc":"2.0","id":1,"error":"refused"}'],
  ])('falls back when the refusal is %s, not a JSON-RPC error answer', async (_what, body) => {
    const { scripted, lines } = await legacyServer({ status: 400, body, type: 'application/json' });
    const transport = createHttpTransport({ url: scripted.url });
    await transport.start(recorder().handlers);
    await transport.send(request(1));
    expect(transport.kind).toBe('sse');
    expect(lines).toEqual(['POST /mcp', 'GET /mcp', 'POST /messages']);
    await transport.close();
  });

  it.each([
    ['an error object without a code', '{"jsonrpc":"2.0","id":1,"error":{"message":"no"}}'],
    ['an error that is an array', '{"jsonrpc":"2.0","id":"a","error":[]}'],
  ])(
    'does not fall back when the refusal answers the message with %s (a Streamable HTTP server)',
    async (_what, body) => {
      const { scripted, lines } = await legacyServer({
        status: 400,
        body,
        type: 'application/json',
      });
      const transport = createHttpTransport({ url: scripted.url });
      await transport.start(recorder().handlers);
      await expect(transport.send(request(1))).rejects.toMatchObject({
        name: 'HttpError',
        status: 400,
        body,
      });
      expect(transport.kind).toBe('streamable-http');
      expect(lines).toEqual(['POST /mcp']);
      await transport.close();
    },
  );

  it('reports the end of the event stream as the end of the transport, once', async () => {
    const { scripted, opened } = await legacyServer();
    const transport = createHttpTransport({ url: scripted.url });
    const r = recorder();
    await transport.start(r.handlers);
    await transport.send(request(1));
    (await opened).end();
    await expect(r.ended).resolves.toBeInstanceOf(SseTransportError);
    expect(r.closed).toEqual([expect.objectContaining({ reason: 'stream-ended' })]);
    await transport.close();
    expect(r.closed).toHaveLength(1);
  });

  it('ends the event stream when closed, reports the close once, and sends nothing more', async () => {
    const { scripted, lines } = await legacyServer();
    const { fetch, getSignals } = watchingFetch();
    const transport = createHttpTransport({ url: scripted.url, fetch });
    const r = recorder();
    await transport.start(r.handlers);
    await transport.send(request(1));
    expect(getSignals.map((s) => s.aborted)).toEqual([false]);
    await transport.close();
    expect(getSignals.map((s) => s.aborted)).toEqual([true]);
    expect(r.closed).toEqual([undefined]);
    await expect(transport.send(request(2))).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The HTTP transport is closed.',
    });
    expect(lines).toEqual(['POST /mcp', 'GET /mcp', 'POST /messages']);
  });
});

describe('createHttpTransport: what does not lead to HTTP+SSE', () => {
  it('does not GET when the first POST fails below HTTP', async () => {
    const { scripted } = await legacyServer();
    const { fetch } = watchingFetch((method) => method === 'POST');
    const transport = createHttpTransport({ url: scripted.url, fetch });
    await transport.start(recorder().handlers);
    await expect(transport.send(request(1))).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringContaining('fetch failed'),
    });
    expect(transport.kind).toBe('streamable-http');
    expect(scripted.seen).toEqual([]);
    await transport.close();
  });

  it.each([401, 403, 500])(
    'does not GET when the first POST is refused with %i',
    async (status) => {
      const { scripted, lines } = await legacyServer({ status, body: 'no' });
      const transport = createHttpTransport({ url: scripted.url });
      await transport.start(recorder().handlers);
      await expect(transport.send(request(1))).rejects.toMatchObject({ name: 'HttpError', status });
      expect(transport.kind).toBe('streamable-http');
      expect(lines).toEqual(['POST /mcp']);
      await transport.close();
    },
  );

  it.each([
    ['is refused', (res: ServerResponse) => void res.writeHead(404).end('Not Found')],
    [
      'answers a page, not an event stream',
      (res: ServerResponse) => void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>'),
    ],
  ])(
    'stays on Streamable HTTP, failing with the POST refusal, when the GET %s',
    async (_what, get) => {
      const { scripted, lines } = await legacyServer({ get });
      const transport = createHttpTransport({ url: scripted.url });
      await transport.start(recorder().handlers);
      const error: unknown = await Promise.resolve(transport.send(request(1))).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(HttpError);
      expect(error).toMatchObject({ status: 405, body: 'Method Not Allowed' });
      expect(transport.kind).toBe('streamable-http');
      // Later messages go on as Streamable HTTP.
      await expect(transport.send(request(2))).rejects.toMatchObject({ status: 405 });
      expect(lines).toEqual(['POST /mcp', 'GET /mcp', 'POST /mcp']);
      await transport.close();
    },
  );

  it('does not GET when the authorize callback fails with an error that carries a 404 status', async () => {
    const { scripted, lines } = await legacyServer();
    const failure = Object.assign(
      new McpLocalError('TRANSPORT_ERROR', 'The token service answered 404.'),
      {
        status: 404,
        body: '',
      },
    );
    const asked: string[] = [];
    const transport = createHttpTransport({
      url: scripted.url,
      authorize: ({ method }) => {
        asked.push(method);
        return Promise.reject(failure);
      },
    });
    await transport.start(recorder().handlers);
    await expect(transport.send(request(1))).rejects.toBe(failure);
    expect(asked).toEqual(['POST']);
    expect(transport.kind).toBe('streamable-http');
    expect(lines).toEqual([]);
    await transport.close();
  });

  it('stays on Streamable HTTP, failing with the POST refusal, when the GET fails below HTTP', async () => {
    const { scripted, lines } = await legacyServer();
    const { fetch } = watchingFetch((method) => method === 'GET');
    const transport = createHttpTransport({ url: scripted.url, fetch });
    await transport.start(recorder().handlers);
    await expect(transport.send(request(1))).rejects.toMatchObject({
      name: 'HttpError',
      status: 405,
    });
    expect(transport.kind).toBe('streamable-http');
    expect(lines).toEqual(['POST /mcp']);
    await transport.close();
  });

  it('fails with the SSE error when the event stream ends before naming an endpoint', async () => {
    const { scripted, lines } = await legacyServer({ get: (res) => void sse(res).end() });
    const transport = createHttpTransport({ url: scripted.url });
    await transport.start(recorder().handlers);
    await expect(transport.send(request(1))).rejects.toMatchObject({
      name: 'SseTransportError',
      reason: 'no-endpoint',
    });
    expect(transport.kind).toBe('streamable-http');
    expect(lines).toEqual(['POST /mcp', 'GET /mcp']);
    await transport.close();
  });

  it('does not fall back for a message sent before start, failing with the refusal', async () => {
    const { scripted, lines } = await legacyServer();
    const transport = createHttpTransport({ url: scripted.url });
    await expect(transport.send(request(1))).rejects.toMatchObject({
      name: 'HttpError',
      status: 405,
    });
    expect(lines).toEqual(['POST /mcp']);
    await transport.close();
  });
});

describe('createHttpTransport: closed before or while choosing', () => {
  it('resolves a close before start, and sends nothing after it', async () => {
    const { server, lines } = await streamableServer();
    const transport = createHttpTransport({ url: server.url });
    await transport.close();
    await expect(transport.send(request(1))).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The HTTP transport is closed.',
    });
    expect(lines).toEqual([]);
  });

  /** A `fetch` that says when the answer to a request with `method` arrived (its head). */
  function answeredFetch(method: string) {
    const answered = deferred();
    const fetch: typeof globalThis.fetch = async (input, init) => {
      const response = await globalThis.fetch(input, init);
      if ((init?.method ?? 'GET') === method) answered.resolve();
      return response;
    };
    return { fetch, answered: answered.promise };
  }

  it('does not GET when closed while the refusal of the first POST is being read', async () => {
    let held: ServerResponse | undefined;
    const { scripted, lines } = await legacyServer();
    // The refusal's head arrives; its body ends only after the close.
    scripted.server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.method !== 'POST') return;
      held = res.writeHead(405, { 'content-type': 'text/plain' });
      held.write('Method ');
    });
    const { fetch, answered } = answeredFetch('POST');
    const transport = createHttpTransport({ url: scripted.url, fetch });
    const r = recorder();
    await transport.start(r.handlers);
    const sending = Promise.resolve(transport.send(request(1)));
    await answered;
    await transport.close();
    held?.end('Not Allowed');
    await expect(sending).rejects.toMatchObject({ name: 'HttpError', status: 405 });
    expect(lines).toEqual(['POST /mcp']);
    expect(r.closed).toEqual([undefined]);
  });

  it('fails the first message with the refusal of the GET when closed while reading it', async () => {
    let held: ServerResponse | undefined;
    const { scripted } = await legacyServer({
      // The GET's refusal arrives; its body ends only after the close.
      get: (res) => {
        held = res.writeHead(404, { 'content-type': 'text/plain' });
        held.write('Not ');
      },
    });
    const { fetch, answered } = answeredFetch('GET');
    const transport = createHttpTransport({ url: scripted.url, fetch });
    const r = recorder();
    await transport.start(r.handlers);
    const sending = Promise.resolve(transport.send(request(1)));
    await answered;
    await transport.close();
    held?.end('Found');
    await expect(sending).rejects.toMatchObject({
      name: 'HttpError',
      status: 404,
      message: expect.stringContaining('the SSE stream (GET'),
    });
    expect(transport.kind).toBe('streamable-http');
    expect(r.closed).toEqual([undefined]);
  });

  it('fails the first message as closed when closed while waiting for the endpoint', async () => {
    const streaming = deferred();
    const { scripted, lines } = await legacyServer({
      get: (res) => {
        sse(res).write(': waiting\n\n');
        streaming.resolve();
      },
    });
    const transport = createHttpTransport({ url: scripted.url });
    const r = recorder();
    await transport.start(r.handlers);
    const sending = Promise.resolve(transport.send(request(1)));
    await streaming.promise;
    await transport.close();
    await expect(sending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(transport.kind).toBe('streamable-http');
    expect(r.closed).toEqual([undefined]);
    expect(lines).toEqual(['POST /mcp', 'GET /mcp']);
  });
});
