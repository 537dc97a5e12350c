import type { AnyActorRef } from 'xstate';
import { dispatcherMachine, type DispatcherEvent } from '../../machines/dispatcher.js';
import {
  DispatcherActor,
  InboundRequestActor,
  Inspector,
  OutboundRequest,
  type LightActor,
  type Progress,
  type ProgressToken,
} from './actors.js';
import { inboundRequestMachine, type InboundRequestEvent } from '../../machines/inbound-request.js';
import { requestMachine, type RequestEvent } from '../../machines/request.js';
import { systemClock, type Clock } from './clock.js';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import {
  AuthorizationError,
  ConnectionClosedError,
  DuplicateRequestIdError,
  ErrorCode,
  InvalidArgumentError,
  InvalidStateError,
  JsonRpcError,
  McpLocalError,
  RequestCancelledError,
  RequestTimeoutError,
  SendFailedError,
  StreamError,
  reasonText,
  type JsonRpcErrorObject,
  type RequestRef,
} from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import {
  isErrorObject,
  isRequestId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type RequestId,
} from '../wire/jsonrpc.js';
import {
  bindProgram,
  compileMachine,
  startActor,
  step,
  type ActionImpl,
  type BoundState,
  type CompiledMachine,
  type InspectionSink,
  type LiteActorRef,
  type Program,
} from './compiled-machine.js';
import type { Transport, TransportEvent } from '../wire/transport.js';

export type { Progress, ProgressToken } from './actors.js';

/**
 * The default idle timeout of a request: 60 s, changeable per session and per call (`Infinity` for none).
 *
 * @example
 * ```ts
 * import { createClientSession, DEFAULT_REQUEST_TIMEOUT_MS, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // every request fails with REQUEST_TIMEOUT after DEFAULT_REQUEST_TIMEOUT_MS without an answer
 * const session = createClientSession({ transport, requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS * 5 });
 * await session.connect();
 * await session.callTool('long-build', {}, { timeout: Infinity }); // no idle timeout for this call
 * ```
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/**
 * Turns a raw result into what the caller gets (validation, follow-up rounds), at resolve time, with
 * the request's method and its params and options as the caller gave them. Returns a value or a
 * promise; a throw rejects the call. One function serves many calls, so a call holds no closure.
 */
export type Settle = (
  result: unknown,
  method: string,
  params: Record<string, unknown> | undefined,
  options: RequestOptions | undefined,
) => unknown;

/** Per-call options of every request. */
export interface RequestOptions {
  /**
   * Idle timeout in ms: the request fails with `REQUEST_TIMEOUT` when neither an answer nor (with
   * `resetTimeoutOnProgress`) progress arrives for this long. `Infinity` for none. Default: the
   * session's `requestTimeout`.
   */
  readonly timeout?: number;
  /** Hard cap on the request's whole life in ms, never reset by progress. Default: the session's (`Infinity`). */
  readonly maxTotalTimeout?: number;
  /** Restart the idle timeout whenever the server reports progress. Works without `onProgress`. */
  readonly resetTimeoutOnProgress?: boolean;
  /** Aborting it cancels the request: `notifications/cancelled` is sent and the call rejects with `REQUEST_CANCELLED`. */
  readonly signal?: AbortSignal;
  /** Called with each `notifications/progress` the server sends for this request. */
  readonly onProgress?: (progress: Progress) => void;
  /** Extra `_meta` fields for the request's params. */
  readonly _meta?: Readonly<Record<string, unknown>>;
  /**
   * The JSON-RPC id of this request: a string, or a safe integer. Default: one the dispatcher
   * issues (integers from 0 upwards, skipping any id in flight). An id held by a request still
   * in flight is refused with `DuplicateRequestIdError` (`DUPLICATE_REQUEST_ID`) before anything is
   * written; a string that spells an integer (`"7"`) is the same id as that integer, since
   * responses are correlated either way. MCP asks that an id is not reused within a session at
   * all: an id whose request has settled is accepted, but a late answer to the earlier request
   * would then be taken for the new one's. A helper that sends several requests (`listAll*`, the
   * 2026 input rounds) gives this id to the first only.
   */
  readonly requestId?: RequestId;
}

/** A request from the server, as handed to the session's handler. */
export interface InboundRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>> | undefined;
  /** Aborted when the server cancels the request or the connection closes. */
  readonly signal: AbortSignal;
}

/** What the dispatcher hands upwards: the session sets these. */
export interface DispatcherHandlers {
  /**
   * Answers a server request. Returns the result, or a JSON-RPC error (a `JsonRpcError` or a plain
   * `{ code, message, data? }`), or throws. `ping` never reaches it.
   */
  request?: (request: InboundRequest) => unknown;
  /**
   * Screens each server request before anything runs (`ping` included): a diagnostic returned
   * drops the request unanswered (no handler runs, nothing is written) and is reported. For a
   * protocol revision in which servers send no requests.
   */
  screenRequest?: (method: string) => Omit<Diagnostic, 'payload'> | undefined;
  /** A notification the dispatcher did not route itself. */
  notification?: (notification: JsonRpcNotification) => void;
  /** A stream exception from the transport. */
  exception?: (error: Error) => void;
  /** Something the transport did on its own (a session renewed, a stream resumed). */
  transportEvent?: (event: TransportEvent) => void;
}

