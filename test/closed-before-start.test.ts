import { describe, expect, it } from 'vitest';
import { createClientSession, type Transport } from '../src/index.js';
import { createHttpTransport } from '../src/transports/http-auto.js';
import { createByteChannelPair, createInMemoryTransportPair } from '../src/transports/in-memory.js';
import { createFramedTransport } from '../src/transports/framed.js';
import { createSseTransport } from '../src/transports/sse.js';
import { createStreamableHttpTransport } from '../src/transports/streamable-http.js';
import { createWebSocketTransport } from '../src/transports/websocket.js';
import type { WebSocketConstructor } from '../src/transports/websocket-types.js';

/**
 * A transport closed before it started: the session's connect() fails at once with
 * CONNECTION_CLOSED, and nothing goes out (no fetch, no socket). It used to wait forever for the
 * HTTP transports, and the WebSocket transport answered that it "starts once".
 */

/** Counts what a transport tries to open: fetches and sockets. */
function opener() {
  let opened = 0;
  const fetch = (() => {
    opened++;
    return Promise.reject(new Error('no network here'));
  }) as typeof globalThis.fetch;
  const WebSocket = function () {
    opened++;
    throw new Error('no network here');
  } as unknown as WebSocketConstructor;
  return { fetch, WebSocket, opened: () => opened };
}

const url = 'http://127.0.0.1:9/mcp';

const transports: ReadonlyArray<[string, (o: ReturnType<typeof opener>) => Transport, RegExp]> = [
  [
    'Streamable HTTP',
    (o) => createStreamableHttpTransport({ url, fetch: o.fetch }),
    /^The HTTP transport was closed before it started\.$/,
  ],
  [
    'HTTP (either kind)',
    (o) => createHttpTransport({ url, fetch: o.fetch }),
    /^The HTTP transport was closed before it started\.$/,
  ],
  [
    'HTTP+SSE',
    (o) => createSseTransport({ url, fetch: o.fetch }),
    /^The HTTP\+SSE transport was closed before/,
  ],
  [
    'WebSocket',
    (o) => createWebSocketTransport({ url: 'ws://127.0.0.1:9/', WebSocket: o.WebSocket }),
    /^The WebSocket transport was closed before it started\.$/,
  ],
  ['in-memory', () => createInMemoryTransportPair()[0], /^Connection closed/],
  ['framed', () => createFramedTransport(createByteChannelPair()[0]), /^Connection closed/],
];

describe('a transport closed before it started', () => {
  it.each(transports)(
    '%s: connect() rejects with CONNECTION_CLOSED and opens nothing',
    async (_, make, text) => {
      const o = opener();
      const transport = make(o);
      await transport.close();
      const session = createClientSession({ transport, mode: 'legacy' });
      await expect(session.connect()).rejects.toMatchObject({
        code: 'CONNECTION_CLOSED',
        message: expect.stringMatching(text) as unknown,
      });
      expect(o.opened()).toBe(0);
    },
  );
});
