import { StreamError } from '../errors/errors.js';
import { MAX_MESSAGE_BYTES_HINT } from '../errors/sentences.js';
import { isResponse, readHead, readTail, type EdgeInfo } from './json-edges.js';

/**
 * One line over the cap, skipped up to its newline so that the line decoder's buffer never grows
 * past `maxMessageBytes`. While it is skipped it keeps views of the line's first and last bytes,
 * to read the request id of a response (so that the request fails at once), and follows its JSON
 * nesting, to see where the message ends: a message that ends and is followed by something other
 * than its line end means the stream has lost its framing.
 */

const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** How many bytes of the start and of the end of an oversize line are kept to read its request id. */
const EDGE_BYTES = 1024;

/** Where an {@link OversizeLine} reports: the parts of the line decoder's sink it uses. */
export interface OversizeSink {
  error(error: StreamError): void;
  oversizeResponse?(id: string | number, error: StreamError): void;
  broken?(error: StreamError): void;
}

/**
 * Where the skipped line's JSON stands, to see where its message ends: `before` it (whitespace
 * so far), `inside` its top-level value, `after` it (only whitespace may follow before the line
 * end), or `unknown` (it does not start as an object, array or string: no end to look for).
 */
type Nesting = 'before' | 'inside' | 'after' | 'unknown';

/**
 * An oversize line being skipped. Made when the line is found over the cap (which it reports as
 * `MESSAGE_TOO_LARGE` at once, and as the lost answer to a request when its head names one); then
 * {@link skip} each run of its bytes, and {@link end} at its line end.
 */
export class OversizeLine {
  readonly #sink: OversizeSink;
  readonly #max: number;
  /** Bytes of the line seen so far (line end excluded). */
  #size = 0;
  /** Views of the last bytes seen: at least {@link EDGE_BYTES} of them, when there are. */
  #tail: Uint8Array[] = [];
  /** The number of bytes in `#tail`. */
  #tailBytes = 0;
  #nesting: Nesting = 'before';
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** What the head says. */
  readonly #head: EdgeInfo;
  /** Whether `oversizeResponse` was called for this line. */
  #answered = false;

