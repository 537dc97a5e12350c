import { isModernVersion } from '../../protocol/revisions.js';
import {
  headerParamsOf,
  requestHeaders,
  type ToolHeaderInfo,
} from '../../protocol/http-headers.js';
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest } from '../../wire/jsonrpc.js';
import { isCorsResponse } from './fetch-support.js';

/**
 * What a Streamable HTTP client knows of its session with the server: the legacy
 * `Mcp-Session-Id` (MCP 2025-03-26..2025-11-25) and when to take it, the negotiated protocol
 * version, whether requests carry 2026-07-28 stamps (no sessions then), the `initialize` and
 * `notifications/initialized` a renewal repeats, the headers of every request, and the DELETE
 * that ends the session.
 */

type Id = string | number;

/** Where and how the session's requests go. */
export interface HttpEndpoint {
  readonly url: URL;
  /** `fetch`, with authorization when the transport has any; called unbound. */
  readonly fetch: typeof fetch;
  /** The transport's options: `headers` sent with every request, `authorize` adding credentials. */
  readonly options: {
    readonly headers?: Readonly<Record<string, string>>;
    readonly authorize?: (request: {
      readonly url: URL;
      readonly method: string;
    }) => Readonly<Record<string, string>> | Promise<Readonly<Record<string, string>>>;
  };
}

/** The 2026-07-28 protocol version a request carries in its `_meta`, if any. */
function stampOf(message: JsonRpcMessage): unknown {
  return 'method' in message
    ? (message.params?._meta as Record<string, unknown> | undefined)?.[
        'io.modelcontextprotocol/protocolVersion'
      ]
    : undefined;
}

/** One client's session with a Streamable HTTP server, and the headers of its requests. */
export class HttpSession {
  readonly #endpoint: HttpEndpoint;
  /** The legacy session id the server gave, if any. */
  id: string | undefined;
  /**
   * The answer to `initialize` came through CORS with no `Mcp-Session-Id` to read: either the
   * server keeps no sessions, or its CORS does not expose the header.
   */
  hiddenId = false;
  /** The protocol version sent in `MCP-Protocol-Version`, once negotiated. */
  protocolVersion: string | undefined;
  /** Whether requests carry 2026 stamps: then cancelling a request is aborting its POST. */
  modern = false;
  /** Ids of outgoing `initialize` requests, to read the negotiated version from their responses. */
  readonly initializeIds = new Set<Id>();
  /** The session's `initialize` and `notifications/initialized`, repeated to renew an expired session. */
  initializeMessage: JsonRpcRequest | undefined;
  initializedMessage: JsonRpcMessage | undefined;
  /** The tools' schemas, for the `Mcp-Param-*` headers of 2026-07-28 `tools/call`. */
  toolLookup: ((name: string) => ToolHeaderInfo | undefined) | undefined;

  constructor(endpoint: HttpEndpoint) {
    this.#endpoint = endpoint;
  }

  /** Learns from a message about to be sent: the handshake, and the era its stamps say. */
  noteSent(message: JsonRpcRequest | JsonRpcNotification): void {
    if (message.method === 'initialize' && 'id' in message) {
      this.initializeIds.add(message.id);
      this.initializeMessage = message;
      this.modern = false; // a handshake after a 2026 probe: the legacy era after all
    } else if (message.method === 'notifications/initialized') {
      this.initializedMessage = message;
    } else if ('id' in message) {
      const stamped = stampOf(message);
      if (typeof stamped === 'string' && isModernVersion(stamped)) this.modern = true;
    }
  }

  /** MCP 2026-07-28: `Mcp-Param-*` headers need the called tool's schema, when it is known and valid. */
  #toolOf(message: JsonRpcRequest | JsonRpcNotification): ToolHeaderInfo | undefined {
    const lookup = this.toolLookup;
    if (message.method !== 'tools/call' || lookup === undefined) return undefined;
    // Stryker disable next-line OptionalChaining: a stamped message (the only kind asked here) has params
    const name = message.params?.name;
    const tool = typeof name === 'string' ? lookup(name) : undefined;
    return tool !== undefined && headerParamsOf(tool.inputSchema).ok ? tool : undefined;
  }

  /** The headers of one request: `message` for a POST, `lastEventId` for a resuming GET. */
  async headers(
    message: JsonRpcMessage | undefined,
    method: 'POST' | 'GET' | 'DELETE',
    lastEventId?: string,
  ): Promise<Headers> {
    const endpoint = this.#endpoint;
    const options = endpoint.options;
    const headers = new Headers(options.headers);
    headers.set(
      'Accept',
      method === 'GET' ? 'text/event-stream' : 'application/json, text/event-stream',
    );
    if (message !== undefined) headers.set('Content-Type', 'application/json');
    if (this.id !== undefined) headers.set('Mcp-Session-Id', this.id);
    if (lastEventId !== undefined) headers.set('Last-Event-ID', lastEventId);
    const stamped = message !== undefined ? stampOf(message) : undefined;
    if (
      typeof stamped === 'string' &&
      isModernVersion(stamped) &&
      // Stryker disable next-line ConditionalExpression: narrows `message` for TypeScript; true changes nothing: only a request or notification has a stamp (stampOf)
      message !== undefined &&
      // Stryker disable next-line ConditionalExpression: narrows `message` for TypeScript; true changes nothing: only a request or notification has a stamp (stampOf)
      'method' in message
    ) {
      // MCP 2026-07-28: the request metadata headers on every POST.
      const mirrored = requestHeaders(message, stamped, this.#toolOf(message));
      for (const [k, v] of Object.entries(mirrored)) headers.set(k, v);
    } else if (this.protocolVersion !== undefined) {
      headers.set('MCP-Protocol-Version', this.protocolVersion);
    }
    if (options.authorize !== undefined) {
      const url = endpoint.url;
      for (const [k, v] of Object.entries(await options.authorize({ url, method })))
        headers.set(k, v);
    }
    return headers;
  }

  /**
   * MCP 2025-03-26..2025-11-25: the session id comes with the initialize response. Taken from an
   * `initialize`'s answer, or from any answer while there is no session; never on 2026 (no
   * sessions), and never from a late answer in a session a renewal has replaced.
   */
  takeId(response: Response, initialize: boolean): void {
    const sid = response.headers.get('mcp-session-id');
    if (sid !== null && !this.modern && (initialize || this.id === undefined)) this.id = sid;
    if (initialize && response.ok) this.hiddenId = sid === null && isCorsResponse(response);
  }

  /** MCP legacy Streamable HTTP: the client SHOULD end its session with DELETE (405 tolerated). */
  async end(): Promise<void> {
    try {
      const doFetch = this.#endpoint.fetch; // called unbound: a page's fetch refuses any other `this`
      const response = await doFetch(this.#endpoint.url, {
        method: 'DELETE',
        headers: await this.headers(undefined, 'DELETE'),
      });
      // Stryker disable next-line OptionalChaining: with no body, the TypeError is swallowed below as any failure
      await response.body?.cancel().catch(() => {});
    } catch {
      // The server may be gone already.
    }
  }
}
