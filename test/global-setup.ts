// Runs once before the test files: builds the inspector's page script (`npm run build:page`, the
// step of `npm run build` that makes it): the tests run from source, but the inspector serves the
// bundled page.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default function setup(): void {
  execFileSync('npm', ['run', 'build:page', '--silent'], { cwd: root, stdio: 'inherit' });
}
