import type { Clock } from './clock.js';
import type { Diagnostic } from './diagnostics.js';
import { InvalidArgumentError } from '../errors/errors.js';
import type { JsonRpcNotification, RequestId } from '../wire/jsonrpc.js';
import type { TransportEvent } from '../wire/transport.js';

/**
 * The words the dispatcher's API speaks, apart from the dispatcher itself: a call's options and its
 * progress, a request from the server, the handlers a session sets, the dispatcher's options and
 * its default timeout; and how request ids compare (`"7"` is 7). Every piece of the dispatcher
 * (src/core/) and the light actors import them from here; `dispatcher.ts` re-exports them as the
 * public API.
 */

/**
 * The default idle timeout of a request: 60 s, changeable per session and per call (`Infinity` for none).
 *
 * @example
 * ```ts
 * import { createClientSession, DEFAULT_REQUEST_TIMEOUT_MS, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // every request fails with REQUEST_TIMEOUT after DEFAULT_REQUEST_TIMEOUT_MS without an answer
 * const session = createClientSession({ transport, requestTimeout: DEFAULT_REQUEST_TIMEOUT_MS * 5 });
 * await session.connect();
 * await session.callTool('long-build', {}, { timeout: Infinity }); // no idle timeout for this call
 * ```
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** Throws `InvalidArgumentError` unless `value` is a number of milliseconds ≥ 0 (or undefined). */
export function checkTimeout(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new InvalidArgumentError(
      `${name} must be a number of milliseconds ≥ 0, or Infinity for none; got ${String(value)}.`,
    );
  }
}

/** The integer a string spells (`"7"` → 7), if it spells one exactly. */
export function canonicalInteger(s: string): number | undefined {
  const n = Number(s);
  return Number.isInteger(n) && String(n) === s ? n : undefined;
}

/**
 * The key a request id is kept under: a string that spells an integer (`"7"`) is that integer,
 * so that a response echoing either form finds its request, and the two forms are one id.
 */
export function idKey(id: RequestId): RequestId {
  // Stryker disable next-line ConditionalExpression,StringLiteral: a number taken down the string path is kept as it is too (no number equals its own String), so only the shortcut is lost
  return typeof id === 'number' ? id : (canonicalInteger(id) ?? id);
}

/**
 * The token that ties `notifications/progress` to its request: the request's id, unless the
 * caller chose one in `_meta.progressToken`.
 */
export type ProgressToken = string | number;

/** The params of `notifications/progress`. */
export interface Progress {
  readonly progressToken: ProgressToken;
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
  readonly [key: string]: unknown;
}

/**
 * Turns a raw result into what the caller gets (validation, follow-up rounds), at resolve time, with
 * the request's method and its params and options as the caller gave them. Returns a value or a
 * promise; a throw rejects the call. One function serves many calls, so a call holds no closure.
 */
export type Settle = (
  result: unknown,
  method: string,
  params: Record<string, unknown> | undefined,
  options: RequestOptions | undefined,
) => unknown;

/** Per-call options of every request. */
export interface RequestOptions {
  /**
   * Idle timeout in ms: the request fails with `REQUEST_TIMEOUT` when neither an answer nor (with
   * `resetTimeoutOnProgress`) progress arrives for this long. `Infinity` for none. Default: the
   * session's `requestTimeout`.
   */
  readonly timeout?: number;
  /** Hard cap on the request's whole life in ms, never reset by progress. Default: the session's (`Infinity`). */
  readonly maxTotalTimeout?: number;
  /** Restart the idle timeout whenever the server reports progress. Works without `onProgress`. */
  readonly resetTimeoutOnProgress?: boolean;
  /** Aborting it cancels the request: `notifications/cancelled` is sent and the call rejects with `REQUEST_CANCELLED`. */
  readonly signal?: AbortSignal;
  /** Called with each `notifications/progress` the server sends for this request. */
  readonly onProgress?: (progress: Progress) => void;
  /** Extra `_meta` fields for the request's params. */
  readonly _meta?: Readonly<Record<string, unknown>>;
  /**
   * The JSON-RPC id of this request: a string, or a safe integer. Default: one the dispatcher
   * issues (integers from 0 upwards, skipping any id in flight). An id held by a request still
   * in flight is refused with `DuplicateRequestIdError` (`DUPLICATE_REQUEST_ID`) before anything is
   * written; a string that spells an integer (`"7"`) is the same id as that integer, since
   * responses are correlated either way. MCP asks that an id is not reused within a session at
   * all: an id whose request has settled is accepted, but a late answer to the earlier request
   * would then be taken for the new one's. A helper that sends several requests (`listAll*`, the
   * 2026 input rounds) gives this id to the first only.
   */
  readonly requestId?: RequestId;
}

/** A request from the server, as handed to the session's handler. */
export interface InboundRequest {
  readonly id: RequestId;
  readonly method: string;
  readonly params: Readonly<Record<string, unknown>> | undefined;
  /** Aborted when the server cancels the request or the connection closes. */
  readonly signal: AbortSignal;
}

/** What the dispatcher hands upwards: the session sets these. */
export interface DispatcherHandlers {
  /**
   * Answers a server request. Returns the result, or a JSON-RPC error (a `JsonRpcError` or a plain
   * `{ code, message, data? }`), or throws. `ping` never reaches it.
   */
  request?: (request: InboundRequest) => unknown;
  /**
   * Screens each server request before anything runs (`ping` included): a diagnostic returned
   * drops the request unanswered (no handler runs, nothing is written) and is reported. For a
   * protocol revision in which servers send no requests.
   */
  screenRequest?: (method: string) => Omit<Diagnostic, 'payload'> | undefined;
  /** A notification the dispatcher did not route itself. */
  notification?: (notification: JsonRpcNotification) => void;
  /** A stream exception from the transport. */
  exception?: (error: Error) => void;
  /** Something the transport did on its own (a session renewed, a stream resumed). */
  transportEvent?: (event: TransportEvent) => void;
}

export interface DispatcherOptions {
  /** Default idle timeout of requests, ms. Default 60 000; `Infinity` for none. */
  readonly requestTimeout?: number;
  /** Default hard cap on a request's life, ms. Default `Infinity`. */
  readonly maxTotalTimeout?: number;
  /** Default for `RequestOptions.resetTimeoutOnProgress`. Default false. */
  readonly resetTimeoutOnProgress?: boolean;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /**
   * Receives every diagnostic: what was received and could not be routed (unknown-id, late and
   * duplicate responses, messages that are not JSON-RPC, …), dropped and reported once, as the
   * protocol asks; a callback that threw; a write that failed. None of them stops the
   * connection, and none reaches the message handler. Subscribe more with `onDiagnostic()`.
   */
  readonly onDiagnostic?: (diagnostic: Diagnostic) => void | Promise<void>;
}
