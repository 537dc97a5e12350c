import { describe, expect, it } from 'vitest';
import type { CallbackExtra } from '../src/index.js';
import { connected, diagnostics, flush, harness, sent } from './support/harness.js';

const REPLY = {
  role: 'assistant',
  content: { type: 'text', text: 'ok' },
  model: 'm',
} as const;

async function capabilitiesSent(options: Parameters<typeof harness>[0]): Promise<unknown> {
  const { session, server } = harness(options);
  await session.connect();
  const [init] = sent(server, 'initialize');
  await session.close();
  return (init?.params as { capabilities: unknown }).capabilities;
}

describe('capabilities follow the callbacks given', () => {
  it('advertises nothing without callbacks', async () => {
    await expect(capabilitiesSent({})).resolves.toEqual({});
  });

  it('advertises sampling, elicitation modes and roots from the callbacks, merged with declared ones', async () => {
    await expect(
      capabilitiesSent({
        sampling: { handler: () => REPLY, tools: true },
        elicitation: { form: () => ({ action: 'decline' }), url: () => ({ action: 'decline' }) },
        roots: { list: () => [], listChanged: false },
        capabilities: { experimental: { 'com.example/feature': {} } },
      }),
    ).resolves.toEqual({
      sampling: { tools: {} },
      elicitation: { form: {}, url: {} },
      roots: { listChanged: false },
      experimental: { 'com.example/feature': {} },
    });
    await expect(
      capabilitiesSent({
        sampling: () => REPLY,
        elicitation: { form: () => ({ action: 'decline' }) },
      }),
    ).resolves.toEqual({
      sampling: {},
      elicitation: { form: {} },
    });
  });
});

describe('server requests run through the callbacks', () => {
  it('answers a request for a capability the client did not declare with a clear -32601', async () => {
    const { session, server } = await connected();
    for (const method of ['sampling/createMessage', 'elicitation/create', 'roots/list']) {
      await expect(server.request(method, {})).rejects.toMatchObject({
        code: -32601,
        message: expect.stringContaining('did not declare'),
      });
    }
    await session.close();
  });

  it('runs sampling with the request id, the _meta and a signal', async () => {
    let seen: CallbackExtra | undefined;
    const { session, server } = await connected({
      sampling: (params, extra) => {
        seen = extra;
        return {
          role: 'assistant',
          content: { type: 'text', text: `echo ${String(params.maxTokens)}` },
          model: 'm',
        };
      },
    });
    await expect(
      server.request(
        'sampling/createMessage',
        { messages: [], maxTokens: 7, _meta: { progressToken: 'p' } },
        41,
      ),
    ).resolves.toMatchObject({ content: { text: 'echo 7' } });
    expect(seen).toMatchObject({
      requestId: 41,
      method: 'sampling/createMessage',
      meta: { progressToken: 'p' },
    });
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    await session.close();
  });

  it('refuses sampling with tools when sampling.tools was not declared (-32602)', async () => {
    let called = false;
    const { session, server } = await connected({
      sampling: () => {
        called = true;
        return REPLY;
      },
    });
    await expect(
      server.request('sampling/createMessage', {
        messages: [],
        maxTokens: 5,
        tools: [{ name: 't', inputSchema: { type: 'object' } }],
      }),
    ).rejects.toMatchObject({ code: -32602 });
    expect(called).toBe(false);
    await session.close();
  });

  it('treats an elicitation without mode as form mode, and refuses an undeclared mode with -32602', async () => {
    const modes: string[] = [];
    const { session, server } = await connected({
      elicitation: {
        form: () => {
          modes.push('form');
          return { action: 'accept', content: { ok: true } };
        },
      },
    });
    await expect(
      server.request('elicitation/create', {
        message: 'name?',
        requestedSchema: { type: 'object', properties: {} },
      }),
    ).resolves.toEqual({ action: 'accept', content: { ok: true } });
    await expect(
      server.request('elicitation/create', {
        mode: 'url',
        message: 'visit',
        url: 'https://example.com',
        elicitationId: 'e1',
      }),
    ).rejects.toMatchObject({ code: -32602, message: expect.stringContaining('"url"') });
    expect(modes).toEqual(['form']);
    await session.close();
  });

  it('completes only URL elicitations it accepted; other completions are ignored', async () => {
    const completed: string[] = [];
    const { session, server, messages } = await connected({
      elicitation: {
        url: (params) => ({ action: params.elicitationId === 'accept-me' ? 'accept' : 'decline' }),
        onComplete: (id) => completed.push(id),
      },
    });
    await server.request('elicitation/create', {
      mode: 'url',
      message: 'm',
      url: 'https://a.example',
      elicitationId: 'accept-me',
    });
    await server.request('elicitation/create', {
      mode: 'url',
      message: 'm',
      url: 'https://b.example',
      elicitationId: 'declined',
    });
    server.notify('notifications/elicitation/complete', { elicitationId: 'accept-me' });
    server.notify('notifications/elicitation/complete', { elicitationId: 'accept-me' }); // already completed
    server.notify('notifications/elicitation/complete', { elicitationId: 'declined' });
    server.notify('notifications/elicitation/complete', { elicitationId: 'never-seen' });
    await flush();
    expect(completed).toEqual(['accept-me']);
    expect(diagnostics(messages)).toEqual([
      'UNKNOWN_ELICITATION',
      'UNKNOWN_ELICITATION',
      'UNKNOWN_ELICITATION',
    ]);
    await session.close();
  });

  it('answers params that do not fit the revision’s schema with -32602, before the callback runs', async () => {
    let called = false;
    const { session, server } = await connected({
      sampling: () => {
        called = true;
        return REPLY;
      },
    });
    await expect(
      server.request('sampling/createMessage', { messages: 'not a list', maxTokens: 5 }),
    ).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining('messages'),
    });
    expect(called).toBe(false);
    await session.close();
  });

  it('lists roots', async () => {
    const { session, server } = await connected({
      roots: { list: () => [{ uri: 'file:///work', name: 'work' }] },
    });
    await expect(server.request('roots/list')).resolves.toEqual({
      roots: [{ uri: 'file:///work', name: 'work' }],
    });
    await session.close();
  });

  it('lets an explicit request handler take precedence over a callback', async () => {
    const { session, server } = await connected({
      roots: { list: () => [{ uri: 'file:///callback' }] },
      requestHandlers: { 'roots/list': () => ({ roots: [{ uri: 'file:///explicit' }] }) },
    });
    await expect(server.request('roots/list')).resolves.toEqual({
      roots: [{ uri: 'file:///explicit' }],
    });
    await session.close();
  });
});

