import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientSession, JsonRpcError } from '../src/index.js';
import { createStreamableHttpTransport, HttpError } from '../src/transports/streamable-http.js';

/**
 * The Streamable HTTP transport against a real HTTP server on 127.0.0.1 (node:http), which the
 * test scripts: JSON and SSE answers, a session id, error statuses.
 */

interface Seen {
  method: string;
  rpc: string | undefined;
  headers: IncomingHttpHeaders;
}

let server: Server | undefined;
afterEach(async () => {
  // Keep-alive sockets of fetch would hold close() open: end them.
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

type Reply = (rpc: Record<string, unknown>, res: import('node:http').ServerResponse) => void;

async function serve(reply: Reply): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const rpc = body === '' ? undefined : (JSON.parse(body) as Record<string, unknown>);
      seen.push({
        method: req.method ?? '',
        rpc: rpc?.method as string | undefined,
        headers: req.headers,
      });
      if (req.method === 'DELETE') {
        res.writeHead(200).end();
        return;
      }
      if (rpc === undefined) {
        res.writeHead(405).end();
        return;
      }
      if (rpc.id === undefined) {
        res.writeHead(202).end();
        return;
      }
      reply(rpc, res);
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, seen };
}

const json = (
  res: import('node:http').ServerResponse,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

const legacy: Reply = (rpc, res) => {
  const params = rpc.params as Record<string, unknown> | undefined;
  if (rpc.method === 'initialize') {
    json(
      res,
      {
        jsonrpc: '2.0',
        id: rpc.id,
        result: {
          protocolVersion: params?.protocolVersion,
          capabilities: { tools: {} },
          serverInfo: { name: 'http', version: '1' },
        },
      },
      { 'mcp-session-id': 'session-42' },
    );
  } else if (rpc.method === 'tools/call' && params?.name === 'boom') {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('internal trouble');
  } else if (rpc.method === 'tools/call') {
    const token = (params?._meta as { progressToken?: unknown } | undefined)?.progressToken;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`id: 1\ndata: \n\n`); // a priming event
    res.write(
      `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 1 } })}\n\n`,
    );
    res.end(
      `data: ${JSON.stringify({ jsonrpc: '2.0', id: rpc.id, result: { content: [{ type: 'text', text: 'streamed' }] } })}\n\n`,
    );
  } else if (rpc.method === 'server/discover') {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad Request: no session');
  } else {
    json(res, { jsonrpc: '2.0', id: rpc.id, result: { tools: [] } });
  }
};

describe('Streamable HTTP transport', () => {
  it('runs a legacy session: session id, protocol version header, JSON and SSE answers, DELETE on close', async () => {
    const { url, seen } = await serve(legacy);
    const transport = createStreamableHttpTransport({ url, headers: { 'x-app': 'test' } });
    const session = createClientSession({
      transport,
      mode: 'legacy',
      protocolVersion: '2025-06-18',
    });
    await session.connect();
    expect(transport.sessionId).toBe('session-42');
    const progress: number[] = [];
    await expect(
      session.callTool('echo', {}, { onProgress: (p) => progress.push(p.progress) }),
    ).resolves.toMatchObject({
      content: [{ text: 'streamed' }],
    });
    expect(progress).toEqual([1]);
    await session.listTools();
    await session.close();
    const [init, initialized, call, list, del] = seen.filter((s) => s.method !== 'GET');
    // The standalone GET stream was asked for once the session was initialised; 405 means none.
    expect(seen.filter((s) => s.method === 'GET')).toMatchObject([
      {
        headers: {
          accept: 'text/event-stream',
          'mcp-session-id': 'session-42',
          'mcp-protocol-version': '2025-06-18',
        },
      },
    ]);
    expect(init?.headers.accept).toBe('application/json, text/event-stream');
    expect(init?.headers['mcp-session-id']).toBeUndefined();
    expect(init?.headers['x-app']).toBe('test');
    expect(initialized).toMatchObject({
      rpc: 'notifications/initialized',
      headers: { 'mcp-session-id': 'session-42', 'mcp-protocol-version': '2025-06-18' },
    });
    expect(call?.headers['mcp-session-id']).toBe('session-42');
    expect(list?.headers['mcp-protocol-version']).toBe('2025-06-18');
    expect(del).toMatchObject({ method: 'DELETE', headers: { 'mcp-session-id': 'session-42' } });
  });

  it('fails a request with the HTTP status when the body carries no JSON-RPC error', async () => {
    const { url } = await serve(legacy);
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'legacy',
    });
    await session.connect();
    const error: unknown = await session.callTool('boom').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SEND_FAILED' });
    expect((error as { cause?: unknown }).cause).toBeInstanceOf(HttpError);
    expect((error as { cause: HttpError }).cause).toMatchObject({
      status: 500,
      body: 'internal trouble',
    });
    await session.close();
  });

  it('in auto mode, falls back to initialize when a legacy server refuses server/discover with a bare 400', async () => {
    const { url, seen } = await serve(legacy);
    const session = createClientSession({ transport: createStreamableHttpTransport({ url }) });
    await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
    expect(session.fallbackReason).toMatch(/HTTP 400/);
    expect(seen.map((s) => s.rpc)).toEqual([
      'server/discover',
      'initialize',
      'notifications/initialized',
    ]);
    await session.close();
  });

  it('sends the 2026 headers, and gives a JSON-RPC error in a 400 body to the request', async () => {
    const { url, seen } = await serve((rpc, res) => {
      if (rpc.method === 'server/discover') {
        json(res, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            resultType: 'complete',
            supportedVersions: ['2026-07-28'],
            capabilities: { tools: {} },
            ttlMs: 0,
            cacheScope: 'public',
          },
        });
      } else if (rpc.method === 'tools/call') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: rpc.id,
            error: {
              code: -32021,
              message: 'Missing required client capability',
              data: { requiredCapabilities: { sampling: {} } },
            },
          }),
        );
      } else {
        json(res, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: { resultType: 'complete', tools: [], ttlMs: 0, cacheScope: 'public' },
        });
      }
    });
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'modern',
    });
    await session.connect();
    await session.listTools();
    const error: unknown = await session
      .callTool('needs-sampling', { q: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({ code: -32021 });
    await session.close();
    const list = seen.find((s) => s.rpc === 'tools/list');
    expect(list?.headers).toMatchObject({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/list',
    });
    const call = seen.find((s) => s.rpc === 'tools/call');
    expect(call?.headers).toMatchObject({
      'mcp-method': 'tools/call',
      'mcp-name': 'needs-sampling',
    });
    expect(seen.some((s) => s.method === 'DELETE')).toBe(false); // no session in 2026
  });

  it('drops tools with invalid x-mcp-header annotations from listings by default, and mirrors valid ones', async () => {
    const schema = (header: string) => ({
      type: 'object',
      properties: { region: { type: 'string', 'x-mcp-header': header } },
    });
    const { url, seen } = await serve((rpc, res) => {
      const result =
        rpc.method === 'server/discover'
          ? { supportedVersions: ['2026-07-28'], capabilities: { tools: {} } }
          : rpc.method === 'tools/list'
            ? {
                tools: [
                  { name: 'good', inputSchema: schema('Region') },
                  { name: 'colon', inputSchema: schema('Re:gion') },
                  { name: 'accent', inputSchema: schema('Régión') },
                ],
              }
            : { content: [] };
      json(res, {
        jsonrpc: '2.0',
        id: rpc.id,
        result: { resultType: 'complete', ttlMs: 0, cacheScope: 'public', ...result },
      });
    });
    const diagnostics: unknown[] = [];
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'modern',
      onDiagnostic: (d) => void diagnostics.push(d),
    });
    await session.connect();
    const { tools } = await session.listTools();
    expect(tools.map((t) => t.name)).toEqual(['good']);
    expect(diagnostics).toMatchObject([
      { code: 'TOOL_DROPPED', payload: { name: 'colon' } },
      { code: 'TOOL_DROPPED', payload: { name: 'accent' } },
    ]);
    await session.callTool('good', { region: 'eu-west' });
    expect(seen.find((s) => s.rpc === 'tools/call')?.headers).toMatchObject({
      'mcp-param-region': 'eu-west',
    });
    await session.close();
  });
});

