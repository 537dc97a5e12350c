/**
 * How negotiation fails or tells the eras apart: the errors `connect()` rejects with when no
 * revision can be agreed or it takes too long, and the JSON-RPC error codes only a 2026 server
 * sends.
 */
import {
  ErrorCode,
  McpLocalError,
  RequestTimeoutError,
  type McpErrorOptions,
} from '../errors/errors.js';

/**
 * JSON-RPC errors only a 2026 server sends: seeing one means the server is modern.
 *
 * @example
 * ```ts
 * import { JsonRpcError, MODERN_ERROR_CODES, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.listTools();
 * } catch (error) {
 *   if (error instanceof JsonRpcError && MODERN_ERROR_CODES.has(error.code)) {
 *     console.log('a 2026-07-28 server answered', error.code);
 *   }
 * }
 * ```
 */
export const MODERN_ERROR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.HeaderMismatch,
  ErrorCode.MissingRequiredClientCapability,
  ErrorCode.UnsupportedProtocolVersion,
]);

/**
 * Negotiation failed in a way no retry fixes: no common revision, or an unusable answer.
 *
 * @example
 * ```ts
 * import { createClientSession, NegotiationError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport, supportedProtocolVersions: ['2026-07-28'] });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof NegotiationError) console.log(error.serverVersions); // for example ['2025-06-18']
 * }
 * ```
 */
export class NegotiationError extends McpLocalError {
  override name = 'NegotiationError';
  declare readonly code: 'NEGOTIATION_FAILED';
  /** What the server said it supports, when it said. */
  readonly serverVersions: readonly string[] | undefined;
  constructor(message: string, serverVersions?: readonly string[], options?: McpErrorOptions) {
    super('NEGOTIATION_FAILED', message, options);
    this.serverVersions = serverVersions;
  }
}

/**
 * `connect()` took longer than its timeout (`initializeTimeout`, counted from the call to
 * `connect()`): the connection was closed. `method` names the request it was waiting for, if it
 * was waiting for one (none while the transport was starting). A `RequestTimeoutError` (code
 * `REQUEST_TIMEOUT`).
 *
 * @example
 * ```ts
 * import { ConnectTimeoutError, createClientSession, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport, initializeTimeout: 10_000 });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof ConnectTimeoutError) console.log(error.timeoutMs, error.method); // for example 10000 'initialize'
 * }
 * ```
 */
export class ConnectTimeoutError extends RequestTimeoutError {
  override name = 'ConnectTimeoutError';
  /** The request `connect()` was waiting for an answer to; undefined while the transport was starting. */
  readonly method: string | undefined;
  constructor(timeoutMs: number, method: string | undefined) {
    super({ method: method ?? 'connect', id: '(connect)' }, timeoutMs, 'total', {
      message: `connect() timed out after ${timeoutMs} ms, ${method === undefined ? 'while the transport was starting' : `with no answer to ${method}`}; the connection was closed.`,
      hint: {
        text: 'Raise `initializeTimeout` if the server needs longer to start.',
        option: 'initializeTimeout',
      },
    });
    this.method = method;
  }
}

/**
 * The server answered `initialize` with a revision this client does not speak.
 *
 * @example
 * ```ts
 * import { createClientSession, UnsupportedVersionError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport, mode: 'legacy' });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof UnsupportedVersionError) console.log(error.serverVersion); // for example '2023-01-01'
 * }
 * ```
 */
export class UnsupportedVersionError extends McpLocalError {
  override name = 'UnsupportedVersionError';
  declare readonly code: 'NEGOTIATION_FAILED';
  readonly serverVersion: unknown;
  constructor(serverVersion: unknown, supported: readonly string[]) {
    super(
      'NEGOTIATION_FAILED',
      `The server answered initialize with protocol version ${JSON.stringify(serverVersion)}, which this client does not support (it supports ${supported.join(', ')}); the session was closed. Use a server that speaks one of these, or enable its version in supportedProtocolVersions.`,
    );
    this.serverVersion = serverVersion;
  }
}
