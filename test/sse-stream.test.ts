import { describe, expect, it } from 'vitest';
import { McpLocalError, type StreamError } from '../src/errors/errors.js';
import { HttpError } from '../src/transports/http/errors.js';
import {
  readSseEvents,
  SseEventSize,
  sseEventTooLarge,
  type SseCallbacks,
} from '../src/transports/http/sse-events.js';
import {
  awaitEndpoint,
  openEventStream,
  SseTransportError,
  type SseStreamLink,
} from '../src/transports/http/sse-stream.js';
import type { TransportHandlers } from '../src/wire/transport.js';

/**
 * The SSE reader shared by the HTTP transports (the size count of an event, `readSseEvents`), and
 * the GET stream of the HTTP+SSE transport (opening it, the endpoint handshake, its messages and
 * its end), driven in process with bodies the test feeds by hand.
 */

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Lets every promise reaction queued so far run. */
const drained = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A body fed by hand: chunks pushed in turn, then ended or failed; whether it was cancelled. */
function handFed(): {
  body: ReadableStream<Uint8Array>;
  push(...chunks: (string | Uint8Array)[]): void;
  end(): void;
  fail(error: unknown): void;
  readonly cancelled: boolean;
} {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => {
      controller = c;
    },
    cancel: () => {
      cancelled = true;
    },
  });
  return {
    body,
    push: (...chunks) => {
      for (const chunk of chunks)
        controller?.enqueue(typeof chunk === 'string' ? encode(chunk) : chunk);
    },
    end: () => controller?.close(),
    fail: (error) => controller?.error(error),
    get cancelled() {
      return cancelled;
    },
  };
}

/** What `take` answers for each chunk in turn, on one count of cap `max`. */
function takes(max: number, chunks: string[]): boolean[] {
  const size = new SseEventSize(max);
  return chunks.map((chunk) => size.take(encode(chunk)));
}

describe('SseEventSize', () => {
  it('takes an empty chunk, even between a CR and the LF of its CRLF', () => {
    expect(new SseEventSize(0).take(new Uint8Array())).toBe(true);
    // 'data: abc' and 'data: def' are one event of 18 bytes: the LF after the empty chunk is the
    // end of the CRLF, not a blank line.
    expect(takes(12, ['data: abc\r', '', '\ndata: def\r\n\r\n'])).toEqual([true, true, false]);
    expect(takes(18, ['data: abc\r', '', '\ndata: def\r\n\r\n'])).toEqual([true, true, true]);
  });

  it('takes an LF at the start of a chunk as a line end of its own unless the chunk before ended with a CR', () => {
    // A blank line: 'data: abc' (9 bytes) and 'data: x' (7) are two events.
    expect(takes(10, ['data: abc\n', '\ndata: x\n\n'])).toEqual([true, true]);
    // Only the chunk right after the CR: the later LF is a blank line again.
    expect(takes(10, ['x\r', 'data: abc\n', '\ndata: x\n\n'])).toEqual([true, true, true]);
    expect(takes(9, ['x\r', 'data: abc\n', '\ndata: x\n\n'])).toEqual([true, false, false]);
  });

  it('takes the line ends of a chunk in their order, LF before CR and CR before LF', () => {
    // Two events of 7 bytes each.
    expect(takes(7, ['data: a\n\ndata: b\r\r'])).toEqual([true]);
    expect(takes(7, ['data: a\r\rdata: b\n\n'])).toEqual([true]);
  });

  it('takes a CRLF inside a chunk as one line end, and a lone CR as a line end before the next line', () => {
    // 'data: a' and 'data: b': one event of 14 bytes, not two.
    expect(takes(13, ['data: a\r\ndata: b\r\n\r\n'])).toEqual([false]);
    expect(takes(14, ['data: a\r\ndata: b\r\n\r\n'])).toEqual([true]);
    // After a CR the next line starts at once: 'data: a' and 'data: bc' are 15 bytes.
    expect(takes(14, ['data: a\rdata: bc\r\r'])).toEqual([false]);
    expect(takes(15, ['data: a\rdata: bc\r\r'])).toEqual([true]);
  });

  it('counts a line split between chunks as one line: its second part is not a blank line', () => {
    // 'data: abcdef' (12), 'data' (4, split 'da' | 'ta'), 'data: 1234' (10): one event of 26.
    expect(takes(20, ['data: abcdef\nda', 'ta\ndata: 1234\n\n'])).toEqual([true, false]);
    expect(takes(26, ['data: abcdef\nda', 'ta\ndata: 1234\n\n'])).toEqual([true, true]);
  });

  it('counts only the bytes after the last line end of a chunk toward the unfinished line', () => {
    // 'id: 1' (5) and 'data: abc' (9): 14 bytes.
    expect(takes(14, ['id: 1\ndata: abc', '\n\n'])).toEqual([true, true]);
    expect(takes(13, ['id: 1\ndata: abc', '\n\n'])).toEqual([false, false]);
  });

  it('reads on past a one-byte line, such as a bare comment', () => {
    // ':' (1) and 'data: abc' (9): 10 bytes, with each kind of line end.
    expect(takes(10, [':\ndata: abc\n\n', ':\rdata: abc\r\r', ':\r\ndata: abc\r\n\r\n'])).toEqual([
      true,
      true,
      true,
    ]);
    expect(takes(9, [':\ndata: abc\n\n'])).toEqual([false]);
    expect(takes(9, [':\rdata: abc\r\r'])).toEqual([false]);
  });
});

