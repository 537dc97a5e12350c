import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { dispatcherMachine, type DispatcherEvent } from '../machines/dispatcher.js';
import { inboundRequestMachine, type InboundRequestEvent } from '../machines/inbound-request.js';
import type { RequestEvent } from '../machines/request.js';
import {
  DispatcherActor,
  InboundRequestActor,
  OutboundRequest,
  compiledMachines,
} from '../src/core/actors.js';
import { systemClock } from '../src/core/clock.js';
import { bindProgram, type BoundState } from '../src/core/compiled-machine.js';
import type { Diagnostic } from '../src/core/diagnostics.js';
import { Outbox, sendFailure, transportEnded } from '../src/core/outbox.js';
import { Reporter } from '../src/core/reporting.js';
import { canonicalInteger, checkTimeout, idKey } from '../src/core/types.js';
import { ConnectionClosedError, SendFailedError, StreamError } from '../src/errors/errors.js';
import type { JsonRpcMessage } from '../src/wire/jsonrpc.js';
import type { Transport } from '../src/wire/transport.js';

/** The dispatcher's small pieces, each checked on its own: what their callers rely on. */

describe('checkTimeout', () => {
  it('takes 0, any positive number, Infinity and no value', () => {
    for (const value of [undefined, 0, 1, 0.5, 60_000, Infinity]) {
      expect(() => checkTimeout('timeout', value)).not.toThrow();
    }
  });

  it('refuses a negative number, NaN and what is not a number, naming the option', () => {
    expect.assertions(4);
    for (const value of [-1, -Infinity, NaN, '10' as unknown as number]) {
      expect(() => checkTimeout('maxTotalTimeout', value)).toThrow(
        `maxTotalTimeout must be a number of milliseconds ≥ 0, or Infinity for none; got ${String(value)}.`,
      );
    }
  });
});

describe('request ids: one key for "7" and 7', () => {
  it('reads a string that spells an integer exactly, and nothing else', () => {
    expect(canonicalInteger('7')).toBe(7);
    expect(canonicalInteger('-12')).toBe(-12);
    for (const s of ['07', '7.5', '1e3', ' 7', '', '-0', 'x']) {
      expect({ s, n: canonicalInteger(s) }).toEqual({ s, n: undefined });
    }
  });

  it('keys a request by that integer, other ids as they are', () => {
    expect([idKey('7'), idKey(7), idKey('07'), idKey('a'), idKey(1.5)]).toEqual([
      7,
      7,
      '07',
      'a',
      1.5,
    ]);
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads Date.now() and arms and clears the global timers', () => {
    vi.useFakeTimers({ now: 1_234_567 });
    expect(systemClock.now()).toBe(1_234_567);
    const fired: string[] = [];
    const kept = systemClock.setTimeout(() => fired.push('kept'), 10);
    const cleared = systemClock.setTimeout(() => fired.push('cleared'), 10);
    expect(vi.getTimerCount()).toBe(2);
    systemClock.clearTimeout(cleared);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(10);
    expect({ fired, timers: vi.getTimerCount() }).toEqual({ fired: ['kept'], timers: 0 });
    systemClock.clearTimeout(kept);
  });

  it('now() follows the system time, read when called', async () => {
    vi.useFakeTimers({ now: 5_000 });
    // Loaded here, inside the test, so that the object is built while it runs.
    const { systemClock: clock } = await import('../src/core/clock.js');
    expect(clock.now()).toBe(5_000);
    vi.setSystemTime(7_500);
    expect(clock.now()).toBe(7_500);
  });
});

