import { McpLocalError } from '../errors/errors.js';
import type { JsonRpcMessage } from '../wire/jsonrpc.js';
import type { Transport, TransportHandlers } from '../wire/transport.js';
import {
  createSseTransport,
  SseTransportError,
  type SseOptions,
  type SseTransport,
} from './sse.js';
import { HttpError } from './http/errors.js';
import {
  createStreamableHttpTransport,
  type StreamableHttpOptions,
  type StreamableHttpTransport,
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
  let parsed: { id?: unknown; error?: unknown } | null | undefined;
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON: a server of another kind.
  }
  return (
    typeof parsed?.error === 'object' &&
    parsed.error !== null &&
    parsed.id !== undefined &&
    parsed.id !== null
  );
}

/** Whether an SSE start failure says the URL is not an HTTP+SSE endpoint at all. */
function notAnSseEndpoint(error: unknown): boolean {
  return (
    error instanceof HttpError ||
    (error instanceof SseTransportError &&
      (error.reason === 'not-event-stream' || error.reason === 'request-failed'))
  );
}

type Kind = 'streamable-http' | 'sse';

/** What one auto-detecting transport knows: the two transports, and which one is in use. */
interface AutoState {
  readonly options: HttpTransportOptions;
  readonly streamable: StreamableHttpTransport;
  sse: SseTransport | undefined;
  kind: Kind;
  handlers: TransportHandlers | undefined;
  /** Settles once the first message's answer has decided the transport. */
  decided: Promise<void> | undefined;
  closed: boolean;
  /** The session has been told that the transport closed. */
  reported: boolean;
}

/** The handlers given to an inner transport: its `closed` counts only while it is the one in use. */
function inner(state: AutoState, h: TransportHandlers, which: Kind): TransportHandlers {
  return {
    ...h,
    closed: (reason?: Error) => {
      if (state.kind !== which || state.reported) return;
      state.reported = true;
      h.closed(reason);
    },
  };
}

/** The first POST was refused as by a server without Streamable HTTP: tries HTTP+SSE instead. */
async function fallBack(
  state: AutoState,
  message: JsonRpcMessage,
  refusal: HttpError,
): Promise<void> {
  const h = state.handlers;
  if (h === undefined) throw refusal;
  const candidate = createSseTransport(state.options);
  state.sse = candidate;
  try {
    // Until the switch, the candidate's end is not the session's (see inner).
    await candidate.start(inner(state, h, 'sse'));
  } catch (error) {
    state.sse = undefined;
    await candidate.close();
    if (state.closed) throw error;
    if (notAnSseEndpoint(error)) throw refusal;
    throw error;
  }
  state.kind = 'sse';
  await candidate.send(message);
}

/** Sends the first message as Streamable HTTP; its refusal may decide for HTTP+SSE. */
async function first(state: AutoState, message: JsonRpcMessage): Promise<void> {
  try {
    await state.streamable.send(message);
  } catch (error) {
    if (
      error instanceof HttpError &&
      FALLBACK_STATUSES.has(error.status) &&
      !isJsonRpcAnswer(error.body) &&
      !state.closed
    ) {
      await fallBack(state, message, error);
      return;
    }
    throw error;
  }
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
  const state: AutoState = {
    options,
    streamable: createStreamableHttpTransport(options),
    sse: undefined,
    kind: 'streamable-http',
    handlers: undefined,
    decided: undefined,
    closed: false,
    reported: false,
  };
  const streamable = state.streamable;
  return {
    get kind() {
      return state.kind;
    },

    get extensions() {
      return streamable.extensions;
    },

    start(h: TransportHandlers) {
      state.handlers = h;
      return streamable.start(inner(state, h, 'streamable-http'));
    },

    useToolSchemas(lookup) {
      // Only Streamable HTTP on 2026-07-28 mirrors tool arguments into headers.
      // Stryker disable next-line OptionalChaining: the Streamable HTTP transport always has useToolSchemas
      streamable.useToolSchemas?.(lookup);
    },

    async send(message: JsonRpcMessage) {
      if (state.closed)
        throw new McpLocalError('CONNECTION_CLOSED', 'The HTTP transport is closed.');
      if (state.decided === undefined) {
        const sending = first(state, message);
        state.decided = sending.then(
          () => {},
          () => {},
        );
        return sending;
      }
      await state.decided;
      // Once decided, there is an HTTP+SSE transport only if it is the one in use.
      const sse = state.sse;
      if (sse !== undefined) return sse.send(message);
      return streamable.send(message);
    },

    async close() {
      if (state.closed) return;
      state.closed = true;
      const current = state.sse;
      if (current !== undefined) await current.close();
      // Closed last so that, on Streamable HTTP, its `closed` is the one reported.
      await streamable.close();
      if (!state.reported && state.handlers !== undefined) {
        // Stryker disable next-line BooleanLiteral: nothing reports after close: both transports are closed, and a second close returns at once
        state.reported = true;
        state.handlers.closed();
      }
    },
  };
}