/** The calls `readSseEvents` makes, in order. */
function recorder(): { calls: unknown[]; callbacks: Required<SseCallbacks> } {
  const calls: unknown[] = [];
  return {
    calls,
    callbacks: {
      onEvent: (event) => calls.push(['event', event.event, event.data]),
      onId: (id) => calls.push(['id', id]),
      onRetry: (ms) => calls.push(['retry', ms]),
    },
  };
}

const tooLarge = (): StreamError => sseEventTooLarge(16, 'the test stream');

describe('readSseEvents', () => {
  it('gives each event, its id just before it and the server’s retry, across chunk boundaries, CRLF and comments', async () => {
    const feed = handFed();
    feed.push(
      ': keep-alive\r\n',
      'retry: 2500\r\n\r\nid: 7\r\nevent: message\r\nda',
      'ta: {"a":1}\r',
      '\n\r\ndata: plain\n\n',
    );
    feed.end();
    const { calls, callbacks } = recorder();
    await readSseEvents(feed.body, 1000, callbacks, tooLarge);
    // The event without an id gets no onId.
    expect(calls).toEqual([
      ['retry', 2500],
      ['id', '7'],
      ['event', 'message', '{"a":1}'],
      ['event', undefined, 'plain'],
    ]);
    // Read to its end: the body is released, not cancelled.
    expect(feed.cancelled).toBe(false);
    expect(feed.body.locked).toBe(false);
  });

  it('reads past ids and retry fields when only onEvent is given', async () => {
    const feed = handFed();
    feed.push('retry: 10\n\nid: 1\ndata: x\n\n');
    feed.end();
    const data: string[] = [];
    await readSseEvents(feed.body, 1000, { onEvent: (event) => data.push(event.data) }, tooLarge);
    expect(data).toEqual(['x']);
  });

  it('decodes a UTF-8 character split between chunks', async () => {
    const feed = handFed();
    const bytes = encode('data: é\n\n');
    feed.push(bytes.slice(0, 7), bytes.slice(7));
    feed.end();
    const { calls, callbacks } = recorder();
    await readSseEvents(feed.body, 1000, callbacks, tooLarge);
    expect(calls).toEqual([['event', undefined, 'é']]);
  });

  it('leaves out an event the body ends in the middle of', async () => {
    const feed = handFed();
    feed.push('data: 1\n\ndata: 2\n');
    feed.end();
    const { calls, callbacks } = recorder();
    await readSseEvents(feed.body, 1000, callbacks, tooLarge);
    expect(calls).toEqual([['event', undefined, '1']]);
  });

  it('stops after the chunk where stop() says so, and cancels the rest of the body', async () => {
    const feed = handFed();
    feed.push('data: 1\n\n', 'data: 2\n\n');
    feed.end();
    const { calls, callbacks } = recorder();
    await readSseEvents(feed.body, 1000, callbacks, tooLarge, () => calls.length > 0);
    expect(calls).toEqual([['event', undefined, '1']]);
    expect(feed.cancelled).toBe(true);
    expect(feed.body.locked).toBe(false);
  });

  it('throws the error of tooLarge for an event past the cap, before any of it is given, and cancels the body', async () => {
    expect.assertions(3);
    const feed = handFed();
    feed.push('data: 1\n\n', 'data: 0123456789', 'abcdef\n\n');
    const { calls, callbacks } = recorder();
    await expect(readSseEvents(feed.body, 16, callbacks, tooLarge)).rejects.toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
    });
    expect(calls).toEqual([['event', undefined, '1']]);
    expect(feed.cancelled).toBe(true);
  });

  it('throws what reading the body throws, after the events before it', async () => {
    expect.assertions(3);
    const feed = handFed();
    const failure = new TypeError('terminated');
    feed.push('data: 1\n\n');
    const { calls, callbacks } = recorder();
    // The body fails once the first event is in.
    const onEvent = callbacks.onEvent;
    callbacks.onEvent = (event) => {
      onEvent(event);
      feed.fail(failure);
    };
    await expect(readSseEvents(feed.body, 1000, callbacks, tooLarge)).rejects.toBe(failure);
    expect(calls).toEqual([['event', undefined, '1']]);
    expect(feed.body.locked).toBe(false);
  });

  it('says which stream and which cap an oversize event passed, with the option to raise', () => {
    const error = sseEventTooLarge(16, 'the test stream');
    expect(error).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      summary:
        'An SSE event on the test stream passed 16 bytes (maxMessageBytes) before its end; the stream was closed.',
      hint: { option: 'maxMessageBytes' },
    });
  });
});

