import { spawn as spawnPty, type IPty } from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ACCOUNT_ID,
  startAuthorizationServer,
  startProtectedMcpServer,
  type AuthorizationServer,
  type ProtectedMcpServer,
} from './support/oauth-server.js';
import { serverEverything } from './support/servers.js';

/**
 * The `mcp-actors` CLI at a real terminal: a pseudo-terminal (node-pty) whose output goes to a
 * headless terminal emulator (xterm.js), which keeps the screen the user would see. Keys are
 * written to the terminal as the keyboard would send them; the screen is read from the emulator.
 * Each step waits for what it needs to see on the screen, never for a fixed time.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Quotes one word for sh. */
const q = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** What the keyboard sends for the keys the tests press. */
const KEYS: Readonly<Record<string, string>> = {
  'C-c': '\x03',
  'C-d': '\x04',
  Enter: '\r',
  Tab: '\t',
  Up: '\x1b[A',
};

const COLUMNS = 120;
const ROWS = 30;

/** Every terminal opened, closed after the tests. */
const opened: Terminal[] = [];

/**
 * Runs the CLI (from source) in a new 120×30 terminal, with `env` on top of the environment. When
 * it exits, the shell prints `[exit <code>]` and the terminal's icanon and echo settings (as
 * `stty -a` shows them), then waits.
 */
function terminal(args: readonly string[], env: Record<string, string> = {}): Terminal {
  const cli = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args].map(q).join(' ');
  const script = `trap : INT; ${cli}; echo "[exit $?]"; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$'; exec cat`;
  const t = new Terminal(
    spawnPty('sh', ['-c', script], {
      name: 'xterm-256color',
      cols: COLUMNS,
      rows: ROWS,
      cwd: root,
      env: { ...process.env, ...env },
    }),
  );
  opened.push(t);
  return t;
}

