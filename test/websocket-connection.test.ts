import { describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  StreamError,
  WebSocketClosedError,
  WebSocketConnectError,
  WebSocketSubprotocolError,
  type JsonRpcMessage,
  type TransportHandlers,
} from '../src/index.js';
import { createWebSocketTransportWith } from '../src/transports/websocket-connection.js';
import type {
  OpenedSocket,
  SocketOpener,
  WebSocketCoreOptions,
  WebSocketTransport,
} from '../src/transports/websocket-types.js';
import { manualClock } from './support/clock.js';

/**
 * One WebSocket connection's life over a scripted socket: the opener a runtime's module gives
 * (`createWebSocketTransportWith`), and a socket whose events, `readyState` and `bufferedAmount`
 * the test sets. It reaches what a real server cannot make a socket do on cue: events out of
 * order, a socket that opened but has not said so yet, frames of every binary shape, an
 * implementation's own write and close code. Time is a manual clock; waits are on promises.
 */

const URL_TEXT = 'wss://example.test/mcp';

/** A socket that does only what the test says. */
class ScriptedSocket {
  readyState = 0;
  protocol = '';
  bufferedAmount = 0;
  readonly sent: string[] = [];
  readonly closeCalls: { code: number | undefined; reason: string | undefined }[] = [];
  /** Whether close() moves `readyState` to CLOSING at once (as the standard API does). */
  closingAtOnce = true;
  readonly #listeners = new Map<string, ((event: unknown) => void)[]>();
  addEventListener(type: string, listener: (event: unknown) => void): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }
  emit(type: string, event: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) listener(event);
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.closingAtOnce) this.readyState = 2;
  }
  open(protocol = 'mcp'): void {
    this.protocol = protocol;
    this.readyState = 1;
    this.emit('open', {});
  }
  closed(code: number, reason = ''): void {
    this.readyState = 3;
    this.emit('close', { code, reason });
  }
  frame(data: unknown): void {
    this.emit('message', { data });
  }
}

/** Handlers that record what the transport reports. */
function recorder(): TransportHandlers & {
  messages: unknown[];
  errors: Error[];
  closes: (Error | undefined)[];
} {
  const messages: unknown[] = [];
  const errors: Error[] = [];
  const closes: (Error | undefined)[] = [];
  return {
    messages,
    errors,
    closes,
    message: (m) => messages.push(m),
    error: (e) => errors.push(e),
    closed: (reason) => closes.push(reason),
  };
}

/** Lets queued promise callbacks run (no timers). */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** What a function threw (undefined if it returned). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

const ping: JsonRpcMessage = { jsonrpc: '2.0', id: 1, method: 'ping' };

interface Connecting {
  readonly socket: ScriptedSocket;
  readonly transport: WebSocketTransport;
  readonly handlers: ReturnType<typeof recorder>;
  /** start()'s promise, already caught once so that an expected rejection is not unhandled. */
  readonly started: Promise<void>;
}

/** A transport started over a scripted socket, still connecting (the socket is made). */
async function connecting(
  extras: Omit<OpenedSocket, 'socket'> = {},
  options: WebSocketCoreOptions = {},
): Promise<Connecting> {
  const socket = new ScriptedSocket();
  const transport = createWebSocketTransportWith(
    new URL(URL_TEXT),
    () => () => ({ socket, ...extras }),
    options,
  );
  const handlers = recorder();
  const started = transport.start(handlers);
  started.catch(() => {});
  await settle();
  return { socket, transport, handlers, started };
}

/** A transport open over a scripted socket with `mcp`. */
async function opened(
  extras: Omit<OpenedSocket, 'socket'> = {},
  options: WebSocketCoreOptions = {},
): Promise<Connecting> {
  const connection = await connecting(extras, options);
  connection.socket.open();
  await connection.started;
  return connection;
}

// ---------------------------------------------------------------------------------------------

