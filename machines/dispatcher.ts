import { setup } from 'xstate';

/**
 * The dispatcher: the parent of every request actor. It owns the receive loop and request
 * correlation. Transport events arrive as events and are routed:
 * - a response to the request actor with that id;
 * - `notifications/progress` to the request that owns the token;
 * - `notifications/cancelled` to the inbound request it names;
 * - a server request to a new inbound-request actor;
 * - any other notification to the session's handler;
 * - a stream exception to the session's message handler.
 * It never throws on bad input; what it cannot route becomes a diagnostic.
 */
export type DispatcherEvent =
  | { type: 'start' }
  | { type: 'message'; message: unknown }
  | { type: 'exception'; error: unknown }
  | { type: 'transportClosed'; reason: unknown }
  | { type: 'close'; reason: unknown };

/** The types of {@link DispatcherEvent}. */
export type DispatcherEventType = DispatcherEvent['type'];

/**
 * Every {@link DispatcherEventType}.
 *
 * @example
 * What each event does to an open dispatcher, with XState's pure transition functions:
 * ```ts
 * import { initialTransition, transition } from 'xstate';
 * import {
 *   dispatcherEventTypes,
 *   dispatcherMachine,
 *   type DispatcherEvent,
 * } from 'mcp-actors/machines';
 *
 * const [idle] = initialTransition(dispatcherMachine);
 * const [open] = transition(dispatcherMachine, idle, { type: 'start' });
 * for (const type of dispatcherEventTypes) {
 *   const [next, actions] = transition(dispatcherMachine, open, { type } as DispatcherEvent);
 *   console.log(`${type} → ${String(next.value)}:`, actions.map((a) => a.type).join(', '));
 * }
 * ```
 */
export const dispatcherEventTypes: readonly DispatcherEventType[] = [
  'start',
  'message',
  'exception',
  'transportClosed',
  'close',
];

/**
 * The dispatcher machine: `idle → open → closed`; in `open` it routes each transport message (its
 * actions are placeholders the dispatcher implements). The dispatcher runs it compiled.
 *
 * @example
 * Run it with XState, giving the actions a log:
 * ```ts
 * import { createActor } from 'xstate';
 * import { dispatcherMachine } from 'mcp-actors/machines';
 *
 * const log: string[] = [];
 * const dispatcher = createActor(
 *   dispatcherMachine.provide({
 *     actions: {
 *       startTransport: () => void log.push('start the transport'),
 *       route: ({ event }) => void log.push(`route ${JSON.stringify(event)}`),
 *       closeChildren: () => void log.push('close every request'),
 *     },
 *   }),
 * ).start();
 * dispatcher.send({ type: 'start' });
 * const message = { jsonrpc: '2.0', method: 'notifications/tools/list_changed' };
 * dispatcher.send({ type: 'message', message });
 * dispatcher.send({ type: 'transportClosed', reason: new Error('server gone') });
 * console.log(dispatcher.getSnapshot().value, log); // 'closed', then the three steps
 * ```
 */
export const dispatcherMachine = setup({
  // Stryker disable next-line ObjectLiteral: `types` is read by TypeScript only; XState does nothing with it at run time
  types: {
    events: {} as DispatcherEvent,
  },
  actions: {
    /** Start the transport's delivery. */
    startTransport: () => {},
    /** Classify a message and send it to the actor that owns it. */
    route: () => {},
    /** Hand a stream exception to the session's message handler. */
    reportException: () => {},
    /** Report a message that arrived after the dispatcher closed. */
    reportLate: () => {},
    /** Send `closed` to every request actor, inbound and outbound, and clear the timer. */
    closeChildren: () => {},
    /** Close the transport. */
    closeTransport: () => {},
    /** Tell the listeners that the dispatcher closed. */
    announceClosed: () => {},
  },
}).createMachine({
  id: 'dispatcher',
  // Stryker disable next-line StringLiteral: a false survivor: without an initial state the machine throws while its module loads, so no test file that imports it loads, no test runs, and StrykerJS counts that as survived (docs/testing.md)
  initial: 'idle',
  states: {
    idle: {
      description: 'Built; the transport is not started. Requests are refused.',
      on: {
        start: { target: 'open', actions: 'startTransport' },
        close: { target: 'closed', actions: ['closeChildren', 'closeTransport', 'announceClosed'] },
        // No transport events here: the transport delivers nothing before it is started.
      },
    },
    open: {
      on: {
        message: { actions: 'route' },
        exception: { actions: 'reportException' },
        close: { target: 'closed', actions: ['closeChildren', 'closeTransport', 'announceClosed'] },
        transportClosed: { target: 'closed', actions: ['closeChildren', 'announceClosed'] },
      },
    },
    closed: {
      description: 'Terminal. Not a final state, so that a late message can still be reported.',
      on: {
        message: { actions: 'reportLate' },
      },
    },
  },
});

/** The type of {@link dispatcherMachine}. */
export type DispatcherMachine = typeof dispatcherMachine;