describe('notifications to callbacks', () => {
  it('gives log messages to the logging callback and still to the message handler', async () => {
    const logs: unknown[] = [];
    const { session, server, messages } = await connected({
      logging: (params) => logs.push(params),
    });
    server.notify('notifications/message', {
      level: 'warning',
      logger: 'db',
      data: { slow: true },
    });
    await flush();
    expect(logs).toEqual([{ level: 'warning', logger: 'db', data: { slow: true } }]);
    expect(
      messages.some(
        (m) => m.type === 'notification' && m.notification.method === 'notifications/message',
      ),
    ).toBe(true);
    await session.close();
  });

  it('validates notification params against the revision before the callbacks see them', async () => {
    const logs: unknown[] = [];
    const { session, server, messages } = await connected({
      logging: (params) => logs.push(params),
    });
    server.notify('notifications/message', { level: 'not-a-level', data: 'x' });
    server.notify('notifications/message', { level: 'info', data: 'fine' });
    await flush();
    expect(logs).toEqual([{ level: 'info', data: 'fine' }]);
    expect(diagnostics(messages)).toEqual(['INVALID_MESSAGE']);
    await session.close();
  });

  it('surfaces list changes as events per kind', async () => {
    const { session, server } = await connected();
    const seen: string[] = [];
    const offTools = session.onListChanged('tools', () => seen.push('tools'));
    session.onListChanged('resources', () => seen.push('resources'));
    server.notify('notifications/tools/list_changed');
    server.notify('notifications/prompts/list_changed');
    server.notify('notifications/resources/list_changed');
    await flush();
    offTools();
    server.notify('notifications/tools/list_changed');
    await flush();
    expect(seen).toEqual(['tools', 'resources']);
    await session.close();
  });
});
