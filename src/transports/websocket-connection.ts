import { systemClock, type Clock } from '../core/clock.js';
import { ConnectionClosedError, McpLocalError, reasonText, StreamError } from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { TransportHandlers } from '../wire/transport.js';
import {
  describeCloseCode,
  WebSocketClosedError,
  WebSocketConnectError,
  WebSocketSubprotocolError,
} from './websocket-errors.js';
import {
  MCP_WEBSOCKET_SUBPROTOCOL,
  OPEN,
  type CloseEventLike,
  type ErrorEventLike,
  type MessageEventLike,
  type OpenedSocket,
  type SocketOpener,
  type WebSocketCoreOptions,
  type WebSocketLike,
  type WebSocketTransport,
  type WebSocketTransportState,
} from './websocket-types.js';

/**
 * One WebSocket connection's life, whatever makes the socket: opening it (and saying why it
 * could not be opened), one JSON-RPC message per text frame in and out, the wait for a full send
 * buffer to drain, and the close, told to the handlers exactly once.
 */

const POLL_MS = 10;

/**
 * The transport over a socket made by `load()`'s opener. `load` may import what it needs; a
 * `close()` before it settles leaves the socket unmade.
 */
export function createWebSocketTransportWith(
  url: URL,
  load: () => SocketOpener | Promise<SocketOpener>,
  options: WebSocketCoreOptions = {},
): WebSocketTransport {
  return new WebSocketConnection(url, load, options);
}

/** A WebSocket transport over a socket opener: `idle → connecting → open → closing → closed`. */
class WebSocketConnection implements WebSocketTransport {
  readonly #url: URL;
  readonly #load: () => SocketOpener | Promise<SocketOpener>;
  readonly #protocols: string[];
  readonly #maxBuffered: number;
  readonly #clock: Clock;
  #state: WebSocketTransportState = 'idle';
  /** Set by start(), before any socket exists to call them. */
  #handlers!: TransportHandlers;
  #opened: OpenedSocket | undefined;
  #closeRequested = false;
  /** Why opening failed, once it has: start() rejected with it. */
  #startFailure: Error | undefined;
  /** The last error event's account, for the close that follows it. */
  #lastError: unknown;
  /** What `handlers.closed` was given. */
  #closeReason: Error | undefined;
  /** One shared wait for `bufferedAmount` to fall, whatever the number of writes waiting. */
  #draining: Promise<void> | undefined;
  #markEnded: () => void = () => {};
  readonly #ended: Promise<void>;

