import type { HttpAuth } from '../auth/oauth.js';
import { AuthorizationError, McpLocalError, reasonText } from '../errors.js';
import { isErrorObject, type JsonRpcMessage, type JsonRpcRequest } from '../jsonrpc.js';
import { isModernVersion } from '../protocol/revisions.js';
import { headerParamsOf, requestHeaders, type ToolHeaderInfo } from '../protocol/http-headers.js';
import type { Transport, TransportEvent, TransportHandlers } from '../transport.js';

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
 *                        │ refused (405/404) or `maxRetries` failures in a row
 *                        ▼
 *                      lost ── the request fails at once with a typed error
 *        ──404 with a legacy session──▶ renewing (initialize again, once) ──▶ posted again
 *        ──other 4xx/5xx──▶ HttpError (the request fails with SEND_FAILED, the HttpError as cause)
 * ```
 *
 * The legacy standalone GET stream (server requests and notifications) opens once the session is
 * initialised, follows the same reconnection rules, and is given up quietly on 405/404.
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
  /** On 404 for a request with a legacy session id, initialise a new session once and replay. Default true. */
  readonly renewSession?: boolean;
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
  constructor(
    status: number,
    statusText: string,
    body: string,
    what: string,
    contentType?: string,
  ) {
    super(
      'TRANSPORT_ERROR',
      contentType === undefined
        ? `HTTP ${status} ${statusText} for ${what}${body.trim() === '' ? '' : `: ${body.trim().slice(0, 200)}`}.`
        : `HTTP ${status} for ${what} came with Content-Type ${JSON.stringify(contentType)}, neither application/json nor text/event-stream.`,
    );
    this.status = status;
    this.body = body;
    this.contentType = contentType;
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

type FollowOutcome = 'answered' | 'aborted' | 'refused' | 'exhausted';

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
  let protocolVersion: string | undefined;
  let closed = false;
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
  /** Responses the transport awaits itself (the renewal's initialize), by id. */
  const intercepts = new Map<string, (message: Record<string, unknown>) => void>();
  let standalone: AbortController | undefined;
  let toolLookup: ((name: string) => ToolHeaderInfo | undefined) | undefined;

  const report = (event: TransportEvent): void => handlers?.event?.(event);

  const lose = (id: Id, error: Error): void => {
    if (handlers?.lost !== undefined) handlers.lost(id, error);
    else handlers?.error(error);
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

  /** Reads one SSE body to its end, delivering its messages; throws if reading fails. */
  const readSse = async (body: ReadableStream<Uint8Array>, stream: StreamState): Promise<void> => {
    // Loaded on the first SSE answer: importing the package stays cheap.
    const { createParser } = await import('eventsource-parser');
    const parser = createParser({
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
    });
    const decoder = new TextDecoder();
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
  };

  /** The wait before reconnection attempt `failures` (0 = after a stream that ended normally). */
  const waitFor = (stream: StreamState, failures: number): number =>
    Math.min(
      policy.maxDelay,
      (stream.retry ?? policy.initialDelay) * Math.pow(policy.factor, failures),
    );

  /**
   * Reads a stream with GET, reconnecting with `Last-Event-ID`, until its response arrives, the
   * signal aborts, the server refuses (405, 404), or `maxRetries` attempts in a row fail. A stream
   * that opens resets the count: a server that closes streams to be polled (2025-11-25) is
   * followed for as long as the request lives.
   */
  const follow = async (
    stream: StreamState,
    signal: AbortSignal,
    waitFirst: boolean,
  ): Promise<FollowOutcome> => {
    let failures = 0;
    let wait = waitFirst;
    for (;;) {
      if (closed || signal.aborted) return 'aborted';
      if (failures > 0 && failures >= policy.maxRetries) return 'exhausted';
      if (wait) {
        try {
          await delay(waitFor(stream, failures), signal);
        } catch {
          return 'aborted';
        }
      }
      wait = true;
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'GET',
          headers: await headersFor(undefined, 'GET', stream.lastEventId),
          signal,
        });
      } catch (error) {
        if (signal.aborted) return 'aborted';
        // An authorization that failed is not retried here: the requests will say why.
        if (error instanceof AuthorizationError) return 'refused';
        failures++;
        continue;
      }
      if (response.status === 405 || response.status === 404) {
        await response.body?.cancel().catch(() => {});
        return 'refused';
      }
      if (!response.ok || response.body === null || !isSse(response)) {
        await response.body?.cancel().catch(() => {});
        failures++;
        continue;
      }
      failures = 0;
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
      } catch {
        if (signal.aborted) return 'aborted';
      }
      if (stream.answered) return 'answered';
    }
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
    // MCP 2025-03-26..2025-11-25: a broken stream is resumed with GET + Last-Event-ID; a 2026
    // stream is never resumed (the request is lost, and the server has cancelled it).
    if (!modern && stream.lastEventId !== undefined && policy.maxRetries > 0) {
      const outcome = await follow(stream, controller.signal, true);
      if (outcome === 'answered' || outcome === 'aborted') return;
      failure =
        outcome === 'refused'
          ? 'the server refused to resume it'
          : `${policy.maxRetries} attempts to resume it failed`;
    }
    const id = stream.requestId;
    if (id === undefined) return;
    lose(
      id,
      new McpLocalError(
        'TRANSPORT_ERROR',
        `The response stream of ${stream.what} ended before its response${failure === undefined ? '' : `: ${reasonText(failure)}`}.`,
        failure instanceof Error ? { cause: failure } : undefined,
      ),
    );
  };

  /** A request's JSON answer: deliver it, or lose the request at once if it is not there. */
  const consumeJson = async (response: Response, stream: StreamState): Promise<void> => {
    const text = await response.text();
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
      if (outcome === 'exhausted') {
        report({
          type: 'stream-lost',
          message: `The standalone GET stream could not be reopened after ${policy.maxRetries} attempts; server messages outside requests will not arrive.`,
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
      const sid = response.headers.get('mcp-session-id');
      if (sid !== null) sessionId = sid;
      if (!response.ok) {
        const text = await response.text().catch(() => '');
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
        else deliver(JSON.parse(await response.text()), stream);
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
   * the client MUST start a new one. Done once for all requests that met the same expiry.
   */
  const renew = (expired: string): Promise<void> => {
    if (renewing !== undefined) return renewing;
    if (sessionId !== expired) return Promise.resolve(); // renewed already
    renewing = (async () => {
      sessionId = undefined;
      standalone?.abort();
      if (initializeMessage === undefined) {
        throw new McpLocalError(
          'TRANSPORT_ERROR',
          'The server says the session expired, and there is no initialize request to repeat.',
        );
      }
      renewals++;
      const answer = await postOwn({ ...initializeMessage, id: `mcp-actors-renewal-${renewals}` });
      if (answer?.error !== undefined) {
        const e = answer.error as { code?: unknown; message?: unknown };
        throw new McpLocalError(
          'TRANSPORT_ERROR',
          `Initialising a new session failed: error ${String(e.code)} ${String(e.message)}.`,
        );
      }
      const v = (answer?.result as { protocolVersion?: unknown } | undefined)?.protocolVersion;
      if (typeof v === 'string') protocolVersion = v;
      if (initializedMessage !== undefined) await postOwn(initializedMessage);
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

  const post = async (message: JsonRpcMessage, replay: boolean, resent = false): Promise<void> => {
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
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: await headersFor(message, 'POST'),
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
        return post(message, replay, true);
      }
      throw new McpLocalError(
        'TRANSPORT_ERROR',
        `POST for ${describeMessage(message)} failed: ${reasonText(error)}`,
        { cause: error },
      );
    }
    const sid = response.headers.get('mcp-session-id');
    if (sid !== null) sessionId = sid;
    if (!response.ok) {
      forget();
      const text = await response.text().catch(() => '');
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
        if (requestId !== undefined && !(response.status === 404 && sentSession !== undefined)) {
          deliver({ ...parsed, jsonrpc: '2.0', id: requestId });
          return;
        }
      }
      if (
        response.status === 404 &&
        sentSession !== undefined &&
        request?.method !== 'initialize'
      ) {
        if (options.renewSession !== false && !replay) {
          await renew(sentSession);
          return post(message, true);
        }
        if (sessionId === sentSession) sessionId = undefined;
      }
      throw new HttpError(response.status, response.statusText, text, describeMessage(message));
    }
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
            `Reading the answer to ${stream.what} failed: ${reasonText(error)}`,
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
      if (closed) throw new McpLocalError('CONNECTION_CLOSED', 'The HTTP transport is closed.');
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
      if (closed) return;
      closed = true;
      for (const c of inFlight) c.abort();
      inFlight.clear();
      byId.clear();
      if (sessionId !== undefined) {
        // MCP legacy Streamable HTTP: the client SHOULD end its session with DELETE (405 tolerated).
        try {
          const response = await doFetch(url, {
            method: 'DELETE',
            headers: await headersFor(undefined, 'DELETE'),
          });
          await response.body?.cancel().catch(() => {});
        } catch {
          // The server may be gone already.
        }
      }
      handlers?.closed();
    },
  };
}
