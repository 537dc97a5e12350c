import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ClientSessionOptions, JsonRpcNotification } from '../src/index.js';
import { NO_RESPONSE, type ScriptedCallContext } from '../src/testing/index.js';
import { connected, diagnostics, flush, sent, type Reported } from './support/harness.js';

const SUB = 'io.modelcontextprotocol/subscriptionId';

/** A 2026 server whose listen streams the test drives by hand. */
async function modernWithListen(
  honour?: (asked: Record<string, unknown>) => Record<string, unknown>,
  options: Omit<ClientSessionOptions, 'transport' | 'dispatcher'> = {},
) {
  const streams: {
    id: string | number;
    ctx: ScriptedCallContext;
    asked: Record<string, unknown>;
  }[] = [];
  const h = await connected(
    { mode: 'modern', ...options },
    {
      handlers: {
        'server/discover': () => ({
          resultType: 'complete',
          supportedVersions: ['2026-07-28'],
          capabilities: { tools: { listChanged: true }, resources: { subscribe: true } },
          ttlMs: 0,
          cacheScope: 'public',
        }),
        'subscriptions/listen': (params, ctx) => {
          const asked = (params?.notifications ?? {}) as Record<string, unknown>;
          streams.push({ id: ctx.id, ctx, asked });
          ctx.notify('notifications/subscriptions/acknowledged', {
            notifications: honour === undefined ? asked : honour(asked),
            _meta: { [SUB]: ctx.id },
          });
          return NO_RESPONSE;
        },
      },
    },
  );
  const emit = (
    stream: { id: string | number; ctx: ScriptedCallContext },
    method: string,
    params: Record<string, unknown> = {},
  ) => stream.ctx.notify(method, { ...params, _meta: { [SUB]: stream.id } });
  return { ...h, streams, emit };
}

function notificationsOf(messages: readonly Reported[]): string[] {
  return messages.flatMap((m) => (m.type === 'notification' ? [m.notification.method] : []));
}

async function take(sub: AsyncIterable<JsonRpcNotification>, n: number): Promise<string[]> {
  const out: string[] = [];
  for await (const note of sub) {
    out.push(note.method);
    if (out.length === n) break;
  }
  return out;
}

