import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClientSession, type ClientSession } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { serverScript } from './support/servers.js';

/**
 * Against the real `@modelcontextprotocol/server-filesystem` and `@modelcontextprotocol/server-memory`
 * (devDependencies) over stdio: each tool result is checked against the output schema its listing
 * declared.
 */

const bin = serverScript;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-actors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(pkg: string, args: string[], env: Record<string, string> = {}): ClientSession {
  return createClientSession({
    transport: createStdioTransport({ command: process.execPath, args: [bin(pkg), ...args], env }),
    roots: { list: () => [{ uri: `file://${dir}`, name: 'test dir' }] },
  });
}

describe('server-filesystem over stdio', () => {
  it('lists its tools with output schemas, reads, writes and lists a directory', async () => {
    writeFileSync(path.join(dir, 'a.txt'), 'hello file\n');
    const session = open('server-filesystem', [dir]);
    try {
      await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
      const tools = await session.listAllTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['read_text_file', 'write_file', 'list_directory']),
      );
      expect(tools.every((t) => t.outputSchema !== undefined)).toBe(true);
      await expect(
        session.callTool('read_text_file', { path: path.join(dir, 'a.txt') }),
      ).resolves.toMatchObject({
        structuredContent: { content: 'hello file\n' },
      });
      await session.callTool('write_file', {
        path: path.join(dir, 'b.txt'),
        content: 'written by mcp-actors',
      });
      expect(readFileSync(path.join(dir, 'b.txt'), 'utf8')).toBe('written by mcp-actors');
      const listing = await session.callTool('list_directory', { path: dir });
      expect(JSON.stringify(listing.content)).toContain('b.txt');
      // A path outside the allowed directory is the tool's error, not a protocol failure.
      await expect(
        session.callTool('read_text_file', { path: '/etc/hostname' }),
      ).resolves.toMatchObject({ isError: true });
    } finally {
      await session.close();
    }
  });
});

describe('server-memory over stdio', () => {
  it('creates entities and reads the graph back', async () => {
    const session = open('server-memory', [], { MEMORY_FILE_PATH: path.join(dir, 'memory.jsonl') });
    try {
      await session.connect();
      const tools = await session.listAllTools();
      expect(tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['create_entities', 'read_graph']),
      );
      await session.callTool('create_entities', {
        entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote programs'] }],
      });
      const graph = await session.callTool('read_graph', {});
      expect(graph.structuredContent).toMatchObject({
        entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote programs'] }],
      });
    } finally {
      await session.close();
    }
  });
});
