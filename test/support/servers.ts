import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const require = createRequire(import.meta.url);

/**
 * The entry script of an official MCP server package installed as a devDependency
 * (`server-everything`, `server-memory`, `server-filesystem`), to run with this Node. Found the
 * way Node finds a package, so that a copy of the tree (a mutation run's sandbox) finds it too.
 */
export function serverScript(pkg: string): string {
  const manifest = require.resolve(`@modelcontextprotocol/${pkg}/package.json`);
  return path.join(path.dirname(manifest), 'dist/index.js');
}

/** `@modelcontextprotocol/server-everything`'s entry script. */
export const serverEverything = serverScript('server-everything');
