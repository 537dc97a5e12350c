/**
 * The peer's errors: the JSON-RPC and MCP error codes, `JsonRpcError` (an error object the peer
 * sent, or one a request handler answers with) and its `ResourceNotFoundError`. These carry the
 * numeric code; no local error does.
 */
import { McpError, type RequestRef } from './base.js';
import { aboutRequest } from './sentences.js';

/**
 * Standard JSON-RPC 2.0 and MCP error codes.
 *
 * @example
 * ```ts
 * import { ErrorCode, JsonRpcError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.request('tools/call', { name: 'search', arguments: {} });
 * } catch (error) {
 *   if (error instanceof JsonRpcError && error.code === ErrorCode.MethodNotFound) {
 *     console.log('the server has no tools');
 *   }
 * }
 * ```
 */
export const ErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP ≤ 2025-11-25 resource not found; 2026-07-28 uses -32602. */
  ResourceNotFound: -32002,
  /** MCP 2025-11-25 URL elicitation required. */
  UrlElicitationRequired: -32042,
  /** MCP 2026-07-28 header mismatch. */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28 missing required client capability. */
  MissingRequiredClientCapability: -32021,
  /** MCP 2026-07-28 unsupported protocol version. */
  UnsupportedProtocolVersion: -32022,
} as const;

/** A JSON-RPC error object as sent on the wire. */
export interface JsonRpcErrorObject {
  readonly code: number;
  readonly message: string;
  readonly data?: unknown;
}

/**
 * The peer answered with a JSON-RPC error. Request handlers also throw (or return) one to answer
 * the server with that error.
 *
 * @example
 * ```ts
 * import { createClientSession, ErrorCode, JsonRpcError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({
 *   transport,
 *   requestHandlers: {
 *     'example/lookup': (params) => {
 *       if (typeof params?.key !== 'string') {
 *         throw new JsonRpcError({ code: ErrorCode.InvalidParams, message: 'key must be a string' });
 *       }
 *       return { value: params.key.toUpperCase() };
 *     },
 *   },
 * });
 * ```
 */
export class JsonRpcError extends McpError {
  override name = 'JsonRpcError';
  /** The JSON-RPC error code (for example `-32602`, see {@link ErrorCode}). */
  declare readonly code: number;
  /** The peer's message, unchanged. */
  readonly rpcMessage: string;
  /** The error's `data`, as sent. */
  readonly data: unknown;
  /** The method of the request that failed, when known. */
  readonly method: string | undefined;
  /** The id of the request that failed, when known. */
  readonly requestId: string | number | undefined;

  constructor(error: JsonRpcErrorObject, request?: RequestRef) {
    super(error.code, `Server error ${error.code}${aboutRequest(request)}: ${error.message}`);
    this.rpcMessage = error.message;
    this.data = error.data;
    this.method = request?.method;
    this.requestId = request?.id;
  }

  /** The error object to put on the wire. */
  toJSON(): JsonRpcErrorObject {
    return this.data === undefined
      ? { code: this.code, message: this.rpcMessage }
      : { code: this.code, message: this.rpcMessage, data: this.data };
  }
}

/**
 * `resources/read` of a resource the server does not have: `-32002` (until 2025-11-25) or `-32602` (2026-07-28).
 *
 * @example
 * ```ts
 * import { ResourceNotFoundError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.readResource('file:///missing.txt');
 * } catch (error) {
 *   if (error instanceof ResourceNotFoundError) console.log('not found:', error.uri, error.code);
 * }
 * ```
 */
export class ResourceNotFoundError extends JsonRpcError {
  override name = 'ResourceNotFoundError';
  readonly uri: string;
  constructor(error: JsonRpcErrorObject, uri: string, request?: RequestRef) {
    super(error, request);
    this.uri = uri;
  }
}
