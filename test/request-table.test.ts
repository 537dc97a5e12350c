import { describe, expect, it } from 'vitest';
import type { RequestEvent } from '../machines/request.js';
import type { OutboundRequest } from '../src/core/actors.js';
import type { BoundState } from '../src/core/compiled-machine.js';
import { RequestTable, type RequestDefaults } from '../src/core/request-table.js';
import { JsonRpcError } from '../src/errors/errors.js';
import type { JsonRpcNotification, JsonRpcRequest } from '../src/wire/jsonrpc.js';

/**
 * The outbound request table on its own: what it admits (policy, id, token, message), which
 * request a response or a progress notification finds, what it reports for the rest, and what
 * letting a request go frees. The reporter is a recorder: nothing is stepped.
 */

const DEFAULTS: RequestDefaults = {
  requestTimeout: 100,
  maxTotalTimeout: Infinity,
  resetTimeoutOnProgress: false,
};

function tableOver(defaults: RequestDefaults = DEFAULTS) {
  const diagnostics: { code: string; text: string }[] = [];
  const driven: { req: unknown; event: unknown }[] = [];
  const table = new RequestTable(defaults, {
    diagnose: (code, text) => diagnostics.push({ code, text }),
    drive: (req, event) => driven.push({ req, event }),
  });
  // The table only keeps the initial state; a state with no transitions stands in for it.
  const initial: BoundState<OutboundRequest, RequestEvent> = {
    key: 'created',
    final: false,
    on: {},
    entry: [],
  };
  const open = (
    method: string,
    params?: Record<string, unknown>,
    options?: Parameters<RequestTable['open']>[3],
  ): OutboundRequest => table.open(initial, method, params, options);
  return { table, open, diagnostics, driven };
}

function progress(params: Record<string, unknown>): JsonRpcNotification {
  return { jsonrpc: '2.0', method: 'notifications/progress', params };
}

describe('RequestTable: time limits', () => {
  it('keeps the shared default policy for a call whose options set no time limit', () => {
    const { open } = tableOver();
    const plain = open('tools/call');
    const withCallback = open('tools/call', {}, { onProgress: () => {} });
    const withMeta = open('tools/call', {}, { _meta: { trace: 1 } });
    expect(withCallback.policy).toBe(plain.policy);
    expect(withMeta.policy).toBe(plain.policy);
    expect(plain.policy).toEqual({
      timeout: 100,
      maxTotalTimeout: Infinity,
      resetTimeoutOnProgress: false,
    });
  });

  it('takes each time limit a call sets on its own, the others from the defaults', () => {
    const { open } = tableOver({
      requestTimeout: 100,
      maxTotalTimeout: 9_000,
      resetTimeoutOnProgress: true,
    });
    const total = open('a', {}, { maxTotalTimeout: 5 });
    const reset = open('b', {}, { resetTimeoutOnProgress: false });
    const idle = open('c', {}, { timeout: 7 });
    expect([total.policy, reset.policy, idle.policy]).toEqual([
      { timeout: 100, maxTotalTimeout: 5, resetTimeoutOnProgress: true },
      { timeout: 100, maxTotalTimeout: 9_000, resetTimeoutOnProgress: false },
      { timeout: 7, maxTotalTimeout: 9_000, resetTimeoutOnProgress: true },
    ]);
    const { open: openUnset } = tableOver();
    expect(openUnset('d', {}, { resetTimeoutOnProgress: true }).resetTimeoutOnProgress).toBe(true);
  });

  it('names the option it refuses, admitting nothing', () => {
    const { table, open } = tableOver();
    expect(() => open('tools/call', {}, { maxTotalTimeout: -1 })).toThrow(
      'maxTotalTimeout must be a number of milliseconds ≥ 0, or Infinity for none; got -1.',
    );
    expect(() => open('tools/call', {}, { timeout: -1 })).toThrow(/^timeout must be/);
    expect(table.size).toBe(0);
  });
});

