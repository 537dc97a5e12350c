import type { InboundRequests } from './inbound.js';
import type { Reporter } from './reporting.js';
import type { RequestTable } from './request-table.js';
import type { DispatcherHandlers } from './types.js';
import type { JsonRpcNotification } from '../wire/jsonrpc.js';

/**
 * Routing of what the transport delivers: classify each message cheaply, then hand it to the one
 * owner it belongs to. Responses and progress go to the outbound request table, the server's
 * requests and their cancellations to the inbound requests, any other notification to the
 * session's handler; what is not JSON-RPC is reported and dropped. A batch is routed item by item.
 */

/** What the router hands messages to: the owners of responses and of the server's requests. */
export type Responses = Pick<RequestTable, 'answer' | 'progress'>;
export type ServerRequests = Pick<InboundRequests, 'receive' | 'cancel'>;

export class Router {
  readonly #table: Responses;
  readonly #inbound: ServerRequests;
  readonly #reporter: Pick<Reporter, 'diagnose' | 'callback'>;
  #handlers: DispatcherHandlers = {};

  constructor(
    table: Responses,
    inbound: ServerRequests,
    reporter: Pick<Reporter, 'diagnose' | 'callback'>,
  ) {
    this.#table = table;
    this.#inbound = inbound;
    this.#reporter = reporter;
  }

  /** The handlers whose `notification` receives what is routed nowhere else. */
  use(handlers: DispatcherHandlers): void {
    this.#handlers = handlers;
  }

  route(message: unknown): void {
    if (Array.isArray(message)) {
      this.#batch(message);
      return;
    }
    if (typeof message !== 'object' || message === null) {
      this.#reporter.diagnose(
        'INVALID_MESSAGE',
        'Received a JSON value that is not a JSON-RPC message.',
        message,
      );
      return;
    }
    const m = message as Record<string, unknown>;
    if (m.jsonrpc !== '2.0') {
      this.#reporter.diagnose(
        'INVALID_MESSAGE',
        'Received a message without jsonrpc: "2.0".',
        message,
      );
      return;
    }
    const method = m.method;
    if (typeof method === 'string') {
      if (m.id === undefined) this.#routeNotification(m as unknown as JsonRpcNotification);
      else this.#inbound.receive(m, method);
      return;
    }
    if ('result' in m || 'error' in m) {
      this.#table.answer(m);
      return;
    }
    this.#reporter.diagnose(
      'INVALID_MESSAGE',
      'Received a message that is neither request, notification nor response.',
      message,
    );
  }

  /**
   * MCP 2025-03-26 basic: implementations MUST support receiving JSON-RPC batches. A batch holds
   * messages, not batches: a nested array is dropped, not routed as one (which would recurse once
   * per level, and overflow the stack on a deeply nested line).
   */
  #batch(batch: readonly unknown[]): void {
    for (const item of batch) {
      if (Array.isArray(item)) {
        this.#reporter.diagnose(
          'INVALID_MESSAGE',
          'Received a batch whose item is itself an array; it was dropped.',
          item,
        );
      } else {
        this.route(item);
      }
    }
  }

  #routeNotification(n: JsonRpcNotification): void {
    if (n.method === 'notifications/progress') {
      this.#table.progress(n);
      return;
    }
    if (n.method === 'notifications/cancelled') {
      const params = n.params;
      if (this.#inbound.cancel(params?.requestId, params?.reason)) return;
    }
    const handler = this.#handlers.notification;
    if (handler !== undefined) this.#reporter.callback('notification handler', () => handler(n));
  }
}
