import type { AnyActorRef } from 'xstate';
import type { DispatcherEvent } from '../../machines/dispatcher.js';
import type { RequestEvent } from '../../machines/request.js';
import { DispatcherActor, OutboundRequest, compiledMachines } from './actors.js';
import { systemClock } from './clock.js';
import {
  bindProgram,
  type ActionImpl,
  type BoundState,
  type InspectionSink,
} from './compiled-machine.js';
import { Deadlines } from './deadlines.js';
import type { Diagnostic } from './diagnostics.js';
import { InboundRequests } from './inbound.js';
import { Outbox, transportEnded } from './outbox.js';
import { Reporter } from './reporting.js';
import { requestActions } from './request-actions.js';
import { RequestTable } from './request-table.js';
import { Router } from './routing.js';
import {
  DEFAULT_REQUEST_TIMEOUT_MS,
  checkTimeout,
  type DispatcherHandlers,
  type DispatcherOptions,
  type RequestOptions,
  type Settle,
} from './types.js';
import {
  ConnectionClosedError,
  InvalidStateError,
  SendFailedError,
  StreamError,
  reasonText,
} from '../errors/errors.js';
import { isRequestId, type JsonRpcNotification, type RequestId } from '../wire/jsonrpc.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';

export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  type DispatcherHandlers,
  type DispatcherOptions,
  type InboundRequest,
  type Progress,
  type ProgressToken,
  type RequestOptions,
  type Settle,
} from './types.js';
export { isBareErrorObject, toWireError } from './inbound.js';

/**
 * The dispatcher: the parent actor of one connection, an instance of the dispatcher machine
 * (machines/dispatcher.ts). It starts and closes the transport, and owns the pieces that do the
 * work, each in its own module: routing of what arrives (routing.ts), the outbound request table
 * (request-table.ts) and what a request does (request-actions.ts), the deadlines (deadlines.ts),
 * the server's requests (inbound.ts), writing what is not a request (outbox.ts), and reporting:
 * diagnostics and inspection (reporting.ts). Its public surface is what a session uses.
 */

const SEND: RequestEvent = { type: 'send' };
const START: DispatcherEvent = { type: 'start' };

/**
 * The dispatcher: owns the receive loop and request correlation over one transport. It is the
 * parent of every request actor. Build it with `createDispatcher`, or let the session build it.
 *
 * @example
 * ```ts
 * import type { ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * // every session has one, beneath its lifecycle
 * const { dispatcher } = session;
 * console.log(dispatcher.state, dispatcher.pendingRequests); // for example 'open' 2
 * dispatcher.onClose((reason) => console.log('connection closed:', reason));
 * ```
 */
export class Dispatcher {
  readonly #transport: Transport;
  readonly #requestTimeout: number;
  readonly #self: DispatcherActor;
  readonly #reporter: Reporter;
  readonly #table: RequestTable;
  /** The request machine's initial state, bound to this dispatcher's request actions. */
  readonly #requestInitial: BoundState<OutboundRequest, RequestEvent>;
  readonly #deadlines: Deadlines;
  readonly #inbound: InboundRequests;
  readonly #router: Router;
  #handlers: DispatcherHandlers = {};
  #closing: Promise<void> | undefined;
  #closeReason: unknown = undefined;
  readonly #closeListeners = new Set<(reason: unknown) => void>();
  /** What the transport's start returned, awaited by `start()`. */
  #started: unknown = undefined;

