/**
 * Runs the command a run names on its connected session: the check of its arguments before
 * connecting (`prepare`), the choice of the command's module, and the shell's host, which runs
 * each line of the shell as the command line would.
 */
import type { ClientSession } from '../index.js';
import { parseJsonObject, parsePromptArguments } from './args.js';
import { info } from './command-info.js';
import { listen } from './command-listen.js';
import { listPrompts, listResources, listTools } from './command-listing.js';
import { callTool, getPrompt, readResource, type PerInputCall } from './command-request.js';
import { UsageError } from './commands.js';
import type { CliOptions } from './options.js';
import { report } from './report.js';
import type { Run } from './run-state.js';
import { runShell, type ShellHost } from './shell.js';

/** Checks the command's own arguments before connecting (a usage error starts no server). */
export function prepare(options: CliOptions): void {
  const [a, b] = options.args;
  switch (options.command) {
    case 'call':
      parseJsonObject(b, 'tool arguments');
      break;
    case 'get-prompt':
      parsePromptArguments(b);
      break;
    case 'read':
      if (a === undefined || a.trim() === '')
        throw new UsageError('read needs a resource URI.', 'read');
      break;
    default:
      break;
  }
}

/** Runs the run's command on `session`; resolves with the exit code (1: a tool's isError). */
export async function runCommand(run: Run, session: ClientSession): Promise<number> {
  const { options } = run;
  const logLevel = session.era === 'modern' ? options.logLevel : undefined;
  const perCall = logLevel === undefined ? {} : { logLevel };
  // The calls that may ask for input (2026-07-28): how many rounds of it they may take.
  const rounds: PerInputCall = {
    ...perCall,
    ...(options.maxInputRounds === undefined ? {} : { maxInputRounds: options.maxInputRounds }),
  };
  switch (options.command) {
    case 'info':
      return info(run, session, run.transport?.describe() ?? '?');
    case 'tools':
      return listTools(run, session, perCall);
    case 'call':
      return callTool(run, session, rounds);
    case 'prompts':
      return listPrompts(run, session, perCall);
    case 'get-prompt':
      return getPrompt(run, session, rounds);
    case 'resources':
      return listResources(run, session, perCall);
    case 'read':
      return readResource(run, session, rounds);
    case 'listen':
      return listen(run, session);
    case 'shell':
      return runShell(shellHost(run, session));
    case 'login':
    case 'logout':
      throw new Error(`${options.command} opens no session`);
  }
}

/**
 * The runner as the shell sees it: each line runs as the command would on the command line,
 * with the shell's options, its own Ctrl-C, and the same output and reports.
 */
function shellHost(run: Run, session: ClientSession): ShellHost {
  const base = run.options;
  return {
    stdin: run.io.stdin,
    stdout: run.io.stdout,
    stderr: run.io.stderr,
    session,
    env: run.io.env ?? {},
    stopped: run.stopped.signal,
    async execute(command, args, json) {
      const options: CliOptions = { ...base, command, args, json: base.json || json };
      const outer = run.interrupt;
      run.options = options;
      // This line's own Ctrl-C; the run's comes back after it.
      run.interrupt = new AbortController();
      try {
        prepare(options);
        return await runCommand(run, session);
      } catch (error) {
        if (error instanceof UsageError) {
          throw error.command === undefined ? new UsageError(error.message, command) : error;
        }
        return report(run, error, 'command');
      } finally {
        run.interrupt = outer;
        run.options = base;
      }
    },
    cancel: () => run.interruptRun('SIGINT'),
    onNotification(print) {
      run.notifications.printTo(print);
    },
    useAsker(open) {
      run.openAsker = open;
    },
    note: (text) => run.note(text),
    verbose: (text) => run.verbose(text),
  };
}
