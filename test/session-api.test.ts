import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  InvalidResultError,
  JsonRpcError,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  ResourceNotFoundError,
} from '../src/index.js';
import type { ScriptedHandler, ScriptedServerOptions } from '../src/testing/index.js';
import { connected, flush, sent } from './support/harness.js';

const modern = (handlers: Record<string, ScriptedHandler>): ScriptedServerOptions => ({
  handlers: {
    'server/discover': () => ({
      resultType: 'complete',
      supportedVersions: ['2026-07-28'],
      capabilities: { tools: {}, prompts: {}, resources: {} },
      ttlMs: 0,
      cacheScope: 'public',
    }),
    ...handlers,
  },
});

const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object', properties: { x: { type: 'number' } } },
  ...extra,
});

describe('typed results, validated against the negotiated revision', () => {
  it('lists tools, keeping JSON Schema keywords whole', async () => {
    const { session } = await connected(
      {},
      {
        handlers: {
          'tools/list': () => ({
            tools: [
              tool('a', { inputSchema: { type: 'object', minProperties: 1, 'x-extra': true } }),
            ],
          }),
        },
      },
    );
    const result = await session.listTools();
    expect(result.tools[0]?.inputSchema).toEqual({
      type: 'object',
      minProperties: 1,
      'x-extra': true,
    });
    await session.close();
  });

  it('rejects a result that does not fit, even where a loose type would accept it', async () => {
    expect.assertions(3);
    const { session } = await connected(
      {},
      { handlers: { 'tools/list': () => ({ tools: 'nope' }) } },
    );
    const error: unknown = await session.listTools().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidResultError);
    expect(error).toMatchObject({
      code: 'INVALID_RESULT',
      method: 'tools/list',
      revision: '2025-11-25',
    });
    expect((error as Error).message).toContain('tools');
    await session.close();
  });

  it('drops fields only a later revision defines (2026 cache hints on a 2025 session)', async () => {
    const { session } = await connected(
      {},
      {
        handlers: {
          'tools/list': () => ({
            tools: [],
            ttlMs: 5000,
            cacheScope: 'public',
            resultType: 'complete',
          }),
        },
      },
    );
    const result = (await session.listTools()) as Record<string, unknown>;
    expect(result).toEqual({ tools: [] });
    await session.close();
  });

  it('keeps them on a 2026 session, and reads an absent resultType as complete', async () => {
    const { session } = await connected(
      { mode: 'modern' },
      modern({ 'tools/list': () => ({ tools: [tool('t')], ttlMs: 5000, cacheScope: 'private' }) }),
    );
    const result = (await session.listTools()) as Record<string, unknown>;
    expect(result).toMatchObject({ ttlMs: 5000, cacheScope: 'private' });
    await session.close();
  });

  it('refuses an unknown resultType on 2026', async () => {
    const { session } = await connected(
      { mode: 'modern' },
      modern({
        'tools/list': () => ({ resultType: 'mystery', tools: [], ttlMs: 0, cacheScope: 'public' }),
      }),
    );
    await expect(session.listTools()).rejects.toBeInstanceOf(InvalidResultError);
    await session.close();
  });
});

