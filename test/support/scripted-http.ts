import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClientSession, type SessionMessage } from '../../src/index.js';
import {
  createStreamableHttpTransport,
  type StreamableHttpOptions,
} from '../../src/transports/streamable-http.js';

/**
 * A Streamable HTTP server on 127.0.0.1 that a test scripts, in the test's own process, and the
 * helpers to answer with it (JSON, SSE events, a legacy initialize). Notifications and responses
 * the client POSTs are answered 202, DELETE 200; every other message goes to the test's handler.
 */

export interface Seen {
  method: string;
  rpc: string | undefined;
  id: unknown;
  headers: IncomingHttpHeaders;
  /** The message the client sent, if any. */
  body: Record<string, unknown> | undefined;
}

export type Handler = (
  req: IncomingMessage,
  rpc: Record<string, unknown> | undefined,
  res: ServerResponse,
) => void;

export interface Scripted {
  readonly url: string;
  readonly server: Server;
  /** Every request the server received, in order. */
  readonly seen: Seen[];
}

const servers = new Set<Server>();

/** Starts a scripted server; `closeServers` (in an `afterEach`) stops every one started. */
export async function serve(handler: Handler): Promise<Scripted> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const rpc = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
      seen.push({
        method: req.method ?? '',
        rpc: rpc?.method as string | undefined,
        id: rpc?.id,
        headers: req.headers,
        body: rpc,
      });
      if (res.headersSent) return; // answered by a listener a test put first
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      if (rpc !== undefined && (rpc.id === undefined || 'result' in rpc)) {
        return void res.writeHead(202).end();
      }
      handler(req, rpc, res);
    });
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/mcp`, server, seen };
}

export async function closeServers(): Promise<void> {
  const closing = [...servers].map((server) => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  servers.clear();
  await Promise.all(closing);
}

export const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

export const sse = (res: ServerResponse): ServerResponse =>
  res.writeHead(200, { 'content-type': 'text/event-stream' });

export const event = (message: unknown, id?: string): string =>
  `${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(message)}\n\n`;

/** Answers a legacy `initialize` with a session id. */
export function initialize(
  rpc: Record<string, unknown>,
  res: ServerResponse,
  sessionId = 'session-1',
): void {
  json(
    res,
    {
      jsonrpc: '2.0',
      id: rpc.id,
      result: {
        protocolVersion: (rpc.params as { protocolVersion?: unknown }).protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'scripted', version: '1' },
      },
    },
    { 'mcp-session-id': sessionId },
  );
}

export const toolResult = (id: unknown, text: string) => ({
  jsonrpc: '2.0',
  id,
  result: { content: [{ type: 'text', text }] },
});

/** A delay that records each wait and returns at once (rejecting if the signal aborted). */
export function recordingDelay(): {
  waits: number[];
  delay: NonNullable<StreamableHttpOptions['delay']>;
} {
  const waits: number[] = [];
  return {
    waits,
    delay: (ms, signal) => {
      waits.push(ms);
      return signal.aborted ? Promise.reject(signal.reason as Error) : Promise.resolve();
    },
  };
}

/** A connected legacy (2025-11-25) session over a Streamable HTTP transport to `url`. */
export async function legacySession(
  url: string,
  options: Partial<StreamableHttpOptions> = {},
  messages: SessionMessage[] = [],
) {
  const transport = createStreamableHttpTransport({ url, standaloneStream: false, ...options });
  const session = createClientSession({
    transport,
    mode: 'legacy',
    protocolVersion: '2025-11-25',
    messageHandler: (m) => void messages.push(m),
  });
  await session.connect();
  return { session, transport };
}
