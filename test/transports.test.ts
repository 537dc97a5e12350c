import { describe, it, expect } from 'vitest';
import { createByteChannelPair, createInMemoryTransportPair } from '../src/transports/in-memory.js';
import { createFramedTransport } from '../src/transports/framed.js';
import { ConnectionClosedError, StreamError } from '../src/errors/errors.js';
import type { JsonRpcMessage } from '../src/wire/jsonrpc.js';
import type { ByteChannel, ByteSink, Transport, TransportHandlers } from '../src/wire/transport.js';

/** Lets queued microtasks (in-memory deliveries) run. Deterministic: no timers. */
async function flush(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

type Event =
  | { readonly kind: 'message'; readonly message: unknown }
  | { readonly kind: 'error'; readonly error: Error }
  | { readonly kind: 'closed'; readonly reason: Error | undefined };

/** Transport handlers that record every call, in order. */
function recorder(log?: string[], name = '') {
  const events: Event[] = [];
  const handlers: TransportHandlers = {
    message(message) {
      events.push({ kind: 'message', message });
      log?.push(`${name} message ${JSON.stringify(message)}`);
    },
    error(error) {
      events.push({ kind: 'error', error });
      log?.push(`${name} error`);
    },
    closed(reason) {
      events.push({ kind: 'closed', reason });
      log?.push(`${name} closed`);
    },
  };
  return {
    handlers,
    events,
    messages: () => events.flatMap((e) => (e.kind === 'message' ? [e.message] : [])),
    errors: () => events.flatMap((e) => (e.kind === 'error' ? [e.error] : [])),
    closedCount: () => events.filter((e) => e.kind === 'closed').length,
  };
}

const note = (n: number): JsonRpcMessage => ({
  jsonrpc: '2.0',
  method: 'notifications/message',
  params: { n },
});
const request = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, method: 'ping' });
const result = (id: number): JsonRpcMessage => ({ jsonrpc: '2.0', id, result: { id, ok: true } });

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('createInMemoryTransportPair', () => {
  it('delivers messages both ways, in order, after send has returned', async () => {
    const [a, b] = createInMemoryTransportPair();
    const ra = recorder();
    const rb = recorder();
    await a.start(ra.handlers);
    await b.start(rb.handlers);

    // Not awaited: awaiting would itself let the microtask deliveries run.
    for (let i = 1; i <= 5; i++) void a.send(request(i));
    for (let i = 1; i <= 3; i++) void b.send(result(i));
    // Nothing is delivered synchronously.
    expect(ra.events).toEqual([]);
    expect(rb.events).toEqual([]);

    await flush();
    expect(rb.messages()).toEqual([1, 2, 3, 4, 5].map(request));
    expect(ra.messages()).toEqual([1, 2, 3].map(result));
    expect(ra.errors()).toEqual([]);
    expect(rb.errors()).toEqual([]);
    expect(ra.closedCount()).toBe(0);
    expect(rb.closedCount()).toBe(0);
  });

  it('never runs the peer handler inside the sender call stack', async () => {
    const [a, b] = createInMemoryTransportPair();
    let sending = false;
    const seenWhileSending: boolean[] = [];
    await a.start(recorder().handlers);
    await b.start({
      message() {
        seenWhileSending.push(sending);
      },
      error() {},
      closed() {},
    });
    for (let i = 0; i < 3; i++) {
      sending = true;
      void a.send(note(i));
      sending = false;
    }
    await flush();
    expect(seenWhileSending).toEqual([false, false, false]);
  });

  it('keeps order when a handler answers from inside its own delivery', async () => {
    const [a, b] = createInMemoryTransportPair();
    const ra = recorder();
    await a.start(ra.handlers);
    await b.start({
      message(message) {
        const { id } = message as { id: number };
        void b.send(result(id));
      },
      error() {},
      closed() {},
    });
    for (let i = 1; i <= 4; i++) void a.send(request(i));
    await flush();
    expect(ra.messages()).toEqual([1, 2, 3, 4].map(result));
  });

  it('delivers messages sent before the peer started, in order, once it starts', async () => {
    const [a, b] = createInMemoryTransportPair();
    await a.start(recorder().handlers);
    void a.send(note(1));
    void a.send(note(2));
    await flush();
    const rb = recorder();
    void a.send(note(3));
    const started = b.start(rb.handlers);
    expect(rb.events).toEqual([]); // delivered asynchronously, not inside start()
    await started;
    await flush();
    expect(rb.messages()).toEqual([note(1), note(2), note(3)]);
    void a.send(note(4));
    await flush();
    expect(rb.messages()).toEqual([note(1), note(2), note(3), note(4)]);
  });

  it('close() on one side calls closed on both handlers exactly once', async () => {
    const [a, b] = createInMemoryTransportPair();
    const ra = recorder();
    const rb = recorder();
    await a.start(ra.handlers);
    await b.start(rb.handlers);

    const closing = a.close();
    expect(ra.closedCount()).toBe(0); // closed is asynchronous too
    await closing;
    // close() resolves once the handlers have been told.
    expect(ra.closedCount()).toBe(1);
    expect(rb.closedCount()).toBe(1);

    await a.close();
    await b.close();
    await flush();
    expect(ra.closedCount()).toBe(1);
    expect(rb.closedCount()).toBe(1);
    expect(ra.events).toEqual([{ kind: 'closed', reason: undefined }]);
    expect(rb.events).toEqual([{ kind: 'closed', reason: undefined }]);
  });

  it('calling close() twice at once still calls closed once per side', async () => {
    const [a, b] = createInMemoryTransportPair();
    const ra = recorder();
    const rb = recorder();
    await a.start(ra.handlers);
    await b.start(rb.handlers);
    await Promise.all([a.close(), a.close(), b.close()]);
    await flush();
    expect(ra.closedCount()).toBe(1);
    expect(rb.closedCount()).toBe(1);
  });

  it('delivers messages sent before close() before closed', async () => {
    const log: string[] = [];
    const [a, b] = createInMemoryTransportPair();
    await a.start(recorder(log, 'a').handlers);
    await b.start(recorder(log, 'b').handlers);
    void a.send(note(1));
    void b.send(note(2));
    void a.send(note(3));
    await a.close();
    await flush();
    expect(log.slice(0, 3).sort()).toEqual(
      [
        `b message ${JSON.stringify(note(1))}`,
        `b message ${JSON.stringify(note(3))}`,
        `a message ${JSON.stringify(note(2))}`,
      ].sort(),
    );
    expect(log.indexOf(`b message ${JSON.stringify(note(1))}`)).toBeLessThan(
      log.indexOf(`b message ${JSON.stringify(note(3))}`),
    );
    expect(log.slice(3).sort()).toEqual(['a closed', 'b closed']);
  });

  it('send after close throws ConnectionClosedError on both sides', async () => {
    const [a, b] = createInMemoryTransportPair();
    const rb = recorder();
    await a.start(recorder().handlers);
    await b.start(rb.handlers);
    await a.close();
    expect(() => a.send(note(1))).toThrow(ConnectionClosedError);
    expect(() => b.send(note(2))).toThrow(ConnectionClosedError);
    await flush();
    expect(rb.messages()).toEqual([]);
  });

  it('tells a side that starts after the link closed: its queue first, then closed once', async () => {
    const [a, b] = createInMemoryTransportPair();
    await a.start(recorder().handlers);
    void a.send(note(1));
    await a.close();
    const late = recorder();
    await b.start(late.handlers);
    await flush();
    expect(late.messages()).toEqual([note(1)]);
    expect(late.events[late.events.length - 1]?.kind).toBe('closed');
    expect(late.closedCount()).toBe(1);
  });

  it('delivers the rest of a batch when a receiver throws on one message', async () => {
    const [a, b] = createInMemoryTransportPair();
    const seen: unknown[] = [];
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      await a.start(recorder().handlers);
      await b.start({
        message: (m) => {
          seen.push(m);
          if (seen.length === 1) throw new Error('receiver bug');
        },
        error: () => {},
        closed: () => {},
      });
      void a.send(note(1));
      void a.send(note(2));
      await flush();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(seen).toEqual([note(1), note(2)]);
    expect(uncaught).toEqual([new Error('receiver bug')]);
  });
  it('delivers each message behind the microtasks queued before it was sent or its receiver started', async () => {
    const log: string[] = [];
    const receiver = (side: string, answer?: () => void): TransportHandlers => ({
      message: (m) => {
        log.push(`${side} ${JSON.stringify((m as { params: { n: number } }).params.n)}`);
        answer?.();
      },
      error: () => {},
      closed: () => {},
    });

    // Sent to a side that has just started.
    const [a, b] = createInMemoryTransportPair();
    void a.start(recorder().handlers);
    void b.start(receiver('b'));
    queueMicrotask(() => log.push('queued before the send'));
    void a.send(note(1));
    await flush();
    expect(log).toEqual(['queued before the send', 'b 1']);

    // Sent before the other side started.
    log.length = 0;
    const [c, d] = createInMemoryTransportPair();
    void c.start(recorder().handlers);
    void c.send(note(2));
    queueMicrotask(() => log.push('queued before start'));
    void d.start(receiver('d'));
    await flush();
    expect(log).toEqual(['queued before start', 'd 2']);

    // Sent from inside a delivery, after a batch.
    log.length = 0;
    const [e, f] = createInMemoryTransportPair();
    let answered = false;
    void e.start(recorder().handlers);
    void f.start(
      receiver('f', () => {
        if (answered) return;
        answered = true;
        void e.send(note(5));
      }),
    );
    void e.send(note(3));
    void e.send(note(4));
    queueMicrotask(() => log.push('queued before 5 was sent'));
    await flush();
    expect(log).toEqual(['f 3', 'f 4', 'queued before 5 was sent', 'f 5']);
  });

  it('tells a side closed before it started, once it starts', async () => {
    const [a, b] = createInMemoryTransportPair();
    await b.start(recorder().handlers);
    await a.close();
    const late = recorder();
    await a.start(late.handlers);
    await flush();
    expect(late.events).toEqual([{ kind: 'closed', reason: undefined }]);
  });
});

