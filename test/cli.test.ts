import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { runInProcess, type Outcome } from './support/cli-in-process.js';
import { startHttpServerProcess, type HttpServerProcess } from './support/http-server-process.js';
import {
  DEFAULT_ACCOUNT_ID,
  startAuthorizationServer,
  startProtectedMcpServer,
  type AuthorizationServer,
  type ProtectedMcpServer,
} from './support/oauth-server.js';
import { serverEverything } from './support/servers.js';

/**
 * The `mcp-actors` command line, end to end: the CLI runs from source (node --import tsx) as its
 * own process, against the real @modelcontextprotocol/server-everything over stdio and HTTP, a
 * small 2026-07-28 stdio server and a WebSocket server written here; stdout, stderr and the exit
 * code are what is checked.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const everything = ['--', process.execPath, serverEverything, 'stdio'];

interface Running {
  readonly child: ReturnType<typeof spawn>;
  /** Resolves once stderr contains `text`. */
  stderrHas(text: string): Promise<void>;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  readonly done: Promise<Outcome>;
}

/** Starts the CLI from source with `args` (and `env` on top of this one's); stdin is not a terminal. */
function start(args: readonly string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    // Tokens go to a store of the tests' own, never the user's, unless a test names another.
    env: { ...process.env, MCP_ACTORS_TOKEN_STORE: path.join(scratch, 'tokens.json'), ...env },
  });
  let stdout = '';
  let stderr = '';
  const waiting: { text: string; resolve: () => void }[] = [];
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const w of [...waiting]) {
      if (stderr.includes(w.text)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  const done = new Promise<Outcome>((resolve) =>
    child.on('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    child,
    done,
    stderr: () => stderr,
    stderrHas: (text) =>
      stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiting.push({ text, resolve });
            void done.then((o) =>
              reject(new Error(`exited (${o.code}) before stderr had ${text}: ${o.stderr}`)),
            );
          }),
  };
}

/** Runs the CLI's runner in this process, from the project's root; `env` adds to this process's. */
function inProcess(
  args: readonly string[],
  options: { readonly env?: Record<string, string>; readonly terminal?: boolean } = {},
): Promise<Outcome> {
  return runInProcess(args, {
    cwd: root,
    ...(options.env === undefined ? {} : { env: { ...process.env, ...options.env } }),
    ...(options.terminal === undefined ? {} : { terminal: options.terminal }),
  });
}

/** Runs the CLI to the end. */
function cli(...args: string[]): Promise<Outcome> {
  return cliWith({}, ...args);
}

/** Runs the CLI to the end with these environment variables. */
function cliWith(env: Record<string, string>, ...args: string[]): Promise<Outcome> {
  const running = start(args, env);
  running.child.stdin?.end();
  return running.done;
}

const json = (o: Outcome): Record<string, unknown> =>
  JSON.parse(o.stdout) as Record<string, unknown>;

