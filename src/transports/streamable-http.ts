import { McpLocalError, reasonText } from '../errors.js';
import { isErrorObject, type JsonRpcMessage } from '../jsonrpc.js';
import { isModernVersion } from '../protocol/revisions.js';
import { requestHeaders } from '../protocol/http-headers.js';
import type { Transport, TransportHandlers } from '../transport.js';

/**
 * Streamable HTTP (MCP 2025-03-26 and later, basic/transports; 2026-07-28
 * basic/transports/streamable-http): every message is a POST to one endpoint, answered with 202,
 * a JSON body, or an SSE stream that carries the request's notifications and then its response.
 *
 * This transport handles: the `Accept` header both eras require; JSON and SSE bodies (parsed with
 * `eventsource-parser`); the legacy `Mcp-Session-Id` (taken from the initialize response, sent on
 * every later request, ended with `DELETE` on close, 405 tolerated); `MCP-Protocol-Version` after
 * negotiation; the 2026 request headers (`Mcp-Method`, `Mcp-Name`, the protocol version); a
 * JSON-RPC error in an error response's body (so a 2026 server's `400` with `-32022` reaches the
 * request as that error); HTTP failures as `HttpError` with the status and body.
 *
 * On 2026-07-28 a cancellation aborts the request's own POST instead of sending a notification.
 *
 * Not yet: the standalone GET stream, SSE resumption, re-initialising an expired session.
 */

export interface StreamableHttpOptions {
  readonly url: string | URL;
  /** The `fetch` to use. Default: the global one. */
  readonly fetch?: typeof fetch;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Adds headers (credentials) to each request, just before it is sent. */
  readonly authorize?: (request: {
    readonly url: URL;
    readonly method: string;
  }) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
}

/** An HTTP answer that carried no JSON-RPC message: the status and what the body said. */
export class HttpError extends McpLocalError {
  override name = 'HttpError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly status: number;
  readonly body: string;
  constructor(status: number, statusText: string, body: string, what: string) {
    super(
      'TRANSPORT_ERROR',
      `HTTP ${status} ${statusText} for ${what}${body.trim() === '' ? '' : `: ${body.trim().slice(0, 200)}`}.`,
    );
    this.status = status;
    this.body = body;
  }
}

function describeMessage(message: JsonRpcMessage): string {
  return 'method' in message ? message.method : 'a response';
}

export interface StreamableHttpTransport extends Transport {
  /** The legacy session id the server gave, if any. */
  readonly sessionId: string | undefined;
  /** The protocol version sent in `MCP-Protocol-Version`, once negotiated. */
  readonly protocolVersion: string | undefined;
}

