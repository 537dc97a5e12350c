import type { HttpAuth } from '../auth/oauth.js';
import { McpLocalError, StreamError } from '../errors/errors.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../wire/line.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';
import { checkMaxMessageBytes, failureText, readCappedText } from './http/fetch-support.js';
import { readSseEvents, sseEventTooLarge } from './http/sse-events.js';
import { HttpError } from './streamable-http.js';

/**
 * HTTP+SSE (MCP 2024-11-05 basic/transports; deprecated since 2025-03-26): the client GETs an SSE
 * stream; the server's first event is `endpoint`, whose data is the URI the client POSTs every
 * message to; the server's messages arrive on the stream as `message` events with JSON data.
 *
 * This transport: resolves `start()` on the `endpoint` event, and rejects it with a typed error
 * when the stream cannot be opened, is not an event stream, ends or fails first, sends a message
 * first, stays silent past `endpointTimeout`, or names an endpoint on another origin (a server may
 * only direct the client's messages to itself); reports an event whose data is not JSON as a stream exception and goes on; POSTs each
 * message with `Content-Type: application/json` and takes any 2xx as accepted (usually 202),
 * throwing an `HttpError` for any other status; closes with an `SseTransportError` when the server
 * ends the stream, and with a `MESSAGE_TOO_LARGE` `StreamError` as soon as an event passes
 * `maxMessageBytes` (the one stream carries every answer: it cannot go on past an event it
 * dropped).
 *
 * Runtime-neutral: only `fetch`, streams and `TextDecoder`.
 */

/** Options of {@link createSseTransport}. */
export interface SseOptions {
  /** The SSE endpoint: the URL the client GETs. */
  readonly url: string | URL;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds headers (credentials) to each request (the GET and every POST), just before it is sent. */
  readonly authorize?: (request: {
    readonly url: URL;
    readonly method: string;
  }) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  /**
   * OAuth for a protected server: an `OAuthClient` from `createOAuthClient`, or anything that
   * implements {@link HttpAuth}. Requests to the SSE URL's origin carry its token; a `401` runs the
   * authorization and sends the request again.
   */
  readonly auth?: HttpAuth;
  /**
   * How long `start()` waits for the `endpoint` event, ms, from the GET on (the time an
   * authorization takes does not count). Default 10 000; `Infinity` for no limit.
   */
  readonly endpointTimeout?: number;
  /**
   * The largest SSE event accepted (the bytes of its lines). An event that passes it closes the
   * connection at once with a `StreamError` (`MESSAGE_TOO_LARGE`), the `cause` of every pending
   * call's `CONNECTION_CLOSED` (before the endpoint: `start()` rejects with it). Default
   * `DEFAULT_MAX_MESSAGE_BYTES` (32 MiB), as for a stdio line.
   */
  readonly maxMessageBytes?: number;
}

/**
 * The default of `SseOptions.endpointTimeout`, ms.
 *
 * @example
 * ```ts
 * import { createSseTransport, DEFAULT_ENDPOINT_TIMEOUT_MS } from 'mcp-actors';
 *
 * // start() fails with reason 'no-endpoint' when the endpoint event takes longer than
 * // DEFAULT_ENDPOINT_TIMEOUT_MS; a server slow to name it may get longer
 * const transport = createSseTransport({
 *   url: 'http://127.0.0.1:3001/sse',
 *   endpointTimeout: DEFAULT_ENDPOINT_TIMEOUT_MS * 3,
 * });
 * ```
 */
export const DEFAULT_ENDPOINT_TIMEOUT_MS = 10_000;

/** Why an HTTP+SSE connection failed, in `SseTransportError.reason`. */
export type SseFailure =
  /** The GET failed below HTTP (refused, reset, DNS). */
  | 'request-failed'
  /** The GET was answered 2xx, but not with `text/event-stream`. */
  | 'not-event-stream'
  /** The stream ended, carried a message, or stayed silent too long before the `endpoint` event. */
  | 'no-endpoint'
  /** The `endpoint` event's data is not a URL. */
  | 'invalid-endpoint'
  /** The `endpoint` event named another origin than the SSE URL's. */
  | 'cross-origin-endpoint'
  /** Reading the stream failed. */
  | 'stream-failed'
  /** The server ended the stream after the connection was up. */
  | 'stream-ended';

