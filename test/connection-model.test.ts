import { describe, expect, it } from 'vitest';
import {
  createActor,
  initialTransition,
  SimulatedClock,
  transition,
  type EventObject,
} from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { ConnectionStateMeta } from '../machines/index.js';
import {
  createClientSession,
  createInMemoryTransportPair,
  type Negotiated,
  type NegotiationMode,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { flush } from './support/harness.js';
import {
  connectionEvents,
  connectionMachine,
  negotiationModes,
  xstateStep,
} from './support/machines.js';

/** Connection states are nested while initializing: serialise the whole value. */
const serialize = (s: unknown): string => JSON.stringify((s as { value: unknown }).value);
const top = (key: string): string => {
  const v = JSON.parse(key) as unknown;
  return typeof v === 'string' ? v : (Object.keys(v as object)[0] ?? '');
};

function graph(mode: NegotiationMode) {
  const paths = getShortestPaths(connectionMachine, {
    events: connectionEvents as never,
    input: { mode },
    serializeState: serialize,
  });
  return paths.map((p) => ({
    key: serialize(p.state),
    events: p.steps.map((s) => s.event as EventObject).filter((e) => e.type !== 'xstate.init'),
    snapshot: p.state,
  }));
}

describe('connection machine invariants, per negotiation mode', () => {
  for (const mode of negotiationModes) {
    describe(mode, () => {
      const states = graph(mode);

      it('can reach closed from every reachable state', () => {
        for (const { key, snapshot } of states) {
          if (top(key) === 'closed') continue;
          // close, or the transport closing, ends every state in closed (directly or via closing).
          const viaClose = xstateStep(connectionMachine, snapshot, { type: 'close' });
          const viaTransport = xstateStep(connectionMachine, snapshot, { type: 'transportClosed' });
          const ends = [viaClose, viaTransport].map((r) => JSON.stringify(r.value));
          expect(
            ends.some((e) => e === '"closed"' || e === '"closing"'),
            key,
          ).toBe(true);
          // The transport reports nothing before it is started, in preconnect.
          if (key !== '"preconnect"')
            expect(JSON.stringify(viaTransport.value), key).toBe('"closed"');
        }
      });

      it('takes only its own negotiation path', () => {
        const paths = new Set(
          states.flatMap(({ key }) => {
            const v = JSON.parse(key) as unknown;
            return typeof v === 'object' && v !== null
              ? [(v as { initializing: string }).initializing]
              : [];
          }),
        );
        const expected: Record<NegotiationMode, string[]> = {
          legacy: ['handshaking'],
          modern: ['discovering'],
          auto: ['handshaking', 'probing'],
          pinned: ['adopting'],
        };
        expect([...paths].sort()).toEqual(expected[mode]);
      });

      it('reaches ready only through a completed negotiation step', () => {
        const simple = getSimplePaths(connectionMachine, {
          events: connectionEvents as never,
          input: { mode },
          serializeState: serialize,
        });
        let readyPaths = 0;
        for (const p of simple) {
          if (serialize(p.state) !== '"ready"') continue;
          readyPaths += 1;
          const types = p.steps.map((s) => (s.event as EventObject).type);
          expect(
            types.some((t) => /^xstate\.done\.actor\.(handshake|discover|probe|adopt)$/.test(t)),
          ).toBe(true);
        }
        expect(readyPaths).toBeGreaterThan(0);
      });
    });
  }

  it('says in every top-level state what may be sent and what to do otherwise', () => {
    for (const [key, node] of Object.entries(connectionMachine.root.states)) {
      const meta = node.meta as ConnectionStateMeta | undefined;
      expect(meta, key).toBeDefined();
      expect(['none', 'handshake', 'all', 'closed']).toContain(meta?.sends);
      // Where everything may be sent, nothing is refused, so there is nothing to do instead.
      if (meta?.sends === 'all') expect(meta.next, key).toBe('');
      else expect(meta?.next.length, key).toBeGreaterThan(0);
    }
    expect(connectionMachine.root.states.closed?.type).toBe('final');
  });
});

// -------------------------------------------------------------------------------------------------
// The machine on its own, with the placeholder actors it comes with, on a simulated clock.

/** The connection machine as exported (nothing provided), started on a simulated clock. */
function bare(input: { mode: NegotiationMode; connectTimeout?: number }) {
  const clock = new SimulatedClock();
  const actor = createActor(connectionMachine, { input, clock }).start();
  return { clock, actor, value: () => actor.getSnapshot().value };
}

/** XState's pure step, from the snapshot after `events`. */
function stepFrom(mode: NegotiationMode, events: readonly EventObject[]) {
  let [snapshot] = initialTransition(connectionMachine, { mode });
  for (const event of events) [snapshot] = transition(connectionMachine, snapshot, event as never);
  return snapshot;
}

describe('the connection machine on its own', () => {
  const steps: Record<NegotiationMode, string> = {
    legacy: 'handshaking',
    modern: 'discovering',
    auto: 'probing',
    pinned: 'adopting',
  };
  for (const mode of negotiationModes) {
    it(`${mode}: waits in ${steps[mode]} until the session provides the step`, async () => {
      const m = bare({ mode });
      m.actor.send({ type: 'connect' });
      await flush();
      expect(m.value()).toEqual({ initializing: steps[mode] });
      m.actor.stop();
    });
  }

  it('closes the transport on close, then ends closed', async () => {
    const m = bare({ mode: 'legacy' });
    m.actor.send({ type: 'connect' });
    m.actor.send({ type: 'close' });
    expect(m.value()).toBe('closing');
    await flush();
    expect({ value: m.value(), status: m.actor.getSnapshot().status }).toEqual({
      value: 'closed',
      status: 'done',
    });
  });

  it('without a connect timeout, waits for the negotiation however long it takes', () => {
    const m = bare({ mode: 'legacy' });
    m.actor.send({ type: 'connect' });
    m.clock.increment(2_147_483_647); // the longest delay a timer takes
    m.clock.increment(86_400_000);
    expect(m.value()).toEqual({ initializing: 'handshaking' });
    m.actor.stop();
  });

  it('with a connect timeout, closes when it runs out, with the timeout as its error', () => {
    const m = bare({ mode: 'modern', connectTimeout: 1_000 });
    m.actor.send({ type: 'connect' });
    m.clock.increment(999);
    expect(m.value()).toEqual({ initializing: 'discovering' });
    m.clock.increment(1);
    expect(m.value()).toBe('closing');
    const { error } = m.actor.getSnapshot().context;
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: 'connect timed out after 1000 ms' });
    m.actor.stop();
  });

  it('keeps why the transport closed while connecting', () => {
    const m = bare({ mode: 'auto' });
    const reason = new Error('peer went away');
    m.actor.send({ type: 'connect' });
    m.actor.send({ type: 'transportClosed', reason });
    expect(m.value()).toBe('closed');
    expect(m.actor.getSnapshot().context.error).toBe(reason);
  });

  it('falls back to the handshake when the probe ends without an outcome', () => {
    const next = stepFrom('auto', [{ type: 'connect' }, { type: 'xstate.done.actor.probe' }]);
    expect(next.value).toEqual({ initializing: 'handshaking' });
    expect(next.context.fallback).toBeUndefined();
  });

  it('ends closed once closing the transport completes, or fails', () => {
    for (const type of ['xstate.done.actor.closeTransport', 'xstate.error.actor.closeTransport']) {
      const next = stepFrom('legacy', [{ type: 'connect' }, { type: 'close' }, { type }]);
      expect(next.value, type).toBe('closed');
    }
  });
});

