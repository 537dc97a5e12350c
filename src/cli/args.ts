/**
 * The command line of `mcp-actors`: commands, flags, usage texts, and the parse into what to run.
 * Pure: nothing here touches the process, so tests can call it directly.
 */
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pathToFileURL } from 'node:url';
import { REVISIONS, isRevision, type Revision } from '../protocol/revisions.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/line.js';
import { DEFAULT_MAX_INPUT_ROUNDS, PACKAGE_VERSION } from '../session/types.js';

/** A command line that cannot be run: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose usage applies, for the hint. */
  readonly command: CommandName | undefined;
  constructor(message: string, command?: CommandName) {
    super(message);
    this.command = command;
  }
}

export const COMMANDS = [
  'info',
  'tools',
  'call',
  'prompts',
  'get-prompt',
  'resources',
  'read',
  'listen',
  'shell',
  'login',
  'logout',
] as const;

export type CommandName = (typeof COMMANDS)[number];

export function isCommand(value: unknown): value is CommandName {
  return typeof value === 'string' && (COMMANDS as readonly string[]).includes(value);
}

export const LOG_LEVELS = [
  'debug',
  'info',
  'notice',
  'warning',
  'error',
  'critical',
  'alert',
  'emergency',
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The commands that act on the tokens of an http(s) server rather than open a session. */
export const AUTH_COMMANDS: readonly CommandName[] = ['login', 'logout'];

/** The commands a line of `mcp-actors shell` may run (the session's own, one at a time). */
export const SHELL_COMMANDS = [
  'info',
  'tools',
  'call',
  'prompts',
  'get-prompt',
  'resources',
  'read',
] as const satisfies readonly CommandName[];

/** A command a line of the shell may run. */
export type ShellCommandName = (typeof SHELL_COMMANDS)[number];

/**
 * OAuth for an http(s) server: which client, which grant, which scope, and where tokens are kept.
 * Secrets given here stay in memory and in the token store; they are never printed.
 */
export interface OAuthSettings {
  /** A client registered beforehand (`--client-id`); otherwise Dynamic Client Registration. */
  readonly clientId: string | undefined;
  /** Its secret (`--client-secret`, or `MCP_ACTORS_CLIENT_SECRET`). */
  readonly clientSecret: string | undefined;
  /** The client credentials grant (`--client-credentials`): no user, no browser. */
  readonly clientCredentials: boolean;
  /** The scope to ask for (`--scope`). */
  readonly scope: string | undefined;
  /** The token store file (`--token-store`, or `MCP_ACTORS_TOKEN_STORE`); default: the user's. */
  readonly tokenStore: string | undefined;
  /** Whether OAuth is used: not when an `Authorization` header is given with `--header`. */
  readonly enabled: boolean;
}

/** The environment variables the command line reads. */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** Where the server is. */
export type ServerTarget =
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'http';
      readonly url: URL;
      /** `auto`: Streamable HTTP falling back to HTTP+SSE. */
      readonly transport: 'auto' | 'streamable-http' | 'sse';
      readonly headers: Readonly<Record<string, string>>;
      readonly oauth: OAuthSettings;
    }
  | {
      readonly kind: 'websocket';
      readonly url: URL;
      readonly headers: Readonly<Record<string, string>>;
    };

/** Everything a run needs, checked. */
export interface CliOptions {
  readonly command: CommandName;
  /** The command's own arguments (after the command name). */
  readonly args: readonly string[];
  readonly server: ServerTarget;
  /** A pinned revision, or undefined to probe (`auto`). */
  readonly protocolVersion: Revision | undefined;
  /** Per-request timeout, ms; `Infinity` for none. It also bounds connecting. */
  readonly timeout: number;
  /**
   * How long the era probe waits for `server/discover` before falling back to `initialize`, ms
   * (`Infinity`: it never falls back on silence). Default 3 000, or half of `timeout` if shorter.
   */
  readonly probeTimeout: number;
  /**
   * The most rounds of input a 2026 call may ask for before it is given up (`--max-input-rounds`);
   * undefined: the library's default.
   */
  readonly maxInputRounds: number | undefined;
  /** The size cap of one message from the server, bytes (`--max-message-bytes`); undefined: the default. */
  readonly maxMessageBytes: number | undefined;
  readonly roots: readonly string[];
  readonly json: boolean;
  /** `--no-interactive` was given (the terminal may still rule prompts out). */
  readonly noInteractive: boolean;
  readonly verbose: boolean;
  readonly inspect: boolean;
  readonly logLevel: LogLevel | undefined;
  /** listen: resource URIs whose updates to ask for. */
  readonly resources: readonly string[];
  /** listen: stop after this many notifications. */
  readonly limit: number | undefined;
}

