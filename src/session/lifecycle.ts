/**
 * The session's lifecycle glue: the connection actor (machines/connection.ts) run as a real XState
 * actor, with the negotiation steps it invokes (a fresh `server/discover` result may come from the
 * cache), the dispatcher started once beneath it, `connect()` and `close()` as promises over its
 * states, and the state listeners. Each new state is handed to the session (`entered`) before the
 * listeners hear of it.
 */
import { assign, createActor, fromPromise, type Actor } from 'xstate';
import {
  connectionMachine,
  type ConnectionState,
  type ConnectionStateMeta,
  type Negotiated,
  type NegotiationPath,
  type ProbeOutcome,
} from '../../machines/connection.js';
import { systemClock } from '../core/clock.js';
import type { Dispatcher, DispatcherHandlers } from '../core/dispatcher.js';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  InvalidStateError,
  reasonText,
} from '../errors/errors.js';
import { isModern } from '../protocol/revisions.js';
import type { DiscoverResult } from '../protocol/types.js';
import type { ResponseCache } from './cache.js';
import { discover, handshake, probe } from './negotiation.js';
import { ConnectTimeoutError } from './negotiation-errors.js';
import { negotiationRun, type NegotiationSettings } from './negotiation-settings.js';
import { adoptable } from './support.js';
import { SystemOwners } from '../core/system-owners.js';
import type { ClientSessionOptions } from './types.js';

/** The negotiation steps the connection machine invokes. */
type NegotiationStep = 'handshake' | 'discover' | 'adopt';

/** The session of each connection actor's system (see `SystemOwners`). */
const lifecycles = new SystemOwners<Lifecycle>('A connection actor ran outside its session.');
const lifecycleOf = (system: object): Lifecycle => lifecycles.of(system);

/**
 * The connection machine with the negotiation steps and the transport close, provided once for
 * every session. `provide` copies the machine's state nodes (about 29 kB of heap): provided per
 * session, it was the larger part of what an idle session holds.
 */
const connection = connectionMachine.provide({
  actors: {
    handshake: fromPromise(({ system }) => lifecycleOf(system).step('handshake')),
    discover: fromPromise(({ system }) => lifecycleOf(system).step('discover')),
    probe: fromPromise(({ system }) => lifecycleOf(system).probe()),
    adopt: fromPromise(({ system }) => lifecycleOf(system).step('adopt')),
    closeTransport: fromPromise(({ system }) => lifecycleOf(system).closeTransport()),
  },
  actions: {
    rememberTimeout: assign({
      error: ({ context, system }) => lifecycleOf(system).timeoutError(context.connectTimeout),
    }),
  },
});

export type ConnectionActor = Actor<typeof connectionMachine>;

/** The top-level state of a (possibly nested) state value. */
function topState(value: unknown): ConnectionState {
  return (typeof value === 'string' ? value : Object.keys(value as object)[0]) as ConnectionState;
}

const stateMeta = new Map<string, ConnectionStateMeta>(
  Object.entries(connectionMachine.root.states).map(([key, node]) => [
    key,
    node.meta as ConnectionStateMeta,
  ]),
);

/** What the lifecycle needs of the rest of the session. */
export interface LifecycleDeps {
  readonly options: Pick<
    ClientSessionOptions,
    'mode' | 'pinned' | 'clock' | 'inspect' | 'credential'
  >;
  readonly dispatcher: Dispatcher;
  readonly settings: NegotiationSettings;
  /** The schemas loading: a negotiation step ends once they have loaded. */
  readonly schemas: Promise<unknown>;
  readonly cache: ResponseCache | undefined;
  /** Where the dispatcher hands what it does not route itself. */
  readonly routes: DispatcherHandlers;
  /**
   * Called with each new state, what it lets the client send and what negotiation settled on,
   * before the state listeners.
   */
  readonly entered: (
    state: ConnectionState,
    sends: ConnectionStateMeta['sends'],
    negotiated: Negotiated | undefined,
  ) => void;
}

export class Lifecycle {
  readonly actor: ConnectionActor;
  readonly #deps: LifecycleDeps;
  readonly #dispatcher: Dispatcher;
  #state: ConnectionState = 'preconnect';
  #connecting: Promise<Negotiated> | undefined;
  #started: Promise<void> | undefined;
  /** Whether the transport has started (a close before that is a failure to start). */
  #opened = false;
  /** What the negotiation steps of connect() hand on to each other. */
  readonly #run = negotiationRun();
  readonly #listeners = new Set<(state: ConnectionState) => void>();

