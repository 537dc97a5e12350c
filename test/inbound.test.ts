import { describe, expect, it } from 'vitest';
import type { InboundRequestEvent } from '../machines/inbound-request.js';
import type { InboundRequestActor } from '../src/core/actors.js';
import { step } from '../src/core/compiled-machine.js';
import { InboundRequests, isBareErrorObject, toWireError } from '../src/core/inbound.js';
import type { Outbox } from '../src/core/outbox.js';
import type { DispatcherHandlers, InboundRequest } from '../src/core/types.js';
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

/** An `InboundRequests` over a reporter and an outbox that record what they are given. */
function inboundRequests(handlers: DispatcherHandlers = {}) {
  const diagnostics: { code: string; text: string; payload: unknown }[] = [];
  const writes: { message: unknown; what: string }[] = [];
  const reporter = {
    diagnose: (code: string, text: string, payload?: unknown) => {
      diagnostics.push({ code, text, payload });
    },
    drive: (actor: InboundRequestActor, event: InboundRequestEvent) => {
      step(actor, event);
    },
    adopt: () => {},
  } as unknown as ConstructorParameters<typeof InboundRequests>[0];
  const outbox = {
    write: (message: unknown, what: string) => {
      writes.push({ message, what });
    },
  } as unknown as Outbox;
  const inbound = new InboundRequests(reporter, outbox);
  inbound.use(handlers);
  return { inbound, diagnostics, writes };
}

/** A handler that never settles, keeping each request's signal by id. */
function pendingHandler() {
  const signals = new Map<unknown, AbortSignal>();
  const params: unknown[] = [];
  const request = (r: InboundRequest) => {
    signals.set(r.id, r.signal);
    params.push(r.params);
    return new Promise(() => {});
  };
  return { request, signals, params };
}

