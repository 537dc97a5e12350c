import { McpLocalError, StreamError } from '../../errors/errors.js';
import type { TransportHandlers } from '../../wire/transport.js';
import { HttpError, isTooLarge } from './errors.js';
import { errorBody, failureText } from './fetch-support.js';
import { readSseEvents, sseEventTooLarge, type SseCallbacks } from './sse-events.js';

/**
 * The one GET event stream of the legacy HTTP+SSE transport (MCP 2024-11-05): opening it, the
 * endpoint handshake (the server's first event names the URL to POST to, on the stream's own
 * origin), and then the server's messages, until the stream ends, fails, or carries an event over
 * `maxMessageBytes`. Before the endpoint a failure rejects `start()`; after it, it ends the
 * transport.
 */

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
    super('TRANSPORT_ERROR', message, { cause: details.cause }); // an undefined cause is not kept
    this.reason = reason;
    this.status = details.status;
    this.endpoint = details.endpoint;
  }
}

/** What the event stream needs of its transport. */
export interface SseStreamLink {
  /** The SSE URL: the GET's, and the origin every endpoint must share. */
  readonly url: URL;
  readonly maxBytes: number;
  /** Called unbound (a page's `fetch` refuses any other `this`). */
  readonly fetch: typeof fetch;
  /** Aborts the GET (on close, or when the endpoint does not come in time). */
  readonly stream: AbortController;
  /** No more traffic: closed by the user, failed to start, or ended by the server. */
  readonly ended: boolean;
  /** `close()` was called. */
  readonly closing: boolean;
  /** The endpoint did not arrive within `endpointTimeout` (the GET was aborted for that). */
  readonly timedOut: boolean;
  /** The endpoint the server named, once it has. */
  endpoint: URL | undefined;
  headersFor(target: URL, method: string): Promise<Headers>;
  /** Stops all traffic: the GET and every POST. */
  stop(): void;
  /** Tells the session once that the transport has ended. */
  report(reason?: Error): void;
  closedBeforeEndpoint(): McpLocalError;
  noEndpointInTime(status?: number): SseTransportError;
}

/** GETs the event stream; its body and status, or a throw that says why it is not one. */
export async function openEventStream(
  link: SseStreamLink,
): Promise<{ readonly body: ReadableStream<Uint8Array>; readonly status: number }> {
  const url = link.url;
  let response: Response;
  try {
    const doFetch = link.fetch; // called unbound: a page's fetch refuses any other `this`
    response = await doFetch(url, {
      method: 'GET',
      headers: await link.headersFor(url, 'GET'),
      signal: link.stream.signal,
    });
  } catch (error) {
    link.stop();
    if (link.closing) throw link.closedBeforeEndpoint();
    if (link.timedOut) throw link.noEndpointInTime();
    throw new SseTransportError(
      'request-failed',
      `GET ${url.href} for the SSE stream failed: ${failureText(error)}`,
      { cause: error },
    );
  }
  if (!response.ok) {
    const text = await errorBody(response, link.maxBytes);
    link.stop();
    throw new HttpError(
      response.status,
      response.statusText,
      text,
      `the SSE stream (GET ${url.href})`,
    );
  }
  const type = response.headers.get('content-type') ?? '';
  if (!type.toLowerCase().includes('text/event-stream') || response.body === null) {
    link.stop();
    throw new SseTransportError(
      'not-event-stream',
      `GET ${url.href} was answered ${response.status} with ${type === '' ? 'no content type' : `content type ${type}`}, not an SSE stream (text/event-stream); is this an HTTP+SSE (2024-11-05) endpoint?`,
      { status: response.status },
    );
  }
  return { body: response.body, status: response.status };
}

/**
 * Reads the stream: resolves on the `endpoint` event, rejects when the stream fails first; after
 * the endpoint, its messages go to `handlers` until it ends, which ends the transport.
 */
export function awaitEndpoint(
  link: SseStreamLink,
  handlers: TransportHandlers,
  body: ReadableStream<Uint8Array>,
  status: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const reader = new EventStreamReader(link, handlers, status, resolve, reject);
    readSseEvents(
      body,
      link.maxBytes,
      reader,
      () => sseEventTooLarge(link.maxBytes, `the SSE stream from ${link.url.href}`),
      () => link.ended,
    ).then(
      () => reader.ended(),
      (error: unknown) => reader.broke(error),
    );
  });
}

