import { describe, expect, it } from 'vitest';
import { LEGACY_REVISIONS } from '../src/index.js';
import { connected, flush } from './support/harness.js';

/**
 * The exact messages the client writes in each revision, checked one by one: what a server of
 * that revision sees from a session that connects, lists and calls a tool, reads a resource, gets
 * a prompt, answers a ping (not on 2026-07-28, where servers send no requests), and closes.
 */

const clientInfo = { name: 'wire-test', version: '1.0.0' };

const handlers = {
  'tools/list': () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object' } }] }),
  'tools/call': () => ({ content: [{ type: 'text', text: 'ok' }] }),
  'resources/read': () => ({ contents: [{ uri: 'file:///a', text: 'a' }] }),
  'prompts/get': () => ({ messages: [] }),
};

const modernHandlers = {
  'server/discover': () => ({
    resultType: 'complete',
    supportedVersions: ['2026-07-28'],
    capabilities: { tools: {} },
    ttlMs: 0,
    cacheScope: 'public',
  }),
  'tools/list': () => ({
    resultType: 'complete',
    tools: [{ name: 'echo', inputSchema: { type: 'object' } }],
    ttlMs: 0,
    cacheScope: 'public',
  }),
  'tools/call': () => ({ resultType: 'complete', content: [{ type: 'text', text: 'ok' }] }),
  'resources/read': () => ({
    resultType: 'complete',
    contents: [{ uri: 'file:///a', text: 'a' }],
    ttlMs: 0,
    cacheScope: 'public',
  }),
  'prompts/get': () => ({ resultType: 'complete', messages: [] }),
};

async function run(mode: 'legacy' | 'modern', revision: string) {
  const { session, server } = await connected(
    {
      mode,
      clientInfo,
      protocolVersion: revision,
      roots: { list: () => [] },
    },
    { protocolVersion: revision, handlers: mode === 'modern' ? modernHandlers : handlers },
  );
  await session.listTools();
  await session.callTool('echo', { text: 'hi' });
  await session.readResource('file:///a');
  await session.getPrompt('greeting', { name: 'Ada' });
  if (mode === 'legacy') await server.request('ping', undefined, 77);
  // MCP 2026-07-28: servers send no requests; a client answers none, not even ping.
  else server.send({ jsonrpc: '2.0', id: 77, method: 'ping' });
  await flush();
  await session.close();
  await flush();
  return server.received;
}

describe('the wire, message by message', () => {
  for (const revision of LEGACY_REVISIONS) {
    it(`${revision}: initialize, initialized, then plain requests; answers the server's ping`, async () => {
      const wire = await run('legacy', revision);
      expect(wire).toEqual([
        {
          jsonrpc: '2.0',
          id: 0,
          method: 'initialize',
          params: {
            protocolVersion: revision,
            capabilities: { roots: { listChanged: true } },
            clientInfo,
          },
        },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 1, method: 'tools/list' },
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'echo', arguments: { text: 'hi' } },
        },
        { jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 'file:///a' } },
        {
          jsonrpc: '2.0',
          id: 4,
          method: 'prompts/get',
          params: { name: 'greeting', arguments: { name: 'Ada' } },
        },
        { jsonrpc: '2.0', id: 77, result: {} },
      ]);
    });
  }

  it('2026-07-28: server/discover, then every request stamped with the protocol fields', async () => {
    const wire = await run('modern', '2026-07-28');
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      // 2026 roots capability has no listChanged.
      'io.modelcontextprotocol/clientCapabilities': { roots: {} },
      'io.modelcontextprotocol/clientInfo': clientInfo,
    };
    expect(wire).toEqual([
      { jsonrpc: '2.0', id: 0, method: 'server/discover', params: { _meta: meta } },
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } },
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'hi' }, _meta: meta },
      },
      {
        jsonrpc: '2.0',
        id: 3,
        method: 'resources/read',
        params: { uri: 'file:///a', _meta: meta },
      },
      {
        jsonrpc: '2.0',
        id: 4,
        method: 'prompts/get',
        params: { name: 'greeting', arguments: { name: 'Ada' }, _meta: meta },
      },
      // The scripted server's ping is not answered.
    ]);
  });
});
