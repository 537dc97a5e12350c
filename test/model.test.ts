import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventObject } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import {
  authorizationEventTypes,
  authorizationMachine,
  connectionEventTypes,
  connectionMachine,
  dispatcherEventTypes,
  inboundRequestEventTypes,
  requestEventTypes,
  requestOutcomes,
} from '../machines/index.js';
import {
  ConnectionClosedError,
  createClientSession,
  createDispatcher,
  createInMemoryTransportPair,
  JsonRpcError,
  RequestCancelledError,
  RequestTimeoutError,
  SendFailedError,
  type Transport,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { flush, sent } from './support/harness.js';
import {
  compiledCases,
  connectionEvents,
  dispatcherEvents,
  inboundEvents,
  reachable,
  requestEvents,
  requestInputs,
  valueOf,
  xstateInitial,
  xstateStep,
} from './support/machines.js';
import { dispatcherMachine, inboundRequestMachine, requestMachine } from '../machines/index.js';

afterEach(() => {
  vi.useRealTimers();
});

type AnyMachine = Parameters<typeof xstateStep>[0];

/** A path's events, without the initial `xstate.init` step the graph functions include. */
function eventsOf(path: { steps: readonly { event: EventObject }[] }): EventObject[] {
  return path.steps.map((s) => s.event).filter((e) => e.type !== 'xstate.init');
}

/** Runs a path's events from the initial state and returns the actions of every step. */
function runPath(machine: AnyMachine, input: unknown, events: readonly EventObject[]) {
  const start = xstateInitial(machine, input);
  let snapshot: unknown = start.snapshot;
  const actions: string[][] = [start.actions];
  const values: string[] = [start.value];
  for (const event of events) {
    const [next, acts] = transitionOf(machine, snapshot, event);
    snapshot = next;
    actions.push(acts);
    values.push(valueOf(next));
  }
  return { actions, values, final: values[values.length - 1] as string };
}

import { createActor, transition } from 'xstate';
function transitionOf(
  machine: AnyMachine,
  snapshot: unknown,
  event: EventObject,
): [unknown, string[]] {
  const [next, acts] = transition(machine, snapshot as never, event as never);
  return [next, acts.map((a) => a.type).filter((t) => !t.startsWith('xstate.'))];
}

/** States from which `target` can be reached, by a fixpoint over the adjacency map. */
function canReach(
  machine: AnyMachine,
  events: readonly EventObject[],
  input: unknown,
  isTarget: (v: string) => boolean,
) {
  const states = reachable(machine, events, input);
  const edges = new Map<string, Set<string>>();
  for (const s of states) {
    const next = new Set<string>();
    for (const t of Object.values(s.transitions as Record<string, unknown>))
      next.add(valueOf((t as { state: unknown }).state));
    edges.set(s.key, next);
  }
  const good = new Set(states.filter((s) => isTarget(s.key)).map((s) => s.key));
  let grew = true;
  while (grew) {
    grew = false;
    for (const [from, to] of edges) {
      if (!good.has(from) && [...to].some((t) => good.has(t))) {
        good.add(from);
        grew = true;
      }
    }
  }
  return { all: states.map((s) => s.key), good };
}

const SETTLE = ['resolve', 'rejectWithError', 'rejectTimedOut', 'rejectCancelled', 'rejectClosed'];
const finalOf = (m: AnyMachine) =>
  new Set(
    Object.entries(m.root.states)
      .filter(([, n]) => n.type === 'final')
      .map(([k]) => k),
  );

/** Event types with a transition in some state of a machine (its own, not xstate.*). */
function handledEventTypes(machine: AnyMachine): Set<string> {
  const handled = new Set<string>();
  const visit = (node: { on: object; states: Record<string, unknown> }): void => {
    for (const type of Object.keys(node.on)) if (!type.startsWith('xstate.')) handled.add(type);
    for (const child of Object.values(node.states)) visit(child as typeof node);
  };
  visit(machine.root);
  return handled;
}

describe('the event type lists of the machines', () => {
  // Every machine that exports a list of its event types; the model's sample events, where the
  // model tests have one list for the whole machine.
  const lists: {
    name: string;
    types: readonly string[];
    machine: AnyMachine;
    modelEvents?: readonly EventObject[];
  }[] = [
    {
      name: 'requestEventTypes',
      types: requestEventTypes,
      machine: requestMachine,
      modelEvents: requestEvents,
    },
    {
      name: 'inboundRequestEventTypes',
      types: inboundRequestEventTypes,
      machine: inboundRequestMachine,
      modelEvents: inboundEvents,
    },
    {
      name: 'dispatcherEventTypes',
      types: dispatcherEventTypes,
      machine: dispatcherMachine,
      modelEvents: dispatcherEvents,
    },
    {
      name: 'connectionEventTypes',
      types: connectionEventTypes,
      machine: connectionMachine,
      modelEvents: connectionEvents,
    },
    {
      name: 'authorizationEventTypes',
      types: authorizationEventTypes,
      machine: authorizationMachine,
    },
  ];

  for (const { name, types, machine, modelEvents } of lists) {
    it(`${name} names exactly the events the ${machine.id} machine handles, each once`, () => {
      const handled = handledEventTypes(machine);
      expect(new Set(types)).toEqual(handled);
      expect(types).toHaveLength(handled.size); // no type listed twice
      if (modelEvents !== undefined) {
        // The model's explorations send every one of them.
        const sent = modelEvents.map((e) => e.type).filter((t) => !t.startsWith('xstate.'));
        expect(new Set(sent)).toEqual(handled);
      }
    });
  }
});

describe('request machine invariants, on every simple path', () => {
  for (const input of requestInputs) {
    describe(`${input.method}, resetTimeoutOnProgress ${String(input.resetTimeoutOnProgress)}`, () => {
      const paths = getSimplePaths(requestMachine, {
        events: requestEvents as never,
        input,
        serializeState: valueOf,
      });
      const finals = finalOf(requestMachine);

      it('reaches each of the five outcomes', () => {
        const ends = new Set(paths.map((p) => valueOf(p.state)));
        for (const outcome of requestOutcomes) expect(ends).toContain(outcome);
      });

      it('settles exactly once and releases exactly once, on the step that reaches the outcome', () => {
        let checked = 0;
        for (const path of paths) {
          const run = runPath(requestMachine, input, eventsOf(path));
          const all = run.actions.flat();
          if (!finals.has(run.final)) {
            expect(all.filter((a) => SETTLE.includes(a) || a === 'release')).toEqual([]);
            continue;
          }
          expect(all.filter((a) => SETTLE.includes(a))).toHaveLength(1);
          expect(all.filter((a) => a === 'release')).toHaveLength(1);
          expect(run.actions[run.actions.length - 1]).toContain('release');
          checked += 1;
        }
        expect(checked).toBeGreaterThan(0);
      });

      it('writes at most once, and cancels only what it wrote', () => {
        for (const path of paths) {
          const run = runPath(requestMachine, input, eventsOf(path));
          const all = run.actions.flat();
          expect(all.filter((a) => a === 'write').length).toBeLessThanOrEqual(1);
          if (all.includes('sendCancelled')) {
            expect(all.indexOf('write')).toBeGreaterThanOrEqual(0);
            expect(all.indexOf('write')).toBeLessThan(all.indexOf('sendCancelled'));
          }
        }
      });

      it(
        input.cancellable
          ? 'sends notifications/cancelled on abort and timeout'
          : 'is never cancelled (MCP: initialize MUST NOT be cancelled)',
        () => {
          for (const path of paths) {
            const run = runPath(requestMachine, input, eventsOf(path));
            const cancelled = run.actions.flat().includes('sendCancelled');
            if (!input.cancellable) expect(cancelled).toBe(false);
            else if (
              run.values.includes('inFlight') &&
              (run.final === 'timedOut' || run.final === 'cancelled')
            ) {
              expect(cancelled).toBe(true);
            }
          }
        },
      );

      it('can reach an outcome from every state, and the closed event ends every live state', () => {
        const { all, good } = canReach(requestMachine, requestEvents, input, (v) => finals.has(v));
        expect([...good].sort()).toEqual([...all].sort());
        for (const { key, snapshot } of reachable(requestMachine, requestEvents, input)) {
          if (finals.has(key)) continue;
          expect(xstateStep(requestMachine, snapshot, { type: 'closed' }).status).toBe('done');
        }
      });

      it('takes no transition out of an outcome', () => {
        for (const { key, snapshot } of reachable(requestMachine, requestEvents, input)) {
          if (!finals.has(key)) continue;
          for (const event of requestEvents) {
            const next = xstateStep(requestMachine, snapshot, event);
            expect({ value: next.value, actions: next.actions }).toEqual({
              value: key,
              actions: [],
            });
          }
        }
      });
    });
  }
});

describe('inbound request machine invariants', () => {
  const input = { method: 'sampling/createMessage' };
  const paths = getSimplePaths(inboundRequestMachine, {
    events: inboundEvents as never,
    input,
    serializeState: valueOf,
  });

  it('writes at most one response, and none once cancelled or abandoned', () => {
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const run = runPath(inboundRequestMachine, input, eventsOf(path));
      const responses = run.actions
        .flat()
        .filter((a) => a === 'respondResult' || a === 'respondError');
      expect(responses.length).toBeLessThanOrEqual(1);
      if (run.final === 'cancelled' || run.final === 'abandoned') {
        expect(responses).toEqual([]);
        expect(run.actions.flat()).toContain('abortHandler');
      }
      if (run.final === 'responded') expect(responses).toHaveLength(1);
    }
  });

  it('runs the handler once, on start', () => {
    expect(xstateInitial(inboundRequestMachine, input).actions).toEqual(['runHandler']);
  });

  it('keeps its input, the server request, as the context the provided actions read', () => {
    const handled: string[] = [];
    const request = createActor(
      inboundRequestMachine.provide({
        actions: { runHandler: ({ context }) => void handled.push(context.method) },
      }),
      { input: { method: 'elicitation/create' } },
    ).start();
    expect(handled).toEqual(['elicitation/create']);
    expect(request.getSnapshot().context).toEqual({ method: 'elicitation/create' });
  });

  it('can finish from every state', () => {
    const finals = finalOf(inboundRequestMachine);
    const { all, good } = canReach(inboundRequestMachine, inboundEvents, input, (v) =>
      finals.has(v),
    );
    expect([...good].sort()).toEqual([...all].sort());
  });
});

