import { describe, expect, it } from 'vitest';
import {
  createSessionGroup,
  InvalidArgumentError,
  ServerUnavailableError,
  UnknownGroupEntryError,
  type GroupEvent,
  type SessionGroupOptions,
} from '../src/index.js';
import { steppingClock } from './support/clock.js';
import { fake, next, status, toolsSatisfy, type Fake } from './support/group.js';
import { flush } from './support/harness.js';

/** A group on a stepping clock, recording its events. */
function group(servers: Record<string, Fake>, options: SessionGroupOptions = {}) {
  const clock = steppingClock();
  const g = createSessionGroup({
    clock,
    random: () => 0.5,
    ...options,
    servers: Object.fromEntries(Object.entries(servers).map(([name, f]) => [name, f.spec])),
  });
  const events: GroupEvent[] = [];
  g.on((e) => events.push(e));
  const statuses = (server: string) =>
    events.flatMap((e) => (e.type === 'status' && e.server === server ? [e.state.status] : []));
  return { group: g, clock, events, statuses };
}

const names = (list: readonly { name: string }[]) => list.map((e) => e.name).sort();

describe('session group: connecting', () => {
  it('connects servers concurrently: one hangs, one fails, the others are ready and callable', async () => {
    const a = fake({ tools: ['x', 'y'] });
    const hung = fake({ tools: ['x'], connect: 'hang' });
    const broken = fake({ tools: ['x'], connect: 'fail' });
    const d = fake({ tools: ['z'], modern: true });
    const { group: g, clock } = group({ a, hung, broken, d });
    await Promise.all([status(g, 'a', 'ready'), status(g, 'd', 'ready')]);
    await status(g, 'broken', 'reconnecting');
    expect(g.server('hung')?.status).toBe('connecting');
    expect(names(g.tools())).toEqual(['a_x', 'a_y', 'd_z']);
    await expect(g.callTool('a_y', {})).resolves.toMatchObject({
      content: [{ type: 'text', text: 'called y' }],
    });
    await expect(g.callTool('d_z')).resolves.toMatchObject({ content: [{ text: 'called z' }] });
    // Calls to the others fail at once, naming the server and its status.
    await expect(g.callTool('hung_x')).rejects.toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      server: 'hung',
      status: 'connecting',
    });
    await expect(g.callTool('broken_x')).rejects.toBeInstanceOf(ServerUnavailableError);
    await expect(g.callTool('broken_x')).rejects.toMatchObject({
      server: 'broken',
      status: 'reconnecting',
      message: expect.stringContaining('the server is broken') as unknown,
    });
    await g.close();
    expect(g.servers()).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('ready() waits for every first attempt, ready or not; lists every page', async () => {
    const a = fake({
      tools: ['t1', 't2', 't3'],
      prompts: ['p1', 'p2'],
      resources: ['file:///r1', 'file:///r2'],
      templates: ['file:///{name}'],
    });
    const broken = fake({ connect: 'fail' });
    const { group: g } = group({ a, broken });
    const states = await g.ready();
    expect(states.map((s) => [s.name, s.status])).toEqual([
      ['a', 'ready'],
      ['broken', 'reconnecting'],
    ]);
    expect(names(g.tools())).toEqual(['a_t1', 'a_t2', 'a_t3']);
    expect(names(g.prompts())).toEqual(['a_p1', 'a_p2']);
    expect(g.resources().map((r) => r.uri)).toEqual(['file:///r1', 'file:///r2']);
    expect(g.resourceTemplates()).toMatchObject([
      { uriTemplate: 'file:///{name}', origin: { server: 'a', original: 'file:///{name}' } },
    ]);
    expect(g.session('a')?.state).toBe('ready');
    expect(g.session('broken')).toBeUndefined();
    await g.close();
  });

  it('counts no restart for a server ready at its first attempt', async () => {
    const { group: g } = group({ a: fake({ tools: ['x'] }) });
    await expect(g.ready()).resolves.toMatchObject([{ name: 'a', status: 'ready', restarts: 0 }]);
    expect(g.server('a')).toMatchObject({ status: 'ready', restarts: 0 });
    await g.close();
  });
});

