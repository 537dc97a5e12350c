// Browser bundle size: what a web page that connects over Streamable HTTP carries, for mcp-actors
// and for the official TypeScript SDK clients. Each contender is a one-line consumer that imports a
// session and the Streamable HTTP transport, bundled by esbuild for the browser (--bundle --minify
// --platform=browser --format=esm, its dependencies included), two ways:
//
// - one file (no --splitting): everything the consumer can ever run, lazily loaded parts included;
// - split (--splitting): the entry chunk and the chunks it imports statically, that is what the
//   page loads before any of its code runs; the parts loaded with import() come as chunks of their
//   own. For mcp-actors, "with schemas" adds the chunk of the zod protocol schemas, which a session
//   starts loading when it is built (every session needs it to check answers).
//
// Sizes are in bytes: minified, and gzip (level 9) of the minified text; for several chunks, the
// sum over the chunks, each compressed on its own (as a server sends them).
//
// Usage: npm run bench:bundle-size [-- --json]
// mcp-actors is bundled from its source (src/index.ts, the module the package's root entry is built
// from); the SDKs from node_modules. A contender that is not installed is skipped.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));

/**
 * The installed version of a package, or undefined when it is not installed. (Read from its folder:
 * not every package exports its package.json.)
 */
function installed(name) {
  for (const dir of require.resolve.paths(name) ?? []) {
    try {
      return JSON.parse(readFileSync(path.join(dir, name, 'package.json'), 'utf8')).version;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

const contenders = [
  {
    name: 'mcp-actors',
    version: JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version,
    source: `export { createClientSession, createStreamableHttpTransport } from 'mcp-actors';`,
    // The chunk a session always loads: the one holding the protocol schemas.
    sessionChunk: 'src/protocol/schemas/index.ts',
  },
  {
    name: '@modelcontextprotocol/sdk',
    version: installed('@modelcontextprotocol/sdk'),
    source: [
      `export { Client } from '@modelcontextprotocol/sdk/client/index.js';`,
      `export { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';`,
    ].join('\n'),
  },
  {
    name: '@modelcontextprotocol/client',
    version: installed('@modelcontextprotocol/client'),
    source: `export { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';`,
  },
].filter((c) => c.version !== undefined);

const gzip = (bytes) => gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }).length;

/** Bundles a consumer; returns its output files (JavaScript only) and the metafile. */
async function bundle(source, splitting) {
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: 'consumer.js', loader: 'js' },
    bundle: true,
    minify: true,
    splitting,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: path.join(os.tmpdir(), 'mcp-actors-bundle-size'),
    write: false,
    metafile: true,
    alias: { 'mcp-actors': path.join(root, 'src/index.ts') },
    logLevel: 'warning',
  });
  const files = new Map(
    result.outputFiles
      .filter((f) => f.path.endsWith('.js'))
      .map((f) => [path.relative(root, f.path), f.contents]),
  );
  return { files, metafile: result.metafile };
}

/** Sizes of a set of output files: the sum of minified bytes and of each file's gzip. */
function sizes(files, names) {
  let min = 0;
  let gz = 0;
  for (const name of names) {
    const contents = files.get(name);
    min += contents.length;
    gz += gzip(contents);
  }
  return { min, gzip: gz, chunks: names.length };
}

/** The output files a chunk imports statically, itself included (transitively). */
function staticClosure(metafile, start) {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const imported of metafile.outputs[name]?.imports ?? []) {
      if (imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(start);
  return seen;
}

async function measure(contender) {
  const one = await bundle(contender.source, false);
  const split = await bundle(contender.source, true);
  const outputs = Object.entries(split.metafile.outputs).filter(([name]) => name.endsWith('.js'));
  const entry = outputs.find(([, o]) => o.entryPoint !== undefined)?.[0];
  const initial = staticClosure(split.metafile, entry);
  const row = {
    name: contender.name,
    version: contender.version,
    oneFile: sizes(one.files, [...one.files.keys()]),
    initial: sizes(split.files, [...initial]),
    allChunks: sizes(split.files, [...split.files.keys()]),
  };
  if (contender.sessionChunk !== undefined) {
    const holder = outputs.find(([, o]) => contender.sessionChunk in o.inputs)?.[0];
    if (holder === undefined) throw new Error(`No chunk holds ${contender.sessionChunk}`);
    row.withSession = sizes(split.files, [
      ...new Set([...initial, ...staticClosure(split.metafile, holder)]),
    ]);
  }
  // The five packages that weigh most in the one-file bundle, for reading the figures.
  const weights = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(
    Object.values(one.metafile.outputs)[0].inputs,
  )) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? '(own code)';
    weights.set(pkg, (weights.get(pkg) ?? 0) + bytesInOutput);
  }
  row.heaviest = [...weights].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return row;
}

const rows = [];
for (const contender of contenders) rows.push(await measure(contender));

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(rows, null, 2));
} else {
  const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
  const cell = (s) => (s === undefined ? '—' : `${kb(s.min)} / **${kb(s.gzip)}**`);
  console.log(
    `Node ${process.version}, esbuild ${(await import('esbuild')).version}, ${os.cpus()[0]?.model ?? ''}`,
  );
  console.log('minified / gzip');
  console.log(
    '| contender | one file | split: loaded first | split: with schemas | split: all chunks |',
  );
  console.log('|---|---:|---:|---:|---:|');
  for (const r of rows) {
    console.log(
      `| ${r.name} ${r.version} | ${cell(r.oneFile)} | ${cell(r.initial)} | ${cell(r.withSession)} | ${cell(r.allChunks)} (${r.allChunks.chunks}) |`,
    );
  }
  console.log('\nheaviest packages in the one-file bundle (minified bytes):');
  for (const r of rows) {
    console.log(`  ${r.name}: ${r.heaviest.map(([p, n]) => `${p} ${kb(n)}`).join(', ')}`);
  }
}
