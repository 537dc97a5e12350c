/**
 * The lifecycle half of the session's public API: `SessionConnection`, which `ClientSession`
 * extends with the MCP methods. The lifecycle state, what negotiation settled on (read from the
 * connection actor), `connect()` and `close()`; each delegates to the lifecycle glue
 * (`lifecycle.ts`).
 */
import type { ConnectionState, Negotiated, NegotiationPath } from '../../machines/connection.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { InvalidStateError } from '../errors/errors.js';
import type {
  DiscoverResult,
  Implementation,
  InitializeResult,
  ServerCapabilities,
} from '../protocol/types.js';
import type { ConnectionActor, Lifecycle } from './lifecycle.js';
import { META_SERVER_INFO } from './meta.js';
import { isImplementation } from './support.js';

/**
 * A session's connection to one server: its lifecycle state, what negotiation settled on,
 * `connect()` and `close()`. `ClientSession` is one, with the MCP methods.
 */
export class SessionConnection implements AsyncDisposable {
  readonly #life: Lifecycle;
  readonly #dispatcher: Dispatcher;

  constructor(life: Lifecycle, dispatcher: Dispatcher) {
    this.#life = life;
    this.#dispatcher = dispatcher;
  }

  /** The lifecycle state: `preconnect`, `initializing`, `ready`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.#life.state;
  }

  /** The connection actor, for `subscribe`, `getSnapshot` and inspection. */
  get actor(): ConnectionActor {
    return this.#life.actor;
  }

  /** The dispatcher beneath the session. */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** Which negotiation step is running, while initializing (`probing`, `handshaking`, …). */
  get negotiationPath(): NegotiationPath | undefined {
    return this.#life.negotiationPath;
  }

  /** What negotiation settled on, once ready. */
  get negotiated(): Negotiated | undefined {
    return this.#life.negotiated;
  }

  /** Why `auto` fell back from `server/discover` to `initialize`, when it did. */
  get fallbackReason(): string | undefined {
    return this.#life.fallbackReason;
  }

  /** `legacy` (initialize) or `modern` (2026-07-28), once ready. */
  get era(): 'legacy' | 'modern' | undefined {
    return this.negotiated?.era;
  }

  /** The negotiated protocol revision, once ready. */
  get protocolVersion(): string | undefined {
    return this.negotiated?.protocolVersion;
  }

  /** The server's answer to `initialize`, on a legacy session (never with `discoverResult`). */
  get initializeResult(): InitializeResult | undefined {
    const n = this.negotiated;
    return n?.era === 'legacy' ? (n.initializeResult as InitializeResult) : undefined;
  }

  /** The server's answer to `server/discover`, on a 2026 session (never with `initializeResult`). */
  get discoverResult(): DiscoverResult | undefined {
    const n = this.negotiated;
    return n?.era === 'modern' ? (n.discoverResult as DiscoverResult) : undefined;
  }

  /**
   * The server's name and version: from `initialize` on a legacy session; on 2026 from the
   * discover result's `_meta` serverInfo stamp (absent or malformed reads as none).
   */
  get serverInfo(): Implementation | undefined {
    const legacy = this.initializeResult;
    if (legacy !== undefined) return legacy.serverInfo;
    const stamp = this.discoverResult?._meta?.[META_SERVER_INFO];
    return isImplementation(stamp) ? stamp : undefined;
  }

  /** The server's capabilities, once ready. */
  get serverCapabilities(): (ServerCapabilities & Readonly<Record<string, unknown>>) | undefined {
    return (this.initializeResult ?? this.discoverResult)?.capabilities;
  }

  /** The server's instructions, if it gave any. */
  get instructions(): string | undefined {
    return (this.initializeResult ?? this.discoverResult)?.instructions;
  }

  /** Why the connection failed or closed unasked, if it did. */
  get error(): unknown {
    return this.#life.error;
  }

  /**
   * Calls `listener` with each new lifecycle state; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const off = session.onStateChange((state) => console.log('lifecycle:', state));
   * await session.connect(); // lifecycle: initializing, lifecycle: ready
   * off();
   * ```
   */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    return this.#life.onStateChange(listener);
  }

  /**
   * Starts the transport and negotiates the revision as `mode` says. Resolves with what was
   * negotiated once the session is ready; a second call returns the same promise, with no traffic.
   * Rejects when negotiation fails or the connection closes first (the session is then closed).
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const negotiated = await session.connect();
   * if (negotiated.era === 'modern') console.log('2026-07-28, found by server/discover');
   * else console.log(`initialize handshake, ${negotiated.protocolVersion}`);
   * if (session.fallbackReason !== undefined) console.log('probe fell back:', session.fallbackReason);
   * ```
   */
  connect(): Promise<Negotiated> {
    return this.#life.connect();
  }

  /**
   * The legacy handshake's result: connects if needed (in `legacy` or `auto` mode), then returns
   * the cached `initialize` answer. Refused on a session that negotiated 2026-07-28.
   */
  async initialize(): Promise<InitializeResult> {
    const n = await this.connect();
    if (n.era !== 'legacy') {
      throw new InvalidStateError(
        'read the initialize result',
        `ready on ${n.protocolVersion} (server/discover)`,
        'read discoverResult instead: 2026-07-28 has no initialize',
      );
    }
    return n.initializeResult as InitializeResult;
  }

  /**
   * The `server/discover` result: connects if needed (in `modern` or `auto` mode), then returns the
   * cached answer. Refused on a session that negotiated a handshake revision.
   */
  async discover(): Promise<DiscoverResult> {
    const n = await this.connect();
    if (n.era !== 'modern') {
      throw new InvalidStateError(
        'read the discover result',
        `ready on ${n.protocolVersion} (initialize)`,
        'read initializeResult instead: this server speaks a handshake revision',
      );
    }
    return n.discoverResult as DiscoverResult;
  }

  /**
   * Closes the session: every pending request rejects with `CONNECTION_CLOSED`, the transport is
   * closed, and the lifecycle ends in `closed`. Safe to call in any state, and twice.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError, type ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const pending = session.callTool('slow-tool');
   * await session.close();
   * await pending.catch((error: unknown) => {
   *   if (error instanceof ConnectionClosedError) console.log(error.code); // 'CONNECTION_CLOSED'
   * });
   * console.log(session.state); // 'closed'
   * ```
   */
  async close(): Promise<void> {
    return this.#life.close();
  }

  /** Closes the session (`close()`), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
  // ---------------------------------------------------------------------------------------------
}
