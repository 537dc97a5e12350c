/**
 * The CLI's runner: parses the command line, connects, runs the command, prints, and returns the
 * exit code. It touches the process only through `CliIo`, and only while `run` runs.
 */
import type { Readable, Writable } from 'node:stream';
import type { InspectionEvent } from 'xstate';
import type { Inspector } from '../node/inspector.js';
import type { ClientSession, Diagnostic, SessionMessage } from '../index.js';
import {
  AuthorizationError,
  ConnectionClosedError,
  JsonRpcError,
  McpError,
  RequestCancelledError,
} from '../errors/errors.js';
import { ConnectTimeoutError, META_SUBSCRIPTION_ID } from '../session/negotiation.js';
import type { SubscriptionFilter } from '../session/subscriptions.js';
import { clause, sentence } from '../errors/sentences.js';
import { parseCommandLine, parseJsonObject, parsePromptArguments } from './args.js';
import { AUTH_COMMANDS, UsageError } from './commands.js';
import type { CliEnv, CliOptions, OAuthSettings } from './options.js';
import {
  authFailureIn,
  causeChain,
  DeadlineExpired,
  errorDocument,
  EXIT,
  exitCodeOf,
  Interrupted,
  oneLine,
  tellError,
} from './exit.js';
import {
  formatInfo,
  formatNotification,
  formatPromptResult,
  formatPrompts,
  formatReadResult,
  formatResources,
  formatToolResult,
  formatTools,
  type InfoView,
} from './format.js';
import {
  samplingRefused,
  DialogEnded,
  elicitForm,
  elicitUrl,
  openReadlineAsker,
  sampleAtTerminal,
  type Asker,
} from './interactive.js';
import {
  login,
  loginText,
  logout,
  logoutText,
  nobodyToAskText,
  startCliAuth,
  type CliAuth,
} from './oauth.js';
import { renderProgress, StatusLine } from './progress.js';
import { buildSession, negotiationOptions, targetText, type BuiltTransport } from './session.js';
import { runShell, type ShellAsker, type ShellHost } from './shell.js';

type Json = Record<string, unknown>;

/** What each request of a command is given: cancellation, the deadline, progress. */
interface RequestCallOptions {
  signal: AbortSignal;
  timeout: number;
  onProgress: (p: { progress: number; total?: number; message?: string }) => void;
}

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

/** The request-level deadline: an idle timeout that progress resets and open dialogs pause. */
class Deadline {
  readonly #ms: number;
  readonly #expire: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #paused = 0;
  #stopped = false;

  constructor(ms: number, expire: () => void) {
    this.#ms = ms;
    this.#expire = expire;
    this.#arm();
  }

  touch(): void {
    this.#arm();
  }

  pause(): void {
    this.#paused++;
    this.#disarm();
  }

  resume(): void {
    this.#paused = Math.max(0, this.#paused - 1);
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#disarm();
  }

  #arm(): void {
    this.#disarm();
    if (this.#stopped || this.#paused > 0 || this.#ms === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#stopped = true;
      this.#expire();
    }, this.#ms);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** One run of the CLI. */
class Run {
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
  readonly #deadlines = new Set<Deadline>();
  #dialogs: Promise<unknown> = Promise.resolve();
  #dialogOpen = 0;
  #authorizing = false;
  session: ClientSession | undefined;
  /** OAuth, for an http(s) server. */
  auth: CliAuth | undefined;
  transport: BuiltTransport | undefined;
  /** Set while `listen` prints notifications. */
  onNotification: ((method: string, params: unknown) => void) | undefined;
  /** For `listen`: notifications that arrived before it started printing (while connecting). */
  readonly early: [method: string, params: unknown][] = [];

  /** Whether this run is `mcp-actors shell` (a Ctrl-C cancels a line's command, not the run). */
  readonly shell: boolean;

