import { describe, expect, it, vi } from 'vitest';
import type { ScriptedCallContext } from '../src/testing/index.js';

/**
 * The schemas of the revision a negotiation asks for are built while its answer is awaited (on a
 * cold start that overlaps the server's start-up), not after the answer arrives.
 */

/** Lets every pending promise reaction and microtask run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('schemas built ahead of the answer', () => {
  it('builds the revision initialize asks for before the server has answered', async () => {
    // A fresh copy of the library, with no revision built yet, whatever other test files of the
    // same worker have loaded (mutation runs share modules between files).
    vi.resetModules();
    const { createClientSession, createInMemoryTransportPair, loadSchemas } =
      await import('../src/index.js');
    const { builtRevisions } = await import('../src/protocol/schemas/index.js');
    const { NO_RESPONSE, startScriptedServer } = await import('../src/testing/index.js');
    let held: ScriptedCallContext | undefined;
    let asked: (() => void) | undefined;
    const initializeArrived = new Promise<void>((resolve) => (asked = resolve));
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide, {
      handlers: {
        initialize: (_params, call) => {
          held = call;
          asked?.();
          return NO_RESPONSE;
        },
      },
    });
    const session = createClientSession({
      transport: clientSide,
      mode: 'legacy',
      protocolVersion: '2024-11-05',
    });
    expect(builtRevisions()).not.toContain('2024-11-05');
    const connecting = session.connect();
    await initializeArrived;
    await loadSchemas();
    await settle();
    // Built, and the server has still not answered.
    expect(builtRevisions()).toContain('2024-11-05');
    held?.send({
      jsonrpc: '2.0',
      id: held.id,
      result: {
        protocolVersion: '2024-11-05',
        capabilities: {},
        serverInfo: { name: 'held', version: '1' },
      },
    });
    await expect(connecting).resolves.toMatchObject({ protocolVersion: '2024-11-05' });
    await session.close();
  });
});