describe('RequestTable: the message and its progress token', () => {
  it('writes no params member for a call without params', () => {
    const { open } = tableOver();
    const req = open('ping');
    expect(Object.keys(req.message ?? {})).toEqual(['jsonrpc', 'id', 'method']);
    expect(req.message).toStrictEqual({ jsonrpc: '2.0', id: 0, method: 'ping' });
  });

  it('keeps a number or a string the caller gave as progress token, and owns progress by it', () => {
    const { table, open, driven } = tableOver();
    const numbered = open('a', { x: 1 }, { _meta: { progressToken: 42 }, onProgress: () => {} });
    const named = open('b', { _meta: { progressToken: 'job' } }, { onProgress: () => {} });
    expect(numbered.message).toMatchObject({ params: { x: 1, _meta: { progressToken: 42 } } });
    expect(named.message).toMatchObject({ params: { _meta: { progressToken: 'job' } } });
    expect([numbered.customToken, named.customToken]).toEqual([42, 'job']);
    table.progress(progress({ progressToken: 42, progress: 1 }));
    table.progress(progress({ progressToken: 'job', progress: 2 }));
    expect(driven.map((d) => d.req)).toEqual([numbered, named]);
  });

  it("merges the params' own _meta object into the new one, but not an array, a string or null", () => {
    const { open } = tableOver();
    const metas = [{ trace: 't' }, ['x'], 'ab', null].map(
      (_meta) =>
        (open('m', { _meta }, { onProgress: () => {} }).message as JsonRpcRequest).params?._meta,
    );
    expect(metas).toEqual([
      { trace: 't', progressToken: 0 },
      { progressToken: 1 },
      { progressToken: 2 },
      { progressToken: 3 },
    ]);
  });
});

describe('RequestTable: ids', () => {
  it('refuses a requestId that is not a string or a safe integer, saying what it got', () => {
    expect.assertions(3);
    const { table, open } = tableOver();
    expect(() => open('a', {}, { requestId: 1.5 })).toThrow(
      'requestId must be a string or a safe integer; got 1.5.',
    );
    expect(() => open('a', {}, { requestId: true as unknown as string })).toThrow(
      'requestId must be a string or a safe integer; got true.',
    );
    expect(table.size).toBe(0);
  });

  it('finds a request by the id a transport names: a number, or a string spelling it', () => {
    const { table, open } = tableOver();
    const first = open('a');
    const second = open('b');
    const named = open('c', {}, { requestId: 'job' });
    expect([
      table.byWireId(0),
      table.byWireId('0'),
      table.byWireId(1),
      table.byWireId('1'),
      table.byWireId('01'),
      table.byWireId(2),
      table.byWireId('job'),
    ]).toEqual([first, first, second, second, undefined, undefined, undefined]);
    expect(table.get('job')).toBe(named);
  });
});

describe('RequestTable: responses', () => {
  it('reports and drops a response without an id, with its error when it has one', () => {
    const { table, diagnostics, driven } = tableOver();
    table.answer({ jsonrpc: '2.0', result: {} });
    table.answer({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'bad' } });
    table.answer({ jsonrpc: '2.0', id: null, error: 'not an error object' });
    expect(diagnostics).toEqual([
      {
        code: 'NULL_ID_RESPONSE',
        text: 'Received a response with no request id; it was dropped.',
      },
      {
        code: 'NULL_ID_RESPONSE',
        text: 'Received a response with no request id: error -32600 bad; it was dropped.',
      },
      {
        code: 'NULL_ID_RESPONSE',
        text: 'Received a response with no request id; it was dropped.',
      },
    ]);
    expect(driven).toEqual([]);
  });

  it('hands a malformed error object to its request as an internal error that shows it', () => {
    const { table, open, driven } = tableOver();
    const req = open('tools/call');
    table.answer({ jsonrpc: '2.0', id: 0, error: 'boom' });
    expect(driven).toHaveLength(1);
    const event = driven[0]?.event as Extract<RequestEvent, { type: 'error' }>;
    expect(driven[0]?.req).toBe(req);
    expect(event.type).toBe('error');
    expect(event.error).toBeInstanceOf(JsonRpcError);
    expect(event.error).toMatchObject({
      code: -32603,
      rpcMessage: 'malformed error object boom',
      method: 'tools/call',
      requestId: 0,
    });
  });

  it('tells a late response (an id issued, now settled) from one for an id never issued, at the edges', () => {
    const { table, open, diagnostics } = tableOver();
    for (const req of [open('a'), open('b'), open('c')]) table.release(req);
    expect(table.size).toBe(0);
    const ids = [0, 2, '1', 3, -1, 1.5, '00', 'x'];
    for (const id of ids) table.answer({ jsonrpc: '2.0', id, result: {} });
    expect(diagnostics.map((d) => d.code)).toEqual([
      'LATE_RESPONSE',
      'LATE_RESPONSE',
      'LATE_RESPONSE',
      'UNKNOWN_RESPONSE_ID',
      'UNKNOWN_RESPONSE_ID',
      'UNKNOWN_RESPONSE_ID',
      'UNKNOWN_RESPONSE_ID',
      'UNKNOWN_RESPONSE_ID',
    ]);
    expect(diagnostics[2]?.text).toBe(
      'Received a response for request "1", which has already settled; it was dropped.',
    );
    expect(diagnostics[3]?.text).toBe(
      'Received a response for request 3, which this client never sent; it was dropped.',
    );
  });
});

