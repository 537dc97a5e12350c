import type { RequestEvent } from '../../machines/request.js';
import { OutboundRequest, type RequestPolicy } from './actors.js';
import type { BoundState } from './compiled-machine.js';
import type { Reporter } from './reporting.js';
import {
  checkTimeout,
  canonicalInteger,
  idKey,
  type Progress,
  type ProgressToken,
  type RequestOptions,
} from './types.js';
import {
  DuplicateRequestIdError,
  ErrorCode,
  InvalidArgumentError,
  JsonRpcError,
  reasonText,
  type JsonRpcErrorObject,
} from '../errors/errors.js';
import { clause } from '../errors/sentences.js';
import {
  isErrorObject,
  isRequestId,
  type JsonRpcMessage,
  type JsonRpcNotification,
  type RequestId,
} from '../wire/jsonrpc.js';

/**
 * The outbound request table: the client's requests in flight, by id. It admits a call (issues
 * or checks its id, places its progress token, resolves its timeouts, builds its message and its
 * request actor), finds the request a response or a progress notification belongs to and hands
 * it the event, and lets a request go once it has settled. Issued ids are integers from 0
 * upwards; a string that spells an integer (`"7"`) is the same id as that integer.
 */

/** The dispatcher's defaults for what a call's options leave out. */
export interface RequestDefaults {
  readonly requestTimeout: number;
  readonly maxTotalTimeout: number;
  readonly resetTimeoutOnProgress: boolean;
}

export class RequestTable {
  /** The time limits of every call whose options leave them out (one object, shared). */
  readonly #defaults: RequestPolicy;
  readonly #reporter: Pick<Reporter, 'diagnose' | 'drive'>;
  /**
   * In-flight outbound requests by id key (see `idKey`). Issued ids are integers from 0 upwards, so
   * `id < #nextId` means "was issued"; a caller's own id (`requestId`) is kept here as well.
   */
  readonly #pending = new Map<RequestId, OutboundRequest>();
  /** Caller-chosen progress tokens, when a caller set `_meta.progressToken` itself. */
  readonly #tokens = new Map<ProgressToken, OutboundRequest>();
  #nextId = 0;
  /** Whether a caller ever chose an integer id (or a string spelling one): issuing must skip them. */
  // Stryker disable next-line BooleanLiteral: a shortcut only: with no caller's integer id in flight, no id at or above #nextId is in the table, so the skipping loop would stop at once
  #callerIntegerIds = false;

