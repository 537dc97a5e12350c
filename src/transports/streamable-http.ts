import type { HttpAuth } from '../auth/types.js';
import { AuthorizationError, McpLocalError, StreamError, reasonText } from '../errors/errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/line.js';
import { isErrorObject, type JsonRpcMessage, type JsonRpcRequest } from '../wire/jsonrpc.js';
import { isModernVersion } from '../protocol/revisions.js';
import { clause, MAX_MESSAGE_BYTES_HINT } from '../errors/sentences.js';
import { headerParamsOf, requestHeaders, type ToolHeaderInfo } from '../protocol/http-headers.js';
import type { Transport, TransportEvent, TransportHandlers } from '../wire/transport.js';
import {
  checkMaxMessageBytes,
  corsNote,
  failureText,
  isCorsResponse,
  readCappedText,
  readSseEvents,
  sseEventTooLarge,
} from './http-support.js';

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

/**
 * Whether a failed `fetch` is a connection reset or closed by the peer before any answer
 * (`ECONNRESET`, `EPIPE`, undici's `UND_ERR_SOCKET`), rather than a refusal or a DNS failure.
 */
function connectionReset(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return true;
    e = e.cause;
  }
  return false;
}

/** Said with a refusal of a message sent without a session id that a web page may not have seen. */
const HIDDEN_SESSION_NOTE =
  'The answer to initialize carried no Mcp-Session-Id that this page can read: if the server keeps sessions, its CORS must expose the header (Access-Control-Expose-Headers: Mcp-Session-Id).';

/**
 * An HTTP answer that carried no JSON-RPC message: the status and what the body said.
 *
 * @example
 * ```ts
 * import { createClientSession, createStreamableHttpTransport, HttpError } from 'mcp-actors';
 *
 * const transport = createStreamableHttpTransport({ url: 'https://example.com/mcp' });
 * const session = createClientSession({ transport });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof HttpError && error.status === 401) console.log('log in first:', error.body);
 * }
 * ```
 */
export class HttpError extends McpLocalError {
  override name = 'HttpError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly status: number;
  readonly body: string;
  /** The answer's `Content-Type`, when that is what was wrong with it. */
  readonly contentType: string | undefined;
  /**
   * @param note What may lie behind the answer, said after it (such as a CORS setting that hides
   *   the session id from a web page).
   */
  constructor(
    status: number,
    statusText: string,
    body: string,
    what: string,
    contentType?: string,
    note?: string,
  ) {
    super(
      'TRANSPORT_ERROR',
      (contentType === undefined
        ? `HTTP ${status} ${statusText} for ${what}${body.trim() === '' ? '' : `: ${clause(body.trim().slice(0, 200))}`}.`
        : `HTTP ${status} for ${what} came with Content-Type ${JSON.stringify(contentType)}, neither application/json nor text/event-stream.`) +
        (note === undefined ? '' : ` ${note}`),
    );
    this.status = status;
    this.body = body;
    this.contentType = contentType;
  }
}

/** Why a session the server ended could not be followed by a new one, in `SessionExpiredError.reason`. */
export type SessionExpiry =
  /** `renewSession: false`. */
  | 'renewal-off'
  /** Initialising a new session failed (`cause` says why), or there was no `initialize` to repeat. */
  | 'renewal-failed'
  /** The server ended a session made by a renewal before answering anything in it. */
  | 'refused-again';

/**
 * The server ended the legacy Streamable HTTP session (a 404 to a message carrying its id) and no
 * new session could take its place: the connection is closed with this error, the `cause` of
 * every pending call's `CONNECTION_CLOSED` (see `StreamableHttpOptions.renewSession`).
 *
 * @example
 * ```ts
 * import {
 *   ConnectionClosedError,
 *   createClientSession,
 *   createStreamableHttpTransport,
 *   SessionExpiredError,
 * } from 'mcp-actors';
 *
 * const session = createClientSession({
 *   transport: createStreamableHttpTransport({ url: 'https://example.com/mcp' }),
 * });
 * await session.connect();
 * try {
 *   await session.listTools();
 * } catch (error) {
 *   if (error instanceof ConnectionClosedError && error.cause instanceof SessionExpiredError) {
 *     console.log(error.cause.reason, error.cause.sessionId); // for example 'refused-again'
 *   }
 * }
 * ```
 */
