import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { NO_RESPONSE } from '../src/testing/index.js';
import { flush, harness } from './support/harness.js';

interface Ref {
  id?: string;
  sessionId: string;
  _parent?: Ref;
}

function idOf(e: InspectionEvent): string {
  const ref = e.actorRef as unknown as Ref;
  return ref.id ?? ref.sessionId;
}

/** The state values each actor went through, by actor id. */
function valuesByActor(events: readonly InspectionEvent[]): Map<string, unknown[]> {
  const out = new Map<string, unknown[]>();
  for (const e of events) {
    if (e.type !== '@xstate.snapshot') continue;
    const raw = (e.snapshot as { value?: unknown }).value;
    if (raw === undefined) continue;
    const value = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const list = out.get(idOf(e)) ?? [];
    if (list[list.length - 1] !== value) list.push(value);
    out.set(idOf(e), list);
  }
  return out;
}

describe('inspection', () => {
  it('shows the connection, the dispatcher and every request as actors with their state changes', async () => {
    const events: InspectionEvent[] = [];
    const { session, server } = harness(
      { inspect: (e) => events.push(e) },
      { handlers: { 'tools/call': () => ({ content: [] }), 'tools/hang': () => NO_RESPONSE } },
    );
    await session.connect();
    await session.request('tools/call', { name: 'x' });
    const controller = new AbortController();
    const hanging = session.request('tools/hang', {}, { signal: controller.signal });
    await flush();
    controller.abort('enough');
    await expect(hanging).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await server.request('ping');
    await session.close();

    const root = session.actor.sessionId;
    expect(events.every((e) => e.rootId === root)).toBe(true);

    const registered = events.filter((e) => e.type === '@xstate.actor').map(idOf);
    expect(registered).toEqual(
      expect.arrayContaining([
        root,
        'dispatcher',
        'request:0',
        'request:1',
        'request:2',
        'inbound:1000',
      ]),
    );

    const values = valuesByActor(events);
    expect(values.get(root)).toEqual([
      'preconnect',
      '{"initializing":"handshaking"}',
      'ready',
      'closing',
      'closed',
    ]);
    expect(values.get('dispatcher')).toEqual(['idle', 'open', 'closed']);
    expect(values.get('request:0')).toEqual(['created', 'inFlight', 'succeeded']); // initialize
    expect(values.get('request:1')).toEqual(['created', 'inFlight', 'succeeded']);
    expect(values.get('request:2')).toEqual(['created', 'inFlight', 'cancelled']);
    expect(values.get('inbound:1000')).toEqual(['handling', 'responded']);

    // Parentage: requests under the dispatcher, the dispatcher under the connection.
    const refOf = (id: string) =>
      events.find((e) => e.type === '@xstate.actor' && idOf(e) === id)?.actorRef as unknown as Ref;
    expect(refOf('request:1')._parent?.id).toBe('dispatcher');
    expect(refOf('dispatcher')._parent?.sessionId).toBe(root);

    // Events name what happened to the request: the response, the abort.
    const requestEvents = events
      .filter((e) => e.type === '@xstate.event' && idOf(e) === 'request:2')
      .map((e) => (e as { event: { type: string } }).event.type);
    expect(requestEvents).toEqual(['send', 'abort']);
  });
});