  constructor(defaults: RequestDefaults, reporter: Pick<Reporter, 'diagnose' | 'drive'>) {
    this.#defaults = {
      timeout: defaults.requestTimeout,
      maxTotalTimeout: defaults.maxTotalTimeout,
      resetTimeoutOnProgress: defaults.resetTimeoutOnProgress,
    };
    this.#reporter = reporter;
  }

  /** The number of requests in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /** The requests in flight, in the order they were admitted. */
  values(): IterableIterator<OutboundRequest> {
    return this.#pending.values();
  }

  /** The first issuable id no request in flight holds. */
  freeId(): number {
    let id = this.#nextId;
    // Issued ids never meet one another; only a caller's integer id can sit at or above #nextId.
    // Stryker disable next-line ConditionalExpression: a shortcut only: without a caller's integer id, #pending holds no id at or above #nextId, so the loop would stop at once
    if (this.#callerIntegerIds) while (this.#pending.has(id)) id++;
    return id;
  }

  /**
   * Admits a call: a request actor in state `initial`, with its id, its timeouts and its message,
   * in the table. Throws `InvalidArgumentError` (a timeout, an id or a progress token that cannot
   * be used) or `DuplicateRequestIdError` before anything is admitted.
   */
  open(
    initial: BoundState<OutboundRequest, RequestEvent>,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions | undefined,
  ): OutboundRequest {
    let policy = this.#defaults;
    let onProgress: ((p: Progress) => void) | undefined;
    let meta: Readonly<Record<string, unknown>> | undefined;
    if (options !== undefined) {
      checkTimeout('timeout', options.timeout);
      checkTimeout('maxTotalTimeout', options.maxTotalTimeout);
      const { timeout, maxTotalTimeout, resetTimeoutOnProgress } = options;
      if (
        timeout !== undefined ||
        maxTotalTimeout !== undefined ||
        resetTimeoutOnProgress !== undefined
      ) {
        policy = {
          timeout: timeout ?? policy.timeout,
          maxTotalTimeout: maxTotalTimeout ?? policy.maxTotalTimeout,
          resetTimeoutOnProgress: resetTimeoutOnProgress ?? policy.resetTimeoutOnProgress,
        };
      }
      onProgress = options.onProgress;
      meta = options._meta;
    }
    const reset = policy.resetTimeoutOnProgress;
    const chosen = options?.requestId;
    const key = chosen === undefined ? this.freeId() : this.#chosenKey(method, chosen);
    const id = chosen ?? key;
    let customToken: ProgressToken | undefined;
    if (onProgress !== undefined || reset || meta !== undefined) {
      // MCP basic/utilities/progress: the token rides in params._meta and must be unique among
      // active requests, which the request id is. A token the caller chose is kept as given.
      const baseMeta = isMetaObject(params?._meta) ? params._meta : undefined;
      const mergedMeta: Record<string, unknown> = { ...baseMeta, ...meta };
      const given = mergedMeta.progressToken;
      if (typeof given === 'string' || typeof given === 'number') {
        this.#checkToken(given);
        customToken = given;
      } else if (onProgress !== undefined || reset) {
        mergedMeta.progressToken = id;
      }
      params = { ...params, _meta: mergedMeta };
    }
    if (chosen === undefined) this.#nextId = (id as number) + 1;
    const message: JsonRpcMessage =
      params === undefined
        ? { jsonrpc: '2.0', id, method }
        : { jsonrpc: '2.0', id, method, params };
    const req = new OutboundRequest(initial, id, method, message, policy);
    req.onProgress = onProgress;
    this.#pending.set(key, req);
    // Stryker disable next-line ConditionalExpression: an entry under undefined would never be looked up (progress and token checks look up strings and numbers only)
    if (customToken !== undefined) {
      this.#tokens.set(customToken, req);
      req.customToken = customToken;
    }
    return req;
  }

  /** The key of an id the caller chose, refused when it is not an id or a request in flight holds it. */
  #chosenKey(method: string, chosen: RequestId): RequestId {
    if (typeof chosen !== 'string' && !Number.isSafeInteger(chosen)) {
      throw new InvalidArgumentError(
        `requestId must be a string or a safe integer; got ${clause(reasonText(chosen))}.`,
      );
    }
    const key = idKey(chosen);
    if (this.#pending.has(key)) throw new DuplicateRequestIdError(method, chosen);
    // Stryker disable next-line ConditionalExpression: a shortcut only (see freeId): a string key is never an issuable id, so skipping ids in flight from #nextId finds none of them
    if (typeof key === 'number') this.#callerIntegerIds = true;
    return key;
  }

  /** MCP basic/utilities/progress: tokens MUST be unique across active requests. */
  #checkToken(token: ProgressToken): void {
    if (this.#tokens.has(token)) {
      throw new InvalidArgumentError(
        `Progress token ${JSON.stringify(token)} is already used by a request in flight; give each request its own token, or none.`,
      );
    }
  }

  /** The request in flight with this id (`"7"` finds 7). */
  get(id: RequestId): OutboundRequest | undefined {
    return this.#pending.get(idKey(id));
  }

  /**
   * The request in flight with an id a transport names; a string must spell an integer, since
   * a transport only asks after ids it reads back from the wire.
   */
  byWireId(id: string | number): OutboundRequest | undefined {
    const key = typeof id === 'number' ? id : canonicalInteger(id);
    // Stryker disable next-line ConditionalExpression: no request is kept under undefined, so looking it up would find none too
    return key === undefined ? undefined : this.#pending.get(key);
  }

  /** Hands a response to its request; one no request in flight owns is reported and dropped. */
  answer(m: Record<string, unknown>): void {
    const id = m.id;
    if (id === null || id === undefined) {
      this.#reporter.diagnose(
        'NULL_ID_RESPONSE',
        `Received a response with no request id${isErrorObject(m.error) ? `: error ${m.error.code} ${m.error.message}` : ''}; it was dropped.`,
        m,
      );
      return;
    }
    // A string id "7" correlates with the numeric id 7 this client issued.
    const key = isRequestId(id) ? idKey(id) : undefined;
    // Stryker disable next-line ConditionalExpression: no request is kept under undefined, so looking it up would find none too
    const req = key === undefined ? undefined : this.#pending.get(key);
    if (req === undefined) {
      this.#unanswerable(m, id, key);
      return;
    }
    if ('error' in m) {
      const error = m.error;
      const wire: JsonRpcErrorObject = isErrorObject(error)
        ? error
        : { code: ErrorCode.InternalError, message: `malformed error object ${reasonText(error)}` };
      this.#reporter.drive(req, { type: 'error', error: new JsonRpcError(wire, req.ref) });
    } else {
      this.#reporter.drive(req, { type: 'result', result: m.result });
    }
  }

  #unanswerable(m: Record<string, unknown>, id: unknown, key: RequestId | undefined): void {
    // Issued ids are the integers from 0 below #nextId; a fraction never was one.
    if (typeof key === 'number' && key % 1 === 0 && key >= 0 && key < this.#nextId) {
      this.#reporter.diagnose(
        'LATE_RESPONSE',
        `Received a response for request ${JSON.stringify(id)}, which has already settled; it was dropped.`,
        m,
      );
    } else {
      this.#reporter.diagnose(
        'UNKNOWN_RESPONSE_ID',
        `Received a response for request ${JSON.stringify(id)}, which this client never sent; it was dropped.`,
        m,
      );
    }
  }

  /** Hands `notifications/progress` to the request owning its token; any other is reported and dropped. */
  progress(n: JsonRpcNotification): void {
    // Without params there is no token, and no request owns none.
    const params = n.params ?? {};
    const token = params.progressToken;
    const req = this.#progressOwner(token);
    if (req === undefined) {
      this.#reporter.diagnose(
        'UNKNOWN_PROGRESS_TOKEN',
        `Received progress for token ${JSON.stringify(token)}, which no request in flight owns; it was dropped.`,
        n,
      );
      return;
    }
    // MCP basic/utilities/progress: `progress` and `total` are numbers, `message` a string.
    if (!isProgress(params)) {
      this.#reporter.diagnose(
        'INVALID_MESSAGE',
        `Received progress for token ${JSON.stringify(token)} whose progress, total or message is not of its type; it was dropped.`,
        n,
      );
      return;
    }
    this.#reporter.drive(req, { type: 'progress', progress: params });
  }

  #progressOwner(token: unknown): OutboundRequest | undefined {
    if (typeof token !== 'string' && typeof token !== 'number') return undefined;
    const custom = this.#tokens.get(token);
    if (custom !== undefined) return custom;
    const req = this.#pending.get(idKey(token));
    return req !== undefined && req.customToken === undefined ? req : undefined;
  }

  /** Lets a settled request go, with its token; forgets the caller's callbacks. */
  release(req: OutboundRequest): void {
    this.#pending.delete(req.key);
    const token = req.customToken;
    // Stryker disable next-line ConditionalExpression: undefined is never a key of #tokens, so deleting it would do nothing
    if (token !== undefined) this.#tokens.delete(token);
    req.clear();
  }

  /** Settles every request in flight as closed, with `reason`. */
  closeAll(reason: unknown): void {
    const closed: RequestEvent = { type: 'closed', reason };
    // Each request lets itself go (and its token) as it settles.
    for (const req of [...this.#pending.values()]) this.#reporter.drive(req, closed);
  }
}

/** Whether a `_meta` is an object whose entries a new `_meta` keeps (`null` spreads to none); an array is not. */
function isMetaObject(value: unknown): value is Record<string, unknown> | null {
  return typeof value === 'object' && !Array.isArray(value);
}

/** Progress params whose values have their types: the only ones `onProgress` ever receives. */
function isProgress(params: Record<string, unknown>): boolean {
  return (
    typeof params.progress === 'number' &&
    (params.total === undefined || typeof params.total === 'number') &&
    (params.message === undefined || typeof params.message === 'string')
  );
}
