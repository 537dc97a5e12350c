/**
 * The zod schemas per protocol revision, without the official specification files
 * (`npm run test:spec` compares them against those).
 */
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { z } from 'zod';
import { METHOD_TABLES, isMcpMethod, serverMay } from '../src/protocol/methods.js';
import { REVISIONS, type Revision } from '../src/protocol/revisions.js';
import {
  resultSchemaFor,
  schemasFor,
  type CallToolResult,
  type ContentBlock,
  type ElicitResult,
  type InputRequiredResult,
  type ResultsByMethod,
  type Tool,
} from '../src/protocol/schemas/index.js';
import { buildSchemas } from '../src/protocol/schemas/build.js';

const LEGACY = REVISIONS.filter((r) => r !== '2026-07-28');
const meta2026 = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};

function parse(revision: Revision, type: string, value: unknown): unknown {
  const schema = schemasFor(revision).types[type];
  if (!schema) throw new Error(`${revision} has no ${type}`);
  return schema.parse(value);
}

describe('official type names', () => {
  it.each([
    ['2024-11-05', 79],
    ['2025-03-26', 83],
    ['2025-06-18', 91],
    ['2025-11-25', 145],
    ['2026-07-28', 155],
  ] as const)('%s defines %i types', (revision, count) => {
    expect(Object.keys(schemasFor(revision).types)).toHaveLength(count);
  });

  it('gates types by revision', () => {
    const has = (revision: Revision, name: string) => name in schemasFor(revision).types;
    expect(REVISIONS.filter((r) => has(r, 'Annotated'))).toEqual(['2024-11-05']);
    expect(REVISIONS.filter((r) => has(r, 'JSONRPCBatchRequest'))).toEqual(['2025-03-26']);
    expect(REVISIONS.filter((r) => has(r, 'ElicitRequest'))).toEqual([
      '2025-06-18',
      '2025-11-25',
      '2026-07-28',
    ]);
    expect(REVISIONS.filter((r) => has(r, 'Task'))).toEqual(['2025-11-25']);
    expect(REVISIONS.filter((r) => has(r, 'JSONRPCError'))).toEqual([
      '2024-11-05',
      '2025-03-26',
      '2025-06-18',
    ]);
    expect(REVISIONS.filter((r) => has(r, 'InitializeRequest'))).toEqual(LEGACY);
    expect(REVISIONS.filter((r) => has(r, 'DiscoverResult'))).toEqual(['2026-07-28']);
  });
});

describe('plain method tables (src/protocol/methods.ts)', () => {
  it.each(REVISIONS)('%s: the same methods as the schemas of the revision', (revision) => {
    const schemas = schemasFor(revision);
    const table = METHOD_TABLES[revision];
    for (const key of [
      'clientRequests',
      'clientNotifications',
      'serverRequests',
      'serverNotifications',
    ] as const) {
      expect([...table[key]].sort(), key).toEqual(Object.keys(schemas[key]).sort());
    }
  });

  it('gates what the server may send by revision; extension methods only as notifications on 2026', () => {
    expect(REVISIONS.filter((r) => serverMay(r, 'request', 'elicitation/create'))).toEqual([
      '2025-06-18',
      '2025-11-25',
    ]);
    expect(REVISIONS.filter((r) => serverMay(r, 'request', 'ping'))).toEqual(LEGACY);
    expect(REVISIONS.filter((r) => serverMay(r, 'request', 'x/extension'))).toEqual(LEGACY);
    expect(
      REVISIONS.filter((r) => serverMay(r, 'notification', 'notifications/elicitation/complete')),
    ).toEqual(['2025-11-25']);
    expect(serverMay('2026-07-28', 'notification', 'x/extension')).toBe(true);
    expect(serverMay('2025-11-25', 'notification', 'notifications/roots/list_changed')).toBe(false);
    expect(isMcpMethod('tools/call')).toBe(true);
    expect(isMcpMethod('x/extension')).toBe(false);
  });
});

