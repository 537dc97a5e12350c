import { StreamError } from '../errors/errors.js';
import { OversizeLine } from './line-oversize.js';

/**
 * Newline-delimited JSON framing, the decoding side (MCP stdio transport: one JSON-RPC message per
 * line, no embedded newlines); `encodeLine` in line-encode.ts writes the lines.
 *
 * Decoding is linear in the input: a chunk is scanned once, and a partial line is kept as a list
 * of chunk views that is joined once, when its newline arrives (never re-copying the whole buffer
 * per chunk). A line longer than `maxMessageBytes` is reported once as `MESSAGE_TOO_LARGE` and
 * skipped up to its newline by an `OversizeLine` (line-oversize.ts), so the buffer never grows
 * past the cap; it also reads the request id of a too-large response, and sees when the stream
 * has lost its framing. An unparsable line is reported as `INVALID_JSON`; later lines still
 * arrive. CRLF line ends are accepted.
 */

const LF = 0x0a;
const CR = 0x0d;

/**
 * The default cap on one message: 32 MiB.
 *
 * @example
 * ```ts
 * import { createFramedTransport, DEFAULT_MAX_MESSAGE_BYTES, type ByteChannel } from 'mcp-actors';
 * declare const channel: ByteChannel;
 *
 * // a line longer than DEFAULT_MAX_MESSAGE_BYTES is skipped and reported as MESSAGE_TOO_LARGE;
 * // raise the cap for a server that sends very large resources
 * const transport = createFramedTransport(channel, {
 *   maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES * 4,
 * });
 * ```
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/** Options of a {@link LineDecoder}. */
export interface LineDecoderOptions {
  /** The largest message accepted, in bytes, excluding the line end. Default 32 MiB. */
  readonly maxMessageBytes?: number;
}

/** Where a {@link LineDecoder} delivers what it decodes. */
export interface LineDecoderSink {
  /** A parsed JSON value, one per line. */
  message(value: unknown): void;
  /** A line that could not be taken; decoding goes on with the next line. */
  error(error: StreamError): void;
  /**
   * A response over the cap, whose request id could be read from its first or last bytes: the
   * answer to that request will not arrive (`error` is `MESSAGE_TOO_LARGE` and names the id).
   * Called besides `error`, once per such line, as soon as the id is known.
   */
  oversizeResponse?(id: string | number, error: StreamError): void;
  /**
   * The stream lost its framing: a message over the cap ended and something other than a line
   * end followed it, so what comes next cannot be told apart from the skipped message. The
   * decoder takes nothing more after this call. Without it, the error goes to `error` and the
   * decoder skips on to the next line end.
   */
  broken?(error: StreamError): void;
}

const decoder = new TextDecoder();

/**
 * Splits newline-delimited JSON into values: `push` bytes as they arrive, `end` when the input
 * ends. Unparsable and oversize lines are reported to the sink's `error` and skipped; an oversize
 * response whose id can be read is also reported to `oversizeResponse`, and a stream that loses
 * its framing to `broken`.
 *
 * @example
 * ```ts
 * import { encodeLine, LineDecoder } from 'mcp-actors';
 *
 * const decoder = new LineDecoder(
 *   {
 *     message: (value) => console.log(value),
 *     error: (e) => console.warn(e.code),
 *     oversizeResponse: (id, e) => console.warn(`the answer to request ${id} was too large`, e),
 *     broken: (e) => console.error('the stream lost its framing', e),
 *   },
 *   { maxMessageBytes: 1024 * 1024 },
 * );
 * const bytes = encodeLine({ jsonrpc: '2.0', method: 'ping', id: 1 });
 * decoder.push(bytes.subarray(0, 10)); // a partial line is held
 * decoder.push(bytes.subarray(10)); // logs the message
 * decoder.end();
 * ```
 */
export class LineDecoder {
  readonly #sink: LineDecoderSink;
  readonly #max: number;
  #parts: Uint8Array[] = [];
  #pending = 0;
  /** The oversize line being skipped, if any. */
  #skip: OversizeLine | undefined = undefined;
  /** Set once the stream has lost its framing (reported to `broken`): nothing more is read. */
  #broken = false;