// -------------------------------------------------------------------------------------------------
// Replaying the shortest path to every state, per mode, on live sessions over the in-memory link.

const initializeResult = {
  protocolVersion: '2025-11-25',
  capabilities: {},
  serverInfo: { name: 'legacy-server', version: '1' },
};
const discoverResult = {
  resultType: 'complete',
  supportedVersions: ['2026-07-28'],
  capabilities: {},
  ttlMs: 0,
  cacheScope: 'public',
  _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'modern-server', version: '2' } },
};

/** Every transition per mode: the shortest path to each state, then each event that changes it. */
function transitions(mode: NegotiationMode): { key: string; events: EventObject[] }[] {
  const out = new Map<string, { key: string; events: EventObject[] }>();
  for (const { key, events, snapshot } of graph(mode)) {
    out.set(JSON.stringify(events), { key, events });
    for (const event of connectionEvents) {
      const next = xstateStep(connectionMachine, snapshot, event);
      const nextKey = JSON.stringify(next.value);
      if (nextKey === key) continue;
      const path = [...events, event as EventObject];
      out.set(JSON.stringify(path), { key: nextKey, events: path });
    }
  }
  return [...out.values()];
}

const label = (e: EventObject): string =>
  e.type === 'xstate.done.actor.probe'
    ? `done(probe: ${String((e as { output?: { era?: string } }).output?.era)})`
    : e.type.replace(/^xstate\.(done|error)\.actor\.(.+)$/, '$1($2)');

