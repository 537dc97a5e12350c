/**
 * One run of the CLI (`Run`): its options, its output (stdout for results, stderr for notes, the
 * progress bar), the options of each request (cancelled by Ctrl-C or by the deadline, with
 * progress), one terminal dialog at a time, and the interruption by Ctrl-C or a signal. Commands
 * see it through `CommandRun`; the session, the OAuth client and the transport hang on it for
 * the runner and the reports.
 */
import type { ClientSession } from '../index.js';
import { Deadlines, anyAbort } from './deadline.js';
import { DeadlineExpired, Interrupted } from './exit.js';
import { openReadlineAsker, type Asker } from './interactive.js';
import type { CliIo } from './io.js';
import { NotificationRoute, type MessageLog } from './messages.js';
import type { CliAuth } from './oauth.js';
import type { CliOptions } from './options.js';
import { renderProgress, StatusLine } from './progress.js';
import type { BuiltTransport } from './session.js';
import type { ShellAsker } from './shell-asker.js';

/** What each request of a command is given: cancellation, the deadline, progress. */
export interface RequestCallOptions {
  signal: AbortSignal;
  timeout: number;
  onProgress: (p: { progress: number; total?: number; message?: string }) => void;
}

/** The options of one request, and their release when it is over. */
export interface RequestScope {
  readonly options: RequestCallOptions;
  done(): void;
}

/** What a command uses of the run: its options, the output, and its requests' options. */
export interface CommandRun {
  readonly options: CliOptions;
  /** The width to fit tables to: the terminal's, when stdout is one. */
  readonly columns: number | undefined;
  /** Aborted by Ctrl-C (the shell gives each line its own). */
  readonly interrupt: { readonly signal: AbortSignal };
  /** Where the server's notifications go (`listen`). */
  readonly notifications: NotificationRoute;
  /** A result on stdout. */
  out(text: string): void;
  json(value: unknown): void;
  /** A line on stderr (above the progress bar, if one is drawn). */
  note(text: string): void;
  /** A line on stderr with `--verbose` only. */
  verbose(text: string): void;
  /** Runs `body` with the options of one request (see `requestOptions`), released after it. */
  withRequest<T>(label: string, body: (options: RequestCallOptions) => Promise<T>): Promise<T>;
  requestOptions(label: string): RequestScope;
}

/** One run of the CLI. */
export class Run implements CommandRun, MessageLog {
  readonly io: CliIo;
  /** The options of the command being run (the shell sets them for each line). */
  options: CliOptions;
  readonly status: StatusLine;
  readonly interactive: boolean;
  /**
   * Whether an authorization may send the user to the browser by itself: stdin and stderr are a
   * terminal, and not --no-interactive.
   */
  readonly authInteractive: boolean;
  /** Aborted on the first Ctrl-C (or SIGTERM); the shell gives each line its own. */
  interrupt = new AbortController();
  /** Aborted on the first SIGINT or SIGTERM the process gets: the shell ends. */
  readonly stopped = new AbortController();
  /** The shell's own terminal dialogs, while the shell runs. */
  openAsker: ((signal: AbortSignal) => ShellAsker) | undefined;
  readonly #deadlines = new Deadlines();
  #dialogs: Promise<unknown> = Promise.resolve();
  session: ClientSession | undefined;
  /** OAuth, for an http(s) server. */
  auth: CliAuth | undefined;
  transport: BuiltTransport | undefined;
  /** `listen` holds the notifications that arrive before it starts printing (while connecting). */
  readonly notifications: NotificationRoute;

  /** Whether this run is `mcp-actors shell` (a Ctrl-C cancels a line's command, not the run). */
  readonly shell: boolean;

  constructor(io: CliIo, options: CliOptions) {
    this.io = io;
    this.options = options;
    this.shell = options.command === 'shell';
    this.notifications = new NotificationRoute(options.command === 'listen');
    this.status = new StatusLine(io.stderr);
    this.interactive = !options.noInteractive && io.stdin.isTTY === true;
    this.authInteractive = this.interactive && io.stderr.isTTY === true;
  }

  /** Whether the server's log messages are printed (`--log-level` or `--verbose`). */
  get serverLog(): boolean {
    return this.options.logLevel !== undefined || this.options.verbose;
  }

