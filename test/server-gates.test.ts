/**
 * What the server sends is checked against the negotiated revision before anything of the
 * client's runs: requests and notifications the revision does not define, malformed progress,
 * stray cancellations, and the results the client's callbacks give back.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CallbackResultError,
  type ClientSessionOptions,
  type CreateMessageRequestParams,
  type CreateMessageResult,
  type ElicitationCallback,
  type ElicitRequestFormParams,
  type ElicitResult,
  type Revision,
  type SamplingHandler,
} from '../src/index.js';
import type { ScriptedServerOptions } from '../src/testing/index.js';
import { connected, diagnostics, flush, type Reported } from './support/harness.js';

type Options = Omit<ClientSessionOptions, 'transport' | 'dispatcher'>;

const DISCOVER: ScriptedServerOptions = {
  handlers: {
    'server/discover': () => ({
      resultType: 'complete',
      supportedVersions: ['2026-07-28'],
      capabilities: { tools: {} },
      ttlMs: 0,
      cacheScope: 'public',
    }),
  },
};

/** A session connected on `revision` (a scripted handshake, or discover for 2026-07-28). */
function on(revision: Revision, options: Options = {}) {
  return revision === '2026-07-28'
    ? connected({ mode: 'modern', ...options }, DISCOVER)
    : connected({ mode: 'legacy', protocolVersion: revision, ...options });
}

/** Responses the server received for request `id`. */
function answersTo(received: readonly unknown[], id: string | number): unknown[] {
  return received.filter((m) => {
    const message = m as { id?: unknown; method?: unknown };
    return message.id === id && message.method === undefined;
  });
}

const FORM = { message: 'name?', requestedSchema: { type: 'object', properties: {} } };

describe('server requests the negotiated revision does not define', () => {
  it.each(['2024-11-05', '2025-03-26'] as const)(
    'answers elicitation/create on %s with -32601, running no callback or handler',
    async (revision) => {
      const ran: string[] = [];
      const { session, server } = await on(revision, {
        elicitation: {
          form: () => {
            ran.push('callback');
            return { action: 'decline' };
          },
        },
      });
      expect(session.protocolVersion).toBe(revision);
      await expect(server.request('elicitation/create', FORM)).rejects.toMatchObject({
        code: -32601,
        message: expect.stringContaining(revision),
      });
      session.setRequestHandler('elicitation/create', () => {
        ran.push('handler');
        return { action: 'decline' };
      });
      await expect(server.request('elicitation/create', FORM)).rejects.toMatchObject({
        code: -32601,
      });
      expect(ran).toEqual([]);
      await session.close();
    },
  );

  it('runs the elicitation callback from 2025-06-18 on', async () => {
    const { session, server } = await on('2025-06-18', {
      elicitation: { form: () => ({ action: 'decline' }) },
    });
    await expect(server.request('elicitation/create', FORM)).resolves.toEqual({
      action: 'decline',
    });
    await session.close();
  });

  it('on 2026-07-28, runs nothing and writes nothing for any request, ping included, and reports each', async () => {
    const ran: string[] = [];
    const { session, server, messages } = await on('2026-07-28', {
      roots: {
        list: () => {
          ran.push('roots');
          return [];
        },
      },
      requestHandlers: {
        'x/extension': () => {
          ran.push('extension');
          return {};
        },
      },
    });
    expect(session.protocolVersion).toBe('2026-07-28');
    server.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    server.send({ jsonrpc: '2.0', id: 2, method: 'roots/list', params: {} });
    server.send({ jsonrpc: '2.0', id: 3, method: 'x/extension' });
    await flush();
    expect(ran).toEqual([]);
    for (const id of [1, 2, 3]) expect(answersTo(server.received, id)).toEqual([]);
    expect(session.dispatcher.pendingInboundRequests).toBe(0);
    expect(diagnostics(messages)).toEqual([
      'NOT_IN_REVISION',
      'NOT_IN_REVISION',
      'NOT_IN_REVISION',
    ]);
    const first = messages.find((m) => m.type === 'diagnostic');
    expect(first?.type === 'diagnostic' && first.diagnostic.payload).toMatchObject({
      id: 1,
      method: 'ping',
    });
    await session.close();
  });

  it('still answers ping on a handshake revision', async () => {
    const { session, server } = await on('2024-11-05');
    await expect(server.request('ping')).resolves.toEqual({});
    await session.close();
  });
});

