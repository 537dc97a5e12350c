/**
 * Errors. One root class, `McpError`, and two families under it:
 * - local errors (`McpLocalError`), raised by this library, with a string `code`;
 * - wire errors (`JsonRpcError`), sent by the peer, with the numeric JSON-RPC `code` and `data`.
 * A local error never carries a numeric code, so it cannot be mistaken for the peer's answer.
 */
import { clause, sentence } from './sentences.js';

/** The string codes of local errors. */
export type LocalErrorCode =
  | 'CONNECTION_CLOSED'
  | 'REQUEST_TIMEOUT'
  | 'REQUEST_CANCELLED'
  | 'INVALID_STATE'
  | 'INVALID_ARGUMENT'
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
  | 'AUTHORIZATION_FAILED';

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

/** Where a request came from, for error messages. */
export interface RequestRef {
  readonly method: string;
  readonly id: string | number;
}

function describe(ref: RequestRef | undefined): string {
  return ref === undefined ? '' : ` (${ref.method}, id ${JSON.stringify(ref.id)})`;
}

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
    super(error.code, `Server error ${error.code}${describe(request)}: ${error.message}`);
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
    super('CONNECTION_CLOSED', `Connection closed${describe(request)}${why}.`, {
      ...options,
      hint: { text: 'Create a new session to reconnect.' },
    });
  }
}

/**
 * A request timed out. Distinct from a cancellation by the caller.
 *
 * @example
 * ```ts
 * import { RequestTimeoutError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('build', {}, { timeout: 30_000, maxTotalTimeout: 300_000 });
 * } catch (error) {
 *   if (error instanceof RequestTimeoutError) console.log(error.kind, error.timeoutMs); // 'idle' 30000
 * }
 * ```
 */
export class RequestTimeoutError extends McpLocalError {
  override name = 'RequestTimeoutError';
  declare readonly code: 'REQUEST_TIMEOUT';
  readonly timeoutMs: number;
  /** `idle`: no answer or progress for `timeoutMs`; `total`: the maximum total time ran out. */
  readonly kind: 'idle' | 'total';
  constructor(
    request: RequestRef,
    timeoutMs: number,
    kind: 'idle' | 'total',
    /** Another message and hint (a subclass's). */
    told?: { readonly message: string; readonly hint: ErrorHint },
  ) {
    const option = kind === 'idle' ? 'timeout' : 'maxTotalTimeout';
    super(
      'REQUEST_TIMEOUT',
      told?.message ??
        `Request timed out after ${timeoutMs} ms${describe(request)}${kind === 'total' ? ' in total' : ''}.`,
      {
        hint: told?.hint ?? {
          text: `Raise \`${option}\` for this call, or the session's default, if the server needs longer.`,
          option,
        },
      },
    );
    this.timeoutMs = timeoutMs;
    this.kind = kind;
  }
}

/**
 * The caller aborted a request through its `AbortSignal`.
 *
 * @example
 * ```ts
 * import { RequestCancelledError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * const controller = new AbortController();
 * const pending = session.callTool('slow-tool', {}, { signal: controller.signal });
 * controller.abort('user pressed stop');
 * try {
 *   await pending;
 * } catch (error) {
 *   if (error instanceof RequestCancelledError) console.log(error.reason); // 'user pressed stop'
 * }
 * ```
 */