export type ParsedCommandLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string }
  | { readonly kind: 'run'; readonly options: CliOptions };

/** The era probe's default wait, ms (at most half of `--timeout`). */
export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

/** The default per-request timeout, ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;

const OPTIONS = {
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

interface CommandSpec {
  /** The arguments, as shown in usage. */
  readonly synopsis: string;
  readonly summary: string;
  /** How many positional arguments: [min, max]. */
  readonly arity: readonly [number, number];
  readonly details: string;
}

const SPECS: Readonly<Record<CommandName, CommandSpec>> = {
  info: {
    synopsis: 'info',
    summary: 'the negotiated protocol, server info, capabilities and instructions',
    arity: [0, 0],
    details:
      'Connects, negotiates, and prints the protocol version and era, how negotiation went, the\n' +
      "server's name and version, its capabilities and its instructions.",
  },
  tools: {
    synopsis: 'tools',
    summary: 'list the tools (every page)',
    arity: [0, 0],
    details:
      'Lists every tool: name, arguments (* = required) and the first line of its description\n' +
      '(cut to fit a terminal; whole into a pipe or a file).\n' +
      'With --json: {"tools": [...]} with the full definitions (input and output schemas).',
  },
  call: {
    synopsis: "call <tool> ['<json arguments>']",
    summary: 'call a tool',
    arity: [1, 2],
    details:
      'Calls <tool> with a JSON object of arguments (default {}), shows progress, answers the\n' +
      "server's elicitation and sampling requests at the terminal, and prints the result's content.\n" +
      'A result with isError is printed too, and the exit code is 1.',
  },
  prompts: {
    synopsis: 'prompts',
    summary: 'list the prompts',
    arity: [0, 0],
    details: 'Lists every prompt: name, arguments (* = required) and description.',
  },
  'get-prompt': {
    synopsis: "get-prompt <name> ['<json arguments>']",
    summary: 'get a prompt',
    arity: [1, 2],
    details: 'Gets prompt <name> with a JSON object of string arguments, and prints its messages.',
  },
  resources: {
    synopsis: 'resources',
    summary: 'list the resources and resource templates',
    arity: [0, 0],
    details:
      'Lists every resource (URI, name, MIME type) and every resource template.\n' +
      'With --json: {"resources": [...], "resourceTemplates": [...]}.',
  },
  read: {
    synopsis: 'read <uri>',
    summary: 'read a resource',
    arity: [1, 1],
    details:
      'Reads the resource at <uri> and prints its contents: text as it is, binary contents as a\n' +
      'one-line summary (use --json for the base64 blob).',
  },
  listen: {
    synopsis: 'listen [--resource <uri>]...',
    summary: "print the server's notifications until Ctrl-C",
    arity: [0, 0],
    details:
      'On a 2026-07-28 server: opens a subscriptions/listen stream for tool, prompt and resource\n' +
      'list changes, and for updates of each --resource <uri>, and prints each notification.\n' +
      'On an older (legacy-era) server, which has no subscriptions/listen: says so on stderr,\n' +
      'subscribes to each --resource with resources/subscribe when the server offers it, and prints\n' +
      'the notifications the server sends on its own. Ctrl-C ends it (exit code 0).\n' +
      '  --resource <uri>     a resource whose updates to receive (repeatable)\n' +
      '  --limit <n>          stop after n notifications\n' +
      'With --json: one JSON object per line (method and params).',
  },
  shell: {
    synopsis: 'shell',
    summary: 'one live session you type commands into',
    arity: [0, 0],
    details:
      'Connects once and reads commands, one a line, until exit, quit, Ctrl-D or Ctrl-C at an\n' +
      'empty line: info, tools, call, prompts, get-prompt, resources and read, as on the command\n' +
      "line (quote a JSON argument with '…', or type it bare), each with --json if wanted; help\n" +
      '[command] for the list. Tab completes commands, tool, prompt and resource names, and a\n' +
      "tool's or a prompt's argument names after {. Ctrl-C cancels the running call and keeps the\n" +
      "session. The server's notifications (log messages, list changes, resource updates) print\n" +
      'as they arrive. History is kept in $XDG_STATE_HOME/mcp-actors/shell_history\n' +
      '(~/.local/state/…), or in MCP_ACTORS_HISTORY (empty: in memory only).',
  },
  login: {
    synopsis: 'login',
    summary: 'authorize at an http(s) server now (OAuth) and keep the tokens',
    arity: [0, 0],
    details:
      'Runs the OAuth authorization for the server at --url now: opens the browser on the\n' +
      "authorization server's page (or the program in MCP_ACTORS_BROWSER) and waits on\n" +
      '127.0.0.1 for it to come back, or, with --client-credentials, asks for a token with no\n' +
      'user. Prints the scope granted and where the tokens are kept; later commands use them.\n' +
      'With --json: {"server", "issuer", "scope", "tokenStore"}.',
  },
  logout: {
    synopsis: 'logout',
    summary: 'forget (and revoke) the tokens kept for an http(s) server',
    arity: [0, 0],
    details:
      'Revokes the tokens kept for the server at --url (and client) at its authorization\n' +
      'server, when that offers revocation, and forgets them. The client registration stays.\n' +
      'With --json: {"server", "forgotten", "revoked", "notRevocable", "tokenStore"}.',
  },
};

