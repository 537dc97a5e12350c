import { StreamError } from '../errors/errors.js';
import { MAX_MESSAGE_BYTES_HINT } from '../errors/sentences.js';

/**
 * Newline-delimited JSON framing (MCP stdio transport: one JSON-RPC message per line, no
 * embedded newlines).
 *
 * Decoding is linear in the input: a chunk is scanned once, and a partial line is kept as a list
 * of chunk views that is joined once, when its newline arrives (never re-copying the whole buffer
 * per chunk). A line longer than `maxMessageBytes` is reported once as `MESSAGE_TOO_LARGE` and
 * skipped up to its newline, so the buffer never grows past the cap. While it is skipped, the
 * decoder keeps its first and last bytes, to read the request id of a response (so that the
 * request fails at once), and follows its JSON nesting, to see where the message ends: a message
 * that ends and is followed by something other than its line end means the stream has lost its
 * framing. An unparsable line is reported as `INVALID_JSON`; later lines still arrive. CRLF line
 * ends are accepted.
 */

const LF = 0x0a;
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
 * Where the skipped line's JSON stands, to see where its message ends: `before` it (whitespace
 * so far), `inside` its top-level value, `after` it (only whitespace may follow before the line
 * end), or `unknown` (it does not start as an object, array or string: no end to look for).
 */
type Nesting = 'before' | 'inside' | 'after' | 'unknown';

/** An oversize line being skipped. */
interface Skip {
  /** Bytes of the line seen so far (line end excluded). */
  size: number;
  /** Views of the last bytes seen: at least {@link EDGE_BYTES} of them, when there are. */
  tail: Uint8Array[];
  /** The number of bytes in `tail`. */
  tailBytes: number;
  nesting: Nesting;
  depth: number;
  inString: boolean;
  escaped: boolean;
  /** What the head says, once read. */
  headInfo: EdgeInfo;
  /** Whether `oversizeResponse` was called for this line. */
  answered: boolean;
}

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
  #skip: Skip | undefined = undefined;
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
        this.#hold(chunk, start, length);
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
        if (this.#parts.length !== 0) this.#parts = [];
        this.#pending = 0;
      }
      start = newline + 1;
    }
  }

  /** Ends the input. A final line without a newline is still delivered. */
  end(): void {
    const skip = this.#skip;
    if (this.#broken || skip !== undefined || this.#pending === 0) {
      // An oversize last line may still name the request it answers.
      if (skip !== undefined && !this.#broken) this.#endSkip(skip);
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

  #hold(chunk: Uint8Array, start: number, end: number): void {
    const size = end - start;
    // A held CR may be the first half of a CRLF line end, which the cap does not count.
    const limit = chunk[end - 1] === CR ? this.#max + 1 : this.#max;
    if (this.#pending + size > limit) {
      this.#beginSkip(chunk, start, end, this.#pending + size);
      this.#parts = [];
      this.#pending = 0;
      return;
    }
    this.#parts.push(start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    this.#pending += size;
  }

  /**
   * The line held so far plus `chunk[start, end)` is over the cap: report it, and start skipping
   * it, keeping its edges and following its nesting. Returns the skip state, or undefined when
   * the stream broke.
   */
  #beginSkip(chunk: Uint8Array, start: number, end: number, size: number): Skip | undefined {
    this.#sink.error(
      new StreamError(
        'MESSAGE_TOO_LARGE',
        `Received a message of more than ${this.#max} bytes (at least ${size}); it was skipped.`,
        { hint: MAX_MESSAGE_BYTES_HINT },
      ),
    );
    const pieces = [...this.#parts, chunk.subarray(start, end)];
    const skip: Skip = {
      size: 0,
      tail: [],
      tailBytes: 0,
      nesting: 'before',
      depth: 0,
      inString: false,
      escaped: false,
      headInfo: readHead(headText(pieces)),
      answered: false,
    };
    this.#skip = skip;
    const info = skip.headInfo;
    if (info.id !== undefined && isResponse(info, undefined)) {
      skip.answered = true;
      this.#sink.oversizeResponse?.(info.id, this.#answerTooLarge(info.id, size));
    }
    for (const piece of pieces) {
      if (!this.#skipBytes(skip, piece, 0, piece.length)) return undefined;
    }
    return skip;
  }

  /**
   * Skips `bytes[start, end)` of an oversize line: counts them, keeps the last ones, and follows
   * the JSON nesting. When its message ends, its last bytes may name the request it answers.
   * Returns false when the stream broke.
   */
  #skipBytes(skip: Skip, bytes: Uint8Array, start: number, end: number): boolean {
    if (end === start) return true;
    const open = skip.nesting !== 'after';
    skip.size += end - start;
    keepTail(skip, bytes, start, end);
    if (!follow(skip, bytes, start, end)) return this.#lostFraming(skip);
    if (open && skip.nesting === 'after') this.#answerFromTail(skip);
    return true;
  }

  /** A message over the cap ended, and something other than its line end followed it. */
  #lostFraming(skip: Skip): boolean {
    const error = new StreamError(
      'MESSAGE_TOO_LARGE',
      `A message of more than ${this.#max} bytes was followed by more data before its line end: the stream lost its framing (what follows cannot be told apart from the skipped message).`,
    );
    const sink = this.#sink;
    if (sink.broken === undefined) {
      sink.error(error);
      // Without a way to stop, skip on to the next line end, as for any oversize line.
      skip.nesting = 'unknown';
      return true;
    }
    this.#broken = true;
    this.#reset();
    sink.broken(error);
    return false;
  }

  /** Reads the request id from the last bytes of a skipped line, once its message has ended. */
  #answerFromTail(skip: Skip): void {
    if (skip.answered) return;
    const tail = readTail(tailText(skip));
    if (tail.id === undefined || !isResponse(skip.headInfo, tail)) return;
    skip.answered = true;
    this.#sink.oversizeResponse?.(tail.id, this.#answerTooLarge(tail.id, skip.size));
  }

  /** The line end of a skipped line. */
  #endSkip(skip: Skip): void {
    this.#skip = undefined;
    this.#answerFromTail(skip);
  }

  #answerTooLarge(id: string | number, size: number): StreamError {
    return new StreamError(
      'MESSAGE_TOO_LARGE',
      `The answer to request ${JSON.stringify(id)} is larger than maxMessageBytes (${this.#max} bytes; at least ${size} arrived); it was skipped.`,
      { hint: MAX_MESSAGE_BYTES_HINT },
    );
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
}

