// An MCP server for pages on another origin: the official SDK's McpServer over its
// StreamableHTTPServerTransport (stateful, answering with SSE streams), behind CORS that admits one
// page origin and (unless told otherwise) exposes Mcp-Session-Id. Its tools are made for the
// browser tests:
//
// - `echo` answers its message;
// - `sum` adds two numbers, answering structured content that its output schema describes;
// - `count` reports `steps` progress notifications, then answers;
// - `wait` reports one progress notification (whose message is its own request id), then waits
//   until the request is cancelled;
// - `cancellations` waits until its session has received at least one `notifications/cancelled`,
//   then answers the params of every one the session received (as JSON text).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';

export interface CorsMcpServerOptions {
  /** The one origin CORS admits (a page's `http://127.0.0.1:<port>`). */
  readonly allowOrigin: string;
  /**
   * The request headers a preflight admits. Default: the ones a Streamable HTTP client sends on
   * every MCP revision, 2026-07-28's request metadata headers included.
   */
  readonly allowHeaders?: readonly string[];
  /** The response headers exposed to the page. Default: `Mcp-Session-Id`, `MCP-Protocol-Version`. */
  readonly exposeHeaders?: readonly string[];
}

/** A request the server answered, with the CORS facts of it. */
export interface CorsRequest {
  readonly method: string;
  readonly origin: string | undefined;
  /** For a preflight: the method and headers asked for. */
  readonly preflight?: {
    readonly method: string | undefined;
    readonly headers: string | undefined;
  };
}

export interface CorsMcpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  /** Every HTTP request received, in order. */
  readonly requests: readonly CorsRequest[];
  /** The JSON-RPC methods received, in order, over all sessions. */
  readonly methods: readonly string[];
  /** The params of every `notifications/cancelled` received, over all sessions. */
  readonly cancelled: readonly Readonly<Record<string, unknown>>[];
  close(): Promise<void>;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

const DEFAULT_ALLOW_HEADERS = [
  'Accept',
  'Content-Type',
  'Last-Event-ID',
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
];

/** Starts the server on 127.0.0.1 and a free port. */
export async function startCorsMcpServer(options: CorsMcpServerOptions): Promise<CorsMcpServer> {
  const requests: CorsRequest[] = [];
  const methods: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const allowHeaders = (options.allowHeaders ?? DEFAULT_ALLOW_HEADERS).join(', ');
  const exposeHeaders = (options.exposeHeaders ?? ['Mcp-Session-Id', 'MCP-Protocol-Version']).join(
    ', ',
  );

  /** Every `notifications/cancelled` received, over all sessions. */
  const cancelled: Record<string, unknown>[] = [];
  /** Wakes the pending `cancellations` calls of every session (at close). */
  const cancelWaiters = new Set<() => void>();

  /** The server of one session, and what records that session's `notifications/cancelled`. */
  const mcpServer = (): { mcp: McpServer; sawCancelled(params: Record<string, unknown>): void } => {
    const mine: Record<string, unknown>[] = [];
    const waiting = new Set<() => void>();
    const sawCancelled = (params: Record<string, unknown>): void => {
      mine.push(params);
      for (const wake of [...waiting]) wake();
    };
    const mcp = new McpServer({ name: 'cors-test-server', version: '1.0.0' });
    mcp.registerTool(
      'echo',
      { description: 'Echoes its message', inputSchema: { message: z.string() } },
      ({ message }) => text(message),
    );
    mcp.registerTool(
      'sum',
      {
        description: 'Adds two numbers',
        inputSchema: { a: z.number(), b: z.number() },
        outputSchema: { sum: z.number() },
      },
      ({ a, b }) => ({
        content: [{ type: 'text', text: String(a + b) }],
        structuredContent: { sum: a + b },
      }),
    );
    mcp.registerTool(
      'count',
      {
        description: 'Reports one progress notification per step, then answers',
        inputSchema: { steps: z.number().int().min(1).max(100) },
      },
      async ({ steps }, extra) => {
        const token = extra._meta?.progressToken;
        for (let step = 1; step <= steps; step++) {
          if (token !== undefined) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: {
                progressToken: token,
                progress: step,
                total: steps,
                message: `step ${step}`,
              },
            });
          }
        }
        return text(`counted to ${steps}`);
      },
    );
    mcp.registerTool(
      'wait',
      { description: 'Reports that it waits, then waits until cancelled' },
      async (extra) => {
        const token = extra._meta?.progressToken;
        const aborted = new Promise<void>((resolve) =>
          extra.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: 0, message: String(extra.requestId) },
          });
        }
        await aborted;
        return text('cancelled');
      },
    );
    mcp.registerTool(
      'cancellations',
      { description: 'Waits for a notifications/cancelled, then lists the ones received' },
      async () => {
        if (mine.length === 0) {
          await new Promise<void>((resolve) => {
            const done = (): void => {
              waiting.delete(done);
              cancelWaiters.delete(done);
              resolve();
            };
            waiting.add(done);
            cancelWaiters.add(done);
          });
        }
        return text(JSON.stringify(mine));
      },
    );
    return { mcp, sawCancelled };
  };

  const cors = (req: IncomingMessage, res: ServerResponse): void => {
    res.setHeader('Access-Control-Allow-Origin', options.allowOrigin);
    res.setHeader('Vary', 'Origin');
    if (exposeHeaders !== '') res.setHeader('Access-Control-Expose-Headers', exposeHeaders);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      res.setHeader('Access-Control-Allow-Headers', allowHeaders);
      res.setHeader('Access-Control-Max-Age', '600');
    }
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const transportFor = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
  ): Promise<StreamableHTTPServerTransport | undefined> => {
    const sid = req.headers['mcp-session-id'];
    if (typeof sid === 'string') {
      const known = transports.get(sid);
      if (known === undefined) {
        sendJson(res, 404, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32001, message: 'Session not found' },
        });
      }
      return known;
    }
    const isInitialize =
      typeof body === 'object' &&
      body !== null &&
      (body as { method?: unknown }).method === 'initialize';
    if (req.method !== 'POST' || !isInitialize) {
      sendJson(res, 400, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32000, message: 'Bad Request: no session' },
      });
      return undefined;
    }
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        transports.set(id, transport);
      },
      onsessionclosed: (id) => {
        transports.delete(id);
      },
    });
    const { mcp, sawCancelled } = mcpServer();
    await mcp.connect(transport);
    // Seen before the SDK acts on it: what the client sent, not what the server made of it.
    const deliver = transport.onmessage;
    transport.onmessage = (message, extra) => {
      if ('method' in message) {
        methods.push(message.method);
        if (message.method === 'notifications/cancelled') {
          cancelled.push({ ...message.params });
          sawCancelled({ ...message.params });
        }
      }
      deliver?.(message, extra);
    };
    return transport;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const origin = req.headers.origin;
    if (req.method === 'OPTIONS') {
      const method = req.headers['access-control-request-method'];
      const headers = req.headers['access-control-request-headers'];
      requests.push({ method: 'OPTIONS', origin, preflight: { method, headers } });
      cors(req, res);
      res.writeHead(204).end();
      return;
    }
    requests.push({ method: req.method ?? '', origin });
    cors(req, res);
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    let body: unknown;
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        sendJson(res, 400, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32700, message: 'Parse error' },
        });
        return;
      }
    }
    const transport = await transportFor(req, res, body);
    if (transport !== undefined) await transport.handleRequest(req, res, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    methods,
    cancelled,
    close: async () => {
      for (const wake of [...cancelWaiters]) wake();
      await Promise.all([...transports.values()].map((t) => t.close()));
      transports.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
