/**
 * Our zod schemas against the official JSON Schemas, type by type, for all five revisions. The
 * JSON Schemas are the published ones widened where they are narrower than the normative schema.ts
 * (declared in ./support/narrower.ts, checked in schema-ts.test.ts), so that nothing else differs:
 * - the type names are exactly the official `definitions`/`$defs` keys;
 * - instances generated from the official schema (several branch choices, minimal and maximal)
 *   parse, and parse to themselves (no declared member is lost);
 * - every single-point mutation of a maximal instance (member removed, or replaced by a value of
 *   another JSON type) is accepted by zod exactly when ajv accepts it;
 * - an unknown member added to any object is kept exactly where the official schema sets
 *   `additionalProperties`, and stripped elsewhere, except where we keep free-form JSON on purpose
 *   (`_meta` objects, JSON Schema fragments).
 * `format` is not asserted here (ajv without formats); see deviations.test.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REVISIONS } from '../src/protocol/revisions.js';
import { schemasFor } from '../src/protocol/schemas/index.js';
import { get, paths, REMOVE, replaced, sample, type Path } from './support/samples.js';
import { widenedOracle } from './support/narrower.js';
import { isObject, officialSchema, type Json } from './support/spec.js';

const VARIANTS = 3;
const CANDIDATES: readonly (Json | typeof REMOVE)[] = [
  REMOVE,
  null,
  12345,
  -1,
  1.5,
  'str',
  true,
  [],
  {},
  ['str'],
  { k: 'v' },
];

/** Types that allow every JSON value (2026 `JSONValue`, as schema.ts defines it). */
const ANY_JSON = new Set(['JSONValue']);
/** Types whose instances may keep any member, because one `anyOf` branch is the open `Result`. */
const OPEN_UNIONS = new Set(['ClientResult', 'ServerResult']);
/** JSON Schema fragments: every keyword kept, even where the official schema does not say so. */
const SCHEMA_FRAGMENT =
  /^(StringSchema|NumberSchema|BooleanSchema|PrimitiveSchemaDefinition|.*EnumSchema)$/;
const SCHEMA_MEMBERS = new Set(['inputSchema', 'outputSchema', 'requestedSchema']);

const show = (value: Json | typeof REMOVE) =>
  value === REMOVE ? '<removed>' : JSON.stringify(value);
const startsWith = (path: Path, prefix: Path) => prefix.every((step, i) => path[i] === step);

describe.each(REVISIONS)('%s', (revision) => {
  const official = officialSchema(revision);
  const names = Object.keys(official.defs);
  const types = schemasFor(revision).types;

  it('defines exactly the official type names', () => {
    expect(Object.keys(types).sort()).toEqual([...names].sort());
  });

  it.each(names)('%s agrees with the official schema', (name) => {
    const schema = types[name];
    if (!schema) throw new Error(`no zod schema for ${name}`);
    const validate = widenedOracle(revision).validator(name);
    const disagreements: string[] = [];
    let mutations = 0;
    let rejected = 0;

    for (let variant = 0; variant < VARIANTS; variant++) {
      for (const maximal of [true, false]) {
        const { value, sites } = sample(official, name, variant, maximal);
        const where = `variant ${variant}${maximal ? ' maximal' : ''}`;
        if (!validate(value)) throw new Error(`generator produced an invalid ${name} (${where})`);
        const parsed = schema.safeParse(value);
        if (!parsed.success) {
          disagreements.push(
            `${where}: rejected ${JSON.stringify(value)}: ${parsed.error.message}`,
          );
          continue;
        }
        if (!isDeepStrictEqual(parsed.data, value)) {
          disagreements.push(
            `${where}: ${JSON.stringify(value)} parsed to ${JSON.stringify(parsed.data)}`,
          );
        }

        // Unknown members: kept where the schema is open, stripped elsewhere.
        if (!OPEN_UNIONS.has(name)) {
          const fragments = sites.filter((s) => s.ref !== undefined && SCHEMA_FRAGMENT.test(s.ref));
          for (const s of sites) {
            if (!isObject(get(value, s.path) ?? null)) continue;
            const withExtra = replaced(value, [...s.path, 'xExtra'], 1);
            if (!validate(withExtra)) continue;
            const out = schema.safeParse(withExtra);
            if (!out.success) {
              disagreements.push(`${where}: extra member at ${JSON.stringify(s.path)} rejected`);
              continue;
            }
            const target = get(out.data as Json, s.path);
            const kept = isObject(target) && target['xExtra'] === 1;
            const free =
              s.ref?.endsWith('MetaObject') === true ||
              s.path[s.path.length - 1] === '_meta' ||
              s.path.some((step) => typeof step === 'string' && SCHEMA_MEMBERS.has(step)) ||
              fragments.some((f) => startsWith(s.path, f.path));
            const expected = s.open || free;
            if (kept !== expected) {
              disagreements.push(
                `${where}: extra member at ${JSON.stringify(s.path)} ${kept ? 'kept' : 'stripped'}`,
              );
            }
          }
        }

        if (variant !== 0 && !maximal) continue;
        for (const path of paths(value)) {
          for (const candidate of CANDIDATES) {
            if (candidate === REMOVE && path.length === 0) continue;
            const mutated = replaced(value, path, candidate);
            const byAjv = validate(mutated);
            const byZod = schema.safeParse(mutated).success;
            mutations++;
            if (!byAjv) rejected++;
            if (byAjv !== byZod) {
              disagreements.push(
                `${where}: ${JSON.stringify(path)} := ${show(candidate)}: ajv ${byAjv ? 'accepts' : 'rejects'}, zod ${byZod ? 'accepts' : 'rejects'}`,
              );
            }
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
    // The mutations must actually exercise the schema.
    expect(mutations).toBeGreaterThan(0);
    // …except for a type that allows every JSON value, which must then reject none.
    if (ANY_JSON.has(name)) expect(rejected).toBe(0);
    else if (mutations > CANDIDATES.length) expect(rejected).toBeGreaterThan(0);
  });
});
