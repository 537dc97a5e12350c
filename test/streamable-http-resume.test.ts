import type { IncomingMessage, ServerResponse } from 'node:http';
import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SessionMessage } from '../src/index.js';
import { defaultDelay } from '../src/transports/http/resumable-stream.js';
import {
  createStreamableHttpTransport,
  type StreamableHttpOptions,
} from '../src/transports/streamable-http.js';
import type { TransportEvent } from '../src/wire/transport.js';
import {
  closeServers,
  event,
  initialize,
  json,
  legacySession,
  recordingDelay,
  serve,
  sse,
  toolResult,
} from './support/scripted-http.js';

/**
 * Resuming Streamable HTTP streams (MCP 2025-03-26..2025-11-25), against a real HTTP server on
 * 127.0.0.1 that the tests script: what a resume meets (a refusal, a network error, a stream cut
 * again), what a stream carries besides messages, the standalone GET stream's reopening and its
 * giving up, and the default wait between attempts. Waits go through an injected `delay`.
 */

afterEach(async () => {
  vi.useRealTimers();
  await closeServers();
});

/** The transport events among a session's messages. */
const transportEvents = (messages: SessionMessage[]): TransportEvent[] =>
  messages.flatMap((m) => (m.type === 'transport' ? [m.event] : []));

const exceptions = (messages: SessionMessage[]): Error[] =>
  messages.flatMap((m) => (m.type === 'exception' ? [m.error] : []));

describe('defaultDelay: the wait between reconnection attempts', () => {
  it('resolves once the time has passed, not before, and leaves no listener on the signal', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let done = false;
    const waiting = defaultDelay(100, controller.signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once with the abort reason when the signal aborts during the wait', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const reason = new Error('closing');
    const waiting = defaultDelay(10_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    // No timer is left to fire.
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal had aborted before, an Error made of a reason that is not one', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    controller.abort('gone');
    await expect(defaultDelay(10, controller.signal)).rejects.toMatchObject({
      message: 'gone',
    });
    expect(vi.getTimerCount()).toBe(0);
    const during = new AbortController();
    const waiting = defaultDelay(10, during.signal);
    during.abort('went');
    await expect(waiting).rejects.toMatchObject({ message: 'went' });
  });
});

describe('Streamable HTTP: what a resume meets', () => {
  it('fails the request at once, naming the refusal, when the server answers a resume with 404', async () => {
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') return void res.writeHead(404).end('no such stream');
      sse(res).end('id: p-0\nretry: 20\ndata: \n\n');
    });
    const { waits, delay } = recordingDelay();
    const { session } = await legacySession(url, { delay });
    const error: unknown = await session.callTool('slow').catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'TRANSPORT_ERROR',
      message: expect.stringMatching(
        /^The response stream of request \d+ \(tools\/call\) ended before its response, and the server refused to resume it: HTTP 404 Not Found for GET request \d+ \(tools\/call\): no such stream\.$/,
      ) as unknown,
      cause: { status: 404, body: 'no such stream' },
    });
    expect(waits).toEqual([20]);
    expect(seen.filter((s) => s.method === 'GET')).toHaveLength(1);
    await session.close();
  });

  it('tries again after a network error on a resume, backing off, and says when the stream is back', async () => {
    let gets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        gets++;
        // The first resume meets a connection closed before any answer.
        if (gets === 1) return void req.socket.destroy();
        const call = seen.find((s) => s.rpc === 'tools/call');
        return void sse(res).end(event(toolResult(call?.id, 'back'), 'n-1'));
      }
      sse(res).end('id: n-0\nretry: 100\ndata: \n\n');
    });
    const { waits, delay } = recordingDelay();
    const messages: SessionMessage[] = [];
    const { session } = await legacySession(url, { delay, reconnect: { factor: 3 } }, messages);
    await expect(session.callTool('slow')).resolves.toMatchObject({
      content: [{ text: 'back' }],
    });
    expect(waits).toEqual([100, 300]);
    const ids = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(ids).toEqual(['n-0', 'n-0']);
    const call = seen.find((s) => s.rpc === 'tools/call');
    expect(transportEvents(messages)).toEqual([
      {
        type: 'stream-resumed',
        message: `Resumed the stream of request ${String(call?.id)} (tools/call) after event "n-0".`,
        lastEventId: 'n-0',
        requestId: call?.id,
      },
    ]);
    await session.close();
  });

  it('resumes again, from the last event, when a resumed stream is cut in the middle of an event', async () => {
    let gets = 0;
    const { url, seen } = await serve((req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      if (req.method === 'GET') {
        gets++;
        const call = seen.find((s) => s.rpc === 'tools/call');
        if (gets === 1) {
          sse(res).write('id: m-1\ndata: \n\ndata: {"jsonrpc":', () => res.socket?.destroy());
          return;
        }
        return void sse(res).end(event(toolResult(call?.id, 'whole'), 'm-2'));
      }
      sse(res).end('id: m-0\nretry: 10\ndata: \n\n');
    });
    const { waits, delay } = recordingDelay();
    const { session } = await legacySession(url, { delay });
    await expect(session.callTool('slow')).resolves.toMatchObject({
      content: [{ text: 'whole' }],
    });
    const ids = seen.filter((s) => s.method === 'GET').map((s) => s.headers['last-event-id']);
    expect(ids).toEqual(['m-0', 'm-1']);
    expect(waits).toEqual([10, 10]);
    await session.close();
  });
});

describe('Streamable HTTP: what an event stream carries besides messages', () => {
  it('skips named events and events without data, and reports an event whose data is not JSON', async () => {
    const notJson = `{not json ${'x'.repeat(200)}`;
    const { url } = await serve((_req, rpc, res) => {
      if (rpc?.method === 'initialize') return initialize(rpc, res);
      sse(res).end(
        `event: heartbeat\ndata: ${JSON.stringify(toolResult(rpc?.id, 'not this'))}\n\n` +
          'data:  \n\n' +
          `data: ${notJson}\n\n` +
          `event: message\ndata: ${JSON.stringify(toolResult(rpc?.id, 'this'))}\n\n`,
      );
    });
    const messages: SessionMessage[] = [];
    const { session } = await legacySession(url, {}, messages);
    await expect(session.callTool('x')).resolves.toMatchObject({ content: [{ text: 'this' }] });
    const errors = exceptions(messages);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'INVALID_JSON',
      message: `An SSE event's data is not JSON: ${notJson.slice(0, 120)}`,
    });
    expect(errors[0]?.cause).toBeInstanceOf(SyntaxError);
    await session.close();
  });
});