describe('server notifications the negotiated revision does not define', () => {
  it('drops notifications/elicitation/complete before 2025-11-25 as a diagnostic, delivering it nowhere', async () => {
    const completed: string[] = [];
    const handled: unknown[] = [];
    const { session, server, messages } = await on('2025-06-18', {
      elicitation: {
        url: () => ({ action: 'accept' }),
        onComplete: (id) => completed.push(id),
      },
      notificationHandlers: { 'notifications/elicitation/complete': (p) => void handled.push(p) },
    });
    server.notify('notifications/elicitation/complete', { elicitationId: 'e1' });
    server.notify('notifications/subscriptions/acknowledged', { notifications: {} });
    server.notify('x/extension', { kept: true });
    await flush();
    expect(completed).toEqual([]);
    expect(handled).toEqual([]);
    expect(diagnostics(messages)).toEqual(['NOT_IN_REVISION', 'NOT_IN_REVISION']);
    // An extension's notification is not the revision's business: it is delivered.
    expect(
      messages.flatMap((m) => (m.type === 'notification' ? [m.notification.method] : [])),
    ).toEqual(['x/extension']);
    await session.close();
  });

  it('takes notifications/elicitation/complete on 2025-11-25', async () => {
    const { session, server, messages } = await on('2025-11-25');
    server.notify('notifications/elicitation/complete', { elicitationId: 'never-asked' });
    await flush();
    expect(diagnostics(messages)).toEqual(['UNKNOWN_ELICITATION']);
    await session.close();
  });
});

