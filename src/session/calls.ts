/**
 * The session's outbound call path: what the lifecycle state lets the client send, the 2026
 * `_meta` stamp on every request, the result cache (looked up before a request, filled after),
 * and the checks each typed request settles with (the revision's result schema, then input rounds
 * or the tool's output schema). `ClientSession`'s methods name a method, its params and which of
 * these settles applies; this sends it.
 *
 * The path is hot: a call holds one promise, and the settles are built once, not per call.
 */
import type { ConnectionStateMeta } from '../../machines/connection.js';
import type { Dispatcher, RequestOptions, Settle } from '../core/dispatcher.js';
import type { Revision } from '../protocol/revisions.js';
import { META_LOG_LEVEL } from './meta.js';
import { CACHEABLE_METHODS, type ResponseCache } from './cache.js';
import type { RevisionChecks } from './checks.js';
import { InputRounds, type RoundsDeps } from './rounds.js';
import type { PageRequest } from './pages.js';
import { needsRounds } from './support.js';
import type { ToolCatalog } from './tools.js';
import type { CallOptions } from './types.js';

/** What the lifecycle state lets the client send. */
export type Sends = ConnectionStateMeta['sends'];

/** What the call path needs of the rest of the session. */
export interface CallsDeps {
  readonly dispatcher: Pick<Dispatcher, 'request' | 'notify' | 'onClose'>;
  readonly checks: RevisionChecks;
  readonly tools: ToolCatalog;
  readonly cache: ResponseCache | undefined;
  /** The authorization context private cache entries are kept under. */
  readonly credential: string;
  /** Runs a 2026 input request through the client's callbacks. */
  readonly answer: RoundsDeps['answer'];
  /** Why a send is refused in the current lifecycle state. */
  readonly refuse: (what: string) => Error;
}

export class Calls {
  #sends: Sends = 'none';
  /** The `_meta` stamp of every request, once a 2026 revision is negotiated. */
  #stamp: Record<string, unknown> | undefined;
  readonly #dispatcher: CallsDeps['dispatcher'];
  readonly #checks: RevisionChecks;
  readonly #tools: ToolCatalog;
  readonly #cache: ResponseCache | undefined;
  readonly #credential: string;
  readonly #refuse: (what: string) => Error;
  readonly #rounds: InputRounds;

  constructor(deps: CallsDeps) {
    this.#dispatcher = deps.dispatcher;
    this.#checks = deps.checks;
    this.#tools = deps.tools;
    this.#cache = deps.cache;
    this.#credential = deps.credential;
    this.#refuse = deps.refuse;
    this.#rounds = new InputRounds({
      retry: this.page,
      answer: deps.answer,
      onClose: (listener) => deps.dispatcher.onClose(listener),
    });
  }

  /** Follows the lifecycle: what its state lets the client send now. */
  enter(sends: Sends): void {
    this.#sends = sends;
  }

  /** Ready on 2026: every request from now on carries `stamp` in its `_meta`. */
  stampWith(stamp: Record<string, unknown>): void {
    this.#stamp = stamp;
  }

  /** Whether the session is ready on a 2026 revision (requests are stamped). */
  get modern(): boolean {
    return this.#stamp !== undefined;
  }

  /** Throws why `what` is refused, unless the session is ready. */
  mustBeReady(what: string): void {
    if (this.#sends !== 'all') throw this.#refuse(what);
  }

  /** Sends any request, stamped on 2026; its result is raw unless `settle` says otherwise. */
  request(
    method: string,
    params?: Record<string, unknown>,
    options?: RequestOptions,
    settle?: Settle,
  ): Promise<unknown> {
    if (this.#sends !== 'all' && !(this.#sends === 'handshake' && method === 'ping')) {
      return Promise.reject(this.#refuse(`send ${method}`));
    }
    const stamp = this.#stamp;
    if (stamp !== undefined) {
      // MCP 2026-07-28 basic/index: every request carries the protocol fields in params._meta.
      options = { ...options, _meta: { ...stamp, ...options?._meta } };
    }
    return this.#dispatcher.request(method, params, options, settle);
  }

  /** Sends a notification (refused unless the session is ready). */
  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.#sends !== 'all') return Promise.reject(this.#refuse(`send ${method}`));
    return this.#dispatcher.notify(method, params);
  }

  /**
   * Sends a request of the MCP method table (`UNSUPPORTED_IN_REVISION` if the negotiated revision
   * has no such method), answered from the cache while fresh on 2026, and settled by `settle`.
   * Not an async function: on the hot path a call holds one promise and one closure, not frames.
   */
  typed<T>(
    method: string,
    params: Record<string, unknown> | undefined,
    options: CallOptions | undefined,
    settle: Settle,
  ): Promise<T> {
    let revision: Revision | undefined;
    try {
      revision = this.#checks.revisionFor(method, 'request');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#stamp !== undefined && this.#cache !== undefined && CACHEABLE_METHODS.has(method)) {
      const hit = this.#cache.get(method, params, this.#credential);
      if (hit !== undefined) return Promise.resolve(hit as T);
    }
    const sent = this.request(
      method,
      params,
      this.#withLogLevel(options),
      revision === undefined ? undefined : settle,
    );
    return sent as Promise<T>;
  }

  /** A typed request settled by {@link checked}: a page of a listing, a later input round. */
  readonly page: PageRequest = (method, params, options) =>
    this.typed(method, params, options, this.checked);

  /** Sends a notification of the MCP method table (`UNSUPPORTED_IN_REVISION` if the revision has none). */
  async typedNotify(method: string, params?: Record<string, unknown>): Promise<void> {
    this.#checks.revisionFor(method, 'notification');
    await this.notify(method, params);
  }

  /** Validates a result for the negotiated revision (and keeps it while fresh, on 2026). */
  readonly checked: Settle = (raw, method, params) =>
    this.#remember(method, params, this.#checks.negotiatedResult(method, raw));

  /** Validates, then runs 2026 input rounds unless the caller takes them. */
  readonly withRounds: Settle = (raw, method, params, options) => {
    const result = this.#checks.negotiatedResult(method, raw);
    return needsRounds(result, options)
      ? this.#rounds.more(method, params ?? {}, options, result)
      : this.#remember(method, params, result);
  };

  /** `tools/call`: validates, runs input rounds, then checks `structuredContent` against the tool's output schema. */
  readonly toolCall: Settle = (raw, method, params, options) => {
    const result = this.#checks.negotiatedResult(method, raw);
    const name = params?.name as string;
    return needsRounds(result, options)
      ? this.#rounds
          .more(method, params ?? {}, options, result)
          .then((r) => this.#tools.checkOutput(name, r))
      : this.#tools.checkOutput(name, result);
  };

  /**
   * Keeps a 2026 result by its `ttlMs` and `cacheScope`; never the result of a multi-round retry
   * (MCP caching: results of retries carrying `inputResponses` MUST NOT be cached).
   */
  #remember(
    method: string,
    params: Record<string, unknown> | undefined,
    result: Record<string, unknown>,
  ): Record<string, unknown> {
    if (
      this.#stamp !== undefined &&
      this.#cache !== undefined &&
      params?.inputResponses === undefined &&
      params?.requestState === undefined
    ) {
      this.#cache.put(method, params, this.#credential, result);
    }
    return result;
  }

  #withLogLevel(options: CallOptions | undefined): RequestOptions | undefined {
    const level = options?.logLevel;
    if (level === undefined || this.#stamp === undefined) return options;
    return { ...options, _meta: { ...options?._meta, [META_LOG_LEVEL]: level } };
  }
}
