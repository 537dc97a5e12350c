import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSessionGroup, type GroupEvent, type SessionGroup } from '../src/index.js';
import { createStdioTransport, type StdioTransport } from '../src/node/index.js';
import { createStreamableHttpTransport } from '../src/index.js';
import { startHttpServerProcess } from './support/http-server-process.js';
import { serverScript } from './support/servers.js';

/**
 * A session group over real stdio servers (server-everything and server-memory): one is killed
 * with SIGKILL mid-test; the group reconnects it, and its tools leave the aggregate and come back.
 * Everything waits on the group's events, never on time.
 */

/** A stdio transport to one of the npm servers, run by this Node. */
function server(pkg: string, args: readonly string[] = [], env?: Record<string, string>) {
  return createStdioTransport({
    command: process.execPath,
    args: [serverScript(pkg), ...args],
    ...(env === undefined ? {} : { env }),
  });
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-actors-group-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function next(group: SessionGroup, match: (event: GroupEvent) => boolean): Promise<GroupEvent> {
  return new Promise((resolve) => {
    const off = group.on((event) => {
      if (match(event)) {
        off();
        resolve(event);
      }
    });
  });
}

/** Kills the process of server `name` and waits for the group to see it go (reconnecting). */
async function killServer(group: SessionGroup, name: string, pid: number): Promise<void> {
  const down = next(
    group,
    (e) => e.type === 'status' && e.server === name && e.state.status === 'reconnecting',
  );
  process.kill(pid, 'SIGKILL');
  await down;
}

/**
 * Waits for server `name` to be ready again, on a second process of its own (`started` holds its
 * transports), with the group listing the tools it listed `before`.
 */
async function serverBack(
  group: SessionGroup,
  name: string,
  started: readonly StdioTransport[],
  before: readonly string[],
): Promise<void> {
  await next(group, (e) => e.type === 'status' && e.server === name && e.state.status === 'ready');
  expect(started).toHaveLength(2);
  expect(
    group
      .tools()
      .map((t) => t.name)
      .sort(),
  ).toEqual([...before].sort());
}

describe('session group over stdio', () => {
  it('reconnects a server killed with SIGKILL; its tools leave and come back', async () => {
    const memory: StdioTransport[] = [];
    const group = createSessionGroup({
      servers: {
        everything: {
          transport: () => server('server-everything', ['stdio']),
        },
        memory: {
          transport: () => {
            const t = server('server-memory', [], {
              MEMORY_FILE_PATH: path.join(dir, 'memory.json'),
            });
            memory.push(t);
            return t;
          },
        },
      },
      restart: { initialDelay: 50, jitter: 0 },
    });
    try {
      const states = await group.ready();
      expect(states.map((s) => [s.name, s.status])).toEqual([
        ['everything', 'ready'],
        ['memory', 'ready'],
      ]);
      const before = group.tools().map((t) => t.name);
      expect(before).toEqual(expect.arrayContaining(['everything_echo', 'memory_read_graph']));
      await expect(group.callTool('everything_echo', { message: 'hi' })).resolves.toMatchObject({
        content: [{ type: 'text', text: expect.stringContaining('hi') as unknown }],
      });

      const pid = memory[0]?.pid;
      expect(pid).toBeTypeOf('number');
      await killServer(group, 'memory', pid as number);
      expect(group.tools().some((t) => t.origin.server === 'memory')).toBe(false);
      expect(group.tools().some((t) => t.name === 'everything_echo')).toBe(true);
      await expect(group.callTool('memory_read_graph', {})).rejects.toMatchObject({
        code: 'SERVER_UNAVAILABLE',
        server: 'memory',
      });

      await serverBack(group, 'memory', memory, before);
      await expect(group.callTool('memory_read_graph', {})).resolves.toMatchObject({
        content: [{ type: 'text' }],
      });
    } finally {
      await group.close();
    }
    for (const t of memory) expect(t.pid === undefined || !alive(t.pid)).toBe(true);
  }, 60_000);
});

describe('session group over four real servers', () => {
  it('aggregates server-everything, server-filesystem and server-memory over stdio and server-everything over Streamable HTTP; a killed one leaves and comes back', async () => {
    writeFileSync(path.join(dir, 'note.txt'), 'a file the filesystem server lists');
    const http = await startHttpServerProcess(serverScript('server-everything'), [
      'streamableHttp',
    ]);
    const files: StdioTransport[] = [];
    const group = createSessionGroup({
      servers: {
        everything: {
          transport: () => server('server-everything', ['stdio']),
        },
        files: {
          transport: () => {
            const t = server('server-filesystem', [dir]);
            files.push(t);
            return t;
          },
        },
        memory: {
          transport: () =>
            server('server-memory', [], { MEMORY_FILE_PATH: path.join(dir, 'memory-4.json') }),
        },
        remote: {
          transport: () => createStreamableHttpTransport({ url: `${http.origin}/mcp` }),
        },
      },
      restart: { initialDelay: 50, jitter: 0 },
    });
    const servers = (names: readonly string[]) => [...new Set(names)].sort();
    try {
      const states = await group.ready();
      expect(states.map((s) => [s.name, s.status])).toEqual([
        ['everything', 'ready'],
        ['files', 'ready'],
        ['memory', 'ready'],
        ['remote', 'ready'],
      ]);
      const before = group.tools().map((t) => t.name);
      expect(servers(group.tools().map((t) => t.origin.server))).toEqual([
        'everything',
        'files',
        'memory',
        'remote',
      ]);
      // The same server twice: the same tools under two prefixes, each routed to its own server.
      expect(before).toEqual(expect.arrayContaining(['everything_echo', 'remote_echo']));
      await expect(group.callTool('remote_echo', { message: 'over http' })).resolves.toMatchObject({
        content: [{ type: 'text', text: expect.stringContaining('over http') as unknown }],
      });
      const listing = await group.callTool('files_list_directory', { path: dir });
      expect(JSON.stringify(listing.content)).toContain('note.txt');

      await killServer(group, 'files', files[0]?.pid as number);
      expect(servers(group.tools().map((t) => t.origin.server))).toEqual([
        'everything',
        'memory',
        'remote',
      ]);
      await expect(group.callTool('files_list_directory', { path: dir })).rejects.toMatchObject({
        code: 'SERVER_UNAVAILABLE',
        server: 'files',
      });
      await expect(group.callTool('memory_read_graph', {})).resolves.toMatchObject({
        content: [{ type: 'text' }],
      });

      await serverBack(group, 'files', files, before);
      const again = await group.callTool('files_list_directory', { path: dir });
      expect(JSON.stringify(again.content)).toContain('note.txt');
    } finally {
      await group.close();
      await http.stop();
    }
    for (const t of files) expect(t.pid === undefined || !alive(t.pid)).toBe(true);
  }, 60_000);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
