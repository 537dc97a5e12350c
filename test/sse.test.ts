import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createClientSession,
  createHttpTransport,
  createSseTransport,
  HttpError,
  SseTransportError,
  type SessionMessage,
} from '../src/index.js';
import { deferred } from './support/deferred.js';

/**
 * The HTTP+SSE transport (MCP 2024-11-05) and the HTTP transport that picks between it and
 * Streamable HTTP, against the official server SDK (`SSEServerTransport`,
 * `StreamableHTTPServerTransport`, `McpServer`) and against small scripted node:http servers for
 * the faults, all on 127.0.0.1.
 */

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    // Open SSE streams and keep-alive sockets would hold close() open: end them.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** Serves on 127.0.0.1 at a free port; every request is recorded. Resolves with the origin. */
async function listen(
  seen: Seen[],
  handler: (req: IncomingMessage, res: ServerResponse, path: URL) => void,
): Promise<string> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push({ method: req.method ?? '', path: path.pathname, headers: req.headers });
    handler(req, res, path);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** An SDK server with an echo, a progress, a sampling, an elicitation and a never-ending tool. */
function sdkServer(onHang: () => void): McpServer {
  const mcp = new McpServer({ name: 'sdk-test-server', version: '1.0.0' });
  mcp.registerTool(
    'echo',
    { description: 'Echoes its text', inputSchema: { text: z.string() } },
    ({ text: t }) => text(t),
  );
  mcp.registerTool('count', { description: 'Reports progress twice' }, async (extra) => {
    const token = extra._meta?.progressToken;
    for (const progress of [1, 2]) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress, total: 2 },
        });
      }
    }
    return text('counted');
  });
  mcp.registerTool('ask-model', { description: 'Asks the client to sample' }, async () => {
    const answer = await mcp.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'What is 2+2?' } }],
      maxTokens: 10,
    });
    return text(`model said ${JSON.stringify(answer.content)}`);
  });
  mcp.registerTool('ask-user', { description: 'Asks the client to elicit' }, async () => {
    const answer = await mcp.server.elicitInput({
      message: 'Your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
    });
    return text(`user said ${answer.action} ${JSON.stringify(answer.content)}`);
  });
  mcp.registerTool('hang', { description: 'Never answers' }, () => {
    onHang();
    return new Promise<CallToolResult>(() => {});
  });
  return mcp;
}

/**
 * The SDK's HTTP+SSE server: GET /sse opens a stream, POST /messages?sessionId= carries the
 * client's messages; any other request to /sse is refused as `refusal` says (405 by default).
 */
async function sdkSseServer(
  refusal = { status: 405, type: 'text/plain', body: 'Method Not Allowed' },
) {
  const seen: Seen[] = [];
  const transports = new Map<string, SSEServerTransport>();
  const streamClosed = deferred();
  const hung = deferred();
  const origin = await listen(seen, (req, res, path) => {
    if (req.method === 'GET' && path.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      transports.set(transport.sessionId, transport);
      res.on('close', () => streamClosed.resolve());
      void sdkServer(() => hung.resolve()).connect(transport);
    } else if (req.method === 'POST' && path.pathname === '/messages') {
      const transport = transports.get(path.searchParams.get('sessionId') ?? '');
      if (transport === undefined) res.writeHead(404).end('Session not found');
      else transport.handlePostMessage(req, res).catch(() => {});
    } else if (path.pathname === '/sse') {
      res.writeHead(refusal.status, { 'content-type': refusal.type }).end(refusal.body);
    } else {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<pre>Cannot find that</pre>');
    }
  });
  return {
    url: `${origin}/sse`,
    seen,
    transports,
    streamClosed: streamClosed.promise,
    hung: hung.promise,
  };
}

/** The SDK's Streamable HTTP server at /mcp, with sessions; a request without one gets a fresh transport. */
async function sdkStreamableServer() {
  const seen: Seen[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const origin = await listen(seen, (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
    if (transport === undefined) {
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, created);
        },
      });
      transport = created;
      void sdkServer(() => {}).connect(created);
    }
    transport.handleRequest(req, res).catch(() => {});
  });
  return { url: `${origin}/mcp`, seen };
}

