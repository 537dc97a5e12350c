// The real server of the transport workloads (W5–W7): @modelcontextprotocol/server-everything, run
// by this Node directly (no npx), over stdio (each contender spawns its own) or as one Streamable
// HTTP server on 127.0.0.1 (as test/support/http-server-process.ts starts it).
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { DEFAULT_INHERITED_ENV } from '../dist/bundle/src/node/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const preload = path.join(root, 'test/fixtures/listen-localhost.mjs');

export const serverEverything = path.join(
  root,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

// The child's environment, the same for every contender: mcp-actors' default inherited variables,
// taken from this process. (They cover the default inherited sets of both SDKs, so what each adds
// on its own comes out identical.)
const inherited = DEFAULT_INHERITED_ENV;
export const childEnv = Object.fromEntries(
  inherited.filter((n) => process.env[n] !== undefined).map((n) => [n, process.env[n]]),
);

/** How every contender starts the stdio server (its stderr is dropped by all of them). */
export const stdioServer = {
  command: process.execPath,
  args: [serverEverything, 'stdio'],
  cwd: root,
  env: childEnv,
};

/**
 * Starts a server process and resolves once it says it listens: `pattern` matched on its
 * `stream` (stdout or stderr) gives `resolved(match)` the rest of what the caller gets beside
 * `pid` and `stop()` (which ends the process and waits for its exit). `stdin: 'pipe'` for a
 * server that ends when its stdin closes. Shared by the benchmark's server processes.
 */
export function startListening({ args, env, stream, pattern, resolved, what, stdin = 'ignore' }) {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env,
    stdio: [
      stdin,
      stream === 'stdout' ? 'pipe' : 'ignore',
      stream === 'stderr' ? 'pipe' : 'inherit',
    ],
  });
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const out = child[stream];
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match === null) return;
      out.off('data', onData);
      out.resume();
      resolve({ ...resolved(match), pid: child.pid, stop });
    };
    out.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`${what} exited (${code ?? signal}) before listening: ${text}`)),
    );
  });
}

/**
 * Starts server-everything's Streamable HTTP server on 127.0.0.1 and a free port; resolves once it
 * listens (the preload prints the port on stderr). `stop()` ends it and waits for its exit.
 */
export function startHttpServer() {
  return startListening({
    args: ['--import', preload, serverEverything, 'streamableHttp'],
    env: { ...childEnv, PORT: '0', HOST: '127.0.0.1' },
    stream: 'stderr',
    pattern: /mcp-actors-test listening on 127\.0\.0\.1:(\d+)/,
    resolved: (m) => ({ url: `http://127.0.0.1:${m[1]}/mcp` }),
    what: 'the HTTP server',
  });
}

/** Resolves once process `pid` is gone; throws if it is still there after `ms`. */
export async function waitGone(pid, ms = 5000) {
  const until = performance.now() + ms;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (e) {
      if (e.code === 'ESRCH') return;
      throw e;
    }
    if (performance.now() > until)
      throw new Error(`server process ${pid} still running ${ms} ms after close`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The child processes of this process still running (pid and command line), `ps` excluded. */
export function childProcesses() {
  const r = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], {
    encoding: 'utf8',
  });
  return r.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^\d+\s+ps\b/.test(line))
    .map((line) => {
      const [pid, ...args] = line.split(/\s+/);
      return { pid: Number(pid), args: args.join(' ') };
    });
}

/**
 * Starts the canned Streamable HTTP server (bench/canned-http-server.mjs) on 127.0.0.1 and a free
 * port; resolves once it listens. `stop()` ends it and waits for its exit.
 */
export function startCannedHttpServer() {
  return startListening({
    args: [path.join(root, 'bench/canned-http-server.mjs')],
    env: childEnv,
    stream: 'stdout',
    pattern: /listening (\d+)/,
    resolved: (m) => ({ url: `http://127.0.0.1:${m[1]}/mcp` }),
    what: 'the canned HTTP server',
  });
}
