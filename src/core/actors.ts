import type { AnyStateMachine } from 'xstate';
import { dispatcherMachine, type DispatcherEvent } from '../../machines/dispatcher.js';
import { inboundRequestMachine, type InboundRequestEvent } from '../../machines/inbound-request.js';
import { requestMachine, uncancellableMethods, type RequestEvent } from '../../machines/request.js';
import type { RequestRef } from '../errors/errors.js';
import {
  idKey,
  type Progress,
  type ProgressToken,
  type RequestOptions,
  type Settle,
} from './types.js';
import type { JsonRpcMessage, RequestId } from '../wire/jsonrpc.js';
import {
  compileMachine,
  nextLiteSessionId,
  type BoundState,
  type CompiledMachine,
  type LiteActorRef,
  type LiteSnapshot,
} from './compiled-machine.js';

/**
 * The light actors the dispatcher runs: instances of the compiled request, inbound request and
 * dispatcher machines. Each is one small object whose `state` points into its machine's table,
 * with the surface an inspector reads (`id`, `sessionId`, `_parent`, `logic`, `getSnapshot`).
 */

let compiled:
  { request: CompiledMachine; inbound: CompiledMachine; dispatcher: CompiledMachine } | undefined;

/** The three machines' tables, compiled once per process, on first use, so that importing the package stays cheap. */
export function compiledMachines(): NonNullable<typeof compiled> {
  compiled ??= {
    request: compileMachine(requestMachine),
    inbound: compileMachine(inboundRequestMachine),
    dispatcher: compileMachine(dispatcherMachine),
  };
  return compiled;
}

function noop(): void {}

/** Light actors' inspection session ids, given on first read (only an inspector reads them). */
const sessionIds = new WeakMap<LightActor, string>();

export abstract class LightActor implements LiteActorRef {
  abstract state: BoundState<never, never>;
  abstract readonly id: string;
  abstract readonly logic: AnyStateMachine;
  abstract get context(): unknown;
  _parent: LiteActorRef | undefined = undefined;

  get sessionId(): string {
    let id = sessionIds.get(this);
    if (id === undefined) {
      id = nextLiteSessionId('mcp');
      sessionIds.set(this, id);
    }
    return id;
  }

  send(_event: { type: string }): void {
    // Light actors are driven by their dispatcher; an inspector's send is ignored.
  }

  /** What an inspector shows: the state, and a context without functions or secrets. */
  // Stryker disable next-line BlockStatement: an empty getter body returns undefined too
  protected get shownContext(): unknown {
    return undefined;
  }

  getSnapshot(): LiteSnapshot {
    return {
      status: this.state.final ? 'done' : 'active',
      value: this.state.key,
      context: this.shownContext,
    };
  }
}

/** A request's time limits: the dispatcher's defaults, shared by every call that keeps them. */
export interface RequestPolicy {
  readonly timeout: number;
  readonly maxTotalTimeout: number;
  readonly resetTimeoutOnProgress: boolean;
}

/** What few calls have: a progress callback, an abort signal, a progress token of their own. */
class RequestExtras {
  onProgress: ((progress: Progress) => void) | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  abortListener: (() => void) | undefined = undefined;
  customToken: ProgressToken | undefined = undefined;
}

/**
 * An outbound request: an instance of `requestMachine`. It is its own context (the guards read
 * `cancellable` and `resetTimeoutOnProgress`), so a request costs one object, its promise and a
 * `Map` entry. The object is kept small, since 10,000 may be in flight: the time limits are a
 * shared policy, what few calls have sits in `extras` (made when first set), the deadlines hold
 * integers where they can (no boxed number each) and `undefined` for none.
 */
export class OutboundRequest extends LightActor {
  state: BoundState<OutboundRequest, RequestEvent>;
  /** The id as written on the wire: issued by the dispatcher, or the caller's `requestId`. */
  readonly requestId: RequestId;
  readonly method: string;
  readonly policy: RequestPolicy;
  /** The message to write; dropped once written. */
  message: JsonRpcMessage | undefined;
  resolve: (value: unknown) => void = noop;
  reject: (reason: unknown) => void = noop;
  /** Turns the raw result into the caller's (validation), at resolve time; with the caller's params and options. */
  settle: Settle | undefined = undefined;
  params: Record<string, unknown> | undefined = undefined;
  options: RequestOptions | undefined = undefined;
  /** When the request times out for want of an answer or progress; `undefined` for never (see `Deadlines`). */
  idleDeadline: number | undefined = undefined;
  /** When the request times out whatever progress it makes; `undefined` for never. */
  totalDeadline: number | undefined = undefined;
  extras: RequestExtras | undefined = undefined;

