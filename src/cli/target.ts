/**
 * Where the server is, from the flags: a stdio command after `--` (with `--env`), or `--url` for
 * HTTP (with `--transport`, `--header` and the OAuth flags) or WebSocket; and the roots given
 * with `--root`. Every combination that does not fit is a `UsageError`.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerConfig } from '../node/server-transport.js';
import { UsageError } from './commands.js';
import type { CliEnv, OAuthSettings, ServerTarget } from './options.js';

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
/** The flags that say where the server is, as parseArgs gives them. */
export interface TargetFlags extends OAuthFlags {
  url?: string;
  transport?: string;
  header?: string[];
  env?: string[];
}

/** The server from the flags and the command line after `--` (`serverArgv`). */
export function parseTarget(
  values: TargetFlags,
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
    return urlTarget(values, values.url, headers, serverArgv, cwd, environment);
  }
  return stdioTarget(values, serverArgv);
}

/** A server at `--url`: WebSocket for ws(s)://, HTTP (and OAuth) for http(s)://. */
function urlTarget(
  values: TargetFlags,
  given: string,
  headers: Readonly<Record<string, string>>,
  serverArgv: readonly string[] | undefined,
  cwd: string,
  environment: CliEnv,
): ServerTarget {
  if (serverArgv !== undefined) {
    throw new UsageError('Give either --url or a server command after --, not both.');
  }
  if (values.env !== undefined) {
    throw new UsageError('--env is for a stdio server (after --); it does not apply to --url.');
  }
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(given)} is not a URL.`);
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
      `--url must be http://, https://, ws:// or wss://; got ${JSON.stringify(given)}.`,
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

/** A stdio server: its command line after `--`, with the variables of `--env`. */
function stdioTarget(values: TargetFlags, serverArgv: readonly string[] | undefined): ServerTarget {
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
 * The server of a `--config` entry (`--server NAME`): its own command line, URL and headers,
 * with the OAuth flags of the command line for an http(s) server.
 */
export function configTarget(
  config: ServerConfig,
  values: TargetFlags,
  cwd: string,
  environment: CliEnv,
): ServerTarget {
  switch (config.type) {
    case 'stdio':
      refuseOAuthFlags(values, 'a stdio server');
      return {
        kind: 'stdio',
        command: config.command,
        args: config.args,
        env: config.env,
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      };
    case 'ws':
      refuseOAuthFlags(values, 'a WebSocket server');
      return { kind: 'websocket', url: new URL(config.url), headers: config.headers };
    default:
      return {
        kind: 'http',
        url: new URL(config.url),
        transport: config.type === 'http' ? 'auto' : config.type,
        headers: config.headers,
        oauth: parseOAuth(values, config.headers, cwd, environment),
      };
  }
}