describe('progress and cancellation the client can act on', () => {
  it('never hands onProgress a progress or total that is not a number, or a message that is not a string', async () => {
    const { session, messages } = await connected(
      {},
      {
        handlers: {
          'tools/call': (params, call) => {
            const meta = params?._meta as { progressToken: number };
            const token = meta.progressToken;
            call.notify('notifications/progress', { progressToken: token, progress: '50' });
            call.notify('notifications/progress', {
              progressToken: token,
              progress: 1,
              total: 'ten',
            });
            call.notify('notifications/progress', { progressToken: token, progress: null });
            call.notify('notifications/progress', {
              progressToken: token,
              progress: 2,
              message: 7,
            });
            call.notify('notifications/progress', {
              progressToken: token,
              progress: 3,
              total: 4,
              message: 'almost',
            });
            return { content: [] };
          },
        },
      },
    );
    const seen: unknown[] = [];
    await session.callTool('work', {}, { onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([{ progressToken: 1, progress: 3, total: 4, message: 'almost' }]);
    expect(diagnostics(messages)).toEqual([
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
    ]);
    await session.close();
  });

  it.each(['2025-11-25', '2026-07-28'] as const)(
    'drops notifications/cancelled naming no server request in flight on %s, as a diagnostic',
    async (revision) => {
      const handled: unknown[] = [];
      const { session, server, messages } = await on(revision, {
        notificationHandlers: { 'notifications/cancelled': (p) => void handled.push(p) },
      });
      server.notify('notifications/cancelled', { requestId: 4242, reason: 'never sent' });
      server.notify('notifications/cancelled', { requestId: 'abc' });
      await flush();
      expect(handled).toEqual([]);
      expect(messages.filter((m) => m.type === 'notification')).toEqual([]);
      expect(diagnostics(messages)).toEqual(['UNKNOWN_CANCELLATION', 'UNKNOWN_CANCELLATION']);
      await session.close();
    },
  );
});

/** The diagnostics of one code, with their payloads. */
function reported(messages: readonly Reported[], code: string): unknown[] {
  return messages.flatMap((m) =>
    m.type === 'diagnostic' && m.diagnostic.code === code ? [m.diagnostic.payload] : [],
  );
}

/** A value a JavaScript caller (or a cast) could hand back, which the types would refuse. */
const untyped = <T>(value: unknown): T => value as T;

describe('the client’s answers are checked before they are sent', () => {
  it('gives the callbacks their params typed, and expects their results typed', () => {
    expectTypeOf<Parameters<SamplingHandler>[0]>().toEqualTypeOf<CreateMessageRequestParams>();
    expectTypeOf<ReturnType<SamplingHandler>>().toEqualTypeOf<
      CreateMessageResult | Promise<CreateMessageResult>
    >();
    type Form = NonNullable<ElicitationCallback['form']>;
    expectTypeOf<Parameters<Form>[0]>().toEqualTypeOf<ElicitRequestFormParams>();
    expectTypeOf<ReturnType<Form>>().toEqualTypeOf<ElicitResult | Promise<ElicitResult>>();
  });

  it('answers an elicitation result that does not fit with -32603 naming the field, and tells the application', async () => {
    const { session, server, messages } = await on('2025-11-25', {
      elicitation: { form: () => untyped<ElicitResult>({ action: 'acept' }) },
    });
    await expect(server.request('elicitation/create', FORM, 7)).rejects.toEqual({
      code: -32603,
      message: expect.stringMatching(/elicitation\/create.*2025-11-25: action: /),
    });
    const [error] = reported(messages, 'INVALID_CALLBACK_RESULT');
    expect(error).toBeInstanceOf(CallbackResultError);
    expect(error).toMatchObject({
      code: 'HANDLER_FAILED',
      method: 'elicitation/create',
      issues: [{ path: ['action'] }],
    });
    // Exactly one answer, the error: the bad result itself never went out.
    expect(answersTo(server.received, 7)).toEqual([
      { jsonrpc: '2.0', id: 7, error: expect.objectContaining({ code: -32603 }) },
    ]);
    await session.close();
  });

  it('sends a form answer with a fractional number, which a form may ask for', async () => {
    const { session, server } = await on('2025-11-25', {
      elicitation: { form: () => ({ action: 'accept', content: { ratio: 3.14 } }) },
    });
    await expect(server.request('elicitation/create', FORM)).resolves.toEqual({
      action: 'accept',
      content: { ratio: 3.14 },
    });
    await session.close();
  });

  it('names every missing field of a sampling result', async () => {
    const { session, server, messages } = await on('2025-06-18', {
      sampling: () => untyped<CreateMessageResult>({ text: 'x' }),
    });
    const error = await server
      .request('sampling/createMessage', { messages: [], maxTokens: 5 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: -32603 });
    const message = (error as { message: string }).message;
    for (const field of ['role', 'content', 'model']) expect(message).toContain(`${field}: `);
    expect(reported(messages, 'INVALID_CALLBACK_RESULT')).toHaveLength(1);
    await session.close();
  });

  it('names the root without a uri', async () => {
    const { session, server, messages } = await on('2024-11-05', {
      roots: { list: () => [{ uri: 'file:///ok' }, untyped({ name: 'no uri' })] },
    });
    await expect(server.request('roots/list')).rejects.toMatchObject({
      code: -32603,
      message: expect.stringContaining('roots.1.uri: '),
    });
    expect(reported(messages, 'INVALID_CALLBACK_RESULT')).toMatchObject([
      { issues: [{ path: ['roots', 1, 'uri'] }] },
    ]);
    await session.close();
  });

  it('checks a request handler’s result for an MCP method too, and still sends an error it returns as is', async () => {
    const { session, server } = await on('2025-11-25', {
      requestHandlers: {
        'roots/list': () => ({ roots: 'none' }),
        'sampling/createMessage': () => ({ code: -1, message: 'User rejected sampling request' }),
      },
    });
    await expect(server.request('roots/list')).rejects.toMatchObject({
      code: -32603,
      message: expect.stringContaining('roots: '),
    });
    await expect(
      server.request('sampling/createMessage', { messages: [], maxTokens: 1 }),
    ).rejects.toEqual({ code: -1, message: 'User rejected sampling request' });
    await session.close();
  });

  it('on 2026-07-28, fails the call whose input was asked for, and sends no retry', async () => {
    let calls = 0;
    const { session, messages } = await connected(
      { mode: 'modern', elicitation: { form: () => untyped<ElicitResult>({ action: 'acept' }) } },
      {
        handlers: {
          ...DISCOVER.handlers,
          'tools/call': () => {
            calls++;
            return {
              resultType: 'input_required',
              inputRequests: { who: { method: 'elicitation/create', params: FORM } },
              requestState: 's',
            };
          },
        },
      },
    );
    const error = await session.callTool('greet').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackResultError);
    expect(error).toMatchObject({ revision: '2026-07-28', issues: [{ path: ['action'] }] });
    expect(calls).toBe(1);
    expect(reported(messages, 'INVALID_CALLBACK_RESULT')).toEqual([error]);
    await session.close();
  });
});