  constructor(io: CliIo, options: CliOptions) {
    this.io = io;
    this.options = options;
    this.shell = options.command === 'shell';
    this.status = new StatusLine(io.stderr);
    this.interactive = !options.noInteractive && io.stdin.isTTY === true;
    this.authInteractive = this.interactive && io.stderr.isTTY === true;
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
  requestOptions(label: string): { options: RequestCallOptions; done(): void } {
    const controller = new AbortController();
    const onInterrupt = (): void => controller.abort(this.interrupt.signal.reason);
    if (this.interrupt.signal.aborted) onInterrupt();
    else this.interrupt.signal.addEventListener('abort', onInterrupt, { once: true });
    const deadline = new Deadline(this.options.timeout, () =>
      controller.abort(new DeadlineExpired(this.options.timeout)),
    );
    if (this.#dialogOpen > 0) deadline.pause();
    if (this.#authorizing) deadline.pause();
    this.#deadlines.add(deadline);
    return {
      options: {
        signal: controller.signal,
        timeout: Infinity,
        onProgress: (p) => {
          deadline.touch();
          if (this.status.enabled) {
            this.status.show(renderProgress(label, p, this.status.columns));
          } else {
            this.verbose(
              `progress ${p.progress}${p.total === undefined ? '' : `/${p.total}`}${p.message === undefined ? '' : ` ${p.message}`}`,
            );
          }
        },
      },
      done: () => {
        deadline.stop();
        this.#deadlines.delete(deadline);
        this.interrupt.signal.removeEventListener('abort', onInterrupt);
        this.status.clear();
      },
    };
  }

  /**
   * Runs one terminal dialog at a time: the progress bar is taken away and every deadline paused
   * while it is open (the server is waiting for the user, not the other way round).
   */
  dialog<T>(signal: AbortSignal, use: (asker: Asker) => Promise<T>): Promise<T> {
    const next = this.#dialogs.then(() =>
      this.status.suspend(async () => {
        this.#dialogOpen++;
        for (const d of this.#deadlines) d.pause();
        const ended = AnyAbort.of(signal, this.interrupt.signal);
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
          this.#dialogOpen--;
          for (const d of this.#deadlines) d.resume();
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
    if (waiting === this.#authorizing) return;
    this.#authorizing = waiting;
    for (const d of this.#deadlines) {
      if (waiting) d.pause();
      else d.resume();
    }
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

  /** Routes what the session reports. */
  message(m: SessionMessage): void {
    if (m.type === 'notification') {
      const { method, params } = m.notification;
      if (this.onNotification !== undefined) {
        this.onNotification(method, params);
        return;
      }
      if (this.options.command === 'listen') {
        this.early.push([method, params]);
        return;
      }
      if (method === 'notifications/message') {
        if (this.options.logLevel !== undefined || this.options.verbose) {
          this.note(
            `server log: ${formatNotification(method, params, new Date()).replace(/^\S+\s+\S+\s+/, '')}`,
          );
        }
        return;
      }
      this.verbose(`notification: ${method}`);
    } else if (m.type === 'exception') {
      this.verbose(`stream exception: ${m.error.message}`);
    } else {
      this.verbose(
        `transport: ${(m.event as { message?: string }).message ?? JSON.stringify(m.event)}`,
      );
    }
  }
}

/** An AbortSignal aborted when any of several is (AbortSignal.any, without relying on it). */
const AnyAbort = {
  of(...signals: AbortSignal[]): AbortSignal {
    const controller = new AbortController();
    for (const s of signals) {
      if (s.aborted) {
        controller.abort(s.reason);
        break;
      }
      s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
    }
    return controller.signal;
  },
};

const NOT_INTERACTIVE =
  'mcp-actors runs non-interactively (--no-interactive, or stdin is not a terminal)';

/** The session's callbacks, answering at the terminal or refusing. */
function hooksOf(run: Run) {
  const refuse = (what: string): void =>
    run.note(`mcp-actors: declined the server's ${what} request: ${NOT_INTERACTIVE}.`);
  return {
    elicitForm: async (params: Json, extra: { signal: AbortSignal }) => {
      if (!run.interactive) {
        refuse('elicitation');
        return { action: 'decline' };
      }
      try {
        return await run.dialog(extra.signal, (asker) => elicitForm(params, asker));
      } catch (error) {
        if (error instanceof DialogEnded) return { action: 'cancel' };
        throw error;
      }
    },
    elicitUrl: async (params: Json, extra: { signal: AbortSignal }) => {
      if (!run.interactive) {
        refuse('elicitation');
        return { action: 'decline' };
      }
      try {
        return await run.dialog(extra.signal, (asker) => elicitUrl(params, asker));
      } catch (error) {
        if (error instanceof DialogEnded) return { action: 'cancel' };
        throw error;
      }
    },
    sample: async (params: Json, extra: { signal: AbortSignal }) => {
      if (!run.interactive) {
        refuse('sampling');
        throw samplingRefused(`The user cannot be asked: ${NOT_INTERACTIVE}.`);
      }
      try {
        return await run.dialog(extra.signal, (asker) => sampleAtTerminal(params, asker));
      } catch (error) {
        if (error instanceof DialogEnded)
          throw samplingRefused('The user cancelled the sampling request.');
        throw error;
      }
    },
    message: (m: SessionMessage) => run.message(m),
    diagnostic: (d: Diagnostic) => run.verbose(`diagnostic ${d.code}: ${d.message}`),
    serverStderr: (text: string) => {
      if (!run.options.verbose) return;
      for (const line of text.replace(/\n$/, '').split('\n')) run.note(`server stderr: ${line}`);
    },
  };
}

/** What a command produced: the exit code (0, or 1 for a tool result with isError). */
type CommandResult = number;

const has = (caps: Readonly<Record<string, unknown>> | undefined, name: string): boolean =>
  caps !== undefined && caps[name] !== undefined && caps[name] !== null;

/** Checks the command's own arguments before connecting (a usage error starts no server). */
function prepare(options: CliOptions): void {
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

/**
 * A listing command: when the server lacks the capability, a note (and the empty listing with
 * `--json`); otherwise the listing, as JSON or as text.
 */
async function listing(
  run: Run,
  caps: Readonly<Record<string, unknown>> | undefined,
  capability: string,
  empty: Json,
  label: string,
  list: (options: RequestCallOptions) => Promise<{ json: Json; text: () => string }>,
): Promise<CommandResult> {
  if (!has(caps, capability)) {
    run.note(`mcp-actors: the server offers no ${capability} (no ${capability} capability).`);
    if (run.options.json) run.json(empty);
    return EXIT.ok;
  }
  const { json, text } = await run.withRequest(label, list);
  if (run.options.json) run.json(json);
  else run.out(text());
  return EXIT.ok;
}

async function runCommand(run: Run, session: ClientSession): Promise<CommandResult> {
  const { options } = run;
  const caps = session.serverCapabilities;
  const logLevel = session.era === 'modern' ? options.logLevel : undefined;
  const perCall = logLevel === undefined ? {} : { logLevel };
  // The calls that may ask for input (2026-07-28): how many rounds of it they may take.
  const rounds =
    options.maxInputRounds === undefined ? {} : { maxInputRounds: options.maxInputRounds };
  switch (options.command) {
    case 'info':
      return info(run, session);
    case 'tools':
      return listing(run, caps, 'tools', { tools: [] }, 'tools/list', async (o) => {
        const tools = await session.listAllTools({ ...o, ...perCall });
        return { json: { tools }, text: () => formatTools(tools, run.columns) };
      });
    case 'call': {
      const [name = '', argsText] = options.args;
      const args = parseJsonObject(argsText, 'tool arguments');
      const result: Json = await run.withRequest(name, (o) =>
        session.callTool(name, args, { ...o, ...perCall, ...rounds }),
      );
      if (options.json) run.json(result);
      else run.out(formatToolResult(result));
      if (result.isError === true) {
        run.note(`mcp-actors: the tool ${JSON.stringify(name)} reported an error (isError).`);
        return EXIT.serverError;
      }
      return EXIT.ok;
    }
    case 'prompts':
      return listing(run, caps, 'prompts', { prompts: [] }, 'prompts/list', async (o) => {
        const prompts = await session.listAllPrompts({ ...o, ...perCall });
        return { json: { prompts }, text: () => formatPrompts(prompts, run.columns) };
      });
    case 'get-prompt': {
      const [name = '', argsText] = options.args;
      const args = parsePromptArguments(argsText);
      const result = (await run.withRequest(name, (o) =>
        session.getPrompt(name, args, { ...o, ...perCall, ...rounds }),
      )) as Json;
      if (options.json) run.json(result);
      else run.out(formatPromptResult(result));
      return EXIT.ok;
    }
    case 'resources':
      return listing(
        run,
        caps,
        'resources',
        { resources: [], resourceTemplates: [] },
        'resources/list',
        async (o) => {
          const resources = await session.listAllResources({ ...o, ...perCall });
          let templates: unknown[] = [];
          try {
            templates = await session.listAllResourceTemplates({ ...o, ...perCall });
          } catch (error) {
            // A server without templates may not know the method at all.
            if (!(error instanceof JsonRpcError && error.code === -32601)) throw error;
          }
          return {
            json: { resources, resourceTemplates: templates },
            text: () => formatResources(resources, templates as Json[], run.columns),
          };
        },
      );
    case 'read': {
      const [uri = ''] = options.args;
      const result = (await run.withRequest(uri, (o) =>
        session.readResource(uri, { ...o, ...perCall, ...rounds }),
      )) as Json;
      if (options.json) run.json(result);
      else run.out(formatReadResult(result));
      return EXIT.ok;
    }
    case 'listen':
      return listen(run, session);
    case 'shell':
      return runShell(shellHost(run, session));
    case 'login':
    case 'logout':
      throw new Error(`${options.command} opens no session`);
  }
}

function info(run: Run, session: ClientSession): CommandResult {
  const n = session.negotiated;
  if (n === undefined) throw new Error('not connected');
  const mode = run.options.protocolVersion;
  const negotiation =
    mode !== undefined
      ? `${n.era === 'modern' ? 'server/discover' : 'initialize'}, pinned to ${mode} (--protocol-version)`
      : session.fallbackReason !== undefined
        ? n.era === 'modern'
          ? `server/discover (a 2026 server slower than the probe: ${session.fallbackReason})`
          : `probed with server/discover, fell back to initialize: ${session.fallbackReason}`
        : n.era === 'modern'
          ? 'server/discover (the probe found a 2026 server)'
          : 'initialize';
  const view: InfoView = {
    protocolVersion: n.protocolVersion,
    era: n.era,
    transport: run.transport?.describe() ?? '?',
    negotiation,
    serverInfo: session.serverInfo,
    capabilities: session.serverCapabilities,
    instructions: session.instructions,
    supportedVersions: session.discoverResult?.supportedVersions,
  };
  if (run.options.json) {
    run.json({
      protocolVersion: n.protocolVersion,
      era: n.era,
      negotiation: {
        mode: negotiationOptions(run.options).mode ?? 'auto',
        ...(mode === undefined ? {} : { pinnedVersion: mode }),
        ...(session.fallbackReason === undefined ? {} : { fallbackReason: session.fallbackReason }),
        ...(view.supportedVersions === undefined
          ? {}
          : { supportedVersions: view.supportedVersions }),
      },
      transport: view.transport,
      serverInfo: view.serverInfo ?? null,
      capabilities: view.capabilities ?? {},
      instructions: view.instructions ?? null,
    });
  } else {
    run.out(formatInfo(view));
  }
  return EXIT.ok;
}

/** Prints notifications until Ctrl-C, `--limit`, or the server ending the stream. */
async function listen(run: Run, session: ClientSession): Promise<CommandResult> {
  const { options } = run;
  const limit = options.limit ?? Infinity;
  let count = 0;
  let reachedLimit!: () => void;
  const limitReached = new Promise<void>((resolve) => {
    reachedLimit = resolve;
  });
  const print = (method: string, params: unknown): void => {
    if (count >= limit) return;
    count++;
    if (options.json) run.out(JSON.stringify({ method, params: params ?? {} }));
    else run.out(formatNotification(method, params, new Date()));
    if (count >= limit) reachedLimit();
  };
  const interrupted = new Promise<void>((resolve) => {
    if (run.interrupt.signal.aborted) resolve();
    run.interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
  });

  if (session.era === 'modern') {
    const caps = session.serverCapabilities ?? {};
    const changed = (name: string): boolean =>
      typeof caps[name] === 'object' &&
      (caps[name] as { listChanged?: unknown }).listChanged === true;
    const filter: SubscriptionFilter = {
      ...(changed('tools') ? { toolsListChanged: true } : {}),
      ...(changed('prompts') ? { promptsListChanged: true } : {}),
      ...(changed('resources') ? { resourcesListChanged: true } : {}),
      ...(options.resources.length === 0 ? {} : { resourceSubscriptions: options.resources }),
    };
    // Other notifications (log messages) print as they come; the stream's own below.
    run.onNotification = (method, params) => {
      const meta = (params as { _meta?: Record<string, unknown> } | undefined)?._meta;
      if (meta?.[META_SUBSCRIPTION_ID] !== undefined) return;
      if (method === 'notifications/message') print(method, params);
    };
    for (const [method, params] of run.early.splice(0)) run.onNotification(method, params);
    const controller = new AbortController();
    const stop = (): void => controller.abort('the user stopped listening');
    run.interrupt.signal.addEventListener('abort', stop, { once: true });
    const sub = await session.listen(filter, { signal: controller.signal });
    const honoured = Object.entries(sub.honoured ?? {})
      .filter(([, v]) => v === true || (Array.isArray(v) && v.length > 0))
      .map(([k, v]) => (Array.isArray(v) ? `${k} (${v.join(', ')})` : k));
    run.note(
      `mcp-actors: listening (subscriptions/listen: ${honoured.length === 0 ? 'nothing honoured' : honoured.join(', ')}); Ctrl-C to stop.`,
    );
    if (sub.refused.length > 0)
      run.note(`mcp-actors: the server refused: ${sub.refused.join(', ')}`);
    const pump = (async () => {
      for await (const n of sub) {
        if (n.method === 'notifications/subscriptions/acknowledged') continue;
        print(n.method, n.params);
      }
    })();
    await Promise.race([pump, limitReached, interrupted]);
    await sub.close();
    const end = await sub.ended;
    run.interrupt.signal.removeEventListener('abort', stop);
    if (end.by === 'error') throw end.error;
    if (end.by === 'server' || end.by === 'server-cancelled') {
      run.note(
        `mcp-actors: the server ended the subscription${end.by === 'server-cancelled' ? ' (cancelled)' : ''}.`,
      );
    }
    return EXIT.ok;
  }

  // A legacy-era server: no subscriptions/listen.
  run.note(
    `mcp-actors: subscriptions/listen is a 2026-07-28 method; this server speaks ${session.protocolVersion ?? '?'} (legacy era). ` +
      'Printing the notifications it sends on its own instead; Ctrl-C to stop.',
  );
  run.onNotification = print;
  for (const [method, params] of run.early.splice(0)) print(method, params);
  const resources = session.serverCapabilities?.resources as { subscribe?: unknown } | undefined;
  for (const uri of options.resources) {
    if (resources?.subscribe !== true) {
      run.note(
        `mcp-actors: the server does not offer resource subscriptions; not subscribed to ${uri}.`,
      );
      break;
    }
    const r = run.requestOptions('resources/subscribe');
    try {
      await session.subscribeResource(uri, r.options);
    } finally {
      r.done();
    }
  }
  const closed = new Promise<unknown>((resolve) => {
    const check = (state: string): void => {
      if (state === 'closing' || state === 'closed') resolve(session.error);
    };
    check(session.state);
    session.onStateChange(check);
  });
  const ended = await Promise.race([
    limitReached.then(() => 'limit' as const),
    interrupted.then(() => 'interrupt' as const),
    closed.then((error) => ({ error })),
  ]);
  if (typeof ended === 'object') {
    throw new McpError(
      'CONNECTION_CLOSED',
      `The server closed the connection${ended.error instanceof Error ? `: ${clause(ended.error.message)}` : ''}.`,
      { cause: ended.error },
    );
  }
  return EXIT.ok;
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
      run.onNotification = print;
    },
    useAsker(open) {
      run.openAsker = open;
    },
    note: (text) => run.note(text),
    verbose: (text) => run.verbose(text),
  };
}

/** The method and id an error message names: `(tools/call, id 3)`. */
function requestRef(message: string): { method: string; id: string } | undefined {
  const m = /\(([^,()]+), id ([^)]+)\)/.exec(message);
  return m === null ? undefined : { method: m[1] ?? '?', id: m[2] ?? '?' };
}

/** The system error code deep in a cause chain (ECONNREFUSED, ENOTFOUND), as ` (CODE)`. */
function systemCode(error: unknown): string {
  let current: unknown = error;
  let found: string | undefined;
  for (let depth = 0; current instanceof Error && depth < 10; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) found = code;
    current = current.cause;
  }
  return found === undefined || oneLine(error).includes(found) ? '' : ` (${found}).`;
}

/** The report of an authorization failure: the reason and the message, or the hint to log in. */
function authLine(run: Run, error: unknown): string {
  const failure = authFailureIn(error);
  const where = targetText(run.options.server);
  if (failure === undefined) return oneLine(error);
  const server = run.options.server;
  if (run.auth?.userNeeded === true && server.kind === 'http') {
    return run.options.command === 'login'
      ? `login needs you at a browser, and --no-interactive was given.`
      : `${where} needs authorization, and ${nobodyToAskText(server.url, server.oauth)}.`;
  }
  if (failure instanceof AuthorizationError) {
    return `authorization at ${where} failed (${failure.reason}): ${oneLine(failure)}`;
  }
  return oneLine(failure);
}

/** Writes the report of a failure; returns the exit code. */
function report(run: Run, error: unknown, phase: 'connect' | 'command'): number {
  const code = exitCodeOf(error, phase);
  run.status.clear();
  if (code === EXIT.interrupted || code === EXIT.terminated) {
    const ref = error instanceof RequestCancelledError ? requestRef(error.message) : undefined;
    run.note(
      `mcp-actors: interrupted${ref === undefined ? (phase === 'connect' ? ' while connecting' : '') : `: ${ref.method} (id ${ref.id}) cancelled`}.`,
    );
    if (run.options.verbose && ref !== undefined) {
      const http = run.options.server.kind === 'http' && run.session?.era === 'modern';
      run.note(
        http
          ? `mcp-actors: the ${ref.method} POST was aborted (the 2026 HTTP way to cancel).`
          : `mcp-actors: notifications/cancelled was sent to the server for id ${ref.id}.`,
      );
    }
    return code;
  }
  let line: string;
  let hint: string | undefined;
  const context = { protocolVersion: run.options.protocolVersion };
  if (code === EXIT.timeout) {
    const ms = run.options.timeout;
    const method =
      error instanceof ConnectTimeoutError
        ? error.method
        : (requestRef(oneLine(error))?.method ?? 'the request');
    const waited = method === undefined ? 'the transport did not start' : `no answer to ${method}`;
    line =
      phase === 'connect'
        ? `timed out connecting to ${targetText(run.options.server)}: ${waited} within ${ms} ms (raise --timeout, or 0 for none).`
        : `${method ?? 'the request'} timed out after ${ms} ms with no answer or progress; it was cancelled (raise --timeout, or 0 for none).`;
    hint = 'Raise --timeout, or give 0 for none.';
  } else if (code === EXIT.auth) {
    line = authLine(run, error);
  } else {
    // "could not connect" already says the connection closed: tell why it did.
    const why =
      phase === 'connect' && error instanceof ConnectionClosedError && error.cause instanceof Error
        ? error.cause
        : error;
    const told = tellError(why, context);
    hint = told.hint;
    const text = oneLine(why, told.text);
    if (phase === 'connect') {
      const sys = systemCode(error);
      line = `could not connect to ${targetText(run.options.server)}: ${sys === '' ? text : clause(text) + sys}`;
    } else {
      line = text;
    }
    if (hint !== undefined && !line.includes(clause(hint))) line = `${sentence(line)} ${hint}`;
  }
  run.note(`mcp-actors: ${line}`);
  if (run.options.verbose) for (const l of causeChain(error)) run.note(`  ${l}`);
  if (run.options.json) run.json(errorDocument(error, code, context, hint));
  return code;
}

/**
 * The OAuth client of the run: the browser may open by itself at a terminal, and for `login`
 * (unless --no-interactive), never for `logout`; the deadlines stand still while the user is at
 * the browser.
 */
async function startAuth(
  run: Run,
  url: URL,
  settings: OAuthSettings,
  inspect: ((event: InspectionEvent) => void) | undefined,
): Promise<CliAuth> {
  const { options, io } = run;
  const auth = await startCliAuth({
    server: url,
    settings,
    inspect,
    env: io.env ?? {},
    mayAskUser:
      options.command === 'login'
        ? !options.noInteractive
        : options.command !== 'logout' && run.authInteractive,
    note: (line) => run.note(line),
    verbose: (line) => run.verbose(line),
  });
  auth.client.actor.subscribe((snapshot) => run.authorizing(snapshot.value === 'authorizing'));
  return auth;
}

/** `login` or `logout`: the tokens of the server at --url. */
async function runAuthCommand(run: Run): Promise<number> {
  const { options, auth } = run;
  const server = options.server;
  if (auth === undefined || server.kind !== 'http') throw new Error('no OAuth client');
  if (options.command === 'login') {
    const outcome = await login(auth, server.url, run.interrupt.signal);
    if (options.json) run.json(outcome);
    else run.out(loginText(outcome));
    return EXIT.ok;
  }
  const outcome = await logout(auth, server.url);
  if (options.json) {
    run.json({
      server: outcome.server,
      forgotten: outcome.forgotten,
      revoked: outcome.revoked,
      notRevocable: outcome.unsupported,
      tokenStore: outcome.tokenStore,
    });
  } else {
    run.out(logoutText(outcome));
  }
  return EXIT.ok;
}

/** Runs the CLI with `argv` (without node and the script); resolves with the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let options: CliOptions;
  try {
    const parsed = parseCommandLine(argv, io.cwd, io.env);
    if (parsed.kind !== 'run') {
      io.stdout.write(`${parsed.text.replace(/\n?$/, '\n')}`);
      return EXIT.ok;
    }
    options = parsed.options;
    try {
      prepare(options);
    } catch (error) {
      throw error instanceof UsageError && error.command === undefined
        ? new UsageError(error.message, options.command)
        : error;
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(
        `mcp-actors: ${error.message}\nRun 'mcp-actors ${error.command === undefined ? '' : `${error.command} `}--help' for usage.\n`,
      );
      return EXIT.usage;
    }
    throw error;
  }

  const r = new Run(io, options);
  const removers: (() => void)[] = [];
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
  removers.push(
    io.onSignal('SIGINT', onSignal('SIGINT')),
    io.onSignal('SIGTERM', onSignal('SIGTERM')),
  );
  // A reader that went away (mcp-actors listen | head) stops the run as Ctrl-C would.
  const onStdoutError = (error: { code?: unknown }): void => {
    if (error.code === 'EPIPE' && signals === 0) onSignal('SIGINT')();
  };
  io.stdout.on('error', onStdoutError);
  removers.push(() => io.stdout.off('error', onStdoutError));

  let inspector: Inspector | undefined;
  let code: number = EXIT.ok;
  try {
    if (options.inspect) {
      try {
        const { startInspector } = await import('../node/inspector.js');
        inspector = await startInspector();
      } catch (error) {
        io.stderr.write(`mcp-actors: could not open the inspector: ${oneLine(error)}\n`);
        if (options.verbose) for (const l of causeChain(error)) io.stderr.write(`  ${l}\n`);
        return EXIT.serverError;
      }
      io.stderr.write(`mcp-actors: inspector at ${inspector.url}\n`);
    }
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
    const hooks = hooksOf(r);
    const built = buildSession(options, {
      ...hooks,
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
    try {
      if (
        options.logLevel !== undefined &&
        session.era === 'legacy' &&
        has(session.serverCapabilities, 'logging')
      ) {
        await session.setLoggingLevel(options.logLevel);
      }
      code = await runCommand(r, session);
    } catch (error) {
      code = report(r, error, 'command');
    }
    return code;
  } finally {
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
    if (inspector !== undefined) {
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
    for (const remove of removers) remove();
  }
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
