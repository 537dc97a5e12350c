/**
 * The root of the errors: `McpError` and its local family `McpLocalError`, the string codes of
 * local errors, the hint (advice) an error can carry, and the local errors that are about the
 * caller's own call (`InvalidStateError`, `InvalidArgumentError`). Every other family extends
 * these.
 */
import { sentence } from './sentences.js';

/** The string codes of local errors. */
export type LocalErrorCode =
  | 'CONNECTION_CLOSED'
  | 'REQUEST_TIMEOUT'
  | 'REQUEST_CANCELLED'
  | 'INVALID_STATE'
  | 'INVALID_ARGUMENT'
  | 'INVALID_CONFIG'
  | 'DUPLICATE_REQUEST_ID'
  | 'SEND_FAILED'
  | 'TRANSPORT_ERROR'
  | 'INVALID_JSON'
  | 'MESSAGE_TOO_LARGE'
  | 'INVALID_MESSAGE'
  | 'HANDLER_FAILED'
  | 'NEGOTIATION_FAILED'
  | 'INVALID_RESULT'
  | 'INVALID_TOOL_OUTPUT'
  | 'INVALID_OUTPUT_SCHEMA'
  | 'PAGINATION_FAILED'
  | 'TOO_MANY_ROUNDS'
  | 'UNSUPPORTED_IN_REVISION'
  | 'AUTHORIZATION_FAILED'
  | 'UNKNOWN_GROUP_ENTRY'
  | 'SERVER_UNAVAILABLE';

/**
 * What the caller can do about an error ({@link McpError.hint}): the advice, which also ends the
 * error's message, and the option of this library it names, if any. A program built on the
 * library (a command line, say) can give its own advice for that option (a flag of its own).
 */
export interface ErrorHint {
  /** The advice, as a sentence: `Raise maxInputRounds if the server legitimately needs more.` */
  readonly text: string;
  /** The option the advice is about (`maxInputRounds`, `initializeTimeout`, `maxMessageBytes`, …). */
  readonly option?: string;
}

/** Options of the error constructors. */
export interface McpErrorOptions {
  /** The underlying error, kept as the standard `cause`. */
  readonly cause?: unknown;
  /** What the caller can do about it: its text is added to the message. */
  readonly hint?: ErrorHint;
}

/**
 * The root of every error this library raises or relays. A string `code` means a local error
 * ({@link McpLocalError}); a number means the peer's JSON-RPC error ({@link JsonRpcError}).
 *
 * @example
 * ```ts
 * import {
 *   ConnectionClosedError,
 *   JsonRpcError,
 *   McpError,
 *   RequestCancelledError,
 *   RequestTimeoutError,
 *   type ClientSession,
 * } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('search', { q: 'x' }, { signal: AbortSignal.timeout(10_000) });
 * } catch (error) {
 *   if (error instanceof RequestTimeoutError) console.log('timed out', error.kind, error.timeoutMs);
 *   else if (error instanceof RequestCancelledError) console.log('aborted:', error.reason);
 *   else if (error instanceof ConnectionClosedError) console.log('closed; make a new session');
 *   else if (error instanceof JsonRpcError) console.log('server said', error.code, error.data);
 *   else if (error instanceof McpError) console.log(error.code, error.summary, error.hint?.text); // other local errors
 *   else throw error;
 * }
 * ```
 */
export class McpError extends Error {
  override name = 'McpError';
  /** A {@link LocalErrorCode} for local errors, the JSON-RPC error code for the peer's. */
  readonly code: LocalErrorCode | number;
  /**
   * What the caller can do about it, when there is advice to give (the message ends with its
   * text): `error.hint?.option` names the option to change, such as `'maxInputRounds'`.
   */
  readonly hint: ErrorHint | undefined;

  constructor(code: LocalErrorCode | number, message: string, options?: McpErrorOptions) {
    const hint = options?.hint;
    super(
      hint === undefined ? message : `${sentence(message)} ${hint.text}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.hint = hint;
  }

  /** The message without the hint's text: what went wrong, and no advice. */
  get summary(): string {
    const hint = this.hint;
    return hint !== undefined && this.message.endsWith(` ${hint.text}`)
      ? this.message.slice(0, -hint.text.length - 1)
      : this.message;
  }
}

/**
 * An error raised here, not by the peer.
 *
 * @example
 * ```ts
 * import { McpLocalError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.ping();
 * } catch (error) {
 *   // raised by this library (never the server's answer): a string code
 *   if (error instanceof McpLocalError) console.log(error.code); // for example 'REQUEST_TIMEOUT'
 * }
 * ```
 */
export class McpLocalError extends McpError {
  override name = 'McpLocalError';
  declare readonly code: LocalErrorCode;
}

/** Where a request came from, for error messages. */
export interface RequestRef {
  readonly method: string;
  readonly id: string | number;
}

/**
 * A call that the connection's current state does not allow.
 *
 * @example
 * ```ts
 * import { createClientSession, InvalidStateError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport });
 * try {
 *   await session.listTools(); // before connect()
 * } catch (error) {
 *   if (error instanceof InvalidStateError) console.log(error.state); // 'preconnect'
 * }
 * ```
 */
export class InvalidStateError extends McpLocalError {
  override name = 'InvalidStateError';
  declare readonly code: 'INVALID_STATE';
  readonly state: string;
  constructor(what: string, state: string, next: string) {
    super('INVALID_STATE', `Cannot ${what} while the session is ${state}; ${next}.`);
    this.state = state;
  }
}

/**
 * An option or argument was out of range or of the wrong type; raised before any I/O.
 *
 * @example
 * ```ts
 * import { createClientSession, InvalidArgumentError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * try {
 *   createClientSession({ transport, requestTimeout: -1 }); // thrown before any I/O
 * } catch (error) {
 *   if (error instanceof InvalidArgumentError) console.log(error.message);
 * }
 * ```
 */
export class InvalidArgumentError extends McpLocalError {
  override name = 'InvalidArgumentError';
  declare readonly code: 'INVALID_ARGUMENT';
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/**
 * A short text for any abort reason or thrown value (an error's message, a string, or JSON).
 *
 * @example
 * ```ts
 * import { reasonText } from 'mcp-actors';
 *
 * console.log(reasonText(new Error('socket hang up'))); // 'socket hang up'
 * console.log(reasonText('user pressed stop')); // 'user pressed stop'
 * console.log(reasonText({ status: 503 })); // '{"status":503}'
 * ```
 */
export function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  if (typeof reason === 'string') return reason;
  if (reason === undefined) return 'no reason given';
  try {
    return JSON.stringify(reason) ?? typeof reason;
  } catch {
    return Object.prototype.toString.call(reason);
  }
}
