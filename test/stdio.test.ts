import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClientSession, type Clock, type SessionMessage } from '../src/index.js';
import {
  createStdioTransport,
  ServerExitedError,
  StdoutClosedError,
  type StdioServerParameters,
} from '../src/node/index.js';

/**
 * The stdio transport against real processes. Waiting is event-driven (process exit, pipes
 * closing); the shutdown's waits run on fake timers where a test needs them to pass.
 */

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const server = (extra: Partial<StdioServerParameters> = {}): StdioServerParameters => ({
  command: process.execPath,
  args: [path.join(fixtures, 'line-server.mjs')],
  ...extra,
});

const faulty = (extra: Partial<StdioServerParameters> = {}): StdioServerParameters => ({
  command: process.execPath,
  args: [path.join(fixtures, 'faulty-server.mjs')],
  ...extra,
});

afterEach(() => {
  vi.useRealTimers();
});

/**
 * Whether a process is still running. A zombie waiting to be reaped does not count, and neither
 * does a process already in its exit path: the kernel sets PF_EXITING (0x4 in the flags field of
 * `/proc/PID/stat`) before it closes the process's files, so a grandchild whose inherited stdout
 * has closed can still show state R or S for a moment, but never without that flag.
 */
function running(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  try {
    const fields = readFileSync(stat, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const state = fields[0];
    const flags = Number(fields[6]);
    return state !== 'Z' && state !== 'X' && (flags & 0x4) === 0;
  } catch {
    return false;
  }
}

describe('stdio transport', () => {
  it('runs a session against a real server process and closes it by ending stdin', async () => {
    const transport = createStdioTransport(server());
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    expect(session.serverInfo).toEqual({ name: 'line-server', version: '1.0.0' });
    await expect(session.callTool('echo', { text: 'é€😀' })).resolves.toMatchObject({
      content: [{ type: 'text', text: JSON.stringify({ text: 'é€😀' }) }],
    });
    const pid = transport.pid as number;
    expect(running(pid)).toBe(true);
    await session.close();
    expect(transport.processState).toBe('exited');
    expect(running(pid)).toBe(false);
  });

  it('spawns nothing once closed before it started: connect() rejects with CONNECTION_CLOSED', async () => {
    const transport = createStdioTransport(server());
    await transport.close();
    const session = createClientSession({ transport, mode: 'legacy' });
    await expect(session.connect()).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The stdio transport was closed before it started.',
    });
    expect(transport.pid).toBeUndefined();
  });

  it('starts once: a second start() rejects with INVALID_STATE and spawns no second process', async () => {
    const transport = createStdioTransport(server());
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    const pid = transport.pid;
    const handlers = { message: () => {}, error: () => {}, closed: () => {} };
    await expect(transport.start(handlers)).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'The stdio transport starts once.',
    });
    expect(transport.pid).toBe(pid);
    await session.close();
  });

  it('works through its methods taken apart from it (a transport wrapped as a plain object)', async () => {
    const transport = createStdioTransport(server());
    const { start, send, close } = transport;
    const session = createClientSession({ transport: { start, send, close }, mode: 'legacy' });
    await session.connect();
    await expect(session.callTool('echo', { text: 'apart' })).resolves.toMatchObject({
      content: [{ type: 'text', text: JSON.stringify({ text: 'apart' }) }],
    });
    const pid = transport.pid as number;
    await session.close();
    expect(transport.processState).toBe('exited');
    expect(running(pid)).toBe(false);
  });

  it('passes only a safe environment by default, plus what the caller gives', async () => {
    process.env.SECRET_TOKEN = 'do-not-leak';
    try {
      const session = createClientSession({
        transport: createStdioTransport(server({ env: { EXTRA: 'given' } })),
        mode: 'legacy',
      });
      await session.connect();
      expect(session.instructions).toBe('env SECRET_TOKEN=(unset) EXTRA=given');
      await session.close();
      const inheriting = createClientSession({
        transport: createStdioTransport(server({ inheritEnv: true })),
        mode: 'legacy',
      });
      await inheriting.connect();
      expect(inheriting.instructions).toContain('SECRET_TOKEN=do-not-leak');
      await inheriting.close();
    } finally {
      delete process.env.SECRET_TOKEN;
    }
  });

  it('reports a non-JSON stdout line as a stream exception and keeps going', async () => {
    const messages: SessionMessage[] = [];
    const session = createClientSession({
      transport: createStdioTransport(server()),
      mode: 'legacy',
      messageHandler: (m) => {
        messages.push(m);
      },
    });
    await session.connect();
    await expect(session.callTool('noise', { n: 1 })).resolves.toMatchObject({
      content: [{ text: '{"n":1}' }],
    });
    expect(
      messages
        .filter((m) => m.type === 'exception')
        .map((m) => (m as unknown as { error: { code: string } }).error.code),
    ).toEqual(['INVALID_JSON']);
    await session.close();
  });

  it('fails pending requests with the exit code and the last stderr lines when the server dies', async () => {
    const session = createClientSession({
      transport: createStdioTransport(server({ env: { GREETING: 'starting up' } })),
      mode: 'legacy',
    });
    await session.connect();
    const error: unknown = await session.callTool('crash').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
    const cause = (error as { cause?: unknown }).cause;
    expect(cause).toBeInstanceOf(ServerExitedError);
    expect(cause).toMatchObject({
      exitCode: 3,
      signal: null,
      stderr: ['starting up', 'fatal: the database is on fire'],
    });
    expect((cause as Error).message).toMatch(/exited with code 3.*database is on fire/s);
    expect(session.state).toBe('closed');
  });

  it('tells why a server that cannot start failed', async () => {
    const session = createClientSession({
      transport: createStdioTransport({ command: '/nonexistent/mcp-server' }),
      mode: 'legacy',
    });
    await expect(session.connect()).rejects.toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(/could not be started.*ENOENT/),
    });
    expect(session.state).toBe('closed');
  });

  it('escalates to SIGTERM and SIGKILL for a server that ignores stdin EOF and SIGTERM', async () => {
    const transport = createStdioTransport(server({ env: { STUBBORN: '1' } }));
    const session = createClientSession({ transport, mode: 'legacy' });
    await session.connect();
    const pid = transport.pid as number;
    vi.useFakeTimers();
    const closing = session.close();
    await vi.advanceTimersByTimeAsync(0);
    expect(transport.processState).toBe('endingInput');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(transport.processState).toBe('terminating');
    expect(running(pid)).toBe(true); // it ignores SIGTERM
    await vi.advanceTimersByTimeAsync(2_000);
    vi.useRealTimers();
    await closing;
    expect(transport.processState).toBe('exited');
    expect(running(pid)).toBe(false);
  });

  it('stays closing after a failed connect until the server has exited, and close() waits for it', async () => {
    let now = 0;
    const due: { at: number; fire: () => void }[] = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fire, ms) => {
        const timer = { at: now + ms, fire };
        due.push(timer);
        return timer;
      },
      clearTimeout: (handle) => {
        (handle as { at: number }).at = Infinity;
      },
    };
    // A server that never answers and ignores the end of its input.
    const transport = createStdioTransport({
      command: 'sh',
      args: ['-c', 'exec sleep 100'],
      stdinGraceMs: 300,
    });
    let written!: () => void;
    const initializeWritten = new Promise<void>((resolve) => (written = resolve));
    const session = createClientSession({
      transport,
      mode: 'legacy',
      requestTimeout: 1000,
      clock,
      inspect: (e) => {
        if (e.type === '@xstate.action' && e.action.type === 'write') written();
      },
    });
    const connecting = session.connect().catch((e: unknown) => e);
    await initializeWritten;
    const pid = transport.pid as number;
    now = 1000;
    for (const timer of due.splice(0)) if (timer.at <= now) timer.fire();
    await expect(connecting).resolves.toMatchObject({ code: 'REQUEST_TIMEOUT' });
    expect(session.state).toBe('closing');
    await session.close();
    expect(session.state).toBe('closed');
    expect(transport.processState).toBe('exited');
    expect(running(pid)).toBe(false);
  });

  describe('the server closes its stdout and keeps running', () => {
    it('fails every pending call at once with the cause, and close() waits for the shutdown', async () => {
      expect.assertions(9);
      const transport = createStdioTransport(faulty());
      // A timeout far beyond the output grace: the calls must fail long before it.
      const session = createClientSession({ transport, mode: 'legacy', requestTimeout: 10_000 });
      await session.connect();
      const pid = transport.pid as number;
      const hanging = session.callTool('hang').catch((e: unknown) => e);
      const closing = session.callTool('close-stdout').catch((e: unknown) => e);
      for (const error of await Promise.all([hanging, closing])) {
        expect(error).toMatchObject({ code: 'CONNECTION_CLOSED' });
        const cause = (error as { cause?: unknown }).cause;
        expect(cause).toBeInstanceOf(StdoutClosedError);
        expect(cause).toMatchObject({ code: 'TRANSPORT_ERROR', pid, stderr: ['closing stdout'] });
      }
      expect(session.state).toBe('closed');
      // The session closed on its own; close() still waits until the process is gone.
      await session.close();
      expect(running(pid)).toBe(false);
      expect(transport.processState).toBe('exited');
    });

    it('shuts down a server that ignores the end of its input and SIGTERM', async () => {
      const stderr: string[] = [];
      const transport = createStdioTransport(
        faulty({
          env: { STUBBORN: '1' },
          stdinGraceMs: 50,
          termGraceMs: 50,
          stderr: (text) => stderr.push(text),
        }),
      );
      const session = createClientSession({ transport, mode: 'legacy', requestTimeout: 10_000 });
      await session.connect();
      const pid = transport.pid as number;
      await expect(session.callTool('close-stdout')).rejects.toMatchObject({
        code: 'CONNECTION_CLOSED',
        cause: { name: 'StdoutClosedError', message: expect.stringMatching(/closed its stdout/) },
      });
      await session.close();
      expect(stderr.join('')).toContain('ignoring SIGTERM');
      expect(running(pid)).toBe(false);
      expect(transport.processState).toBe('exited');
    });
  });

  describe('messages over maxMessageBytes', () => {
    const max = 64 * 1024;

    for (const idLast of [false, true]) {
      it(`fails the request an oversize answer is for at once (id ${idLast ? 'last' : 'first'}); the session goes on`, async () => {
        const messages: SessionMessage[] = [];
        const session = createClientSession({
          transport: createStdioTransport(faulty({ maxMessageBytes: max })),
          mode: 'legacy',
          requestTimeout: 10_000,
          messageHandler: (m) => {
            messages.push(m);
          },
        });
        await session.connect();
        await expect(session.callTool('big', { bytes: 4 * max, idLast })).rejects.toMatchObject({
          name: 'StreamError',
          code: 'MESSAGE_TOO_LARGE',
          message: expect.stringMatching(/answer to request 1 is larger than maxMessageBytes/),
        });
        await expect(session.callTool('echo', { after: true })).resolves.toMatchObject({
          content: [{ text: '{"after":true}' }],
        });
        expect(
          messages.flatMap((m) =>
            m.type === 'exception' ? [(m.error as { code?: unknown }).code] : [],
          ),
        ).toEqual(['MESSAGE_TOO_LARGE']);
        await session.close();
      });
    }

    it('closes the connection when an oversize answer runs into the next message', async () => {
      const transport = createStdioTransport(faulty({ maxMessageBytes: max }));
      const session = createClientSession({ transport, mode: 'legacy', requestTimeout: 10_000 });
      await session.connect();
      const pid = transport.pid as number;
      const hanging = session.callTool('hang').catch((e: unknown) => e);
      const glued = session.callTool('glued', { bytes: 4 * max }).catch((e: unknown) => e);
      await expect(hanging).resolves.toMatchObject({
        code: 'CONNECTION_CLOSED',
        cause: {
          name: 'StreamError',
          code: 'MESSAGE_TOO_LARGE',
          message: expect.stringMatching(/lost its framing/),
        },
      });
      // The oversize answer's own request fails by its id, or with the connection.
      const error = (await glued) as { code?: unknown; cause?: { code?: unknown } };
      expect([error.code, error.cause?.code]).toContain('MESSAGE_TOO_LARGE');
      expect(session.state).toBe('closed');
      await session.close();
      expect(running(pid)).toBe(false);
      expect(transport.processState).toBe('exited');
    });
  });

  describe('no orphaned grandchildren', () => {
    function wrapped() {
      let grandchild: number | undefined;
      const transport = createStdioTransport({
        command: process.execPath,
        args: [path.join(fixtures, 'wrapper.mjs')],
        stderr: (text) => {
          const m = /grandchild (\d+)/.exec(text);
          if (m) grandchild = Number(m[1]);
        },
      });
      return { transport, grandchild: () => grandchild };
    }

    it('after close()', async () => {
      const { transport, grandchild } = wrapped();
      const session = createClientSession({ transport, mode: 'legacy' });
      await session.connect();
      const pid = grandchild() as number;
      expect(running(pid)).toBe(true);
      await session.close();
      expect(running(pid)).toBe(false);
    });

    it('after the server crashes', async () => {
      const { transport, grandchild } = wrapped();
      const session = createClientSession({ transport, mode: 'legacy' });
      await session.connect();
      const pid = grandchild() as number;
      await expect(session.callTool('crash')).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
      expect(running(pid)).toBe(false);
    });

    it('after connect is abandoned', async () => {
      const { transport, grandchild } = wrapped();
      const session = createClientSession({ transport, mode: 'legacy' });
      const connecting = session.connect().catch((e: unknown) => e);
      await session.close();
      await expect(connecting).resolves.toMatchObject({ code: 'CONNECTION_CLOSED' });
      const pid = grandchild();
      if (pid !== undefined) expect(running(pid)).toBe(false);
      expect(transport.processState).toBe('exited');
    });
  });
});
