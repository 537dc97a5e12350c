// Browser bundle size: what a web page that talks to an MCP server over Streamable HTTP carries,
// for mcp-actors and for the official TypeScript SDK clients. Each contender is a consumer that
// imports a session (client) and the Streamable HTTP transport, bundled by esbuild for the browser
// (--bundle --minify --platform=browser --format=esm --target=es2022, its dependencies included),
// two ways:
//
// - one file (no --splitting): everything the consumer can ever run, the lazily loaded parts
//   inlined;
// - split (--splitting), as bundlers build an app with dynamic imports (Vite, Rollup and webpack do
//   by default): the parts loaded with import() come as chunks of their own, fetched when first
//   needed. Reported are the chunks loaded
//     · first: the entry and what it imports statically, before any code runs;
//     · connected: once a session has connected and called tools (for mcp-actors, the protocol
//       schemas, which a session starts loading when it is built, and the SSE parser, loaded with
//       the first streamed answer);
//     · output schema: once a tool with an outputSchema has been called (for mcp-actors, the
//       JSON Schema validator, @cfworker/json-schema, and the code that drives it);
//     · reachable: every chunk the code can load.
//   The official clients import everything statically: their four figures are the same.
//
// Sizes are in bytes: minified, and gzip (level 9) of the minified text; for several chunks, the sum
// over the chunks, each compressed on its own (as a server sends them).
//
// Usage: npm run bench:bundle-size [-- --json]
// mcp-actors is bundled from its source (src/index.ts, what the package's root entry is built
// from); the SDKs from node_modules. A contender that is not installed is left out.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { constants, gzipSync } from 'node:zlib';
import { build, version as esbuildVersion, type Metafile } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/** Minified bytes and the sum of each chunk's gzip, over a set of output chunks. */
export interface Size {
  readonly min: number;
  readonly gzip: number;
  readonly chunks: number;
}

/** The figures of one contender. */
export interface BundleSizes {
  readonly name: string;
  readonly version: string;
  readonly oneFile: Size;
  readonly first: Size;
  readonly connected: Size;
  readonly outputSchema: Size;
  readonly reachable: Size;
  /** The packages that weigh most in the one-file bundle: [package, minified bytes]. */
  readonly heaviest: readonly (readonly [string, number])[];
  /** Every source file with code in the one-file bundle, relative to the repository. */
  readonly inputs: readonly string[];
}

interface Contender {
  readonly name: string;
  readonly source: string;
  /** Source files (substrings of their paths) whose chunks are loaded once connected. */
  readonly connected?: readonly string[];
  /** Source files whose chunks are loaded once a tool with an outputSchema is called. */
  readonly outputSchema?: readonly string[];
}

const CONTENDERS: readonly Contender[] = [
  {
    name: 'mcp-actors',
    source: `export { createClientSession, createStreamableHttpTransport } from 'mcp-actors';`,
    connected: ['src/protocol/schemas/index.ts', 'node_modules/eventsource-parser/'],
    outputSchema: ['src/protocol/output-schema.ts', 'node_modules/@cfworker/json-schema/'],
  },
  {
    name: '@modelcontextprotocol/sdk',
    source: [
      `export { Client } from '@modelcontextprotocol/sdk/client/index.js';`,
      `export { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';`,
    ].join('\n'),
  },
  {
    name: '@modelcontextprotocol/client',
    source: `export { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';`,
  },
];

/**
 * The installed version of a package, or undefined when it is not installed. (Read from its
 * folder: not every package exports its package.json.)
 */
function installed(name: string): string | undefined {
  if (name === 'mcp-actors') {
    return (
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
    ).version;
  }
  for (const dir of require.resolve.paths(name) ?? []) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, name, 'package.json'), 'utf8')) as {
        version: string;
      };
      return pkg.version;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

