/**
 * What the server sends is checked against the negotiated revision before anything of the
 * client's runs: requests and notifications the revision does not define, malformed progress,
 * stray cancellations, and the results the client's callbacks give back.
 */
import { describe, expect, it } from 'vitest';
import type { ClientSessionOptions, Revision } from '../src/index.js';
import type { ScriptedServerOptions } from '../src/testing/index.js';
import { connected, diagnostics, flush } from './support/harness.js';

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
