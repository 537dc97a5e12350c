/**
 * The command line of `mcp-actors`: the option table and the parse of `argv` into what to run,
 * and the JSON arguments of `call` and `get-prompt`. Pure: nothing here touches the process, so
 * tests can call it directly. The commands are in commands.ts, the help in help.ts, the server's
 * flags in target.ts.
 */
import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { REVISIONS, isRevision, type Revision } from '../protocol/revisions.js';
import {
  AUTH_COMMANDS,
  checkCommand,
  COMMANDS,
  isCommand,
  UsageError,
  type CommandName,
} from './commands.js';
import { chooseServer, readConfigServers, type ReadText } from './config.js';
import { commandHelp, mainHelp, versionText } from './help.js';
import {
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_TIMEOUT_MS,
  LOG_LEVELS,
  type CliEnv,
  type CliOptions,
  type LogLevel,
  type ParsedCommandLine,
  type ServerTarget,
} from './options.js';
import { configTarget, parseTarget, rootUri, type TargetFlags } from './target.js';

const OPTIONS = {
  config: { type: 'string' },
  server: { type: 'string' },
  url: { type: 'string' },
  transport: { type: 'string' },
  header: { type: 'string', multiple: true },
  env: { type: 'string', multiple: true },
  'protocol-version': { type: 'string' },
  timeout: { type: 'string' },
  'probe-timeout': { type: 'string' },
  'max-input-rounds': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  root: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'no-interactive': { type: 'boolean' },
  verbose: { type: 'boolean' },
  inspect: { type: 'boolean' },
  'log-level': { type: 'string' },
  resource: { type: 'string', multiple: true },
  limit: { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'client-credentials': { type: 'boolean' },
  scope: { type: 'string' },
  'token-store': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const satisfies ParseArgsConfig['options'];

type OptionName = keyof typeof OPTIONS;

/** Options only some commands take. */
const COMMAND_OPTIONS: Partial<Record<OptionName, readonly CommandName[]>> = {
  resource: ['listen'],
  limit: ['listen'],
};

function parseCount(flag: string, text: string, allowZero: boolean): number {
  if (!/^\d+$/.test(text) || (!allowZero && Number(text) === 0)) {
    throw new UsageError(
      `${flag} takes a whole number${allowZero ? '' : ' above 0'}; got ${JSON.stringify(text)}.`,
    );
  }
  return Number(text);
}

/**
 * Parses `argv` (without `node` and the script). Everything after the first `--` is the server's
 * command line. `env` gives the variables read (`MCP_ACTORS_TOKEN_STORE`,
 * `MCP_ACTORS_CLIENT_SECRET`, and those a `--config` file refers to); `readText` reads the
 * `--config` file. Throws `UsageError` for anything that cannot be run.
 */
export function parseCommandLine(
  argv: readonly string[],
  cwd = '/',
  env: CliEnv = {},
  readText: ReadText = (file) => readFileSync(file, 'utf8'),
): ParsedCommandLine {
  const dashes = argv.indexOf('--');
  const own = dashes < 0 ? [...argv] : argv.slice(0, dashes);
  const serverArgv = dashes < 0 ? undefined : argv.slice(dashes + 1);

  let parsed;
  try {
    parsed = parseArgs({ args: own, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageFromParseArgs(error, own);
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;

  if (values.help === true) {
    return { kind: 'help', text: isCommand(first) ? commandHelp(first) : mainHelp() };
  }
  if (values.version === true) return { kind: 'version', text: versionText() };
  if (first === 'help') {
    const about = rest[0];
    return { kind: 'help', text: isCommand(about) ? commandHelp(about) : mainHelp() };
  }
  const command = checkCommand(first, rest, COMMANDS);
  refuseOptionsOfOthers(values, command);

  const protocolVersion = parseRevision(values['protocol-version']);
  const timeout = parseTimeout('--timeout', values.timeout, DEFAULT_TIMEOUT_MS);
  const probeTimeout = parseProbeTimeout(values['probe-timeout'], timeout, protocolVersion);
  const logLevel = parseLogLevel(values['log-level']);
  const options = {
    command,
    args: rest,
    protocolVersion,
    timeout,
    probeTimeout,
    maxInputRounds:
      values['max-input-rounds'] === undefined
        ? undefined
        : parseCount('--max-input-rounds', values['max-input-rounds'], false),
    maxMessageBytes:
      values['max-message-bytes'] === undefined
        ? undefined
        : parseCount('--max-message-bytes', values['max-message-bytes'], false),
    roots: (values.root ?? []).map((r) => rootUri(r, cwd)),
    json: values.json === true,
    noInteractive: values['no-interactive'] === true,
    verbose: values.verbose === true,
    inspect: values.inspect === true,
    logLevel,
    resources: values.resource ?? [],
    limit: values.limit === undefined ? undefined : parseCount('--limit', values.limit, false),
  };
  const config = values.config;
  if (config === undefined) {
    if (values.server !== undefined) {
      throw new UsageError('--server names a server of --config <file>; give the file too.');
    }
    const server = parseTarget(values, serverArgv, cwd, env);
    checkAuthCommand(command, server);
    return { kind: 'run', options: { ...options, server } };
  }
  return configRun(options, config, values, serverArgv, { cwd, env, readText });
}

/** A run on the servers of a `--config` file: the one `--server` names, or every one (`tools`). */
function configRun(
  options: Omit<CliOptions, 'server'>,
  config: string,
  values: TargetFlags & { readonly server?: string | undefined },
  serverArgv: readonly string[] | undefined,
  { cwd, env, readText }: { cwd: string; env: CliEnv; readText: ReadText },
): ParsedCommandLine {
  const { command } = options;
  try {
    const servers = readConfigServers(config, values, serverArgv, cwd, env, readText);
    if (values.server === undefined) {
      return { kind: 'servers', options: { ...allServers(options, config), servers } };
    }
    const server = configTarget(chooseServer(servers, values.server, config), values, cwd, env);
    checkAuthCommand(command, server);
    return { kind: 'run', options: { ...options, server } };
  } catch (error) {
    // The hint names the command: its help tells --config and --server.
    if (error instanceof UsageError && error.command === undefined) {
      throw new UsageError(error.message, command);
    }
    throw error;
  }
}

/**
 * The options of a run on every server of a `--config` file: `tools` only (the other commands
 * act on one server, which `--server` names).
 */
function allServers(
  options: Omit<CliOptions, 'server'>,
  config: string,
): Omit<CliOptions, 'server' | 'command'> & { command: 'tools'; config: string } {
  const { command } = options;
  if (command !== 'tools' || options.inspect) {
    throw new UsageError(
      `${options.inspect ? '--inspect' : command} acts on one server: give --server <name> with --config ${config} (only tools lists every server of the file).`,
      command,
    );
  }
  return { ...options, command, config };
}

/** Refuses an option given to a command it is not for (`--limit` is for listen only). */
function refuseOptionsOfOthers(
  values: Readonly<Record<string, unknown>>,
  command: CommandName,
): void {
  for (const [name, commands] of Object.entries(COMMAND_OPTIONS)) {
    if (values[name] !== undefined && !commands.includes(command)) {
      throw new UsageError(
        `--${name} is an option of ${commands.join(', ')}, not of ${command}.`,
        command,
      );
    }
  }
}

/** `--protocol-version`: a revision this client speaks, or undefined to probe. */
function parseRevision(given: string | undefined): Revision | undefined {
  if (given === undefined) return undefined;
  if (!isRevision(given)) {
    throw new UsageError(
      `--protocol-version ${JSON.stringify(given)} is not a revision this client speaks (${REVISIONS.join(', ')}).`,
    );
  }
  return given;
}

/** A timeout in ms (0: `Infinity`, none), or `fallback` when not given. */
function parseTimeout(flag: string, given: string | undefined, fallback: number): number {
  if (given === undefined) return fallback;
  const ms = parseCount(flag, given, true);
  return ms === 0 ? Infinity : ms;
}

/** `--probe-timeout`: only when there is a probe (no pinned revision); at most half of `timeout`. */
function parseProbeTimeout(
  given: string | undefined,
  timeout: number,
  protocolVersion: Revision | undefined,
): number {
  const fallback = Math.min(DEFAULT_PROBE_TIMEOUT_MS, timeout / 2);
  if (given !== undefined && protocolVersion !== undefined) {
    throw new UsageError(
      '--probe-timeout is for the era probe, and --protocol-version pins a revision: there is no probe. Give one or the other.',
    );
  }
  return parseTimeout('--probe-timeout', given, fallback);
}

/** `--log-level`: one of the MCP log levels. */
function parseLogLevel(given: string | undefined): LogLevel | undefined {
  if (given !== undefined && !(LOG_LEVELS as readonly string[]).includes(given)) {
    throw new UsageError(
      `--log-level takes one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(given)}.`,
    );
  }
  return given as LogLevel | undefined;
}

/** `login` and `logout` are for an http(s) server with OAuth (no Authorization header given). */
function checkAuthCommand(command: CommandName, server: ServerTarget): void {
  if (!AUTH_COMMANDS.includes(command)) return;
  if (server.kind !== 'http') {
    throw new UsageError(
      `${command} is for an http(s) server (--url http://… or https://…): OAuth does not apply to ${server.kind === 'stdio' ? 'stdio' : 'WebSocket'} servers.`,
      command,
    );
  }
  if (!server.oauth.enabled) {
    throw new UsageError(
      `${command} manages OAuth tokens; it does not go with an Authorization header (--header).`,
      command,
    );
  }
}

function usageFromParseArgs(error: unknown, argv: readonly string[]): UsageError {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /option '([^']+)'/i.exec(message)?.[1] ?? '?';
    return new UsageError(`Unknown option ${option}; see mcp-actors --help.`);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '?';
    const takesValue = argv.some((a) => a === option || a.startsWith(`${option}=`));
    return new UsageError(
      takesValue && /argument missing|ambiguous/i.test(message)
        ? `${option} needs a value.`
        : `${option} ${/does not take/i.test(message) ? 'takes no value' : 'has a bad value'}.`,
    );
  }
  return new UsageError(message);
}

/** Parses a JSON object given on the command line (tool or prompt arguments). */
export function parseJsonObject(text: string | undefined, what: string): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `The ${what} are not JSON (${error instanceof Error ? error.message : String(error)}): ${text}`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`The ${what} must be a JSON object, like '{"name":"value"}'; got ${text}`);
  }
  return value as Record<string, unknown>;
}

/** Prompt arguments: a JSON object of strings. */
export function parsePromptArguments(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const object = parseJsonObject(text, 'prompt arguments');
  for (const [key, value] of Object.entries(object)) {
    if (typeof value !== 'string') {
      throw new UsageError(
        `Prompt arguments are strings; ${JSON.stringify(key)} is ${JSON.stringify(value)} (quote it: {"${key}": "…"}).`,
      );
    }
  }
  return object as Record<string, string>;
}
