import { describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  createClientSession,
  createInMemoryTransportPair,
  type JsonRpcMessage,
  type Transport,
  type TransportHandlers,
} from '../src/index.js';
import { createStdioTransport, ServerExitedError } from '../src/node/index.js';
import { startScriptedServer } from '../src/testing/index.js';
import { flush } from './support/harness.js';

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
