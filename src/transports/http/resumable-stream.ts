import { AuthorizationError, McpLocalError, StreamError } from '../../errors/errors.js';
import { clause, counted } from '../../errors/sentences.js';
import type { TransportEvent } from '../../wire/transport.js';
import { HttpError, isTooLarge } from './errors.js';
import { asError, errorBody, failureText, isSse } from './fetch-support.js';
import type { HttpSession } from './session.js';
import { readSseEvents, sseEventTooLarge } from './sse-events.js';

/**
 * Reading a Streamable HTTP event stream, and resuming it when it breaks (MCP 2025-03-26..
 * 2025-11-25): each event's JSON-RPC messages go to the transport; a stream that ends before its
 * response is reopened with GET and `Last-Event-ID`, after the server's `retry` or a backoff,
 * until the response arrives, the server refuses, the attempts run out, or the request's timeout
 * would pass first.
 */

type Id = string | number;

/** What one SSE stream has carried so far; a resumed stream goes on with the same state. */
export interface StreamState {
  /** The request whose response this stream carries (none for the standalone GET stream). */
  readonly requestId: Id | undefined;
  /** For a person: what the stream answers. */
  readonly what: string;
  lastEventId: string | undefined;
  /** The server's `retry`, ms. */
  retry: number | undefined;
  answered: boolean;
}

/** A stream that has carried nothing yet. */
export function newStream(requestId: Id | undefined, what: string): StreamState {
  return { requestId, what, lastEventId: undefined, retry: undefined, answered: false };
}

/** Reconnection, every field set (see `ReconnectPolicy`). */
export interface ReconnectRules {
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly factor: number;
  readonly maxRetries: number;
}

export const DEFAULT_RECONNECT: ReconnectRules = {
  initialDelay: 1_000,
  maxDelay: 30_000,
  factor: 1.5,
  maxRetries: 5,
};

/** Waits `ms`, rejecting if `signal` aborts first. */
export function defaultDelay(ms: number, signal: AbortSignal): Promise<void> {
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

/** How following a stream ended; `cause` is the last failure (an error of `fetch`, an `HttpError`, …). */
export type FollowOutcome =
  | { readonly kind: 'answered' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'refused'; readonly cause: Error }
  | { readonly kind: 'exhausted'; readonly cause: Error }
  | {
      readonly kind: 'out-of-time';
      readonly cause: Error;
      readonly wait: number;
      readonly left: number;
    }
  | { readonly kind: 'too-large'; readonly cause: StreamError }
  /** The stream ended (or broke, `cause`) and reconnection is off (`maxRetries: 0`). */
  | { readonly kind: 'ended'; readonly cause: Error | undefined };

/** Where the messages of a stream go. */
export interface StreamSink {
  readonly maxBytes: number;
  /** Hands the JSON-RPC message (or batch) of one event to the transport's receiver. */
  deliver(value: unknown, stream: StreamState | undefined): void;
  /** A stream exception: an event whose data is not JSON. */
  error(error: Error): void;
}

/** What resuming a stream needs of the transport. */
export interface StreamResumer extends StreamSink {
  readonly url: URL;
  /** Called unbound (a page's `fetch` refuses any other `this`). */
  readonly fetch: typeof fetch;
  readonly session: Pick<HttpSession, 'headers'>;
  readonly policy: ReconnectRules;
  readonly delay: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The transport is closed: nothing more is sent. */
  readonly closed: boolean;
  /** The renewal of the session under way, if any: a GET waits for it. */
  readonly renewal: { readonly renewing: Promise<void> | undefined };
  /** The time left before request `id` times out, ms (`Infinity` when unknown). */
  timeLeft(id: Id): number;
  report(event: TransportEvent): void;
}

/** Reads one SSE body to its end, delivering its messages; throws if reading fails. */
export function readStream(
  sink: StreamSink,
  body: ReadableStream<Uint8Array>,
  stream: StreamState,
): Promise<void> {
  const maxBytes = sink.maxBytes;
  return readSseEvents(
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
        if (event.event !== undefined && event.event !== 'message') return;
        if (event.data.trim() === '') return; // a priming event
        let parsed: unknown;
        try {
          parsed = JSON.parse(event.data);
        } catch (cause) {
          sink.error(
            new McpLocalError(
              'INVALID_JSON',
              `An SSE event's data is not JSON: ${event.data.slice(0, 120)}`,
              { cause },
            ),
          );
          return;
        }
        sink.deliver(parsed, stream);
      },
    },
    () => sseEventTooLarge(maxBytes, stream.what),
  );
}