  constructor(deps: LifecycleDeps) {
    const { options, dispatcher } = deps;
    const mode = options.mode ?? 'auto';
    if (mode === 'pinned' && options.pinned === undefined) {
      throw new InvalidArgumentError(
        "mode 'pinned' needs `pinned`: the negotiation to adopt (era, protocolVersion and the initialize or discover result).",
      );
    }
    this.#deps = deps;
    this.#dispatcher = dispatcher;
    this.actor = createActor(connection, {
      input: { mode, connectTimeout: deps.settings.connectTimeout },
      // The connect timeout runs on the session's clock.
      clock: options.clock ?? systemClock,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    lifecycles.claim(this.actor.system, this);
    this.actor.subscribe({
      next: (snapshot) => this.#enter(topState(snapshot.value)),
      error: () => {},
    });
    this.actor.start();
    if (options.inspect !== undefined) {
      dispatcher.inspect({ observer: options.inspect, rootId: this.actor.sessionId }, this.actor);
    }
    dispatcher.onClose((reason) => {
      const snapshot = this.actor.getSnapshot();
      // While closing, the dispatcher announces the close it was asked for at once; the session
      // stays `closing` until the transport has finished closing (a stdio server has exited).
      if (snapshot.status === 'active' && !snapshot.matches('closing')) {
        this.actor.send({ type: 'transportClosed', reason });
      }
    });
  }

  /** Runs one negotiation step the connection machine invokes (see {@link connection}). */
  step(kind: NegotiationStep): Promise<Negotiated> {
    const { dispatcher: d, settings: s } = this.#deps;
    const run = this.#run;
    switch (kind) {
      case 'handshake':
        return this.#negotiate(async () => this.#keep(await handshake(d, s, run)));
      case 'discover':
        return this.#negotiate(
          async () => this.#cachedDiscovery() ?? this.#keep(await discover(d, s, run)),
        );
      case 'adopt':
        return this.#negotiate(() => adoptable(this.#deps.options.pinned, s));
    }
  }

  /** The `auto` mode's era probe: `server/discover`, or the fall-back to the handshake. */
  probe(): Promise<ProbeOutcome> {
    const { dispatcher: d, settings: s } = this.#deps;
    return this.#negotiate(
      async () => this.#cachedDiscovery() ?? this.#keep(await probe(d, s, this.#run)),
    );
  }

  /** Closes the transport (the machine's `closeTransport`). */
  closeTransport(): Promise<void> {
    return this.#deps.dispatcher.close();
  }

