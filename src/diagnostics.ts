/**
 * Diagnostics: things the dispatcher received and could not route. None of them stops the
 * session; each is dropped and reported once, with the message that caused it.
 */
export type DiagnosticCode =
  /** A response whose id was never issued by this client. */
  | 'UNKNOWN_RESPONSE_ID'
  /** A response for a request that already settled (answered, timed out, cancelled): late or duplicate. */
  | 'LATE_RESPONSE'
  /** A response with `id: null` (the peer could not read a request's id). */
  | 'NULL_ID_RESPONSE'
  /** Not a JSON-RPC 2.0 request, notification or response. */
  | 'INVALID_MESSAGE'
  /** `notifications/progress` for a token no in-flight request owns (for example just after its response). */
  | 'UNKNOWN_PROGRESS_TOKEN'
  /** A server request reusing the id of one still being handled. */
  | 'DUPLICATE_REQUEST_ID'
  /** A message that arrived after the dispatcher closed. */
  | 'MESSAGE_AFTER_CLOSE'
  /** A user callback (progress, notification or message handler) threw. */
  | 'CALLBACK_FAILED'
  /** Writing a response, a cancellation or a notification failed. */
  | 'WRITE_FAILED'
  /** `notifications/elicitation/complete` for an id that is not an open URL elicitation (ignored, as the spec requires). */
  | 'UNKNOWN_ELICITATION'
  /** A 2026 listen stream was acknowledged with less than was asked for. */
  | 'SUBSCRIPTION_NARROWED'
  /** A 2026 tool left out of a listing because its `x-mcp-header` annotations are invalid. */
  | 'TOOL_DROPPED'
  /**
   * A server message the negotiated revision does not allow: a notification it does not define
   * for servers, or, on 2026-07-28 (servers send no requests), any request, `ping` included.
   * Dropped: nothing runs and nothing is written. (A request a handshake revision does not define
   * is answered `-32601` instead.)
   */
  | 'NOT_IN_REVISION'
  /** `notifications/cancelled` naming no server request in flight and no open subscription. */
  | 'UNKNOWN_CANCELLATION'
  /**
   * A callback's (or request handler's) answer to a server request or 2026 input request does not
   * fit the negotiated revision's schema: it was not sent. The payload is the
   * `CallbackResultError`, whose `issues` name the fields.
   */
  | 'INVALID_CALLBACK_RESULT';

/**
 * A diagnostic, as the session's message handler receives it (`{ type: 'diagnostic', diagnostic }`).
 *
 * @example
 * ```ts
 * import { createClientSession, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({
 *   transport,
 *   messageHandler: (m) => {
 *     if (m.type === 'diagnostic' && m.diagnostic.code !== 'LATE_RESPONSE') {
 *       console.warn(`[mcp] ${m.diagnostic.code}: ${m.diagnostic.message}`);
 *     }
 *   },
 * });
 * ```
 */
export interface Diagnostic {
  /** What kind of thing happened. */
  readonly code: DiagnosticCode;
  /** What happened, for a person. */
  readonly message: string;
  /** The message or value that caused it. */
  readonly payload?: unknown;
}
