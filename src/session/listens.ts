/**
 * The open 2026-07-28 `subscriptions/listen` streams, by the listen request's id: opening one
 * (the request stays out, with no timeout, until the stream ends), and routing to it what the
 * server sends on it (MCP 2026-07-28: clients MUST correlate by
 * `_meta["io.modelcontextprotocol/subscriptionId"]`): its acknowledgement, its notifications, and
 * the server's end of it (`notifications/cancelled` naming the listen request).
 */
import type { Dispatcher } from '../core/dispatcher.js';
import type { SubscriptionFilter } from '../protocol/types.js';
import type { JsonRpcNotification } from '../wire/jsonrpc.js';
import { META_SUBSCRIPTION_ID } from './meta.js';
import { Subscription } from './subscriptions.js';
import type { CallOptions } from './types.js';

/** Sends the listen request, checked for the negotiated revision. */
export type ListenRequest = (
  method: string,
  params: Record<string, unknown>,
  options: CallOptions,
) => Promise<unknown>;

export class ListenStreams {
  readonly #open = new Map<number, Subscription>();
  readonly #dispatcher: Pick<Dispatcher, 'nextRequestId' | 'abandon' | 'report'>;
  readonly #request: ListenRequest;

  constructor(
    dispatcher: Pick<Dispatcher, 'nextRequestId' | 'abandon' | 'report'>,
    request: ListenRequest,
  ) {
    this.#dispatcher = dispatcher;
    this.#request = request;
  }

  /** Opens a stream; resolves once the server acknowledged it. `signal` ends it, as does its `close()`. */
  async open(filter: SubscriptionFilter, signal: AbortSignal | undefined): Promise<Subscription> {
    const controller = new AbortController();
    const forward = (): void => controller.abort(signal?.reason);
    if (signal !== undefined) {
      if (signal.aborted) forward();
      else signal.addEventListener('abort', forward, { once: true });
    }
    const id = this.#dispatcher.nextRequestId;
    const sub = new Subscription(id, filter, () =>
      controller.abort('the client closed the subscription'),
    );
    this.#open.set(id, sub);
    this.#request(
      'subscriptions/listen',
      { notifications: filter },
      { signal: controller.signal, timeout: Infinity },
    )
      .then(
        (result) => sub.end({ by: 'server', result }),
        (error: unknown) =>
          sub.end(
            controller.signal.aborted && !sub.done ? { by: 'client' } : { by: 'error', error },
          ),
      )
      .finally(() => {
        this.#open.delete(id);
        // The caller's signal outlives the subscription: leave nothing on it.
        signal?.removeEventListener('abort', forward);
      });
    await sub.acknowledged;
    return sub;
  }

  /** The server's end of a stream (its `notifications/cancelled`); false if it names none. */
  end(n: JsonRpcNotification): boolean {
    const id = n.params?.requestId;
    const sub = typeof id === 'number' ? this.#open.get(id) : undefined;
    if (sub === undefined) return false;
    sub.end({ by: 'server-cancelled', reason: n.params?.reason });
    this.#dispatcher.abandon(sub.id, n.params?.reason);
    return true;
  }

  /**
   * Routes a stream's notification to its subscription. Returns true when the notification is
   * only the stream's business (the acknowledgement); the stream's other notifications also reach
   * the usual listeners.
   */
  route(n: JsonRpcNotification): boolean {
    if (this.#open.size === 0) return false;
    const meta = n.params?._meta;
    const raw =
      typeof meta === 'object' && meta !== null
        ? (meta as Record<string, unknown>)[META_SUBSCRIPTION_ID]
        : undefined;
    const id = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : undefined;
    const sub = id === undefined ? undefined : this.#open.get(id);
    if (sub === undefined) return false;
    if (n.method === 'notifications/subscriptions/acknowledged') {
      sub.acknowledge(n.params?.notifications ?? {});
      const refused = sub.refused;
      if (refused.length > 0) {
        this.#dispatcher.report({
          code: 'SUBSCRIPTION_NARROWED',
          message: `The server acknowledged subscription ${String(sub.id)} without ${refused.join(', ')}.`,
          payload: n,
        });
      }
      return true;
    }
    sub.push(n);
    return false;
  }
}
