import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, initialTransition, transition, type AnyActorRef } from 'xstate';
import {
  authorizationMachine,
  type AuthorizationContext,
  type AuthorizationGrant,
  type AuthorizationState,
  type DiscoveryInput,
  type DiscoveryOutcome,
  type TokenOutcome,
} from '../machines/index.js';
import { flush } from './support/harness.js';

/**
 * Model checks of the authorization machine (machines/authorization.ts): every state reachable
 * with up to three token generations, for each grant, explored with XState's pure `transition`
 * over every event that can arrive in it, and the properties the OAuth client relies on checked
 * on every reachable state.
 */

/** An event of the exploration: a type and whatever it carries. */
type EventObject = { readonly type: string } & Readonly<Record<string, unknown>>;

type Snapshot = ReturnType<typeof initialTransition<typeof authorizationMachine>>[0];

const BUSY: readonly AuthorizationState[] = [
  'discovering',
  'registering',
  'authorizing',
  'exchanging',
  'refreshing',
  'steppingUp',
];
const SETTLED: readonly AuthorizationState[] = ['idle', 'authorized', 'failed'];
const MAX_GENERATION = 3;

/** The invoked step of a busy state (`steppingUp` re-reads the metadata with `discover`). */
const STEP: Partial<Record<AuthorizationState, string>> = {
  discovering: 'discover',
  registering: 'register',
  authorizing: 'authorize',
  exchanging: 'exchange',
  refreshing: 'refresh',
  steppingUp: 'discover',
};

const found = { issuer: 'https://as.example', resource: 'https://mcp.example/mcp', scope: 'a' };

/** Every event that can arrive in a snapshot: requests' reports, the user's, and the step's end. */
function eventsFor(snapshot: Snapshot): EventObject[] {
  const { generation } = snapshot.context;
  const events: EventObject[] = [
    { type: 'challenge', generation, scope: 'a b' },
    { type: 'challenge', generation: generation - 1 },
    { type: 'insufficientScope', generation, scope: 'b' },
    { type: 'insufficientScope', generation: generation - 1, scope: 'b' },
    { type: 'expired', generation },
    { type: 'login' },
    { type: 'logout' },
    { type: 'restore', refreshable: true },
  ];
  const step = STEP[snapshot.value];
  if (step !== undefined) {
    const outputs: unknown[] =
      step === 'discover'
        ? [found]
        : step === 'exchange' || step === 'refresh'
          ? [
              { refreshable: true, scope: 'a' },
              { refreshable: false, scope: 'a' },
            ]
          : [undefined];
    for (const output of outputs) events.push({ type: `xstate.done.actor.${step}`, output });
    events.push({ type: `xstate.error.actor.${step}`, error: new Error(`${step} failed`) });
  }
  return events;
}

const keyOf = (s: Snapshot): string => {
  const c: AuthorizationContext = s.context;
  return JSON.stringify([s.value, c.generation, c.refreshable, c.fromRefresh, c.steppingUp]);
};

interface Edge {
  readonly from: Snapshot;
  readonly event: EventObject;
  readonly to: Snapshot;
}

/** Breadth-first exploration; generations beyond MAX_GENERATION are not expanded further. */
function explore(grant: AuthorizationGrant): { states: Snapshot[]; edges: Edge[] } {
  const [initial] = initialTransition(authorizationMachine, { grant });
  const seen = new Map<string, Snapshot>([[keyOf(initial), initial]]);
  const queue = [initial];
  const edges: Edge[] = [];
  for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
    for (const event of eventsFor(s)) {
      const [to] = transition(authorizationMachine, s, event as never);
      edges.push({ from: s, event, to });
      const key = keyOf(to);
      if (!seen.has(key) && to.context.generation <= MAX_GENERATION) {
        seen.set(key, to);
        queue.push(to);
      }
    }
  }
  return { states: [...seen.values()], edges };
}

const GRANTS: readonly AuthorizationGrant[] = [
  'authorization_code',
  'client_credentials',
  'jwt_bearer',
];

