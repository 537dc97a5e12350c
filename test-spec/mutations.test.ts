/**
 * Hand-picked schema-invalid variants of valid messages, across all revisions: removed required
 * members, wrong types, bad enum values, wrong literals. The valid message is accepted by both the
 * official schema (ajv, formats asserted) and our zod schema; each variant is rejected by both.
 * (agreement.test.ts does this mechanically for every type; these are the readable cases.) Then
 * variants that only the published schema.json rejects: fractions where schema.ts says `number`
 * (see ./support/narrower.ts), which the client accepts.
 */
import { describe, expect, it } from 'vitest';
import type { Revision } from '../src/protocol/revisions.js';
import { schemasFor } from '../src/protocol/schemas/index.js';
import { REMOVE, replaced, type Path } from './support/samples.js';
import { oracle, type Json, type JsonObject } from './support/spec.js';

interface Case {
  readonly revision: Revision;
  readonly type: string;
  readonly valid: Json;
  /** Each variant: what it breaks, where, and the replacement (`REMOVE` deletes the member). */
  readonly invalid: readonly (readonly [what: string, path: Path, value: Json | typeof REMOVE])[];
}

const meta2026: JsonObject = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
};
const text: JsonObject = { type: 'text', text: 'hello' };
const tool: JsonObject = {
  name: 'get_weather',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

const cases: readonly Case[] = [
  {
    revision: '2024-11-05',
    type: 'InitializeRequest',
    valid: {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2024-11-05',
        capabilities: {},
        clientInfo: { name: 'c', version: '1' },
      },
    },
    invalid: [
      ['missing clientInfo', ['params', 'clientInfo'], REMOVE],
      ['protocolVersion not a string', ['params', 'protocolVersion'], 20241105],
      ['wrong method literal', ['method'], 'initialise'],
      ['missing params', ['params'], REMOVE],
    ],
  },
  {
    revision: '2024-11-05',
    type: 'ProgressNotification',
    valid: { method: 'notifications/progress', params: { progressToken: 't', progress: 1 } },
    invalid: [
      ['boolean progress token', ['params', 'progressToken'], true],
      ['missing progress', ['params', 'progress'], REMOVE],
    ],
  },
  {
    revision: '2024-11-05',
    type: 'Resource',
    valid: { uri: 'file:///a.txt', name: 'a.txt', size: 10 },
    invalid: [['missing name', ['name'], REMOVE]],
  },
  {
    revision: '2024-11-05',
    type: 'SamplingMessage',
    valid: { role: 'user', content: text },
    invalid: [
      [
        'audio content (added in 2025-03-26)',
        ['content'],
        { type: 'audio', data: 'AAAA', mimeType: 'audio/wav' },
      ],
      ['role system', ['role'], 'system'],
    ],
  },
  {
    revision: '2024-11-05',
    type: 'ServerCapabilities',
    valid: { tools: { listChanged: true }, logging: {} },
    invalid: [
      ['listChanged as a string', ['tools', 'listChanged'], 'true'],
      ['logging not an object', ['logging'], true],
    ],
  },
  {
    revision: '2025-03-26',
    type: 'CallToolResult',
    valid: { content: [text], isError: false },
    invalid: [
      ['unknown content type', ['content', 0, 'type'], 'video'],
      ['content not an array', ['content'], text],
      ['isError as a string', ['isError'], 'false'],
    ],
  },
  {
    revision: '2025-03-26',
    type: 'Tool',
    valid: { ...tool, annotations: { readOnlyHint: true } },
    invalid: [
      ['hint as a string', ['annotations', 'readOnlyHint'], 'yes'],
      ['inputSchema of type array', ['inputSchema', 'type'], 'array'],
      ['missing inputSchema', ['inputSchema'], REMOVE],
    ],
  },
  {
    revision: '2025-03-26',
    type: 'JSONRPCBatchRequest',
    valid: [
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ],
    invalid: [
      ['element without method', [0, 'method'], REMOVE],
      // (A `null` id is no request, but still a valid notification: ids are not declared there.)
      ['params as an array', [0, 'params'], []],
    ],
  },
  {
    revision: '2025-06-18',
    type: 'CallToolResult',
    valid: { content: [], structuredContent: { temperature: 21 } },
    invalid: [
      ['array structuredContent (an object until 2025-11-25)', ['structuredContent'], [1, 2]],
    ],
  },
  {
    revision: '2025-06-18',
    type: 'ElicitResult',
    valid: { action: 'accept', content: { name: 'octocat', age: 30 } },
    invalid: [
      ['unknown action', ['action'], 'ok'],
      ['array value (allowed from 2025-11-25)', ['content', 'name'], ['a']],
      ['missing action', ['action'], REMOVE],
    ],
  },
  {
    revision: '2025-06-18',
    type: 'ElicitRequest',
    valid: {
      method: 'elicitation/create',
      params: {
        message: 'Name?',
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      },
    },
    invalid: [
      ['requestedSchema of type array', ['params', 'requestedSchema', 'type'], 'array'],
      [
        'property of type date',
        ['params', 'requestedSchema', 'properties', 'name', 'type'],
        'date',
      ],
      ['missing message', ['params', 'message'], REMOVE],
    ],
  },
  {
    revision: '2025-06-18',
    type: 'Implementation',
    valid: { name: 'c', version: '1', title: 'Client' },
    invalid: [
      ['missing version', ['version'], REMOVE],
      ['numeric title', ['title'], 1],
    ],
  },
  {
    revision: '2025-06-18',
    type: 'PromptMessage',
    valid: { role: 'assistant', content: { type: 'resource_link', uri: 'file:///a', name: 'a' } },
    invalid: [
      ['role system', ['role'], 'system'],
      ['resource link without name', ['content', 'name'], REMOVE],
    ],
  },
  {
    revision: '2025-11-25',
    type: 'ElicitRequestURLParams',
    valid: { mode: 'url', message: 'Sign in', url: 'https://example.com/x', elicitationId: 'e1' },
    invalid: [
      ['missing elicitationId', ['elicitationId'], REMOVE],
      ['mode form', ['mode'], 'form'],
    ],
  },
  {
    revision: '2025-11-25',
    type: 'Task',
    valid: {
      taskId: 't1',
      status: 'working',
      createdAt: '2025-11-25T00:00:00Z',
      lastUpdatedAt: '2025-11-25T00:00:00Z',
      ttl: null,
    },
    invalid: [
      ['missing ttl (required, nullable)', ['ttl'], REMOVE],
      ['unknown status', ['status'], 'paused'],
    ],
  },
  {
    revision: '2025-11-25',
    type: 'CancelledNotification',
    valid: { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } },
    invalid: [
      ['jsonrpc 1.0', ['jsonrpc'], '1.0'],
      ['missing jsonrpc', ['jsonrpc'], REMOVE],
      ['null requestId', ['params', 'requestId'], null],
    ],
  },
  {
    revision: '2025-11-25',
    type: 'JSONRPCErrorResponse',
    valid: { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } },
    invalid: [['missing message', ['error', 'message'], REMOVE]],
  },
  {
    revision: '2025-11-25',
    type: 'ClientCapabilities',
    valid: { elicitation: { form: {} }, sampling: { tools: {} } },
    invalid: [
      ['form as a string', ['elicitation', 'form'], 'yes'],
      ['tools as a boolean', ['sampling', 'tools'], true],
    ],
  },
  {
    revision: '2025-11-25',
    type: 'CreateMessageRequest',
    valid: {
      jsonrpc: '2.0',
      id: 'req-1',
      method: 'sampling/createMessage',
      params: { messages: [{ role: 'user', content: text }], maxTokens: 100 },
    },
    invalid: [
      ['maxTokens as a string', ['params', 'maxTokens'], '100'],
      ['bad includeContext', ['params', 'includeContext'], 'everything'],
      ['bad toolChoice mode', ['params', 'toolChoice'], { mode: 'sometimes' }],
    ],
  },
  {
    revision: '2025-11-25',
    type: 'LoggingMessageNotification',
    valid: {
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', data: null },
    },
    invalid: [
      ['missing data', ['params', 'data'], REMOVE],
      ['unknown level', ['params', 'level'], 'verbose'],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'DiscoverResult',
    valid: {
      resultType: 'complete',
      supportedVersions: ['2026-07-28'],
      capabilities: {},
      ttlMs: 0,
      cacheScope: 'public',
    },
    invalid: [
      ['negative ttlMs', ['ttlMs'], -5],
      ['missing resultType', ['resultType'], REMOVE],
      ['missing cacheScope', ['cacheScope'], REMOVE],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'ListToolsResult',
    valid: { resultType: 'complete', tools: [tool], ttlMs: 1000, cacheScope: 'private' },
    invalid: [
      ['unknown cacheScope', ['cacheScope'], 'shared'],
      ['tool without name', ['tools', 0, 'name'], REMOVE],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'CallToolRequest',
    valid: {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { _meta: meta2026, name: 'get_weather', arguments: { city: 'Paris' } },
    },
    invalid: [
      ['missing _meta', ['params', '_meta'], REMOVE],
      [
        'missing protocolVersion',
        ['params', '_meta', 'io.modelcontextprotocol/protocolVersion'],
        REMOVE,
      ],
      [
        'missing clientCapabilities',
        ['params', '_meta', 'io.modelcontextprotocol/clientCapabilities'],
        REMOVE,
      ],
      ['unknown log level', ['params', '_meta', 'io.modelcontextprotocol/logLevel'], 'verbose'],
      ['arguments as an array', ['params', 'arguments'], ['Paris']],
      ['requestState not a string', ['params', 'requestState'], 42],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'CompleteResult',
    valid: { resultType: 'complete', completion: { values: ['a'] } },
    invalid: [
      [
        'more than 100 values',
        ['completion', 'values'],
        Array.from({ length: 101 }, (_, i) => `v${i}`),
      ],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'InputRequests',
    valid: { roots: { method: 'roots/list' } },
    invalid: [
      ['a method that is not an input request', ['roots', 'method'], 'tools/call'],
      [
        'sampling without maxTokens',
        ['roots'],
        { method: 'sampling/createMessage', params: { messages: [] } },
      ],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'UnsupportedProtocolVersionError',
    valid: {
      jsonrpc: '2.0',
      id: 1,
      error: {
        code: -32022,
        message: 'Unsupported protocol version',
        data: { supported: ['2026-07-28'], requested: '1900-01-01' },
      },
    },
    invalid: [
      ['other code', ['error', 'code'], -32000],
      ['missing requested', ['error', 'data', 'requested'], REMOVE],
      ['missing data', ['error', 'data'], REMOVE],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'SubscriptionsListenResult',
    valid: { resultType: 'complete', _meta: { 'io.modelcontextprotocol/subscriptionId': 'l-1' } },
    invalid: [
      ['missing subscriptionId', ['_meta', 'io.modelcontextprotocol/subscriptionId'], REMOVE],
      ['missing _meta', ['_meta'], REMOVE],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'Annotations',
    valid: { audience: ['user'], priority: 0.5 },
    invalid: [
      ['priority above 1', ['priority'], 1.5],
      ['unknown audience', ['audience', 0], 'system'],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'ElicitRequestFormParams',
    valid: {
      mode: 'form',
      message: 'Name?',
      requestedSchema: { type: 'object', properties: { n: { type: 'string' } } },
    },
    invalid: [
      ['mode url on a form', ['mode'], 'url'],
      ['missing properties', ['requestedSchema', 'properties'], REMOVE],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'ToolUseContent',
    valid: { type: 'tool_use', id: 'c1', name: 'f', input: {} },
    invalid: [
      ['input as an array', ['input'], []],
      ['wrong type literal', ['type'], 'tool_call'],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'Tool',
    valid: tool,
    invalid: [
      ['inputSchema of type array', ['inputSchema', 'type'], 'array'],
      ['inputSchema without type', ['inputSchema', 'type'], REMOVE],
      ['outputSchema as a boolean', ['outputSchema'], true],
    ],
  },
  {
    revision: '2026-07-28',
    type: 'ResourceTemplate',
    valid: { uriTemplate: 'file:///{path}', name: 'files' },
    invalid: [['missing uriTemplate', ['uriTemplate'], REMOVE]],
  },
];

describe('schema-invalid variants', () => {
  it('cover at least 30 types across all revisions', () => {
    expect(new Set(cases.map((c) => `${c.revision} ${c.type}`)).size).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.revision)).size).toBe(5);
  });

  describe.each(cases.map((c) => [`${c.revision} ${c.type}`, c] as const))('%s', (_name, c) => {
    const validate = oracle(c.revision).validator(c.type);
    const schema = schemasFor(c.revision).types[c.type];
    if (!schema) throw new Error(`no zod schema ${c.type}`);

    it('accepts the valid message (both)', () => {
      expect(validate(c.valid), JSON.stringify(validate.errors)).toBe(true);
      expect(schema.safeParse(c.valid).success).toBe(true);
    });

    it.each(c.invalid.map(([what, path, value]) => [what, path, value] as const))(
      'rejects: %s (both)',
      (_what, path, value) => {
        const variant = replaced(c.valid, path, value);
        expect(validate(variant)).toBe(false);
        expect(schema.safeParse(variant).success).toBe(false);
      },
    );
  });
});

/** Valid where schema.ts says `number`; the published schema.json says `integer`. */
const fractions: readonly (readonly [Revision, string, Json, Path, Json])[] = [
  [
    '2024-11-05',
    'ProgressNotification',
    { method: 'notifications/progress', params: { progressToken: 't', progress: 1 } },
    ['params', 'progressToken'],
    1.5,
  ],
  ['2024-11-05', 'Resource', { uri: 'file:///a.txt', name: 'a.txt', size: 10 }, ['size'], 10.5],
  ['2025-11-25', 'TaskMetadata', { ttl: 60000 }, ['ttl'], 1.5],
  [
    '2025-11-25',
    'JSONRPCErrorResponse',
    { jsonrpc: '2.0', id: 1, error: { code: -32601, message: 'Method not found' } },
    ['error', 'code'],
    -32601.5,
  ],
  [
    '2026-07-28',
    'DiscoverResult',
    {
      resultType: 'complete',
      supportedVersions: ['2026-07-28'],
      capabilities: {},
      ttlMs: 0,
      cacheScope: 'public',
    },
    ['ttlMs'],
    0.5,
  ],
  [
    '2026-07-28',
    'CompleteResult',
    { resultType: 'complete', completion: { values: ['a'], total: 1 } },
    ['completion', 'total'],
    1.5,
  ],
];

describe('fractions where schema.ts says number', () => {
  it.each(
    fractions.map(
      ([revision, type, valid, path, value]) =>
        [`${revision} ${type} ${path.join('.')}`, revision, type, valid, path, value] as const,
    ),
  )(
    '%s: schema.json rejects, the client accepts it unchanged',
    (_name, revision, type, valid, path, value) => {
      const validate = oracle(revision).validator(type);
      const schema = schemasFor(revision).types[type];
      if (!schema) throw new Error(`no zod schema ${type}`);
      expect(validate(valid)).toBe(true);
      const variant = replaced(valid, path, value);
      expect(validate(variant)).toBe(false);
      expect(schema.parse(variant)).toEqual(variant);
    },
  );
});