describe('dispatcher machine invariants', () => {
  it('can reach closed from every state, and closes its children on the way', () => {
    const { all, good } = canReach(
      dispatcherMachine,
      dispatcherEvents,
      undefined,
      (v) => v === 'closed',
    );
    expect([...good].sort()).toEqual([...all].sort());
    for (const path of getSimplePaths(dispatcherMachine, {
      events: dispatcherEvents as never,
      serializeState: valueOf,
    })) {
      const run = runPath(dispatcherMachine, undefined, eventsOf(path));
      if (run.final === 'closed') expect(run.actions.flat()).toContain('closeChildren');
      // A closed dispatcher routes nothing.
      const afterClose = run.values.indexOf('closed');
      if (afterClose >= 0) expect(run.actions.slice(afterClose + 1).flat()).not.toContain('route');
    }
  });
});

// -------------------------------------------------------------------------------------------------
// Replaying the shortest paths on live actors over the in-memory transport.

const outcomeClass: Record<string, unknown> = {
  timedOut: RequestTimeoutError,
  cancelled: RequestCancelledError,
  closed: ConnectionClosedError,
};

describe('every transition of the request machine, replayed on live request actors', () => {
  // For each reachable state, its shortest path; then each event that does something there.
  // Together these take every transition of the machine at least once, on a real dispatcher.
  for (const input of requestInputs) {
    const shortest = new Map(
      getShortestPaths(requestMachine, {
        events: requestEvents as never,
        input,
        serializeState: valueOf,
      }).map((p) => [valueOf(p.state), eventsOf(p)]),
    );
    for (const { key, snapshot } of reachable(requestMachine, requestEvents, input)) {
      for (const event of requestEvents) {
        const step = xstateStep(requestMachine, snapshot, event);
        if (step.value === key && step.actions.length === 0) continue; // ignored here
        const events = [...(shortest.get(key) ?? []), event];
        const target = step.value;
        const label = `${input.method} reset=${String(input.resetTimeoutOnProgress)}: ${events.map((e) => ('kind' in e ? `${e.type}(${String(e.kind)})` : e.type)).join(' → ')} ⇒ ${target}`;
        it(label, async () => {
          vi.useFakeTimers();
          const result = await replayRequestPath(input, events);
          if (result.skipped !== undefined) {
            // The one transition no live request takes: a request is never built on a closed
            // dispatcher (the call is refused before an actor exists).
            expect(result.skipped).toBe('created-closed');
            return;
          }
          expect(result.finalState).toBe(target);
          if (target === 'succeeded') expect(result.outcome).toEqual({ ok: true });
          if (target === 'failed') {
            expect(
              result.outcome instanceof JsonRpcError || result.outcome instanceof SendFailedError,
            ).toBe(true);
          }
          const expectedClass = outcomeClass[target];
          if (expectedClass !== undefined)
            expect(result.outcome).toBeInstanceOf(expectedClass as never);
          const machineCancels = runPath(requestMachine, input, events)
            .actions.flat()
            .includes('sendCancelled');
          expect(result.cancelNotifications).toBe(machineCancels ? 1 : 0);
          if (finalOf(requestMachine).has(target)) expect(result.pendingAfter).toBe(0);
          expect(result.progressCalls).toBe(events.filter((e) => e.type === 'progress').length);
        });
      }
    }
  }
});

