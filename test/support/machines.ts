import { transition, initialTransition, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap } from 'xstate/graph';
import {
  connectionMachine,
  dispatcherMachine,
  inboundRequestMachine,
  requestContextFor,
  requestMachine,
  type RequestContext,
} from '../../machines/index.js';

/** One sample event of every type each machine knows, for graph traversal. */
export const requestEvents = [
  { type: 'send' },
  { type: 'result', result: { ok: true } },
  { type: 'error', error: new Error('wire') },
  { type: 'progress', progress: { progressToken: 1, progress: 1 } },
  { type: 'timeout', kind: 'idle' },
  { type: 'timeout', kind: 'total' },
  { type: 'abort', reason: 'stop' },
  { type: 'sendFailed', error: new Error('pipe') },
  { type: 'closed', reason: undefined },
] as const;

export const inboundEvents = [
  { type: 'resolved', result: {} },
  { type: 'rejected', error: new Error('x') },
  { type: 'cancelled', reason: 'server' },
  { type: 'closed', reason: undefined },
] as const;

export const dispatcherEvents = [
  { type: 'start' },
  { type: 'message', message: {} },
  { type: 'exception', error: new Error('bad line') },
  { type: 'transportClosed', reason: undefined },
  { type: 'close', reason: undefined },
] as const;

/** Every event the connection machine reacts to, including the completions of its invoked actors. */
export const connectionEvents = [
  { type: 'connect' },
  { type: 'close' },
  { type: 'transportClosed', reason: undefined },
  {
    type: 'xstate.done.actor.handshake',
    output: { era: 'legacy', protocolVersion: '2025-11-25', initializeResult: {} },
  },
  { type: 'xstate.error.actor.handshake', error: new Error('refused') },
  {
    type: 'xstate.done.actor.discover',
    output: { era: 'modern', protocolVersion: '2026-07-28', discoverResult: {} },
  },
  { type: 'xstate.error.actor.discover', error: new Error('no common version') },
  {
    type: 'xstate.done.actor.probe',
    output: { era: 'modern', protocolVersion: '2026-07-28', discoverResult: {} },
  },
  { type: 'xstate.done.actor.probe', output: { era: 'fallback', why: 'method not found' } },
  { type: 'xstate.error.actor.probe', error: new Error('missing capability') },
  {
    type: 'xstate.done.actor.adopt',
    output: { era: 'modern', protocolVersion: '2026-07-28', discoverResult: {} },
  },
  { type: 'xstate.error.actor.adopt', error: new Error('unsupported pin') },
  { type: 'xstate.done.actor.closeTransport', output: undefined },
  { type: 'xstate.error.actor.closeTransport', error: new Error('close failed') },
] as const;

export const negotiationModes = ['legacy', 'modern', 'auto', 'pinned'] as const;

/** Every combination of the request machine's input that changes its behaviour. */
export const requestInputs: RequestContext[] = [
  requestContextFor('tools/call', false),
  requestContextFor('tools/call', true),
  requestContextFor('initialize', false),
  requestContextFor('initialize', true),
  requestContextFor('server/discover', false),
];

export interface MachineCase {
  readonly name: string;
  readonly machine: AnyStateMachine;
  readonly events: readonly EventObject[];
  readonly inputs: readonly unknown[];
}

export const compiledCases: MachineCase[] = [
  { name: 'request', machine: requestMachine, events: requestEvents, inputs: requestInputs },
  {
    name: 'inboundRequest',
    machine: inboundRequestMachine,
    events: inboundEvents,
    inputs: [{ method: 'sampling/createMessage' }],
  },
  { name: 'dispatcher', machine: dispatcherMachine, events: dispatcherEvents, inputs: [undefined] },
];

export { connectionMachine };

/** The value of a flat machine's snapshot. */
export function valueOf(snapshot: unknown): string {
  return (snapshot as { value: string }).value;
}

/** The names of the actions XState would run, without its built-ins. */
export function actionNames(actions: readonly { type: string }[]): string[] {
  return actions.map((a) => a.type).filter((t) => !t.startsWith('xstate.'));
}

/** Every reachable snapshot of a machine for one input, keyed by state value. */
export function reachable(
  machine: AnyStateMachine,
  events: readonly EventObject[],
  input: unknown,
) {
  const map = getAdjacencyMap(machine, {
    events,
    input,
    serializeState: (s) => valueOf(s),
  });
  return Object.entries(map).map(([key, v]) => ({
    key,
    snapshot: v.state,
    transitions: v.transitions,
  }));
}

/** XState's own step, with the action names it runs. */
export function xstateStep(machine: AnyStateMachine, snapshot: unknown, event: EventObject) {
  const [next, actions] = transition(machine, snapshot as never, event as never);
  return {
    value: valueOf(next),
    status: (next as { status: string }).status,
    actions: actionNames(actions),
  };
}

export function xstateInitial(machine: AnyStateMachine, input: unknown) {
  const [snapshot, actions] = initialTransition(machine, input as never);
  return { snapshot, value: valueOf(snapshot), actions: actionNames(actions) };
}
