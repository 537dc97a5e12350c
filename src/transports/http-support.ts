import { InvalidArgumentError, StreamError, reasonText } from '../errors.js';
import { MAX_MESSAGE_BYTES_HINT } from '../sentences.js';

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

/** The callbacks of {@link readSseEvents}: those of `eventsource-parser` used here. */
export interface SseCallbacks {
  onEvent(event: { readonly event?: string | undefined; readonly data: string }): void;
  onId?(id: string): void;
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
  const parser = createParser(callbacks);
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
