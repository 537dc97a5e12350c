import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createClientSession, createFramedTransport, StreamError } from '../src/index.js';
import { createNodeStreamChannel } from '../src/node/index.js';
import { startScriptedServer } from '../src/testing/index.js';
import { flush } from './support/harness.js';

function pipes(highWaterMark = 16 * 1024) {
  const up = new PassThrough({ highWaterMark }); // client → server
  const down = new PassThrough({ highWaterMark }); // server → client
  return { up, down };
}

describe('Node stream channel', () => {
  it('carries a session over Node streams with newline framing', async () => {
    const { up, down } = pipes();
    const server = startScriptedServer(
      createFramedTransport(createNodeStreamChannel({ readable: up, writable: down })),
      { handlers: { 'tools/call': (p) => ({ echoed: p?.arguments }) } },
    );
    const session = createClientSession({
      transport: createFramedTransport(createNodeStreamChannel({ readable: down, writable: up })),
    });
    await session.connect();
    await expect(session.request('tools/call', { arguments: { text: 'é€😀' } })).resolves.toEqual({
      echoed: { text: 'é€😀' },
    });
    await session.close();
    expect(session.state).toBe('closed');
    expect(server.received.length).toBeGreaterThan(0);
  });

  it.each(['write', 'writeText'] as const)(
    'respects backpressure with one drain listener however many writes wait (%s)',
    async (how) => {
      const { up, down } = pipes(16);
      const channel = createNodeStreamChannel({ readable: down, writable: up });
      await channel.start({ data: () => {}, end: () => {} });
      const before = up.listenerCount('drain');
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 100; i++) {
        const line = `message number ${i}\n`;
        const r =
          how === 'write'
            ? channel.write(new TextEncoder().encode(line))
            : channel.writeText?.(line);
        if (r !== undefined) pending.push(r);
      }
      expect(pending.length).toBeGreaterThan(90);
      expect(up.listenerCount('drain')).toBe(before);
      let settled = 0;
      for (const p of pending) void p.then(() => (settled += 1));
      await flush();
      expect(settled).toBe(0);
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c)); // the reader consumes: drain fires, every waiting write settles
      await new Promise((resolve) => setImmediate(resolve));
      await flush();
      expect(settled).toBe(pending.length);
      expect(Buffer.concat(chunks).toString('utf8')).toBe(
        Array.from({ length: 100 }, (_, i) => `message number ${i}\n`).join(''),
      );
    },
  );

  it('ends the sink when the input ends, and reports a stream error as the reason', async () => {
    const a = pipes();
    const ends: (Error | undefined)[] = [];
    await createNodeStreamChannel({ readable: a.down, writable: a.up }).start({
      data: () => {},
      end: (reason) => ends.push(reason),
    });
    a.down.end();
    a.down.resume();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ends).toEqual([undefined]);

    const b = pipes();
    const failures: (Error | undefined)[] = [];
    await createNodeStreamChannel({ readable: b.down, writable: b.up }).start({
      data: () => {},
      end: (reason) => failures.push(reason),
    });
    b.down.destroy(new Error('EPIPE'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(StreamError);
    expect(failures[0]?.message).toContain('EPIPE');
  });

  it('refuses writes after the channel ended, and fails writes that were waiting', async () => {
    const { up, down } = pipes(8);
    const channel = createNodeStreamChannel({ readable: down, writable: up });
    await channel.start({ data: () => {}, end: () => {} });
    const waiting = channel.write(new Uint8Array(64));
    expect(waiting).toBeInstanceOf(Promise);
    down.end();
    down.resume();
    await expect(waiting).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(() => channel.write(new Uint8Array(1))).toThrow(
      expect.objectContaining({ code: 'CONNECTION_CLOSED' }) as Error,
    );
  });
});
