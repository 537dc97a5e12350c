import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ICruiseResult, IViolation } from 'dependency-cruiser';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(root, 'test/fixtures/dependency-rules');
const depcruise = path.join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
const config = path.join(root, '.dependency-cruiser.cjs');
const scripts = (
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  }
).scripts;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs dependency-cruiser with the project's configuration on `targets`, from `cwd`. */
async function cruise(targets: readonly string[], cwd: string): Promise<ICruiseResult> {
  const out = await run([depcruise, '--config', config, '--output-type', 'json', ...targets], cwd);
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as ICruiseResult;
}

/** One violation as `rule: from → to`, a cycle as its modules from the first in name order. */
function describeViolation(v: IViolation): string {
  if (v.cycle === undefined || v.cycle.length === 0) return `${v.rule.name}: ${v.from} → ${v.to}`;
  const ring = v.cycle.map((c) => c.name);
  const first = ring.indexOf([...ring].sort()[0] as string);
  const from = [...ring.slice(first), ...ring.slice(0, first)];
  return `${v.rule.name}: ${[...from, from[0]].join(' → ')}`;
}

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith('.d.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

describe('dependency rules (.dependency-cruiser.cjs)', () => {
  it('reports each broken rule of a fixture tree by its name', async () => {
    const result = await cruise(['src', 'machines', 'test'], fixture);
    expect(result.summary.violations.map(describeViolation).sort()).toEqual(
      [
        // A cycle, and a cycle through type-only imports (tsPreCompilationDeps).
        'no-circular: src/core/dispatcher.ts → src/session/session.ts → src/core/dispatcher.ts',
        'no-circular: src/core/actors.ts → src/core/dispatcher.ts → src/core/actors.ts',
        // The core imports the session; a transport imports the session.
        'layer-core: src/core/dispatcher.ts → src/session/session.ts',
        'layer-transports: src/transports/http.ts → src/session/session.ts',
        // A statechart imports src/.
        'machines-import-no-src: machines/machine.ts → src/wire/frame.ts',
        // A Node built-in outside src/node/ (src/node/stdio.ts imports one and is not reported).
        'node-builtins-only-in-node-and-cli: src/wire/frame.ts → os',
        // Library code imports a test helper.
        'library-not-tests-or-scripts: src/core/clock.ts → test/clock.ts',
      ].sort(),
    );
    expect(result.summary.error).toBe(7);
  }, 120_000);

  it('loads on the real tree, covers every module of src/ and machines/, and finds no violation', async () => {
    // What `npm run lint` runs (lint:deps), with the JSON reporter.
    const [command, ...args] = (scripts['lint:deps'] as string).split(' ');
    expect(command).toBe('depcruise');
    expect(args.slice(0, 2)).toEqual(['--config', '.dependency-cruiser.cjs']);
    const targets = args.slice(2);
    expect(targets).toEqual(expect.arrayContaining(['src', 'machines', 'test', 'scripts']));
    expect(scripts['lint']).toMatch(/^eslint \. && npm run lint:deps\b.* && npm run lint:size\b/);

    const result = await cruise(targets, root);
    expect(result.summary.ruleSetUsed?.forbidden?.map((r) => r.name)).toEqual([
      'no-circular',
      'machines-import-no-src',
      'layer-errors',
      'layer-protocol',
      'layer-wire',
      'layer-core',
      'layer-auth',
      'layer-transports',
      'layer-session',
      'layer-group',
      'layer-inspector',
      'layer-testing',
      'layer-node',
      'layer-ai-sdk',
      'layer-cli',
      'layer-root-entry',
      'src-folders-known',
      'node-builtins-only-in-node-and-cli',
      'library-not-tests-or-scripts',
      'not-to-unresolvable',
    ]);
    expect(result.summary.optionsUsed.tsPreCompilationDeps).toBe(true);

    const cruised = new Set(result.modules.map((m) => m.source));
    const library = [...sources('src'), ...sources('machines')];
    expect(library.length).toBeGreaterThan(80);
    expect(library.filter((f) => !cruised.has(f))).toEqual([]);
    expect([...cruised].filter((f) => f.startsWith('test/fixtures/'))).toEqual([]);

    expect(result.summary.violations.map(describeViolation)).toEqual([]);
  }, 240_000);
});

describe('size limits (scripts/check-size.ts)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mcp-actors-size-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A module of `lines` lines (more than 500) holding one function of 90 lines. */
  const oversize = (firstComment: string): string => {
    const body = Array.from({ length: 86 }, (_, i) => `  total += ${i};`);
    const fn = ['export function long(): number {', '  let total = 0;', ...body, '  return total;'];
    const table = Array.from({ length: 450 }, (_, i) => `export const entry${i} = ${i};`);
    return [firstComment, ...fn, '}', ...table, ''].join('\n');
  };
  const checkSize = (file: string): Promise<Run> =>
    run(['--import', 'tsx', path.join(root, 'scripts/check-size.ts'), file], root);

  it('fails on a file over 500 lines with a function over 80', async () => {
    const file = path.join(dir, 'oversize.ts');
    writeFileSync(file, oversize('/** A module that does too much. */'));
    const out = await checkSize(file);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/oversize\.ts: 5\d\d lines \(limit 500\)/);
    expect(out.stdout).toMatch(/oversize\.ts:2 long: 90 lines \(limit 80\)/);
  }, 120_000);

  it('passes the same file when its first comment has a Size: paragraph', async () => {
    const file = path.join(dir, 'excused.ts');
    writeFileSync(
      file,
      oversize(
        ['/**', ' * A table of entries.', ' *', ' * Size: one entry a line.', ' */'].join('\n'),
      ),
    );
    const out = await checkSize(file);
    expect(out).toMatchObject({ code: 0, stdout: '' });
  }, 120_000);
});
