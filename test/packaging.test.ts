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

/** Every module specifier a source file imports or re-exports (static and dynamic). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g))
    out.push(m[1] as string);
  return out;
}

/** Walks the relative import graph from an entry; returns every bare specifier reached, by file. */
function graph(entry: string): Map<string, string[]> {
  const bare = new Map<string, string[]>();
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of specifiers(file)) {
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
    const reached = graph('src/index.ts');
    const nodeOnly = [...reached.keys()].filter((s) => builtins.has(s));
    expect(nodeOnly).toEqual([]);
    expect([...reached.keys()].sort()).toEqual(['xstate']);
  });

  it('keeps machines/ free of node: imports and of I/O', () => {
    const reached = graph('machines/index.ts');
    expect([...reached.keys()].filter((s) => builtins.has(s))).toEqual([]);
    expect([...reached.keys()]).toEqual(['xstate']);
  });

  it('the import graph walk does find Node built-ins where they are (the node subpath)', () => {
    const reached = graph('src/node/index.ts');
    expect([...reached.keys()].some((s) => builtins.has(s))).toBe(true);
  });

  it('pins the export map: types first, each target built from a source file that exists', () => {
    expect(pkg.name).toBe('mcp-actors');
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.engines.node).toBe('>=20');
    expect(Object.keys(pkg.exports).sort()).toEqual([
      '.',
      './machines',
      './node',
      './package.json',
      './testing',
    ]);
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(Object.keys(target)[0], subpath).toBe('types');
      const source = (target.default as string).replace(/^\.\/dist\//, '').replace(/\.js$/, '.ts');
      expect(existsSync(path.join(root, source)), `${subpath} → ${source}`).toBe(true);
      expect(target.types).toBe((target.default as string).replace(/\.js$/, '.d.ts'));
    }
  });
});
