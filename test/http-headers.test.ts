import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../src/errors/errors.js';
import {
  encodeHeaderValue,
  filterToolsForHttp,
  headerParamsOf,
  isPlainHeaderValue,
  requestHeaders,
  type HeaderParamsResult,
} from '../src/protocol/http-headers.js';

const V = '2026-07-28';

/** A tool whose inputSchema has the given properties. */
function toolWith(properties: Record<string, unknown>, name = 'tool') {
  return { name, inputSchema: { type: 'object', properties } };
}

function reasonOf(result: HeaderParamsResult): string {
  if (result.ok) throw new Error(`expected an invalid schema, got ${JSON.stringify(result)}`);
  return result.reason;
}

describe('encodeHeaderValue', () => {
  it.each([
    ['plain ASCII', 'us-west1'],
    ['spaces inside', 'New York City'],
    ['a tab inside', 'a\tb'],
    ['visible punctuation', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'],
    ['a prefix alone', '=?base64?abc'],
    ['a suffix alone', 'abc?='],
    ['a sentinel with an uppercase marker', '=?BASE64?abc?='],
  ])('sends %s as it is', (_label, value) => {
    expect(isPlainHeaderValue(value)).toBe(true);
    expect(encodeHeaderValue(value)).toBe(value);
  });

  it.each([
    ['a leading space', ' padded ', '=?base64?IHBhZGRlZCA=?='],
    ['a trailing tab', 'a\tb\t', '=?base64?YQliCQ==?='],
    ['a leading tab', '\tlead', '=?base64?CWxlYWQ=?='],
    ['non-ASCII (café)', 'café', '=?base64?Y2Fmw6k=?='],
    ['non-ASCII (CJK)', 'Hello, 世界', '=?base64?SGVsbG8sIOS4lueVjA==?='],
    ['an emoji (astral plane)', '🚀 launch', '=?base64?8J+agCBsYXVuY2g=?='],
    ['a line feed', 'line1\nline2', '=?base64?bGluZTEKbGluZTI=?='],
    ['a carriage return and line feed', 'a\r\nb', '=?base64?YQ0KYg==?='],
    ['a NUL', 'x\u0000', '=?base64?eAA=?='],
    ['DEL (0x7F)', 'a\u007fb', '=?base64?YX9i?='],
    ['the sentinel pattern itself', '=?base64?literal?=', '=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?='],
    ['an overlapping sentinel', '=?base64?=', '=?base64?PT9iYXNlNjQ/PQ==?='],
    ['the empty string', '', '=?base64??='],
  ])('encodes a value with %s', (_label, value, encoded) => {
    expect(isPlainHeaderValue(value)).toBe(false);
    expect(encodeHeaderValue(value)).toBe(encoded);
  });

  it('round-trips through Base64 as UTF-8', () => {
    const value = 'ünïcödé ✓ 𝄞 \r\n end';
    const encoded = encodeHeaderValue(value);
    expect(encoded.startsWith('=?base64?') && encoded.endsWith('?=')).toBe(true);
    const payload = encoded.slice('=?base64?'.length, -2);
    expect(Buffer.from(payload, 'base64').toString('utf8')).toBe(value);
    expect(isPlainHeaderValue(encoded)).toBe(false); // its output is itself sentinel-shaped
  });

  it('encodes a long value', () => {
    const value = 'é'.repeat(100_000);
    const encoded = encodeHeaderValue(value);
    expect(Buffer.from(encoded.slice(9, -2), 'base64').toString('utf8')).toBe(value);
  });
});

describe('requestHeaders: standard headers', () => {
  it('names the tool of tools/call', () => {
    expect(requestHeaders({ method: 'tools/call', params: { name: 'get_weather' } }, V)).toEqual({
      'MCP-Protocol-Version': V,
      'Mcp-Method': 'tools/call',
      'Mcp-Name': 'get_weather',
    });
  });

  it('names the prompt of prompts/get', () => {
    expect(requestHeaders({ method: 'prompts/get', params: { name: 'summarize' } }, V)).toEqual({
      'MCP-Protocol-Version': V,
      'Mcp-Method': 'prompts/get',
      'Mcp-Name': 'summarize',
    });
  });

  it('names the resource of resources/read by its URI', () => {
    const uri = 'file:///projects/myapp/config.json';
    expect(
      requestHeaders({ method: 'resources/read', params: { uri, name: 'ignored' } }, V),
    ).toEqual({ 'MCP-Protocol-Version': V, 'Mcp-Method': 'resources/read', 'Mcp-Name': uri });
  });

  it('encodes a name or URI that is not header-safe', () => {
    expect(
      requestHeaders({ method: 'resources/read', params: { uri: '/tmp/héllo.txt' } }, V)[
        'Mcp-Name'
      ],
    ).toBe('=?base64?L3RtcC9ow6lsbG8udHh0?=');
    expect(requestHeaders({ method: 'tools/call', params: { name: ' x' } }, V)['Mcp-Name']).toBe(
      '=?base64?IHg=?=',
    );
  });

  it.each(['tools/list', 'resources/list', 'server/discover', 'subscriptions/listen', 'ping'])(
    'sends no Mcp-Name for %s',
    (method) => {
      const headers = requestHeaders({ method, params: { name: 'x', uri: 'y' } }, V);
      expect(headers).toEqual({ 'MCP-Protocol-Version': V, 'Mcp-Method': method });
    },
  );

  it('does not take a method name from the prototype chain', () => {
    expect(requestHeaders({ method: 'constructor' }, V)).toEqual({
      'MCP-Protocol-Version': V,
      'Mcp-Method': 'constructor',
    });
  });

  it('refuses a name-bearing request without its name or URI', () => {
    expect(() => requestHeaders({ method: 'tools/call' }, V)).toThrow(InvalidArgumentError);
    expect(() => requestHeaders({ method: 'tools/call', params: { name: 7 } }, V)).toThrow(
      /params\.name/,
    );
    expect(() => requestHeaders({ method: 'resources/read', params: { name: 'n' } }, V)).toThrow(
      /params\.uri/,
    );
  });

  it('refuses a method or protocol version that is not plain header text', () => {
    expect(() => requestHeaders({ method: 'tools/list' }, '')).toThrow(InvalidArgumentError);
    expect(() => requestHeaders({ method: 'tools/list' }, '2026-07-28\r\nX: y')).toThrow(
      InvalidArgumentError,
    );
    expect(() => requestHeaders({ method: 'tools/lïst' }, V)).toThrow(InvalidArgumentError);
  });
});

describe('requestHeaders: Mcp-Param headers', () => {
  const tool = {
    name: 'execute_sql',
    inputSchema: {
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        limit: { type: 'integer', 'x-mcp-header': 'Limit' },
        dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
        query: { type: 'string' },
        options: {
          type: 'object',
          properties: {
            tenant: {
              type: 'object',
              properties: { id: { type: 'string', 'x-mcp-header': 'Tenant-Id' } },
            },
          },
        },
      },
    },
  };
  const call = (args: unknown) => ({
    method: 'tools/call',
    params: { name: 'execute_sql', arguments: args },
  });

  it('mirrors string, integer and boolean arguments, and a nested property', () => {
    const headers = requestHeaders(
      call({
        region: 'us-west1',
        limit: -7,
        dryRun: false,
        query: 'SELECT 1',
        options: { tenant: { id: 'acme' } },
      }),
      V,
      tool,
    );
    expect(headers).toEqual({
      'MCP-Protocol-Version': V,
      'Mcp-Method': 'tools/call',
      'Mcp-Name': 'execute_sql',
      'Mcp-Param-Region': 'us-west1',
      'Mcp-Param-Limit': '-7',
      'Mcp-Param-Dry-Run': 'false',
      'Mcp-Param-Tenant-Id': 'acme',
    });
  });

  it('writes true, zero and the integer bounds in decimal', () => {
    const max = requestHeaders(call({ limit: Number.MAX_SAFE_INTEGER, dryRun: true }), V, tool);
    expect(max['Mcp-Param-Limit']).toBe('9007199254740991');
    expect(max['Mcp-Param-Dry-Run']).toBe('true');
    const min = requestHeaders(call({ limit: -Number.MAX_SAFE_INTEGER }), V, tool);
    expect(min['Mcp-Param-Limit']).toBe('-9007199254740991');
    expect(requestHeaders(call({ limit: 0 }), V, tool)['Mcp-Param-Limit']).toBe('0');
    expect(requestHeaders(call({ limit: 42.0 }), V, tool)['Mcp-Param-Limit']).toBe('42');
  });

  it('encodes string arguments that are not header-safe', () => {
    const headers = requestHeaders(call({ region: 'Hello, 世界' }), V, tool);
    expect(headers['Mcp-Param-Region']).toBe('=?base64?SGVsbG8sIOS4lueVjA==?=');
    expect(requestHeaders(call({ region: '' }), V, tool)['Mcp-Param-Region']).toBe('=?base64??=');
  });

  it('omits the header of an absent or null argument', () => {
    const headers = requestHeaders(call({ region: null, options: { tenant: null } }), V, tool);
    expect(Object.keys(headers).filter((h) => h.startsWith('Mcp-Param-'))).toEqual([]);
    expect(requestHeaders(call(undefined), V, tool)['Mcp-Param-Region']).toBeUndefined();
    expect(requestHeaders(call({ options: {} }), V, tool)['Mcp-Param-Tenant-Id']).toBeUndefined();
    expect(
      requestHeaders(call({ options: { tenant: { id: null } } }), V, tool)['Mcp-Param-Tenant-Id'],
    ).toBeUndefined();
  });

  it('does not walk into arrays or inherited members on the path', () => {
    const proto = toolWith({ constructor: { type: 'string', 'x-mcp-header': 'Ctor' } }, 'p');
    const headers = requestHeaders(
      { method: 'tools/call', params: { name: 'p', arguments: {} } },
      V,
      proto,
    );
    expect(headers['Mcp-Param-Ctor']).toBeUndefined();
    expect(
      requestHeaders(call({ options: [{ tenant: { id: 'x' } }] }), V, tool)['Mcp-Param-Tenant-Id'],
    ).toBeUndefined();
  });

  it('mirrors a primitive of another type than declared, as the body has it', () => {
    expect(requestHeaders(call({ limit: '42' }), V, tool)['Mcp-Param-Limit']).toBe('42');
    expect(requestHeaders(call({ region: true }), V, tool)['Mcp-Param-Region']).toBe('true');
  });

  it('refuses integers outside ±(2^53−1) rather than send a header the server must reject', () => {
    for (const limit of [2 ** 53, -(2 ** 53), 1e300]) {
      expect(() => requestHeaders(call({ limit }), V, tool)).toThrow(InvalidArgumentError);
    }
    expect(() => requestHeaders(call({ limit: 2 ** 53 }), V, tool)).toThrow(/Mcp-Param-Limit/);
  });

  it('refuses values that have no header form', () => {
    for (const limit of [1.5, Number.NaN, Number.POSITIVE_INFINITY, { n: 1 }, [1]]) {
      expect(() => requestHeaders(call({ limit }), V, tool)).toThrow(InvalidArgumentError);
    }
  });

  it('adds no Mcp-Param headers without the tool, or for another method', () => {
    const args = { region: 'us-west1' };
    expect(requestHeaders(call(args), V)['Mcp-Param-Region']).toBeUndefined();
    const other = requestHeaders(
      { method: 'prompts/get', params: { name: 'execute_sql', arguments: args } },
      V,
      tool,
    );
    expect(other['Mcp-Param-Region']).toBeUndefined();
  });

  it('refuses a tool of another name, or one whose annotations are invalid', () => {
    expect(() => requestHeaders(call({}), V, { ...tool, name: 'other' })).toThrow(
      InvalidArgumentError,
    );
    const invalid = toolWith({ a: { type: 'number', 'x-mcp-header': 'A' } }, 'execute_sql');
    expect(() => requestHeaders(call({ a: 1 }), V, invalid)).toThrow(/filterToolsForHttp/);
  });
});

