/**
 * The package as a user gets it: `npm pack` (which builds, through `prepack`) in a copy of the
 * sources, the tarball installed into a fresh project with `--engine-strict` on this Node, offline
 * (the dependencies come from the npm cache, pinned by this repository's lock file), then the
 * consumer fixture (test/fixtures/consumer) type-checked with `moduleResolution` `nodenext`,
 * `bundler` and `node10`, compiled or bundled, and run against a real server over stdio.
 *
 * One pack for the whole file: the build runs in a temporary copy, so the other test files
 * (which read `dist/inspector`) never see this one rebuild `dist/`.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import ts from 'typescript';
import { getSimplePaths } from 'xstate/graph';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberDocs, REVISION_DOCS } from './support/type-docs.js';
import { serverEverything } from './support/servers.js';
import { connectionMachine } from '../machines/connection.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixture = path.join(root, 'test/fixtures/consumer');

interface PackageJson {
  version: string;
  license: string;
  engines: { node: string };
  types: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
}
interface LockEntry {
  dev?: boolean;
  devOptional?: boolean;
}
interface PackResult {
  filename: string;
  integrity: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;

/** What `npm pack` needs of the sources: what the build reads and what the package ships. */
const SOURCES = [
  'package.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'README.md',
  'LICENSE',
  'bin',
  'docs',
  'examples',
  'machines',
  'src',
];

let tmp = '';
let consumer = '';
let packed: PackResult;
let shipped: Set<string>;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mcp-actors-package-'));
  const copy = path.join(tmp, 'source');
  for (const entry of SOURCES)
    cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], {
    cwd: copy,
    maxBuffer: 64 * 1024 * 1024,
  });
  [packed] = JSON.parse(stdout) as [PackResult];
  shipped = new Set(packed.files.map((f) => f.path));

  // A fresh project that depends on the tarball. Its lock file pins the package's dependencies
  // as this repository's lock does (they are in the npm cache after `npm ci`), so it installs
  // offline, and `--engine-strict` fails if any of them does not support this Node.
  consumer = path.join(tmp, 'consumer');
  mkdirSync(consumer);
  cpSync(fixture, consumer, { recursive: true });
  const spec = `file:../${packed.filename}`;
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const runtime = Object.entries(lock.packages).filter(
    ([key, entry]) => key !== '' && entry.dev !== true && entry.devOptional !== true,
  );
  const manifest = {
    name: 'consumer',
    private: true,
    type: 'module',
    dependencies: { 'mcp-actors': spec },
  };
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(
    path.join(consumer, 'package-lock.json'),
    JSON.stringify({
      name: 'consumer',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'consumer', dependencies: manifest.dependencies },
        'node_modules/mcp-actors': {
          version: pkg.version,
          resolved: spec,
          integrity: packed.integrity,
          license: pkg.license,
          dependencies: pkg.dependencies,
          bin: pkg.bin,
          engines: pkg.engines,
        },
        ...Object.fromEntries(runtime),
      },
    }),
  );
  await run('npm', ['ci', '--offline', '--engine-strict', '--no-audit', '--no-fund'], {
    cwd: consumer,
  });
}, 400_000);

afterAll(() => {
  if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
});

/**
 * Type-checks `files` of the consumer with `options` and the consumer's and mcp-actors'
 * declaration files strictly (the other packages' own declaration files are theirs to check).
 * Returns the errors as `file: TS<code>: message`.
 */