const event = (name: string, data: string): string => `event: ${name}\ndata: ${data}\n\n`;
const message = (value: unknown): string => event('message', JSON.stringify(value));

/**
 * A scripted HTTP+SSE server: `get` answers GET /sse (by default: a stream whose first event names
 * /post); POSTs to /post are answered 202 and their requests answered on the stream by `reply`
 * (by default: initialize, and an empty result for anything else).
 */
async function scriptedSseServer(
  script: {
    get?: (res: ServerResponse) => void;
    reply?: (rpc: Record<string, unknown>, stream: ServerResponse, res: ServerResponse) => void;
  } = {},
) {
  const seen: Seen[] = [];
  const getClosed = deferred();
  let stream: ServerResponse | undefined;
  const origin = await listen(seen, (req, res, path) => {
    if (req.method === 'GET' && path.pathname === '/sse') {
      res.on('close', () => getClosed.resolve());
      stream = res;
      if (script.get !== undefined) script.get(res);
      else
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .write(event('endpoint', '/post'));
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const rpc = JSON.parse(body) as Record<string, unknown>;
      const s = stream;
      if (s === undefined) {
        res.writeHead(500).end('no stream');
      } else if (rpc.id === undefined || rpc.method === undefined) {
        res.writeHead(202).end('Accepted');
      } else if (rpc.method === 'initialize') {
        const params = rpc.params as { protocolVersion: string };
        s.write(
          message({
            jsonrpc: '2.0',
            id: rpc.id,
            result: {
              protocolVersion: params.protocolVersion,
              capabilities: { tools: {} },
              serverInfo: { name: 'scripted', version: '1' },
            },
          }),
        );
        res.writeHead(202).end('Accepted');
      } else if (script.reply !== undefined) {
        script.reply(rpc, s, res);
      } else {
        s.write(message({ jsonrpc: '2.0', id: rpc.id, result: { tools: [] } }));
        res.writeHead(202).end('Accepted');
      }
    });
  });
  return { url: `${origin}/sse`, origin, seen, getClosed: getClosed.promise };
}

describe('HTTP+SSE against the SDK server', () => {
  it('runs a session: endpoint, listing, calls, progress, sampling, headers, and the GET ended on close', async () => {
    const { url, seen, streamClosed } = await sdkSseServer();
    const authorized: string[] = [];
    const transport = createSseTransport({
      url,
      headers: { 'x-app': 'test' },
      authorize: ({ url: target, method }) => {
        authorized.push(`${method} ${target.pathname}`);
        return { authorization: 'Bearer secret' };
      },
    });
    const sampled: string[] = [];
    const session = createClientSession({
      transport,
      mode: 'legacy',
      protocolVersion: '2024-11-05',
      sampling: (params) => {
        sampled.push(JSON.stringify(params.messages));
        return {
          role: 'assistant',
          content: { type: 'text', text: 'four' },
          model: 'test-model',
        };
      },
    });
    await expect(session.connect()).resolves.toMatchObject({
      era: 'legacy',
      protocolVersion: '2024-11-05',
    });
    expect(session.serverInfo?.name).toBe('sdk-test-server');
    expect(transport.endpoint?.origin).toBe(new URL(url).origin);
    expect(transport.endpoint?.pathname).toBe('/messages');
    expect(transport.endpoint?.searchParams.get('sessionId')).toMatch(/^[0-9a-f-]{36}$/);

    const tools = await session.listAllTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'count', 'ask-model', 'ask-user', 'hang']),
    );
    await expect(session.callTool('echo', { text: 'over sse' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'over sse' }],
    });
    const progress: number[] = [];
    await expect(
      session.callTool('count', {}, { onProgress: (p) => progress.push(p.progress) }),
    ).resolves.toMatchObject({ content: [{ text: 'counted' }] });
    expect(progress).toEqual([1, 2]);
    const asked = await session.callTool('ask-model', {});
    expect(JSON.stringify(asked.content)).toContain('four');
    expect(sampled.join()).toContain('What is 2+2?');

    await session.close();
    await streamClosed; // the GET was aborted
    const get = seen.find((s) => s.method === 'GET');
    expect(get?.headers).toMatchObject({
      accept: 'text/event-stream',
      'x-app': 'test',
      authorization: 'Bearer secret',
    });
    const posts = seen.filter((s) => s.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(6);
    for (const post of posts) {
      expect(post.path).toBe('/messages');
      expect(post.headers).toMatchObject({
        'content-type': 'application/json',
        'x-app': 'test',
        authorization: 'Bearer secret',
      });
    }
    expect(authorized[0]).toBe('GET /sse');
    expect(authorized.slice(1).every((a) => a === 'POST /messages')).toBe(true);
    expect(authorized).toHaveLength(1 + posts.length);
  });

  it('rejects a pending request with a typed error when the server ends the stream', async () => {
    const { url, transports, hung } = await sdkSseServer();
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    await session.connect();
    const call = session.callTool('hang', {}).catch((e: unknown) => e);
    await hung;
    for (const transport of transports.values()) await transport.close();
    const error = await call;
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect((error as Error).cause).toBeInstanceOf(SseTransportError);
    expect((error as Error).cause).toMatchObject({
      code: 'TRANSPORT_ERROR',
      reason: 'stream-ended',
    });
    expect(session.state).toBe('closed');
    await expect(session.listTools()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });
});

