import { describe, expect, it } from 'vitest';
import {
  parseCommandLine,
  parseHeader,
  parseJsonObject,
  rootUri,
  UsageError,
  type CliOptions,
} from '../src/cli/args.js';
import { causeChain, DeadlineExpired, exitCodeOf, Interrupted, oneLine } from '../src/cli/exit.js';
import {
  formatContentBlock,
  formatInfo,
  formatNotification,
  formatTools,
  table,
  truncate,
} from '../src/cli/format.js';
import {
  answerField,
  elicitForm,
  fieldQuestion,
  sampleAtTerminal,
  type Asker,
} from '../src/cli/interactive.js';
import { renderProgress, StatusLine } from '../src/cli/progress.js';
import { negotiationOptions } from '../src/cli/session.js';
import {
  ConnectionClosedError,
  InvalidArgumentError,
  JsonRpcError,
  RequestCancelledError,
  RequestTimeoutError,
} from '../src/index.js';
import { NegotiationError } from '../src/negotiation.js';

/** The CLI's pure parts, imported without running anything. */

const run = (argv: string[]): CliOptions => {
  const parsed = parseCommandLine(argv, '/home/me');
  if (parsed.kind !== 'run') throw new Error(`not a run: ${parsed.kind}`);
  return parsed.options;
};

