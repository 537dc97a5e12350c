/**
 * What the CLI uses of the process, as one object (`CliIo`): its streams, its working directory,
 * its environment, its signals and its exit. The runner touches the process only through it, so
 * tests run the CLI with streams of their own; `processIo` is the real process.
 */
import type { Readable, Writable } from 'node:stream';
import type { CliEnv } from './options.js';

/** A terminal-ish output stream. */
export type OutStream = Writable & { readonly isTTY?: boolean; readonly columns?: number };

/** Everything the runner uses of the process. */
export interface CliIo {
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdin: Readable & { readonly isTTY?: boolean };
  readonly cwd: string;
  /**
   * The environment variables read (`MCP_ACTORS_TOKEN_STORE`, `MCP_ACTORS_CLIENT_SECRET`,
   * `MCP_ACTORS_BROWSER`). Default: none.
   */
  readonly env?: CliEnv;
  /** Registers a handler of SIGINT or SIGTERM; returns its remover. */
  onSignal(signal: 'SIGINT' | 'SIGTERM', handler: () => void): () => void;
  /** Ends the process at once (a second Ctrl-C). */
  exitNow(code: number): void;
}

/** The process as the CLI's I/O. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    cwd: process.cwd(),
    env: process.env,
    onSignal(signal, handler) {
      process.on(signal, handler);
      return () => process.off(signal, handler);
    },
    exitNow(code) {
      process.exit(code);
    },
  };
}
