/**
 * What a parsed command line is: the options of a run, where the server is, the OAuth settings,
 * the log levels, and the defaults of the timeouts. Types and constants only.
 */
import type { ServerConfig } from '../node/server-transport.js';
import type { Revision } from '../protocol/revisions.js';
import type { CommandName } from './commands.js';

/** The MCP log levels, least severe first (`--log-level`). */
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
      /** Its working directory (from a `--config` entry); default: this process's. */
      readonly cwd?: string;
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

/**
 * A run on every server of a `--config` file (no `--server`): `tools` only, with the options of
 * a run but the one server.
 */
export interface ServersOptions extends Omit<CliOptions, 'server' | 'command'> {
  readonly command: 'tools';
  /** The `--config` file, as given. */
  readonly config: string;
  /** Its servers, by name, in the file's order. */
  readonly servers: Readonly<Record<string, ServerConfig>>;
}

export type ParsedCommandLine =
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version'; readonly text: string }
  | { readonly kind: 'run'; readonly options: CliOptions }
  | { readonly kind: 'servers'; readonly options: ServersOptions };

/** The era probe's default wait, ms (at most half of `--timeout`). */
export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

/** The default per-request timeout, ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;
