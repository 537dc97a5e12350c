import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConnectionClosedError,
  ConnectTimeoutError,
  HttpError,
  LineDecoder,
  McpError,
  PaginationError,
  RequestCancelledError,
  RequestTimeoutError,
  SendFailedError,
  SessionExpiredError,
  StreamError,
  TooManyRoundsError,
  WebSocketClosedError,
} from '../src/index.js';
import { InvalidOutputSchemaError } from '../src/protocol/tool-output.js';
import { clause, counted, sentence } from '../src/errors/sentences.js';
import { newStream, unresumable } from '../src/transports/http/resumable-stream.js';

/**
 * Error messages are sentences: one that quotes another (a cause, a server's words) ends with one
 * full stop, never two; advice comes last, as the error's `hint`, naming the option to change.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Two full stops in a row that are not an ellipsis (`...`) or a path (`../`). */
const DOUBLED = /(?<!\.)\.\.(?![./])/;

const ref = { method: 'tools/call', id: 7 };
/** A message that ends with a full stop, and one with advice of its own. */
const said = new Error('The server said no.');
const closed = new ConnectionClosedError(ref, { cause: said });

describe('messages that quote another end with one full stop', () => {
  it.each([
    ['ConnectionClosedError', closed],
    ['RequestCancelledError', new RequestCancelledError(ref, said)],
    ['SendFailedError (of a closed connection)', new SendFailedError(ref, closed)],
    ['PaginationError', new PaginationError('tools/list', 3, 'the cursor repeated.')],
    ['HttpError', new HttpError(500, 'Internal Server Error', 'Try again later.', 'POST')],
    ['WebSocketClosedError', new WebSocketClosedError(1011, 'Going away.')],
    [
      'InvalidOutputSchemaError',
      new InvalidOutputSchemaError('t', 'invalid-schema', { cause: new Error('bad keyword.') }),
    ],
    [
      'SessionExpiredError',
      new SessionExpiredError('renewal-failed', 's1', 'The server ended session "s1".', said),
    ],
  ] as const)('%s', (_name, error: Error) => {
    expect(error.message).not.toMatch(DOUBLED);
    expect(error.message).toMatch(/[^.]\.$/);
  });

  it('clause and sentence', () => {
    expect(clause('Closed. Create a new session to reconnect. ')).toBe(
      'Closed. Create a new session to reconnect',
    );
    expect(sentence('it was skipped')).toBe('it was skipped.');
    expect(sentence('it was skipped.')).toBe('it was skipped.');
    expect(sentence('Is this an MCP endpoint?')).toBe('Is this an MCP endpoint?');
  });

  it('counts in the singular for one, else in the plural', () => {
    expect([0, 1, 2].map((n) => counted(n, 'attempt'))).toEqual([
      '0 attempts',
      '1 attempt',
      '2 attempts',
    ]);
  });

  it('a stream that one attempt failed to resume says "1 attempt"', () => {
    const stream = newStream(3, 'request 3 (tools/call)');
    const error = unresumable(stream, { kind: 'exhausted', cause: new Error('fetch failed') }, 1);
    expect(error.message).toBe(
      'The response stream of request 3 (tools/call) ended before its response: 1 attempt to resume it failed, the last with fetch failed.',
    );
  });
});

describe('advice is the hint, named by option', () => {
  it.each([
    [
      'TooManyRoundsError',
      new TooManyRoundsError('tools/call', 3),
      'maxInputRounds',
      'tools/call still asked for input after 3 rounds.',
    ],
    [
      'ConnectTimeoutError',
      new ConnectTimeoutError(500, 'initialize'),
      'initializeTimeout',
      'connect() timed out after 500 ms, with no answer to initialize; the connection was closed.',
    ],
    [
      'RequestTimeoutError (idle)',
      new RequestTimeoutError(ref, 100, 'idle'),
      'timeout',
      'Request timed out after 100 ms (tools/call, id 7).',
    ],
    [
      'RequestTimeoutError (total)',
      new RequestTimeoutError(ref, 100, 'total'),
      'maxTotalTimeout',
      'Request timed out after 100 ms (tools/call, id 7) in total.',
    ],
    [
      'ConnectionClosedError',
      closed,
      undefined,
      'Connection closed (tools/call, id 7): The server said no.',
    ],
  ] as const)('%s', (_name, error: McpError, option, summary) => {
    expect(error.hint?.option).toBe(option);
    expect(error.summary).toBe(summary);
    expect(error.message).toBe(`${summary} ${error.hint?.text}`);
  });

  it('a message over maxMessageBytes says which option to raise', () => {
    const errors: StreamError[] = [];
    const decoder = new LineDecoder(
      { message: () => {}, error: (e) => errors.push(e) },
      { maxMessageBytes: 16 },
    );
    decoder.push(
      new TextEncoder().encode(`${JSON.stringify({ jsonrpc: '2.0', method: 'x'.repeat(40) })}\n`),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]?.code).toBe('MESSAGE_TOO_LARGE');
    expect(errors[0]?.hint).toEqual({
      text: "Raise maxMessageBytes if the server's messages are this large.",
      option: 'maxMessageBytes',
    });
  });

  it('an error with no advice has no hint, and its summary is its message', () => {
    const e = new McpError('INVALID_STATE', 'Cannot do that now.');
    expect(e.hint).toBeUndefined();
    expect(e.summary).toBe(e.message);
  });
});

/** Every TypeScript file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return file.endsWith('.ts') ? [file] : [];
  });
}

describe('every message of the library and the command line', () => {
  it('quotes another message only as a clause (its full stop dropped) before a full stop of its own', () => {
    // `${<a message>}.` in a template literal: an error's message, a reason, a cause's text.
    const quoted =
      /\$\{([^{}]*(?:reasonText|failureText|errorText|oneLine|summarize)\([^{}]*\)|[^{}]*\.message)\}\./g;
    const offenders: string[] = [];
    for (const file of sources(path.join(root, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(quoted)) {
        if (!/^clause\(/.test(m[1] ?? '')) {
          const line = text.slice(0, m.index).split('\n').length;
          offenders.push(`${path.relative(root, file)}:${line}: ${m[0]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});