describe('WebSocket connection: states', () => {
  it('starts once: a second start() throws INVALID_STATE, while connecting and after closing', async () => {
    const { transport, socket } = await connecting();
    expect(thrown(() => transport.start(recorder()))).toMatchObject({
      code: 'INVALID_STATE',
      message: 'The WebSocket transport starts once.',
    });
    socket.open();
    socket.closed(1000);
    expect(transport.state).toBe('closed');
    expect(thrown(() => transport.start(recorder()))).toMatchObject({ code: 'INVALID_STATE' });
  });

  it('close() before start() ends the transport at once, and a later start() is refused', async () => {
    let loads = 0;
    const transport = createWebSocketTransportWith(new URL(URL_TEXT), () => {
      loads++;
      return () => ({ socket: new ScriptedSocket() });
    });
    const closing = transport.close();
    expect(transport.state).toBe('closed');
    await expect(closing).resolves.toBeUndefined();
    await expect(transport.start(recorder())).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      message: 'The WebSocket transport was closed before it started.',
    });
    expect(loads).toBe(0);
  });

  it('tells the selected subprotocol only while open or closing', async () => {
    const { socket, transport, handlers } = await connecting();
    expect(transport.protocol).toBeUndefined();
    socket.open();
    await settle();
    expect(transport.protocol).toBe('mcp');
    const closing = transport.close();
    expect(transport.state).toBe('closing');
    expect(transport.protocol).toBe('mcp');
    socket.closed(1000);
    await closing;
    expect(transport.state).toBe('closed');
    expect(transport.protocol).toBeUndefined();
    expect(handlers.closes).toEqual([undefined]);
  });
});

describe('WebSocket connection: send()', () => {
  it('refuses send() while connecting with INVALID_STATE, saying it is connecting', async () => {
    const { transport } = await connecting();
    const error = thrown(() => transport.send(ping));
    expect(error).toMatchObject({ code: 'INVALID_STATE' });
    expect((error as Error).message).toContain('(connecting)');
    expect((error as Error).message).not.toContain('not started');
  });

  it("writes through the implementation's own write when it has one, and settles with it", async () => {
    const written: string[] = [];
    let done: () => void = () => {};
    const write = (text: string): Promise<void> => {
      written.push(text);
      return new Promise<void>((resolve) => {
        done = resolve;
      });
    };
    const { socket, transport } = await opened({ write });
    let settled = false;
    const sending = Promise.resolve(transport.send(ping)).then(() => {
      settled = true;
    });
    await settle();
    expect(written).toEqual([JSON.stringify(ping)]);
    expect(socket.sent).toEqual([]);
    expect(settled).toBe(false);
    done();
    await sending;
    expect(settled).toBe(true);
  });

  it('lets up to 1 MiB wait in the send buffer by default before send() waits for it to drain', async () => {
    const clock = manualClock();
    const { socket, transport } = await opened({}, { clock });
    expect(transport.send(ping)).toBeUndefined();
    socket.bufferedAmount = 1024 * 1024;
    expect(transport.send(ping)).toBeUndefined();
    expect(clock.pending).toBe(0);
    socket.bufferedAmount = 1024 * 1024 + 1;
    const waiting = transport.send(ping);
    expect(waiting).toBeInstanceOf(Promise);
    expect(clock.pending).toBe(1);
    socket.bufferedAmount = 0;
    clock.fire();
    await expect(waiting).resolves.toBeUndefined();
    expect(socket.sent).toHaveLength(3);
  });

  it('settles a waiting send() once the buffer is back down to the cap exactly', async () => {
    const clock = manualClock();
    const { socket, transport } = await opened({}, { clock, maxBufferedBytes: 100 });
    socket.bufferedAmount = 150;
    let settled = false;
    const waiting = Promise.resolve(transport.send(ping)).then(() => {
      settled = true;
    });
    socket.bufferedAmount = 100;
    clock.fire();
    await settle();
    expect(settled).toBe(true);
    expect(clock.pending).toBe(0);
    await waiting;
  });

  it('rejects a send() waiting on the buffer with why the connection ended', async () => {
    const clock = manualClock();
    const { socket, transport } = await opened({}, { clock, maxBufferedBytes: 0 });
    socket.bufferedAmount = 10;
    const waiting = Promise.resolve(transport.send(ping));
    socket.closed(1011, 'database down');
    clock.fire();
    await expect(waiting).rejects.toMatchObject({
      name: 'ConnectionClosedError',
      cause: { name: 'WebSocketClosedError', closeCode: 1011, closeReason: 'database down' },
    });
  });

  it('refuses send() once the socket has begun closing, before its close event', async () => {
    const { socket, transport } = await opened();
    socket.readyState = 2; // the server's close frame arrived
    expect(thrown(() => transport.send(ping))).toBeInstanceOf(ConnectionClosedError);
    expect(socket.sent).toEqual([]);
  });

  it('refuses send() after close(), even while the socket still reads as open', async () => {
    const { socket, transport } = await opened();
    socket.closingAtOnce = false;
    void transport.close();
    expect(socket.readyState).toBe(1);
    expect(thrown(() => transport.send(ping))).toBeInstanceOf(ConnectionClosedError);
    expect(socket.sent).toEqual([]);
  });

  it("a refused send() after the server closed carries the server's close as its cause", async () => {
    const { socket, transport } = await opened();
    socket.closed(1011, 'database down');
    const error = thrown(() => transport.send(ping));
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toBeInstanceOf(WebSocketClosedError);
    expect((error as Error).cause).toMatchObject({ closeCode: 1011 });
    expect((error as Error).message).toContain('database down');
  });

  it('a refused send() after close() while connecting carries the failed opening as its cause', async () => {
    const { socket, transport, handlers, started } = await connecting();
    void transport.close();
    socket.closed(1006);
    await expect(started).rejects.toBeInstanceOf(WebSocketConnectError);
    expect(handlers.closes).toEqual([undefined]);
    const error = thrown(() => transport.send(ping));
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect((error as Error).cause).toBeInstanceOf(WebSocketConnectError);
    expect((error as Error).message).toMatch(/closed while connecting/);
  });
});

