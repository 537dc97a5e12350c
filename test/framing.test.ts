import { describe, it, expect, vi } from 'vitest';
import { LineDecoder, type LineDecoderOptions, type LineDecoderSink } from '../src/wire/line.js';
import { encodeLine } from '../src/wire/line-encode.js';
import { StreamError } from '../src/errors/errors.js';

const textEncoder = new TextEncoder();
const utf8 = (text: string): Uint8Array => textEncoder.encode(text);

type Event =
  | { readonly kind: 'message'; readonly value: unknown }
  | { readonly kind: 'error'; readonly error: StreamError };

/** A decoder whose sink records every call, in order. */
function setup(options: LineDecoderOptions = {}) {
  const events: Event[] = [];
  const decoder = new LineDecoder(
    {
      message(value) {
        events.push({ kind: 'message', value });
      },
      error(error) {
        events.push({ kind: 'error', error });
      },
    },
    options,
  );
  const feed = (...chunks: readonly (string | Uint8Array)[]): void => {
    for (const chunk of chunks) decoder.push(typeof chunk === 'string' ? utf8(chunk) : chunk);
  };
  const messages = (): unknown[] => events.flatMap((e) => (e.kind === 'message' ? [e.value] : []));
  const errors = (): StreamError[] => events.flatMap((e) => (e.kind === 'error' ? [e.error] : []));
  /** The events as compact tags: the value of a message, `!CODE` for an error. */
  const tags = (): unknown[] =>
    events.map((e) => (e.kind === 'message' ? e.value : `!${String(e.error.code)}`));
  return { decoder, events, feed, messages, errors, tags };
}