  /**
   * Reports the line (`held` are its first bytes, `size` how many are known) and reads its head.
   * The held bytes are not skipped yet: pass them to {@link skip}.
   */
  constructor(sink: OversizeSink, max: number, held: readonly Uint8Array[], size: number) {
    this.#sink = sink;
    this.#max = max;
    sink.error(
      new StreamError(
        'MESSAGE_TOO_LARGE',
        `Received a message of more than ${max} bytes (at least ${size}); it was skipped.`,
        { hint: MAX_MESSAGE_BYTES_HINT },
      ),
    );
    const head = readHead(headText(held));
    this.#head = head;
    if (head.id !== undefined && isResponse(head, undefined)) {
      this.#answered = true;
      sink.oversizeResponse?.(head.id, this.#answerTooLarge(head.id, size));
    }
  }

  /**
   * Skips `bytes[start, end)`: counts them, keeps the last ones, and follows the JSON nesting.
   * When the message ends, its last bytes may name the request it answers. Returns the error to
   * give the sink's `broken` when the stream lost its framing and the sink has `broken` (the
   * decoder then stops); undefined otherwise.
   */
  skip(bytes: Uint8Array, start: number, end: number): StreamError | undefined {
    if (end === start) return undefined;
    const open = this.#nesting !== 'after';
    this.#size += end - start;
    this.#keepTail(bytes, start, end);
    if (!this.#follow(bytes, start, end)) return this.#lostFraming();
    if (open && this.#nesting === 'after') this.#answerFromTail();
    return undefined;
  }

  /** The line end of the skipped line (or the input's end). */
  end(): void {
    this.#answerFromTail();
  }

  /** A message over the cap ended, and something other than its line end followed it. */
  #lostFraming(): StreamError | undefined {
    const error = new StreamError(
      'MESSAGE_TOO_LARGE',
      `A message of more than ${this.#max} bytes was followed by more data before its line end: the stream lost its framing (what follows cannot be told apart from the skipped message).`,
    );
    if (this.#sink.broken !== undefined) return error;
    this.#sink.error(error);
    // Without a way to stop, skip on to the next line end, as for any oversize line.
    this.#nesting = 'unknown';
    return undefined;
  }

  /** Reads the request id from the last bytes of the line, once its message has ended. */
  #answerFromTail(): void {
    if (this.#answered) return;
    const tail = readTail(this.#tailText());
    if (tail.id === undefined || !isResponse(this.#head, tail)) return;
    this.#answered = true;
    this.#sink.oversizeResponse?.(tail.id, this.#answerTooLarge(tail.id, this.#size));
  }

  #answerTooLarge(id: string | number, size: number): StreamError {
    return new StreamError(
      'MESSAGE_TOO_LARGE',
      `The answer to request ${JSON.stringify(id)} is larger than maxMessageBytes (${this.#max} bytes; at least ${size} arrived); it was skipped.`,
      { hint: MAX_MESSAGE_BYTES_HINT },
    );
  }

  /** Keeps views of the last {@link EDGE_BYTES} bytes of the line (no copy). */
  #keepTail(bytes: Uint8Array, start: number, end: number): void {
    const view = bytes.subarray(Math.max(start, end - EDGE_BYTES), end);
    const tail = this.#tail;
    tail.push(view);
    this.#tailBytes += view.length;
    for (;;) {
      const first = tail[0] as Uint8Array;
      if (this.#tailBytes - first.length < EDGE_BYTES) break;
      tail.shift();
      this.#tailBytes -= first.length;
    }
  }

  /** The text of the last {@link EDGE_BYTES} bytes kept of the line. */
  #tailText(): string {
    const utf8 = new TextDecoder();
    let drop = Math.max(0, this.#tailBytes - EDGE_BYTES);
    // Stryker disable next-line StringLiteral: readTail reads back from the end and stops at the first byte it cannot take, and text put before the window holds no quote, backslash, colon or comma to take
    let text = '';
    for (const view of this.#tail) {
      const n = Math.min(drop, view.length);
      drop -= n;
      text += utf8.decode(view.subarray(n), { stream: true });
    }
    return text + utf8.decode();
  }

  /**
   * Follows the JSON nesting over `bytes[start, end)`. Returns false when the top-level value
   * has ended and something other than whitespace follows it before the line end.
   */
  #follow(bytes: Uint8Array, start: number, end: number): boolean {
    let i = start;
    while (i < end) {
      switch (this.#nesting) {
        case 'unknown':
          return true;
        case 'before': {
          const byte = bytes[i++] as number;
          if (isWhitespace(byte)) break;
          if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
            this.#nesting = 'inside';
            this.#depth = 1;
          } else if (byte === QUOTE) {
            this.#nesting = 'inside';
            this.#inString = true;
          } else {
            this.#nesting = 'unknown';
          }
          break;
        }
        case 'after':
          if (!isWhitespace(bytes[i++] as number)) return false;
          break;
        case 'inside':
          i = this.#inside(bytes, i, end);
          break;
      }
    }
    return true;
  }

  /** Scans inside the top-level value from `i`; returns where it stopped (at `end`, or just past the value's end). */
  #inside(bytes: Uint8Array, i: number, end: number): number {
    let depth = this.#depth;
    let inString = this.#inString;
    let escaped = this.#escaped;
    while (i < end) {
      if (inString) {
        if (escaped) {
          escaped = false;
          i += 1;
          continue;
        }
        // The bulk of a large message is in strings: jump from quote to quote.
        const quote = bytes.indexOf(QUOTE, i);
        // Stryker disable next-line EqualityOperator: a quote at `end` gives `end` either way
        const stop = quote === -1 || quote >= end ? end : quote;
        let backslashes = 0;
        while (stop - 1 - backslashes >= i && bytes[stop - 1 - backslashes] === BACKSLASH) {
          backslashes += 1;
        }
        if (stop === end) {
          escaped = backslashes % 2 === 1;
          i = end;
        } else {
          i = stop + 1;
          if (backslashes % 2 === 0) {
            inString = false;
            // Stryker disable next-line ConditionalExpression: leaving after any string is the same: #follow calls #inside again from the same byte, with the state saved
            if (depth === 0) break;
          }
        }
        continue;
      }
      const byte = bytes[i++] as number;
      if (byte === QUOTE) {
        inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        depth += 1;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth -= 1;
        // Stryker disable next-line ConditionalExpression: leaving after any closing bracket is the same: #follow calls #inside again from the same byte, with the state saved
        if (depth <= 0) break;
      }
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escaped = escaped;
    if (depth <= 0 && !inString) this.#nesting = 'after';
    return i;
  }
}

/** The text of the first {@link EDGE_BYTES} bytes of `pieces` (decoded from views, never copied). */
function headText(pieces: readonly Uint8Array[]): string {
  const utf8 = new TextDecoder();
  let left = EDGE_BYTES;
  let text = '';
  for (const piece of pieces) {
    if (left === 0) break;
    const part = piece.subarray(0, left);
    left -= part.length;
    text += utf8.decode(part, { stream: true });
  }
  return text + utf8.decode();
}

function isWhitespace(byte: number): boolean {
  return byte === SPACE || byte === TAB || byte === CR;
}
