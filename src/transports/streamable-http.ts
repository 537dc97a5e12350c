import type { HttpAuth } from '../auth/types.js';
import { McpLocalError } from '../errors/errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/line.js';
import type { JsonRpcMessage, JsonRpcNotification } from '../wire/jsonrpc.js';
import type { Transport, TransportEvent, TransportHandlers } from '../wire/transport.js';
import { transportClosed } from './http/errors.js';
import { checkMaxMessageBytes } from './http/fetch-support.js';
import { ListeningStream, type ListeningLink } from './http/listening-stream.js';
import { post, type PostLink } from './http/post-exchange.js';
import { SessionRenewal, type RenewalLink } from './http/renewal.js';
import {
  DEFAULT_RECONNECT,
  defaultDelay,
  type ReconnectRules,
  type StreamState,
} from './http/resumable-stream.js';
import { HttpSession } from './http/session.js';

export { HttpError, SessionExpiredError, type SessionExpiry } from './http/errors.js';

/**
 * Streamable HTTP (MCP 2025-03-26 and later, basic/transports; 2026-07-28
 * basic/transports/streamable-http): every message is a POST to one endpoint, answered with 202,
 * a JSON body, or an SSE stream that carries the request's notifications and then its response.
 *
 * The states of one request's answer:
 *
 * ```
 * posted ──2xx JSON──────────────▶ answered | lost (unreadable, or no response in it)
 *        ──2xx SSE──▶ streaming ──response──▶ answered
 *                        │ ended early (legacy, with event ids)
 *                        ▼
 *                     resuming ──GET + Last-Event-ID, after `retry` or backoff──▶ streaming
 *                        │ refused (405/404), `maxRetries` failures in a row, or the next
 *                        │ attempt would come after the request's timeout
 *                        ▼
 *                      lost ── the request fails at once with a typed error naming the cause
 *        ──an SSE event or JSON body over `maxMessageBytes`──▶ lost (MESSAGE_TOO_LARGE)
 *        ──404 with a legacy session──▶ renewing (initialize again) ──▶ posted again (once)
 *                                          │ impossible, failed, or refused again
 *                                          ▼
 *                                       closed (SessionExpiredError; every call rejects)
 *        ──other 4xx/5xx──▶ HttpError (the request fails with SEND_FAILED, the HttpError as cause)
 * ```
 *
 * The legacy standalone GET stream (server requests and notifications) opens once the session is
 * initialised, follows the same reconnection rules, and is given up quietly on 405/404 (and, with
 * a stream exception, on an event over `maxMessageBytes`).
 *
 * On 2026-07-28 there are no sessions, no GET stream and no resumption: a broken response stream
 * loses its request at once, and a cancellation aborts the request's own POST.
 *
 * This module holds the options, the state the pieces share and the transport object; the pieces
 * are in `http/`: `session.ts` (session id, version, headers, DELETE), `post-exchange.ts` (a POST
 * and its JSON or SSE answer), `resumable-stream.ts` (reading and resuming an SSE stream),
 * `listening-stream.ts` (the standalone GET stream) and `renewal.ts` (a new session after a 404).
 */

export interface ReconnectPolicy {
  /** The wait before reconnecting when the server gave no `retry`, ms. Default 1 000. */
  readonly initialDelay?: number;
  /** The longest wait between attempts, ms. Default 30 000. */
  readonly maxDelay?: number;
  /** Each failed attempt in a row multiplies the wait by this. Default 1.5. */
  readonly factor?: number;
  /** Failed attempts in a row before giving up; 0 turns reconnection off. Default 5. */
  readonly maxRetries?: number;
}