describe.each(GRANTS)('authorization machine, %s grant', (grant) => {
  const { states, edges } = explore(grant);

  it('reaches every state but the user’s step only with a user grant', () => {
    const values = new Set(states.map((s) => s.value));
    const expected = (
      authorizationMachine.root.states ? Object.keys(authorizationMachine.root.states) : []
    ).filter((v) => grant === 'authorization_code' || v !== 'authorizing');
    expect([...values].sort()).toEqual([...expected].sort());
  });

  it('starts one flow at a time: a busy state ignores every report and request', () => {
    const starters = new Set(['challenge', 'insufficientScope', 'expired', 'login', 'restore']);
    const busy = edges.filter((e) => BUSY.includes(e.from.value) && starters.has(e.event.type));
    expect(busy.length).toBeGreaterThan(0);
    for (const e of busy) expect(keyOf(e.to)).toBe(keyOf(e.from));
  });

  it('ignores a refusal of a token already replaced', () => {
    const stale = edges.filter(
      (e) =>
        e.from.value === 'authorized' &&
        'generation' in e.event &&
        e.event.generation !== e.from.context.generation,
    );
    expect(stale.length).toBeGreaterThan(0);
    for (const e of stale) expect(keyOf(e.to)).toBe(keyOf(e.from));
  });

  it('settles from every reachable state: authorized, failed or idle is always reachable', () => {
    const next = new Map<string, Set<string>>();
    for (const e of edges) {
      const set = next.get(keyOf(e.from)) ?? new Set<string>();
      set.add(keyOf(e.to));
      next.set(keyOf(e.from), set);
    }
    const good = new Set(states.filter((s) => SETTLED.includes(s.value)).map(keyOf));
    for (let grew = true; grew;) {
      grew = false;
      for (const [from, to] of next) {
        if (!good.has(from) && [...to].some((t) => good.has(t))) {
          good.add(from);
          grew = true;
        }
      }
    }
    expect(states.map(keyOf).filter((k) => !good.has(k))).toEqual([]);
  });

  it('holds a new token generation on every way into authorized, and only then', () => {
    for (const e of edges) {
      const entered = e.to.value === 'authorized' && e.from.value !== 'authorized';
      if (entered) expect(e.to.context.generation).toBe(e.from.context.generation + 1);
      else if (e.event.type !== 'logout') {
        expect(e.to.context.generation).toBe(e.from.context.generation);
      }
    }
  });

  it('refreshes a refused token only if it did not come from a refresh itself', () => {
    const refusals = edges.filter(
      (e) =>
        e.from.value === 'authorized' &&
        e.event.type === 'challenge' &&
        e.event['generation'] === e.from.context.generation,
    );
    expect(refusals.length).toBeGreaterThan(0);
    for (const e of refusals) {
      const { refreshable, fromRefresh } = e.from.context;
      expect(e.to.value).toBe(refreshable && !fromRefresh ? 'refreshing' : 'discovering');
    }
  });

  it('fails only on a failed step, and keeps why', () => {
    for (const e of edges.filter((x) => x.to.value === 'failed' && x.from.value !== 'failed')) {
      expect(e.event.type).toMatch(/^xstate\.error\.actor\./);
      expect(e.to.context.error).toBe(e.event['error']);
    }
  });

  it('goes to a new authorization, not to failed, when a refresh fails', () => {
    const failedRefresh = edges.filter((e) => e.event.type === 'xstate.error.actor.refresh');
    expect(failedRefresh.length).toBeGreaterThan(0);
    for (const e of failedRefresh) {
      expect(e.to.value).toBe('discovering');
      expect(e.to.context.refreshable).toBe(false);
    }
  });
});

describe('authorization machine, what the context may hold', () => {
  it('has no field that could hold a token, a code or a secret', () => {
    const [initial] = initialTransition(authorizationMachine, { grant: 'authorization_code' });
    expect(Object.keys(initial.context).sort()).toEqual(
      [
        'challenge',
        'error',
        'fromRefresh',
        'generation',
        'grant',
        'issuer',
        'refreshable',
        'resource',
        'scope',
        'steppingUp',
      ].sort(),
    );
  });
});

/** The snapshot a fresh machine for `grant` is in after `events`, with XState's pure `transition`. */
function after(grant: AuthorizationGrant, ...events: readonly EventObject[]): Snapshot {
  let [snapshot] = initialTransition(authorizationMachine, { grant });
  for (const event of events)
    [snapshot] = transition(authorizationMachine, snapshot, event as never);
  return snapshot;
}

