import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createClientSession,
  createDispatcher,
  createInMemoryTransportPair,
  DEFAULT_REQUEST_TIMEOUT_MS,
  RequestCancelledError,
  RequestTimeoutError,
  type Clock,
  type Transport,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { connected, diagnostics, flush, sent } from './support/harness.js';

const silent = { handlers: { 'tools/call': () => NO_RESPONSE } };

/** The progress token the session put on the n-th tools/call. */
function tokenOf(server: { received: unknown[] }, n = 0): unknown {
  const calls = server.received.filter((m) => (m as { method?: string }).method === 'tools/call');
  return (calls[n] as { params: { _meta?: { progressToken?: unknown } } }).params._meta
    ?.progressToken;
}

describe('request timeouts (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times out after the session default, sends notifications/cancelled with a reason, and forgets the request', async () => {
    const { session, server } = await connected({}, silent);
    const call = session.request('tools/call', { name: 'slow' });
    const outcome = expect(call).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      kind: 'idle',
      timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      message: expect.stringMatching(/tools\/call.*id 1/),
    });
    await vi.advanceTimersByTimeAsync(DEFAULT_REQUEST_TIMEOUT_MS - 1);
    expect(session.dispatcher.pendingRequests).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    await flush();
    const [cancel] = sent(server, 'notifications/cancelled');
    expect(cancel?.params).toEqual({ requestId: 1, reason: expect.stringMatching(/timed out/) });
    expect(session.dispatcher.pendingRequests).toBe(0);
    expect(session.dispatcher.timerArmed).toBe(false);
    await session.close();
  });

  it('has no 60 s cap a user cannot lift: requestTimeout Infinity never times out', async () => {
    const { session, server } = await connected({ requestTimeout: Infinity }, silent);
    const call = session.request('tools/call', { name: 'long' });
    await vi.advanceTimersByTimeAsync(10 * 60 * 60 * 1000);
    expect(session.dispatcher.pendingRequests).toBe(1);
    expect(session.dispatcher.timerArmed).toBe(false);
    server.send({ jsonrpc: '2.0', id: 1, result: { late: 'but fine' } });
    await expect(call).resolves.toEqual({ late: 'but fine' });
    await session.close();
  });

  it('a per-call timeout overrides the session default in both directions', async () => {
    const { session } = await connected({ requestTimeout: 1_000 }, silent);
    const short = session.request('tools/call', {}, { timeout: 100 });
    const long = session.request('tools/call', {}, { timeout: 5_000 });
    const shortOutcome = expect(short).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      timeoutMs: 100,
    });
    const longOutcome = expect(long).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      timeoutMs: 5_000,
    });
    await vi.advanceTimersByTimeAsync(100);
    await shortOutcome;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(session.dispatcher.pendingRequests).toBe(1);
    await vi.advanceTimersByTimeAsync(2_900);
    await longOutcome;
    await session.close();
  });

  it('resets the idle timeout on progress, even without a progress callback', async () => {
    const { session, server } = await connected({}, silent);
    const call = session.request(
      'tools/call',
      {},
      { timeout: 1_000, resetTimeoutOnProgress: true },
    );
    await flush();
    const token = tokenOf(server);
    expect(token).toBe(1);
    for (let i = 1; i <= 5; i++) {
      await vi.advanceTimersByTimeAsync(900);
      server.notify('notifications/progress', { progressToken: token, progress: i });
      await flush();
    }
    // 4.5 s in: without the resets it would have timed out long ago.
    expect(session.dispatcher.pendingRequests).toBe(1);
    const outcome = expect(call).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', kind: 'idle' });
    await vi.advanceTimersByTimeAsync(1_000);
    await outcome;
    await session.close();
  });

  it('does not reset on progress unless asked', async () => {
    const { session, server } = await connected({}, silent);
    const seen: number[] = [];
    const call = session.request(
      'tools/call',
      {},
      { timeout: 1_000, onProgress: (p) => seen.push(p.progress) },
    );
    const outcome = expect(call).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    await vi.advanceTimersByTimeAsync(900);
    server.notify('notifications/progress', { progressToken: tokenOf(server), progress: 1 });
    await flush();
    await vi.advanceTimersByTimeAsync(100);
    await outcome;
    expect(seen).toEqual([1]);
    await session.close();
  });

  it('enforces maxTotalTimeout however much progress arrives', async () => {
    const { session, server } = await connected({}, silent);
    const call = session.request(
      'tools/call',
      {},
      { timeout: 1_000, resetTimeoutOnProgress: true, maxTotalTimeout: 3_000 },
    );
    const outcome = expect(call).rejects.toMatchObject({
      code: 'REQUEST_TIMEOUT',
      kind: 'total',
      timeoutMs: 3_000,
      message: expect.stringContaining('maxTotalTimeout'),
    });
    for (let i = 1; i <= 3; i++) {
      await vi.advanceTimersByTimeAsync(900);
      server.notify('notifications/progress', { progressToken: tokenOf(server), progress: i });
      await flush();
    }
    await vi.advanceTimersByTimeAsync(300);
    await outcome;
    await session.close();
  });

  it('uses the session-wide maxTotalTimeout and resetTimeoutOnProgress defaults', async () => {
    const { session, server } = await connected(
      { requestTimeout: 500, resetTimeoutOnProgress: true, maxTotalTimeout: 2_000 },
      silent,
    );
    const call = session.request('tools/call', {});
    const outcome = expect(call).rejects.toMatchObject({ kind: 'total' });
    for (let i = 1; i <= 4; i++) {
      await vi.advanceTimersByTimeAsync(400);
      server.notify('notifications/progress', { progressToken: tokenOf(server), progress: i });
      await flush();
    }
    expect(session.dispatcher.pendingRequests).toBe(1);
    await vi.advanceTimersByTimeAsync(400);
    await outcome;
    await session.close();
  });

  it('times out many requests with different deadlines, each at its own time', async () => {
    const { session } = await connected({}, silent);
    const settled: number[] = [];
    // Neither ascending nor descending, and the latest written last: a timer armed for the last
    // deadline seen (or the first) instead of the earliest would miss the ones before it.
    const calls = [200, 100, 50, 300, 100].map((timeout, i) =>
      session.request('tools/call', { i }, { timeout }).catch(() => settled.push(i)),
    );
    let now = 0;
    const at = async (t: number): Promise<number[]> => {
      await vi.advanceTimersByTimeAsync(t - now);
      now = t;
      return [...settled].sort();
    };
    expect(await at(49)).toEqual([]);
    expect(await at(50)).toEqual([2]);
    expect(await at(99)).toEqual([2]);
    expect(await at(100)).toEqual([1, 2, 4]);
    expect(await at(199)).toEqual([1, 2, 4]);
    expect(await at(200)).toEqual([0, 1, 2, 4]);
    expect(await at(299)).toEqual([0, 1, 2, 4]);
    expect(await at(300)).toEqual([0, 1, 2, 3, 4]);
    await Promise.all(calls);
    expect(session.dispatcher.pendingRequests).toBe(0);
    await session.close();
  });

  it('ignores a late response after a timeout (diagnostic, not an error)', async () => {
    const { session, server, messages } = await connected({}, silent);
    const call = session.request('tools/call', {}, { timeout: 10 });
    const outcome = expect(call).rejects.toBeInstanceOf(RequestTimeoutError);
    await vi.advanceTimersByTimeAsync(10);
    await outcome;
    server.send({ jsonrpc: '2.0', id: 1, result: { late: true } });
    await flush();
    expect(diagnostics(messages)).toEqual(['LATE_RESPONSE']);
    await expect(session.ping()).resolves.toBeUndefined();
    await session.close();
  });

  it('drives timeouts through an injected clock', async () => {
    vi.useRealTimers();
    let now = 0;
    const timers: { at: number; fn: () => void; live: boolean }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn, live: true };
        timers.push(t);
        return t;
      },
      clearTimeout: (h) => {
        (h as { live: boolean }).live = false;
      },
    };
    const advance = (ms: number) => {
      now += ms;
      for (const t of [...timers]) {
        if (t.live && t.at <= now) {
          t.live = false;
          t.fn();
        }
      }
    };
    const { session } = await connected({ clock, requestTimeout: 50 }, silent);
    const call = session.request('tools/call', {});
    advance(49);
    expect(session.dispatcher.pendingRequests).toBe(1);
    advance(1);
    await expect(call).rejects.toMatchObject({ code: 'REQUEST_TIMEOUT', timeoutMs: 50 });
    expect(timers.filter((t) => t.live)).toHaveLength(0);
    await session.close();
  });

  it('rejects an invalid timeout option before any I/O', async () => {
    const { session, server } = await connected({}, silent);
    const before = server.received.length;
    await expect(session.request('tools/call', {}, { timeout: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('timeout'),
    });
    await expect(
      session.request('tools/call', {}, { maxTotalTimeout: Number.NaN }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    expect(() =>
      createDispatcher(createInMemoryTransportPair()[0], { requestTimeout: -5 }),
    ).toThrow(/requestTimeout/);
    await flush();
    expect(server.received.length).toBe(before);
    await session.close();
  });
});

describe('cancellation', () => {
  it('abort sends notifications/cancelled with the reason and rejects with REQUEST_CANCELLED, not a timeout', async () => {
    const { session, server } = await connected({}, silent);
    const controller = new AbortController();
    const call = session.request('tools/call', { name: 'x' }, { signal: controller.signal });
    await flush();
    controller.abort('user pressed stop');
    const error: unknown = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestCancelledError);
    expect(error).not.toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ code: 'REQUEST_CANCELLED', reason: 'user pressed stop' });
    await flush();
    expect(sent(server, 'notifications/cancelled').map((m) => m.params)).toEqual([
      { requestId: 1, reason: 'user pressed stop' },
    ]);
    expect(session.dispatcher.pendingRequests).toBe(0);
    await session.close();
  });

  it('writes nothing for a signal that is already aborted', async () => {
    const { session, server } = await connected({}, silent);
    const before = server.received.length;
    await expect(
      session.request('tools/call', {}, { signal: AbortSignal.abort(new Error('too late')) }),
    ).rejects.toMatchObject({
      code: 'REQUEST_CANCELLED',
      message: expect.stringContaining('too late'),
    });
    await flush();
    expect(server.received.length).toBe(before);
    expect(session.dispatcher.pendingRequests).toBe(0);
    await session.close();
  });

  it('removes its abort listener when the request settles', async () => {
    const { session, server } = await connected({}, silent);
    const controller = new AbortController();
    const removed = vi.spyOn(controller.signal, 'removeEventListener');
    const call = session.request('tools/call', {}, { signal: controller.signal });
    await flush();
    server.send({ jsonrpc: '2.0', id: 1, result: {} });
    await call;
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
    controller.abort();
    await flush();
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
    await session.close();
  });

  it('ignores a late response after cancellation', async () => {
    const { session, server, messages } = await connected({}, silent);
    const controller = new AbortController();
    const call = session.request('tools/call', {}, { signal: controller.signal });
    await flush();
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(RequestCancelledError);
    server.send({ jsonrpc: '2.0', id: 1, result: {} });
    await flush();
    expect(diagnostics(messages)).toEqual(['LATE_RESPONSE']);
    await session.close();
  });

  it.each(['initialize', 'server/discover'])(
    'never sends notifications/cancelled for %s, even when the caller aborts it',
    async (method) => {
      const [clientSide, serverSide] = createInMemoryTransportPair();
      const server = startScriptedServer(serverSide, { handlers: { [method]: () => NO_RESPONSE } });
      const dispatcher = createDispatcher(clientSide);
      await dispatcher.start();
      const controller = new AbortController();
      const call = dispatcher.request(method, {}, { signal: controller.signal });
      await flush();
      controller.abort('give up');
      await expect(call).rejects.toBeInstanceOf(RequestCancelledError);
      expect(dispatcher.pendingRequests).toBe(0);
      await flush();
      expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
      await dispatcher.close();
    },
  );
});

