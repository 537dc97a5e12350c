import { systemClock, type Clock } from '../core/clock.js';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  McpLocalError,
  reasonText,
  StreamError,
  type McpErrorOptions,
} from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import { clause } from '../errors/sentences.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';

/**
 * WebSocket: one JSON-RPC message per text frame, over a connection opened with the `mcp`
 * subprotocol. This module is runtime-neutral: it speaks the standard WebSocket API
 * (`addEventListener`, `readyState`, `send`, `close`, `protocol`, `bufferedAmount`), so it runs
 * over the global `WebSocket` of browsers, Deno, Bun and Node ≥ 22, or over any constructor given
 * (such as `WebSocket` from `ws`). `createNodeWebSocketTransport` in `mcp-actors/node` uses `ws`
 * with what only it offers: headers, the HTTP status of a refused upgrade, write callbacks.
 *
 * Faults: a frame that cannot be taken (binary, not JSON) is a stream exception and the
 * connection goes on; a close the client did not ask for, with any code but 1000, ends the
 * transport with a `WebSocketClosedError` carrying the close code and reason.
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

const OPEN = 1;

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

interface MessageEventLike {
  readonly data: unknown;
}
interface ErrorEventLike {
  readonly message?: unknown;
  readonly error?: unknown;
}
interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

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
function shown(url: URL): string {
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

export interface WebSocketCoreOptions {
  readonly protocols?: readonly string[];
  readonly maxBufferedBytes?: number;
  readonly clock?: Clock;
}

const POLL_MS = 10;

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

/**
 * The transport over a socket made by `load()`'s opener. `load` may import what it needs; a
 * `close()` before it settles leaves the socket unmade.
 */
