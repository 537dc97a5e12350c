import { describe, expect, it } from 'vitest';
import {
  createClientSession,
  createInMemoryTransportPair,
  ResponseCache,
  type Clock,
} from '../src/index.js';
import { startScriptedServer, type ScriptedHandler } from '../src/testing/index.js';
import { connected, flush, sent } from './support/harness.js';

const discover = () => ({
  resultType: 'complete',
  supportedVersions: ['2026-07-28'],
  capabilities: { tools: { listChanged: true }, resources: {} },
  ttlMs: 0,
  cacheScope: 'public',
});

/** A clock the test moves by hand. */
function manualClock() {
  let now = 1_000;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
    clearTimeout: (h) =>
      globalThis.clearTimeout(h as Parameters<typeof globalThis.clearTimeout>[0]),
  };
  return { clock, advance: (ms: number) => (now += ms) };
}

async function modern(
  handlers: Record<string, ScriptedHandler>,
  extra: Parameters<typeof connected>[0] = {},
) {
  return connected(
    { mode: 'modern', ...extra },
    { handlers: { 'server/discover': discover, ...handlers } },
  );
}

const toolsList =
  (ttlMs: unknown, cacheScope = 'public') =>
  () => ({
    resultType: 'complete',
    tools: [{ name: 't', inputSchema: { type: 'object' } }],
    ttlMs,
    cacheScope,
  });

describe('2026 result caching', () => {
  it('serves a fresh result from the cache, and asks again once it is stale', async () => {
    const { clock, advance } = manualClock();
    const { session, server } = await modern({ 'tools/list': toolsList(60_000) }, { clock });
    await session.listTools();
    await session.listTools();
    expect(sent(server, 'tools/list')).toHaveLength(1);
    advance(59_999);
    await session.listTools();
    expect(sent(server, 'tools/list')).toHaveLength(1);
    advance(1);
    await session.listTools();
    expect(sent(server, 'tools/list')).toHaveLength(2);
    await session.close();
  });

  it('never caches a ttl of 0, a negative ttl, or an absent one', async () => {
    for (const ttl of [0, -5, undefined]) {
      const { session, server } = await modern({ 'tools/list': toolsList(ttl) });
      await session.listTools();
      await session.listTools();
      expect(sent(server, 'tools/list')).toHaveLength(2);
      await session.close();
    }
  });

  it('keys entries by the params that matter (cursor, uri), not by _meta', async () => {
    const { session, server } = await modern({
      'resources/read': (p) => ({
        resultType: 'complete',
        contents: [{ uri: p?.uri, text: 'x' }],
        ttlMs: 60_000,
        cacheScope: 'public',
      }),
    });
    await session.readResource('file:///a');
    await session.readResource('file:///b');
    await session.readResource('file:///a', { logLevel: 'debug' });
    expect(sent(server, 'resources/read').map((m) => (m.params as { uri: string }).uri)).toEqual([
      'file:///a',
      'file:///b',
    ]);
    await session.close();
  });

  it('evicts on list changes and resource updates', async () => {
    const { session, server } = await modern({
      'tools/list': toolsList(60_000),
      'resources/read': (p) => ({
        resultType: 'complete',
        contents: [{ uri: p?.uri, text: 'x' }],
        ttlMs: 60_000,
        cacheScope: 'public',
      }),
    });
    await session.listTools();
    await session.readResource('file:///a');
    await session.readResource('file:///b');
    server.notify('notifications/tools/list_changed');
    server.notify('notifications/resources/updated', { uri: 'file:///a' });
    await flush();
    await session.listTools();
    await session.readResource('file:///a');
    await session.readResource('file:///b');
    expect(sent(server, 'tools/list')).toHaveLength(2);
    expect(sent(server, 'resources/read').map((m) => (m.params as { uri: string }).uri)).toEqual([
      'file:///a',
      'file:///b',
      'file:///a',
    ]);
    await session.close();
  });

  it('shares public entries across sessions with one cache, and private ones only for the same credential', async () => {
    const cache = new ResponseCache();
    const calls: string[] = [];
    const open = async (credential: string) => {
      const [c, s] = createInMemoryTransportPair();
      startScriptedServer(s, {
        handlers: {
          'server/discover': discover,
          'tools/list': () => {
            calls.push(`tools:${credential}`);
            return toolsList(60_000, 'private')();
          },
          'prompts/list': () => {
            calls.push(`prompts:${credential}`);
            return { resultType: 'complete', prompts: [], ttlMs: 60_000, cacheScope: 'public' };
          },
        },
      });
      const session = createClientSession({ transport: c, mode: 'modern', cache, credential });
      await session.connect();
      return session;
    };
    const alice = await open('alice');
    const bob = await open('bob');
    const alice2 = await open('alice');
    await alice.listTools();
    await bob.listTools();
    await alice2.listTools();
    await alice.listPrompts();
    await bob.listPrompts();
    expect(calls).toEqual(['tools:alice', 'tools:bob', 'prompts:alice']);
    for (const s of [alice, bob, alice2]) await s.close();
  });

  it('honours the discover result’s ttlMs: a later session to the same server adopts it without traffic', async () => {
    const cache = new ResponseCache();
    const discovers: number[] = [];
    const open = async (ttlMs: number) => {
      const [c, s] = createInMemoryTransportPair();
      const server = startScriptedServer(s, {
        handlers: {
          'server/discover': () => {
            discovers.push(ttlMs);
            return { ...discover(), ttlMs };
          },
        },
      });
      const session = createClientSession({ transport: c, mode: 'auto', cache });
      await session.connect();
      return { session, server };
    };
    const first = await open(60_000);
    const second = await open(60_000);
    expect(second.session.negotiated).toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
    expect(second.server.received).toHaveLength(0);
    expect(discovers).toEqual([60_000]);
    await first.session.close();
    await second.session.close();
  });

  it('never stores the result of a multi-round retry', async () => {
    let round = 0;
    const { session, server } = await modern(
      {
        'resources/read': (p) => {
          round += 1;
          if (p?.requestState === undefined) {
            return {
              resultType: 'input_required',
              inputRequests: { r: { method: 'roots/list', params: {} } },
              requestState: 'st',
            };
          }
          return {
            resultType: 'complete',
            contents: [{ uri: 'file:///a', text: 'x' }],
            ttlMs: 60_000,
            cacheScope: 'public',
          };
        },
      },
      { roots: { list: () => [] } },
    );
    await session.readResource('file:///a');
    await session.readResource('file:///a');
    expect(round).toBe(4);
    expect(sent(server, 'resources/read')).toHaveLength(4);
    await session.close();
  });

  it('does nothing on handshake revisions, and can be turned off', async () => {
    const legacy = await connected(
      {},
      { handlers: { 'tools/list': () => ({ tools: [], ttlMs: 60_000, cacheScope: 'public' }) } },
    );
    await legacy.session.listTools();
    await legacy.session.listTools();
    expect(sent(legacy.server, 'tools/list')).toHaveLength(2);
    await legacy.session.close();
    const off = await modern({ 'tools/list': toolsList(60_000) }, { cache: false });
    await off.session.listTools();
    await off.session.listTools();
    expect(sent(off.server, 'tools/list')).toHaveLength(2);
    await off.session.close();
  });
});