const SSE_URL = 'http://127.0.0.1:8080/sse';

/** A transport around the stream, whose state the test sets; it records what the stream does. */
class TestLink implements SseStreamLink {
  readonly url = new URL(SSE_URL);
  readonly maxBytes: number;
  readonly stream = new AbortController();
  ended = false;
  closing = false;
  timedOut = false;
  endpoint: URL | undefined;
  stops = 0;
  readonly reports: (Error | undefined)[] = [];
  #reported: (reason: Error | undefined) => void = () => {};
  /** Resolves with the reason of the first `report()`. */
  reported = new Promise<Error | undefined>((resolve) => {
    this.#reported = resolve;
  });
  fetch: typeof fetch;

  constructor(
    answer: () => Promise<Response> = () => Promise.reject(new Error('no fetch')),
    maxBytes = 1000,
  ) {
    this.fetch = () => answer();
    this.maxBytes = maxBytes;
  }

  headersFor(): Promise<Headers> {
    return Promise.resolve(new Headers());
  }

  stop(): void {
    this.stops++;
    this.ended = true;
  }

  report(reason?: Error): void {
    this.reports.push(reason);
    this.#reported(reason);
  }

  closedBeforeEndpoint(): McpLocalError {
    return new McpLocalError('CONNECTION_CLOSED', 'Closed before the endpoint.');
  }

  noEndpointInTime(status?: number): SseTransportError {
    return new SseTransportError(
      'no-endpoint',
      'No endpoint in time.',
      status === undefined ? {} : { status },
    );
  }
}

