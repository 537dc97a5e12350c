/**
 * `tools --config <file>` with no `--server`: every server of the file connected at once (a
 * session group), and the tools of all of them listed with the server of each (a SERVER column, a
 * `server` member with `--json`). A server that cannot be reached is reported on stderr with its
 * name; the others are listed all the same.
 */
import { createSessionGroup, type Tool } from '../index.js';
import type { ServerSpec } from '../group/types.js';
import { createServerTransport } from '../node/server-transport.js';
import { PACKAGE_VERSION } from '../session/types.js';
import { causeChain, errorDocument, EXIT, exitCodeOf, Interrupted, oneLine } from './exit.js';
import { formatServerTools } from './format.js';
import type { CliIo } from './io.js';
import type { ServersOptions } from './options.js';
import { negotiationFor } from './session.js';

/** A tool of one of the servers. */
export interface ServerTool {
  readonly server: string;
  readonly tool: Tool;
}

/** A server that could not be listed: at which step, and why. */
export interface ServerFailure {
  readonly server: string;
  readonly phase: 'connect' | 'command';
  readonly error: unknown;
}

/**
 * The tools of every server (every page), in the order of `servers`: a session group with no
 * restarts (a server that fails once is reported, not retried), closed once listed. One failing
 * server fails only its own listing. `signal` ends every attempt (the group is closed).
 */
export async function listToolsOfServers(
  servers: Readonly<Record<string, ServerSpec>>,
  signal: AbortSignal,
): Promise<{ tools: ServerTool[]; failures: ServerFailure[] }> {
  const group = createSessionGroup({ servers, restart: { maxRestarts: 0 } });
  const closeAll = (): void => void group.close();
  signal.addEventListener('abort', closeAll, { once: true });
  try {
    const states = await group.ready();
    const tools = group.tools().map(({ origin, ...tool }) => ({
      server: origin.server,
      tool: { ...tool, name: origin.original },
    }));
    const failures = states
      .filter((state) => state.status !== 'ready')
      .map((state): ServerFailure => ({
        server: state.name,
        phase: 'connect',
        error: state.error,
      }));
    return { tools, failures };
  } finally {
    signal.removeEventListener('abort', closeAll);
    await group.close();
  }
}

/** Each server of the options as the `ServerSpec` a session (or a group) takes. */
function specsOf(options: ServersOptions, io: CliIo): Record<string, ServerSpec> {
  const note = (text: string): void => void io.stderr.write(`${text}\n`);
  const specs = Object.entries(options.servers).map(([name, config]): [string, ServerSpec] => {
    const stderr = (text: string): void => {
      if (!options.verbose) return;
      for (const line of text.replace(/\n$/, '').split('\n'))
        note(`[${name}] server stderr: ${line}`);
    };
    const roots = options.roots;
    return [
      name,
      {
        transport: () =>
          createServerTransport(config, {
            stderr,
            ...(options.maxMessageBytes === undefined
              ? {}
              : { maxMessageBytes: options.maxMessageBytes }),
          }),
        session: {
          clientInfo: { name: 'mcp-actors-cli', version: PACKAGE_VERSION },
          ...negotiationFor(options.protocolVersion, config.type === 'sse'),
          requestTimeout: options.timeout,
          initializeTimeout: options.timeout,
          probeTimeout: options.probeTimeout,
          ...(roots.length === 0
            ? {}
            : { roots: { list: () => roots.map((uri) => ({ uri })), listChanged: false } }),
          ...(options.verbose
            ? { onDiagnostic: (d) => note(`[${name}] diagnostic ${d.code}: ${d.message}`) }
            : {}),
        },
      },
    ];
  });
  return Object.fromEntries(specs);
}

/** Runs `tools` on every server of `--config`; resolves with the exit code. */
export async function runOnServers(io: CliIo, options: ServersOptions): Promise<number> {
  const stop = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => stop.abort(new Interrupted(signal));
  const removers = [
    io.onSignal('SIGINT', onSignal('SIGINT')),
    io.onSignal('SIGTERM', onSignal('SIGTERM')),
  ];
  let listed;
  try {
    listed = await listToolsOfServers(specsOf(options, io), stop.signal);
  } finally {
    for (const remove of removers) remove();
  }
  if (stop.signal.aborted) {
    io.stderr.write('mcp-actors: interrupted.\n');
    return exitCodeOf(stop.signal.reason, 'connect');
  }
  const { tools, failures } = listed;
  for (const { server, phase, error } of failures) {
    const what = phase === 'connect' ? 'could not connect' : 'could not list its tools';
    io.stderr.write(`mcp-actors: server ${JSON.stringify(server)}: ${what}: ${oneLine(error)}\n`);
    if (options.verbose) for (const line of causeChain(error)) io.stderr.write(`  ${line}\n`);
  }
  const rows = tools.map(({ server, tool }) => ({ server, ...tool }));
  if (options.json) {
    const failed = failures.map(({ server, phase, error }) => ({
      server,
      ...errorDocument(error, exitCodeOf(error, phase)),
    }));
    io.stdout.write(`${JSON.stringify({ tools: rows, failed }, null, 2)}\n`);
  } else {
    const columns = io.stdout.isTTY === true ? (io.stdout.columns ?? 80) : undefined;
    io.stdout.write(`${formatServerTools(rows, columns)}\n`);
  }
  const first = failures[0];
  return first === undefined ? EXIT.ok : exitCodeOf(first.error, first.phase);
}
