import type { ChildProcess } from 'node:child_process';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';
import { McpLocalError } from '../errors/errors.js';
import { StdioPipes } from './stdio-pipes.js';
import { ServerProcess } from './stdio-process.js';
import { spawnServer, StderrTail, type StdioServerParameters } from './stdio-spawn.js';

/**
 * The stdio transport (MCP basic/transports, stdio): spawns the server (stdio-spawn.ts), speaks
 * newline-delimited JSON over its stdin and stdout (stdio-pipes.ts), and shuts it down as the
 * spec says (close stdin, wait, SIGTERM, wait, SIGKILL), to its whole process group. The shutdown
 * is the `stdioProcessMachine`, run by stdio-process.ts.
 */

/** A stdio transport, with the server process's id and state. */
export interface StdioTransport extends Transport {
  /** The server's process id, once spawned. */
  readonly pid: number | undefined;
  /** The process machine's state: `starting`, `running`, `outputEnded`, `endingInput`, `terminating`, `killing`, `exited`. */
  readonly processState: string;
}

/**
 * The stdio transport: spawns the server on `start()` (in its own process group), speaks
 * newline-delimited JSON over its stdin and stdout, and on `close()` ends stdin, then sends
 * SIGTERM, then SIGKILL, each after its grace period. A server that exits unasked closes the
 * session with a {@link ServerExitedError} carrying its last stderr lines.
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createStdioTransport, ServerExitedError } from 'mcp-actors/node';
 *
 * const transport = createStdioTransport({
 *   command: 'npx',
 *   args: ['-y', '@modelcontextprotocol/server-everything'],
 *   env: { LOG_LEVEL: 'debug' }, // on top of DEFAULT_INHERITED_ENV
 *   stderr: 'capture',
 * });
 * const session = createClientSession({ transport });
 * try {
 *   await session.connect();
 *   console.log('server pid', transport.pid);
 * } catch (error) {
 *   const exit = error instanceof ServerExitedError ? error : (error as Error).cause;
 *   if (exit instanceof ServerExitedError) console.log(exit.exitCode, exit.stderr.join('\n'));
 *   throw error;
 * } finally {
 *   await session.close();
 * }
 * ```
 */
export function createStdioTransport(params: StdioServerParameters): StdioTransport {
  return new StdioServerTransport(params);
}

/** The stdio transport: the server's process, and the framed transport over its pipes. */
class StdioServerTransport implements StdioTransport {
  readonly #params: StdioServerParameters;
  readonly #stderr: StderrTail;
  #child: ChildProcess | undefined;
  #process: ServerProcess | undefined;
  #framed: Transport | undefined;
  /** close() came before start(): start() refuses. */
  #closedEarly = false;

  constructor(params: StdioServerParameters) {
    this.#params = params;
    this.#stderr = new StderrTail(params.stderrLines ?? 20);
    // The methods work apart from the object (`const { send } = transport`), as a transport's may.
    this.start = this.start.bind(this);
    this.send = this.send.bind(this);
    this.close = this.close.bind(this);
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get processState(): string {
    return this.#process?.state ?? 'starting';
  }

  start(h: TransportHandlers): Promise<void> {
    if (this.#closedEarly) {
      return Promise.reject(
        new McpLocalError('CONNECTION_CLOSED', 'The stdio transport was closed before it started.'),
      );
    }
    if (this.#process !== undefined) {
      return Promise.reject(new McpLocalError('INVALID_STATE', 'The stdio transport starts once.'));
    }
    const params = this.#params;
    const proc = spawnServer(params);
    this.#child = proc;
    const server = new ServerProcess(proc, params, this.#stderr, h);
    this.#process = server;
    this.#stderr.watch(proc, typeof params.stderr === 'function' ? params.stderr : undefined);
    const pipes = new StdioPipes(proc, params.maxMessageBytes, () => server.done);
    this.#framed = pipes.framed;
    return server.whenSpawned(() => pipes.start(h, server));
  }

  send(message: JsonRpcMessage): void | Promise<void> {
    const framed = this.#framed;
    if (framed === undefined)
      throw new McpLocalError('INVALID_STATE', 'The stdio transport has not been started.');
    return framed.send(message);
  }

  close(): Promise<void> {
    if (this.#process !== undefined) return this.#process.close();
    this.#closedEarly = true; // no process is ever spawned
    return Promise.resolve();
  }
}
