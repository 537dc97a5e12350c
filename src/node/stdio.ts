import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { createActor, type Actor } from 'xstate';
import { stdioProcessMachine } from '../../machines/stdio-process.js';
import { McpLocalError } from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';
import { createFramedTransport } from '../transports/framed.js';
import { createNodeStreamChannel } from './streams.js';

/**
 * The stdio transport (MCP basic/transports, stdio): spawns the server, speaks newline-delimited
 * JSON over its stdin and stdout, and shuts it down as the spec says (close stdin, wait, SIGTERM,
 * wait, SIGKILL), to its whole process group. The shutdown is the `stdioProcessMachine`.
 */

/**
 * The variables a server inherits from this process by default (the rest are not passed on).
 *
 * @example
 * Pass one more variable of this process on to the server, besides the defaults:
 * ```ts
 * import { createStdioTransport, DEFAULT_INHERITED_ENV } from 'mcp-actors/node';
 *
 * console.log('the server inherits', DEFAULT_INHERITED_ENV.join(', '));
 * const proxy = process.env.HTTPS_PROXY;
 * const transport = createStdioTransport({
 *   command: 'node',
 *   args: ['server.js'],
 *   env: proxy === undefined ? {} : { HTTPS_PROXY: proxy },
 * });
 * ```
 */
export const DEFAULT_INHERITED_ENV: readonly string[] =
  process.platform === 'win32'
    ? [
        'APPDATA',
        'HOMEDRIVE',
        'HOMEPATH',
        'LOCALAPPDATA',
        'PATH',
        'PATHEXT',
        'PROCESSOR_ARCHITECTURE',
        'SYSTEMDRIVE',
        'SYSTEMROOT',
        'TEMP',
        'USERNAME',
        'USERPROFILE',
        'PROGRAMFILES',
      ]
    : [
        'HOME',
        'LOGNAME',
        'PATH',
        'SHELL',
        'TERM',
        'USER',
        'LANG',
        'LC_ALL',
        'LC_CTYPE',
        'TMPDIR',
        'TZ',
      ];

/** How to start a stdio server, and how to treat its process. */
export interface StdioServerParameters {
  /** The program to run. */
  readonly command: string;
  /** Its arguments. */
  readonly args?: readonly string[];
  /** Its working directory. Default: this process's. */
  readonly cwd?: string;
  /** Variables for the server, on top of the inherited ones. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Pass this process's whole environment to the server. Default false: only
   * `DEFAULT_INHERITED_ENV` (so secrets in the environment do not reach every server).
   */
  readonly inheritEnv?: boolean;
  /**
   * The server's stderr: `capture` (default) keeps its last lines for the error when the server
   * dies; `inherit` shares this process's stderr; `ignore` drops it; a function receives it as text
   * (and the last lines are kept too).
   */
  readonly stderr?: 'capture' | 'inherit' | 'ignore' | ((text: string) => void);
  /** How many stderr lines to keep for errors. Default 20. */
  readonly stderrLines?: number;
  /** How long to wait after closing stdin before SIGTERM, ms. Default 2 000. */
  readonly stdinGraceMs?: number;
  /** How long to wait after SIGTERM before SIGKILL, ms. Default 2 000. */
  readonly termGraceMs?: number;
  /**
   * The largest message accepted from the server, bytes. Default 32 MiB. A larger one is skipped:
   * the request it answers fails with `MESSAGE_TOO_LARGE` when its id can be read, and one that
   * runs into the next message without its line end closes the connection.
   */
  readonly maxMessageBytes?: number;
}

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

/** A stdio transport, with the server process's id and state. */
export interface StdioTransport extends Transport {
  /** The server's process id, once spawned. */
  readonly pid: number | undefined;
  /** The process machine's state: `starting`, `running`, `outputEnded`, `endingInput`, `terminating`, `killing`, `exited`. */
  readonly processState: string;
}

function environment(params: StdioServerParameters): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  if (params.inheritEnv === true) Object.assign(env, process.env);
  else {
    for (const name of DEFAULT_INHERITED_ENV) {
      const value = process.env[name];
      if (value !== undefined) env[name] = value;
    }
  }
  return { ...env, ...params.env };
}

