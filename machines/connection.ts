import { assign, fromPromise, setup } from 'xstate';

/**
 * The connection lifecycle of one client session:
 * `preconnect → initializing → ready → closing → closed`.
 *
 * Each state says, in its `meta`, what the caller may send in it and what to do otherwise; the
 * session answers a call that the state does not allow at once with an `INVALID_STATE` error built
 * from that `meta` (never silence, never a pending promise).
 *
 * The handshake and the transport close are invoked promise actors, so that stopping the session
 * in any state stops them too. Their implementations come from the session (`provide`). Closing
 * the transport is the dispatcher's close, which settles every pending request with
 * `CONNECTION_CLOSED` and aborts every server request being handled.
 */

/** What a caller may send in a state. */
export type SendPolicy =
  /** Nothing yet: the session must be connected first. */
  | 'none'
  /** Only the handshake itself and `ping` (MCP basic/lifecycle: SHOULD NOT send others before the initialize response). */
  | 'handshake'
  /** Any request or notification. */
  | 'all'
  /** Nothing any more: the connection is closing or closed. */
  | 'closed';

export interface ConnectionStateMeta {
  readonly sends: SendPolicy;
  /** What a caller should do when a call is refused in this state. */
  readonly next: string;
}

export interface ConnectionContext {
  /** The handshake's result (the server's answer to `initialize`), once ready. */
  readonly handshake: unknown;
  /** Why the connection failed or closed, when it did not close on request. */
  readonly error: unknown;
}

export type ConnectionEvent =
  { type: 'connect' } | { type: 'close' } | { type: 'transportClosed'; reason?: unknown };

export const connectionEventTypes = ['connect', 'close', 'transportClosed'] as const;

const meta = (m: ConnectionStateMeta): ConnectionStateMeta => m;

export const connectionMachine = setup({
  types: {
    context: {} as ConnectionContext,
    events: {} as ConnectionEvent,
  },
  actors: {
    /** Run the handshake; resolves with the server's answer. */
    handshake: fromPromise<unknown>(() => new Promise<never>(() => {})),
    /** Close the transport; resolves when it has closed. */
    closeTransport: fromPromise<void>(() => Promise.resolve()),
  },
  actions: {
    /** Keep the handshake's result: the negotiated facts live in the connection's context. */
    rememberHandshake: assign({
      handshake: ({ event }) => (event as { output?: unknown }).output,
    }),
    /** Keep why the handshake failed. */
    rememberFailure: assign({ error: ({ event }) => (event as { error?: unknown }).error }),
    /** Keep why the transport closed. */
    rememberCloseReason: assign({ error: ({ event }) => (event as { reason?: unknown }).reason }),
  },
}).createMachine({
  id: 'connection',
  context: { handshake: undefined, error: undefined },
  initial: 'preconnect',
  states: {
    preconnect: {
      meta: meta({ sends: 'none', next: 'call connect() first' }),
      on: {
        connect: 'initializing',
        close: 'closed',
        transportClosed: { target: 'closed', actions: 'rememberCloseReason' },
      },
    },
    initializing: {
      meta: meta({ sends: 'handshake', next: 'await connect() before sending requests' }),
      invoke: {
        id: 'handshake',
        src: 'handshake',
        onDone: { target: 'ready', actions: 'rememberHandshake' },
        onError: { target: 'closing', actions: 'rememberFailure' },
      },
      on: {
        close: 'closing',
        transportClosed: { target: 'closed', actions: 'rememberCloseReason' },
      },
    },
    ready: {
      meta: meta({ sends: 'all', next: '' }),
      on: {
        close: 'closing',
        transportClosed: { target: 'closed', actions: 'rememberCloseReason' },
      },
    },
    closing: {
      meta: meta({ sends: 'closed', next: 'create a new session to reconnect' }),
      invoke: {
        id: 'closeTransport',
        src: 'closeTransport',
        onDone: 'closed',
        onError: 'closed',
      },
      on: {
        transportClosed: 'closed',
      },
    },
    closed: {
      meta: meta({ sends: 'closed', next: 'create a new session to reconnect' }),
      type: 'final',
    },
  },
});

export type ConnectionMachine = typeof connectionMachine;
export type ConnectionState = 'preconnect' | 'initializing' | 'ready' | 'closing' | 'closed';
