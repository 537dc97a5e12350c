import { ErrorCode, JsonRpcError } from '../errors/errors.js';
import type { JsonRpcNotification, RequestId } from '../wire/jsonrpc.js';
import type {
  CreateMessageRequestParams,
  CreateMessageResult,
  ElicitRequestFormParams,
  ElicitRequestURLParams,
  ElicitResult,
  Root,
} from '../protocol/types.js';

/**
 * The client's callbacks for what the server asks of it (sampling, elicitation, roots) and tells
 * it (log messages, list changes), and the capabilities they imply: a callback given is a
 * capability advertised; no callback, no capability, and a server request for it is answered with
 * a clear `-32601`.
 *
 * The same callbacks serve both eras: legacy servers send JSON-RPC requests; 2026-07-28 servers
 * send input requests inside an `InputRequiredResult`, which the session runs through these same
 * functions.
 */

/** What every callback receives besides its params. */
export interface CallbackExtra {
  /** The server's request id (legacy), or the input request's key (2026). */
  readonly requestId: RequestId;
  readonly method: string;
  /** The request's `_meta`, if it had one. */
  readonly meta: Readonly<Record<string, unknown>> | undefined;
  /** Aborted when the server cancels the request or the connection closes. */
  readonly signal: AbortSignal;
}

type Params = Readonly<Record<string, unknown>>;
type Awaitable<T> = T | Promise<T>;

/**
 * Answers `sampling/createMessage` with a `CreateMessageResult`. The params have been checked
 * against the negotiated revision's schema; the result is checked before it is sent.
 */
export type SamplingHandler = (
  params: CreateMessageRequestParams,
  extra: CallbackExtra,
) => Awaitable<CreateMessageResult>;

/** Sampling with what the handler can do beyond plain messages. */
export interface SamplingCallback {
  /** Answers `sampling/createMessage`. */
  readonly handler: SamplingHandler;
  /** The handler can use `tools` / `toolChoice` (MCP 2025-11-25 `sampling.tools`). Default false. */
  readonly tools?: boolean;
  /** The handler honours `includeContext` other than "none" (`sampling.context`). Default false. */
  readonly context?: boolean;
}

/**
 * The params of a URL-mode elicitation: {@link ElicitRequestURLParams}, whose `elicitationId`
 * (2025-11-25) names the elicitation in `notifications/elicitation/complete`.
 *
 * @deprecated Use `ElicitRequestURLParams`.
 */
export type ElicitRequestUrlModeParams = ElicitRequestURLParams;

/**
 * Answers `elicitation/create` with an `ElicitResult` (`action`: accept, decline or cancel). The
 * params have been checked against the negotiated revision's schema; the result is checked before
 * it is sent.
 */
export type ElicitationHandler<P = ElicitRequestFormParams | ElicitRequestURLParams> = (
  params: P,
  extra: CallbackExtra,
) => Awaitable<ElicitResult>;

/**
 * Elicitation: a handler per mode; the modes given are advertised.
 *
 * @example
 * ```ts
 * import { createClientSession, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({
 *   transport,
 *   elicitation: {
 *     form: (params) => {
 *       console.log(params.message, params.requestedSchema);
 *       return { action: 'accept', content: { name: 'Ada' } };
 *     },
 *     url: () => ({ action: 'decline' }),
 *   },
 * });
 * ```
 */
export interface ElicitationCallback {
  /** Form mode: ask the user to fill `requestedSchema`. A request without `mode` is form mode. */
  readonly form?: ElicitationHandler<ElicitRequestFormParams>;
  /**
   * URL mode (MCP 2025-11-25): show the full URL and ask for consent before opening it; never
   * pre-fetch it.
   */
  readonly url?: ElicitationHandler<ElicitRequestURLParams>;
  /** `notifications/elicitation/complete` for a URL elicitation this client accepted. */
  readonly onComplete?: (elicitationId: string) => void;
}

/** Roots: the client's list of roots, and whether it announces changes. */
export interface RootsCallback {
  /** Lists the client's roots for `roots/list`. */
  readonly list: (extra: CallbackExtra) => Awaitable<readonly Root[]>;
  /** Whether the client sends `notifications/roots/list_changed` (legacy). Default true. */
  readonly listChanged?: boolean;
}

/** The listings whose changes `onListChanged` reports. */
export type ListKind = 'tools' | 'prompts' | 'resources';

/**
 * The callbacks a session takes (they are part of its options): each one given advertises its
 * capability, and serves both the legacy server requests and the 2026 input requests.
 */
export interface ClientCallbacks {
  /** `sampling/createMessage`: a handler, or a handler with what it supports. */
  readonly sampling?: SamplingHandler | SamplingCallback;
  /** `elicitation/create`, per mode. */
  readonly elicitation?: ElicitationCallback;
  /** `roots/list`. */
  readonly roots?: RootsCallback;
  /** `notifications/message`: a log message from the server. */
  readonly logging?: (params: Params, notification: JsonRpcNotification) => void;
}

/**
 * The capabilities the callbacks imply, merged under what the caller declared explicitly.
 *
 * @example
 * ```ts
 * import { capabilitiesOf } from 'mcp-actors';
 *
 * const capabilities = capabilitiesOf(
 *   { roots: { list: () => [] }, elicitation: { form: () => ({ action: 'decline' }) } },
 *   { experimental: { tracing: {} } },
 * );
 * console.log(capabilities);
 * // { roots: { listChanged: true }, elicitation: { form: {} }, experimental: { tracing: {} } }
 * ```
 */
