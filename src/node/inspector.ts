import { readFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InspectionEvent } from 'xstate';
import type { WebSocket as WsSocket, WebSocketServer } from 'ws';
import {
  authorizationMachine,
  connectionMachine,
  dispatcherMachine,
  inboundRequestMachine,
  requestMachine,
  stdioProcessMachine,
} from '../../machines/index.js';
import { McpLocalError } from '../errors/errors.js';
import { LiveActors } from '../inspector/live-actors.js';
import { describeMachine, type StateShape } from '../inspector/machine-shape.js';
import {
  RecordBuilder,
  type InspectedSession,
  type InspectorFrame,
  type InspectorRecord,
} from '../inspector/records.js';

export type { StateShape } from '../inspector/machine-shape.js';
export type { InspectedSession, InspectorFrame, InspectorRecord } from '../inspector/records.js';
export type { Sanitized } from '../inspector/sanitize.js';

/**
 * The offline inspector: a small HTTP server on 127.0.0.1 that serves one page and streams the
 * inspection events of any number of sessions to it over a WebSocket. The page (bundled, loading
 * nothing from elsewhere) draws the connection statechart from the machine definition with the
 * current state lit, the request actors in flight and settled, and the JSON-RPC traffic; and,
 * for a session whose OAuth client is watched too, the authorization statechart.
 *
 * Bounded: the server keeps the last `history` records for pages that open later, and apart
 * from them the latest state and the path (bounded) of every live actor, so that a page opened
 * late still shows where each session is and how it got there; a page that
 * reads too slowly (more than `maxBufferedBytes` waiting in its socket) is skipped, and told how
 * many records it missed. Secrets (authorization headers, tokens, keys) are redacted before
 * anything leaves the process.
 */