describe('openEventStream', () => {
  it('a GET that fails below HTTP: request-failed, with the failure as its cause', async () => {
    expect.assertions(3);
    const failure = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), {
        code: 'ECONNREFUSED',
      }),
    });
    const link = new TestLink(() => Promise.reject(failure));
    const error = await openEventStream(link).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SseTransportError);
    expect(error).toMatchObject({
      reason: 'request-failed',
      message: `GET ${SSE_URL} for the SSE stream failed: fetch failed: connect ECONNREFUSED 127.0.0.1:8080`,
      cause: failure,
      status: undefined,
    });
    expect(link.stops).toBe(1);
  });

  it('a GET aborted by the endpoint timeout or by close(): the link’s own error', async () => {
    expect.assertions(2);
    const aborted = (): Promise<Response> =>
      Promise.reject(new DOMException('aborted', 'AbortError'));
    const timedOut = new TestLink(aborted);
    timedOut.timedOut = true;
    await expect(openEventStream(timedOut)).rejects.toMatchObject({
      reason: 'no-endpoint',
      message: 'No endpoint in time.',
    });
    const closed = new TestLink(aborted);
    closed.closing = true;
    await expect(openEventStream(closed)).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('an HTTP error status: an HttpError naming the SSE stream', async () => {
    expect.assertions(2);
    const link = new TestLink(() =>
      Promise.resolve(new Response('no such stream', { status: 404, statusText: 'Not Found' })),
    );
    const error = await openEventStream(link).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 404,
      message: `HTTP 404 Not Found for the SSE stream (GET ${SSE_URL}): no such stream.`,
    });
  });

  it('a 2xx answer that is not an event stream: not-event-stream, saying what came instead', async () => {
    expect.assertions(4);
    const answered = (response: Response): Promise<unknown> =>
      openEventStream(new TestLink(() => Promise.resolve(response))).catch((e: unknown) => e);
    const untyped = await answered(new Response(new ReadableStream(), { status: 200 }));
    expect(untyped).toMatchObject({
      reason: 'not-event-stream',
      status: 200,
      message: `GET ${SSE_URL} was answered 200 with no content type, not an SSE stream (text/event-stream); is this an HTTP+SSE (2024-11-05) endpoint?`,
    });
    const html = await answered(
      new Response('<html></html>', { status: 200, headers: { 'content-type': 'text/html' } }),
    );
    expect(html).toMatchObject({
      reason: 'not-event-stream',
      message: `GET ${SSE_URL} was answered 200 with content type text/html, not an SSE stream (text/event-stream); is this an HTTP+SSE (2024-11-05) endpoint?`,
    });
    // The type of a stream, but no body to read.
    const empty = await answered(
      new Response(null, { status: 204, headers: { 'content-type': 'text/event-stream' } }),
    );
    expect(empty).toMatchObject({ reason: 'not-event-stream', status: 204 });
    expect(empty).toBeInstanceOf(SseTransportError);
  });

  it('an event stream: its body and status, whatever the case of its content type', async () => {
    const body = new ReadableStream<Uint8Array>();
    const link = new TestLink(() =>
      Promise.resolve(
        new Response(body, {
          status: 200,
          headers: { 'content-type': 'Text/Event-Stream; charset=utf-8' },
        }),
      ),
    );
    const opened = await openEventStream(link);
    expect(opened.status).toBe(200);
    expect(opened.body).toBeInstanceOf(ReadableStream);
    expect(link.stops).toBe(0);
  });
});

/** The stream of `link`, fed by hand, read by `awaitEndpoint` with handlers that record. */
function endpointStream(link = new TestLink()): {
  link: TestLink;
  feed: ReturnType<typeof handFed>;
  handlers: TransportHandlers & { messages: unknown[]; errors: Error[] };
  started: Promise<void>;
} {
  const feed = handFed();
  const messages: unknown[] = [];
  const errors: Error[] = [];
  const handlers = {
    messages,
    errors,
    message: (m: unknown) => messages.push(m),
    error: (e: Error) => errors.push(e),
    closed: () => {
      throw new Error('the stream reports to its link, not to the handlers');
    },
  };
  return { link, feed, handlers, started: awaitEndpoint(link, handlers, feed.body, 200) };
}

const ENDPOINT = 'event: endpoint\ndata: /messages?session=1\n\n';

