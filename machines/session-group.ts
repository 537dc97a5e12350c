import {
  assign,
  enqueueActions,
  fromCallback,
  fromPromise,
  setup,
  type ActorRefFrom,
} from 'xstate';

/**
 * A session group's statecharts: one `groupServerMachine` per server (connect, watch, restart
 * with backoff within a budget, close) and the `sessionGroupMachine` parent that spawns, removes
 * and closes them. Behaviour only: the group (src/group) provides the actors that connect and
 * watch a session and close it, and the retry plan with its random jitter.
 *
 * Every failure event carries the time it happened (`at`, on the group's clock), so the restart
 * budget (at most `maxRestarts` restarts within `window` ms) is a guard on context and event.
 */

/** How a server is restarted: the backoff and the restart budget. */
export interface GroupRestartPolicy {
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly jitter: number;
  readonly maxRestarts: number;
  readonly window: number;
}

/**
 * The restart policy used where none is given.
 *
 * @example
 * ```ts
 * import { DEFAULT_GROUP_RESTART_POLICY } from 'mcp-actors/machines';
 *
 * console.log(DEFAULT_GROUP_RESTART_POLICY.maxRestarts, DEFAULT_GROUP_RESTART_POLICY.window); // 5 60000
 * ```
 */
export const DEFAULT_GROUP_RESTART_POLICY: GroupRestartPolicy = {
  initialDelay: 500,
  maxDelay: 30_000,
  factor: 2,
  jitter: 0.5,
  maxRestarts: 5,
  window: 60_000,
};

/**
 * The wait before the next attempt: `min(maxDelay, initialDelay·factor^attempt)`, of which the
 * `jitter` share is scaled by `draw` (a number in [0, 1)). `attempt` counts the failures since the
 * server was last ready, from 0.
 *
 * @example
 * ```ts
 * import { backoffDelay, DEFAULT_GROUP_RESTART_POLICY } from 'mcp-actors/machines';
 *
 * // the third failure in a row, with the random draw at 0.5: 2000·(0.5 + 0.5·0.5)
 * console.log(backoffDelay(DEFAULT_GROUP_RESTART_POLICY, 2, 0.5)); // 1500
 * ```
 */
export function backoffDelay(policy: GroupRestartPolicy, attempt: number, draw: number): number {
  const base = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** attempt);
  return Math.round(base * (1 - policy.jitter) + base * policy.jitter * draw);
}

/** What a server's actor is started with. */
export interface GroupServerInput {
  readonly name: string;
  readonly policy: GroupRestartPolicy;
}

/** What a server's actor knows: its name, its restart budget and why it last failed. */
export interface GroupServerContext {
  readonly name: string;
  readonly policy: GroupRestartPolicy;
  /** When each restart of the current window happened (clock milliseconds). */
  readonly restarts: readonly number[];
  /** Failures since the server was last ready (the backoff's exponent). */
  readonly attempt: number;
  /** Why it last failed or dropped. */
  readonly error: unknown;
  /** The wait before the next attempt, while reconnecting. */
  readonly delay: number;
  /** When the next attempt starts, while reconnecting. */
  readonly retryAt: number | undefined;
}

/** The events of a server's actor. */
export type GroupServerEvent =
  /** The session connected (sent by the `connect` actor). */
  | { type: 'connected' }
  /** The connection attempt failed (sent by the `connect` actor), at `at` on the clock. */
  | { type: 'connectFailed'; error: unknown; at: number }
  /** The session left `ready` without being asked (sent by the `watch` actor). */
  | { type: 'dropped'; error: unknown; at: number }
  /** Start a `failed` server again, with a fresh restart budget. */
  | { type: 'restart' }
  /** Close the server for good. */
  | { type: 'close' };

/** The states of a server's actor. */
export type GroupServerState =
  'connecting' | 'ready' | 'reconnecting' | 'failed' | 'closing' | 'closed';