/** Options of {@link createStreamableHttpTransport}. */
export interface StreamableHttpOptions {
  /** The MCP endpoint: the one URL every message is POSTed to. */
  readonly url: string | URL;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds headers (credentials) to each request, just before it is sent. */
  readonly authorize?: (request: {
    readonly url: URL;
    readonly method: string;
  }) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /**
   * OAuth for a protected server (MCP basic/authorization): an {@link OAuthClient} from
   * `createOAuthClient`, or anything that implements {@link HttpAuth}. A `401` or `403` then runs
   * the authorization and sends the request again; the time the authorization takes (a user's
   * included) does not count against request timeouts.
   */
  readonly auth?: HttpAuth;
  /** Reconnection of SSE streams (resumption with `Last-Event-ID`, the standalone GET stream). */
  readonly reconnect?: ReconnectPolicy;
  /** Open the standalone GET stream once a legacy session is initialised. Default true. */
  readonly standaloneStream?: boolean;
  /**
   * MCP 2025-03-26..2025-11-25: a 404 to a message that carried the session id means the server
   * ended the session, and the client must start a new one. With `true` (the default) the
   * transport initialises a new session (the session's `initialize` and
   * `notifications/initialized` again, once for all the messages that met the same 404) and sends
   * the message again in it. Bounded: a message is sent again at most once, and a session made by
   * a renewal is renewed again only after the server answered some message in it; a 404 to a
   * renewed session the server never answered in, a renewal that fails, or any 404 with `false`,
   * closes the connection with a {@link SessionExpiredError} (every pending call rejects with
   * `CONNECTION_CLOSED`, that error as its cause). The session never goes on without a session id.
   */
  readonly renewSession?: boolean;
  /**
   * The largest SSE event (the bytes of its lines) or JSON body accepted, bytes. Past it the
   * stream is closed at once and its request fails with `MESSAGE_TOO_LARGE` (on the standalone GET
   * stream: a stream exception, and the stream is given up). Default
   * {@link DEFAULT_MAX_MESSAGE_BYTES} (32 MiB), as for a stdio line.
   */
  readonly maxMessageBytes?: number;
  /** Waits `ms`, rejecting if `signal` aborts first. Default: `setTimeout`. */
  readonly delay?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A Streamable HTTP transport, with what it learnt from the server. */
export interface StreamableHttpTransport extends Transport {
  /** The legacy session id the server gave, if any. */
  readonly sessionId: string | undefined;
  /** The protocol version sent in `MCP-Protocol-Version`, once negotiated. */
  readonly protocolVersion: string | undefined;
}

type Id = string | number;

/** Whether two JSON-RPC ids name the same request (`7` and `"7"` do). */
function sameId(a: Id, b: Id): boolean {
  return String(a) === String(b);
}

/**
 * The state one transport's pieces share (the session, its renewal, the standalone stream, the
 * open fetches), and what they ask of it: each piece sees it through its own small interface.
 */
class StreamableHttpConnection implements PostLink, RenewalLink, ListeningLink {
  readonly url: URL;
  readonly maxBytes: number;
  readonly fetch: typeof fetch;
  readonly delay: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly policy: ReconnectRules;
  readonly renewSession: boolean;
  readonly standaloneStream: boolean;
  readonly session: HttpSession;
  readonly renewal: SessionRenewal;
  readonly listening: ListeningStream;
  handlers: TransportHandlers | undefined;
  closed = false;
  /** Set when the transport closed itself: ending the session (DELETE), which `close()` awaits. */
  ending: Promise<void> | undefined;
  readonly inFlight = new Set<AbortController>();
  readonly byId = new Map<Id, AbortController>();
  readonly intercepts = new Map<string, (message: Record<string, unknown>) => void>();

