import { StreamError } from '../errors.js';

/**
 * Newline-delimited JSON framing (MCP stdio transport: one JSON-RPC message per line, no
 * embedded newlines).
 *
 * Decoding is linear in the input: a chunk is scanned once, and a partial line is kept as a list
 * of chunk views that is joined once, when its newline arrives (never re-copying the whole buffer
 * per chunk). A line longer than `maxMessageBytes` is reported once as `MESSAGE_TOO_LARGE` and
 * skipped up to its newline, so the buffer never grows past the cap. An unparsable line is
 * reported as `INVALID_JSON`; later lines still arrive. CRLF line ends are accepted.
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

export interface LineDecoderSink {
  /** A parsed JSON value, one per line. */
  message(value: unknown): void;
  /** A line that could not be taken; decoding goes on with the next line. */
  error(error: StreamError): void;
}

const decoder = new TextDecoder();

/**
 * Splits newline-delimited JSON into values: `push` bytes as they arrive, `end` when the input
 * ends. Unparsable and oversize lines are reported to the sink's `error` and skipped.
 *
 * @example
 * ```ts
 * import { encodeLine, LineDecoder } from 'mcp-actors';
 *
 * const decoder = new LineDecoder(
 *   { message: (value) => console.log(value), error: (e) => console.warn(e.code) },
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
  #discarding = false;

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
    let start = 0;
    const length = chunk.length;
    while (start < length) {
      const newline = chunk.indexOf(LF, start);
      if (newline === -1) {
        this.#hold(chunk, start, length);
        return;
      }
      if (this.#discarding) {
        this.#discarding = false;
      } else if (this.#contentSize(chunk, start, newline) > this.#max) {
        this.#tooLarge(this.#contentSize(chunk, start, newline));
      } else {
        this.#line(chunk, start, newline);
      }
      if (this.#parts.length !== 0) this.#parts = [];
      this.#pending = 0;
      start = newline + 1;
    }
  }

  /** Ends the input. A final line without a newline is still delivered. */
  end(): void {
    if (this.#discarding || this.#pending === 0) {
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
    this.#discarding = false;
  }

  /** The size of the line ending at `newline`, without a CR before the LF (the cap excludes the line end). */
  #contentSize(chunk: Uint8Array, start: number, newline: number): number {
    const size = this.#pending + (newline - start);
    const last = newline > start ? chunk[newline - 1] : this.#parts[this.#parts.length - 1]?.at(-1);
    return last === CR ? size - 1 : size;
  }

  #hold(chunk: Uint8Array, start: number, end: number): void {
    if (this.#discarding) return;
    const size = end - start;
    // A held CR may be the first half of a CRLF line end, which the cap does not count.
    const limit = chunk[end - 1] === CR ? this.#max + 1 : this.#max;
    if (this.#pending + size > limit) {
      this.#tooLarge(this.#pending + size);
      this.#parts = [];
      this.#pending = 0;
      this.#discarding = true;
      return;
    }
    this.#parts.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    this.#pending += size;
  }

  #line(chunk: Uint8Array, start: number, end: number): void {
    if (this.#parts.length === 0) {
      this.#deliver(chunk, start, end);
      return;
    }
    this.#parts.push(chunk.subarray(start, end));
    const joined = join(this.#parts);
    this.#deliver(joined, 0, joined.length);
  }

  #deliver(bytes: Uint8Array, start: number, end: number): void {
    if (end > start && bytes[end - 1] === CR) end -= 1;
    if (end === start) return;
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

  #tooLarge(size: number): void {
    this.#sink.error(
      new StreamError(
        'MESSAGE_TOO_LARGE',
        `Received a message of more than ${this.#max} bytes (at least ${size}); it was skipped. Raise maxMessageBytes if the server's messages are this large.`,
      ),
    );
  }
}

function join(parts: readonly Uint8Array[]): Uint8Array {
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

const encoder = new TextEncoder();

/**
 * Encodes one message as a line of UTF-8 JSON.
 *
 * @example
 * ```ts
 * import { encodeLine, type ByteChannel } from 'mcp-actors';
 * declare const channel: ByteChannel;
 *
 * const bytes = encodeLine({ jsonrpc: '2.0', method: 'notifications/initialized' });
 * await channel.write(bytes); // one UTF-8 line of JSON, ending in '\n'
 * ```
 */
export function encodeLine(message: unknown): Uint8Array {
  return encoder.encode(`${JSON.stringify(message)}\n`);
}