/** The first line of stderr: every failure is reported on one line. */
const firstLine = (o: Outcome): string => o.stderr.split('\n')[0] ?? '';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'mcp-actors-cli-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('mcp-actors against server-everything over stdio', () => {
  it('info: the negotiated version and era, server info, capabilities, instructions', async () => {
    const human = await cli('info', ...everything);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^server\s+mcp-servers\/everything \S+/m);
    expect(human.stdout).toMatch(/^protocol\s+2025-11-25 \(legacy era: initialize handshake\)$/m);
    expect(human.stdout).toMatch(
      /^negotiation\s+probed with server\/discover, fell back to initialize: .*-32601/m,
    );
    expect(human.stdout).toMatch(/^capabilities\s+.*tools \(listChanged\)/m);
    expect(human.stdout).toMatch(/^instructions\n {2}# Everything Server/m);

    const machine = json(await cli('info', '--json', ...everything));
    expect(machine).toMatchObject({
      protocolVersion: '2025-11-25',
      era: 'legacy',
      negotiation: { mode: 'auto', fallbackReason: expect.stringContaining('-32601') },
      serverInfo: { name: 'mcp-servers/everything' },
      capabilities: { tools: { listChanged: true }, prompts: {}, resources: {} },
      instructions: expect.stringContaining('Everything Server'),
    });
    expect(machine.transport).toMatch(/^stdio \(/);
  });

  it('tools: an aligned table, or every definition with --json', async () => {
    const human = await cli('tools', ...everything);
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ARGUMENTS\s+DESCRIPTION$/);
    expect(lines).toContainEqual(
      expect.stringMatching(/^echo\s+message\*\s+Echoes back the input string$/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^get-sum\s+a\*, b\*\s+Returns the sum/));
    // Aligned: every row's arguments start in the header's column.
    const column = lines[0]?.indexOf('ARGUMENTS') ?? -1;
    expect(lines.find((l) => l.startsWith('get-sum'))?.indexOf('a*')).toBe(column);

    const machine = json(await cli('tools', '--json', ...everything));
    const tools = machine.tools as { name: string; inputSchema: unknown }[];
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']),
    );
    expect(tools.find((t) => t.name === 'echo')?.inputSchema).toMatchObject({
      properties: { message: { type: 'string' } },
    });
  });

  it('call echo: the text content, or the whole result with --json', async () => {
    const human = await cli('call', 'echo', '{"message":"hello there"}', ...everything);
    expect(human).toMatchObject({ code: 0, stdout: 'Echo: hello there\n', stderr: '' });
    const machine = await cli('call', 'echo', '{"message":"hi"}', '--json', ...everything);
    expect(machine.code).toBe(0);
    expect(json(machine)).toEqual({ content: [{ type: 'text', text: 'Echo: hi' }] });
  });

  it('call with structured content prints it after the content', async () => {
    const human = await cli(
      'call',
      'get-structured-content',
      '{"location":"Chicago"}',
      ...everything,
    );
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^structured content:\n {2}\{/m);
  });

  it('prompts and get-prompt', async () => {
    const list = await cli('prompts', ...everything);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^args-prompt\s+city\*, state\s+A prompt with two arguments/m);
    const listed = json(await cli('prompts', '--json', ...everything));
    expect((listed.prompts as { name: string }[]).map((p) => p.name)).toContain('simple-prompt');

    const got = await cli('get-prompt', 'args-prompt', '{"city":"Paris"}', ...everything);
    expect(got).toMatchObject({ code: 0, stdout: "[user]\n  What's weather in Paris?\n" });
    const machine = json(
      await cli('get-prompt', 'args-prompt', '{"city":"Paris"}', '--json', ...everything),
    );
    expect(machine).toMatchObject({
      messages: [{ role: 'user', content: { type: 'text', text: "What's weather in Paris?" } }],
    });
  });

  it('resources and read', async () => {
    const list = await cli('resources', ...everything);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^URI\s+NAME\s+MIME TYPE$/m);
    expect(list.stdout).toMatch(
      /^demo:\/\/resource\/static\/document\/architecture\.md\s+architecture\.md\s+text\/markdown$/m,
    );
    expect(list.stdout).toMatch(/^URI TEMPLATE\s+NAME\s+DESCRIPTION$/m);
    const listed = json(await cli('resources', '--json', ...everything));
    const uri = 'demo://resource/static/document/architecture.md';
    expect(listed.resources).toContainEqual(expect.objectContaining({ uri }));
    expect((listed.resourceTemplates as unknown[]).length).toBeGreaterThan(0);

    const read = await cli('read', uri, ...everything);
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/^# Everything Server – Architecture/);
    const machine = json(await cli('read', uri, '--json', ...everything));
    expect(machine).toMatchObject({ contents: [{ uri, mimeType: 'text/markdown' }] });

    const blob = await cli('read', 'demo://resource/dynamic/blob/1', ...everything);
    expect(blob.code).toBe(0);
    expect(blob.stdout).toMatch(/^\[[^\]]+, \d+ bytes; use --json for the data\]$/m);
  });

  it('a tool result with isError is printed, and the exit code is 1', async () => {
    const failed = await cli('call', 'get-sum', '{"a":"x","b":2}', ...everything);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Input validation error');
    expect(failed.stderr).toBe('mcp-actors: the tool "get-sum" reported an error (isError).\n');
    const machine = await cli('call', 'get-sum', '{"a":"x","b":2}', '--json', ...everything);
    expect(machine.code).toBe(1);
    expect(json(machine)).toMatchObject({ isError: true });
  });

  it('an error answer is one line on stderr, exit code 1 (--json: an error document)', async () => {
    const failed = await cli('read', 'demo://nope', ...everything);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe('');
    expect(failed.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^mcp-actors: Server error -32602 \(resources\/read, id \d+\): .*not found/,
      ),
    ]);
    const machine = await cli('read', 'demo://nope', '--json', ...everything);
    expect(machine.code).toBe(1);
    expect(json(machine)).toMatchObject({ error: { code: -32602, exitCode: 1 } });
    const verbose = await cli('read', 'demo://nope', '--verbose', ...everything);
    expect(verbose.stderr).toMatch(/^ {2}ResourceNotFoundError \[-32602\]: /m);
  });

  it('refuses elicitation and sampling when stdin is not a terminal', async () => {
    const elicited = await cli('call', 'trigger-elicitation-request', ...everything);
    expect(elicited.code).toBe(0);
    expect(elicited.stdout).toContain('User declined to provide the requested information');
    expect(elicited.stderr).toMatch(/declined the server's elicitation request: .*not a terminal/);

    const sampled = await cli(
      'call',
      'trigger-sampling-request',
      '{"prompt":"2+2?"}',
      '--no-interactive',
      ...everything,
    );
    // The server's tool fails on the refusal and says so in an isError result.
    expect(sampled.code).toBe(1);
    expect(sampled.stdout).toMatch(/-1|cannot be asked/);
    expect(sampled.stderr).toMatch(/declined the server's sampling request/);
  });

  it('offers --root to the server', async () => {
    const roots = await cli(
      'call',
      'get-roots-list',
      '--root',
      'file:///work/a',
      '--root',
      'b',
      ...everything,
    );
    expect(roots.code).toBe(0);
    expect(roots.stdout).toContain('file:///work/a');
    expect(roots.stdout).toContain(`file://${root}/b`);
  });

  it('a request with no answer or progress for --timeout ms is cancelled: exit code 4', async () => {
    const slow = await cli(
      'call',
      'trigger-long-running-operation',
      '{"duration":30,"steps":1}',
      // --timeout bounds connecting too, counted from its start: long enough to start the server.
      '--timeout',
      '3000',
      ...everything,
    );
    expect(slow.code).toBe(4);
    expect(firstLine(slow)).toBe(
      'mcp-actors: tools/call timed out after 3000 ms with no answer or progress; it was cancelled (raise --timeout, or 0 for none).',
    );
  });

  it('SIGTERM cancels the call and closes the session too: exit code 143', async () => {
    const running = start([
      'call',
      'trigger-long-running-operation',
      '{"duration":60,"steps":60}',
      '--verbose',
      ...everything,
    ]);
    // stderr is not a terminal: progress comes as plain lines under --verbose.
    await running.stderrHas('progress 1/60');
    running.child.kill('SIGTERM');
    const o = await running.done;
    expect(o.code).toBe(143);
    expect(o.stderr).toMatch(/^mcp-actors: interrupted: tools\/call \(id \d+\) cancelled\.$/m);
    expect(o.stderr).toMatch(/^mcp-actors: session closed; server process \d+ has exited$/m);
  });

  it('--protocol-version pins a revision', async () => {
    const pinned = json(
      await cli('info', '--json', '--protocol-version', '2025-06-18', ...everything),
    );
    expect(pinned).toMatchObject({
      protocolVersion: '2025-06-18',
      era: 'legacy',
      negotiation: { mode: 'legacy', pinnedVersion: '2025-06-18' },
    });
    // server-everything has no server/discover: a pinned 2026 session cannot start, and the
    // advice is to let the client find the revision.
    const modern = await cli('tools', '--protocol-version', '2026-07-28', ...everything);
    expect(modern.code).toBe(3);
    expect(modern.stderr).toMatch(
      /^mcp-actors: could not connect to .*server-everything.*: server\/discover was answered with error -32601 \(Method not found\)\. The server may predate 2026-07-28: drop --protocol-version 2026-07-28, and mcp-actors finds the revision by itself \(it falls back to the initialize handshake\)\.\n$/,
    );
    const machine = await cli('tools', '--json', '--protocol-version', '2026-07-28', ...everything);
    expect(machine.code).toBe(3);
    expect(json(machine)).toEqual({
      error: {
        exitCode: 3,
        code: 'NEGOTIATION_FAILED',
        message: 'server/discover was answered with error -32601 (Method not found).',
        hint: expect.stringMatching(
          /^The server may predate 2026-07-28: drop --protocol-version 2026-07-28,/,
        ) as unknown,
        causes: [
          {
            name: 'JsonRpcError',
            code: -32601,
            message: expect.stringMatching(
              /^Server error -32601 \(server\/discover, id \d+\): Method not found$/,
            ) as unknown,
          },
        ],
      },
    });
  });

  it('a message over --max-message-bytes: the advice names the flag, not the library option', async () => {
    // server-everything's answer to initialize (its instructions) is larger than 2000 bytes.
    const o = await cli('info', '--max-message-bytes', '2000', ...everything);
    expect(o.code).toBe(3);
    expect(o.stderr).toMatch(
      /: The answer to request \d+ is larger than --max-message-bytes \(2000 bytes; at least \d+ arrived\); it was skipped\. Raise --max-message-bytes if the server's messages are this large\.\n$/,
    );
    expect(o.stderr).not.toMatch(/maxMessageBytes/);
    const machine = await cli('info', '--json', '--max-message-bytes', '2000', ...everything);
    expect(json(machine)).toMatchObject({
      error: {
        code: 'MESSAGE_TOO_LARGE',
        hint: "Raise --max-message-bytes if the server's messages are this large.",
      },
    });
  });

  it('a server that dies is reported in sentences with one full stop, and no library advice', async () => {
    // It ends its last stderr line with a full stop, which the message quotes.
    const dying = path.join(scratch, 'dying-server.mjs');
    writeFileSync(dying, DYING_SERVER);
    const called = await cli('call', 'anything', '--', process.execPath, dying, 'tools/call');
    expect(called.code).toBe(3);
    expect(called.stderr).toBe(
      `mcp-actors: Connection closed (tools/call, id 2): The server process ${JSON.stringify(process.execPath)} exited with code 4; its last stderr lines: giving up now.\n`,
    );
    const listened = await cli(
      'listen',
      '--',
      process.execPath,
      dying,
      'notifications/initialized',
    );
    expect(listened.code).toBe(3);
    expect(listened.stderr.split('\n').at(-2)).toBe(
      `mcp-actors: The server closed the connection: The server process ${JSON.stringify(process.execPath)} exited with code 4; its last stderr lines: giving up now.`,
    );
    const machine = await cli(
      'call',
      'anything',
      '--json',
      '--',
      process.execPath,
      dying,
      'tools/call',
    );
    expect(json(machine)).toMatchObject({
      error: {
        code: 'CONNECTION_CLOSED',
        message: `Connection closed (tools/call, id 2): The server process ${JSON.stringify(process.execPath)} exited with code 4; its last stderr lines:\ngiving up now.`,
        causes: [{ name: 'ServerExitedError', code: 'TRANSPORT_ERROR' }],
      },
    });
  });

  it('shell runs the lines it reads from a pipe with the output of the commands, and goes on after a failure', async () => {
    const history = path.join(scratch, 'piped.history');
    const running = start(['shell', ...everything], { MCP_ACTORS_HISTORY: history });
    running.child.stdin?.end(
      [
        'call echo {"message": "hi there"}',
        'call get-sum \'{"a": 1, "b": 2}\' --json',
        'bogus',
        'read demo://nope',
        'call echo {"message": oops}',
        'help read',
        'call echo {"message": "still here"}',
        '',
      ].join('\n'),
    );
    const o = await running.done;
    expect(o.code).toBe(0);
    expect(o.stdout).toBe(
      [
        'Echo: hi there',
        JSON.stringify({ content: [{ type: 'text', text: 'The sum of 1 and 2 is 3.' }] }, null, 2),
        'read <uri> [--json]',
        '',
        'Reads the resource at <uri> and prints its contents: text as it is, binary contents as a',
        'one-line summary (use --json for the base64 blob).',
        'Echo: still here',
        '',
      ].join('\n'),
    );
    const errors = o.stderr.split('\n').filter((l) => l.startsWith('mcp-actors: '));
    expect(errors).toEqual([
      expect.stringMatching(
        /^mcp-actors: connected to mcp-servers\/everything \S+ \(2025-11-25\)\. /,
      ),
      'mcp-actors: Unknown command "bogus"; the commands are info, tools, call, prompts, get-prompt, resources, read, help, exit, quit.',
      expect.stringMatching(
        /^mcp-actors: Server error -32602 \(resources\/read, id \d+\): .*demo:\/\/nope not found$/,
      ),
      expect.stringMatching(
        /^mcp-actors: The tool arguments are not JSON \(.*\): \{"message": oops\} See 'help call'\.$/,
      ),
    ]);
    // Lines from a pipe are no history.
    expect(existsSync(history)).toBe(false);
  });

  it('shell ends on SIGTERM with exit code 143, closing the session', async () => {
    const running = start(['shell', '--verbose', ...everything]);
    await running.stderrHas("Type 'help' for the commands");
    running.child.kill('SIGTERM');
    const o = await running.done;
    expect(o.code).toBe(143);
    expect(o.stderr).toMatch(/^mcp-actors: interrupted; closing the session\.$/m);
    expect(o.stderr).toMatch(/^mcp-actors: session closed; server process \d+ has exited$/m);
  });

  it('shell ends with exit code 3 when the connection closes beneath it', async () => {
    const dying = path.join(scratch, 'dying-shell-server.mjs');
    writeFileSync(dying, DYING_SERVER);
    const running = start(['shell', '--', process.execPath, dying, 'tools/call']);
    running.child.stdin?.write('call anything\n');
    const o = await running.done;
    expect(o.code).toBe(3);
    expect(o.stderr.split('\n').slice(-3)).toEqual([
      expect.stringMatching(
        /^mcp-actors: Connection closed \(tools\/call, id \d+\): The server process .* exited with code 4; its last stderr lines: giving up now\.$/,
      ),
      `mcp-actors: the session closed: The server process ${JSON.stringify(process.execPath)} exited with code 4; its last stderr lines: giving up now.`,
      '',
    ]);
  });

  it('listen on a legacy-era server says so and prints what the server sends', async () => {
    const listened = await cli('listen', '--limit', '1', ...everything);
    expect(listened.code).toBe(0);
    expect(listened.stderr).toMatch(
      /subscriptions\/listen is a 2026-07-28 method; this server speaks 2025-11-25/,
    );
    expect(listened.stdout).toMatch(/^\d\d:\d\d:\d\d {2}notifications\/tools\/list_changed$/m);
  });
});

