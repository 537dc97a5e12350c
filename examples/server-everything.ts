/**
 * The examples' default server: `@modelcontextprotocol/server-everything`, run over stdio by this
 * Node (no `npx`), or the command given on the examples' command line.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { StdioServerParameters } from '../src/node/index.js';

/** The server-everything entry script, from this package's dependencies. */
export const serverEverythingScript = path.join(
  path.dirname(
    createRequire(import.meta.url).resolve('@modelcontextprotocol/server-everything/package.json'),
  ),
  'dist/index.js',
);

/** `[command, ...args]` as given, or server-everything over stdio when none is. */
export function stdioServer(argv: readonly string[]): StdioServerParameters {
  const [command, ...args] = argv;
  return command === undefined
    ? { command: process.execPath, args: [serverEverythingScript, 'stdio'] }
    : { command, args };
}