interface ReplayResult {
  skipped?: string;
  progressCalls?: number;
  finalState?: string | undefined;
  outcome?: unknown;
  cancelNotifications?: number;
  pendingAfter?: number;
}

async function replayRequestPath(
  input: (typeof requestInputs)[number],
  events: readonly EventObject[],
): Promise<ReplayResult> {
  if (events[0]?.type === 'closed') return { skipped: 'created-closed' };
  const [clientSide, serverSide] = createInMemoryTransportPair();
  let failNext = events.some((e) => e.type === 'sendFailed');
  const transport: Transport = {
    start: (h) => clientSide.start(h),
    send: (m) => {
      if (failNext && 'id' in m) {
        failNext = false;
        throw new Error('pipe broken');
      }
      return clientSide.send(m);
    },
    close: () => clientSide.close(),
  };
  const server = startScriptedServer(serverSide, {
    handlers: {
      'tools/call': () => NO_RESPONSE,
      initialize: () => NO_RESPONSE,
      'server/discover': () => NO_RESPONSE,
    },
  });
  const total = events.some(
    (e) => e.type === 'timeout' && (e as { kind?: string }).kind === 'total',
  );
  // A progress event must not restart the idle timer past the step that fires it: keep the idle
  // timeout and the total cap apart so that each timeout event fires exactly the kind it names.
  const dispatcher = createDispatcher(transport, {
    requestTimeout: total ? 10_000 : 1_000,
    maxTotalTimeout: total ? 1_000 : Infinity,
  });
  let finalState: string | undefined;
  dispatcher.inspect({
    rootId: 'replay',
    observer: (e) => {
      if (
        e.type === '@xstate.snapshot' &&
        (e.actorRef as { id?: string }).id?.startsWith('request:')
      ) {
        finalState = (e.snapshot as unknown as { value: string }).value;
      }
    },
  });
  await dispatcher.start();
  const controller = new AbortController();
  let outcome: unknown;
  let requestId = -1;
  let progressCalls = 0;
  const begin = (signal: AbortSignal) => {
    requestId = 0;
    dispatcher
      .request(
        input.method,
        { name: 'x' },
        {
          signal,
          resetTimeoutOnProgress: input.resetTimeoutOnProgress,
          onProgress: () => {
            progressCalls += 1;
          },
        },
      )
      .then(
        (v) => {
          outcome = v;
        },
        (e: unknown) => {
          outcome = e;
        },
      );
  };
  for (const [i, event] of events.entries()) {
    switch (event.type) {
      case 'send':
        begin(controller.signal);
        break;
      case 'abort':
        if (i === 0) begin(AbortSignal.abort('stop'));
        else controller.abort('stop');
        break;
      case 'result':
        server.send({ jsonrpc: '2.0', id: requestId, result: { ok: true } });
        break;
      case 'error':
        server.send({ jsonrpc: '2.0', id: requestId, error: { code: -32000, message: 'no' } });
        break;
      case 'progress':
        server.notify('notifications/progress', { progressToken: requestId, progress: 1 });
        break;
      case 'timeout':
        await vi.advanceTimersByTimeAsync(1_000);
        break;
      case 'sendFailed':
        break; // armed before the send
      case 'closed':
        await dispatcher.close();
        break;
      default:
        throw new Error(`no live stimulus for ${event.type}`);
    }
    await flush();
  }
  const pendingAfter = dispatcher.pendingRequests;
  const reached = finalState;
  const cancelNotifications = sent(server, 'notifications/cancelled').length;
  await dispatcher.close();
  await flush();
  return { finalState: reached, outcome, cancelNotifications, pendingAfter, progressCalls };
}