describe('the command line', () => {
  it('takes the stdio server after --, flags before or after the command', () => {
    const o = run([
      '--json',
      'call',
      'echo',
      '{"a":1}',
      '--env',
      'K=v=w',
      '--',
      'npx',
      '-y',
      'srv',
    ]);
    expect(o).toMatchObject({
      command: 'call',
      args: ['echo', '{"a":1}'],
      json: true,
      server: { kind: 'stdio', command: 'npx', args: ['-y', 'srv'], env: { K: 'v=w' } },
      protocolVersion: undefined,
      timeout: 60_000,
    });
  });

  it('chooses the transport from the URL and --transport', () => {
    expect(run(['tools', '--url', 'https://h/mcp']).server).toMatchObject({
      kind: 'http',
      transport: 'auto',
    });
    expect(run(['tools', '--url', 'http://h/sse', '--transport', 'sse']).server).toMatchObject({
      kind: 'http',
      transport: 'sse',
    });
    expect(
      run(['tools', '--url', 'wss://h/mcp', '--header', 'Authorization: Bearer a:b']).server,
    ).toMatchObject({ kind: 'websocket', headers: { Authorization: 'Bearer a:b' } });
  });

  it('pins a revision: legacy ones with the handshake, 2026 with server/discover', () => {
    const legacy = run(['info', '--protocol-version', '2025-03-26', '--', 's']);
    expect(negotiationOptions(legacy)).toEqual({
      mode: 'legacy',
      protocolVersion: '2025-03-26',
      supportedProtocolVersions: ['2025-03-26'],
    });
    const modern = run(['info', '--protocol-version', '2026-07-28', '--', 's']);
    expect(negotiationOptions(modern)).toMatchObject({
      mode: 'modern',
      protocolVersion: '2026-07-28',
    });
    expect(negotiationOptions(run(['info', '--', 's']))).toEqual({ mode: 'auto' });
    // HTTP+SSE servers predate server/discover.
    expect(
      negotiationOptions(run(['info', '--url', 'http://h/sse', '--transport', 'sse'])),
    ).toEqual({
      mode: 'legacy',
    });
  });

  it('reads --timeout (0 for none), --root (paths become file: URIs), --limit', () => {
    const o = run([
      'listen',
      '--timeout',
      '0',
      '--root',
      'src',
      '--root',
      'file:///x',
      '--limit',
      '3',
      '--',
      's',
    ]);
    expect(o.timeout).toBe(Infinity);
    expect(o.roots).toEqual(['file:///home/me/src', 'file:///x']);
    expect(o.limit).toBe(3);
    expect(rootUri('/a b', '/')).toBe('file:///a%20b');
  });

  it('answers --help, <command> --help, help <command> and --version without a server', () => {
    expect(parseCommandLine(['--help'])).toMatchObject({
      kind: 'help',
      text: expect.stringMatching(/^Usage: mcp-actors <command>/),
    });
    expect(parseCommandLine(['read', '-h'])).toMatchObject({
      text: expect.stringMatching(/^Usage: mcp-actors read <uri>/),
    });
    expect(parseCommandLine(['help', 'listen'])).toMatchObject({
      text: expect.stringContaining('--limit <n>'),
    });
    expect(parseCommandLine(['-V'])).toMatchObject({
      kind: 'version',
      text: expect.stringMatching(/^mcp-actors \d/),
    });
  });

  it.each([
    [['tools', '--timeout', '-5', '--', 's'], /--timeout/],
    [['tools', '--log-level', 'loud', '--', 's'], /--log-level takes one of debug/],
    [['tools', '--url'], /--url needs a value/],
    [['tools', '--json=yes', '--', 's'], /--json takes no value/],
    [
      ['tools', '--transport', 'carrier-pigeon', '--url', 'http://h'],
      /--transport takes streamable-http or sse/,
    ],
    [['tools', '--transport', 'sse', '--url', 'ws://h'], /does not apply to a ws:\/\/ URL/],
    [['tools', '--env', 'NOEQUALS', '--', 's'], /--env takes NAME=value/],
    [['read', 'a', 'b', '--', 's'], /read takes at most 1/],
    [['info', 'extra', '--', 's'], /info takes no arguments/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('parses headers and JSON objects', () => {
    expect(parseHeader('X-Key:  a: b ')).toEqual(['X-Key', 'a: b']);
    expect(() => parseHeader('no colon')).toThrow(/'Name: value'/);
    expect(() => parseHeader('Bad Name: v')).toThrow(UsageError);
    expect(parseJsonObject(undefined, 'x')).toEqual({});
    expect(() => parseJsonObject('null', 'tool arguments')).toThrow(/must be a JSON object/);
  });
});

describe('exit codes and reports', () => {
  const ref = { method: 'tools/call', id: 3 };
  it.each([
    [new UsageError('x'), 'command', 2],
    [new JsonRpcError({ code: -32602, message: 'bad' }), 'command', 1],
    [new JsonRpcError({ code: -32601, message: 'no' }), 'connect', 3],
    [new ConnectionClosedError(), 'command', 3],
    [new NegotiationError('none in common'), 'connect', 3],
    [new RequestTimeoutError(ref, 100, 'idle'), 'command', 4],
    [new RequestTimeoutError(ref, 100, 'idle'), 'connect', 4],
    [new RequestCancelledError(ref, new DeadlineExpired(100)), 'command', 4],
    [new RequestCancelledError(ref, new Interrupted()), 'command', 130],
    [new Interrupted(), 'connect', 130],
    [new InvalidArgumentError('bad header'), 'connect', 2],
    [new Error('something else'), 'command', 1],
  ] as const)('%s while %s: %i', (error, phase, code) => {
    expect(exitCodeOf(error, phase)).toBe(code);
  });

  it('reports one line, with the telling stderr line of a crashed server', () => {
    const crash = new Error(
      'The server process "node" exited with code 1; its last stderr lines:\nfile.js:1\n^\n\nError: boom\n    at x (file.js:1:1)\n\nNode.js v20.20.2',
    );
    expect(oneLine(crash)).toBe(
      'The server process "node" exited with code 1; its last stderr lines: Error: boom',
    );
    expect(oneLine(new Error('one\ntwo'))).toBe('one');
  });

  it('tells the cause chain for --verbose', () => {
    const error = new ConnectionClosedError(ref, {
      cause: new JsonRpcError({ code: -1, message: 'x', data: { d: 1 } }),
    });
    expect(causeChain(error)).toEqual([
      expect.stringMatching(/^ConnectionClosedError \[CONNECTION_CLOSED\]: Connection closed/),
      'caused by: JsonRpcError [-1]: Server error -1: x',
      '  data: {"d":1}',
    ]);
  });
});

describe('human output', () => {
  it('aligns tables and cuts the last column to the terminal', () => {
    expect(
      table(
        ['A', 'B'],
        [
          ['long-name', 'x'],
          ['s', 'a very long description'],
        ],
        20,
      ),
    ).toBe('A          B\nlong-name  x\ns          a very l…');
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
  });

  it('lists tools with their arguments, required ones starred', () => {
    const text = formatTools([
      {
        name: 'get-sum',
        description: 'Adds.\nMore text.',
        inputSchema: { type: 'object', properties: { a: {}, b: {}, c: {} }, required: ['a', 'b'] },
      },
    ]);
    expect(text).toBe('NAME     ARGUMENTS  DESCRIPTION\nget-sum  a*, b*, c  Adds.');
  });

  it('shows content blocks by kind', () => {
    expect(formatContentBlock({ type: 'image', mimeType: 'image/png', data: 'AAAA' })).toBe(
      '[image image/png, 3 bytes]',
    );
    expect(formatContentBlock({ type: 'resource_link', uri: 'file:///a', name: 'a' })).toBe(
      '[resource link] file:///a (a)',
    );
    expect(
      formatContentBlock({ type: 'resource', resource: { uri: 'file:///t', text: 'hi' } }),
    ).toBe('[resource file:///t]\n  hi');
  });

  it('shows info as labelled lines', () => {
    const text = formatInfo({
      protocolVersion: '2025-11-25',
      era: 'legacy',
      transport: 'stdio (srv)',
      negotiation: 'initialize',
      serverInfo: { name: 'srv', version: '1.0.0' },
      capabilities: { tools: { listChanged: true }, logging: {} },
      instructions: undefined,
    });
    expect(text.split('\n')).toEqual([
      'server        srv 1.0.0',
      'protocol      2025-11-25 (legacy era: initialize handshake)',
      'negotiation   initialize',
      'transport     stdio (srv)',
      'capabilities  tools (listChanged), logging',
      'instructions  (none)',
    ]);
  });

  it('shows a notification on one line', () => {
    const at = new Date(2026, 0, 1, 9, 5, 7);
    expect(
      formatNotification('notifications/resources/updated', { uri: 'file:///a', _meta: {} }, at),
    ).toBe('09:05:07  notifications/resources/updated  file:///a');
    expect(
      formatNotification('notifications/message', { level: 'info', logger: 'db', data: 'up' }, at),
    ).toBe('09:05:07  notifications/message  info db: up');
  });
});

describe('the progress bar', () => {
  it('renders a bar with a total, a count without', () => {
    expect(renderProgress('job', { progress: 5, total: 10 }, 80)).toBe(
      `job ${'█'.repeat(15)}${'░'.repeat(15)}  50%  5/10`,
    );
    expect(renderProgress('job', { progress: 2.5, message: 'copying' }, 80)).toBe(
      'job … 2.5  copying',
    );
    expect([
      ...renderProgress('job', { progress: 1, total: 3, message: 'x'.repeat(100) }, 40),
    ]).toHaveLength(39);
  });

  it('draws in place on a terminal, never elsewhere, and clears', () => {
    const written: string[] = [];
    const tty = new StatusLine({ isTTY: true, columns: 80, write: (t: string) => written.push(t) });
    tty.show('a');
    tty.show('b');
    tty.log('line');
    tty.clear();
    expect(written).toEqual([
      '\r\x1b[2Ka',
      '\r\x1b[2Kb',
      '\r\x1b[2K',
      'line\n',
      '\r\x1b[2Kb',
      '\r\x1b[2K',
    ]);
    const piped: string[] = [];
    const pipe = new StatusLine({ isTTY: false, write: (t: string) => piped.push(t) });
    pipe.show('a');
    pipe.log('line');
    pipe.clear();
    expect(piped).toEqual(['line\n']);
  });
});

describe('the terminal dialogs', () => {
  /** An Asker that answers from a script and records what it was asked. */
  const scripted = (answers: string[]): Asker & { seen: string[] } => {
    const seen: string[] = [];
    return {
      seen,
      ask: (q) => {
        seen.push(q);
        const a = answers.shift();
        return a === undefined
          ? Promise.reject(new Error(`no answer for ${q}`))
          : Promise.resolve(a);
      },
      say: (t) => seen.push(t),
    };
  };

  it('checks each kind of field', () => {
    expect(answerField({ type: 'integer', minimum: 1, maximum: 10 }, '11', false)).toEqual({
      ok: false,
      error: 'must be at most 10',
    });
    expect(answerField({ type: 'integer' }, '1.5', false)).toEqual({
      ok: false,
      error: 'not an integer',
    });
    expect(answerField({ type: 'number' }, ' 2.5 ', false)).toEqual({ ok: true, value: 2.5 });
    expect(answerField({ type: 'boolean' }, 'No', false)).toEqual({ ok: true, value: false });
    expect(answerField({ type: 'string', format: 'date' }, '2025-02-29', false)).toMatchObject({
      ok: false,
    });
    expect(answerField({ type: 'string', format: 'uri' }, 'https://x.org', false)).toEqual({
      ok: true,
      value: 'https://x.org',
    });
    expect(answerField({ type: 'string', maxLength: 2 }, 'abc', false)).toEqual({
      ok: false,
      error: 'at most 2 characters',
    });
    expect(answerField({ type: 'string' }, '', true)).toEqual({
      ok: false,
      error: 'this field is required',
    });
    expect(answerField({ type: 'string' }, '', false)).toEqual({ ok: true, value: undefined });
    expect(answerField({ type: 'string', default: 'd' }, '', true)).toEqual({
      ok: true,
      value: 'd',
    });
    const titled = {
      type: 'string',
      oneOf: [
        { const: 'a', title: 'Apple' },
        { const: 'b', title: 'Banana' },
      ],
    };
    expect(answerField(titled, '2', false)).toEqual({ ok: true, value: 'b' });
    expect(answerField(titled, 'apple', false)).toEqual({ ok: true, value: 'a' });
    const multi = { type: 'array', maxItems: 1, items: { enum: ['x', 'y'] } };
    expect(answerField(multi, 'x, y', false)).toEqual({ ok: false, error: 'choose at most 1' });
    expect(answerField(multi, 'z', false)).toMatchObject({ ok: false });
  });

  it('asks a field with its label, description, hint and default', () => {
    expect(
      fieldQuestion(
        'n',
        {
          type: 'integer',
          title: 'Count',
          description: 'How many',
          minimum: 1,
          maximum: 9,
          default: 3,
        },
        true,
      ),
    ).toBe('? Count (n)* — How many (integer 1–9) [3]: ');
  });

  it('fills in a form, asking again after a refused answer', async () => {
    const asker = scripted(['', 'abc', '42', 'y', '']);
    const result = await elicitForm(
      {
        message: 'Tell me',
        requestedSchema: {
          type: 'object',
          properties: { age: { type: 'integer' }, ok: { type: 'boolean' } },
          required: ['age'],
        },
      },
      asker,
    );
    expect(result).toEqual({ action: 'accept', content: { age: 42, ok: true } });
    expect(asker.seen).toContain('  ✗ not a number');
  });

  it('declines or cancels a form when asked to', async () => {
    const schema = { message: 'm', requestedSchema: { type: 'object', properties: {} } };
    await expect(elicitForm(schema, scripted(['d']))).resolves.toEqual({ action: 'decline' });
    await expect(elicitForm(schema, scripted(['y', 'cancel']))).resolves.toEqual({
      action: 'cancel',
    });
  });

  it('takes a sampling reply, or refuses with -1 on an empty one', async () => {
    const params = {
      messages: [{ role: 'user', content: { type: 'text', text: 'Hi?' } }],
      maxTokens: 5,
    };
    await expect(sampleAtTerminal(params, scripted(['Hello.']))).resolves.toMatchObject({
      role: 'assistant',
      content: { type: 'text', text: 'Hello.' },
    });
    await expect(sampleAtTerminal(params, scripted(['']))).rejects.toMatchObject({ code: -1 });
  });
});