export interface DispatcherOptions {
  /** Default idle timeout of requests, ms. Default 60 000; `Infinity` for none. */
  readonly requestTimeout?: number;
  /** Default hard cap on a request's life, ms. Default `Infinity`. */
  readonly maxTotalTimeout?: number;
  /** Default for `RequestOptions.resetTimeoutOnProgress`. Default false. */
  readonly resetTimeoutOnProgress?: boolean;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Receives every diagnostic: what was received and could not be routed (unknown-id, late and
   * duplicate responses, messages that are not JSON-RPC, …), dropped and reported once, as the
   * protocol asks; a callback that threw; a write that failed. None of them stops the
   * connection, and none reaches the message handler. Subscribe more with `onDiagnostic()`.
   */
  readonly onDiagnostic?: (diagnostic: Diagnostic) => void | Promise<void>;
}

type RequestProgram = Program<OutboundRequest, RequestEvent>;
type InboundProgram = Program<InboundRequestActor, InboundRequestEvent>;
type SelfProgram = Program<DispatcherActor, DispatcherEvent>;

let compiled:
  { request: CompiledMachine; inbound: CompiledMachine; dispatcher: CompiledMachine } | undefined;

/** Compiled once per process, on first use, so that importing the package stays cheap. */
function machines(): NonNullable<typeof compiled> {
  compiled ??= {
    request: compileMachine(requestMachine),
    inbound: compileMachine(inboundRequestMachine),
    dispatcher: compileMachine(dispatcherMachine),
  };
  return compiled;
}

function checkTimeout(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidArgumentError(
      `${name} must be a number of milliseconds ≥ 0, or Infinity for none; got ${String(value)}.`,
    );
  }
}

const SEND: RequestEvent = { type: 'send' };
const START: DispatcherEvent = { type: 'start' };

/**
 * The error a request fails with when its message could not be sent: an authorization that
 * failed is itself the answer (the caller learns why, not merely that sending failed).
 */
function sendFailure(request: RequestRef, error: unknown): McpLocalError {
  return error instanceof AuthorizationError ? error : new SendFailedError(request, error);
}

/**
 * Whether a failed write says the transport has ended (its peer went away, a stdio server exited):
 * then the write is not what failed. The transport's `closed` report, which follows and says why
 * (the exit code and the last stderr lines of a stdio server), settles the request instead.
 */