const CONNECTION_HELP = `Server (one of):
  -- <command> [args...]       run a stdio server (everything after -- is its command line)
  --url <url>                  http(s)://: Streamable HTTP, falling back to HTTP+SSE;
                               ws(s)://: WebSocket
  --transport <kind>           for an http(s) URL: streamable-http or sse (no fallback)
  --header 'Name: value'       an HTTP or WebSocket header (repeatable)
  --env NAME=value             an environment variable for the stdio server (repeatable)

Session:
  --protocol-version <v>       pin a revision (${REVISIONS.join(', ')});
                               default: probe for 2026-07-28, fall back to the handshake
  --timeout <ms>               per-request timeout, reset by progress; it also bounds
                               connecting; 0 for none (default ${DEFAULT_TIMEOUT_MS})
  --probe-timeout <ms>         how long the probe waits for server/discover before it falls
                               back to the handshake (which a late answer still beats);
                               0: no fallback on silence (default ${DEFAULT_PROBE_TIMEOUT_MS}, at most half of --timeout)
  --max-input-rounds <n>       the most rounds of questions (elicitation, sampling) one call to
                               a 2026-07-28 server may ask before it is given up
                               (default ${DEFAULT_MAX_INPUT_ROUNDS})
  --max-message-bytes <n>      the largest message taken from the server, in bytes
                               (default ${DEFAULT_MAX_MESSAGE_BYTES}: 32 MiB)
  --root <uri|path>            a root offered to the server (repeatable)
  --log-level <level>          ask for the server's log messages at this level and print them
                               (${LOG_LEVELS.join(', ')})
  --no-interactive             refuse the server's elicitation and sampling requests
                               (also when stdin is not a terminal), and never open the
                               browser to authorize
  --inspect                    open the inspector for the session and print its URL

Authorization (OAuth 2.1, for an http(s) --url; see mcp-actors login --help):
  --client-id <id>             a client registered at the authorization server beforehand
                               (default: the client registers itself)
  --client-secret <secret>     its secret (better: the MCP_ACTORS_CLIENT_SECRET variable)
  --client-credentials         the client credentials grant: a token for the client itself,
                               no user and no browser (needs --client-id and a secret)
  --scope <scope>              the scope to ask for (space-separated)
  --token-store <path>         the file tokens are kept in (or MCP_ACTORS_TOKEN_STORE;
                               default ~/.config/mcp-actors/oauth.json)
  A 401 starts the authorization in the browser (MCP_ACTORS_BROWSER: a program to open the
  URL with instead) when stdin and stderr are a terminal; otherwise run login first.

Output:
  --json                       machine-readable output on stdout
  --verbose                    more on stderr: error causes, server stderr and log messages
  -h, --help                   this help; mcp-actors <command> --help for a command's
  -V, --version                the version`;

