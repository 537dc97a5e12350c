import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import {
  authorizationMachine,
  type AuthorizationContext,
  type AuthorizationGrant,
  type AuthorizationState,
} from '../machines/index.js';

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