describe('every machine that runs compiled is covered by the agreement test', () => {
  it('lists the request, inbound request and dispatcher machines', () => {
    expect(compiledCases.map((c) => c.machine)).toEqual([
      requestMachine,
      inboundRequestMachine,
      dispatcherMachine,
    ]);
  });
});

describe('every transition of the inbound request machine, replayed on live sessions', () => {
  const input = { method: 'sampling/createMessage' };
  const start = reachable(inboundRequestMachine, inboundEvents, input).find(
    (s) => s.key === 'handling',
  );
  for (const event of inboundEvents) {
    const target = xstateStep(inboundRequestMachine, start?.snapshot, event).value;
    it(`handling → ${event.type} ⇒ ${target}`, async () => {
      let signal: AbortSignal | undefined;
      let settle: { resolve(v: unknown): void; reject(e: unknown): void } | undefined;
      let finalState: string | undefined;
      const [clientSide, serverSide] = createInMemoryTransportPair();
      const server = startScriptedServer(serverSide);
      const session = createClientSession({
        transport: clientSide,
        inspect: (e) => {
          if (
            e.type === '@xstate.snapshot' &&
            (e.actorRef as { id?: string }).id === 'inbound:1000'
          ) {
            finalState = (e.snapshot as unknown as { value: string }).value;
          }
        },
        requestHandlers: {
          'sampling/createMessage': (_p, extra) => {
            signal = extra.signal;
            return new Promise((resolve, reject) => {
              settle = { resolve, reject };
            });
          },
        },
      });
      await session.connect();
      const answer = server.request('sampling/createMessage', {}).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      await flush();
      expect(finalState).toBe('handling');
      switch (event.type) {
        case 'resolved':
          settle?.resolve({ role: 'assistant', model: 'm', content: { type: 'text', text: 'hi' } });
          break;
        case 'rejected':
          settle?.reject(new Error('declined'));
          break;
        case 'cancelled':
          server.notify('notifications/cancelled', { requestId: 1000, reason: 'stop' });
          break;
        case 'closed':
          await session.close();
          break;
      }
      await flush();
      expect(finalState).toBe(target);
      const responses = server.received.filter((m) => (m as { id?: unknown }).id === 1000);
      const run = runPath(inboundRequestMachine, input, [event]);
      const writes = run.actions.flat().filter((a) => a.startsWith('respond')).length;
      expect(responses).toHaveLength(writes);
      expect(signal?.aborted).toBe(run.actions.flat().includes('abortHandler'));
      if (event.type === 'resolved')
        await expect(answer).resolves.toMatchObject({ result: { model: 'm' } });
      if (event.type === 'rejected')
        await expect(answer).resolves.toMatchObject({ error: { code: -32603 } });
      await session.close();
    });
  }
});

