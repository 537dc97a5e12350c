import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createClientSession,
  createDispatcher,
  createInMemoryTransportPair,
  JsonRpcError,
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_PROTOCOL_VERSION,
  NegotiationError,
  systemClock,
  type Negotiated,
  type Revision,
} from '../src/index.js';
import { discover } from '../src/session/negotiation.js';
import type { NegotiationSettings } from '../src/session/negotiation-settings.js';
import {
  NO_RESPONSE,
  startScriptedServer,
  type ScriptedCallContext,
  type ScriptedHandler,
  type ScriptedServerOptions,
} from '../src/testing/index.js';
import { steppingClock } from './support/clock.js';
import { diagnostics, flush, harness, sent } from './support/harness.js';

afterEach(() => {
  vi.useRealTimers();
});

const discoverResult = (overrides: Record<string, unknown> = {}) => ({
  resultType: 'complete',
  supportedVersions: ['2026-07-28'],
  capabilities: { tools: { listChanged: true } },
  instructions: 'Use the tools wisely.',
  ttlMs: 60_000,
  cacheScope: 'public',
  _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern-server', version: '2.0.0' } },
  ...overrides,
});

/** A 2026 server: answers server/discover and echoes what it received for tools/list. */
const modernServer: ScriptedServerOptions = {
  handlers: {
    'server/discover': () => discoverResult(),
    'tools/list': () => ({ resultType: 'complete', tools: [], ttlMs: 0, cacheScope: 'public' }),
    initialize: () => {
      throw new JsonRpcError({ code: -32601, message: 'Method not found: initialize' });
    },
  },
};

const methods = (received: readonly unknown[]) =>
  received.map((m) => (m as { method?: string }).method);

