import { McpLocalError } from '../errors/errors.js';
import type { JsonRpcNotification, RequestId } from '../wire/jsonrpc.js';
import type { SubscriptionFilter } from '../protocol/types.js';

export type { SubscriptionFilter };

/**
 * A 2026-07-28 `subscriptions/listen` stream (MCP basic/patterns/subscriptions): the server first
 * acknowledges the filter it honours, then sends the notifications asked for, each stamped with
 * `_meta["io.modelcontextprotocol/subscriptionId"]` = the listen request's id. It ends with a result
 * (the server's graceful end), the server's `notifications/cancelled`, the client's `close()`, or
 * the connection closing. Iterate it with `for await`.
 */

/** How a subscription ended. */
export type SubscriptionEnd =
  | { readonly by: 'server'; readonly result: unknown }
  | { readonly by: 'server-cancelled'; readonly reason: unknown }
  | { readonly by: 'client' }
  | { readonly by: 'error'; readonly error: unknown };

/**
 * The subscription ended before the server acknowledged it.
 *
 * @example
 * ```ts
 * import { SubscriptionEndedError, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   const sub = await session.listen({ toolsListChanged: true });
 *   for await (const n of sub) console.log(n.method);
 * } catch (error) {
 *   if (error instanceof SubscriptionEndedError) console.log('ended early by', error.end.by);
 * }
 * ```
 */
export class SubscriptionEndedError extends McpLocalError {
  override name = 'SubscriptionEndedError';
  declare readonly code: 'CONNECTION_CLOSED';
  readonly end: SubscriptionEnd;
  constructor(end: SubscriptionEnd) {
    super(
      'CONNECTION_CLOSED',
      `The subscription ended (${end.by}) before the server acknowledged it.`,
      end.by === 'error' ? { cause: end.error } : undefined,
    );
    this.end = end;
  }
}

/**
 * An open `subscriptions/listen` stream, from `ClientSession.listen` (2026-07-28). Iterate it for
 * its notifications; it ends with the server's result, the server's cancellation, `close()`, or
 * the connection closing.
 *
 * @example
 * ```ts
 * import type { ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * const sub = await session.listen({ resourceSubscriptions: ['file:///log.txt'] });
 * if (sub.refused.length > 0) console.log('not honoured:', sub.refused);
 * void sub.ended.then((end) => console.log('stream ended by', end.by));
 * for await (const n of sub) {
 *   if (n.method === 'notifications/resources/updated') await sub.close();
 * }
 * ```
 */
export class Subscription implements AsyncIterable<JsonRpcNotification> {
  /** The listen request's id, which every notification of this stream carries. */
  readonly id: RequestId;
  /** The filter asked for. */
  readonly requested: SubscriptionFilter;
  /** Resolves with the filter the server honours; rejects if the stream ends first. */
  readonly acknowledged: Promise<SubscriptionFilter>;
  /** Resolves when the stream has ended, saying how. */
  readonly ended: Promise<SubscriptionEnd>;

  #honoured: SubscriptionFilter | undefined;
  #end: SubscriptionEnd | undefined;
  #queue: JsonRpcNotification[] = [];
  #waiting: ((result: IteratorResult<JsonRpcNotification>) => void) | undefined;
  #ack: { resolve(f: SubscriptionFilter): void; reject(e: unknown): void };
  #finish: (end: SubscriptionEnd) => void = () => {};
  readonly #stop: () => void;

  constructor(id: RequestId, requested: SubscriptionFilter, stop: () => void) {
    this.id = id;
    this.requested = requested;
    this.#stop = stop;
    let ack!: { resolve(f: SubscriptionFilter): void; reject(e: unknown): void };
    this.acknowledged = new Promise<SubscriptionFilter>((resolve, reject) => {
      ack = { resolve, reject };
    });
    // An unobserved acknowledgement failure is not an unhandled rejection: `ended` says it too.
    this.acknowledged.catch(() => {});
    this.#ack = ack;
    this.ended = new Promise<SubscriptionEnd>((resolve) => {
      this.#finish = resolve;
    });
  }

  /** The filter the server honours, once acknowledged. */
  get honoured(): SubscriptionFilter | undefined {
    return this.#honoured;
  }

  /**
   * What was asked for and not honoured (MCP: the client SHOULD check the acknowledged filter):
   * filter keys set to true that the acknowledgement lacks, and resource URIs it left out.
   */
  get refused(): string[] {
    const honoured = this.#honoured;
    if (honoured === undefined) return [];
    const out: string[] = [];
    for (const [key, value] of Object.entries(this.requested)) {
      if (key === 'resourceSubscriptions') continue;
      if (value === true && (honoured as Record<string, unknown>)[key] !== true) out.push(key);
    }
    const granted = new Set(honoured.resourceSubscriptions ?? []);
    for (const uri of this.requested.resourceSubscriptions ?? []) {
      if (!granted.has(uri)) out.push(`resourceSubscriptions:${uri}`);
    }
    return out;
  }

  /** Whether the stream has ended. */
  get done(): boolean {
    return this.#end !== undefined;
  }

  /** Ends the stream from the client side (the listen request is cancelled). */
  async close(): Promise<SubscriptionEnd> {
    if (this.#end === undefined) this.#stop();
    return this.ended;
  }

  /** @internal The server's acknowledgement. */
  acknowledge(honoured: SubscriptionFilter): void {
    if (this.#honoured !== undefined || this.#end !== undefined) return;
    this.#honoured = honoured;
    this.#ack.resolve(honoured);
  }

  /** @internal A notification of this stream. */
  push(notification: JsonRpcNotification): void {
    if (this.#end !== undefined) return;
    const waiting = this.#waiting;
    if (waiting !== undefined) {
      this.#waiting = undefined;
      waiting({ value: notification, done: false });
    } else {
      this.#queue.push(notification);
    }
  }

  /** @internal The stream ended. */
  end(end: SubscriptionEnd): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    if (this.#honoured === undefined) this.#ack.reject(new SubscriptionEndedError(end));
    this.#finish(end);
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  /** The stream's notifications, in order; leaving a `for await` loop early closes the stream. */
  [Symbol.asyncIterator](): AsyncIterator<JsonRpcNotification> {
    return {
      next: () => {
        const queued = this.#queue.shift();
        if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
        if (this.#end !== undefined) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          this.#waiting = resolve;
        });
      },
      return: async () => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
