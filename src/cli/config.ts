/**
 * `--config <file>` and `--server <name>`: the servers of an `mcpServers` file (its problems are
 * a usage error, each on its line), and the one `--server` names.
 */
import path from 'node:path';
import { ServersConfigError } from '../node/servers-config-error.js';
import { parseServersConfigText } from '../node/servers-config.js';
import type { ServerConfig } from '../node/server-transport.js';
import { UsageError } from './commands.js';
import type { CliEnv } from './options.js';

/** Reads a file as text (injected: the command line's parse touches nothing else). */
export type ReadText = (file: string) => string;

/** The flags a `--config` replaces: where the server is. */
const TARGET_FLAGS = ['url', 'transport', 'header', 'env'] as const;

/**
 * The servers of the `--config` file, by name (its `${VAR}` references expanded from `env`).
 * Refuses the flags that say where a server is, and a server command after `--`, beside it.
 */
export function readConfigServers(
  file: string,
  values: Readonly<Partial<Record<(typeof TARGET_FLAGS)[number], unknown>>>,
  serverArgv: readonly string[] | undefined,
  cwd: string,
  env: CliEnv,
  readText: ReadText,
): Readonly<Record<string, ServerConfig>> {
  const given = TARGET_FLAGS.find((flag) => values[flag] !== undefined);
  if (given !== undefined) {
    throw new UsageError(
      `--${given} does not go with --config: the file says where each server is and how to reach it.`,
    );
  }
  if (serverArgv !== undefined) {
    throw new UsageError('Give either --config or a server command after --, not both.');
  }
  if (file === '') throw new UsageError('--config needs a file.');
  const absolute = path.resolve(cwd, file);
  let source: string;
  try {
    source = readText(absolute);
  } catch (error) {
    throw new UsageError(
      `--config ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    const servers = parseServersConfigText(source, file, { env, cwd: path.dirname(absolute) });
    return Object.fromEntries(Object.entries(servers).map(([name, s]) => [name, s.config]));
  } catch (error) {
    if (error instanceof ServersConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** The server `--server` names, or a usage error listing the file's servers. */
export function chooseServer(
  servers: Readonly<Record<string, ServerConfig>>,
  name: string,
  file: string,
): ServerConfig {
  if (Object.hasOwn(servers, name)) return servers[name] as ServerConfig;
  const names = Object.keys(servers);
  throw new UsageError(
    `--server ${JSON.stringify(name)} is not a server of ${file}; ${names.length === 0 ? 'it has none' : `its servers: ${names.join(', ')}`}.`,
  );
}
