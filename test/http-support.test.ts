import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkMaxMessageBytes,
  connectionReset,
  corsNote,
  errorBody,
  failureText,
  isJson,
  isSse,
  readCappedText,
} from '../src/transports/http/fetch-support.js';
import { SseEventSize } from '../src/transports/http/sse-events.js';

/**
 * The size count of SSE events, and what the HTTP transports share about `fetch`: reading a body
 * with a cap, the failure texts, the CORS note of a page, the size option, telling a reset.
 */

afterEach(() => {
  vi.unstubAllGlobals();
});

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Feeds the chunks in turn; the index of the first refused, or -1. */
function firstRefused(max: number, chunks: string[]): number {
  const size = new SseEventSize(max);
  return chunks.findIndex((c) => !size.take(bytes(c)));
}

describe('SseEventSize', () => {
  it('counts the bytes of an event’s lines, line ends excluded, and starts again after a blank line', () => {
    // 'data: 12345' is 11 bytes, 'id: 1' 5: the event is 16.
    expect(firstRefused(16, ['id: 1\ndata: 12345\n\n', 'id: 2\ndata: 12345\n\n'])).toBe(-1);
    expect(firstRefused(15, ['id: 1\ndata: 12345\n\n'])).toBe(0);
  });

  it('counts an unfinished event across chunks and refuses it as soon as it passes the cap', () => {
    expect(firstRefused(10, ['data: ', 'abcd', 'e', 'f\n\n'])).toBe(2);
  });

  it('refuses a finished event over the cap even when it ends in the same chunk', () => {
    expect(firstRefused(10, ['data: abcdefghij\n\ndata: x\n\n'])).toBe(0);
  });

  it('takes CR, LF and CRLF line ends, a CRLF split between chunks included', () => {
    // Were the split CRLF two line ends, the LF would end the event early and this would pass.
    expect(firstRefused(12, ['data: abc\r', '\ndata: def\r\n\r\n'])).toBe(1);
    expect(firstRefused(18, ['data: abc\r', '\ndata: def\r\n\r\n', 'data: 1\r\r'])).toBe(-1);
    // A CR at a chunk's end, then a CR: a blank line, and the next event starts at zero.
    expect(firstRefused(9, ['data: abc\r', '\r', 'data: def\n\n'])).toBe(-1);
  });

  it('counts multi-byte characters as their UTF-8 bytes', () => {
    expect(firstRefused(9, ['data: é\n\n'])).toBe(-1); // 8 bytes
    expect(firstRefused(7, ['data: é\n\n'])).toBe(0);
  });
});

describe('failureText', () => {
  it('names the causes beneath a fetch failure: the system error and its code', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    });
    expect(failureText(new TypeError('fetch failed', { cause: refused }))).toBe(
      'fetch failed: connect ECONNREFUSED 127.0.0.1:9',
    );
    const socket = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(failureText(new TypeError('terminated', { cause: socket }))).toBe(
      'terminated: other side closed (UND_ERR_SOCKET)',
    );
    // Node's AggregateError of a refused dual-stack connect has no message, only a code.
    const aggregate = Object.assign(new AggregateError([refused], ''), { code: 'ECONNREFUSED' });
    expect(failureText(new TypeError('fetch failed', { cause: aggregate }))).toBe(
      'fetch failed: ECONNREFUSED',
    );
    expect(failureText('plain')).toBe('plain');
  });
});

/** A body that gives `chunks` in turn, then never ends; `cancelled` says whether it was cancelled. */
function endlessBody(chunks: Uint8Array[]): {
  body: ReadableStream<Uint8Array>;
  cancelled: () => boolean;
} {
  let cancelled = false;
  let next = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunks[next % chunks.length] ?? new Uint8Array());
      next += 1;
    },
    cancel() {
      cancelled = true;
    },
  });
  return { body, cancelled: () => cancelled };
}

/** A body that gives `chunks`, then ends. */
const finiteBody = (chunks: Uint8Array[]): ReadableStream<Uint8Array> =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

