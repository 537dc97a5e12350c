import type { Clock } from '../core/clock.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';

/**
 * The shapes the WebSocket transport speaks: the part of the standard WebSocket API it uses,
 * what an implementation may add to a socket it opens (`OpenedSocket`), and the transport's own
 * interface and state.
 */

/**
 * The subprotocol requested on every connection; the server must select it.
 *
 * @example
 * ```ts
 * import { MCP_WEBSOCKET_SUBPROTOCOL } from 'mcp-actors';
 *
 * // a server's subprotocol choice (for example `handleProtocols` of ws's WebSocketServer):
 * // the client asks for MCP_WEBSOCKET_SUBPROTOCOL and closes the socket unless it is selected
 * const handleProtocols = (offered: Set<string>): string | false =>
 *   offered.has(MCP_WEBSOCKET_SUBPROTOCOL) ? MCP_WEBSOCKET_SUBPROTOCOL : false;
 * ```
 */
export const MCP_WEBSOCKET_SUBPROTOCOL = 'mcp';

/** `readyState` of an open socket. */
export const OPEN = 1;

/** The part of the standard WebSocket API this transport uses. */
export interface WebSocketLike {
  readonly readyState: number;
  /** The subprotocol the server selected (`''` for none), once open. */
  readonly protocol: string;
  readonly bufferedAmount: number;
  /** Sends one text frame. */
  send(data: string): void;
  /** Starts the closing handshake. */
  close(code?: number, reason?: string): void;
  /** Listens for the socket's events. */
  addEventListener(
    type: 'open' | 'message' | 'error' | 'close',
    listener: (event: unknown) => void,
  ): void;
}

/**
 * A WebSocket constructor. The third argument, `{ headers }`, is passed only when headers are
 * given; `ws` honours it, the standard constructor has no such argument.
 */
export type WebSocketConstructor = new (
  url: string,
  protocols: string[],
  options?: { headers: Record<string, string> },
) => WebSocketLike;

export interface MessageEventLike {
  readonly data: unknown;
}
export interface ErrorEventLike {
  readonly message?: unknown;
  readonly error?: unknown;
}
export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/**
 * Headers for a WebSocket's opening handshake, asked for each time the socket opens: a static
 * bearer token, or one read from a token store.
 *
 * @example
 * ```ts
 * import { createWebSocketTransport, type WebSocketAuthorize } from 'mcp-actors';
 * import WebSocket from 'ws';
 *
 * const authorize: WebSocketAuthorize = () => ({ authorization: `Bearer ${process.env.MCP_TOKEN ?? ''}` });
 * const transport = createWebSocketTransport({ url: 'wss://mcp.example.com/ws', WebSocket, authorize });
 * ```
 */
export type WebSocketAuthorize = (request: {
  readonly url: URL;
}) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;

/** The state of a WebSocket transport. */
export type WebSocketTransportState = 'idle' | 'connecting' | 'open' | 'closing' | 'closed';

/** A WebSocket transport: one JSON-RPC message per text frame, over the `mcp` subprotocol. */
export interface WebSocketTransport extends Transport {
  /** Resolves once the socket is open with the `mcp` subprotocol. */
  start(handlers: TransportHandlers): Promise<void>;
  /** `idle` until started, then `connecting`, `open`, `closing`, `closed`. */
  readonly state: WebSocketTransportState;
  /** The subprotocol the server selected, once open. */
  readonly protocol: string | undefined;
}

/** A socket just constructed, with what only some implementations can add. */
export interface OpenedSocket {
  readonly socket: WebSocketLike;
  /**
   * A fuller account of why the opening failed (an HTTP status, the subprotocol offered), asked
   * when the socket closes before it opened.
   */
  readonly failure?: () => Error | undefined;
  /** Writes one text frame; settles once it is taken. Default: `send`, then `bufferedAmount`. */
  readonly write?: (text: string) => Promise<void>;
  /**
   * The code the implementation closed the connection with itself, over something the server
   * sent (`ws` closes with 1009 for a message too big, then reports 1006 when the server hangs up).
   */
  readonly closedWith?: () => number | undefined;
}

/** Makes the socket; called once, after whatever it needed has loaded. */
export type SocketOpener = (url: string, protocols: string[]) => OpenedSocket;

/**
 * Options of the transport over a socket opener: those of `WebSocketOptions` that are not about
 * making the socket.
 */
export interface WebSocketCoreOptions {
  readonly protocols?: readonly string[];
  readonly maxBufferedBytes?: number;
  readonly clock?: Clock;
}
