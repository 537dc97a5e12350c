import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionClosedError,
  createClientSession,
  createDispatcher,
  createInMemoryTransportPair,
  InvalidStateError,
  JsonRpcError,
  RequestTimeoutError,
  UnsupportedVersionError,
  type ConnectionState,
  type Transport,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { connected, flush, harness, sent } from './support/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('connection lifecycle', () => {
  it('goes preconnect → initializing → ready → closing → closed', async () => {
    const { session } = harness();
    const states: ConnectionState[] = [session.state];
    session.onStateChange((s) => states.push(s));
    await session.connect();
    await session.close();
    expect(states).toEqual(['preconnect', 'initializing', 'ready', 'closing', 'closed']);
    expect(session.actor.getSnapshot().status).toBe('done');
  });

  it('runs every session on one provided connection machine, each connecting on its own steps', async () => {
    // `provide` copies a machine's state nodes (tens of kB): one copy serves every session.
    const a = harness();
    const b = harness({ protocolVersion: '2025-06-18' });
    expect(a.session.actor.logic).toBe(b.session.actor.logic);
    await Promise.all([a.session.connect(), b.session.connect()]);
    expect(a.session.protocolVersion).not.toBe('2025-06-18');
    expect(b.session.protocolVersion).toBe('2025-06-18');
    expect(sent(a.server, 'initialize')).toHaveLength(1);
    expect(sent(b.server, 'initialize')).toHaveLength(1);
    await Promise.all([a.session.close(), b.session.close()]);
  });

  it('sends initialize with the revision, capabilities and client info, then exactly one initialized', async () => {
    const { session, server } = harness({
      clientInfo: { name: 'test-client', version: '9.9.9' },
      capabilities: { roots: { listChanged: true } },
      protocolVersion: '2025-06-18',
    });
    const result = await session.connect();
    await flush();
    const [init] = sent(server, 'initialize');
    expect(init?.params).toEqual({
      protocolVersion: '2025-06-18',
      capabilities: { roots: { listChanged: true } },
      clientInfo: { name: 'test-client', version: '9.9.9' },
    });
    expect(sent(server, 'notifications/initialized')).toHaveLength(1);
    expect(result).toMatchObject({ era: 'legacy', protocolVersion: '2025-06-18' });
    expect(session.initializeResult).toBe(result.era === 'legacy' ? result.initializeResult : null);
    expect(session.discoverResult).toBeUndefined();
    // initialized comes after the initialize request, and nothing else was sent.
    expect(server.received.map((m) => (m as { method?: string }).method)).toEqual([
      'initialize',
      'notifications/initialized',
    ]);
  });

  it('a second connect() returns the cached result with no traffic', async () => {
    const { session, server } = harness();
    const first = session.connect();
    const second = session.connect();
    expect(second).toBe(first);
    await first;
    await flush();
    const count = server.received.length;
    await expect(session.connect()).resolves.toBe(await first);
    await flush();
    expect(server.received.length).toBe(count);
  });

  it('accepts an older revision the server answers with', async () => {
    const { session } = harness({}, { protocolVersion: '2024-11-05' });
    await expect(session.connect()).resolves.toMatchObject({ protocolVersion: '2024-11-05' });
    expect(session.state).toBe('ready');
  });

  it('refuses an unknown revision with a clear error and disconnects, sending no initialized', async () => {
    const { session, server } = harness({}, { protocolVersion: '1999-01-01' });
    await expect(session.connect()).rejects.toBeInstanceOf(UnsupportedVersionError);
    await flush();
    expect(session.state).toBe('closed');
    expect(sent(server, 'notifications/initialized')).toHaveLength(0);
    await expect(session.connect()).rejects.toThrow(/1999-01-01/);
  });

  it('fails connect() with the server error when initialize is refused, and closes', async () => {
    const { session } = harness(
      {},
      {
        handlers: {
          initialize: () => {
            throw new JsonRpcError({ code: -32602, message: 'Unsupported protocol version' });
          },
        },
      },
    );
    await expect(session.connect()).rejects.toMatchObject({
      code: -32602,
      rpcMessage: 'Unsupported protocol version',
      method: 'initialize',
    });
    await flush();
    expect(session.state).toBe('closed');
  });

  it('answers a call in preconnect at once with INVALID_STATE naming the state and the next step', async () => {
    const { session, server } = harness();
    await expect(session.request('tools/list')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      state: 'preconnect',
      message: expect.stringMatching(/preconnect.*connect\(\)/),
    });
    await expect(session.notify('notifications/roots/list_changed')).rejects.toBeInstanceOf(
      InvalidStateError,
    );
    await flush();
    expect(server.received).toHaveLength(0);
  });

  it('allows only ping while initializing', async () => {
    const { session } = harness({}, { handlers: { initialize: () => NO_RESPONSE } });
    const connecting = session.connect();
    await flush();
    expect(session.state).toBe('initializing');
    await expect(session.request('tools/list')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      state: 'initializing',
    });
    await expect(session.ping()).resolves.toBeUndefined();
    await session.close();
    await expect(connecting).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it('refuses calls after close with CONNECTION_CLOSED; connect() still gives the handshake', async () => {
    const { session, server } = await connected();
    const negotiated = await session.connect(); // connected: the handshake's outcome, cached
    expect(negotiated).toMatchObject({ era: 'legacy', protocolVersion: session.protocolVersion });
    await session.close();
    await expect(session.request('tools/list')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
    });
    await expect(session.notify('x')).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const written = server.received.length;
    // The same outcome, from the cache: nothing is written to the closed transport.
    await expect(session.connect()).resolves.toBe(negotiated);
    expect(server.received).toHaveLength(written);
  });

  it('close() from preconnect ends in closed without traffic, and is safe twice', async () => {
    const { session, server } = harness();
    await session.close();
    await session.close();
    expect(session.state).toBe('closed');
    expect(server.received).toHaveLength(0);
    await expect(session.connect()).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('close() rejects every pending request with CONNECTION_CLOSED and leaves nothing running', async () => {
    const { session } = await connected({}, { handlers: { 'tools/call': () => NO_RESPONSE } });
    const calls = [1, 2, 3].map((i) => session.request('tools/call', { name: `t${i}` }));
    await flush();
    expect(session.dispatcher.pendingRequests).toBe(3);
    expect(session.dispatcher.timerArmed).toBe(true);
    await session.close();
    for (const call of calls) {
      await expect(call).rejects.toMatchObject({
        code: 'CONNECTION_CLOSED',
        message: expect.stringContaining('tools/call'),
      });
    }
    expect(session.dispatcher.pendingRequests).toBe(0);
    expect(session.dispatcher.timerArmed).toBe(false);
    expect(session.dispatcher.state).toBe('closed');
  });

  it('goes to closed when the server side closes, failing pending requests', async () => {
    const { session, server } = await connected(
      {},
      { handlers: { 'tools/call': () => NO_RESPONSE } },
    );
    const call = session.request('tools/call', { name: 'x' });
    await flush();
    await server.close();
    await expect(call).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(session.state).toBe('closed');
  });

  it('close during initializing never sends notifications/cancelled for initialize', async () => {
    const { session, server } = harness({}, { handlers: { initialize: () => NO_RESPONSE } });
    const connecting = session.connect();
    await flush();
    await session.close();
    await expect(connecting).rejects.toBeInstanceOf(ConnectionClosedError);
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
  });

  it('initialize timing out closes the session with REQUEST_TIMEOUT and sends no cancellation', async () => {
    vi.useFakeTimers();
    const { session, server } = harness(
      { initializeTimeout: 5_000 },
      { handlers: { initialize: () => NO_RESPONSE } },
    );
    const connecting = session.connect();
    const outcome = expect(connecting).rejects.toBeInstanceOf(RequestTimeoutError);
    await vi.advanceTimersByTimeAsync(5_000);
    await outcome;
    await flush();
    expect(session.state).toBe('closed');
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
  });

  it('fails connect() with CONNECTION_CLOSED when the server goes away during the handshake', async () => {
    const { session, server } = harness({}, { handlers: { initialize: () => NO_RESPONSE } });
    const connecting = session.connect();
    await flush();
    await server.close();
    await expect(connecting).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(session.state).toBe('closed');
  });

  it('keeps the transport’s close reason as the session error and as the cause of pending rejections', async () => {
    let closeWith: ((reason?: Error) => void) | undefined;
    const [inner, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide, { handlers: { 'tools/call': () => NO_RESPONSE } });
    const transport: Transport = {
      start: (h) => {
        closeWith = h.closed;
        return inner.start({ ...h, closed: () => {} });
      },
      send: (m) => inner.send(m),
      close: () => inner.close(),
    };
    const session = createClientSession({ transport });
    await session.connect();
    const call = session.request('tools/call', {});
    await flush();
    const crash = new Error('server process exited with code 3');
    closeWith?.(crash);
    await expect(call).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: crash,
      message: expect.stringContaining('exited with code 3'),
    });
    expect(session.state).toBe('closed');
    expect(session.error).toBe(crash);
    await expect(session.request('tools/list')).rejects.toMatchObject({ cause: crash });
  });

  it('fails connect() and closes when the transport cannot start', async () => {
    const transport: Transport = {
      start: () => Promise.reject(new Error('spawn ENOENT')),
      send: () => {},
      close: async () => {},
    };
    const session = createClientSession({ transport });
    await expect(session.connect()).rejects.toThrow('spawn ENOENT');
    await flush();
    expect(session.state).toBe('closed');
  });

  it('keeps working when the message handler throws or rejects', async () => {
    let calls = 0;
    const { session, server } = await connected({
      messageHandler: (m) => {
        if (m.type !== 'notification') return;
        calls += 1;
        if (calls === 1) throw new Error('sync handler bug');
        return Promise.reject(new Error('async handler bug'));
      },
    });
    server.notify('notifications/message', { level: 'info', data: 1 });
    server.notify('notifications/message', { level: 'info', data: 2 });
    await flush();
    expect(calls).toBe(2);
    await expect(session.ping()).resolves.toBeUndefined();
    await session.close();
  });

  it('reports a state listener that throws as a diagnostic and still changes state', async () => {
    const { session, messages } = harness();
    session.onStateChange(() => {
      throw new Error('listener bug');
    });
    await session.connect();
    expect(session.state).toBe('ready');
    expect(
      messages.filter((m) => m.type === 'diagnostic' && m.diagnostic.code === 'CALLBACK_FAILED')
        .length,
    ).toBeGreaterThan(0);
    await session.close();
  });

  it('supports await using via Symbol.asyncDispose', async () => {
    const { session } = await connected();
    await session[Symbol.asyncDispose]();
    expect(session.state).toBe('closed');
  });

  it('requires exactly one of transport and dispatcher', () => {
    const [a] = createInMemoryTransportPair();
    expect(() => createClientSession({})).toThrow(/either `transport` or `dispatcher`/);
    expect(() => createClientSession({ transport: a, dispatcher: createDispatcher(a) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });

  it('refuses a dispatcher that was already started, before any I/O', async () => {
    const [clientSide] = createInMemoryTransportPair();
    const dispatcher = createDispatcher(clientSide);
    await dispatcher.start();
    expect(() => createClientSession({ dispatcher })).toThrow(
      expect.objectContaining({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('open'),
      }) as Error,
    );
    await dispatcher.close();
  });

  it('runs over a pre-built dispatcher', async () => {
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide, { handlers: { 'tools/list': () => ({ tools: [] }) } });
    const dispatcher = createDispatcher(clientSide, { requestTimeout: 1_000 });
    const session = createClientSession({ dispatcher });
    await session.connect();
    await expect(session.request('tools/list')).resolves.toEqual({ tools: [] });
    expect(session.dispatcher).toBe(dispatcher);
    await session.close();
    expect(dispatcher.state).toBe('closed');
  });
});
