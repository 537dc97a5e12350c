import { assign, fromPromise, setup } from 'xstate';

/**
 * The connection lifecycle of one client session:
 * `preconnect → initializing → ready → closing → closed`.
 *
 * `initializing` shows which negotiation path the session took, as states:
 * - `handshaking`: the legacy `initialize` handshake (2024-11-05 … 2025-11-25);
 * - `discovering`: the modern `server/discover` (2026-07-28);
 * - `probing`: the `auto` mode's era probe, a `server/discover` that either finds a modern server
 *   (→ ready) or falls back to `handshaking` (MCP 2026-07-28 basic/versioning: the fallback is not
 *   keyed to one error code; silence within the probe timeout means legacy). After a probe
 *   timeout, `handshaking` may still end on 2026-07-28: a valid answer to the probe that arrives
 *   while `initialize` is pending wins, and a `-32022` to `initialize` naming a 2026 revision
 *   probes again, once (a server slower to start than the probe timeout);
 * - `adopting`: the `pinned` mode, which adopts a negotiation the caller already has, with no
 *   traffic at all.
 *
 * Each top-level state says, in its `meta`, what the caller may send in it and what to do
 * otherwise; the session answers a call the state does not allow at once with a typed error built
 * from that `meta` (never silence, never a pending promise).
 *
 * `initializing` has one timer, the connect timeout (`input.connectTimeout`): it counts from
 * `connect`, across every step, and when it runs out the connection closes with the timeout as
 * its error.
 *
 * The negotiation steps and the transport close are invoked promise actors, so that stopping the
 * session in any state stops them too. Their implementations come from the session (`provide`).
 * Closing the transport is the dispatcher's close, which settles every pending request with
 * `CONNECTION_CLOSED` and aborts every server request being handled.
 */

/** What a caller may send in a state. */
export type SendPolicy =
  /** Nothing yet: the session must be connected first. */
  | 'none'
  /** Only the negotiation itself and `ping` (MCP basic/lifecycle: SHOULD NOT send others before the initialize response). */
  | 'handshake'
  /** Any request or notification. */
  | 'all'
  /** Nothing any more: the connection is closing or closed. */
  | 'closed';

/** The `meta` of each top-level connection state: what may be sent in it, and what to do otherwise. */
export interface ConnectionStateMeta {
  /** What a caller may send in the state. */
  readonly sends: SendPolicy;
  /** What a caller should do when a call is refused in this state. */
  readonly next: string;
}

/** How the session finds the protocol revision to speak. */
export type NegotiationMode = 'legacy' | 'modern' | 'auto' | 'pinned';

/** The outcome of negotiation, kept in the connection's context once ready. */
export type Negotiated =
  | {
      readonly era: 'legacy';
      readonly protocolVersion: string;
      /** The server's answer to `initialize`. */
      readonly initializeResult: unknown;
    }
  | {
      readonly era: 'modern';
      readonly protocolVersion: string;
      /** The server's answer to `server/discover`. */
      readonly discoverResult: unknown;
    };

/** What the `auto` probe found: a modern server, or a reason to fall back to `initialize`. */
export type ProbeOutcome = Negotiated | { readonly era: 'fallback'; readonly why: string };

/** The connection machine's input. */
export interface ConnectionInput {
  /** How to negotiate. */
  readonly mode: NegotiationMode;
  /**
   * How long `initializing` may last, ms, from `connect`: starting the transport and every
   * negotiation step. Default `Infinity` (no limit).
   */
  readonly connectTimeout?: number;
}

/** The connection machine's context. */
export interface ConnectionContext {
  /** How to negotiate. */
  readonly mode: NegotiationMode;
  /** How long `initializing` may last, ms (`Infinity`: no limit). */
  readonly connectTimeout: number;
  /** The negotiated facts, once ready. */
  readonly negotiated: Negotiated | undefined;
  /** Why the probe fell back to the legacy handshake, when it did. */
  readonly fallback: string | undefined;
  /** Why the connection failed or closed, when it did not close on request. */
  readonly error: unknown;
}

/** What the session sends the connection machine (the invoked actors' completions come on top). */
export type ConnectionEvent =
  { type: 'connect' } | { type: 'close' } | { type: 'transportClosed'; reason?: unknown };

