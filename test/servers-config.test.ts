import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createClientSession } from '../src/index.js';
import {
  loadServersConfig,
  parseServersConfig,
  ServersConfigError,
  type ServersConfigIssue,
} from '../src/node/index.js';
import { serverScript } from './support/servers.js';

/**
 * The `mcpServers` configuration of `mcp-actors/node`: what it accepts, every problem it names
 * (server and field), `${VAR}` expansion from an explicit environment, the transport each entry
 * makes (seen by a real HTTP server on 127.0.0.1), and real stdio servers started from it.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-actors-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The issues of the error `parse` throws (a `ServersConfigError`, or the test fails). */
function issuesOf(parse: () => unknown): readonly ServersConfigIssue[] {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(ServersConfigError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' });
    return (error as ServersConfigError).issues;
  }
  throw new Error('expected a ServersConfigError');
}

describe('parseServersConfig: the shape', () => {
  it('reads stdio and remote entries, deciding each transport type', () => {
    const servers = parseServersConfig(
      {
        mcpServers: {
          memory: { command: 'npx', args: ['-y', 'server-memory'], env: { A: '1' }, cwd: '/srv' },
          plain: { command: 'node', type: 'stdio' },
          web: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer x' } },
          socket: { url: 'wss://mcp.example.com/ws' },
          legacy: { url: 'http://127.0.0.1:1/sse', type: 'sse' },
          streamable: { url: 'http://127.0.0.1:1/mcp', type: 'streamable-http' },
        },
        // Other members of a host's file are left alone.
        globalShortcut: 'Ctrl+Space',
      },
      { env: {} },
    );
    expect(Object.keys(servers)).toEqual([
      'memory',
      'plain',
      'web',
      'socket',
      'legacy',
      'streamable',
    ]);
    expect(servers.memory?.config).toEqual({
      type: 'stdio',
      command: 'npx',
      args: ['-y', 'server-memory'],
      env: { A: '1' },
      cwd: '/srv',
    });
    expect(servers.plain?.config).toEqual({ type: 'stdio', command: 'node', args: [], env: {} });
    expect(servers.web?.config).toEqual({
      type: 'http',
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer x' },
    });
    expect(servers.socket?.config).toMatchObject({ type: 'ws' });
    expect(servers.legacy?.config).toMatchObject({ type: 'sse' });
    expect(servers.streamable?.config).toMatchObject({ type: 'streamable-http' });
  });

  it('passes the session options on to every server, and keeps a server named __proto__ as a server', () => {
    const servers = parseServersConfig(
      JSON.parse('{"mcpServers": {"__proto__": {"command": "node"}}}'),
      { env: {}, session: { mode: 'legacy' } },
    );
    expect(Object.keys(servers)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(servers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(servers, '__proto__')?.value).toMatchObject({
      session: { mode: 'legacy' },
      config: { command: 'node' },
    });
  });

  it('refuses a file without mcpServers (a bare map of servers included), naming the member', () => {
    expect(issuesOf(() => parseServersConfig({ fs: { command: 'x' } }))).toEqual([
      { server: undefined, field: 'mcpServers', message: expect.stringMatching(/^is required/) },
    ]);
    expect(issuesOf(() => parseServersConfig({ mcpServers: [] }))).toEqual([
      {
        server: undefined,
        field: 'mcpServers',
        message: expect.stringMatching(/^must be an object/),
      },
    ]);
    expect(issuesOf(() => parseServersConfig('mcpServers'))).toEqual([
      { server: undefined, field: undefined, message: expect.stringContaining('JSON object') },
    ]);
  });

  it.each<[string, unknown, string | undefined, RegExp]>([
    ['an entry that is not an object', 'npx server', undefined, /must be an object/],
    ['neither command nor url', { args: ['x'] }, 'command', /is required \(or url/],
    ['both command and url', { command: 'x', url: 'http://h/' }, 'url', /give one/],
    ['a command that is not a string', { command: ['npx'] }, 'command', /must be a string/],
    ['an empty command', { command: '' }, 'command', /must not be empty/],
    ['args not an array', { command: 'x', args: '-y' }, 'args', /array of strings/],
    ['an argument not a string', { command: 'x', args: ['a', 2] }, 'args[1]', /must be a string/],
    ['env not an object', { command: 'x', env: ['A=1'] }, 'env', /object of strings/],
    ['an env value not a string', { command: 'x', env: { PORT: 80 } }, 'env.PORT', /string/],
    ['cwd not a string', { command: 'x', cwd: 1 }, 'cwd', /must be a string/],
    ['an unknown type', { command: 'x', type: 'grpc' }, 'type', /one of stdio, http/],
    ['stdio with url', { type: 'stdio', url: 'http://h/' }, 'type', /needs command/],
    ['sse with command', { type: 'sse', command: 'x' }, 'type', /needs url/],
    ['a url that is not one', { url: 'not a url' }, 'url', /is not a URL/],
    ['a url of another scheme', { url: 'ftp://h/' }, 'url', /http:\/\/, https:\/\//],
    ['ws with an http url', { type: 'ws', url: 'http://h/' }, 'url', /does not go with type "ws"/],
    ['sse with a ws url', { type: 'sse', url: 'ws://h/' }, 'url', /does not go with type "sse"/],
    ['headers not an object', { url: 'http://h/', headers: 'A: b' }, 'headers', /object/],
    ['a bad header name', { url: 'http://h/', headers: { 'A B': 'x' } }, 'headers.A B', /name/],
    [
      'a header value with a line break',
      { url: 'http://h/', headers: { A: 'x\ny' } },
      'headers.A',
      /line break/,
    ],
  ])('names the server and the field: %s', (_what, entry, field, message) => {
    const issues = issuesOf(() =>
      parseServersConfig({ mcpServers: { ok: { command: 'x' }, bad: entry } }, { env: {} }),
    );
    expect(issues).toEqual([{ server: 'bad', field, message: expect.stringMatching(message) }]);
  });

  it('refuses a server with an empty name', () => {
    expect(issuesOf(() => parseServersConfig({ mcpServers: { '': { command: 'x' } } }))).toEqual([
      { server: '', field: undefined, message: expect.stringContaining('needs a name') },
    ]);
  });

  it('lists every problem of every server at once, one a line in the message', () => {
    expect.assertions(3);
    try {
      parseServersConfig(
        {
          mcpServers: {
            a: { command: 1, args: [true], env: { X: null } },
            b: { url: 'https://h/${HOST}', headers: { Authorization: 'Bearer ${TOKEN}' } },
            c: { command: 'fine' },
          },
        },
        { env: {} },
      );
    } catch (error) {
      expect((error as ServersConfigError).issues).toEqual([
        { server: 'a', field: 'command', message: 'must be a string' },
        { server: 'a', field: 'args[0]', message: 'must be a string' },
        { server: 'a', field: 'env.X', message: 'must be a string' },
        expect.objectContaining({ server: 'b', field: 'headers.Authorization', variable: 'TOKEN' }),
        expect.objectContaining({ server: 'b', field: 'url', variable: 'HOST' }),
      ]);
      expect((error as Error).message).toMatch(/^The mcpServers configuration has 5 problems:\n/);
      expect((error as Error).message).toContain(
        '\n  server "b", url: the variable HOST is not set',
      );
    }
  });
});

describe('parseServersConfig: ${VAR} references', () => {
  const entry = (value: string) => ({
    mcpServers: {
      s: {
        command: value,
        args: [value, 'fixed'],
        env: { V: value },
        cwd: value,
      },
      r: { url: `http://h/${value}`, headers: { H: value } },
    },
  });

  it('expands command, args, env values, cwd, url and header values from options.env', () => {
    const servers = parseServersConfig(entry('${A}-${B:-dflt}-$${LITERAL}'), {
      env: { A: 'a' },
    });
    const expanded = 'a-dflt-${LITERAL}';
    expect(servers.s?.config).toEqual({
      type: 'stdio',
      command: expanded,
      args: [expanded, 'fixed'],
      env: { V: expanded },
      cwd: expanded,
    });
    expect(servers.r?.config).toEqual({
      type: 'http',
      url: `http://h/${expanded}`,
      headers: { H: expanded },
    });
  });

  it('takes a default for an empty variable, and keeps an empty value when there is no default', () => {
    const servers = parseServersConfig(
      { mcpServers: { s: { command: 'x', args: ['${E:-dflt}', '<${E}>'] } } },
      { env: { E: '' } },
    );
    expect(servers.s?.config).toMatchObject({ args: ['dflt', '<>'] });
  });

  it('reads process.env by default', () => {
    process.env['MCP_ACTORS_CONFIG_TEST'] = 'from-process';
    try {
      const servers = parseServersConfig({
        mcpServers: { s: { command: '${MCP_ACTORS_CONFIG_TEST}' } },
      });
      expect(servers.s?.config).toMatchObject({ command: 'from-process' });
    } finally {
      delete process.env['MCP_ACTORS_CONFIG_TEST'];
    }
  });

  it('refuses an unset variable in each field, naming the server, the field and the variable', () => {
    const issues = issuesOf(() => parseServersConfig(entry('${MISSING}'), { env: {} }));
    expect(issues.map((i) => [i.server, i.field, i.variable])).toEqual([
      ['s', 'cwd', 'MISSING'],
      ['s', 'command', 'MISSING'],
      ['s', 'args[0]', 'MISSING'],
      ['s', 'env.V', 'MISSING'],
      ['r', 'headers.H', 'MISSING'],
      ['r', 'url', 'MISSING'],
    ]);
    expect(issues[0]?.message).toBe(
      'the variable MISSING is not set (set it, or give a default: ${MISSING:-value})',
    );
  });

  it('refuses a malformed or unterminated reference', () => {
    const issues = issuesOf(() =>
      parseServersConfig(
        { mcpServers: { s: { command: 'x', args: ['${1BAD}', '${OPEN'] } } },
        { env: {} },
      ),
    );
    expect(issues).toEqual([
      {
        server: 's',
        field: 'args[0]',
        message: expect.stringContaining('${1BAD} is not a variable reference'),
      },
      { server: 's', field: 'args[1]', message: expect.stringContaining('no closing }') },
    ]);
  });
});

describe('loadServersConfig', () => {
  it('reads a file and resolves a relative cwd from its folder', async () => {
    const folder = path.join(dir, 'project');
    mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'mcp.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { s: { command: 'x', cwd: 'tools' } } }));
    const servers = await loadServersConfig(file, { env: {} });
    expect(servers.s?.config).toMatchObject({ cwd: path.join(folder, 'tools') });
  });

  it('refuses a file that cannot be read, or is not JSON, naming the file', async () => {
    const missing = path.join(dir, 'missing.json');
    await expect(loadServersConfig(missing)).rejects.toMatchObject({
      name: 'ServersConfigError',
      code: 'INVALID_CONFIG',
      path: missing,
      issues: [{ server: undefined, field: undefined, message: expect.stringContaining('ENOENT') }],
      cause: { code: 'ENOENT' },
    });
    const broken = path.join(dir, 'broken.json');
    writeFileSync(broken, '{"mcpServers": {');
    await expect(loadServersConfig(broken)).rejects.toMatchObject({
      path: broken,
      message: expect.stringContaining(`${broken} cannot be used: is not JSON`),
    });
  });

  it('names the file in the message of a shape problem', async () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { s: { command: 3 } } }));
    await expect(loadServersConfig(file)).rejects.toMatchObject({
      path: file,
      message: `The mcpServers configuration ${file} cannot be used: server "s", command: must be a string`,
    });
  });
});

