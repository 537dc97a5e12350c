import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConnectionClosedError,
  ConnectTimeoutError,
  createClientSession,
  createInMemoryTransportPair,
  type JsonRpcMessage,
  type Transport,
  type TransportHandlers,
} from '../src/index.js';
import { createStdioTransport, ServerExitedError } from '../src/node/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { steppingClock } from './support/clock.js';
import { flush, sent } from './support/harness.js';

/**
 * connect() and the calls of a session whose transport ends: they reject with the connection's
 * close and its reason, never with the failed write that came first.
 */

const methodOf = (m: JsonRpcMessage): string => ('method' in m ? m.method : '(response)');

/**
 * A transport that has ended before the session writes anything (a server process that exited):
 * every write throws, and the close, with why, is reported only when the test says, as a process
 * exit is reported after its output was read to the end.
 */
function endedTransport(): {
  transport: Transport;
  writes: string[];
  firstWrite: Promise<void>;
  reportClosed(reason: Error): void;
} {
  let handlers: TransportHandlers | undefined;
  const writes: string[] = [];
  let wrote!: () => void;
  const firstWrite = new Promise<void>((resolve) => (wrote = resolve));
  return {
    transport: {
      start: (h) => {
        handlers = h;
      },
      send: (message) => {
        writes.push(methodOf(message));
        wrote();
        throw new ConnectionClosedError();
      },
      close: async () => {},
    },
    writes,
    firstWrite,
    reportClosed: (reason) => handlers?.closed(reason),
  };
}

const exited = (): ServerExitedError =>
  new ServerExitedError('mcp-server', 5, null, ['loading config', 'no database']);

describe('connect() when the transport ends first', () => {
  for (const mode of ['auto', 'legacy', 'modern'] as const) {
    it(`${mode}: a write refused because the transport ended waits for its close, and rejects with it`, async () => {
      const ended = endedTransport();
      const session = createClientSession({ transport: ended.transport, mode });
      const outcome = session.connect().then(
        () => 'connected',
        (error: unknown) => error,
      );
      await ended.firstWrite;
      // Before the fix the refused probe was taken for a legacy server, initialize was written
      // and refused too, and connect() failed with SEND_FAILED in these microtasks.
      await flush();
      const reason = exited();
      ended.reportClosed(reason);
      const error = await outcome;
      expect(error).toBeInstanceOf(ConnectionClosedError);
      expect(error).toMatchObject({
        code: 'CONNECTION_CLOSED',
        cause: reason,
        message: expect.stringMatching(/exited with code 5.*loading config\nno database/s),
      });
      // No fallback to initialize: a transport that ended refused nothing.
      expect(ended.writes).toEqual([mode === 'legacy' ? 'initialize' : 'server/discover']);
      expect(session.state).toBe('closed');
      expect(session.dispatcher.pendingRequests).toBe(0);
    });
  }

  it('rejects every call and notification made while the end is being reported with that end', async () => {
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide);
    let handlers!: TransportHandlers;
    let ended = false;
    const transport: Transport = {
      start: (h) => {
        handlers = h;
        return clientSide.start({ ...h, closed: () => {} });
      },
      send: (message) => {
        if (ended) throw new ConnectionClosedError();
        return clientSide.send(message);
      },
      close: () => clientSide.close(),
    };
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    ended = true;
    const call = session.callTool('echo').catch((e: unknown) => e);
    const notification = session.sendRootsListChanged().catch((e: unknown) => e);
    await flush();
    expect(session.dispatcher.pendingRequests).toBe(1);
    const reason = exited();
    handlers.closed(reason);
    for (const error of [await call, await notification]) {
      expect(error).toMatchObject({ code: 'CONNECTION_CLOSED', cause: reason });
      expect((error as Error).message).toMatch(/exited with code 5.*no database/s);
    }
    expect(session.state).toBe('closed');
  });
});

