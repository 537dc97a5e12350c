import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseJsonObject } from '../src/cli/args.js';
import { UsageError } from '../src/cli/commands.js';
import type { CliOptions } from '../src/cli/options.js';
import { parseHeader, rootUri } from '../src/cli/target.js';
import { historyPath } from '../src/cli/shell-history.js';
import { completeLine, parseShellLine, splitWords, type Catalog } from '../src/cli/shell-line.js';
import {
  causeChain,
  DeadlineExpired,
  errorDocument,
  exitCodeOf,
  Interrupted,
  oneLine,
  tellError,
} from '../src/cli/exit.js';
import {
  formatContentBlock,
  formatInfo,
  formatNotification,
  formatPrompts,
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
import {
  browserCommand,
  loginCommand,
  logoutText,
  storedRedirectUri,
  storeKeyOf,
} from '../src/cli/oauth.js';
import { renderProgress, StatusLine } from '../src/cli/progress.js';
import { negotiationOptions } from '../src/cli/session.js';
import {
  AuthorizationError,
  ConnectionClosedError,
  createOAuthClient,
  InvalidArgumentError,
  JsonRpcError,
  McpLocalError,
  RequestCancelledError,
  RequestTimeoutError,
  SendFailedError,
  StreamError,
  TooManyRoundsError,
  type OAuthClientOptions,
} from '../src/index.js';
import { OAuthStoreError } from '../src/node/index.js';
import { NegotiationError } from '../src/session/negotiation-errors.js';

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

  it('takes --probe-timeout: 3 s by default, at most half of --timeout, 0 for no fallback on silence', () => {
    expect(run(['tools', '--', 's']).probeTimeout).toBe(3_000);
    expect(run(['tools', '--timeout', '1000', '--', 's']).probeTimeout).toBe(500);
    expect(run(['tools', '--timeout', '0', '--', 's']).probeTimeout).toBe(3_000);
    expect(run(['tools', '--probe-timeout', '20000', '--', 's']).probeTimeout).toBe(20_000);
    expect(run(['tools', '--probe-timeout', '0', '--', 's']).probeTimeout).toBe(Infinity);
    expect(() => run(['tools', '--probe-timeout', 'soon', '--', 's'])).toThrow(UsageError);
    expect(() =>
      run(['tools', '--probe-timeout', '100', '--protocol-version', '2025-11-25', '--', 's']),
    ).toThrow(/--probe-timeout is for the era probe/);
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
    [['login', '--', 's'], /login is for an http\(s\) server .*stdio/],
    [['logout', '--url', 'ws://h'], /logout is for an http\(s\) server .*WebSocket/],
    [['login', '--url', 'http://h', '--header', 'authorization: Bearer x'], /Authorization header/],
    [['tools', '--client-id', 'app', '--', 's'], /--client-id is for an http\(s\) --url/],
    [['tools', '--scope', 'a', '--url', 'wss://h'], /--scope is for an http\(s\) --url/],
    [
      ['tools', '--client-secret', 's', '--url', 'http://h'],
      /--client-secret goes with --client-id/,
    ],
    [
      ['login', '--client-id', 'app', '--client-credentials', '--url', 'http://h'],
      /--client-credentials needs --client-id and its secret/,
    ],
    [['login', '--client-credentials', '--url', 'http://h'], /--client-credentials needs/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });

  it('reads the OAuth flags of an http(s) server, and their variables', () => {
    expect(run(['login', '--url', 'https://h/mcp'])).toMatchObject({
      command: 'login',
      server: {
        kind: 'http',
        oauth: {
          clientId: undefined,
          clientSecret: undefined,
          clientCredentials: false,
          scope: undefined,
          tokenStore: undefined,
          enabled: true,
        },
      },
    });
    const flags = parseCommandLine(
      [
        'tools',
        '--url',
        'https://h/mcp',
        '--client-id',
        'app',
        '--client-credentials',
        '--scope',
        'mcp:read mcp:write',
        '--token-store',
        'tokens/oauth.json',
      ],
      '/home/me',
      { MCP_ACTORS_CLIENT_SECRET: 's3cret', MCP_ACTORS_TOKEN_STORE: '/elsewhere.json' },
    );
    expect(flags.kind === 'run' ? flags.options.server : undefined).toMatchObject({
      oauth: {
        clientId: 'app',
        clientSecret: 's3cret',
        clientCredentials: true,
        scope: 'mcp:read mcp:write',
        tokenStore: '/home/me/tokens/oauth.json',
      },
    });
    const fromEnv = parseCommandLine(['logout', '--url', 'http://h/'], '/home/me', {
      MCP_ACTORS_TOKEN_STORE: 'rel.json',
      MCP_ACTORS_CLIENT_SECRET: 'ignored without --client-id',
    });
    expect(fromEnv.kind === 'run' ? fromEnv.options.server : undefined).toMatchObject({
      oauth: { tokenStore: '/home/me/rel.json', clientSecret: undefined },
    });
    // A secret on the command line wins over the variable.
    const given = parseCommandLine(
      ['tools', '--url', 'http://h/', '--client-id', 'a', '--client-secret', 'flag'],
      '/',
      { MCP_ACTORS_CLIENT_SECRET: 'variable' },
    );
    expect(given.kind === 'run' ? given.options.server : undefined).toMatchObject({
      oauth: { clientSecret: 'flag' },
    });
    // An Authorization header of one's own turns OAuth off.
    expect(
      run(['tools', '--url', 'http://h/', '--header', 'Authorization: Bearer t']).server,
    ).toMatchObject({ oauth: { enabled: false } });
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
    [new AuthorizationError('access-denied', 'denied'), 'connect', 5],
    [new AuthorizationError('insufficient-scope', 'more'), 'command', 5],
    [new SendFailedError(ref, new AuthorizationError('unauthorized', 'no')), 'command', 5],
    [new OAuthStoreError('corrupt', '/s.json', 'not a store'), 'connect', 5],
    [new Error('something else'), 'command', 1],
  ] as const)('%s while %s: %i', (error, phase, code) => {
    expect(exitCodeOf(error, phase)).toBe(code);
  });

  it('tells an authorization failure as itself in the --json error document', () => {
    const denied = new AuthorizationError('access-denied', 'The user said no.', {
      oauthError: 'access_denied',
    });
    expect(errorDocument(new SendFailedError(ref, denied), 5)).toEqual({
      error: {
        exitCode: 5,
        code: 'AUTHORIZATION_FAILED',
        reason: 'access-denied',
        message: 'The user said no.',
      },
    });
    expect(errorDocument(new OAuthStoreError('io', '/s.json', 'Could not write.'), 5)).toEqual({
      error: { exitCode: 5, code: 'TOKEN_STORE', reason: 'io', message: 'Could not write.' },
    });
  });

  it('lists the causes beneath an error in the --json error document', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    const lost = new McpLocalError('TRANSPORT_ERROR', 'The stream ended: fetch failed.', {
      cause: new TypeError('fetch failed', { cause: refused }),
    });
    expect(errorDocument(new SendFailedError(ref, lost), 3)).toEqual({
      error: {
        exitCode: 3,
        code: 'SEND_FAILED',
        message: expect.stringContaining('The stream ended') as unknown,
        causes: [
          {
            name: 'McpLocalError',
            code: 'TRANSPORT_ERROR',
            message: 'The stream ended: fetch failed.',
          },
          { name: 'TypeError', message: 'fetch failed' },
          { name: 'Error', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' },
        ],
      },
    });
  });

  it('tells the library’s advice in flags, and leaves out what a command line user cannot do', () => {
    const tooLarge = new StreamError(
      'MESSAGE_TOO_LARGE',
      'The answer to request 3 is larger than maxMessageBytes (16 bytes); it was skipped.',
      {
        hint: {
          text: "Raise maxMessageBytes if the server's messages are this large.",
          option: 'maxMessageBytes',
        },
      },
    );
    const closed = new ConnectionClosedError(ref, { cause: tooLarge });
    expect(tellError(closed, {})).toEqual({
      text: "Connection closed (tools/call, id 3): The answer to request 3 is larger than --max-message-bytes (16 bytes); it was skipped. Raise --max-message-bytes if the server's messages are this large.",
      hint: "Raise --max-message-bytes if the server's messages are this large.",
    });
    expect(tellError(new TooManyRoundsError('prompts/get', 10), {})).toEqual({
      text: 'prompts/get still asked for input after 10 rounds.',
      hint: 'Raise --max-input-rounds if the server legitimately needs more.',
    });
    const legacy = new NegotiationError(
      'server/discover was answered with error -32601 (Method not found)',
      undefined,
      {
        hint: { text: "Use mode 'auto'.", option: 'mode' },
      },
    );
    expect(tellError(legacy, { protocolVersion: '2026-07-28' }).hint).toMatch(
      /^The server may predate 2026-07-28: drop --protocol-version 2026-07-28, /,
    );
    expect(tellError(legacy, {})).toEqual({
      text: 'server/discover was answered with error -32601 (Method not found).',
      hint: undefined,
    });
    expect(errorDocument(closed, 3)).toEqual({
      error: {
        exitCode: 3,
        code: 'CONNECTION_CLOSED',
        message: expect.stringContaining('Raise --max-message-bytes') as unknown,
        hint: "Raise --max-message-bytes if the server's messages are this large.",
        causes: [
          {
            name: 'StreamError',
            code: 'MESSAGE_TOO_LARGE',
            message: expect.stringContaining('maxMessageBytes (16 bytes)') as unknown,
          },
        ],
      },
    });
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

  it('cuts the arguments column to a terminal, and nothing when there is none (a pipe, a file)', () => {
    const names = ['sourceRepository', 'targetBranch', 'commitMessage', 'authorEmail', 'dryRun'];
    const tool = {
      name: 'open-pull-request',
      description: 'Opens a pull request.',
      inputSchema: {
        type: 'object',
        properties: Object.fromEntries(names.map((n) => [n, {}])),
        required: ['authorEmail'],
      },
    };
    const full = 'sourceRepository, targetBranch, commitMessage, authorEmail*, dryRun';
    expect(formatTools([tool]).split('\n')[1]).toBe(
      `open-pull-request  ${full}  Opens a pull request.`,
    );
    expect(formatTools([tool], 120).split('\n')[1]).toBe(
      `open-pull-request  ${full.slice(0, 39)}…  Opens a pull request.`,
    );
    const prompt = {
      name: 'review',
      arguments: names.map((name) => ({ name, required: name === 'dryRun' })),
    };
    expect(formatPrompts([prompt]).split('\n')[1]).toBe(
      'review  sourceRepository, targetBranch, commitMessage, authorEmail, dryRun*',
    );
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

describe('OAuth in the command line', () => {
  const settings = {
    clientId: undefined,
    clientSecret: undefined,
    clientCredentials: false,
    scope: undefined,
    tokenStore: undefined,
    enabled: true,
  };

  /** The key an OAuth client bound to `url` keeps its tokens under. */
  function clientKey(url: string, options: OAuthClientOptions): string | undefined {
    const client = createOAuthClient(options);
    client.wrapFetch(new URL(url), () => Promise.resolve(new Response(null, { status: 500 })));
    const key = client.storeKey;
    client.stop();
    return key;
  }

  it('finds the tokens under the key the OAuth client keeps them under', () => {
    const url = 'https://mcp.example.com/mcp#section';
    const userAgent = () => Promise.reject(new Error('no user here'));
    const codeFlow: OAuthClientOptions = {
      grant: { type: 'authorization_code', redirectUri: 'http://127.0.0.1:1/callback', userAgent },
    };
    expect(storeKeyOf(new URL(url), settings)).toBe(clientKey(url, codeFlow));
    expect(storeKeyOf(new URL(url), settings)).toBe(
      'https://mcp.example.com/mcp authorization_code',
    );
    const robot = { ...settings, clientId: 'robot', clientSecret: 's', clientCredentials: true };
    expect(storeKeyOf(new URL(url), robot)).toBe(
      clientKey(url, {
        grant: { type: 'client_credentials' },
        client: { clientId: 'robot', clientSecret: 's' },
      }),
    );
  });

  it('listens again on the loopback port of the stored registration', () => {
    const client = (...redirectUris: string[]) => ({
      clients: { 'https://as': { clientId: 'c', authMethod: 'none' as const, redirectUris } },
    });
    expect(storedRedirectUri(client('http://127.0.0.1:8976/callback'))?.href).toBe(
      'http://127.0.0.1:8976/callback',
    );
    expect(
      storedRedirectUri(client('https://app.example/callback', 'http://127.0.0.1:9/callback'))
        ?.port,
    ).toBe('9');
    expect(storedRedirectUri(client('https://app.example/callback'))).toBeUndefined();
    expect(storedRedirectUri(client('http://127.0.0.1:8976/other'))).toBeUndefined();
    expect(storedRedirectUri(client('http://localhost:8976/callback'))).toBeUndefined();
    expect(storedRedirectUri({})).toBeUndefined();
    expect(storedRedirectUri(undefined)).toBeUndefined();
  });

  it('runs MCP_ACTORS_BROWSER as it is, a JavaScript file with this Node', () => {
    expect(browserCommand('/usr/bin/firefox')).toEqual({ command: '/usr/bin/firefox', args: [] });
    expect(browserCommand('C:\\Program Files\\b.exe')).toEqual({
      command: 'C:\\Program Files\\b.exe',
      args: [],
    });
    expect(browserCommand('/t/browser.mjs')).toEqual({
      command: process.execPath,
      args: ['/t/browser.mjs'],
    });
  });

  it('says how to log in, with the client and the token store of the command', () => {
    const url = new URL('https://h/mcp');
    expect(loginCommand(url, settings)).toBe('mcp-actors login --url https://h/mcp');
    expect(loginCommand(url, { ...settings, clientId: 'my app', tokenStore: '/tmp/t.json' })).toBe(
      "mcp-actors login --url https://h/mcp --client-id 'my app' --token-store /tmp/t.json",
    );
  });

  it('says what logout did', () => {
    const outcome = { server: 'https://h/mcp', tokenStore: '/t.json', forgotten: true };
    const none = { revoked: [], unsupported: [], why: 'no tokens were held' };
    expect(logoutText({ ...outcome, ...none, forgotten: false })).toBe(
      'No tokens were kept for https://h/mcp (in /t.json).',
    );
    expect(
      logoutText({
        ...outcome,
        revoked: ['refresh_token', 'access_token'],
        unsupported: [],
        why: undefined,
      }),
    ).toBe(
      'Logged out of https://h/mcp: the refresh token and access token were revoked at the authorization server and the tokens forgotten.',
    );
    expect(
      logoutText({
        ...outcome,
        revoked: [],
        unsupported: [],
        why: 'https://as offers no revocation',
      }),
    ).toBe(
      'Logged out of https://h/mcp: the tokens were forgotten; they were not revoked: https://as offers no revocation.',
    );
    expect(
      logoutText({
        ...outcome,
        revoked: ['refresh_token'],
        unsupported: [],
        why: 'https://as refused: x',
      }),
    ).toBe(
      'Logged out of https://h/mcp: the refresh token was revoked at the authorization server and the tokens forgotten (revoking the rest failed: https://as refused: x).',
    );
  });
});

describe('the lines of the shell', () => {
  const words = (line: string): string[] => splitWords(line).map((w) => w.text);

  it('shell is a command of the command line, with its help', () => {
    expect(parseCommandLine(['shell', '--', 'x'])).toMatchObject({
      kind: 'run',
      options: { command: 'shell', args: [] },
    });
    expect(parseCommandLine(['help', 'shell'])).toMatchObject({
      kind: 'help',
      text: expect.stringContaining('Tab completes commands, tool, prompt and resource names'),
    });
    expect(() => parseCommandLine(['shell', '--limit', '1', '--', 'x'])).toThrow(
      '--limit is an option of listen, not of shell.',
    );
  });

  it('splits words as a shell does, and takes a bare JSON value whole', () => {
    expect(words(`call echo '{"message": "hi there"}'`)).toEqual([
      'call',
      'echo',
      '{"message": "hi there"}',
    ]);
    expect(words('call echo {"message": "a } in a string", "n": [1, {"x": 2}]} --json')).toEqual([
      'call',
      'echo',
      '{"message": "a } in a string", "n": [1, {"x": 2}]}',
      '--json',
    ]);
    expect(words('read "file:///a b" x\\ y')).toEqual(['read', 'file:///a b', 'x y']);
    expect(splitWords('call echo {"message": "h').at(-1)).toMatchObject({
      start: 10,
      open: true,
    });
    expect(splitWords("read 'abc").at(-1)?.open).toBe(true);
  });

  it('parses a line into a command of the CLI, with the command line’s checks', () => {
    expect(parseShellLine('  ')).toEqual({ kind: 'empty' });
    expect(parseShellLine('# a comment')).toEqual({ kind: 'empty' });
    expect(parseShellLine('quit')).toEqual({ kind: 'exit' });
    expect(parseShellLine('call echo {"message": "hi"} --json')).toEqual({
      kind: 'run',
      command: 'call',
      args: ['echo', '{"message": "hi"}'],
      json: true,
    });
    expect(parseShellLine('read demo://a')).toEqual({
      kind: 'run',
      command: 'read',
      args: ['demo://a'],
      json: false,
    });
    expect(parseShellLine('help call')).toMatchObject({
      kind: 'help',
      text: expect.stringMatching(/^call <tool> \['<json arguments>'\] \[--json\]\n\nCalls <tool>/),
    });
    expect(parseShellLine('tools --help')).toMatchObject({ kind: 'help' });
    expect(parseShellLine('help')).toMatchObject({
      kind: 'help',
      text: expect.stringContaining('exit, quit'),
    });
  });

  it.each([
    ['call', /^call needs an argument: call <tool> \['<json arguments>'\]\.$/],
    ['tools extra', /^tools takes no arguments; got "extra"\.$/],
    ['login', /^Unknown command "login"; the commands are info, .*, read, help, exit, quit\.$/],
    ['listen', /^listen is not a command of the shell: here the server's notifications print/],
    ['call echo --frob', /^Unknown option --frob; on a line of the shell, a command takes --json/],
    ['call echo {"message": "hi"', /^The line ends inside a quote or a JSON value/],
  ])('refuses %j', (line, message) => {
    expect.assertions(2);
    try {
      parseShellLine(line);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
    }
  });

  const catalog: Catalog = {
    tools: new Map([
      ['echo', ['message']],
      ['get-sum', ['a', 'b']],
      ['get-env', []],
    ]),
    prompts: new Map([['args-prompt', ['city', 'state']]]),
    resources: ['demo://resource/static/document/a.md', 'demo://resource/dynamic/text/{id}'],
  };

  it('completes command names, then names of tools, prompts and resources', () => {
    expect(completeLine('', catalog)[0]).toEqual(
      expect.arrayContaining(['call', 'tools', 'get-prompt', 'help', 'exit']),
    );
    expect(completeLine('ca', catalog)).toEqual([['call '], 'ca']);
    expect(completeLine('re', catalog)).toEqual([['read', 'resources'], 're']);
    expect(completeLine('call get-', catalog)).toEqual([['get-env', 'get-sum'], 'get-']);
    expect(completeLine('call ec', catalog)).toEqual([['echo '], 'ec']);
    expect(completeLine('get-prompt a', catalog)).toEqual([['args-prompt '], 'a']);
    expect(completeLine('read demo://resource/s', catalog)).toEqual([
      ['demo://resource/static/document/a.md '],
      'demo://resource/s',
    ]);
    expect(completeLine('help get', catalog)).toEqual([['get-prompt '], 'get']);
    expect(completeLine('tools --j', catalog)).toEqual([['--json '], '--j']);
    expect(completeLine('tools x', catalog)).toEqual([[], 'x']);
  });

  it('completes the argument names of a tool or a prompt where a key goes, those not given yet', () => {
    expect(completeLine('call get-sum ', catalog)).toEqual([['{"a": ', '{"b": '], '']);
    expect(completeLine('call get-sum {', catalog)).toEqual([['"a": ', '"b": '], '']);
    expect(completeLine('call get-sum {"b', catalog)).toEqual([['"b": '], '"b']);
    expect(completeLine('call get-sum {"b": 2, "', catalog)).toEqual([['"a": '], '"']);
    expect(completeLine('call get-sum {"a": 1, "b": 2, ', catalog)).toEqual([[], '']);
    // Inside a string value there is no key to complete.
    expect(completeLine('call echo {"message": "hello, "', catalog)).toEqual([[], '']);
    expect(completeLine('get-prompt args-prompt {"c', catalog)).toEqual([['"city": '], '"c']);
    expect(completeLine('call nope {', catalog)).toEqual([[], '']);
  });

  it('keeps the history in the state directory, or where MCP_ACTORS_HISTORY says', () => {
    expect(historyPath({ XDG_STATE_HOME: '/state' })).toBe('/state/mcp-actors/shell_history');
    expect(historyPath({ XDG_STATE_HOME: 'relative' })).toMatch(
      /\/\.local\/state\/mcp-actors\/shell_history$/,
    );
    expect(historyPath({ MCP_ACTORS_HISTORY: '/tmp/h' })).toBe('/tmp/h');
    expect(historyPath({ MCP_ACTORS_HISTORY: '' })).toBeUndefined();
  });
});