interface Bundle {
  /** JavaScript output files by their metafile name. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  readonly metafile: Metafile;
}

async function bundle(source: string, splitting: boolean): Promise<Bundle> {
  const outdir = path.join(os.tmpdir(), 'mcp-actors-bundle-size');
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: 'consumer.js', loader: 'js' },
    bundle: true,
    minify: true,
    splitting,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir,
    write: false,
    metafile: true,
    alias: { 'mcp-actors': path.join(root, 'src/index.ts') },
    logLevel: 'error',
  });
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles) {
    if (file.path.endsWith('.js')) files.set(path.relative(root, file.path), file.contents);
  }
  return { files, metafile: result.metafile };
}

const gzip = (bytes: Uint8Array): number =>
  gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;

function sizeOf(b: Bundle, names: Iterable<string>): Size {
  let min = 0;
  let gz = 0;
  let chunks = 0;
  for (const name of names) {
    const contents = b.files.get(name);
    if (contents === undefined) throw new Error(`No output file ${name}`);
    min += contents.length;
    gz += gzip(contents);
    chunks++;
  }
  return { min, gzip: gz, chunks };
}

/** The output chunks `start` loads: itself, what it imports statically, and (if asked) lazily. */
function closure(metafile: Metafile, start: string, dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const imported of metafile.outputs[name]?.imports ?? []) {
      if (imported.kind === 'import-statement' || (dynamic && imported.kind === 'dynamic-import')) {
        visit(imported.path);
      }
    }
  };
  visit(start);
  return seen;
}

/** The chunks loaded once the chunks holding `sources` are, on top of `base`. */
function withSources(b: Bundle, base: Set<string>, sources: readonly string[]): Set<string> {
  const loaded = new Set(base);
  for (const source of sources) {
    const holder = Object.entries(b.metafile.outputs).find(
      ([name, output]) =>
        name.endsWith('.js') && Object.keys(output.inputs).some((input) => input.includes(source)),
    )?.[0];
    if (holder === undefined) throw new Error(`No chunk holds ${source}`);
    for (const name of closure(b.metafile, holder, false)) loaded.add(name);
  }
  return loaded;
}

async function measure(contender: Contender, version: string): Promise<BundleSizes> {
  const one = await bundle(contender.source, false);
  const split = await bundle(contender.source, true);
  const entry = Object.entries(split.metafile.outputs).find(
    ([, output]) => output.entryPoint !== undefined,
  )?.[0];
  if (entry === undefined) throw new Error(`No entry chunk for ${contender.name}`);
  const first = closure(split.metafile, entry, false);
  const connected = withSources(split, first, contender.connected ?? []);
  const outputSchema = withSources(split, connected, contender.outputSchema ?? []);
  const weights = new Map<string, number>();
  const inputs: string[] = [];
  for (const output of Object.values(one.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput > 0) inputs.push(input);
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(own code)';
      weights.set(pkg, (weights.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return {
    name: contender.name,
    version,
    oneFile: sizeOf(one, one.files.keys()),
    first: sizeOf(split, first),
    connected: sizeOf(split, connected),
    outputSchema: sizeOf(split, outputSchema),
    reachable: sizeOf(split, closure(split.metafile, entry, true)),
    heaviest: [...weights].sort((a, b) => b[1] - a[1]).slice(0, 5),
    inputs,
  };
}

/** Bundles and measures every installed contender, mcp-actors first. */
export async function measureBundles(): Promise<BundleSizes[]> {
  const rows: BundleSizes[] = [];
  for (const contender of CONTENDERS) {
    const version = installed(contender.name);
    if (version !== undefined) rows.push(await measure(contender, version));
  }
  return rows;
}

/** The figures as a Markdown table (kB = 1,000 bytes), with the heaviest packages under it. */
export function formatTable(rows: readonly BundleSizes[]): string {
  const kb = (n: number): string => (n / 1000).toFixed(1);
  const cell = (s: Size): string => `${kb(s.min)} / **${kb(s.gzip)}**`;
  const lines = [
    '| minified / gzip, kB | one file | split: first | split: connected | split: + output schema | split: reachable |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} ${r.version} | ${cell(r.oneFile)} | ${cell(r.first)} | ${cell(r.connected)} | ${cell(r.outputSchema)} | ${cell(r.reachable)} |`,
    ),
    '',
    'Heaviest packages in the one-file bundle (minified kB):',
    '',
    ...rows.map(
      (r) => `- ${r.name}: ${r.heaviest.map(([pkg, n]) => `${pkg} ${kb(n)}`).join(', ')}`,
    ),
  ];
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await measureBundles();
  if (process.argv.includes('--json')) {
    console.log(
      JSON.stringify(
        rows.map(({ inputs: _inputs, ...row }) => row),
        null,
        2,
      ),
    );
  } else {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    console.log(
      `${new Date().toISOString().slice(0, 10)}; Node ${process.version}; esbuild ${esbuildVersion}; ${cpu}, ${os.cpus().length} cores\n`,
    );
    console.log(formatTable(rows));
  }
}
