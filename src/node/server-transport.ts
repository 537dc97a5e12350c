/**
 * A transport from a description of where a server is (`ServerConfig`: a stdio command line, or
 * a URL with the transport to use): what an entry of an `mcpServers` file becomes, and what the
 * command line builds from its flags.
 */
import type { HttpAuth } from '../auth/types.js';
import { createHttpTransport } from '../transports/http-auto.js';
import { createNodeFetch } from './http-fetch.js';
import { createSseTransport } from '../transports/sse.js';
import { createStreamableHttpTransport } from '../transports/streamable-http.js';
import type { Transport } from '../wire/transport.js';
import { commandLine } from './command-line.js';
import { createStdioTransport } from './stdio.js';
import type { StdioServerParameters } from './stdio-spawn.js';
import { createNodeWebSocketTransport } from './websocket.js';

/**
 * A stdio server: the program, its arguments and working directory, and the variables it gets on
 * top of the inherited ones.
 *
 * @example
 * ```ts
 * import { createServerTransport, type StdioServerConfig } from 'mcp-actors/node';
 *
 * const memory: StdioServerConfig = {
 *   type: 'stdio',
 *   command: 'npx',
 *   args: ['-y', '@modelcontextprotocol/server-memory'],
 *   env: { MEMORY_FILE_PATH: '/tmp/memory.jsonl' },
 * };
 * const transport = createServerTransport(memory);
 * ```
 */
export interface StdioServerConfig {
  readonly type: 'stdio';
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The working directory; default: this process's. */
  readonly cwd?: string;
}

/**
 * A server at a URL: `http` is Streamable HTTP falling back to HTTP+SSE, `streamable-http` and
 * `sse` one of them only, `ws` WebSocket.
 *
 * @example
 * ```ts
 * import { createServerTransport, type RemoteServerConfig } from 'mcp-actors/node';
 *
 * const remote: RemoteServerConfig = {
 *   type: 'streamable-http',
 *   url: 'https://mcp.example.com/mcp',
 *   headers: { Authorization: 'Bearer xyz' },
 * };
 * const transport = createServerTransport(remote);
 * ```
 */
export interface RemoteServerConfig {
  readonly type: 'http' | 'streamable-http' | 'sse' | 'ws';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where a server is: an entry of an `mcpServers` file, once checked and expanded. */
export type ServerConfig = StdioServerConfig | RemoteServerConfig;

/**
 * Options of {@link createServerTransport}: what applies beyond the server's own description.
 *
 * @example
 * ```ts
 * import { createServerTransport, type ServerTransportOptions } from 'mcp-actors/node';
 *
 * const options: ServerTransportOptions = {
 *   stderr: (text) => process.stderr.write(`[server] ${text}`),
 *   maxMessageBytes: 4 * 1024 * 1024,
 * };
 * const transport = createServerTransport(
 *   { type: 'stdio', command: 'node', args: ['server.js'], env: {} },
 *   options,
 * );
 * ```
 */
export interface ServerTransportOptions {
  /** A stdio server's stderr (see `StdioServerParameters.stderr`). Default `capture`. */
  readonly stderr?: StdioServerParameters['stderr'];
  /** OAuth for an http(s) server (an `OAuthClient`). */
  readonly auth?: HttpAuth;
  /** The largest message taken from the server, bytes. */
  readonly maxMessageBytes?: number;
}

let sharedFetch: typeof fetch | undefined;

/** The `fetch` of every http(s) server made here: one `createNodeFetch`, its connections kept alive. */
function serverFetch(): typeof fetch {
  sharedFetch ??= createNodeFetch();
  return sharedFetch;
}

/**
 * A new transport to the server `config` describes (a transport connects once: make one per
 * connection).
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createServerTransport } from 'mcp-actors/node';
 *
 * const session = createClientSession({
 *   transport: createServerTransport({ type: 'http', url: 'http://127.0.0.1:3001/mcp', headers: {} }),
 * });
 * await session.connect();
 * ```
 */
export function createServerTransport(
  config: ServerConfig,
  options: ServerTransportOptions = {},
): Transport {
  const cap =
    options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes };
  if (config.type === 'stdio') {
    return createStdioTransport({
      command: config.command,
      args: config.args,
      env: config.env,
      ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      ...(options.stderr === undefined ? {} : { stderr: options.stderr }),
      ...cap,
    });
  }
  if (config.type === 'ws') {
    return createNodeWebSocketTransport({ url: config.url, headers: config.headers, ...cap });
  }
  const http = {
    url: config.url,
    headers: config.headers,
    fetch: serverFetch(),
    ...(options.auth === undefined ? {} : { auth: options.auth }),
    ...cap,
  };
  switch (config.type) {
    case 'streamable-http':
      return createStreamableHttpTransport(http);
    case 'sse':
      return createSseTransport(http);
    case 'http':
      return createHttpTransport(http);
  }
}

/**
 * The transport in use, as shown to a person: `stdio (node server.js)`, `Streamable HTTP (url)`;
 * for `http`, which of the two the fallback settled on (`transport` is the one made for `config`).
 */
export function describeServerTransport(config: ServerConfig, transport: Transport): string {
  switch (config.type) {
    case 'stdio':
      return `stdio (${commandLine(config.command, config.args)})`;
    case 'ws':
      return `WebSocket (${config.url})`;
    case 'streamable-http':
      return `Streamable HTTP (${config.url})`;
    case 'sse':
      return `HTTP+SSE (${config.url})`;
    case 'http':
      return (transport as { readonly kind?: string }).kind === 'sse'
        ? `HTTP+SSE, after Streamable HTTP was refused (${config.url})`
        : `Streamable HTTP (${config.url})`;
  }
}

/** A stdio transport's process id, once spawned (undefined for other transports). */
export function transportPid(transport: Transport): number | undefined {
  const pid = (transport as { readonly pid?: unknown }).pid;
  return typeof pid === 'number' ? pid : undefined;
}