describe('the client’s answers', () => {
  it('are checked per method: server request results, or 2026 input request results', () => {
    const answers = (r: Revision) => Object.keys(schemasFor(r).clientAnswers).sort();
    expect(answers('2024-11-05')).toEqual(['ping', 'roots/list', 'sampling/createMessage']);
    expect(answers('2025-11-25')).toEqual(
      Object.keys(schemasFor('2025-11-25').serverRequests).sort(),
    );
    expect(answers('2026-07-28')).toEqual([
      'elicitation/create',
      'roots/list',
      'sampling/createMessage',
    ]);
  });

  it('take any number in an elicitation answer, as schema.ts declares, and nothing else new', () => {
    const check = (r: Revision, answer: unknown) =>
      schemasFor(r).clientAnswers['elicitation/create']?.safeParse(answer).success;
    expect(check('2025-06-18', { action: 'accept', content: { ratio: 0.5 } })).toBe(true);
    expect(check('2025-06-18', { action: 'accept', content: { tags: ['a'] } })).toBe(false);
    expect(check('2025-11-25', { action: 'accept', content: { tags: ['a'], n: 1.5 } })).toBe(true);
    expect(check('2026-07-28', { action: 'acept' })).toBe(false);
    expect(check('2026-07-28', { action: 'accept', content: { x: null } })).toBe(false);
  });
});