describe('session group: naming', () => {
  it('prefixes by server name by default, with the origin of every entry', async () => {
    const { group: g } = group({ one: fake({ tools: ['echo'] }), two: fake({ tools: ['echo'] }) });
    await g.ready();
    expect(g.tools().map((t) => [t.name, t.origin])).toEqual([
      ['one_echo', { server: 'one', original: 'echo' }],
      ['two_echo', { server: 'two', original: 'echo' }],
    ]);
    expect(g.aggregate().collisions).toEqual([]);
    await g.close();
  });

  it('takes a separator for the prefix', async () => {
    const { group: g } = group({ one: fake({ prompts: ['hi'] }) }, { separator: '.' });
    await g.ready();
    expect(names(g.prompts())).toEqual(['one.hi']);
    await g.close();
  });

  it('refuse: keeps names, leaves out and reports each collision', async () => {
    const one = fake({ tools: ['echo', 'add'], resources: ['file:///same', 'file:///one'] });
    const two = fake({ tools: ['echo', 'mul'], resources: ['file:///same'] });
    const { group: g } = group({ one, two }, { naming: 'refuse' });
    await g.ready();
    expect(names(g.tools())).toEqual(['add', 'mul']);
    expect(g.resources().map((r) => r.uri)).toEqual(['file:///one']);
    expect(g.aggregate().collisions).toEqual([
      { kind: 'tool', name: 'echo', servers: ['one', 'two'] },
      { kind: 'resource', name: 'file:///same', servers: ['one', 'two'] },
    ]);
    await expect(g.callTool('echo')).rejects.toMatchObject({
      code: 'UNKNOWN_GROUP_ENTRY',
      kind: 'tool',
      entry: 'echo',
    });
    await g.callTool('mul');
    expect(two.calls).toEqual(['tools/call mul']);
    await g.close();
  });

  it('a naming function names every entry; a name it gives twice is a collision', async () => {
    const one = fake({ tools: ['read', 'write'] });
    const two = fake({ tools: ['read'] });
    const { group: g } = group(
      { one, two },
      { naming: ({ server, name }) => (name === 'read' ? 'read' : `${name}@${server}`) },
    );
    await g.ready();
    expect(names(g.tools())).toEqual(['write@one']);
    expect(g.aggregate().collisions).toEqual([
      { kind: 'tool', name: 'read', servers: ['one', 'two'] },
    ]);
    await g.callTool('write@one');
    expect(one.calls).toEqual(['tools/call write']);
    await g.close();
  });
});

describe('session group: routing', () => {
  it('routes tools, prompts and resources (listed or by template) to their server', async () => {
    const a = fake({ tools: ['x'], prompts: ['greet'], resources: ['file:///a.txt'] });
    const b = fake({
      tools: ['x'],
      templates: ['db://{table}/rows{?limit}'],
      resources: ['file:///a.txt'],
    });
    const { group: g } = group({ a, b });
    await g.ready();
    await g.callTool('b_x', { n: 1 });
    await g.getPrompt('a_greet', { who: 'you' });
    await expect(g.readResource('db://users/rows?limit=3')).resolves.toMatchObject({
      contents: [{ uri: 'db://users/rows?limit=3' }],
    });
    await g.readResource('file:///a.txt');
    await g.readResource('file:///a.txt', { server: 'b' });
    expect(a.calls).toEqual(['prompts/get greet', 'resources/read file:///a.txt']);
    expect(b.calls).toEqual([
      'tools/call x',
      'resources/read db://users/rows?limit=3',
      'resources/read file:///a.txt',
    ]);
    await g.close();
  });

  it('an unknown name or URI is a typed error; an unknown server an invalid argument', async () => {
    expect.assertions(4);
    const { group: g } = group({ a: fake({ tools: ['x'], templates: ['db://{table}'] }) });
    await g.ready();
    await expect(g.callTool('a_nope')).rejects.toBeInstanceOf(UnknownGroupEntryError);
    await expect(g.getPrompt('zzz')).rejects.toMatchObject({
      code: 'UNKNOWN_GROUP_ENTRY',
      kind: 'prompt',
    });
    await expect(g.readResource('db://a/b')).rejects.toMatchObject({
      kind: 'resource',
      entry: 'db://a/b',
    });
    await expect(g.readResource('db://a', { server: 'nobody' })).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await g.close();
  });
});