describe('HTTP+SSE faults', () => {
  it('refuses an endpoint on another origin: connect rejects, the GET is ended, nothing is POSTed', async () => {
    const { url, seen, getClosed } = await scriptedSseServer({
      get: (res) =>
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .write(event('endpoint', 'http://other.example/messages?sessionId=1')),
    });
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    await expect(session.connect()).rejects.toMatchObject({
      name: 'SseTransportError',
      code: 'TRANSPORT_ERROR',
      reason: 'cross-origin-endpoint',
      endpoint: 'http://other.example/messages?sessionId=1',
    });
    await getClosed;
    expect(seen.map((s) => s.method)).toEqual(['GET']);
    await session.close();
  });

  it.each([
    ['ends before the endpoint event', (res: ServerResponse) => res.end(': nothing to say\n\n')],
    [
      'sends a message before the endpoint event',
      (res: ServerResponse) =>
        res.write(message({ jsonrpc: '2.0', method: 'notifications/hello' })),
    ],
  ])('rejects connect when the stream %s', async (_what, body) => {
    const { url } = await scriptedSseServer({
      get: (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        body(res);
      },
    });
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    await expect(session.connect()).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      reason: 'no-endpoint',
      status: 200,
    });
    await session.close();
  });

  it('rejects connect when the stream stays silent past endpointTimeout', async () => {
    const { url } = await scriptedSseServer({
      get: (res) =>
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': hello\n\n'),
    });
    const session = createClientSession({
      transport: createSseTransport({ url, endpointTimeout: 1 }),
      mode: 'legacy',
    });
    await expect(session.connect()).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      reason: 'no-endpoint',
      message: expect.stringContaining('within 1 ms'),
    });
    await session.close();
  });

  it('rejects connect with an HttpError when the GET is answered 404', async () => {
    const { url } = await scriptedSseServer({
      get: (res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such stream'),
    });
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    const error: unknown = await session.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'TRANSPORT_ERROR', status: 404, body: 'no such stream' });
    await session.close();
  });

  it('rejects connect when the GET is answered with another content type', async () => {
    const { url } = await scriptedSseServer({
      get: (res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'),
    });
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    await expect(session.connect()).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      reason: 'not-event-stream',
      status: 200,
    });
    await session.close();
  });

  it('fails a request whose POST is answered 500 with the status, and the session goes on', async () => {
    const { url } = await scriptedSseServer({
      reply: (rpc, stream, res) => {
        if (rpc.method === 'tools/call') {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('internal trouble');
        } else {
          stream.write(message({ jsonrpc: '2.0', id: rpc.id, result: { tools: [] } }));
          res.writeHead(202).end();
        }
      },
    });
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    await session.connect();
    const error: unknown = await session.callTool('boom').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SEND_FAILED' });
    expect((error as Error).cause).toBeInstanceOf(HttpError);
    expect((error as Error).cause).toMatchObject({ status: 500, body: 'internal trouble' });
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await session.close();
  });

  it('reports message data that is not JSON as a stream exception, and the session goes on', async () => {
    const exception = deferred<Error>();
    const { url } = await scriptedSseServer({
      reply: (rpc, stream, res) => {
        stream.write(event('message', 'this is not json'));
        stream.write(message({ jsonrpc: '2.0', id: rpc.id, result: { tools: [] } }));
        res.writeHead(202).end();
      },
    });
    const session = createClientSession({
      transport: createSseTransport({ url }),
      mode: 'legacy',
      messageHandler: (m: SessionMessage) => {
        if (m.type === 'exception') exception.resolve(m.error);
      },
    });
    await session.connect();
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await expect(exception.promise).resolves.toMatchObject({
      code: 'INVALID_JSON',
      message: expect.stringContaining('this is not json'),
    });
    expect(session.state).toBe('ready');
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await session.close();
  });

  it('rejects a pending request with a typed error when the stream breaks', async () => {
    const called = deferred<ServerResponse>();
    const { url } = await scriptedSseServer({
      reply: (rpc, stream, res) => {
        res.writeHead(202).end();
        called.resolve(stream);
      },
    });
    const session = createClientSession({ transport: createSseTransport({ url }), mode: 'legacy' });
    await session.connect();
    const call = session.callTool('slow', {}).catch((e: unknown) => e);
    (await called.promise).destroy();
    const error = await call;
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect((error as Error).cause).toMatchObject({
      code: 'TRANSPORT_ERROR',
      reason: 'stream-failed',
    });
  });
});