/**
 * The restarts of the budget's window that ends at `at`.
 *
 * @example
 * ```ts
 * import { recentRestarts, type GroupServerContext } from 'mcp-actors/machines';
 * declare const context: GroupServerContext; // restarts at 0 and 50 000, window 60 000
 *
 * console.log(recentRestarts(context, 70_000)); // [50000]
 * ```
 */
export function recentRestarts(context: GroupServerContext, at: number): number[] {
  return context.restarts.filter((t) => at - t < context.policy.window);
}

/** What the invoked actors of a server are given: the server's name. */
export interface ServerRef {
  readonly name: string;
}

type FailureEvent = Extract<GroupServerEvent, { at: number }>;

/** The way out of a failure: a restart while the budget allows, `failed` once it is spent. */
const onFailure = [
  {
    guard: 'withinBudget' as const,
    target: 'reconnecting',
    actions: ['recordRestart' as const, 'planRetry' as const],
  },
  { target: 'failed', actions: 'recordFailure' as const },
];

/**
 * One server of a group: `connecting → ready`, and on a failed attempt or a dropped connection
 * `reconnecting` (after the backoff, `connecting` again) while the restart budget allows, else
 * `failed` until `restart`. `close` from anywhere closes the session and ends in `closed`.
 *
 * @example
 * Three failed attempts with a budget of two restarts, on a simulated clock:
 * ```ts
 * import { createActor, fromCallback, fromPromise, SimulatedClock } from 'xstate';
 * import { DEFAULT_GROUP_RESTART_POLICY, groupServerMachine } from 'mcp-actors/machines';
 *
 * const clock = new SimulatedClock();
 * const server = createActor(
 *   groupServerMachine.provide({
 *     actors: {
 *       connect: fromCallback(({ sendBack }) => {
 *         sendBack({ type: 'connectFailed', error: new Error('refused'), at: clock.now() });
 *       }),
 *       closeSession: fromPromise(async () => {}),
 *     },
 *   }),
 *   { clock, input: { name: 'files', policy: { ...DEFAULT_GROUP_RESTART_POLICY, maxRestarts: 2 } } },
 * ).start();
 * console.log(server.getSnapshot().value); // 'reconnecting'
 * clock.increment(1_000); // the second attempt fails too
 * clock.increment(2_000); // and the third: the budget is spent
 * console.log(server.getSnapshot().value); // 'failed'
 * ```
 */
