import { setup } from 'xstate';

/**
 * One outbound JSON-RPC request, from creation to exactly one outcome.
 *
 * The machine is the single source of a request's behaviour. The session runs it through the
 * compiled form built by `compileMachine` (see `src/core/compiled-machine.ts`), which a test
 * proves equivalent to XState's own interpretation on every reachable state and event.
 *
 * Actions are placeholders here: the dispatcher provides the implementations (write the message,
 * settle the caller's promise, release the slot). Guards are real and read only the context.
 */
export interface RequestContext {
  /** The JSON-RPC method. */
  readonly method: string;
  /**
   * Whether `notifications/cancelled` may be sent for this request.
   * MCP 2024-11-05..2025-11-25 basic/utilities/cancellation: `initialize` MUST NOT be cancelled;
   * 2026-07-28 `server/discover` is a probe the client abandons by disconnecting, not by cancelling.
   */
  readonly cancellable: boolean;
  /** Whether an incoming `notifications/progress` resets the idle timeout. */
  readonly resetTimeoutOnProgress: boolean;
}

/** What happens to an outbound request. */
export type RequestEvent =
  /** The message was handed to the transport. */
  | { type: 'send' }
  /** The peer answered with a result. */
  | { type: 'result'; result: unknown }
  /** The peer answered with a JSON-RPC error. */
  | { type: 'error'; error: unknown }
  /** The peer reported progress for this request's token. */
  | { type: 'progress'; progress: unknown }
  /** The idle timeout (`kind: 'idle'`) or the maximum total time (`kind: 'total'`) ran out. */
  | { type: 'timeout'; kind: 'idle' | 'total' }
  /** The caller's `AbortSignal` fired. */
  | { type: 'abort'; reason: unknown }
  /** The transport refused the write. */
  | { type: 'sendFailed'; error: unknown }
  /** The connection closed before an answer. */
  | { type: 'closed'; reason: unknown };

/** The types of {@link RequestEvent}. */
export type RequestEventType = RequestEvent['type'];

/**
 * Methods never cancelled with `notifications/cancelled`: MCP 2024-11-05..2025-11-25
 * basic/utilities/cancellation says the client MUST NOT cancel `initialize`; the 2026-07-28
 * `server/discover` probe is likewise abandoned by disconnecting, never by cancelling.
 *
 * @example
 * ```ts
 * import { uncancellableMethods } from 'mcp-actors/machines';
 *
 * for (const method of ['tools/call', 'initialize', 'server/discover']) {
 *   const onTimeout = uncancellableMethods.has(method) ? 'rejected' : 'cancelled, then rejected';
 *   console.log(`${method}: ${onTimeout}`);
 * }
 * ```
 */
export const uncancellableMethods: ReadonlySet<string> = new Set(['initialize', 'server/discover']);

/**
 * The machine's input for a request of `method`.
 *
 * @example
 * A timed-out `tools/call` sends `notifications/cancelled`; a timed-out `initialize` does not:
 * ```ts
 * import { initialTransition, transition } from 'xstate';
 * import { requestContextFor, requestMachine } from 'mcp-actors/machines';
 *
 * for (const method of ['tools/call', 'initialize']) {
 *   const [created] = initialTransition(requestMachine, requestContextFor(method, false));
 *   const [inFlight] = transition(requestMachine, created, { type: 'send' });
 *   const [, actions] = transition(requestMachine, inFlight, { type: 'timeout', kind: 'idle' });
 *   // tools/call: sendCancelled, rejectTimedOut, release; initialize: rejectTimedOut, release
 *   console.log(method, actions.map((a) => a.type));
 * }
 * ```
 */
export function requestContextFor(method: string, resetTimeoutOnProgress: boolean): RequestContext {
  return { method, cancellable: !uncancellableMethods.has(method), resetTimeoutOnProgress };
}

/**
 * Every {@link RequestEventType}.
 *
 * @example
 * Where each event leaves a request in flight:
 * ```ts
 * import { initialTransition, transition } from 'xstate';
 * import {
 *   requestContextFor,
 *   requestEventTypes,
 *   requestMachine,
 *   type RequestEvent,
 * } from 'mcp-actors/machines';
 *
 * const [created] = initialTransition(requestMachine, requestContextFor('tools/call', false));
 * const [inFlight] = transition(requestMachine, created, { type: 'send' });
 * for (const type of requestEventTypes) {
 *   const [next] = transition(requestMachine, inFlight, { type } as RequestEvent);
 *   console.log(`${type} → ${String(next.value)}`); // result → succeeded, abort → cancelled …
 * }
 * ```
 */
export const requestEventTypes: readonly RequestEventType[] = [
  'send',
  'result',
  'error',
  'progress',
  'timeout',
  'abort',
  'sendFailed',
  'closed',
];