/**
 * An HTTP+SSE connection that could not be opened, or that the server ended.
 *
 * @example
 * ```ts
 * import { createSseTransport, SseTransportError } from 'mcp-actors';
 *
 * const transport = createSseTransport({ url: 'http://127.0.0.1:3001/sse' });
 * try {
 *   await transport.start({ message: () => {}, error: () => {}, closed: () => {} });
 * } catch (error) {
 *   if (error instanceof SseTransportError) console.log(error.reason, error.status); // 'not-event-stream' 200
 * }
 * ```
 */
export class SseTransportError extends McpLocalError {
  override name = 'SseTransportError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly reason: SseFailure;
  /** The GET's status, when it was answered. */
  readonly status: number | undefined;
  /** The `endpoint` event's data, when one arrived. */
  readonly endpoint: string | undefined;
  constructor(
    reason: SseFailure,
    message: string,
    details: { status?: number; endpoint?: string; cause?: unknown } = {},
  ) {
    super('TRANSPORT_ERROR', message, details.cause === undefined ? {} : { cause: details.cause });
    this.reason = reason;
    this.status = details.status;
    this.endpoint = details.endpoint;
  }
}

/** An HTTP+SSE transport, with the endpoint the server named. */
export interface SseTransport extends Transport {
  /** The URL messages are POSTed to, once the server has named it. */
  readonly endpoint: URL | undefined;
}

function describeMessage(message: JsonRpcMessage): string {
  return 'method' in message ? message.method : 'a response';
}

/**
 * An HTTP+SSE transport (MCP 2024-11-05, deprecated since 2025-03-26): GETs the event stream at
 * `url`, then POSTs every message to the endpoint the server names. `start()` rejects with an
 * {@link SseTransportError} when no usable endpoint arrives.
 *
 * @example
 * ```ts
 * import { createClientSession, createSseTransport, SseTransportError } from 'mcp-actors';
 *
 * const session = createClientSession({
 *   transport: createSseTransport({ url: 'http://127.0.0.1:3001/sse', endpointTimeout: 5_000 }),
 *   mode: 'legacy', // these servers predate server/discover
 * });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof SseTransportError) console.log(error.reason); // for example 'no-endpoint'
 *   throw error;
 * }
 * ```
 */