export const groupServerMachine = setup({
  // Stryker disable next-line ObjectLiteral: `types` is read by TypeScript only; XState does nothing with it at run time
  types: {
    context: {} as GroupServerContext,
    events: {} as GroupServerEvent,
    input: {} as GroupServerInput,
  },
  actors: {
    /** Builds a fresh transport and session and connects it; sends `connected` or `connectFailed`. */
    connect: fromCallback<GroupServerEvent, ServerRef>(() => {}),
    /** Watches a ready session; sends `dropped` when it leaves `ready` unasked. */
    watch: fromCallback<GroupServerEvent, ServerRef>(() => {}),
    /** Closes the server's session (and what is left of earlier attempts). */
    // Stryker disable next-line ArrowFunction: fromPromise ends on a creator's `undefined` as on `Promise.resolve()`: no output, on the same tick
    closeSession: fromPromise<void, ServerRef>(() => Promise.resolve()),
  },
  guards: {
    /** Another restart fits in the budget's window. */
    withinBudget: ({ context, event }) =>
      recentRestarts(context, (event as FailureEvent).at).length < context.policy.maxRestarts,
  },
  actions: {
    /** Counts a restart at the failure's time, and keeps why. */
    recordRestart: assign(({ context, event }) => {
      const { at, error } = event as FailureEvent;
      return {
        restarts: [...recentRestarts(context, at), at],
        attempt: context.attempt + 1,
        error,
      };
    }),
    /**
     * Plans the next attempt: its delay and when it starts. The group provides one with a random
     * jitter; this one waits the whole backoff.
     */
    planRetry: assign(({ context, event }) => {
      const delay = backoffDelay(context.policy, context.attempt - 1, 1);
      return { delay, retryAt: (event as FailureEvent).at + delay };
    }),
    /** Keeps why the server failed for good. */
    recordFailure: assign(({ context, event }) => {
      const { at, error } = event as FailureEvent;
      return { restarts: recentRestarts(context, at), error, retryAt: undefined };
    }),
    /** Connected: the backoff starts over. */
    recordReady: assign({ attempt: 0, error: undefined, retryAt: undefined }),
    /** A restart asked for: a fresh budget. */
    resetBudget: assign({ restarts: [], attempt: 0, error: undefined, retryAt: undefined }),
  },
  delays: {
    backoff: ({ context }) => context.delay,
  },
}).createMachine({
  id: 'groupServer',
  /** Built from the input: no attempt yet, no restart counted. */
  context: ({ input }) => ({
    name: input.name,
    policy: input.policy,
    restarts: [],
    attempt: 0,
    error: undefined,
    delay: 0,
    retryAt: undefined,
  }),
  // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  initial: 'connecting',
  on: { close: '.closing' },
  // Stryker disable next-line ObjectLiteral: a false survivor: without its states the machine throws while its module loads (its `initial` and `.closing` name none), so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  states: {
    connecting: {
      description: 'A fresh transport and session, connecting.',
      invoke: {
        src: 'connect',
        /** The server to connect. */
        input: ({ context }) => ({ name: context.name }),
      },
      on: {
        connected: { target: 'ready', actions: 'recordReady' },
        connectFailed: onFailure,
      },
    },
    ready: {
      description: 'Connected; what the server offers is in the aggregate.',
      invoke: {
        src: 'watch',
        /** The server whose session is watched. */
        input: ({ context }) => ({ name: context.name }),
      },
      on: { dropped: onFailure },
    },
    reconnecting: {
      description: 'Waiting the backoff delay before the next attempt.',
      after: { backoff: 'connecting' },
    },
    failed: {
      description: 'Out of restarts; only `restart` brings it back.',
      on: { restart: { target: 'connecting', actions: 'resetBudget' } },
    },
    closing: {
      description: 'Closing its session.',
      invoke: {
        src: 'closeSession',
        /** The server whose session is closed. */
        input: ({ context }) => ({ name: context.name }),
        onDone: 'closed',
        onError: 'closed',
      },
      on: { close: {} },
    },
    closed: { type: 'final' },
  },
});

/** The type of {@link groupServerMachine}. */
export type GroupServerMachine = typeof groupServerMachine;

/** What the group's actor knows: its servers' names, in the order they were added. */
export interface SessionGroupContext {
  readonly servers: readonly string[];
  /** The servers being removed (closing, then stopped). */
  readonly removing: readonly string[];
}

/** The events of the group's actor. */
export type SessionGroupEvent =
  /** Spawn a server's actor (its id is the server's name). */
  | { type: 'add'; name: string; policy: GroupRestartPolicy }
  /** Close a server, then stop its actor. */
  | { type: 'remove'; name: string }
  /** Restart a `failed` server. */
  | { type: 'restart'; name: string }
  /** Close every server, then end. */
  | { type: 'close' };

/** The states of the group's actor. */
export type SessionGroupState = 'open' | 'closing' | 'closed';

/** The event a group receives when one of its servers' actors reached `closed` (its final state). */
export type ServerDone = { type: `xstate.done.actor.${string}`; actorId: string };

/**
 * The group: `open` while it takes servers (`add` spawns a `groupServerMachine` child named after
 * the server, `remove` closes one and stops it once closed), `closing` on `close` until every
 * server has closed, then `closed`.
 *
 * @example
 * ```ts
 * import { createActor, fromCallback, fromPromise } from 'xstate';
 * import {
 *   DEFAULT_GROUP_RESTART_POLICY,
 *   groupServerMachine,
 *   sessionGroupMachine,
 * } from 'mcp-actors/machines';
 *
 * const group = createActor(
 *   sessionGroupMachine.provide({
 *     actors: {
 *       server: groupServerMachine.provide({
 *         actors: {
 *           connect: fromCallback(({ sendBack }) => sendBack({ type: 'connected' })),
 *           closeSession: fromPromise(async () => {}),
 *         },
 *       }),
 *     },
 *   }),
 * ).start();
 * group.send({ type: 'add', name: 'files', policy: DEFAULT_GROUP_RESTART_POLICY });
 * console.log(group.getSnapshot().children['files']?.getSnapshot().value); // 'ready'
 * group.send({ type: 'close' });
 * console.log(group.getSnapshot().value); // 'closed' (once every server has closed)
 * ```
 */
