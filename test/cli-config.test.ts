import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runInProcess, type Outcome } from './support/cli-in-process.js';
import { serverScript } from './support/servers.js';

/**
 * `mcp-actors --config <file>` end to end: the CLI runs from source as its own process against
 * the real server-everything and server-memory over stdio, started from an `mcpServers` file
 * (their paths and data file given by `${VAR}` references); stdout, stderr and the exit code are
 * what is checked. What starts no server runs in this process.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'mcp-actors-cli-config-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The variables the configuration files refer to. */
const ENV = {
  NODE: process.execPath,
  EVERYTHING: serverScript('server-everything'),
  MEMORY: serverScript('server-memory'),
  DATA: scratch,
};

/** Writes an `mcpServers` file into the scratch folder; returns its path. */
function configFile(name: string, servers: Record<string, unknown>): string {
  const file = path.join(scratch, name);
  writeFileSync(file, JSON.stringify({ mcpServers: servers }, null, 2));
  return file;
}

const everything = { command: '${NODE}', args: ['${EVERYTHING}', 'stdio'] };
const memory = {
  command: '${NODE}',
  args: ['${MEMORY}'],
  env: { MEMORY_FILE_PATH: '${DATA}/memory.jsonl' },
};
const both = configFile('mcp.json', { everything, memory });

/** Runs the CLI from source to the end, with the variables of `ENV`; stdin is not a terminal. */
function cli(...args: string[]): Promise<Outcome> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...ENV },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs the CLI's runner in this process (for what starts no server), in the scratch directory. */
function inProcess(...args: string[]): Promise<Outcome> {
  return runInProcess(args, { cwd: scratch, env: ENV });
}

describe('--config with --server: every command on that server', () => {
  it('tools and call on server-everything', async () => {
    const tools = await cli('tools', '--config', both, '--server', 'everything');
    expect(tools.code).toBe(0);
    expect(tools.stdout).toMatch(/^NAME\s+ARGUMENTS\s+DESCRIPTION\n/);
    expect(tools.stdout).toMatch(/^echo\s+message\*/m);
    expect(tools.stdout).not.toContain('create_entities');
    const call = await cli(
      'call',
      'echo',
      '{"message":"hi from a config"}',
      '--config',
      both,
      '--server',
      'everything',
    );
    expect(call).toMatchObject({ code: 0, stdout: 'Echo: hi from a config\n' });
  });

  it('call on server-memory: its env (expanded from the environment) reached the server', async () => {
    const created = await cli(
      'call',
      'create_entities',
      '{"entities":[{"name":"Ada","entityType":"person","observations":["wrote programs"]}]}',
      '--config',
      both,
      '--server',
      'memory',
    );
    expect(created.code).toBe(0);
    expect(readFileSync(path.join(scratch, 'memory.jsonl'), 'utf8')).toContain('"Ada"');
    const graph = await cli('call', 'read_graph', '--json', '--config', both, '--server', 'memory');
    expect(graph.code).toBe(0);
    expect(JSON.parse(graph.stdout)).toMatchObject({
      structuredContent: { entities: [{ name: 'Ada', observations: ['wrote programs'] }] },
    });
  });
});

describe('tools --config without --server: every server of the file', () => {
  it('lists the tools of both servers with a SERVER column', async () => {
    const o = await cli('tools', '--config', both);
    expect(o.code).toBe(0);
    expect(o.stderr).toBe('');
    expect(o.stdout).toMatch(/^SERVER\s+NAME\s+ARGUMENTS\s+DESCRIPTION\n/);
    expect(o.stdout).toMatch(/^everything\s+echo\s+message\*/m);
    expect(o.stdout).toMatch(/^memory\s+create_entities\s+entities\*/m);
  });

  it('--json: each tool with its server, and no failures', async () => {
    const o = await cli('tools', '--json', '--config', both);
    expect(o.code).toBe(0);
    const doc = JSON.parse(o.stdout) as {
      tools: { server: string; name: string; inputSchema: unknown }[];
      failed: unknown[];
    };
    expect(doc.failed).toEqual([]);
    expect(new Set(doc.tools.map((t) => t.server))).toEqual(new Set(['everything', 'memory']));
    expect(doc.tools).toContainEqual(
      expect.objectContaining({
        server: 'everything',
        name: 'echo',
        inputSchema: expect.any(Object),
      }),
    );
    expect(doc.tools).toContainEqual(
      expect.objectContaining({ server: 'memory', name: 'read_graph' }),
    );
  });

  it('tells a server that fails by its name, lists the others, and exits 3', async () => {
    const file = configFile('broken.json', {
      everything,
      gone: { command: path.join(scratch, 'no-such-server') },
      memory,
    });
    const o = await cli('tools', '--json', '--config', file);
    expect(o.code).toBe(3);
    expect(o.stderr).toMatch(/^mcp-actors: server "gone": could not connect: .*no-such-server/);
    const doc = JSON.parse(o.stdout) as { tools: { server: string }[]; failed: unknown[] };
    expect(new Set(doc.tools.map((t) => t.server))).toEqual(new Set(['everything', 'memory']));
    expect(doc.failed).toEqual([
      {
        server: 'gone',
        error: expect.objectContaining({ exitCode: 3, code: 'TRANSPORT_ERROR' }),
      },
    ]);
  });
});

describe('--config usage errors (exit 2, nothing started)', () => {
  it.each<[string, string[], RegExp]>([
    [
      'another command without --server',
      ['call', 'echo', '--config', 'mcp.json'],
      /call acts on one server: give --server <name> with --config mcp\.json/,
    ],
    [
      'a server not in the file',
      ['tools', '--config', 'mcp.json', '--server', 'nope'],
      /--server "nope" is not a server of mcp\.json; its servers: everything, memory\./,
    ],
    ['--server without --config', ['tools', '--server', 'memory'], /give the file too/],
    [
      '--url beside --config',
      ['tools', '--config', 'mcp.json', '--url', 'http://h/'],
      /--url does not go with --config/,
    ],
    [
      'a command after --',
      ['tools', '--config', 'mcp.json', '--', 'node'],
      /either --config or a server command/,
    ],
    [
      'a missing file',
      ['tools', '--config', 'none.json'],
      /--config none\.json cannot be read: .*ENOENT/,
    ],
  ])('%s', async (_what, args, message) => {
    const o = await inProcess(...args);
    expect(o.code).toBe(2);
    expect(o.stdout).toBe('');
    expect(o.stderr).toMatch(message);
  });

  it('a file with problems: each on its line, with its server and field', async () => {
    configFile('bad.json', {
      a: { command: 'node', args: ['${NOT_SET_ANYWHERE}'] },
      b: { url: 'ftp://h/' },
    });
    const o = await inProcess('tools', '--config', 'bad.json');
    expect(o.code).toBe(2);
    expect(o.stderr).toContain(
      'mcp-actors: The mcpServers configuration bad.json has 2 problems:\n' +
        '  server "a", args[0]: the variable NOT_SET_ANYWHERE is not set',
    );
    expect(o.stderr).toContain('\n  server "b", url: must be http://, https://, ws:// or wss://');
  });
});
