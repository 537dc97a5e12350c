import { beforeAll, describe, expect, it } from 'vitest';
import { measureBundles, type BundleSizes } from '../bench/bundle-size.js';

/**
 * The browser bundle of the root entry beside the official clients' (bench/bundle-size.ts, the
 * figures of docs/benchmarks.md): a page that imports a session and the Streamable HTTP transport,
 * bundled by esbuild for the browser with its dependencies, minified.
 */

let rows: BundleSizes[] = [];
let ours: BundleSizes;

beforeAll(async () => {
  rows = await measureBundles();
  const found = rows.find((r) => r.name === 'mcp-actors');
  if (found === undefined) throw new Error('mcp-actors was not measured');
  ours = found;
}, 120_000);

describe('the browser bundle of the root entry', () => {
  it('measures the official clients too', () => {
    expect(rows.map((r) => r.name)).toEqual([
      'mcp-actors',
      '@modelcontextprotocol/sdk',
      '@modelcontextprotocol/client',
    ]);
  });

  it('takes zod piecemeal: no translations of its messages', () => {
    // `import { z } from 'zod'` keeps the whole namespace (every locale, the JSON Schema
    // converters); `import * as z` lets the bundler keep what the schemas use.
    const locales = ours.inputs
      .filter((input) => input.includes('/zod/v4/locales/'))
      .map((input) => input.replace(/.*\/locales\//, ''))
      .filter((file) => file !== 'index.js');
    expect(locales).toEqual(['en.js']);
  });

  it('is smaller than each official client in every column, as one file too', () => {
    const columns = ['oneFile', 'first', 'connected', 'outputSchema', 'reachable'] as const;
    const officials = rows.filter((r) => r !== ours);
    expect(officials).toHaveLength(2);
    for (const official of officials) {
      for (const column of columns) {
        const where = `${official.name}, ${column}`;
        expect(ours[column].gzip, where).toBeLessThan(official[column].gzip);
        expect(ours[column].min, where).toBeLessThan(official[column].min);
      }
    }
  });

  it('validates output schemas by interpreting them: no Ajv, no code generation', () => {
    const packages = new Set(
      ours.inputs.map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1]),
    );
    expect(packages).toContain('@cfworker/json-schema');
    expect(packages).not.toContain('ajv');
    expect(packages).not.toContain('ajv-formats');
  });
});
