import type { Clock } from '../core/clock.js';
import { InvalidArgumentError } from '../errors/errors.js';
import { createWebSocketTransportWith } from './websocket-connection.js';
import { shown } from './websocket-errors.js';
import type {
  WebSocketAuthorize,
  WebSocketConstructor,
  WebSocketTransport,
} from './websocket-types.js';

/**
 * WebSocket: one JSON-RPC message per text frame, over a connection opened with the `mcp`
 * subprotocol. This module makes the socket from the options (the URL, the constructor, the
 * handshake's headers); websocket-connection.ts runs the connection, websocket-types.ts holds the
 * shapes, websocket-errors.ts the errors. This module is runtime-neutral: it speaks the standard
 * WebSocket API (`addEventListener`, `readyState`, `send`, `close`, `protocol`, `bufferedAmount`),
 * so it runs over the global `WebSocket` of browsers, Deno, Bun and Node ≥ 22, or over any
 * constructor given (such as `WebSocket` from `ws`). `createNodeWebSocketTransport` in
 * `mcp-actors/node` uses `ws` with what only it offers: headers, the HTTP status of a refused
 * upgrade, write callbacks.
 *
 * Faults: a frame that cannot be taken (binary, not JSON) is a stream exception and the
 * connection goes on; a close the client did not ask for, with any code but 1000, ends the
 * transport with a `WebSocketClosedError` carrying the close code and reason.
 */

/** Options of {@link createWebSocketTransport}. */
export interface WebSocketOptions {
  /** A `ws:` or `wss:` URL (`http:` and `https:` are taken as `ws:` and `wss:`). */
  readonly url: string | URL;
  /**
   * More subprotocols to offer after `mcp` (for example one that carries a credential where
   * headers cannot be set). The server must still select `mcp`.
   */
  readonly protocols?: readonly string[];
  /** The WebSocket constructor. Default: the global `WebSocket`. */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Headers for the opening handshake, passed as the constructor's third argument
   * (`{ headers }`), which `ws` accepts. The standard WebSocket cannot send headers, so giving
   * them without a `WebSocket` constructor is an error.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Adds headers (credentials: a bearer token) to the opening handshake, just before the socket
   * opens; like `headers`, it needs a `WebSocket` constructor that accepts them.
   */
  readonly authorize?: WebSocketAuthorize;
  /**
   * Above this many bytes waiting in `bufferedAmount`, `send()` settles only once the socket has
   * sent enough of them (checked every 10 ms). Default 1 MiB.
   */
  readonly maxBufferedBytes?: number;
  /** Time source for that check. Default: the system clock. */
  readonly clock?: Clock;
}

/** Checks and normalises the URL: `ws:`/`wss:` (from `http:`/`https:`), no fragment. */
export function webSocketUrl(url: string | URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`Not a URL: ${JSON.stringify(String(url))}.`);
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new InvalidArgumentError(
      `A WebSocket URL starts with ws: or wss:, not ${parsed.protocol} (${shown(parsed)}).`,
    );
  }
  if (parsed.hash !== '') {
    throw new InvalidArgumentError(`A WebSocket URL has no fragment (${parsed.href}).`);
  }
  return parsed;
}

/**
 * A WebSocket transport over the standard API.
 *
 * `start()` resolves once the socket is open with the `mcp` subprotocol, and rejects with a
 * `WebSocketConnectError` (or `WebSocketSubprotocolError`) otherwise.
 *
 * @example
 * ```ts
 * import { createClientSession, createWebSocketTransport, WebSocketClosedError } from 'mcp-actors';
 *
 * const session = createClientSession({
 *   transport: createWebSocketTransport({ url: 'wss://example.com/mcp' }),
 * });
 * await session.connect();
 * // later, if the server drops the connection:
 * if (session.error instanceof WebSocketClosedError) console.log(session.error.closeCode);
 * ```
 */
export function createWebSocketTransport(options: WebSocketOptions): WebSocketTransport {
  const url = webSocketUrl(options.url);
  const given = options.WebSocket;
  const Ctor = given ?? (globalThis as { WebSocket?: WebSocketConstructor | undefined }).WebSocket;
  if (Ctor === undefined) {
    throw new InvalidArgumentError(
      'This runtime has no global WebSocket (Node.js has one from version 22). Pass a constructor as the `WebSocket` option (for example `WebSocket` from the ws package), or use createNodeWebSocketTransport from mcp-actors/node.',
    );
  }
  if ((options.headers !== undefined || options.authorize !== undefined) && given === undefined) {
    throw new InvalidArgumentError(
      'The standard WebSocket cannot send headers. Pass a constructor that accepts them as the `WebSocket` option (ws does), or use createNodeWebSocketTransport from mcp-actors/node.',
    );
  }
  return createWebSocketTransportWith(
    url,
    async () => {
      const headers = await handshakeHeaders(url, options.headers, options.authorize);
      return (href, protocols) => ({
        socket:
          headers === undefined
            ? new Ctor(href, protocols)
            : new Ctor(href, protocols, { headers }),
      });
    },
    options,
  );
}

/** The opening handshake's headers: the static ones, then the authorizer's; none when neither. */
export async function handshakeHeaders(
  url: URL,
  headers: Readonly<Record<string, string>> | undefined,
  authorize: WebSocketAuthorize | undefined,
): Promise<Record<string, string> | undefined> {
  if (headers === undefined && authorize === undefined) return undefined;
  return { ...headers, ...(await authorize?.({ url })) };
}
