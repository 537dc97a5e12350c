/**
 * The `mcpServers` configuration hosts share (`{ "mcpServers": { name: { command, args, env,
 * cwd } | { url, headers, type } } }`): checked with zod, every problem collected with its server
 * and field, `${VAR}` references expanded from an explicit environment, and each server turned
 * into the `ServerSpec` a session group takes (a transport factory).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServerSpec } from '../group/types.js';
import * as z from '../protocol/schemas/zod.js';
import { expandVariables, type ConfigEnv } from './config-variables.js';
import { createServerTransport, type ServerConfig } from './server-transport.js';
import { ServersConfigError, type ServersConfigIssue } from './servers-config-error.js';

/**
 * Options of {@link parseServersConfig} and {@link loadServersConfig}.
 *
 * @example
 * ```ts
 * import { loadServersConfig, type ServersConfigOptions } from 'mcp-actors/node';
 *
 * const options: ServersConfigOptions = {
 *   env: { ...process.env, API_TOKEN: 'xyz' },
 *   stderr: (server, text) => process.stderr.write(`[${server}] ${text}`),
 * };
 * const servers = await loadServersConfig('mcp.json', options);
 * ```
 */
export interface ServersConfigOptions {
  /** The variables `${VAR}` references are expanded from. Default: `process.env`. */
  readonly env?: ConfigEnv;
  /**
   * The folder a relative `cwd` is resolved against. Default: the configuration file's folder
   * ({@link loadServersConfig}); none for {@link parseServersConfig} (the server's process then
   * resolves it against this process's working directory).
   */
  readonly cwd?: string;
  /**
   * The stdio servers' stderr: `capture` (default: its last lines go into the error when the
   * server dies), `inherit`, `ignore`, or a function given each chunk with the server's name.
   */
  readonly stderr?: 'capture' | 'inherit' | 'ignore' | ((server: string, text: string) => void);
  /** The session options of every server (see `ServerSpec.session`). */
  readonly session?: ServerSpec['session'];
  /** The largest message taken from each server, bytes. */
  readonly maxMessageBytes?: number;
}

/** A server of the configuration: its `ServerSpec` and the checked, expanded entry. */
export interface ConfiguredServer extends ServerSpec {
  /** The entry, checked, with its references expanded (and its transport type decided). */
  readonly config: ServerConfig;
}

const REMOTE_TYPES = ['http', 'streamable-http', 'sse', 'ws'] as const;
const TYPES = ['stdio', ...REMOTE_TYPES] as const;

/** zod's error parameter: `is required` when the member is absent, `must be …` otherwise. */
const must = (what: string) => ({
  error: (issue: { readonly input?: unknown }) =>
    issue.input === undefined ? 'is required' : `must be ${what}`,
});
const text = () => z.string(must('a string'));
const strings = () => z.record(z.string(), text(), must('an object of strings'));
const nonEmpty = () => text().check(z.minLength(1, 'must not be empty'));

const STDIO = z.looseObject({
  command: nonEmpty(),
  args: z.optional(z.array(text(), must('an array of strings'))),
  env: z.optional(strings()),
  cwd: z.optional(nonEmpty()),
});
const REMOTE = z.looseObject({ url: nonEmpty(), headers: z.optional(strings()) });
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What checking one entry collects: its problems, as `(field, message, variable?)`. */
type Report = (field: string | undefined, message: string, variable?: string) => void;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A zod issue's path as a field name: `args[1]`, `env.API_KEY`. */
function fieldOf(issuePath: readonly PropertyKey[]): string | undefined {
  let out = '';
  for (const key of issuePath) {
    out += typeof key === 'number' ? `[${key}]` : `${out === '' ? '' : '.'}${String(key)}`;
  }
  return out === '' ? undefined : out;
}

/**
 * Checks an `mcpServers` configuration (the parsed JSON of a file) and returns its servers, by
 * name, as the `ServerSpec`s a session group takes: each `transport()` makes a new transport
 * (stdio for `command`; for `url`, Streamable HTTP falling back to HTTP+SSE, or the one `type`
 * names: `streamable-http`, `sse`, `ws`; a `ws://` or `wss://` URL is WebSocket). `${VAR}` and
 * `${VAR:-default}` in `command`, `args`, `env` values, `cwd`, `url` and header values are
 * expanded from `options.env`. Throws {@link ServersConfigError} listing every problem: a member
 * of the wrong type, a missing `command` or `url`, a bad URL or header, a variable not set.
 *
 * @example
 * ```ts
 * import { parseServersConfig } from 'mcp-actors/node';
 *
 * const servers = parseServersConfig(
 *   {
 *     mcpServers: {
 *       memory: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
 *       search: { url: 'https://search.example.com/mcp', headers: { Authorization: 'Bearer ${SEARCH_TOKEN}' } },
 *     },
 *   },
 *   { env: { SEARCH_TOKEN: 'xyz' } },
 * );
 * console.log(servers.search?.config); // { type: 'http', url: …, headers: { Authorization: 'Bearer xyz' } }
 * const transport = servers.memory?.transport(); // a new stdio transport
 * ```
 */
