import { Readable, Writable } from 'node:stream';
import { run } from '../../src/cli/run.js';

/** How a run of the CLI ended: its exit code and what it printed. */
export interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where and how {@link runInProcess} runs the CLI. */
export interface InProcessOptions {
  /** The working directory. */
  readonly cwd: string;
  /** The environment, as it is (the runner's default, this process's, when absent). */
  readonly env?: Record<string, string | undefined>;
  /** Whether stdin and stderr say they are a terminal (100 columns). */
  readonly terminal?: boolean;
}

/**
 * Runs the CLI's runner in this process with in-memory streams (for what starts no server, or to
 * play a terminal): stdin empty, stdout and stderr collected, signals not listened for, and an
 * immediate exit turned into a thrown error.
 */
export async function runInProcess(
  args: readonly string[],
  options: InProcessOptions,
): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const tty = options.terminal === true ? { isTTY: true, columns: 100 } : {};
  const sink = (append: (text: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  const code = await run(args, {
    stdout: sink((t) => (stdout += t)),
    stderr: Object.assign(
      sink((t) => (stderr += t)),
      tty,
    ),
    stdin: Object.assign(Readable.from([]), tty),
    cwd: options.cwd,
    ...(options.env === undefined ? {} : { env: options.env }),
    onSignal: () => () => {},
    exitNow: (c) => {
      throw new Error(`exitNow(${c})`);
    },
  });
  return { code, stdout, stderr };
}
