import { beforeEach, describe, expect, it } from 'vitest';
import {
  createActor,
  fromCallback,
  fromPromise,
  initialTransition,
  transition,
  type AnyStateMachine,
} from 'xstate';
import {
  backoffDelay,
  DEFAULT_GROUP_RESTART_POLICY,
  groupServerMachine,
  sessionGroupMachine,
} from '../machines/index.js';
import { flush } from './support/harness.js';

/**
 * Model checks of the session group's statecharts (machines/session-group.ts): every state
 * reachable with a small restart budget, explored with XState's pure `transition` over every
 * event that can arrive, and the properties the group relies on checked on every edge.
 */

type EventObject = { readonly type: string } & Readonly<Record<string, unknown>>;
type Snapshot = { value: string; status: string; context: Record<string, unknown> };

interface Edge {
  readonly from: Snapshot;
  readonly event: EventObject;
  readonly to: Snapshot;
}

/** Breadth-first exploration of a machine's reachable snapshots, by key. */
function explore(
  machine: AnyStateMachine,
  input: unknown,
  events: (s: Snapshot) => readonly EventObject[],
  key: (s: Snapshot) => string,
): { states: Snapshot[]; edges: Edge[] } {
  const [initial] = initialTransition(machine, input as never) as unknown as [Snapshot];
  const seen = new Map<string, Snapshot>([[key(initial), initial]]);
  const queue = [initial];
  const edges: Edge[] = [];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    if (s.status !== 'active') continue;
    for (const event of events(s)) {
      const [to] = transition(machine, s as never, event as never) as unknown as [Snapshot];
      edges.push({ from: s, event, to });
      if (!seen.has(key(to))) {
        seen.set(key(to), to);
        queue.push(to);
      }
    }
  }
  return { states: [...seen.values()], edges };
}

/** From every state, one in `targets` can be reached. */
function alwaysReaches(
  states: readonly Snapshot[],
  edges: readonly Edge[],
  key: (s: Snapshot) => string,
  targets: (s: Snapshot) => boolean,
): string[] {
  const good = new Set(states.filter(targets).map(key));
  for (let grew = true; grew;) {
    grew = false;
    for (const e of edges) {
      if (!good.has(key(e.from)) && good.has(key(e.to))) {
        good.add(key(e.from));
        grew = true;
      }
    }
  }
  return states.map(key).filter((k) => !good.has(k));
}

const policy = { ...DEFAULT_GROUP_RESTART_POLICY, maxRestarts: 2, window: 1_000, jitter: 0 };
const TIMES = [0, 500, 5_000];
const error = new Error('gone');

const serverKey = (s: Snapshot) =>
  JSON.stringify([s.value, s.context['restarts'], s.context['attempt'], s.context['retryAt']]);

function serverEvents(): EventObject[] {
  return [
    { type: 'connected' },
    ...TIMES.map((at) => ({ type: 'connectFailed', error, at })),
    ...TIMES.map((at) => ({ type: 'dropped', error, at })),
    { type: 'restart' },
    { type: 'close' },
    { type: 'xstate.after.backoff.groupServer.reconnecting' },
    { type: 'xstate.done.actor.0.groupServer.closing', output: undefined },
    { type: 'xstate.error.actor.0.groupServer.closing', error },
  ];
}