describe('usage', () => {
  it('--help, <command> --help and --version', async () => {
    const help = await cli('--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: mcp-actors <command>/);
    for (const c of [
      'info',
      'tools',
      'call',
      'prompts',
      'get-prompt',
      'resources',
      'read',
      'listen',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^ {2}${c}\\b`, 'm'));
    }
    expect(help.stdout).toContain('Exit codes: 0 ok; 1 the server answered with an error');
    const call = await cli('call', '--help');
    expect(call.stdout).toMatch(/^Usage: mcp-actors call <tool> \['<json arguments>'\]/);
    const version = await cli('--version');
    expect(version.stdout).toMatch(/^mcp-actors \d+\.\d+\.\d+\n$/);
  });

  it('a usage error ends the process with exit code 2 before any server starts', async () => {
    const pidFile = path.join(scratch, 'never.pid');
    const o = await cli(
      'call',
      'echo',
      '{"message":',
      '--',
      process.execPath,
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(pidFile)}, '1')`,
    );
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(
      /^mcp-actors: The tool arguments are not JSON .*\nRun 'mcp-actors call --help' for usage\.\n$/,
    );
    expect(existsSync(pidFile)).toBe(false);
  });

  it.each([
    [['tools'], /^mcp-actors: Which server\?/],
    [['frobnicate', '--', 'x'], /^mcp-actors: Unknown command "frobnicate"/],
    [[], /^mcp-actors: Which command\?/],
    [['call', 'echo', '{"message":', '--', 'x'], /^mcp-actors: The tool arguments are not JSON/],
    [['call', 'echo', '[1]', '--', 'x'], /^mcp-actors: The tool arguments must be a JSON object/],
    [['get-prompt', 'p', '{"n":1}', '--', 'x'], /^mcp-actors: Prompt arguments are strings/],
    [['tools', '--frob', '--', 'x'], /^mcp-actors: Unknown option --frob/],
    [['tools', '--timeout', 'soon', '--', 'x'], /^mcp-actors: --timeout takes a whole number/],
    [
      ['call', 'x', '--max-input-rounds', '0', '--', 'x'],
      /^mcp-actors: --max-input-rounds takes a whole number above 0; got "0"\.$/,
    ],
    [
      ['tools', '--protocol-version', '1999-01-01', '--', 'x'],
      /^mcp-actors: --protocol-version "1999-01-01" is not a revision/,
    ],
    [
      ['tools', '--url', 'http://127.0.0.1:9/mcp', '--', 'x'],
      /^mcp-actors: Give either --url or a server command/,
    ],
    [['tools', '--header', 'A: b', '--', 'x'], /^mcp-actors: --header is for --url/],
    [['tools', '--url', 'ftp://example.com'], /^mcp-actors: --url must be http/],
    [['call', '--', 'x'], /^mcp-actors: call needs an argument/],
    [
      ['tools', '--resource', 'file:///a', '--', 'x'],
      /^mcp-actors: --resource is an option of listen/,
    ],
  ])('%j is a usage error: exit code 2, nothing started', async (args, message) => {
    // In process (the runner, as main.ts calls it): nothing here reaches a server.
    const o = await inProcess(args);
    expect(o.code).toBe(2);
    expect(o.stdout).toBe('');
    expect(firstLine(o)).toMatch(message);
    expect(o.stderr.split('\n')[1]).toMatch(/^Run 'mcp-actors (\S+ )?--help' for usage\.$/);
  });
});

describe('connection failures: exit code 3', () => {
  it('a command that cannot be started', async () => {
    const o = await cli('tools', '--', path.join(scratch, 'no-such-server'));
    expect(o.code).toBe(3);
    expect(o.stderr).toMatch(
      /^mcp-actors: could not connect to \S+no-such-server: The server process .* could not be started \(spawn \S+ ENOENT\)\n$/,
    );
  });

  it('a server that exits at once: one line, and its stderr under --verbose', async () => {
    const crash = ['--', process.execPath, '-e', 'console.error("no database"); process.exit(5)'];
    const o = await cli('tools', ...crash);
    expect(o.code).toBe(3);
    expect(o.stderr).toMatch(
      /^mcp-actors: could not connect to .*exited with code 5; its last stderr lines: no database\n$/,
    );
    const verbose = await cli('tools', '--verbose', ...crash);
    expect(verbose.code).toBe(3);
    expect(verbose.stderr).toMatch(
      /^ {2}ConnectionClosedError \[CONNECTION_CLOSED\]: Connection closed: .*exited with code 5/m,
    );
    expect(verbose.stderr).toMatch(
      /^ {2}caused by: ServerExitedError \[TRANSPORT_ERROR\]: .*exited with code 5/m,
    );
    expect(verbose.stderr).toMatch(/^ {4}no database$/m);
  });

  /** A stdio "server" that never answers, ignores the end of its input, and says when it runs. */
  const silent = (pidFile: string): string[] => [
    '--',
    process.execPath,
    '-e',
    `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.error('silent server up'); setInterval(() => {}, 1000);`,
  ];
  const running = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('a server that does not answer in --timeout ms: exit code 4, and the server is stopped', async () => {
    const pidFile = path.join(scratch, 'silent-timeout.pid');
    const o = await cli('tools', '--timeout', '300', ...silent(pidFile));
    expect(o.code).toBe(4);
    expect(o.stderr).toMatch(
      // The 300 ms count from connect(): the probe (150 ms) or initialize may be the step left waiting.
      /^mcp-actors: timed out connecting to .*: no answer to (server\/discover|initialize) within 300 ms \(raise --timeout, or 0 for none\)\.\n$/,
    );
    expect(running(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('Ctrl-C while connecting: exit code 130, and the server is stopped', async () => {
    const pidFile = path.join(scratch, 'silent-interrupt.pid');
    const r = start(['tools', '--verbose', ...silent(pidFile)]);
    await r.stderrHas('server stderr: silent server up');
    r.child.kill('SIGINT');
    const o = await r.done;
    expect(o.code).toBe(130);
    expect(o.stderr).toMatch(/^mcp-actors: interrupted while connecting\.$/m);
    expect(running(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });

  it('a refused HTTP connection and a refused WebSocket', async () => {
    // A port that was just free: nothing listens there.
    const server = createHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const http = await cli('tools', '--url', `http://127.0.0.1:${port}/mcp`);
    expect(http.code).toBe(3);
    expect(http.stderr).toMatch(
      new RegExp(
        `^mcp-actors: could not connect to http://127\\.0\\.0\\.1:${port}/mcp: .*ECONNREFUSED`,
      ),
    );
    const ws = await cli('tools', '--url', `ws://127.0.0.1:${port}/mcp`, '--json');
    expect(ws.code).toBe(3);
    expect(ws.stderr).toMatch(/ECONNREFUSED/);
    expect(json(ws)).toMatchObject({ error: { code: 'TRANSPORT_ERROR', exitCode: 3 } });
  });
});

describe('an HTTP server gone mid-call', () => {
  it('fails the call with the cause, in the message and in --json', async () => {
    // A legacy Streamable HTTP server that primes the call's stream (retry 10 ms) and goes away:
    // every attempt to resume it is refused.
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const rpc = body === '' ? undefined : (JSON.parse(body) as Record<string, unknown>);
        if (rpc?.method === 'initialize') {
          res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's-1' }).end(
            JSON.stringify({
              jsonrpc: '2.0',
              id: rpc.id,
              result: {
                protocolVersion: '2025-11-25',
                capabilities: { tools: {} },
                serverInfo: { name: 'going away', version: '1' },
              },
            }),
          );
        } else if (rpc?.method === 'tools/call') {
          server.close();
          res
            .writeHead(200, { 'content-type': 'text/event-stream', connection: 'close' })
            .end('id: c-0\nretry: 10\ndata: \n\n');
        } else {
          res.writeHead(rpc === undefined ? 405 : 202).end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const o = await cli(
      'call',
      'slow',
      '--url',
      `http://127.0.0.1:${port}/mcp`,
      '--transport',
      'streamable-http',
      '--protocol-version',
      '2025-11-25',
      '--json',
    );
    server.closeAllConnections();
    expect(o.code).toBe(3);
    expect(firstLine(o)).toMatch(
      /^mcp-actors: The response stream of request \d+ \(tools\/call\) ended before its response: 5 attempts to resume it failed, the last with fetch failed: connect ECONNREFUSED 127\.0\.0\.1:\d+\.$/,
    );
    const doc = json(o) as { error: { code: string; message: string; causes: unknown[] } };
    expect(doc.error).toMatchObject({ code: 'TRANSPORT_ERROR', exitCode: 3 });
    expect(doc.error.message).toMatch(/ECONNREFUSED/);
    expect(doc.error.causes).toEqual([
      { name: 'TypeError', message: 'fetch failed' },
      expect.objectContaining({ code: 'ECONNREFUSED' }),
    ]);
  });
});

describe('--verbose: what the session reports', () => {
  /** A stdio server that sends a line that is not JSON and a stray response before each listing. */
  const noisy = `
    const rl = require('readline').createInterface({ input: process.stdin });
    const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
    rl.on('line', (line) => {
      const m = JSON.parse(line);
      if (m.id === undefined) return;
      if (m.method === 'initialize') {
        out({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion,
          capabilities: { tools: {} }, serverInfo: { name: 'noisy', version: '1' } } });
      } else if (m.method === 'tools/list') {
        process.stdout.write('this is not json\\n');
        out({ jsonrpc: '2.0', id: 99999, result: {} });
        out({ jsonrpc: '2.0', id: m.id, result: { tools: [] } });
      } else {
        out({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
      }
    });
    rl.on('close', () => process.exit(0));
  `;

  it('prints stream exceptions (message handler) and diagnostics (onDiagnostic), one line each', async () => {
    const o = await cli('tools', '--verbose', '--', process.execPath, '-e', noisy);
    expect(o.code).toBe(0);
    expect(o.stderr).toMatch(/^stream exception: .*not JSON/im);
    expect(o.stderr).toMatch(/^diagnostic UNKNOWN_RESPONSE_ID: .*99999/m);
    const quiet = await cli('tools', '--', process.execPath, '-e', noisy);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).not.toMatch(/diagnostic|stream exception/);
  });
});

describe('over HTTP', () => {
  let http: HttpServerProcess | undefined;
  let sse: HttpServerProcess | undefined;
  beforeAll(async () => {
    [http, sse] = await Promise.all([
      startHttpServerProcess(serverEverything, ['streamableHttp']),
      startHttpServerProcess(serverEverything, ['sse']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([http?.stop(), sse?.stop()]);
  });

  it('Streamable HTTP by default', async () => {
    const o = await cli('info', '--json', '--url', `${http?.origin}/mcp`);
    expect(o.code).toBe(0);
    expect(json(o)).toMatchObject({
      era: 'legacy',
      transport: `Streamable HTTP (${http?.origin}/mcp)`,
    });
    const echo = await cli(
      'call',
      'echo',
      '{"message":"over http"}',
      '--url',
      `${http?.origin}/mcp`,
    );
    expect(echo).toMatchObject({ code: 0, stdout: 'Echo: over http\n' });
  });

  it('HTTP+SSE: by fallback, or chosen with --transport sse', async () => {
    const fallback = json(await cli('info', '--json', '--url', `${sse?.origin}/sse`));
    expect(fallback.transport).toBe(
      `HTTP+SSE, after Streamable HTTP was refused (${sse?.origin}/sse)`,
    );
    const chosen = await cli('tools', '--transport', 'sse', '--url', `${sse?.origin}/sse`);
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).toMatch(/^echo\s+message\*/m);
  });
});

describe('over WebSocket', () => {
  it('sends --header with the upgrade and speaks the mcp subprotocol', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mcp' });
    wss.on('connection', (socket: WebSocket, req) => {
      seen.push(req.headers);
      socket.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as {
          id?: number;
          method: string;
          params?: { protocolVersion?: string };
        };
        if (m.id === undefined) return;
        const result =
          m.method === 'initialize'
            ? {
                protocolVersion: m.params?.protocolVersion,
                capabilities: { tools: {} },
                serverInfo: { name: 'ws-test', version: '1.0.0' },
              }
            : m.method === 'tools/list'
              ? {
                  tools: [
                    {
                      name: 'over-ws',
                      description: 'A tool over a WebSocket',
                      inputSchema: { type: 'object' },
                    },
                  ],
                }
              : undefined;
        socket.send(
          JSON.stringify(
            result === undefined
              ? { jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } }
              : { jsonrpc: '2.0', id: m.id, result },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const { port } = wss.address() as AddressInfo;
    try {
      const o = await cli(
        'tools',
        '--url',
        `ws://127.0.0.1:${port}/mcp`,
        '--header',
        'Authorization: Bearer t0ken',
      );
      expect(o.code).toBe(0);
      expect(o.stdout).toMatch(/^over-ws\s+A tool over a WebSocket$/m);
      expect(seen[0]).toMatchObject({
        authorization: 'Bearer t0ken',
        'sec-websocket-protocol': 'mcp',
      });
    } finally {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    }
  });
});

/**
 * A legacy server over stdio that exits with code 4 when it gets the method named by its argument,
 * writing a last stderr line that ends with a full stop.
 */
const DYING_SERVER = `
import { createInterface } from 'node:readline';
const fatal = process.argv[2];
const write = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === fatal) {
    process.stderr.write('giving up now.\\n');
    process.exit(4);
  }
  if (m.method === 'initialize') {
    write({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion,
      capabilities: { tools: {} }, serverInfo: { name: 'dying', version: '1.0.0' } } });
  } else if (m.id !== undefined) {
    write({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found' } });
  }
});
`;

/** A 2026-07-28 server over stdio: server/discover and subscriptions/listen; logs what it gets. */
const MODERN_SERVER = `
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
const log = process.argv[2];
const SUB = 'io.modelcontextprotocol/subscriptionId';
const write = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
// SLOW_START_MS: a server slow to start (a cold npx -y) reads its input only after that long.
setTimeout(serve, Number(process.env.SLOW_START_MS ?? 0));
function serve() {
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  appendFileSync(log, line + '\\n');
  if (m.id === undefined) return;
  if (m.method === 'server/discover') {
    write({ jsonrpc: '2.0', id: m.id, result: {
      resultType: 'complete', supportedVersions: ['2026-07-28'], ttlMs: 0, cacheScope: 'public',
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true } },
      instructions: 'A 2026 test server.',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern-test', version: '1.0.0' } } } });
  } else if (m.method === 'subscriptions/listen') {
    const asked = m.params.notifications;
    const meta = { [SUB]: m.id };
    write({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: asked, _meta: meta } });
    write({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: meta } });
    for (const uri of asked.resourceSubscriptions ?? []) {
      write({ jsonrpc: '2.0', method: 'notifications/resources/updated', params: { uri, _meta: meta } });
    }
  } else if (m.method === 'tools/call' && m.params.name === 'ask-forever') {
    // Asks for more input (nothing to answer: a state to send back) every time.
    write({ jsonrpc: '2.0', id: m.id, result: { resultType: 'input_required', requestState: 'again' } });
  } else if (m.method === 'tools/list') {
    // A tool with more arguments than a terminal's table has room for.
    const names = ['sourceRepository', 'targetBranch', 'commitMessage', 'authorEmail', 'dryRun'];
    write({ jsonrpc: '2.0', id: m.id, result: { resultType: 'complete', tools: [{
      name: 'open-pull-request', description: 'Opens a pull request.',
      inputSchema: { type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])),
        required: ['sourceRepository', 'targetBranch', 'authorEmail'] } }] } });
  } else {
    write({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'Method not found: ' + m.method } });
  }
});
}
`;

describe('against a 2026-07-28 server', () => {
  let script: string;
  let log: string;
  beforeAll(() => {
    script = path.join(scratch, 'modern-server.mjs');
    log = path.join(scratch, 'modern-server.log');
    writeFileSync(script, MODERN_SERVER);
  });
  const modern = (): string[] => ['--', process.execPath, script, log];

  it('info shows the 2026 era, found by the probe', async () => {
    const o = await cli('info', ...modern());
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/^server\s+modern-test 1\.0\.0$/m);
    expect(o.stdout).toMatch(/^protocol\s+2026-07-28 \(2026 era: server\/discover, stateless\)$/m);
    expect(o.stdout).toMatch(/^negotiation\s+server\/discover \(the probe found a 2026 server\)$/m);
  });

  it('info reaches a 2026 server slower to start than --probe-timeout: its late answer wins', async () => {
    const o = await cli(
      'info',
      '--probe-timeout',
      '100',
      '--env',
      'SLOW_START_MS=800',
      ...modern(),
    );
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/^protocol\s+2026-07-28 /m);
    expect(o.stdout).toMatch(
      /^negotiation\s+server\/discover \(a 2026 server slower than the probe: server\/discover had no answer within 100 ms\)$/m,
    );
  });

  it('tools into a pipe prints every argument: nothing is cut off the table', async () => {
    const o = await cli('tools', ...modern());
    expect(o.code).toBe(0);
    expect(o.stdout.split('\n')).toEqual([
      'NAME               ARGUMENTS                                                              DESCRIPTION',
      'open-pull-request  sourceRepository*, targetBranch*, commitMessage, authorEmail*, dryRun  Opens a pull request.',
      '',
    ]);
  });

  it('a call past --max-input-rounds is given up, and the advice names the flag', async () => {
    writeFileSync(log, '');
    const o = await cli('call', 'ask-forever', '--max-input-rounds', '2', ...modern());
    expect(o.code).toBe(1);
    expect(o.stderr).toBe(
      'mcp-actors: tools/call still asked for input after 2 rounds. Raise --max-input-rounds if the server legitimately needs more.\n',
    );
    const calls = readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string; params?: { requestState?: string } })
      .filter((m) => m.method === 'tools/call');
    // The call and two rounds, each sending the state back.
    expect(calls.map((c) => c.params?.requestState)).toEqual([undefined, 'again', 'again']);
    const machine = await cli('call', 'ask-forever', '--json', ...modern());
    expect(json(machine)).toEqual({
      error: {
        exitCode: 1,
        code: 'TOO_MANY_ROUNDS',
        message: 'tools/call still asked for input after 10 rounds.',
        hint: 'Raise --max-input-rounds if the server legitimately needs more.',
      },
    });
  });

  it('shell listens for list changes, prints them, and lists the tools again to complete them', async () => {
    writeFileSync(log, '');
    const running = start(['shell', ...modern()]);
    await running.stderrHas('notifications/tools/list_changed');
    running.child.stdin?.end('exit\n');
    const o = await running.done;
    expect(o.code).toBe(0);
    expect(o.stderr).toMatch(/^\d\d:\d\d:\d\d {2}notifications\/tools\/list_changed$/m);
    const sent = readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string; params?: { notifications?: unknown } });
    expect(sent.find((m) => m.method === 'subscriptions/listen')?.params?.notifications).toEqual({
      toolsListChanged: true,
      resourcesListChanged: true,
    });
    // Once when the shell starts, and again after the change.
    expect(sent.filter((m) => m.method === 'tools/list').length).toBeGreaterThanOrEqual(2);
  });

  it('listen prints the subscription’s notifications (--json: one object per line)', async () => {
    const o = await cli(
      'listen',
      '--json',
      '--resource',
      'file:///a.txt',
      '--limit',
      '2',
      ...modern(),
    );
    expect(o.code).toBe(0);
    const lines = o.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string; params: { uri?: string } });
    expect(lines.map((l) => l.method)).toEqual([
      'notifications/tools/list_changed',
      'notifications/resources/updated',
    ]);
    expect(lines[1]?.params.uri).toBe('file:///a.txt');
    expect(o.stderr).toMatch(
      /listening \(subscriptions\/listen: toolsListChanged, resourcesListChanged, resourceSubscriptions \(file:\/\/\/a\.txt\)\)/,
    );
  });

  it('listen ends on Ctrl-C with exit code 0, cancelling the stream at the server', async () => {
    writeFileSync(log, '');
    const running = start(['listen', ...modern()]);
    await running.stderrHas('Ctrl-C to stop');
    running.child.kill('SIGINT');
    const o = await running.done;
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/notifications\/tools\/list_changed/);
    const received = readFileSync(log, 'utf8')
      .trimEnd()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { id?: number; method: string; params?: { requestId?: number } },
      );
    const listenId = received.find((m) => m.method === 'subscriptions/listen')?.id;
    expect(received).toContainEqual(
      expect.objectContaining({
        method: 'notifications/cancelled',
        params: expect.objectContaining({ requestId: listenId }),
      }),
    );
  });
});