const EXIT_HELP = `Exit codes: 0 ok; 1 the server answered with an error (or a tool result with isError);
2 usage error; 3 connection, transport or negotiation failure; 4 timeout; 5 authorization
failed or needed (run login); 130 interrupted (Ctrl-C; 143 for SIGTERM).`;

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => SPECS[c].synopsis.length));
  const commands = COMMANDS.map(
    (c) => `  ${SPECS[c].synopsis.padEnd(width)}  ${SPECS[c].summary}`,
  ).join('\n');
  return `Usage: mcp-actors <command> [arguments] [options] (-- <server command...> | --url <url>)

A Model Context Protocol client for the terminal.

Commands:
${commands}

${CONNECTION_HELP}

${EXIT_HELP}

Examples:
  mcp-actors tools -- npx -y @modelcontextprotocol/server-everything
  mcp-actors call echo '{"message":"hi"}' -- npx -y @modelcontextprotocol/server-everything
  mcp-actors info --url http://127.0.0.1:3001/mcp --header 'Authorization: Bearer xyz'
  mcp-actors login --url https://mcp.example.com/mcp
`;
}

export function commandHelp(command: CommandName): string {
  const spec = SPECS[command];
  return `Usage: mcp-actors ${spec.synopsis} [options] (-- <server command...> | --url <url>)

${spec.details}

${CONNECTION_HELP}

${EXIT_HELP}
`;
}

export function versionText(): string {
  return `mcp-actors ${PACKAGE_VERSION}`;
}

/** `Name: value` → [name, value]. */
export function parseHeader(text: string): [string, string] {
  const colon = text.indexOf(':');
  const name = colon < 0 ? '' : text.slice(0, colon).trim();
  if (colon < 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError(`--header takes 'Name: value'; got ${JSON.stringify(text)}.`);
  }
  const value = text.slice(colon + 1).trim();
  if (/[\r\n\0]/.test(value)) {
    throw new UsageError(`The value of header ${name} contains a line break or NUL.`);
  }
  return [name, value];
}

