/**
 * The help texts of `mcp-actors`: the main usage, each command's, the options shared by every
 * command that connects (server, session, authorization, output), the exit codes, the version.
 */
import { REVISIONS } from '../protocol/revisions.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/line.js';
import { DEFAULT_MAX_INPUT_ROUNDS, PACKAGE_VERSION } from '../session/types.js';
import { COMMANDS, commandSpec, type CommandName } from './commands.js';
import { DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, LOG_LEVELS } from './options.js';

const CONNECTION_HELP = `Server (one of):
  -- <command> [args...]       run a stdio server (everything after -- is its command line)
  --url <url>                  http(s)://: Streamable HTTP, falling back to HTTP+SSE;
                               ws(s)://: WebSocket
  --transport <kind>           for an http(s) URL: streamable-http or sse (no fallback)
  --header 'Name: value'       an HTTP or WebSocket header (repeatable)
  --env NAME=value             an environment variable for the stdio server (repeatable)
  --config <file>              an mcpServers JSON file ({"mcpServers": {name: {command, args,
                               env, cwd} | {url, headers, type}}}; \${VAR} from the environment)
  --server <name>              the server of --config to use; without it, tools lists the
                               tools of every server of the file (a SERVER column)

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

/** `mcp-actors --help`: the commands, the options, the exit codes and examples. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => commandSpec(c).synopsis.length));
  const commands = COMMANDS.map(
    (c) => `  ${commandSpec(c).synopsis.padEnd(width)}  ${commandSpec(c).summary}`,
  ).join('\n');
  return `Usage: mcp-actors <command> [arguments] [options] (-- <server command...> | --url <url> | --config <file> [--server <name>])

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
  mcp-actors tools --config mcp.json
  mcp-actors call read_graph --config mcp.json --server memory
`;
}

/** `mcp-actors <command> --help`: the command's synopsis and details, and the options. */
export function commandHelp(command: CommandName): string {
  const spec = commandSpec(command);
  return `Usage: mcp-actors ${spec.synopsis} [options] (-- <server command...> | --url <url> | --config <file> --server <name>)

${spec.details}

${CONNECTION_HELP}

${EXIT_HELP}
`;
}

/** `mcp-actors --version`. */
export function versionText(): string {
  return `mcp-actors ${PACKAGE_VERSION}`;
}
