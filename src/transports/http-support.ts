import { InvalidArgumentError, StreamError, reasonText } from '../errors/errors.js';
import { MAX_MESSAGE_BYTES_HINT } from '../errors/sentences.js';

/**
 * What the HTTP transports share: reading an SSE body with a cap on the size of one event, reading
 * a body with a cap, and telling why a `fetch` failed. Runtime-neutral: web streams only.
 */

const LF = 0x0a;
const CR = 0x0d;

/**
 * Counts the bytes of the SSE event being received: the bytes of its lines (line ends excluded)
 * since the blank line that ended the event before it. Line ends are LF, CR or CRLF (a CRLF may
 * be split between chunks). Works on the raw bytes: CR and LF never occur inside a multi-byte
 * UTF-8 sequence.
 */
export class SseEventSize {
  readonly max: number;
  /** Bytes of the current event so far. */
  #size = 0;
  /** Bytes of the current line so far. */
  #line = 0;
  /** The previous chunk ended with a CR: an LF at the start of this one belongs to it. */
  #afterCr = false;

  constructor(max: number) {
    this.max = max;
  }

  /**
   * Takes the next chunk of the stream; false when an event in it (finished or not) has more
   * than `max` bytes.
   */
  take(chunk: Uint8Array): boolean {
    const n = chunk.length;
    if (n === 0) return true;
    let i = 0;
    if (this.#afterCr) {
      this.#afterCr = false;
      if (chunk[0] === LF) i = 1;
    }
    let lf = chunk.indexOf(LF, i);
    let cr = chunk.indexOf(CR, i);
    while (i < n) {
      const end = lf === -1 ? cr : cr === -1 ? lf : lf < cr ? lf : cr;
      if (end === -1) {
        this.#line += n - i;
        this.#size += n - i;
        break;
      }
      const length = this.#line + (end - i);
      if (length === 0) {
        // A blank line ends the event.
        if (this.#size > this.max) return false;
        this.#size = 0;
      } else {
        this.#size += end - i;
      }
      this.#line = 0;
      i = end + 1;
      if (chunk[end] === CR) {
        if (i === n) this.#afterCr = true;
        else if (chunk[i] === LF) i++;
      }
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      if (cr !== -1 && cr < i) cr = chunk.indexOf(CR, i);
    }
    return this.#size <= this.max;
  }
}

/** The callbacks of {@link readSseEvents}. */
export interface SseCallbacks {
  /** Each event that has a `data` field (a priming event's data is empty). */
  onEvent(event: { readonly event?: string | undefined; readonly data: string }): void;
  /** The `id` of an event, just before `onEvent` gets the event. */
  onId?(id: string): void;
  /** A `retry` field: the reconnection delay the server asks for, ms. */
  onRetry?(ms: number): void;
}

/**
 * Reads an SSE body to its end (or until `stop()` says so after a chunk), giving each event to
 * `callbacks`. When an event passes `max` bytes, the body is cancelled and this throws a
 * `StreamError` with code `MESSAGE_TOO_LARGE` (made by `tooLarge`) before anything of the event is
 * parsed; the memory held never grows past about `max` plus one chunk. Throws what reading throws.
 */
export async function readSseEvents(
  body: ReadableStream<Uint8Array>,
  max: number,
  callbacks: SseCallbacks,
  tooLarge: () => StreamError,
  stop?: () => boolean,
): Promise<void> {
  // Loaded on the first SSE answer: importing the package stays cheap.
  const { createParser } = await import('eventsource-parser');
  const parser = createParser({
    onEvent: (event) => {
      if (event.id !== undefined) callbacks.onId?.(event.id);
      callbacks.onEvent(event);
    },
    onRetry: (ms) => callbacks.onRetry?.(ms),
  });
  const size = new SseEventSize(max);
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      if (!size.take(next.value)) throw tooLarge();
      parser.feed(decoder.decode(next.value, { stream: true }));
      if (stop?.() === true) return;
    }
    parser.feed(decoder.decode());
  } finally {
    // A body left unread (too large, stopped, failed) is cancelled: its connection is released.
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * Reads a body as text, up to `max` bytes; past that the body is cancelled and this throws what
 * `tooLarge` makes.
 */
export async function readCappedText(
  body: ReadableStream<Uint8Array> | null,
  max: number,
  tooLarge: () => Error,
): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        done = true;
        break;
      }
      bytes += next.value.length;
      if (bytes > max) throw tooLarge();
      text += decoder.decode(next.value, { stream: true });
    }
    return text + decoder.decode();
  } finally {
    if (!done) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/**
 * The text of a failure and of the causes beneath it, so that a message says why: `fetch failed:
 * connect ECONNREFUSED 127.0.0.1:3001`, `terminated: other side closed (UND_ERR_SOCKET)`. Each
 * cause adds its message (or, when that is empty, its code) unless already said, and its `code`
 * when the message does not name it.
 */
export function failureText(error: unknown): string {
  let text = reasonText(error);
  const seen = new Set<unknown>([error]);
  let current: unknown = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; current instanceof Error && !seen.has(current) && depth < 5; depth++) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    const piece =
      current.message !== '' ? current.message : typeof code === 'string' ? code : current.name;
    if (!text.includes(piece)) text += `: ${piece}`;
    if (typeof code === 'string' && !text.includes(code)) text += ` (${code})`;
    current = current.cause;
  }
  return text;
}