describe('headerParamsOf', () => {
  it('finds annotations with their property paths and types', () => {
    const result = headerParamsOf({
      type: 'object',
      properties: {
        region: { type: 'string', 'x-mcp-header': 'Region' },
        n: { type: ['integer'], 'x-mcp-header': 'N' },
        deep: {
          type: 'object',
          properties: { a: { properties: { b: { type: 'boolean', 'x-mcp-header': 'B' } } } },
        },
      },
    });
    expect(result).toEqual({
      ok: true,
      params: [
        { name: 'Region', path: ['region'], type: 'string' },
        { name: 'N', path: ['n'], type: 'integer' },
        { name: 'B', path: ['deep', 'a', 'b'], type: 'boolean' },
      ],
    });
  });

  it('accepts schemas without annotations, and non-object schemas', () => {
    for (const schema of [
      undefined,
      true,
      { type: 'object' },
      { type: 'object', properties: { q: { type: 'string' } } },
      // A property *named* x-mcp-header is not an annotation.
      { type: 'object', properties: { 'x-mcp-header': { type: 'object' } } },
      // Data keywords hold instances, not schemas.
      { type: 'object', default: { 'x-mcp-header': 'X' }, examples: [{ 'x-mcp-header': 1 }] },
      { type: 'object', properties: { c: { const: { 'x-mcp-header': 'X' }, enum: [] } } },
    ]) {
      expect(headerParamsOf(schema)).toEqual({ ok: true, params: [] });
    }
  });

  it('accepts every RFC 9110 tchar', () => {
    const name = "!#$%&'*+-.^_`|~09azAZ";
    expect(
      headerParamsOf(toolWith({ a: { type: 'string', 'x-mcp-header': name } }).inputSchema),
    ).toMatchObject({ ok: true, params: [{ name }] });
  });

  it.each([
    ['an empty name', '', /must not be empty/],
    ['a non-string name', 42, /must be a string/],
    ['a space', 'Tenant Id', /not an RFC 9110 token/],
    ['a colon', 'Tenant:Id', /not an RFC 9110 token/],
    ['a slash', 'a/b', /not an RFC 9110 token/],
    ['a non-ASCII letter', 'Régión', /not an RFC 9110 token/],
    ['a carriage return', 'Region\r', /control characters/],
    ['a line feed', 'Re\ngion', /control characters/],
    ['a NUL', 'Re\u0000gion', /control characters/],
    ['a tab', 'Re\tgion', /control characters/],
    ['DEL', 'Re\u007fgion', /control characters/],
  ])('refuses %s', (_label, name, reason) => {
    const schema = toolWith({ region: { type: 'string', 'x-mcp-header': name } }).inputSchema;
    expect(reasonOf(headerParamsOf(schema))).toMatch(reason);
  });

  it.each([
    ['number', { type: 'number' }],
    ['object', { type: 'object' }],
    ['array', { type: 'array', items: { type: 'string' } }],
    ['null', { type: 'null' }],
    ['a union', { type: ['string', 'null'] }],
    ['a union of allowed types', { type: ['string', 'integer'] }],
    ['no type', { enum: ['a', 'b'] }],
    ['a $ref instead of a type', { $ref: '#/$defs/Region' }],
    ['a misspelled type', { type: 'String' }],
  ])('refuses an annotation on a property of type %s', (_label, schema) => {
    const input = toolWith({ p: { ...schema, 'x-mcp-header': 'P' } }).inputSchema;
    expect(reasonOf(headerParamsOf(input))).toMatch(/only string, integer and boolean/);
  });

  it('refuses names that repeat, ignoring case', () => {
    const reason = reasonOf(
      headerParamsOf({
        type: 'object',
        properties: {
          a: { type: 'string', 'x-mcp-header': 'Region' },
          nested: {
            type: 'object',
            properties: { b: { type: 'string', 'x-mcp-header': 'REGION' } },
          },
        },
      }),
    );
    expect(reason).toMatch(/repeats the header name "Region"/);
    expect(reason).toContain('/properties/nested/properties/b');
  });

  it('accepts names that differ beyond case', () => {
    const result = headerParamsOf(
      toolWith({
        a: { type: 'string', 'x-mcp-header': 'Region-A' },
        b: { type: 'string', 'x-mcp-header': 'Region-B' },
      }).inputSchema,
    );
    expect(result.ok).toBe(true);
  });

  it('refuses an annotation on the root schema', () => {
    expect(
      reasonOf(headerParamsOf({ type: 'object', 'x-mcp-header': 'Root', properties: {} })),
    ).toMatch(/not on the root schema/);
  });

  const annotated = { type: 'string', 'x-mcp-header': 'Hidden' };
  it.each([
    ['items', { type: 'array', items: { type: 'object', properties: { h: annotated } } }],
    ['items (the annotated schema itself)', { type: 'array', items: annotated }],
    ['prefixItems', { type: 'array', prefixItems: [annotated] }],
    ['oneOf', { oneOf: [{ properties: { h: annotated } }, { properties: {} }] }],
    ['anyOf', { anyOf: [{ properties: { h: annotated } }] }],
    ['allOf', { allOf: [{ properties: { h: annotated } }] }],
    ['not', { not: { properties: { h: annotated } } }],
    ['if', { if: { properties: { h: annotated } } }],
    ['then', { if: {}, then: { properties: { h: annotated } } }],
    ['else', { if: {}, else: { properties: { h: annotated } } }],
    ['$defs', { $defs: { H: annotated }, properties: { h: { $ref: '#/$defs/H' } } }],
    ['definitions', { definitions: { H: annotated } }],
    ['additionalProperties', { additionalProperties: annotated }],
    ['patternProperties', { patternProperties: { '^h': annotated } }],
    ['dependentSchemas', { dependentSchemas: { a: { properties: { h: annotated } } } }],
    ['unevaluatedProperties', { unevaluatedProperties: annotated }],
    ['propertyNames', { propertyNames: annotated }],
    ['contains', { contains: annotated }],
    ['an unknown keyword', { 'x-vendor': { properties: { h: annotated } } }],
  ])('refuses an annotation reached through %s', (_label, body) => {
    const schema = { type: 'object', properties: { ok: { type: 'string' }, wrapper: body } };
    expect(reasonOf(headerParamsOf(schema))).toMatch(/not on a property reached from the root/);
    // The same at the root.
    expect(reasonOf(headerParamsOf({ type: 'object', ...body }))).toMatch(
      /not on a property reached from the root/,
    );
  });

  it('names the location of the offending annotation', () => {
    const reason = reasonOf(
      headerParamsOf({ type: 'object', properties: { list: { items: annotated } } }),
    );
    expect(reason).toContain('/properties/list/items');
  });

  it('refuses a cyclic schema object and an absurdly deep one instead of overflowing', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic['properties'] = { self: cyclic };
    expect(reasonOf(headerParamsOf(cyclic))).toMatch(/cycle/);

    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10_000; i++) deep = { type: 'object', properties: { n: deep } };
    expect(reasonOf(headerParamsOf(deep))).toMatch(/nested more than/);
  });

  it('walks a schema object shared by two properties twice', () => {
    const shared = { type: 'string', 'x-mcp-header': 'Shared' };
    const reason = reasonOf(headerParamsOf(toolWith({ a: shared, b: shared }).inputSchema));
    expect(reason).toMatch(/repeats the header name/);
  });
});