describe('WebSocket connection: close()', () => {
  it('close() while open closes the socket with 1000 once, even when called again while it still reads as open', async () => {
    const { socket, transport, handlers } = await opened();
    socket.closingAtOnce = false;
    const first = transport.close();
    const second = transport.close();
    expect(socket.closeCalls).toEqual([{ code: 1000, reason: undefined }]);
    expect(transport.state).toBe('closing');
    socket.closed(1000);
    await Promise.all([first, second]);
    expect(handlers.closes).toEqual([undefined]);
  });

  it('close() while connecting closes a socket that has opened but not yet said so', async () => {
    const { socket, transport, handlers, started } = await connecting();
    socket.readyState = 1;
    const closing = transport.close();
    expect(socket.closeCalls).toEqual([{ code: 1000, reason: undefined }]);
    socket.closed(1000);
    await expect(started).rejects.toMatchObject({
      name: 'WebSocketConnectError',
      message: expect.stringMatching(/closed while connecting/) as unknown,
    });
    await closing;
    expect(handlers.closes).toEqual([undefined]);
  });

  it('close() while connecting leaves a socket that already reads as closed to its close event', async () => {
    const { socket, transport, handlers, started } = await connecting();
    socket.readyState = 3;
    const closing = transport.close();
    expect(socket.closeCalls).toEqual([]);
    socket.closed(1006);
    await expect(started).rejects.toBeInstanceOf(WebSocketConnectError);
    await closing;
    expect(handlers.closes).toEqual([undefined]);
  });

  it('close() before the opener has loaded makes no socket, and start() says it was closed while connecting', async () => {
    let load: (opener: SocketOpener) => void = () => {};
    const loading = new Promise<SocketOpener>((resolve) => {
      load = resolve;
    });
    const transport = createWebSocketTransportWith(new URL(URL_TEXT), () => loading);
    const handlers = recorder();
    const started = transport.start(handlers);
    const closing = transport.close();
    let made = 0;
    load(() => {
      made++;
      return { socket: new ScriptedSocket() };
    });
    await expect(started).rejects.toMatchObject({
      name: 'WebSocketConnectError',
      message: `Could not open a WebSocket to ${URL_TEXT}: the transport was closed while connecting.`,
    });
    await closing;
    expect(made).toBe(0);
    expect(handlers.closes).toEqual([undefined]);
  });

  it('an open event after close() while connecting does not open the transport', async () => {
    const { socket, transport, handlers, started } = await connecting();
    const closing = transport.close();
    socket.open(); // the socket had opened before it took the close
    expect(transport.state).toBe('connecting');
    socket.closed(1000);
    await expect(started).rejects.toMatchObject({
      message: expect.stringMatching(/closed while connecting/) as unknown,
    });
    await closing;
    expect(transport.state).toBe('closed');
    expect(handlers.closes).toEqual([undefined]);
  });

  it('an open event after the socket reported closed does not reopen the transport', async () => {
    const { socket, transport, started } = await connecting();
    socket.closed(1006);
    await expect(started).rejects.toBeInstanceOf(WebSocketConnectError);
    socket.open();
    expect(transport.state).toBe('closed');
    expect(transport.protocol).toBeUndefined();
  });

  it('reports the end once even when the socket reports its close twice', async () => {
    const { socket, handlers } = await opened();
    socket.closed(1011);
    socket.closed(1000);
    expect(handlers.closes).toHaveLength(1);
    expect(handlers.closes[0]).toMatchObject({ closeCode: 1011 });
  });
});

