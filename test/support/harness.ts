import { vi } from 'vitest';
import {
  createClientSession,
  createInMemoryTransportPair,
  type ClientSession,
  type ClientSessionOptions,
  type Diagnostic,
  type SessionMessage,
  type Transport,
} from '../../src/index.js';
import {
  startScriptedServer,
  type ScriptedServer,
  type ScriptedServerOptions,
} from '../../src/testing/index.js';

/** Lets queued microtasks (in-memory deliveries, handler promises) run. Deterministic: no timers. */
export async function flush(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/** What a session reported: a message of its message handler, or a diagnostic of `onDiagnostic`. */
export type Reported =
  SessionMessage | { readonly type: 'diagnostic'; readonly diagnostic: Diagnostic };

export interface Harness {
  readonly session: ClientSession;
  readonly server: ScriptedServer;
  readonly clientTransport: Transport;
  /**
   * Everything the session reported, in order: what its message handler received, and each
   * diagnostic its `onDiagnostic` received (as `{ type: 'diagnostic', diagnostic }`).
   */
  readonly messages: Reported[];
  /** Only what the session's message handler received. */
  readonly handled: SessionMessage[];
}

/** A session over an in-memory link to a scripted server (legacy mode unless given); not yet connected. */
export function harness(
  options: Omit<ClientSessionOptions, 'transport' | 'dispatcher'> = {},
  serverOptions: ScriptedServerOptions = {},
): Harness {
  const [clientTransport, serverTransport] = createInMemoryTransportPair();
  const server = startScriptedServer(serverTransport, serverOptions);
  const messages: Reported[] = [];
  const handled: SessionMessage[] = [];
  const session = createClientSession({
    // The core's tests speak the legacy handshake unless they ask for another mode.
    mode: 'legacy',
    ...options,
    transport: clientTransport,
    messageHandler: (m) => {
      messages.push(m);
      handled.push(m);
      return options.messageHandler?.(m);
    },
    onDiagnostic: (diagnostic) => {
      messages.push({ type: 'diagnostic', diagnostic });
      return options.onDiagnostic?.(diagnostic);
    },
  });
  return { session, server, clientTransport, messages, handled };
}

/** A connected harness. */
export async function connected(
  options: Omit<ClientSessionOptions, 'transport' | 'dispatcher'> = {},
  serverOptions: ScriptedServerOptions = {},
): Promise<Harness> {
  const h = harness(options, serverOptions);
  await h.session.connect();
  return h;
}

/** Messages the server received with this method. */
export function sent(server: ScriptedServer, method: string): Record<string, unknown>[] {
  return server.received.filter(
    (m) => (m as { method?: unknown }).method === method,
  ) as unknown as Record<string, unknown>[];
}

/** The codes of the diagnostics among what a session reported. */
export function diagnostics(messages: readonly Reported[]): string[] {
  return messages.flatMap((m) => (m.type === 'diagnostic' ? [m.diagnostic.code] : []));
}

export { vi };
