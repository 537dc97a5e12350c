/**
 * `mcp-actors shell`: one live session, commands typed a line at a time. The lines are parsed
 * into the CLI's commands (shell-line.ts) and run by the runner, with the same output; this
 * module owns the terminal: the prompt, the queue of lines typed, Ctrl-C and Ctrl-D, and the end
 * of the shell. The history is in shell-history.ts, the completions in shell-catalog.ts, the
 * notifications in shell-notifications.ts, the dialogs on the line editor in shell-asker.ts.
 */
import { createInterface, type Interface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { ClientSession } from '../index.js';
import type { Subscription } from '../session/subscriptions.js';
import { UsageError, type ShellCommandName } from './commands.js';
import { EXIT, exitCodeOf, oneLine } from './exit.js';
import type { CliEnv } from './options.js';
import { openLineAsker, type EndDialog, type ShellAsker } from './shell-asker.js';
import { ShellCatalog } from './shell-catalog.js';
import { HISTORY_SIZE, historyPath, keepInHistory, loadHistory } from './shell-history.js';
import { completeLine, parseShellLine } from './shell-line.js';
import {
  notificationPrinter,
  printAbovePrompt,
  subscribeListChanges,
} from './shell-notifications.js';

/** The stream the shell draws on (stderr): a terminal, or not. */
export interface ShellOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** What the shell needs of the runner. */
export interface ShellHost {
  readonly stdin: Readable & { readonly isTTY?: boolean };
  /** Prompts, notes and notifications go here; command results to stdout (the runner's). */
  readonly stderr: ShellOutput;
  readonly stdout: ShellOutput;
  readonly session: ClientSession;
  readonly env: CliEnv;
  /**
   * Runs one command with the shell's options (and `--json` when the line gave it), printing its
   * result or its failure as the command line does; resolves with its exit code. Rejects only
   * with a `UsageError` (arguments that are not JSON, …).
   */
  execute(command: ShellCommandName, args: readonly string[], json: boolean): Promise<number>;
  /** Cancels the running command (Ctrl-C): its request is cancelled at the server. */
  cancel(): void;
  /** Sends every notification of the server to `print` (undefined: back to the runner). */
  onNotification(print: ((method: string, params: unknown) => void) | undefined): void;
  /** Opens the terminal dialogs (elicitation, sampling) with `open` (undefined: the runner's). */
  useAsker(open: ((signal: AbortSignal) => ShellAsker) | undefined): void;
  /** Writes lines on stderr above the progress bar. */
  note(text: string): void;
  /** Writes lines with --verbose only. */
  verbose(text: string): void;
  /**
   * Aborted when the process is told to stop (SIGTERM, or SIGINT from elsewhere), with an
   * `Interrupted` naming the signal.
   */
  readonly stopped: AbortSignal;
}

/**
 * Runs the shell until `exit`, `quit`, Ctrl-D (or the end of the input), Ctrl-C at an empty
 * line, a signal, or the connection closing. Resolves with 0; 130 or 143 when a signal stopped
 * it; 3 when the connection closed beneath the shell.
 */
export async function runShell(host: ShellHost): Promise<number> {
  return new Shell(host).run();
}

/** One run of the shell: the line editor, and the state of the loop that reads it. */
class Shell {
  readonly #host: ShellHost;
  readonly #terminal: boolean;
  readonly #historyFile: string | undefined;
  readonly #catalog: ShellCatalog;
  readonly #rl: Interface;
  readonly #queue: string[] = [];
  /** A command is running (between the line read and its end). */
  #running = false;
  #ended = false;
  /** Whether the prompt has been shown (a line printed before it needs no redraw). */
  #prompted = false;
  /** Why the session closed beneath the shell. */
  #lost: unknown;
  #wake: (() => void) | undefined;
  /** Ends the question open in a dialog (Ctrl-C, Ctrl-D); set while one is open. */
  #endDialog: EndDialog | undefined;
  #subscription: Subscription | undefined;

  constructor(host: ShellHost) {
    this.#host = host;
    this.#terminal = host.stdin.isTTY === true;
    this.#historyFile = this.#terminal ? historyPath(host.env) : undefined;
    this.#catalog = new ShellCatalog(
      host.session,
      (text) => host.verbose(text),
      () => this.#ended,
    );
    const name = host.session.serverInfo?.name ?? 'mcp';
    this.#rl = createInterface({
      input: host.stdin,
      output: host.stderr as NodeJS.WritableStream,
      terminal: this.#terminal,
      prompt: `${name}> `,
      historySize: HISTORY_SIZE,
      removeHistoryDuplicates: true,
      history: this.#historyFile === undefined ? [] : loadHistory(this.#historyFile),
      ...(this.#terminal
        ? {
            completer: (line: string): [string[], string] =>
              completeLine(line, this.#catalog.current),
          }
        : {}),
    });
  }

  async run(): Promise<number> {
    const host = this.#host;
    const session = host.session;
    host.onNotification(
      notificationPrinter(
        (kind) => void this.#catalog.refresh(kind),
        (text) => this.#print(text),
      ),
    );
    // On a 2026-07-28 server, list changes come on a subscriptions/listen stream.
    if (session.era === 'modern') {
      this.#subscription = await subscribeListChanges(session, (text) => host.verbose(text));
    }
    host.useAsker((signal) =>
      openLineAsker(this.#rl, host.stderr, signal, (end) => (this.#endDialog = end)),
    );
    const offState = this.#watch();
    const refreshed = Promise.all([
      this.#catalog.refresh('tools'),
      this.#catalog.refresh('prompts'),
      this.#catalog.refresh('resources'),
    ]);
    const info = session.serverInfo;
    host.note(
      `mcp-actors: connected to ${info === undefined ? 'the server' : `${info.name} ${info.version}`} (${session.protocolVersion ?? '?'}). ` +
        "Type 'help' for the commands; Tab completes; Ctrl-D or 'exit' closes the session.",
    );
    try {
      // The names to complete are there by the first prompt (lines typed meanwhile wait).
      await refreshed;
      this.#prompted = true;
      if (this.#terminal && !this.#ended) this.#rl.prompt();
      await this.#loop();
      return this.#exitCode();
    } finally {
      offState();
      host.onNotification(undefined);
      host.useAsker(undefined);
      this.#ended = true;
      this.#rl.close();
      await this.#subscription?.close().catch(() => {});
      await refreshed;
      await this.#catalog.settled();
    }
  }

  /** Writes whole lines without garbling the prompt: above it, then the prompt and input again. */
  #print(text: string): void {
    if (!this.#terminal || !this.#prompted || this.#running || this.#ended) {
      this.#host.note(text);
      return;
    }
    printAbovePrompt(this.#rl, this.#host.stderr as NodeJS.WritableStream, text);
  }

  #poke(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /**
   * Listens to the line editor (lines, Ctrl-C, its end), to the signal that stops the process,
   * and to the session closing; returns the remover of the last two.
   */
  #watch(): () => void {
    const rl = this.#rl;
    rl.on('line', (line) => {
      this.#queue.push(line);
      this.#poke();
    });
    rl.on('SIGINT', () => this.#onInterrupt());
    rl.on('close', () => {
      // Ctrl-D at the prompt: the next output starts on a line of its own.
      if (this.#terminal && !this.#ended && !this.#running && rl.line === '')
        this.#host.stderr.write('\n');
      this.#ended = true;
      this.#endDialog?.('eof');
      this.#poke();
    });
    const onStopped = (): void => {
      this.#ended = true;
      rl.close();
    };
    this.#host.stopped.addEventListener('abort', onStopped, { once: true });
    const session = this.#host.session;
    const offState = session.onStateChange((state) => {
      if (state !== 'closing' && state !== 'closed') return;
      if (this.#lost !== undefined || this.#ended) return;
      this.#lost = session.error ?? new Error('the session closed');
      // At the prompt: the report starts on a line of its own.
      if (this.#terminal && !this.#running) this.#host.stderr.write('\n');
      this.#ended = true;
      rl.close();
    });
    return () => {
      this.#host.stopped.removeEventListener('abort', onStopped);
      offState();
    };
  }

  /** Ctrl-C: cancels the running command; at an empty prompt ends the shell; else drops the line. */
  #onInterrupt(): void {
    const { stderr } = this.#host;
    const rl = this.#rl;
    if (this.#running) {
      // Ctrl-C cancels the command (a question open answers cancel), not the shell.
      this.#endDialog?.('interrupt');
      this.#host.cancel();
      return;
    }
    if (rl.line === '') {
      stderr.write('^C\n');
      this.#ended = true;
      rl.close();
      return;
    }
    // Ctrl-C with something typed: drop it, as a shell does.
    rl.write(null, { ctrl: true, name: 'e' });
    stderr.write('^C\n');
    rl.write(null, { ctrl: true, name: 'u' });
  }

  /** Runs the lines typed, one at a time, until the shell ends. */
  async #loop(): Promise<void> {
    for (;;) {
      const line = this.#queue.shift();
      if (line === undefined) {
        if (this.#ended) break;
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      if (this.#historyFile !== undefined) {
        keepInHistory(this.#historyFile, line, (text) => this.#host.verbose(text));
      }
      const exit = await this.#runLine(line);
      if (exit) break;
      if (this.#lost !== undefined) break;
      if (this.#terminal && !this.#ended) this.#rl.prompt();
    }
  }

  /** Runs one line; true when it says to exit. */
  async #runLine(line: string): Promise<boolean> {
    const host = this.#host;
    this.#running = true;
    try {
      const parsed = parseShellLine(line);
      if (parsed.kind === 'exit') return true;
      if (parsed.kind === 'help') host.stdout.write(`${parsed.text}\n`);
      else if (parsed.kind === 'run') await host.execute(parsed.command, parsed.args, parsed.json);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      host.note(
        `mcp-actors: ${error.message}${error.command === undefined ? '' : ` See 'help ${error.command}'.`}`,
      );
    } finally {
      this.#running = false;
    }
    return false;
  }

  /** 0; 130 or 143 when a signal stopped the shell; 3 when the session closed beneath it. */
  #exitCode(): number {
    const host = this.#host;
    if (host.stopped.aborted) {
      // SIGTERM, or SIGINT from outside the terminal: 143 or 130, as for a one-shot command.
      host.note('mcp-actors: interrupted; closing the session.');
      return exitCodeOf(host.stopped.reason, 'command');
    }
    if (this.#lost !== undefined) {
      host.note(`mcp-actors: the session closed: ${oneLine(this.#lost)}`);
      return EXIT.connection;
    }
    return EXIT.ok;
  }
}