describe('InboundRequests', () => {
  it('drops a request whose id is neither a string nor an integer, saying so', () => {
    const { inbound, diagnostics } = inboundRequests();
    const m = { jsonrpc: '2.0', id: Infinity, method: 'roots/list' };
    inbound.receive(m, 'roots/list');
    expect({ diagnostics, size: inbound.size }).toEqual({
      diagnostics: [
        {
          code: 'INVALID_MESSAGE',
          text: 'Received a roots/list request whose id is neither a string nor an integer; it was dropped.',
          payload: m,
        },
      ],
      size: 0,
    });
  });

  it('drops a request reusing the id of one being handled, naming the id', async () => {
    const handler = pendingHandler();
    const { inbound, diagnostics } = inboundRequests({ request: handler.request });
    inbound.receive({ jsonrpc: '2.0', id: 'a', method: 'roots/list' }, 'roots/list');
    const again = { jsonrpc: '2.0', id: 'a', method: 'roots/list' };
    inbound.receive(again, 'roots/list');
    await flush();
    expect({ diagnostics, size: inbound.size, started: handler.signals.size }).toEqual({
      diagnostics: [
        {
          code: 'DUPLICATE_REQUEST_ID',
          text: 'Received a roots/list request reusing id "a", which is still being handled; it was dropped.',
          payload: again,
        },
      ],
      size: 1,
      started: 1,
    });
  });

  it('forgets a request once answered: a late cancellation or close aborts nothing, and its id may be used again', async () => {
    const signals: AbortSignal[] = [];
    const { inbound, diagnostics, writes } = inboundRequests({
      request: (r) => {
        signals.push(r.signal);
        if (r.id === 'fails') throw new Error('declined');
        return { roots: [] };
      },
    });
    inbound.receive({ jsonrpc: '2.0', id: 'answers', method: 'roots/list' }, 'roots/list');
    inbound.receive({ jsonrpc: '2.0', id: 'fails', method: 'roots/list' }, 'roots/list');
    await flush();
    expect(writes).toHaveLength(2);
    expect(inbound.size).toBe(0);
    expect([inbound.cancel('answers', 'late'), inbound.cancel('fails', 'late')]).toEqual([
      false,
      false,
    ]);
    inbound.closeAll('closed');
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
    inbound.receive({ jsonrpc: '2.0', id: 'answers', method: 'roots/list' }, 'roots/list');
    inbound.receive({ jsonrpc: '2.0', id: 'fails', method: 'roots/list' }, 'roots/list');
    await flush();
    expect({ diagnostics, written: writes.map((w) => w.message) }).toEqual({
      diagnostics: [],
      written: [
        { jsonrpc: '2.0', id: 'answers', result: { roots: [] } },
        { jsonrpc: '2.0', id: 'fails', error: { code: -32603, message: 'declined' } },
        { jsonrpc: '2.0', id: 'answers', result: { roots: [] } },
        { jsonrpc: '2.0', id: 'fails', error: { code: -32603, message: 'declined' } },
      ],
    });
  });

  it('hands the handler params only when they are an object', async () => {
    const handler = pendingHandler();
    const { inbound } = inboundRequests({ request: handler.request });
    const given: unknown[] = [null, 'text', 42, { a: 1 }, undefined];
    given.forEach((params, id) => {
      inbound.receive({ jsonrpc: '2.0', id, method: 'roots/list', params }, 'roots/list');
    });
    await flush();
    expect(handler.params).toEqual([undefined, undefined, undefined, { a: 1 }, undefined]);
  });

  it('cancels a request named by its id in either form, "7" for 7 and 8 for "8"', async () => {
    const handler = pendingHandler();
    const { inbound, writes } = inboundRequests({ request: handler.request });
    inbound.receive({ jsonrpc: '2.0', id: 7, method: 'roots/list' }, 'roots/list');
    inbound.receive({ jsonrpc: '2.0', id: '8', method: 'roots/list' }, 'roots/list');
    await flush();
    const unknown = [inbound.cancel('07', 'x'), inbound.cancel('x', 'x'), inbound.cancel(9, 'x')];
    expect(unknown).toEqual([false, false, false]);
    expect(inbound.cancel('7', 'seven')).toBe(true);
    expect(inbound.cancel(8, 'eight')).toBe(true);
    expect({
      seven: handler.signals.get(7)?.reason,
      eight: handler.signals.get('8')?.reason,
      size: inbound.size,
      writes,
    }).toEqual({ seven: 'seven', eight: 'eight', size: 0, writes: [] });
  });

  it('answers -32601 naming the method when no handler is installed', async () => {
    const { inbound, writes } = inboundRequests();
    inbound.receive(
      { jsonrpc: '2.0', id: 1, method: 'sampling/createMessage' },
      'sampling/createMessage',
    );
    await flush();
    expect(writes).toEqual([
      {
        message: {
          jsonrpc: '2.0',
          id: 1,
          error: { code: -32601, message: 'Method not found: sampling/createMessage' },
        },
        what: 'the error response to sampling/createMessage',
      },
    ]);
  });

  it('answers {} for a handler that returns nothing, naming the response', async () => {
    const { inbound, writes } = inboundRequests({ request: () => undefined });
    inbound.receive({ jsonrpc: '2.0', id: 2, method: 'roots/list' }, 'roots/list');
    await flush();
    expect(writes).toEqual([
      { message: { jsonrpc: '2.0', id: 2, result: {} }, what: 'the response to roots/list' },
    ]);
  });

  it('cancels or closes a ping before its answer without writing one', async () => {
    const { inbound, writes } = inboundRequests();
    inbound.receive({ jsonrpc: '2.0', id: 1, method: 'ping' }, 'ping');
    inbound.receive({ jsonrpc: '2.0', id: 2, method: 'ping' }, 'ping');
    expect(inbound.cancel(1, 'no longer needed')).toBe(true);
    inbound.closeAll('closed');
    await flush();
    expect({ size: inbound.size, writes }).toEqual({ size: 0, writes: [] });
  });
});

describe('toWireError and isBareErrorObject', () => {
  it('says "Internal error" for a throw without a message', () => {
    expect([toWireError(new Error('')), toWireError('')]).toEqual([
      { code: -32603, message: 'Internal error' },
      { code: -32603, message: 'Internal error' },
    ]);
  });

  it('takes { code, message, data? } as an error object, and nothing with another member', () => {
    expect([
      isBareErrorObject({ code: 1, message: 'm' }),
      isBareErrorObject({ code: 1, message: 'm', data: { x: 1 } }),
      isBareErrorObject({ code: 1, message: 'm', extra: true }),
      isBareErrorObject({ code: 1, message: 'm', data: 1, extra: true }),
    ]).toEqual([true, true, false, false]);
  });
});
