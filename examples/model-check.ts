/**
 * Model-checking your own use of a session (docs/model-checking.md explains it step by step).
 *
 * The connection lifecycle is an XState machine (`connectionMachine` from `mcp-actors/machines`),
 * so `xstate/graph` can enumerate every path through it. For each path, this drives a real
 * session (over an in-memory link to a scripted server) through the same events, and checks the
 * app code that uses the session at every step. Here that app code is `ToolPanel`: a status line
 * and a list of tools, as a UI might show them.
 *
 *   npx tsx examples/model-check.ts      # prints one line per path, exits 1 if one fails
 *
 * test/examples.test.ts runs each path as a vitest test.
 */
import assert from 'node:assert/strict';
import type { EventObject } from 'xstate';
import { getSimplePaths } from 'xstate/graph';
import {
  connectionMachine,
  type ConnectionState,
  type ConnectionStateMeta,
} from '../machines/index.js';
import {
  createClientSession,
  createInMemoryTransportPair,
  loadSchemas,
  McpError,
  type ClientSession,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';

// -------------------------------------------------------------------------------------------------
// The code under test: part of an app that uses a session.

const STATUS: Record<ConnectionState, string> = {
  preconnect: 'not connected',
  initializing: 'connecting…',
  ready: 'connected',
  closing: 'disconnecting…',
  closed: 'disconnected',
};

/** A status line and a tool list, kept in step with the session. */
export class ToolPanel {
  status = STATUS.preconnect;
  tools: readonly string[] = [];
  /** Why the last refresh showed no tools, if it failed. */
  problem: string | undefined;

  constructor(protected readonly session: ClientSession) {
    session.onStateChange((state) => this.onState(state));
  }

  protected onState(state: ConnectionState): void {
    this.status = STATUS[state];
    if (state !== 'ready') this.tools = [];
  }

  /** Lists the tools. Never throws for a protocol reason: the panel shows it instead. */
  async refresh(): Promise<void> {
    try {
      this.tools = (await this.session.listTools()).tools.map((t) => t.name);
      this.problem = undefined;
    } catch (error) {
      if (!(error instanceof McpError)) throw error;
      this.problem = String(error.code);
    }
  }
}

// -------------------------------------------------------------------------------------------------
// The model: the events the test can cause, named as the connection machine names them.

/** The connection machine's events this test drives (legacy mode: the `initialize` handshake). */
export const events = [
  { type: 'connect' }, // the app calls connect()
  { type: 'close' }, // the app calls close()
  { type: 'transportClosed' }, // the server goes away
  {
    // the server answers initialize
    type: 'xstate.done.actor.handshake',
    output: { era: 'legacy', protocolVersion: '2025-11-25', initializeResult: {} },
  },
  { type: 'xstate.error.actor.handshake', error: new Error('refused') }, // …or refuses it
] as const;

/** One path through the machine: the events, and the state the machine says it ends in. */
export interface ModelPath {
  readonly label: string;
  readonly events: readonly EventObject[];
  readonly state: string;
}

const top = (value: unknown): ConnectionState =>
  (typeof value === 'string' ? value : Object.keys(value as object)[0]) as ConnectionState;

/** Every simple path of the connection machine in legacy mode, from `xstate/graph`. */
export function connectionPaths(): ModelPath[] {
  const paths = getSimplePaths(connectionMachine, {
    input: { mode: 'legacy' },
    events: events as never,
    serializeState: (s) => JSON.stringify((s as { value: unknown }).value),
  });
  return paths.map((p) => {
    const steps = p.steps
      .map((s) => s.event as EventObject)
      .filter((e) => e.type !== 'xstate.init');
    const names = steps.map((e) => e.type.replace(/^xstate\.(done|error)\.actor\.(.+)$/, '$1($2)'));
    return {
      label: `${names.join(' → ') || '(start)'} ⇒ ${top(p.state.value)}`,
      events: steps,
      state: top(p.state.value),
    };
  });
}

// -------------------------------------------------------------------------------------------------
// The replay: a real session, driven along one path, with the app's invariants checked at each step.

/** Lets every message in flight on the in-memory link be delivered and handled. No timers. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const metaOf = (state: ConnectionState): ConnectionStateMeta =>
  connectionMachine.root.states[state]?.meta as ConnectionStateMeta;

/** Drives a session along `path` and checks `ToolPanel` (or another panel) at every step. */
export async function replay(
  path: ModelPath,
  makePanel: (session: ClientSession) => ToolPanel = (s) => new ToolPanel(s),
): Promise<void> {
  await loadSchemas(); // once loaded, a session's steps take microtasks only

  // A scripted server that answers initialize only when the path says so.
  const [clientSide, serverSide] = createInMemoryTransportPair();
  let initializeId: string | number | undefined;
  const server = startScriptedServer(serverSide, {
    handlers: {
      initialize: (_params, call) => {
        initializeId = call.id;
        return NO_RESPONSE;
      },
      'tools/list': () => ({ tools: [{ name: 'echo', inputSchema: { type: 'object' } }] }),
    },
  });
  const session = createClientSession({ transport: clientSide, mode: 'legacy' });
  const panel = makePanel(session);
  let connecting: Promise<unknown> | undefined;

  for (const event of path.events) {
    switch (event.type) {
      case 'connect':
        connecting = session.connect().then(
          () => 'connected',
          (error: unknown) => error,
        );
        break;
      case 'close':
        void session.close();
        break;
      case 'transportClosed':
        await server.close();
        break;
      case 'xstate.done.actor.handshake':
        server.send({
          jsonrpc: '2.0',
          id: initializeId,
          result: {
            protocolVersion: '2025-11-25',
            capabilities: { tools: {} },
            serverInfo: { name: 'model-server', version: '1.0.0' },
          },
        });
        break;
      case 'xstate.error.actor.handshake':
        server.send({
          jsonrpc: '2.0',
          id: initializeId,
          error: { code: -32603, message: 'refused' },
        });
        break;
    }
    await settle();
    await checkStep(session, panel, event);
  }

  // Where the path ends, the session is too (a closing session finishes closing by itself).
  const expected = path.state === 'closing' ? ['closing', 'closed'] : [path.state];
  assert.ok(expected.includes(session.state), `ended in ${session.state}, not ${path.state}`);

  // Whatever the path, closing releases everything, and connect() has settled.
  await session.close();
  assert.equal(session.state, 'closed');
  assert.equal(panel.status, 'disconnected');
  assert.deepEqual(panel.tools, []);
  assert.equal(session.dispatcher.pendingRequests, 0);
  if (connecting !== undefined) {
    const outcome = await connecting;
    assert.ok(outcome === 'connected' || outcome instanceof McpError, String(outcome));
  }
}

/** The app's invariants, in the state the session is in after one event. */
async function checkStep(session: ClientSession, panel: ToolPanel, event: EventObject) {
  const state = session.state;
  const where = `after ${event.type}, in ${state}`;
  assert.equal(panel.status, STATUS[state], `status line ${where}`);

  // A refresh settles at once in every state: the session refuses what the state does not allow.
  const refreshed = await Promise.race([
    panel.refresh().then(() => true),
    settle().then(() => false),
  ]);
  assert.ok(refreshed, `refresh() still pending ${where}`);

  // The state's meta says what may be sent; the panel shows tools exactly when that is everything.
  const sends = metaOf(state).sends;
  if (sends === 'all') {
    assert.deepEqual(panel.tools, ['echo'], `tools ${where}`);
  } else {
    assert.deepEqual(panel.tools, [], `tools ${where}`);
    assert.equal(panel.problem, sends === 'closed' ? 'CONNECTION_CLOSED' : 'INVALID_STATE', where);
  }
}

if (process.argv[1]?.endsWith('model-check.ts')) {
  let failed = 0;
  for (const path of connectionPaths()) {
    try {
      await replay(path);
      console.log(`ok   ${path.label}`);
    } catch (error) {
      failed += 1;
      console.log(`FAIL ${path.label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log(failed === 0 ? 'every path passed' : `${failed} path(s) failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}