describe('pagination', () => {
  const pages: Record<string, { tools: unknown[]; nextCursor?: string }> = {
    start: { tools: [tool('a')], nextCursor: '' },
    '': { tools: [tool('b')], nextCursor: 'c2' },
    c2: { tools: [tool('c')] },
  };

  it('gives one page with its cursor, and all pages with the helper (an empty cursor is a cursor)', async () => {
    const { session, server } = await connected(
      {},
      {
        handlers: {
          'tools/list': (p) => pages[typeof p?.cursor === 'string' ? p.cursor : 'start'],
        },
      },
    );
    await expect(session.listTools()).resolves.toMatchObject({ nextCursor: '' });
    await expect(session.listTools({ cursor: '' })).resolves.toMatchObject({ nextCursor: 'c2' });
    const all = await session.listAllTools();
    expect(all.map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(
      sent(server, 'tools/list')
        .slice(2)
        .map((m) => m.params),
    ).toEqual([undefined, { cursor: '' }, { cursor: 'c2' }]);
    await session.close();
  });

  it('stops on a repeated cursor', async () => {
    const { session } = await connected(
      {},
      { handlers: { 'prompts/list': () => ({ prompts: [{ name: 'p' }], nextCursor: 'again' }) } },
    );
    await expect(session.listAllPrompts()).rejects.toMatchObject({
      code: 'PAGINATION_FAILED',
      message: expect.stringContaining('repeated cursor "again"'),
    });
    await session.close();
  });

  it('stops at the caller’s page cap', async () => {
    let n = 0;
    const { session } = await connected(
      {},
      {
        handlers: {
          'resources/list': () => ({
            resources: [{ uri: `file:///${n}`, name: `r${n}` }],
            nextCursor: `c${n++}`,
          }),
        },
      },
    );
    await expect(session.listAllResources({ maxPages: 3 })).rejects.toMatchObject({
      code: 'PAGINATION_FAILED',
      pages: 3,
    });
    expect(n).toBe(3);
    await session.close();
  });
});

describe('x-mcp-header annotations (2026)', () => {
  const tools = [
    tool('good', {
      inputSchema: {
        type: 'object',
        properties: { region: { type: 'string', 'x-mcp-header': 'Region' } },
      },
    }),
    tool('bad', {
      inputSchema: { type: 'object', properties: { n: { type: 'number', 'x-mcp-header': 'N' } } },
    }),
  ];

  it('drops tools with invalid annotations from listings when header checks are on, with a diagnostic', async () => {
    const { session, messages } = await connected(
      { mode: 'modern', checkHeaderAnnotations: true },
      modern({ 'tools/list': () => ({ tools, ttlMs: 0, cacheScope: 'public' }) }),
    );
    expect((await session.listTools()).tools.map((t) => t.name)).toEqual(['good']);
    expect((await session.listAllTools()).map((t) => t.name)).toEqual(['good']);
    expect(
      messages.filter((m) => m.type === 'diagnostic' && m.diagnostic.code === 'TOOL_DROPPED'),
    ).toHaveLength(2);
    await session.close();
  });

  it('keeps them when header checks are off (stdio may ignore the annotations)', async () => {
    const { session } = await connected(
      { mode: 'modern' },
      modern({ 'tools/list': () => ({ tools, ttlMs: 0, cacheScope: 'public' }) }),
    );
    expect((await session.listTools()).tools.map((t) => t.name)).toEqual(['good', 'bad']);
    await session.close();
  });
});

describe('tool output validation', () => {
  const weather = tool('weather', {
    outputSchema: {
      type: 'object',
      properties: { celsius: { type: 'number' } },
      required: ['celsius'],
    },
  });

  async function withResult(result: unknown) {
    return connected(
      {},
      {
        handlers: {
          'tools/list': () => ({ tools: [weather, tool('plain')] }),
          'tools/call': () => result,
        },
      },
    );
  }

  it('accepts structured content that fits the listed output schema', async () => {
    const { session } = await withResult({ content: [], structuredContent: { celsius: 21 } });
    await session.listTools();
    await expect(session.callTool('weather', { city: 'Oslo' })).resolves.toMatchObject({
      structuredContent: { celsius: 21 },
    });
    await session.close();
  });

  it('rejects structured content that does not fit, naming the tool', async () => {
    const { session } = await withResult({ content: [], structuredContent: { celsius: 'warm' } });
    await session.listTools();
    await expect(session.callTool('weather')).rejects.toMatchObject({
      code: 'INVALID_TOOL_OUTPUT',
      toolName: 'weather',
    });
    await session.close();
  });

  it('rejects a missing structuredContent when the tool has an output schema', async () => {
    const { session } = await withResult({ content: [{ type: 'text', text: '21' }] });
    await session.listTools();
    await expect(session.callTool('weather')).rejects.toMatchObject({
      code: 'INVALID_TOOL_OUTPUT',
      message: expect.stringContaining('"weather"'),
    });
    await session.close();
  });

  it('skips validation for isError results and for tools it has not listed', async () => {
    const { session } = await withResult({
      content: [{ type: 'text', text: 'failed' }],
      isError: true,
    });
    await session.listTools();
    await expect(session.callTool('weather')).resolves.toMatchObject({ isError: true });
    await session.close();
    const unlisted = await withResult({ content: [], structuredContent: { celsius: 'warm' } });
    await expect(unlisted.session.callTool('weather')).resolves.toMatchObject({
      structuredContent: { celsius: 'warm' },
    });
    await unlisted.session.close();
  });
});

describe('resources', () => {
  it('reads a resource, and maps -32002 and -32602 to ResourceNotFoundError', async () => {
    for (const code of [-32002, -32602]) {
      const { session } = await connected(
        {},
        {
          handlers: {
            'resources/read': (p) => {
              if (p?.uri === 'file:///there')
                return { contents: [{ uri: 'file:///there', text: 'hi' }] };
              throw new JsonRpcError({
                code,
                message: 'Resource not found',
                data: { uri: p?.uri },
              });
            },
          },
        },
      );
      await expect(session.readResource('file:///there')).resolves.toMatchObject({
        contents: [{ text: 'hi' }],
      });
      const error: unknown = await session.readResource('file:///missing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResourceNotFoundError);
      expect(error).toMatchObject({ code, uri: 'file:///missing' });
      await session.close();
    }
  });

  it('subscribes and unsubscribes on handshake revisions, and refuses them on 2026', async () => {
    const { session, server } = await connected(
      {},
      { handlers: { 'resources/subscribe': () => ({}), 'resources/unsubscribe': () => ({}) } },
    );
    await session.subscribeResource('file:///a');
    await session.unsubscribeResource('file:///a');
    expect(server.received.map((m) => (m as { method?: string }).method).slice(-2)).toEqual([
      'resources/subscribe',
      'resources/unsubscribe',
    ]);
    await session.close();
    const m = await connected({ mode: 'modern' }, modern({}));
    await expect(m.session.subscribeResource('file:///a')).rejects.toMatchObject({
      code: 'UNSUPPORTED_IN_REVISION',
      message: expect.stringContaining('subscriptions/listen'),
    });
    await m.session.close();
  });
});

describe('revision gates', () => {
  it('refuses ping, logging/setLevel and roots notifications on 2026, with what to do instead', async () => {
    const { session, server } = await connected({ mode: 'modern' }, modern({}));
    await expect(session.ping()).rejects.toMatchObject({
      code: 'UNSUPPORTED_IN_REVISION',
      method: 'ping',
    });
    await expect(session.setLoggingLevel('info')).rejects.toMatchObject({
      message: expect.stringContaining('logLevel'),
    });
    await expect(session.sendRootsListChanged()).rejects.toMatchObject({
      code: 'UNSUPPORTED_IN_REVISION',
    });
    await flush();
    expect(server.received.map((m) => (m as { method?: string }).method)).toEqual([
      'server/discover',
    ]);
    await session.close();
  });

  it('sends a per-request log level on 2026 only', async () => {
    const { session, server } = await connected(
      { mode: 'modern' },
      modern({ 'tools/list': () => ({ tools: [], ttlMs: 0, cacheScope: 'public' }) }),
    );
    await session.listTools(undefined, { logLevel: 'debug' });
    expect(sent(server, 'tools/list')[0]?.params).toMatchObject({
      _meta: { [META_LOG_LEVEL]: 'debug', [META_PROTOCOL_VERSION]: '2026-07-28' },
    });
    await session.close();
    const legacy = await connected(
      {},
      { handlers: { 'tools/list': () => ({ tools: [] }), 'logging/setLevel': () => ({}) } },
    );
    await legacy.session.listTools(undefined, { logLevel: 'debug' });
    expect(sent(legacy.server, 'tools/list')[0]?.params).toBeUndefined();
    await legacy.session.setLoggingLevel('warning');
    expect(sent(legacy.server, 'logging/setLevel')[0]?.params).toEqual({ level: 'warning' });
    await legacy.session.close();
  });

  it('sends roots-list-changed and progress on handshake revisions', async () => {
    const { session, server } = await connected();
    await session.sendRootsListChanged();
    await session.sendProgressNotification('tok', 1, 2, 'half');
    await flush();
    expect(sent(server, 'notifications/roots/list_changed')).toHaveLength(1);
    expect(sent(server, 'notifications/progress')[0]?.params).toEqual({
      progressToken: 'tok',
      progress: 1,
      total: 2,
      message: 'half',
    });
    await session.close();
  });

  it('completes arguments', async () => {
    const { session } = await connected(
      {},
      {
        handlers: {
          'completion/complete': () => ({ completion: { values: ['py', 'pyc'], hasMore: false } }),
        },
      },
    );
    await expect(
      session.complete({
        ref: { type: 'ref/prompt', name: 'code' },
        argument: { name: 'lang', value: 'p' },
      }),
    ).resolves.toEqual({ completion: { values: ['py', 'pyc'], hasMore: false } });
    await session.close();
  });
});

describe('2026 multi-round requests', () => {
  it('answers input requests through the callbacks and retries with inputResponses and the exact requestState, under a new id', async () => {
    const calls: { id: unknown; params: Record<string, unknown> | undefined }[] = [];
    const { session } = await connected(
      {
        mode: 'modern',
        elicitation: {
          form: (p) => ({ action: 'accept', content: { name: `for ${String(p.message)}` } }),
        },
        roots: { list: () => [{ uri: 'file:///w' }] },
      },
      modern({
        'tools/call': (params, c) => {
          calls.push({ id: c.id, params });
          if (params?.requestState === undefined) {
            return {
              resultType: 'input_required',
              inputRequests: {
                who: {
                  method: 'elicitation/create',
                  params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } },
                },
                where: { method: 'roots/list', params: {} },
              },
              requestState: ' opaque/+state== ',
            };
          }
          return { content: [{ type: 'text', text: 'done' }] };
        },
      }),
    );
    await expect(session.callTool('greet', { loud: true })).resolves.toMatchObject({
      content: [{ text: 'done' }],
    });
    expect(calls).toHaveLength(2);
    expect(calls[1]?.id).not.toBe(calls[0]?.id);
    expect(calls[1]?.params).toMatchObject({
      name: 'greet',
      arguments: { loud: true },
      requestState: ' opaque/+state== ',
      inputResponses: {
        who: { action: 'accept', content: { name: 'for name?' } },
        where: { roots: [{ uri: 'file:///w' }] },
      },
    });
    await session.close();
  });

  it('hands the InputRequiredResult back when asked, and caps the rounds', async () => {
    const { session } = await connected(
      { mode: 'modern', roots: { list: () => [] } },
      modern({
        'prompts/get': () => ({
          resultType: 'input_required',
          inputRequests: { r: { method: 'roots/list', params: {} } },
          requestState: 's',
        }),
      }),
    );
    await expect(
      session.getPrompt('p', undefined, { inputRequired: 'return' }),
    ).resolves.toMatchObject({
      resultType: 'input_required',
      requestState: 's',
    });
    await expect(session.getPrompt('p', undefined, { maxInputRounds: 2 })).rejects.toMatchObject({
      code: 'TOO_MANY_ROUNDS',
      rounds: 2,
    });
    await session.close();
  });

  it('settles a call waiting on its input round at once when the session closes or the caller aborts, and aborts the callbacks\u2019 signal', async () => {
    const signals: AbortSignal[] = [];
    let entered: () => void = () => {};
    const { session } = await connected(
      {
        mode: 'modern',
        elicitation: {
          // A user who never answers the form.
          form: (_params, extra) => {
            signals.push(extra.signal);
            entered();
            return new Promise(() => {});
          },
        },
      },
      modern({
        'tools/call': () => ({
          resultType: 'input_required',
          inputRequests: {
            who: {
              method: 'elicitation/create',
              params: { message: 'name?', requestedSchema: { type: 'object', properties: {} } },
            },
          },
          requestState: 's',
        }),
      }),
    );
    const roundRunning = () =>
      new Promise<void>((resolve) => {
        entered = resolve;
      });
    const controller = new AbortController();
    let running = roundRunning();
    const cancelled = session.callTool('greet', {}, { signal: controller.signal });
    await running;
    controller.abort(new Error('the user left'));
    await expect(cancelled).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    expect(signals[0]?.aborted).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    running = roundRunning();
    const closed = session.callTool('greet');
    await running;
    expect(signals[1]?.aborted).toBe(false);
    await session.close();
    await expect(closed).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(signals[1]?.aborted).toBe(true);
  });

  it('fails the call when an input request needs a callback the client does not have', async () => {
    const { session } = await connected(
      { mode: 'modern' },
      modern({
        'tools/call': () => ({
          resultType: 'input_required',
          inputRequests: {
            s: { method: 'sampling/createMessage', params: { messages: [], maxTokens: 5 } },
          },
        }),
      }),
    );
    await expect(session.callTool('t')).rejects.toMatchObject({ code: -32601 });
    await session.close();
  });
});