describe('awaitEndpoint', () => {
  it('resolves on the endpoint event, a URL on the stream’s origin, then hands over message events', async () => {
    const { link, feed, handlers, started } = endpointStream();
    // Events of other names before the endpoint are skipped.
    feed.push('event: ping\ndata: {}\n\n', ENDPOINT);
    await started;
    expect(link.endpoint?.href).toBe('http://127.0.0.1:8080/messages?session=1');
    feed.push(
      'data: {"jsonrpc":"2.0","id":1,"result":{}}\n\n',
      'event: message\ndata: [{"jsonrpc":"2.0","method":"a"},{"jsonrpc":"2.0","method":"b"}]\n\n',
      'event: ping\ndata: {"jsonrpc":"2.0","method":"skipped"}\n\n',
      // Data of spaces carries nothing: no message, no error.
      'data:   \n\n',
      'data: {"jsonrpc":"2.0","method":"last"}\n\n',
    );
    feed.end();
    await link.reported;
    expect(handlers.messages).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      { jsonrpc: '2.0', method: 'a' },
      { jsonrpc: '2.0', method: 'b' },
      { jsonrpc: '2.0', method: 'last' },
    ]);
    expect(handlers.errors).toEqual([]);
  });

  it('a message event whose data is not JSON is a stream exception, and the stream goes on', async () => {
    const { link, feed, handlers, started } = endpointStream();
    feed.push(ENDPOINT);
    await started;
    const junk = `not json ${'x'.repeat(200)}`;
    feed.push(`data: ${junk}\n\n`, 'data: {"jsonrpc":"2.0","method":"after"}\n\n');
    feed.end();
    await link.reported;
    expect(handlers.errors).toHaveLength(1);
    expect(handlers.errors[0]).toMatchObject({
      code: 'INVALID_JSON',
      message: `An SSE message event's data is not JSON: ${junk.slice(0, 120)}`,
    });
    expect(handlers.errors[0]?.cause).toBeInstanceOf(SyntaxError);
    expect(handlers.messages).toEqual([{ jsonrpc: '2.0', method: 'after' }]);
  });

  it('a second endpoint event is a stream exception and changes nothing', async () => {
    const { link, feed, handlers, started } = endpointStream();
    feed.push(ENDPOINT);
    await started;
    const second = `/other/${'y'.repeat(200)}`;
    feed.push(`event: endpoint\ndata: ${second}\n\n`);
    feed.end();
    await link.reported;
    expect(link.endpoint?.pathname).toBe('/messages');
    expect(handlers.errors).toHaveLength(1);
    expect(handlers.errors[0]).toMatchObject({
      code: 'INVALID_MESSAGE',
      message: `The server sent a second endpoint event (${second.slice(0, 120)}); it was ignored.`,
    });
  });

  it('an endpoint that is not a URL rejects with invalid-endpoint', async () => {
    expect.assertions(4);
    const { link, feed, started } = endpointStream();
    const data = `http://[${'z'.repeat(200)}`;
    feed.push(`event: endpoint\ndata: ${data}\n\n`);
    const error = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SseTransportError);
    expect(error).toMatchObject({
      reason: 'invalid-endpoint',
      message: `The endpoint event from ${SSE_URL} is not a URL: ${data.slice(0, 120)}`,
      status: 200,
      endpoint: data,
    });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(link.endpoint).toBeUndefined();
  });

  it('an endpoint on another origin rejects with cross-origin-endpoint, naming it without the spaces around it', async () => {
    expect.assertions(3);
    const { link, feed, started } = endpointStream();
    feed.push('event: endpoint\ndata:   http://evil.example/post  \n\n');
    const error = await started.catch((e: unknown) => e);
    expect(error).toMatchObject({
      reason: 'cross-origin-endpoint',
      message: `The endpoint event from ${SSE_URL} names http://evil.example, another origin than http://127.0.0.1:8080; refusing to POST messages there.`,
      status: 200,
      endpoint: 'http://evil.example/post',
    });
    expect('cause' in (error as Error)).toBe(false);
    expect(link.endpoint).toBeUndefined();
  });

  it('a message before the endpoint rejects with no-endpoint; nothing after it is taken, and the body is cancelled', async () => {
    expect.assertions(5);
    const { link, feed, handlers, started } = endpointStream();
    feed.push(`data: {"jsonrpc":"2.0","method":"early"}\n\n${ENDPOINT}`);
    await expect(started).rejects.toMatchObject({
      reason: 'no-endpoint',
      status: 200,
      message: `${SSE_URL} sent a message before its endpoint event; an HTTP+SSE (2024-11-05) server sends the endpoint first.`,
    });
    expect(link.endpoint).toBeUndefined();
    expect(handlers.messages).toEqual([]);
    await drained();
    expect(feed.cancelled).toBe(true);
    // The transport stopped once, for that message only.
    expect(link.stops).toBe(1);
  });

  it('a stream that ends before the endpoint rejects with no-endpoint', async () => {
    expect.assertions(2);
    const { link, feed, started } = endpointStream();
    feed.end();
    await expect(started).rejects.toMatchObject({
      reason: 'no-endpoint',
      status: 200,
      message: `The SSE stream from ${SSE_URL} ended before the endpoint event.`,
    });
    expect(link.reports).toEqual([]);
  });

  it('a stream that fails before the endpoint rejects with stream-failed, with the failure as its cause', async () => {
    expect.assertions(1);
    const { feed, started } = endpointStream();
    const failure = new TypeError('terminated');
    feed.fail(failure);
    await expect(started).rejects.toMatchObject({
      reason: 'stream-failed',
      status: 200,
      message: `Reading the SSE stream from ${SSE_URL} failed before the endpoint event: terminated`,
      cause: failure,
    });
  });

  it('a stream aborted by the endpoint timeout rejects with the link’s no-endpoint error and the status', async () => {
    expect.assertions(2);
    const { link, feed, started } = endpointStream();
    link.timedOut = true;
    feed.fail(new DOMException('This operation was aborted', 'AbortError'));
    const error = await started.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SseTransportError);
    expect(error).toMatchObject({
      reason: 'no-endpoint',
      message: 'No endpoint in time.',
      status: 200,
    });
  });

  it('closed by the user before the endpoint: the stream’s end or failure rejects with the link’s closed error', async () => {
    expect.assertions(2);
    const ending = endpointStream();
    ending.link.closing = true;
    ending.link.ended = true;
    ending.feed.end();
    await expect(ending.started).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
    const failing = endpointStream();
    failing.link.closing = true;
    failing.link.ended = true;
    failing.feed.fail(new DOMException('This operation was aborted', 'AbortError'));
    await expect(failing.started).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  });

  it('after the endpoint, the server ending the stream ends the transport with stream-ended', async () => {
    const { link, feed, started } = endpointStream();
    feed.push(ENDPOINT);
    await started;
    feed.end();
    const reason = await link.reported;
    expect(reason).toBeInstanceOf(SseTransportError);
    expect(reason).toMatchObject({
      reason: 'stream-ended',
      status: 200,
      message: `The server ended the SSE stream (${SSE_URL}).`,
    });
    expect(link.stops).toBe(1);
  });

  it('after the endpoint, a failing stream ends the transport with stream-failed', async () => {
    const { link, feed, started } = endpointStream();
    feed.push(ENDPOINT);
    await started;
    const failure = new TypeError('terminated');
    feed.fail(failure);
    expect(await link.reported).toMatchObject({
      reason: 'stream-failed',
      status: 200,
      message: `Reading the SSE stream from ${SSE_URL} failed: terminated`,
      cause: failure,
    });
  });

  it('an event past maxMessageBytes ends the transport with MESSAGE_TOO_LARGE naming the stream', async () => {
    const { link, feed, started } = endpointStream(new TestLink(undefined, 64));
    feed.push(ENDPOINT);
    await started;
    feed.push(`data: ${'x'.repeat(100)}\n\n`);
    const reason = await link.reported;
    expect(reason).toMatchObject({
      code: 'MESSAGE_TOO_LARGE',
      summary: `An SSE event on the SSE stream from ${SSE_URL} passed 64 bytes (maxMessageBytes) before its end; the stream was closed.`,
    });
    expect(feed.cancelled).toBe(true);
  });

  it('once the user closes, no more messages are handed over, not even from the chunk in hand, and the body is cancelled', async () => {
    const { link, feed, handlers, started } = endpointStream();
    feed.push(ENDPOINT);
    await started;
    let closeOnMessage = true;
    handlers.message = (m) => {
      handlers.messages.push(m);
      if (closeOnMessage) {
        closeOnMessage = false;
        link.closing = true;
        link.ended = true;
      }
    };
    feed.push('data: 1\n\ndata: 2\n\n', 'data: 3\n\n');
    await drained();
    expect(handlers.messages).toEqual([1]);
    expect(feed.cancelled).toBe(true);
    expect(link.reports).toEqual([]);
  });

  it('after the transport has ended otherwise, a failing stream reports nothing more', async () => {
    const { link, feed, started } = endpointStream();
    feed.push(ENDPOINT);
    await started;
    link.stop(); // stopped by the transport, not closed by the user
    feed.fail(new TypeError('terminated'));
    await drained();
    expect(link.reports).toEqual([]);
    expect(link.stops).toBe(1);
  });
});
