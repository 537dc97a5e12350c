/**
 * The output-schema validator over the official 2026-07-28 schema (JSON Schema 2020-12, 155
 * `$defs` referring to each other): every official example validates against its type, taken as a
 * tool's `outputSchema` the way the specification repository validates them
 * (`{ $schema, $defs, ...$defs[Type] }`), and removing a required member is refused exactly when
 * ajv refuses it.
 */
import { describe, expect, it } from 'vitest';
import { InvalidToolOutputError, ToolOutputValidator } from '../src/protocol/tool-output.js';
import { examples, isObject, newAjv, officialSchema } from './support/spec.js';

const all = examples();
const official = officialSchema('2026-07-28');
const dialect = official.json['$schema'];
if (typeof dialect !== 'string') throw new Error('schema.json has no $schema');

describe('output schemas: the official 2026-07-28 schema and examples', () => {
  const validator = new ToolOutputValidator();
  const types = [...new Set(all.map((e) => e.type))];
  validator.remember(
    types.map((type) => ({
      name: type,
      outputSchema: { $schema: dialect, $defs: official.defs, ...official.defs[type] },
    })),
  );
  const ajv = newAjv('2026-07-28', false);

  it.each(all.map((e) => [`${e.type}/${e.file}`, e] as const))('%s', async (_name, example) => {
    await expect(
      validator.validate(example.type, { structuredContent: example.value }),
    ).resolves.toBeUndefined();

    const schema = official.defs[example.type];
    const required =
      isObject(schema) && Array.isArray(schema['required']) ? schema['required'] : [];
    if (!isObject(example.value)) return;
    const byAjv = ajv.compile({ $schema: dialect, $defs: official.defs, ...schema });
    for (const member of required) {
      if (typeof member !== 'string') continue;
      const without = { ...example.value };
      delete without[member];
      const ours = await validator.validate(example.type, { structuredContent: without }).then(
        () => true,
        (error: unknown) => {
          expect(error).toBeInstanceOf(InvalidToolOutputError);
          return false;
        },
      );
      expect(ours, `without ${member}`).toBe(byAjv(without));
    }
  });

  it('prepared each type once', () => {
    expect(validator.compilations).toBe(types.length);
  });
});