describe('error answers', () => {
  it('rejects with the JSON-RPC error and lets the request go: its id can be used again', async () => {
    const { session, server } = await connected({}, silent);
    const call = session.request('tools/call', {}, { requestId: 'e1' });
    await flush();
    server.send({ jsonrpc: '2.0', id: 'e1', error: { code: -32602, message: 'bad arguments' } });
    await expect(call).rejects.toMatchObject({ code: -32602, rpcMessage: 'bad arguments' });
    expect(session.dispatcher.pendingRequests).toBe(0);
    const again = session.request('tools/call', {}, { requestId: 'e1' });
    await flush();
    server.send({ jsonrpc: '2.0', id: 'e1', result: { ok: true } });
    await expect(again).resolves.toEqual({ ok: true });
    await session.close();
  });
});

describe('send failures', () => {
  it('rejects with SEND_FAILED when the transport throws, and forgets the request', async () => {
    const failing: Transport = {
      start: () => {},
      send: (m) => {
        if ('id' in m) throw new Error('pipe broken');
      },
      close: async () => {},
    };
    const dispatcher = createDispatcher(failing);
    await dispatcher.start();
    await expect(dispatcher.request('tools/list')).rejects.toMatchObject({
      code: 'SEND_FAILED',
      message: expect.stringMatching(/tools\/list.*pipe broken/),
    });
    expect(dispatcher.pendingRequests).toBe(0);
    await dispatcher.close();
  });

  it('rejects with SEND_FAILED when the transport rejects asynchronously', async () => {
    const failing: Transport = {
      start: () => {},
      send: () => Promise.reject(new Error('backpressure gave up')),
      close: async () => {},
    };
    const dispatcher = createDispatcher(failing);
    await dispatcher.start();
    await expect(dispatcher.request('tools/list')).rejects.toMatchObject({ code: 'SEND_FAILED' });
    await expect(dispatcher.notify('notifications/x')).rejects.toMatchObject({
      code: 'SEND_FAILED',
    });
    expect(dispatcher.pendingRequests).toBe(0);
    await dispatcher.close();
  });

  it('a session whose transport refuses initialize fails connect and closes', async () => {
    const failing: Transport = {
      start: () => {},
      send: () => {
        throw new Error('no pipe');
      },
      close: async () => {},
    };
    const session = createClientSession({ transport: failing });
    await expect(session.connect()).rejects.toMatchObject({ code: 'SEND_FAILED' });
    await flush();
    expect(session.state).toBe('closed');
  });
});