  /** A line on stderr (above the progress bar, if one is drawn). */
  note(text: string): void {
    this.status.log(text);
  }

  verbose(text: string): void {
    if (this.options.verbose) this.status.log(text);
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  json(value: unknown): void {
    this.out(JSON.stringify(value, null, 2));
  }

  /** The width to fit tables to: the terminal's, when stdout is one. */
  get columns(): number | undefined {
    return this.io.stdout.isTTY === true ? (this.io.stdout.columns ?? 80) : undefined;
  }

  /** Runs `body` with the options of one request (see `requestOptions`), released after it. */
  async withRequest<T>(
    label: string,
    body: (options: RequestCallOptions) => Promise<T>,
  ): Promise<T> {
    const r = this.requestOptions(label);
    try {
      return await body(r.options);
    } finally {
      r.done();
    }
  }

  /**
   * Options for one request: a signal aborted by Ctrl-C or by the deadline (`--timeout` of no
   * answer and no progress, paused while a dialog is open), and a progress bar.
   */
  requestOptions(label: string): RequestScope {
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort(this.interrupt.signal.reason);
    if (this.interrupt.signal.aborted) onInterrupt();
    else this.interrupt.signal.addEventListener('abort', onInterrupt, { once: true });
    const { deadline, stop } = this.#deadlines.start(this.options.timeout, () =>
      controller.abort(new DeadlineExpired(this.options.timeout)),
    );
    return {
      options: {
        signal: controller.signal,
        timeout: Infinity,
        onProgress: (p) => {
          deadline.touch();
          this.#progress(label, p);
        },
      },
      done: () => {
        stop();
        this.interrupt.signal.removeEventListener('abort', onInterrupt);
        this.status.clear();
      },
    };
  }

  /** Progress: the bar, or a `--verbose` line when stderr is not a terminal. */
  #progress(label: string, p: { progress: number; total?: number; message?: string }): void {
    if (this.status.enabled) {
      this.status.show(renderProgress(label, p, this.status.columns));
    } else {
      this.verbose(
        `progress ${p.progress}${p.total === undefined ? '' : `/${p.total}`}${p.message === undefined ? '' : ` ${p.message}`}`,
      );
    }
  }

  /**
   * Runs one terminal dialog at a time: the progress bar is taken away and every deadline paused
   * while it is open (the server is waiting for the user, not the other way round).
   */
  dialog<T>(signal: AbortSignal, use: (asker: Asker) => Promise<T>): Promise<T> {
    const next = this.#dialogs.then(() =>
      this.status.suspend(async () => {
        this.#deadlines.dialogOpened();
        const ended = anyAbort(signal, this.interrupt.signal);
        const asker =
          this.openAsker?.(ended) ??
          openReadlineAsker(this.io.stdin, this.io.stderr, {
            signal: ended,
            onInterrupt: () => this.interruptRun('SIGINT'),
          });
        try {
          return await use(asker);
        } finally {
          asker.close();
          this.#deadlines.dialogClosed();
        }
      }),
    );
    this.#dialogs = next.catch(() => {});
    return next;
  }

  /**
   * The authorization waits for the user at the browser (true), or stopped waiting: meanwhile
   * every deadline stands still, as during a dialog.
   */
  authorizing(waiting: boolean): void {
    this.#deadlines.authorizing(waiting);
  }

  /**
   * The first Ctrl-C: cancel what is in flight; the session is closed on the way out. In the
   * shell, a Ctrl-C at the terminal cancels the line's command only (`stopped` is for signals).
   */
  interruptRun(signal: 'SIGINT' | 'SIGTERM'): void {
    if (!this.shell && !this.stopped.signal.aborted) this.stopped.abort(new Interrupted(signal));
    if (this.interrupt.signal.aborted) return;
    this.status.clear();
    this.verbose(
      `mcp-actors: ${signal}: cancelling the request in flight${!this.shell || this.stopped.signal.aborted ? ' and closing the session' : ''}`,
    );
    this.interrupt.abort(new Interrupted(signal));
  }

  /** A second Ctrl-C: kill the stdio server's process group now. */
  forceKill(): void {
    const pid = this.transport?.pid();
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