export function capabilitiesOf(
  callbacks: ClientCallbacks,
  declared: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const caps: Record<string, unknown> = {};
  const sampling = samplingOf(callbacks);
  if (sampling !== undefined) {
    caps.sampling = {
      ...(sampling.tools === true ? { tools: {} } : {}),
      ...(sampling.context === true ? { context: {} } : {}),
    };
  }
  const e = callbacks.elicitation;
  if (e !== undefined && (e.form !== undefined || e.url !== undefined)) {
    // MCP 2025-11-25: `elicitation: {}` means form only; name the modes supported.
    caps.elicitation = {
      ...(e.form !== undefined ? { form: {} } : {}),
      ...(e.url !== undefined ? { url: {} } : {}),
    };
  }
  if (callbacks.roots !== undefined) {
    caps.roots = { listChanged: callbacks.roots.listChanged ?? true };
  }
  return { ...caps, ...declared };
}

function samplingOf(callbacks: ClientCallbacks): SamplingCallback | undefined {
  const s = callbacks.sampling;
  return typeof s === 'function' ? { handler: s } : s;
}

const invalidParams = (message: string): JsonRpcError =>
  new JsonRpcError({ code: ErrorCode.InvalidParams, message });

const notDeclared = (method: string, capability: string): JsonRpcError =>
  new JsonRpcError({
    code: ErrorCode.MethodNotFound,
    message: `Method not found: ${method} (this client did not declare the ${capability} capability)`,
  });

/**
 * Checks a callback's answer to `method` before it is sent: returns it, or throws (a
 * `CallbackResultError` naming the fields that are wrong).
 */
export type AnswerCheck = (method: string, answer: unknown) => unknown;

/**
 * Runs one server request (or 2026 input request) through the callbacks. Throws `JsonRpcError`s
 * the dispatcher sends as they are. The params were checked against the negotiated revision's
 * schema before; each callback's answer is checked with `check` before anything else sees it.
 */
export class CallbackRouter {
  readonly #callbacks: ClientCallbacks;
  readonly #check: AnswerCheck;
  /** URL elicitations this client accepted and that have not completed. */
  readonly #openElicitations = new Set<string>();

  constructor(callbacks: ClientCallbacks, check: AnswerCheck = (_method, answer) => answer) {
    this.#callbacks = callbacks;
    this.#check = check;
  }

  /** Whether this router answers `method`. */
  handles(method: string): boolean {
    return (
      method === 'sampling/createMessage' ||
      method === 'elicitation/create' ||
      method === 'roots/list'
    );
  }

  /** Whether the client declared the capability that `method` needs (a callback for it exists). */
  declares(method: string): boolean {
    const c = this.#callbacks;
    if (method === 'sampling/createMessage') return c.sampling !== undefined;
    if (method === 'elicitation/create') {
      return c.elicitation?.form !== undefined || c.elicitation?.url !== undefined;
    }
    if (method === 'roots/list') return c.roots !== undefined;
    return false;
  }

  async run(method: string, params: Params | undefined, extra: CallbackExtra): Promise<unknown> {
    const p = params ?? {};
    switch (method) {
      case 'sampling/createMessage': {
        const sampling = samplingOf(this.#callbacks);
        if (sampling === undefined) throw notDeclared(method, 'sampling');
        // MCP 2025-11-25 client/sampling: tools without the sampling.tools capability is an error.
        if ((p.tools !== undefined || p.toolChoice !== undefined) && sampling.tools !== true) {
          throw invalidParams(
            'This client did not declare sampling.tools; send the request without tools or toolChoice.',
          );
        }
        const result = await sampling.handler(p as unknown as CreateMessageRequestParams, extra);
        return this.#check(method, result);
      }
      case 'elicitation/create': {
        const e = this.#callbacks.elicitation;
        if (e === undefined || (e.form === undefined && e.url === undefined))
          throw notDeclared(method, 'elicitation');
        // MCP 2025-11-25 client/elicitation: a request without mode is form mode; an undeclared mode is -32602.
        const mode = p.mode === undefined ? 'form' : p.mode;
        let result: ElicitResult;
        if (mode === 'form' && e.form !== undefined) {
          result = await e.form(p as unknown as ElicitRequestFormParams, extra);
        } else if (mode === 'url' && e.url !== undefined) {
          result = await e.url(p as unknown as ElicitRequestURLParams, extra);
        } else {
          throw invalidParams(
            `This client does not support elicitation mode ${JSON.stringify(mode)}.`,
          );
        }
        this.#check(method, result);
        if (mode === 'url' && result.action === 'accept' && typeof p.elicitationId === 'string') {
          this.#openElicitations.add(p.elicitationId);
        }
        return result;
      }
      case 'roots/list': {
        const roots = this.#callbacks.roots;
        if (roots === undefined) throw notDeclared(method, 'roots');
        const listed: unknown = await roots.list(extra);
        // A list that is not an array is the callback's fault too: the check names it.
        return this.#check(method, {
          roots: Array.isArray(listed) ? [...(listed as unknown[])] : listed,
        });
      }
      default:
        throw new JsonRpcError({
          code: ErrorCode.MethodNotFound,
          message: `Method not found: ${method}`,
        });
    }
  }

  /**
   * `notifications/elicitation/complete`: calls `onComplete` for a URL elicitation this client
   * accepted; returns false (to be ignored, MCP 2025-11-25: MUST ignore) for any other id.
   */
  elicitationComplete(elicitationId: unknown): boolean {
    if (typeof elicitationId !== 'string' || !this.#openElicitations.delete(elicitationId))
      return false;
    this.#callbacks.elicitation?.onComplete?.(elicitationId);
    return true;
  }
}