/** Splits bytes into chunks of `size` bytes (the last may be shorter). */
function chunksOf(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
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

/** A JSON string value whose encoded line (quotes included, line end excluded) is `bytes` long. */
function jsonOfBytes(bytes: number): string {
  return JSON.stringify('x'.repeat(bytes - 2));
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function int(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

function randomChar(random: () => number): string {
  const kind = int(random, 0, 9);
  switch (kind) {
    case 0:
      return String.fromCharCode(int(random, 0, 31)); // control characters (escaped by JSON)
    case 1:
      return pick(random, ['"', '\\', '\n', '\r', '\t', '/', '\u2028', '\u2029', '\ufeff']);
    case 2:
      return String.fromCharCode(int(random, 0x80, 0x7ff)); // 2-byte UTF-8
    case 3:
      return pick(random, ['é', '€', 'ß', 'ñ', '中', '文', '한', 'ア']);
    case 4:
      return String.fromCodePoint(int(random, 0x800, 0xd7ff)); // 3-byte UTF-8
    case 5:
      return String.fromCodePoint(int(random, 0x10000, 0x10ffff)); // 4-byte UTF-8
    case 6:
      return pick(random, ['😀', '🎉', '👍🏽', '🏳️‍🌈']);
    case 7:
      // A lone surrogate: JSON.stringify escapes it, so it still round-trips.
      return String.fromCharCode(int(random, 0xd800, 0xdfff));
    default:
      return String.fromCharCode(int(random, 0x20, 0x7e));
  }
}

function randomString(random: () => number): string {
  let s = '';
  const length = int(random, 0, 12);
  for (let i = 0; i < length; i++) s += randomChar(random);
  return s;
}

function randomNumber(random: () => number): number {
  switch (int(random, 0, 3)) {
    case 0:
      return int(random, -1000, 1000) || 0; // never -0: JSON cannot carry it
    case 1:
      return int(random, 0, Number.MAX_SAFE_INTEGER) * (random() < 0.5 ? -1 : 1) || 0;
    case 2:
      return (random() - 0.5) * 1e6 || 0;
    default:
      return random() * 10 ** int(random, -30, 30) || 0;
  }
}

function randomJson(random: () => number, depth = 0): unknown {
  const kind = int(random, 0, depth >= 3 ? 3 : 5);
  switch (kind) {
    case 0:
      return pick(random, [null, true, false]);
    case 1:
      return randomNumber(random);
    case 2:
    case 3:
      return randomString(random);
    case 4: {
      const items: unknown[] = [];
      const n = int(random, 0, 4);
      for (let i = 0; i < n; i++) items.push(randomJson(random, depth + 1));
      return items;
    }
    default: {
      const object: Record<string, unknown> = {};
      const n = int(random, 0, 4);
      for (let i = 0; i < n; i++) {
        const key = randomString(random);
        if (key === '__proto__') continue;
        object[key] = randomJson(random, depth + 1);
      }
      return object;
    }
  }
}

/** Cuts bytes at random points; some chunks are empty. */
function randomChunks(random: () => number, bytes: Uint8Array): Uint8Array[] {
  const maxChunk = pick(random, [1, 2, 3, 7, 16, 64, 4096]);
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = random() < 0.05 ? 0 : int(random, 1, maxChunk);
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

describe('LineDecoder framing', () => {
  it('delivers one message only when its newline arrives', () => {
    const d = setup();
    d.feed('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(d.events).toEqual([]);
    expect(d.decoder.bufferedBytes).toBe(36);
    d.feed('\n');
    expect(d.messages()).toEqual([{ jsonrpc: '2.0', id: 1, result: {} }]);
    expect(d.errors()).toEqual([]);
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('delivers a message that fills one chunk exactly', () => {
    const d = setup();
    d.decoder.push(encodeLine({ a: [1, 2, 3] }));
    expect(d.events).toEqual([{ kind: 'message', value: { a: [1, 2, 3] } }]);
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('delivers several messages from one chunk, in order', () => {
    const d = setup();
    d.feed('{"n":1}\n{"n":2}\n[3]\n"four"\n5\n');
    expect(d.messages()).toEqual([{ n: 1 }, { n: 2 }, [3], 'four', 5]);
    expect(d.errors()).toEqual([]);
  });

  it('delivers JSON scalars, including null, false, 0 and the empty string', () => {
    const d = setup();
    d.feed('null\nfalse\n0\n""\ntrue\n');
    expect(d.events).toEqual([
      { kind: 'message', value: null },
      { kind: 'message', value: false },
      { kind: 'message', value: 0 },
      { kind: 'message', value: '' },
      { kind: 'message', value: true },
    ]);
  });

  it('joins a message split across many chunks (one byte each)', () => {
    const d = setup();
    const value = { jsonrpc: '2.0', method: 'notifications/progress', params: { progress: 0.5 } };
    const line = encodeLine(value);
    const chunks = chunksOf(line, 1);
    chunks.forEach((chunk, i) => {
      d.decoder.push(chunk);
      if (i < chunks.length - 1) {
        expect(d.events).toEqual([]);
        expect(d.decoder.bufferedBytes).toBe(i + 1);
      }
    });
    expect(d.messages()).toEqual([value]);
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('handles chunks that end one message and begin the next', () => {
    const d = setup();
    d.feed('{"a":', '1}\n{"b"', ':2}\n{"c":3}\n{', '"d":4}', '\n');
    expect(d.messages()).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }]);
    expect(d.errors()).toEqual([]);
  });

  it('keeps escaped newlines inside strings within one message', () => {
    const d = setup();
    const value = { text: 'line 1\nline 2\r\nline 3\u2028end' };
    const line = encodeLine(value);
    expect(Array.from(line).filter((b) => b === 0x0a)).toHaveLength(1);
    d.decoder.push(line);
    expect(d.messages()).toEqual([value]);
  });

  it('accepts CRLF line ends, also with CR and LF in different chunks', () => {
    const d = setup();
    d.feed('{"a":1}\r\n{"b":2}\r\n');
    d.feed('{"c":3}\r', '\n');
    d.feed('{"d":4}', '\r', '\n', '{"e":5}\n');
    expect(d.messages()).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }, { d: 4 }, { e: 5 }]);
    expect(d.errors()).toEqual([]);
  });

  it('ignores blank lines (LF, CRLF, whitespace only) without reporting errors', () => {
    const d = setup();
    d.feed('\n\n\r\n{"a":1}\n\n', '\r\n', '   \n\t \r\n', '{"b":2}\n\n');
    expect(d.messages()).toEqual([{ a: 1 }, { b: 2 }]);
    expect(d.errors()).toEqual([]);
  });

  it('ignores empty chunks', () => {
    const d = setup();
    d.feed(new Uint8Array(0), '{"a"', new Uint8Array(0), ':1}', new Uint8Array(0), '\n');
    expect(d.messages()).toEqual([{ a: 1 }]);
  });

  it('delivers a final line without newline on end(), and only then', () => {
    const d = setup();
    d.feed('{"a":1}\n{"b":', '2}');
    expect(d.messages()).toEqual([{ a: 1 }]);
    d.decoder.end();
    expect(d.messages()).toEqual([{ a: 1 }, { b: 2 }]);
    expect(d.decoder.bufferedBytes).toBe(0);
    d.decoder.end();
    expect(d.messages()).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('delivers a final line that ends in a lone CR on end()', () => {
    const d = setup();
    d.feed('{"a":1}\r');
    d.decoder.end();
    expect(d.messages()).toEqual([{ a: 1 }]);
    expect(d.errors()).toEqual([]);
  });

  it('delivers nothing on end() when no line is pending', () => {
    const d = setup();
    d.feed('{"a":1}\n');
    d.decoder.end();
    expect(d.events).toEqual([{ kind: 'message', value: { a: 1 } }]);
    const empty = setup();
    empty.decoder.end();
    expect(empty.events).toEqual([]);
  });

  it('reports a final unparsable line on end() as INVALID_JSON', () => {
    const d = setup();
    d.feed('{"a":1}\n{"b":');
    d.decoder.end();
    expect(d.tags()).toEqual([{ a: 1 }, '!INVALID_JSON']);
  });
});

describe('LineDecoder invalid JSON', () => {
  it('reports an unparsable line as a StreamError INVALID_JSON; later lines still arrive in order', () => {
    const d = setup();
    d.feed('{"a":1}\nnot json\n{"b":2}\n[3]\n');
    expect(d.tags()).toEqual([{ a: 1 }, '!INVALID_JSON', { b: 2 }, [3]]);
    const [error] = d.errors();
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ name: 'StreamError', code: 'INVALID_JSON' });
    expect(error?.message).toContain('not json');
    expect(error?.cause).toBeInstanceOf(SyntaxError);
  });

  it('reports each unparsable line once, also when split across chunks', () => {
    const d = setup();
    d.feed('{"a":', '1,}\n', '{"b":2}\n', '{', '\n', '[1,2\r\n', 'tru', 'e\n');
    expect(d.tags()).toEqual(['!INVALID_JSON', { b: 2 }, '!INVALID_JSON', '!INVALID_JSON', true]);
    for (const error of d.errors()) {
      expect(error).toBeInstanceOf(StreamError);
      expect(error).toMatchObject({ code: 'INVALID_JSON' });
    }
  });

  it('reports a line with trailing garbage after a valid value', () => {
    const d = setup();
    d.feed('{"a":1} {"b":2}\n{"c":3}\n');
    expect(d.tags()).toEqual(['!INVALID_JSON', { c: 3 }]);
  });

  it('shortens a long invalid line in the error message to its first 120 characters', () => {
    const d = setup();
    const long = `${'a'.repeat(120)}b${'z'.repeat(10_000)}`;
    d.feed(`${long}\n`, `${'c'.repeat(120)}\n`);
    const [shortened, whole] = d.errors().map((e) => e.message);
    expect(shortened).toBe(`Received a line that is not JSON: "${'a'.repeat(120)}…"`);
    // 120 characters are shown whole.
    expect(whole).toBe(`Received a line that is not JSON: "${'c'.repeat(120)}"`);
  });

  it('shows an invalid CRLF line without its line end', () => {
    const d = setup();
    d.feed('not json\r\n', 'also\r', '\n');
    expect(d.errors().map((e) => e.message)).toEqual([
      'Received a line that is not JSON: "not json"',
      'Received a line that is not JSON: "also"',
    ]);
  });
});

describe('LineDecoder maxMessageBytes', () => {
  it('accepts a line of exactly maxMessageBytes and rejects one byte more', () => {
    const d = setup({ maxMessageBytes: 20 });
    d.feed(`${jsonOfBytes(20)}\n`);
    d.feed(`${jsonOfBytes(21)}\n`);
    d.feed('{"ok":true}\n');
    expect(d.tags()).toEqual(['x'.repeat(18), '!MESSAGE_TOO_LARGE', { ok: true }]);
  });

  it('reports a complete oversize line once as MESSAGE_TOO_LARGE; the next line still arrives', () => {
    const d = setup({ maxMessageBytes: 64 });
    d.feed(`{"a":1}\n${jsonOfBytes(1000)}\n{"b":2}\n`);
    expect(d.tags()).toEqual([{ a: 1 }, '!MESSAGE_TOO_LARGE', { b: 2 }]);
    const [error] = d.errors();
    expect(error).toBeInstanceOf(StreamError);
    expect(error).toMatchObject({ name: 'StreamError', code: 'MESSAGE_TOO_LARGE' });
    expect(error?.message).toContain('maxMessageBytes');
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('measures bytes, not characters', () => {
    // "€" is 3 bytes: 2 quotes + 6 × 3 bytes = 20 bytes, 8 characters.
    const d = setup({ maxMessageBytes: 19 });
    d.feed(`${JSON.stringify('€'.repeat(6))}\n{"b":2}\n`);
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE', { b: 2 }]);
  });

  it('reports a line that crosses the cap only in its last chunk', () => {
    const d = setup({ maxMessageBytes: 30 });
    const line = utf8(`${jsonOfBytes(31)}\n{"b":2}\n`);
    // 30 bytes held (at the cap), then the 31st byte arrives with the newline.
    d.decoder.push(line.subarray(0, 10));
    d.decoder.push(line.subarray(10, 30));
    expect(d.decoder.bufferedBytes).toBe(30);
    expect(d.events).toEqual([]);
    d.decoder.push(line.subarray(30));
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE', { b: 2 }]);
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('streams an unterminated oversize line: one error, bounded buffer, next line arrives', () => {
    const max = 1000;
    const d = setup({ maxMessageBytes: max });
    d.feed('{"before":true}\n');
    const big = utf8(JSON.stringify({ blob: 'y'.repeat(20_000) }));
    let maxBuffered = 0;
    for (const chunk of chunksOf(big, 97)) {
      d.decoder.push(chunk);
      maxBuffered = Math.max(maxBuffered, d.decoder.bufferedBytes);
      expect(d.decoder.bufferedBytes).toBeLessThanOrEqual(max);
    }
    expect(maxBuffered).toBeGreaterThan(0);
    expect(d.tags()).toEqual([{ before: true }, '!MESSAGE_TOO_LARGE']);
    // The newline that ends the oversize line arrives with the start of the next message.
    d.feed('\r\n{"after":', '1}\n');
    d.feed('{"after":2}\n');
    expect(d.tags()).toEqual([{ before: true }, '!MESSAGE_TOO_LARGE', { after: 1 }, { after: 2 }]);
    expect(d.errors()).toHaveLength(1);
    expect(d.errors()[0]).toBeInstanceOf(StreamError);
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('does not deliver the tail of a skipped oversize line on end()', () => {
    const d = setup({ maxMessageBytes: 16 });
    d.feed('{"a":"', 'b'.repeat(40), '"}');
    d.decoder.end();
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE']);
    // The decoder is usable again afterwards.
    d.feed('{"c":3}\n');
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE', { c: 3 }]);
  });

  it('counts the held part and the new chunk of a line that grows over the cap', () => {
    const d = setup({ maxMessageBytes: 10 });
    d.feed('{"a":"123', '4567890123');
    expect(d.errors().map((e) => e.message)).toEqual([
      expect.stringContaining('Received a message of more than 10 bytes (at least 19);'),
    ]);
    d.feed('"}\n{"b":1}\n');
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE', { b: 1 }]);
  });

  it('rejects an invalid maxMessageBytes with a RangeError', () => {
    const sink = { message: vi.fn(), error: vi.fn() };
    for (const maxMessageBytes of [0, -1, NaN, -Infinity]) {
      expect(() => new LineDecoder(sink, { maxMessageBytes }), String(maxMessageBytes)).toThrow(
        new RangeError(
          `maxMessageBytes must be a positive number of bytes; got ${String(maxMessageBytes)}.`,
        ),
      );
    }
    expect(() => new LineDecoder(sink, { maxMessageBytes: 1 })).not.toThrow();
    expect(() => new LineDecoder(sink)).not.toThrow();
  });

  it('accepts a 1 MiB message with the default cap', () => {
    const d = setup();
    const value = { blob: 'q'.repeat(1024 * 1024) };
    for (const chunk of chunksOf(encodeLine(value), 65536)) d.decoder.push(chunk);
    expect(d.errors()).toEqual([]);
    expect(d.messages()).toEqual([value]);
  });

  // Source bug: `maxMessageBytes` is documented as "excluding the line end", and CRLF is an
  // accepted line end, but the CR is counted as message bytes: a message of exactly
  // maxMessageBytes is accepted with LF and rejected with CRLF.
  it('does not count the CR of a CRLF line end against maxMessageBytes', () => {
    const d = setup({ maxMessageBytes: 20 });
    d.feed(`${jsonOfBytes(20)}\r\n`);
    d.feed(`${jsonOfBytes(20)}\r`, '\n');
    // an empty chunk between the CR and its LF changes nothing
    d.feed(`${jsonOfBytes(20)}\r`, new Uint8Array(0), '\n');
    expect(d.tags()).toEqual(['x'.repeat(18), 'x'.repeat(18), 'x'.repeat(18)]);
    expect(d.errors()).toEqual([]);
  });
});

describe('LineDecoder UTF-8', () => {
  const samples = ['é', '€', '😀', 'aé€😀z', '👍🏽 中文 ñ 🏳️‍🌈'];

  for (const text of samples) {
    it(`decodes ${JSON.stringify(text)} split at every byte boundary`, () => {
      const value = { text, list: [text, `${text}${text}`] };
      const line = encodeLine(value);
      for (let cut = 0; cut <= line.length; cut++) {
        const d = setup();
        d.decoder.push(line.subarray(0, cut));
        d.decoder.push(line.subarray(cut));
        expect(d.errors(), `cut at ${cut}`).toEqual([]);
        expect(d.messages(), `cut at ${cut}`).toEqual([value]);
      }
    });
  }

  it('decodes a multi-byte line split at every pair of byte boundaries', () => {
    const value = 'é€😀';
    const line = encodeLine(value);
    for (let i = 0; i <= line.length; i++) {
      for (let j = i; j <= line.length; j++) {
        const d = setup();
        d.decoder.push(line.subarray(0, i));
        d.decoder.push(line.subarray(i, j));
        d.decoder.push(line.subarray(j));
        expect(d.tags(), `cuts at ${i}, ${j}`).toEqual([value]);
      }
    }
  });

  it('decodes a multi-byte line fed one byte at a time, followed by another line', () => {
    const d = setup();
    const bytes = concat([encodeLine('😀€é'), encodeLine({ k: '€' })]);
    for (const chunk of chunksOf(bytes, 1)) d.decoder.push(chunk);
    expect(d.tags()).toEqual(['😀€é', { k: '€' }]);
  });
});

describe('LineDecoder property tests (seeded)', () => {
  it('decodes 200 random message streams cut at random points', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = mulberry32(seed);
      const values: unknown[] = [];
      const parts: Uint8Array[] = [];
      const count = int(random, 0, 10);
      for (let i = 0; i < count; i++) {
        if (random() < 0.1) parts.push(utf8(random() < 0.5 ? '\n' : '\r\n')); // blank line
        const value = randomJson(random);
        values.push(value);
        let line = encodeLine(value);
        if (random() < 0.3) line = concat([line.subarray(0, line.length - 1), utf8('\r\n')]);
        // The last line sometimes has no line end: end() delivers it.
        if (i === count - 1 && random() < 0.2) line = line.subarray(0, line.length - 1);
        parts.push(line);
      }
      const d = setup();
      for (const chunk of randomChunks(random, concat(parts))) d.decoder.push(chunk);
      d.decoder.end();
      expect(d.errors(), `seed ${seed}`).toEqual([]);
      expect(d.messages(), `seed ${seed}`).toEqual(values);
      expect(d.decoder.bufferedBytes, `seed ${seed}`).toBe(0);
    }
  });

  it('reports invalid and oversize lines in place among valid ones (200 seeds)', () => {
    for (let seed = 1001; seed <= 1200; seed++) {
      const random = mulberry32(seed);
      const max = int(random, 8, 200);
      const expected: unknown[] = [];
      const parts: Uint8Array[] = [];
      const count = int(random, 1, 12);
      let maxBuffered = 0;
      for (let i = 0; i < count; i++) {
        const kind = random();
        let text: string;
        let valid = false;
        if (kind < 0.15) {
          text = pick(random, ['', ' ', '\t  ']); // blank: ignored
        } else if (kind < 0.35) {
          // Never valid JSON: starts with "x" or is an unclosed object.
          text =
            random() < 0.5
              ? `x${randomString(random)}`
              : `{${JSON.stringify(randomString(random))}`;
          text = text.replace(/[\n\r]/g, ' ');
        } else if (kind < 0.5) {
          text = JSON.stringify('w'.repeat(int(random, max, max * 4)));
          valid = true;
        } else {
          text = JSON.stringify(randomJson(random));
          valid = true;
        }
        const size = utf8(text).length;
        if (size > max) expected.push('!MESSAGE_TOO_LARGE');
        else if (valid) expected.push(JSON.parse(text));
        else if (text.trim() !== '') expected.push('!INVALID_JSON');
        // LF only: see the CRLF bug test above.
        parts.push(utf8(`${text}\n`));
      }
      const d = setup({ maxMessageBytes: max });
      for (const chunk of randomChunks(random, concat(parts))) {
        d.decoder.push(chunk);
        maxBuffered = Math.max(maxBuffered, d.decoder.bufferedBytes);
      }
      d.decoder.end();
      expect(d.tags(), `seed ${seed}`).toEqual(expected);
      expect(maxBuffered, `seed ${seed}`).toBeLessThanOrEqual(max);
      for (const error of d.errors()) expect(error, `seed ${seed}`).toBeInstanceOf(StreamError);
    }
  });
});

describe('LineDecoder linear time', () => {
  /**
   * The decoder keeps a partial line as a list of chunk views and joins them once, with
   * `Uint8Array.prototype.set`, when the newline arrives (`join` in src/wire/line.ts). So the
   * bytes copied for one line are at most the line's length, however many chunks it came in; a
   * quadratic decoder (concatenating the buffer per chunk) would copy ~ n² / (2 × chunk size).
   */
  function countCopiedBytes(run: () => void): number {
    const spy = vi.spyOn(Uint8Array.prototype, 'set');
    try {
      // Check that the spy sees copies at all, so that the bound below is not vacuous.
      new Uint8Array(8).set([1, 2, 3]);
      const sanity = spy.mock.calls.reduce((sum, [source]) => sum + source.length, 0);
      expect(sanity).toBe(3);
      spy.mockClear();
      run();
      return spy.mock.calls.reduce((sum, [source]) => sum + source.length, 0);
    } finally {
      spy.mockRestore();
    }
  }

  it('copies a 100 000-byte line fed in 1 000 chunks of 100 bytes at most once', () => {
    const value = 'L'.repeat(100_000 - 3); // 2 quotes + 99 997 + newline = 100 000 bytes
    const line = encodeLine(value);
    expect(line.length).toBe(100_000);
    const chunks = chunksOf(line, 100);
    expect(chunks).toHaveLength(1000);
    const d = setup();
    const copied = countCopiedBytes(() => {
      for (const chunk of chunks) d.decoder.push(chunk);
    });
    expect(d.tags()).toEqual([value]);
    expect(copied).toBeLessThanOrEqual(line.length);
  });

  it('copies at most the input size for many small messages in large chunks', () => {
    const lines = Array.from({ length: 2000 }, (_, i) =>
      encodeLine({ i, pad: 'p'.repeat(i % 50) }),
    );
    const all = concat(lines);
    const d = setup();
    const copied = countCopiedBytes(() => {
      for (const chunk of chunksOf(all, 4096)) d.decoder.push(chunk);
    });
    expect(d.messages()).toHaveLength(2000);
    expect(d.messages()[1999]).toEqual({ i: 1999, pad: 'p'.repeat(1999 % 50) });
    expect(copied).toBeLessThanOrEqual(all.length);
  });

  it('copies nothing for a skipped oversize line streamed in many chunks', () => {
    const d = setup({ maxMessageBytes: 1000 });
    const big = utf8(`"${'s'.repeat(100_000)}"\n{"next":1}\n`);
    const copied = countCopiedBytes(() => {
      for (const chunk of chunksOf(big, 100)) d.decoder.push(chunk);
    });
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE', { next: 1 }]);
    expect(copied).toBeLessThanOrEqual(1000);
  });
});

describe('LineDecoder oversize responses and lost framing', () => {
  /** A decoder with every callback, recording them in order. */
  function setupFull(maxMessageBytes: number) {
    const events: unknown[] = [];
    const decoder = new LineDecoder(
      {
        message: (value) => events.push(value),
        error: (error) => events.push(`!${error.code}`),
        oversizeResponse: (id, error) => {
          expect(error).toBeInstanceOf(StreamError);
          events.push({ tooLarge: id, code: error.code, message: error.message });
        },
        broken: (error) => {
          expect(error).toBeInstanceOf(StreamError);
          events.push(`broken: ${error.code} ${error.message}`);
        },
      },
      { maxMessageBytes },
    );
    const feed = (...chunks: readonly (string | Uint8Array)[]): void => {
      for (const chunk of chunks) decoder.push(typeof chunk === 'string' ? utf8(chunk) : chunk);
    };
    return { decoder, events, feed };
  }
  /** Text whose JSON has braces, brackets, quotes and backslashes in it, which must not count as nesting. */
  const text = 'z}{]["\\'.repeat(80);
  const tooLarge = (id: string | number) => ({
    tooLarge: id,
    code: 'MESSAGE_TOO_LARGE',
    message: expect.stringContaining(`answer to request ${JSON.stringify(id)}`) as unknown,
  });

  it('names the request of an oversize response from its first members, before its line ends', () => {
    const d = setupFull(100);
    const line = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { text } });
    d.feed(line.slice(0, 300));
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', tooLarge(7)]);
    d.feed(line.slice(300), '\n{"next":1}\n');
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', tooLarge(7), { next: 1 }]);
  });

  it('names it from its last members as soon as the message ends, before its line end', () => {
    const d = setupFull(100);
    // The order of the TypeScript SDK: the result first, the id last; here a string id with an escape.
    const id = 'a"b\\';
    d.feed(JSON.stringify({ result: { text }, jsonrpc: '2.0', id }), ' \r');
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', tooLarge(id)]);
    d.feed('\n{"next":1}\n');
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', tooLarge(id), { next: 1 }]);
  });

  it('names it whatever the chunks, once per line', () => {
    const lines = [
      JSON.stringify({ jsonrpc: '2.0', id: 1, result: { text } }),
      JSON.stringify({ result: { text }, jsonrpc: '2.0', id: 2 }),
      JSON.stringify({ jsonrpc: '2.0', error: { code: -1, message: text }, id: '3' }),
      '{"next":4}',
    ];
    const bytes = utf8(lines.map((l) => `${l}\n`).join(''));
    for (const size of [1, 2, 3, 7, 64, 99, 100, 101, 1000, bytes.length]) {
      const d = setupFull(100);
      for (const chunk of chunksOf(bytes, size)) d.decoder.push(chunk);
      d.decoder.end();
      expect(d.events, `chunks of ${size}`).toEqual([
        '!MESSAGE_TOO_LARGE',
        tooLarge(1),
        '!MESSAGE_TOO_LARGE',
        tooLarge(2),
        '!MESSAGE_TOO_LARGE',
        tooLarge('3'),
        { next: 4 },
      ]);
    }
  });

  it('does not take a server request, a notification or an id nested in the result for a response', () => {
    const d = setupFull(100);
    for (const message of [
      { method: 'sampling/createMessage', params: { text }, jsonrpc: '2.0', id: 3 },
      { jsonrpc: '2.0', id: 3, method: 'sampling/createMessage', params: { text } },
      { jsonrpc: '2.0', method: 'notifications/message', params: { text } },
      { jsonrpc: '2.0', result: { id: 5, text } },
      { result: { text, id: 5 }, jsonrpc: '2.0' },
    ]) {
      d.feed(`${JSON.stringify(message)}\n`);
    }
    d.feed('{"next":1}\n');
    expect(d.events).toEqual([...Array<string>(5).fill('!MESSAGE_TOO_LARGE'), { next: 1 }]);
  });

  it('reports a stream whose oversize message runs into the next one as broken, once, and reads no more', () => {
    const d = setupFull(100);
    const glued = `${JSON.stringify({ result: { text }, jsonrpc: '2.0', id: 1 })}{"jsonrpc":"2.0","id":2,"result":{}}\n`;
    d.feed(glued, '{"later":true}\n');
    expect(d.events).toEqual([
      '!MESSAGE_TOO_LARGE',
      expect.stringMatching(/^broken: MESSAGE_TOO_LARGE .*lost its framing/),
    ]);
    d.feed('{"more":1}\n');
    d.decoder.end();
    expect(d.events).toHaveLength(2);
    expect(d.decoder.bufferedBytes).toBe(0);
  });

  it('reads nothing after the break, also of lines in the same chunk', () => {
    const d = setupFull(100);
    const glued = JSON.stringify({ result: { text }, jsonrpc: '2.0', id: 1 });
    d.feed(`${glued}{"x":1}\n{"later":true}\n{"more":1}\n`);
    expect(d.events).toEqual([
      '!MESSAGE_TOO_LARGE',
      expect.stringMatching(/^broken: MESSAGE_TOO_LARGE .*lost its framing/),
    ]);
  });

  it('follows a top-level string or array too; whitespace before the line end is no break', () => {
    for (const [line, broken] of [
      [`${JSON.stringify(text)} \t\r\n`, false],
      [`${JSON.stringify([text, { a: text }])}\r\n`, false],
      [`${JSON.stringify(text)}x\n`, true],
      [`${JSON.stringify([text])} ]\n`, true],
      // Not JSON at the start: there is no end to follow, so only the line end counts.
      [`x${text}"}{\n`, false],
    ] as const) {
      const d = setupFull(100);
      d.feed(line, '{"next":1}\n');
      expect(d.events, line).toEqual(
        broken
          ? ['!MESSAGE_TOO_LARGE', expect.stringMatching(/^broken:/)]
          : ['!MESSAGE_TOO_LARGE', { next: 1 }],
      );
    }
  });

  it('names an answer skipped with an unfinished line when the input ends, as a line end would', () => {
    // Without `broken`, a response glued to an oversize message is skipped with it up to the line
    // end; when the input ends first, its end is that line's end.
    for (const ending of ['end', 'newline'] as const) {
      const events: unknown[] = [];
      const decoder = new LineDecoder(
        {
          message: (value) => events.push(value),
          error: (error) => events.push(`!${error.code}`),
          oversizeResponse: (id) => events.push({ tooLarge: id }),
        },
        { maxMessageBytes: 100 },
      );
      const first = JSON.stringify({ result: { text }, jsonrpc: '2.0' });
      const second = JSON.stringify({ result: {}, jsonrpc: '2.0', id: 2 });
      decoder.push(utf8(first + second));
      expect(events).toEqual(['!MESSAGE_TOO_LARGE', '!MESSAGE_TOO_LARGE']);
      if (ending === 'end') decoder.end();
      else decoder.push(utf8('\n'));
      expect(events, ending).toEqual(['!MESSAGE_TOO_LARGE', '!MESSAGE_TOO_LARGE', { tooLarge: 2 }]);
    }
  });

  it('without a broken callback, reports the lost framing as an error and skips to the line end', () => {
    const d = setup({ maxMessageBytes: 100 });
    d.feed(`${JSON.stringify({ a: text })}{"b":1}\n{"c":2}\n`);
    expect(d.tags()).toEqual(['!MESSAGE_TOO_LARGE', '!MESSAGE_TOO_LARGE', { c: 2 }]);
    expect(d.errors()[1]?.message).toMatch(/lost its framing/);
  });
});

describe('LineDecoder oversize lines: edges, escapes and chunk boundaries', () => {
  /** A decoder recording every call in order; `callbacks` picks the optional ones its sink has. */
  function record(
    maxMessageBytes: number,
    callbacks: { readonly oversizeResponse?: boolean; readonly broken?: boolean } = {},
  ) {
    const events: unknown[] = [];
    const errors: StreamError[] = [];
    const sink: LineDecoderSink = {
      message: (value) => events.push(value),
      error: (error) => {
        errors.push(error);
        events.push(`!${error.code}`);
      },
      ...(callbacks.oversizeResponse === true
        ? {
            oversizeResponse: (id: string | number, error: StreamError) => {
              errors.push(error);
              events.push({ tooLarge: id });
            },
          }
        : {}),
      ...(callbacks.broken === true
        ? { broken: (error: StreamError) => events.push(`broken: ${error.message}`) }
        : {}),
    };
    const decoder = new LineDecoder(sink, { maxMessageBytes });
    const feed = (...chunks: readonly (string | Uint8Array)[]): void => {
      for (const chunk of chunks) decoder.push(typeof chunk === 'string' ? utf8(chunk) : chunk);
    };
    return { decoder, events, errors, feed };
  }

  /** Collects the byte length of what `TextDecoder.prototype.decode` is given while `run` runs (undefined: the final flush). */
  function decodedLengths(run: () => void): (number | undefined)[] {
    const spy = vi.spyOn(TextDecoder.prototype, 'decode');
    try {
      run();
      return spy.mock.calls.map(([input]) =>
        input === undefined ? undefined : (input as Uint8Array).byteLength,
      );
    } finally {
      spy.mockRestore();
    }
  }

  it('gives a sink without oversizeResponse only MESSAGE_TOO_LARGE for a response named in its head or its tail', () => {
    const d = record(100);
    const big = 'a'.repeat(300);
    d.feed(`${JSON.stringify({ jsonrpc: '2.0', id: 1, result: { big } })}\n`);
    d.feed(`${JSON.stringify({ result: { big }, jsonrpc: '2.0', id: 2 })}\n{"next":3}\n`);
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', '!MESSAGE_TOO_LARGE', { next: 3 }]);
  });

  it('says in the answer the id, the cap, the bytes of the line seen so far, and the hint', () => {
    const d = record(100, { oversizeResponse: true });
    const big = 'a'.repeat(300);
    const byHead = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { big } });
    d.feed(byHead.slice(0, 150));
    d.feed(byHead.slice(150), '\n');
    const byTail = JSON.stringify({ result: { big }, jsonrpc: '2.0', id: 'b' });
    d.feed(byTail.slice(0, 150));
    d.feed(byTail.slice(150), '\n');
    expect(d.events).toEqual([
      '!MESSAGE_TOO_LARGE',
      { tooLarge: 1 },
      '!MESSAGE_TOO_LARGE',
      { tooLarge: 'b' },
    ]);
    const answers = [d.errors[1], d.errors[3]];
    expect(answers.map((e) => e?.summary)).toEqual([
      'The answer to request 1 is larger than maxMessageBytes (100 bytes; at least 150 arrived); it was skipped.',
      `The answer to request "b" is larger than maxMessageBytes (100 bytes; at least ${byTail.length} arrived); it was skipped.`,
    ]);
    for (const answer of answers) {
      expect(answer).toMatchObject({
        code: 'MESSAGE_TOO_LARGE',
        hint: { option: 'maxMessageBytes' },
      });
    }
  });

  it('answers once per line, by the id in its head, though a response glued to it names another', () => {
    const d = record(100, { oversizeResponse: true });
    const first = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { big: 'a'.repeat(300) } });
    const glued = JSON.stringify({ jsonrpc: '2.0', result: {}, id: 2 });
    d.feed(`${first}${glued}\n{"next":3}\n`);
    expect(d.events).toEqual([
      '!MESSAGE_TOO_LARGE',
      { tooLarge: 1 },
      '!MESSAGE_TOO_LARGE',
      { next: 3 },
    ]);
  });

  it('reads the tail only once the message has ended, not where a chunk ends inside it', () => {
    const d = record(100, { oversizeResponse: true });
    // A chunk ends just after an id nested in the result, which looks like the end of a response.
    const line = JSON.stringify({ result: { big: 'a'.repeat(300), id: 5 }, jsonrpc: '2.0' });
    const cut = line.indexOf('"id":5}') + '"id":5}'.length;
    d.feed(line.slice(0, cut));
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE']);
    d.feed(line.slice(cut), '\n{"next":1}\n');
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', { next: 1 }]);
  });

  it('does not read the tail again for the whitespace after the message, before its line end', () => {
    const d = record(100, { oversizeResponse: true });
    // Not a response: its last members name a method. Whitespace after it moves the last 1024
    // bytes on, byte by byte, past the cut of the method; read then, the tail would look like a
    // response's.
    const line = `{"result":{"big":"${'a'.repeat(300)}"},"method":"x","id":3}`;
    d.feed(line);
    for (let i = 0; i < 1024; i++) d.feed(' ');
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE']);
  });

  it('follows the JSON of a line that starts with whitespace', () => {
    const d = record(100, { oversizeResponse: true, broken: true });
    d.feed(` \t\r${JSON.stringify({ result: { big: 'a'.repeat(300) }, jsonrpc: '2.0', id: 6 })}`);
    // The message ended: its tail is read before the line end.
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', { tooLarge: 6 }]);
    d.feed('{"x":1}\n');
    expect(d.events).toEqual([
      '!MESSAGE_TOO_LARGE',
      { tooLarge: 6 },
      expect.stringMatching(/^broken: .*lost its framing/),
    ]);
  });

  it('counts the backslashes before a closing quote from where a split escape resumed', () => {
    // The string ends in two escaped backslashes (`\\\\"`); the chunk ends after the first one.
    const line = JSON.stringify({ result: `${'a'.repeat(300)}\\\\`, jsonrpc: '2.0', id: 4 });
    const cut = line.indexOf('\\\\\\\\"') + 1;
    expect(line.slice(cut - 1, cut + 4)).toBe('\\\\\\\\"');
    const d = record(100, { oversizeResponse: true });
    d.feed(line.slice(0, cut), line.slice(cut));
    // The message ended: its tail is read before the line end.
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', { tooLarge: 4 }]);
  });

  it('without broken, skips the rest of a line that lost its framing, over later chunks', () => {
    const d = record(100);
    d.feed(`${JSON.stringify({ a: 'a'.repeat(300) })}{"b":1`, ',"c":"}{["', ' }\n', '{"d":2}\n');
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE', '!MESSAGE_TOO_LARGE', { d: 2 }]);
  });

  it('reads the id from the first 1024 bytes of a line: a member ending at byte 1024 is read, one a byte later is not', () => {
    const start = '{"jsonrpc":"2.0","result":"';
    const member = '","id":"é€"'; // a multi-byte id, split across chunks below
    // "more" is longer than the last 1024 bytes: the tail never reaches the id.
    const room = 1024 - utf8(start).length - utf8(member).length;
    for (const [pad, expected] of [
      [room, [{ tooLarge: 'é€' }]],
      [room + 1, []],
    ] as const) {
      const line = `${start}${'r'.repeat(pad)}${member},"more":"${'a'.repeat(1100)}"}`;
      const bytes = utf8(`${line}\n{"next":1}\n`);
      for (const size of [1, 7, 300, bytes.length]) {
        const d = record(1200, { oversizeResponse: true });
        for (const chunk of chunksOf(bytes, size)) d.decoder.push(chunk);
        expect(d.events, `pad ${pad}, chunks of ${size}`).toEqual([
          '!MESSAGE_TOO_LARGE',
          ...expected,
          { next: 1 },
        ]);
      }
    }
  });

  it('reads the id from the last 1024 bytes of a message: a member starting 1024 bytes from its end is read, one a byte earlier is not', () => {
    const member = '"id":"é€","pad":"'; // a multi-byte id, split across chunks below
    const end = '"}';
    const room = 1024 - utf8(member).length - end.length;
    for (const [pad, expected] of [
      [room, [{ tooLarge: 'é€' }]],
      [room + 1, []],
    ] as const) {
      const line = `{"result":{"big":"${'a'.repeat(3000)}"},${member}${'p'.repeat(pad)}${end}`;
      const bytes = utf8(`${line}\n{"next":1}\n`);
      for (const size of [1, 7, 100, 128, 1000, bytes.length]) {
        const d = record(100, { oversizeResponse: true });
        for (const chunk of chunksOf(bytes, size)) d.decoder.push(chunk);
        expect(d.events, `pad ${pad}, chunks of ${size}`).toEqual([
          '!MESSAGE_TOO_LARGE',
          ...expected,
          { next: 1 },
        ]);
      }
    }
  });

  it('decodes the head from the held views of its first 1024 bytes only', () => {
    const d = record(1200);
    const line = utf8(`"${'s'.repeat(2000)}"\n`);
    const chunks = chunksOf(line, 300);
    for (const chunk of chunks.slice(0, 4)) d.decoder.push(chunk); // 1200 bytes held
    const lengths = decodedLengths(() => d.decoder.push(chunks[4] as Uint8Array));
    expect(lengths).toEqual([300, 300, 300, 124, undefined]);
    expect(d.events).toEqual(['!MESSAGE_TOO_LARGE']);
  });

  it('keeps only the views of the last 1024 bytes of a long line, and decodes just those bytes', () => {
    for (const [size, expected] of [
      [128, Array<number>(8).fill(128)],
      [100, [24, ...Array<number>(10).fill(100)]],
    ] as const) {
      const d = record(100);
      // A string that never ends: the tail is read at the line end only.
      for (const chunk of chunksOf(utf8(`"${'s'.repeat(20 * size - 1)}`), size)) {
        d.decoder.push(chunk);
      }
      // The line end comes alone, as a chunk that starts with it: an empty run, keeping no view.
      const lengths = decodedLengths(() => d.decoder.push(utf8('\n')));
      expect(lengths, `chunks of ${size}`).toEqual([...expected, undefined]);
      expect(d.events).toEqual(['!MESSAGE_TOO_LARGE']);
    }
  });
});