describe('subscriptions/listen (2026-07-28)', () => {
  it('resolves once acknowledged, delivers its notifications, and ends on close() with a cancellation', async () => {
    const { session, server, streams, emit } = await modernWithListen();
    const sub = await session.listen({
      toolsListChanged: true,
      resourceSubscriptions: ['file:///a'],
    });
    expect(sub.honoured).toEqual({ toolsListChanged: true, resourceSubscriptions: ['file:///a'] });
    expect(sub.refused).toEqual([]);
    const stream = streams[0];
    if (stream === undefined) throw new Error('no stream');
    expect(sub.id).toBe(stream.id);
    expect(sent(server, 'subscriptions/listen')[0]?.params).toMatchObject({
      notifications: { toolsListChanged: true, resourceSubscriptions: ['file:///a'] },
      _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' },
    });
    emit(stream, 'notifications/tools/list_changed');
    emit(stream, 'notifications/resources/updated', { uri: 'file:///a' });
    await expect(take(sub, 2)).resolves.toEqual([
      'notifications/tools/list_changed',
      'notifications/resources/updated',
    ]);
    await expect(sub.ended).resolves.toEqual({ by: 'client' });
    await flush();
    // MCP 2026-07-28 stdio: the client ends a listen stream with notifications/cancelled.
    expect(sent(server, 'notifications/cancelled').map((m) => m.params)).toEqual([
      { requestId: stream.id, reason: 'the client closed the subscription' },
    ]);
    expect(session.dispatcher.pendingRequests).toBe(0);
    await session.close();
  });

  it('ends when the server answers the listen request (its graceful end)', async () => {
    const { session, server, streams } = await modernWithListen();
    const sub = await session.listen({ promptsListChanged: true });
    server.send({
      jsonrpc: '2.0',
      id: streams[0]?.id,
      result: { resultType: 'complete', _meta: { [SUB]: streams[0]?.id } },
    });
    await expect(take(sub, 5)).resolves.toEqual([]);
    await expect(sub.ended).resolves.toMatchObject({ by: 'server' });
    await session.close();
  });

  it('ends on the server’s notifications/cancelled, sending nothing back', async () => {
    const { session, server, streams } = await modernWithListen();
    const sub = await session.listen({ toolsListChanged: true });
    server.notify('notifications/cancelled', {
      requestId: streams[0]?.id,
      reason: 'shutting down',
    });
    await expect(sub.ended).resolves.toEqual({ by: 'server-cancelled', reason: 'shutting down' });
    await flush();
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
    expect(session.dispatcher.pendingRequests).toBe(0);
    await session.close();
  });

  it('consumes its acknowledgement and the server’s end: the application sees neither as a notification', async () => {
    const handled: string[] = [];
    const { session, server, streams, emit, messages } = await modernWithListen(undefined, {
      notificationHandlers: {
        'notifications/subscriptions/acknowledged': () => void handled.push('acknowledged'),
        'notifications/cancelled': () => void handled.push('cancelled'),
        'notifications/tools/list_changed': () => void handled.push('tools'),
      },
    });
    const sub = await session.listen({ toolsListChanged: true });
    const stream = streams[0];
    if (stream === undefined) throw new Error('no stream');
    emit(stream, 'notifications/tools/list_changed');
    await expect(take(sub, 1)).resolves.toEqual(['notifications/tools/list_changed']);
    const other = await session.listen({ promptsListChanged: true });
    server.notify('notifications/cancelled', { requestId: streams[1]?.id, reason: 'done' });
    await expect(other.ended).resolves.toEqual({ by: 'server-cancelled', reason: 'done' });
    await flush();
    // A stream's own notifications still reach the application; its acknowledgement and end do not.
    expect(handled).toEqual(['tools']);
    expect(notificationsOf(messages)).toEqual(['notifications/tools/list_changed']);
    expect(diagnostics(messages)).toEqual([]);
    await session.close();
  });

  it('keeps concurrent streams apart by subscriptionId', async () => {
    const { session, streams, emit } = await modernWithListen();
    const tools = await session.listen({ toolsListChanged: true });
    const prompts = await session.listen({ promptsListChanged: true });
    const [a, b] = streams;
    if (a === undefined || b === undefined) throw new Error('two streams expected');
    emit(b, 'notifications/prompts/list_changed');
    emit(a, 'notifications/tools/list_changed');
    emit(b, 'notifications/prompts/list_changed');
    await expect(take(tools, 1)).resolves.toEqual(['notifications/tools/list_changed']);
    await expect(take(prompts, 2)).resolves.toEqual([
      'notifications/prompts/list_changed',
      'notifications/prompts/list_changed',
    ]);
    await session.close();
  });

  it('says what the acknowledgement left out, and reports it', async () => {
    const { session, messages } = await modernWithListen(() => ({
      toolsListChanged: true,
      resourceSubscriptions: [],
    }));
    const sub = await session.listen({
      toolsListChanged: true,
      promptsListChanged: true,
      resourceSubscriptions: ['file:///x'],
    });
    expect(sub.refused).toEqual(['promptsListChanged', 'resourceSubscriptions:file:///x']);
    expect(diagnostics(messages)).toEqual(['SUBSCRIPTION_NARROWED']);
    await session.close();
  });

  it('ends with an error when the connection closes, and an abort signal ends it from outside', async () => {
    const { session } = await modernWithListen();
    const controller = new AbortController();
    const aborted = await session.listen({ toolsListChanged: true }, { signal: controller.signal });
    controller.abort();
    await expect(aborted.ended).resolves.toEqual({ by: 'client' });
    const sub = await session.listen({ toolsListChanged: true });
    await session.close();
    await expect(sub.ended).resolves.toMatchObject({
      by: 'error',
      error: { code: 'CONNECTION_CLOSED' },
    });
  });

  it("leaves no listener on the caller's signal once the subscription has ended", async () => {
    const { session } = await modernWithListen();
    const controller = new AbortController();
    const sub = await session.listen({ toolsListChanged: true }, { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await sub.close();
    await expect(sub.ended).resolves.toEqual({ by: 'client' });
    await flush();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const other = new AbortController();
    const closedWithSession = await session.listen(
      { toolsListChanged: true },
      { signal: other.signal },
    );
    await session.close();
    await expect(closedWithSession.ended).resolves.toMatchObject({ by: 'error' });
    await flush();
    expect(getEventListeners(other.signal, 'abort')).toHaveLength(0);
  });

  it('is refused on handshake revisions', async () => {
    const { session } = await connected();
    await expect(session.listen({ toolsListChanged: true })).rejects.toMatchObject({
      code: 'UNSUPPORTED_IN_REVISION',
      method: 'subscriptions/listen',
    });
    await session.close();
  });
});