/**
 * The origin of the page or worker this code runs in; undefined outside a browser (where `fetch`
 * knows no same-origin policy).
 */
function pageOrigin(): string | undefined {
  const scope = globalThis as {
    document?: unknown;
    WorkerGlobalScope?: unknown;
    location?: { origin?: unknown };
  };
  if (scope.document === undefined && scope.WorkerGlobalScope === undefined) return undefined;
  const origin = scope.location?.origin;
  return typeof origin === 'string' ? origin : undefined;
}

/** Whether a request header needs no CORS preflight's consent (the Fetch standard's safelist). */
function safelisted(name: string, value: string): boolean {
  switch (name.toLowerCase()) {
    case 'accept':
    case 'accept-language':
    case 'content-language':
      return true;
    case 'content-type': {
      const type = value.split(';')[0]?.trim().toLowerCase();
      return (
        type === 'text/plain' ||
        type === 'application/x-www-form-urlencoded' ||
        type === 'multipart/form-data'
      );
    }
    default:
      return false;
  }
}

/**
 * In a browser, a request to another origin that CORS refuses fails with a bare `TypeError`
 * ("Failed to fetch"); the browser names the reason on its console only. For such a failure, this
 * says what the server's CORS must admit: the page's origin and the request's headers that are not
 * safelisted. Empty outside a browser, for a request to the page's own origin, and for any other
 * error.
 */
export function corsNote(error: unknown, url: URL, headers: Headers): string {
  const origin = pageOrigin();
  if (origin === undefined || url.origin === origin || !(error instanceof TypeError)) return '';
  const needed: string[] = [];
  headers.forEach((value, name) => {
    if (!safelisted(name, value)) needed.push(name);
  });
  return ` (from a page at ${origin}, this is also how a CORS refusal shows, named on the browser console only: the server's CORS must allow that origin${needed.length === 0 ? '' : ` and the request headers ${needed.join(', ')}`})`;
}

/**
 * Whether an answer came from another origin through CORS: then only the headers the server
 * exposes can be read (`Mcp-Session-Id` among them only if it says so).
 */
export function isCorsResponse(response: Response): boolean {
  return (response as { type?: unknown }).type === 'cors';
}

/** Checks a `maxMessageBytes` option. */
export function checkMaxMessageBytes(max: number): number {
  if (!(max > 0)) {
    throw new InvalidArgumentError(
      `maxMessageBytes must be a positive number of bytes; got ${String(max)}.`,
    );
  }
  return max;
}

/** The error for an SSE event past the cap. */
export function sseEventTooLarge(max: number, what: string): StreamError {
  return new StreamError(
    'MESSAGE_TOO_LARGE',
    `An SSE event on ${what} passed ${max} bytes (maxMessageBytes) before its end; the stream was closed.`,
    { hint: MAX_MESSAGE_BYTES_HINT },
  );
}
