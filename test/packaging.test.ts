import { readFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  name: string;
  type: string;
  sideEffects: boolean;
  engines: { node: string };
  exports: Record<string, string | Record<string, string>>;
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The module specifiers a source file loads at import time (`static`), or lazily with `import()`. */
function specifiers(file: string, kind: 'static' | 'dynamic'): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  if (kind === 'dynamic') {
    for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
    return out;
  }
  for (const m of text.matchAll(/^(import|export)\s([^;]*?)\sfrom\s*['"]([^'"]+)['"]/gms)) {
    // `import type` and `export type` load nothing at run time.
    if ((m[2] as string).startsWith('type ')) continue;
    out.push(m[3] as string);
  }
  return out;
}

/**
 * Walks the relative import graph from an entry; returns every bare specifier reached, by file.
 * `static`: what importing the entry loads; `all`: that plus everything it loads lazily.
 */
function graph(entry: string, reach: 'static' | 'all' = 'static'): Map<string, string[]> {
  const bare = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const specs = [
      ...specifiers(file, 'static'),
      ...(reach === 'all' ? specifiers(file, 'dynamic') : []),
    ];
    for (const spec of specs) {
      if (spec.startsWith('.')) {
        visit(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      } else {
        bare.set(spec, [...(bare.get(spec) ?? []), path.relative(root, file)]);
      }
    }
  };
  visit(path.join(root, entry));
  return bare;
}

describe('packaging', () => {
  it('keeps the root entry runtime-neutral: no Node built-in anywhere in its import graph', () => {
    const all = graph('src/index.ts', 'all');
    expect([...all.keys()].filter((s) => builtins.has(s))).toEqual([]);
    // zod, the JSON Schema validator, eventsource-parser and oauth4webapi load lazily (on first
    // connect, on the first output schema, on the first SSE answer, on the first authorization),
    // keeping import cheap.
    expect([...graph('src/index.ts').keys()].sort()).toEqual(['xstate']);
    expect([...all.keys()].sort()).toEqual([
      '@cfworker/json-schema',
      'eventsource-parser',
      'oauth4webapi',
      'xstate',
      'zod/mini',
      'zod/v4/core',
      // One locale, not `zod/locales` (every locale); the bundle then takes only what it uses.
      'zod/v4/locales/en.js',
    ]);
  });

  it('keeps the AI SDK bridge apart: only mcp-actors/ai-sdk loads `ai`, an optional peer', () => {
    // The root entry never reaches it, eagerly or lazily.
    expect([...graph('src/index.ts', 'all').keys()]).not.toContain('ai');
    // The bridge loads `ai` and nothing else outside the project: the session and the group come
    // in as types only, so the entry adds no second copy of the engine.
    expect([...graph('src/ai-sdk/index.ts', 'all').keys()]).toEqual(['ai']);
    const manifest = pkg as typeof pkg & {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
      devDependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    expect(manifest.peerDependencies).toEqual({ ai: '^6.0.0' });
    expect(manifest.peerDependenciesMeta).toEqual({ ai: { optional: true } });
    // The build bundles the entry and leaves `ai` to the user's install.
    expect(manifest.scripts['build:bundle']).toMatch(/ src\/ai-sdk\/index\.ts .*--external:ai /);
    // The version the tests run against is one the range admits.
    const installed = JSON.parse(
      readFileSync(path.join(root, 'node_modules/ai/package.json'), 'utf8'),
    ) as { version: string };
    expect(installed.version).toMatch(/^6\./);
  });

  it('keeps machines/ free of node: imports and of I/O', () => {
    const reached = graph('machines/index.ts');
    expect([...reached.keys()].filter((s) => builtins.has(s))).toEqual([]);
    expect([...reached.keys()]).toEqual(['xstate']);
  });

  it('the import graph walk does find Node built-ins and lazy imports where they are', () => {
    // This test file loads node:fs at run time; the tool-output module loads its validator lazily.
    expect([...graph('test/packaging.test.ts').keys()]).toContain('node:fs');
    const validator = '@cfworker/json-schema';
    expect([...graph('src/protocol/tool-output.ts').keys()]).not.toContain(validator);
    expect([...graph('src/protocol/tool-output.ts', 'all').keys()]).toContain(validator);
  });

  it('pins the export map: types first, each target built from a source file that exists', () => {
    expect(pkg.name).toBe('mcp-actors');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe('>=20');
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './ai-sdk',
      './machines',
      './node',
      './package.json',
      './testing',
    ]);
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target)[0], subpath).toBe('types');
      // Code ships bundled (dist/bundle/<source>.js), types as tsc writes them (dist/<source>.d.ts).
      const source = (target.default as string)
        .replace(/^\.\/dist\/bundle\//, '')
        .replace(/\.js$/, '.ts');
      expect(existsSync(path.join(root, source)), `${subpath} → ${source}`).toBe(true);
      expect(target.types).toBe(`./dist/${source.replace(/\.ts$/, '.d.ts')}`);
    }
  });
});