describe('readCappedText', () => {
  const tooLarge = () => new Error('past the cap');

  it('reads a body of exactly the cap, a character split between chunks included, and lets go of it', async () => {
    const e = bytes('é'); // two bytes
    const body = finiteBody([bytes('ab'), e.slice(0, 1), e.slice(1), bytes('c')]);
    await expect(readCappedText(body, 5, tooLarge)).resolves.toBe('abéc');
    expect(body.locked).toBe(false);
  });

  it('reads no body as an empty text', async () => {
    await expect(readCappedText(null, 5, tooLarge)).resolves.toBe('');
  });

  it('throws what tooLarge makes once the body passes the cap, and cancels the rest of it', async () => {
    const { body, cancelled } = endlessBody([bytes('abc')]);
    await expect(readCappedText(body, 5, tooLarge)).rejects.toMatchObject({
      message: 'past the cap',
    });
    expect(cancelled()).toBe(true);
    expect(body.locked).toBe(false);
  });
});

describe('isSse and isJson', () => {
  const typed = (type?: string) =>
    new Response('', type === undefined ? {} : { headers: { 'content-type': type } });

  it('tell an event stream and JSON by their Content-Type, whatever its case and parameters', () => {
    expect([
      isSse(typed('Text/Event-Stream; charset=utf-8')),
      isJson(typed('text/event-stream')),
    ]).toEqual([true, false]);
    expect([
      isJson(typed('Application/JSON; charset=utf-8')),
      isSse(typed('application/json')),
    ]).toEqual([true, false]);
    expect([isSse(typed()), isJson(typed())]).toEqual([false, false]);
  });
});

describe('errorBody', () => {
  it('reads an error body up to the cap, and gives an empty text for one past it', async () => {
    await expect(errorBody(new Response('Log in first.'), 100)).resolves.toBe('Log in first.');
    await expect(errorBody(new Response('x'.repeat(101)), 100)).resolves.toBe('');
  });
});

describe('failureText, further', () => {
  it('does not repeat a cause the failure already says, but adds its code', () => {
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(failureText(new Error('request failed: socket hang up', { cause: hangUp }))).toBe(
      'request failed: socket hang up (ECONNRESET)',
    );
  });

  it('names a cause without a message by its code when it is a text, else by its name', () => {
    const coded = Object.assign(new Error(''), { code: 'ECONNRESET' });
    expect(failureText(new TypeError('fetch failed', { cause: coded }))).toBe(
      'fetch failed: ECONNRESET',
    );
    const numbered = Object.assign(new RangeError(''), { code: 42 });
    expect(failureText(new TypeError('fetch failed', { cause: numbered }))).toBe(
      'fetch failed: RangeError',
    );
  });

  it('says an error once when its cause chain loops back to it', () => {
    const looping = Object.assign(new Error('stream broke'), { code: 'EX' });
    looping.cause = new Error('socket closed', { cause: looping });
    expect(failureText(looping)).toBe('stream broke: socket closed');
  });

  it('names five causes at most', () => {
    let error = new Error('cause 7');
    for (let i = 6; i >= 1; i--) error = new Error(`cause ${String(i)}`, { cause: error });
    expect(failureText(new TypeError('fetch failed', { cause: error }))).toBe(
      'fetch failed: cause 1: cause 2: cause 3: cause 4: cause 5',
    );
  });
});