class Terminal {
  readonly #pty: IPty;
  readonly #emulator = new xterm.Terminal({
    cols: COLUMNS,
    rows: ROWS,
    scrollback: 10_000,
    allowProposedApi: true,
  });
  /** Whether the cursor is shown (DECTCEM, `CSI ? 25 h` / `CSI ? 25 l`). */
  #cursorShown = true;
  /** Wakes whoever waits for the screen to change. */
  #changed = new Set<() => void>();
  readonly exited: Promise<void>;

  constructor(pty: IPty) {
    this.#pty = pty;
    const cursor = (shown: boolean) => (params: (number | number[])[]) => {
      if (params.includes(25)) this.#cursorShown = shown;
      return false; // the emulator handles the sequence as well
    };
    this.#emulator.parser.registerCsiHandler({ prefix: '?', final: 'h' }, cursor(true));
    this.#emulator.parser.registerCsiHandler({ prefix: '?', final: 'l' }, cursor(false));
    this.#emulator.onWriteParsed(() => this.#wake());
    pty.onData((data) => this.#emulator.write(data));
    this.exited = new Promise((resolve) => pty.onExit(() => resolve()));
  }

  #wake(): void {
    const waiting = [...this.#changed];
    this.#changed.clear();
    for (const wake of waiting) wake();
  }

  /** Everything on the screen and in its history, wrapped lines joined. */
  screen(): string {
    const buffer = this.#emulator.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (line === undefined) continue;
      const wrapsOn = buffer.getLine(y + 1)?.isWrapped === true;
      const text = line.translateToString(!wrapsOn);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    return lines.join('\n').trimEnd();
  }

  /** The last line with something on it (where the cursor is, at a prompt). */
  lastLine(): string {
    return (
      this.screen()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .at(-1) ?? ''
    );
  }

  /** Presses keys (`C-c`, `Enter`). */
  keys(...keys: string[]): void {
    for (const key of keys) {
      const sent = KEYS[key];
      if (sent === undefined) throw new Error(`No key ${key}`);
      this.#pty.write(sent);
    }
  }

  /** Types `text` (no Enter). */
  write(text: string): void {
    this.#pty.write(text);
  }

  /** Types `text` and Enter. */
  type(text: string): void {
    if (text !== '') this.#pty.write(text);
    this.keys('Enter');
  }

  /**
   * Waits until `test` passes, checking after each change of the screen (and, for what is not on
   * the screen, such as a process, every 50 ms); fails with the screen after `ms`.
   */
  async until(what: string, test: (screen: string) => boolean, ms = 20_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const screen = this.screen();
      if (test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`The terminal never showed ${what}. Screen:\n${screen}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, 50);
        function wake(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#changed.add(wake);
      });
    }
  }

  /** Lines with something on them, history included. */
  lines(): number {
    return this.screen()
      .split('\n')
      .filter((l) => l.trim() !== '').length;
  }

  /**
   * Waits for a prompt containing `text` on the last line, answers it, and waits until the answer
   * was taken (a new line appears: the next question, or why the answer was refused).
   */
  async answer(text: string, reply: string): Promise<void> {
    await this.until(`a prompt with ${JSON.stringify(text)}`, () => this.lastLine().includes(text));
    const before = this.lines();
    this.type(reply);
    await this.until(`the answer ${JSON.stringify(reply)} taken`, () => this.lines() > before);
  }

  /** Waits for the CLI to exit; returns its exit code. */
  async exitCode(): Promise<number> {
    const screen = await this.until('the exit code', (s) => /^\[exit \d+\]$/m.test(s));
    return Number(/^\[exit (\d+)\]$/m.exec(screen)?.[1]);
  }

  /** The terminal settings printed after exit: icanon and echo must be on again. */
  async settings(): Promise<string[]> {
    const screen = await this.until('the terminal settings', (s) =>
      /^\[exit \d+\]\n-?icanon\n-?echo$/m.test(s),
    );
    const after = screen.slice(screen.search(/^\[exit \d+\]$/m)).split('\n');
    return after.slice(1, 3);
  }

  cursorVisible(): boolean {
    return this.#cursorShown;
  }

  /**
   * Hangs up the terminal, as closing its window does: SIGHUP to the shell, whose end sends SIGHUP
   * on to what still runs at the terminal. Waits for the shell to end.
   */
  async close(): Promise<void> {
    this.#pty.kill('SIGHUP');
    await this.exited;
    this.#emulator.dispose();
  }
}

/** Whether a process is running (a zombie counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/**
 * A stdio wrapper around the server: copies every line the client sends to a log and writes the
 * server's process id to a file, so the test can see what reached the server and whether it is
 * still running.
 */
const TAP = `
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
const [log, pidFile, command, ...args] = process.argv.slice(2);
const server = spawn(command, args, { stdio: ['pipe', 'inherit', 'inherit'] });
writeFileSync(pidFile, String(server.pid));
process.stdin.on('data', (chunk) => {
  appendFileSync(log, chunk);
  server.stdin.write(chunk);
});
process.stdin.on('end', () => server.stdin.end());
server.on('exit', (code, signal) => process.exit(code ?? 1));
`;

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'mcp-actors-cli-tty-'));
  writeFileSync(path.join(scratch, 'tap.mjs'), TAP);
});

afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * A 60-step long operation called at the terminal, through the tap that logs what reaches the
 * server (`<name>.log`) and writes the server's pid (`<name>.pid`).
 */
function longCall(name: string, flags: string[] = []) {
  const log = path.join(scratch, `${name}.log`);
  const pidFile = path.join(scratch, `${name}.pid`);
  const t = terminal([
    'call',
    'trigger-long-running-operation',
    '{"duration":60,"steps":60}',
    ...flags,
    '--',
    process.execPath,
    path.join(scratch, 'tap.mjs'),
    log,
    pidFile,
    process.execPath,
    serverEverything,
    'stdio',
  ]);
  return { t, log, pidFile };
}

describe('mcp-actors at a terminal', () => {
  it('draws a progress bar; Ctrl-C cancels the call at the server, stops it, exits 130 and leaves the terminal clean', async () => {
    const { t, log, pidFile } = longCall('sent', ['--verbose']);
    // The bar, redrawn in place: at step 2 or later there is still one bar line.
    const drawn = await t.until('the progress bar at step 2 or later', (s) => {
      const step = /trigger-long-running-operation █*░* +\d+% {2}(\d+)\/60$/m.exec(s);
      return step !== null && Number(step[1]) >= 2;
    });
    expect(drawn.split('\n').filter((l) => /\d+\/60$/.test(l))).toHaveLength(1);
    expect(t.lastLine()).toMatch(/^trigger-long-running-operation █+░+ +\d+% {2}\d+\/60$/);
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(serverPid)).toBe(true);

    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    const screen = t.screen();
    const cancelled = /^mcp-actors: interrupted: tools\/call \(id (\d+)\) cancelled\.$/m.exec(
      screen,
    );
    expect(cancelled).not.toBeNull();
    const id = Number(cancelled?.[1]);
    expect(screen).toMatch(
      new RegExp(
        `^mcp-actors: notifications/cancelled was sent to the server for id ${id}\\.$`,
        'm',
      ),
    );
    // What reached the server: the call, then its cancellation.
    const sent = readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { id?: number; method?: string; params?: { requestId?: number } },
      );
    expect(sent).toContainEqual(expect.objectContaining({ id, method: 'tools/call' }));
    expect(sent).toContainEqual(
      expect.objectContaining({
        method: 'notifications/cancelled',
        params: expect.objectContaining({ requestId: id }),
      }),
    );
    // The server was stopped, not left running.
    await t.until('the server process gone', () => !alive(serverPid));
    // The terminal is clean: no bar left, line discipline back, cursor shown.
    expect(screen).not.toMatch(/[█░]/);
    expect(await t.settings()).toEqual(['icanon', 'echo']);
    expect(t.cursorVisible()).toBe(true);
  });

  it('a second Ctrl-C does not wait for a graceful close: the server is killed at once', async () => {
    const { t, pidFile } = longCall('twice');
    await t.until('the progress bar', (s) => /\d+\/60$/m.test(s));
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    t.keys('C-c');
    // The server ignores the end of its input while its operation runs: the graceful close
    // would wait before SIGTERM. The second Ctrl-C comes during that wait.
    await t.until('the interruption reported', (s) =>
      s.includes('mcp-actors: interrupted: tools/call'),
    );
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(t.screen()).toMatch(/^mcp-actors: interrupted again: killing the server now\.$/m);
    await t.until('the server process gone', () => !alive(serverPid));
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });

  it('answers an elicitation form field by field, checking each answer', async () => {
    const t = terminal([
      'call',
      'trigger-elicitation-request',
      '--',
      process.execPath,
      serverEverything,
      'stdio',
    ]);
    await t.answer('Fill in the form? (y)es, (d)ecline, (c)ancel [y]', '');
    await t.answer('? String (name)* — Your full, legal name (text):', '');
    await t.until('the required field refused', (s) => s.includes('✗ this field is required'));
    await t.answer('(name)*', 'Ada Lovelace');
    await t.answer('(check)', 'maybe');
    await t.until('the boolean refused', (s) => s.includes('✗ answer y or n'));
    await t.answer('(check)', 'y');
    await t.answer('(firstLine)', '');
    await t.answer('(email)', 'ada@');
    await t.until('the email refused', (s) => s.includes('✗ not an email address'));
    await t.answer('(email)', 'ada@example.com');
    await t.answer('(homepage)', '');
    await t.answer('(birthdate)', '1815-12-10');
    await t.answer('(integer)', '500');
    await t.until('the integer refused', (s) => s.includes('✗ must be at most 100'));
    await t.answer('(integer)', '7');
    await t.answer('(number)', '');
    await t.answer('(untitledSingleSelectEnum)', '3');
    await t.answer('(untitledMultipleSelectEnum)', 'Piano, 3');
    await t.answer('(titledSingleSelectEnum)', 'wonder woman');
    await t.answer('(titledMultipleSelectEnum)', '');
    await t.answer('(legacyTitledEnum)', 'Dogs');
    await t.answer('Send? (y)es, (d)ecline, (c)ancel [y]', 'y');
    expect(await t.exitCode()).toBe(0);
    const screen = t.screen();
    expect(screen).toContain('✅ User provided the requested information!');
    expect(screen).toContain('- Name: Ada Lovelace');
    expect(screen).toContain('- Agreed to terms: true');
    expect(screen).toContain('- Email: ada@example.com');
    expect(screen).toContain('- Favorite Integer: 7');
    // The raw result the server got: defaults taken, choices by number, value and title.
    const raw = JSON.parse(/Raw result: (\{[\s\S]*?\n\})/.exec(screen)?.[1] ?? '{}') as {
      action?: string;
      content?: Record<string, unknown>;
    };
    expect(raw).toEqual({
      action: 'accept',
      content: {
        name: 'Ada Lovelace',
        check: true,
        firstLine: 'It was a dark and stormy night.',
        email: 'ada@example.com',
        birthdate: '1815-12-10',
        integer: 7,
        number: 3.14,
        untitledSingleSelectEnum: 'Joey',
        untitledMultipleSelectEnum: ['Piano', 'Violin'],
        titledSingleSelectEnum: 'hero-3',
        titledMultipleSelectEnum: ['fish-1'],
        legacyTitledEnum: 'pet-2',
      },
    });
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });

  it('takes a typed reply to a sampling request', async () => {
    const t = terminal([
      'call',
      'trigger-sampling-request',
      '{"prompt":"What is 2+2?","maxTokens":10}',
      '--',
      process.execPath,
      serverEverything,
      'stdio',
    ]);
    const asked = await t.until('the sampling request', (s) => s.includes('? Your reply'));
    expect(asked).toContain('[user] Resource trigger-sampling-request context: What is 2+2?');
    expect(asked).toContain('(max 10 tokens, temperature 0.7)');
    await t.answer('? Your reply (Enter alone declines):', 'Four.');
    expect(await t.exitCode()).toBe(0);
    const screen = t.screen();
    expect(screen).toMatch(/"text": "Four\."/);
    expect(screen).toMatch(/"model": "mcp-actors-terminal"/);
  });

  it('Ctrl-C at a prompt interrupts the call and gives the terminal back', async () => {
    const t = terminal([
      'call',
      'trigger-elicitation-request',
      '--',
      process.execPath,
      serverEverything,
      'stdio',
    ]);
    await t.until('the first question', () => t.lastLine().includes('Fill in the form?'));
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(t.screen()).toMatch(/^mcp-actors: interrupted: tools\/call \(id \d+\) cancelled\.$/m);
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });
});

describe('mcp-actors shell at a terminal', () => {
  const PROMPT = 'mcp-servers/everything>';
  /** A shell on server-everything through the tap, with its history in `<name>.history`. */
  function shell(name: string) {
    const log = path.join(scratch, `${name}.log`);
    const pidFile = path.join(scratch, `${name}.pid`);
    const history = path.join(scratch, `${name}.history`);
    const t = terminal(
      [
        'shell',
        '--',
        process.execPath,
        path.join(scratch, 'tap.mjs'),
        log,
        pidFile,
        process.execPath,
        serverEverything,
        'stdio',
      ],
      { MCP_ACTORS_HISTORY: history },
    );
    return { t, log, pidFile, history };
  }
  /** Waits for `text` on the screen and the prompt back, empty, on the last line. */
  const settled = (t: Terminal, text: string): Promise<string> =>
    t.until(
      `${JSON.stringify(text)} and the prompt`,
      (s) => s.includes(text) && t.lastLine() === PROMPT,
    );
  /** The messages that reached the server so far (a line still being written is left out). */
  const sent = (log: string) =>
    readFileSync(log, 'utf8')
      .split('\n')
      .slice(0, -1)
      .map(
        (l) => JSON.parse(l) as { id?: number; method?: string; params?: { requestId?: number } },
      );

  it('runs commands, completes names and arguments, cancels a call with Ctrl-C and stays, prints notifications above the prompt, and exits', async () => {
    const { t, log, pidFile, history } = shell('shell');
    await t.until('the prompt', () => t.lastLine() === PROMPT);
    expect(t.screen()).toMatch(
      /^mcp-actors: connected to mcp-servers\/everything \S+ \(2025-11-25\)\. Type 'help' for the commands; Tab completes; Ctrl-D or 'exit' closes the session\.$/m,
    );
    const serverPid = Number(readFileSync(pidFile, 'utf8'));

    // A command, its JSON argument typed bare.
    t.type('call echo {"message": "hi"}');
    await settled(t, 'Echo: hi');

    // Tab completes a tool's name, then its argument names (those not given yet).
    t.write('call get-su');
    t.keys('Tab');
    await t.until('the tool name completed', () => t.lastLine() === `${PROMPT} call get-sum`);
    t.write('{"b');
    t.keys('Tab');
    await t.until('the argument name completed', () => t.lastLine().endsWith('call get-sum {"b":'));
    t.write('2, "');
    t.keys('Tab');
    await t.until('the other argument completed', () =>
      t.lastLine().endsWith('call get-sum {"b": 2, "a":'),
    );
    t.type('3}');
    await settled(t, 'The sum of 3 and 2 is 5.');

    // Ctrl-C cancels a long call at the server; the shell and the session stay.
    t.type('call trigger-long-running-operation {"duration": 60, "steps": 60}');
    await t.until('the progress bar at step 1 or later', (s) => {
      const step = /trigger-long-running-operation █*░* +\d+% {2}(\d+)\/60$/m.exec(s);
      return step !== null && Number(step[1]) >= 1;
    });
    t.keys('C-c');
    const screen = await settled(t, 'mcp-actors: interrupted: tools/call');
    const id = Number(
      /^mcp-actors: interrupted: tools\/call \(id (\d+)\) cancelled\.$/m.exec(screen)?.[1],
    );
    expect(id).toBeGreaterThan(0);
    // The tap logs what it passes on to the server: wait for it to have passed the cancellation.
    await t.until('the cancellation at the server', () =>
      sent(log).some((m) => m.method === 'notifications/cancelled' && m.params?.requestId === id),
    );
    expect(screen).not.toMatch(/[█░]/);
    expect(alive(serverPid)).toBe(true);
    t.type('call echo {"message": "still here"}');
    await settled(t, 'Echo: still here');

    // Notifications print as they arrive, above the prompt and what is being typed.
    t.type('call toggle-simulated-logging');
    await settled(t, 'Started simulated, random-leveled logging');
    t.write('call ec');
    await t.until('the line typed', () => t.lastLine() === `${PROMPT} call ec`);
    const logged = (s: string): number =>
      s.match(/^\d\d:\d\d:\d\d {2}notifications\/message {2}\w+: /gm)?.length ?? 0;
    const before = logged(t.screen());
    // The message (on stderr) and the prompt drawn again below it (readline's output) are two
    // writes: the screen is read once both have landed.
    const linesOf = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');
    const printed = await t.until(
      'a log message while typing, the line typed below it',
      (s) => logged(s) > before && linesOf(s).at(-1) === `${PROMPT} call ec`,
    );
    const lines = linesOf(printed);
    expect(lines.at(-1)).toBe(`${PROMPT} call ec`);
    expect(lines.at(-2)).toMatch(/^\d\d:\d\d:\d\d {2}notifications\/message {2}\w+: \w+[ -]level/);
    // Ctrl-C drops what was typed, and the session stays.
    t.keys('C-c');
    await t.until('an empty prompt', () => t.lastLine() === PROMPT);
    t.type('call toggle-simulated-logging');
    await settled(t, 'Stopped simulated logging');

    // History: the line before, with the up arrow; and kept in the history file.
    t.keys('Up');
    await t.until(
      'the last line again',
      () => t.lastLine() === `${PROMPT} call toggle-simulated-logging`,
    );
    t.keys('C-c');
    await t.until('an empty prompt', () => t.lastLine() === PROMPT);
    expect(readFileSync(history, 'utf8')).toContain('call get-sum {"b": 2, "a": 3}\n');

    t.type('exit');
    expect(await t.exitCode()).toBe(0);
    await t.until('the server process gone', () => !alive(serverPid));
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });

  it('takes the history from its file; Ctrl-C at an empty prompt closes the session', async () => {
    writeFileSync(path.join(scratch, 'shell-history.history'), 'call get-sum {"a": 1, "b": 2}\n');
    const { t, pidFile } = shell('shell-history');
    await t.until('the prompt', () => t.lastLine() === PROMPT);
    t.keys('Up');
    await t.until(
      'the line from the file',
      () => t.lastLine() === `${PROMPT} call get-sum {"a": 1, "b": 2}`,
    );
    t.keys('Enter');
    await settled(t, 'The sum of 1 and 2 is 3.');
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    t.keys('C-c');
    expect(await t.exitCode()).toBe(0);
    await t.until('the server process gone', () => !alive(serverPid));
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });

  it('asks the server’s questions on its own line editor; Ctrl-C at one cancels the call, not the shell', async () => {
    const { t } = shell('shell-dialogs');
    await t.until('the prompt', () => t.lastLine() === PROMPT);
    t.type('call trigger-sampling-request {"prompt": "What is 2+2?", "maxTokens": 10}');
    await t.answer('? Your reply (Enter alone declines):', 'Four.');
    const replied = await settled(t, '"text": "Four."');
    // Typed once, echoed once: one line editor reads the terminal.
    expect(replied).toMatch(/^\? Your reply \(Enter alone declines\): Four\.$/m);
    t.type('call trigger-elicitation-request');
    await t.until('the first question', () => t.lastLine().includes('Fill in the form?'));
    t.keys('C-c');
    await settled(t, 'mcp-actors: interrupted: tools/call');
    t.type('call echo {"message": "after the dialogs"}');
    await settled(t, 'Echo: after the dialogs');
    t.type('exit');
    expect(await t.exitCode()).toBe(0);
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });

  it('Ctrl-D closes the session', async () => {
    const { t, pidFile } = shell('shell-eof');
    await t.until('the prompt', () => t.lastLine() === PROMPT);
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    t.keys('C-d');
    expect(await t.exitCode()).toBe(0);
    await t.until('the server process gone', () => !alive(serverPid));
    expect(await t.settings()).toEqual(['icanon', 'echo']);
  });
});

describe('OAuth at a terminal', () => {
  let authServer: AuthorizationServer;
  let mcp: ProtectedMcpServer;
  beforeAll(async () => {
    authServer = await startAuthorizationServer();
    mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
  });
  afterAll(async () => {
    await mcp?.close();
    await authServer?.close();
  });

  it('a 401 opens the browser by itself, and the command goes on once the user is back', async () => {
    const store = path.join(scratch, 'oauth', 'tokens.json');
    const t = terminal(['call', 'whoami', '--url', mcp.url], {
      // The stand-in browser: the headless user at the authorization server, then the redirect.
      MCP_ACTORS_BROWSER: path.join(root, 'test/fixtures/oauth-browser.mjs'),
      MCP_ACTORS_TOKEN_STORE: store,
    });
    expect(await t.exitCode()).toBe(0);
    const screen = t.screen();
    expect(screen).toMatch(
      /^mcp-actors: Opening the browser to authorize… \(or open this URL: http:\/\/127\.0\.0\.1:\d+\/auth\?\S+\)$/m,
    );
    expect(screen).toContain(`"sub":"${DEFAULT_ACCOUNT_ID}"`);
    const kept = JSON.parse(readFileSync(store, 'utf8')) as { entries: Record<string, unknown> };
    expect(Object.keys(kept.entries)).toEqual([`${mcp.url} authorization_code`]);
  });
});
