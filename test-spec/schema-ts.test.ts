/**
 * Where schema.json is narrower than the normative schema.ts, and what the client does there:
 * - the differences found mechanically (./support/schema-ts.ts) are exactly the ones declared in
 *   ./support/narrower.ts, in every revision (and the mechanical check does find a planted one);
 * - each declared difference, both ways: a value that uses it (a fraction, a `null`) is rejected
 *   by the published schema.json, accepted by schema.json widened at that one position, and
 *   accepted, unchanged, by the client's schema;
 * - docs/negotiation.md lists every one of them.
 * That nothing else differs is agreement.test.ts, which compares every type against schema.json
 * widened by exactly these entries.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REVISIONS, type Revision } from '../src/protocol/revisions.js';
import { schemasFor } from '../src/protocol/schemas/index.js';
import { NARROWER_IN_SCHEMA_JSON, widenedOracle } from './support/narrower.js';
import { get, paths, replaced, sample, type Path } from './support/samples.js';
import { compareWithSchemaTs } from './support/schema-ts.js';
import { isObject, officialSchema, oracle, type Json, type JsonObject } from './support/spec.js';

const declared = (revision: Revision) =>
  Object.entries(NARROWER_IN_SCHEMA_JSON[revision])
    .map(([at, widen]) => ({ at, widen: [...widen].sort() }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));

describe.each(REVISIONS)('%s: schema.json against schema.ts', (revision) => {
  it('differs exactly where declared', () => {
    const { narrowings, positions } = compareWithSchemaTs(revision);
    expect(positions).toBeGreaterThan(300);
    expect(narrowings.map((n) => ({ at: n.at, widen: [...n.widen].sort() }))).toEqual(
      declared(revision),
    );
  });

  it.each(declared(revision).flatMap(({ at, widen }) => widen.map((w) => [at, w] as const)))(
    '%s: %s is rejected by schema.json, accepted by the client',
    (at, widening) => {
      const type = at.split(/[.[]/)[0] as string;
      const value: Json = widening === 'null' ? null : 1.5;
      const published = oracle(revision, false).validator(type);
      const widened = widenedOracle(revision, { [at]: [widening] }).validator(type);
      const schema = schemasFor(revision).types[type];
      if (schema === undefined) throw new Error(`no zod schema for ${type}`);
      // Every position of generated instances, and a new member of every object (a record's
      // values are reached that way), set to the value the difference is about.
      const opened: Json[] = [];
      for (let variant = 0; variant < 3; variant++) {
        const { value: instance, sites } = sample(officialSchema(revision), type, variant, true);
        const targets: Path[] = [
          ...paths(instance),
          ...sites
            .filter((s) => isObject(get(instance, s.path) ?? null))
            .map((s) => [...s.path, 'x-added']),
        ];
        for (const path of targets) {
          const mutated = replaced(instance, path, value);
          if (!published(mutated) && widened(mutated)) opened.push(mutated);
        }
      }
      expect(opened.length).toBeGreaterThan(0);
      for (const message of opened) {
        const parsed = schema.safeParse(message);
        expect(parsed.success, JSON.stringify(message)).toBe(true);
        expect(isDeepStrictEqual(parsed.data, message), JSON.stringify(message)).toBe(true);
      }
    },
  );
});

describe('the mechanical check', () => {
  it('finds a planted narrowing: a lost null, an integer for a number, a wrong type', () => {
    const defs = structuredClone(officialSchema('2025-11-25').defs) as Record<string, JsonObject>;
    const task = defs['Task'] as JsonObject;
    const taskProperties = task['properties'] as Record<string, JsonObject>;
    expect(taskProperties['ttl']?.['type']).toEqual(['integer', 'null']);
    taskProperties['ttl'] = { type: 'integer' };
    const tool = defs['Tool'] as JsonObject;
    (tool['properties'] as Record<string, JsonObject>)['name'] = { type: 'boolean' };
    const found = compareWithSchemaTs('2025-11-25', defs).narrowings;
    expect([...(found.find((n) => n.at === 'Task.ttl')?.widen ?? [])].sort()).toEqual([
      'fraction',
      'null',
    ]);
    expect(found.find((n) => n.at === 'Tool.name')?.widen).toEqual(['other:string']);
  });
});

describe('docs/negotiation.md', () => {
  const doc = readFileSync(new URL('../docs/negotiation.md', import.meta.url), 'utf8');
  const start = doc.indexOf('## Where schema.json is narrower than schema.ts');
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));

  it('lists every declared difference with the revisions it is in', () => {
    expect(start).toBeGreaterThan(0);
    /** `| \`at\` | first – last |` rows: the position and the revisions it holds in. */
    const listed = new Map<string, Set<Revision>>();
    for (const [, at, range] of section.matchAll(/^\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|/gm)) {
      const [first, last = first] = (range as string).trim().split(' – ') as [Revision, Revision?];
      const from = REVISIONS.indexOf(first);
      const to = REVISIONS.indexOf(last);
      expect(from, range).toBeGreaterThanOrEqual(0);
      expect(to, range).toBeGreaterThanOrEqual(from);
      listed.set(at as string, new Set(REVISIONS.slice(from, to + 1)));
    }
    const expected = new Map<string, Set<Revision>>();
    for (const revision of REVISIONS) {
      for (const at of Object.keys(NARROWER_IN_SCHEMA_JSON[revision])) {
        expected.set(at, (expected.get(at) ?? new Set()).add(revision));
      }
    }
    expect(listed).toEqual(expected);
  });
});