describe('--inspect', () => {
  it('opens the inspector, prints its URL, feeds it the session, and closes on Ctrl-C', async () => {
    const running = start(['tools', '--inspect', ...everything]);
    await running.stderrHas('press Ctrl-C to quit');
    const url = /inspector at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(running.stderr())?.[1];
    expect(url).toBeDefined();
    const hello = await new Promise<{
      type: string;
      sessions: { label: string }[];
      records: unknown[];
    }>((resolve, reject) => {
      const socket = new WebSocket(`${url?.replace('http', 'ws')}events`);
      socket.once('message', (data: Buffer) => {
        resolve(JSON.parse(data.toString()) as never);
        socket.close();
      });
      socket.once('error', reject);
    });
    expect(hello.type).toBe('hello');
    expect(hello.sessions).toEqual([expect.objectContaining({ label: 'mcp-actors tools' })]);
    expect(hello.records.length).toBeGreaterThan(0);
    running.child.kill('SIGINT');
    const o = await running.done;
    expect(o.code).toBe(0);
    expect(o.stdout).toMatch(/^echo\s+message\*/m);
  });
});

// Each test runs the CLI several times as a process of its own (about 2 s each, more under load).
describe('OAuth: login, logout, and the authorization a 401 starts', { timeout: 60_000 }, () => {
  /** The stand-in browser (MCP_ACTORS_BROWSER): the headless user, then the redirect back. */
  const browser = path.join(root, 'test/fixtures/oauth-browser.mjs');
  const robot = { client_id: 'robot', client_secret: 'robot-secret-0f9e' } as const;
  let authServer: AuthorizationServer;
  let mcp: ProtectedMcpServer;
  beforeAll(async () => {
    authServer = await startAuthorizationServer({
      clients: [{ ...robot, grant_types: ['client_credentials'] }],
    });
    mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
  });
  afterAll(async () => {
    await mcp?.close();
    await authServer?.close();
  });

  /** A token store file's content. */
  const readJson = (file: string) =>
    JSON.parse(readFileSync(file, 'utf8')) as {
      entries: Record<string, { tokens?: Record<string, string>; clients?: object }>;
    };

  /** A token store and a browser log of the test's own, and the environment that names them. */
  function oauthSetup(name: string, extra: Record<string, string> = {}) {
    const store = path.join(scratch, name, 'oauth.json');
    const visits = path.join(scratch, `${name}-browser.log`);
    const env = {
      MCP_ACTORS_BROWSER: browser,
      MCP_ACTORS_TOKEN_STORE: store,
      OAUTH_BROWSER_LOG: visits,
      ...extra,
    };
    /** What the browser did: the URL it was opened on, and how the receiver answered. */
    const browsed = (): string[] =>
      existsSync(visits) ? readFileSync(visits, 'utf8').trimEnd().split('\n') : [];
    /**
     * What the browser did, once it logged `lines` lines: it logs the receiver's answer after
     * the CLI may have gone on (or ended), so this waits for the line to be there.
     */
    const browsedUntil = async (lines: number): Promise<string[]> => {
      await vi.waitFor(() => expect(browsed()).toHaveLength(lines), { timeout: 10_000 });
      return browsed();
    };
    /** The store file's entries. */
    const entries = () => readJson(store).entries;
    return { store, env, browsed, browsedUntil, entries };
  }

  /** The whoami tool's answer, as the CLI printed it. */
  const whoami = (o: Outcome): Record<string, unknown> =>
    JSON.parse(o.stdout) as Record<string, unknown>;

  const hint = (store: string): string =>
    `mcp-actors: ${mcp.url} needs authorization, and nobody can be asked to authorize here ` +
    `(--no-interactive, or stdin or stderr is not a terminal); run 'mcp-actors login --url ${mcp.url} --token-store ${store}' first.`;

  it('login opens the browser and keeps the tokens; commands use them; logout revokes and forgets them', async () => {
    const { store, env, browsed, browsedUntil, entries } = oauthSetup('login');
    const loggedIn = await cliWith(env, 'login', '--url', mcp.url);
    expect(loggedIn.stderr).toMatch(
      /^mcp-actors: Opening the browser to authorize… \(or open this URL: http:\/\/127\.0\.0\.1:\d+\/auth\?\S+\)$/m,
    );
    expect(loggedIn).toMatchObject({
      code: 0,
      stdout:
        `Authorized at ${mcp.url} by ${authServer.issuer} (scope: mcp:read mcp:write).\n` +
        `Tokens kept in ${store}.\n`,
    });
    const [opened = '', back] = await browsedUntil(2);
    const authorization = new URL(opened);
    expect(authorization.origin).toBe(authServer.issuer);
    expect(authorization.searchParams.get('redirect_uri')).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/callback$/,
    );
    expect(back).toBe('back 200 Authorization received');
    expect(statSync(store).mode & 0o777).toBe(0o600);
    const key = `${mcp.url} authorization_code`;
    const tokens = entries()[key]?.tokens ?? {};
    expect(tokens).toMatchObject({ issuer: authServer.issuer, resource: mcp.url });
    expect(`${loggedIn.stdout}${loggedIn.stderr}`).not.toContain(tokens.accessToken);

    // Later commands use the stored tokens, with nobody to ask and no browser.
    const called = await cliWith(env, 'call', 'whoami', '--url', mcp.url, '--no-interactive');
    expect(called.code).toBe(0);
    expect(whoami(called)).toMatchObject({ sub: DEFAULT_ACCOUNT_ID });
    expect(browsed()).toHaveLength(2);

    // An expired access token is refreshed, by the stored registration (its redirect URI
    // unchanged): no browser, no new registration, and the new tokens are kept.
    const kept = JSON.parse(readFileSync(store, 'utf8')) as {
      entries: Record<string, { tokens: { expiresAt: number } }>;
    };
    const entry = kept.entries[key];
    if (entry !== undefined) entry.tokens.expiresAt = Date.now() - 1000;
    writeFileSync(store, JSON.stringify(kept));
    mcp.expireAccessTokens();
    const registered = authServer.registeredClients().length;
    const before = authServer.requests.length;
    const refreshed = await cliWith(env, 'call', 'whoami', '--url', mcp.url, '--no-interactive');
    expect(refreshed.code).toBe(0);
    expect(whoami(refreshed)).toMatchObject({ sub: DEFAULT_ACCOUNT_ID });
    expect(
      authServer.requests
        .slice(before)
        .filter((r) => r.route === 'token')
        .map((r) => [r.params?.grant_type, r.status]),
    ).toEqual([['refresh_token', 200]]);
    expect(authServer.registeredClients()).toHaveLength(registered);
    expect(entries()[key]?.tokens?.accessToken).not.toBe(tokens.accessToken);
    expect(browsed()).toHaveLength(2);

    const revocations = authServer.requests.length;
    const loggedOut = await cliWith(env, 'logout', '--url', mcp.url);
    expect(loggedOut).toMatchObject({
      code: 0,
      stdout:
        `Logged out of ${mcp.url}: the refresh token was revoked at the authorization server and the tokens forgotten ` +
        '(the access token cannot be revoked there and expires on its own).\n',
    });
    expect(
      authServer.requests
        .slice(revocations)
        .filter((r) => r.route === 'revocation')
        .map((r) => [r.params?.token_type_hint, r.status]),
    ).toEqual([
      ['refresh_token', 200],
      ['access_token', 400],
    ]);
    // The registration stays, the tokens are gone.
    expect(entries()[key]).toEqual({ clients: expect.any(Object) });

    const again = await inProcess(['logout', '--url', mcp.url], { env });
    expect(again.stdout).toBe(`No tokens were kept for ${mcp.url} (in ${store}).\n`);
    const refused = await cliWith(env, 'tools', '--url', mcp.url);
    expect(refused.code).toBe(5);
    expect(firstLine(refused)).toBe(hint(store));
    expect(browsed()).toHaveLength(2);
  });

  it('a 401 with nobody to ask ends with exit code 5 and says to log in (--json: the error)', async () => {
    const { store, env, browsed } = oauthSetup('nobody');
    const piped = await cliWith(env, 'tools', '--url', mcp.url);
    expect(piped.code).toBe(5);
    expect(piped.stderr).toBe(`${hint(store)}\n`);
    const machine = await cliWith(env, 'tools', '--json', '--url', mcp.url);
    expect(machine.code).toBe(5);
    expect(json(machine)).toEqual({
      error: {
        exitCode: 5,
        code: 'AUTHORIZATION_FAILED',
        reason: 'user-agent-failed',
        message: expect.stringContaining(
          `run 'mcp-actors login --url ${mcp.url} --token-store ${store}' first`,
        ) as unknown,
        causes: [
          {
            name: 'Error',
            message: expect.stringMatching(/^nobody can be asked to authorize here/) as unknown,
          },
        ],
      },
    });
    // At a terminal, --no-interactive rules the browser out too.
    const refused = await inProcess(['info', '--no-interactive', '--url', mcp.url], {
      env,
      terminal: true,
    });
    expect(refused.code).toBe(5);
    expect(firstLine(refused)).toBe(hint(store));
    const login = await inProcess(['login', '--no-interactive', '--url', mcp.url], { env });
    expect(login.code).toBe(5);
    expect(login.stderr).toBe(
      'mcp-actors: login needs you at a browser, and --no-interactive was given.\n',
    );
    expect(browsed()).toEqual([]);
  });

  it('at a terminal, a 401 opens the browser by itself, then the command runs', async () => {
    const { env, browsedUntil, entries } = oauthSetup('terminal');
    const o = await inProcess(['call', 'whoami', '--url', mcp.url], { env, terminal: true });
    expect(o.stderr).toMatch(
      /^mcp-actors: Opening the browser to authorize… \(or open this URL: http:\/\/127\.0\.0\.1:\d+\/auth\?\S+\)$/m,
    );
    expect(o.code).toBe(0);
    // The scope the server's challenge asked for.
    expect(whoami(o)).toMatchObject({ sub: DEFAULT_ACCOUNT_ID, scopes: ['mcp:read'] });
    expect(await browsedUntil(2)).toEqual([
      expect.stringMatching(/\/auth\?/),
      'back 200 Authorization received',
    ]);
    expect(Object.keys(entries())).toEqual([`${mcp.url} authorization_code`]);
  });

  it('--client-credentials: a token for a pre-registered client, no browser, no secret printed', async () => {
    const { env, browsed, entries } = oauthSetup('robot', {
      MCP_ACTORS_CLIENT_SECRET: robot.client_secret,
    });
    const flags = ['--url', mcp.url, '--client-id', 'robot', '--client-credentials', '--verbose'];
    const loggedIn = await cliWith(env, 'login', '--json', ...flags);
    expect(loggedIn.code).toBe(0);
    expect(json(loggedIn)).toEqual({
      server: mcp.url,
      issuer: authServer.issuer,
      scope: 'mcp:read mcp:write',
      tokenStore: expect.stringMatching(/robot\/oauth\.json$/) as unknown,
    });
    expect(Object.keys(entries())).toEqual([`${mcp.url} robot`]);
    const called = await cliWith(env, 'call', 'whoami', ...flags);
    expect(called.code).toBe(0);
    expect(whoami(called)).toMatchObject({ client_id: 'robot' });
    for (const o of [loggedIn, called]) {
      expect(`${o.stdout}${o.stderr}`).not.toContain(robot.client_secret);
    }
    expect(browsed()).toEqual([]);
  });

  it('an authorization the user denies: exit code 5, the reason and the message', async () => {
    const { env, browsedUntil } = oauthSetup('denied', { OAUTH_BROWSER_DECISION: 'deny' });
    const o = await cliWith(env, 'login', '--url', mcp.url);
    expect(o.code).toBe(5);
    expect(o.stderr.trimEnd().split('\n').at(-1)).toBe(
      `mcp-actors: authorization at ${mcp.url} failed (access-denied): The authorization server answered access_denied (The user denied the request).`,
    );
    expect((await browsedUntil(2))[1]).toBe('back 200 Authorization not granted');
  });

  it('Ctrl-C while the browser is out: exit code 130, nothing kept', async () => {
    // A browser the user never comes back from.
    const idle = path.join(scratch, 'idle-browser.mjs');
    writeFileSync(idle, '');
    const { store, env } = oauthSetup('interrupted', { MCP_ACTORS_BROWSER: idle });
    const running = start(['login', '--url', mcp.url], env);
    running.child.stdin?.end();
    await running.stderrHas('Opening the browser to authorize');
    const redirect = /redirect_uri=([^&]+)/.exec(running.stderr())?.[1] ?? '';
    running.child.kill('SIGINT');
    const o = await running.done;
    expect(o.code).toBe(130);
    expect(o.stderr.trimEnd().split('\n').at(-1)).toBe('mcp-actors: interrupted.');
    // The receiver is gone, and no tokens were kept.
    await expect(fetch(`${decodeURIComponent(redirect)}?state=x`)).rejects.toThrow();
    expect(Object.values(readJson(store).entries).map((e) => e.tokens)).toEqual([undefined]);
  });

  it('a token store that is not one: exit code 5, named, and left as it is', async () => {
    const { store, env } = oauthSetup('corrupt');
    const text = '{"version": 1, "entries": ';
    mkdirSync(path.dirname(store), { recursive: true });
    writeFileSync(store, text);
    const o = await cliWith(env, 'tools', '--url', mcp.url);
    expect(o.code).toBe(5);
    expect(o.stderr).toBe(
      `mcp-actors: The OAuth token store ${store} is not usable (not JSON); it was left as it is. Repair it, or delete it and log in again.\n`,
    );
    expect(readFileSync(store, 'utf8')).toBe(text);
  });
});
