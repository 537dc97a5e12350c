import { describe, expect, it } from 'vitest';
import { DuplicateRequestIdError, InvalidArgumentError } from '../src/index.js';
import { NO_RESPONSE } from '../src/testing/index.js';
import { connected, diagnostics, flush, sent } from './support/harness.js';

/**
 * Request ids a caller chooses (`requestId`, a string or an integer): written as given, answered
 * and cancelled by that id, refused while a request in flight holds it, and never issued by the
 * dispatcher to another request meanwhile.
 */

/** A connected session whose server holds every `tools/call` until the test answers it. */
async function held() {
  const calls: { id: string | number; name: unknown }[] = [];
  const h = await connected(
    {},
    {
      handlers: {
        'tools/call': (params, call) => {
          calls.push({ id: call.id, name: params?.name });
          return NO_RESPONSE;
        },
      },
    },
  );
  const answer = (id: string | number, text: string): void =>
    h.server.send({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
  return { ...h, calls, answer };
}

describe('caller-chosen request ids', () => {
  it('writes a string or an integer id as given, and correlates its response', async () => {
    const { session, calls, answer } = await held();
    const named = session.callTool('a', {}, { requestId: 'job-1' });
    const numbered = session.callTool('b', {}, { requestId: 1_000 });
    await flush();
    expect(calls).toEqual([
      { id: 'job-1', name: 'a' },
      { id: 1_000, name: 'b' },
    ]);
    answer(1_000, 'b done');
    answer('job-1', 'a done');
    await expect(named).resolves.toMatchObject({ content: [{ text: 'a done' }] });
    await expect(numbered).resolves.toMatchObject({ content: [{ text: 'b done' }] });
    await session.close();
  });

  it('refuses an id in flight with DUPLICATE_REQUEST_ID before anything is written', async () => {
    const { session, server, calls, answer } = await held();
    const first = session.callTool('a', {}, { requestId: 'dup' });
    await flush();
    const before = server.received.length;
    await expect(session.callTool('b', {}, { requestId: 'dup' })).rejects.toBeInstanceOf(
      DuplicateRequestIdError,
    );
    await expect(session.request('x/y', {}, { requestId: 'dup' })).rejects.toMatchObject({
      code: 'DUPLICATE_REQUEST_ID',
      requestId: 'dup',
      method: 'x/y',
    });
    // "7" and 7 are one id: a response echoing either form would find the request.
    const seven = session.callTool('c', {}, { requestId: 7 });
    await expect(session.callTool('d', {}, { requestId: '7' })).rejects.toMatchObject({
      code: 'DUPLICATE_REQUEST_ID',
    });
    await flush();
    expect(server.received.length).toBe(before + 1); // only the call with id 7
    expect(calls.map((c) => c.id)).toEqual(['dup', 7]);
    answer('dup', 'a');
    answer(7, 'c');
    await expect(first).resolves.toMatchObject({ content: [{ text: 'a' }] });
    await expect(seven).resolves.toMatchObject({ content: [{ text: 'c' }] });
    await session.close();
  });

  it('refuses an id the dispatcher issued to a request still in flight', async () => {
    const { session, calls, answer } = await held();
    const issued = session.callTool('a');
    await flush();
    const id = calls[0]?.id as number;
    expect(typeof id).toBe('number');
    await expect(session.callTool('b', {}, { requestId: id })).rejects.toMatchObject({
      code: 'DUPLICATE_REQUEST_ID',
    });
    await expect(session.callTool('b', {}, { requestId: String(id) })).rejects.toMatchObject({
      code: 'DUPLICATE_REQUEST_ID',
    });
    answer(id, 'a');
    await expect(issued).resolves.toMatchObject({ content: [{ text: 'a' }] });
    await session.close();
  });

  it('never issues an id a caller holds in flight', async () => {
    const { session, calls, answer } = await held();
    const next = session.dispatcher.nextRequestId;
    const mine = session.callTool('mine', {}, { requestId: next });
    const mineToo = session.callTool('mine too', {}, { requestId: String(next + 1) });
    expect(session.dispatcher.nextRequestId).toBe(next + 2);
    const issued = session.callTool('issued');
    await flush();
    expect(calls).toEqual([
      { id: next, name: 'mine' },
      { id: String(next + 1), name: 'mine too' },
      { id: next + 2, name: 'issued' },
    ]);
    answer(next + 2, 'issued');
    answer(next, 'mine');
    answer(next + 1, 'mine too');
    await expect(issued).resolves.toMatchObject({ content: [{ text: 'issued' }] });
    await expect(mine).resolves.toMatchObject({ content: [{ text: 'mine' }] });
    await expect(mineToo).resolves.toMatchObject({ content: [{ text: 'mine too' }] });
    // Once they settled, issuing goes on from where it was.
    const later = session.callTool('later');
    await flush();
    expect(calls[3]).toEqual({ id: next + 3, name: 'later' });
    answer(next + 3, 'later');
    await later;
    await session.close();
  });

  it('accepts an id again once its request has settled', async () => {
    const { session, calls, answer } = await held();
    const first = session.callTool('a', {}, { requestId: 'again' });
    await flush();
    answer('again', 'first');
    await first;
    const second = session.callTool('b', {}, { requestId: 'again' });
    await flush();
    answer('again', 'second');
    await expect(second).resolves.toMatchObject({ content: [{ text: 'second' }] });
    expect(calls.map((c) => c.id)).toEqual(['again', 'again']);
    await session.close();
  });

  it('refuses an id that is neither a string nor a safe integer, writing nothing', async () => {
    expect.assertions(4);
    const { session, server } = await connected();
    const before = server.received.length;
    for (const requestId of [1.5, Number.NaN, 2 ** 60]) {
      await expect(session.ping({ requestId })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect(server.received.length).toBe(before);
    await session.close();
  });

  it('cancels by the id given, and sends progress for it (the token is that id)', async () => {
    const { session, server, calls } = await held();
    const progress: unknown[] = [];
    const controller = new AbortController();
    const call = session.callTool(
      'slow',
      {},
      { requestId: 'slow-1', signal: controller.signal, onProgress: (p) => progress.push(p) },
    );
    await flush();
    expect(calls).toEqual([{ id: 'slow-1', name: 'slow' }]);
    expect(sent(server, 'tools/call')[0]).toMatchObject({
      params: { _meta: { progressToken: 'slow-1' } },
    });
    server.notify('notifications/progress', { progressToken: 'slow-1', progress: 1, total: 2 });
    await flush();
    expect(progress).toEqual([{ progressToken: 'slow-1', progress: 1, total: 2 }]);
    controller.abort('not needed');
    await expect(call).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await flush();
    expect(sent(server, 'notifications/cancelled')).toEqual([
      {
        jsonrpc: '2.0',
        method: 'notifications/cancelled',
        params: { requestId: 'slow-1', reason: 'not needed' },
      },
    ]);
    await session.close();
  });

  it('gives the id to the first request of a helper that sends several, and issued ids to the rest', async () => {
    const { session, server, messages } = await connected(
      {},
      {
        handlers: {
          'tools/list': (params) =>
            params?.cursor === undefined
              ? { tools: [{ name: 'a', inputSchema: { type: 'object' } }], nextCursor: 'p2' }
              : { tools: [{ name: 'b', inputSchema: { type: 'object' } }] },
        },
      },
    );
    const tools = await session.listAllTools({ requestId: 'list-1' });
    expect(tools.map((t) => t.name)).toEqual(['a', 'b']);
    const ids = sent(server, 'tools/list').map((m) => m.id);
    expect(ids[0]).toBe('list-1');
    expect(typeof ids[1]).toBe('number');
    expect(diagnostics(messages)).toEqual([]);
    await session.close();
  });

  it('gives the id to the first round of a 2026 call that asks for input, and issued ids to the retries', async () => {
    const ids: (string | number)[] = [];
    const { session } = await connected(
      { mode: 'modern', roots: { list: () => [{ uri: 'file:///w' }] } },
      {
        handlers: {
          'server/discover': () => ({
            resultType: 'complete',
            supportedVersions: ['2026-07-28'],
            capabilities: { tools: {} },
            ttlMs: 0,
            cacheScope: 'public',
          }),
          'tools/call': (params, call) => {
            ids.push(call.id);
            return params?.requestState === undefined
              ? {
                  resultType: 'input_required',
                  inputRequests: { where: { method: 'roots/list', params: {} } },
                  requestState: 'round-1',
                }
              : { content: [{ type: 'text', text: 'done' }] };
          },
        },
      },
    );
    await expect(session.callTool('t', {}, { requestId: 'call-1' })).resolves.toMatchObject({
      content: [{ text: 'done' }],
    });
    expect(ids[0]).toBe('call-1');
    expect(typeof ids[1]).toBe('number');
    await session.close();
  });
});

describe("the server's request ids", () => {
  it('answers a request whose id is a fraction (schema.ts: `string | number`) with that id', async () => {
    const { session, server } = await connected({ roots: { list: () => [{ uri: 'file:///w' }] } });
    for (const id of [1.5, -0.25]) {
      server.send({ jsonrpc: '2.0', id, method: 'roots/list' });
      server.send({ jsonrpc: '2.0', id: id + 10, method: 'ping' });
    }
    await flush();
    const answers = server.received
      .filter((m) => !('method' in m))
      .sort((a, b) => Number((a as { id?: unknown }).id) - Number((b as { id?: unknown }).id));
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: -0.25, result: { roots: [{ uri: 'file:///w' }] } },
      { jsonrpc: '2.0', id: 1.5, result: { roots: [{ uri: 'file:///w' }] } },
      { jsonrpc: '2.0', id: 9.75, result: {} },
      { jsonrpc: '2.0', id: 11.5, result: {} },
    ]);
    await session.close();
  });
});