export function parseServersConfig(
  value: unknown,
  options: ServersConfigOptions = {},
): Record<string, ConfiguredServer> {
  return checkConfig(value, options, undefined);
}

/**
 * Reads an `mcpServers` JSON file and checks it as {@link parseServersConfig} does; a relative
 * `cwd` in it is taken from the file's folder. A file that cannot be read, or is not JSON, is a
 * {@link ServersConfigError} too (with the system error as its `cause`).
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { loadServersConfig } from 'mcp-actors/node';
 *
 * const servers = await loadServersConfig('mcp.json');
 * for (const [name, server] of Object.entries(servers)) {
 *   const session = createClientSession({ transport: server.transport() });
 *   await session.connect();
 *   console.log(name, (await session.listAllTools()).length, 'tools');
 *   await session.close();
 * }
 * ```
 */
export async function loadServersConfig(
  file: string,
  options: ServersConfigOptions = {},
): Promise<Record<string, ConfiguredServer>> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const message = `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
    throw new ServersConfigError([{ server: undefined, field: undefined, message }], file, error);
  }
  return parseServersConfigText(source, file, options);
}

/**
 * The servers of a configuration file's text (`file` names it in errors; a relative `cwd` is taken
 * from its folder unless `options.cwd` says otherwise).
 */
export function parseServersConfigText(
  source: string,
  file: string,
  options: ServersConfigOptions = {},
): Record<string, ConfiguredServer> {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (error) {
    const message = `is not JSON: ${error instanceof Error ? error.message : String(error)}`;
    throw new ServersConfigError([{ server: undefined, field: undefined, message }], file, error);
  }
  return checkConfig(value, { cwd: path.dirname(path.resolve(file)), ...options }, file);
}

/** The whole configuration: the `mcpServers` object, then each server; all problems at once. */
function checkConfig(
  value: unknown,
  options: ServersConfigOptions,
  file: string | undefined,
): Record<string, ConfiguredServer> {
  const issues: ServersConfigIssue[] = [];
  const servers = isObject(value) ? value['mcpServers'] : undefined;
  if (!isObject(servers)) {
    const message = isObject(value)
      ? `${servers === undefined ? 'is required' : 'must be an object'}: { "mcpServers": { "<name>": { "command": … } | { "url": … } } }`
      : 'the configuration must be a JSON object with an mcpServers member';
    throw new ServersConfigError(
      [{ server: undefined, field: isObject(value) ? 'mcpServers' : undefined, message }],
      file,
    );
  }
  const env = options.env ?? process.env;
  const entries: [string, ConfiguredServer][] = [];
  for (const [name, entry] of Object.entries(servers)) {
    const report: Report = (field, message, variable) =>
      issues.push({
        server: name,
        field,
        message,
        ...(variable === undefined ? {} : { variable }),
      });
    if (name.trim() === '') report(undefined, 'a server needs a name (its key is empty)');
    const config = checkServer(entry, env, options.cwd, report);
    if (config !== undefined) entries.push([name, configured(name, config, options)]);
  }
  if (issues.length > 0) throw new ServersConfigError(issues, file);
  return Object.fromEntries(entries);
}

/** One server's `ServerSpec` over its checked entry. */
function configured(
  name: string,
  config: ServerConfig,
  options: ServersConfigOptions,
): ConfiguredServer {
  const given = options.stderr;
  const stderr = typeof given === 'function' ? (chunk: string): void => given(name, chunk) : given;
  const transportOptions = {
    ...(stderr === undefined ? {} : { stderr }),
    ...(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes }),
  };
  return {
    config,
    transport: () => createServerTransport(config, transportOptions),
    ...(options.session === undefined ? {} : { session: options.session }),
  };
}

/** Which kind an entry is: its `type`, or `command` (stdio) or `url` (by the URL's scheme). */
function kindOf(entry: Record<string, unknown>, report: Report): 'stdio' | 'remote' | undefined {
  const type = entry['type'];
  const known = (TYPES as readonly unknown[]).includes(type);
  if (type !== undefined && !known) {
    report('type', `must be one of ${TYPES.join(', ')}; got ${JSON.stringify(type)}`);
  }
  const hasCommand = entry['command'] !== undefined;
  const hasUrl = entry['url'] !== undefined;
  if (hasCommand && hasUrl) {
    report('url', 'goes with a server over HTTP or WebSocket, and command with stdio: give one');
    return undefined;
  }
  if (known && type !== undefined) {
    const stdio = type === 'stdio';
    if ((stdio && hasUrl) || (!stdio && hasCommand)) {
      report(
        'type',
        `${JSON.stringify(type)} needs ${stdio ? 'command, not url' : 'url, not command'}`,
      );
      return undefined;
    }
    return stdio ? 'stdio' : 'remote';
  }
  if (hasUrl) return 'remote';
  if (hasCommand || type === undefined) {
    if (!hasCommand) {
      report('command', 'is required (or url, for a server over HTTP or WebSocket)');
      return undefined;
    }
    return 'stdio';
  }
  return undefined;
}

/** One entry, checked and expanded; undefined when it has problems (all reported). */
function checkServer(
  entry: unknown,
  env: ConfigEnv,
  cwd: string | undefined,
  report: Report,
): ServerConfig | undefined {
  if (!isObject(entry)) {
    report(undefined, 'must be an object with command (stdio) or url (HTTP, WebSocket)');
    return undefined;
  }
  const kind = kindOf(entry, report);
  if (kind === undefined) return undefined;
  const parsed = (kind === 'stdio' ? STDIO : REMOTE).safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) report(fieldOf(issue.path), issue.message);
    return undefined;
  }
  const failed = new Set<string>();
  const expander: Expander = {
    expand: (field, value) =>
      expandVariables(value, env, (problem) => {
        failed.add(field);
        report(field, problem.message, problem.variable);
      }),
    failed: (field) => failed.has(field),
  };
  const config =
    kind === 'stdio'
      ? stdioConfig(parsed.data as z.infer<typeof STDIO>, expander, cwd)
      : remoteConfig(parsed.data as z.infer<typeof REMOTE>, entry['type'], expander, report);
  return failed.size > 0 ? undefined : config;
}

/** Expands the references of one field's value; `failed` says whether a field's could not be. */
interface Expander {
  readonly expand: (field: string, value: string) => string;
  readonly failed: (field: string) => boolean;
}

function stdioConfig(
  entry: z.infer<typeof STDIO>,
  { expand }: Expander,
  cwd: string | undefined,
): ServerConfig {
  const dir = entry.cwd === undefined ? undefined : expand('cwd', entry.cwd);
  return {
    type: 'stdio',
    command: expand('command', entry.command),
    args: (entry.args ?? []).map((arg, i) => expand(`args[${i}]`, arg)),
    env: Object.fromEntries(
      Object.entries(entry.env ?? {}).map(([k, v]) => [k, expand(`env.${k}`, v)]),
    ),
    ...(dir === undefined ? {} : { cwd: cwd === undefined ? dir : path.resolve(cwd, dir) }),
  };
}

function remoteConfig(
  entry: z.infer<typeof REMOTE>,
  type: unknown,
  { expand, failed }: Expander,
  report: Report,
): ServerConfig | undefined {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(entry.headers ?? {})) {
    const field = `headers.${name}`;
    const expanded = expand(field, value);
    if (!TOKEN.test(name)) report(field, 'is not a valid header name');
    else if (/[\r\n\0]/.test(expanded)) report(field, 'contains a line break or NUL');
    headers[name] = expanded;
  }
  const given = expand('url', entry.url);
  if (failed('url')) return undefined;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    report('url', `is not a URL: ${JSON.stringify(given)}`);
    return undefined;
  }
  const ws = url.protocol === 'ws:' || url.protocol === 'wss:';
  const http = url.protocol === 'http:' || url.protocol === 'https:';
  const chosen = typeof type === 'string' ? type : ws ? 'ws' : 'http';
  if (!ws && !http) {
    report('url', `must be http://, https://, ws:// or wss://; got ${JSON.stringify(given)}`);
    return undefined;
  }
  if ((chosen === 'ws') !== ws) {
    report('url', `a ${url.protocol}// URL does not go with type ${JSON.stringify(chosen)}`);
    return undefined;
  }
  return { type: chosen as (typeof REMOTE_TYPES)[number], url: given, headers };
}
