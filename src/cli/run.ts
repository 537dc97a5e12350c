/**
 * The CLI's runner: parses the command line, connects, runs the command, prints, and returns the
 * exit code. It touches the process only through `CliIo`, and only while `run` runs: the signals
 * (a first Ctrl-C cancels, a second kills the server), the inspector when asked for, and the
 * session closed on the way out. The commands are in dispatch.ts and the command-*.ts modules,
 * the reports of failures in report.ts.
 */
import type { Inspector } from '../node/inspector.js';
import type { ClientSession } from '../index.js';
import { parseCommandLine } from './args.js';
import { runAuthCommand, startAuth } from './command-auth.js';
import { has } from './command-listing.js';
import { AUTH_COMMANDS, UsageError } from './commands.js';
import { prepare, runCommand } from './dispatch.js';
import { causeChain, EXIT, Interrupted, oneLine } from './exit.js';
import { hooksOf } from './hooks.js';
import type { CliIo } from './io.js';
import type { CliOptions, ServersOptions } from './options.js';
import { report } from './report.js';
import { Run } from './run-state.js';
import { buildSession } from './session.js';
import { runOnServers } from './command-servers.js';

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const options = parseOrTell(argv, io);
  if (typeof options === 'number') return options;
  if ('servers' in options) return runOnServers(io, options);
  const r = new Run(io, options);
  const removeSignals = handleSignals(r);
  let inspector: Inspector | undefined;
  try {
    if (options.inspect) {
      const opened = await openInspector(io, options);
      if (typeof opened === 'number') return opened;
      inspector = opened;
    }
    return await connectAndRun(r, inspector);
  } finally {
    await finish(r, inspector);
    removeSignals();
  }
}

/**
 * The options of the command line, checked with the command's own arguments; or the exit code
 * when there is nothing to run: 0 after the help or the version, 2 after a usage error.
 */
function parseOrTell(argv: readonly string[], io: CliIo): CliOptions | ServersOptions | number {
  try {
    const parsed = parseCommandLine(argv, io.cwd, io.env);
    if (parsed.kind === 'servers') return parsed.options;
    if (parsed.kind !== 'run') {
      io.stdout.write(`${parsed.text.replace(/\n?$/, '\n')}`);
      return EXIT.ok;
    }
    const options = parsed.options;
    try {
      prepare(options);
    } catch (error) {
      throw error instanceof UsageError && error.command === undefined
        ? new UsageError(error.message, options.command)
        : error;
    }
    return options;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(
        `mcp-actors: ${error.message}\nRun 'mcp-actors ${error.command === undefined ? '' : `${error.command} `}--help' for usage.\n`,
      );
      return EXIT.usage;
    }
    throw error;
  }
}

/**
 * SIGINT and SIGTERM during the run: the first cancels what is in flight (and a connection
 * being made); a second Ctrl-C kills the server and ends the process. A reader of stdout that
 * went away (mcp-actors listen | head) counts as Ctrl-C. Returns the remover.
 */
function handleSignals(r: Run): () => void {
  const { io } = r;
  let signals = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => () => {
    signals++;
    if (signals === 1) {
      r.stopped.abort(new Interrupted(signal));
      r.interruptRun(signal);
      // While connecting there is no request to cancel: closing the session ends the attempt.
      if (r.session !== undefined && r.session.state !== 'ready') void r.session.close();
    } else if (signal === 'SIGINT') {
      // Ctrl-C again: the user will not wait for a graceful close. (A repeated SIGTERM, which
      // process managers may send to the whole group as well as to the process, is not this.)
      // On a terminal, the line with the echoed ^C is rewritten.
      io.stderr.write(
        `${io.stderr.isTTY === true ? '\r\x1b[2K' : ''}mcp-actors: interrupted again: killing the server now.\n`,
      );
      r.forceKill();
      io.exitNow(EXIT.interrupted);
    }
  };
  const removers = [
    io.onSignal('SIGINT', onSignal('SIGINT')),
    io.onSignal('SIGTERM', onSignal('SIGTERM')),
  ];
  const onStdoutError = (error: { code?: unknown }): void => {
    if (error.code === 'EPIPE' && signals === 0) onSignal('SIGINT')();
  };
  io.stdout.on('error', onStdoutError);
  removers.push(() => io.stdout.off('error', onStdoutError));
  return () => {
    for (const remove of removers) remove();
  };
}

