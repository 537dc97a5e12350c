import { describe, expect, it } from 'vitest';
import { JsonRpcError } from '../src/index.js';
import { connected, flush } from './support/harness.js';

/** The responses the server received, by request id. */
function responsesTo(received: readonly unknown[], id: number): unknown[] {
  return received.filter(
    (m) => (m as { id?: unknown }).id === id && (m as { method?: unknown }).method === undefined,
  );
}

describe('server → client requests', () => {
  it('answers ping with {} without user code', async () => {
    let called = false;
    const { session, server } = await connected({
      requestHandlers: {
        ping: () => {
          called = true;
          return { not: 'this' };
        },
      },
    });
    await expect(server.request('ping')).resolves.toEqual({});
    expect(called).toBe(false);
    await session.close();
  });

  it('answers an unknown method with -32601', async () => {
    const { session, server } = await connected();
    await expect(server.request('sampling/createMessage', { messages: [] })).rejects.toMatchObject({
      code: -32601,
      message: expect.stringContaining('sampling/createMessage'),
    });
    await session.close();
  });

  it('answers invalid params with -32602 when the handler declares a parser', async () => {
    const { session, server } = await connected({
      requestHandlers: {
        'roots/list': {
          parse: (params: unknown) => {
            if (params !== undefined && typeof params !== 'object')
              throw new Error('params must be an object');
            return params;
          },
          handle: () => ({ roots: [] }),
        },
        'elicitation/create': {
          parse: (params: unknown) => {
            const message = (params as { message?: unknown } | undefined)?.message;
            if (typeof message !== 'string') throw new Error('message must be a string');
            return message;
          },
          handle: (message: string) => ({ action: 'accept', content: { echoed: message } }),
        },
      },
    });
    await expect(server.request('elicitation/create', { message: 42 })).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('message must be a string'),
    });
    await expect(server.request('elicitation/create', { message: 'hi' })).resolves.toEqual({
      action: 'accept',
      content: { echoed: 'hi' },
    });
    await session.close();
  });

  it('answers a throwing callback with -32603 and its message (not code 0)', async () => {
    const { session, server } = await connected({
      requestHandlers: {
        'sampling/createMessage': () => {
          throw new Error('model unavailable');
        },
        'roots/list': () => Promise.reject(new Error('async failure')),
      },
    });
    await expect(server.request('sampling/createMessage', {})).rejects.toEqual({
      code: -32603,
      message: 'model unavailable',
    });
    await expect(server.request('roots/list', {})).rejects.toEqual({
      code: -32603,
      message: 'async failure',
    });
    await session.close();
  });

  it('sends a JSON-RPC error object a callback returns as is, and a thrown JsonRpcError as is', async () => {
    const { session, server } = await connected({
      requestHandlers: {
        'sampling/createMessage': () => ({ code: -1, message: 'User rejected sampling request' }),
        'elicitation/create': () => {
          throw new JsonRpcError({
            code: -32042,
            message: 'URL elicitation required',
            data: { elicitations: [] },
          });
        },
      },
    });
    await expect(server.request('sampling/createMessage', {})).rejects.toEqual({
      code: -1,
      message: 'User rejected sampling request',
    });
    await expect(server.request('elicitation/create', {})).rejects.toEqual({
      code: -32042,
      message: 'URL elicitation required',
      data: { elicitations: [] },
    });
    await session.close();
  });

  it('aborts the handler on the server’s notifications/cancelled and writes no response', async () => {
    let signal: AbortSignal | undefined;
    let finish: ((v: unknown) => void) | undefined;
    const { session, server } = await connected({
      requestHandlers: {
        'sampling/createMessage': (_params, extra) => {
          signal = extra.signal;
          return new Promise((resolve) => {
            finish = resolve;
          });
        },
      },
    });
    const answer = server.request('sampling/createMessage', {}, 77);
    void answer.catch(() => {});
    await flush();
    expect(signal?.aborted).toBe(false);
    expect(session.dispatcher.pendingInboundRequests).toBe(1);
    server.notify('notifications/cancelled', { requestId: 77, reason: 'no longer needed' });
    await flush();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe('no longer needed');
    expect(session.dispatcher.pendingInboundRequests).toBe(0);
    // The handler finishing afterwards writes nothing.
    finish?.({ model: 'late' });
    await flush();
    expect(responsesTo(server.received, 77)).toHaveLength(0);
    await session.close();
  });

  it('writes exactly one response per request, even for a handler that settles twice', async () => {
    const { session, server } = await connected({
      requestHandlers: {
        'roots/list': () =>
          new Promise((resolve, reject) => {
            resolve({ roots: [] });
            reject(new Error('second settle'));
          }),
      },
    });
    await expect(server.request('roots/list', {}, 5)).resolves.toEqual({ roots: [] });
    await flush();
    expect(responsesTo(server.received, 5)).toHaveLength(1);
    await session.close();
  });

  it('drops a request reusing the id of one still being handled, as a diagnostic', async () => {
    let release: (() => void) | undefined;
    const { session, server, messages } = await connected({
      requestHandlers: {
        'roots/list': () =>
          new Promise((resolve) => {
            release = () => resolve({ roots: [] });
          }),
      },
    });
    const first = server.request('roots/list', {}, 9);
    server.send({ jsonrpc: '2.0', id: 9, method: 'roots/list', params: {} });
    await flush();
    expect(messages.map((m) => m.type === 'diagnostic' && m.diagnostic.code)).toContain(
      'DUPLICATE_REQUEST_ID',
    );
    release?.();
    await expect(first).resolves.toEqual({ roots: [] });
    await flush();
    expect(responsesTo(server.received, 9)).toHaveLength(1);
    await session.close();
  });

  it('fails an unanswered inbound request cleanly when the connection closes', async () => {
    let signal: AbortSignal | undefined;
    let finish: ((v: unknown) => void) | undefined;
    const { session, server } = await connected({
      requestHandlers: {
        'sampling/createMessage': (_p, extra) => {
          signal = extra.signal;
          return new Promise((resolve) => {
            finish = resolve;
          });
        },
      },
    });
    void server.request('sampling/createMessage', {}, 3).catch(() => {});
    await flush();
    await session.close();
    expect(signal?.aborted).toBe(true);
    expect(session.dispatcher.pendingInboundRequests).toBe(0);
    finish?.({});
    await flush();
    expect(responsesTo(server.received, 3)).toHaveLength(0);
  });

  it('runs concurrent inbound requests concurrently', async () => {
    // Each handler waits for the other to have started: sequential handling would deadlock.
    const started: string[] = [];
    let wake: (() => void) | undefined;
    const bothStarted = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const handler = async (params: Readonly<Record<string, unknown>> | undefined) => {
      started.push(String(params?.name));
      if (started.length === 2) wake?.();
      await bothStarted;
      return { roots: [{ uri: `file:///${String(params?.name)}` }] };
    };
    const { session, server } = await connected({ requestHandlers: { 'roots/list': handler } });
    const [a, b] = await Promise.all([
      server.request('roots/list', { name: 'a' }),
      server.request('roots/list', { name: 'b' }),
    ]);
    expect(a).toEqual({ roots: [{ uri: 'file:///a' }] });
    expect(b).toEqual({ roots: [{ uri: 'file:///b' }] });
    await session.close();
  });

  it('preserves the type of the server’s id in the response', async () => {
    const { session, server } = await connected({
      requestHandlers: { 'roots/list': () => ({ roots: [] }) },
    });
    await expect(server.request('roots/list', {}, 'req-A')).resolves.toEqual({ roots: [] });
    await flush();
    expect(server.received.some((m) => (m as { id?: unknown }).id === 'req-A')).toBe(true);
    await session.close();
  });

  it('lets a handler be registered after construction', async () => {
    const { session, server } = await connected();
    session.setRequestHandler('roots/list', () => ({ roots: [{ uri: 'file:///late' }] }));
    await expect(server.request('roots/list', {})).resolves.toEqual({
      roots: [{ uri: 'file:///late' }],
    });
    await session.close();
  });
});