const discovered = (output: DiscoveryOutcome = found): EventObject => ({
  type: 'xstate.done.actor.discover',
  output,
});
const registered: EventObject = { type: 'xstate.done.actor.register', output: undefined };
const exchanged = (output: TokenOutcome): EventObject => ({
  type: 'xstate.done.actor.exchange',
  output,
});
const refreshed = (output: TokenOutcome): EventObject => ({
  type: 'xstate.done.actor.refresh',
  output,
});
const failedStep = (step: string, error: unknown): EventObject => ({
  type: `xstate.error.actor.${step}`,
  error,
});
const restored = (refreshable: boolean): EventObject => ({
  type: 'restore',
  refreshable,
  scope: 'a',
});

describe('authorization machine, step by step', () => {
  it('starts with no token, nothing to refresh and no flow in progress', () => {
    expect(after('client_credentials').context).toStrictEqual({
      grant: 'client_credentials',
      generation: 0,
      refreshable: false,
      fromRefresh: false,
      challenge: undefined,
      steppingUp: false,
      issuer: undefined,
      resource: undefined,
      scope: undefined,
      error: undefined,
    });
  });

  it('keeps the challenge that started a flow, and none for a login', () => {
    const challenge = {
      scheme: 'bearer',
      resourceMetadata: 'https://mcp.example/.well-known/oauth-protected-resource',
      scope: 'a b',
      error: 'invalid_token',
    };
    const challenged = after('authorization_code', {
      type: 'challenge',
      generation: 0,
      ...challenge,
    });
    expect(challenged.value).toBe('discovering');
    expect(challenged.context.challenge).toStrictEqual(challenge);
    expect(challenged.context.steppingUp).toBe(false);
    const login = after('authorization_code', { type: 'login' });
    expect(login.value).toBe('discovering');
    expect(login.context.challenge).toBeUndefined();
  });

  it('starts a flow on a 403 insufficient_scope even with no token held', () => {
    const s = after('authorization_code', { type: 'insufficientScope', generation: 0, scope: 'b' });
    expect(s.value).toBe('discovering');
    expect(s.context.challenge).toMatchObject({ scope: 'b' });
    expect(s.context.steppingUp).toBe(false);
  });

  it('fails when discovery fails, keeping why', () => {
    const error = new Error('no protected resource metadata');
    const s = after('authorization_code', { type: 'login' }, failedStep('discover', error));
    expect(s.value).toBe('failed');
    expect(s.context.error).toBe(error);
  });

  it('holds the scope the token was granted, else the scope asked for', () => {
    const granted = after(
      'client_credentials',
      { type: 'login' },
      discovered(),
      registered,
      exchanged({ refreshable: false, scope: 'a b' }),
    );
    expect(granted.value).toBe('authorized');
    expect(granted.context.scope).toBe('a b');
    expect(granted.context.fromRefresh).toBe(false);
    const unsaid = after(
      'client_credentials',
      { type: 'login' },
      discovered(),
      registered,
      exchanged({ refreshable: false, scope: undefined }),
    );
    expect(unsaid.context.scope).toBe('a');
  });

  it('refreshes a token about to expire only if it is the current one and refreshable', () => {
    const refreshable = after('authorization_code', restored(true));
    expect(
      after('authorization_code', restored(true), { type: 'expired', generation: 1 }).value,
    ).toBe('refreshing');
    for (const event of [
      { type: 'expired', generation: 0 },
      { type: 'expired', generation: 2 },
    ]) {
      const [s] = transition(authorizationMachine, refreshable, event as never);
      expect(s.value).toBe('authorized');
      expect(s.context).toStrictEqual(refreshable.context);
    }
  });

  it('authorizes anew when the current token is about to expire and cannot be refreshed', () => {
    const held = after('authorization_code', restored(false));
    const [expiring] = transition(authorizationMachine, held, { type: 'expired', generation: 1 });
    expect(expiring.value).toBe('discovering');
    const [stale] = transition(authorizationMachine, held, { type: 'expired', generation: 0 });
    expect(stale.value).toBe('authorized');
    expect(stale.context).toStrictEqual(held.context);
  });

  it('keeps the challenge refusing a token it cannot refresh, for the new authorization', () => {
    const s = after('authorization_code', restored(false), {
      type: 'challenge',
      generation: 1,
      scope: 'a c',
    });
    expect(s.value).toBe('discovering');
    expect(s.context.challenge).toMatchObject({ scope: 'a c' });
  });

  it('forgets why the last flow failed when a new one starts, whatever starts it', () => {
    const error = new Error('access_denied');
    const failed = after('authorization_code', { type: 'login' }, failedStep('discover', error));
    expect(failed.context.error).toBe(error);
    const starts: readonly (readonly EventObject[])[] = [
      [{ type: 'login' }],
      [{ type: 'challenge', generation: 0 }],
      [{ type: 'insufficientScope', generation: 0, scope: 'b' }],
      // A token restored after the failure, then a new flow for it.
      [restored(false), { type: 'login' }],
      [restored(false), { type: 'expired', generation: 1 }],
      [restored(true), { type: 'expired', generation: 1 }, failedStep('refresh', new Error('x'))],
    ];
    for (const events of starts) {
      let s = failed;
      for (const event of events) [s] = transition(authorizationMachine, s, event as never);
      expect(s.value).toBe('discovering');
      expect(s.context.error).toBeUndefined();
    }
  });

  it('keeps the 403’s challenge for a step-up, and ends it when the wider token arrives', () => {
    const stepping = after('client_credentials', restored(false), {
      type: 'insufficientScope',
      generation: 1,
      scope: 'b',
    });
    expect(stepping.value).toBe('steppingUp');
    expect(stepping.context.steppingUp).toBe(true);
    expect(stepping.context.challenge).toMatchObject({ scope: 'b' });
    const [exchanging] = transition(
      authorizationMachine,
      stepping,
      discovered({ ...found, scope: 'a b' }) as never,
    );
    expect(exchanging.value).toBe('exchanging');
    expect(exchanging.context).toMatchObject({
      issuer: found.issuer,
      resource: found.resource,
      scope: 'a b',
    });
    const [done] = transition(
      authorizationMachine,
      exchanging,
      exchanged({ refreshable: false, scope: 'a b' }) as never,
    );
    expect(done.value).toBe('authorized');
    expect(done.context.steppingUp).toBe(false);
    expect(done.context.challenge).toBeUndefined();
  });

  it('fails a step-up whose metadata cannot be read, and ends the step-up', () => {
    const error = new Error('metadata unreachable');
    const s = after(
      'authorization_code',
      restored(false),
      { type: 'insufficientScope', generation: 1, scope: 'b' },
      failedStep('discover', error),
    );
    expect(s.value).toBe('failed');
    expect(s.context.error).toBe(error);
    expect(s.context.steppingUp).toBe(false);
  });

  it('authorizes anew on a login while a token is held', () => {
    const s = after('authorization_code', restored(true), { type: 'login' });
    expect(s.value).toBe('discovering');
    expect(s.context.generation).toBe(1);
  });

  it('forgets the tokens on logout, from authorized or failed: no token generation held is valid', () => {
    const fromAuthorized = after('authorization_code', restored(true), { type: 'logout' });
    const fromFailed = after(
      'authorization_code',
      restored(true),
      { type: 'login' },
      failedStep('discover', new Error('x')),
      { type: 'logout' },
    );
    for (const s of [fromAuthorized, fromFailed]) {
      expect(s.value).toBe('idle');
      expect(s.context).toMatchObject({
        generation: 2,
        refreshable: false,
        steppingUp: false,
        challenge: undefined,
        error: undefined,
      });
    }
  });

  it('restores a stored token after a failure, refreshable again even if the last came from a refresh', () => {
    const s = after(
      'authorization_code',
      restored(true),
      { type: 'expired', generation: 1 },
      refreshed({ refreshable: true, scope: 'a' }),
      { type: 'challenge', generation: 2 },
      failedStep('discover', new Error('x')),
      restored(true),
    );
    expect(s.value).toBe('authorized');
    expect(s.context).toMatchObject({ generation: 3, refreshable: true, fromRefresh: false });
    const [refused] = transition(authorizationMachine, s, { type: 'challenge', generation: 3 });
    expect(refused.value).toBe('refreshing');
  });
});

