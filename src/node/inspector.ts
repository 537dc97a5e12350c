import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InspectionEvent } from 'xstate';
import {
  authorizationMachine,
  connectionMachine,
  dispatcherMachine,
  inboundRequestMachine,
  requestMachine,
  stdioProcessMachine,
} from '../../machines/index.js';
import { McpLocalError } from '../errors/errors.js';
import { describeMachine, type StateShape } from '../inspector/machine-shape.js';
import { RecordBuilder, type InspectedSession } from '../inspector/records.js';
import { InspectorFeed } from './inspector-feed.js';
import { listenForPages } from './inspector-server.js';

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
  const now = options.now ?? Date.now;
  const script = inspectorPageScript();
  if (!existsSync(script)) throw new InspectorAssetError(script);
  const feed = new InspectorFeed(
    options.history ?? 5000,
    options.maxBufferedBytes ?? 4 * 1024 * 1024,
    machineShapes,
  );
  const server = await listenForPages(options.port ?? 0, script, (ws) => {
    const leave = feed.open(ws);
    ws.on('close', leave);
    ws.on('error', leave);
    // The page sends nothing the server acts on.
    ws.on('message', () => {});
  });
  let closing: Promise<void> | undefined;
  return {
    get url() {
      return `http://127.0.0.1:${server.port}/`;
    },
    get sessions() {
      return feed.sessions;
    },
    get pages() {
      return feed.pages;
    },
    observer(label?: string) {
      const builder = new RecordBuilder(feed.addSession(label).id, now);
      return (event: InspectionEvent) => feed.publish(builder.records(event));
    },
    close() {
      closing ??= (async () => {
        feed.close();
        await server.close();
      })();
      return closing;
    },
  };
}
