import type { InspectionEvent } from 'xstate';
import { describe, expect, it } from 'vitest';
import { connectionMachine, requestMachine } from '../machines/index.js';
import { createClientSession, createInMemoryTransportPair } from '../src/index.js';
import { describeMachine, type StateShape } from '../src/inspector/machine-shape.js';
import { RecordBuilder, type InspectorRecord } from '../src/inspector/records.js';
import { Sequences } from '../src/inspector/page/sequence.js';
import { stepsBetween, Tracker, EVENTS_HEAD, EVENTS_TAIL } from '../src/inspector/page/trace.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';

/**
 * What the inspector page reads back from the records to trace a path on a statechart: the
 * transitions taken between two snapshots, and the events of each actor with their times. (The
 * drawing itself is tested in Chromium: test/inspector-browser.test.ts.)
 */

const connection = describeMachine(connectionMachine);
const request = describeMachine(requestMachine);

/** The key of the transition of `state` on `event` (to `target`, when given). */
function keyOf(shape: StateShape, state: string, event: string, target?: string): string {
  const find = (s: StateShape): StateShape | undefined =>
    s.id === state ? s : s.states.map(find).find((x) => x !== undefined);
  const s = find(shape);
  const i =
    s?.transitions.findIndex(
      (t) => t.event === event && (target === undefined || t.targets.includes(target)),
    ) ?? -1;
  if (s === undefined || i < 0) throw new Error(`no ${event} from ${state}`);
  return `${state}#${i}`;
}

describe('stepsBetween', () => {
  it('enters the machine by its initial step', () => {
    expect(
      stepsBetween(connection, new Set(), new Set(['connection.preconnect']), 'xstate.init'),
    ).toEqual(['connection#initial']);
    // A page that opened late sees a later state first: no step is made up.
    expect(stepsBetween(connection, new Set(), new Set(['connection.ready']), 'result')).toEqual(
      [],
    );
  });

  it('follows an event into a compound state, its initial step, then the eventless step taken', () => {
    const steps = stepsBetween(
      connection,
      new Set(['connection.preconnect']),
      new Set(['connection.initializing', 'connection.initializing.handshaking']),
      'connect',
    );
    expect(steps).toEqual([
      keyOf(connection, 'connection.preconnect', 'connect'),
      'connection.initializing#initial',
      // The unguarded `always` (legacy mode), not the guarded ones.
      keyOf(
        connection,
        'connection.initializing.choosing',
        '(always)',
        'connection.initializing.handshaking',
      ),
    ]);
  });

  it('takes the transition of the deepest state, and picks among guards by where it led', () => {
    const before = new Set(['connection.initializing', 'connection.initializing.probing']);
    expect(
      stepsBetween(connection, before, new Set(['connection.ready']), 'xstate.done.actor.probe'),
    ).toEqual([
      keyOf(
        connection,
        'connection.initializing.probing',
        'xstate.done.actor.probe',
        'connection.ready',
      ),
    ]);
    expect(
      stepsBetween(
        connection,
        before,
        new Set(['connection.initializing', 'connection.initializing.handshaking']),
        'xstate.done.actor.probe',
      ),
    ).toEqual([
      keyOf(
        connection,
        'connection.initializing.probing',
        'xstate.done.actor.probe',
        'connection.initializing.handshaking',
      ),
    ]);
    // An ancestor's transition when the state itself has none for the event.
    expect(stepsBetween(connection, before, new Set(['connection.closing']), 'close')).toEqual([
      keyOf(connection, 'connection.initializing', 'close'),
    ]);
  });

  it('gives a transition that stays, and both of two that differ only by guard', () => {
    const inFlight = new Set(['request.inFlight']);
    expect(stepsBetween(request, inFlight, inFlight, 'progress')).toEqual([
      'request.inFlight#3',
      'request.inFlight#4',
    ]);
    expect(request.states.find((s) => s.key === 'inFlight')?.transitions[3]).toMatchObject({
      event: 'progress',
      targets: [],
    });
    expect(stepsBetween(request, inFlight, new Set(['request.succeeded']), 'result')).toEqual([
      keyOf(request, 'request.inFlight', 'result'),
    ]);
    // An event that changed nothing and has no transition: no step.
    expect(stepsBetween(request, inFlight, inFlight, 'unknown')).toEqual([]);
  });
});