describe('authorization machine, what each step is given', () => {
  it('gives discovery the challenge and the scope, and says when it widens the scope', async () => {
    const inputs: DiscoveryInput[] = [];
    const actor = createActor(
      authorizationMachine.provide({
        actors: {
          discover: fromPromise<DiscoveryOutcome, DiscoveryInput>(({ input }) => {
            inputs.push(input);
            return Promise.resolve(found);
          }),
          register: fromPromise<void, { issuer: string }>(() => Promise.resolve()),
          exchange: fromPromise<TokenOutcome, { scope: string | undefined }>(() =>
            Promise.resolve({ refreshable: false, scope: 'a' }),
          ),
        },
      }),
      { input: { grant: 'client_credentials' } },
    ).start();
    actor.send({ type: 'challenge', generation: 0, scope: 'a' });
    await flush();
    expect(actor.getSnapshot().value).toBe('authorized');
    actor.send({
      type: 'insufficientScope',
      generation: 1,
      scope: 'b',
      error: 'insufficient_scope',
    });
    await flush();
    expect(actor.getSnapshot().value).toBe('authorized');
    actor.stop();
    expect(inputs).toStrictEqual([
      {
        challenge: { scheme: undefined, resourceMetadata: undefined, scope: 'a', error: undefined },
        steppingUp: false,
        scope: undefined,
      },
      {
        challenge: {
          scheme: undefined,
          resourceMetadata: undefined,
          scope: 'b',
          error: 'insufficient_scope',
        },
        steppingUp: true,
        scope: 'a',
      },
    ]);
  });

  it('registers a client for the issuer discovery found', async () => {
    const issuers: { issuer: string }[] = [];
    const actor = createActor(
      authorizationMachine.provide({
        actors: {
          discover: fromPromise<DiscoveryOutcome, DiscoveryInput>(() => Promise.resolve(found)),
          register: fromPromise<void, { issuer: string }>(({ input }) => {
            issuers.push(input);
            return Promise.resolve();
          }),
        },
      }),
      { input: { grant: 'jwt_bearer' } },
    ).start();
    actor.send({ type: 'login' });
    await flush();
    expect(actor.getSnapshot().value).toBe('exchanging');
    actor.stop();
    expect(issuers).toStrictEqual([{ issuer: found.issuer }]);
  });

  it('waits in each step of a machine run without its steps provided, the step running and never settling', async () => {
    const discover = fromPromise<DiscoveryOutcome, DiscoveryInput>(() => Promise.resolve(found));
    const register = fromPromise<void, { issuer: string }>(() => Promise.resolve());
    const cases = [
      {
        grant: 'authorization_code',
        actors: {},
        events: [{ type: 'login' }],
        waits: 'discovering',
      },
      {
        grant: 'authorization_code',
        actors: { discover },
        events: [{ type: 'login' }],
        waits: 'registering',
      },
      {
        grant: 'authorization_code',
        actors: { discover, register },
        events: [{ type: 'login' }],
        waits: 'authorizing',
      },
      {
        grant: 'client_credentials',
        actors: { discover, register },
        events: [{ type: 'login' }],
        waits: 'exchanging',
      },
      {
        grant: 'client_credentials',
        actors: {},
        events: [restored(true), { type: 'expired', generation: 1 }],
        waits: 'refreshing',
      },
    ] as const;
    for (const { grant, actors, events, waits } of cases) {
      const actor = createActor(authorizationMachine.provide({ actors }), { input: { grant } });
      actor.start();
      for (const event of events) actor.send(event as never);
      await flush();
      const snapshot = actor.getSnapshot();
      const step = (snapshot.children as Record<string, AnyActorRef | undefined>)[
        STEP[waits] ?? ''
      ];
      const waiting = { value: snapshot.value, status: snapshot.status, step: step?.getSnapshot() };
      actor.stop();
      expect(waiting).toMatchObject({ value: waits, status: 'active', step: { status: 'active' } });
    }
  });
});