/**
 * The final states, one per outcome.
 *
 * @example
 * The shortest way to each outcome, with `xstate/graph`:
 * ```ts
 * import { getShortestPaths } from 'xstate/graph';
 * import { requestContextFor, requestMachine, requestOutcomes } from 'mcp-actors/machines';
 *
 * const paths = getShortestPaths(requestMachine, {
 *   input: requestContextFor('tools/call', false),
 *   events: [
 *     { type: 'send' },
 *     { type: 'result', result: {} },
 *     { type: 'error', error: new Error('refused') },
 *     { type: 'timeout', kind: 'idle' },
 *     { type: 'abort', reason: 'stop' },
 *     { type: 'closed', reason: undefined },
 *   ],
 * });
 * for (const outcome of requestOutcomes) {
 *   const path = paths.find((p) => p.state.value === outcome);
 *   console.log(outcome, path?.steps.map((s) => s.event.type).join(' → '));
 * }
 * ```
 */
export const requestOutcomes = ['succeeded', 'failed', 'timedOut', 'cancelled', 'closed'] as const;
/** How a request ended: one of {@link requestOutcomes}. */
export type RequestOutcome = (typeof requestOutcomes)[number];

/**
 * One outbound request: `created → inFlight →` exactly one of the five outcomes, each a final
 * state whose entry settles the caller's promise and releases what the request held. Input: a
 * {@link RequestContext} ({@link requestContextFor}). The dispatcher runs it compiled.
 *
 * @example
 * Run one request with XState, with the write and the answer done by hand:
 * ```ts
 * import { createActor } from 'xstate';
 * import { requestContextFor, requestMachine } from 'mcp-actors/machines';
 *
 * const request = createActor(
 *   requestMachine.provide({
 *     actions: {
 *       write: ({ context }) => console.log(`→ ${context.method}`),
 *       resolve: ({ event }) => console.log('←', event),
 *     },
 *   }),
 *   { input: requestContextFor('tools/list', false) },
 * ).start();
 * request.send({ type: 'send' });
 * request.send({ type: 'result', result: { tools: [] } });
 * console.log(request.getSnapshot().value, request.getSnapshot().status); // 'succeeded' 'done'
 * ```
 */
export const requestMachine = setup({
  // Stryker disable next-line ObjectLiteral: `types` is read by TypeScript only; XState does nothing with it at run time
  types: {
    context: {} as RequestContext,
    input: {} as RequestContext,
    events: {} as RequestEvent,
  },
  actions: {
    /** Write the request to the transport and arm its timers. */
    write: () => {},
    /** Tell the caller about progress. */
    reportProgress: () => {},
    /** Restart the idle timeout (the maximum total time is never restarted). */
    restartIdleTimer: () => {},
    /** Write `notifications/cancelled` naming this request, with the reason. */
    sendCancelled: () => {},
    /** Fulfil the caller's promise with the result. */
    resolve: () => {},
    /** Reject with the peer's JSON-RPC error. */
    rejectWithError: () => {},
    /** Reject with a timeout error (distinct from cancellation). */
    rejectTimedOut: () => {},
    /** Reject with a cancellation error carrying the caller's reason. */
    rejectCancelled: () => {},
    /** Reject with a connection-closed error. */
    rejectClosed: () => {},
    /** Forget the request: its id slot, its progress token, its timers, its abort listener. */
    release: () => {},
  },
  guards: {
    cancellable: ({ context }) => context.cancellable,
    resetsOnProgress: ({ context }) => context.resetTimeoutOnProgress,
  },
}).createMachine({
  id: 'request',
  /** The context is the input. */
  context: ({ input }) => input,
  // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  initial: 'created',
  states: {
    created: {
      description: 'Built but not yet written. An abort here writes nothing.',
      on: {
        send: { target: 'inFlight', actions: 'write' },
        abort: { target: 'cancelled', actions: 'rejectCancelled' },
        closed: { target: 'closed', actions: 'rejectClosed' },
      },
    },
    inFlight: {
      description: 'Written; waiting for exactly one answer.',
      on: {
        result: { target: 'succeeded', actions: 'resolve' },
        error: { target: 'failed', actions: 'rejectWithError' },
        sendFailed: { target: 'failed', actions: 'rejectWithError' },
        progress: [
          { guard: 'resetsOnProgress', actions: ['restartIdleTimer', 'reportProgress'] },
          { actions: 'reportProgress' },
        ],
        // MCP lifecycle (2025-03-26+) §Timeouts: on timeout the sender SHOULD cancel.
        timeout: [
          {
            guard: 'cancellable',
            target: 'timedOut',
            actions: ['sendCancelled', 'rejectTimedOut'],
          },
          { target: 'timedOut', actions: 'rejectTimedOut' },
        ],
        abort: [
          {
            guard: 'cancellable',
            target: 'cancelled',
            actions: ['sendCancelled', 'rejectCancelled'],
          },
          { target: 'cancelled', actions: 'rejectCancelled' },
        ],
        closed: { target: 'closed', actions: 'rejectClosed' },
      },
    },
    succeeded: { type: 'final', entry: 'release' },
    failed: { type: 'final', entry: 'release' },
    timedOut: { type: 'final', entry: 'release' },
    cancelled: { type: 'final', entry: 'release' },
    closed: { type: 'final', entry: 'release' },
  },
});

/** The type of {@link requestMachine}. */
export type RequestMachine = typeof requestMachine;