function transportEnded(error: unknown): boolean {
  return error instanceof McpLocalError && error.code === 'CONNECTION_CLOSED';
}

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
  readonly #clock: Clock;
  readonly #requestTimeout: number;
  readonly #maxTotalTimeout: number;
  readonly #resetTimeoutOnProgress: boolean;
  readonly #self: DispatcherActor;
  readonly #selfProgram: SelfProgram;
  readonly #requests: RequestProgram;
  readonly #inboundProgram: InboundProgram;
  /**
   * In-flight outbound requests by id key (see `idKey`). Issued ids are integers from 0 upwards, so
   * `id < #nextId` means "was issued"; a caller's own id (`requestId`) is kept here as well.
   */
  readonly #pending = new Map<RequestId, OutboundRequest>();
  /** Caller-chosen progress tokens, when a caller set `_meta.progressToken` itself. */
  #tokens: Map<ProgressToken, OutboundRequest> | undefined;
  readonly #inbound = new Map<RequestId, InboundRequestActor>();
  #nextId = 0;
  /** Whether a caller ever chose an integer id (or a string spelling one): issuing must skip them. */
  #callerIntegerIds = false;
  #handlers: DispatcherHandlers = {};
  #timer: unknown = undefined;
  #armedAt = Infinity;
  /** Holds of the transport (a user authorizing): request deadlines stand still meanwhile. */
  #holds = 0;
  #heldSince = 0;
  #closing: Promise<void> | undefined;
  #closeReason: unknown = undefined;
  readonly #closeListeners = new Set<(reason: unknown) => void>();
  readonly #diagnosticListeners = new Set<(diagnostic: Diagnostic) => void | Promise<void>>();
  #inspector: Inspector | undefined;
  /** What the transport's start returned, awaited by `start()`. */
  #started: unknown = undefined;

  constructor(transport: Transport, options: DispatcherOptions = {}) {
    checkTimeout('requestTimeout', options.requestTimeout);
    checkTimeout('maxTotalTimeout', options.maxTotalTimeout);
    this.#transport = transport;
    this.#clock = options.clock ?? systemClock;
    this.#requestTimeout = options.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#maxTotalTimeout = options.maxTotalTimeout ?? Infinity;
    this.#resetTimeoutOnProgress = options.resetTimeoutOnProgress ?? false;
    if (options.onDiagnostic !== undefined) this.#diagnosticListeners.add(options.onDiagnostic);
    const m = machines();
    this.#requests = bindProgram(m.request, this.#requestActions());
    this.#inboundProgram = bindProgram(m.inbound, this.#inboundActions());
    this.#selfProgram = bindProgram(m.dispatcher, this.#selfActions());
    this.#self = new DispatcherActor(this.#selfProgram.initial);
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
    return this.#pending.size;
  }

  /**
   * The id the next request sent without a `requestId` will get (ids are issued in order, from 0,
   * skipping any id a request in flight holds).
   */
  get nextRequestId(): number {
    return this.#freeId();
  }

  /** The first issuable id no request in flight holds. */
  #freeId(): number {
    let id = this.#nextId;
    // Issued ids never meet one another; only a caller's integer id can sit at or above #nextId.
    if (this.#callerIntegerIds) while (this.#pending.has(id)) id++;
    return id;
  }

  /**
   * Settles a pending request as if its connection had closed, writing nothing: for a request the
   * server itself ended (the 2026 server's `notifications/cancelled` of a listen stream).
   */
  abandon(id: RequestId, reason: unknown): boolean {
    const req = this.#pending.get(idKey(id));
    if (req === undefined) return false;
    this.#deliver(req, { type: 'closed', reason });
    return true;
  }

  /** The number of server requests being handled. */
  get pendingInboundRequests(): number {
    return this.#inbound.size;
  }

  /** Whether a timeout timer is armed. */
  get timerArmed(): boolean {
    return this.#timer !== undefined;
  }

  /**
   * Reports the dispatcher and every request actor to an XState inspection observer, as children
   * of `parent` (the session's connection actor) in the system `rootId`.
   */
  inspect(sink: InspectionSink | undefined, parent?: AnyActorRef): void {
    this.#inspector = sink === undefined ? undefined : new Inspector(sink);
    if (this.#inspector === undefined) return;
    this.#self._parent = parent as unknown as LiteActorRef | undefined;
    this.#inspector.actor(this.#self);
  }

  /** Subscribes to the dispatcher's close; returns the unsubscribe function. */
  onClose(listener: (reason: unknown) => void): () => void {
    if (this.state === 'closed') {
      listener(this.#closeReason);
      return () => false;
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
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
    this.#diagnosticListeners.add(listener);
    return () => this.#diagnosticListeners.delete(listener);
  }

  /**
   * Reports a diagnostic found above the dispatcher (by the session: a notification whose params
   * do not fit the revision, a tool left out of a listing, a callback that threw) the way the
   * dispatcher reports its own: to the inspector and to every diagnostic listener.
   */
  report(diagnostic: Diagnostic): void {
    this.#inspector?.diagnostic(this.#self, diagnostic);
    for (const listener of this.#diagnosticListeners) {
      try {
        const result = listener(diagnostic);
        if (result instanceof Promise) result.catch(() => {});
      } catch {
        // A diagnostic listener that throws has nowhere left to report to.
      }
    }
  }

  /** Starts the transport and routes its messages to `handlers`. */
  async start(handlers: DispatcherHandlers = {}): Promise<void> {
    if (this.state !== 'idle') {
      throw new InvalidStateError('start the dispatcher', this.state, 'a dispatcher starts once');
    }
    this.#handlers = handlers;
    this.#deliverSelf(START);
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
    let timeout = this.#requestTimeout;
    let maxTotal = this.#maxTotalTimeout;
    let reset = this.#resetTimeoutOnProgress;
    let onProgress: ((p: Progress) => void) | undefined;
    let signal: AbortSignal | undefined;
    let meta: Readonly<Record<string, unknown>> | undefined;
    if (options !== undefined) {
      try {
        checkTimeout('timeout', options.timeout);
        checkTimeout('maxTotalTimeout', options.maxTotalTimeout);
      } catch (error) {
        return Promise.reject(error);
      }
      timeout = options.timeout ?? timeout;
      maxTotal = options.maxTotalTimeout ?? maxTotal;
      reset = options.resetTimeoutOnProgress ?? reset;
      onProgress = options.onProgress;
      signal = options.signal;
      meta = options._meta;
    }
    const chosen = options?.requestId;
    let id: RequestId;
    let key: RequestId;
    if (chosen === undefined) {
      id = key = this.#freeId();
    } else {
      if (
        typeof chosen !== 'string' &&
        !(typeof chosen === 'number' && Number.isSafeInteger(chosen))
      ) {
        return Promise.reject(
          new InvalidArgumentError(
            `requestId must be a string or a safe integer; got ${clause(reasonText(chosen))}.`,
          ),
        );
      }
      key = idKey(chosen);
      if (this.#pending.has(key)) {
        return Promise.reject(new DuplicateRequestIdError(method, chosen));
      }
      if (typeof key === 'number') this.#callerIntegerIds = true;
      id = chosen;
    }
    const original = params;
    let customToken: ProgressToken | undefined;
    if (onProgress !== undefined || reset || meta !== undefined) {
      // MCP basic/utilities/progress: the token rides in params._meta and must be unique among
      // active requests, which the request id is. A token the caller chose is kept as given.
      const baseMeta = isRecord(params?._meta) ? params._meta : undefined;
      const mergedMeta: Record<string, unknown> = { ...baseMeta, ...meta };
      const given = mergedMeta.progressToken;
      if (typeof given === 'string' || typeof given === 'number') {
        // MCP basic/utilities/progress: tokens MUST be unique across active requests.
        if (this.#tokens?.has(given) === true) {
          return Promise.reject(
            new InvalidArgumentError(
              `Progress token ${JSON.stringify(given)} is already used by a request in flight; give each request its own token, or none.`,
            ),
          );
        }
        customToken = given;
      } else if (onProgress !== undefined || reset) {
        mergedMeta.progressToken = id;
      }
      params = { ...params, _meta: mergedMeta };
    }
    if (chosen === undefined) this.#nextId = (id as number) + 1;
    const message: JsonRpcMessage =
      params === undefined
        ? { jsonrpc: '2.0', id, method }
        : { jsonrpc: '2.0', id, method, params };
    const req = new OutboundRequest(
      this.#requests.initial,
      id,
      method,
      message,
      timeout,
      maxTotal,
      reset,
      onProgress,
    );
    const promise = new Promise<unknown>((resolve, reject) => {
      req.resolve = resolve;
      req.reject = reject;
    });
    if (settle !== undefined) {
      req.settle = settle;
      req.params = original;
      req.options = options;
    }
    this.#pending.set(key, req);
    req.key = key;
    if (customToken !== undefined) {
      this.#tokens ??= new Map();
      this.#tokens.set(customToken, req);
      req.customToken = customToken;
    }
    if (this.#inspector !== undefined) {
      req._parent = this.#self;
      this.#inspector.actor(req);
    }
    if (signal !== undefined) {
      if (signal.aborted) {
        // An already aborted signal writes nothing: the machine goes created → cancelled.
        this.#deliver(req, { type: 'abort', reason: signal.reason });
        return promise;
      }
      const listener = (): void => this.#deliver(req, { type: 'abort', reason: signal.reason });
      req.signal = signal;
      req.abortListener = listener;
      signal.addEventListener('abort', listener, { once: true });
    }
    this.#deliver(req, SEND);
    return promise;
  }

  /** Sends a notification. Resolves when the transport has taken it. */
  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.#self.state.key !== 'open') throw this.#refusal(`send ${method}`);
    const message: JsonRpcNotification =
      params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    this.#inspector?.write(this.#self, message);
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
    this.#deliverSelf({ type: 'close', reason });
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
      this.#diagnose('WRITE_FAILED', `Closing the transport failed: ${reasonText(error)}`, error),
    );
  }

  #refusal(what: string): Error {
    const state = this.#self.state.key;
    if (state === 'closed') {
      return new ConnectionClosedError(undefined, { cause: this.#closeReason });
    }
    return new InvalidStateError(what, `${state} (dispatcher)`, 'start the dispatcher first');
  }

  // ---------------------------------------------------------------------------------------------
  // Stepping actors, with inspection when it is on.

  /** Steps one of this dispatcher's actors, reporting the event and the new snapshot when inspected. */
  #drive<A extends LightActor & { state: BoundState<A, E> }, E extends { type: string }>(
    actor: A,
    event: E,
  ): void {
    const inspector = this.#inspector;
    if (inspector === undefined) {
      step(actor, event);
      return;
    }
    inspector.event(actor, event);
    step(actor, event);
    inspector.snapshot(actor, event);
  }

  #deliver(req: OutboundRequest, event: RequestEvent): void {
    this.#drive(req, event);
  }

  #deliverInbound(actor: InboundRequestActor, event: InboundRequestEvent): void {
    this.#drive(actor, event);
  }

  #deliverSelf(event: DispatcherEvent): void {
    this.#drive(this.#self, event);
  }

  #diagnose(code: DiagnosticCode, message: string, payload?: unknown): void {
    if (this.#diagnosticListeners.size === 0 && this.#inspector === undefined) return;
    this.report(payload === undefined ? { code, message } : { code, message, payload });
  }

  #callback(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#diagnose('CALLBACK_FAILED', `The ${what} threw: ${reasonText(error)}`, error);
    }
  }

  /** Writes a message that is not a request (a response, a cancellation); failures become diagnostics. */
  #write(message: JsonRpcMessage, what: string): void {
    this.#inspector?.write(this.#self, message);
    try {
      const sent = this.#transport.send(message);
      if (sent !== undefined) {
        sent.then(undefined, (error: unknown) =>
          this.#diagnose('WRITE_FAILED', `Could not write ${what}: ${reasonText(error)}`, message),
        );
      }
    } catch (error) {
      this.#diagnose('WRITE_FAILED', `Could not write ${what}: ${reasonText(error)}`, message);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Timers: one armed timer for all requests, at the earliest deadline. Arming per request would
  // cost a timer object and a clear per round trip; a scan at expiry costs nothing on the hot path.

  #arm(deadline: number, now: number): void {
    if (deadline >= this.#armedAt || this.#holds > 0) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = deadline;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, deadline - now));
  }

  /**
   * The transport waits for a person (`true`) or stopped (`false`). While held no request times
   * out; once released, every deadline moves on by the time held.
   */
  #hold(waiting: boolean): void {
    const now = this.#clock.now();
    if (waiting) {
      if (this.#holds++ === 0) {
        this.#heldSince = now;
        this.#disarm();
      }
      return;
    }
    if (this.#holds === 0 || --this.#holds > 0) return;
    const shift = now - this.#heldSince;
    let next = Infinity;
    for (const req of this.#pending.values()) {
      req.idleDeadline += shift;
      req.totalDeadline += shift;
      next = Math.min(next, req.idleDeadline, req.totalDeadline);
    }
    if (next !== Infinity) this.#arm(Math.max(next, now), now);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = this.#clock.now();
    let next = Infinity;
    for (const req of this.#pending.values()) {
      const idle = req.idleDeadline;
      const total = req.totalDeadline;
      if (idle <= now && idle <= total) {
        this.#deliver(req, { type: 'timeout', kind: 'idle' });
      } else if (total <= now) {
        this.#deliver(req, { type: 'timeout', kind: 'total' });
      } else {
        const d = idle < total ? idle : total;
        if (d < next) next = d;
      }
    }
    // At least 1 ms apart, so that many deadlines a few µs apart cost one scan per ms, not per request.
    if (next !== Infinity) this.#arm(Math.max(next, now + 1), now);
  }

  // ---------------------------------------------------------------------------------------------
  // Action implementations of the request machine.

  #requestActions(): Record<string, ActionImpl<OutboundRequest, RequestEvent>> {
    return {
      write: (req) => {
        const message = req.message as JsonRpcMessage;
        req.message = undefined;
        if (req.timeout !== Infinity || req.maxTotalTimeout !== Infinity) {
          const now = this.#clock.now();
          req.idleDeadline = now + req.timeout;
          req.totalDeadline = now + req.maxTotalTimeout;
          this.#arm(Math.min(req.idleDeadline, req.totalDeadline), now);
        }
        this.#inspector?.write(req, message);
        // A transport that has ended settles the request with its close report (and its reason),
        // which follows; the request's timeout still bounds the wait.
        try {
          const sent = this.#transport.send(message);
          if (sent !== undefined) {
            sent.then(undefined, (error: unknown) => {
              if (!transportEnded(error)) {
                this.#deliver(req, { type: 'sendFailed', error: sendFailure(req.ref, error) });
              }
            });
          }
        } catch (error) {
          // Never step an actor from inside its own transition.
          if (!transportEnded(error)) {
            queueMicrotask(() =>
              this.#deliver(req, { type: 'sendFailed', error: sendFailure(req.ref, error) }),
            );
          }
        }
      },
      reportProgress: (req, event) => {
        const onProgress = req.onProgress;
        if (onProgress === undefined) return;
        const progress = (event as Extract<RequestEvent, { type: 'progress' }>)
          .progress as Progress;
        this.#callback(`progress callback of ${req.method}`, () => onProgress(progress));
      },
      restartIdleTimer: (req) => {
        if (req.timeout !== Infinity) req.idleDeadline = this.#clock.now() + req.timeout;
      },
      sendCancelled: (req, event) => {
        const reason =
          event.type === 'timeout'
            ? `Request timed out after ${event.kind === 'idle' ? req.timeout : req.maxTotalTimeout} ms`
            : event.type === 'abort'
              ? reasonText(event.reason)
              : 'cancelled';
        this.#write(
          {
            jsonrpc: '2.0',
            method: 'notifications/cancelled',
            params: { requestId: req.requestId, reason },
          },
          `notifications/cancelled for ${req.method} (id ${req.requestId})`,
        );
      },
      resolve: (req, event) => {
        const result = (event as Extract<RequestEvent, { type: 'result' }>).result;
        const settle = req.settle;
        if (settle === undefined) {
          req.resolve(result);
          return;
        }
        // The caller's own step (validation) runs at resolve time: no second promise per call.
        try {
          req.resolve(settle(result, req.method, req.params, req.options));
        } catch (error) {
          req.reject(error);
        }
      },
      rejectWithError: (req, event) => {
        req.reject((event as Extract<RequestEvent, { type: 'error' }>).error);
      },
      rejectTimedOut: (req, event) => {
        const kind = (event as Extract<RequestEvent, { type: 'timeout' }>).kind;
        req.reject(
          new RequestTimeoutError(
            req.ref,
            kind === 'idle' ? req.timeout : req.maxTotalTimeout,
            kind,
          ),
        );
      },
      rejectCancelled: (req, event) => {
        req.reject(
          new RequestCancelledError(
            req.ref,
            (event as Extract<RequestEvent, { type: 'abort' }>).reason,
          ),
        );
      },
      rejectClosed: (req, event) => {
        req.reject(
          new ConnectionClosedError(req.ref, {
            cause: (event as Extract<RequestEvent, { type: 'closed' }>).reason,
          }),
        );
      },
      release: (req) => {
        this.#pending.delete(req.key);
        // With nothing in flight, no timer stays behind to hold the process open.
        if (this.#pending.size === 0 && this.#timer !== undefined) this.#disarm();
        if (req.customToken !== undefined && this.#tokens?.get(req.customToken) === req) {
          this.#tokens.delete(req.customToken);
        }
        req.clear();
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Action implementations of the inbound request machine.

  #inboundActions(): Record<string, ActionImpl<InboundRequestActor, InboundRequestEvent>> {
    return {
      runHandler: (actor) => {
        // MCP basic/utilities/ping: the receiver MUST promptly answer with an empty result.
        if (actor.method === 'ping') {
          queueMicrotask(() => this.#deliverInbound(actor, { type: 'resolved', result: {} }));
          return;
        }
        const controller = new AbortController();
        actor.controller = controller;
        const handler = this.#handlers.request;
        const request: InboundRequest = {
          id: actor.requestId,
          method: actor.method,
          params: actor.params,
          signal: controller.signal,
        };
        // Started in a later microtask: the handler never runs inside the routing of its message.
        Promise.resolve()
          .then(() => {
            if (handler === undefined) {
              throw new JsonRpcError({
                code: ErrorCode.MethodNotFound,
                message: `Method not found: ${actor.method}`,
              });
            }
            return handler(request);
          })
          .then(
            (result) =>
              this.#deliverInbound(
                actor,
                result instanceof JsonRpcError || isBareErrorObject(result)
                  ? { type: 'rejected', error: result }
                  : { type: 'resolved', result },
              ),
            (error: unknown) => this.#deliverInbound(actor, { type: 'rejected', error }),
          );
      },
      respondResult: (actor, event) => {
        const result = (event as Extract<InboundRequestEvent, { type: 'resolved' }>).result;
        this.#write(
          { jsonrpc: '2.0', id: actor.requestId, result: result === undefined ? {} : result },
          `the response to ${actor.method}`,
        );
      },
      respondError: (actor, event) => {
        const error = toWireError(
          (event as Extract<InboundRequestEvent, { type: 'rejected' }>).error,
        );
        this.#write(
          { jsonrpc: '2.0', id: actor.requestId, error },
          `the error response to ${actor.method}`,
        );
      },
      abortHandler: (actor, event) => {
        const reason = (event as Extract<InboundRequestEvent, { type: 'cancelled' | 'closed' }>)
          .reason;
        actor.controller?.abort(reason);
      },
      release: (actor) => {
        if (this.#inbound.get(actor.requestId) === actor) this.#inbound.delete(actor.requestId);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Action implementations of the dispatcher machine.

  #selfActions(): Record<string, ActionImpl<DispatcherActor, DispatcherEvent>> {
    return {
      startTransport: () => {
        try {
          this.#started = this.#transport.start({
            message: (message) => this.#deliverSelf({ type: 'message', message }),
            error: (error) => this.#deliverSelf({ type: 'exception', error }),
            closed: (reason) => this.#deliverSelf({ type: 'transportClosed', reason }),
            lost: (id, error) => this.#lost(id, error),
            timeLeft: (id) => this.#timeLeft(id),
            hold: (waiting) => this.#hold(waiting),
            event: (event) => {
              const handler = this.#handlers.transportEvent;
              if (handler !== undefined) this.#callback('message handler', () => handler(event));
            },
          });
        } catch (error) {
          this.#started = Promise.reject(error);
        }
      },
      route: (_self, event) =>
        this.#route((event as Extract<DispatcherEvent, { type: 'message' }>).message),
      reportException: (_self, event) => {
        const error = (event as Extract<DispatcherEvent, { type: 'exception' }>).error;
        const handler = this.#handlers.exception;
        if (handler !== undefined) {
          const err =
            error instanceof Error
              ? error
              : new StreamError('TRANSPORT_ERROR', reasonText(error), { cause: error });
          this.#callback('message handler', () => handler(err));
        }
      },
      reportLate: (_self, event) => {
        this.#diagnose(
          'MESSAGE_AFTER_CLOSE',
          'A message arrived after the connection closed; it was dropped.',
          (event as Extract<DispatcherEvent, { type: 'message' }>).message,
        );
      },
      closeChildren: (_self, event) => {
        const reason = (event as Extract<DispatcherEvent, { type: 'close' | 'transportClosed' }>)
          .reason;
        this.#closeReason = reason;
        this.#disarm();
        const closed: RequestEvent = { type: 'closed', reason };
        for (const req of [...this.#pending.values()]) this.#deliver(req, closed);
        const inboundClosed: InboundRequestEvent = { type: 'closed', reason };
        for (const actor of [...this.#inbound.values()]) this.#deliverInbound(actor, inboundClosed);
        this.#tokens = undefined;
      },
      closeTransport: () => {
        this.#closing = this.#closeTransport();
      },
      announceClosed: () => {
        const listeners = [...this.#closeListeners];
        this.#closeListeners.clear();
        for (const listener of listeners) {
          this.#callback('close listener', () => listener(this.#closeReason));
        }
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Routing: classify cheaply, then hand to the one actor or handler that owns the message.

  #route(message: unknown): void {
    if (Array.isArray(message)) {
      // MCP 2025-03-26 basic: implementations MUST support receiving JSON-RPC batches. A batch
      // holds messages, not batches: a nested array is dropped, not routed as one (which would
      // recurse once per level, and overflow the stack on a deeply nested line).
      for (const item of message) {
        if (Array.isArray(item)) {
          this.#diagnose(
            'INVALID_MESSAGE',
            'Received a batch whose item is itself an array; it was dropped.',
            item,
          );
        } else {
          this.#route(item);
        }
      }
      return;
    }
    if (typeof message !== 'object' || message === null) {
      this.#diagnose(
        'INVALID_MESSAGE',
        'Received a JSON value that is not a JSON-RPC message.',
        message,
      );
      return;
    }
    const m = message as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') {
      this.#diagnose('INVALID_MESSAGE', 'Received a message without jsonrpc: "2.0".', message);
      return;
    }
    const method = m.method;
    if (typeof method === 'string') {
      if (m.id === undefined) this.#routeNotification(m as unknown as JsonRpcNotification);
      else this.#routeRequest(m, method);
      return;
    }
    if ('result' in m || 'error' in m) {
      this.#routeResponse(m);
      return;
    }
    this.#diagnose(
      'INVALID_MESSAGE',
      'Received a message that is neither request, notification nor response.',
      message,
    );
  }

  /** The transport says a request's answer cannot arrive: it fails now, with the transport's error. */
  #lost(id: string | number, error: Error): void {
    const req = isRequestId(id) ? this.#pending.get(idKey(id)) : undefined;
    if (req !== undefined) queueMicrotask(() => this.#deliver(req, { type: 'sendFailed', error }));
  }

  /** The time left before the request with this id times out; deadlines stand still while held. */
  #timeLeft(id: string | number): number {
    const key =
      typeof id === 'number' ? id : typeof id === 'string' ? canonicalInteger(id) : undefined;
    const req = key === undefined ? undefined : this.#pending.get(key);
    if (req === undefined) return 0;
    const deadline = Math.min(req.idleDeadline, req.totalDeadline);
    if (deadline === Infinity) return Infinity;
    return deadline - (this.#holds > 0 ? this.#heldSince : this.#clock.now());
  }

  #routeResponse(m: Record<string, unknown>): void {
    const id = m.id;
    if (id === null || id === undefined) {
      this.#diagnose(
        'NULL_ID_RESPONSE',
        `Received a response with no request id${isErrorObject(m.error) ? `: error ${m.error.code} ${m.error.message}` : ''}; it was dropped.`,
        m,
      );
      return;
    }
    // A string id "7" correlates with the numeric id 7 this client issued.
    const key = isRequestId(id) ? idKey(id) : undefined;
    const req = key === undefined ? undefined : this.#pending.get(key);
    if (req === undefined) {
      if (typeof key === 'number' && key >= 0 && key < this.#nextId) {
        this.#diagnose(
          'LATE_RESPONSE',
          `Received a response for request ${JSON.stringify(id)}, which has already settled; it was dropped.`,
          m,
        );
      } else {
        this.#diagnose(
          'UNKNOWN_RESPONSE_ID',
          `Received a response for request ${JSON.stringify(id)}, which this client never sent; it was dropped.`,
          m,
        );
      }
      return;
    }
    if ('error' in m) {
      const error = m.error;
      const wire: JsonRpcErrorObject = isErrorObject(error)
        ? error
        : { code: ErrorCode.InternalError, message: `malformed error object ${reasonText(error)}` };
      this.#deliver(req, { type: 'error', error: new JsonRpcError(wire, req.ref) });
    } else {
      this.#deliver(req, { type: 'result', result: m.result });
    }
  }

  #routeRequest(m: Record<string, unknown>, method: string): void {
    const id = m.id;
    if (!isRequestId(id)) {
      this.#diagnose(
        'INVALID_MESSAGE',
        `Received a ${method} request whose id is neither a string nor an integer; it was dropped.`,
        m,
      );
      return;
    }
    const refused = this.#handlers.screenRequest?.(method);
    if (refused !== undefined) {
      this.#diagnose(refused.code, refused.message, m);
      return;
    }
    if (this.#inbound.has(id)) {
      this.#diagnose(
        'DUPLICATE_REQUEST_ID',
        `Received a ${method} request reusing id ${JSON.stringify(id)}, which is still being handled; it was dropped.`,
        m,
      );
      return;
    }
    const params = m.params;
    const actor = new InboundRequestActor(
      this.#inboundProgram.initial,
      id,
      method,
      typeof params === 'object' && params !== null
        ? (params as Record<string, unknown>)
        : undefined,
    );
    this.#inbound.set(id, actor);
    if (this.#inspector !== undefined) {
      actor._parent = this.#self;
      this.#inspector.actor(actor);
    }
    startActor<InboundRequestActor, InboundRequestEvent>(actor);
  }

  #routeNotification(n: JsonRpcNotification): void {
    const params = n.params;
    if (n.method === 'notifications/progress') {
      const token = params?.progressToken;
      const req = this.#progressOwner(token);
      if (req === undefined) {
        this.#diagnose(
          'UNKNOWN_PROGRESS_TOKEN',
          `Received progress for token ${JSON.stringify(token)}, which no request in flight owns; it was dropped.`,
          n,
        );
        return;
      }
      // MCP basic/utilities/progress: `progress` and `total` are numbers, `message` a string.
      if (!isProgress(params)) {
        this.#diagnose(
          'INVALID_MESSAGE',
          `Received progress for token ${JSON.stringify(token)} whose progress, total or message is not of its type; it was dropped.`,
          n,
        );
        return;
      }
      this.#deliver(req, { type: 'progress', progress: params });
      return;
    }
    if (n.method === 'notifications/cancelled') {
      const id = params?.requestId;
      const actor = isRequestId(id) ? this.#inboundById(id) : undefined;
      if (actor !== undefined) {
        this.#deliverInbound(actor, { type: 'cancelled', reason: params?.reason });
        return;
      }
    }
    const handler = this.#handlers.notification;
    if (handler !== undefined) this.#callback('notification handler', () => handler(n));
  }

  #progressOwner(token: unknown): OutboundRequest | undefined {
    if (typeof token !== 'string' && typeof token !== 'number') return undefined;
    const custom = this.#tokens?.get(token);
    if (custom !== undefined) return custom;
    const req = this.#pending.get(idKey(token));
    return req !== undefined && req.customToken === undefined ? req : undefined;
  }

  #inboundById(id: RequestId): InboundRequestActor | undefined {
    const direct = this.#inbound.get(id);
    if (direct !== undefined) return direct;
    if (typeof id === 'number') return this.#inbound.get(String(id));
    const n = canonicalInteger(id);
    return n === undefined ? undefined : this.#inbound.get(n);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Progress params whose values have their types: the only ones `onProgress` ever receives. */