describe('filterToolsForHttp', () => {
  const good = toolWith({ r: { type: 'string', 'x-mcp-header': 'Region' } }, 'good');
  const plain = { name: 'plain', inputSchema: { type: 'object' }, title: 'Plain' };
  const numeric = toolWith({ n: { type: 'number', 'x-mcp-header': 'N' } }, 'numeric');
  const nested = toolWith(
    { l: { type: 'array', items: { 'x-mcp-header': 'X', type: 'string' } } },
    'nested',
  );
  const dup = toolWith(
    { a: { type: 'string', 'x-mcp-header': 'x' }, b: { type: 'string', 'x-mcp-header': 'X' } },
    'dup',
  );

  it('keeps valid tools in order and reports each invalid one with its reason', () => {
    const onInvalid = vi.fn<(tool: { name: string }, reason: string) => void>();
    const kept = filterToolsForHttp([numeric, good, nested, plain, dup], onInvalid);
    expect(kept.map((t) => t.name)).toEqual(['good', 'plain']);
    expect(kept[1]).toBe(plain); // the same objects, extra fields kept
    expect(onInvalid.mock.calls.map(([tool]) => tool.name)).toEqual(['numeric', 'nested', 'dup']);
    expect(onInvalid.mock.calls[0]?.[0]).toBe(numeric);
    expect(onInvalid.mock.calls[0]?.[1]).toMatch(/type "number"/);
    expect(onInvalid.mock.calls[1]?.[1]).toMatch(/not on a property reached from the root/);
    expect(onInvalid.mock.calls[2]?.[1]).toMatch(/repeats/);
  });

  it('works without a callback, and keeps tools without an inputSchema', () => {
    expect(filterToolsForHttp([numeric, good]).map((t) => t.name)).toEqual(['good']);
    expect(filterToolsForHttp([{ name: 'bare' }])).toEqual([{ name: 'bare' }]);
    expect(filterToolsForHttp([])).toEqual([]);
  });

  it('lets an exception of the callback propagate', () => {
    expect(() =>
      filterToolsForHttp([numeric], () => {
        throw new Error('logger down');
      }),
    ).toThrow('logger down');
  });
});

describe('http-headers module', () => {
  it('imports no node: modules', () => {
    const source = readFileSync(
      new URL('../src/protocol/http-headers.ts', import.meta.url),
      'utf8',
    );
    expect(source).not.toMatch(/from\s+['"]node:/);
    expect(source).not.toMatch(/import\(['"]node:/);
    expect(source).not.toMatch(/\bBuffer\b/);
  });
});
