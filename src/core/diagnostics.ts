/**
 * Diagnostics: what the dispatcher or the session received and dropped (the protocol asks that
 * unknown-id, late and duplicate responses be ignored), a user callback that threw, a write that
 * failed. None of them stops the session; each is reported once, with what caused it, to
 * `onDiagnostic` and to the inspector, never to the message handler.
 */
export type DiagnosticCode =
  /**
   * A response whose id no request in flight holds and that this client never issued (a late
   * answer to a request whose id the caller chose, with `requestId`, is reported so too).
   */
  | 'UNKNOWN_RESPONSE_ID'
  /** A response for an issued id whose request already settled (answered, timed out, cancelled): late or duplicate. */
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
 * A diagnostic, as `onDiagnostic` (an option of the session and of the dispatcher) and the
 * inspector receive it. Diagnostics are kept apart from the message handler, which receives only
 * notifications, stream exceptions and transport events: what may need the application's
 * attention.
 *
 * @example
 * ```ts
 * import { createClientSession, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({
 *   transport,
 *   messageHandler: (m) => {
 *     if (m.type === 'exception') console.error(`[mcp] stream exception: ${m.error.message}`);
 *   },
 *   onDiagnostic: (d) => {
 *     if (d.code !== 'LATE_RESPONSE') console.debug(`[mcp] ${d.code}: ${d.message}`);
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