describe('group server machine', () => {
  const { states, edges } = explore(
    groupServerMachine,
    { name: 's', policy },
    serverEvents,
    serverKey,
  );
  const recent = (s: Snapshot, at: number) =>
    (s.context['restarts'] as number[]).filter((t) => at - t < policy.window).length;

  it('reaches every state', () => {
    expect([...new Set(states.map((s) => s.value))].sort()).toEqual(
      ['closed', 'closing', 'connecting', 'failed', 'ready', 'reconnecting'].sort(),
    );
  });

  it('restarts a failure while the budget allows, and fails once it is spent', () => {
    const failures = edges.filter(
      (e) =>
        (e.from.value === 'connecting' && e.event.type === 'connectFailed') ||
        (e.from.value === 'ready' && e.event.type === 'dropped'),
    );
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.some((e) => e.to.value === 'failed')).toBe(true);
    for (const e of failures) {
      const at = e.event['at'] as number;
      const allowed = recent(e.from, at) < policy.maxRestarts;
      expect(e.to.value).toBe(allowed ? 'reconnecting' : 'failed');
      expect(e.to.context['error']).toBe(error);
      if (allowed) {
        expect(e.to.context['restarts']).toEqual([
          ...(e.from.context['restarts'] as number[]).filter((t) => at - t < policy.window),
          at,
        ]);
        const delay = backoffDelay(policy, e.from.context['attempt'] as number, 1);
        expect(e.to.context['delay']).toBe(delay);
        expect(e.to.context['retryAt']).toBe(at + delay);
      }
    }
  });

  it('ignores the failure events of other states, and what a state does not take', () => {
    for (const e of edges) {
      const takes =
        e.event.type === 'close' ||
        (e.from.value === 'connecting' && ['connected', 'connectFailed'].includes(e.event.type)) ||
        (e.from.value === 'ready' && e.event.type === 'dropped') ||
        (e.from.value === 'reconnecting' && e.event.type.startsWith('xstate.after.')) ||
        (e.from.value === 'failed' && e.event.type === 'restart') ||
        (e.from.value === 'closing' && e.event.type.startsWith('xstate.'));
      if (!takes) expect(serverKey(e.to)).toBe(serverKey(e.from));
    }
  });

  it('leaves failed only on restart (with a fresh budget) or close', () => {
    const out = edges.filter((e) => e.from.value === 'failed' && e.to.value !== 'failed');
    expect(out.map((e) => e.event.type).sort()).toEqual(
      expect.arrayContaining(['close', 'restart']),
    );
    for (const e of out) {
      expect(['restart', 'close']).toContain(e.event.type);
      if (e.event.type === 'restart') {
        expect(e.to.value).toBe('connecting');
        expect(e.to.context).toMatchObject({ restarts: [], attempt: 0, error: undefined });
      }
    }
  });

  it('tries again once the backoff delay is over', () => {
    const waits = edges.filter(
      (e) => e.from.value === 'reconnecting' && e.event.type.startsWith('xstate.after.'),
    );
    expect(waits.length).toBeGreaterThan(0);
    for (const e of waits) expect(e.to.value).toBe('connecting');
  });

  it('starts the backoff over once connected', () => {
    for (const e of edges.filter(
      (x) => x.event.type === 'connected' && x.from.value === 'connecting',
    )) {
      expect(e.to.value).toBe('ready');
      expect(e.to.context).toMatchObject({ attempt: 0, error: undefined, retryAt: undefined });
    }
  });

  it('closes from every state, and can always end closed', () => {
    for (const e of edges.filter((x) => x.event.type === 'close')) {
      expect(e.to.value).toBe('closing');
    }
    // Closing the session ends in closed, whether it succeeded or failed.
    const closings = edges.filter(
      (e) => e.from.value === 'closing' && /^xstate\.(done|error)\.actor\./.test(e.event.type),
    );
    expect([...new Set(closings.map((e) => e.event.type))].sort()).toEqual([
      'xstate.done.actor.0.groupServer.closing',
      'xstate.error.actor.0.groupServer.closing',
    ]);
    for (const e of closings) expect(e.to.value, e.event.type).toBe('closed');
    expect(alwaysReaches(states, edges, serverKey, (s) => s.value === 'closed')).toEqual([]);
  });
});

describe('group server machine, run', () => {
  it('on its own (nothing provided), waits in connecting and closes at once', async () => {
    const server = createActor(groupServerMachine, { input: { name: 's', policy } }).start();
    expect(server.getSnapshot().value).toBe('connecting');
    server.send({ type: 'close' });
    await flush();
    expect(server.getSnapshot()).toMatchObject({ value: 'closed', status: 'done' });
  });

  it('closes its session once, however often it is asked to close', async () => {
    const closing: string[] = [];
    const server = createActor(
      groupServerMachine.provide({
        actors: {
          connect: fromCallback(() => {}),
          closeSession: fromPromise(({ input }) => {
            closing.push(input.name);
            return new Promise<never>(() => {});
          }),
        },
      }),
      { input: { name: 's', policy } },
    ).start();
    server.send({ type: 'close' });
    server.send({ type: 'close' });
    await flush();
    expect({ value: server.getSnapshot().value, closing }).toEqual({
      value: 'closing',
      closing: ['s'],
    });
    server.stop();
  });
});