export const sessionGroupMachine = setup({
  // Stryker disable next-line ObjectLiteral: `types` is read by TypeScript only; XState does nothing with it at run time
  types: {
    context: {} as SessionGroupContext,
    events: {} as SessionGroupEvent | ServerDone,
  },
  actors: {
    /** One server; the group provides its actors. */
    server: groupServerMachine,
  },
  guards: {
    /** The name is not in the group. */
    isNew: ({ context, event }) =>
      !context.servers.includes((event as Extract<SessionGroupEvent, { name: string }>).name),
    /** The name is in the group and not already being removed. */
    isPresent: ({ context, event }) => {
      const { name } = event as Extract<SessionGroupEvent, { name: string }>;
      return context.servers.includes(name) && !context.removing.includes(name);
    },
    /** Every server has closed. */
    isEmpty: ({ context }) => context.servers.length === 0,
  },
  actions: {
    /** Spawns the server's actor and lists it. */
    spawnServer: enqueueActions(({ enqueue, event }) => {
      const { name, policy } = event as Extract<SessionGroupEvent, { type: 'add' }>;
      enqueue.spawnChild('server', { id: name, input: { name, policy } });
      enqueue.assign(({ context }) => ({ servers: [...context.servers, name] }));
    }),
    /** Asks one server to close. */
    closeServer: enqueueActions(({ enqueue, event }) => {
      const { name } = event as Extract<SessionGroupEvent, { name: string }>;
      enqueue.sendTo(name, { type: 'close' });
      enqueue.assign(({ context }) => ({ removing: [...context.removing, name] }));
    }),
    /** Forwards `restart` to one server. */
    restartServer: enqueueActions(({ enqueue, event }) => {
      enqueue.sendTo((event as Extract<SessionGroupEvent, { type: 'restart' }>).name, {
        type: 'restart',
      });
    }),
    /** Asks every server to close. */
    closeAll: enqueueActions(({ enqueue, context }) => {
      for (const name of context.servers) enqueue.sendTo(name, { type: 'close' });
    }),
    /** A server closed: stop its actor and forget it. */
    forgetServer: enqueueActions(({ enqueue, event }) => {
      const { actorId } = event as ServerDone;
      enqueue.stopChild(actorId);
      enqueue.assign(({ context }) => ({
        servers: context.servers.filter((n) => n !== actorId),
        removing: context.removing.filter((n) => n !== actorId),
      }));
    }),
  },
}).createMachine({
  id: 'sessionGroup',
  /** No server yet. */
  context: { servers: [], removing: [] },
  // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  initial: 'open',
  on: { 'xstate.done.actor.*': { actions: 'forgetServer' } },
  states: {
    open: {
      description: 'Takes servers: add, remove, restart.',
      on: {
        add: { guard: 'isNew', actions: 'spawnServer' },
        remove: { guard: 'isPresent', actions: 'closeServer' },
        restart: { guard: 'isPresent', actions: 'restartServer' },
        close: 'closing',
      },
    },
    closing: {
      description: 'Every server closing; ends once all have closed.',
      entry: 'closeAll',
      always: { guard: 'isEmpty', target: 'closed' },
    },
    closed: { type: 'final' },
  },
});

/** The type of {@link sessionGroupMachine}. */
export type SessionGroupMachine = typeof sessionGroupMachine;
/** A server's actor, as the group spawns it. */
export type GroupServerActor = ActorRefFrom<GroupServerMachine>;