export class RequestCancelledError extends McpLocalError {
  override name = 'RequestCancelledError';
  declare readonly code: 'REQUEST_CANCELLED';
  /** The signal's reason. */
  readonly reason: unknown;
  constructor(request: RequestRef, reason: unknown) {
    super(
      'REQUEST_CANCELLED',
      `Request cancelled by the caller${describe(request)}: ${clause(reasonText(reason))}.`,
      {
        cause: reason,
      },
    );
    this.reason = reason;
  }
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
 * A call asked for a request id (`requestId`) that a request of this client still in flight
 * holds; refused before anything is written. MCP: a request id MUST NOT be reused within the
 * session, and an id still in flight would make its response ambiguous.
 *
 * @example
 * ```ts
 * import { DuplicateRequestIdError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * const first = session.callTool('build', {}, { requestId: 'build-1' });
 * try {
 *   await session.callTool('build', {}, { requestId: 'build-1' }); // 'build-1' is still in flight
 * } catch (error) {
 *   if (error instanceof DuplicateRequestIdError) console.log(error.code, error.requestId);
 *   // 'DUPLICATE_REQUEST_ID' 'build-1'
 * }
 * await first;
 * ```
 */
export class DuplicateRequestIdError extends McpLocalError {
  override name = 'DuplicateRequestIdError';
  declare readonly code: 'DUPLICATE_REQUEST_ID';
  /** The id asked for. */
  readonly requestId: string | number;
  /** The method of the call that was refused. */
  readonly method: string;
  constructor(method: string, requestId: string | number) {
    super(
      'DUPLICATE_REQUEST_ID',
      `Cannot send ${method} with id ${JSON.stringify(requestId)}: a request with that id is still in flight. Give each request in flight its own id, or leave requestId out to have one issued.`,
    );
    this.requestId = requestId;
    this.method = method;
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
      `Could not send the message${describe(request)}: ${clause(reasonText(cause))}.`,
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

/**
 * A result did not fit its method's schema in the negotiated revision.
 *
 * @example
 * ```ts
 * import { InvalidResultError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.listTools();
 * } catch (error) {
 *   if (error instanceof InvalidResultError) {
 *     for (const issue of error.issues) console.log(issue.path.map(String), issue.message);
 *   }
 * }
 * ```
 */
export class InvalidResultError extends McpLocalError {
  override name = 'InvalidResultError';
  declare readonly code: 'INVALID_RESULT';
  readonly method: string;
  readonly revision: string;
  /** Where and why the result failed (path into the result, and the problem). */
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
  constructor(
    method: string,
    revision: string,
    issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  ) {
    const shown = issues
      .slice(0, 3)
      .map(
        (i) => `${i.path.length === 0 ? '(result)' : i.path.map(String).join('.')}: ${i.message}`,
      )
      .join('; ');
    super(
      'INVALID_RESULT',
      `The server's ${method} result does not fit protocol ${revision}: ${shown}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}. The server is not following the protocol version it negotiated.`,
    );
    this.method = method;
    this.revision = revision;
    this.issues = issues;
  }
}

/**
 * A method the negotiated revision does not have (for example `ping` on 2026-07-28).
 *
 * @example
 * ```ts
 * import { UnsupportedInRevisionError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.ping();
 * } catch (error) {
 *   // for example ping on 2026-07-28
 *   if (error instanceof UnsupportedInRevisionError) console.log(error.method, error.revision);
 * }
 * ```
 */
export class UnsupportedInRevisionError extends McpLocalError {
  override name = 'UnsupportedInRevisionError';
  declare readonly code: 'UNSUPPORTED_IN_REVISION';
  readonly method: string;
  readonly revision: string;
  constructor(method: string, revision: string, instead: string) {
    super('UNSUPPORTED_IN_REVISION', `Protocol ${revision} has no ${method}; ${instead}.`);
    this.method = method;
    this.revision = revision;
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

/**
 * A paginated listing that did not end: a repeated cursor, or more pages than the cap.
 *
 * @example
 * ```ts
 * import { PaginationError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.listAllTools({ maxPages: 20 });
 * } catch (error) {
 *   if (error instanceof PaginationError) console.log(error.method, error.pages); // 'tools/list' 20
 * }
 * ```
 */
export class PaginationError extends McpLocalError {
  override name = 'PaginationError';
  declare readonly code: 'PAGINATION_FAILED';
  readonly method: string;
  readonly pages: number;
  constructor(method: string, pages: number, why: string, hint?: ErrorHint) {
    super(
      'PAGINATION_FAILED',
      `Listing ${method} stopped after ${pages} pages: ${clause(why)}.`,
      hint === undefined ? undefined : { hint },
    );
    this.method = method;
    this.pages = pages;
  }
}

/**
 * The client's own answer to a server request (or a 2026 input request) does not fit the
 * negotiated revision's schema: a sampling, elicitation or roots callback (or a request handler)
 * returned, say, `{ action: 'acept' }`. The answer is not sent. To a legacy server the request is
 * answered with `-32603` and this error's message instead (and the session reports an
 * `INVALID_CALLBACK_RESULT` diagnostic); on 2026-07-28 the call whose input was asked for rejects
 * with it.
 *
 * @example
 * ```ts
 * import { CallbackResultError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('deploy'); // a 2026 server asks for input through the callbacks
 * } catch (error) {
 *   if (error instanceof CallbackResultError) {
 *     for (const issue of error.issues) console.log(issue.path.join('.'), issue.message);
 *   }
 * }
 * ```
 */
export class CallbackResultError extends McpLocalError {
  override name = 'CallbackResultError';
  declare readonly code: 'HANDLER_FAILED';
  /** The server request (or input request) the answer was for. */
  readonly method: string;
  readonly revision: string;
  /** Which fields of the answer are wrong (path into the answer, and the problem). */
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
  constructor(
    method: string,
    revision: string,
    issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[],
  ) {
    const shown = issues
      .slice(0, 3)
      .map(
        (i) => `${i.path.length === 0 ? '(result)' : i.path.map(String).join('.')}: ${i.message}`,
      )
      .join('; ');
    super(
      'HANDLER_FAILED',
      `The client's answer to ${method} does not fit protocol ${revision}: ${shown}${issues.length > 3 ? ` (and ${issues.length - 3} more)` : ''}.`,
    );
    this.method = method;
    this.revision = revision;
    this.issues = issues;
  }
}

/**
 * A 2026 request kept asking for input past the round limit.
 *
 * @example
 * ```ts
 * import { TooManyRoundsError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.callTool('deploy', {}, { maxInputRounds: 3 });
 * } catch (error) {
 *   if (error instanceof TooManyRoundsError) console.log(error.method, error.rounds); // 'tools/call' 3
 * }
 * ```
 */
export class TooManyRoundsError extends McpLocalError {
  override name = 'TooManyRoundsError';
  declare readonly code: 'TOO_MANY_ROUNDS';
  readonly method: string;
  readonly rounds: number;
  constructor(method: string, rounds: number) {
    super('TOO_MANY_ROUNDS', `${method} still asked for input after ${rounds} rounds.`, {
      hint: {
        text: "Raise maxInputRounds if the server legitimately needs more, or pass inputRequired: 'return' to drive the rounds yourself.",
        option: 'maxInputRounds',
      },
    });
    this.method = method;
    this.rounds = rounds;
  }
}

/**
 * Why an OAuth authorization failed ({@link AuthorizationError.reason}):
 * - `discovery-failed`: no Protected Resource Metadata or authorization server metadata could be read;
 * - `resource-mismatch`: the metadata's `resource` is not the MCP server the client talks to;
 * - `issuer-mismatch`: the authorization server's metadata names another `issuer` than the one
 *   its URL was built from, or a pre-registered client belongs to another authorization server;
 * - `iss-mismatch`, `iss-missing`: the authorization response's `iss` (RFC 9207) is wrong, or absent
 *   though the server said it sends one;
 * - `state-mismatch`: the authorization response's `state` is not the one sent;
 * - `pkce-unsupported`: the authorization server does not advertise PKCE `S256`;
 * - `insecure-endpoint`: an endpoint is plain `http:` and not on a loopback address;
 * - `no-client`: no way to a client id (nothing pre-registered, no Client ID Metadata Document, no
 *   registration endpoint);
 * - `registration-failed`: Dynamic Client Registration was refused;
 * - `access-denied`: the authorization server's authorization response was an error (its `error`
 *   is in {@link AuthorizationError.oauthError});
 * - `token-request-failed`: the token endpoint refused a grant (its `error` likewise);
 * - `user-agent-failed`: sending the user to the authorization server failed, was cancelled, or
 *   timed out, or no way to do it was given;
 * - `insufficient-scope`: the server still refused for lack of scope after the step-ups allowed;
 * - `unauthorized`: the server refused a token that was just issued;
 * - `invalid-response`: an answer of the authorization server did not conform.
 */
export type AuthorizationFailure =
  | 'discovery-failed'
  | 'resource-mismatch'
  | 'issuer-mismatch'
  | 'iss-mismatch'
  | 'iss-missing'
  | 'state-mismatch'
  | 'pkce-unsupported'
  | 'insecure-endpoint'
  | 'no-client'
  | 'registration-failed'
  | 'access-denied'
  | 'token-request-failed'
  | 'user-agent-failed'
  | 'insufficient-scope'
  | 'unauthorized'
  | 'invalid-response';

/** Details of an {@link AuthorizationError}. */
export interface AuthorizationErrorDetails {
  /** The value expected, for a mismatch. */
  readonly expected?: string | undefined;
  /** The value found, for a mismatch. */
  readonly actual?: string | undefined;
  /** The OAuth `error` code the authorization server answered with, if it did. */
  readonly oauthError?: string | undefined;
  /** The underlying error, when it carries nothing secret. */
  readonly cause?: unknown;
}

/**
 * An OAuth authorization to an MCP server failed: `reason` says which check or step. A mismatch
 * names both values (`expected`, `actual`). Tokens, codes, secrets and keys never appear in it.
 *
 * @example
 * ```ts
 * import { AuthorizationError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof AuthorizationError && error.reason === 'issuer-mismatch') {
 *     console.log(`expected ${error.expected}, found ${error.actual}`);
 *   }
 * }
 * ```
 */
export class AuthorizationError extends McpLocalError {
  override name = 'AuthorizationError';
  declare readonly code: 'AUTHORIZATION_FAILED';
  /** Which check or step failed. */
  readonly reason: AuthorizationFailure;
  /** The value expected, for a mismatch. */
  readonly expected: string | undefined;
  /** The value found, for a mismatch. */
  readonly actual: string | undefined;
  /** The OAuth `error` code the authorization server answered with, if it did. */
  readonly oauthError: string | undefined;
  constructor(reason: AuthorizationFailure, message: string, details?: AuthorizationErrorDetails) {
    super(
      'AUTHORIZATION_FAILED',
      message,
      details?.cause === undefined ? undefined : { cause: details.cause },
    );
    this.reason = reason;
    this.expected = details?.expected;
    this.actual = details?.actual;
    this.oauthError = details?.oauthError;
  }
}