describe('Reporter', () => {
  function reporterOf() {
    const self = { _parent: undefined, getSnapshot: () => ({ status: 'active' }) };
    const diagnostics: Diagnostic[] = [];
    const reporter = new Reporter(self as unknown as DispatcherActor, (d) => {
      diagnostics.push(d);
    });
    return { self, reporter, diagnostics };
  }

  it('reports a callback that throws as CALLBACK_FAILED, naming what threw and why', () => {
    const { reporter, diagnostics } = reporterOf();
    const error = new Error('boom');
    reporter.callback('onprogress callback', () => {
      throw error;
    });
    expect(diagnostics).toEqual([
      {
        code: 'CALLBACK_FAILED',
        message: 'The onprogress callback threw: boom',
        payload: error,
      },
    ]);
  });

  it('gives a diagnostic without a payload no payload field at all', () => {
    const { reporter, diagnostics } = reporterOf();
    reporter.diagnose('WRITE_FAILED', 'no payload here');
    reporter.diagnose('WRITE_FAILED', 'with one', { id: 1 });
    expect(diagnostics.map((d) => Object.keys(d))).toEqual([
      ['code', 'message'],
      ['code', 'message', 'payload'],
    ]);
    expect(diagnostics[0]).toStrictEqual({ code: 'WRITE_FAILED', message: 'no payload here' });
  });

  it('leaves alone what a listener returns unless it is a Promise', () => {
    const self = { _parent: undefined };
    const notAPromise = { catch: vi.fn() };
    const reporter = new Reporter(self as unknown as DispatcherActor, () => notAPromise as never);
    const after = vi.fn();
    reporter.onDiagnostic(after);
    reporter.diagnose('WRITE_FAILED', 'x');
    expect({
      catchCalls: notAPromise.catch.mock.calls.length,
      after: after.mock.calls.length,
    }).toEqual({ catchCalls: 0, after: 1 });
  });

  it('inspect(undefined) stops the inspection and leaves the parent as it was', () => {
    const { self, reporter } = reporterOf();
    const events: InspectionEvent[] = [];
    const parent = { id: 'parent' } as unknown as AnyActorRef;
    reporter.inspect({ observer: (e) => events.push(e), rootId: 'root' }, parent);
    expect(events.map((e) => e.type)).toEqual(['@xstate.actor', '@xstate.snapshot']);
    expect(self._parent).toBe(parent);
    reporter.inspect(undefined, { id: 'other' } as unknown as AnyActorRef);
    reporter.wroteSelf({ jsonrpc: '2.0', method: 'x' });
    expect({ parent: self._parent, events: events.length }).toEqual({ parent, events: 2 });
  });
});

describe('Outbox', () => {
  const message: JsonRpcMessage = { jsonrpc: '2.0', id: 3, result: {} };

  function outboxOver(send: Transport['send']) {
    const wrote: unknown[] = [];
    const diagnostics: unknown[] = [];
    const transport = { send } as Transport;
    const outbox = new Outbox(transport, {
      wroteSelf: (m) => wrote.push(m),
      diagnose: (code, text, payload) => diagnostics.push({ code, text, payload }),
    });
    return { outbox, wrote, diagnostics };
  }

  it('shows each write to the inspector, and reports nothing when it succeeds', async () => {
    const sent: unknown[] = [];
    const { outbox, wrote, diagnostics } = outboxOver((m) => {
      sent.push(m);
      return Promise.resolve();
    });
    outbox.write(message, 'the response to request 3');
    await Promise.resolve();
    expect({ sent, wrote, diagnostics }).toEqual({
      sent: [message],
      wrote: [message],
      diagnostics: [],
    });
  });

  it('reports a write that throws, or that rejects later, as WRITE_FAILED naming what and why', async () => {
    const thrown = outboxOver(() => {
      throw new Error('pipe closed');
    });
    thrown.outbox.write(message, 'the response to request 3');
    const rejected = outboxOver(() => Promise.reject(new Error('socket hang up')));
    rejected.outbox.write(message, 'notifications/cancelled for request 4');
    await new Promise((resolve) => setImmediate(resolve));
    expect([...thrown.diagnostics, ...rejected.diagnostics]).toEqual([
      {
        code: 'WRITE_FAILED',
        text: 'Could not write the response to request 3: pipe closed',
        payload: message,
      },
      {
        code: 'WRITE_FAILED',
        text: 'Could not write notifications/cancelled for request 4: socket hang up',
        payload: message,
      },
    ]);
  });

  it('tells a transport that ended from a write that failed', () => {
    const ref = { method: 'tools/call', id: 1 };
    expect(transportEnded(new ConnectionClosedError(ref))).toBe(true);
    expect(transportEnded(new SendFailedError(ref, new Error('x')))).toBe(false);
    expect(transportEnded(new StreamError('TRANSPORT_ERROR', 'x'))).toBe(false);
    expect(transportEnded(Object.assign(new Error('x'), { code: 'CONNECTION_CLOSED' }))).toBe(
      false,
    );
    expect(sendFailure(ref, new Error('x'))).toBeInstanceOf(SendFailedError);
  });
});