export function createStreamableHttpTransport(
  options: StreamableHttpOptions,
): StreamableHttpTransport {
  const url = new URL(options.url);
  const doFetch = options.fetch ?? globalThis.fetch;
  let handlers: TransportHandlers | undefined;
  let sessionId: string | undefined;
  let protocolVersion: string | undefined;
  let closed = false;
  const inFlight = new Set<AbortController>();
  /** The POST of each request still being answered, by request id. */
  const byId = new Map<string | number, AbortController>();
  /** Whether requests carry 2026 stamps: then cancelling a request is aborting its POST. */
  let modern = false;
  /** Ids of outgoing `initialize` requests, to read the negotiated version from their responses. */
  const initializeIds = new Set<string | number>();

  const deliver = (value: unknown): void => {
    const h = handlers;
    if (h === undefined) return;
    for (const m of Array.isArray(value) ? value : [value]) {
      const response = m as { id?: string | number; result?: { protocolVersion?: unknown } };
      if (response.id !== undefined && initializeIds.delete(response.id)) {
        const v = response.result?.protocolVersion;
        if (typeof v === 'string') protocolVersion = v;
      }
      h.message(m);
    }
  };

  const headersFor = async (
    message: JsonRpcMessage | undefined,
    method: string,
  ): Promise<Headers> => {
    const headers = new Headers(options.headers);
    headers.set('Accept', 'application/json, text/event-stream');
    if (message !== undefined) headers.set('Content-Type', 'application/json');
    if (sessionId !== undefined) headers.set('Mcp-Session-Id', sessionId);
    const stamped =
      message !== undefined && 'method' in message
        ? (message.params?._meta as Record<string, unknown> | undefined)?.[
            'io.modelcontextprotocol/protocolVersion'
          ]
        : undefined;
    if (
      message !== undefined &&
      'method' in message &&
      typeof stamped === 'string' &&
      isModernVersion(stamped)
    ) {
      // MCP 2026-07-28: the request metadata headers on every POST.
      for (const [k, v] of Object.entries(requestHeaders(message, stamped))) headers.set(k, v);
    } else if (protocolVersion !== undefined) {
      headers.set('MCP-Protocol-Version', protocolVersion);
    }
    if (options.authorize !== undefined) {
      for (const [k, v] of Object.entries(await options.authorize({ url, method })))
        headers.set(k, v);
    }
    return headers;
  };

  const readSse = async (body: ReadableStream<Uint8Array>): Promise<void> => {
    const h = handlers;
    // Loaded on the first SSE answer: importing the package stays cheap.
    const { createParser } = await import('eventsource-parser');
    const parser = createParser({
      onEvent: (event) => {
        if (event.event !== undefined && event.event !== 'message') return;
        if (event.data.trim() === '') return; // a priming event
        try {
          deliver(JSON.parse(event.data));
        } catch (cause) {
          h?.error(
            new McpLocalError(
              'INVALID_JSON',
              `An SSE event's data is not JSON: ${event.data.slice(0, 120)}`,
              { cause },
            ),
          );
        }
      },
    });
    const decoder = new TextDecoder();
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>)
      parser.feed(decoder.decode(chunk, { stream: true }));
  };

  return {
    get sessionId() {
      return sessionId;
    },
    get protocolVersion() {
      return protocolVersion;
    },

    start(h: TransportHandlers) {
      handlers = h;
    },

    async send(message: JsonRpcMessage) {
      if (closed) throw new McpLocalError('CONNECTION_CLOSED', 'The HTTP transport is closed.');
      if ('method' in message && message.method === 'initialize' && 'id' in message)
        initializeIds.add(message.id);
      if (modern && 'method' in message && message.method === 'notifications/cancelled') {
        // MCP 2026-07-28 Streamable HTTP: closing the request's response stream is the
        // cancellation; the revision has no client notifications over HTTP.
        const id = message.params?.requestId;
        if (typeof id === 'string' || typeof id === 'number') byId.get(id)?.abort();
        return;
      }
      const controller = new AbortController();
      inFlight.add(controller);
      const request = 'method' in message && 'id' in message ? message : undefined;
      const requestId = request?.id;
      if (request !== undefined && requestId !== undefined) {
        byId.set(requestId, controller);
        const meta = request.params?._meta as Record<string, unknown> | undefined;
        const stamped = meta?.['io.modelcontextprotocol/protocolVersion'];
        if (typeof stamped === 'string' && isModernVersion(stamped)) modern = true;
      }
      const forget = (): void => {
        inFlight.delete(controller);
        if (requestId !== undefined && byId.get(requestId) === controller) byId.delete(requestId);
      };
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: await headersFor(message, 'POST'),
          body: JSON.stringify(message),
          signal: controller.signal,
        });
      } catch (error) {
        forget();
        throw new McpLocalError(
          'TRANSPORT_ERROR',
          `POST for ${describeMessage(message)} failed: ${reasonText(error)}`,
          { cause: error },
        );
      }
      const sid = response.headers.get('mcp-session-id');
      if (sid !== null) sessionId = sid;
      const type = response.headers.get('content-type') ?? '';
      if (!response.ok) {
        forget();
        const text = await response.text().catch(() => '');
        // A JSON-RPC error in the body answers the request itself (2026: 400 + -32022, 404 + -32601).
        try {
          const parsed = JSON.parse(text) as { id?: unknown; error?: unknown };
          if (isErrorObject(parsed.error) && parsed.id !== undefined && parsed.id !== null) {
            deliver(parsed);
            return;
          }
        } catch {
          // Not JSON: an HTTP error.
        }
        if (response.status === 404 && sessionId !== undefined) sessionId = undefined;
        throw new HttpError(
          response.status,
          response.statusText,
          text,
          `${describeMessage(message)}`,
        );
      }
      if (response.status === 202 || response.body === null) {
        forget();
        return;
      }
      const body = response.body;
      const consume = type.includes('text/event-stream')
        ? readSse(body)
        : response.text().then((text) => {
            if (text.trim() !== '') deliver(JSON.parse(text));
          });
      // The body streams on after send() returns; its end or failure is reported, not thrown.
      void consume
        .catch((error: unknown) => {
          if (!controller.signal.aborted) {
            handlers?.error(
              new McpLocalError(
                'TRANSPORT_ERROR',
                `Reading the response to ${describeMessage(message)} failed: ${reasonText(error)}`,
                { cause: error },
              ),
            );
          }
        })
        .finally(forget);
    },

    async close() {
      if (closed) return;
      closed = true;
      for (const c of inFlight) c.abort();
      inFlight.clear();
      if (sessionId !== undefined) {
        // MCP legacy Streamable HTTP: the client SHOULD end its session with DELETE (405 tolerated).
        try {
          await doFetch(url, { method: 'DELETE', headers: await headersFor(undefined, 'DELETE') });
        } catch {
          // The server may be gone already.
        }
      }
      handlers?.closed();
    },
  };
}
