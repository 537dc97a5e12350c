/**
 * `mcp-actors shell`: one live session, commands typed a line at a time. The lines are parsed
 * into the CLI's commands (shell-line.ts) and run by the runner, with the same output; this
 * module owns the terminal: the prompt, history, tab completion, Ctrl-C and Ctrl-D, and the
 * server's notifications written above the prompt as they arrive.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import {
  clearScreenDown,
  createInterface,
  cursorTo,
  moveCursor,
  type Interface,
} from 'node:readline';
import type { Readable } from 'node:stream';
import type { ClientSession } from '../index.js';
import type { Subscription, SubscriptionFilter } from '../session/subscriptions.js';
import { UsageError, type ShellCommandName } from './commands.js';
import type { CliEnv } from './options.js';
import { EXIT, exitCodeOf, oneLine } from './exit.js';
import { formatNotification } from './format.js';
import { DialogEnded, type Asker } from './interactive.js';
import {
  completeLine,
  EMPTY_CATALOG,
  parseShellLine,
  schemaPropertyNames,
  type Catalog,
} from './shell-line.js';

/** The stream the shell draws on (stderr): a terminal, or not. */
export interface ShellOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/** A terminal dialog the runner opens on the shell's line editor. */
export type ShellAsker = Asker & { close(): void };

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

/** How many lines of history are kept. */
export const HISTORY_SIZE = 1000;

/**
 * The history file: `MCP_ACTORS_HISTORY` when set (empty: none, history in memory only), else
 * `$XDG_STATE_HOME/mcp-actors/shell_history` when that is an absolute path, else
 * `~/.local/state/mcp-actors/shell_history`.
 */
export function historyPath(env: CliEnv): string | undefined {
  const given = env['MCP_ACTORS_HISTORY'];
  if (given !== undefined) return given === '' ? undefined : given;
  const state = env['XDG_STATE_HOME'];
  const base =
    state !== undefined && path.isAbsolute(state) ? state : path.join(homedir(), '.local', 'state');
  return path.join(base, 'mcp-actors', 'shell_history');
}

/** The history kept in `file`, newest first (as node:readline takes it); trims a long file. */
function loadHistory(file: string): string[] {
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
  if (lines.length > 2 * HISTORY_SIZE) {
    lines = lines.slice(-HISTORY_SIZE);
    try {
      writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    } catch {
      // Kept as it is; it is read from the end.
    }
  }
  return lines.slice(-HISTORY_SIZE).reverse();
}

/** What the notifications that change a list refresh of the completions. */
const LIST_CHANGED: Readonly<Record<string, 'tools' | 'prompts' | 'resources'>> = {
  'notifications/tools/list_changed': 'tools',
  'notifications/prompts/list_changed': 'prompts',
  'notifications/resources/list_changed': 'resources',
};

/** Notifications not printed: progress is the progress bar; an acknowledgement is no news. */
const QUIET = new Set(['notifications/progress', 'notifications/subscriptions/acknowledged']);

const has = (caps: Readonly<Record<string, unknown>> | undefined, name: string): boolean =>
  caps !== undefined && caps[name] !== undefined && caps[name] !== null;

/**
 * Runs the shell until `exit`, `quit`, Ctrl-D (or the end of the input), Ctrl-C at an empty
 * line, a signal, or the connection closing. Resolves with 0; 130 or 143 when a signal stopped
 * it; 3 when the connection closed beneath the shell.
 */
