import type { InboundRequestEvent } from '../../machines/inbound-request.js';
import { InboundRequestActor, compiledMachines } from './actors.js';
import { bindProgram, startActor, type ActionImpl, type BoundState } from './compiled-machine.js';
import type { Outbox } from './outbox.js';
import type { Reporter } from './reporting.js';
import { canonicalInteger, type DispatcherHandlers, type InboundRequest } from './types.js';
import { ErrorCode, JsonRpcError, reasonText, type JsonRpcErrorObject } from '../errors/errors.js';
import { isErrorObject, isRequestId, type RequestId } from '../wire/jsonrpc.js';

/**
 * The server's requests being handled, by id: each one an actor of the inbound request machine
 * (machines/inbound-request.ts). A request is screened, refused when its id is already being
 * handled, answered by the session's handler (or at once, for `ping`) in a later microtask, its
 * handler aborted when the server cancels it or the connection closes; its answer or error is
 * written back through the outbox.
 */

export class InboundRequests {
  readonly #reporter: Pick<Reporter, 'diagnose' | 'drive' | 'adopt'>;
  readonly #outbox: Outbox;
  readonly #initial: BoundState<InboundRequestActor, InboundRequestEvent>;
  readonly #actors = new Map<RequestId, InboundRequestActor>();
  #handlers: DispatcherHandlers = {};

  constructor(reporter: Pick<Reporter, 'diagnose' | 'drive' | 'adopt'>, outbox: Outbox) {
    this.#reporter = reporter;
    this.#outbox = outbox;
    this.#initial = bindProgram(compiledMachines().inbound, this.#actions()).initial;
  }

  /** The number of server requests being handled. */
  get size(): number {
    return this.#actors.size;
  }

  /** The handlers that screen and answer requests from now on. */
  use(handlers: DispatcherHandlers): void {
    this.#handlers = handlers;
  }

  /** A request from the server (`m.method` is `method`): screened, then handled. */
  receive(m: Record<string, unknown>, method: string): void {
    const id = m.id;
    if (!isRequestId(id)) {
      this.#reporter.diagnose(
        'INVALID_MESSAGE',
        `Received a ${method} request whose id is neither a string nor an integer; it was dropped.`,
        m,
      );
      return;
    }
    const refused = this.#handlers.screenRequest?.(method);
    if (refused !== undefined) {
      this.#reporter.diagnose(refused.code, refused.message, m);
      return;
    }
    if (this.#actors.has(id)) {
      this.#reporter.diagnose(
        'DUPLICATE_REQUEST_ID',
        `Received a ${method} request reusing id ${JSON.stringify(id)}, which is still being handled; it was dropped.`,
        m,
      );
      return;
    }
    const params = m.params;
    const actor = new InboundRequestActor(
      this.#initial,
      id,
      method,
      typeof params === 'object' && params !== null
        ? (params as Record<string, unknown>)
        : undefined,
    );
    this.#actors.set(id, actor);
    this.#reporter.adopt(actor);
    startActor<InboundRequestActor, InboundRequestEvent>(actor);
  }

  /** The server cancelled request `id`: its handler is aborted. False when none has that id. */
  cancel(id: unknown, reason: unknown): boolean {
    const actor = isRequestId(id) ? this.#byId(id) : undefined;
    if (actor === undefined) return false;
    this.#reporter.drive(actor, { type: 'cancelled', reason });
    return true;
  }

  /** The connection closed: every handler is aborted with `reason`. */
  closeAll(reason: unknown): void {
    const closed: InboundRequestEvent = { type: 'closed', reason };
    for (const actor of [...this.#actors.values()]) this.#reporter.drive(actor, closed);
  }

  #byId(id: RequestId): InboundRequestActor | undefined {
    const direct = this.#actors.get(id);
    if (direct !== undefined) return direct;
    if (typeof id === 'number') return this.#actors.get(String(id));
    const n = canonicalInteger(id);
    // Stryker disable next-line ConditionalExpression: looking up undefined finds nothing too (no request is kept under undefined)
    return n === undefined ? undefined : this.#actors.get(n);
  }

  /** Starts the handler in a later microtask: it never runs inside the routing of its message. */
  #run(actor: InboundRequestActor): void {
    // MCP basic/utilities/ping: the receiver MUST promptly answer with an empty result.
    if (actor.method === 'ping') {
      queueMicrotask(() => this.#reporter.drive(actor, { type: 'resolved', result: {} }));
      return;
    }
    const controller = new AbortController();
    actor.controller = controller;
    const handler = this.#handlers.request;
    const request: InboundRequest = {
      id: actor.requestId,
      method: actor.method,
      params: actor.params,
      signal: controller.signal,
    };
    Promise.resolve()
      .then(() => {
        if (handler === undefined) {
          throw new JsonRpcError({
            code: ErrorCode.MethodNotFound,
            message: `Method not found: ${actor.method}`,
          });
        }
        return handler(request);
      })
      .then(
        (result) =>
          this.#reporter.drive(
            actor,
            result instanceof JsonRpcError || isBareErrorObject(result)
              ? { type: 'rejected', error: result }
              : { type: 'resolved', result },
          ),
        (error: unknown) => this.#reporter.drive(actor, { type: 'rejected', error }),
      );
  }

  /** The inbound request machine's actions. */
  #actions(): Record<string, ActionImpl<InboundRequestActor, InboundRequestEvent>> {
    return {
      runHandler: (actor) => this.#run(actor),
      respondResult: (actor, event) => {
        const result = (event as Extract<InboundRequestEvent, { type: 'resolved' }>).result;
        this.#outbox.write(
          { jsonrpc: '2.0', id: actor.requestId, result: result === undefined ? {} : result },
          `the response to ${actor.method}`,
        );
      },
      respondError: (actor, event) => {
        const error = toWireError(
          (event as Extract<InboundRequestEvent, { type: 'rejected' }>).error,
        );
        this.#outbox.write(
          { jsonrpc: '2.0', id: actor.requestId, error },
          `the error response to ${actor.method}`,
        );
      },
      abortHandler: (actor, event) => {
        const reason = (event as Extract<InboundRequestEvent, { type: 'cancelled' | 'closed' }>)
          .reason;
        actor.controller?.abort(reason);
      },
      // Runs once, on entering a final state; the id's entry is this actor's, since `receive`
      // adds none under an id that is still held.
      release: (actor) => {
        this.#actors.delete(actor.requestId);
      },
    };
  }
}

/** A plain `{ code, message, data? }` returned by a handler is a JSON-RPC error, sent as is. */
export function isBareErrorObject(value: unknown): value is JsonRpcErrorObject {
  if (!isErrorObject(value)) return false;
  for (const key of Object.keys(value)) {
    if (key !== 'code' && key !== 'message' && key !== 'data') return false;
  }
  return true;
}

/**
 * Maps what a handler threw or returned to the error object written on the wire.
 *
 * @example
 * ```ts
 * import { ErrorCode, JsonRpcError, toWireError } from 'mcp-actors';
 *
 * console.log(toWireError(new JsonRpcError({ code: ErrorCode.InvalidParams, message: 'bad uri' })));
 * // { code: -32602, message: 'bad uri' }
 * console.log(toWireError(new Error('disk full'))); // { code: -32603, message: 'disk full' }
 * ```
 */
export function toWireError(error: unknown): JsonRpcErrorObject {
  if (error instanceof JsonRpcError) return error.toJSON();
  if (isBareErrorObject(error)) return error;
  const message = error instanceof Error ? error.message : reasonText(error);
  return { code: ErrorCode.InternalError, message: message === '' ? 'Internal error' : message };
}
