import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const preload = path.join(root, 'test/fixtures/listen-localhost.mjs');

export interface HttpServerProcess {
  /** The server's origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a Node HTTP server script (one that calls `listen(PORT)`) on 127.0.0.1 and a free port,
 * and resolves once it listens. The port comes from the preload's line on stderr, so nothing waits
 * on time.
 */
export function startHttpServerProcess(
  script: string,
  args: readonly string[] = [],
): Promise<HttpServerProcess> {
  const child = spawn(process.execPath, ['--import', preload, script, ...args], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    const onData = (chunk: Buffer): void => {
      stderr += chunk.toString();
      const match = /mcp-actors-test listening on 127\.0\.0\.1:(\d+)/.exec(stderr);
      if (match !== null) {
        child.stderr?.off('data', onData);
        child.stderr?.resume();
        resolve({ origin: `http://127.0.0.1:${match[1]}`, child, stop });
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`${script} exited (${code ?? signal}) before listening: ${stderr}`)),
    );
  });
}