export function createSseTransport(options: SseOptions): SseTransport {
  const url = new URL(options.url);
  const maxBytes = checkMaxMessageBytes(options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES);
  let handlers: TransportHandlers | undefined;
  /** Restarts the endpoint timer after a user authorized (set while start() waits). */
  let pauseEndpointTimer: ((waiting: boolean) => void) | undefined;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const doFetch =
    options.auth === undefined
      ? baseFetch
      : options.auth.wrapFetch(url, baseFetch, {
          authorizing: (waiting) => {
            pauseEndpointTimer?.(waiting);
            handlers?.hold?.(waiting);
          },
        });
  let endpoint: URL | undefined;
  /** No more traffic: closed by the user, failed to start, or ended by the server. */
  let ended = false;
  /** `close()` was called. */
  let closing = false;
  let reported = false;
  const stream = new AbortController();
  const endpointTimeout = options.endpointTimeout ?? DEFAULT_ENDPOINT_TIMEOUT_MS;
  /** The endpoint did not arrive within `endpointTimeout` (the GET was aborted for that). */
  let timedOut = false;
  const posts = new Set<AbortController>();

  const headersFor = async (target: URL, method: string): Promise<Headers> => {
    const headers = new Headers(options.headers);
    if (method === 'GET') headers.set('Accept', 'text/event-stream');
    else headers.set('Content-Type', 'application/json');
    if (options.authorize !== undefined) {
      for (const [k, v] of Object.entries(await options.authorize({ url: target, method })))
        headers.set(k, v);
    }
    return headers;
  };

  /** Stops all traffic: the GET and every POST. */
  const stop = (): void => {
    ended = true;
    stream.abort();
    for (const c of posts) c.abort();
    posts.clear();
  };

  /** Tells the session once that the transport has ended. */
  const report = (reason?: Error): void => {
    if (reported) return;
    reported = true;
    handlers?.closed(reason);
  };

  const closedBeforeEndpoint = (): McpLocalError =>
    new McpLocalError(
      'CONNECTION_CLOSED',
      `The HTTP+SSE transport was closed before ${url.href} sent its endpoint.`,
    );

  const noEndpointInTime = (status?: number): SseTransportError =>
    new SseTransportError(
      'no-endpoint',
      `No endpoint event from ${url.href} within ${endpointTimeout} ms; is this an HTTP+SSE (2024-11-05) endpoint?`,
      status === undefined ? {} : { status },
    );

  /** Reads the stream to its end, feeding the parser; throws past `maxMessageBytes`. */
  const pump = (
    body: ReadableStream<Uint8Array>,
    onEvent: (event: { event?: string | undefined; data: string }) => void,
  ): Promise<void> =>
    readSseEvents(
      body,
      maxBytes,
      { onEvent },
      () => sseEventTooLarge(maxBytes, `the SSE stream from ${url.href}`),
      () => ended,
    );

  /** Opens the stream and waits for the endpoint; `start()` bounds it with `endpointTimeout`. */
  const open = async (h: TransportHandlers): Promise<void> => {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'GET',
        headers: await headersFor(url, 'GET'),
        signal: stream.signal,
      });
    } catch (error) {
      stop();
      if (closing) throw closedBeforeEndpoint();
      if (timedOut) throw noEndpointInTime();
      throw new SseTransportError(
        'request-failed',
        `GET ${url.href} for the SSE stream failed: ${failureText(error)}`,
        { cause: error },
      );
    }
    if (!response.ok) {
      const text = await readCappedText(
        response.body,
        maxBytes,
        () => new Error('too large'),
      ).catch(() => '');
      stop();
      throw new HttpError(
        response.status,
        response.statusText,
        text,
        `the SSE stream (GET ${url.href})`,
      );
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.toLowerCase().includes('text/event-stream') || response.body === null) {
      stop();
      throw new SseTransportError(
        'not-event-stream',
        `GET ${url.href} was answered ${response.status} with ${type === '' ? 'no content type' : `content type ${type}`}, not an SSE stream (text/event-stream); is this an HTTP+SSE (2024-11-05) endpoint?`,
        { status: response.status },
      );
    }
    const status = response.status;
    const body = response.body;

    await new Promise<void>((resolve, reject) => {
      let opened = false;
      /** Before the endpoint: start() fails. After: the transport ends. */
      const fail = (error: Error): void => {
        if (ended) return;
        stop();
        if (opened) report(error);
        else reject(error);
      };
      const onEvent = (event: { event?: string | undefined; data: string }): void => {
        if (ended) return;
        if (event.event === 'endpoint') {
          const data = event.data.trim();
          if (opened) {
            h.error(
              new StreamError(
                'INVALID_MESSAGE',
                `The server sent a second endpoint event (${data.slice(0, 120)}); it was ignored.`,
              ),
            );
            return;
          }
          let target: URL;
          try {
            target = new URL(data, url);
          } catch (cause) {
            fail(
              new SseTransportError(
                'invalid-endpoint',
                `The endpoint event from ${url.href} is not a URL: ${data.slice(0, 120)}`,
                { status, endpoint: data, cause },
              ),
            );
            return;
          }
          if (target.origin !== url.origin) {
            // A server may only direct the client's messages (and credentials) to itself.
            fail(
              new SseTransportError(
                'cross-origin-endpoint',
                `The endpoint event from ${url.href} names ${target.origin}, another origin than ${url.origin}; refusing to POST messages there.`,
                { status, endpoint: data },
              ),
            );
            return;
          }
          endpoint = target;
          opened = true;
          resolve();
          return;
        }
        // Named events other than `message` are not MCP's; they are skipped.
        if (event.event !== undefined && event.event !== 'message') return;
        if (!opened) {
          fail(
            new SseTransportError(
              'no-endpoint',
              `${url.href} sent a message before its endpoint event; an HTTP+SSE (2024-11-05) server sends the endpoint first.`,
              { status },
            ),
          );
          return;
        }
        if (event.data.trim() === '') return; // carries nothing
        let value: unknown;
        try {
          value = JSON.parse(event.data);
        } catch (cause) {
          h.error(
            new StreamError(
              'INVALID_JSON',
              `An SSE message event's data is not JSON: ${event.data.slice(0, 120)}`,
              { cause },
            ),
          );
          return;
        }
        for (const m of Array.isArray(value) ? (value as unknown[]) : [value]) h.message(m);
      };
      pump(body, onEvent).then(
        () => {
          if (closing) {
            if (!opened) reject(closedBeforeEndpoint());
            return;
          }
          fail(
            opened
              ? new SseTransportError(
                  'stream-ended',
                  `The server ended the SSE stream (${url.href}).`,
                  { status },
                )
              : new SseTransportError(
                  'no-endpoint',
                  `The SSE stream from ${url.href} ended before the endpoint event.`,
                  { status },
                ),
          );
        },
        (error: unknown) => {
          if (closing) {
            if (!opened) reject(closedBeforeEndpoint());
            return;
          }
          if (timedOut && !opened) {
            fail(noEndpointInTime(status));
            return;
          }
          if (error instanceof StreamError && error.code === 'MESSAGE_TOO_LARGE') {
            fail(error);
            return;
          }
          fail(
            new SseTransportError(
              'stream-failed',
              `Reading the SSE stream from ${url.href} failed${opened ? '' : ' before the endpoint event'}: ${failureText(error)}`,
              { status, cause: error },
            ),
          );
        },
      );
    });
  };

  return {
    get endpoint() {
      return endpoint;
    },

    get extensions() {
      return options.auth?.extensions;
    },

    async start(h: TransportHandlers) {
      handlers = h;
      if (ended) throw closedBeforeEndpoint();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const arm = (): void => {
        if (Number.isFinite(endpointTimeout)) {
          timer = setTimeout(() => {
            timedOut = true;
            stream.abort();
          }, endpointTimeout);
        }
      };
      pauseEndpointTimer = (waiting) => {
        clearTimeout(timer);
        if (!waiting) arm();
      };
      arm();
      try {
        await open(h);
      } finally {
        pauseEndpointTimer = undefined;
        clearTimeout(timer);
      }
    },

    async send(message: JsonRpcMessage) {
      if (closing || ended) {
        throw new McpLocalError('CONNECTION_CLOSED', 'The HTTP+SSE transport is closed.');
      }
      const target = endpoint;
      if (target === undefined) {
        throw new McpLocalError(
          'INVALID_STATE',
          'The HTTP+SSE transport has no endpoint yet; wait for start() to resolve.',
        );
      }
      const controller = new AbortController();
      posts.add(controller);
      try {
        let response: Response;
        try {
          response = await doFetch(target, {
            method: 'POST',
            headers: await headersFor(target, 'POST'),
            body: JSON.stringify(message),
            signal: controller.signal,
          });
        } catch (error) {
          if (ended) {
            throw new McpLocalError(
              'CONNECTION_CLOSED',
              `The HTTP+SSE transport closed while POSTing ${describeMessage(message)}.`,
              { cause: error },
            );
          }
          throw new McpLocalError(
            'TRANSPORT_ERROR',
            `POST for ${describeMessage(message)} to ${target.href} failed: ${failureText(error)}`,
            { cause: error },
          );
        }
        if (!response.ok) {
          const text = await readCappedText(
            response.body,
            maxBytes,
            () => new Error('too large'),
          ).catch(() => '');
          throw new HttpError(response.status, response.statusText, text, describeMessage(message));
        }
        // The answer comes on the stream; the body (usually "Accepted") says nothing.
        await response.body?.cancel().catch(() => {});
      } finally {
        posts.delete(controller);
      }
    },

    close() {
      closing = true;
      stop();
      report();
      return Promise.resolve();
    },
  };
}