const groupKey = (s: Snapshot) =>
  JSON.stringify([s.value, s.context['servers'], s.context['removing']]);

function groupEvents(): EventObject[] {
  return [
    ...['a', 'b'].flatMap((name) => [
      { type: 'add', name, policy },
      { type: 'remove', name },
      { type: 'restart', name },
      { type: `xstate.done.actor.${name}`, actorId: name, output: undefined },
    ]),
    { type: 'close' },
  ];
}

describe('session group machine', () => {
  let states: Snapshot[] = [];
  let edges: Edge[] = [];
  // Explored within each test: a machine that throws on some event fails the tests, not the file.
  beforeEach(() => {
    ({ states, edges } = explore(sessionGroupMachine, undefined, groupEvents, groupKey));
  });
  const servers = (s: Snapshot) => s.context['servers'] as string[];
  const removing = (s: Snapshot) => s.context['removing'] as string[];

  it('reaches every state, with any set of servers', () => {
    expect([...new Set(states.map((s) => s.value))].sort()).toEqual(['closed', 'closing', 'open']);
    const sets = new Set(states.map((s) => JSON.stringify([...servers(s)].sort())));
    expect([...sets].sort()).toEqual(['["a","b"]', '["a"]', '["b"]', '[]']);
  });

  it('starts open, with no server and none being removed', () => {
    const [initial] = initialTransition(sessionGroupMachine);
    expect({ value: initial.value, context: initial.context }).toEqual({
      value: 'open',
      context: { servers: [], removing: [] },
    });
  });

  it('removes or restarts only a server in the group and not already being removed', () => {
    const checked = edges.filter((x) => x.event.type === 'remove' || x.event.type === 'restart');
    expect(checked.length).toBeGreaterThan(0);
    for (const e of checked) {
      const name = e.event['name'] as string;
      const present =
        e.from.value === 'open' &&
        servers(e.from).includes(name) &&
        !removing(e.from).includes(name);
      expect(servers(e.to)).toEqual(servers(e.from));
      expect(removing(e.to)).toEqual(
        present && e.event.type === 'remove' ? [...removing(e.from), name] : removing(e.from),
      );
    }
  });

  it('adds a name once, and only while open', () => {
    for (const e of edges.filter((x) => x.event.type === 'add')) {
      const name = e.event['name'] as string;
      const fresh = e.from.value === 'open' && !servers(e.from).includes(name);
      expect(servers(e.to)).toEqual(fresh ? [...servers(e.from), name] : servers(e.from));
    }
  });

  it('forgets a server only once it has closed', () => {
    for (const e of edges) {
      const lost = servers(e.from).filter((n) => !servers(e.to).includes(n));
      if (lost.length > 0) expect(e.event).toMatchObject({ type: `xstate.done.actor.${lost[0]}` });
    }
  });

  it('once a server has closed, lists it neither among its servers nor among those being removed', () => {
    const done = edges.filter((x) => x.event.type.startsWith('xstate.done.actor.'));
    // Among them, one server closing while another is being removed too.
    expect(done.some((e) => removing(e.from).length === 2)).toBe(true);
    for (const e of done) {
      const name = e.event['actorId'] as string;
      expect(servers(e.to)).toEqual(servers(e.from).filter((n) => n !== name));
      expect(removing(e.to)).toEqual(removing(e.from).filter((n) => n !== name));
    }
  });

  it('ends closed only when every server has closed, and can always get there', () => {
    for (const e of edges.filter((x) => x.to.value === 'closed')) {
      expect(servers(e.to)).toEqual([]);
    }
    const closing = edges.filter((e) => e.from.value === 'closing' && servers(e.from).length > 0);
    for (const e of closing.filter(
      (x) => x.event.type !== 'xstate.done.actor.' + servers(x.from)[0],
    )) {
      if (!e.event.type.startsWith('xstate.done.')) expect(e.to.value).toBe('closing');
    }
    expect(alwaysReaches(states, edges, groupKey, (s) => s.value === 'closed')).toEqual([]);
  });
});