/**
 * The types of {@link ConnectionEvent}.
 *
 * @example
 * Which of the session's events each top-level state handles itself:
 * ```ts
 * import { connectionEventTypes, connectionMachine } from 'mcp-actors/machines';
 *
 * for (const [name, state] of Object.entries(connectionMachine.root.states)) {
 *   const handled = connectionEventTypes.filter((type) => state.ownEvents.includes(type));
 *   console.log(name, handled.join(', ') || '(none)'); // preconnect connect, close …
 * }
 * ```
 */
export const connectionEventTypes = ['connect', 'close', 'transportClosed'] as const;

const meta = (m: ConnectionStateMeta): ConnectionStateMeta => m;

/** The longest delay a timer takes (2^31 - 1 ms, about 24.8 days); a longer one would fire at once. */
const LONGEST_DELAY = 2_147_483_647;

/**
 * The connection lifecycle (see the top of this file): `preconnect → initializing → ready →
 * closing → closed`, with the negotiation path as the states of `initializing`. The invoked
 * actors (`handshake`, `discover`, `probe`, `adopt`, `closeTransport`) are placeholders the
 * session provides. Each top-level state's `meta` is a {@link ConnectionStateMeta}.
 *
 * @example
 * Every state a session can reach in `legacy` mode, and the shortest path to each, with
 * `xstate/graph` (docs/model-checking.md drives a real session along such paths):
 * ```ts
 * import { getShortestPaths } from 'xstate/graph';
 * import { connectionMachine, type ConnectionStateMeta } from 'mcp-actors/machines';
 *
 * const paths = getShortestPaths(connectionMachine, {
 *   input: { mode: 'legacy' },
 *   events: [
 *     { type: 'connect' },
 *     { type: 'close' },
 *     { type: 'transportClosed' },
 *     { type: 'xstate.done.actor.handshake', output: { era: 'legacy', protocolVersion: '2025-11-25' } },
 *     { type: 'xstate.error.actor.handshake', error: new Error('refused') },
 *   ] as never,
 * });
 * for (const path of paths) {
 *   console.log(JSON.stringify(path.state.value), path.steps.map((s) => s.event.type).join(' → '));
 * }
 * const meta = connectionMachine.root.states.ready?.meta as ConnectionStateMeta;
 * console.log(meta.sends); // 'all'
 * ```
 */