describe('auto mode: the era probe', () => {
  it('falls back to initialize when a legacy server answers server/discover with an error', async () => {
    const { session, server } = harness({ mode: 'auto' });
    const negotiated = await session.connect();
    expect(negotiated).toMatchObject({ era: 'legacy', protocolVersion: '2025-11-25' });
    expect(session.fallbackReason).toMatch(/-32601/);
    await flush();
    expect(methods(server.received)).toEqual([
      'server/discover',
      'initialize',
      'notifications/initialized',
    ]);
    // The probe carried well-formed 2026 _meta, so a modern server could not answer -32602.
    const [probe] = sent(server, 'server/discover');
    expect((probe?.params as { _meta: Record<string, unknown> })._meta).toMatchObject({
      [META_PROTOCOL_VERSION]: '2026-07-28',
      [META_CLIENT_CAPABILITIES]: {},
      [META_CLIENT_INFO]: { name: 'mcp-actors' },
    });
    await session.close();
  });

  it('is not keyed to one error code: -32602 and -32603 also mean legacy', async () => {
    for (const code of [-32602, -32603, -32000]) {
      const { session } = harness(
        { mode: 'auto' },
        {
          handlers: {
            'server/discover': () => {
              throw new JsonRpcError({ code, message: 'not initialized' });
            },
          },
        },
      );
      await expect(session.connect()).resolves.toMatchObject({ era: 'legacy' });
      await session.close();
    }
  });

  it('falls back to initialize when the server stays silent for the probe timeout, without cancelling the probe', async () => {
    vi.useFakeTimers();
    const { session, server } = harness(
      { mode: 'auto', probeTimeout: 2_000 },
      { handlers: { 'server/discover': () => NO_RESPONSE } },
    );
    const connecting = session.connect();
    await flush();
    expect(session.negotiationPath).toBe('probing');
    await vi.advanceTimersByTimeAsync(1_999);
    expect(sent(server, 'initialize')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await expect(connecting).resolves.toMatchObject({ era: 'legacy' });
    expect(session.fallbackReason).toMatch(/no answer within 2000 ms/);
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
    await session.close();
  });

  it('adopts a modern server found by the probe, and never sends initialize', async () => {
    const { session, server } = harness({ mode: 'auto' }, modernServer);
    await expect(session.connect()).resolves.toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
    expect(session.era).toBe('modern');
    expect(session.initializeResult).toBeUndefined();
    expect(session.discoverResult).toMatchObject({ supportedVersions: ['2026-07-28'] });
    expect(session.serverInfo).toEqual({ name: 'modern-server', version: '2.0.0' });
    expect(session.serverCapabilities).toEqual({ tools: { listChanged: true } });
    expect(session.instructions).toBe('Use the tools wisely.');
    await flush();
    expect(methods(server.received)).toEqual(['server/discover']);
    await session.close();
  });

  it('treats a recognised 2026 error as modern: no fallback, the session fails with it', async () => {
    const { session, server } = harness(
      { mode: 'auto' },
      {
        handlers: {
          'server/discover': () => {
            throw new JsonRpcError({
              code: -32021,
              message: 'Missing required client capability',
              data: { requiredCapabilities: { roots: {} } },
            });
          },
        },
      },
    );
    await expect(session.connect()).rejects.toMatchObject({ code: -32021 });
    await flush();
    expect(sent(server, 'initialize')).toHaveLength(0);
    expect(session.state).toBe('closed');
  });

  it('falls back when -32022 names only handshake revisions', async () => {
    const { session } = harness(
      { mode: 'auto' },
      {
        handlers: {
          'server/discover': () => {
            throw new JsonRpcError({
              code: -32022,
              message: 'Unsupported protocol version',
              data: { supported: ['2025-06-18'], requested: '2026-07-28' },
            });
          },
        },
        protocolVersion: '2025-06-18',
      },
    );
    await expect(session.connect()).resolves.toMatchObject({
      era: 'legacy',
      protocolVersion: '2025-06-18',
    });
    expect(session.fallbackReason).toMatch(/supports only 2025-06-18/);
    await session.close();
  });
});

describe('auto mode and a server slower than the probe timeout', () => {
  /**
   * A 2026-only server slow to start: it holds each request until the test answers it. Its
   * answer to initialize, when asked, is the -32022 a modern-only server gives.
   */
  function slowModernServer(extra: Record<string, ScriptedHandler> = {}) {
    const held = new Map<string, ScriptedCallContext[]>();
    const hold: ScriptedHandler = (_params, call) => {
      held.set(call.method, [...(held.get(call.method) ?? []), call]);
      return NO_RESPONSE;
    };
    const clock = steppingClock();
    const { session, server, messages } = harness(
      { mode: 'auto', clock, probeTimeout: 3_000, initializeTimeout: 60_000 },
      { handlers: { 'server/discover': hold, initialize: hold, ...extra } },
    );
    const answer = (method: string, index: number, message: Record<string, unknown>): void => {
      const call = held.get(method)?.[index];
      if (call === undefined) throw new Error(`no ${method} #${index} held`);
      call.send({ jsonrpc: '2.0', id: call.id, ...message });
    };
    return { session, server, messages, clock, answer };
  }
  const unsupported = {
    error: {
      code: -32022,
      message: 'Unsupported protocol version',
      data: { supported: ['2026-07-28'], requested: '2025-11-25' },
    },
  };

  it('takes a valid discover answer that arrives while the fallback handshake is pending', async () => {
    const { session, server, messages, clock, answer } = slowModernServer();
    const connecting = session.connect();
    await flush();
    clock.advance(3_000);
    await flush();
    expect(session.negotiationPath).toBe('handshaking');
    expect(methods(server.received)).toEqual(['server/discover', 'initialize']);
    answer('server/discover', 0, { result: discoverResult() });
    await flush();
    // Before, the late answer was dropped and connect() waited for initialize's -32022.
    expect(session.state).toBe('ready');
    await expect(connecting).resolves.toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
    expect(session.fallbackReason).toMatch(/no answer within 3000 ms/);
    expect(session.dispatcher.pendingRequests).toBe(0);
    // initialize is not cancelled (MCP basic/lifecycle); its answer is dropped as late.
    answer('initialize', 0, unsupported);
    await flush();
    expect(session.state).toBe('ready');
    expect(diagnostics(messages)).toContain('LATE_RESPONSE');
    expect(methods(server.received)).toEqual(['server/discover', 'initialize']);
    expect(clock.pending).toBe(0);
    await session.close();
  });

  it('takes the discover answer when initialize’s refusal follows it at once (one chunk of a stdio stream)', async () => {
    const { session, server, clock, answer } = slowModernServer();
    const connecting = session.connect().catch((e: unknown) => e);
    await flush();
    clock.advance(3_000);
    await flush();
    // A slow server that reads both requests at once answers both in order, in the same tick:
    // the discover answer is read first, and checking it must not let the -32022 overtake it.
    answer('server/discover', 0, { result: discoverResult() });
    answer('initialize', 0, unsupported);
    await expect(connecting).resolves.toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
    expect(session.state).toBe('ready');
    expect(methods(server.received)).toEqual(['server/discover', 'initialize']);
    expect(session.dispatcher.pendingRequests).toBe(0);
    await session.close();
  });

  it('probes again, once, when initialize is refused with -32022 naming 2026-07-28 after a probe timeout', async () => {
    const { session, server, clock, answer } = slowModernServer();
    const connecting = session.connect();
    await flush();
    clock.advance(3_000);
    await flush();
    answer('initialize', 0, unsupported); // the first probe was lost
    await flush();
    // Before, connect() failed with the -32022.
    expect(methods(server.received)).toEqual(['server/discover', 'initialize', 'server/discover']);
    answer('server/discover', 1, { result: discoverResult() });
    await expect(connecting).resolves.toMatchObject({ era: 'modern' });
    expect(session.dispatcher.pendingRequests).toBe(0);
    // The lost probe's answer, should it come after all, changes nothing.
    answer('server/discover', 0, { result: discoverResult() });
    await flush();
    expect(session.state).toBe('ready');
    expect(clock.pending).toBe(0);
    await session.close();
  });

  it('probes again only once: a second refusal fails connect()', async () => {
    const { session, server, clock, answer } = slowModernServer();
    const connecting = session.connect().catch((e: unknown) => e);
    await flush();
    clock.advance(3_000);
    await flush();
    answer('initialize', 0, unsupported);
    await flush();
    answer('server/discover', 1, { error: { code: -32603, message: 'still starting' } });
    await expect(connecting).resolves.toBeInstanceOf(NegotiationError);
    expect(methods(server.received)).toEqual(['server/discover', 'initialize', 'server/discover']);
    expect(session.state).toBe('closed');
  });

  it('does not probe again after a probe that was answered: the -32022 fails connect()', async () => {
    const { session, server, answer } = slowModernServer();
    const connecting = session.connect().catch((e: unknown) => e);
    await flush();
    answer('server/discover', 0, { error: { code: -32601, message: 'Method not found' } });
    await flush();
    answer('initialize', 0, unsupported);
    await expect(connecting).resolves.toMatchObject({ code: -32022 });
    expect(methods(server.received)).toEqual(['server/discover', 'initialize']);
  });

  it('lets the handshake finish when the late answer is an error, and leaves nothing pending', async () => {
    const { session, server, clock, answer } = slowModernServer({
      initialize: (params) => {
        // A slow legacy server: it answers discover (with an error) first, then initialize.
        answer('server/discover', 0, { error: { code: -32601, message: 'Method not found' } });
        return {
          protocolVersion: params?.protocolVersion,
          capabilities: {},
          serverInfo: { name: 'slow-legacy', version: '1' },
        };
      },
    });
    const connecting = session.connect();
    await flush();
    clock.advance(3_000);
    await expect(connecting).resolves.toMatchObject({ era: 'legacy' });
    expect(session.serverInfo).toEqual({ name: 'slow-legacy', version: '1' });
    expect(methods(server.received)).toEqual([
      'server/discover',
      'initialize',
      'notifications/initialized',
    ]);
    expect(session.dispatcher.pendingRequests).toBe(0);
    expect(clock.pending).toBe(0);
    await session.close();
  });

  it('stops waiting for a probe that never answers once the handshake is done, without cancelling it', async () => {
    const { session, server, clock } = slowModernServer({
      initialize: (params) => ({
        protocolVersion: params?.protocolVersion,
        capabilities: {},
        serverInfo: { name: 'legacy', version: '1' },
      }),
    });
    const connecting = session.connect();
    await flush();
    clock.advance(3_000);
    await expect(connecting).resolves.toMatchObject({ era: 'legacy' });
    expect(session.dispatcher.pendingRequests).toBe(0);
    expect(sent(server, 'notifications/cancelled')).toHaveLength(0);
    expect(clock.pending).toBe(0);
    await session.close();
  });
});

describe('modern mode', () => {
  it('stamps every later request with the 2026 _meta fields, keeping the caller’s own', async () => {
    const { session, server } = harness(
      { mode: 'modern', clientInfo: { name: 'app', version: '3' }, capabilities: { roots: {} } },
      modernServer,
    );
    await session.connect();
    await session.request(
      'tools/list',
      {},
      { _meta: { 'com.example/trace': 'abc' }, onProgress: () => {} },
    );
    const [list] = sent(server, 'tools/list');
    expect(list?.params).toEqual({
      _meta: {
        [META_PROTOCOL_VERSION]: '2026-07-28',
        [META_CLIENT_CAPABILITIES]: { roots: {} },
        [META_CLIENT_INFO]: { name: 'app', version: '3' },
        'com.example/trace': 'abc',
        progressToken: 1,
      },
    });
    await session.close();
  });

  it('fails against a legacy-only server, without falling back', async () => {
    const { session, server } = harness({ mode: 'modern' });
    await expect(session.connect()).rejects.toBeInstanceOf(NegotiationError);
    await flush();
    expect(sent(server, 'initialize')).toHaveLength(0);
    expect(session.state).toBe('closed');
  });

  it('fails with the versions in play when -32022 leaves no version in common', async () => {
    const { session } = harness(
      { mode: 'modern' },
      {
        handlers: {
          'server/discover': () => {
            throw new JsonRpcError({
              code: -32022,
              message: 'Unsupported protocol version',
              data: { supported: ['2030-01-01'], requested: '2026-07-28' },
            });
          },
        },
      },
    );
    await expect(session.connect()).rejects.toMatchObject({
      code: 'NEGOTIATION_FAILED',
      serverVersions: ['2030-01-01'],
      message: expect.stringContaining('no version in common'),
    });
  });

  it('reads a malformed serverInfo stamp as none', async () => {
    const { session } = harness(
      { mode: 'modern' },
      {
        handlers: {
          'server/discover': () =>
            discoverResult({ _meta: { 'io.modelcontextprotocol/serverInfo': 'nope' } }),
        },
      },
    );
    await session.connect();
    expect(session.serverInfo).toBeUndefined();
    await session.close();
  });

  it('returns the cached discover result on a second call, with no traffic', async () => {
    const { session, server } = harness({ mode: 'modern' }, modernServer);
    const first = await session.discover();
    await flush();
    const count = server.received.length;
    await expect(session.discover()).resolves.toBe(first);
    await expect(session.initialize()).rejects.toMatchObject({ code: 'INVALID_STATE' });
    await flush();
    expect(server.received.length).toBe(count);
    await session.close();
  });
});

describe('the -32022 retry (with a later revision the client is configured for)', () => {
  /** Drives `discover` directly: only one 2026 revision exists, so the retry needs a newer one. */
  function settings(supported: string[]): NegotiationSettings {
    return {
      clientInfo: { name: 't', version: '1' },
      capabilities: {},
      extensions: undefined,
      supported: supported as Revision[],
      legacyVersion: undefined,
      modernVersion: undefined,
      connectTimeout: Infinity,
      probeTimeout: 1_000,
      clock: systemClock,
      check: (_r, _m, result) => Promise.resolve(result),
    };
  }

  it('retries once with the newest mutually supported version, then adopts it', async () => {
    const [clientSide, serverSide] = createInMemoryTransportPair();
    const asked: unknown[] = [];
    startScriptedServer(serverSide, {
      handlers: {
        'server/discover': (params) => {
          const v = (params?._meta as Record<string, unknown>)[META_PROTOCOL_VERSION];
          asked.push(v);
          if (v !== '2026-07-28') {
            throw new JsonRpcError({
              code: -32022,
              message: 'Unsupported protocol version',
              data: { supported: ['2026-07-28', '2025-11-25'], requested: v },
            });
          }
          return discoverResult();
        },
      },
    });
    const d = createDispatcher(clientSide);
    await d.start();
    const n: Negotiated = await discover(d, settings(['2026-07-28', '2027-06-01', '2025-11-25']));
    expect(asked).toEqual(['2027-06-01', '2026-07-28']);
    expect(n).toMatchObject({ era: 'modern', protocolVersion: '2026-07-28' });
    await d.close();
  });

  it('retries only once', async () => {
    const [clientSide, serverSide] = createInMemoryTransportPair();
    let calls = 0;
    startScriptedServer(serverSide, {
      handlers: {
        'server/discover': () => {
          calls += 1;
          throw new JsonRpcError({
            code: -32022,
            message: 'Unsupported protocol version',
            data: { supported: calls === 1 ? ['2026-07-28'] : ['2027-06-01'], requested: 'x' },
          });
        },
      },
    });
    const d = createDispatcher(clientSide);
    await d.start();
    await expect(discover(d, settings(['2026-07-28', '2027-06-01']))).rejects.toBeInstanceOf(
      NegotiationError,
    );
    expect(calls).toBe(2);
    await d.close();
  });
});

describe('the -32022 retry with the same version', () => {
  const refuse = (requested: unknown) =>
    new JsonRpcError({
      code: -32022,
      message: 'Unsupported protocol version',
      data: { supported: ['2026-07-28'], requested },
    });

  it('retries once with the version the server names, even the one it refused', async () => {
    let calls = 0;
    const { session, server } = harness(
      { mode: 'modern' },
      {
        handlers: {
          'server/discover': (params) => {
            calls += 1;
            if (calls === 1) {
              throw refuse((params?._meta as Record<string, unknown>)[META_PROTOCOL_VERSION]);
            }
            return discoverResult();
          },
        },
      },
    );
    await expect(session.connect()).resolves.toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
    });
    await flush();
    expect(
      sent(server, 'server/discover').map(
        (m) =>
          (m as { params: { _meta: Record<string, unknown> } }).params._meta[META_PROTOCOL_VERSION],
      ),
    ).toEqual(['2026-07-28', '2026-07-28']);
    await session.close();
  });

  it('says the version was refused again when the second try is refused too', async () => {
    const { session, server } = harness(
      { mode: 'modern' },
      {
        handlers: {
          'server/discover': () => {
            throw refuse('2026-07-28');
          },
        },
      },
    );
    await expect(session.connect()).rejects.toMatchObject({
      code: 'NEGOTIATION_FAILED',
      serverVersions: ['2026-07-28'],
      message: expect.stringContaining('refused protocol version 2026-07-28 again'),
    });
    await flush();
    expect(sent(server, 'server/discover')).toHaveLength(2);
  });
});

