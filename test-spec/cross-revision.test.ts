/**
 * A message shaped for a later revision, parsed with an older revision's schema, loses exactly
 * the members the older revision does not define, keeps free-form JSON whole, and what remains is
 * valid for the older revision's official schema.
 */
import { describe, expect, it } from 'vitest';
import { REVISIONS, type Revision } from '../src/protocol/revisions.js';
import { schemasFor } from '../src/protocol/schemas/index.js';
import { examples, isObject, officialSchema, oracle, type Json } from './support/spec.js';

function parse(revision: Revision, type: string, value: Json): unknown {
  const schema = schemasFor(revision).types[type];
  if (!schema) throw new Error(`${revision} has no ${type}`);
  return schema.parse(value);
}

const byFile = (file: string): Json => {
  const found = examples().find((e) => e.file === file);
  if (!found) throw new Error(`no example ${file}`);
  return found.value;
};

describe('fields of later revisions are dropped by older schemas', () => {
  it('2026 ListToolsResult on 2025-11-25: caching hints and resultType dropped, inputSchema kept', () => {
    const listed = byFile('tools-list-with-cursor-and-ttl.json');
    const out = parse('2025-11-25', 'ListToolsResult', listed);
    expect(out).not.toHaveProperty('ttlMs');
    expect(out).not.toHaveProperty('cacheScope');
    expect(out).not.toHaveProperty('resultType');
    expect(out).toHaveProperty('nextCursor', 'next-page-cursor');
    expect(out).toHaveProperty('tools.0.inputSchema', {
      type: 'object',
      properties: { location: { type: 'string', description: 'City name or zip code' } },
      required: ['location'],
    });
    expect(out).toHaveProperty('tools.0.icons.0.sizes', ['48x48']);
    expect(oracle('2025-11-25').validate('ListToolsResult', out)).toBe(true);
    // The same result on 2026 keeps them.
    expect(parse('2026-07-28', 'ListToolsResult', listed)).toEqual(listed);
  });

  it('a 2025-06-18 Tool on 2024-11-05: title, outputSchema, annotations, _meta dropped', () => {
    const tool = {
      name: 'get_weather',
      title: 'Weather',
      description: 'Current weather',
      inputSchema: {
        type: 'object',
        properties: { city: { type: 'string', minLength: 1 } },
        required: ['city'],
        additionalProperties: false,
        $defs: { unit: { enum: ['C', 'F'] } },
      },
      outputSchema: { type: 'object', properties: { t: { type: 'number' } } },
      annotations: { readOnlyHint: true },
      _meta: { 'com.example/x': 1 },
    };
    expect(oracle('2025-06-18').validate('Tool', tool)).toBe(true);
    expect(parse('2025-06-18', 'Tool', tool)).toEqual(tool);
    const out = parse('2024-11-05', 'Tool', tool);
    expect(out).toEqual({
      name: 'get_weather',
      description: 'Current weather',
      inputSchema: tool.inputSchema,
    });
    expect(oracle('2024-11-05').validate('Tool', out)).toBe(true);
  });

  it('2026 composition keywords in inputSchema survive an older revision', () => {
    const tool = byFile('tool-with-composition-input-schema.json');
    const out = parse('2025-11-25', 'Tool', tool);
    expect(out).toHaveProperty('inputSchema', isObject(tool) ? tool['inputSchema'] : undefined);
  });

  it('2025-11-25 Implementation on 2025-03-26: title, icons, websiteUrl, description dropped', () => {
    const info = {
      name: 'server',
      version: '1.0.0',
      title: 'Server',
      description: 'An example',
      websiteUrl: 'https://example.com',
      icons: [{ src: 'https://example.com/i.png' }],
    };
    expect(parse('2025-11-25', 'Implementation', info)).toEqual(info);
    expect(parse('2025-06-18', 'Implementation', info)).toEqual({
      name: 'server',
      version: '1.0.0',
      title: 'Server',
    });
    expect(parse('2025-03-26', 'Implementation', info)).toEqual({
      name: 'server',
      version: '1.0.0',
    });
  });

  it('2026 DiscoverResult capabilities on 2025-11-25: extensions dropped, experimental kept', () => {
    const caps = {
      tools: { listChanged: true },
      experimental: { 'com.example/x': { level: 2, names: ['a'] } },
      extensions: { 'io.modelcontextprotocol/tasks': {} },
    };
    expect(parse('2025-11-25', 'ServerCapabilities', caps)).toEqual({
      tools: { listChanged: true },
      experimental: caps.experimental,
    });
  });

  describe.each(REVISIONS.filter((r) => r !== '2026-07-28'))('2026 examples on %s', (revision) => {
    const defs = officialSchema(revision).defs;
    const shared = examples().filter((e) => e.type in defs);
    it.each(shared.map((e) => [`${e.type}/${e.file}`, e] as const))('%s', (_name, example) => {
      const schema = schemasFor(revision).types[example.type];
      if (!schema) throw new Error(`${revision} has no ${example.type}`);
      const validate = oracle(revision).validator(example.type);
      const parsed = schema.safeParse(example.value);
      // Our older schema accepts an example exactly when the older official schema does …
      expect(parsed.success).toBe(validate(example.value));
      // … and what it outputs is valid for that revision.
      if (parsed.success) expect(validate(parsed.data)).toBe(true);
    });
  });
});