/** Resolves once the server has received a message with this method (checked each event-loop turn). */
function received(seen: readonly Seen[], rpc: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (seen.some((s) => s.rpc === rpc)) resolve();
      else setImmediate(check);
    };
    check();
  });
}

/** Starts a call that the test aborts, once the server has it; resolves with its outcome. */
async function abortedCall(
  session: ReturnType<typeof createClientSession>,
  seen: readonly Seen[],
): Promise<unknown> {
  const controller = new AbortController();
  const call = session.callTool('slow', {}, { signal: controller.signal }).catch((e: unknown) => e);
  await received(seen, 'tools/call');
  controller.abort('user stopped it');
  return call;
}

describe('Streamable HTTP cancellation', () => {
  it('on 2026, cancels a request by closing its POST, and sends no notification', async () => {
    let streamClosed: () => void = () => {};
    const closedByClient = new Promise<void>((resolve) => {
      streamClosed = resolve;
    });
    const { url, seen } = await serve((rpc, res) => {
      if (rpc.method === 'server/discover') {
        json(res, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            resultType: 'complete',
            supportedVersions: ['2026-07-28'],
            capabilities: { tools: {} },
            ttlMs: 0,
            cacheScope: 'public',
          },
        });
      } else {
        // A long tool call: the stream stays open until the client goes away.
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': working\n\n');
        res.on('close', () => streamClosed());
      }
    });
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'modern',
    });
    await session.connect();
    await expect(abortedCall(session, seen)).resolves.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await closedByClient;
    expect(seen.some((s) => s.rpc === 'notifications/cancelled')).toBe(false);
    await session.close();
  });

  it('on a handshake revision, cancels with notifications/cancelled as usual', async () => {
    const { url, seen } = await serve((rpc, res) => {
      if (rpc.method === 'initialize') {
        const params = rpc.params as Record<string, unknown>;
        json(res, {
          jsonrpc: '2.0',
          id: rpc.id,
          result: {
            protocolVersion: params.protocolVersion,
            capabilities: {},
            serverInfo: { name: 'h', version: '1' },
          },
        });
      } else {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(': working\n\n');
      }
    });
    const session = createClientSession({
      transport: createStreamableHttpTransport({ url }),
      mode: 'legacy',
    });
    await session.connect();
    await expect(abortedCall(session, seen)).resolves.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await received(seen, 'notifications/cancelled');
    expect(seen.filter((s) => s.rpc === 'notifications/cancelled')).toHaveLength(1);
    await session.close();
  });
});