  constructor(
    url: URL,
    load: () => SocketOpener | Promise<SocketOpener>,
    options: WebSocketCoreOptions,
  ) {
    this.#url = url;
    this.#load = load;
    this.#protocols = [
      MCP_WEBSOCKET_SUBPROTOCOL,
      ...(options.protocols ?? []).filter((p) => p !== MCP_WEBSOCKET_SUBPROTOCOL),
    ];
    this.#maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
    this.#clock = options.clock ?? systemClock;
    this.#ended = new Promise<void>((resolve) => {
      this.#markEnded = resolve;
    });
    // The methods work apart from the object (`const { send } = transport`), as a transport's may.
    this.start = this.start.bind(this);
    this.send = this.send.bind(this);
    this.close = this.close.bind(this);
  }

  get state(): WebSocketTransportState {
    return this.#state;
  }

  get protocol(): string | undefined {
    const state = this.#state;
    // Stryker disable next-line OptionalChaining: the socket is made before the state can be open or closing
    return state === 'open' || state === 'closing' ? this.#opened?.socket.protocol : undefined;
  }

  start(h: TransportHandlers): Promise<void> {
    // close() before start() ends an idle transport without handlers (it never had any).
    if (
      this.#state === 'closed' &&
      (this.#handlers as TransportHandlers | undefined) === undefined
    ) {
      return Promise.reject(
        new McpLocalError(
          'CONNECTION_CLOSED',
          'The WebSocket transport was closed before it started.',
        ),
      );
    }
    if (this.#state !== 'idle') {
      throw new McpLocalError('INVALID_STATE', 'The WebSocket transport starts once.');
    }
    this.#handlers = h;
    this.#state = 'connecting';
    return this.#connect();
  }

  send(message: JsonRpcMessage): void | Promise<void> {
    const state = this.#state;
    const opened = state === 'open' ? this.#opened : undefined;
    if (opened === undefined || opened.socket.readyState !== OPEN) {
      if (state === 'idle' || state === 'connecting') {
        throw new McpLocalError(
          'INVALID_STATE',
          `The WebSocket is not open yet (${state === 'idle' ? 'not started' : 'connecting'}); send once start() has resolved.`,
        );
      }
      throw new ConnectionClosedError(undefined, {
        cause: this.#closeReason ?? this.#startFailure,
      });
    }
    const text = JSON.stringify(message);
    if (opened.write !== undefined) return opened.write(text);
    const socket = opened.socket;
    socket.send(text);
    if (socket.bufferedAmount > this.#maxBuffered) return this.#waitForDrain(socket);
  }

  close(): Promise<void> {
    this.#closeRequested = true;
    const state = this.#state;
    const socket = this.#opened?.socket;
    if (state === 'idle') {
      this.#state = 'closed';
      this.#markEnded();
    } else if (socket !== undefined) {
      if (state === 'open') {
        this.#state = 'closing';
        socket.close(1000);
      } else if (state === 'connecting' && socket.readyState <= OPEN) {
        // Closing a socket that is still connecting fails it; its close event follows.
        socket.close(1000);
      }
    }
    return this.#ended;
  }

  /** Ends the transport, telling the handlers exactly once. */
  #finish(reason: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#closeReason = reason;
    this.#handlers.closed(reason);
    this.#markEnded();
  }

  /** Opening failed: start() rejects with `failure`, and the handlers are told `told`. */
  #failStart(failure: Error, told: Error | undefined): Error {
    this.#startFailure = failure;
    this.#finish(told);
    return failure;
  }

  /** Loads the opener, makes the socket, and resolves once it is open with `mcp`. */
  async #connect(): Promise<void> {
    const url = this.#url;
    let opener: SocketOpener;
    try {
      opener = await this.#load();
    } catch (error) {
      const failure = new WebSocketConnectError(url, `${clause(reasonText(error))}.`, {
        cause: error,
      });
      throw this.#failStart(failure, failure);
    }
    if (this.#closeRequested) {
      const failure = new WebSocketConnectError(url, 'the transport was closed while connecting.');
      throw this.#failStart(failure, undefined);
    }
    let made: OpenedSocket;
    try {
      made = opener(url.href, [...this.#protocols]);
    } catch (error) {
      // The constructor throws on a malformed URL or subprotocol list.
      const failure = new WebSocketConnectError(url, `${clause(reasonText(error))}.`, {
        cause: error,
      });
      throw this.#failStart(failure, failure);
    }
    this.#opened = made;
    return new Promise<void>((resolve, reject) => {
      const socket = made.socket;
      socket.addEventListener('open', () => this.#onOpen(socket, resolve, reject));
      socket.addEventListener('message', (event) => this.#take(event as MessageEventLike));
      socket.addEventListener('error', (event) => {
        this.#lastError = event;
      });
      socket.addEventListener('close', (e) => this.#onClose(made, e as CloseEventLike, reject));
    });
  }

  /** The socket opened: `start()` resolves, unless the server did not select `mcp`. */
  #onOpen(socket: WebSocketLike, resolve: () => void, reject: (error: Error) => void): void {
    // After close() while connecting, the close event that follows rejects start().
    if (this.#state !== 'connecting' || this.#closeRequested) return;
    if (socket.protocol !== MCP_WEBSOCKET_SUBPROTOCOL) {
      // A client that does not enforce the subprotocol itself: refuse here.
      const failure = new WebSocketSubprotocolError(this.#url, socket.protocol);
      this.#startFailure = failure;
      this.#state = 'closing';
      socket.close(1000, 'The mcp subprotocol was not selected');
      reject(failure);
      return;
    }
    this.#state = 'open';
    resolve();
  }

  /** The socket closed: before it opened (start() rejects), or after, asked or not. */
  #onClose(made: OpenedSocket, event: CloseEventLike, reject: (error: Error) => void): void {
    if (this.#state === 'connecting') {
      const failure = this.#openingFailure(made, event);
      this.#startFailure = failure;
      reject(failure);
      this.#finish(this.#closeRequested ? undefined : failure);
      return;
    }
    if (this.#startFailure !== undefined) {
      this.#finish(this.#startFailure);
      return;
    }
    if (this.#closeRequested || event.code === 1000) {
      this.#finish(undefined);
      return;
    }
    const error = this.#lastError as ErrorEventLike | undefined;
    const cause = error?.error ?? error;
    const own = made.closedWith?.();
    this.#finish(
      new WebSocketClosedError(own ?? event.code, own === undefined ? event.reason : '', {
        cause,
        byClient: own !== undefined,
      }),
    );
  }

  /** Why the socket closed before it opened. */
  #openingFailure(made: OpenedSocket, event: CloseEventLike): Error {
    const url = this.#url;
    if (this.#closeRequested) {
      return new WebSocketConnectError(url, 'the transport was closed while connecting.');
    }
    const known = made.failure?.();
    if (known !== undefined) return known;
    const error = this.#lastError as ErrorEventLike | undefined;
    const cause = error?.error ?? error;
    const said =
      error?.error instanceof Error
        ? error.error.message
        : typeof error?.message === 'string' && error.message !== ''
          ? error.message
          : undefined;
    // Stryker disable next-line ConditionalExpression: test(undefined) reads "undefined", which never matches
    if (said !== undefined && /subprotocol/i.test(said)) {
      return new WebSocketSubprotocolError(url, undefined, { cause });
    }
    const detail =
      said ??
      `the connection closed with code ${event.code} (${describeCloseCode(event.code)})${event.reason === '' ? '' : `: ${clause(event.reason)}`}`;
    return new WebSocketConnectError(url, `${clause(detail)}.`, { cause });
  }

  /** One frame arrived: a text frame's JSON goes to the handlers; anything else is a stream error. */
  #take(event: MessageEventLike): void {
    const h = this.#handlers;
    if (this.#startFailure !== undefined || this.#state === 'closed') return;
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
  }

  /** Settles once `bufferedAmount` is back under the cap (or rejects when the socket closed). */
  #waitForDrain(socket: WebSocketLike): Promise<void> {
    const clock = this.#clock;
    this.#draining ??= new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.#state === 'closed') {
          this.#draining = undefined;
          reject(new ConnectionClosedError(undefined, { cause: this.#closeReason }));
        } else if (socket.bufferedAmount <= this.#maxBuffered) {
          this.#draining = undefined;
          resolve();
        } else {
          clock.setTimeout(check, POLL_MS);
        }
      };
      clock.setTimeout(check, POLL_MS);
    });
    return this.#draining;
  }
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