/**
 * Reads a stream with GET, reconnecting with `Last-Event-ID`, until its response arrives, the
 * signal aborts, the server refuses (405, 404), `maxRetries` attempts in a row fail, or (for a
 * request's stream, once something failed) the next attempt would come after the request's
 * timeout. A stream that opens resets the count: a server that closes streams to be polled
 * (2025-11-25) is followed for as long as the request lives. `failure` is why the stream broke,
 * if it did.
 */
export async function follow(
  link: StreamResumer,
  stream: StreamState,
  signal: AbortSignal,
  waitFirst: boolean,
  failure?: Error,
): Promise<FollowOutcome> {
  let failures = 0;
  let wait = waitFirst;
  let cause = failure;
  for (;;) {
    if (link.closed || signal.aborted) return { kind: 'aborted' };
    // Failures in a row: the last attempt failed, and set `cause`.
    if (failures > 0 && failures >= link.policy.maxRetries) {
      return { kind: 'exhausted', cause: cause as Error };
    }
    if (wait) {
      const late = await waitToResume(link, stream, failures, cause, signal);
      if (late !== undefined) return late;
    }
    wait = true;
    const opened = await reopen(link, stream, signal);
    if ('outcome' in opened) return opened.outcome;
    if ('failed' in opened) {
      failures++;
      cause = opened.failed;
      continue;
    }
    failures = 0;
    cause = undefined;
    if (stream.lastEventId !== undefined) {
      link.report({
        type: 'stream-resumed',
        message: `Resumed the stream of ${stream.what} after event ${JSON.stringify(stream.lastEventId)}.`,
        lastEventId: stream.lastEventId,
        requestId: stream.requestId,
      });
    }
    try {
      await readStream(link, opened.body, stream);
    } catch (error) {
      // Stryker disable next-line ConditionalExpression: without it an aborted read ends as 'answered' (taken as 'aborted' by both callers) or at the loop's first check, which returns 'aborted'
      if (signal.aborted) return { kind: 'aborted' };
      if (isTooLarge(error)) return { kind: 'too-large', cause: error };
      cause = asError(error);
    }
    if (stream.answered) return { kind: 'answered' };
    // 0 turns reconnection off: a stream is read once.
    if (link.policy.maxRetries === 0) return { kind: 'ended', cause };
  }
}

/** The wait before reconnection attempt `failures` (0 = after a stream that ended normally). */
function waitFor(policy: ReconnectRules, stream: StreamState, failures: number): number {
  return Math.min(
    policy.maxDelay,
    (stream.retry ?? policy.initialDelay) * Math.pow(policy.factor, failures),
  );
}

/**
 * Waits before the next attempt; the outcome that ends following instead, if the wait was
 * aborted or would outlast the request.
 */
async function waitToResume(
  link: StreamResumer,
  stream: StreamState,
  failures: number,
  cause: Error | undefined,
  signal: AbortSignal,
): Promise<FollowOutcome | undefined> {
  const ms = waitFor(link.policy, stream, failures);
  // Resuming never outlasts the request: when the next attempt would come after its timeout, the
  // request fails now, with what went wrong.
  const left = stream.requestId !== undefined ? link.timeLeft(stream.requestId) : Infinity;
  // Stryker disable next-line StringLiteral: this kind is known by elimination (unresumable() words every kind but refused and exhausted as this one; follow's callers pass it on)
  if (cause !== undefined && ms >= left) return { kind: 'out-of-time', cause, wait: ms, left };
  try {
    const delay = link.delay; // called unbound, as given
    await delay(ms, signal);
    // The directive is on the catch clause's own line: only there does StrykerJS read it.
  } /* Stryker disable next-line BlockStatement: a delay rejects only once the signal aborted (its contract), and reopen() then returns 'aborted' itself */ catch {
    return { kind: 'aborted' };
  }
  return undefined;
}

