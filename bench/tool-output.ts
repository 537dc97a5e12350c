// What checking `structuredContent` against a tool's `outputSchema` costs (src/protocol/tool-output.ts),
// in this process, from cold:
//
// - first call: the first `validate` of a process, loading the validator module, compiling the
//   schema and validating one result;
// - compile: a schema not seen before (the module loaded), compiled and used once; the mean over
//   COMPILE_SCHEMAS schemas that differ only in a description;
// - validate: VALIDATIONS validations of a typical result by the cached validator (after a warm-up
//   of the same count), the mean per validation.
//
// The typical result: a search answer of 20 items (strings, numbers, an enum, `uri` and `date-time`
// formats, a nested object and an array of tags) under a 2020-12 schema with `$defs` and `$ref`.
//
// Usage: npx tsx bench/tool-output.ts [--json]. Run it a few times: the first call is noisy.

import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ToolOutputValidator } from '../src/protocol/tool-output.js';

const VALIDATIONS = 10_000;
const COMPILE_SCHEMAS = 200;

const schema = {
  type: 'object',
  $defs: {
    item: {
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1 },
        title: { type: 'string' },
        url: { type: 'string', format: 'uri' },
        score: { type: 'number', minimum: 0, maximum: 1 },
        kind: { enum: ['page', 'file', 'image'] },
        updated: { type: 'string', format: 'date-time' },
        author: {
          type: 'object',
          properties: { name: { type: 'string' }, id: { type: 'integer' } },
          required: ['name'],
        },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 10 },
      },
      required: ['id', 'title', 'url', 'score', 'kind'],
      additionalProperties: false,
    },
  },
  properties: {
    query: { type: 'string' },
    total: { type: 'integer', minimum: 0 },
    items: { type: 'array', items: { $ref: '#/$defs/item' } },
  },
  required: ['query', 'total', 'items'],
};

const content = {
  query: 'json schema validation',
  total: 20,
  items: Array.from({ length: 20 }, (_, i) => ({
    id: `doc-${i}`,
    title: `Result number ${i}`,
    url: `https://example.com/docs/${i}?q=schema`,
    score: i / 20,
    kind: (['page', 'file', 'image'] as const)[i % 3],
    updated: `2026-07-${String((i % 28) + 1).padStart(2, '0')}T12:00:00Z`,
    author: { name: `Author ${i}`, id: i },
    tags: ['a', 'b', `t${i}`],
  })),
};

async function main(): Promise<void> {
  const validator = new ToolOutputValidator();
  validator.remember([{ name: 'search', outputSchema: schema }]);

  let start = performance.now();
  await validator.validate('search', { structuredContent: content });
  const firstCall = performance.now() - start;

  const tools = Array.from({ length: COMPILE_SCHEMAS }, (_, i) => ({
    name: `search${i}`,
    outputSchema: { ...schema, description: `variant ${i}` },
  }));
  validator.remember(tools);
  start = performance.now();
  for (const tool of tools) await validator.validate(tool.name, { structuredContent: content });
  const compile = (performance.now() - start) / COMPILE_SCHEMAS;

  const result = { structuredContent: content };
  for (let i = 0; i < VALIDATIONS; i++) await validator.validate('search0', result);
  start = performance.now();
  for (let i = 0; i < VALIDATIONS; i++) await validator.validate('search0', result);
  const validate = (performance.now() - start) / VALIDATIONS;

  const figures = { firstCallMs: firstCall, compileMs: compile, validateUs: validate * 1000 };
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(figures));
  } else {
    console.log(
      `${new Date().toISOString().slice(0, 10)}; Node ${process.version}; ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores`,
    );
    console.log(`first call (load, compile, validate): ${firstCall.toFixed(1)} ms`);
    console.log(`compile a new schema and validate once: ${compile.toFixed(3)} ms`);
    console.log(`validate (cached), mean of ${VALIDATIONS}: ${(validate * 1000).toFixed(2)} µs`);
  }
}

await main();
