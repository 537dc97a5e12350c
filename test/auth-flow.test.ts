import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AuthorizationFlow, type FlowSteps } from '../src/auth/flow.js';
import type { TokenOutcome } from '../machines/authorization.js';
import { AuthorizationError } from '../src/index.js';
import { flush } from './support/harness.js';

/**
 * The flow driver on its own (src/auth/flow.ts): the hooks told when a flow starts and settles,
 * stopping, and waiting for a flow to settle (its outcome, abandonment, an abort signal). The
 * steps are stand-ins: discovery and registration succeed at once, the token request waits for
 * the test. Flows against real servers: oauth.test.ts.
 */

interface Fixture {
  readonly flow: AuthorizationFlow;
  /** What the hooks were told, in order. */
  readonly busy: boolean[];
  /** Ends the token request waiting, if one is. */
  grant(): void;
  refuse(error: unknown): void;
}

function fixture(): Fixture {
  let answer: { resolve(outcome: TokenOutcome): void; reject(error: unknown): void } | undefined;
  const steps: FlowSteps = {
    discover: () =>
      Promise.resolve({
        issuer: 'https://as.example',
        resource: 'https://mcp.example/mcp',
        scope: undefined,
      }),
    register: () => Promise.resolve(),
    authorize: () => Promise.resolve(),
    exchange: () =>
      new Promise<TokenOutcome>((resolve, reject) => {
        answer = { resolve, reject };
      }),
    refresh: () => Promise.resolve({ refreshable: false, scope: undefined }),
  };
  const flow = new AuthorizationFlow(steps, { grant: 'client_credentials' });
  const busy: boolean[] = [];
  flow.onBusy((value) => busy.push(value));
  return {
    flow,
    busy,
    grant: () => answer?.resolve({ refreshable: false, scope: undefined }),
    refuse: (error) => answer?.reject(error),
  };
}

/** A flow started and waiting for its token request. */
async function started(): Promise<Fixture> {
  const f = fixture();
  f.flow.send({ type: 'login' });
  await flush();
  expect(f.flow.state).toBe('exchanging');
  return f;
}

/** Where a promise stands: followed without awaiting it, so one that never settles shows as such. */
function follow(promise: Promise<void>): {
  outcome: 'pending' | 'resolved' | 'rejected';
  error?: unknown;
} {
  const seen: { outcome: 'pending' | 'resolved' | 'rejected'; error?: unknown } = {
    outcome: 'pending',
  };
  promise.then(
    () => {
      seen.outcome = 'resolved';
    },
    (error: unknown) => {
      seen.outcome = 'rejected';
      seen.error = error;
    },
  );
  return seen;
}

describe('busy hooks', () => {
  it('tells its hooks once when a flow starts and once when it settles', async () => {
    const f = await started();
    expect(f.busy).toEqual([true]);
    f.grant();
    await flush();
    expect(f.flow.state).toBe('authorized');
    expect(f.busy).toEqual([true, false]);
  });

  it('stopping a flow in progress stops the actor and tells the hooks it settled', async () => {
    const f = await started();
    f.flow.stop();
    expect(f.flow.actor.getSnapshot().status).toBe('stopped');
    expect(f.busy).toEqual([true, false]);
  });

  it('stopping a settled flow tells the hooks nothing', async () => {
    const f = await started();
    f.grant();
    await flush();
    f.flow.stop();
    expect(f.flow.actor.getSnapshot().status).toBe('stopped');
    expect(f.busy).toEqual([true, false]);
  });
});

describe('settle', () => {
  it('waits for the flow in progress and resolves once it is authorized', async () => {
    const f = await started();
    const waiting = follow(f.flow.settle());
    await flush();
    expect(waiting.outcome).toBe('pending');
    f.grant();
    await flush();
    expect(waiting).toEqual({ outcome: 'resolved' });
  });

  it('rejects with the error of a failed step, as an AuthorizationError when it is not one of ours', async () => {
    const ours = await started();
    const refused = new AuthorizationError('token-request-failed', 'invalid_client');
    ours.refuse(refused);
    await flush();
    await expect(ours.flow.settle()).rejects.toBe(refused);

    const foreign = await started();
    foreign.refuse(new TypeError('fetch failed'));
    await flush();
    await expect(foreign.flow.settle()).rejects.toMatchObject({
      name: 'AuthorizationError',
      reason: 'invalid-response',
      message: 'fetch failed',
    });
  });

  it('rejects as abandoned when no flow was started', async () => {
    const f = fixture();
    await expect(f.flow.settle()).rejects.toMatchObject({
      name: 'AuthorizationError',
      reason: 'unauthorized',
      message: 'The authorization was abandoned.',
    });
  });

  it('rejects as abandoned when the flow was stopped, before or while it is waited for', async () => {
    const before = await started();
    before.flow.stop();
    const late = follow(before.flow.settle());
    await flush();
    expect(late).toMatchObject({ outcome: 'rejected', error: { reason: 'unauthorized' } });

    const during = await started();
    const waiting = follow(during.flow.settle());
    during.flow.stop();
    await flush();
    expect(waiting).toMatchObject({ outcome: 'rejected', error: { reason: 'unauthorized' } });

    const authorized = await started();
    authorized.grant();
    await flush();
    authorized.flow.stop();
    await expect(authorized.flow.settle()).rejects.toMatchObject({ reason: 'unauthorized' });
  });

  it('rejects with the reason of its signal, aborted while waiting, and stops listening to it', async () => {
    const f = await started();
    const controller = new AbortController();
    const waiting = follow(f.flow.settle(controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort('the user gave up');
    await flush();
    expect(waiting.outcome).toBe('rejected');
    expect(waiting.error).toBeInstanceOf(Error);
    expect(waiting.error).toMatchObject({ message: 'the user gave up' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // The flow goes on for the others waiting for it.
    f.grant();
    await flush();
    await expect(f.flow.settle()).resolves.toBeUndefined();
  });

  it('rejects at once with the reason of a signal already aborted', async () => {
    const f = await started();
    const reason = new Error('deadline passed');
    const waiting = follow(f.flow.settle(AbortSignal.abort(reason)));
    await flush();
    expect(waiting).toEqual({ outcome: 'rejected', error: reason });
  });

  it('leaves no listener on its signal once the flow has settled', async () => {
    const f = await started();
    const controller = new AbortController();
    const waiting = follow(f.flow.settle(controller.signal));
    f.grant();
    await flush();
    expect(waiting).toEqual({ outcome: 'resolved' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    await expect(f.flow.settle(controller.signal)).resolves.toBeUndefined();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