function isProgress(params: Record<string, unknown> | undefined): boolean {
  return (
    params !== undefined &&
    typeof params.progress === 'number' &&
    (params.total === undefined || typeof params.total === 'number') &&
    (params.message === undefined || typeof params.message === 'string')
  );
}

function canonicalInteger(s: string): number | undefined {
  const n = Number(s);
  return Number.isInteger(n) && String(n) === s ? n : undefined;
}

/**
 * The key a request id is kept under: a string that spells an integer (`"7"`) is that integer,
 * so that a response echoing either form finds its request, and the two forms are one id.
 */
function idKey(id: RequestId): RequestId {
  return typeof id === 'number' ? id : (canonicalInteger(id) ?? id);
}

/** A plain `{ code, message, data? }` returned by a handler is a JSON-RPC error, sent as is. */
export function isBareErrorObject(value: unknown): value is JsonRpcErrorObject {
  if (!isErrorObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (key !== 'code' && key !== 'message' && key !== 'data') return false;
  }
  return true;
}

/**
 * Maps what a handler threw or returned to the error object written on the wire.
 *
 * @example
 * ```ts
 * import { ErrorCode, JsonRpcError, toWireError } from 'mcp-actors';
 *
 * console.log(toWireError(new JsonRpcError({ code: ErrorCode.InvalidParams, message: 'bad uri' })));
 * // { code: -32602, message: 'bad uri' }
 * console.log(toWireError(new Error('disk full'))); // { code: -32603, message: 'disk full' }
 * ```
 */
export function toWireError(error: unknown): JsonRpcErrorObject {
  if (error instanceof JsonRpcError) return error.toJSON();
  if (isBareErrorObject(error)) return error;
  const message = error instanceof Error ? error.message : reasonText(error);
  return { code: ErrorCode.InternalError, message: message === '' ? 'Internal error' : message };
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
