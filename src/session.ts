import { createActor, fromPromise, type Actor, type InspectionEvent, type Observer } from 'xstate';
import {
  connectionMachine,
  type ConnectionState,
  type ConnectionStateMeta,
} from '../machines/connection.js';
import type { Clock } from './clock.js';
import type { Diagnostic } from './diagnostics.js';
import {
  Dispatcher,
  type DispatcherOptions,
  type InboundRequest,
  type RequestOptions,
} from './dispatcher.js';
import {
  ConnectionClosedError,
  ErrorCode,
  InvalidArgumentError,
  InvalidStateError,
  JsonRpcError,
  McpLocalError,
  reasonText,
} from './errors.js';
import type { JsonRpcNotification } from './jsonrpc.js';
import type { Transport } from './transport.js';

/** The newest protocol revision that uses the `initialize` handshake. */
export const LATEST_HANDSHAKE_PROTOCOL_VERSION = '2025-11-25';

/** The handshake revisions this engine speaks, newest first. */
export const HANDSHAKE_PROTOCOL_VERSIONS: readonly string[] = [
  '2025-11-25',
  '2025-06-18',
  '2025-03-26',
  '2024-11-05',
];

export interface Implementation {
  readonly name: string;
  readonly version: string;
  readonly [key: string]: unknown;
}

/** What the message handler receives: every notification not routed elsewhere, every stream exception, every diagnostic. */
export type SessionMessage =
  | { readonly type: 'notification'; readonly notification: JsonRpcNotification }
  | { readonly type: 'exception'; readonly error: Error }
  | { readonly type: 'diagnostic'; readonly diagnostic: Diagnostic };

/** Context handed to a request handler. */
export interface RequestHandlerExtra {
  /** Aborted when the server cancels the request or the connection closes. */
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly method: string;
}

/**
 * Answers one kind of server request. Return the result; throw (or return) a `JsonRpcError` or a
 * plain `{ code, message, data? }` to answer with an error. Any other throw is answered with
 * `-32603` and the error's message.
 */
export type RequestHandler = (
  params: Readonly<Record<string, unknown>> | undefined,
  extra: RequestHandlerExtra,
) => unknown;

/**
 * A handler with a params check: `parse` throws to answer `-32602` (invalid params); what it
 * returns is what `handle` receives.
 */
export interface ValidatedRequestHandler<P> {
  parse(params: unknown): P;
  handle(params: P, extra: RequestHandlerExtra): unknown;
}

/** Handles one kind of server notification. A throw or rejection is reported as a diagnostic. */
export type NotificationHandler = (
  params: Readonly<Record<string, unknown>> | undefined,
  notification: JsonRpcNotification,
) => void | Promise<void>;

export type RequestHandlerEntry = RequestHandler | ValidatedRequestHandler<unknown>;

export interface ClientSessionOptions extends DispatcherOptions {
  /** The transport to speak over. Give this or `dispatcher`, not both. */
  readonly transport?: Transport;
  /** A dispatcher built beforehand (for example shared setup in tests). Give this or `transport`. */
  readonly dispatcher?: Dispatcher;
  /** Sent as `clientInfo`. Default `{ name: 'mcp-actors', version: <package version> }`. */
  readonly clientInfo?: Implementation;
  /** Sent as `capabilities`. Default `{}`. */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  /** The revision asked for in `initialize`. Default `2025-11-25`. */
  readonly protocolVersion?: string;
  /** Revisions accepted from the server. Default: every handshake revision. */
  readonly supportedProtocolVersions?: readonly string[];
  /** Timeout of the `initialize` request, ms. Default: `requestTimeout`. */
  readonly initializeTimeout?: number;
  /** Receives every notification, stream exception and diagnostic. */
  readonly messageHandler?: (message: SessionMessage) => void | Promise<void>;
  /** Handlers of server notifications by method; each runs before the message handler sees the notification. */
  readonly notificationHandlers?: Readonly<Record<string, NotificationHandler>>;
  /** Handlers of server requests by method. `ping` is answered without one. */
  readonly requestHandlers?: Readonly<Record<string, RequestHandlerEntry>>;
  /** An XState inspection observer: the connection, the dispatcher and every request appear in it. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
}

/** The server's answer to `initialize`. */
export interface InitializeResult {
  readonly protocolVersion: string;
  readonly capabilities: Readonly<Record<string, unknown>>;
  readonly serverInfo: Implementation;
  readonly instructions?: string;
  readonly [key: string]: unknown;
}

type ConnectionActor = Actor<typeof connectionMachine>;

const stateMeta = new Map<string, ConnectionStateMeta>(
  Object.entries(connectionMachine.root.states).map(([key, node]) => [
    key,
    node.meta as ConnectionStateMeta,
  ]),
);

const PACKAGE_VERSION = '0.1.0';

/**
 * A client session over one connection: the lifecycle actor, the dispatcher beneath it, and the
 * callbacks for what the server sends.
 */
export class ClientSession implements AsyncDisposable {
  readonly #dispatcher: Dispatcher;
  readonly #actor: ConnectionActor;
  readonly #options: ClientSessionOptions;
  readonly #handlers = new Map<string, RequestHandlerEntry>();
  readonly #notificationHandlers = new Map<string, NotificationHandler>();
  #state: ConnectionState = 'preconnect';
  #sends: ConnectionStateMeta['sends'] = 'none';
  #connecting: Promise<InitializeResult> | undefined;
  readonly #listeners = new Set<(state: ConnectionState) => void>();