  constructor(options: StreamableHttpOptions) {
    const url = new URL(options.url);
    this.url = url;
    this.maxBytes = checkMaxMessageBytes(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
    const baseFetch = options.fetch ?? globalThis.fetch;
    this.fetch =
      options.auth === undefined
        ? baseFetch
        : options.auth.wrapFetch(url, baseFetch, {
            authorizing: (active) => this.handlers?.hold?.(active),
          });
    this.delay = options.delay ?? defaultDelay;
    this.policy = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.renewSession = options.renewSession !== false;
    this.standaloneStream = options.standaloneStream !== false;
    this.session = new HttpSession({ url, fetch: this.fetch, options });
    this.renewal = new SessionRenewal(this);
    this.listening = new ListeningStream(this);
  }

  report(event: TransportEvent): void {
    this.handlers?.event?.(event);
  }

  error(error: Error): void {
    this.handlers?.error(error);
  }

  lose(id: Id, error: Error): void {
    const handlers = this.handlers;
    if (handlers?.lost !== undefined) handlers.lost(id, error);
    else handlers?.error(error);
  }

  timeLeft(id: Id): number {
    return this.handlers?.timeLeft?.(id) ?? Infinity;
  }

  openListening(): void {
    this.listening.open();
  }

  stopListening(): void {
    this.listening.abort();
  }

  /** Stops all traffic: every fetch is aborted, nothing more is sent. */
  stop(): void {
    this.closed = true;
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
    this.byId.clear();
  }

  fail(reason: Error, live: string | undefined): Error {
    if (this.closed) return reason;
    this.stop();
    this.session.id = live;
    this.ending = live === undefined ? undefined : this.session.end();
    this.handlers?.closed(reason);
    return reason;
  }

  deliver(value: unknown, stream: StreamState | undefined): void {
    for (const m of Array.isArray(value) ? value : [value]) {
      const message = m as Record<string, unknown> & { result?: { protocolVersion?: unknown } };
      const id = message.id;
      const isResponse = 'result' in message || 'error' in message;
      if (isResponse && (typeof id === 'string' || typeof id === 'number')) {
        if (stream?.requestId !== undefined && sameId(id, stream.requestId)) stream.answered = true;
        const intercept = this.intercepts.get(String(id));
        if (intercept !== undefined) {
          intercept(message);
          continue;
        }
        if (this.session.initializeIds.delete(id)) {
          const v = message.result?.protocolVersion;
          if (typeof v === 'string') this.session.protocolVersion = v;
        }
      }
      this.handlers?.message(m);
    }
  }

  /**
   * A `notifications/cancelled`: on 2026-07-28 Streamable HTTP, closing the request's response
   * stream is the cancellation (the revision has no client notifications over HTTP); on legacy,
   * the notification cancels, and the request's stream is then of no use.
   */
  async cancel(message: JsonRpcNotification): Promise<void> {
    // Any id but a string or number is in no request's entry: nothing to abort then.
    const abort = (): void => this.byId.get(message.params?.requestId as Id)?.abort();
    if (this.session.modern) {
      abort();
      return;
    }
    try {
      await post(this, message, false);
    } finally {
      abort();
    }
  }
}

/**
 * A Streamable HTTP transport (MCP 2025-03-26 and later): each message is a POST to `url`,
 * answered with JSON or an SSE stream; resumption, the standalone GET stream and session renewal
 * are handled here (see docs/transports.md). Runtime-neutral: only `fetch` and web streams.
 *
 * @example
 * ```ts
 * import { createClientSession, createStreamableHttpTransport } from 'mcp-actors';
 *
 * const transport = createStreamableHttpTransport({
 *   url: 'https://example.com/mcp',
 *   authorize: () => ({ authorization: `Bearer ${process.env.MCP_TOKEN ?? ''}` }),
 *   reconnect: { maxRetries: 3 },
 * });
 * const session = createClientSession({ transport });
 * await session.connect();
 * console.log(transport.sessionId, transport.protocolVersion);
 * ```
 */
export function createStreamableHttpTransport(
  options: StreamableHttpOptions,
): StreamableHttpTransport {
  const connection = new StreamableHttpConnection(options);
  const session = connection.session;
  return {
    get sessionId() {
      return session.id;
    },
    get protocolVersion() {
      return session.protocolVersion;
    },

    get extensions() {
      return options.auth?.extensions;
    },

    start(h: TransportHandlers) {
      // Closed before it started: the session's connect fails at once, as with nothing to send to.
      if (connection.closed) {
        return Promise.reject(
          new McpLocalError(
            'CONNECTION_CLOSED',
            'The HTTP transport was closed before it started.',
          ),
        );
      }
      connection.handlers = h;
    },

    useToolSchemas(lookup) {
      session.toolLookup = lookup;
    },

    async send(message: JsonRpcMessage) {
      if (connection.closed) throw transportClosed();
      // Stryker disable next-line ConditionalExpression: narrows `message` for TypeScript; true changes nothing: noteSent() takes a response (no method, no stamp) for no handshake, and it is no cancellation
      if ('method' in message) {
        session.noteSent(message);
        if (message.method === 'notifications/cancelled') return connection.cancel(message);
      }
      await post(connection, message, false);
    },

    async close() {
      if (connection.closed) {
        await connection.ending;
        return;
      }
      connection.stop();
      if (session.id !== undefined) await session.end();
      connection.handlers?.closed();
    },
  };
}