describe('Tracker', () => {
  it('traces a live session: the path of each actor, its events with their times and states', async () => {
    const records: InspectorRecord[] = [];
    let t = 1000;
    const builder = new RecordBuilder('s1', () => (t += 5));
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, { handlers: { 'tools/call': () => ({ content: [] }) } });
    const session = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: (e: InspectionEvent) => records.push(...builder.records(e)),
    });
    await session.connect();
    await session.callTool('echo', {});
    await session.close();

    const tracker = new Tracker();
    tracker.reset({ connection, request });
    for (const r of records) tracker.apply(r);

    const c = tracker.trace('s1', 'connection');
    expect(c?.active).toEqual(new Set(['connection.closed']));
    expect(c?.steps.slice(0, 5)).toEqual([
      'connection#initial',
      keyOf(connection, 'connection.preconnect', 'connect'),
      'connection.initializing#initial',
      keyOf(
        connection,
        'connection.initializing.choosing',
        '(always)',
        'connection.initializing.handshaking',
      ),
      keyOf(connection, 'connection.initializing.handshaking', 'xstate.done.actor.handshake'),
    ]);
    expect(c?.steps[5]).toBe(keyOf(connection, 'connection.ready', 'close'));
    expect(c?.visited).toContain('connection.initializing.handshaking');

    // The call is request:1 (the handshake's initialize is request:0).
    const call = tracker.trace('s1', 'request:1');
    expect(call).toMatchObject({ machine: 'request', method: 'tools/call', status: 'done' });
    expect(call?.steps).toEqual([
      'request#initial',
      keyOf(request, 'request.created', 'send'),
      keyOf(request, 'request.inFlight', 'result'),
    ]);
    expect(call?.events.map((e) => [e.type, e.state])).toEqual([
      ['xstate.init', 'created'],
      ['send', 'inFlight'],
      ['result', 'succeeded'],
    ]);
    const times = call?.events.map((e) => e.t) ?? [];
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(call?.ended).toBeGreaterThanOrEqual(times[times.length - 1] ?? Infinity);
    // Machines the page was not given are not traced.
    expect(tracker.trace('s1', 'dispatcher')).toBeUndefined();
  });

  it('gives an event its state after, when an event its handler caused was traced in between', async () => {
    // A caller that cancels from its progress callback: the abort is received, and its
    // snapshot reported, before the snapshot of the progress that caused it.
    const records: InspectorRecord[] = [];
    let t = 1000;
    const builder = new RecordBuilder('s1', () => (t += 5));
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, {
      handlers: {
        'tools/call': (_params, call) => {
          const token = (_params?.['_meta'] as { progressToken?: unknown } | undefined)
            ?.progressToken;
          call.notify('notifications/progress', { progressToken: token, progress: 1, total: 4 });
          return NO_RESPONSE;
        },
      },
    });
    const session = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: (e: InspectionEvent) => records.push(...builder.records(e)),
    });
    await session.connect();
    const controller = new AbortController();
    await expect(
      session.callTool(
        'slow',
        {},
        { signal: controller.signal, onProgress: () => controller.abort('enough') },
      ),
    ).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await session.close();

    const tracker = new Tracker();
    tracker.reset({ request });
    for (const r of records) tracker.apply(r);
    const call = tracker.trace('s1', 'request:1');
    expect(call?.active).toEqual(new Set(['request.cancelled']));
    // One row per event received, each with its payload and the state it left.
    expect(call?.events.map((e) => [e.type, e.detail, e.state])).toEqual([
      ['xstate.init', '', 'created'],
      ['send', '', 'inFlight'],
      ['progress', '1/4', 'cancelled'],
      ['abort', 'enough', 'cancelled'],
    ]);
  });

  it('keeps the first and the latest events of a long-lived actor', () => {
    const tracker = new Tracker();
    tracker.reset({ request });
    const base = { session: 's1', actor: 'request:1' } as const;
    tracker.apply({ kind: 'actor', ...base, t: 0, parent: 'dispatcher', machine: 'request' });
    const total = EVENTS_HEAD + EVENTS_TAIL + 50;
    for (let i = 0; i < total; i++) {
      tracker.apply({
        kind: 'event',
        ...base,
        t: i,
        event: { type: 'progress', progress: { progress: i, total } },
      });
    }
    const trace = tracker.trace('s1', 'request:1');
    expect(trace?.events).toHaveLength(EVENTS_HEAD + EVENTS_TAIL);
    expect(trace?.eventsCut).toBe(50);
    expect(trace?.events[0]?.detail).toBe(`0/${total}`);
    expect(trace?.events[EVENTS_HEAD]?.detail).toBe(`${EVENTS_HEAD + 50}/${total}`);
    expect(trace?.events.at(-1)?.detail).toBe(`${total - 1}/${total}`);
  });
});

describe('Sequences', () => {
  it('names each message by its method and id, and a response by its request, with the time it took', () => {
    const sequences = new Sequences();
    const message = (t: number, direction: 'in' | 'out', m: Record<string, unknown>) =>
      sequences.apply({ kind: 'message', session: 's1', t, direction, message: m as never });
    message(0, 'out', { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo' } });
    message(4, 'in', {
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progress: 1, total: 3 },
    });
    message(12, 'in', { jsonrpc: '2.0', id: 1, result: {} });
    message(20, 'out', { jsonrpc: '2.0', id: 2, method: 'nope' });
    message(21, 'in', { jsonrpc: '2.0', id: 2, error: { code: -32601, message: 'no' } });
    const { messages, count } = sequences.of('s1');
    expect(count).toBe(5);
    expect(messages.map((m) => [m.direction, m.kind, m.label])).toEqual([
      ['out', 'request', 'tools/call echo #1'],
      ['in', 'notification', 'notifications/progress 1/3'],
      ['in', 'result', 'result #1 of tools/call · 12 ms'],
      ['out', 'request', 'nope #2'],
      ['in', 'error', 'error -32601 #2 of nope · 1 ms'],
    ]);
  });
});