describe('the transport of each entry', () => {
  interface Seen {
    readonly method: string;
    readonly accept: string | undefined;
    readonly upgrade: boolean;
    readonly headers: IncomingHttpHeaders;
  }
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  /** A server that refuses everything with 404, and records each request. */
  async function refusing(): Promise<{ base: string; seen: Seen[] }> {
    const seen: Seen[] = [];
    const record = (req: import('node:http').IncomingMessage, upgrade: boolean) =>
      seen.push({
        method: req.method ?? '',
        accept: req.headers.accept,
        upgrade,
        headers: req.headers,
      });
    server = createServer((req, res) => {
      record(req, false);
      req.resume();
      req.on('end', () => res.writeHead(404, { 'content-type': 'text/plain' }).end('no'));
    });
    server.on('upgrade', (req, socket) => {
      record(req, true);
      socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    return { base: `127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
  }

  async function attempt(entry: Record<string, unknown>): Promise<Seen[]> {
    const { base, seen } = await refusing();
    const url = String(entry['url']).replace('HOST', base);
    const servers = parseServersConfig(
      { mcpServers: { s: { ...entry, url, headers: { 'X-Token': '${TOKEN}' } } } },
      { env: { TOKEN: 'secret' } },
    );
    const session = createClientSession({
      transport: servers.s!.transport(),
      mode: 'legacy',
      initializeTimeout: 10_000,
    });
    await expect(session.connect()).rejects.toBeDefined();
    await session.close();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.headers['x-token'] === 'secret')).toBe(true);
    return seen;
  }

  it('http: Streamable HTTP, then HTTP+SSE when the POST is refused', async () => {
    const seen = await attempt({ url: 'http://HOST/mcp' });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(seen[1]?.accept).toContain('text/event-stream');
  });

  it('streamable-http: the POST only', async () => {
    const seen = await attempt({ url: 'http://HOST/mcp', type: 'streamable-http' });
    expect(seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('sse: the event stream GET only', async () => {
    const seen = await attempt({ url: 'http://HOST/sse', type: 'sse' });
    expect(seen.map((s) => [s.method, s.accept])).toEqual([['GET', 'text/event-stream']]);
  });

  it('ws (and a ws:// URL with no type): the WebSocket upgrade', async () => {
    const seen = await attempt({ url: 'ws://HOST/ws' });
    expect(seen.map((s) => [s.method, s.upgrade])).toEqual([['GET', true]]);
    expect(seen[0]?.headers['sec-websocket-protocol']).toBe('mcp');
  });

  it('makes a new transport on each call', () => {
    const servers = parseServersConfig({ mcpServers: { s: { command: 'node' } } }, { env: {} });
    expect(servers.s?.transport()).not.toBe(servers.s?.transport());
  });
});

describe('real stdio servers from a configuration', () => {
  it('connects server-everything and server-memory, with expanded args, env and cwd', async () => {
    const file = path.join(dir, 'real.json');
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          everything: { command: '${NODE}', args: ['${EVERYTHING}', 'stdio'] },
          memory: {
            command: '${NODE}',
            args: ['${MEMORY}'],
            env: { MEMORY_FILE_PATH: '${DATA:-unset}/memory.jsonl' },
            cwd: '.',
          },
        },
      }),
    );
    const stderr: string[] = [];
    const servers = await loadServersConfig(file, {
      env: {
        NODE: process.execPath,
        EVERYTHING: serverScript('server-everything'),
        MEMORY: serverScript('server-memory'),
        DATA: dir,
      },
      stderr: (server) => stderr.push(server),
    });
    const sessions = Object.values(servers).map((s) =>
      createClientSession({ transport: s.transport(), ...s.session }),
    );
    try {
      await Promise.all(sessions.map((s) => s.connect()));
      const [everything, memory] = sessions as [(typeof sessions)[0], (typeof sessions)[0]];
      expect((await everything.listAllTools()).map((t) => t.name)).toContain('echo');
      await memory.callTool('create_entities', {
        entities: [{ name: 'Ada', entityType: 'person', observations: [] }],
      });
      // The variable reached the server: it wrote where MEMORY_FILE_PATH said.
      expect(existsSync(path.join(dir, 'memory.jsonl'))).toBe(true);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
    // Each chunk of stderr came with the name of its server.
    expect(stderr).toContain('everything');
  });
});
