/**
 * Errors of one request's life: it timed out (`RequestTimeoutError`), the caller aborted it
 * (`RequestCancelledError`), or the id asked for is still in flight (`DuplicateRequestIdError`).
 */
import { McpLocalError, reasonText, type ErrorHint, type RequestRef } from './base.js';
import { aboutRequest, clause } from './sentences.js';

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
        `Request timed out after ${timeoutMs} ms${aboutRequest(request)}${kind === 'total' ? ' in total' : ''}.`,
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
      `Request cancelled by the caller${aboutRequest(request)}: ${clause(reasonText(reason))}.`,
      {
        cause: reason,
      },
    );
    this.reason = reason;
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
