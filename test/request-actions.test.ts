import { describe, expect, it } from 'vitest';
import type { RequestEvent } from '../machines/request.js';
import { OutboundRequest } from '../src/core/actors.js';
import type { BoundState } from '../src/core/compiled-machine.js';
import { requestActions, type RequestActionParts } from '../src/core/request-actions.js';
import type { Progress } from '../src/core/types.js';
import { ConnectionClosedError, SendFailedError } from '../src/errors/errors.js';
import type { Transport } from '../src/wire/transport.js';
import { flush } from './support/harness.js';

/**
 * The request machine's actions on their own, over recording parts: what a write does when the
 * transport fails or has ended, when progress reaches the caller, and what a cancellation says.
 */

function actionsOver(send: Transport['send'] = () => undefined) {
  const driven: RequestEvent[] = [];
  const callbacks: string[] = [];
  const written: { message: unknown; what: string }[] = [];
  const reporter = {
    wrote: () => {},
    drive: (_req: unknown, event: RequestEvent) => driven.push(event),
    callback: (what: string, fn: () => void) => {
      callbacks.push(what);
      fn();
    },
  } as unknown as RequestActionParts['reporter'];
  const actions = requestActions({
    transport: { send } as Transport,
    table: { release: () => {} },
    deadlines: { start: () => {}, restartIdle: () => {}, settled: () => {} },
    reporter,
    outbox: { write: (message, what) => written.push({ message, what }) },
  });
  // The actions never read the state; a state with no transitions stands in for it.
  const state: BoundState<OutboundRequest, RequestEvent> = {
    key: 'inFlight',
    final: false,
    on: {},
    entry: [],
  };
  const request = (id: string | number = 3, method = 'tools/call'): OutboundRequest =>
    new OutboundRequest(
      state,
      id,
      method,
      { jsonrpc: '2.0', id, method },
      { timeout: 100, maxTotalTimeout: 5_000, resetTimeoutOnProgress: true },
    );
  const run = (name: string, req: OutboundRequest, event: RequestEvent): void => {
    const action = actions[name];
    if (action === undefined) throw new Error(`no action ${name}`);
    action(req, event);
  };
  return { run, request, driven, callbacks, written };
}

const SEND: RequestEvent = { type: 'send' };

describe('request actions: write', () => {
  it('fails the request with SEND_FAILED when the transport throws or rejects', async () => {
    const failures = [
      () => {
        throw new Error('pipe broken');
      },
      () => Promise.reject(new Error('socket hang up')),
    ];
    for (const send of failures) {
      const { run, request, driven } = actionsOver(send);
      run('write', request(), SEND);
      await flush();
      expect(driven).toEqual([{ type: 'sendFailed', error: expect.any(SendFailedError) }]);
    }
  });

  it('leaves the request to the close report when the transport has ended, thrown or rejected', async () => {
    const ended = new ConnectionClosedError({ method: 'tools/call', id: 3 });
    const failures = [
      () => {
        throw ended;
      },
      () => Promise.reject(ended),
    ];
    const seen: RequestEvent[][] = [];
    for (const send of failures) {
      const { run, request, driven } = actionsOver(send);
      run('write', request(), SEND);
      await flush();
      seen.push(driven);
    }
    expect(seen).toEqual([[], []]);
  });
});

describe('request actions: progress', () => {
  it("hands progress to the caller's callback, named after the method, and does nothing without one", () => {
    const { run, request, callbacks } = actionsOver();
    const progress: Progress = { progressToken: 3, progress: 1 };
    const event: RequestEvent = { type: 'progress', progress };
    run('reportProgress', request(), event);
    expect(callbacks).toEqual([]);
    const seen: Progress[] = [];
    const req = request(4, 'resources/read');
    req.onProgress = (p) => seen.push(p);
    run('reportProgress', req, event);
    expect(callbacks).toEqual(['progress callback of resources/read']);
    expect(seen).toEqual([progress]);
  });
});

describe('request actions: notifications/cancelled', () => {
  it('gives the idle or the total time limit that ran out, or the abort reason, and names the request', () => {
    const { run, request, written } = actionsOver();
    run('sendCancelled', request(), { type: 'timeout', kind: 'idle' });
    run('sendCancelled', request(), { type: 'timeout', kind: 'total' });
    run('sendCancelled', request('job', 'tasks/get'), { type: 'abort', reason: 'stop' });
    run('sendCancelled', request(), { type: 'abort', reason: new Error('halt') });
    const cancelled = (requestId: string | number, reason: string) => ({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId, reason },
    });
    expect(written).toEqual([
      {
        message: cancelled(3, 'Request timed out after 100 ms'),
        what: 'notifications/cancelled for tools/call (id 3)',
      },
      {
        message: cancelled(3, 'Request timed out after 5000 ms'),
        what: 'notifications/cancelled for tools/call (id 3)',
      },
      {
        message: cancelled('job', 'stop'),
        what: 'notifications/cancelled for tasks/get (id job)',
      },
      {
        message: cancelled(3, 'halt'),
        what: 'notifications/cancelled for tools/call (id 3)',
      },
    ]);
  });
});