describe('HTTP+SSE: the size of an event (maxMessageBytes)', () => {
  it('closes the connection at once when an event passes the cap: pending calls reject with MESSAGE_TOO_LARGE as the cause', async () => {
    let written = 0;
    const { url, getClosed } = await scriptedSseServer({
      reply: (rpc, stream, res) => {
        res.writeHead(202).end();
        // An event that never ends, written while the client reads (bounded for the test's sake).
        const chunk = 'x'.repeat(16 * 1024);
        stream.write(`event: message\ndata: {"jsonrpc":"2.0","id":${JSON.stringify(rpc.id)},`);
        const pump = (): void => {
          while (!stream.destroyed && written < 8 * 1024 * 1024) {
            written += chunk.length;
            if (!stream.write(chunk)) {
              stream.once('drain', pump);
              return;
            }
          }
        };
        pump();
      },
    });
    const session = createClientSession({
      transport: createSseTransport({ url, maxMessageBytes: 64 * 1024 }),
      mode: 'legacy',
    });
    await session.connect();
    const error: unknown = await session.callTool('huge').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect((error as Error).cause).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      message: expect.stringMatching(/passed 65536 bytes \(maxMessageBytes\)/) as unknown,
    });
    expect(session.state).toBe('closed');
    await getClosed; // the client closed the stream
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('HTTP+SSE transport contract', () => {
  const recorder = () => {
    const closed: (Error | undefined)[] = [];
    return {
      closed,
      handlers: {
        message: () => {},
        error: () => {},
        closed: (reason?: Error) => closed.push(reason),
      },
    };
  };

  it('reports closed once on close(), twice called, and refuses to send after', async () => {
    const { url } = await scriptedSseServer();
    const transport = createSseTransport({ url });
    const r = recorder();
    await transport.start(r.handlers);
    await transport.close();
    await transport.close();
    expect(r.closed).toEqual([undefined]);
    await expect(
      Promise.resolve().then(() => transport.send({ jsonrpc: '2.0', method: 'ping', id: 1 })),
    ).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('close() while waiting for the endpoint rejects start() and ends the GET', async () => {
    const opened = deferred();
    const { url, getClosed } = await scriptedSseServer({
      get: (res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(': waiting\n\n');
        opened.resolve();
      },
    });
    const transport = createSseTransport({ url });
    const r = recorder();
    const started = Promise.resolve(transport.start(r.handlers));
    await opened.promise;
    await transport.close();
    await expect(started).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    await getClosed;
    expect(r.closed).toEqual([undefined]);
  });

  it('turns a POST that fails below HTTP into a TRANSPORT_ERROR', async () => {
    const { url } = await scriptedSseServer();
    const transport = createSseTransport({
      url,
      fetch: (input, init) =>
        init?.method === 'POST'
          ? Promise.reject(new TypeError('fetch failed'))
          : globalThis.fetch(input, init),
    });
    await transport.start(recorder().handlers);
    await expect(
      Promise.resolve().then(() => transport.send({ jsonrpc: '2.0', method: 'ping', id: 1 })),
    ).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringContaining('fetch failed'),
      cause: new TypeError('fetch failed'),
    });
    await transport.close();
  });
});

describe('createHttpTransport', () => {
  it('falls back to HTTP+SSE when the first POST is refused with 405 (auto negotiation), with elicitation', async () => {
    const { url, seen } = await sdkSseServer();
    const transport = createHttpTransport({ url });
    const elicited: string[] = [];
    const session = createClientSession({
      transport,
      elicitation: {
        form: (params) => {
          elicited.push(String(params.message));
          return { action: 'accept', content: { name: 'Ada' } };
        },
      },
    });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(transport.kind).toBe('sse');
    // The probe refused over HTTP went on over SSE, where the server did not know it.
    expect(session.fallbackReason).toMatch(/-32601/);
    expect(seen.slice(0, 3).map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /sse',
      'GET /sse',
      'POST /messages',
    ]);
    await expect(session.callTool('echo', { text: 'fell back' })).resolves.toMatchObject({
      content: [{ text: 'fell back' }],
    });
    const answer = await session.callTool('ask-user', {});
    expect(JSON.stringify(answer.content)).toContain('accept');
    expect(JSON.stringify(answer.content)).toContain('Ada');
    expect(elicited).toEqual(['Your name?']);
    expect(seen.filter((s) => s.method === 'POST' && s.path === '/sse')).toHaveLength(1);
    await session.close();
  });

  it('falls back on a 404 with an HTML body (legacy negotiation)', async () => {
    const { url, seen } = await sdkSseServer({
      status: 404,
      type: 'text/html',
      body: '<pre>Cannot POST /sse</pre>',
    });
    const transport = createHttpTransport({ url });
    const session = createClientSession({ transport, mode: 'legacy' });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(transport.kind).toBe('sse');
    await expect(session.listTools()).resolves.toMatchObject({
      tools: expect.arrayContaining([expect.objectContaining({ name: 'echo' })]),
    });
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });

  it('stays on Streamable HTTP with the SDK Streamable HTTP server (legacy negotiation: no GET for SSE)', async () => {
    const { url, seen } = await sdkStreamableServer();
    const transport = createHttpTransport({ url });
    const session = createClientSession({ transport, mode: 'legacy' });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(transport.kind).toBe('streamable-http');
    await expect(session.callTool('echo', { text: 'streamed' })).resolves.toMatchObject({
      content: [{ text: 'streamed' }],
    });
    await session.close();
    // A GET outside the session (no session id) would be the SSE fallback.
    expect(
      seen.filter((s) => s.method === 'GET' && s.headers['mcp-session-id'] === undefined),
    ).toEqual([]);
    expect(seen.at(-1)?.method).toBe('DELETE');
  });

  it('stays on Streamable HTTP with the SDK Streamable HTTP server in auto negotiation', async () => {
    const { url, seen } = await sdkStreamableServer();
    const transport = createHttpTransport({ url });
    const session = createClientSession({ transport });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(transport.kind).toBe('streamable-http');
    // The SDK refuses the sessionless probe itself; the session falls back to initialize.
    expect(session.fallbackReason).toMatch(/Server not initialized/);
    await expect(session.listTools()).resolves.toMatchObject({
      tools: expect.arrayContaining([expect.objectContaining({ name: 'echo' })]),
    });
    await session.close();
    expect(seen.every((s) => s.path === '/mcp')).toBe(true);
  });

  it('stays on Streamable HTTP, failing the probe with its own refusal, when the GET opens no stream', async () => {
    const seen: Seen[] = [];
    const origin = await listen(seen, (req, res) => {
      if (req.method !== 'POST') {
        res.writeHead(req.method === 'DELETE' ? 200 : 405).end();
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const rpc = JSON.parse(body) as Record<string, unknown>;
        const json = (result: unknown) =>
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result }));
        if (rpc.id === undefined) res.writeHead(202).end();
        else if (rpc.method === 'server/discover') {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad Request: no session');
        } else if (rpc.method === 'initialize') {
          json({
            protocolVersion: (rpc.params as { protocolVersion: string }).protocolVersion,
            capabilities: { tools: {} },
            serverInfo: { name: 'bare-refusal', version: '1' },
          });
        } else json({ tools: [] });
      });
    });
    const transport = createHttpTransport({ url: `${origin}/mcp` });
    const session = createClientSession({ transport });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(transport.kind).toBe('streamable-http');
    expect(session.fallbackReason).toMatch(/HTTP 400/);
    expect(seen.slice(0, 3).map((s) => s.method)).toEqual(['POST', 'GET', 'POST']);
    expect(seen[1]?.headers.accept).toBe('text/event-stream');
    await expect(session.listTools()).resolves.toMatchObject({ tools: [] });
    await session.close();
  });

  it('does not fall back when a refusal carries a JSON-RPC error answering the message', async () => {
    const seen: Seen[] = [];
    const origin = await listen(seen, (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const rpc = body === '' ? {} : (JSON.parse(body) as Record<string, unknown>);
        if (rpc.id === undefined) res.writeHead(202).end();
        else if (rpc.method === 'server/discover') {
          res.writeHead(404, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: rpc.id,
              error: { code: -32601, message: 'Method not found' },
            }),
          );
        } else {
          const params = rpc.params as { protocolVersion: string };
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: rpc.id,
              result: {
                protocolVersion: params.protocolVersion,
                capabilities: {},
                serverInfo: { name: 'modern-refusal', version: '1' },
              },
            }),
          );
        }
      });
    });
    const transport = createHttpTransport({ url: `${origin}/mcp` });
    const session = createClientSession({ transport });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(session.fallbackReason).toMatch(/-32601/);
    expect(transport.kind).toBe('streamable-http');
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST', 'POST']);
    await session.close();
  });

  it('fails the first message with the SSE error when the fallback stream names another origin', async () => {
    const { origin, seen } = await scriptedSseServer({
      get: (res) =>
        res
          .writeHead(200, { 'content-type': 'text/event-stream' })
          .write(event('endpoint', 'http://other.example/messages')),
    });
    // POST /sse is not a route of the scripted server's GET: it answers 500 without a stream, so
    // refuse the POST here with a 405 through the fetch the transport is given.
    const transport = createHttpTransport({
      url: `${origin}/sse`,
      fetch: (input, init) =>
        init?.method === 'POST'
          ? Promise.resolve(new Response('Method Not Allowed', { status: 405 }))
          : globalThis.fetch(input, init),
    });
    const session = createClientSession({ transport, mode: 'legacy' });
    const error: unknown = await session.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SEND_FAILED' });
    expect((error as Error).cause).toMatchObject({
      name: 'SseTransportError',
      reason: 'cross-origin-endpoint',
    });
    expect(transport.kind).toBe('streamable-http');
    expect(seen.map((s) => s.method)).toEqual(['GET']);
    await session.close();
  });
});
