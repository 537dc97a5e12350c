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

  it('is smaller than each official client until a tool with an output schema is called', () => {
    for (const official of rows.filter((r) => r !== ours)) {
      expect(ours.first.gzip, official.name).toBeLessThan(official.first.gzip);
      expect(ours.connected.gzip, official.name).toBeLessThan(official.connected.gzip);
      expect(ours.connected.min, official.name).toBeLessThan(official.connected.min);
    }
  });
});