/** The events of the stream, before the endpoint and after. */
class EventStreamReader implements SseCallbacks {
  readonly #link: SseStreamLink;
  readonly #handlers: TransportHandlers;
  readonly #status: number;
  readonly #resolve: () => void;
  readonly #reject: (error: Error) => void;
  /** The endpoint has arrived: `start()` has resolved. */
  #opened = false;

  constructor(
    link: SseStreamLink,
    handlers: TransportHandlers,
    status: number,
    resolve: () => void,
    reject: (error: Error) => void,
  ) {
    this.#link = link;
    this.#handlers = handlers;
    this.#status = status;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Before the endpoint: start() fails. After: the transport ends. */
  #fail(error: Error): void {
    const link = this.#link;
    if (link.ended) return;
    link.stop();
    if (this.#opened) link.report(error);
    else this.#reject(error);
  }

  onEvent(event: { readonly event?: string | undefined; readonly data: string }): void {
    if (this.#link.ended) return;
    if (event.event === 'endpoint') {
      this.#takeEndpoint(event.data.trim());
      return;
    }
    // Named events other than `message` are not MCP's; they are skipped.
    if (event.event !== undefined && event.event !== 'message') return;
    if (!this.#opened) {
      this.#fail(
        new SseTransportError(
          'no-endpoint',
          `${this.#link.url.href} sent a message before its endpoint event; an HTTP+SSE (2024-11-05) server sends the endpoint first.`,
          { status: this.#status },
        ),
      );
      return;
    }
    if (event.data.trim() === '') return; // carries nothing
    let value: unknown;
    try {
      value = JSON.parse(event.data);
    } catch (cause) {
      this.#handlers.error(
        new StreamError(
          'INVALID_JSON',
          `An SSE message event's data is not JSON: ${event.data.slice(0, 120)}`,
          { cause },
        ),
      );
      return;
    }
    const handlers = this.#handlers;
    for (const m of Array.isArray(value) ? (value as unknown[]) : [value]) handlers.message(m);
  }

  /** The `endpoint` event: the URL to POST to, on the stream's own origin, once. */
  #takeEndpoint(data: string): void {
    const url = this.#link.url;
    const status = this.#status;
    if (this.#opened) {
      this.#handlers.error(
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
      this.#fail(
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
      this.#fail(
        new SseTransportError(
          'cross-origin-endpoint',
          `The endpoint event from ${url.href} names ${target.origin}, another origin than ${url.origin}; refusing to POST messages there.`,
          { status, endpoint: data },
        ),
      );
      return;
    }
    this.#link.endpoint = target;
    this.#opened = true;
    this.#resolve();
  }

  /** The stream came to its end. */
  ended(): void {
    const link = this.#link;
    if (link.closing) {
      // Before the endpoint, start() fails; after it (start() has resolved) this does nothing.
      this.#reject(link.closedBeforeEndpoint());
      return;
    }
    const status = this.#status;
    this.#fail(
      this.#opened
        ? new SseTransportError(
            'stream-ended',
            `The server ended the SSE stream (${link.url.href}).`,
            { status },
          )
        : new SseTransportError(
            'no-endpoint',
            `The SSE stream from ${link.url.href} ended before the endpoint event.`,
            { status },
          ),
    );
  }

  /** Reading the stream failed (or it was aborted). */
  broke(error: unknown): void {
    const link = this.#link;
    if (link.closing) {
      // Before the endpoint, start() fails; after it (start() has resolved) this does nothing.
      this.#reject(link.closedBeforeEndpoint());
      return;
    }
    if (link.timedOut && !this.#opened) {
      this.#fail(link.noEndpointInTime(this.#status));
      return;
    }
    if (isTooLarge(error)) {
      this.#fail(error);
      return;
    }
    this.#fail(
      new SseTransportError(
        'stream-failed',
        `Reading the SSE stream from ${link.url.href} failed${this.#opened ? '' : ' before the endpoint event'}: ${failureText(error)}`,
        { status: this.#status, cause: error },
      ),
    );
  }
}