  constructor(transport: Transport, options: DispatcherOptions = {}) {
    checkTimeout('requestTimeout', options.requestTimeout);
    checkTimeout('maxTotalTimeout', options.maxTotalTimeout);
    this.#transport = transport;
    this.#requestTimeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const m = compiledMachines();
    this.#self = new DispatcherActor(bindProgram(m.dispatcher, this.#selfActions()).initial);
    const reporter = new Reporter(this.#self, options.onDiagnostic);
    const table = new RequestTable(
      {
        requestTimeout: this.#requestTimeout,
        maxTotalTimeout: options.maxTotalTimeout ?? Infinity,
        resetTimeoutOnProgress: options.resetTimeoutOnProgress ?? false,
      },
      reporter,
    );
    const deadlines = new Deadlines(options.clock ?? systemClock, table, reporter);
    const outbox = new Outbox(transport, reporter);
    const actions = requestActions({ transport, table, deadlines, reporter, outbox });
    this.#requestInitial = bindProgram(m.request, actions).initial;
    this.#reporter = reporter;
    this.#table = table;
    this.#deadlines = deadlines;
    this.#inbound = new InboundRequests(reporter, outbox);
    this.#router = new Router(table, this.#inbound, reporter);
  }

  /** The dispatcher's state: `idle`, `open` or `closed`. */
  get state(): 'idle' | 'open' | 'closed' {
    return this.#self.state.key as 'idle' | 'open' | 'closed';
  }

  /** The transport this dispatcher runs over. */
  get transport(): Transport {
    return this.#transport;
  }

  /** The timeout of a request that sets none, ms (`requestTimeout`; `Infinity` for none). */
  get requestTimeout(): number {
    return this.#requestTimeout;
  }

  /** The number of outbound requests in flight. */
  get pendingRequests(): number {
    return this.#table.size;
  }

  /**
   * The id the next request sent without a `requestId` will get (ids are issued in order, from 0,
   * skipping any id a request in flight holds).
   */
  get nextRequestId(): number {
    return this.#table.freeId();
  }

  /**
   * Settles a pending request as if its connection had closed, writing nothing: for a request the
   * server itself ended (the 2026 server's `notifications/cancelled` of a listen stream).
   */
  abandon(id: RequestId, reason: unknown): boolean {
    const req = this.#table.get(id);
    if (req === undefined) return false;
    this.#reporter.drive(req, { type: 'closed', reason });
    return true;
  }

  /** The number of server requests being handled. */
  get pendingInboundRequests(): number {
    return this.#inbound.size;
  }

  /** Whether a timeout timer is armed. */
  get timerArmed(): boolean {
    return this.#deadlines.armed;
  }

  /**
   * Reports the dispatcher and every request actor to an XState inspection observer, as children
   * of `parent` (the session's connection actor) in the system `rootId`.
   */
  inspect(sink: InspectionSink | undefined, parent?: AnyActorRef): void {
    this.#reporter.inspect(sink, parent);
  }

  /** Subscribes to the dispatcher's close; returns the unsubscribe function. */
  onClose(listener: (reason: unknown) => void): () => void {
    // After the close, the listener is called at once and never kept.
    if (this.state === 'closed') listener(this.#closeReason);
    else this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  /**
   * Subscribes to diagnostics (see `DispatcherOptions.onDiagnostic`), the session's own included
   * when a session runs over this dispatcher; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const stop = session.dispatcher.onDiagnostic((d) => console.debug(`[mcp] ${d.code}: ${d.message}`));
   * // …
   * stop();
   * ```
   */
  onDiagnostic(listener: (diagnostic: Diagnostic) => void | Promise<void>): () => boolean {
    return this.#reporter.onDiagnostic(listener);
  }

  /**
   * Reports a diagnostic found above the dispatcher (by the session: a notification whose params
   * do not fit the revision, a tool left out of a listing, a callback that threw) the way the
   * dispatcher reports its own: to the inspector and to every diagnostic listener.
   */
  report(diagnostic: Diagnostic): void {
    this.#reporter.report(diagnostic);
  }

  /** Starts the transport and routes its messages to `handlers`. */
  async start(handlers: DispatcherHandlers = {}): Promise<void> {
    if (this.state !== 'idle') {
      throw new InvalidStateError('start the dispatcher', this.state, 'a dispatcher starts once');
    }
    this.#handlers = handlers;
    this.#inbound.use(handlers);
    this.#router.use(handlers);
    this.#reporter.drive(this.#self, START);
    await this.#started;
  }

  /**
   * Sends a request and resolves with its result, or with what `settle` makes of it (a value or a
   * promise; a throw rejects the call).
   */
  request(
    method: string,
    params?: Record<string, unknown>,
    options?: RequestOptions,
    settle?: Settle,
  ): Promise<unknown> {
    if (this.#self.state.key !== 'open') {
      return Promise.reject(this.#refusal(`send ${method}`));
    }
    let req: OutboundRequest;
    try {
      req = this.#table.open(this.#requestInitial, method, params, options);
    } catch (error) {
      return Promise.reject(error);
    }
    const promise = new Promise<unknown>((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
    // Stryker disable next-line ConditionalExpression: params and options are read only to call settle, and settle starts undefined, so setting them without one changes nothing
    if (settle !== undefined) {
      req.settle = settle;
      req.params = params;
      req.options = options;
    }
    this.#reporter.adopt(req);
    const signal = options?.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        // An already aborted signal writes nothing: the machine goes created → cancelled.
        this.#reporter.drive(req, { type: 'abort', reason: signal.reason });
        return promise;
      }
      req.listen(signal, () => this.#reporter.drive(req, { type: 'abort', reason: signal.reason }));
    }
    this.#reporter.drive(req, SEND);
    return promise;
  }

  /** Sends a notification. Resolves when the transport has taken it. */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.#self.state.key !== 'open') throw this.#refusal(`send ${method}`);
    const message: JsonRpcNotification =
      params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    this.#reporter.wroteSelf(message);
    try {
      await this.#transport.send(message);
    } catch (cause) {
      const ref = { method, id: '(notification)' };
      if (!transportEnded(cause)) throw new SendFailedError(ref, cause);
      // The transport ended: fail with its close, which says why, once it is reported.
      throw await new Promise<Error>((resolve) =>
        this.onClose((reason) => resolve(new ConnectionClosedError(ref, { cause: reason }))),
      );
    }
  }

  /**
   * Closes the dispatcher: every pending request rejects with `CONNECTION_CLOSED`, every server
   * request being handled is aborted, the timer is cleared and the transport is closed.
   */
  close(reason?: unknown): Promise<void> {
    this.#reporter.drive(this.#self, { type: 'close', reason });
    // Closed by the transport itself, which may still be ending (a stdio server being shut
    // down): close it too, once, so that this resolves when it has ended.
    this.#closing ??= this.#closeTransport();
    return this.#closing;
  }

  #closeTransport(): Promise<void> {
    let closing: Promise<void>;
    try {
      closing = this.#transport.close();
    } catch (error) {
      closing = Promise.reject(error);
    }
    return closing.then(undefined, (error: unknown) =>
      this.#reporter.diagnose(
        'WRITE_FAILED',
        `Closing the transport failed: ${reasonText(error)}`,
        error,
      ),
    );
  }

  #refusal(what: string): Error {
    const state = this.#self.state.key;
    if (state === 'closed') {
      return new ConnectionClosedError(undefined, { cause: this.#closeReason });
    }
    return new InvalidStateError(what, `${state} (dispatcher)`, 'start the dispatcher first');
  }

  /** What the transport reports, turned into the dispatcher's events or handed to its pieces. */
  #transportHandlers(): TransportHandlers {
    return {
      message: (message) => this.#reporter.drive(this.#self, { type: 'message', message }),
      error: (error) => this.#reporter.drive(this.#self, { type: 'exception', error }),
      closed: (reason) => this.#reporter.drive(this.#self, { type: 'transportClosed', reason }),
      // The transport says a request's answer cannot arrive: it fails now, with the transport's error.
      lost: (id, error) => {
        const req = isRequestId(id) ? this.#table.get(id) : undefined;
        if (req !== undefined) {
          queueMicrotask(() => this.#reporter.drive(req, { type: 'sendFailed', error }));
        }
      },
      timeLeft: (id) => this.#deadlines.timeLeft(this.#table.byWireId(id)),
      hold: (waiting) => this.#deadlines.hold(waiting),
      event: (event) => {
        const handler = this.#handlers.transportEvent;
        if (handler !== undefined) this.#reporter.callback('message handler', () => handler(event));
      },
    };
  }

  /** The dispatcher machine's actions. */
  #selfActions(): Record<string, ActionImpl<DispatcherActor, DispatcherEvent>> {
    return {
      startTransport: () => {
        try {
          this.#started = this.#transport.start(this.#transportHandlers());
        } catch (error) {
          this.#started = Promise.reject(error);
        }
      },
      route: (_self, event) =>
        this.#router.route((event as Extract<DispatcherEvent, { type: 'message' }>).message),
      reportException: (_self, event) => {
        const error = (event as Extract<DispatcherEvent, { type: 'exception' }>).error;
        const handler = this.#handlers.exception;
        if (handler !== undefined) {
          const err =
            error instanceof Error
              ? error
              : new StreamError('TRANSPORT_ERROR', reasonText(error), { cause: error });
          this.#reporter.callback('message handler', () => handler(err));
        }
      },
      reportLate: (_self, event) => {
        this.#reporter.diagnose(
          'MESSAGE_AFTER_CLOSE',
          'A message arrived after the connection closed; it was dropped.',
          (event as Extract<DispatcherEvent, { type: 'message' }>).message,
        );
      },
      closeChildren: (_self, event) => {
        const reason = (event as Extract<DispatcherEvent, { type: 'close' | 'transportClosed' }>)
          .reason;
        this.#closeReason = reason;
        this.#deadlines.disarm();
        this.#table.closeAll(reason);
        this.#inbound.closeAll(reason);
      },
      closeTransport: () => {
        this.#closing = this.#closeTransport();
      },
      announceClosed: () => {
        const listeners = [...this.#closeListeners];
        this.#closeListeners.clear();
        for (const listener of listeners) {
          this.#reporter.callback('close listener', () => listener(this.#closeReason));
        }
      },
    };
  }
}

/**
 * Builds a dispatcher over a transport.
 *
 * @example
 * ```ts
 * import { createClientSession, createDispatcher, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // built beforehand, for example to share its options or to watch it, then handed to a session
 * const dispatcher = createDispatcher(transport, { requestTimeout: 10_000 });
 * dispatcher.onClose((reason) => console.log('closed:', reason));
 * const session = createClientSession({ dispatcher });
 * await session.connect();
 * ```
 */
export function createDispatcher(transport: Transport, options?: DispatcherOptions): Dispatcher {
  return new Dispatcher(transport, options);
}