export async function runShell(host: ShellHost): Promise<number> {
  const { session, stderr } = host;
  const terminal = host.stdin.isTTY === true;
  const historyFile = terminal ? historyPath(host.env) : undefined;
  let catalog: Catalog = EMPTY_CATALOG;
  const name = session.serverInfo?.name ?? 'mcp';
  const rl: Interface = createInterface({
    input: host.stdin,
    output: stderr as NodeJS.WritableStream,
    terminal,
    prompt: `${name}> `,
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    history: historyFile === undefined ? [] : loadHistory(historyFile),
    ...(terminal
      ? { completer: (line: string): [string[], string] => completeLine(line, catalog) }
      : {}),
  });

  const queue: string[] = [];
  let running = false;
  let ended = false;
  /** Whether the prompt has been shown (a line printed before it needs no redraw). */
  let prompted = false;
  let lost: unknown;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  /** Ends the question open in a dialog (Ctrl-C, Ctrl-D); set while one is open. */
  let endDialog: ((how: 'interrupt' | 'eof') => void) | undefined;

  /** Writes whole lines without garbling the prompt: above it, then the prompt and input again. */
  const print = (text: string): void => {
    if (!terminal || !prompted || running || ended) {
      host.note(text);
      return;
    }
    const rows = rl.getCursorPos().rows;
    moveCursor(stderr as NodeJS.WritableStream, 0, -rows);
    cursorTo(stderr as NodeJS.WritableStream, 0);
    clearScreenDown(stderr as NodeJS.WritableStream);
    // The line editor redraws from `rows` lines above the cursor: leave it that many.
    stderr.write(`${text.replace(/\n$/, '')}\n${'\n'.repeat(rows)}`);
    rl.prompt(true);
  };

  const caps = session.serverCapabilities;
  type Kind = 'tools' | 'prompts' | 'resources';
  // One listing of a kind at a time; changes while it runs make one more after it.
  const inFlight = new Map<Kind, Promise<void>>();
  const stale = new Set<Kind>();
  const refresh = (kind: Kind): Promise<void> => {
    const pending = inFlight.get(kind);
    if (pending !== undefined) {
      stale.add(kind);
      return pending;
    }
    const next = list(kind).finally(() => {
      inFlight.delete(kind);
      if (stale.delete(kind) && !ended) void refresh(kind);
    });
    inFlight.set(kind, next);
    return next;
  };
  const list = async (kind: Kind): Promise<void> => {
    if (!has(caps, kind)) return;
    try {
      if (kind === 'tools') {
        const tools = await session.listAllTools();
        catalog = {
          ...catalog,
          tools: new Map(tools.map((t) => [t.name, schemaPropertyNames(t.inputSchema)])),
        };
      } else if (kind === 'prompts') {
        const prompts = await session.listAllPrompts();
        catalog = {
          ...catalog,
          prompts: new Map(prompts.map((p) => [p.name, (p.arguments ?? []).map((a) => a.name)])),
        };
      } else {
        const resources = await session.listAllResources();
        const templates = await session.listAllResourceTemplates().catch(() => []);
        catalog = {
          ...catalog,
          resources: [...resources.map((r) => r.uri), ...templates.map((t) => t.uriTemplate)],
        };
      }
    } catch (error) {
      host.verbose(`mcp-actors: could not list the ${kind} to complete: ${oneLine(error)}`);
    }
  };

  host.onNotification((method, params) => {
    const kind = LIST_CHANGED[method];
    if (kind !== undefined) void refresh(kind);
    if (QUIET.has(method)) return;
    print(formatNotification(method, params, new Date()));
  });

  // On a 2026-07-28 server, list changes come on a subscriptions/listen stream.
  let subscription: Subscription | undefined;
  if (session.era === 'modern') {
    const changed = (kind: string): boolean =>
      (caps?.[kind] as { listChanged?: unknown } | undefined)?.listChanged === true;
    const filter: SubscriptionFilter = {
      ...(changed('tools') ? { toolsListChanged: true } : {}),
      ...(changed('prompts') ? { promptsListChanged: true } : {}),
      ...(changed('resources') ? { resourcesListChanged: true } : {}),
    };
    if (Object.keys(filter).length > 0) {
      try {
        subscription = await session.listen(filter);
        // The notifications reach the printer above; the stream is only drained.
        void (async () => {
          for await (const n of subscription) void n;
        })().catch(() => {});
      } catch (error) {
        host.verbose(`mcp-actors: no subscription to list changes: ${oneLine(error)}`);
      }
    }
  }

  host.useAsker((signal) => {
    let current: AbortController | undefined;
    let reject: ((error: DialogEnded) => void) | undefined;
    let ended: DialogEnded | undefined;
    const end = (error: DialogEnded): void => {
      ended ??= error;
      const r = reject;
      reject = undefined;
      current?.abort();
      r?.(error);
    };
    const onAbort = (): void => {
      stderr.write('\n');
      end(new DialogEnded('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    endDialog = (how) => {
      if (how === 'interrupt') stderr.write('^C\n');
      end(new DialogEnded(how));
    };
    return {
      ask(question) {
        if (ended !== undefined) return Promise.reject(ended);
        if (signal.aborted) return Promise.reject(new DialogEnded('aborted'));
        return new Promise<string>((resolve, rejectAnswer) => {
          const controller = new AbortController();
          current = controller;
          reject = rejectAnswer;
          rl.question(question, { signal: controller.signal }, (answer) => {
            reject = undefined;
            resolve(answer);
          });
        });
      },
      say(text) {
        stderr.write(text.endsWith('\n') ? text : `${text}\n`);
      },
      close() {
        signal.removeEventListener('abort', onAbort);
        current?.abort();
        reject = undefined;
        endDialog = undefined;
      },
    };
  });

  rl.on('line', (line) => {
    queue.push(line);
    poke();
  });
  rl.on('SIGINT', () => {
    if (running) {
      // Ctrl-C cancels the command (a question open answers cancel), not the shell.
      endDialog?.('interrupt');
      host.cancel();
      return;
    }
    if (rl.line === '') {
      stderr.write('^C\n');
      ended = true;
      rl.close();
      return;
    }
    // Ctrl-C with something typed: drop it, as a shell does.
    rl.write(null, { ctrl: true, name: 'e' });
    stderr.write('^C\n');
    rl.write(null, { ctrl: true, name: 'u' });
  });
  rl.on('close', () => {
    // Ctrl-D at the prompt: the next output starts on a line of its own.
    if (terminal && !ended && !running && rl.line === '') stderr.write('\n');
    ended = true;
    endDialog?.('eof');
    poke();
  });
  const onStopped = (): void => {
    ended = true;
    rl.close();
  };
  host.stopped.addEventListener('abort', onStopped, { once: true });
  const offState = session.onStateChange((state) => {
    if (state !== 'closing' && state !== 'closed') return;
    if (lost !== undefined || ended) return;
    lost = session.error ?? new Error('the session closed');
    // At the prompt: the report starts on a line of its own.
    if (terminal && !running) stderr.write('\n');
    ended = true;
    rl.close();
  });

  const refreshed = Promise.all([refresh('tools'), refresh('prompts'), refresh('resources')]);
  const info = session.serverInfo;
  host.note(
    `mcp-actors: connected to ${info === undefined ? 'the server' : `${info.name} ${info.version}`} (${session.protocolVersion ?? '?'}). ` +
      "Type 'help' for the commands; Tab completes; Ctrl-D or 'exit' closes the session.",
  );

  let code: number = EXIT.ok;
  try {
    // The names to complete are there by the first prompt (lines typed meanwhile wait).
    await refreshed;
    prompted = true;
    if (terminal && !ended) rl.prompt();
    for (;;) {
      const line = queue.shift();
      if (line === undefined) {
        if (ended) break;
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      if (historyFile !== undefined && line.trim() !== '') {
        try {
          mkdirSync(path.dirname(historyFile), { recursive: true });
          appendFileSync(historyFile, `${line.replace(/[\r\n]+/g, ' ')}\n`, { mode: 0o600 });
        } catch (error) {
          host.verbose(
            `mcp-actors: could not keep the history in ${historyFile}: ${oneLine(error)}`,
          );
        }
      }
      running = true;
      let exit = false;
      try {
        const parsed = parseShellLine(line);
        if (parsed.kind === 'exit') exit = true;
        else if (parsed.kind === 'help') host.stdout.write(`${parsed.text}\n`);
        else if (parsed.kind === 'run')
          await host.execute(parsed.command, parsed.args, parsed.json);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        host.note(
          `mcp-actors: ${error.message}${error.command === undefined ? '' : ` See 'help ${error.command}'.`}`,
        );
      } finally {
        running = false;
      }
      if (exit) break;
      if (lost !== undefined) break;
      if (terminal && !ended) rl.prompt();
    }
    if (host.stopped.aborted) {
      // SIGTERM, or SIGINT from outside the terminal: 143 or 130, as for a one-shot command.
      code = exitCodeOf(host.stopped.reason, 'command');
      host.note('mcp-actors: interrupted; closing the session.');
    } else if (lost !== undefined) {
      host.note(`mcp-actors: the session closed: ${oneLine(lost)}`);
      code = EXIT.connection;
    }
  } finally {
    host.stopped.removeEventListener('abort', onStopped);
    offState();
    host.onNotification(undefined);
    host.useAsker(undefined);
    ended = true;
    rl.close();
    await subscription?.close().catch(() => {});
    await refreshed;
    await Promise.all(inFlight.values());
  }
  return code;
}
