import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The entry script of an official MCP server package installed as a devDependency
 * (`server-everything`, `server-memory`, `server-filesystem`), to run with this Node.
 */
export function serverScript(pkg: string): string {
  return path.join(root, 'node_modules/@modelcontextprotocol', pkg, 'dist/index.js');
}

/** `@modelcontextprotocol/server-everything`'s entry script. */
export const serverEverything = serverScript('server-everything');