describe('WebSocket connection: a failed opening', () => {
  it("fails start() with a WebSocketConnectError carrying the loader's error when the opener cannot load", async () => {
    const missing = new Error('Cannot find package ws.');
    const transport = createWebSocketTransportWith(new URL(URL_TEXT), () =>
      Promise.reject(missing),
    );
    const handlers = recorder();
    const error: unknown = await transport.start(handlers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketConnectError);
    expect(error).toMatchObject({
      message: `Could not open a WebSocket to ${URL_TEXT}: Cannot find package ws.`,
      cause: missing,
    });
    expect(handlers.closes).toEqual([error]);
    expect(transport.state).toBe('closed');
  });

  it("fails start() with a WebSocketConnectError carrying the constructor's error when the socket cannot be made", async () => {
    const malformed = new SyntaxError("The subprotocol 'a b' is invalid");
    const transport = createWebSocketTransportWith(new URL(URL_TEXT), () => () => {
      throw malformed;
    });
    const handlers = recorder();
    const error: unknown = await transport.start(handlers).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketConnectError);
    expect(error).toMatchObject({
      message: `Could not open a WebSocket to ${URL_TEXT}: The subprotocol 'a b' is invalid.`,
      cause: malformed,
    });
    expect(handlers.closes).toEqual([error]);
  });

  it('describes a socket closed before it opened, with no error event, by its close code and reason', async () => {
    const bare = await connecting();
    bare.socket.closed(1006);
    const dropped: unknown = await bare.started.catch((e: unknown) => e);
    expect(dropped).toMatchObject({
      name: 'WebSocketConnectError',
      message: `Could not open a WebSocket to ${URL_TEXT}: the connection closed with code 1006 (the connection dropped without a close frame).`,
    });
    expect((dropped as Error).cause).toBeUndefined();
    expect(bare.handlers.closes).toEqual([dropped]);

    const withReason = await connecting();
    withReason.socket.closed(4001, 'Not welcome here. ');
    await expect(withReason.started).rejects.toMatchObject({
      message: `Could not open a WebSocket to ${URL_TEXT}: the connection closed with code 4001 (an application close code): Not welcome here.`,
    });
  });

  it('describes the opening by its close code when the error event says nothing in words', async () => {
    for (const event of [{ message: '' }, { message: { code: 'EPIPE' } }]) {
      const { socket, started } = await connecting();
      socket.emit('error', event);
      socket.closed(1006);
      await expect(started).rejects.toMatchObject({
        message: `Could not open a WebSocket to ${URL_TEXT}: the connection closed with code 1006 (the connection dropped without a close frame).`,
        cause: event,
      });
    }
  });

  it('fails with a WebSocketSubprotocolError, its cause the error, when the error event blames the subprotocol', async () => {
    const refusal = new Error('Server sent no subprotocol');
    const { socket, started, handlers } = await connecting();
    socket.emit('error', { message: refusal.message, error: refusal });
    socket.closed(1006);
    const error: unknown = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketSubprotocolError);
    expect(error).toMatchObject({ selected: undefined, cause: refusal });
    expect(handlers.closes).toEqual([error]);
  });

  it('closes a socket opened without mcp with 1000 and a reason saying why', async () => {
    const { socket, started } = await connecting();
    socket.open('graphql-ws');
    await expect(started).rejects.toBeInstanceOf(WebSocketSubprotocolError);
    expect(socket.closeCalls).toEqual([
      { code: 1000, reason: 'The mcp subprotocol was not selected' },
    ]);
  });
});

