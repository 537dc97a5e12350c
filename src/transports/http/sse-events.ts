import { StreamError } from '../../errors/errors.js';
import { MAX_MESSAGE_BYTES_HINT } from '../../errors/sentences.js';

/**
 * Reading an SSE body: each event to callbacks (with its `id` and the server's `retry`), with a
 * cap on the size of one event counted on the raw bytes before anything of it is parsed.
 * Runtime-neutral: web streams and `TextDecoder` only.
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
  // Stryker disable next-line BooleanLiteral: true at the start skips a leading LF, which as a blank line before any byte would change nothing either
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
    // Stryker disable next-line EqualityOperator: with i === n both indexes are -1 (each was searched again past its line end) and the pass adds 0
    while (i < n) {
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) {
        // Stryker disable next-line ArithmeticOperator: only whether #line is 0 is ever read, and n - i > 0 here as n + i is
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
      // Search again only for an index behind i (a shortcut: searching from i again when the index
      // is -1 or not behind i finds the same index).
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: the shortcut above
      if (lf !== -1 && lf < i) lf = chunk.indexOf(LF, i);
      // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: the same shortcut for CR
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

let parserModule: typeof import('eventsource-parser') | undefined;

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
  // Loaded on the first SSE answer (importing the package stays cheap), then kept: an answer
  // that waits for no import reads its first chunk sooner.
  const { createParser } = parserModule ?? (parserModule = await import('eventsource-parser'));
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
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      if (!size.take(next.value)) throw tooLarge();
      parser.feed(decoder.decode(next.value, { stream: true }));
      if (stop?.() === true) return;
    }
    parser.feed(decoder.decode());
  } finally {
    // A body left unread (too large, stopped, failed) is cancelled: its connection is released.
    // (Cancelling a body read to its end does nothing.)
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

/** The error for an SSE event past the cap. */
export function sseEventTooLarge(max: number, what: string): StreamError {
  return new StreamError(
    'MESSAGE_TOO_LARGE',
    `An SSE event on ${what} passed ${max} bytes (maxMessageBytes) before its end; the stream was closed.`,
    { hint: MAX_MESSAGE_BYTES_HINT },
  );
}
