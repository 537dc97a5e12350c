import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/**
 * Spawning a stdio server: its parameters, the environment it inherits, its own process group
 * (and the signals sent to the whole group), and the tail of its stderr kept for errors.
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

/** The server's environment: the inherited variables (all, or the default few), then its own. */
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
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
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
 * Spawns the server, with pipes to its stdin and stdout, and its stderr as `params.stderr` asks,
 * in its own process group (so that a signal reaches every process it started).
 */
export function spawnServer(params: StdioServerParameters): ChildProcess {
  const mode = params.stderr ?? 'capture';
  const stderrOption = mode === 'inherit' ? 'inherit' : mode === 'ignore' ? 'ignore' : 'pipe';
  const stdio: StdioOptions = ['pipe', 'pipe', stderrOption];
  return spawn(params.command, [...(params.args ?? [])], {
    cwd: params.cwd,
    env: environment(params),
    stdio,
    // Its own process group, so that a signal reaches every process it started.
    detached: process.platform !== 'win32',
    windowsHide: true,
  });
}

/** The last lines a server wrote to stderr, for the errors that say why it went. */
export class StderrTail {
  readonly #lines: string[] = [];
  readonly #keep: number;

  constructor(keep: number) {
    this.#keep = keep;
  }

  /** A copy of the lines kept. */
  lines(): string[] {
    return [...this.#lines];
  }

  /** Reads `proc`'s stderr (when piped): keeps its last lines, and hands the text to `forward`. */
  watch(proc: ChildProcess, forward: ((text: string) => void) | undefined): void {
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      this.#add(text);
      if (forward !== undefined) forward(text);
    });
  }

  #add(text: string): void {
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      this.#lines.push(line);
      if (this.#lines.length > this.#keep) this.#lines.shift();
    }
  }
}