export interface InspectorOptions {
  /** The port to listen on; 0 (default) picks a free one. The host is always 127.0.0.1. */
  readonly port?: number;
  /** Records kept for pages that open later, and the most queued between two sends. Default 5 000. */
  readonly history?: number;
  /** Bytes waiting in a page's socket beyond which records for it are dropped. Default 4 MiB. */
  readonly maxBufferedBytes?: number;
  /** Time source of the records. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * A running inspector (from `startInspector`): its address, an observer per session, and `close`.
 *
 * @example
 * ```ts
 * import { createClientSession, createInMemoryTransportPair } from 'mcp-actors';
 * import { startInspector } from 'mcp-actors/node';
 *
 * const inspector = await startInspector();
 * console.log(`open ${inspector.url}`);
 * const [transport] = createInMemoryTransportPair();
 * const session = createClientSession({ transport, inspect: inspector.observer('in memory') });
 * await session.close();
 * await inspector.close();
 * ```
 */
export interface Inspector {
  /** The page's address, `http://127.0.0.1:<port>/`. */
  readonly url: string;
  /**
   * An inspection observer for one session: pass it as `inspect` to `createClientSession`, and to
   * `createOAuthClient` of the session's server to show the authorization flow under the session
   * too (its actor is recognised by its machine, `authorization`). Each call starts a new session
   * on the page, named `label` (default `session N`).
   *
   * @example
   * ```ts
   * import { createClientSession, createOAuthClient, createStreamableHttpTransport } from 'mcp-actors';
   * import { startInspector } from 'mcp-actors/node';
   *
   * declare function openBrowser(url: URL): Promise<string>; // resolves with the redirect back
   * const inspector = await startInspector();
   * const observer = inspector.observer('protected server');
   * const oauth = createOAuthClient({
   *   grant: {
   *     type: 'authorization_code',
   *     redirectUri: 'http://127.0.0.1:8976/callback',
   *     userAgent: ({ url }) => openBrowser(url),
   *   },
   *   inspect: observer, // the authorization statechart
   * });
   * const session = createClientSession({
   *   transport: createStreamableHttpTransport({ url: 'https://mcp.example.com/mcp', auth: oauth }),
   *   inspect: observer, // the connection statechart, the requests and the messages
   * });
   * await session.connect();
   * ```
   */
  observer(label?: string): (event: InspectionEvent) => void;
  /** The sessions seen so far. */
  readonly sessions: readonly InspectedSession[];
  /** Pages connected now. */
  readonly pages: number;
  /** Closes the pages' sockets and the server. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * The page could not be served: the package's built page script is missing.
 *
 * @example
 * ```ts
 * import { InspectorAssetError, startInspector } from 'mcp-actors/node';
 *
 * try {
 *   const inspector = await startInspector();
 *   console.log(`open ${inspector.url}`);
 * } catch (error) {
 *   if (!(error instanceof InspectorAssetError)) throw error;
 *   console.warn(`no inspector: ${error.message}`); // run `npm run build` first
 * }
 * ```
 */
export class InspectorAssetError extends McpLocalError {
  override name = 'InspectorAssetError';
  constructor(file: string) {
    super(
      'INVALID_STATE',
      `The inspector page script is missing at ${file}: build the package (npm run build).`,
    );
  }
}

let machines: Record<string, StateShape> | undefined;
const machineShapes = (): Record<string, StateShape> =>
  (machines ??= {
    connection: describeMachine(connectionMachine),
    dispatcher: describeMachine(dispatcherMachine),
    request: describeMachine(requestMachine),
    inboundRequest: describeMachine(inboundRequestMachine),
    stdioProcess: describeMachine(stdioProcessMachine),
    authorization: describeMachine(authorizationMachine),
  });

/** The package's root: the nearest folder above this module with the package's package.json. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'mcp-actors') {
          return dir;
        }
      } catch {
        // Not ours; go on up.
      }
    }
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/**
 * Where the bundled page script is (built by `npm run build`).
 *
 * @example
 * ```ts
 * import { existsSync } from 'node:fs';
 * import { inspectorPageScript } from 'mcp-actors/node';
 *
 * const script = inspectorPageScript();
 * if (!existsSync(script)) console.warn(`${script} is missing: run npm run build`);
 * ```
 */
export function inspectorPageScript(): string {
  return path.join(packageRoot(), 'dist/inspector/page.js');
}

const page = (port: number): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>mcp-actors inspector</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
</head>
<body>
<div id="app" data-port="${port}">Loading…</div>
<script src="/page.js"></script>
</body>
</html>
`;

interface Page {
  readonly socket: WsSocket;
  dropped: number;
}

/**
 * Starts the inspector server on 127.0.0.1.
 *
 * @example
 * Watch a stdio server's session on a fixed port, keeping the last 1 000 records:
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createStdioTransport, startInspector } from 'mcp-actors/node';
 *
 * const inspector = await startInspector({ port: 4400, history: 1000 });
 * console.log(`open ${inspector.url}`);
 * const transport = createStdioTransport({ command: 'node', args: ['server.js'] });
 * const session = createClientSession({ transport, inspect: inspector.observer('server.js') });
 * await session.connect();
 * await session.listTools();
 * await session.close();
 * await inspector.close();
 * ```
 */
export async function startInspector(options: InspectorOptions = {}): Promise<Inspector> {
  const capacity = options.history ?? 5000;
  const maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
  const now = options.now ?? Date.now;
  const script = inspectorPageScript();
  if (!existsSync(script)) throw new InspectorAssetError(script);
  const { WebSocketServer: Wss } = await import('ws');

  const sessions: InspectedSession[] = [];
  const pages = new Set<Page>();
  /** The last `capacity` records, oldest first (a ring once full). */
  const history: InspectorRecord[] = [];
  let historyStart = 0;
  let forgotten = 0;
  /** The latest state and path of every live actor, kept even once the history drops them. */
  const live = new LiveActors();
  let queue: InspectorRecord[] = [];
  let overflow = 0;
  let scheduled = false;
  let closed = false;

  const remember = (record: InspectorRecord): void => {
    if (history.length < capacity) {
      history.push(record);
      return;
    }
    history[historyStart] = record;
    historyStart = (historyStart + 1) % capacity;
    forgotten++;
  };
  const kept = (): InspectorRecord[] => [
    ...history.slice(historyStart),
    ...history.slice(0, historyStart),
  ];

  /** Sends a frame to a page that keeps up; for one that does not, counts `size` records missed. */
  const send = (p: Page, frame: InspectorFrame, size: number): boolean => {
    if (p.socket.readyState !== 1) return false;
    if (p.socket.bufferedAmount > maxBuffered) {
      p.dropped += size;
      return false;
    }
    p.socket.send(JSON.stringify(frame));
    return true;
  };

  /** While a page has missed records, checks now and then whether it reads again, to tell it. */
  let catchUp: ReturnType<typeof setInterval> | undefined;
  const watchCatchUp = (): void => {
    if (catchUp !== undefined) return;
    catchUp = setInterval(() => {
      let behind = false;
      for (const p of pages) {
        if (p.dropped === 0) continue;
        if (send(p, { type: 'records', records: [], dropped: p.dropped }, 0)) p.dropped = 0;
        else behind = true;
      }
      if (!behind) {
        clearInterval(catchUp);
        catchUp = undefined;
      }
    }, 200);
    catchUp.unref();
  };

  const flush = (): void => {
    scheduled = false;
    const records = queue;
    const lost = overflow;
    queue = [];
    overflow = 0;
    if (records.length === 0 && lost === 0) return;
    for (const p of pages) {
      const frame: InspectorFrame = { type: 'records', records, dropped: p.dropped + lost };
      if (send(p, frame, records.length + lost)) p.dropped = 0;
      else if (p.dropped > 0) watchCatchUp();
    }
  };

  const publish = (records: readonly InspectorRecord[]): void => {
    if (closed) return;
    for (const r of records) {
      live.add(r);
      remember(r);
      if (queue.length < capacity) queue.push(r);
      else overflow++;
    }
    if (!scheduled && pages.size > 0) {
      scheduled = true;
      setImmediate(flush);
    } else if (pages.size === 0) {
      queue = [];
      overflow = 0;
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void serve(req, res);
  });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = {
      'cache-control': 'no-store',
      // Nothing from elsewhere: the page's script, its styles and its socket are all this server's.
      'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:${port()} ws://localhost:${port()}`,
      'x-content-type-options': 'nosniff',
    };
    if (!hostAllowed(req.headers.host)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden host');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', ...headers }).end();
    } else if (url.pathname === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers })
        .end(page(port()));
    } else if (url.pathname === '/page.js') {
      try {
        const body = await readFile(script);
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', ...headers });
        res.end(body);
      } catch {
        res.writeHead(500, { 'content-type': 'text/plain', ...headers }).end('page script missing');
      }
    } else {
      res.writeHead(404, { 'content-type': 'text/plain', ...headers }).end('Not found');
    }
  };

  const port = (): number => (server.address() as AddressInfo | null)?.port ?? 0;
  /** Only this machine's names for the server (a page on another origin cannot rebind to it). */
  const hostAllowed = (host: string | undefined): boolean =>
    host === `127.0.0.1:${port()}` || host === `localhost:${port()}`;

  const wss: WebSocketServer = new Wss({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    const originAllowed =
      origin === undefined ||
      origin === `http://127.0.0.1:${port()}` ||
      origin === `http://localhost:${port()}`;
    if (url.pathname !== '/events' || !hostAllowed(req.headers.host) || !originAllowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const p: Page = { socket: ws, dropped: 0 };
      pages.add(p);
      ws.on('close', () => pages.delete(p));
      ws.on('error', () => pages.delete(p));
      // The page sends nothing the server acts on.
      ws.on('message', () => {});
      ws.send(
        JSON.stringify({
          type: 'hello',
          machines: machineShapes(),
          sessions,
          // The history holds the last `history.length` records made; older ones of live actors
          // are kept apart.
          live: live.before(live.count - history.length),
          records: kept(),
          dropped: forgotten,
        } satisfies InspectorFrame),
      );
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  let closing: Promise<void> | undefined;
  return {
    get url() {
      return `http://127.0.0.1:${port()}/`;
    },
    get sessions() {
      return [...sessions];
    },
    get pages() {
      return pages.size;
    },
    observer(label?: string) {
      const session: InspectedSession = {
        id: `s${sessions.length + 1}`,
        label: label ?? `session ${sessions.length + 1}`,
      };
      sessions.push(session);
      for (const p of pages) send(p, { type: 'session', session }, 0);
      const builder = new RecordBuilder(session.id, now);
      return (event: InspectionEvent) => publish(builder.records(event));
    },
    close() {
      closing ??= (async () => {
        closed = true;
        if (catchUp !== undefined) clearInterval(catchUp);
        for (const p of pages) p.socket.terminate();
        pages.clear();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closing;
    },
  };
}