/** The inspector (`--inspect`), with its URL told; or the exit code when it cannot open. */
async function openInspector(io: CliIo, options: CliOptions): Promise<Inspector | number> {
  let inspector: Inspector;
  try {
    const { startInspector } = await import('../node/inspector.js');
    inspector = await startInspector();
  } catch (error) {
    io.stderr.write(`mcp-actors: could not open the inspector: ${oneLine(error)}\n`);
    if (options.verbose) for (const l of causeChain(error)) io.stderr.write(`  ${l}\n`);
    return EXIT.serverError;
  }
  io.stderr.write(`mcp-actors: inspector at ${inspector.url}\n`);
  return inspector;
}

/**
 * The OAuth client (for an http(s) server), then `login` or `logout`, or the session: connect,
 * the log level asked for, and the command. Resolves with the exit code.
 */
async function connectAndRun(r: Run, inspector: Inspector | undefined): Promise<number> {
  const { options } = r;
  // One observer for the session and its OAuth client: the inspector shows both under one tab.
  const observer = inspector?.observer(`mcp-actors ${options.command}`);
  const server = options.server;
  if (server.kind === 'http' && server.oauth.enabled) {
    try {
      r.auth = await startAuth(r, server.url, server.oauth, observer);
    } catch (error) {
      return report(r, error, 'connect');
    }
  }
  if (AUTH_COMMANDS.includes(options.command)) {
    try {
      return await runAuthCommand(r);
    } catch (error) {
      return report(r, r.interrupt.signal.aborted ? r.interrupt.signal.reason : error, 'command');
    }
  }
  const built = buildSession(options, {
    ...hooksOf(r),
    ...(r.auth === undefined ? {} : { auth: r.auth.client }),
    ...(observer === undefined ? {} : { inspect: observer }),
  });
  r.session = built.session;
  r.transport = built.transport;
  const session = built.session;
  if (r.interrupt.signal.aborted) return report(r, r.interrupt.signal.reason, 'connect');
  try {
    await session.connect();
  } catch (error) {
    return report(r, r.interrupt.signal.aborted ? r.interrupt.signal.reason : error, 'connect');
  }
  r.verbose(
    `mcp-actors: connected: ${session.protocolVersion ?? '?'} (${session.era ?? '?'} era) over ${built.transport.describe()}`,
  );
  return runOnSession(r, session);
}

/** The log level asked for (a legacy-era server), then the command; failures reported. */
async function runOnSession(r: Run, session: ClientSession): Promise<number> {
  const { options } = r;
  try {
    if (
      options.logLevel !== undefined &&
      session.era === 'legacy' &&
      has(session.serverCapabilities, 'logging')
    ) {
      await session.setLoggingLevel(options.logLevel);
    }
    return await runCommand(r, session);
  } catch (error) {
    return report(r, error, 'command');
  }
}

/**
 * On the way out: the session closed (a stdio server has exited), then the OAuth client, then
 * the inspector, kept open until Ctrl-C unless a signal stopped the run.
 */
async function finish(r: Run, inspector: Inspector | undefined): Promise<void> {
  const { io } = r;
  r.status.clear();
  const session = r.session;
  if (session !== undefined) {
    r.verbose('mcp-actors: closing the session');
    // Resolves once the transport has closed: a stdio server has exited.
    await session.close();
    const pid = r.transport?.pid();
    r.verbose(
      `mcp-actors: session closed${pid === undefined ? '' : `; server process ${pid} has exited`}`,
    );
  }
  // After the session: its last requests may still need the token.
  await r.auth?.close();
  if (inspector === undefined) return;
  // The first signal stops the run (and the shell): the inspector is not kept open then.
  const stopped = r.stopped.signal;
  if (!stopped.aborted) {
    io.stderr.write(
      `mcp-actors: the inspector stays open at ${inspector.url}; press Ctrl-C to quit.\n`,
    );
    await new Promise<void>((resolve) => {
      if (stopped.aborted) resolve();
      stopped.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  await inspector.close();
}
