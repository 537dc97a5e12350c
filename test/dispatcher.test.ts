import { describe, expect, it, vi } from 'vitest';
import {
  ConnectionClosedError,
  createByteChannelPair,
  createClientSession,
  createDispatcher,
  createFramedTransport,
  createInMemoryTransportPair,
  DEFAULT_REQUEST_TIMEOUT_MS,
  encodeLine,
  JsonRpcError,
  StreamError,
  type ByteChannel,
  type ByteSink,
  type SessionMessage,
  type Transport,
  type TransportHandlers,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { manualClock } from './support/clock.js';
import { connected, diagnostics, flush, sent } from './support/harness.js';

/** A connected session whose server answers nothing by itself: the test writes every response. */
async function manual() {
  const calls: { id: number | string; method: string }[] = [];
  const h = await connected(
    {},
    {
      handlers: {
        'tools/call': (_p, c) => {
          calls.push({ id: c.id, method: c.method });
          return NO_RESPONSE;
        },
      },
    },
  );
  return { ...h, calls };
}

describe('dispatcher routing', () => {
  it('correlates a string id "7" with the numeric id 7', async () => {
    const { session, server, calls } = await manual();
    const pending = [];
    for (let i = 0; i < 8; i++) pending.push(session.request('tools/call', { name: `n${i}` }));
    // The seven left unanswered reject at close.
    const rest = pending.slice(0, 7).map((p) => p.catch((e: unknown) => e));
    await flush();
    const last = calls[calls.length - 1];
    expect(typeof last?.id).toBe('number');
    // Answer the last one with its id written as a string.
    server.send({ jsonrpc: '2.0', id: String(last?.id), result: { ok: 'string id' } });
    await expect(pending[7]).resolves.toEqual({ ok: 'string id' });
    await session.close();
    for (const r of await Promise.all(rest)) expect(r).toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('treats id 0 as a valid id in both directions', async () => {
    const [clientSide, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide, {
      handlers: { 'tools/call': () => NO_RESPONSE },
    });
    const dispatcher = createDispatcher(clientSide);
    await dispatcher.start({ request: () => ({ answered: true }) });
    const first = dispatcher.request('tools/call', {});
    await flush();
    expect(server.received[0]).toMatchObject({ id: 0, method: 'tools/call' });
    server.send({ jsonrpc: '2.0', id: 0, result: { zero: true } });
    await expect(first).resolves.toEqual({ zero: true });
    // The server's own request with id 0 gets its response with id 0.
    await expect(server.request('sampling/createMessage', {}, 0)).resolves.toEqual({
      answered: true,
    });
    await dispatcher.close();
  });

  it('drops unknown-id, late, duplicate and null-id responses as diagnostics and keeps working', async () => {
    const { session, server, messages, calls } = await manual();
    const call = session.request('tools/call', { name: 'a' });
    await flush();
    const id = calls[0]?.id as number;
    server.send({ jsonrpc: '2.0', id, result: { n: 1 } });
    server.send({ jsonrpc: '2.0', id, result: { n: 2 } }); // duplicate
    server.send({ jsonrpc: '2.0', id: 9999, result: {} }); // never issued
    server.send({ jsonrpc: '2.0', id: 'abc', result: {} }); // never issued
    server.send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    await expect(call).resolves.toEqual({ n: 1 });
    await flush();
    expect(diagnostics(messages)).toEqual([
      'LATE_RESPONSE',
      'UNKNOWN_RESPONSE_ID',
      'UNKNOWN_RESPONSE_ID',
      'NULL_ID_RESPONSE',
    ]);
    const nullId = messages.find(
      (m) => m.type === 'diagnostic' && m.diagnostic.code === 'NULL_ID_RESPONSE',
    );
    expect(nullId).toMatchObject({ diagnostic: { message: expect.stringContaining('-32700') } });
    // Still working.
    const next = session.request('tools/call', { name: 'b' });
    await flush();
    server.send({ jsonrpc: '2.0', id: calls[1]?.id, result: { n: 3 } });
    await expect(next).resolves.toEqual({ n: 3 });
    await session.close();
  });

  it('reports messages that are not JSON-RPC as diagnostics, never throwing', async () => {
    const { session, server, messages } = await connected();
    server.send(42);
    server.send('text');
    server.send(null);
    server.send({ id: 1, result: {} }); // no jsonrpc member
    server.send({ jsonrpc: '2.0' });
    server.send({ jsonrpc: '2.0', id: null, method: 'x' }); // request with a null id
    server.send({ jsonrpc: '2.0', id: { o: 1 }, method: 'x' });
    await flush();
    expect(diagnostics(messages)).toEqual(Array(7).fill('INVALID_MESSAGE'));
    await expect(session.ping()).resolves.toBeUndefined();
    await session.close();
  });

  it('routes each element of a batch (2025-03-26 receivers MUST accept batches)', async () => {
    const { session, server, calls, messages } = await manual();
    const a = session.request('tools/call', { name: 'a' });
    const b = session.request('tools/call', { name: 'b' });
    await flush();
    server.send([
      { jsonrpc: '2.0', id: calls[1]?.id, result: { which: 'b' } },
      { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
      { jsonrpc: '2.0', id: calls[0]?.id, result: { which: 'a' } },
    ]);
    await expect(a).resolves.toEqual({ which: 'a' });
    await expect(b).resolves.toEqual({ which: 'b' });
    expect(messages).toContainEqual({
      type: 'notification',
      notification: { jsonrpc: '2.0', method: 'notifications/tools/list_changed' },
    });
    await session.close();
  });

  it('drops a batch item that is itself an array, however deep the nesting, and routes on', async () => {
    // A batch holds messages, never batches: routing nested arrays as batches recursed once per
    // level, and 100,000 levels threw RangeError out of the byte channel's data callback.
    let sink: ByteSink | undefined;
    const channel: ByteChannel = {
      start: (s) => {
        sink = s;
      },
      write: () => {},
      close: () => {
        sink?.end();
        return Promise.resolve();
      },
    };
    const codes: string[] = [];
    const dispatcher = createDispatcher(createFramedTransport(channel), {
      onDiagnostic: (d) => void codes.push(d.code),
    });
    await dispatcher.start({});
    const call = dispatcher.request('tools/call', {});
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    expect(() => sink?.data(new TextEncoder().encode(deep))).not.toThrow();
    expect(codes).toEqual(['INVALID_MESSAGE']);
    sink?.data(
      encodeLine([
        [{ jsonrpc: '2.0', id: 0, result: {} }],
        { jsonrpc: '2.0', id: 0, result: { ok: 1 } },
      ]),
    );
    await expect(call).resolves.toEqual({ ok: 1 });
    expect(codes).toEqual(['INVALID_MESSAGE', 'INVALID_MESSAGE']);
    await dispatcher.close();
  });

  it('hands notifications it does not route to the message handler', async () => {
    const { session, server, messages } = await connected();
    server.notify('notifications/message', { level: 'info', data: 'hello' });
    server.notify('notifications/resources/updated', { uri: 'file:///a' });
    await flush();
    const notes = messages.flatMap((m) =>
      m.type === 'notification' ? [m.notification.method] : [],
    );
    expect(notes).toEqual(['notifications/message', 'notifications/resources/updated']);
    await session.close();
  });

  it('runs per-method notification handlers before the message handler, and reports one that throws', async () => {
    const order: string[] = [];
    const { session, server, messages } = await connected({
      notificationHandlers: {
        'notifications/tools/list_changed': () => {
          order.push('handler');
        },
        'notifications/message': () => {
          throw new Error('log handler bug');
        },
      },
      messageHandler: (m) => {
        if (m.type === 'notification') order.push(`message:${m.notification.method}`);
      },
    });
    server.notify('notifications/tools/list_changed');
    server.notify('notifications/message', { level: 'info', data: 'x' });
    await flush();
    expect(order).toEqual([
      'handler',
      'message:notifications/tools/list_changed',
      'message:notifications/message',
    ]);
    expect(diagnostics(messages)).toEqual(['CALLBACK_FAILED']);
    session.setNotificationHandler('notifications/tools/list_changed', undefined);
    server.notify('notifications/tools/list_changed');
    await flush();
    expect(order.filter((o) => o === 'handler')).toHaveLength(1);
    await session.close();
  });

  it('sends progress to the request that owns the token, and drops progress after the response', async () => {
    const { session, server, calls, messages } = await manual();
    const seen: number[] = [];
    const call = session.request(
      'tools/call',
      { name: 'p' },
      { onProgress: (p) => seen.push(p.progress) },
    );
    await flush();
    const [request] = sent(server, 'tools/call');
    const token = (request?.params as { _meta?: { progressToken?: unknown } })._meta?.progressToken;
    expect(token).toBe(calls[0]?.id);
    server.notify('notifications/progress', { progressToken: token, progress: 1, total: 2 });
    server.notify('notifications/progress', { progressToken: token, progress: 2, total: 2 });
    server.send({ jsonrpc: '2.0', id: calls[0]?.id, result: { done: true } });
    // Progress just after the response: not an error (a diagnostic only).
    server.notify('notifications/progress', { progressToken: token, progress: 3, total: 3 });
    await expect(call).resolves.toEqual({ done: true });
    await flush();
    expect(seen).toEqual([1, 2]);
    expect(diagnostics(messages)).toEqual(['UNKNOWN_PROGRESS_TOKEN']);
    await session.close();
  });

  it('keeps a progress token the caller chose', async () => {
    const { session, server, calls } = await manual();
    const seen: unknown[] = [];
    const call = session.request(
      'tools/call',
      { name: 'p' },
      { onProgress: (p) => seen.push(p.message), _meta: { progressToken: 'mine' } },
    );
    await flush();
    const [request] = sent(server, 'tools/call');
    expect(request?.params).toMatchObject({ _meta: { progressToken: 'mine' } });
    server.notify('notifications/progress', {
      progressToken: 'mine',
      progress: 1,
      message: 'half',
    });
    server.send({ jsonrpc: '2.0', id: calls[0]?.id, result: {} });
    await call;
    expect(seen).toEqual(['half']);
    await session.close();
  });

  it('refuses a caller-chosen progress token already in use, before any I/O', async () => {
    const { session, server, calls } = await manual();
    const first = session.request('tools/call', {}, { _meta: { progressToken: 'shared' } });
    await flush();
    const before = server.received.length;
    await expect(
      session.request('tools/call', {}, { _meta: { progressToken: 'shared' } }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('shared'),
    });
    await flush();
    expect(server.received.length).toBe(before);
    // The refused call used no id: the next request gets the next id in sequence.
    const next = session.request('tools/call', {});
    await flush();
    expect(calls.map((c) => c.id)).toEqual([1, 2]);
    server.send({ jsonrpc: '2.0', id: 1, result: {} });
    server.send({ jsonrpc: '2.0', id: 2, result: {} });
    await Promise.all([first, next]);
    // Released: the token can be used again.
    const again = session.request('tools/call', {}, { _meta: { progressToken: 'shared' } });
    await flush();
    server.send({ jsonrpc: '2.0', id: 3, result: { again: true } });
    await expect(again).resolves.toEqual({ again: true });
    await session.close();
  });

  it('reports a progress callback that throws as a diagnostic, and the request still completes', async () => {
    const { session, server, calls, messages } = await manual();
    const call = session.request(
      'tools/call',
      {},
      {
        onProgress: () => {
          throw new Error('callback bug');
        },
      },
    );
    await flush();
    server.notify('notifications/progress', { progressToken: calls[0]?.id, progress: 1 });
    server.send({ jsonrpc: '2.0', id: calls[0]?.id, result: { fine: true } });
    await expect(call).resolves.toEqual({ fine: true });
    expect(diagnostics(messages)).toEqual(['CALLBACK_FAILED']);
    await session.close();
  });

  it('maps a JSON-RPC error response to a JsonRpcError with code, data, method and id', async () => {
    const { session, server, calls } = await manual();
    const call = session.request('tools/call', { name: 'x' });
    await flush();
    server.send({
      jsonrpc: '2.0',
      id: calls[0]?.id,
      error: { code: -32602, message: 'Unknown tool: x', data: { tool: 'x' } },
    });
    const error: unknown = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JsonRpcError);
    expect(error).toMatchObject({
      code: -32602,
      rpcMessage: 'Unknown tool: x',
      data: { tool: 'x' },
      method: 'tools/call',
      requestId: calls[0]?.id,
    });
    expect((error as Error).message).toMatch(/tools\/call.*Unknown tool/);
    await session.close();
  });

  it('gives transport exceptions to the message handler; later messages still arrive', async () => {
    const [clientBytes, serverBytes] = createByteChannelPair();
    const messages: SessionMessage[] = [];
    const session = createClientSession({
      mode: 'legacy',
      transport: createFramedTransport(clientBytes, { maxMessageBytes: 1024 }),
      messageHandler: (m) => {
        messages.push(m);
      },
    });
    const encoder = new TextEncoder();
    let requests = 0;
    await serverBytes.start({
      data: (chunk) => {
        for (const line of new TextDecoder().decode(chunk).split('\n')) {
          if (line === '') continue;
          const m = JSON.parse(line) as {
            id?: number;
            method: string;
            params?: { protocolVersion: string };
          };
          if (m.id === undefined) continue;
          requests += 1;
          if (m.method === 'initialize') {
            void serverBytes.write(
              encodeLine({
                jsonrpc: '2.0',
                id: m.id,
                result: {
                  protocolVersion: m.params?.protocolVersion,
                  capabilities: {},
                  serverInfo: { name: 's', version: '1' },
                },
              }),
            );
          } else {
            void serverBytes.write(encoder.encode('this is not json\n'));
            void serverBytes.write(
              encoder.encode(
                `{"jsonrpc":"2.0","method":"big","params":{"x":"${'y'.repeat(2000)}"}}\n`,
              ),
            );
            void serverBytes.write(
              encodeLine({ jsonrpc: '2.0', id: m.id, result: { after: 'noise' } }),
            );
          }
        }
      },
      end: () => {},
    });
    await session.connect();
    await expect(session.request('tools/list')).resolves.toEqual({ after: 'noise' });
    const exceptions = messages.flatMap((m) => (m.type === 'exception' ? [m.error] : []));
    expect(exceptions.map((e) => (e as { code?: unknown }).code)).toEqual([
      'INVALID_JSON',
      'MESSAGE_TOO_LARGE',
    ]);
    expect(requests).toBe(2);
    await session.close();
  });

  it('routes a message that arrives after close to a diagnostic', async () => {
    const seen: string[] = [];
    const messages: string[] = [];
    let deliver: ((m: unknown) => void) | undefined;
    // A transport that keeps delivering after close, as a slow socket might.
    const dispatcher = createDispatcher(
      {
        start: (h) => {
          deliver = h.message;
        },
        send: () => {},
        close: async () => {},
      },
      {
        onDiagnostic: (d) => {
          seen.push(d.code);
          messages.push(d.message);
        },
      },
    );
    await dispatcher.start();
    await dispatcher.close();
    deliver?.({ jsonrpc: '2.0', id: 1, result: {} });
    expect(seen).toEqual(['MESSAGE_AFTER_CLOSE']);
    expect(messages).toEqual(['A message arrived after the connection closed; it was dropped.']);
  });
});

/** A dispatcher on its own over an in-memory pair; the test is the server, writing raw messages. */
async function bareDispatcher(
  handlers: Parameters<ReturnType<typeof createDispatcher>['start']>[0],
) {
  const [clientSide, serverSide] = createInMemoryTransportPair();
  const received: unknown[] = [];
  await serverSide.start({
    message: (m) => void received.push(m),
    error: () => {},
    closed: () => {},
  });
  const found: { code: string; message: string }[] = [];
  const dispatcher = createDispatcher(clientSide, {
    onDiagnostic: (d) => void found.push({ code: d.code, message: d.message }),
  });
  await dispatcher.start(handlers);
  return { dispatcher, server: serverSide, received, found };
}

describe('dispatcher routing, below the session', () => {
  it('names what is wrong with each message it drops', async () => {
    const { dispatcher, server, found } = await bareDispatcher({});
    await server.send(42 as never);
    await server.send({ id: 1, result: {} } as never);
    await server.send({ jsonrpc: '2.0' } as never);
    await server.send([[{ jsonrpc: '2.0', method: 'x' }]] as never);
    await flush();
    expect(found).toEqual([
      { code: 'INVALID_MESSAGE', message: 'Received a JSON value that is not a JSON-RPC message.' },
      { code: 'INVALID_MESSAGE', message: 'Received a message without jsonrpc: "2.0".' },
      {
        code: 'INVALID_MESSAGE',
        message: 'Received a message that is neither request, notification nor response.',
      },
      {
        code: 'INVALID_MESSAGE',
        message: 'Received a batch whose item is itself an array; it was dropped.',
      },
    ]);
    await dispatcher.close();
  });

  it('drops a notification quietly when nothing handles notifications, and a cancellation without params', async () => {
    const { dispatcher, server, found } = await bareDispatcher({});
    await server.send({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info' },
    });
    await server.send({ jsonrpc: '2.0', method: 'notifications/cancelled' });
    await flush();
    expect(found).toEqual([]);
    expect(dispatcher.state).toBe('open');
    await dispatcher.close();
  });

  it('cancels a server request only on notifications/cancelled, not on another notification naming it', async () => {
    const notifications: string[] = [];
    const signals: AbortSignal[] = [];
    let answer: ((value: unknown) => void) | undefined;
    const { dispatcher, server, received, found } = await bareDispatcher({
      notification: (n) => void notifications.push(n.method),
      request: (request) => {
        signals.push(request.signal);
        return new Promise((resolve) => (answer = resolve));
      },
    });
    await server.send({ jsonrpc: '2.0', id: 'r1', method: 'sampling/createMessage', params: {} });
    await flush();
    // A log message naming the request in flight, and a cancellation naming none, leave it running.
    await server.send({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', data: 'x', requestId: 'r1', reason: 'not a cancellation' },
    });
    await server.send({ jsonrpc: '2.0', method: 'notifications/cancelled' });
    await flush();
    expect(signals[0]?.aborted).toBe(false);
    expect(notifications).toEqual(['notifications/message', 'notifications/cancelled']);
    answer?.({ ok: true });
    await flush();
    expect(received).toEqual([{ jsonrpc: '2.0', id: 'r1', result: { ok: true } }]);
    // The cancellation that names it aborts it, and is not handed on.
    await server.send({ jsonrpc: '2.0', id: 'r2', method: 'sampling/createMessage', params: {} });
    await flush();
    await server.send({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 'r2', reason: 'user' },
    });
    await flush();
    expect(signals[1]?.aborted).toBe(true);
    expect(signals[1]?.reason).toBe('user');
    expect(notifications).toHaveLength(2);
    expect(found).toEqual([]);
    await dispatcher.close();
  });
});

/**
 * A transport the test drives by hand: it records what is written and hands the test the
 * dispatcher's handlers; `send`, `close` and `start` can be replaced to fail.
 */
function handDriven(overrides: Partial<Transport> = {}) {
  const written: unknown[] = [];
  let given: TransportHandlers | undefined;
  const transport: Transport = {
    start: (h) => {
      given = h;
    },
    send: (m) => void written.push(m),
    close: () => Promise.resolve(),
    ...overrides,
  };
  const found: { code: string; message: string }[] = [];
  const dispatcher = createDispatcher(transport, {
    clock: manualClock(),
    onDiagnostic: (d) => void found.push({ code: d.code, message: d.message }),
  });
  const handlers = (): TransportHandlers => {
    if (given === undefined) throw new Error('the transport was not started');
    return given;
  };
  return { dispatcher, transport, written, found, handlers };
}

describe('the dispatcher over a transport the test drives', () => {
  it('names maxTotalTimeout when it is out of range, and reports the request timeout it uses', () => {
    const { transport } = handDriven();
    expect(() => createDispatcher(transport, { maxTotalTimeout: -1 })).toThrow(
      /^maxTotalTimeout must be/,
    );
    expect(createDispatcher(transport).requestTimeout).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(createDispatcher(transport, { requestTimeout: 250 }).requestTimeout).toBe(250);
  });

  it('starts once: a second start is refused, naming why', async () => {
    const { dispatcher } = handDriven();
    await dispatcher.start();
    await expect(dispatcher.start()).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Cannot start the dispatcher while the session is open; a dispatcher starts once.',
    });
    expect(dispatcher.state).toBe('open');
    await dispatcher.close();
  });

  it('rejects start with the error the transport start throws', async () => {
    const failure = new Error('no such channel');
    const { dispatcher } = handDriven({
      start: () => {
        throw failure;
      },
    });
    await expect(dispatcher.start()).rejects.toBe(failure);
  });

  it('refuses a request or notification before start, writing nothing', async () => {
    const { dispatcher, written } = handDriven();
    await expect(dispatcher.request('tools/list')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message:
        'Cannot send tools/list while the session is idle (dispatcher); start the dispatcher first.',
    });
    await expect(dispatcher.notify('notifications/initialized')).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: expect.stringMatching(/^Cannot send notifications\/initialized while/),
    });
    expect(written).toEqual([]);
    expect(dispatcher.pendingRequests).toBe(0);
  });

  it('refuses a request or notification after close with the close reason as cause', async () => {
    const { dispatcher, written } = handDriven();
    await dispatcher.start();
    const reason = new Error('done here');
    await dispatcher.close(reason);
    await expect(dispatcher.request('tools/list')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: reason,
    });
    await expect(dispatcher.notify('notifications/initialized')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: reason,
    });
    expect(written).toEqual([]);
  });

  it('closes a dispatcher never started: its transport closes, its listeners hear why, and it refuses requests and a start after', async () => {
    let transportCloses = 0;
    const { dispatcher, written } = handDriven({
      start: () => {
        throw new Error('the transport was started');
      },
      close: () => {
        transportCloses += 1;
        return Promise.resolve();
      },
    });
    const heard: unknown[] = [];
    dispatcher.onClose((r) => heard.push(r));
    const reason = new Error('not needed after all');
    await dispatcher.close(reason);
    expect({ state: dispatcher.state, transportCloses, heard }).toEqual({
      state: 'closed',
      transportCloses: 1,
      heard: [reason],
    });
    await expect(dispatcher.request('tools/list')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: reason,
    });
    await expect(dispatcher.start()).rejects.toMatchObject({
      code: 'INVALID_STATE',
      message: 'Cannot start the dispatcher while the session is closed; a dispatcher starts once.',
    });
    expect(written).toEqual([]);
  });

  it('closes when its transport closes by itself: pending requests fail, later ones are refused, late messages reported', async () => {
    const { dispatcher, handlers, written, found } = handDriven();
    const notifications: unknown[] = [];
    await dispatcher.start({ notification: (n) => void notifications.push(n) });
    const heard: unknown[] = [];
    dispatcher.onClose((r) => heard.push(r));
    const pending = dispatcher.request('tools/list').catch((e: unknown) => e);
    const reason = new Error('server exited');
    handlers().closed(reason);
    expect({ state: dispatcher.state, heard }).toEqual({ state: 'closed', heard: [reason] });
    expect(await pending).toMatchObject({ code: 'CONNECTION_CLOSED', cause: reason });
    await expect(dispatcher.request('tools/list')).rejects.toMatchObject({
      code: 'CONNECTION_CLOSED',
      cause: reason,
    });
    handlers().message({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    expect(notifications).toEqual([]);
    expect(found).toEqual([
      {
        code: 'MESSAGE_AFTER_CLOSE',
        message: 'A message arrived after the connection closed; it was dropped.',
      },
    ]);
    expect(written).toHaveLength(1);
  });

  it('writes a notification with params only when it has some', async () => {
    const { dispatcher, written } = handDriven();
    await dispatcher.start();
    await dispatcher.notify('notifications/initialized');
    await dispatcher.notify('notifications/roots/list_changed', { a: 1 });
    expect(written).toStrictEqual([
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', method: 'notifications/roots/list_changed', params: { a: 1 } },
    ]);
    await dispatcher.close();
  });

  it('fails a notification whose write fails with SEND_FAILED, naming it', async () => {
    const failure = new Error('disk full');
    const { dispatcher } = handDriven({
      send: () => {
        throw failure;
      },
    });
    await dispatcher.start();
    await expect(dispatcher.notify('notifications/initialized')).rejects.toMatchObject({
      code: 'SEND_FAILED',
      message:
        'Could not send the message (notifications/initialized, id "(notification)"): disk full.',
      cause: failure,
    });
    expect(dispatcher.state).toBe('open');
    await dispatcher.close();
  });

  it('fails a notification written to an ended transport with its close, once reported', async () => {
    const { dispatcher, handlers } = handDriven({
      send: () => {
        throw new ConnectionClosedError();
      },
    });
    await dispatcher.start();
    const outcome = dispatcher.notify('notifications/initialized').catch((e: unknown) => e);
    const reason = new Error('server exited');
    handlers().closed(reason);
    const error = await outcome;
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({
      cause: reason,
      message: expect.stringMatching(
        /^Connection closed \(notifications\/initialized, id "\(notification\)"\): server exited\./,
      ),
    });
  });

  it('abandons a pending request without writing, and reports whether one was pending', async () => {
    const { dispatcher, written } = handDriven();
    await dispatcher.start();
    const call = dispatcher.request('tasks/get', {}).catch((e: unknown) => e);
    const reason = new Error('stream ended by the server');
    expect(dispatcher.abandon(99, reason)).toBe(false);
    expect(dispatcher.pendingRequests).toBe(1);
    expect(dispatcher.abandon(0, reason)).toBe(true);
    expect(await call).toMatchObject({ code: 'CONNECTION_CLOSED', cause: reason });
    expect(dispatcher.pendingRequests).toBe(0);
    expect(written).toHaveLength(1);
    await dispatcher.close();
  });

  it('calls a close listener that subscribes after close at once, with the reason', async () => {
    const { dispatcher } = handDriven();
    await dispatcher.start();
    const reason = new Error('bye');
    await dispatcher.close(reason);
    const heard: unknown[] = [];
    const unsubscribe = dispatcher.onClose((r) => heard.push(r));
    expect(heard).toEqual([reason]);
    // Kept by nothing: a second close does not call it again, and unsubscribing is harmless.
    await dispatcher.close(new Error('again'));
    unsubscribe();
    expect(heard).toEqual([reason]);
  });

  it('calls no close listener that unsubscribed, and reports one that throws', async () => {
    const { dispatcher, found } = handDriven();
    await dispatcher.start();
    const heard: string[] = [];
    const unsubscribe = dispatcher.onClose(() => heard.push('removed'));
    dispatcher.onClose(() => {
      throw new Error('listener bug');
    });
    dispatcher.onClose(() => heard.push('kept'));
    unsubscribe();
    unsubscribe();
    await dispatcher.close();
    expect(heard).toEqual(['kept']);
    expect(found).toEqual([
      { code: 'CALLBACK_FAILED', message: 'The close listener threw: listener bug' },
    ]);
  });

  it('closes the transport before it tells the close listeners', async () => {
    const order: string[] = [];
    const { dispatcher } = handDriven({
      close: () => {
        order.push('transport closed');
        return Promise.resolve();
      },
    });
    await dispatcher.start();
    dispatcher.onClose(() => order.push('listener'));
    await dispatcher.close();
    expect(order).toEqual(['transport closed', 'listener']);
  });

  it('reports a transport close that rejects or throws, and still closes', async () => {
    const rejecting = handDriven({ close: () => Promise.reject(new Error('EPIPE')) });
    await rejecting.dispatcher.start();
    await expect(rejecting.dispatcher.close()).resolves.toBeUndefined();
    expect(rejecting.found).toEqual([
      { code: 'WRITE_FAILED', message: 'Closing the transport failed: EPIPE' },
    ]);
    const throwing = handDriven({
      close: () => {
        throw new Error('already gone');
      },
    });
    await throwing.dispatcher.start();
    await expect(throwing.dispatcher.close()).resolves.toBeUndefined();
    expect(throwing.dispatcher.state).toBe('closed');
    expect(throwing.found).toEqual([
      { code: 'WRITE_FAILED', message: 'Closing the transport failed: already gone' },
    ]);
  });

  it('ignores a lost report naming no request in flight, and fails the one it names', async () => {
    const { dispatcher, handlers } = handDriven();
    await dispatcher.start();
    const call = dispatcher.request('tools/call', {}).catch((e: unknown) => e);
    const lost = handlers().lost;
    // Run what the report schedules at once, so that whatever it does shows here.
    vi.stubGlobal('queueMicrotask', (callback: () => void) => callback());
    try {
      expect(() => lost?.(7, new Error('elsewhere'))).not.toThrow();
      expect(dispatcher.pendingRequests).toBe(1);
      const error = new Error('response stream ended');
      lost?.(0, error);
      expect(await call).toBe(error);
    } finally {
      vi.unstubAllGlobals();
    }
    await dispatcher.close();
  });

  it('reports a notification handler that throws, by its name, and goes on routing', async () => {
    const { dispatcher, handlers, found } = handDriven();
    const seen: string[] = [];
    await dispatcher.start({
      notification: (n) => {
        seen.push(n.method);
        throw new Error('handler bug');
      },
    });
    handlers().message({ jsonrpc: '2.0', method: 'notifications/message', params: {} });
    handlers().message({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    expect(seen).toEqual(['notifications/message', 'notifications/tools/list_changed']);
    expect(found).toEqual([
      { code: 'CALLBACK_FAILED', message: 'The notification handler threw: handler bug' },
      { code: 'CALLBACK_FAILED', message: 'The notification handler threw: handler bug' },
    ]);
    await dispatcher.close();
  });

  it('hands transport events to the transportEvent handler, and drops them without one', async () => {
    const quiet = handDriven();
    await quiet.dispatcher.start({});
    quiet.handlers().event?.({ type: 'stream-resumed', message: 'resumed' });
    expect(quiet.found).toEqual([]);
    const events: unknown[] = [];
    const { dispatcher, handlers, found } = handDriven();
    await dispatcher.start({
      transportEvent: (event) => {
        events.push(event);
        throw new Error('handler bug');
      },
    });
    handlers().event?.({ type: 'session-renewed', message: 'renewed' });
    expect(events).toEqual([{ type: 'session-renewed', message: 'renewed' }]);
    expect(found).toEqual([
      { code: 'CALLBACK_FAILED', message: 'The message handler threw: handler bug' },
    ]);
  });

  it('hands stream exceptions to the exception handler as errors, and drops them without one', async () => {
    const quiet = handDriven();
    await quiet.dispatcher.start({});
    quiet.handlers().error(new Error('bad line'));
    expect(quiet.found).toEqual([]);
    const errors: Error[] = [];
    const { dispatcher, handlers, found } = handDriven();
    await dispatcher.start({
      exception: (error) => {
        errors.push(error);
        throw new Error('handler bug');
      },
    });
    // A transport may report something that is not an Error: it arrives wrapped in one.
    handlers().error('socket hiccup' as unknown as Error);
    expect(errors[0]).toBeInstanceOf(StreamError);
    expect(errors[0]).toMatchObject({ code: 'TRANSPORT_ERROR', cause: 'socket hiccup' });
    expect(found).toEqual([
      { code: 'CALLBACK_FAILED', message: 'The message handler threw: handler bug' },
    ]);
  });
});
