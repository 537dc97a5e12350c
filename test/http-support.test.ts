import { describe, expect, it } from 'vitest';
import { failureText } from '../src/transports/http/fetch-support.js';
import { SseEventSize } from '../src/transports/http/sse-events.js';

/** The size count of SSE events, and the failure texts of the HTTP transports. */

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