describe('session group: list changes', () => {
  it('re-lists a kind on its list_changed (handshake revision)', async () => {
    const a = fake({ tools: ['x'], prompts: ['p'] });
    const { group: g } = group({ a });
    await g.ready();
    a.offer.tools.push('added');
    a.listChanged('tools');
    await toolsSatisfy(g, (n) => n.includes('a_added'));
    expect(names(g.tools())).toEqual(['a_added', 'a_x']);
    a.offer.prompts.splice(0);
    a.listChanged('prompts');
    await next(g, (e) => e.type === 'aggregate' && e.aggregate.prompts.length === 0);
    await g.close();
  });

  it('re-lists on the list changes of its listen stream (2026-07-28)', async () => {
    const a = fake({ tools: ['x'], resources: ['file:///1'], modern: true });
    const { group: g } = group({ a });
    await g.ready();
    await flush();
    const listen = a
      .latest()
      .received.find((m) => (m as { method?: string }).method === 'subscriptions/listen');
    expect(listen).toMatchObject({
      params: {
        notifications: {
          toolsListChanged: true,
          promptsListChanged: true,
          resourcesListChanged: true,
        },
      },
    });
    a.offer.tools.push('y');
    a.listChanged('tools');
    await toolsSatisfy(g, (n) => n.includes('a_y'));
    a.offer.resources.push('file:///2');
    a.listChanged('resources');
    await next(g, (e) => e.type === 'aggregate' && e.aggregate.resources.length === 2);
    await g.close();
  });
});

describe('session group: supervision', () => {
  it('a server that drops: status events, its tools leave and come back, calls fail at once meanwhile', async () => {
    const a = fake({ tools: ['x'] });
    const b = fake({ tools: ['y'] });
    const {
      group: g,
      clock,
      statuses,
    } = group({ a, b }, { restart: { initialDelay: 100, jitter: 0 } });
    await g.ready();
    const dropped = next(
      g,
      (e) => e.type === 'status' && e.server === 'b' && e.state.status === 'reconnecting',
    );
    await b.latest().close();
    const event = await dropped;
    expect(event).toMatchObject({ state: { status: 'reconnecting', restarts: 1, retryAt: 100 } });
    expect(names(g.tools())).toEqual(['a_x']);
    await expect(g.callTool('b_y')).rejects.toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      server: 'b',
      status: 'reconnecting',
    });
    await g.callTool('a_x');
    clock.advance(99);
    expect(g.server('b')?.status).toBe('reconnecting');
    const back = status(g, 'b', 'ready');
    clock.advance(1);
    await back;
    expect(names(g.tools())).toEqual(['a_x', 'b_y']);
    await g.callTool('b_y');
    expect(b.calls).toEqual(['tools/call y']);
    expect(b.servers).toHaveLength(2);
    // (the first `connecting` is announced while the group is built, before any listener)
    expect(statuses('b')).toEqual(['ready', 'reconnecting', 'connecting', 'ready']);
    expect(statuses('a')).toEqual(['ready']);
    await g.close();
    expect(clock.pending).toBe(0);
  });

  it('backs off exponentially with jitter, fails past the restart limit, and restart() starts over', async () => {
    const a = fake({ tools: ['x'], connect: 'fail' });
    const {
      group: g,
      clock,
      events,
    } = group(
      { a },
      {
        random: () => 0.5,
        restart: {
          initialDelay: 100,
          factor: 2,
          maxDelay: 300,
          jitter: 0.5,
          maxRestarts: 3,
          window: 10_000,
        },
      },
    );
    const retries: (number | undefined)[] = [];
    g.on((e) => {
      if (e.type === 'status' && e.state.status === 'reconnecting') retries.push(e.state.retryAt);
    });
    await status(g, 'a', 'reconnecting');
    // 100·(0.5 + 0.5·0.5) = 75 after t=0
    expect(g.server('a')).toMatchObject({ restarts: 1, retryAt: 75 });
    let wait = next(g, (e) => e.type === 'status' && e.state.status === 'reconnecting');
    clock.advance(75);
    await wait;
    wait = next(g, (e) => e.type === 'status' && e.state.status === 'reconnecting');
    clock.advance(150);
    await wait;
    const failed = status(g, 'a', 'failed');
    clock.advance(225); // min(300, 400)·0.75
    await failed;
    expect(retries).toEqual([75, 75 + 150, 75 + 150 + 225]);
    expect(g.server('a')).toMatchObject({ status: 'failed', restarts: 3, retryAt: undefined });
    expect((g.server('a')?.error as Error).message).toContain('the server is broken');
    expect(a.servers).toHaveLength(4);
    expect(clock.pending).toBe(0);
    await expect(g.callTool('a_x')).rejects.toMatchObject({ status: 'failed', server: 'a' });
    a.connect = 'ok';
    g.restart('a');
    await status(g, 'a', 'ready');
    expect(g.server('a')).toMatchObject({ restarts: 0 });
    expect(names(g.tools())).toEqual(['a_x']);
    expect(events.filter((e) => e.type === 'status').at(-1)).toMatchObject({
      state: { status: 'ready' },
    });
    await g.close();
  });

  it('restarts outside the window do not count', async () => {
    const a = fake({ tools: ['x'] });
    const { group: g, clock } = group(
      { a },
      { restart: { initialDelay: 10, jitter: 0, maxRestarts: 1, window: 1_000 } },
    );
    await g.ready();
    for (let i = 0; i < 3; i++) {
      const down = status(g, 'a', 'reconnecting');
      await a.latest().close();
      await down;
      const up = status(g, 'a', 'ready');
      clock.advance(1_000);
      await up;
    }
    expect(g.server('a')).toMatchObject({ status: 'ready', restarts: 1 });
    // Twice within the window: failed.
    const down = status(g, 'a', 'reconnecting');
    await a.latest().close();
    await down;
    const up = status(g, 'a', 'ready');
    clock.advance(10);
    await up;
    const failed = status(g, 'a', 'failed');
    await a.latest().close();
    await failed;
    await g.close();
  });
});