function typeCheck(
  files: readonly string[],
  options: ts.CompilerOptions,
): { program: ts.Program; errors: string[] } {
  const program = ts.createProgram(
    files.map((f) => path.join(consumer, f)),
    {
      strict: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: true,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      typeRoots: [path.join(root, 'node_modules/@types')],
      skipLibCheck: false,
      ...options,
    },
  );
  const ours = path.join(consumer, 'node_modules/mcp-actors') + path.sep;
  const checked = program
    .getSourceFiles()
    .filter((sf) => !sf.fileName.includes('/node_modules/') || sf.fileName.startsWith(ours));
  const errors = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...checked.flatMap((sf) => [
      ...program.getSyntacticDiagnostics(sf),
      ...program.getSemanticDiagnostics(sf),
    ]),
  ].map(
    (d) =>
      `${d.file === undefined ? '' : `${path.relative(consumer, d.file.fileName)}: `}TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
  );
  // The package's own declaration files are among those checked.
  expect(
    checked.some((sf) => sf.fileName === path.join(ours, 'dist/src/protocol/types.d.ts')),
  ).toBe(true);
  return { program, errors };
}

/** The JSON line the consumer's main program prints, run with `node` from the consumer. */
async function runMain(script: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [script, serverEverything], { cwd: consumer });
  return JSON.parse(stdout.trim());
}

const EXPECTED_MAIN = {
  stdio: { server: expect.stringMatching(/everything/), hasEcho: true, text: ['Echo: hi'] },
  memory: {
    protocolVersion: '2025-11-25',
    tools: ['echo'],
    text: ['echo: {"message":"hi"}'],
    sampled: 'stand-in',
    asked: [10],
  },
  // The consumer's model check of the packed machine, with its own xstate, finds the paths the
  // source machine has.
  machine: {
    id: 'connection',
    paths: getSimplePaths(connectionMachine, {
      input: { mode: 'legacy' },
      events: [{ type: 'connect' }, { type: 'close' }, { type: 'transportClosed' }] as never,
      serializeState: (snapshot) => JSON.stringify((snapshot as { value: unknown }).value),
    }).length,
  },
};

describe('the packed package', () => {
  it('ships one copy of the JavaScript (the bundle), its declaration files, LICENSE and README', () => {
    for (const file of ['LICENSE', 'README.md', 'package.json', 'bin/mcp-actors.js']) {
      expect(shipped, file).toContain(file);
    }
    const js = [...shipped].filter((f) => /\.(c|m)?js$/.test(f));
    expect(js.filter((f) => !/^(dist\/bundle\/|dist\/inspector\/page\.js$|bin\/)/.test(f))).toEqual(
      [],
    );
    expect([...shipped].filter((f) => f.endsWith('.map'))).toEqual([]);
    expect([...shipped].filter((f) => f.startsWith('dist/src/cli/'))).toEqual([]);
    // Every entry point: its code and its types; and the top-level types for older resolvers.
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const file of files)
        expect(shipped, `${subpath}: ${file}`).toContain(file.replace(/^\.\//, ''));
    }
    expect(pkg.types).toBe('./dist/src/index.d.ts');
    expect(shipped).toContain('dist/src/index.d.ts');
    // Shipping the JavaScript twice (tsc's output beside the bundle) adds 0.6 MB or more. The
    // library is about 2.31 MB: declaration files 1.07 MB (the zod schemas' 0.60 MB of it), the
    // bundle 0.86 MB (xstate's ES module build, about 0.13 MB, is in it), the docs' text 0.33 MB.
    // The inspector page (its layout engine, ELK, is 1.5 MB of it) and the pictures of the docs
    // are counted apart.
    const apart = (f: { path: string }) =>
      f.path === 'dist/inspector/page.js' || f.path.endsWith('.png');
    const library = packed.files.filter((f) => !apart(f)).reduce((sum, f) => sum + f.size, 0);
    expect(library).toBeLessThan(2_400_000);
    const page = packed.files.find((f) => f.path === 'dist/inspector/page.js');
    expect(page?.size).toBeLessThan(2_000_000);
  });

  it("runs the session on its own bundled xstate; mcp-actors/machines uses the application's", () => {
    const bundle = path.join(consumer, 'node_modules/mcp-actors/dist/bundle');
    const files = readdirSync(bundle, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.js'),
    );
    const importsXstate = (f: string) =>
      /(from|import\()\s*["']xstate["']/.test(readFileSync(path.join(bundle, f), 'utf8'));
    expect(files.filter(importsXstate)).toEqual(['machines/index.js']);
    // The bundled copy is xstate's ES module build, not its CommonJS one.
    const chunks = files.map((f) => readFileSync(path.join(bundle, f), 'utf8')).join('\n');
    expect(chunks).toMatch(/node_modules\/xstate\/dist\/xstate\.esm\.js/);
    expect(chunks).not.toMatch(/node_modules\/xstate\/dist\/[^ ]*\.cjs\.js/);
  });

  it("README's relative links lead to files in the package", () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    const relative = links.filter((link) => !/^[a-z]+:/i.test(link) && !link.startsWith('#'));
    expect(relative.length).toBeGreaterThan(10);
    const missing = relative.filter((link) => {
      const target = path.posix.normalize(link.replace(/#.*$/, '')).replace(/\/$/, '');
      return !shipped.has(target) && ![...shipped].some((f) => f.startsWith(`${target}/`));
    });
    expect(missing).toEqual([]);
  });

  it('installed with --engine-strict on this Node: every dependency supports it', async () => {
    // `npm ci --engine-strict` (in beforeAll) fails on any package whose engines exclude this Node.
    const installed = JSON.parse(
      readFileSync(path.join(consumer, 'node_modules/mcp-actors/package.json'), 'utf8'),
    ) as PackageJson;
    expect(installed.engines).toEqual({ node: '>=20' });
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
    const parser = JSON.parse(
      readFileSync(path.join(consumer, 'node_modules/eventsource-parser/package.json'), 'utf8'),
    ) as { engines: { node: string } };
    expect(parser.engines.node).toBe('>=18.0.0');
    // The same install fails where a dependency asks for a newer Node, as eventsource-parser 4
    // does (>=22.12).
    const control = path.join(tmp, 'engine-control');
    mkdirSync(control);
    cpSync(path.join(consumer, 'package.json'), path.join(control, 'package.json'));
    const lock = JSON.parse(readFileSync(path.join(consumer, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { engines?: Record<string, string> }>;
    };
    const entry = lock.packages['node_modules/eventsource-parser'];
    if (entry === undefined) throw new Error('eventsource-parser is not in the lock file');
    entry.engines = { node: '>=22.12' };
    writeFileSync(path.join(control, 'package-lock.json'), JSON.stringify(lock));
    await expect(
      run('npm', ['ci', '--offline', '--engine-strict', '--no-audit', '--no-fund'], {
        cwd: control,
      }),
    ).rejects.toMatchObject({
      stderr: expect.stringMatching(/EBADENGINE[\s\S]*eventsource-parser/),
    });
  }, 60_000);

  it('type-checks and runs a consumer with moduleResolution nodenext (ESM, and CommonJS via import())', async () => {
    const outDir = path.join(consumer, 'out');
    writeFileSync(
      path.join(consumer, 'wrong.ts'),
      "import type { Tool } from 'mcp-actors';\nexport const name: number = ({} as Tool).name;\n",
    );
    const { program, errors } = typeCheck(['types.ts', 'main.ts', 'commonjs.cts', 'wrong.ts'], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      outDir,
    });
    // The check can fail: wrong.ts misuses a type.
    expect(errors).toEqual([
      expect.stringMatching(/^wrong\.ts: TS2322: Type 'string' is not assignable to type 'number'/),
    ]);
    const emitted = program.emit();
    expect(emitted.emitSkipped).toBe(false);
    await expect(runMain(path.join(outDir, 'main.js'))).resolves.toEqual(EXPECTED_MAIN);
    const { stdout } = await run(process.execPath, [path.join(outDir, 'commonjs.cjs')], {
      cwd: consumer,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ commonjs: true, server: 'scripted' });
  }, 180_000);

  it('type-checks and runs a consumer with moduleResolution bundler, bundled by esbuild', async () => {
    const { errors } = typeCheck(['types.ts', 'main.ts'], {
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      noEmit: true,
    });
    expect(errors).toEqual([]);
    const outfile = path.join(consumer, 'bundled/main.mjs');
    await esbuild.build({
      entryPoints: [path.join(consumer, 'main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile,
      logLevel: 'silent',
      // ws loads these optional native helpers in a try/catch.
      external: ['bufferutil', 'utf-8-validate'],
    });
    await expect(runMain(outfile)).resolves.toEqual(EXPECTED_MAIN);
  }, 180_000);

  it('keeps the documentation of the members whose revisions differ', () => {
    const docs = memberDocs(path.join(consumer, 'types.ts'), Object.keys(REVISION_DOCS), {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      strict: true,
      types: [],
    });
    for (const [member, said] of Object.entries(REVISION_DOCS)) {
      expect(docs[member], member).toMatch(said);
    }
  }, 120_000);

  it('has top-level types for a resolver that knows no exports (node10)', () => {
    const { errors } = typeCheck(['legacy.ts'], {
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      esModuleInterop: true,
      noEmit: true,
    });
    expect(errors).toEqual([]);
  }, 120_000);

  it('mcp-actors/ai-sdk: `ai` is an optional peer, left out of the bundle; with it installed, a session bridges', async () => {
    const installed = path.join(consumer, 'node_modules/mcp-actors');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional?: boolean }>;
    };
    expect(manifest.peerDependencies).toEqual({ ai: '^6.0.0' });
    expect(manifest.peerDependenciesMeta).toEqual({ ai: { optional: true } });
    // npm leaves an optional peer out; the bundle imports `ai` rather than carrying a copy.
    expect(existsSync(path.join(consumer, 'node_modules/ai'))).toBe(false);
    const bundle = readFileSync(path.join(installed, 'dist/bundle/src/ai-sdk/index.js'), 'utf8');
    expect(bundle).toMatch(/from\s*"ai"/);
    expect(bundle).not.toMatch(/function dynamicTool/);
    // Without `ai`, the root entry loads and the bridge fails naming what is missing.
    const probe = path.join(consumer, 'probe-ai-sdk.mjs');
    writeFileSync(
      probe,
      "await import('mcp-actors');\n" +
        "await import('mcp-actors/ai-sdk').then(() => console.log('loaded'), (e) => console.log(e.code, e.message.includes(\"'ai'\")));\n",
    );
    const without = await run(process.execPath, [probe], { cwd: consumer });
    expect(without.stdout.trim()).toBe('ERR_MODULE_NOT_FOUND true');
    // With `ai` installed (this repository's copy), a typed program bridges a real server's tool.
    symlinkSync(path.join(root, 'node_modules/ai'), path.join(consumer, 'node_modules/ai'), 'dir');
    try {
      const outDir = path.join(consumer, 'out-ai-sdk');
      const { program, errors } = typeCheck(['ai-sdk.ts'], {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        outDir,
      });
      expect(errors).toEqual([]);
      expect(program.emit().emitSkipped).toBe(false);
      await expect(runMain(path.join(outDir, 'ai-sdk.js'))).resolves.toEqual({
        tools: ['echo'],
        model: { type: 'text', value: 'Echo: hi' },
      });
    } finally {
      rmSync(path.join(consumer, 'node_modules/ai'));
    }
  }, 180_000);

  it('can be loaded with require() in CommonJS on Node 20.19 and later', async () => {
    const script = path.join(consumer, 'required.cjs');
    writeFileSync(
      script,
      "const { createClientSession } = require('mcp-actors');\n" +
        "const { createStdioTransport } = require('mcp-actors/node');\n" +
        'console.log(typeof createClientSession, typeof createStdioTransport);\n',
    );
    const { stdout } = await run(process.execPath, [script], { cwd: consumer });
    expect(stdout.trim()).toBe('function function');
  });
});