/** What one GET to reopen a stream came to. */
type Reopened =
  | { readonly body: ReadableStream<Uint8Array> }
  | { readonly outcome: FollowOutcome }
  | { readonly failed: Error };

/** One GET to reopen a stream, with `Last-Event-ID` when events came before. */
async function reopen(
  link: StreamResumer,
  stream: StreamState,
  signal: AbortSignal,
): Promise<Reopened> {
  // A renewal under way: the GET goes with the new session's id.
  const renewing = link.renewal.renewing;
  if (renewing !== undefined) await renewing.catch(() => {});
  if (link.closed || signal.aborted) return { outcome: { kind: 'aborted' } };
  let response: Response;
  try {
    const doFetch = link.fetch; // called unbound: a page's fetch refuses any other `this`
    response = await doFetch(link.url, {
      method: 'GET',
      headers: await link.session.headers(undefined, 'GET', stream.lastEventId),
      signal,
    });
  } catch (error) {
    // Stryker disable next-line ConditionalExpression: a failed attempt with the signal aborted ends at the loop's first check, 'aborted', before any count of attempts
    if (signal.aborted) return { outcome: { kind: 'aborted' } };
    // An authorization that failed is not retried here: the requests will say why.
    if (error instanceof AuthorizationError) return { outcome: { kind: 'refused', cause: error } };
    return { failed: asError(error) };
  }
  if (response.status === 405 || response.status === 404) {
    const body = await errorBody(response, link.maxBytes);
    const cause = new HttpError(response.status, response.statusText, body, `GET ${stream.what}`);
    return { outcome: { kind: 'refused', cause } };
  }
  if (!response.ok || response.body === null || !isSse(response)) {
    const body = response.ok ? '' : await errorBody(response, link.maxBytes);
    // Stryker disable next-line ConditionalExpression: the body of an error status was read by errorBody(): cancelling it too changes nothing
    if (response.ok) await response.body?.cancel().catch(() => {});
    return {
      failed: new HttpError(
        response.status,
        response.statusText,
        body,
        `GET ${stream.what}`,
        response.ok ? (response.headers.get('content-type') ?? '') : undefined,
      ),
    };
  }
  return { body: response.body };
}

/**
 * The error for a request whose stream ended before its response and could not be resumed: not
 * tried (`ended`: no event id, a 2026 stream, or reconnection off), or tried and given up.
 */
export function unresumable(
  stream: StreamState,
  outcome: Exclude<FollowOutcome, { kind: 'answered' | 'aborted' | 'too-large' }>,
  maxRetries: number,
): McpLocalError {
  const start = `The response stream of ${stream.what} ended before its response`;
  const cause = outcome.cause;
  if (cause === undefined) return new McpLocalError('TRANSPORT_ERROR', `${start}.`);
  const why = clause(failureText(cause));
  let text: string;
  if (outcome.kind === 'ended') {
    text = `${start}: ${why}`;
  } else if (outcome.kind === 'refused') {
    text = `${start}, and the server refused to resume it: ${why}`;
  } else if (outcome.kind === 'exhausted') {
    text = `${start}: ${counted(maxRetries, 'attempt')} to resume it failed, the last with ${why}`;
  } else {
    text = `${start}: resuming it failed with ${why}, and the next attempt (in ${outcome.wait} ms) would come after the request's timeout (${Math.max(0, Math.round(outcome.left))} ms away)`;
  }
  return new McpLocalError('TRANSPORT_ERROR', `${text}.`, { cause });
}
