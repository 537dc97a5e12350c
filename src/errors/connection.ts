/**
 * Errors of the connection and its byte stream: the connection closed (`ConnectionClosedError`),
 * a message could not be written (`SendFailedError`), or the stream carried something unreadable
 * (`StreamError`, after which the session goes on).
 */
import { McpLocalError, reasonText, type McpErrorOptions, type RequestRef } from './base.js';
import { aboutRequest, clause } from './sentences.js';

/**
 * A request was refused, failed or abandoned because the connection is closed or closing.
 *
 * @example
 * ```ts
 * import { ConnectionClosedError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('search', { q: 'x' });
 * } catch (error) {
 *   // the session cannot reconnect: build a new one
 *   if (error instanceof ConnectionClosedError) console.log(error.code, error.cause); // 'CONNECTION_CLOSED'
 * }
 * ```
 */
export class ConnectionClosedError extends McpLocalError {
  override name = 'ConnectionClosedError';
  declare readonly code: 'CONNECTION_CLOSED';
  constructor(request?: RequestRef, options?: McpErrorOptions) {
    const why = options?.cause instanceof Error ? `: ${clause(options.cause.message)}` : '';
    super('CONNECTION_CLOSED', `Connection closed${aboutRequest(request)}${why}.`, {
      ...options,
      hint: { text: 'Create a new session to reconnect.' },
    });
  }
}

/**
 * The transport could not write a message.
 *
 * @example
 * ```ts
 * import { SendFailedError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('search', { q: 'x' });
 * } catch (error) {
 *   // the transport's send threw or rejected: the original error is the cause
 *   if (error instanceof SendFailedError) console.log(error.code, error.cause); // 'SEND_FAILED'
 * }
 * ```
 */
export class SendFailedError extends McpLocalError {
  override name = 'SendFailedError';
  declare readonly code: 'SEND_FAILED';
  constructor(request: RequestRef | undefined, cause: unknown) {
    super(
      'SEND_FAILED',
      `Could not send the message${aboutRequest(request)}: ${clause(reasonText(cause))}.`,
      { cause },
    );
  }
}

/**
 * A problem in the byte stream or message stream: the session goes on, later messages still arrive.
 *
 * @example
 * ```ts
 * import { createClientSession, StreamError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({
 *   transport,
 *   messageHandler: (m) => {
 *     // for example 'INVALID_JSON' for an unparsable line; the session goes on
 *     if (m.type === 'exception' && m.error instanceof StreamError) console.warn(m.error.code);
 *   },
 * });
 * ```
 */
export class StreamError extends McpLocalError {
  override name = 'StreamError';
  declare readonly code:
    'TRANSPORT_ERROR' | 'INVALID_JSON' | 'MESSAGE_TOO_LARGE' | 'INVALID_MESSAGE';
  constructor(
    code: 'TRANSPORT_ERROR' | 'INVALID_JSON' | 'MESSAGE_TOO_LARGE' | 'INVALID_MESSAGE',
    message: string,
    options?: McpErrorOptions,
  ) {
    super(code, message, options);
  }
}