  constructor(
    initial: BoundState<OutboundRequest, RequestEvent>,
    id: RequestId,
    method: string,
    message: JsonRpcMessage,
    policy: RequestPolicy,
  ) {
    super();
    this.state = initial;
    this.requestId = id;
    this.method = method;
    this.message = message;
    this.policy = policy;
  }

  /** The key the dispatcher keeps it under (the id, with `"7"` read as 7). */
  get key(): RequestId {
    return idKey(this.requestId);
  }
  get cancellable(): boolean {
    return !uncancellableMethods.has(this.method);
  }
  get timeout(): number {
    return this.policy.timeout;
  }
  get maxTotalTimeout(): number {
    return this.policy.maxTotalTimeout;
  }
  get resetTimeoutOnProgress(): boolean {
    return this.policy.resetTimeoutOnProgress;
  }
  get onProgress(): ((progress: Progress) => void) | undefined {
    return this.extras?.onProgress;
  }
  set onProgress(callback: ((progress: Progress) => void) | undefined) {
    if (callback !== undefined || this.extras !== undefined) {
      (this.extras ??= new RequestExtras()).onProgress = callback;
    }
  }
  /** A progress token the caller chose, when it is not the request id. */
  get customToken(): ProgressToken | undefined {
    return this.extras?.customToken;
  }
  set customToken(token: ProgressToken | undefined) {
    if (token !== undefined || this.extras !== undefined) {
      (this.extras ??= new RequestExtras()).customToken = token;
    }
  }
  /** Listens for the caller's signal to abort the request. */
  listen(signal: AbortSignal, listener: () => void): void {
    const extras = (this.extras ??= new RequestExtras());
    extras.signal = signal;
    extras.abortListener = listener;
    signal.addEventListener('abort', listener, { once: true });
  }

  get id(): string {
    return `request:${String(this.requestId)}`;
  }
  get logic(): AnyStateMachine {
    return requestMachine;
  }
  get context(): this {
    return this;
  }
  get ref(): RequestRef {
    return { method: this.method, id: this.requestId };
  }
  /** Forgets the caller's callbacks and signal, once settled. */
  clear(): void {
    const extras = this.extras;
    if (extras?.abortListener !== undefined) {
      // Stryker disable next-line OptionalChaining: listen() sets the signal with the listener, so it is there whenever the listener is
      extras.signal?.removeEventListener('abort', extras.abortListener);
    }
    this.extras = undefined;
    this.settle = undefined;
    this.params = undefined;
    this.options = undefined;
    this.resolve = noop;
    this.reject = noop;
  }
  protected override get shownContext(): unknown {
    return { id: this.requestId, method: this.method };
  }
}

/** A request from the server: an instance of `inboundRequestMachine`. */
export class InboundRequestActor extends LightActor {
  state: BoundState<InboundRequestActor, InboundRequestEvent>;
  readonly requestId: RequestId;
  readonly method: string;
  readonly params: Record<string, unknown> | undefined;
  controller: AbortController | undefined = undefined;

  constructor(
    initial: BoundState<InboundRequestActor, InboundRequestEvent>,
    id: RequestId,
    method: string,
    params: Record<string, unknown> | undefined,
  ) {
    super();
    this.state = initial;
    this.requestId = id;
    this.method = method;
    this.params = params;
  }
  get id(): string {
    return `inbound:${String(this.requestId)}`;
  }
  get logic(): AnyStateMachine {
    return inboundRequestMachine;
  }
  get context(): this {
    return this;
  }
  protected override get shownContext(): unknown {
    return { id: this.requestId, method: this.method };
  }
}

/** The dispatcher itself: an instance of `dispatcherMachine`. */
export class DispatcherActor extends LightActor {
  state: BoundState<DispatcherActor, DispatcherEvent>;
  readonly id = 'dispatcher';
  constructor(initial: BoundState<DispatcherActor, DispatcherEvent>) {
    super();
    this.state = initial;
  }
  get logic(): AnyStateMachine {
    return dispatcherMachine;
  }
  // Stryker disable next-line BlockStatement: an empty getter body returns undefined too
  get context(): undefined {
    return undefined;
  }
}