describe('shortest paths of the dispatcher machine, replayed on a live dispatcher', () => {
  const paths = getShortestPaths(dispatcherMachine, {
    events: dispatcherEvents as never,
    serializeState: valueOf,
  });
  // Every transition: each reachable state's shortest path, then each event that does something.
  const shortest = new Map(paths.map((p) => [valueOf(p.state), eventsOf(p)]));
  for (const { key, snapshot } of reachable(dispatcherMachine, dispatcherEvents, undefined)) {
    for (const event of dispatcherEvents) {
      const step = xstateStep(dispatcherMachine, snapshot, event);
      if (step.value === key && step.actions.length === 0) continue;
      // A transport delivers nothing before start, so `closed` is reached live through `open`.
      const prefix: EventObject[] =
        key === 'closed' ? [{ type: 'start' }, { type: 'close' }] : (shortest.get(key) ?? []);
      const events = [...prefix, event];
      it(`${events.map((e) => e.type).join(' → ')} ⇒ ${step.value}`, async () => {
        let handlers:
          { message(m: unknown): void; error(e: Error): void; closed(r?: Error): void } | undefined;
        const written: unknown[] = [];
        let transportClosed = 0;
        const seen = { exceptions: 0, notifications: 0, diagnostics: [] as string[], closes: 0 };
        const dispatcher = createDispatcher(
          {
            start: (h) => {
              handlers = h;
            },
            send: (m) => {
              written.push(m);
            },
            close: () => {
              transportClosed += 1;
              return Promise.resolve();
            },
          },
          { onDiagnostic: (d) => void seen.diagnostics.push(d.code) },
        );
        dispatcher.onClose(() => (seen.closes += 1));
        for (const e of events) {
          switch (e.type) {
            case 'start':
              await dispatcher.start({
                exception: () => (seen.exceptions += 1),
                notification: () => (seen.notifications += 1),
              });
              break;
            case 'message':
              handlers?.message({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
              break;
            case 'exception':
              handlers?.error(new Error('bad line'));
              break;
            case 'transportClosed':
              handlers?.closed();
              break;
            case 'close':
              await dispatcher.close();
              break;
          }
        }
        expect(dispatcher.state).toBe(step.value);
        const all = runPath(dispatcherMachine, undefined, events).actions.flat();
        expect(seen.notifications).toBe(all.filter((a) => a === 'route').length);
        expect(seen.exceptions).toBe(all.filter((a) => a === 'reportException').length);
        expect(seen.diagnostics.filter((d) => d === 'MESSAGE_AFTER_CLOSE').length).toBe(
          all.filter((a) => a === 'reportLate').length,
        );
        expect(seen.closes).toBe(all.includes('announceClosed') ? 1 : 0);
        expect(transportClosed).toBe(all.filter((a) => a === 'closeTransport').length);
        expect(written).toEqual([]);
      });
    }
  }
});