describe('createFramedTransport over createByteChannelPair', () => {
  async function framedPair(): Promise<{
    a: Transport;
    b: Transport;
    ra: ReturnType<typeof recorder>;
    rb: ReturnType<typeof recorder>;
    channelB: ByteChannel;
  }> {
    const [channelA, channelB] = createByteChannelPair();
    const a = createFramedTransport(channelA);
    const b = createFramedTransport(channelB);
    const ra = recorder();
    const rb = recorder();
    await a.start(ra.handlers);
    await b.start(rb.handlers);
    return { a, b, ra, rb, channelB };
  }

  it('round-trips messages both ways, in order', async () => {
    const { a, b, ra, rb } = await framedPair();
    const unicode: JsonRpcMessage = {
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { text: 'é € 😀\nsecond line\r\n' },
    };
    void a.send(request(1));
    void a.send(unicode);
    void a.send(request(2));
    void b.send(result(1));
    void b.send(result(2));
    expect(rb.events).toEqual([]);
    await flush();
    expect(rb.messages()).toEqual([request(1), unicode, request(2)]);
    expect(ra.messages()).toEqual([result(1), result(2)]);
    expect(ra.errors()).toEqual([]);
    expect(rb.errors()).toEqual([]);
  });

  it('writes each message as one line of JSON', async () => {
    const [channelA, channelB] = createByteChannelPair();
    const a = createFramedTransport(channelA);
    await a.start(recorder().handlers);
    const chunks: Uint8Array[] = [];
    await channelB.start({
      data(chunk) {
        chunks.push(chunk);
      },
      end() {},
    });
    const message: JsonRpcMessage = { jsonrpc: '2.0', id: 7, result: { text: 'a\nb' } };
    void a.send(message);
    void a.send(note(1));
    await flush();
    const text = chunks.map((c) => new TextDecoder().decode(c)).join('');
    expect(text).toBe(`${JSON.stringify(message)}\n${JSON.stringify(note(1))}\n`);
  });

  it('reassembles a message a peer writes in several chunks', async () => {
    const { ra, channelB } = await framedPair();
    const line = utf8(`${JSON.stringify(note(5))}\n`);
    void channelB.write(line.subarray(0, 3));
    void channelB.write(line.subarray(3, 20));
    await flush();
    expect(ra.events).toEqual([]);
    void channelB.write(line.subarray(20));
    await flush();
    expect(ra.messages()).toEqual([note(5)]);
  });

  it('reports a non-JSON line as an error; later messages still arrive', async () => {
    const { b, ra, channelB } = await framedPair();
    void b.send(note(1));
    void channelB.write(utf8('this is not json\n'));
    void b.send(note(2));
    await flush();
    expect(ra.events.map((e) => e.kind)).toEqual(['message', 'error', 'message']);
    expect(ra.messages()).toEqual([note(1), note(2)]);
    const [error] = ra.errors();
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ code: 'INVALID_JSON' });
    expect(ra.closedCount()).toBe(0);
  });

  it('passes maxMessageBytes to the decoder', async () => {
    const [channelA, channelB] = createByteChannelPair();
    const a = createFramedTransport(channelA, { maxMessageBytes: 100 });
    const b = createFramedTransport(channelB);
    const ra = recorder();
    await a.start(ra.handlers);
    await b.start(recorder().handlers);
    void b.send({ jsonrpc: '2.0', method: 'big', params: { blob: 'x'.repeat(200) } });
    void b.send(note(1));
    await flush();
    expect(ra.events.map((e) => e.kind)).toEqual(['error', 'message']);
    expect(ra.errors()[0]).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(ra.messages()).toEqual([note(1)]);
  });

  it('fails the request an oversize answer is for, and closes when the framing is lost', async () => {
    const [channelA, channelB] = createByteChannelPair();
    const a = createFramedTransport(channelA, { maxMessageBytes: 100 });
    const ra = recorder();
    const lost: [string | number, Error][] = [];
    await a.start({ ...ra.handlers, lost: (id, error) => lost.push([id, error]) });
    let peerEnded = false;
    await channelB.start({ data: () => {}, end: () => (peerEnded = true) });
    const blob = 'x'.repeat(200);
    void channelB.write(
      utf8(`${JSON.stringify({ jsonrpc: '2.0', id: 4, result: { blob } })}
`),
    );
    await flush();
    expect(lost).toEqual([[4, expect.objectContaining({ code: 'MESSAGE_TOO_LARGE' })]]);
    expect(ra.closedCount()).toBe(0);
    // An oversize answer that runs into the next message: the stream cannot be read any more.
    void channelB.write(utf8(`${JSON.stringify({ result: { blob }, jsonrpc: '2.0', id: 5 })}`));
    void channelB.write(utf8(`${JSON.stringify(note(1))}\n`));
    await flush();
    expect(ra.events.map((e) => e.kind)).toEqual(['error', 'error', 'closed']);
    expect(ra.events[2]).toMatchObject({ reason: { code: 'MESSAGE_TOO_LARGE' } });
    expect(lost.map(([id]) => id)).toEqual([4, 5]);
    expect(peerEnded).toBe(true);
    expect(ra.messages()).toEqual([]);
  });

  it('closing ends both sides, with closed called once on each', async () => {
    const { a, b, ra, rb } = await framedPair();
    void b.send(note(1));
    await a.close();
    await flush();
    expect(ra.events).toEqual([
      { kind: 'message', message: note(1) },
      { kind: 'closed', reason: undefined },
    ]);
    expect(rb.events).toEqual([{ kind: 'closed', reason: undefined }]);

    await a.close();
    await b.close();
    await flush();
    expect(ra.closedCount()).toBe(1);
    expect(rb.closedCount()).toBe(1);
    expect(() => a.send(note(2))).toThrow(ConnectionClosedError);
    expect(() => b.send(note(3))).toThrow(ConnectionClosedError);
  });

  it('delivers a final line without newline before closed when the peer closes', async () => {
    const { ra, channelB } = await framedPair();
    void channelB.write(utf8(JSON.stringify(note(9))));
    await flush();
    expect(ra.events).toEqual([]);
    await channelB.close();
    await flush();
    expect(ra.events).toEqual([
      { kind: 'message', message: note(9) },
      { kind: 'closed', reason: undefined },
    ]);
  });
  it('reports an oversize answer as an error when the handlers take no lost requests, and reads on', async () => {
    const [channelA, channelB] = createByteChannelPair();
    const a = createFramedTransport(channelA, { maxMessageBytes: 100 });
    const ra = recorder();
    await a.start(ra.handlers);
    await channelB.start({ data: () => {}, end: () => {} });
    const answer = JSON.stringify({ jsonrpc: '2.0', id: 4, result: { blob: 'x'.repeat(200) } });
    void channelB.write(utf8(`${answer}\n${JSON.stringify(note(1))}\n`));
    await flush();
    expect(ra.events.map((e) => e.kind)).toEqual(['error', 'message']);
    expect(ra.errors()[0]).toMatchObject({ code: 'MESSAGE_TOO_LARGE' });
    expect(ra.messages()).toEqual([note(1)]);
  });

  it('writes through the channel writeText, when it has one, one line of JSON per message', async () => {
    const written: string[] = [];
    const channel: ByteChannel = {
      start: () => {},
      write: () => {
        throw new Error('write is not used when writeText is there');
      },
      writeText: (text) => void written.push(text),
      close: () => Promise.resolve(),
    };
    const transport = createFramedTransport(channel);
    await transport.start(recorder().handlers);
    await transport.send(request(1));
    await transport.send(note(2));
    expect(written).toEqual([`${JSON.stringify(request(1))}\n`, `${JSON.stringify(note(2))}\n`]);
  });

  it('reports closed once to a channel that reports its end twice and delivers bytes after it', async () => {
    // For example a socket wrapper that ends its sink on both its 'end' and its 'close' events.
    let sink: ByteSink | undefined;
    let closes = 0;
    const channel: ByteChannel = {
      start: (s) => {
        sink = s;
      },
      write: () => {},
      close: () => {
        closes++;
        return Promise.resolve();
      },
    };
    const transport = createFramedTransport(channel, { maxMessageBytes: 100 });
    const r = recorder();
    await transport.start(r.handlers);
    sink?.end();
    sink?.end(new Error('closed'));
    // An oversize message run into the next one: the framing is lost.
    const blob = 'x'.repeat(200);
    sink?.data(utf8(`${JSON.stringify({ jsonrpc: '2.0', method: 'big', params: { blob } })}{}`));
    await flush();
    expect(r.events.filter((e) => e.kind === 'closed')).toEqual([
      { kind: 'closed', reason: undefined },
    ]);
    expect(closes).toBe(0);
  });
});
