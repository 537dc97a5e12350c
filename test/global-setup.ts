// Runs once before the test files: builds the inspector's page script as `npm run build` does
// (the tests run from source, but the inspector serves the bundled page).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inspectorPageScript } from '../src/node/inspector.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function setup(): Promise<void> {
  await build({
    entryPoints: [path.join(root, 'src/inspector/page/main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    outfile: inspectorPageScript(),
    logLevel: 'warning',
  });
}