export const connectionMachine = setup({
  // Stryker disable next-line ObjectLiteral: `types` is read by TypeScript only; XState does nothing with it at run time
  types: {
    context: {} as ConnectionContext,
    input: {} as ConnectionInput,
    events: {} as ConnectionEvent,
  },
  actors: {
    /** The legacy handshake: `initialize`, then `notifications/initialized`. */
    handshake: fromPromise<Negotiated>(() => new Promise<never>(() => {})),
    /** `server/discover`, retrying once on an unsupported version. */
    discover: fromPromise<Negotiated>(() => new Promise<never>(() => {})),
    /** The era probe of `auto`. */
    probe: fromPromise<ProbeOutcome>(() => new Promise<never>(() => {})),
    /** The pinned mode: start the transport and adopt the given negotiation, sending nothing. */
    adopt: fromPromise<Negotiated>(() => new Promise<never>(() => {})),
    /** Close the transport; resolves when it has closed. */
    // Stryker disable next-line ArrowFunction: fromPromise ends on a creator's `undefined` as on `Promise.resolve()`: no output, on the same tick
    closeTransport: fromPromise<void>(() => Promise.resolve()),
  },
  delays: {
    /** The connect timeout, from entering `initializing` (that is, from `connect`). */
    connectTimeout: ({ context }) => Math.min(context.connectTimeout, LONGEST_DELAY),
  },
  guards: {
    modeIs: ({ context }, mode: NegotiationMode) => context.mode === mode,
    /** Whether connecting has a time limit at all. */
    connectTimeLimited: ({ context }) => context.connectTimeout !== Infinity,
    probeFoundModern: ({ event }) => (event as { output?: ProbeOutcome }).output?.era === 'modern',
  },
  actions: {
    /** Keep the negotiated facts: they live in the connection's context. */
    rememberNegotiation: assign({
      negotiated: ({ event }) => (event as { output?: Negotiated }).output,
    }),
    /** Keep why the probe fell back. */
    rememberFallback: assign({
      fallback: ({ event }) => (event as { output?: { why?: string } }).output?.why,
    }),
    /** Keep why negotiation failed. */
    rememberFailure: assign({ error: ({ event }) => (event as { error?: unknown }).error }),
    /** Keep why the transport closed. */
    rememberCloseReason: assign({ error: ({ event }) => (event as { reason?: unknown }).reason }),
    /** Keep that connecting took too long (the session provides a typed error with what was pending). */
    rememberTimeout: assign({
      error: ({ context }) => new Error(`connect timed out after ${context.connectTimeout} ms`),
    }),
  },
}).createMachine({
  // Stryker disable next-line StringLiteral: a false survivor: the targets `#connection.…` name this id; without it the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  id: 'connection',
  /** Built from the input: nothing negotiated yet. */
  context: ({ input }) => ({
    mode: input.mode,
    connectTimeout: input.connectTimeout ?? Infinity,
    negotiated: undefined,
    fallback: undefined,
    error: undefined,
  }),
  // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  initial: 'preconnect',
  states: {
    preconnect: {
      meta: meta({ sends: 'none', next: 'call connect() first' }),
      on: {
        connect: 'initializing',
        close: 'closed',
        // No transportClosed: the transport is not started before connect.
      },
    },
    initializing: {
      meta: meta({ sends: 'handshake', next: 'await connect() before sending requests' }),
      // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
      initial: 'choosing',
      states: {
        choosing: {
          description: 'Picks the path from the negotiation mode.',
          always: [
            { guard: { type: 'modeIs', params: 'pinned' }, target: 'adopting' },
            { guard: { type: 'modeIs', params: 'modern' }, target: 'discovering' },
            { guard: { type: 'modeIs', params: 'auto' }, target: 'probing' },
            { target: 'handshaking' },
          ],
        },
        probing: {
          description:
            'auto: server/discover first; a modern answer means 2026, anything else legacy.',
          invoke: {
            id: 'probe',
            src: 'probe',
            onDone: [
              {
                guard: 'probeFoundModern',
                target: '#connection.ready',
                actions: 'rememberNegotiation',
              },
              { target: 'handshaking', actions: 'rememberFallback' },
            ],
            onError: { target: '#connection.closing', actions: 'rememberFailure' },
          },
        },
        discovering: {
          description: 'modern: server/discover, retried once with a mutually supported version.',
          invoke: {
            id: 'discover',
            src: 'discover',
            onDone: { target: '#connection.ready', actions: 'rememberNegotiation' },
            onError: { target: '#connection.closing', actions: 'rememberFailure' },
          },
        },
        handshaking: {
          description:
            'legacy: initialize, then notifications/initialized. After a probe timeout, a late discover answer wins, and a -32022 naming 2026 probes again once.',
          invoke: {
            id: 'handshake',
            src: 'handshake',
            onDone: { target: '#connection.ready', actions: 'rememberNegotiation' },
            onError: { target: '#connection.closing', actions: 'rememberFailure' },
          },
        },
        adopting: {
          description: 'pinned: adopts a known negotiation without traffic.',
          invoke: {
            id: 'adopt',
            src: 'adopt',
            onDone: { target: '#connection.ready', actions: 'rememberNegotiation' },
            onError: { target: '#connection.closing', actions: 'rememberFailure' },
          },
        },
      },
      after: {
        // The connect timeout counts from connect, whatever step is running when it runs out.
        connectTimeout: {
          guard: 'connectTimeLimited',
          target: 'closing',
          actions: 'rememberTimeout',
        },
      },
      on: {
        close: 'closing',
        transportClosed: { target: 'closed', actions: 'rememberCloseReason' },
      },
    },
    ready: {
      meta: meta({ sends: 'all', next: '' }),
      on: {
        close: 'closing',
        transportClosed: { target: 'closed', actions: 'rememberCloseReason' },
      },
    },
    closing: {
      meta: meta({ sends: 'closed', next: 'create a new session to reconnect' }),
      invoke: {
        id: 'closeTransport',
        src: 'closeTransport',
        onDone: 'closed',
        onError: 'closed',
      },
      on: {
        transportClosed: 'closed',
      },
    },
    closed: {
      meta: meta({ sends: 'closed', next: 'create a new session to reconnect' }),
      type: 'final',
    },
  },
});

/** The type of {@link connectionMachine}. */
export type ConnectionMachine = typeof connectionMachine;
/** The top-level states of the connection: `ClientSession.state`. */
export type ConnectionState = 'preconnect' | 'initializing' | 'ready' | 'closing' | 'closed';
/** The states of `initializing`: the negotiation step running (`ClientSession.negotiationPath`). */
export type NegotiationPath = 'choosing' | 'probing' | 'discovering' | 'handshaking' | 'adopting';