describe('pinned mode', () => {
  const pinned: Negotiated = {
    era: 'modern',
    protocolVersion: '2026-07-28',
    discoverResult: discoverResult(),
  };

  it('adopts a known negotiation with no traffic at all, then stamps requests', async () => {
    const { session, server } = harness({ mode: 'pinned', pinned }, modernServer);
    await expect(session.connect()).resolves.toBe(pinned);
    expect(session.state).toBe('ready');
    await flush();
    expect(server.received).toHaveLength(0);
    await session.request('tools/list', {});
    expect(sent(server, 'tools/list')[0]?.params).toMatchObject({
      _meta: { [META_PROTOCOL_VERSION]: '2026-07-28' },
    });
    await session.close();
  });

  it('adopts a legacy negotiation too', async () => {
    const legacy: Negotiated = {
      era: 'legacy',
      protocolVersion: '2025-06-18',
      initializeResult: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        serverInfo: { name: 'known', version: '1' },
      },
    };
    const { session, server } = harness({ mode: 'pinned', pinned: legacy });
    await session.connect();
    expect(session.serverInfo).toEqual({ name: 'known', version: '1' });
    await flush();
    expect(server.received).toHaveLength(0);
    await session.close();
  });

  it('refuses a pin this client cannot speak, and needs a pin', async () => {
    const { session } = harness({
      mode: 'pinned',
      pinned: { era: 'legacy', protocolVersion: '1999-01-01', initializeResult: {} },
    });
    await expect(session.connect()).rejects.toMatchObject({ code: 'NEGOTIATION_FAILED' });
    expect(() => harness({ mode: 'pinned' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
  });
});

describe('options', () => {
  it('refuses unknown revisions before any I/O', () => {
    const [t] = createInMemoryTransportPair();
    expect(() => createClientSession({ transport: t, protocolVersion: '1.0' })).toThrow(
      /protocolVersion "1.0"/,
    );
    expect(() =>
      createClientSession({
        transport: t,
        supportedProtocolVersions: ['2025-11-25', 'x' as Revision],
      }),
    ).toThrow(/supportedProtocolVersions/);
  });

  it('asks initialize for the newest enabled handshake revision', async () => {
    const { session, server } = harness({
      mode: 'legacy',
      supportedProtocolVersions: ['2024-11-05', '2025-03-26'],
    });
    await expect(session.connect()).resolves.toMatchObject({ protocolVersion: '2025-03-26' });
    expect(sent(server, 'initialize')[0]?.params).toMatchObject({ protocolVersion: '2025-03-26' });
    await session.close();
  });

  it('refuses a server revision that is not enabled, even a real one', async () => {
    const { session } = harness(
      { mode: 'legacy', supportedProtocolVersions: ['2025-11-25'] },
      { protocolVersion: '2024-11-05' },
    );
    await expect(session.connect()).rejects.toMatchObject({ code: 'NEGOTIATION_FAILED' });
  });
});

describe("the transport's extensions in the client's capabilities", () => {
  const oauthExtension = { 'io.modelcontextprotocol/oauth-client-credentials': {} };

  function withExtensions(mode: 'modern' | 'legacy') {
    const [clientSide, serverSide] = createInMemoryTransportPair();
    const server = startScriptedServer(serverSide, mode === 'modern' ? modernServer : {});
    const session = createClientSession({
      transport: Object.assign(clientSide, { extensions: oauthExtension }),
      mode,
      capabilities: { extensions: { 'io.example/own': { on: true } } },
    });
    return { session, server };
  }

  it('joins the session’s own extensions in every 2026-07-28 request', async () => {
    const { session, server } = withExtensions('modern');
    await session.connect();
    await session.listTools();
    await flush();
    const caps = server.received.map(
      (m) =>
        (m as { params?: { _meta?: Record<string, unknown> } }).params?._meta?.[
          META_CLIENT_CAPABILITIES
        ],
    );
    expect(caps).toHaveLength(2);
    for (const c of caps) {
      expect(c).toMatchObject({
        extensions: { 'io.example/own': { on: true }, ...oauthExtension },
      });
    }
    await session.close();
  });

  it('leaves the legacy initialize as the session asked', async () => {
    const { session, server } = withExtensions('legacy');
    await session.connect();
    await flush();
    const [init] = sent(server, 'initialize');
    expect((init?.params as { capabilities?: unknown } | undefined)?.capabilities).toEqual({
      extensions: { 'io.example/own': { on: true } },
    });
    await session.close();
  });
});
