import { McpLocalError, type McpErrorOptions } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import { MCP_WEBSOCKET_SUBPROTOCOL } from './websocket-types.js';

/**
 * How a WebSocket connection fails, in words: what each close code means, and the errors for a
 * socket that closed unasked, could not be opened, or did not get the `mcp` subprotocol.
 */

/** What each close code means, for messages (RFC 6455 §7.4.1 and the IANA registry). */
const CLOSE_MEANINGS: Readonly<Record<number, string>> = {
  1000: 'normal closure',
  1001: 'the server is going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no status code was given',
  1006: 'the connection dropped without a close frame',
  1007: 'invalid frame payload data',
  1008: 'policy violation',
  1009: 'a message was too big',
  1010: 'a required extension was not negotiated',
  1011: 'the server hit an internal error',
  1012: 'the service is restarting',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failure',
};

/**
 * What a close code means, in words.
 *
 * @example
 * ```ts
 * import { describeCloseCode, WebSocketClosedError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * console.log(describeCloseCode(1011)); // 'the server hit an internal error'
 * console.log(describeCloseCode(4001)); // 'an application close code'
 * if (session.error instanceof WebSocketClosedError) {
 *   console.log(describeCloseCode(session.error.closeCode));
 * }
 * ```
 */
export function describeCloseCode(code: number): string {
  const known = CLOSE_MEANINGS[code];
  if (known !== undefined) return known;
  if (code >= 3000 && code <= 3999) return 'a registered close code';
  if (code >= 4000 && code <= 4999) return 'an application close code';
  return 'an unknown close code';
}

/** The URL without credentials, query or fragment, for messages. */
export function shown(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The connection closed when the client had not asked it to, with a code other than 1000.
 *
 * @example
 * ```ts
 * import { WebSocketClosedError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * session.onStateChange((state) => {
 *   const { error } = session;
 *   if (state === 'closed' && error instanceof WebSocketClosedError) {
 *     console.log(error.closeCode, error.closeReason); // for example 1001 'restarting'
 *   }
 * });
 * ```
 */
export class WebSocketClosedError extends McpLocalError {
  override name = 'WebSocketClosedError';
  declare readonly code: 'TRANSPORT_ERROR';
  /** The WebSocket close code (1006 when the connection dropped without a close frame). */
  readonly closeCode: number;
  /** The close reason the server gave (`''` for none). */
  readonly closeReason: string;
  constructor(
    closeCode: number,
    closeReason: string,
    options?: McpErrorOptions & {
      /** The client closed it, over something the server sent (a message too big, bad UTF-8). */
      readonly byClient?: boolean;
    },
  ) {
    super(
      'TRANSPORT_ERROR',
      `${options?.byClient === true ? 'The client closed the WebSocket' : 'The WebSocket closed'} with code ${closeCode} (${describeCloseCode(closeCode)})${closeReason === '' ? '' : `: ${clause(closeReason)}`}.`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.closeCode = closeCode;
    this.closeReason = closeReason;
  }
}

/**
 * The WebSocket could not be opened: the connection was refused, the server answered the upgrade
 * with an HTTP status (`status`, `body`; known with `ws`), or the connection failed before opening.
 *
 * @example
 * ```ts
 * import { createWebSocketTransport, WebSocketConnectError } from 'mcp-actors';
 *
 * const transport = createWebSocketTransport({ url: 'wss://example.com/mcp' });
 * try {
 *   await transport.start({ message: () => {}, error: () => {}, closed: () => {} });
 * } catch (error) {
 *   if (error instanceof WebSocketConnectError) console.log(error.url, error.status, error.body);
 * }
 * ```
 */
export class WebSocketConnectError extends McpLocalError {
  override name = 'WebSocketConnectError';
  declare readonly code: 'TRANSPORT_ERROR';
  /** The URL, without query or credentials. */
  readonly url: string;
  /** The HTTP status that refused the upgrade, when the WebSocket implementation tells it. */
  readonly status: number | undefined;
  /** The start of that answer's body. */
  readonly body: string | undefined;
  constructor(
    url: URL,
    detail: string,
    options?: McpErrorOptions & { readonly status?: number; readonly body?: string },
  ) {
    super(
      'TRANSPORT_ERROR',
      `Could not open a WebSocket to ${shown(url)}: ${detail}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.url = shown(url);
    this.status = options?.status;
    this.body = options?.body;
  }
}

/**
 * The server did not select the `mcp` subprotocol.
 *
 * @example
 * ```ts
 * import {
 *   createClientSession,
 *   createWebSocketTransport,
 *   WebSocketSubprotocolError,
 * } from 'mcp-actors';
 *
 * const transport = createWebSocketTransport({ url: 'wss://example.com/chat' });
 * const session = createClientSession({ transport });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   // not an MCP endpoint: '' when the server selected no subprotocol
 *   if (error instanceof WebSocketSubprotocolError) console.log(error.selected);
 * }
 * ```
 */
export class WebSocketSubprotocolError extends WebSocketConnectError {
  override name = 'WebSocketSubprotocolError';
  /**
   * The subprotocol the server selected: `''` for none, `undefined` when the WebSocket
   * implementation refused the answer without saying what it was.
   */
  readonly selected: string | undefined;
  constructor(url: URL, selected: string | undefined, options?: McpErrorOptions) {
    const what =
      selected === undefined
        ? 'it did not select it'
        : selected === ''
          ? 'it selected none'
          : `it selected ${JSON.stringify(selected)}`;
    super(
      url,
      `the server must select the WebSocket subprotocol "${MCP_WEBSOCKET_SUBPROTOCOL}", and ${what}. Is this an MCP WebSocket endpoint?`,
      options,
    );
    this.selected = selected;
  }
}