describe('WebSocket connection: a close after opening', () => {
  it('a close the server did not explain carries the error event before it as its cause', async () => {
    const reset = new Error('read ECONNRESET');
    const { socket, handlers } = await opened();
    socket.emit('error', { message: reset.message, error: reset });
    socket.closed(1006);
    expect(handlers.closes).toHaveLength(1);
    const reason = handlers.closes[0];
    expect(reason).toBeInstanceOf(WebSocketClosedError);
    expect(reason).toMatchObject({
      closeCode: 1006,
      closeReason: '',
      cause: reset,
      message:
        'The WebSocket closed with code 1006 (the connection dropped without a close frame).',
    });
  });

  it('a close the implementation made itself reports its own code, no server reason, and that the client closed it', async () => {
    const { socket, handlers } = await opened({ closedWith: () => 1009 });
    socket.closed(1006, 'server went away');
    const reason = handlers.closes[0];
    expect(reason).toBeInstanceOf(WebSocketClosedError);
    expect(reason).toMatchObject({
      closeCode: 1009,
      closeReason: '',
      message: 'The client closed the WebSocket with code 1009 (a message was too big).',
    });
    expect(reason?.cause).toBeUndefined();
  });
});

describe('WebSocket connection: frames', () => {
  it('passes each text frame on as one message, and drops frames that arrive after the end', async () => {
    const { socket, handlers } = await opened();
    socket.frame(JSON.stringify(ping));
    socket.closed(1011);
    socket.frame(JSON.stringify({ ...ping, id: 2 }));
    socket.frame(new ArrayBuffer(2));
    expect(handlers.messages).toEqual([ping]);
    expect(handlers.errors).toEqual([]);
  });

  it('reports a text frame that is not JSON with its first 120 characters and the parse error as cause', async () => {
    const { socket, handlers } = await opened();
    socket.frame(`${'x'.repeat(120)}TAIL`);
    expect(handlers.errors).toHaveLength(1);
    const error = handlers.errors[0];
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({
      code: 'INVALID_JSON',
      message: `A text frame is not JSON and was dropped: ${'x'.repeat(120)}`,
    });
    expect(error?.cause).toBeInstanceOf(SyntaxError);
    expect(handlers.messages).toEqual([]);
  });

  it('reports a binary frame with its size, whatever the implementation gives it as', async () => {
    const { socket, handlers, transport } = await opened();
    socket.frame(new ArrayBuffer(4)); // the standard API's default binaryType 'arraybuffer'
    socket.frame(new Blob(['abc'])); // binaryType 'blob'
    socket.frame([Buffer.alloc(3), Buffer.alloc(2)]); // ws's binaryType 'fragments'
    expect(handlers.errors.map((e) => [(e as StreamError).code, e.message])).toEqual(
      [4, 3, 5].map((size) => [
        'INVALID_MESSAGE',
        `A binary frame arrived (${size} bytes) and was dropped: MCP over WebSocket carries one JSON-RPC message per text frame.`,
      ]),
    );
    expect(transport.state).toBe('open');
  });

  it('reports a frame whose data is neither text nor sized bytes without a size', async () => {
    const { socket, handlers } = await opened();
    for (const data of [{}, null, undefined]) socket.frame(data);
    expect(handlers.errors.map((e) => e.message)).toEqual(
      Array.from(
        { length: 3 },
        () =>
          'A binary frame arrived and was dropped: MCP over WebSocket carries one JSON-RPC message per text frame.',
      ),
    );
    expect(handlers.messages).toEqual([]);
  });
});