  constructor(sink: LineDecoderSink, options: LineDecoderOptions = {}) {
    const max = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!(max > 0)) {
      throw new RangeError(
        `maxMessageBytes must be a positive number of bytes; got ${String(max)}.`,
      );
    }
    this.#sink = sink;
    this.#max = max;
  }

  /** The number of bytes held for an unfinished line. */
  get bufferedBytes(): number {
    return this.#pending;
  }

  /** Feeds a chunk. The decoder keeps views of it, so the caller must not reuse its memory. */
  push(chunk: Uint8Array): void {
    if (this.#broken) return;
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const newline = chunk.indexOf(LF, start);
      const skip = this.#skip;
      if (skip !== undefined) {
        if (!this.#skipBytes(skip, chunk, start, newline === -1 ? length : newline)) return;
        if (newline === -1) return;
        this.#endSkip(skip);
      } else if (newline === -1) {
        this.#hold(chunk, start);
        return;
      } else {
        const size = this.#contentSize(chunk, start, newline);
        if (size > this.#max) {
          const whole = this.#beginSkip(chunk, start, newline, size);
          if (whole === undefined) return;
          this.#endSkip(whole);
        } else {
          this.#line(chunk, start, newline);
        }
        // Stryker disable next-line ConditionalExpression: an empty list is left as it is instead of replaced by another empty one
        if (this.#parts.length !== 0) this.#parts = [];
        this.#pending = 0;
      }
      start = newline + 1;
    }
  }

  /** Ends the input. A final line without a newline is still delivered. */
  end(): void {
    // Nothing is held while an oversize line is skipped, nor after the stream broke (which also
    // ends the skip).
    if (this.#pending === 0) {
      const skip = this.#skip;
      // An oversize last line may still name the request it answers.
      if (skip !== undefined) this.#endSkip(skip);
      this.#reset();
      return;
    }
    const parts = this.#parts;
    this.#reset();
    const joined = join(parts);
    this.#deliver(joined, 0, joined.length);
  }

  #reset(): void {
    this.#parts = [];
    this.#pending = 0;
    this.#skip = undefined;
  }

  /** The size of the line ending at `newline`, without a CR before the LF (the cap excludes the line end). */
  #contentSize(chunk: Uint8Array, start: number, newline: number): number {
    const size = this.#pending + (newline - start);
    const last = newline > start ? chunk[newline - 1] : this.#parts[this.#parts.length - 1]?.at(-1);
    return last === CR ? size - 1 : size;
  }

  /** Holds the rest of a chunk, from `start`: the beginning of a line whose end has not arrived. */
  #hold(chunk: Uint8Array, start: number): void {
    const end = chunk.length;
    const size = end - start;
    // A held CR may be the first half of a CRLF line end, which the cap does not count.
    const limit = chunk[end - 1] === CR ? this.#max + 1 : this.#max;
    if (this.#pending + size > limit) {
      this.#beginSkip(chunk, start, end, this.#pending + size);
      this.#parts = [];
      this.#pending = 0;
      return;
    }
    this.#parts.push(chunk.subarray(start));
    this.#pending += size;
  }

  /**
   * The line held so far plus `chunk[start, end)` is over the cap: report it and start skipping
   * it. Returns the skip, or undefined when the stream broke.
   */
  #beginSkip(
    chunk: Uint8Array,
    start: number,
    end: number,
    size: number,
  ): OversizeLine | undefined {
    const pieces = [...this.#parts, chunk.subarray(start, end)];
    const skip = new OversizeLine(this.#sink, this.#max, pieces, size);
    this.#skip = skip;
    for (const piece of pieces) {
      if (!this.#skipBytes(skip, piece, 0, piece.length)) return undefined;
    }
    return skip;
  }

  /** Skips `bytes[start, end)` of an oversize line. Returns false when the stream broke. */
  #skipBytes(skip: OversizeLine, bytes: Uint8Array, start: number, end: number): boolean {
    const lost = skip.skip(bytes, start, end);
    if (lost === undefined) return true;
    // A message over the cap ended, and something other than its line end followed it.
    this.#broken = true;
    this.#reset();
    // Stryker disable next-line OptionalChaining: `skip` returns an error only to a sink that has `broken` (line-oversize.ts), so the call is always made
    this.#sink.broken?.(lost);
    return false;
  }

  /** The line end of a skipped line. */
  #endSkip(skip: OversizeLine): void {
    this.#skip = undefined;
    skip.end();
  }

  #line(chunk: Uint8Array, start: number, end: number): void {
    // Stryker disable next-line ConditionalExpression,BlockStatement: a line within one chunk is delivered from the chunk; pushed as the only part, `join` would give back the same bytes
    if (this.#parts.length === 0) {
      this.#deliver(chunk, start, end);
      return;
    }
    this.#parts.push(chunk.subarray(start, end));
    const joined = join(this.#parts);
    this.#deliver(joined, 0, joined.length);
  }

  #deliver(bytes: Uint8Array, start: number, end: number): void {
    // A line starts at the input's start or after an LF, so a CR before `start` is never taken.
    if (bytes[end - 1] === CR) end -= 1;
    const text = decoder.decode(bytes.subarray(start, end));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (cause) {
      if (text.trim() === '') return;
      this.#sink.error(
        new StreamError('INVALID_JSON', `Received a line that is not JSON: ${excerpt(text)}`, {
          cause,
        }),
      );
      return;
    }
    this.#sink.message(value);
  }
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  // Stryker disable next-line ConditionalExpression: one part is given back as is instead of copied: the same bytes
  if (parts.length === 1) return parts[0] as Uint8Array;
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function excerpt(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
