import { describe, expect, it } from 'vitest';
import { OversizeLine, type OversizeSink } from '../src/wire/line-oversize.js';

const encoder = new TextEncoder();

/** `run` inside bytes that hold other bytes before and after it: the bytes, and where the run starts and ends. */
function within(before: string, run: string, after: string): [Uint8Array, number, number] {
  const start = encoder.encode(before).length;
  return [encoder.encode(before + run + after), start, start + encoder.encode(run).length];
}

describe('OversizeLine', () => {
  it('skips only bytes[start, end): counts them, keeps them for the tail and follows their JSON', () => {
    const events: unknown[] = [];
    const sink: OversizeSink = {
      error: (error) => events.push(`!${error.code}`),
      oversizeResponse: (id, error) => events.push({ tooLarge: id, summary: error.summary }),
      broken: (error) => events.push(`broken: ${error.message}`),
    };
    const runs = [
      // The run ends inside a string; the quote after it is not the string's end.
      within('', `{"result":"${'a'.repeat(40)}`, 'x"}'),
      // The run starts with the string's closing quote; the backslash before it escapes nothing.
      within('\\', '",', '"'),
      // The bytes before the run, read as part of the tail, would name a method.
      within('"method":"x",', '"id":3}', '{"q":1}'),
    ];
    const [first, start, end] = runs[0] as [Uint8Array, number, number];
    const line = new OversizeLine(sink, 10, [first.subarray(start, end)], end - start);
    expect(events).toEqual(['!MESSAGE_TOO_LARGE']);
    for (const [bytes, from, to] of runs) expect(line.skip(bytes, from, to)).toBeUndefined();
    const size = runs.reduce((sum, [, from, to]) => sum + to - from, 0);
    expect(size).toBe(60);
    expect(events).toEqual([
      '!MESSAGE_TOO_LARGE',
      {
        tooLarge: 3,
        summary: `The answer to request 3 is larger than maxMessageBytes (10 bytes; at least ${size} arrived); it was skipped.`,
      },
    ]);
  });
});