describe('a real server process that exits before answering', () => {
  it('rejects connect() with CONNECTION_CLOSED, the exit code and the stderr tail, every time', async () => {
    for (let run = 0; run < 20; run++) {
      // The session writes its first message only once the server has said its last word and
      // is exiting: the write meets a pipe that is closing, the race this is about.
      let lastWords!: () => void;
      const exiting = new Promise<void>((resolve) => (lastWords = resolve));
      const inner = createStdioTransport({
        command: process.execPath,
        args: ['-e', 'console.error("no database"); process.exit(5)'],
        stderr: () => lastWords(),
      });
      const transport: Transport = {
        start: async (h) => {
          await inner.start(h);
          await exiting;
        },
        send: (m) => inner.send(m),
        close: () => inner.close(),
      };
      const session = createClientSession({ transport });
      const error: unknown = await session.connect().catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'CONNECTION_CLOSED',
        cause: { exitCode: 5, signal: null, stderr: ['no database'] },
        message: expect.stringMatching(/exited with code 5.*no database/s),
      });
      expect((error as Error).cause).toBeInstanceOf(ServerExitedError);
      expect(session.state).toBe('closed');
    }
  });
});

describe('the connect timeout', () => {
  /** A transport over an in-memory link whose start completes when the test says. */
  function slowToStart(clientSide: Transport): { transport: Transport; started(): void } {
    let started!: () => void;
    const gate = new Promise<void>((resolve) => (started = resolve));
    return {
      transport: {
        start: async (h) => {
          await gate;
          return clientSide.start(h);
        },
        send: (m) => clientSide.send(m),
        close: () => clientSide.close(),
      },
      started: () => started(),
    };
  }

  it('counts from connect(), across the transport start, the probe and the handshake', async () => {
    const clock = steppingClock();
    const [clientSide, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide, {
      handlers: { 'server/discover': () => NO_RESPONSE, initialize: () => NO_RESPONSE },
    });
    const slow = slowToStart(clientSide);
    const session = createClientSession({
      transport: slow.transport,
      mode: 'auto',
      clock,
      initializeTimeout: 5_000,
      probeTimeout: 3_000,
    });
    const outcome = session.connect().catch((e: unknown) => e);
    clock.advance(1_500);
    slow.started();
    await flush();
    expect(sent(server, 'server/discover')).toHaveLength(1);
    clock.advance(3_000); // 4 500 ms: the probe gives up, initialize is written
    await flush();
    expect(session.negotiationPath).toBe('handshaking');
    expect(sent(server, 'initialize')).toHaveLength(1);
    clock.advance(499);
    await flush();
    expect(session.state).toBe('initializing');
    clock.advance(1); // 5 000 ms after connect(), 500 ms after initialize was written
    await flush();
    expect(session.state).not.toBe('initializing');
    const error = await outcome;
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect(error).toMatchObject({
      code: 'REQUEST_TIMEOUT',
      timeoutMs: 5_000,
      method: 'initialize',
      message: expect.stringMatching(
        /^connect\(\) timed out after 5000 ms, with no answer to initialize/,
      ),
    });
    await session.close();
    expect(session.dispatcher.pendingRequests).toBe(0);
    expect(clock.pending).toBe(0);
    // MCP basic/lifecycle: initialize is never cancelled.
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
  });

  it('covers a transport that never finishes starting', async () => {
    const clock = steppingClock();
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide);
    const session = createClientSession({
      transport: slowToStart(clientSide).transport,
      mode: 'legacy',
      clock,
      requestTimeout: 2_000, // the connect timeout unless initializeTimeout is given
    });
    const outcome = session.connect().catch((e: unknown) => e);
    clock.advance(2_000);
    await flush();
    expect(session.state).not.toBe('initializing');
    await expect(outcome).resolves.toMatchObject({
      name: 'ConnectTimeoutError',
      timeoutMs: 2_000,
      method: undefined,
      message: expect.stringContaining('while the transport was starting'),
    });
    await session.close();
    expect(clock.pending).toBe(0);
  });

  it('leaves no timer behind once connected, and none when there is no limit', async () => {
    const clock = steppingClock();
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide);
    const session = createClientSession({ transport: clientSide, mode: 'legacy', clock });
    await session.connect();
    expect(clock.pending).toBe(0);
    await session.close();
    const [c2, s2] = createInMemoryTransportPair();
    startScriptedServer(s2, { handlers: { initialize: () => NO_RESPONSE } });
    const unlimited = createClientSession({
      transport: c2,
      mode: 'legacy',
      clock,
      initializeTimeout: Infinity,
    });
    const connecting = unlimited.connect().catch((e: unknown) => e);
    await flush();
    clock.advance(30 * 24 * 3_600_000); // a month: nothing fires
    await flush();
    expect(unlimited.state).toBe('initializing');
    await unlimited.close();
    await expect(connecting).resolves.toBeInstanceOf(ConnectionClosedError);
    expect(clock.pending).toBe(0);
  });

  it('refuses a negative or NaN timeout before any I/O', () => {
    const [clientSide] = createInMemoryTransportPair();
    for (const bad of [{ initializeTimeout: -1 }, { probeTimeout: Number.NaN }]) {
      expect(() => createClientSession({ transport: clientSide, ...bad })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
  });
});

