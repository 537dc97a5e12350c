import { McpLocalError } from '../errors/errors.js';

/**
 * How a stdio server's connection ends when nobody asked it to: the process exited (or could not
 * start), or it closed its stdout while it still ran.
 */

/**
 * The server process exited when it was not asked to (or could not be started).
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createStdioTransport, ServerExitedError } from 'mcp-actors/node';
 *
 * const transport = createStdioTransport({ command: 'node', args: ['server.js'] });
 * const session = createClientSession({ transport });
 * await session.connect().catch((error: unknown) => {
 *   // A server that exits closes the connection (CONNECTION_CLOSED, the exit as its cause);
 *   // one that cannot start at all fails connect() with the ServerExitedError itself.
 *   const exit = error instanceof ServerExitedError ? error : (error as Error).cause;
 *   if (!(exit instanceof ServerExitedError)) throw error;
 *   console.error(`server gone (${String(exit.signal ?? exit.exitCode)}):`);
 *   console.error(exit.stderr.join('\n'));
 * });
 * ```
 */
export class ServerExitedError extends McpLocalError {
  override name = 'ServerExitedError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The last lines the server wrote to stderr. */
  readonly stderr: readonly string[];
  constructor(
    command: string,
    exitCode: number | null,
    signal: string | null,
    stderr: readonly string[],
    cause?: unknown,
  ) {
    const how =
      cause !== undefined
        ? `could not be started (${cause instanceof Error ? cause.message : JSON.stringify(cause)})`
        : signal !== null
          ? `was killed by ${signal}`
          : `exited with code ${String(exitCode)}`;
    const tail = stderr.length > 0 ? `; its last stderr lines:\n${stderr.join('\n')}` : '';
    super(
      'TRANSPORT_ERROR',
      `The server process ${JSON.stringify(command)} ${how}${tail}`,
      cause === undefined ? undefined : { cause },
    );
    this.exitCode = exitCode;
    this.signal = signal;
    this.stderr = stderr;
  }
}

/**
 * The server closed its stdout (or a pipe to it failed) while its process still ran: nothing more
 * can arrive, so the connection is over. Every pending request fails at once with
 * `CONNECTION_CLOSED` and this error as its `cause`, and the process is shut down (stdin closed,
 * then SIGTERM, then SIGKILL), which the session's `close()` waits for.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError, createClientSession } from 'mcp-actors';
 * import { createStdioTransport, StdoutClosedError } from 'mcp-actors/node';
 *
 * const transport = createStdioTransport({ command: 'node', args: ['server.js'] });
 * const session = createClientSession({ transport });
 * await session.connect();
 * try {
 *   await session.callTool('search', { q: 'x' });
 * } catch (error) {
 *   if (error instanceof ConnectionClosedError && error.cause instanceof StdoutClosedError) {
 *     console.error(`server ${String(error.cause.pid)} closed its output`);
 *     console.error(error.cause.stderr.join('\n'));
 *   }
 * } finally {
 *   await session.close(); // waits until the process has been shut down
 * }
 * ```
 */
export class StdoutClosedError extends McpLocalError {
  override name = 'StdoutClosedError';
  declare readonly code: 'TRANSPORT_ERROR';
  /** The server's process id. */
  readonly pid: number | undefined;
  /** The last lines the server wrote to stderr. */
  readonly stderr: readonly string[];
  constructor(
    command: string,
    pid: number | undefined,
    stderr: readonly string[],
    cause?: unknown,
  ) {
    const tail = stderr.length > 0 ? `; its last stderr lines:\n${stderr.join('\n')}` : '';
    const what =
      cause === undefined
        ? 'closed its stdout'
        : `broke its stdio pipes (${cause instanceof Error ? cause.message : JSON.stringify(cause)})`;
    super(
      'TRANSPORT_ERROR',
      `The server process ${JSON.stringify(command)}${pid === undefined ? '' : ` (pid ${pid})`} ${what} but is still running: the connection is over, and the process is being shut down${tail}`,
      cause === undefined ? undefined : { cause },
    );
    this.pid = pid;
    this.stderr = stderr;
  }
}
