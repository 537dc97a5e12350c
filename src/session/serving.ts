/**
 * Serving what the server asks of the client (legacy revisions: sampling, elicitation, roots and
 * any method an application registers): a request the negotiated revision does not define for
 * servers is `-32601`; an application's handler takes its method first, then the built-in
 * callbacks (params checked against the revision's schema when the capability is declared); the
 * answer is checked before it is sent, an error returned is sent as it is.
 */
import { isBareErrorObject, type InboundRequest } from '../core/dispatcher.js';
import { ErrorCode, JsonRpcError, reasonText } from '../errors/errors.js';
import type { CallbackRouter } from './callbacks.js';
import type { RevisionChecks } from './checks.js';
import type { RequestHandlerEntry, RequestHandlerExtra } from './types.js';

export class ServerRequests {
  readonly #handlers = new Map<string, RequestHandlerEntry>();
  readonly #checks: Pick<RevisionChecks, 'serverRequest' | 'serverParams' | 'answer'>;
  readonly #callbacks: Pick<CallbackRouter, 'handles' | 'declares' | 'run'>;

  constructor(
    handlers: Readonly<Record<string, RequestHandlerEntry>> | undefined,
    checks: Pick<RevisionChecks, 'serverRequest' | 'serverParams' | 'answer'>,
    callbacks: Pick<CallbackRouter, 'handles' | 'declares' | 'run'>,
  ) {
    for (const [method, handler] of Object.entries(handlers ?? {})) {
      this.#handlers.set(method, handler);
    }
    this.#checks = checks;
    this.#callbacks = callbacks;
  }

  /** Registers (or replaces) the handler of one server request method. */
  setHandler(method: string, handler: RequestHandlerEntry): void {
    this.#handlers.set(method, handler);
  }

  /** Answers one server request: its result, a JSON-RPC error, or a throw. */
  readonly serve = (request: InboundRequest): unknown => {
    this.#checks.serverRequest(request.method);
    const entry = this.#handlers.get(request.method);
    if (entry === undefined) return this.#callback(request);
    const extra: RequestHandlerExtra = {
      signal: request.signal,
      requestId: request.id,
      method: request.method,
    };
    // A handler's result is checked as a callback's is; an error it returns is sent as it is.
    const checked = (result: unknown): unknown =>
      result instanceof JsonRpcError || isBareErrorObject(result)
        ? result
        : this.#checks.answer(request.method, result);
    if (typeof entry === 'function') {
      return Promise.resolve(entry(request.params, extra)).then(checked);
    }
    let params: unknown;
    try {
      params = entry.parse(request.params);
    } catch (error) {
      throw new JsonRpcError({
        code: ErrorCode.InvalidParams,
        message: `Invalid params for ${request.method}: ${reasonText(error)}`,
      });
    }
    return Promise.resolve(entry.handle(params, extra)).then(checked);
  };

  /** A request no handler takes: the built-in callbacks' (sampling, elicitation, roots), or `-32601`. */
  #callback(request: InboundRequest): unknown {
    if (!this.#callbacks.handles(request.method)) {
      throw new JsonRpcError({
        code: ErrorCode.MethodNotFound,
        message: `Method not found: ${request.method}`,
      });
    }
    const meta = request.params?._meta;
    // A capability not declared is -32601 whatever the params; declared ones check params first.
    if (this.#callbacks.declares(request.method)) {
      this.#checks.serverParams(request.method, request.params);
    }
    return this.#callbacks.run(request.method, request.params, {
      requestId: request.id,
      method: request.method,
      meta:
        typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined,
      signal: request.signal,
    });
  }
}