describe('the schemas, loading while connect() runs', () => {
  afterEach(() => {
    vi.doUnmock('../src/protocol/schemas/index.js');
    vi.resetModules();
  });

  /** A fresh copy of the package whose schemas finish loading when the test says. */
  async function withSlowSchemas() {
    let release!: () => void;
    const loaded = new Promise<void>((resolve) => (release = resolve));
    vi.resetModules();
    vi.doMock('../src/protocol/schemas/index.js', async (importOriginal) => {
      await loaded;
      return importOriginal();
    });
    const mcp = await import('../src/index.js');
    const testing = await import('../src/testing/index.js');
    return { mcp, testing, release: () => release() };
  }

  it('writes the first request without waiting for them, and checks the answer once they are in', async () => {
    const { mcp, testing, release } = await withSlowSchemas();
    const [clientSide, serverSide] = mcp.createInMemoryTransportPair();
    const server = testing.startScriptedServer(serverSide);
    const session = mcp.createClientSession({ transport: clientSide, mode: 'legacy' });
    const connecting = session.connect();
    await flush();
    // Before, nothing was written until the schemas had loaded.
    expect(sent(server, 'initialize')).toHaveLength(1);
    expect(session.state).toBe('initializing');
    release();
    await expect(connecting).resolves.toMatchObject({ era: 'legacy' });
    // A ready session validates results: a tools/list without tools is refused.
    const [c2, s2] = mcp.createInMemoryTransportPair();
    testing.startScriptedServer(s2, { handlers: { 'tools/list': () => ({ nope: 1 }) } });
    const second = mcp.createClientSession({ transport: c2, mode: 'legacy' });
    await second.connect();
    await expect(second.listTools()).rejects.toMatchObject({ code: 'INVALID_RESULT' });
    await session.close();
    await second.close();
  });

  it('are covered by the connect timeout', async () => {
    const { mcp, testing } = await withSlowSchemas();
    const clock = steppingClock();
    const [clientSide, serverSide] = mcp.createInMemoryTransportPair();
    testing.startScriptedServer(serverSide);
    const session = mcp.createClientSession({
      transport: clientSide,
      mode: 'legacy',
      clock,
      initializeTimeout: 1_000,
    });
    const outcome = session.connect().catch((e: unknown) => e);
    await flush();
    clock.advance(1_000);
    await flush();
    expect(session.state).not.toBe('initializing');
    await expect(outcome).resolves.toMatchObject({ code: 'REQUEST_TIMEOUT', timeoutMs: 1_000 });
    await session.close();
  });
});