function parseEnv(text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new UsageError(`--env takes NAME=value; got ${JSON.stringify(text)}.`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

function parseCount(flag: string, text: string, allowZero: boolean): number {
  if (!/^\d+$/.test(text) || (!allowZero && Number(text) === 0)) {
    throw new UsageError(
      `${flag} takes a whole number${allowZero ? '' : ' above 0'}; got ${JSON.stringify(text)}.`,
    );
  }
  return Number(text);
}

/** A root given as a URI, or a path (made absolute, as a file: URI). */
export function rootUri(text: string, cwd: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return text;
  return pathToFileURL(
    text.startsWith('/') ? text : `${cwd.replace(/\/$/, '')}/${text}`,
  ).href.replace(/\/$/, '');
}

/** The OAuth flags, as parseArgs gives them. */
interface OAuthFlags {
  'client-id'?: string;
  'client-secret'?: string;
  'client-credentials'?: boolean;
  scope?: string;
  'token-store'?: string;
}

const OAUTH_FLAGS = [
  'client-id',
  'client-secret',
  'client-credentials',
  'scope',
  'token-store',
] as const satisfies readonly (keyof OAuthFlags)[];

/** Refuses the OAuth flags for a server that is not an http(s) URL. */
function refuseOAuthFlags(values: OAuthFlags, what: string): void {
  const given = OAUTH_FLAGS.find((flag) => values[flag] !== undefined);
  if (given !== undefined) {
    throw new UsageError(
      `--${given} is for an http(s) --url (OAuth); it does not apply to ${what}.`,
    );
  }
}

/** The OAuth settings of an http(s) server, from the flags and the environment. */
function parseOAuth(
  values: OAuthFlags,
  headers: Readonly<Record<string, string>>,
  cwd: string,
  env: CliEnv,
): OAuthSettings {
  const clientId = values['client-id'];
  if (clientId === '') throw new UsageError('--client-id needs a value.');
  if (values['client-secret'] !== undefined && clientId === undefined) {
    throw new UsageError('--client-secret goes with --client-id (the client it belongs to).');
  }
  const fromEnv = env['MCP_ACTORS_CLIENT_SECRET'];
  const clientSecret =
    values['client-secret'] ??
    (clientId !== undefined && fromEnv !== undefined && fromEnv !== '' ? fromEnv : undefined);
  const clientCredentials = values['client-credentials'] === true;
  if (clientCredentials && (clientId === undefined || clientSecret === undefined)) {
    throw new UsageError(
      '--client-credentials needs --client-id and its secret (--client-secret, or the MCP_ACTORS_CLIENT_SECRET variable).',
    );
  }
  const store = values['token-store'] ?? env['MCP_ACTORS_TOKEN_STORE'];
  if (values['token-store'] === '') throw new UsageError('--token-store needs a path.');
  return {
    clientId,
    clientSecret,
    clientCredentials,
    scope: values.scope === undefined || values.scope.trim() === '' ? undefined : values.scope,
    tokenStore: store === undefined || store === '' ? undefined : path.resolve(cwd, store),
    enabled: !Object.keys(headers).some((name) => name.toLowerCase() === 'authorization'),
  };
}

function parseTarget(
  values: { url?: string; transport?: string; header?: string[]; env?: string[] } & OAuthFlags,
  serverArgv: readonly string[] | undefined,
  cwd: string,
  environment: CliEnv,
): ServerTarget {
  const headers: Record<string, string> = {};
  for (const h of values.header ?? []) {
    const [name, value] = parseHeader(h);
    headers[name] = value;
  }
  if (values.url !== undefined) {
    if (serverArgv !== undefined) {
      throw new UsageError('Give either --url or a server command after --, not both.');
    }
    if (values.env !== undefined) {
      throw new UsageError('--env is for a stdio server (after --); it does not apply to --url.');
    }
    let url: URL;
    try {
      url = new URL(values.url);
    } catch {
      throw new UsageError(`--url ${JSON.stringify(values.url)} is not a URL.`);
    }
    const scheme = url.protocol;
    if (scheme === 'ws:' || scheme === 'wss:') {
      if (values.transport !== undefined && values.transport !== 'websocket') {
        throw new UsageError(
          `--transport ${values.transport} does not apply to a ${scheme}// URL (WebSocket).`,
        );
      }
      refuseOAuthFlags(values, 'a WebSocket server');
      return { kind: 'websocket', url, headers };
    }
    if (scheme !== 'http:' && scheme !== 'https:') {
      throw new UsageError(
        `--url must be http://, https://, ws:// or wss://; got ${JSON.stringify(values.url)}.`,
      );
    }
    const transport = values.transport ?? 'auto';
    if (transport !== 'auto' && transport !== 'streamable-http' && transport !== 'sse') {
      throw new UsageError(
        `--transport takes streamable-http or sse for an http(s) URL; got ${JSON.stringify(transport)}.`,
      );
    }
    return {
      kind: 'http',
      url,
      transport,
      headers,
      oauth: parseOAuth(values, headers, cwd, environment),
    };
  }
  if (serverArgv === undefined || serverArgv.length === 0 || serverArgv[0] === '') {
    throw new UsageError(
      'Which server? Give its command after -- (mcp-actors tools -- npx -y some-server) or --url <url>.',
    );
  }
  if (values.transport !== undefined) {
    throw new UsageError('--transport is for --url; a server command after -- speaks stdio.');
  }
  if (values.header !== undefined) {
    throw new UsageError('--header is for --url (HTTP or WebSocket); it does not apply to stdio.');
  }
  refuseOAuthFlags(values, 'a stdio server');
  const env: Record<string, string> = {};
  for (const e of values.env ?? []) {
    const [name, value] = parseEnv(e);
    env[name] = value;
  }
  const [command, ...args] = serverArgv as [string, ...string[]];
  return { kind: 'stdio', command, args, env };
}

/**
 * Parses `argv` (without `node` and the script). Everything after the first `--` is the server's
 * command line. `env` gives the variables read (`MCP_ACTORS_TOKEN_STORE`,
 * `MCP_ACTORS_CLIENT_SECRET`). Throws `UsageError` for anything that cannot be run.
 */
export function parseCommandLine(
  argv: readonly string[],
  cwd = '/',
  env: CliEnv = {},
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
  const command = isCommand(first) ? first : undefined;

  if (values.help === true) {
    return { kind: 'help', text: command === undefined ? mainHelp() : commandHelp(command) };
  }
  if (values.version === true) return { kind: 'version', text: versionText() };
  if (first === 'help') {
    const about = rest[0];
    return { kind: 'help', text: isCommand(about) ? commandHelp(about) : mainHelp() };
  }
  checkCommand(first, rest, COMMANDS);
  if (command === undefined) throw new Error('unreachable');
  for (const [name, commands] of Object.entries(COMMAND_OPTIONS)) {
    if ((values as Record<string, unknown>)[name] !== undefined && !commands.includes(command)) {
      throw new UsageError(
        `--${name} is an option of ${commands.join(', ')}, not of ${command}.`,
        command,
      );
    }
  }

  let protocolVersion: Revision | undefined;
  const pv = values['protocol-version'];
  if (pv !== undefined) {
    if (!isRevision(pv)) {
      throw new UsageError(
        `--protocol-version ${JSON.stringify(pv)} is not a revision this client speaks (${REVISIONS.join(', ')}).`,
      );
    }
    protocolVersion = pv;
  }
  let timeout = DEFAULT_TIMEOUT_MS;
  if (values.timeout !== undefined) {
    const ms = parseCount('--timeout', values.timeout, true);
    timeout = ms === 0 ? Infinity : ms;
  }
  let probeTimeout = Math.min(DEFAULT_PROBE_TIMEOUT_MS, timeout / 2);
  const probe = values['probe-timeout'];
  if (probe !== undefined) {
    if (protocolVersion !== undefined) {
      throw new UsageError(
        '--probe-timeout is for the era probe, and --protocol-version pins a revision: there is no probe. Give one or the other.',
      );
    }
    const ms = parseCount('--probe-timeout', probe, true);
    probeTimeout = ms === 0 ? Infinity : ms;
  }
  const logLevel = values['log-level'];
  if (logLevel !== undefined && !(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(
      `--log-level takes one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}.`,
    );
  }
  const server = parseTarget(values, serverArgv, cwd, env);
  if (AUTH_COMMANDS.includes(command)) {
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
  return {
    kind: 'run',
    options: {
      command,
      args: rest,
      server,
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
      logLevel: logLevel as LogLevel | undefined,
      resources: values.resource ?? [],
      limit: values.limit === undefined ? undefined : parseCount('--limit', values.limit, false),
    },
  };
}

/**
 * Checks a command and the number of its arguments, as the command line and the lines of the
 * shell give them; `among` are the commands allowed there, `usagePrefix` what the synopsis is
 * shown after.
 */
export function checkCommand<C extends CommandName>(
  first: string | undefined,
  rest: readonly string[],
  among: readonly C[],
  usagePrefix = 'mcp-actors ',
): C {
  if (first === undefined) {
    throw new UsageError(`Which command? One of: ${among.join(', ')}.`);
  }
  const command = among.find((c) => c === first);
  if (command === undefined) {
    throw new UsageError(
      `Unknown command ${JSON.stringify(first)}; the commands are ${among.join(', ')}.`,
    );
  }
  const spec = SPECS[command];
  const [min, max] = spec.arity;
  if (rest.length < min || rest.length > max) {
    throw new UsageError(
      rest.length < min
        ? `${command} needs ${min === 1 ? 'an argument' : `${min} arguments`}: ${usagePrefix}${spec.synopsis}.`
        : `${command} takes ${max === 0 ? 'no arguments' : `at most ${max}`}; got ${rest.map((r) => JSON.stringify(r)).join(' ')}.`,
      command,
    );
  }
  return command;
}

/** A command's synopsis and summary (for the shell's help). */
export function commandSpec(command: CommandName): {
  readonly synopsis: string;
  readonly summary: string;
  readonly details: string;
} {
  return SPECS[command];
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