/** Signals the whole process group of `child` (it leads its own group); ignores a group already gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (process.platform === 'win32') child.kill(signal);
    else process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
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
  let child: ChildProcess | undefined;
  let actor: Actor<typeof stdioProcessMachine> | undefined;
  let inner: Transport | undefined;
  let handlers: TransportHandlers | undefined;
  let closeRequested = false;
  let exit: { code: number | null; signal: string | null; error?: unknown } | undefined;
  let streamsClosed = false;
  /** Whether `handlers.closed` was called. */
  let reported = false;
  /** Why the input ended, when it failed (a read or write error) rather than ending. */
  let inputFailure: Error | undefined;
  const stderrTail: string[] = [];
  const keep = params.stderrLines ?? 20;
  let finished: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });

  /** Tells the session that the connection is over, once. */
  const tell = (reason: Error | undefined): void => {
    if (reported) return;
    reported = true;
    handlers?.closed(reason);
  };

  /** The process exited and its output was read to the end: tells the session (if not told yet) and ends `close()`. */
  const report = (): void => {
    if (exit === undefined || !streamsClosed) return;
    tell(
      closeRequested && exit.error === undefined
        ? undefined
        : new ServerExitedError(
            params.command,
            exit.code,
            exit.signal,
            [...stderrTail],
            exit.error,
          ),
    );
    finished();
  };

  /**
   * The connection is over while the process runs (its output closed, or its stream lost its
   * framing): the shutdown starts, and the session is told at once, so that nothing pending waits
   * for the process to go.
   */
  const fail = (reason: Error): void => {
    if (actor?.getSnapshot().status === 'active') actor.send({ type: 'close' });
    tell(reason);
  };

  const keepStderr = (text: string): void => {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      stderrTail.push(line);
      if (stderrTail.length > keep) stderrTail.shift();
    }
  };

  return {
    get pid() {
      return child?.pid;
    },
    get processState() {
      return actor === undefined ? 'starting' : String(actor.getSnapshot().value);
    },

    start(h: TransportHandlers) {
      handlers = h;
      const mode = params.stderr ?? 'capture';
      const stderrOption = mode === 'inherit' ? 'inherit' : mode === 'ignore' ? 'ignore' : 'pipe';
      const stdio: StdioOptions = ['pipe', 'pipe', stderrOption];
      const proc = spawn(params.command, [...(params.args ?? [])], {
        cwd: params.cwd,
        env: environment(params),
        stdio,
        // Its own process group, so that a signal reaches every process it started.
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
      child = proc;
      const machine = stdioProcessMachine.provide({
        actions: {
          closeStdin: () => proc.stdin?.end(),
          terminateGroup: () => signalGroup(proc, 'SIGTERM'),
          killGroup: () => signalGroup(proc, 'SIGKILL'),
          reapAndReport: () => {
            // Grandchildren outlive a crashed wrapper unless the group is killed.
            signalGroup(proc, 'SIGKILL');
            report();
          },
          reportOutputClosed: () => {
            // An exit already waiting to be read still wins: decide after the next poll phase,
            // and only then close stdin (which would make the server exit).
            setImmediate(() => {
              if (exit !== undefined) return;
              fail(new StdoutClosedError(params.command, proc.pid, [...stderrTail], inputFailure));
            });
          },
        },
        delays: {
          stdinGrace: params.stdinGraceMs ?? 2_000,
          termGrace: params.termGraceMs ?? 2_000,
        },
      });
      const a = createActor(machine);
      actor = a;
      a.start();

      proc.stderr?.setEncoding('utf8');
      proc.stderr?.on('data', (text: string) => {
        keepStderr(text);
        if (typeof mode === 'function') mode(text);
      });
      proc.on('exit', (code, signal) => {
        exit ??= { code, signal };
        a.send({ type: 'exited', code, signal });
      });
      proc.on('close', () => {
        streamsClosed = true;
        report();
      });

      const stdin = proc.stdin;
      const stdout = proc.stdout;
      if (stdin === null || stdout === null) throw new Error('spawn gave no stdio pipes');
      // EPIPE after the server exited is the exit's business, not an unhandled error.
      stdin.on('error', () => {});
      const streams = createNodeStreamChannel({
        readable: stdout,
        writable: stdin,
        close: () => done,
      });
      let inputEnded = false;
      const framed = createFramedTransport(
        {
          ...streams,
          start: (sink) =>
            streams.start({
              data: (chunk) => sink.data(chunk),
              end: (reason) => {
                inputEnded = true;
                sink.end(reason);
              },
            }),
        },
        params.maxMessageBytes === undefined ? {} : { maxMessageBytes: params.maxMessageBytes },
      );
      inner = framed;

      return new Promise<void>((resolve, reject) => {
        proc.once('spawn', () => {
          a.send({ type: 'spawned' });
          void framed.start({
            message: (m) => h.message(m),
            error: (e) => h.error(e),
            lost: (id, e) => h.lost?.(id, e),
            closed: (reason) => {
              if (!inputEnded) {
                // The framing broke (a message over the cap ran into the next one).
                if (reason !== undefined) fail(reason);
                return;
              }
              // stdout ended or failed: the process's exit, if it comes now, says why; if not,
              // the process machine reports the closed output after its grace.
              inputFailure = reason;
              if (a.getSnapshot().status === 'active') a.send({ type: 'outputEnded' });
            },
          });
          resolve();
        });
        proc.once('error', (error) => {
          if (proc.pid !== undefined) return; // errors after spawn come with an exit
          exit = { code: null, signal: null, error };
          streamsClosed = true;
          a.send({ type: 'spawnFailed', error });
          reject(new ServerExitedError(params.command, null, null, [], error));
        });
      });
    },

    send(message: JsonRpcMessage) {
      if (inner === undefined)
        throw new McpLocalError('INVALID_STATE', 'The stdio transport has not been started.');
      return inner.send(message);
    },

    close() {
      if (actor === undefined) return Promise.resolve();
      closeRequested = true;
      if (actor.getSnapshot().status === 'active') actor.send({ type: 'close' });
      return done;
    },
  };
}