describe('corsNote', () => {
  const other = new URL('https://mcp.example/mcp');
  const failed = new TypeError('Failed to fetch');
  const page = (origin: unknown = 'https://app.example') => {
    vi.stubGlobal('document', {});
    vi.stubGlobal('location', { origin });
  };
  const note = (headers: Record<string, string>) => corsNote(failed, other, new Headers(headers));
  const admitted = (origin: string) =>
    ` (from a page at ${origin}, this is also how a CORS refusal shows, named on the browser console only: the server's CORS must allow that origin`;

  it('says nothing outside a browser', () => {
    expect(note({ authorization: 'Bearer t' })).toBe('');
  });

  it('in a page, names its origin and the request headers that CORS must allow for a failure at another origin', () => {
    page();
    expect(
      note({
        Accept: 'application/json, text/event-stream',
        'Accept-Language': 'en',
        'Content-Language': 'en',
        'Content-Type': 'application/json',
        'Mcp-Session-Id': 'session-1',
        Authorization: 'Bearer t',
      }),
    ).toBe(
      `${admitted('https://app.example')} and the request headers authorization, content-type, mcp-session-id)`,
    );
    expect(note({ accept: '*/*' })).toBe(`${admitted('https://app.example')})`);
  });

  it('takes the content types a form may send as needing no consent, whatever their case and parameters', () => {
    page();
    for (const type of [
      'text/plain',
      'Text/Plain ; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      expect(note({ 'content-type': type })).toBe(`${admitted('https://app.example')})`);
    }
    for (const type of ['application/json', 'text/plainer']) {
      expect(note({ 'content-type': type })).toBe(
        `${admitted('https://app.example')} and the request headers content-type)`,
      );
    }
  });

  it('in a worker, names its origin too', () => {
    vi.stubGlobal('WorkerGlobalScope', class {});
    vi.stubGlobal('location', { origin: 'https://worker.example' });
    expect(note({})).toBe(`${admitted('https://worker.example')})`);
  });

  it('says nothing in a page for a request to its own origin, or for a failure other than a TypeError', () => {
    page('https://mcp.example');
    expect(note({})).toBe('');
    page();
    expect(corsNote(new Error('aborted'), other, new Headers())).toBe('');
  });

  it('says nothing where a location is not a page’s: a runtime without a document, a document without a location or origin', () => {
    vi.stubGlobal('location', { origin: 'https://deno.example' }); // as Deno's --location
    expect(note({})).toBe('');
    vi.stubGlobal('document', {});
    vi.stubGlobal('location', undefined);
    expect(note({})).toBe('');
    vi.stubGlobal('location', { origin: null });
    expect(note({})).toBe('');
  });
});

describe('checkMaxMessageBytes', () => {
  it('accepts a positive number of bytes and refuses zero, a negative number or NaN, naming it', () => {
    expect(checkMaxMessageBytes(1)).toBe(1);
    for (const [max, text] of [
      [0, '0'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
    ] as const) {
      expect(() => checkMaxMessageBytes(max)).toThrow(
        expect.objectContaining({
          code: 'INVALID_ARGUMENT',
          message: `maxMessageBytes must be a positive number of bytes; got ${text}.`,
        }),
      );
    }
  });
});

describe('connectionReset', () => {
  const coded = (code: string, cause?: Error) =>
    Object.assign(new Error(`failed (${code})`, cause === undefined ? {} : { cause }), { code });

  it('tells a connection reset or closed by the peer by its code, on the error or beneath it', () => {
    for (const code of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']) {
      expect(connectionReset(coded(code))).toBe(true);
      expect(connectionReset(new TypeError('fetch failed', { cause: coded(code) }))).toBe(true);
    }
  });

  it('tells other failures apart: a refusal, a DNS failure, an error without a code, a string', () => {
    expect(connectionReset(coded('ECONNREFUSED'))).toBe(false);
    expect(connectionReset(new TypeError('fetch failed', { cause: coded('ENOTFOUND') }))).toBe(
      false,
    );
    expect(connectionReset(new Error('fetch failed'))).toBe(false);
    expect(connectionReset('ECONNRESET')).toBe(false);
  });

  it('looks five errors down a cause chain, no further', () => {
    const chain = (depth: number): Error => {
      let error: Error = coded('ECONNRESET');
      for (let i = 0; i < depth; i++) error = new Error(`layer ${String(i)}`, { cause: error });
      return error;
    };
    expect(connectionReset(chain(4))).toBe(true);
    expect(connectionReset(chain(5))).toBe(false);
  });
});
