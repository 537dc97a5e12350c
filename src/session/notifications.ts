/**
 * What the server tells the client, routed: each notification the dispatcher hands up is screened
 * against the negotiated revision, taken by a listen stream when it is the stream's business,
 * evicts the cached results it makes stale, reaches the built-in callbacks (list changes, log
 * messages, URL elicitation completions) and the application's handler of its method, and ends at
 * the message handler, with the transport's exceptions and events.
 */
import type { Diagnostic } from '../core/diagnostics.js';
import { reasonText } from '../errors/errors.js';
import type { JsonRpcNotification } from '../wire/jsonrpc.js';
import type { ResponseCache } from './cache.js';
import type { ListKind } from './callbacks.js';
import { LIST_CHANGED } from './support.js';
import type { ClientSessionOptions, NotificationHandler, SessionMessage } from './types.js';

/** What the routing needs of the rest of the session. */
export interface NotificationDeps {
  readonly report: (diagnostic: Diagnostic) => void;
  /** Why a notification is dropped unseen (not in the revision, params that do not fit). */
  readonly screen: (n: JsonRpcNotification) => Diagnostic | undefined;
  /** The open listen streams: the server's end of one, and routing to one. */
  readonly streams: {
    end(n: JsonRpcNotification): boolean;
    route(n: JsonRpcNotification): boolean;
  };
  /** A URL elicitation completed: whether it was one of this client's. */
  readonly elicitationComplete: (id: unknown) => boolean;
  readonly cache: ResponseCache | undefined;
  readonly options: Pick<
    ClientSessionOptions,
    'logging' | 'messageHandler' | 'notificationHandlers'
  >;
}

export class NotificationRouter {
  readonly #handlers = new Map<string, NotificationHandler>();
  readonly #listChanged = new Map<ListKind, Set<() => void>>();
  readonly #deps: NotificationDeps;

  constructor(deps: NotificationDeps) {
    this.#deps = deps;
    for (const [method, handler] of Object.entries(deps.options.notificationHandlers ?? {})) {
      this.#handlers.set(method, handler);
    }
  }

  /** Registers (or replaces, or with `undefined` removes) the handler of one notification method. */
  setHandler(method: string, handler: NotificationHandler | undefined): void {
    if (handler === undefined) this.#handlers.delete(method);
    else this.#handlers.set(method, handler);
  }

  /** Calls `listener` on each list change of `kind`; returns the unsubscribe function. */
  onListChanged(kind: ListKind, listener: () => void): () => void {
    let set = this.#listChanged.get(kind);
    if (set === undefined) {
      set = new Set();
      this.#listChanged.set(kind, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Routes one notification from the server. */
  readonly route = (notification: JsonRpcNotification): void => {
    const dropped = this.#deps.screen(notification);
    if (dropped !== undefined) {
      this.#deps.report(dropped);
      return;
    }
    // The stream's own business (its acknowledgement, its end) and stray cancellations stop here.
    if (this.#consumed(notification)) return;
    this.#builtin(notification);
    const handler = this.#handlers.get(notification.method);
    if (handler !== undefined) {
      const failed = (error: unknown): void =>
        this.#deps.report({
          code: 'CALLBACK_FAILED',
          message: `The handler of ${notification.method} threw: ${reasonText(error)}`,
          payload: error,
        });
      try {
        const result = handler(notification.params, notification);
        if (result instanceof Promise) result.catch(failed);
      } catch (error) {
        failed(error);
      }
    }
    this.relay({ type: 'notification', notification });
  };

  /** Hands a message to the application's message handler, the last stop. */
  readonly relay = (message: SessionMessage): void => {
    const handler = this.#deps.options.messageHandler;
    if (handler === undefined) return;
    try {
      const result = handler(message);
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // The message handler is the last stop: an error thrown there has nowhere to go.
    }
  };

  /**
   * Whether a notification is consumed before the application sees it: a listen stream's
   * acknowledgement and the server's end of a stream are the subscription's; a
   * `notifications/cancelled` that reached the session names no server request in flight (the
   * dispatcher routes those), so it is dropped as a diagnostic. A stream's other notifications go
   * to their subscription and on to the application.
   */
  #consumed(n: JsonRpcNotification): boolean {
    if (n.method === 'notifications/cancelled') {
      if (!this.#deps.streams.end(n)) {
        this.#deps.report({
          code: 'UNKNOWN_CANCELLATION',
          message: `Ignored notifications/cancelled for ${JSON.stringify(n.params?.requestId)}, which names no server request in flight and no open subscription.`,
          payload: n,
        });
      }
      return true;
    }
    return this.#deps.streams.route(n);
  }

  /** The notifications the callbacks and list-change listeners take. */
  #builtin(n: JsonRpcNotification): void {
    const kind = LIST_CHANGED[n.method];
    this.#evict(n, kind);
    if (kind !== undefined) {
      for (const listener of [...(this.#listChanged.get(kind) ?? [])]) {
        this.#guard(`${kind} list-change listener`, () => listener());
      }
      return;
    }
    if (n.method === 'notifications/message') {
      const logging = this.#deps.options.logging;
      if (logging !== undefined) this.#guard('logging callback', () => logging(n.params ?? {}, n));
      return;
    }
    if (n.method === 'notifications/elicitation/complete') {
      const id = n.params?.elicitationId;
      const known = this.#guard('elicitation completion callback', () =>
        this.#deps.elicitationComplete(id),
      );
      if (known === false) {
        this.#deps.report({
          code: 'UNKNOWN_ELICITATION',
          message: `Ignored notifications/elicitation/complete for ${JSON.stringify(id)}, which is not an open URL elicitation of this client.`,
          payload: n,
        });
      }
    }
  }

  /** A list change or resource update makes the cached results it concerns stale at once. */
  #evict(n: JsonRpcNotification, kind: ListKind | undefined): void {
    const cache = this.#deps.cache;
    if (cache === undefined) return;
    if (kind === 'tools') cache.evict('tools/list');
    else if (kind === 'prompts') cache.evict('prompts/list');
    else if (kind === 'resources') {
      cache.evict('resources/list');
      cache.evict('resources/templates/list');
    } else if (
      n.method === 'notifications/resources/updated' &&
      typeof n.params?.uri === 'string'
    ) {
      cache.evict('resources/read', n.params.uri);
    }
  }

  /** Runs a user callback; a throw becomes a diagnostic. */
  #guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      this.#deps.report({
        code: 'CALLBACK_FAILED',
        message: `The ${what} threw: ${reasonText(error)}`,
        payload: error,
      });
      return undefined;
    }
  }
}
