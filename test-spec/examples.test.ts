/**
 * The 129 official example messages of 2026-07-28: each validates against its type with ajv
 * exactly as the specification repository's own validator does, and parses with our zod schema of
 * the same type to an identical value (only members the type does not define are dropped).
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resultSchemaFor, schemasFor } from '../src/protocol/schemas/index.js';
import { examples, isObject, newAjv, officialSchema } from './support/spec.js';

const all = examples();
const official = officialSchema('2026-07-28');
const types = schemasFor('2026-07-28').types;

/** Examples whose parse output differs from the input, with the reason. */
const UNDECLARED: Readonly<Record<string, unknown>> = {
  // `ListRootsRequest` is an input request (no envelope) in 2026; the example has an `id`.
  'ListRootsRequest/list-roots-request.json': { method: 'roots/list' },
  // This result lacks the required `ttlMs`/`cacheScope`, so it is not a `ReadResourceResult`; the
  // official schema accepts it only as an `InputRequiredResult` (whose `resultType` is any
  // string), and that type has no `contents`. resultSchemaFor keeps it whole (see below).
  'ReadResourceResultResponse/read-resource-result-response.json': {
    jsonrpc: '2.0',
    id: 'read-resource-example',
    result: { resultType: 'complete' },
  },
};

describe('2026-07-28 examples', () => {
  it('are the 129 files in 88 type directories', () => {
    expect(all).toHaveLength(129);
    expect(new Set(all.map((e) => e.type)).size).toBe(88);
  });

  it('name official types that all have a zod schema', () => {
    const missing = [...new Set(all.map((e) => e.type))].filter(
      (type) => !(type in official.defs) || !(type in types),
    );
    expect(missing).toEqual([]);
  });

  // As the specification repository validates them: { $schema, $defs, ...$defs[Type] }.
  const ajv = newAjv('2026-07-28', true);
  const dialect = official.json['$schema'];
  if (typeof dialect !== 'string') throw new Error('schema.json has no $schema');
  it.each(all.map((e) => [`${e.type}/${e.file}`, e] as const))('%s', (_name, example) => {
    const validate = ajv.compile({
      $schema: dialect,
      $defs: official.defs,
      ...official.defs[example.type],
    });
    expect(validate(example.value), JSON.stringify(validate.errors)).toBe(true);

    const schema = types[example.type];
    if (!schema) throw new Error(`no zod schema for ${example.type}`);
    const parsed = schema.safeParse(example.value);
    expect(parsed.success, parsed.error?.message).toBe(true);
    const expected = UNDECLARED[`${example.type}/${example.file}`] ?? example.value;
    expect(isDeepStrictEqual(parsed.data, expected)).toBe(true);
    expect(parsed.data).toEqual(expected);
  });

  it('the caching-hint-less resources/read example is a complete result for the client', () => {
    const example = all.find((e) => e.file === 'read-resource-result-response.json');
    const result = isObject(example?.value) ? example.value['result'] : undefined;
    expect(isObject(result) && 'contents' in result && !('ttlMs' in result)).toBe(true);
    const parsed = resultSchemaFor('2026-07-28', 'resources/read')?.safeParse(result);
    expect(parsed?.success).toBe(true);
    expect(parsed?.data).toEqual(result);
  });
});
