import { McpLocalError, StreamError } from '../../errors/errors.js';
import { clause, MAX_MESSAGE_BYTES_HINT } from '../../errors/sentences.js';
import type { JsonRpcMessage } from '../../wire/jsonrpc.js';

/**
 * The errors of the HTTP transports and the sentences they share: `HttpError` (an answer that
 * carried no JSON-RPC message), `SessionExpiredError` (a legacy session the server ended and no
 * renewal could replace), and the short texts that name a message or a closed transport.
 */

/**
 * An HTTP answer that carried no JSON-RPC message: the status and what the body said.
 *
 * @example
 * ```ts
 * import { createClientSession, createStreamableHttpTransport, HttpError } from 'mcp-actors';
 *
 * const transport = createStreamableHttpTransport({ url: 'https://example.com/mcp' });
 * const session = createClientSession({ transport });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof HttpError && error.status === 401) console.log('log in first:', error.body);
 * }
 * ```
 */
export class HttpError extends McpLocalError {
  override name = 'HttpError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly status: number;
  readonly body: string;
  /** The answer's `Content-Type`, when that is what was wrong with it. */
  readonly contentType: string | undefined;
  /**
   * @param note What may lie behind the answer, said after it (such as a CORS setting that hides
   *   the session id from a web page).
   */
  constructor(
    status: number,
    statusText: string,
    body: string,
    what: string,
    contentType?: string,
    note?: string,
  ) {
    super(
      'TRANSPORT_ERROR',
      (contentType === undefined
        ? `HTTP ${status} ${statusText} for ${what}${body.trim() === '' ? '' : `: ${clause(body.trim().slice(0, 200))}`}.`
        : // 204 and 205 carry no body, whatever their Content-Type: the status is what was wrong.
          status === 204 || status === 205
          ? `HTTP ${status} ${statusText} for ${what}, with no body.`
          : `HTTP ${status} for ${what} came with Content-Type ${JSON.stringify(contentType)}, neither application/json nor text/event-stream.`) +
        (note === undefined ? '' : ` ${note}`),
    );
    this.status = status;
    this.body = body;
    this.contentType = contentType;
  }
}

/** Why a session the server ended could not be followed by a new one, in `SessionExpiredError.reason`. */
export type SessionExpiry =
  /** `renewSession: false`. */
  | 'renewal-off'
  /** Initialising a new session failed (`cause` says why), or there was no `initialize` to repeat. */
  | 'renewal-failed'
  /** The server ended a session made by a renewal before answering anything in it. */
  | 'refused-again';

/**
 * The server ended the legacy Streamable HTTP session (a 404 to a message carrying its id) and no
 * new session could take its place: the connection is closed with this error, the `cause` of
 * every pending call's `CONNECTION_CLOSED` (see `StreamableHttpOptions.renewSession`).
 *
 * @example
 * ```ts
 * import {
 *   ConnectionClosedError,
 *   createClientSession,
 *   createStreamableHttpTransport,
 *   SessionExpiredError,
 * } from 'mcp-actors';
 *
 * const session = createClientSession({
 *   transport: createStreamableHttpTransport({ url: 'https://example.com/mcp' }),
 * });
 * await session.connect();
 * try {
 *   await session.listTools();
 * } catch (error) {
 *   if (error instanceof ConnectionClosedError && error.cause instanceof SessionExpiredError) {
 *     console.log(error.cause.reason, error.cause.sessionId); // for example 'refused-again'
 *   }
 * }
 * ```
 */
export class SessionExpiredError extends McpLocalError {
  override name = 'SessionExpiredError';
  declare readonly code: 'TRANSPORT_ERROR';
  readonly reason: SessionExpiry;
  /** The session id the server answered 404 for. */
  readonly sessionId: string;
  constructor(reason: SessionExpiry, sessionId: string, message: string, cause?: unknown) {
    super('TRANSPORT_ERROR', message, {
      cause,
      hint: { text: 'Create a new session to reconnect.' },
    });
    this.reason = reason;
    this.sessionId = sessionId;
  }
}

/** Said with a refusal of a message sent without a session id that a web page may not have seen. */
export const HIDDEN_SESSION_NOTE =
  'The answer to initialize carried no Mcp-Session-Id that this page can read: if the server keeps sessions, its CORS must expose the header (Access-Control-Expose-Headers: Mcp-Session-Id).';

/** A message, for a person: its method, or "a response". */
export function describeMessage(message: JsonRpcMessage): string {
  return 'method' in message ? message.method : 'a response';
}

/** The error of a send or a renewal on a Streamable HTTP transport that is closed. */
export function transportClosed(): McpLocalError {
  return new McpLocalError('CONNECTION_CLOSED', 'The HTTP transport is closed.');
}

/** The error for a JSON answer past `maxMessageBytes`. */
export function jsonTooLarge(what: string, max: number): StreamError {
  return new StreamError(
    'MESSAGE_TOO_LARGE',
    `The JSON answer to ${what} passed ${max} bytes (maxMessageBytes); it was not read further.`,
    { hint: MAX_MESSAGE_BYTES_HINT },
  );
}

/** Whether `error` is the `MESSAGE_TOO_LARGE` of an event or a body past `maxMessageBytes`. */
export function isTooLarge(error: unknown): error is StreamError {
  return error instanceof StreamError && error.code === 'MESSAGE_TOO_LARGE';
}