describe('method tables', () => {
  const methods = (revision: Revision, table: 'clientRequests' | 'serverRequests') =>
    Object.keys(schemasFor(revision)[table]);

  it('server/discover and subscriptions/listen exist only in 2026-07-28', () => {
    for (const method of ['server/discover', 'subscriptions/listen']) {
      expect(REVISIONS.filter((r) => methods(r, 'clientRequests').includes(method))).toEqual([
        '2026-07-28',
      ]);
    }
  });

  it('ping, initialize, logging/setLevel and resources/subscribe are gone in 2026-07-28', () => {
    for (const method of ['ping', 'initialize', 'logging/setLevel', 'resources/subscribe']) {
      expect(REVISIONS.filter((r) => methods(r, 'clientRequests').includes(method))).toEqual(
        LEGACY,
      );
    }
    expect(REVISIONS.filter((r) => methods(r, 'serverRequests').includes('ping'))).toEqual(LEGACY);
  });

  it('elicitation/create is a server request from 2025-06-18 until MRTR replaces it', () => {
    expect(
      REVISIONS.filter((r) => methods(r, 'serverRequests').includes('elicitation/create')),
    ).toEqual(['2025-06-18', '2025-11-25']);
    expect(methods('2026-07-28', 'serverRequests')).toEqual([]);
  });

  it('tasks exist only in 2025-11-25, in both directions', () => {
    expect(methods('2025-11-25', 'clientRequests')).toContain('tasks/get');
    expect(methods('2025-11-25', 'serverRequests')).toContain('tasks/result');
    for (const revision of ['2025-06-18', '2026-07-28'] as const) {
      expect(methods(revision, 'clientRequests').some((m) => m.startsWith('tasks/'))).toBe(false);
    }
  });

  it('lists the notifications of each direction', () => {
    expect(Object.keys(schemasFor('2026-07-28').clientNotifications)).toEqual([
      'notifications/cancelled',
    ]);
    expect(Object.keys(schemasFor('2024-11-05').clientNotifications).sort()).toEqual([
      'notifications/cancelled',
      'notifications/initialized',
      'notifications/progress',
      'notifications/roots/list_changed',
    ]);
    const server = (r: Revision) => Object.keys(schemasFor(r).serverNotifications);
    expect(
      REVISIONS.filter((r) => server(r).includes('notifications/elicitation/complete')),
    ).toEqual(['2025-11-25']);
    expect(
      REVISIONS.filter((r) => server(r).includes('notifications/subscriptions/acknowledged')),
    ).toEqual(['2026-07-28']);
  });

  it('params are optional where the revision allows it', () => {
    const listParams = (r: Revision) => schemasFor(r).clientRequests['tools/list']?.params;
    for (const revision of LEGACY)
      expect(listParams(revision)?.safeParse(undefined).success).toBe(true);
    // 2026 requests always carry params (for the required _meta).
    expect(listParams('2026-07-28')?.safeParse(undefined).success).toBe(false);
    expect(listParams('2026-07-28')?.safeParse({ _meta: meta2026 }).success).toBe(true);
    expect(
      schemasFor('2025-06-18').clientRequests['tools/call']?.params.safeParse(undefined).success,
    ).toBe(false);
  });

  it('pairs each request with its result type', () => {
    const call = schemasFor('2025-06-18').clientRequests['tools/call'];
    expect(call?.result.safeParse({ content: [] }).success).toBe(true);
    expect(call?.result.safeParse({ tools: [] }).success).toBe(false);
    const sampling = schemasFor('2025-03-26').serverRequests['sampling/createMessage'];
    expect(
      sampling?.result.safeParse({
        role: 'assistant',
        content: { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
        model: 'm',
      }).success,
    ).toBe(true);
    expect(
      schemasFor('2024-11-05').serverRequests['sampling/createMessage']?.result.safeParse({
        role: 'assistant',
        content: { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
        model: 'm',
      }).success,
    ).toBe(false);
  });
});

describe('fields across revisions', () => {
  const tools2026 = {
    resultType: 'complete',
    ttlMs: 1000,
    cacheScope: 'public',
    tools: [
      {
        name: 'find',
        inputSchema: {
          type: 'object',
          oneOf: [{ required: ['id'] }, { required: ['name'] }],
          properties: { id: { type: 'string' }, name: { type: 'string' } },
          'x-mcp-header': 'ignored',
        },
        _meta: { 'com.example/a': { deep: [1, { b: true }] } },
      },
    ],
  };

  it('an older revision drops later fields and keeps JSON Schema keywords and _meta', () => {
    const out = parse('2025-11-25', 'ListToolsResult', tools2026);
    expect(out).toEqual({ tools: tools2026.tools });
    expect(parse('2026-07-28', 'ListToolsResult', tools2026)).toEqual(tools2026);
  });

  it('a 2025-06-18 Tool on 2024-11-05 loses title and outputSchema', () => {
    const tool = {
      name: 'sum',
      title: 'Sum',
      inputSchema: { type: 'object', additionalProperties: false },
      outputSchema: { type: 'object', properties: { total: { type: 'number' } } },
    };
    expect(parse('2025-06-18', 'Tool', tool)).toEqual(tool);
    expect(parse('2024-11-05', 'Tool', tool)).toEqual({
      name: 'sum',
      inputSchema: { type: 'object', additionalProperties: false },
    });
  });

  it('free-form values are kept whole, declared objects are stripped', () => {
    const result = {
      content: [{ type: 'text', text: 'hi', unknownMember: 1 }],
      structuredContent: { a: { b: [1, 2] } },
      _meta: { 'com.example/x': { y: 1 } },
      unknownMember: true,
    };
    expect(parse('2025-11-25', 'CallToolResult', result)).toEqual({
      content: [{ type: 'text', text: 'hi' }],
      structuredContent: { a: { b: [1, 2] } },
      _meta: { 'com.example/x': { y: 1 } },
    });
    // structuredContent: any JSON value in 2026, an object before.
    const arrayResult = { resultType: 'complete', content: [], structuredContent: [1, 'x'] };
    expect(parse('2026-07-28', 'CallToolResult', arrayResult)).toEqual(arrayResult);
    expect(() => parse('2025-11-25', 'CallToolResult', arrayResult)).toThrow();
  });

  it('keeps open capability objects and drops unknown capability members', () => {
    const caps = {
      experimental: { 'com.example/x': { a: 1 } },
      sampling: { anything: true },
      roots: { listChanged: true, unknown: 1 },
    };
    expect(parse('2025-06-18', 'ClientCapabilities', caps)).toEqual({
      experimental: caps.experimental,
      sampling: { anything: true },
      roots: { listChanged: true },
    });
    // 2025-11-25 types sampling as {context?, tools?}: other members are dropped.
    expect(parse('2025-11-25', 'ClientCapabilities', caps)).toEqual({
      experimental: caps.experimental,
      sampling: {},
      roots: { listChanged: true },
    });
    // 2026 roots capability has no listChanged.
    expect(parse('2026-07-28', 'ClientCapabilities', caps)).toEqual({
      experimental: caps.experimental,
      sampling: {},
      roots: {},
    });
  });

  it('2026 request _meta: required protocol fields, other keys kept', () => {
    const request = {
      jsonrpc: '2.0',
      id: 'a',
      method: 'tools/list',
      params: { _meta: { ...meta2026, traceparent: '00-x', 'com.example/k': [1] } },
    };
    expect(parse('2026-07-28', 'ListToolsRequest', request)).toEqual(request);
    const missing = { ...request, params: { _meta: { traceparent: '00-x' } } };
    expect(() => parse('2026-07-28', 'ListToolsRequest', missing)).toThrow();
  });
});

describe('resultSchemaFor', () => {
  const parseResult = (revision: Revision, method: string, value: unknown) => {
    const schema = resultSchemaFor(revision, method);
    if (!schema) throw new Error(`no result schema for ${method} on ${revision}`);
    return schema.safeParse(value);
  };

  it('reads an absent resultType as "complete" on 2026-07-28', () => {
    const parsed = parseResult('2026-07-28', 'tools/call', { content: [] });
    expect(parsed.success).toBe(true);
    expect(parsed.data).toEqual({ content: [], resultType: 'complete' });
    expect(parseResult('2026-07-28', 'tools/list', { tools: [] }).data).toEqual({
      tools: [],
      resultType: 'complete',
    });
  });

  it('rejects an unknown resultType', () => {
    for (const resultType of ['task', 'partial', 'Complete', 1]) {
      expect(parseResult('2026-07-28', 'tools/call', { resultType, content: [] }).success).toBe(
        false,
      );
    }
  });

  it('accepts InputRequiredResult only for tools/call, prompts/get and resources/read', () => {
    const inputRequired = {
      resultType: 'input_required',
      inputRequests: { login: { method: 'roots/list' } },
      requestState: 'state-1',
    };
    const mrtr = ['tools/call', 'prompts/get', 'resources/read'];
    for (const method of Object.keys(schemasFor('2026-07-28').clientRequests)) {
      const parsed = parseResult('2026-07-28', method, inputRequired);
      expect([method, parsed.success]).toEqual([method, mrtr.includes(method)]);
      if (parsed.success) expect(parsed.data).toEqual(inputRequired);
    }
    // Not before 2026.
    expect(parseResult('2025-11-25', 'tools/call', inputRequired).success).toBe(false);
  });

  it('requires inputRequests or requestState on an InputRequiredResult', () => {
    expect(parseResult('2026-07-28', 'prompts/get', { resultType: 'input_required' }).success).toBe(
      false,
    );
    expect(
      parseResult('2026-07-28', 'prompts/get', { resultType: 'input_required', requestState: 's' })
        .success,
    ).toBe(true);
  });

  it('rejects a malformed result in every revision', () => {
    for (const revision of REVISIONS) {
      expect(parseResult(revision, 'tools/list', { tools: 'nope' }).success).toBe(false);
      expect(parseResult(revision, 'tools/list', { tools: [] }).success).toBe(true);
    }
  });

  it('strips what the revision does not define, also on legacy revisions', () => {
    expect(
      parseResult('2025-11-25', 'tools/list', { tools: [], ttlMs: 5, resultType: 'complete' }).data,
    ).toEqual({ tools: [] });
  });

  it('returns undefined for methods the revision does not have', () => {
    expect(resultSchemaFor('2025-11-25', 'server/discover')).toBeUndefined();
    expect(resultSchemaFor('2026-07-28', 'ping')).toBeUndefined();
    expect(resultSchemaFor('2026-07-28', 'initialize')).toBeUndefined();
  });
});

describe('memoisation and laziness', () => {
  it('returns the same objects on every call', () => {
    expect(schemasFor('2025-06-18')).toBe(schemasFor('2025-06-18'));
    expect(resultSchemaFor('2026-07-28', 'tools/call')).toBe(
      resultSchemaFor('2026-07-28', 'tools/call'),
    );
    expect(schemasFor('2025-06-18')).not.toBe(schemasFor('2025-03-26'));
  });

  it('builds nothing at import time and only the revisions asked for', async () => {
    vi.resetModules();
    const fresh = await import('../src/protocol/schemas/index.js');
    expect(fresh.builtRevisions()).toEqual([]);
    fresh.resultSchemaFor('2025-03-26', 'ping');
    expect(fresh.builtRevisions()).toEqual(['2025-03-26']);
    fresh.schemasFor('2026-07-28');
    expect(fresh.builtRevisions()).toEqual(['2025-03-26', '2026-07-28']);
  });
});

describe('hot path', () => {
  it('every schema can be compiled ahead of time (no cycles, no transforms)', () => {
    for (const revision of REVISIONS) {
      const schemas = schemasFor(revision);
      const all = [...Object.values(schemas.types), ...Object.values(schemas.responseResults)];
      for (const schema of all) expect(() => z.compile(schema, { strict: true })).not.toThrow();
    }
    const compiled = z.compile(resultSchemaFor('2026-07-28', 'tools/call') ?? z.never(), {
      strict: true,
    });
    expect(compiled.parse({ content: [] })).toEqual({ content: [], resultType: 'complete' });
    expect(compiled.safeParse({ resultType: 'task', content: [] }).success).toBe(false);
  });

  it('checks 2026 JSON values without recursion in the schema', () => {
    const caps = schemasFor('2026-07-28').types['ClientCapabilities'];
    const nested = {
      extensions: { 'com.example/x': { a: [{ b: { c: ['d', 1, 0.5, true, null] } }] } },
    };
    expect(caps?.parse(nested)).toEqual(nested);
    // Deep inside, what is not JSON is still refused: a value JSON cannot carry, a function.
    for (const bad of [Number.POSITIVE_INFINITY, Number.NaN, () => 1, undefined]) {
      const value = { extensions: { 'com.example/x': { a: [{ b: [bad] }] } } };
      expect(caps?.safeParse(value).success).toBe(false);
    }
    // An extension's settings are an object, not any JSON value.
    expect(caps?.safeParse({ extensions: { 'com.example/x': [] } }).success).toBe(false);
    expect(caps?.safeParse({ extensions: { 'com.example/x': null } }).success).toBe(false);
  });
});

describe('inferred types describe the newest revision', () => {
  it('has useful static types', () => {
    expectTypeOf<Tool['inputSchema']['type']>().toEqualTypeOf<'object'>();
    expectTypeOf<Tool['name']>().toEqualTypeOf<string>();
    expectTypeOf<CallToolResult['content']>().toEqualTypeOf<ContentBlock[]>();
    expectTypeOf<ContentBlock['type']>().toEqualTypeOf<
      'text' | 'image' | 'audio' | 'resource_link' | 'resource'
    >();
    expectTypeOf<ElicitResult['action']>().toEqualTypeOf<'accept' | 'cancel' | 'decline'>();
    expectTypeOf<InputRequiredResult['requestState']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ResultsByMethod['tools/call']['resultType']>().toEqualTypeOf<
      'complete' | 'input_required' | undefined
    >();
    // 2025-11-25 only (removed in 2026): optional, since a 2026 tool has none.
    expectTypeOf<Tool['execution']>().toEqualTypeOf<
      { taskSupport?: 'forbidden' | 'optional' | 'required' } | undefined
    >();
  });
});

describe('zod underneath (src/protocol/schemas/zod.ts)', () => {
  it('parses every object schema of every revision with the compiled object parser', () => {
    for (const revision of REVISIONS) {
      const objects = Object.entries(schemasFor(revision).types).filter(([, schema]) =>
        schema._zod.traits.has('$ZodObject'),
      );
      expect(objects.length, revision).toBeGreaterThan(40);
      const interpreted = objects.filter(([, schema]) => !schema._zod.traits.has('$ZodObjectJIT'));
      expect(
        interpreted.map(([name]) => name),
        revision,
      ).toEqual([]);
    }
  });

  it('gives English messages, and leaves a locale the application chose', () => {
    const invalid = { content: [{ type: 'text' }] };
    const message = (schema: z.core.$ZodType) =>
      z.safeParse(schema, invalid).error?.issues[0]?.message;
    expect(
      message(buildSchemas('2025-06-18').responseResults['tools/call'] as z.core.$ZodType),
    ).toBe('Invalid input: expected string, received undefined');
    const before = { ...z.config() };
    try {
      z.config({ localeError: () => 'chosen by the application' });
      const schema = buildSchemas('2025-06-18').responseResults['tools/call'] as z.core.$ZodType;
      expect(message(schema)).toBe('chosen by the application');
    } finally {
      z.config({ localeError: before.localeError });
    }
  });
});
