import type { IncomingMessage } from 'node:http';
import type { ClientOptions, WebSocket as WsSocket } from 'ws';
import { McpLocalError, reasonText } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/line.js';
import { handshakeHeaders, webSocketUrl } from '../transports/websocket.js';
import { createWebSocketTransportWith } from '../transports/websocket-connection.js';
import {
  WebSocketConnectError,
  WebSocketSubprotocolError,
} from '../transports/websocket-errors.js';
import {
  MCP_WEBSOCKET_SUBPROTOCOL,
  type OpenedSocket,
  type WebSocketAuthorize,
  type WebSocketTransport,
} from '../transports/websocket-types.js';

/**
 * The WebSocket transport over the `ws` package, loaded on the first `start()` so that importing
 * `mcp-actors/node` stays cheap. On top of the runtime-neutral transport it sends `headers` with
 * the opening handshake, reports the HTTP status and body of a refused upgrade, names the
 * subprotocol a server selected instead of `mcp`, and settles each `send()` when `ws` has written
 * the frame (its send callback).
 */

/** Options of {@link createNodeWebSocketTransport}. */
export interface NodeWebSocketOptions {
  /** A `ws:` or `wss:` URL (`http:` and `https:` are taken as `ws:` and `wss:`). */
  readonly url: string | URL;
  /** More subprotocols to offer after `mcp`; the server must still select `mcp`. */
  readonly protocols?: readonly string[];
  /** Headers for the opening handshake (credentials, for example). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds headers (a bearer token) to the opening handshake, each time the socket opens. */
  readonly authorize?: WebSocketAuthorize;
  /** How long the opening handshake may take, ms. Default: no limit of its own. */
  readonly handshakeTimeoutMs?: number;
  /**
   * The largest message accepted from the server, bytes; a larger one closes the connection with
   * 1009. Default 32 MiB.
   */
  readonly maxMessageBytes?: number;
}

/** How much of a refused upgrade's body is kept for the error. */
const BODY_BYTES = 4096;

/**
 * The close code ws sends when it fails the connection over what the server sent, by its
 * documented error code (it reports 1006 itself once the server hangs up).
 */
function closeCodeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  if (
    code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH' ||
    code === 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH' ||
    code === 'WS_ERR_TOO_MANY_BUFFERED_PARTS'
  )
    return 1009;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  return 1002;
}

/**
 * A WebSocket transport over the `ws` package (loaded on the first `start()`): it can send
 * headers with the opening handshake and reports a refused upgrade's HTTP status.
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createNodeWebSocketTransport } from 'mcp-actors/node';
 *
 * const session = createClientSession({
 *   transport: createNodeWebSocketTransport({
 *     url: 'ws://127.0.0.1:3001/mcp',
 *     headers: { authorization: `Bearer ${process.env.MCP_TOKEN ?? ''}` },
 *     handshakeTimeoutMs: 10_000,
 *   }),
 * });
 * await session.connect();
 * ```
 */
export function createNodeWebSocketTransport(options: NodeWebSocketOptions): WebSocketTransport {
  const url = webSocketUrl(options.url);
  return createWebSocketTransportWith(
    url,
    async () => {
      // Loaded on the first start: importing the package stays cheap.
      const { WebSocket } = await import('ws');
      const headers = await handshakeHeaders(url, options.headers, options.authorize);
      return (href, protocols) =>
        openWs(url, new WebSocket(href, protocols, wsOptions(options, headers)));
    },
    options,
  );
}

/** The options of ws's constructor: the handshake's headers, the message cap, the timeout. */
function wsOptions(
  options: NodeWebSocketOptions,
  headers: Record<string, string> | undefined,
): ClientOptions {
  return {
    headers: { ...headers },
    maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    ...(options.handshakeTimeoutMs === undefined
      ? {}
      : { handshakeTimeout: options.handshakeTimeoutMs }),
  };
}

/** An upgrade the server refused, with the start of its body. */
interface Refusal {
  readonly status: number;
  readonly statusText: string;
  readonly body: string;
}

/**
 * A ws socket just made, with what only ws tells: why the opening failed (a refused upgrade, the
 * subprotocol selected), the code it closed with itself, and a write that settles once ws has
 * written the frame.
 */
function openWs(url: URL, ws: WsSocket): OpenedSocket {
  let refused: Refusal | undefined;
  let selected: string | undefined;
  let closedWith: number | undefined;
  ws.on('error', (error) => {
    closedWith ??= closeCodeOf(error);
  });
  ws.on('upgrade', (res: IncomingMessage) => {
    selected = res.headers['sec-websocket-protocol'] ?? '';
  });
  // With a listener here, ws leaves the refused answer to us: read some of its body, then end.
  ws.on('unexpected-response', (_req, res: IncomingMessage) => {
    readRefusal(res, (refusal) => {
      refused = refusal;
      res.destroy();
      ws.terminate();
    });
  });
  return {
    socket: ws,
    closedWith: () => closedWith,
    failure: () => openingFailure(url, refused, selected),
    write: (text) =>
      new Promise<void>((resolve, reject) => {
        ws.send(text, (error) => {
          if (error === undefined || error === null) resolve();
          else
            reject(
              new McpLocalError(
                'TRANSPORT_ERROR',
                `Writing to the WebSocket failed: ${reasonText(error)}`,
                { cause: error },
              ),
            );
        });
      }),
  };
}

/** Reads up to {@link BODY_BYTES} of a refused upgrade's body, then calls `done` once. */
function readRefusal(res: IncomingMessage, done: (refusal: Refusal) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    done({
      status: res.statusCode ?? 0,
      statusText: res.statusMessage ?? '',
      body: Buffer.concat(chunks).toString('utf8').slice(0, BODY_BYTES),
    });
  };
  res.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= BODY_BYTES) end();
  });
  res.on('end', end);
  res.on('error', end);
  res.on('close', end);
}

/** Why the socket did not open, when ws told more than its close: a refused upgrade, another subprotocol. */
function openingFailure(
  url: URL,
  refused: Refusal | undefined,
  selected: string | undefined,
): Error | undefined {
  if (refused !== undefined) {
    const body = refused.body.trim();
    return new WebSocketConnectError(
      url,
      `the server refused the upgrade with HTTP ${refused.status} ${refused.statusText}${body === '' ? '' : `: ${clause(body.slice(0, 200))}`}.`,
      { status: refused.status, body: refused.body },
    );
  }
  if (selected !== undefined && selected !== MCP_WEBSOCKET_SUBPROTOCOL) {
    return new WebSocketSubprotocolError(url, selected);
  }
  return undefined;
}