export function createWebSocketTransportWith(
  url: URL,
  load: () => SocketOpener | Promise<SocketOpener>,
  options: WebSocketCoreOptions = {},
): WebSocketTransport {
  const protocols = [
    MCP_WEBSOCKET_SUBPROTOCOL,
    ...(options.protocols ?? []).filter((p) => p !== MCP_WEBSOCKET_SUBPROTOCOL),
  ];
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const clock = options.clock ?? systemClock;
  let state: WebSocketTransportState = 'idle';
  let handlers: TransportHandlers | undefined;
  let opened: OpenedSocket | undefined;
  let closeRequested = false;
  /** Why opening failed, once it has: start() rejected with it. */
  let startFailure: Error | undefined;
  /** The last error event's account, for the close that follows it. */
  let lastError: unknown;
  /** What `handlers.closed` was given. */
  let closeReason: Error | undefined;
  /** One shared wait for `bufferedAmount` to fall, whatever the number of writes waiting. */
  let draining: Promise<void> | undefined;
  let markEnded: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    markEnded = resolve;
  });

  /** Ends the transport, telling the handlers exactly once. */
  const finish = (reason: Error | undefined): void => {
    if (state === 'closed') return;
    state = 'closed';
    closeReason = reason;
    handlers?.closed(reason);
    markEnded();
  };

  /** Why the socket closed before it opened. */
  const openingFailure = (event: CloseEventLike): Error => {
    if (closeRequested) {
      return new WebSocketConnectError(url, 'the transport was closed while connecting.');
    }
    const known = opened?.failure?.();
    if (known !== undefined) return known;
    const error = lastError as ErrorEventLike | undefined;
    const cause = error?.error ?? error;
    const said =
      error?.error instanceof Error
        ? error.error.message
        : typeof error?.message === 'string' && error.message !== ''
          ? error.message
          : undefined;
    if (said !== undefined && /subprotocol/i.test(said)) {
      return new WebSocketSubprotocolError(url, undefined, { cause });
    }
    const detail =
      said ??
      `the connection closed with code ${event.code} (${describeCloseCode(event.code)})${event.reason === '' ? '' : `: ${clause(event.reason)}`}`;
    return new WebSocketConnectError(
      url,
      `${clause(detail)}.`,
      cause === undefined ? {} : { cause },
    );
  };

  const take = (event: MessageEventLike): void => {
    const h = handlers;
    if (h === undefined || startFailure !== undefined || state === 'closed') return;
    const data = event.data;
    if (typeof data !== 'string') {
      const size = byteSize(data);
      h.error(
        new StreamError(
          'INVALID_MESSAGE',
          `A binary frame arrived${size === undefined ? '' : ` (${size} bytes)`} and was dropped: MCP over WebSocket carries one JSON-RPC message per text frame.`,
        ),
      );
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(data);
    } catch (cause) {
      h.error(
        new StreamError(
          'INVALID_JSON',
          `A text frame is not JSON and was dropped: ${data.slice(0, 120)}`,
          { cause },
        ),
      );
      return;
    }
    h.message(message);
  };

  const waitForDrain = (socket: WebSocketLike): Promise<void> => {
    draining ??= new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (state === 'closed') {
          draining = undefined;
          reject(new ConnectionClosedError(undefined, { cause: closeReason }));
        } else if (socket.bufferedAmount <= maxBuffered) {
          draining = undefined;
          resolve();
        } else {
          clock.setTimeout(check, POLL_MS);
        }
      };
      clock.setTimeout(check, POLL_MS);
    });
    return draining;
  };

  const connect = async (): Promise<void> => {
    let opener: SocketOpener;
    try {
      opener = await load();
    } catch (error) {
      const failure = new WebSocketConnectError(url, `${clause(reasonText(error))}.`, {
        cause: error,
      });
      startFailure = failure;
      finish(failure);
      throw failure;
    }
    if (closeRequested) {
      const failure = new WebSocketConnectError(url, 'the transport was closed while connecting.');
      startFailure = failure;
      finish(undefined);
      throw failure;
    }
    let made: OpenedSocket;
    try {
      made = opener(url.href, [...protocols]);
    } catch (error) {
      // The constructor throws on a malformed URL or subprotocol list.
      const failure = new WebSocketConnectError(url, `${clause(reasonText(error))}.`, {
        cause: error,
      });
      startFailure = failure;
      finish(failure);
      throw failure;
    }
    opened = made;
    const socket = made.socket;
    return new Promise<void>((resolve, reject) => {
      socket.addEventListener('open', () => {
        // After close() while connecting, the close event that follows rejects start().
        if (state !== 'connecting' || closeRequested) return;
        if (socket.protocol !== MCP_WEBSOCKET_SUBPROTOCOL) {
          // A client that does not enforce the subprotocol itself: refuse here.
          const failure = new WebSocketSubprotocolError(url, socket.protocol);
          startFailure = failure;
          state = 'closing';
          socket.close(1000, 'The mcp subprotocol was not selected');
          reject(failure);
          return;
        }
        state = 'open';
        resolve();
      });
      socket.addEventListener('message', (event) => take(event as MessageEventLike));
      socket.addEventListener('error', (event) => {
        lastError = event;
      });
      socket.addEventListener('close', (e) => {
        const event = e as CloseEventLike;
        if (state === 'connecting') {
          const failure = openingFailure(event);
          startFailure = failure;
          reject(failure);
          finish(closeRequested ? undefined : failure);
          return;
        }
        if (startFailure !== undefined) {
          finish(startFailure);
          return;
        }
        if (closeRequested || event.code === 1000) {
          finish(undefined);
          return;
        }
        const error = lastError as ErrorEventLike | undefined;
        const cause = error?.error ?? error;
        const own = made.closedWith?.();
        finish(
          new WebSocketClosedError(own ?? event.code, own === undefined ? event.reason : '', {
            ...(cause === undefined ? {} : { cause }),
            byClient: own !== undefined,
          }),
        );
      });
    });
  };

  return {
    get state() {
      return state;
    },
    get protocol() {
      return state === 'open' || state === 'closing' ? opened?.socket.protocol : undefined;
    },

    start(h: TransportHandlers) {
      if (state !== 'idle') {
        throw new McpLocalError('INVALID_STATE', 'The WebSocket transport starts once.');
      }
      handlers = h;
      state = 'connecting';
      return connect();
    },

    send(message: JsonRpcMessage) {
      const socket = opened?.socket;
      if (state !== 'open' || socket === undefined || socket.readyState !== OPEN) {
        if (state === 'idle' || state === 'connecting') {
          throw new McpLocalError(
            'INVALID_STATE',
            `The WebSocket is not open yet (${state === 'idle' ? 'not started' : 'connecting'}); send once start() has resolved.`,
          );
        }
        throw new ConnectionClosedError(undefined, { cause: closeReason ?? startFailure });
      }
      const text = JSON.stringify(message);
      if (opened?.write !== undefined) return opened.write(text);
      socket.send(text);
      if (socket.bufferedAmount > maxBuffered) return waitForDrain(socket);
    },

    close() {
      closeRequested = true;
      if (state === 'idle') {
        state = 'closed';
        markEnded();
      } else if (state === 'open') {
        state = 'closing';
        opened?.socket.close(1000);
      } else if (state === 'connecting' && opened !== undefined) {
        // Closing a socket that is still connecting fails it; its close event follows.
        if (opened.socket.readyState <= OPEN) opened.socket.close(1000);
      }
      return ended;
    },
  };
}

/** The size of a binary frame's data, when it can be told. */
function byteSize(data: unknown): number | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as { byteLength?: unknown; size?: unknown; length?: unknown };
  if (typeof d.byteLength === 'number') return d.byteLength;
  if (typeof d.size === 'number') return d.size;
  if (Array.isArray(data)) {
    // ws with binaryType 'fragments'.
    return (data as { byteLength?: number }[]).reduce((n, part) => n + (part.byteLength ?? 0), 0);
  }
  return undefined;
}