describe('session group: adding, removing, closing', () => {
  it('adds and removes servers at any time', async () => {
    const a = fake({ tools: ['x'] });
    const hung = fake({ tools: ['h'], connect: 'hang' });
    const broken = fake({ connect: 'fail' });
    const { group: g, clock } = group({ a });
    g.add('hung', hung.spec);
    g.add('broken', broken.spec);
    expect(() => g.add('a', a.spec)).toThrow(InvalidArgumentError);
    await status(g, 'a', 'ready');
    await status(g, 'broken', 'reconnecting');
    await g.remove('hung'); // while connecting
    await g.remove('broken'); // while waiting its backoff
    expect(clock.pending).toBe(0);
    expect(g.servers().map((s) => s.name)).toEqual(['a']);
    const b = fake({ tools: ['y'] });
    g.add('b', b.spec);
    await toolsSatisfy(g, (n) => n.includes('b_y'));
    const gone = next(g, (e) => e.type === 'aggregate' && e.aggregate.tools.length === 1);
    await g.remove('a'); // while ready: its tools leave
    await gone;
    expect(names(g.tools())).toEqual(['b_y']);
    await expect(g.callTool('a_x')).rejects.toBeInstanceOf(UnknownGroupEntryError);
    await Promise.all([a.latest().closed, hung.latest().closed]);
    g.add('a', a.spec); // the name is free again
    await status(g, 'a', 'ready');
    expect(names(g.tools())).toEqual(['a_x', 'b_y']);
    await expect(g.remove('zzz')).rejects.toBeInstanceOf(InvalidArgumentError);
    await g.close();
  });

  it('close() closes every session and leaves no timer or listener behind', async () => {
    const a = fake({ tools: ['x'] });
    const m = fake({ tools: ['y'], modern: true });
    const broken = fake({ connect: 'fail' });
    const hung = fake({ connect: 'hang' });
    const { group: g, clock, statuses } = group({ a, m, broken, hung });
    await Promise.all([
      status(g, 'a', 'ready'),
      status(g, 'm', 'ready'),
      status(g, 'broken', 'reconnecting'),
    ]);
    const sessions = [g.session('a'), g.session('m')];
    await g.close();
    expect(sessions.map((s) => s?.state)).toEqual(['closed', 'closed']);
    await Promise.all([a, m, broken, hung].flatMap((f) => f.servers.map((s) => s.closed)));
    expect(clock.pending).toBe(0);
    expect(g.servers()).toEqual([]);
    expect(g.tools()).toEqual([]);
    for (const name of ['a', 'm', 'broken', 'hung']) expect(statuses(name).at(-1)).toBe('closed');
    expect(() => g.add('late', a.spec)).toThrow(InvalidArgumentError);
    await g.close(); // again: nothing more
  });

  it('shows the group, its servers and every session to the inspector', async () => {
    const seen = new Set<string>();
    const { group: g } = group(
      { a: fake({ tools: ['x'] }) },
      {
        inspect: (event) => {
          const logic = (event.actorRef as { logic?: { id?: string } }).logic;
          if (typeof logic?.id === 'string') seen.add(logic.id);
        },
      },
    );
    await g.ready();
    expect([...seen]).toEqual(
      expect.arrayContaining(['sessionGroup', 'groupServer', 'connection']),
    );
    await g.close();
  });
});