export class SessionExpiredError extends McpLocalError {
  override name = 'SessionExpiredError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly reason: SessionExpiry;
  /** The session id the server answered 404 for. */
  readonly sessionId: string;
  constructor(reason: SessionExpiry, sessionId: string, message: string, cause?: unknown) {
    super('TRANSPORT_ERROR', message, {
      ...(cause === undefined ? {} : { cause }),
      hint: { text: 'Create a new session to reconnect.' },
    });
    this.reason = reason;
    this.sessionId = sessionId;
  }
}

/** A Streamable HTTP transport, with what it learnt from the server. */
export interface StreamableHttpTransport extends Transport {
  /** The legacy session id the server gave, if any. */
  readonly sessionId: string | undefined;
  /** The protocol version sent in `MCP-Protocol-Version`, once negotiated. */
  readonly protocolVersion: string | undefined;
}

type Id = string | number;

/** What one SSE stream has carried so far; a resumed stream goes on with the same state. */
interface StreamState {
  /** The request whose response this stream carries (none for the standalone GET stream). */
  readonly requestId: Id | undefined;
  /** For a person: what the stream answers. */
  readonly what: string;
  lastEventId: string | undefined;
  /** The server's `retry`, ms. */
  retry: number | undefined;
  answered: boolean;
  /** Events read, across reconnections. */
  events: number;
}

/** How following a stream ended; `cause` is the last failure (an error of `fetch`, an `HttpError`, …). */
type FollowOutcome =
  | { readonly kind: 'answered' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'refused'; readonly cause: Error }
  | { readonly kind: 'exhausted'; readonly cause: Error | undefined }
  | {
      readonly kind: 'out-of-time';
      readonly cause: Error;
      readonly wait: number;
      readonly left: number;
    }
  | { readonly kind: 'too-large'; readonly cause: StreamError };

const DEFAULT_RECONNECT = { initialDelay: 1_000, maxDelay: 30_000, factor: 1.5, maxRetries: 5 };

function describeMessage(message: JsonRpcMessage): string {
  return 'method' in message ? message.method : 'a response';
}

function sameId(a: unknown, b: Id): boolean {
  return (typeof a === 'string' || typeof a === 'number') && String(a) === String(b);
}

function isSse(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().includes('text/event-stream');
}

function isTooLarge(error: unknown): error is StreamError {
  return error instanceof StreamError && error.code === 'MESSAGE_TOO_LARGE';
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(reasonText(value));
}

function isJson(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().includes('application/json');
}

function defaultDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
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
  const url = new URL(options.url);
  const maxBytes = checkMaxMessageBytes(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  let handlers: TransportHandlers | undefined;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const doFetch =
    options.auth === undefined
      ? baseFetch
      : options.auth.wrapFetch(url, baseFetch, {
          authorizing: (active) => handlers?.hold?.(active),
        });
  const delay = options.delay ?? defaultDelay;
  const policy = { ...DEFAULT_RECONNECT, ...options.reconnect };
  let sessionId: string | undefined;
  /**
   * The answer to `initialize` came through CORS with no `Mcp-Session-Id` to read: either the
   * server keeps no sessions, or its CORS does not expose the header.
   */
  let hiddenSessionId = false;
  let protocolVersion: string | undefined;
  let closed = false;
  /** Set when the transport closed itself: ending the session (DELETE), which `close()` awaits. */
  let ending: Promise<void> | undefined;
  /** Every open fetch (POSTs, their streams, GETs), aborted on close. */
  const inFlight = new Set<AbortController>();
  /** The POST (and stream) of each request still being answered, by request id. */
  const byId = new Map<Id, AbortController>();
  /** Whether requests carry 2026 stamps: then cancelling a request is aborting its POST. */
  let modern = false;
  /** Ids of outgoing `initialize` requests, to read the negotiated version from their responses. */
  const initializeIds = new Set<Id>();
  /** The session's `initialize` and `notifications/initialized`, repeated to renew an expired session. */
  let initializeMessage: JsonRpcRequest | undefined;
  let initializedMessage: JsonRpcMessage | undefined;
  let renewing: Promise<void> | undefined;
  let renewals = 0;
  /** The current session was made by a renewal, and the server has answered no message in it yet. */
  let renewedUnanswered = false;
  /** Responses the transport awaits itself (the renewal's initialize), by id. */
  const intercepts = new Map<string, (message: Record<string, unknown>) => void>();
  let standalone: AbortController | undefined;
  let toolLookup: ((name: string) => ToolHeaderInfo | undefined) | undefined;

  const report = (event: TransportEvent): void => handlers?.event?.(event);

  const lose = (id: Id, error: Error): void => {
    if (handlers?.lost !== undefined) handlers.lost(id, error);
    else handlers?.error(error);
  };

  const closedError = (): McpLocalError =>
    new McpLocalError('CONNECTION_CLOSED', 'The HTTP transport is closed.');

  /** MCP legacy Streamable HTTP: the client SHOULD end its session with DELETE (405 tolerated). */
  const endSession = async (): Promise<void> => {
    try {
      const response = await doFetch(url, {
        method: 'DELETE',
        headers: await headersFor(undefined, 'DELETE'),
      });
      await response.body?.cancel().catch(() => {});
    } catch {
      // The server may be gone already.
    }
  };

  /** Stops all traffic: every fetch is aborted, nothing more is sent. */
  const stop = (): void => {
    closed = true;
    for (const c of inFlight) c.abort();
    inFlight.clear();
    byId.clear();
  };

  /**
   * The connection cannot go on: stops, ends a session the server still knows (`live`), and tells
   * the session at once, so that every pending call rejects with `reason`. Returns `reason`.
   */
  const fail = (reason: Error, live: string | undefined): Error => {
    if (closed) return reason;
    stop();
    sessionId = live;
    ending = live === undefined ? undefined : endSession();
    handlers?.closed(reason);
    return reason;
  };

  const deliver = (value: unknown, stream?: StreamState): void => {
    for (const m of Array.isArray(value) ? value : [value]) {
      const message = m as Record<string, unknown> & { result?: { protocolVersion?: unknown } };
      const id = message.id;
      const isResponse = 'result' in message || 'error' in message;
      if (isResponse && (typeof id === 'string' || typeof id === 'number')) {
        if (stream?.requestId !== undefined && sameId(id, stream.requestId)) stream.answered = true;
        const intercept = intercepts.get(String(id));
        if (intercept !== undefined) {
          intercept(message);
          continue;
        }
        if (initializeIds.delete(id)) {
          const v = message.result?.protocolVersion;
          if (typeof v === 'string') protocolVersion = v;
        }
      }
      handlers?.message(m);
    }
  };

  /** MCP 2026-07-28: `Mcp-Param-*` headers need the called tool's schema, when it is known and valid. */
  const toolOf = (message: JsonRpcMessage): ToolHeaderInfo | undefined => {
    if (!('method' in message) || message.method !== 'tools/call' || toolLookup === undefined)
      return undefined;
    const name = message.params?.name;
    const tool = typeof name === 'string' ? toolLookup(name) : undefined;
    return tool !== undefined && headerParamsOf(tool.inputSchema).ok ? tool : undefined;
  };

  const headersFor = async (
    message: JsonRpcMessage | undefined,
    method: 'POST' | 'GET' | 'DELETE',
    lastEventId?: string,
  ): Promise<Headers> => {
    const headers = new Headers(options.headers);
    headers.set(
      'Accept',
      method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
    );
    if (message !== undefined) headers.set('Content-Type', 'application/json');
    if (sessionId !== undefined) headers.set('Mcp-Session-Id', sessionId);
    if (lastEventId !== undefined) headers.set('Last-Event-ID', lastEventId);
    const stamped =
      message !== undefined && 'method' in message
        ? (message.params?._meta as Record<string, unknown> | undefined)?.[
            'io.modelcontextprotocol/protocolVersion'
          ]
        : undefined;
    if (
      message !== undefined &&
      'method' in message &&
      typeof stamped === 'string' &&
      isModernVersion(stamped)
    ) {
      // MCP 2026-07-28: the request metadata headers on every POST.
      const mirrored = requestHeaders(message, stamped, toolOf(message));
      for (const [k, v] of Object.entries(mirrored)) headers.set(k, v);
    } else if (protocolVersion !== undefined) {
      headers.set('MCP-Protocol-Version', protocolVersion);
    }
    if (options.authorize !== undefined) {
      for (const [k, v] of Object.entries(await options.authorize({ url, method })))
        headers.set(k, v);
    }
    return headers;
  };

  /**
   * MCP 2025-03-26..2025-11-25: the session id comes with the initialize response. Taken from an
   * `initialize`'s answer, or from any answer while there is no session; never on 2026 (no
   * sessions), and never from a late answer in a session a renewal has replaced.
   */
  const takeSessionId = (response: Response, initialize: boolean): void => {
    const sid = response.headers.get('mcp-session-id');
    if (sid !== null && !modern && (initialize || sessionId === undefined)) sessionId = sid;
    if (initialize && response.ok) hiddenSessionId = sid === null && isCorsResponse(response);
  };

  /** The error body of an answer, for a person: read up to the cap, empty if unreadable. */
  const errorBody = (response: Response): Promise<string> =>
    readCappedText(response.body, maxBytes, () => new Error('too large')).catch(() => '');

  /** Reads one SSE body to its end, delivering its messages; throws if reading fails. */
  const readSse = (body: ReadableStream<Uint8Array>, stream: StreamState): Promise<void> =>
    readSseEvents(
      body,
      maxBytes,
      {
        onId: (id) => {
          stream.lastEventId = id;
        },
        onRetry: (ms) => {
          stream.retry = ms;
        },
        onEvent: (event) => {
          stream.events++;
          if (event.event !== undefined && event.event !== 'message') return;
          if (event.data.trim() === '') return; // a priming event
          let parsed: unknown;
          try {
            parsed = JSON.parse(event.data);
          } catch (cause) {
            handlers?.error(
              new McpLocalError(
                'INVALID_JSON',
                `An SSE event's data is not JSON: ${event.data.slice(0, 120)}`,
                { cause },
              ),
            );
            return;
          }
          deliver(parsed, stream);
        },
      },
      () => sseEventTooLarge(maxBytes, stream.what),
    );

  /** The wait before reconnection attempt `failures` (0 = after a stream that ended normally). */
  const waitFor = (stream: StreamState, failures: number): number =>
    Math.min(
      policy.maxDelay,
      (stream.retry ?? policy.initialDelay) * Math.pow(policy.factor, failures),
    );

  /**
   * Reads a stream with GET, reconnecting with `Last-Event-ID`, until its response arrives, the
   * signal aborts, the server refuses (405, 404), `maxRetries` attempts in a row fail, or (for a
   * request's stream, once something failed) the next attempt would come after the request's
   * timeout. A stream that opens resets the count: a server that closes streams to be polled
   * (2025-11-25) is followed for as long as the request lives. `failure` is why the stream broke,
   * if it did.
   */
  const follow = async (
    stream: StreamState,
    signal: AbortSignal,
    waitFirst: boolean,
    failure?: Error,
  ): Promise<FollowOutcome> => {
    let failures = 0;
    let wait = waitFirst;
    let cause = failure;
    for (;;) {
      if (closed || signal.aborted) return { kind: 'aborted' };
      if (failures > 0 && failures >= policy.maxRetries) return { kind: 'exhausted', cause };
      if (wait) {
        const ms = waitFor(stream, failures);
        // Resuming never outlasts the request: when the next attempt would come after its
        // timeout, the request fails now, with what went wrong.
        const left =
          cause !== undefined && stream.requestId !== undefined
            ? (handlers?.timeLeft?.(stream.requestId) ?? Infinity)
            : Infinity;
        if (cause !== undefined && ms >= left) {
          return { kind: 'out-of-time', cause, wait: ms, left };
        }
        try {
          await delay(ms, signal);
        } catch {
          return { kind: 'aborted' };
        }
      }
      wait = true;
      // A renewal under way: the GET goes with the new session's id.
      if (renewing !== undefined) await renewing.catch(() => {});
      if (closed || signal.aborted) return { kind: 'aborted' };
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'GET',
          headers: await headersFor(undefined, 'GET', stream.lastEventId),
          signal,
        });
      } catch (error) {
        if (signal.aborted) return { kind: 'aborted' };
        // An authorization that failed is not retried here: the requests will say why.
        if (error instanceof AuthorizationError) return { kind: 'refused', cause: error };
        failures++;
        cause = asError(error);
        continue;
      }
      if (response.status === 405 || response.status === 404) {
        const body = await errorBody(response);
        return {
          kind: 'refused',
          cause: new HttpError(response.status, response.statusText, body, `GET ${stream.what}`),
        };
      }
      if (!response.ok || response.body === null || !isSse(response)) {
        const body = response.ok ? '' : await errorBody(response);
        if (response.ok) await response.body?.cancel().catch(() => {});
        failures++;
        cause = new HttpError(
          response.status,
          response.statusText,
          body,
          `GET ${stream.what}`,
          response.ok ? (response.headers.get('content-type') ?? '') : undefined,
        );
        continue;
      }
      failures = 0;
      cause = undefined;
      if (stream.lastEventId !== undefined) {
        report({
          type: 'stream-resumed',
          message: `Resumed the stream of ${stream.what} after event ${JSON.stringify(stream.lastEventId)}.`,
          lastEventId: stream.lastEventId,
          requestId: stream.requestId,
        });
      }
      try {
        await readSse(response.body, stream);
      } catch (error) {
        if (signal.aborted) return { kind: 'aborted' };
        if (isTooLarge(error)) return { kind: 'too-large', cause: error };
        cause = asError(error);
      }
      if (stream.answered) return { kind: 'answered' };
    }
  };

  /** The error for a request whose stream could not be resumed. */
  const unresumable = (
    stream: StreamState,
    outcome: Exclude<FollowOutcome, { kind: 'answered' | 'aborted' | 'too-large' }>,
  ): McpLocalError => {
    const start = `The response stream of ${stream.what} ended before its response`;
    const cause = outcome.cause;
    const why = cause === undefined ? '' : failureText(cause);
    let text: string;
    if (outcome.kind === 'refused') {
      text = `${start}, and the server refused to resume it: ${why}`;
    } else if (outcome.kind === 'exhausted') {
      text = `${start}: ${policy.maxRetries} attempts to resume it failed${cause === undefined ? '' : `, the last with ${why}`}`;
    } else {
      text = `${start}: resuming it failed with ${why}, and the next attempt (in ${outcome.wait} ms) would come after the request's timeout (${Math.max(0, Math.round(outcome.left))} ms away)`;
    }
    return new McpLocalError(
      'TRANSPORT_ERROR',
      `${text.replace(/\.$/, '')}.`,
      cause === undefined ? undefined : { cause },
    );
  };

  /** A request's SSE answer: read it, resume it if it breaks, or lose the request at once. */
  const consumeSse = async (
    body: ReadableStream<Uint8Array>,
    stream: StreamState,
    controller: AbortController,
  ): Promise<void> => {
    let failure: unknown;
    try {
      await readSse(body, stream);
    } catch (error) {
      failure = error;
    }
    if (stream.answered || controller.signal.aborted || closed) return;
    const id = stream.requestId;
    if (id === undefined) return;
    if (isTooLarge(failure)) {
      lose(id, failure);
      return;
    }
    // MCP 2025-03-26..2025-11-25: a broken stream is resumed with GET + Last-Event-ID; a 2026
    // stream is never resumed (the request is lost, and the server has cancelled it).
    if (!modern && stream.lastEventId !== undefined && policy.maxRetries > 0) {
      const outcome = await follow(
        stream,
        controller.signal,
        true,
        failure === undefined ? undefined : asError(failure),
      );
      if (outcome.kind === 'answered' || outcome.kind === 'aborted') return;
      lose(id, outcome.kind === 'too-large' ? outcome.cause : unresumable(stream, outcome));
      return;
    }
    lose(
      id,
      new McpLocalError(
        'TRANSPORT_ERROR',
        `The response stream of ${stream.what} ended before its response${failure === undefined ? '' : `: ${clause(failureText(failure))}`}.`,
        failure instanceof Error ? { cause: failure } : undefined,
      ),
    );
  };

  /** A request's JSON answer: deliver it, or lose the request at once if it is not there. */
  const consumeJson = async (response: Response, stream: StreamState): Promise<void> => {
    let text: string;
    try {
      text = await readCappedText(response.body, maxBytes, () =>
        jsonTooLarge(stream.what, maxBytes),
      );
    } catch (error) {
      if (isTooLarge(error) && stream.requestId !== undefined) {
        lose(stream.requestId, error);
        return;
      }
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      if (stream.requestId !== undefined) {
        lose(
          stream.requestId,
          new McpLocalError(
            'INVALID_JSON',
            `The JSON answer to ${stream.what} is not JSON: ${text.slice(0, 120)}`,
            { cause },
          ),
        );
      }
      return;
    }
    deliver(parsed, stream);
    if (!stream.answered && stream.requestId !== undefined) {
      lose(
        stream.requestId,
        new McpLocalError(
          'TRANSPORT_ERROR',
          `The JSON answer to ${stream.what} held no response to it.`,
        ),
      );
    }
  };

  /** The legacy standalone GET stream: server requests and notifications outside any request. */
  const openStandalone = (): void => {
    if (options.standaloneStream === false || closed || modern || standalone !== undefined) return;
    const controller = new AbortController();
    standalone = controller;
    inFlight.add(controller);
    const stream: StreamState = {
      requestId: undefined,
      what: 'the standalone GET stream',
      lastEventId: undefined,
      retry: undefined,
      answered: false,
      events: 0,
    };
    void follow(stream, controller.signal, false).then((outcome) => {
      inFlight.delete(controller);
      if (standalone === controller) standalone = undefined;
      if (outcome.kind === 'too-large') {
        // Reopened, the stream would bring the same event again.
        handlers?.error(outcome.cause);
        report({
          type: 'stream-lost',
          message: `The standalone GET stream carried an event over ${maxBytes} bytes (maxMessageBytes) and was closed; server messages outside requests will not arrive.`,
        });
      } else if (outcome.kind === 'exhausted') {
        report({
          type: 'stream-lost',
          message: `The standalone GET stream could not be reopened after ${policy.maxRetries} attempts${outcome.cause === undefined ? '' : ` (the last: ${failureText(outcome.cause)})`}; server messages outside requests will not arrive.`,
          ...(outcome.cause === undefined ? {} : { cause: failureText(outcome.cause) }),
        });
      }
    });
  };

  /** POSTs a message the transport sends for itself and returns the response to it, if it is a request. */
  const postOwn = async (message: JsonRpcMessage): Promise<Record<string, unknown> | undefined> => {
    const controller = new AbortController();
    inFlight.add(controller);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: await headersFor(message, 'POST'),
        body: JSON.stringify(message),
        signal: controller.signal,
      });
      takeSessionId(response, 'method' in message && message.method === 'initialize');
      if (!response.ok) {
        const text = await errorBody(response);
        throw new HttpError(response.status, response.statusText, text, describeMessage(message));
      }
      if (!('id' in message) || !('method' in message)) {
        await response.body?.cancel().catch(() => {});
        return undefined;
      }
      const id = String(message.id);
      let answer: Record<string, unknown> | undefined;
      intercepts.set(id, (m) => (answer = m));
      try {
        const stream: StreamState = {
          requestId: id,
          what: describeMessage(message),
          lastEventId: undefined,
          retry: undefined,
          answered: false,
          events: 0,
        };
        if (isSse(response) && response.body !== null) await readSse(response.body, stream);
        else {
          const text = await readCappedText(response.body, maxBytes, () =>
            jsonTooLarge(stream.what, maxBytes),
          );
          deliver(JSON.parse(text), stream);
        }
      } finally {
        intercepts.delete(id);
      }
      if (answer === undefined)
        throw new McpLocalError('TRANSPORT_ERROR', `No response to ${describeMessage(message)}.`);
      return answer;
    } finally {
      inFlight.delete(controller);
    }
  };

  /**
   * MCP 2025-03-26..2025-11-25: a 404 for a request with a session id means the session expired;
   * the client MUST start a new one. Done once for all the messages that met the same expiry. When
   * it cannot be done (the session made by the last renewal was refused before any answer in it,
   * or initialising fails), the connection closes with a `SessionExpiredError`, which this throws.
   */
  const renew = (expired: string, refusal: HttpError): Promise<void> => {
    if (renewing !== undefined) return renewing;
    if (sessionId !== expired) return Promise.resolve(); // renewed already
    if (renewedUnanswered) {
      return Promise.reject(
        fail(
          new SessionExpiredError(
            'refused-again',
            expired,
            `The server ended session ${JSON.stringify(expired)} (HTTP 404), which a renewal had just made, before answering anything in it; the connection is closed rather than renewed again.`,
            refusal,
          ),
          undefined,
        ),
      );
    }
    renewing = (async () => {
      sessionId = undefined;
      standalone?.abort();
      try {
        if (initializeMessage === undefined) {
          throw new McpLocalError('TRANSPORT_ERROR', 'there is no initialize request to repeat');
        }
        renewals++;
        const answer = await postOwn({
          ...initializeMessage,
          id: `mcp-actors-renewal-${renewals}`,
        });
        if (answer?.error !== undefined) {
          const e = answer.error as { code?: unknown; message?: unknown };
          throw new McpLocalError(
            'TRANSPORT_ERROR',
            `the server answered initialize with error ${String(e.code)} ${String(e.message)}`,
          );
        }
        const v = (answer?.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
        if (typeof v === 'string') protocolVersion = v;
        if (initializedMessage !== undefined) await postOwn(initializedMessage);
      } catch (error) {
        if (closed) throw error;
        throw fail(
          new SessionExpiredError(
            'renewal-failed',
            expired,
            `The server ended session ${JSON.stringify(expired)} (HTTP 404), and initialising a new one failed: ${clause(failureText(error))}.`,
            error,
          ),
          sessionId,
        );
      }
      if (closed) throw closedError();
      renewedUnanswered = true;
      report({
        type: 'session-renewed',
        message: `The server ended session ${JSON.stringify(expired)} (HTTP 404); initialised session ${JSON.stringify(sessionId ?? null)} and sent the request again.`,
        previousSessionId: expired,
        sessionId,
      });
      openStandalone();
    })().finally(() => {
      renewing = undefined;
    });
    return renewing;
  };

  /** A 404 to `message`, sent in session `expired`: a new session, and the message again (once). */
  const expire = async (
    message: JsonRpcMessage,
    expired: string,
    replayed: boolean,
    refusal: HttpError,
  ): Promise<void> => {
    if (options.renewSession === false) {
      throw fail(
        new SessionExpiredError(
          'renewal-off',
          expired,
          `The server ended session ${JSON.stringify(expired)} (HTTP 404), and renewSession is off.`,
          refusal,
        ),
        undefined,
      );
    }
    await renew(expired, refusal);
    if (closed) throw closedError();
    // Sent again once; a message that meets a 404 twice fails (the session was renewed anyway).
    if (replayed) throw refusal;
    return post(message, true);
  };

  const post = async (
    message: JsonRpcMessage,
    replayed: boolean,
    resent = false,
  ): Promise<void> => {
    // Messages wait for a renewal under way: they belong to the new session.
    if (renewing !== undefined) await renewing.catch(() => {});
    if (closed) throw closedError();
    const controller = new AbortController();
    inFlight.add(controller);
    const request = 'method' in message && 'id' in message ? message : undefined;
    const requestId = request?.id;
    if (requestId !== undefined) byId.set(requestId, controller);
    const forget = (): void => {
      inFlight.delete(controller);
      if (requestId !== undefined && byId.get(requestId) === controller) byId.delete(requestId);
    };
    const sentSession = sessionId;
    let response: Response;
    let headers: Headers | undefined;
    try {
      headers = await headersFor(message, 'POST');
      response = await doFetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(message),
        signal: controller.signal,
      });
    } catch (error) {
      forget();
      if (error instanceof McpLocalError) throw error;
      // A kept-alive connection the server closed just as it was reused fails the POST before any
      // answer: sent again once, on a new connection (as browsers do for a reused socket).
      if (!resent && !controller.signal.aborted && !closed && connectionReset(error)) {
        report({
          type: 'post-resent',
          message: `The connection was reset before any answer to ${describeMessage(message)}; sent it again once.`,
          cause: reasonText(error),
        });
        return post(message, replayed, true);
      }
      throw new McpLocalError(
        'TRANSPORT_ERROR',
        `POST for ${describeMessage(message)} failed: ${failureText(error)}${headers === undefined ? '' : corsNote(error, url, headers)}`,
        { cause: error },
      );
    }
    takeSessionId(response, request?.method === 'initialize');
    if (!response.ok) {
      forget();
      const text = await errorBody(response);
      // MCP 2025-03-26..2025-11-25: a 404 to a message carrying the session id, whatever its
      // body, means the session has ended.
      if (
        response.status === 404 &&
        sentSession !== undefined &&
        !modern &&
        request?.method !== 'initialize'
      ) {
        const refusal = new HttpError(
          response.status,
          response.statusText,
          text,
          describeMessage(message),
        );
        return expire(message, sentSession, replayed, refusal);
      }
      // A JSON-RPC error in the body answers the request itself (2026: 400 + -32022, 404 + -32601;
      // an id-less error body answers the request this POST carried).
      let parsed: { id?: unknown; error?: unknown } | undefined;
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // Not JSON: an HTTP error.
      }
      if (parsed !== undefined && isErrorObject(parsed.error)) {
        if (parsed.id !== undefined && parsed.id !== null) {
          deliver(parsed);
          return;
        }
        if (requestId !== undefined) {
          deliver({ ...parsed, jsonrpc: '2.0', id: requestId });
          return;
        }
      }
      throw new HttpError(
        response.status,
        response.statusText,
        text,
        describeMessage(message),
        undefined,
        hiddenSessionId && sentSession === undefined && !modern ? HIDDEN_SESSION_NOTE : undefined,
      );
    }
    // The server answered in this session: a later 404 in it may be renewed again.
    if (sentSession !== undefined && sentSession === sessionId) renewedUnanswered = false;
    if (request === undefined) {
      forget();
      await response.body?.cancel().catch(() => {});
      if ('method' in message && message.method === 'notifications/initialized') openStandalone();
      return;
    }
    const stream: StreamState = {
      requestId: request.id,
      what: `request ${JSON.stringify(request.id)} (${request.method})`,
      lastEventId: undefined,
      retry: undefined,
      answered: false,
      events: 0,
    };
    const body = response.body;
    if (response.status === 202 || body === null) {
      forget();
      lose(
        request.id,
        new HttpError(response.status, response.statusText, '', `${stream.what}, with no body`),
      );
      return;
    }
    if (!isSse(response) && !isJson(response)) {
      forget();
      await body.cancel().catch(() => {});
      lose(
        request.id,
        new HttpError(
          response.status,
          response.statusText,
          '',
          stream.what,
          response.headers.get('content-type') ?? '',
        ),
      );
      return;
    }
    // The body streams on after send() returns; its end or failure settles the request.
    const consume = isSse(response)
      ? consumeSse(body, stream, controller)
      : consumeJson(response, stream);
    void consume
      .catch((error: unknown) => {
        if (controller.signal.aborted || closed) return;
        lose(
          request.id,
          new McpLocalError(
            'TRANSPORT_ERROR',
            `Reading the answer to ${stream.what} failed: ${failureText(error)}`,
            { cause: error },
          ),
        );
      })
      .finally(forget);
  };

  return {
    get sessionId() {
      return sessionId;
    },
    get protocolVersion() {
      return protocolVersion;
    },

    get extensions() {
      return options.auth?.extensions;
    },

    start(h: TransportHandlers) {
      handlers = h;
    },

    useToolSchemas(lookup) {
      toolLookup = lookup;
    },

    async send(message: JsonRpcMessage) {
      if (closed) throw closedError();
      if ('method' in message) {
        if (message.method === 'initialize' && 'id' in message) {
          initializeIds.add(message.id);
          initializeMessage = message;
          modern = false; // a handshake after a 2026 probe: the legacy era after all
        } else if (message.method === 'notifications/initialized') {
          initializedMessage = message;
        } else if ('id' in message) {
          const meta = message.params?._meta as Record<string, unknown> | undefined;
          const stamped = meta?.['io.modelcontextprotocol/protocolVersion'];
          if (typeof stamped === 'string' && isModernVersion(stamped)) modern = true;
        }
        if (message.method === 'notifications/cancelled') {
          const id = message.params?.requestId;
          const target = typeof id === 'string' || typeof id === 'number' ? id : undefined;
          if (modern) {
            // MCP 2026-07-28 Streamable HTTP: closing the request's response stream is the
            // cancellation; the revision has no client notifications over HTTP.
            if (target !== undefined) byId.get(target)?.abort();
            return;
          }
          // Legacy: the notification cancels; the request's stream is then of no use.
          try {
            await post(message, false);
          } finally {
            if (target !== undefined) byId.get(target)?.abort();
          }
          return;
        }
      }
      await post(message, false);
    },

    async close() {
      if (closed) {
        await ending;
        return;
      }
      stop();
      if (sessionId !== undefined) await endSession();
      handlers?.closed();
    },
  };
}

function jsonTooLarge(what: string, max: number): StreamError {
  return new StreamError(
    'MESSAGE_TOO_LARGE',
    `The JSON answer to ${what} passed ${max} bytes (maxMessageBytes); it was not read further.`,
    { hint: MAX_MESSAGE_BYTES_HINT },
  );
}