describe('every transition of the connection machine, replayed on live sessions', () => {
  for (const mode of negotiationModes) {
    for (const { key, events } of transitions(mode)) {
      it(`${mode}: ${events.map(label).join(' → ') || '(start)'} ⇒ ${key}`, async () => {
        // The server answers each negotiation request only when the path says so.
        const pending: Record<string, string | number> = {};
        const [clientSide, serverSide] = createInMemoryTransportPair();
        const server = startScriptedServer(serverSide, {
          handlers: {
            initialize: (_p, c) => {
              pending.initialize = c.id;
              return NO_RESPONSE;
            },
            'server/discover': (_p, c) => {
              pending.discover = c.id;
              return NO_RESPONSE;
            },
          },
        });
        const pinned: Negotiated = {
          era: 'modern',
          protocolVersion: '2026-07-28',
          discoverResult,
        };
        const badPin = events.some((e) => e.type === 'xstate.error.actor.adopt');
        const session = createClientSession({
          transport: clientSide,
          mode,
          ...(mode === 'pinned'
            ? {
                pinned: badPin
                  ? { ...pinned, protocolVersion: '2026-07-28', discoverResult: { nope: true } }
                  : pinned,
              }
            : {}),
        });
        const visited: string[] = [JSON.stringify(session.actor.getSnapshot().value)];
        session.actor.subscribe((s) => {
          const v = JSON.stringify(s.value);
          if (visited[visited.length - 1] !== v) visited.push(v);
        });
        let connecting: Promise<unknown> | undefined;
        for (const event of events) {
          switch (event.type) {
            case 'connect':
              connecting = session.connect().catch((e: unknown) => e);
              break;
            case 'close':
              void session.close();
              break;
            case 'transportClosed':
              await server.close();
              break;
            case 'xstate.done.actor.handshake':
              server.send({ jsonrpc: '2.0', id: pending.initialize, result: initializeResult });
              break;
            case 'xstate.error.actor.handshake':
              server.send({
                jsonrpc: '2.0',
                id: pending.initialize,
                error: { code: -32602, message: 'no' },
              });
              break;
            case 'xstate.done.actor.discover':
              server.send({ jsonrpc: '2.0', id: pending.discover, result: discoverResult });
              break;
            case 'xstate.error.actor.discover':
              server.send({
                jsonrpc: '2.0',
                id: pending.discover,
                error: {
                  code: -32022,
                  message: 'Unsupported protocol version',
                  data: { supported: ['1999-01-01'], requested: '2026-07-28' },
                },
              });
              break;
            case 'xstate.done.actor.probe':
              if ((event as { output?: { era?: string } }).output?.era === 'modern') {
                server.send({ jsonrpc: '2.0', id: pending.discover, result: discoverResult });
              } else {
                server.send({
                  jsonrpc: '2.0',
                  id: pending.discover,
                  error: { code: -32601, message: 'Method not found' },
                });
              }
              break;
            case 'xstate.error.actor.probe':
              server.send({
                jsonrpc: '2.0',
                id: pending.discover,
                error: {
                  code: -32021,
                  message: 'Missing required client capability',
                  data: { requiredCapabilities: { roots: {} } },
                },
              });
              break;
            default:
              break; // adopt and closeTransport complete by themselves
          }
          await flush();
        }
        expect(visited).toContain(key);
        // States whose live step completes by itself (adopting a pin, closing the transport) move on.
        const movesOn: Record<string, string[]> = {
          '{"initializing":"adopting"}': ['"ready"', '"closed"'],
          '"closing"': ['"closed"'],
        };
        const last = visited[visited.length - 1] as string;
        expect([key, ...(movesOn[key] ?? [])]).toContain(last);
        await session.close();
        await connecting;
        expect(session.state).toBe('closed');
        expect(session.dispatcher.pendingRequests).toBe(0);
      });
    }
  }
});