/** The text of the first {@link EDGE_BYTES} bytes of `pieces` (decoded from views, never copied). */
function headText(pieces: readonly Uint8Array[]): string {
  const utf8 = new TextDecoder();
  let left = EDGE_BYTES;
  let text = '';
  for (const piece of pieces) {
    if (left === 0) break;
    const part = piece.length <= left ? piece : piece.subarray(0, left);
    left -= part.length;
    text += utf8.decode(part, { stream: true });
  }
  return text + utf8.decode();
}

/** Keeps views of the last {@link EDGE_BYTES} bytes of the skipped line (no copy). */
function keepTail(skip: Skip, bytes: Uint8Array, start: number, end: number): void {
  const view = bytes.subarray(Math.max(start, end - EDGE_BYTES), end);
  skip.tail.push(view);
  skip.tailBytes += view.length;
  for (;;) {
    const first = skip.tail[0] as Uint8Array;
    if (skip.tail.length === 1 || skip.tailBytes - first.length < EDGE_BYTES) break;
    skip.tail.shift();
    skip.tailBytes -= first.length;
  }
}

/** The text of the last {@link EDGE_BYTES} bytes kept of the skipped line. */
function tailText(skip: Skip): string {
  const utf8 = new TextDecoder();
  let drop = Math.max(0, skip.tailBytes - EDGE_BYTES);
  let text = '';
  for (const view of skip.tail) {
    const n = Math.min(drop, view.length);
    drop -= n;
    text += utf8.decode(n === 0 ? view : view.subarray(n), { stream: true });
  }
  return text + utf8.decode();
}

function isWhitespace(byte: number): boolean {
  return byte === SPACE || byte === TAB || byte === CR;
}

/**
 * Follows the JSON nesting of a skipped line over `bytes[start, end)`. Returns false when its
 * top-level value has ended and something other than whitespace follows it before the line end.
 */
function follow(skip: Skip, bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    switch (skip.nesting) {
      case 'unknown':
        return true;
      case 'before': {
        const byte = bytes[i++] as number;
        if (isWhitespace(byte)) break;
        if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
          skip.nesting = 'inside';
          skip.depth = 1;
        } else if (byte === QUOTE) {
          skip.nesting = 'inside';
          skip.inString = true;
        } else {
          skip.nesting = 'unknown';
        }
        break;
      }
      case 'after':
        if (!isWhitespace(bytes[i++] as number)) return false;
        break;
      case 'inside':
        i = inside(skip, bytes, i, end);
        break;
    }
  }
  return true;
}

/** Scans inside the top-level value from `i`; returns where it stopped (at `end`, or just past the value's end). */
function inside(skip: Skip, bytes: Uint8Array, i: number, end: number): number {
  let depth = skip.depth;
  let inString = skip.inString;
  let escaped = skip.escaped;
  while (i < end) {
    if (inString) {
      if (escaped) {
        escaped = false;
        i += 1;
        continue;
      }
      // The bulk of a large message is in strings: jump from quote to quote.
      const quote = bytes.indexOf(QUOTE, i);
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
      if (depth <= 0) break;
    }
  }
  skip.depth = depth;
  skip.inString = inString;
  skip.escaped = escaped;
  if (depth <= 0 && !inString) skip.nesting = 'after';
  return i;
}

