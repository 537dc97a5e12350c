import { McpLocalError } from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';
import {
  createSseTransport,
  SseTransportError,
  type SseOptions,
  type SseTransport,
} from './sse.js';
import {
  createStreamableHttpTransport,
  HttpError,
  type StreamableHttpOptions,
} from './streamable-http.js';

/**
 * HTTP for a client that does not know which HTTP transport the server speaks (MCP 2025-03-26 …
 * 2025-11-25 basic/transports, backwards compatibility): POST the first message as Streamable
 * HTTP; if that is refused with 400, 404 or 405 and the body is not a JSON-RPC error answering
 * the message (which a Streamable HTTP server of any revision would send), GET the same URL
 * expecting the HTTP+SSE `endpoint` event, and send the message, and every later one, there.
 *
 * When the GET does not open an event stream either (an error status, another content type), the
 * server is not an HTTP+SSE one: the transport stays on Streamable HTTP and the first message
 * fails with the POST's own `HttpError`, as it would have without the fallback (so `auto`
 * negotiation still falls back from its probe to `initialize`). When the GET opens an event stream
 * that then fails (no endpoint, an endpoint on another origin), that `SseTransportError` is thrown.
 * Only the first message's answer decides; later messages wait for the decision.
 */

/** Streamable HTTP's options, and HTTP+SSE's `endpointTimeout` for the fallback. */
export type HttpTransportOptions = StreamableHttpOptions & Pick<SseOptions, 'endpointTimeout'>;

/** An HTTP transport that found which of the two HTTP transports the server speaks. */
export interface HttpTransport extends Transport {
  /** The transport in use: `streamable-http` until the first message's answer says otherwise. */
  readonly kind: 'streamable-http' | 'sse';
}

/** The statuses with which a server that does not speak Streamable HTTP refuses its POST. */
const FALLBACK_STATUSES: ReadonlySet<number> = new Set([400, 404, 405]);

/** Whether a refusal's body is a JSON-RPC error answering a request: a Streamable HTTP server's own. */
function isJsonRpcAnswer(body: string): boolean {
  try {
    const parsed = JSON.parse(body) as { id?: unknown; error?: unknown } | null;
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      typeof parsed.error === 'object' &&
      parsed.error !== null &&
      parsed.id !== undefined &&
      parsed.id !== null
    );
  } catch {
    return false;
  }
}

/** Whether an SSE start failure says the URL is not an HTTP+SSE endpoint at all. */
function notAnSseEndpoint(error: unknown): boolean {
  return (
    error instanceof HttpError ||
    (error instanceof SseTransportError &&
      (error.reason === 'not-event-stream' || error.reason === 'request-failed'))
  );
}

/**
 * HTTP for a server whose HTTP transport is unknown: Streamable HTTP, falling back to HTTP+SSE
 * when the first POST is refused with 400, 404 or 405 without a JSON-RPC error.
 *
 * @example
 * ```ts
 * import { createClientSession, createHttpTransport } from 'mcp-actors';
 *
 * const transport = createHttpTransport({ url: 'http://127.0.0.1:3001/mcp' });
 * const session = createClientSession({ transport });
 * await session.connect();
 * console.log(transport.kind); // 'streamable-http' or 'sse'
 * ```
 */
export function createHttpTransport(options: HttpTransportOptions): HttpTransport {
  const streamable = createStreamableHttpTransport(options);
  let sse: SseTransport | undefined;
  let kind: 'streamable-http' | 'sse' = 'streamable-http';
  let handlers: TransportHandlers | undefined;
  /** Settles once the first message's answer has decided the transport. */
  let decided: Promise<void> | undefined;
  let closed = false;
  let reported = false;

  /** The handlers given to an inner transport: its `closed` counts only while it is the one in use. */
  const inner = (h: TransportHandlers, which: 'streamable-http' | 'sse'): TransportHandlers => ({
    ...h,
    closed: (reason?: Error) => {
      if (kind !== which || reported) return;
      reported = true;
      h.closed(reason);
    },
  });

  const fallBack = async (message: JsonRpcMessage, refusal: HttpError): Promise<void> => {
    const h = handlers;
    if (h === undefined) throw refusal;
    const candidate = createSseTransport(options);
    sse = candidate;
    try {
      // Until the switch, the candidate's end is not the session's (see inner).
      await candidate.start(inner(h, 'sse'));
    } catch (error) {
      sse = undefined;
      await candidate.close();
      if (closed) throw error;
      if (notAnSseEndpoint(error)) throw refusal;
      throw error;
    }
    kind = 'sse';
    await candidate.send(message);
  };

  const first = async (message: JsonRpcMessage): Promise<void> => {
    try {
      await streamable.send(message);
    } catch (error) {
      if (
        error instanceof HttpError &&
        FALLBACK_STATUSES.has(error.status) &&
        !isJsonRpcAnswer(error.body) &&
        !closed
      ) {
        await fallBack(message, error);
        return;
      }
      throw error;
    }
  };

  return {
    get kind() {
      return kind;
    },

    get extensions() {
      return streamable.extensions;
    },

    start(h: TransportHandlers) {
      handlers = h;
      return streamable.start(inner(h, 'streamable-http'));
    },

    useToolSchemas(lookup) {
      // Only Streamable HTTP on 2026-07-28 mirrors tool arguments into headers.
      streamable.useToolSchemas?.(lookup);
    },

    async send(message: JsonRpcMessage) {
      if (closed) throw new McpLocalError('CONNECTION_CLOSED', 'The HTTP transport is closed.');
      if (decided === undefined) {
        const sending = first(message);
        decided = sending.then(
          () => {},
          () => {},
        );
        return sending;
      }
      await decided;
      if (kind === 'sse' && sse !== undefined) return sse.send(message);
      return streamable.send(message);
    },

    async close() {
      if (closed) return;
      closed = true;
      const current = sse;
      if (current !== undefined) await current.close();
      // Closed last so that, on Streamable HTTP, its `closed` is the one reported.
      await streamable.close();
      if (!reported && handlers !== undefined) {
        reported = true;
        handlers.closed();
      }
    },
  };
}
