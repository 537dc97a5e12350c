/** JSON-RPC 2.0 message shapes as MCP uses them (MCP basic/index: ids are strings or integers, never null). */

/** A request id: a string or an integer. */
export type RequestId = string | number;

/** A request: a method, params and an id the response will carry. */
export interface JsonRpcRequest {
  readonly jsonrpc: '2.0';
  readonly id: RequestId;
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

/** A notification: a method and params, no id, no response. */
export interface JsonRpcNotification {
  readonly jsonrpc: '2.0';
  readonly method: string;
  readonly params?: Record<string, unknown>;
}

/** A successful response to the request with `id`. */
export interface JsonRpcResultResponse {
  readonly jsonrpc: '2.0';
  readonly id: RequestId;
  readonly result: unknown;
}

/** An error response; `id` is null when the peer could not read the request's id. */
export interface JsonRpcErrorResponse {
  readonly jsonrpc: '2.0';
  readonly id: RequestId | null;
  readonly error: { readonly code: number; readonly message: string; readonly data?: unknown };
}

/** A response, successful or not. */
export type JsonRpcResponse = JsonRpcResultResponse | JsonRpcErrorResponse;
/** Any JSON-RPC message a transport carries (batches are not part of MCP since 2025-06-18). */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/**
 * Whether a value is a request id: a string or a number, as the normative schema.ts says
 * (`string | number`; the published schema.json narrows it to integers). Ids are values, not
 * booleans: `0` and `""` are valid ids. `null` is not (MCP forbids it), nor is a number JSON cannot
 * carry (`NaN`, `Infinity`). The client's own ids are integers.
 *
 * @example
 * ```ts
 * import { isRequestId } from 'mcp-actors';
 *
 * console.log(isRequestId(0), isRequestId(''), isRequestId(1.5)); // true true true
 * console.log(isRequestId(null), isRequestId(Number.NaN)); // false false
 * ```
 */
export function isRequestId(value: unknown): value is RequestId {
  return typeof value === 'string' || Number.isFinite(value);
}

/**
 * Whether a value has the shape of a JSON-RPC error object.
 *
 * @example
 * ```ts
 * import { isErrorObject, JsonRpcError } from 'mcp-actors';
 *
 * const message = JSON.parse('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"nope"}}') as {
 *   error?: unknown;
 * };
 * if (isErrorObject(message.error)) throw new JsonRpcError(message.error);
 * ```
 */
export function isErrorObject(value: unknown): value is JsonRpcErrorResponse['error'] {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isFinite((value as { code?: unknown }).code) &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
