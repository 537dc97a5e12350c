import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { McpLocalError } from '../src/errors/errors.js';
import {
  InvalidOutputSchemaError,
  InvalidToolOutputError,
  ToolOutputValidator,
  canonicalJson,
  dialectOf,
} from '../src/protocol/tool-output.js';

const weather = {
  type: 'object',
  properties: {
    temperature: { type: 'number' },
    conditions: { type: 'string' },
  },
  required: ['temperature', 'conditions'],
} as const;

/** The error `promise` rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function toolOutputError(promise: Promise<unknown>): Promise<InvalidToolOutputError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(InvalidToolOutputError);
  return error as InvalidToolOutputError;
}

async function schemaError(promise: Promise<unknown>): Promise<InvalidOutputSchemaError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(InvalidOutputSchemaError);
  return error as InvalidOutputSchemaError;
}

function validatorFor(outputSchema: unknown, name = 'tool'): ToolOutputValidator {
  const validator = new ToolOutputValidator();
  validator.remember([{ name, outputSchema }]);
  return validator;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ToolOutputValidator: what is not validated', () => {
  it('ignores a tool it has not seen listed, without loading the validator', async () => {
    const validator = validatorFor(weather, 'get_weather');
    await expect(validator.validate('other', { structuredContent: 42 })).resolves.toBeUndefined();
    await expect(validator.validate('other', {})).resolves.toBeUndefined();
    expect(validator.compilations).toBe(0);
    expect(validator.loadedDialects).toEqual([]);
  });

  it('ignores a listed tool that has no outputSchema (or a null one)', async () => {
    const validator = new ToolOutputValidator();
    validator.remember([{ name: 'plain' }, { name: 'nulled', outputSchema: null }]);
    expect(validator.has('plain')).toBe(false);
    expect(validator.has('nulled')).toBe(false);
    await expect(validator.validate('plain', {})).resolves.toBeUndefined();
    await expect(validator.validate('nulled', { structuredContent: 1 })).resolves.toBeUndefined();
  });

  it('skips results with isError: true, even without or with wrong structuredContent', async () => {
    const validator = validatorFor(weather);
    await expect(validator.validate('tool', { isError: true })).resolves.toBeUndefined();
    await expect(
      validator.validate('tool', { isError: true, structuredContent: { temperature: 'hot' } }),
    ).resolves.toBeUndefined();
    expect(validator.compilations).toBe(0);
  });

  it('validates results with isError: false like any other', async () => {
    const validator = validatorFor(weather);
    await toolOutputError(validator.validate('tool', { isError: false, structuredContent: {} }));
  });
});

describe('ToolOutputValidator: missing structuredContent', () => {
  it('refuses a result without structuredContent, naming the tool', async () => {
    const validator = validatorFor(weather, 'get_weather');
    const error = await toolOutputError(validator.validate('get_weather', {}));
    expect(error).toBeInstanceOf(McpLocalError);
    expect(error.code).toBe('INVALID_TOOL_OUTPUT');
    expect(error.reason).toBe('missing-structured-content');
    expect(error.toolName).toBe('get_weather');
    expect(error.message).toContain('"get_weather"');
    expect(error.message).toContain('structuredContent');
    expect(error.errors).toEqual([]);
    expect(validator.compilations).toBe(0);
  });

  it('treats an explicit undefined as missing, but null as present content', async () => {
    const validator = validatorFor({ type: 'null' });
    await toolOutputError(validator.validate('tool', { structuredContent: undefined }));
    await expect(validator.validate('tool', { structuredContent: null })).resolves.toBeUndefined();
  });
});

describe('ToolOutputValidator: validation', () => {
  it('accepts conforming content', async () => {
    const validator = validatorFor(weather);
    await expect(
      validator.validate('tool', { structuredContent: { temperature: 21.5, conditions: 'sunny' } }),
    ).resolves.toBeUndefined();
    expect(validator.compilations).toBe(1);
    expect(validator.loadedDialects).toEqual(['2020-12']);
  });

  it('accepts any JSON value where the schema allows it (2026: not only objects)', async () => {
    const validator = new ToolOutputValidator();
    validator.remember([
      { name: 'list', outputSchema: { type: 'array', items: { type: 'string' } } },
      { name: 'count', outputSchema: { type: 'integer' } },
      { name: 'anything', outputSchema: true },
      { name: 'nothing', outputSchema: false },
    ]);
    await validator.validate('list', { structuredContent: ['a', 'b'] });
    await validator.validate('count', { structuredContent: 3 });
    await validator.validate('anything', { structuredContent: { x: [1] } });
    await toolOutputError(validator.validate('count', { structuredContent: 3.5 }));
    await toolOutputError(validator.validate('nothing', { structuredContent: {} }));
  });

  it('refuses non-conforming content with a typed error naming the tool and the problem', async () => {
    const validator = validatorFor(weather, 'get_weather');
    const error = await toolOutputError(
      validator.validate('get_weather', {
        structuredContent: { temperature: 'hot', conditions: 'sunny' },
      }),
    );
    expect(error.code).toBe('INVALID_TOOL_OUTPUT');
    expect(error.reason).toBe('schema-mismatch');
    expect(error.toolName).toBe('get_weather');
    expect(error.message).toContain('"get_weather"');
    expect(error.message).toContain(
      '/temperature: Instance type "string" is invalid. Expected "number".',
    );
    expect(error.errors).toEqual([
      {
        instancePath: '/temperature',
        keyword: 'type',
        schemaPath: '/properties/temperature/type',
        message: 'Instance type "string" is invalid. Expected "number"',
      },
    ]);
  });

  it('names the root as (root) in the message', async () => {
    const validator = validatorFor(weather);
    const error = await toolOutputError(validator.validate('tool', { structuredContent: 'text' }));
    expect(error.message).toContain('(root): Instance type "string" is invalid. Expected "object"');
  });

  it('spells out the first three errors and carries all of them', async () => {
    const validator = validatorFor({
      anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array' }],
    });
    const error = await toolOutputError(validator.validate('tool', { structuredContent: {} }));
    // The anyOf itself, then each branch's failure.
    expect(error.errors.map((e) => [e.keyword, e.schemaPath])).toEqual([
      ['anyOf', '/anyOf'],
      ['type', '/anyOf/0/type'],
      ['type', '/anyOf/1/type'],
      ['type', '/anyOf/2/type'],
      ['type', '/anyOf/3/type'],
    ]);
    expect(error.message).toContain(
      '(root): Instance does not match any subschemas; (root): Instance type "object" is invalid. Expected "string"; (root): Instance type "object" is invalid. Expected "number" (and 2 more).',
    );
    expect(error.message).not.toContain('Expected "boolean"');
  });

  it('keeps the errors of each failure apart', async () => {
    const validator = validatorFor(weather);
    const first = await toolOutputError(validator.validate('tool', { structuredContent: {} }));
    const second = await toolOutputError(
      validator.validate('tool', { structuredContent: { temperature: 1, conditions: 2 } }),
    );
    expect(first.errors[0]).toMatchObject({ instancePath: '', keyword: 'required' });
    expect(first.errors[0]?.message).toContain('"temperature"');
    expect(second.errors).toHaveLength(1);
    expect(second.errors[0]?.instancePath).toBe('/conditions');
  });

  it('checks format keywords', async () => {
    const validator = validatorFor({
      type: 'object',
      properties: { email: { type: 'string', format: 'email' }, at: { format: 'date-time' } },
    });
    await validator.validate('tool', {
      structuredContent: { email: 'a@example.com', at: '2026-07-28T12:00:00Z' },
    });
    const error = await toolOutputError(
      validator.validate('tool', { structuredContent: { email: 'not an address' } }),
    );
    expect(error.message).toContain('/email: String does not match format "email"');
    expect(error.errors).toMatchObject([{ instancePath: '/email', keyword: 'format' }]);
    const at = await toolOutputError(
      validator.validate('tool', { structuredContent: { at: 'yesterday' } }),
    );
    expect(at.errors).toMatchObject([{ instancePath: '/at', keyword: 'format' }]);
  });

  it('tolerates unknown keywords and unknown formats, without logging', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const validator = validatorFor({
      type: 'object',
      'x-vendor': { anything: true },
      properties: { id: { type: 'string', format: 'snowflake', examplez: [1] } },
    });
    await validator.validate('tool', { structuredContent: { id: 'abc' } });
    expect(warn).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });

  it('follows local $ref and $defs', async () => {
    const validator = validatorFor({
      $defs: { celsius: { type: 'number', minimum: -273.15 } },
      type: 'object',
      properties: { t: { $ref: '#/$defs/celsius' } },
    });
    await validator.validate('tool', { structuredContent: { t: 20 } });
    const error = await toolOutputError(
      validator.validate('tool', { structuredContent: { t: -300 } }),
    );
    expect(error.message).toContain('/t: -300 is less than -273.15');
    expect(error.errors).toEqual([
      {
        instancePath: '/t',
        keyword: 'minimum',
        schemaPath: '/properties/t/$ref/minimum',
        message: '-300 is less than -273.15',
      },
    ]);
  });

  it('lets two tools use the same $id independently', async () => {
    const validator = new ToolOutputValidator();
    validator.remember([
      { name: 'a', outputSchema: { $id: 'https://example.com/out', type: 'string' } },
      { name: 'b', outputSchema: { $id: 'https://example.com/out', type: 'number' } },
    ]);
    await validator.validate('a', { structuredContent: 'x' });
    await validator.validate('b', { structuredContent: 1 });
    await toolOutputError(validator.validate('a', { structuredContent: 1 }));
    await toolOutputError(validator.validate('b', { structuredContent: 'x' }));
  });

  it('ignores a root $async (results are validated synchronously)', async () => {
    const validator = validatorFor({ $async: true, type: 'string' });
    await validator.validate('tool', { structuredContent: 'x' });
    await toolOutputError(validator.validate('tool', { structuredContent: 1 }));
  });
});

describe('ToolOutputValidator: the 2020-12 vocabulary', () => {
  it('validates the official examples of tools with an output schema', async () => {
    // 2026-07-28 examples/Tool: with-output-schema-for-structured-content.json and
    // tool-with-array-output-schema.json, with the results of examples/CallToolResult.
    const validator = new ToolOutputValidator();
    validator.remember([
      {
        name: 'get_weather_data',
        outputSchema: {
          type: 'object',
          properties: {
            temperature: { type: 'number', description: 'Temperature in celsius' },
            conditions: { type: 'string', description: 'Weather conditions description' },
            humidity: { type: 'number', description: 'Humidity percentage' },
          },
          required: ['temperature', 'conditions', 'humidity'],
        },
      },
      {
        name: 'list_users',
        outputSchema: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              id: { type: 'string' },
              name: { type: 'string' },
              email: { type: 'string' },
            },
            required: ['id', 'name', 'email'],
          },
        },
      },
    ]);
    await validator.validate('get_weather_data', {
      structuredContent: { temperature: 22.5, conditions: 'Partly cloudy', humidity: 65 },
    });
    await validator.validate('list_users', {
      structuredContent: [
        { id: '1', name: 'Alice', email: 'alice@example.com' },
        { id: '2', name: 'Bob', email: 'bob@example.com' },
      ],
    });
    const missing = await toolOutputError(
      validator.validate('get_weather_data', {
        structuredContent: { temperature: 22.5, conditions: 'Partly cloudy' },
      }),
    );
    expect(missing.errors).toMatchObject([{ instancePath: '', keyword: 'required' }]);
    expect(missing.errors[0]?.message).toContain('"humidity"');
    const item = await toolOutputError(
      validator.validate('list_users', { structuredContent: [{ id: '1', name: 'Alice' }] }),
    );
    expect(item.errors).toMatchObject([{ instancePath: '/0', keyword: 'required' }]);
  });

  it('applies prefixItems, and items to the rest', async () => {
    const validator = validatorFor({
      type: 'array',
      prefixItems: [{ type: 'number' }, { type: 'string' }],
      items: false,
    });
    await validator.validate('tool', { structuredContent: [1600, 'Pennsylvania'] });
    await validator.validate('tool', { structuredContent: [10] });
    const wrong = await toolOutputError(
      validator.validate('tool', { structuredContent: ['Pennsylvania', 1600] }),
    );
    // Every violation is reported, and items does not apply to the prefix.
    expect(wrong.errors).toMatchObject([
      { instancePath: '/0', keyword: 'type', schemaPath: '/prefixItems/0/type' },
      { instancePath: '/1', keyword: 'type', schemaPath: '/prefixItems/1/type' },
    ]);
    const extra = await toolOutputError(
      validator.validate('tool', { structuredContent: [1600, 'Pennsylvania', 'NW'] }),
    );
    expect(extra.errors).toEqual([
      {
        instancePath: '/2',
        keyword: 'items',
        schemaPath: '/items',
        message: 'Items did not match schema',
      },
    ]);
  });

  it('applies unevaluatedProperties across allOf and $ref', async () => {
    const validator = validatorFor({
      $defs: { address: { type: 'object', properties: { street: { type: 'string' } } } },
      allOf: [{ $ref: '#/$defs/address' }],
      properties: { kind: { enum: ['home', 'work'] } },
      unevaluatedProperties: false,
    });
    await validator.validate('tool', { structuredContent: { street: 'Main St', kind: 'home' } });
    const error = await toolOutputError(
      validator.validate('tool', { structuredContent: { street: 'Main St', floor: 2 } }),
    );
    expect(error.errors).toMatchObject([
      { instancePath: '/floor', keyword: 'unevaluatedProperties' },
    ]);
    expect(error.message).toContain('"floor"');
  });

  it('applies dependentRequired and dependentSchemas', async () => {
    const validator = validatorFor({
      type: 'object',
      dependentRequired: { credit_card: ['billing_address'] },
      dependentSchemas: { name: { required: ['id'] } },
    });
    await validator.validate('tool', {
      structuredContent: { credit_card: 5555555555555555, billing_address: 'Main St' },
    });
    const required = await toolOutputError(
      validator.validate('tool', { structuredContent: { credit_card: 5555555555555555 } }),
    );
    expect(required.errors).toEqual([
      {
        instancePath: '',
        keyword: 'dependentRequired',
        schemaPath: '/dependentRequired',
        message: 'Instance has "credit_card" but does not have "billing_address"',
      },
    ]);
    const schema = await toolOutputError(
      validator.validate('tool', { structuredContent: { name: 'x' } }),
    );
    expect(schema.errors).toMatchObject([
      { instancePath: '', keyword: 'required', schemaPath: '/dependentSchemas/name/required' },
    ]);
  });

  it('resolves $anchor and recursive $ref into $defs', async () => {
    const validator = validatorFor({
      $ref: '#node',
      $defs: {
        node: {
          $anchor: 'node',
          type: 'object',
          properties: {
            value: { type: 'number' },
            children: { type: 'array', items: { $ref: '#node' } },
          },
          required: ['value'],
        },
      },
    });
    await validator.validate('tool', {
      structuredContent: { value: 1, children: [{ value: 2, children: [{ value: 3 }] }] },
    });
    const error = await toolOutputError(
      validator.validate('tool', {
        structuredContent: { value: 1, children: [{ value: 2, children: [{ value: 'x' }] }] },
      }),
    );
    expect(error.errors).toMatchObject([
      { instancePath: '/children/0/children/0/value', keyword: 'type' },
    ]);
  });

  it('reports additionalProperties: false by the property it refuses', async () => {
    const validator = validatorFor({
      type: 'object',
      properties: { a: { type: 'number' } },
      additionalProperties: false,
    });
    const error = await toolOutputError(
      validator.validate('tool', { structuredContent: { a: 1, b: 2 } }),
    );
    expect(error.errors).toEqual([
      {
        instancePath: '/b',
        keyword: 'additionalProperties',
        schemaPath: '/additionalProperties',
        message: 'Property "b" does not match additional properties schema',
      },
    ]);
  });

  it('gives instance paths as JSON Pointers, not URI fragments', async () => {
    const validator = validatorFor({
      type: 'object',
      properties: { 'a/b~c d#%': { type: 'string' } },
    });
    const error = await toolOutputError(
      validator.validate('tool', { structuredContent: { 'a/b~c d#%': 1 } }),
    );
    expect(error.errors[0]?.instancePath).toBe('/a~1b~0c d#%');
  });

  it('refuses a malformed schema when preparing it, not on each value', async () => {
    for (const [outputSchema, said] of [
      [
        { type: 'object', properties: { n: { type: 'number', minimum: '0' } } },
        'minimum at /properties/n',
      ],
      [{ type: 'string', pattern: '(' }, 'pattern at the root must be a regular expression'],
      [{ type: 'string', minLength: -1 }, 'minLength'],
      [{ anyOf: [] }, 'anyOf'],
      [{ type: ['string', 'string'] }, 'type'],
      [{ properties: { a: 1 } }, '/properties/a is not a schema'],
      [{ patternProperties: { '[': true } }, 'patternProperties'],
      [{ $dynamicRef: '#meta' }, '$dynamicRef at the root is not supported'],
    ] as const) {
      const validator = validatorFor(outputSchema);
      const error = await schemaError(validator.validate('tool', { structuredContent: 'x' }));
      expect(error.reason, JSON.stringify(outputSchema)).toBe('invalid-schema');
      expect(error.message).toContain(said);
    }
  });

  it('refuses a $ref to a meta-schema: it is not fetched either', async () => {
    const validator = validatorFor({ $ref: 'https://json-schema.org/draft/2020-12/schema' });
    const error = await schemaError(validator.validate('tool', { structuredContent: {} }));
    expect(error.reason).toBe('external-ref');
    expect(error.ref).toBe('https://json-schema.org/draft/2020-12/schema');
  });
});

describe('ToolOutputValidator: dialects', () => {
  // dependentRequired is a 2019-09+ keyword: applied by 2020-12, ignored by draft-07.
  const dependent = { type: 'object', dependentRequired: { card: ['billing'] } };

  it('uses JSON Schema 2020-12 when $schema is absent', async () => {
    const validator = validatorFor(dependent);
    await toolOutputError(validator.validate('tool', { structuredContent: { card: 1 } }));
    expect(validator.loadedDialects).toEqual(['2020-12']);
  });

  it('uses 2020-12 when $schema names it', async () => {
    const validator = validatorFor({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      ...dependent,
    });
    await toolOutputError(validator.validate('tool', { structuredContent: { card: 1 } }));
  });

  it.each(['http://json-schema.org/draft-07/schema#', 'http://json-schema.org/draft-07/schema'])(
    'uses draft-07 for $schema %s',
    async ($schema) => {
      const validator = validatorFor({ $schema, ...dependent });
      await validator.validate('tool', { structuredContent: { card: 1 } });
      expect(validator.loadedDialects).toEqual(['draft-07']);

      // Tuple `items` is draft-07 syntax (2020-12 refuses an array there).
      const tuple = validatorFor({ $schema, items: [{ type: 'string' }], additionalItems: false });
      await tuple.validate('tool', { structuredContent: ['a'] });
      const error = await toolOutputError(tuple.validate('tool', { structuredContent: ['a', 1] }));
      expect(error.errors).toMatchObject([{ instancePath: '/1', keyword: 'additionalItems' }]);
      expect(error.message).toContain('/1: Items did not match additional items schema');
    },
  );

  it('ignores the keywords of 2019-09 and later under draft-07', async () => {
    const $schema = 'http://json-schema.org/draft-07/schema#';
    const validator = validatorFor({
      $schema,
      type: 'object',
      properties: { a: { type: 'number' } },
      unevaluatedProperties: false,
      dependentSchemas: { a: false },
      items: [{ type: 'number' }],
    });
    await validator.validate('tool', { structuredContent: { a: 1, b: 2 } });
    // The same keywords apply under 2020-12 (where items must be a single schema).
    const later = validatorFor({
      type: 'object',
      properties: { a: { type: 'number' } },
      unevaluatedProperties: false,
    });
    await toolOutputError(later.validate('tool', { structuredContent: { a: 1, b: 2 } }));
  });

  it('compiles draft-07 tuple syntax only under draft-07', async () => {
    const validator = validatorFor({ items: [{ type: 'string' }] });
    const error = await schemaError(validator.validate('tool', { structuredContent: [] }));
    expect(error.reason).toBe('invalid-schema');
  });

  it.each([
    'http://json-schema.org/draft-04/schema#',
    'https://json-schema.org/draft/2019-09/schema',
    'https://example.com/my-dialect',
    42,
  ])('refuses the unsupported $schema %s, naming the tool and the dialect', async ($schema) => {
    const validator = validatorFor({ $schema, type: 'object' }, 'legacy_tool');
    const error = await schemaError(validator.validate('legacy_tool', { structuredContent: {} }));
    expect(error).toBeInstanceOf(McpLocalError);
    expect(error.code).toBe('INVALID_OUTPUT_SCHEMA');
    expect(error.reason).toBe('unsupported-dialect');
    expect(error.toolName).toBe('legacy_tool');
    expect(error.dialect).toBe($schema);
    expect(error.message).toContain('"legacy_tool"');
    expect(error.message).toContain(typeof $schema === 'string' ? $schema : 'of type number');
    expect(validator.compilations).toBe(0);
  });

  it('maps $schema values to dialects', () => {
    expect(dialectOf(undefined)).toBe('2020-12');
    expect(dialectOf('https://json-schema.org/draft/2020-12/schema#')).toBe('2020-12');
    expect(dialectOf('https://json-schema.org/draft-07/schema#')).toBe('draft-07');
    expect(dialectOf('http://json-schema.org/draft-07/schema##')).toBeUndefined();
    expect(dialectOf('')).toBeUndefined();
    expect(dialectOf(null)).toBeUndefined();
  });
});

describe('ToolOutputValidator: compiled validators are cached', () => {
  it('compiles a tool schema once and reuses it', async () => {
    const validator = validatorFor(weather);
    const content = { temperature: 1, conditions: 'rain' };
    await validator.validate('tool', { structuredContent: content });
    await validator.validate('tool', { structuredContent: content });
    await toolOutputError(validator.validate('tool', { structuredContent: {} }));
    expect(validator.compilations).toBe(1);
  });

  it('compiles once when validations race the first load', async () => {
    const validator = validatorFor(weather);
    const content = { temperature: 1, conditions: 'rain' };
    await Promise.all([
      validator.validate('tool', { structuredContent: content }),
      validator.validate('tool', { structuredContent: content }),
      validator.validate('tool', { structuredContent: content }),
    ]);
    expect(validator.compilations).toBe(1);
  });

  it('does not recompile on an unchanged relisting, whatever the key order', async () => {
    const validator = validatorFor(weather);
    await validator.validate('tool', { structuredContent: { temperature: 1, conditions: 'x' } });
    validator.remember([
      {
        name: 'tool',
        outputSchema: {
          required: ['temperature', 'conditions'],
          properties: { conditions: { type: 'string' }, temperature: { type: 'number' } },
          type: 'object',
        },
      },
    ]);
    await validator.validate('tool', { structuredContent: { temperature: 2, conditions: 'y' } });
    expect(validator.compilations).toBe(1);
  });

  it('recompiles when a relisting changes the schema, and applies the new one', async () => {
    const validator = validatorFor({ type: 'string' });
    await validator.validate('tool', { structuredContent: 'x' });
    validator.remember([{ name: 'tool', outputSchema: { type: 'number' } }]);
    await validator.validate('tool', { structuredContent: 1 });
    await toolOutputError(validator.validate('tool', { structuredContent: 'x' }));
    expect(validator.compilations).toBe(2);
  });

  it('forgets a tool that a relisting omits or lists without outputSchema', async () => {
    const validator = new ToolOutputValidator();
    validator.remember([
      { name: 'a', outputSchema: { type: 'string' } },
      { name: 'b', outputSchema: { type: 'string' } },
    ]);
    await toolOutputError(validator.validate('a', { structuredContent: 1 }));
    validator.remember([{ name: 'b' }]);
    expect(validator.has('a')).toBe(false);
    expect(validator.has('b')).toBe(false);
    await validator.validate('a', { structuredContent: 1 });
    await validator.validate('b', { structuredContent: 1 });
  });

  it('keeps its own copy of the schema', async () => {
    const schema = { type: 'object', properties: { n: { type: 'number' } } };
    const validator = validatorFor(schema);
    schema.properties.n.type = 'string';
    await validator.validate('tool', { structuredContent: { n: 1 } });
    await toolOutputError(validator.validate('tool', { structuredContent: { n: 'one' } }));
  });

  it('does not retry a schema that failed to compile until it changes', async () => {
    const validator = validatorFor({ type: 'strnig' });
    const first = await schemaError(validator.validate('tool', { structuredContent: 'x' }));
    const second = await schemaError(validator.validate('tool', { structuredContent: 'x' }));
    expect(first.reason).toBe('invalid-schema');
    expect(first.message).toContain('cannot be compiled');
    expect(second).not.toBe(first);
    expect(validator.compilations).toBe(1);
    validator.remember([{ name: 'tool', outputSchema: { type: 'string' } }]);
    await validator.validate('tool', { structuredContent: 'x' });
    expect(validator.compilations).toBe(2);
  });

  it('canonicalJson ignores key order but not array order', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] })).toBe('{"a":[2,{"c":4,"d":3}],"b":1}');
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
  });

  it('refuses a schema that is not JSON (a cycle) instead of crashing', async () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic['properties'] = { again: cyclic };
    const validator = validatorFor(cyclic);
    const error = await schemaError(validator.validate('tool', { structuredContent: {} }));
    expect(error.reason).toBe('invalid-schema');
  });
});

describe('ToolOutputValidator: nothing is fetched', () => {
  it.each([
    'https://example.com/schemas/weather.json',
    'http://example.com/schemas/weather.json#/$defs/t',
    'weather.json',
    'urn:example:weather',
  ])('refuses the external $ref %s without fetching it', async (ref) => {
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    const validator = validatorFor(
      { type: 'object', properties: { w: { $ref: ref } } },
      'remote_tool',
    );
    const error = await schemaError(validator.validate('remote_tool', { structuredContent: {} }));
    expect(error.code).toBe('INVALID_OUTPUT_SCHEMA');
    expect(error.reason).toBe('external-ref');
    expect(error.toolName).toBe('remote_tool');
    expect(error.ref).toContain(ref.split('#')[0]);
    expect(error.message).toContain('external $ref');
    expect(error.message).toContain('not fetched');
    expect(error.message).toContain('"remote_tool"');
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('resolves a relative $ref against the root $id, still without fetching', async () => {
    const validator = validatorFor({ $id: 'https://example.com/a.json', $ref: 'b.json' });
    const error = await schemaError(validator.validate('tool', { structuredContent: 1 }));
    expect(error.reason).toBe('external-ref');
    expect(error.ref).toBe('https://example.com/b.json');
  });

  it('reports a dangling local pointer as a broken schema, not an external one', async () => {
    for (const schema of [
      { $ref: '#/$defs/missing' },
      { $id: 'https://example.com/a.json', $ref: '#/$defs/missing' },
    ]) {
      const validator = validatorFor(schema);
      const error = await schemaError(validator.validate('tool', { structuredContent: 1 }));
      expect(error.reason).toBe('invalid-schema');
    }
  });

  it('resolves a $ref to an $id embedded in the same schema', async () => {
    const validator = validatorFor({
      $ref: 'urn:example:name',
      $defs: { name: { $id: 'urn:example:name', type: 'string' } },
    });
    await validator.validate('tool', { structuredContent: 'ok' });
    await toolOutputError(validator.validate('tool', { structuredContent: 1 }));
  });
});

describe('tool-output module', () => {
  it('imports the validator only dynamically and uses no node: modules', () => {
    const source = readFileSync(new URL('../src/protocol/tool-output.ts', import.meta.url), 'utf8');
    const staticImports = source.match(/^import\s(?!type\s).*$/gm) ?? [];
    expect(staticImports.length).toBeGreaterThan(0);
    for (const line of staticImports) {
      expect(line).not.toMatch(/json-schema/);
      expect(line).not.toMatch(/['"]node:/);
    }
    // The validator comes with the module that drives it, loaded on first use.
    expect(source).toContain("import('./output-schema.js')");
    const lazy = readFileSync(new URL('../src/protocol/output-schema.ts', import.meta.url), 'utf8');
    expect(lazy).toContain("from '@cfworker/json-schema'");
    expect(lazy).not.toMatch(/['"]node:/);
  });
});