describe('RequestTable: progress', () => {
  it('reports progress for a token no request owns, whatever the token is, and drops it', () => {
    const { table, open, diagnostics, driven } = tableOver();
    open('a', {}, { onProgress: () => {} });
    for (const progressToken of [99, 'zz', undefined, Symbol('token')]) {
      table.progress(progress({ progressToken, progress: 1 }));
    }
    expect(diagnostics.map((d) => d.code)).toEqual([
      'UNKNOWN_PROGRESS_TOKEN',
      'UNKNOWN_PROGRESS_TOKEN',
      'UNKNOWN_PROGRESS_TOKEN',
      'UNKNOWN_PROGRESS_TOKEN',
    ]);
    expect(diagnostics[0]?.text).toBe(
      'Received progress for token 99, which no request in flight owns; it was dropped.',
    );
    expect(driven).toEqual([]);
  });

  it('reports progress whose values are not of their types, and drops it', () => {
    const { table, open, diagnostics, driven } = tableOver();
    open('a', {}, { onProgress: () => {} });
    table.progress(progress({ progressToken: 0, progress: '50%' }));
    expect(diagnostics).toEqual([
      {
        code: 'INVALID_MESSAGE',
        text: 'Received progress for token 0 whose progress, total or message is not of its type; it was dropped.',
      },
    ]);
    expect(driven).toEqual([]);
  });

  it('does not hand a request progress by its id once the caller gave it a token of its own', () => {
    const { table, open, diagnostics, driven } = tableOver();
    const req = open('a', {}, { _meta: { progressToken: 'mine' }, onProgress: () => {} });
    table.progress(progress({ progressToken: req.requestId, progress: 1 }));
    expect(diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_PROGRESS_TOKEN']);
    table.progress(progress({ progressToken: 'mine', progress: 2 }));
    expect(driven.map((d) => d.event)).toEqual([
      { type: 'progress', progress: { progressToken: 'mine', progress: 2 } },
    ]);
  });
});

describe('RequestTable: letting a request go', () => {
  it('frees its id and its own progress token, for another request to take', () => {
    const { table, open, diagnostics } = tableOver();
    const plain = open('a', {}, { requestId: 'x' });
    const tokened = open('b', {}, { _meta: { progressToken: 'tok' } });
    expect(() => open('c', {}, { _meta: { progressToken: 'tok' } })).toThrow(
      /Progress token "tok" is already used/,
    );
    table.release(plain);
    table.release(tokened);
    expect({ size: table.size, x: table.get('x'), b: table.get(tokened.requestId) }).toEqual({
      size: 0,
      x: undefined,
      b: undefined,
    });
    table.progress(progress({ progressToken: 'tok', progress: 1 }));
    expect(diagnostics.map((d) => d.code)).toEqual(['UNKNOWN_PROGRESS_TOKEN']);
    const again = open('d', {}, { requestId: 'x', _meta: { progressToken: 'tok' } });
    expect(again.customToken).toBe('tok');
    expect(table.size).toBe(1);
  });
});