  constructor(options: ClientSessionOptions) {
    if ((options.transport === undefined) === (options.dispatcher === undefined)) {
      throw new InvalidArgumentError(
        'Give a session either `transport` or `dispatcher`, not both and not neither.',
      );
    }
    this.#options = options;
    if (options.dispatcher !== undefined && options.dispatcher.state !== 'idle') {
      throw new InvalidArgumentError(
        `The dispatcher given to a session must not be started yet (it is ${options.dispatcher.state}); the session starts it in connect().`,
      );
    }
    for (const [method, handler] of Object.entries(options.requestHandlers ?? {})) {
      this.#handlers.set(method, handler);
    }
    for (const [method, handler] of Object.entries(options.notificationHandlers ?? {})) {
      this.#notificationHandlers.set(method, handler);
    }
    this.#dispatcher =
      options.dispatcher ?? new Dispatcher(options.transport as Transport, options);

    const machine = connectionMachine.provide({
      actors: {
        handshake: fromPromise<unknown>(() => this.#handshake()),
        closeTransport: fromPromise(() => this.#dispatcher.close()),
      },
    });
    this.#actor = createActor(
      machine,
      options.inspect === undefined ? {} : { inspect: options.inspect },
    );
    this.#actor.subscribe({
      next: (snapshot) => this.#enter(snapshot.value),
      error: () => {},
    });
    this.#actor.start();
    if (options.inspect !== undefined) {
      this.#dispatcher.inspect(
        { observer: options.inspect, rootId: this.#actor.sessionId },
        this.#actor,
      );
    }
    this.#dispatcher.onClose((reason) => {
      if (this.#actor.getSnapshot().status === 'active') {
        this.#actor.send({ type: 'transportClosed', reason });
      }
    });
  }

  /** The lifecycle state: `preconnect`, `initializing`, `ready`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The connection actor, for `subscribe`, `getSnapshot` and inspection. */
  get actor(): ConnectionActor {
    return this.#actor;
  }

  /** The dispatcher beneath the session. */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** The server's answer to `initialize`, once ready. */
  get initializeResult(): InitializeResult | undefined {
    return this.#actor.getSnapshot().context.handshake as InitializeResult | undefined;
  }

  /** Why the connection failed or closed unasked, if it did. */
  get error(): unknown {
    return this.#actor.getSnapshot().context.error;
  }

  /** Calls `listener` with each new lifecycle state; returns the unsubscribe function. */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Registers (or replaces, or with `undefined` removes) the handler of one server notification method. */
  setNotificationHandler(method: string, handler: NotificationHandler | undefined): void {
    if (handler === undefined) this.#notificationHandlers.delete(method);
    else this.#notificationHandlers.set(method, handler);
  }

  /** Registers (or replaces) the handler of one server request method. */
  setRequestHandler(method: string, handler: RequestHandlerEntry): void {
    this.#handlers.set(method, handler);
  }

  /**
   * Starts the transport and runs the `initialize` handshake. Resolves with the server's answer
   * once the session is ready; a second call returns the same promise, with no traffic.
   */
  connect(): Promise<InitializeResult> {
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.#state !== 'preconnect') {
      return Promise.reject(this.#refusal('connect'));
    }
    this.#connecting = new Promise<InitializeResult>((resolve, reject) => {
      const sub = this.#actor.subscribe((snapshot) => {
        if (snapshot.value === 'ready') {
          sub.unsubscribe();
          resolve(snapshot.context.handshake as InitializeResult);
        } else if (snapshot.value === 'closing' || snapshot.value === 'closed') {
          sub.unsubscribe();
          const error = snapshot.context.error;
          reject(
            error instanceof Error
              ? error
              : new ConnectionClosedError({ method: 'initialize', id: 0 }, { cause: error }),
          );
        }
      });
    });
    this.#actor.send({ type: 'connect' });
    return this.#connecting;
  }

  /** Sends a request; resolves with its raw result. */
  request(
    method: string,
    params?: Record<string, unknown>,
    options?: RequestOptions,
  ): Promise<unknown> {
    if (this.#sends !== 'all' && !(this.#sends === 'handshake' && method === 'ping')) {
      return Promise.reject(this.#refusal(`send ${method}`));
    }
    return this.#dispatcher.request(method, params, options);
  }

  /** Sends a notification. */
  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.#sends !== 'all') return Promise.reject(this.#refusal(`send ${method}`));
    return this.#dispatcher.notify(method, params);
  }

  /** `ping`: resolves when the server answers (MCP basic/utilities/ping). */
  async ping(options?: RequestOptions): Promise<void> {
    await this.request('ping', undefined, options);
  }

  /**
   * Closes the session: every pending request rejects with `CONNECTION_CLOSED`, the transport is
   * closed, and the lifecycle ends in `closed`. Safe to call in any state, and twice.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const done = new Promise<void>((resolve) => {
      const sub = this.#actor.subscribe((snapshot) => {
        if (snapshot.value === 'closed') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    this.#actor.send({ type: 'close' });
    if ((this.#state as ConnectionState) === 'closed') {
      // Closed straight from preconnect: the transport was never started, close it anyway.
      await this.#dispatcher.close();
      return;
    }
    await done;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #enter(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#sends = stateMeta.get(state)?.sends ?? 'closed';
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.#report({
          type: 'diagnostic',
          diagnostic: {
            code: 'CALLBACK_FAILED',
            message: `A state listener threw: ${reasonText(error)}`,
            payload: error,
          },
        });
      }
    }
  }

  #refusal(what: string): Error {
    const meta = stateMeta.get(this.#state);
    if (this.#state === 'closing' || this.#state === 'closed') {
      return new ConnectionClosedError(undefined, { cause: this.error });
    }
    return new InvalidStateError(what, this.#state, meta?.next ?? 'wait');
  }

  #notify(notification: JsonRpcNotification): void {
    const handler = this.#notificationHandlers.get(notification.method);
    if (handler !== undefined) {
      const failed = (error: unknown): void =>
        this.#report({
          type: 'diagnostic',
          diagnostic: {
            code: 'CALLBACK_FAILED',
            message: `The handler of ${notification.method} threw: ${reasonText(error)}`,
            payload: error,
          },
        });
      try {
        const result = handler(notification.params, notification);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
    this.#report({ type: 'notification', notification });
  }

  #report(message: SessionMessage): void {
    const handler = this.#options.messageHandler;
    if (handler === undefined) return;
    try {
      const result = handler(message);
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // The message handler is the last stop: an error thrown there has nowhere to go.
    }
  }

  async #handshake(): Promise<InitializeResult> {
    await this.#dispatcher.start({
      request: (request) => this.#serve(request),
      notification: (notification) => this.#notify(notification),
      exception: (error) => this.#report({ type: 'exception', error }),
      diagnostic: (diagnostic) => this.#report({ type: 'diagnostic', diagnostic }),
    });
    const options = this.#options;
    const requested = options.protocolVersion ?? LATEST_HANDSHAKE_PROTOCOL_VERSION;
    const timeout = options.initializeTimeout;
    const result = (await this.#dispatcher.request(
      'initialize',
      {
        protocolVersion: requested,
        capabilities: options.capabilities ?? {},
        clientInfo: options.clientInfo ?? { name: 'mcp-actors', version: PACKAGE_VERSION },
      },
      timeout === undefined ? undefined : { timeout },
    )) as InitializeResult;
    const supported = options.supportedProtocolVersions ?? HANDSHAKE_PROTOCOL_VERSIONS;
    const version = (result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
    if (typeof version !== 'string' || !supported.includes(version)) {
      // MCP basic/lifecycle: a client that does not support the server's revision disconnects.
      throw new UnsupportedVersionError(version, supported);
    }
    // MCP basic/lifecycle: after a successful initialization the client MUST send `initialized`, once.
    await this.#dispatcher.notify('notifications/initialized');
    return result;
  }

  #serve(request: InboundRequest): unknown {
    const entry = this.#handlers.get(request.method);
    if (entry === undefined) {
      throw new JsonRpcError({
        code: ErrorCode.MethodNotFound,
        message: `Method not found: ${request.method}`,
      });
    }
    const extra: RequestHandlerExtra = {
      signal: request.signal,
      requestId: request.id,
      method: request.method,
    };
    if (typeof entry === 'function') return entry(request.params, extra);
    let params: unknown;
    try {
      params = entry.parse(request.params);
    } catch (error) {
      throw new JsonRpcError({
        code: ErrorCode.InvalidParams,
        message: `Invalid params for ${request.method}: ${reasonText(error)}`,
      });
    }
    return entry.handle(params, extra);
  }
}

/** The server answered `initialize` with a revision this client does not speak. */
export class UnsupportedVersionError extends McpLocalError {
  override name = 'UnsupportedVersionError';
  readonly serverVersion: unknown;
  constructor(serverVersion: unknown, supported: readonly string[]) {
    super(
      'INVALID_STATE',
      `The server answered initialize with protocol version ${JSON.stringify(serverVersion)}, which this client does not support (it supports ${supported.join(', ')}); the session was closed. Use a server that speaks one of these.`,
    );
    this.serverVersion = serverVersion;
  }
}

/** Builds a session. Call `connect()` to run the handshake. */
export function createClientSession(options: ClientSessionOptions): ClientSession {
  return new ClientSession(options);
}