  /** The error of a connect that timed out, naming the request it waited for. */
  timeoutError(connectTimeout: number): ConnectTimeoutError {
    return new ConnectTimeoutError(connectTimeout, this.#awaiting());
  }

  /** The lifecycle state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Which negotiation step is running, while initializing. */
  get negotiationPath(): NegotiationPath | undefined {
    const value = this.actor.getSnapshot().value as unknown;
    return typeof value === 'object' && value !== null
      ? ((value as { initializing?: NegotiationPath }).initializing ?? undefined)
      : undefined;
  }

  /** What negotiation settled on, once ready. */
  get negotiated(): Negotiated | undefined {
    return this.actor.getSnapshot().context.negotiated;
  }

  /** Why `auto` fell back from `server/discover` to `initialize`, when it did. */
  get fallbackReason(): string | undefined {
    return this.actor.getSnapshot().context.fallback;
  }

  /** Why the connection failed or closed unasked, if it did. */
  get error(): unknown {
    return this.actor.getSnapshot().context.error;
  }

  /** Calls `listener` with each new state; returns the unsubscribe function. */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts the transport and negotiates; a second call returns the same promise. */
  connect(): Promise<Negotiated> {
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.#state !== 'preconnect') {
      return Promise.reject(this.refusal('connect'));
    }
    this.#connecting = new Promise<Negotiated>((resolve, reject) => {
      const sub = this.actor.subscribe((snapshot) => {
        const state = topState(snapshot.value);
        if (state === 'ready') {
          sub.unsubscribe();
          resolve(snapshot.context.negotiated as Negotiated);
        } else if (state === 'closing') {
          // Negotiation failed (or close() was called): its error, as it is.
          sub.unsubscribe();
          const error = snapshot.context.error;
          reject(
            error instanceof Error ? error : new ConnectionClosedError(undefined, { cause: error }),
          );
        } else if (state === 'closed') {
          // The transport ended first. A transport that could not start says why itself; once it
          // had started, the connection closed, and the reason (a stdio server's exit code and
          // last stderr lines) says why, as the cause and in the message.
          sub.unsubscribe();
          const reason = snapshot.context.error;
          reject(
            reason instanceof ConnectionClosedError || (!this.#opened && reason instanceof Error)
              ? reason
              : new ConnectionClosedError(undefined, { cause: reason }),
          );
        }
      });
    });
    this.actor.send({ type: 'connect' });
    return this.#connecting;
  }

  /** Closes the session; safe in any state, and twice. */
  async close(): Promise<void> {
    // Closed by the transport: it may still be ending (a stdio server being shut down).
    if (this.#state === 'closed') return this.#dispatcher.close();
    const done = new Promise<void>((resolve) => {
      const sub = this.actor.subscribe((snapshot) => {
        if (snapshot.value === 'closed') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    this.actor.send({ type: 'close' });
    if ((this.#state as ConnectionState) === 'closed') {
      // Closed straight from preconnect: the transport was never started, close it anyway.
      await this.#dispatcher.close();
      return;
    }
    await done;
  }

  /** Why `what` is refused in the current state. */
  refusal(what: string): Error {
    const meta = stateMeta.get(this.#state);
    if (this.#state === 'closing' || this.#state === 'closed') {
      return new ConnectionClosedError(undefined, { cause: this.error });
    }
    return new InvalidStateError(what, this.#state, meta?.next ?? 'wait');
  }

  #enter(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#deps.entered(state, stateMeta.get(state)?.sends ?? 'closed', this.negotiated);
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.#dispatcher.report({
          code: 'CALLBACK_FAILED',
          message: `A state listener threw: ${reasonText(error)}`,
          payload: error,
        });
      }
    }
  }

  /** Starts the dispatcher once, routing what it cannot route itself to the session. */
  #start(): Promise<void> {
    this.#started ??= this.#dispatcher.start(this.#deps.routes).then(() => {
      this.#opened = true;
    });
    return this.#started;
  }

  /**
   * Runs one negotiation step once the transport has started. The first request is written
   * without waiting for the schemas, which load meanwhile (the step awaits them only to check an
   * answer); the step ends once they have loaded, so a ready session always has them.
   */
  async #negotiate<T>(step: () => Promise<T>): Promise<T> {
    await this.#start();
    const outcome = await step();
    await this.#deps.schemas;
    return outcome;
  }

  /**
   * A fresh `server/discover` result from the session's cache (one shared with earlier sessions to
   * the same server), adopted without traffic: MCP 2026-07-28 caching honours the discover
   * result's `ttlMs`, and a client SHOULD cache the era per server.
   */
  #cachedDiscovery(): Negotiated | undefined {
    const hit = this.#deps.cache?.get(
      'server/discover',
      {},
      this.#deps.options.credential ?? '',
    ) as DiscoverResult | undefined;
    if (hit === undefined) return undefined;
    const supported = this.#deps.settings.supported.filter((v) => isModern(v));
    const version = [...hit.supportedVersions]
      .filter((v) => (supported as string[]).includes(v))
      .sort()
      .at(-1);
    return version === undefined
      ? undefined
      : { era: 'modern', protocolVersion: version, discoverResult: hit };
  }

  /** Keeps a modern negotiation's discover result in the cache, by its own `ttlMs`. */
  #keep<N extends Negotiated | { era: 'fallback' }>(n: N): N {
    const cache = this.#deps.cache;
    if (n.era === 'modern' && cache !== undefined) {
      cache.put('server/discover', {}, this.#deps.options.credential ?? '', n.discoverResult);
    }
    return n;
  }

  /** What connect() is waiting for an answer to, for its timeout error. */
  #awaiting(): string | undefined {
    return this.#opened ? this.#run.asking : undefined;
  }
}