/** What the first or last top-level members of a message say. */
interface EdgeInfo {
  /** The top-level keys read. */
  readonly keys: readonly string[];
  /** The `id` member, when it was read and is a string or a number. */
  readonly id: string | number | undefined;
}

const NO_INFO: EdgeInfo = { keys: [], id: undefined };

/** A response (it has `result` or `error` and no `method`), by what its edges show. */
function isResponse(head: EdgeInfo, tail: EdgeInfo | undefined): boolean {
  const keys = tail === undefined ? head.keys : [...head.keys, ...tail.keys];
  return !keys.includes('method') && (keys.includes('result') || keys.includes('error'));
}

function idOf(
  key: string,
  value: unknown,
  id: string | number | undefined,
): string | number | undefined {
  if (key !== 'id' || id !== undefined) return id;
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

const WS = /[ \t\r]/;

/**
 * Reads the leading members of a JSON object from its first bytes, up to the first member whose
 * value is an object or an array (or runs past the bytes).
 */
function readHead(text: string): EdgeInfo {
  let i = 0;
  const skipWs = (): void => {
    while (i < text.length && WS.test(text[i] as string)) i++;
  };
  skipWs();
  if (text[i] !== '{') return NO_INFO;
  i++;
  const keys: string[] = [];
  let id: string | number | undefined;
  for (;;) {
    skipWs();
    const key = stringAt(text, i);
    if (key === undefined || typeof key.value !== 'string') break;
    i = key.end;
    skipWs();
    if (text[i] !== ':') break;
    i++;
    skipWs();
    keys.push(key.value);
    const c = text[i];
    if (c === undefined || c === '{' || c === '[') break;
    let value: { value: unknown; end: number } | undefined;
    if (c === '"') value = stringAt(text, i);
    else {
      const token = /^[-+.\w]+/.exec(text.slice(i, i + 64))?.[0];
      // A token that reaches the end of the bytes may be cut short.
      if (token !== undefined && i + token.length < text.length) {
        value = parseJson(token, i + token.length);
      }
    }
    if (value === undefined) break;
    id = idOf(key.value, value.value, id);
    i = value.end;
    skipWs();
    if (text[i] !== ',') break;
    i++;
  }
  return { keys, id };
}

/** The JSON string starting at `text[i]` (a quote), and where it ends. */
function stringAt(text: string, i: number): { value: unknown; end: number } | undefined {
  if (text[i] !== '"') return undefined;
  let j = i + 1;
  while (j < text.length) {
    const c = text[j];
    if (c === '\\') j += 2;
    else if (c === '"') return parseJson(text.slice(i, j + 1), j + 1);
    else j++;
  }
  return undefined;
}

function parseJson(token: string, end: number): { value: unknown; end: number } | undefined {
  try {
    return { value: JSON.parse(token) as unknown, end };
  } catch {
    return undefined;
  }
}

/**
 * Reads the trailing members of a JSON object from its last bytes, backwards, down to the first
 * member whose value is an object or an array (or runs past the bytes).
 */
function readTail(text: string): EdgeInfo {
  let j = text.length - 1;
  const skipWs = (): void => {
    while (j >= 0 && WS.test(text[j] as string)) j--;
  };
  skipWs();
  if (text[j] !== '}') return NO_INFO;
  j--;
  const keys: string[] = [];
  let id: string | number | undefined;
  for (;;) {
    skipWs();
    const c = text[j];
    let value: unknown;
    if (c === '"') {
      const opening = openingQuote(text, j);
      if (opening === undefined) break;
      const parsed = parseJson(text.slice(opening, j + 1), opening);
      if (parsed === undefined) break;
      value = parsed.value;
      j = opening - 1;
    } else {
      let k = j;
      while (k >= 0 && /[-+.\w]/.test(text[k] as string)) k--;
      // A token that reaches the start of the bytes may be cut short.
      if (k === j || k < 0) break;
      const parsed = parseJson(text.slice(k + 1, j + 1), k + 1);
      if (parsed === undefined) break;
      value = parsed.value;
      j = k;
    }
    skipWs();
    if (text[j] !== ':') break;
    j--;
    skipWs();
    if (text[j] !== '"') break;
    const opening = openingQuote(text, j);
    if (opening === undefined) break;
    const key = parseJson(text.slice(opening, j + 1), opening)?.value;
    if (typeof key !== 'string') break;
    keys.push(key);
    id = idOf(key, value, id);
    j = opening - 1;
    skipWs();
    if (text[j] !== ',') break;
    j--;
  }
  return { keys, id };
}

/** The opening quote of the JSON string whose closing quote is `text[j]`: the first quote before it not escaped by a backslash. */
function openingQuote(text: string, j: number): number | undefined {
  for (let k = j - 1; k >= 0; k--) {
    if (text[k] !== '"') continue;
    let backslashes = 0;
    while (k - 1 - backslashes >= 0 && text[k - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return k;
  }
  return undefined;
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
