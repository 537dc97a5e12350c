/**
 * The commands of `mcp-actors`: their names, which of them the shell runs and which act on
 * tokens, each one's synopsis, summary, arity and help text, the check of a command and its
 * arguments, and the usage error (exit code 2). Pure, like the rest of the command line.
 */

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
      'With --json: {"tools": [...]} with the full definitions (input and output schemas).\n' +
      'With --config <file> and no --server: the tools of every server of the file, connected at\n' +
      'once, with a SERVER column (a "server" member with --json, and "failed": the servers that\n' +
      'could not be listed, each also told on stderr; the exit code is then that of the failure).',
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