describe('light actors', () => {
  function inboundActor(id: number): InboundRequestActor {
    const noop = () => {};
    const { initial } = bindProgram<InboundRequestActor, InboundRequestEvent>(
      compiledMachines().inbound,
      {
        runHandler: noop,
        respondResult: noop,
        respondError: noop,
        abortHandler: noop,
        release: noop,
      },
    );
    return new InboundRequestActor(initial, id, 'roots/list', undefined);
  }

  function outboundRequest(): OutboundRequest {
    return new OutboundRequest(
      {} as BoundState<OutboundRequest, RequestEvent>,
      1,
      'tools/call',
      { jsonrpc: '2.0', id: 1, method: 'tools/call' },
      { timeout: 1000, maxTotalTimeout: Infinity, resetTimeoutOnProgress: false },
    );
  }

  it('gives each actor its own session id, the same on every read', () => {
    const a = inboundActor(1);
    const b = inboundActor(2);
    expect(a.sessionId).toMatch(/^mcp:\d+$/);
    expect(a.sessionId).toBe(a.sessionId);
    expect(b.sessionId).not.toBe(a.sessionId);
  });

  it('shows an inspector a server request’s machine, state, id and method', () => {
    const actor = inboundActor(7);
    expect({ logic: actor.logic, context: actor.context, snapshot: actor.getSnapshot() }).toEqual({
      logic: inboundRequestMachine,
      context: actor,
      snapshot: { status: 'active', value: 'handling', context: { id: 7, method: 'roots/list' } },
    });
    expect(actor.context).toBe(actor);
  });

  it('shows the dispatcher’s machine', () => {
    const actor = new DispatcherActor({} as BoundState<DispatcherActor, DispatcherEvent>);
    expect(actor.logic).toBe(dispatcherMachine);
  });

  it('makes a request’s extras only when a callback or token is set, and clears them after', () => {
    const request = outboundRequest();
    request.onProgress = undefined;
    request.customToken = undefined;
    expect(request.extras).toBeUndefined();
    const onProgress = () => {};
    request.onProgress = onProgress;
    request.customToken = 'tok';
    expect([request.onProgress, request.customToken]).toEqual([onProgress, 'tok']);
    request.onProgress = undefined;
    request.customToken = undefined;
    expect([request.onProgress, request.customToken]).toEqual([undefined, undefined]);
  });

  it('listens for the caller’s abort once, and stops listening when cleared', () => {
    const request = outboundRequest();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    let heard = 0;
    const listener = () => {
      heard += 1;
    };
    request.listen(controller.signal, listener);
    controller.signal.dispatchEvent(new Event('abort'));
    controller.signal.dispatchEvent(new Event('abort'));
    expect(heard).toBe(1);
    request.listen(controller.signal, listener);
    request.clear();
    controller.signal.dispatchEvent(new Event('abort'));
    expect({ heard, removed: remove.mock.calls, extras: request.extras }).toEqual({
      heard: 1,
      removed: [['abort', listener]],
      extras: undefined,
    });
  });
});
