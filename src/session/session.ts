import { assign, createActor, fromPromise, type Actor } from 'xstate';
import {
  connectionMachine,
  type ConnectionState,
  type ConnectionStateMeta,
  type Negotiated,
  type NegotiationPath,
} from '../../machines/connection.js';
import { discover, handshake, probe } from './negotiation.js';
import { ConnectTimeoutError } from './negotiation-errors.js';
import { META_LOG_LEVEL, META_SERVER_INFO, META_SUBSCRIPTION_ID, modernStamp } from './meta.js';
import { negotiationRun, type NegotiationSettings } from './negotiation-settings.js';
import { isModern, isRevision, type Revision } from '../protocol/revisions.js';
import { METHOD_TABLES, serverMay } from '../protocol/methods.js';
import { systemClock } from '../core/clock.js';
import { CallbackRouter, type ListKind } from './callbacks.js';
import {
  Dispatcher,
  isBareErrorObject,
  type InboundRequest,
  type RequestOptions,
  type Settle,
} from '../core/dispatcher.js';
import {
  CallbackResultError,
  ConnectionClosedError,
  ErrorCode,
  InvalidArgumentError,
  InvalidResultError,
  InvalidStateError,
  JsonRpcError,
  PaginationError,
  RequestCancelledError,
  ResourceNotFoundError,
  TooManyRoundsError,
  UnsupportedInRevisionError,
  reasonText,
} from '../errors/errors.js';
import { ToolOutputValidator } from '../protocol/tool-output.js';
import { clause } from '../errors/sentences.js';
import { filterToolsForHttp } from '../protocol/http-headers.js';
import { Subscription } from './subscriptions.js';
import { CACHEABLE_METHODS, ResponseCache } from './cache.js';
import type * as Schemas from '../protocol/schemas/index.js';
import type {
  CallToolResult,
  CompleteRequestParams,
  CompleteResult,
  DiscoverResult,
  GetPromptResult,
  Implementation,
  InitializeResult,
  InputRequiredResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  ServerCapabilities,
  SubscriptionFilter,
  Tool,
} from '../protocol/types.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { JsonRpcNotification } from '../wire/jsonrpc.js';
import type { Transport } from '../wire/transport.js';

export * from './types.js';
import {
  loadSchemas,
  type CallOptions,
  type ClientSessionOptions,
  type InputRoundOptions,
  type ListAllOptions,
  type NotificationHandler,
  type RequestHandlerEntry,
  type RequestHandlerExtra,
  type SchemaModule,
  type SessionMessage,
  DEFAULT_MAX_INPUT_ROUNDS,
  DEFAULT_MAX_PAGES,
} from './types.js';
import {
  adoptable,
  cursorParams,
  INSTEAD,
  isImplementation,
  LIST_CHANGED,
  needsRounds,
  settingsOf,
  withoutMalformedServerInfo,
  withoutRequestId,
} from './support.js';

type ConnectionActor = Actor<typeof connectionMachine>;

/** The top-level state of a (possibly nested) state value. */
function topState(value: unknown): ConnectionState {
  return (typeof value === 'string' ? value : Object.keys(value as object)[0]) as ConnectionState;
}

const stateMeta = new Map<string, ConnectionStateMeta>(
  Object.entries(connectionMachine.root.states).map(([key, node]) => [
    key,
    node.meta as ConnectionStateMeta,
  ]),
);

/**
 * A client session over one connection: the lifecycle actor, the dispatcher beneath it, and the
 * callbacks for what the server sends. Build one with {@link createClientSession}.
 *
 * @example
 * ```ts
 * import { createClientSession, createInMemoryTransportPair } from 'mcp-actors';
 * import { startScriptedServer } from 'mcp-actors/testing';
 *
 * const [clientSide, serverSide] = createInMemoryTransportPair();
 * startScriptedServer(serverSide, { handlers: { 'tools/list': () => ({ tools: [] }) } });
 *
 * await using session = createClientSession({ transport: clientSide, mode: 'legacy' });
 * await session.connect();
 * console.log(session.state, session.protocolVersion); // 'ready' '2025-11-25'
 * const { tools } = await session.listTools();
 * // leaving the block closes the session (Symbol.asyncDispose)
 * ```
 */
export class ClientSession implements AsyncDisposable {
  readonly #dispatcher: Dispatcher;
  readonly #actor: ConnectionActor;
  readonly #options: ClientSessionOptions;
  readonly #handlers = new Map<string, RequestHandlerEntry>();
  readonly #notificationHandlers = new Map<string, NotificationHandler>();
  readonly #callbacks: CallbackRouter;
  #schemaModule: SchemaModule | undefined;
  /** The schemas loading, started when the session is built; settles once loaded. */
  readonly #schemasLoading: Promise<SchemaModule>;
  /** The negotiated revision's schemas, once ready. */
  #revision: Schemas.RevisionSchemas | undefined;
  /** The negotiated revision, once ready: what the server may send is gated by it. */
  #negotiatedRevision: Revision | undefined;
  readonly #toolOutput = new ToolOutputValidator();
  /** The tools of the latest listing, by name (all pages so far). */
  readonly #tools = new Map<string, Tool>();
  /** Whether listings drop tools with invalid `x-mcp-header` annotations (on 2026). */
  readonly #checkHeaders: boolean;
  readonly #listChanged = new Map<ListKind, Set<() => void>>();
  readonly #cache: ResponseCache | undefined;
  /** Open 2026 listen streams, by the listen request's id. */
  readonly #subscriptions = new Map<number, Subscription>();
  #state: ConnectionState = 'preconnect';
  #sends: ConnectionStateMeta['sends'] = 'none';
  #connecting: Promise<Negotiated> | undefined;
  readonly #settings: NegotiationSettings;
  /** What the negotiation steps of connect() hand on to each other. */
  readonly #run = negotiationRun();
  #started: Promise<void> | undefined;
  /** Whether the transport has started (a close before that is a failure to start). */
  #opened = false;
  /** The `_meta` stamp of every request, once a 2026 revision is negotiated. */
  #stamp: Record<string, unknown> | undefined;
  readonly #listeners = new Set<(state: ConnectionState) => void>();

  constructor(options: ClientSessionOptions) {
    if ((options.transport === undefined) === (options.dispatcher === undefined)) {
      throw new InvalidArgumentError(
        'Give a session either `transport` or `dispatcher`, not both and not neither.',
      );
    }
    this.#options = options;
    if (options.dispatcher !== undefined && options.dispatcher.state !== 'idle') {
      throw new InvalidArgumentError(
        `The dispatcher given to a session must not be started yet (it is ${options.dispatcher.state}); the session starts it in connect().`,
      );
    }
    for (const [method, handler] of Object.entries(options.requestHandlers ?? {})) {
      this.#handlers.set(method, handler);
    }
    for (const [method, handler] of Object.entries(options.notificationHandlers ?? {})) {
      this.#notificationHandlers.set(method, handler);
    }
    this.#dispatcher =
      options.dispatcher ?? new Dispatcher(options.transport as Transport, options);
    // A dispatcher built beforehand has its own listeners; the session's is added to them.
    if (options.dispatcher !== undefined && options.onDiagnostic !== undefined) {
      options.dispatcher.onDiagnostic(options.onDiagnostic);
    }
    // 2026 Streamable HTTP mirrors annotated tool arguments into Mcp-Param-* headers.
    this.#dispatcher.transport.useToolSchemas?.((name) => this.#tools.get(name));
    this.#checkHeaders =
      options.checkHeaderAnnotations ?? this.#dispatcher.transport.useToolSchemas !== undefined;

    // Loading the schemas (zod) takes a while: start now, so that connect() need not wait for it.
    this.#schemasLoading = loadSchemas().then((module) => (this.#schemaModule = module));
    this.#schemasLoading.catch(() => {}); // connect() reports a failure to load

    this.#callbacks = new CallbackRouter(options, (method, answer) =>
      this.#checkAnswer(method, answer),
    );
    this.#cache =
      options.cache === false
        ? undefined
        : (options.cache ??
          new ResponseCache(options.clock === undefined ? {} : { clock: options.clock }));
    this.#settings = settingsOf(
      options,
      this.#dispatcher.requestTimeout,
      async (revision, method, result) => {
        await this.#schemasLoading;
        return this.#checkResult(revision, method, result);
      },
    );
    const mode = options.mode ?? 'auto';
    if (mode === 'pinned' && options.pinned === undefined) {
      throw new InvalidArgumentError(
        "mode 'pinned' needs `pinned`: the negotiation to adopt (era, protocolVersion and the initialize or discover result).",
      );
    }
    const machine = connectionMachine.provide({
      actors: {
        handshake: fromPromise(() =>
          this.#negotiate(async () =>
            this.#keep(await handshake(this.#dispatcher, this.#settings, this.#run)),
          ),
        ),
        discover: fromPromise(() =>
          this.#negotiate(
            async () =>
              this.#cachedDiscovery() ??
              this.#keep(await discover(this.#dispatcher, this.#settings, this.#run)),
          ),
        ),
        probe: fromPromise(() =>
          this.#negotiate(
            async () =>
              this.#cachedDiscovery() ??
              this.#keep(await probe(this.#dispatcher, this.#settings, this.#run)),
          ),
        ),
        adopt: fromPromise(() => this.#negotiate(() => adoptable(options.pinned, this.#settings))),
        closeTransport: fromPromise(() => this.#dispatcher.close()),
      },
      actions: {
        rememberTimeout: assign({
          error: ({ context }) => new ConnectTimeoutError(context.connectTimeout, this.#awaiting()),
        }),
      },
    });
    this.#actor = createActor(machine, {
      input: { mode, connectTimeout: this.#settings.connectTimeout },
      // The connect timeout runs on the session's clock.
      clock: options.clock ?? systemClock,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    this.#actor.subscribe({
      next: (snapshot) => this.#enter(topState(snapshot.value)),
      error: () => {},
    });
    this.#actor.start();
    if (options.inspect !== undefined) {
      this.#dispatcher.inspect(
        { observer: options.inspect, rootId: this.#actor.sessionId },
        this.#actor,
      );
    }
    this.#dispatcher.onClose((reason) => {
      const snapshot = this.#actor.getSnapshot();
      // While closing, the dispatcher announces the close it was asked for at once; the session
      // stays `closing` until the transport has finished closing (a stdio server has exited).
      if (snapshot.status === 'active' && !snapshot.matches('closing')) {
        this.#actor.send({ type: 'transportClosed', reason });
      }
    });
  }

  /** The lifecycle state: `preconnect`, `initializing`, `ready`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The connection actor, for `subscribe`, `getSnapshot` and inspection. */
  get actor(): ConnectionActor {
    return this.#actor;
  }

  /** The dispatcher beneath the session. */
  get dispatcher(): Dispatcher {
    return this.#dispatcher;
  }

  /** Which negotiation step is running, while initializing (`probing`, `handshaking`, …). */
  get negotiationPath(): NegotiationPath | undefined {
    const value = this.#actor.getSnapshot().value as unknown;
    return typeof value === 'object' && value !== null
      ? ((value as { initializing?: NegotiationPath }).initializing ?? undefined)
      : undefined;
  }

  /** What negotiation settled on, once ready. */
  get negotiated(): Negotiated | undefined {
    return this.#actor.getSnapshot().context.negotiated;
  }

  /** Why `auto` fell back from `server/discover` to `initialize`, when it did. */
  get fallbackReason(): string | undefined {
    return this.#actor.getSnapshot().context.fallback;
  }

  /** `legacy` (initialize) or `modern` (2026-07-28), once ready. */
  get era(): 'legacy' | 'modern' | undefined {
    return this.negotiated?.era;
  }

  /** The negotiated protocol revision, once ready. */
  get protocolVersion(): string | undefined {
    return this.negotiated?.protocolVersion;
  }

  /** The server's answer to `initialize`, on a legacy session (never with `discoverResult`). */
  get initializeResult(): InitializeResult | undefined {
    const n = this.negotiated;
    return n?.era === 'legacy' ? (n.initializeResult as InitializeResult) : undefined;
  }

  /** The server's answer to `server/discover`, on a 2026 session (never with `initializeResult`). */
  get discoverResult(): DiscoverResult | undefined {
    const n = this.negotiated;
    return n?.era === 'modern' ? (n.discoverResult as DiscoverResult) : undefined;
  }

  /**
   * The server's name and version: from `initialize` on a legacy session; on 2026 from the
   * discover result's `_meta` serverInfo stamp (absent or malformed reads as none).
   */
  get serverInfo(): Implementation | undefined {
    const legacy = this.initializeResult;
    if (legacy !== undefined) return legacy.serverInfo;
    const stamp = this.discoverResult?._meta?.[META_SERVER_INFO];
    return isImplementation(stamp) ? stamp : undefined;
  }

  /** The server's capabilities, once ready. */
  get serverCapabilities(): (ServerCapabilities & Readonly<Record<string, unknown>>) | undefined {
    return (this.initializeResult ?? this.discoverResult)?.capabilities;
  }

  /** The server's instructions, if it gave any. */
  get instructions(): string | undefined {
    return (this.initializeResult ?? this.discoverResult)?.instructions;
  }

  /** Why the connection failed or closed unasked, if it did. */
  get error(): unknown {
    return this.#actor.getSnapshot().context.error;
  }

  /**
   * Calls `listener` with each new lifecycle state; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const off = session.onStateChange((state) => console.log('lifecycle:', state));
   * await session.connect(); // lifecycle: initializing, lifecycle: ready
   * off();
   * ```
   */
  onStateChange(listener: (state: ConnectionState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Registers (or replaces, or with `undefined` removes) the handler of one server notification method. */
  setNotificationHandler(method: string, handler: NotificationHandler | undefined): void {
    if (handler === undefined) this.#notificationHandlers.delete(method);
    else this.#notificationHandlers.set(method, handler);
  }

  /**
   * Calls `listener` on each `notifications/<kind>/list_changed` (tools, prompts, resources);
   * returns the unsubscribe function.
   */
  onListChanged(kind: ListKind, listener: () => void): () => void {
    let set = this.#listChanged.get(kind);
    if (set === undefined) {
      set = new Set();
      this.#listChanged.set(kind, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Registers (or replaces) the handler of one server request method. */
  setRequestHandler(method: string, handler: RequestHandlerEntry): void {
    this.#handlers.set(method, handler);
  }

  /**
   * Starts the transport and negotiates the revision as `mode` says. Resolves with what was
   * negotiated once the session is ready; a second call returns the same promise, with no traffic.
   * Rejects when negotiation fails or the connection closes first (the session is then closed).
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const negotiated = await session.connect();
   * if (negotiated.era === 'modern') console.log('2026-07-28, found by server/discover');
   * else console.log(`initialize handshake, ${negotiated.protocolVersion}`);
   * if (session.fallbackReason !== undefined) console.log('probe fell back:', session.fallbackReason);
   * ```
   */
  connect(): Promise<Negotiated> {
    if (this.#connecting !== undefined) return this.#connecting;
    if (this.#state !== 'preconnect') {
      return Promise.reject(this.#refusal('connect'));
    }
    this.#connecting = new Promise<Negotiated>((resolve, reject) => {
      const sub = this.#actor.subscribe((snapshot) => {
        const state = topState(snapshot.value);
        if (state === 'ready') {
          sub.unsubscribe();
          resolve(snapshot.context.negotiated as Negotiated);
        } else if (state === 'closing') {
          // Negotiation failed (or close() was called): its error, as it is.
          sub.unsubscribe();
          const error = snapshot.context.error;
          reject(
            error instanceof Error ? error : new ConnectionClosedError(undefined, { cause: error }),
          );
        } else if (state === 'closed') {
          // The transport ended first. A transport that could not start says why itself; once it
          // had started, the connection closed, and the reason (a stdio server's exit code and
          // last stderr lines) says why, as the cause and in the message.
          sub.unsubscribe();
          const reason = snapshot.context.error;
          reject(
            reason instanceof ConnectionClosedError || (!this.#opened && reason instanceof Error)
              ? reason
              : new ConnectionClosedError(undefined, { cause: reason }),
          );
        }
      });
    });
    this.#actor.send({ type: 'connect' });
    return this.#connecting;
  }

  /**
   * The legacy handshake's result: connects if needed (in `legacy` or `auto` mode), then returns
   * the cached `initialize` answer. Refused on a session that negotiated 2026-07-28.
   */
  async initialize(): Promise<InitializeResult> {
    const n = await this.connect();
    if (n.era !== 'legacy') {
      throw new InvalidStateError(
        'read the initialize result',
        `ready on ${n.protocolVersion} (server/discover)`,
        'read discoverResult instead: 2026-07-28 has no initialize',
      );
    }
    return n.initializeResult as InitializeResult;
  }

  /**
   * The `server/discover` result: connects if needed (in `modern` or `auto` mode), then returns the
   * cached answer. Refused on a session that negotiated a handshake revision.
   */
  async discover(): Promise<DiscoverResult> {
    const n = await this.connect();
    if (n.era !== 'modern') {
      throw new InvalidStateError(
        'read the discover result',
        `ready on ${n.protocolVersion} (initialize)`,
        'read initializeResult instead: this server speaks a handshake revision',
      );
    }
    return n.discoverResult as DiscoverResult;
  }

  /**
   * Sends any request (extension methods included) and resolves with its raw result, unvalidated.
   * `settle` (advanced) turns the raw result into what the call resolves with, at resolve time.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const raw = await session.request(
   *   'example/extension',
   *   { question: 42 },
   *   { timeout: 5_000, onProgress: (p) => console.log(p.progress, p.total) },
   * );
   * ```
   */
  request(
    method: string,
    params?: Record<string, unknown>,
    options?: RequestOptions,
    settle?: Settle,
  ): Promise<unknown> {
    if (this.#sends !== 'all' && !(this.#sends === 'handshake' && method === 'ping')) {
      return Promise.reject(this.#refusal(`send ${method}`));
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
    if (this.#sends !== 'all') return Promise.reject(this.#refusal(`send ${method}`));
    return this.#dispatcher.notify(method, params);
  }

  /** `ping`: resolves when the server answers (MCP basic/utilities/ping). */
  async ping(options?: RequestOptions): Promise<void> {
    const revision = this.#revisionFor('ping', 'request');
    const result = await this.request('ping', undefined, options);
    if (revision !== undefined) this.#checkResult(revision, 'ping', result);
  }

  /**
   * Closes the session: every pending request rejects with `CONNECTION_CLOSED`, the transport is
   * closed, and the lifecycle ends in `closed`. Safe to call in any state, and twice.
   *
   * @example
   * ```ts
   * import { ConnectionClosedError, type ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const pending = session.callTool('slow-tool');
   * await session.close();
   * await pending.catch((error: unknown) => {
   *   if (error instanceof ConnectionClosedError) console.log(error.code); // 'CONNECTION_CLOSED'
   * });
   * console.log(session.state); // 'closed'
   * ```
   */
  async close(): Promise<void> {
    // Closed by the transport: it may still be ending (a stdio server being shut down).
    if (this.#state === 'closed') return this.#dispatcher.close();
    const done = new Promise<void>((resolve) => {
      const sub = this.#actor.subscribe((snapshot) => {
        if (snapshot.value === 'closed') {
          sub.unsubscribe();
          resolve();
        }
      });
    });
    this.#actor.send({ type: 'close' });
    if ((this.#state as ConnectionState) === 'closed') {
      // Closed straight from preconnect: the transport was never started, close it anyway.
      await this.#dispatcher.close();
      return;
    }
    await done;
  }

  /** Closes the session (`close()`), for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #enter(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#sends = stateMeta.get(state)?.sends ?? 'closed';
    if (state === 'ready') {
      const n = this.negotiated;
      this.#stamp =
        n?.era === 'modern' ? modernStamp(n.protocolVersion, this.#settings) : undefined;
      if (n !== undefined && isRevision(n.protocolVersion)) {
        this.#negotiatedRevision = n.protocolVersion;
        this.#revision = this.#schemaModule?.schemasFor(n.protocolVersion);
      }
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(state);
      } catch (error) {
        this.#dispatcher.report({
          code: 'CALLBACK_FAILED',
          message: `A state listener threw: ${reasonText(error)}`,
          payload: error,
        });
      }
    }
  }

  #refusal(what: string): Error {
    const meta = stateMeta.get(this.#state);
    if (this.#state === 'closing' || this.#state === 'closed') {
      return new ConnectionClosedError(undefined, { cause: this.error });
    }
    return new InvalidStateError(what, this.#state, meta?.next ?? 'wait');
  }

  #notify(notification: JsonRpcNotification): void {
    const revision = this.#negotiatedRevision;
    if (revision !== undefined && !serverMay(revision, 'notification', notification.method)) {
      this.#dispatcher.report({
        code: 'NOT_IN_REVISION',
        message: `Dropped a ${notification.method} notification: protocol ${revision} does not define it for servers.`,
        payload: notification,
      });
      return;
    }
    // Validated once, against the negotiated revision, before any typed callback sees it.
    const schema = this.#revision?.serverNotifications[notification.method]?.params;
    if (schema !== undefined && notification.params !== undefined) {
      const parsed = schema.safeParse(notification.params);
      if (!parsed.success) {
        this.#dispatcher.report({
          code: 'INVALID_MESSAGE',
          message: `Dropped a ${notification.method} whose params do not fit protocol ${String(this.protocolVersion)}: ${clause(parsed.error.issues[0]?.message ?? 'invalid')}.`,
          payload: notification,
        });
        return;
      }
    }
    // The stream's own business (its acknowledgement, its end) and stray cancellations stop here.
    if (this.#consumed(notification)) return;
    this.#builtinNotification(notification);
    const handler = this.#notificationHandlers.get(notification.method);
    if (handler !== undefined) {
      const failed = (error: unknown): void =>
        this.#dispatcher.report({
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
    this.#report({ type: 'notification', notification });
  }

  /**
   * Whether a notification is consumed before the application sees it: a listen stream's
   * acknowledgement and the server's end of a stream are the subscription's; a
   * `notifications/cancelled` that reached the session names no server request in flight (the
   * dispatcher routes those), so it is dropped as a diagnostic. A stream's other notifications go
   * to their subscription and on to the application.
   */
  #consumed(n: JsonRpcNotification): boolean {
    if (n.method === 'notifications/cancelled') {
      if (!this.#endSubscription(n)) {
        this.#dispatcher.report({
          code: 'UNKNOWN_CANCELLATION',
          message: `Ignored notifications/cancelled for ${JSON.stringify(n.params?.requestId)}, which names no server request in flight and no open subscription.`,
          payload: n,
        });
      }
      return true;
    }
    return this.#subscriptions.size > 0 && this.#toSubscription(n);
  }

  /** The notifications the callbacks and list-change listeners take. */
  #builtinNotification(n: JsonRpcNotification): void {
    const kind = LIST_CHANGED[n.method];
    this.#evict(n, kind);
    if (kind !== undefined) {
      for (const listener of [...(this.#listChanged.get(kind) ?? [])]) {
        this.#guard(`${kind} list-change listener`, () => listener());
      }
      return;
    }
    if (n.method === 'notifications/message') {
      const logging = this.#options.logging;
      if (logging !== undefined) this.#guard('logging callback', () => logging(n.params ?? {}, n));
      return;
    }
    if (n.method === 'notifications/elicitation/complete') {
      const id = n.params?.elicitationId;
      const known = this.#guard('elicitation completion callback', () =>
        this.#callbacks.elicitationComplete(id),
      );
      if (known === false) {
        this.#dispatcher.report({
          code: 'UNKNOWN_ELICITATION',
          message: `Ignored notifications/elicitation/complete for ${JSON.stringify(id)}, which is not an open URL elicitation of this client.`,
          payload: n,
        });
      }
    }
  }

  /** The server's end of a listen stream (its `notifications/cancelled`); false if it names none. */
  #endSubscription(n: JsonRpcNotification): boolean {
    const id = n.params?.requestId;
    const sub = typeof id === 'number' ? this.#subscriptions.get(id) : undefined;
    if (sub === undefined) return false;
    sub.end({ by: 'server-cancelled', reason: n.params?.reason });
    this.#dispatcher.abandon(sub.id, n.params?.reason);
    return true;
  }

  /**
   * Routes a listen-stream notification to its subscription (MCP 2026-07-28: clients MUST
   * correlate by `_meta["io.modelcontextprotocol/subscriptionId"]`). Returns true when the
   * notification is only the stream's business (the acknowledgement); the stream's other
   * notifications also reach the usual listeners.
   */
  #toSubscription(n: JsonRpcNotification): boolean {
    const meta = n.params?._meta;
    const raw =
      typeof meta === 'object' && meta !== null
        ? (meta as Record<string, unknown>)[META_SUBSCRIPTION_ID]
        : undefined;
    const id = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : undefined;
    const sub = id === undefined ? undefined : this.#subscriptions.get(id);
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

  /** A list change or resource update makes the cached results it concerns stale at once. */
  #evict(n: JsonRpcNotification, kind: ListKind | undefined): void {
    const cache = this.#cache;
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
      this.#dispatcher.report({
        code: 'CALLBACK_FAILED',
        message: `The ${what} threw: ${reasonText(error)}`,
        payload: error,
      });
      return undefined;
    }
  }

  #report(message: SessionMessage): void {
    const handler = this.#options.messageHandler;
    if (handler === undefined) return;
    try {
      const result = handler(message);
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // The message handler is the last stop: an error thrown there has nowhere to go.
    }
  }

  /**
   * A fresh `server/discover` result from the session's cache (one shared with earlier sessions to
   * the same server), adopted without traffic: MCP 2026-07-28 caching honours the discover
   * result's `ttlMs`, and a client SHOULD cache the era per server.
   */
  #cachedDiscovery(): Negotiated | undefined {
    const hit = this.#cache?.get('server/discover', {}, this.#options.credential ?? '') as
      DiscoverResult | undefined;
    if (hit === undefined) return undefined;
    const supported = this.#settings.supported.filter((v) => isModern(v));
    const version = [...hit.supportedVersions]
      .filter((v) => (supported as string[]).includes(v))
      .sort()
      .at(-1);
    return version === undefined
      ? undefined
      : { era: 'modern', protocolVersion: version, discoverResult: hit };
  }

  /** Keeps a modern negotiation's discover result in the cache, by its own `ttlMs`. */
  #keep<N extends Negotiated | { era: 'fallback' }>(n: N): N {
    if (n.era === 'modern' && this.#cache !== undefined) {
      this.#cache.put('server/discover', {}, this.#options.credential ?? '', n.discoverResult);
    }
    return n;
  }

  /**
   * Runs one negotiation step once the transport has started. The first request is written
   * without waiting for the schemas, which load meanwhile (the step awaits them only to check an
   * answer); the step ends once they have loaded, so a ready session always has them.
   */
  async #negotiate<T>(step: () => Promise<T>): Promise<T> {
    await this.#start();
    const outcome = await step();
    await this.#schemasLoading;
    return outcome;
  }

  /** What connect() is waiting for an answer to, for its timeout error. */
  #awaiting(): string | undefined {
    return this.#opened ? this.#run.asking : undefined;
  }

  /** Checks a server request's params against its schema in the negotiated revision (`-32602` if they do not fit). */
  #checkServerParams(method: string, params: unknown): void {
    const schema = this.#revision?.serverRequests[method]?.params;
    if (schema === undefined) return;
    const parsed = schema.safeParse(params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new JsonRpcError({
        code: ErrorCode.InvalidParams,
        message: `Invalid params for ${method}: ${issue === undefined ? 'they do not fit the schema' : `${issue.path.map(String).join('.') || '(params)'}: ${issue.message}`}`,
      });
    }
  }

  /** Validates a result against its method's schema in `revision`; returns the parsed result. */
  #checkResult(revision: Revision, method: string, result: unknown): unknown {
    const schema = this.#schemaModule?.resultSchemaFor(revision, method);
    if (schema === undefined) return result;
    // MCP 2026-07-28: a malformed serverInfo stamp reads as none; it does not fail the result.
    if (isModern(revision)) result = withoutMalformedServerInfo(result);
    const parsed = schema.safeParse(result);
    if (!parsed.success) throw new InvalidResultError(method, revision, parsed.error.issues);
    return parsed.data;
  }

  /**
   * The negotiated revision, when `method` exists in it; throws `UNSUPPORTED_IN_REVISION` when it
   * does not. Before the session is ready, `undefined` (the call is then refused by state).
   */
  #revisionFor(method: string, kind: 'request' | 'notification'): Revision | undefined {
    const rs = this.#revision;
    const version = this.protocolVersion;
    if (rs === undefined || version === undefined || !isRevision(version)) return undefined;
    const table = kind === 'request' ? rs.clientRequests : rs.clientNotifications;
    if (!(method in table)) {
      throw new UnsupportedInRevisionError(
        method,
        version,
        INSTEAD[method] ?? 'check the server for another way',
      );
    }
    return version;
  }

  #withLogLevel(options: CallOptions | undefined): RequestOptions | undefined {
    const level = options?.logLevel;
    if (level === undefined || this.#stamp === undefined) return options;
    return { ...options, _meta: { ...options?._meta, [META_LOG_LEVEL]: level } };
  }

  /** Sends a request of the MCP method table and validates its result for the negotiated revision. */
  /**
   * Sends a request of the MCP method table and validates its result for the negotiated revision.
   * Not an async function: on the hot path a call holds one promise and one closure, not frames.
   */
  #typed<T>(
    method: string,
    params: Record<string, unknown> | undefined,
    options?: CallOptions,
    settle: Settle = this.#settleChecked,
  ): Promise<T> {
    let revision: Revision | undefined;
    try {
      revision = this.#revisionFor(method, 'request');
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#stamp !== undefined && this.#cache !== undefined && CACHEABLE_METHODS.has(method)) {
      const hit = this.#cache.get(method, params, this.#options.credential ?? '');
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

  /** Validates a result for the negotiated revision (and keeps it while fresh, on 2026). */
  readonly #settleChecked: Settle = (raw, method, params) =>
    this.#remember(method, params, this.#checkNow(method, raw));

  /** Validates, then runs 2026 input rounds unless the caller takes them. */
  readonly #settleRounds: Settle = (raw, method, params, options) => {
    const result = this.#checkNow(method, raw);
    return needsRounds(result, options)
      ? this.#moreRounds(method, params ?? {}, options, result)
      : this.#remember(method, params, result);
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
      this.#cache.put(method, params, this.#options.credential ?? '', result);
    }
    return result;
  }

  /** `tools/call`: validates, runs input rounds, then checks `structuredContent` against the tool's output schema. */
  readonly #settleToolCall: Settle = (raw, method, params, options) => {
    const result = this.#checkNow(method, raw);
    const name = params?.name as string;
    return needsRounds(result, options)
      ? this.#moreRounds(method, params ?? {}, options, result).then((r) =>
          this.#checkToolOutput(name, r),
        )
      : this.#checkToolOutput(name, result);
  };

  #checkNow(method: string, raw: unknown): Record<string, unknown> {
    const version = this.protocolVersion;
    return (
      version !== undefined && isRevision(version) ? this.#checkResult(version, method, raw) : raw
    ) as Record<string, unknown>;
  }

  #checkToolOutput(name: string, result: Record<string, unknown>): unknown {
    if (result.resultType === 'input_required' || !this.#toolOutput.has(name)) return result;
    return this.#toolOutput.validate(name, result).then(() => result);
  }

  async #typedNotify(method: string, params?: Record<string, unknown>): Promise<void> {
    this.#revisionFor(method, 'notification');
    await this.notify(method, params);
  }

  /**
   * 2026-07-28 multi-round requests (MCP basic/patterns/mrtr): answers each `InputRequiredResult`
   * by running its input requests through the callbacks, then retries with the original params,
   * `inputResponses` and the byte-exact `requestState` (a new request, so a new id).
   */
  /**
   * 2026-07-28 multi-round requests (MCP basic/patterns/mrtr): answers each `InputRequiredResult`
   * by running its input requests through the callbacks, then retries with the original params,
   * `inputResponses` and the byte-exact `requestState` (a new request, so a new id).
   */
  async #moreRounds(
    method: string,
    params: Record<string, unknown>,
    options: InputRoundOptions | undefined,
    first: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    const maxRounds = options?.maxInputRounds ?? DEFAULT_MAX_INPUT_ROUNDS;
    // Each retry is a new request: a caller's requestId named the first only.
    const retryOptions = withoutRequestId(options);
    // Later rounds validate in place: the rounds themselves are this function's loop.
    let result = first;
    for (let round = 1; result.resultType === 'input_required'; round++) {
      if (round > maxRounds) throw new TooManyRoundsError(method, maxRounds);
      const responses = await this.#answerInputRequests(
        method,
        result.inputRequests,
        options?.signal,
      );
      const retry: Record<string, unknown> = { ...params };
      if (responses !== undefined) retry.inputResponses = responses;
      if (result.requestState !== undefined) retry.requestState = result.requestState;
      result = await this.#typed<Record<string, unknown>>(method, retry, retryOptions);
    }
    return result;
  }

  /**
   * Runs one round's input requests through the callbacks. Their signal is aborted when the
   * caller's is or the connection closes (as for a server request), and the round ends then, with
   * `REQUEST_CANCELLED` or `CONNECTION_CLOSED`, whether or not a callback heeds the signal.
   */
  async #answerInputRequests(
    method: string,
    requests: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown> | undefined> {
    if (typeof requests !== 'object' || requests === null) return undefined;
    const entries = Object.entries(
      requests as Record<string, { method: string; params?: Record<string, unknown> }>,
    );
    if (entries.length === 0) return undefined;
    const controller = new AbortController();
    const live = controller.signal;
    const stopped = new Promise<never>((_, reject) => {
      live.addEventListener('abort', () => reject(live.reason as Error), { once: true });
    });
    const ref = { method, id: '(input round)' };
    const cancel = (): void =>
      controller.abort(new RequestCancelledError(ref, (signal as AbortSignal).reason));
    const stopClose = this.#dispatcher.onClose((reason) =>
      controller.abort(new ConnectionClosedError(ref, { cause: reason })),
    );
    if (signal?.aborted === true) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    try {
      const answers = await Promise.race([
        stopped,
        Promise.all(
          entries.map(async ([key, input]) => {
            const meta = input.params?._meta;
            const answer = await this.#callbacks.run(input.method, input.params, {
              requestId: key,
              method: input.method,
              meta:
                typeof meta === 'object' && meta !== null
                  ? (meta as Record<string, unknown>)
                  : undefined,
              signal: live,
            });
            return [key, answer] as const;
          }),
        ),
      ]);
      return Object.fromEntries(answers);
    } finally {
      stopClose();
      signal?.removeEventListener('abort', cancel);
    }
  }

  async #allPages<T>(
    method: string,
    key: string,
    options?: ListAllOptions,
    onFirst?: () => void,
  ): Promise<T[]> {
    const maxPages = options?.maxPages ?? DEFAULT_MAX_PAGES;
    const items: T[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; ; page++) {
      if (page >= maxPages) {
        throw new PaginationError(
          method,
          page,
          `more than maxPages (${maxPages}); raise it if the server really has that many`,
        );
      }
      const result = await this.#typed<Record<string, unknown>>(
        method,
        cursorParams({ cursor }),
        // Each page is a new request: a caller's requestId names the first only.
        page === 0 ? options : withoutRequestId(options),
      );
      if (page === 0) onFirst?.();
      items.push(...((result[key] as T[] | undefined) ?? []));
      const next = result.nextCursor;
      // MCP pagination: cursors are opaque; an empty string is a cursor, not the end.
      if (typeof next !== 'string') return items;
      if (seen.has(next)) {
        throw new PaginationError(
          method,
          page + 1,
          `the server repeated cursor ${JSON.stringify(next)}`,
        );
      }
      seen.add(next);
      cursor = next;
    }
  }

  #rememberTools(tools: readonly Tool[], firstPage: boolean): void {
    if (firstPage) this.#tools.clear();
    for (const tool of tools) this.#tools.set(tool.name, tool);
    this.#toolOutput.remember([...this.#tools.values()]);
  }

  // ---------------------------------------------------------------------------------------------
  // The MCP methods.

  /**
   * One page of tools. The tools' output schemas are remembered to validate `callTool` results.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * let page = await session.listTools();
   * for (const tool of page.tools) console.log(tool.name, tool.description ?? '');
   * if (page.nextCursor !== undefined) page = await session.listTools({ cursor: page.nextCursor });
   * ```
   */
  async listTools(params?: { cursor?: string }, options?: CallOptions): Promise<ListToolsResult> {
    const result = await this.#typed<ListToolsResult>('tools/list', cursorParams(params), options);
    const tools = this.#headerSafe(result.tools);
    this.#rememberTools(tools, params?.cursor === undefined);
    return tools === result.tools ? result : { ...result, tools };
  }

  /** On 2026 with header checks on: the tools whose `x-mcp-header` annotations are valid. */
  #headerSafe(tools: Tool[]): Tool[] {
    if (!this.#checkHeaders || this.#stamp === undefined) return tools;
    const kept = filterToolsForHttp(tools, (tool, reason) =>
      this.#dispatcher.report({
        code: 'TOOL_DROPPED',
        message: `Tool ${JSON.stringify(tool.name)} was left out of the listing: its x-mcp-header annotations are invalid (${reason}).`,
        payload: tool,
      }),
    );
    return kept.length === tools.length ? tools : kept;
  }

  /**
   * Every tool, following `nextCursor`; stops on a repeated cursor or after `maxPages`.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const tools = await session.listAllTools({ maxPages: 50 });
   * console.log(tools.map((t) => t.name).join(', '));
   * ```
   */
  async listAllTools(options?: ListAllOptions): Promise<Tool[]> {
    const tools = this.#headerSafe(await this.#allPages<Tool>('tools/list', 'tools', options));
    this.#rememberTools(tools, true);
    return tools;
  }

  /**
   * Calls a tool. Its `structuredContent` is validated against the `outputSchema` of the latest
   * listing (a tool not listed is not validated; an `isError` result is not validated). On
   * 2026-07-28, input requests are answered through the callbacks (see `inputRequired`).
   *
   * @example
   * ```ts
   * import { JsonRpcError, RequestTimeoutError, type ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * try {
   *   const result = await session.callTool(
   *     'echo',
   *     { message: 'hi' },
   *     { timeout: 30_000, onProgress: (p) => console.log(`${p.progress}/${p.total ?? '?'}`) },
   *   );
   *   for (const block of result.content) if (block.type === 'text') console.log(block.text);
   *   if (result.isError === true) console.log('the tool reported an error');
   * } catch (error) {
   *   if (error instanceof RequestTimeoutError) console.log(`no answer in ${error.timeoutMs} ms`);
   *   else if (error instanceof JsonRpcError) console.log(error.code, error.message);
   *   else throw error;
   * }
   * ```
   *
   * @example
   * On 2026-07-28, take the input rounds yourself:
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const result = await session.callTool('deploy', {}, { inputRequired: 'return' });
   * if (result.resultType === 'input_required' && 'inputRequests' in result) {
   *   console.log(Object.keys(result.inputRequests ?? {})); // what the server asks for
   * }
   * ```
   */
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: InputRoundOptions & { inputRequired?: 'auto' },
  ): Promise<CallToolResult>;
  callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    options: InputRoundOptions & { inputRequired: 'return' },
  ): Promise<CallToolResult | InputRequiredResult>;
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: InputRoundOptions,
  ): Promise<CallToolResult | InputRequiredResult> {
    const params: Record<string, unknown> =
      args === undefined ? { name } : { name, arguments: args };
    return this.#typed('tools/call', params, options, this.#settleToolCall);
  }

  /** One page of prompts. */
  listPrompts(params?: { cursor?: string }, options?: CallOptions): Promise<ListPromptsResult> {
    return this.#typed('prompts/list', cursorParams(params), options);
  }

  /** Every prompt, following `nextCursor`. */
  listAllPrompts(options?: ListAllOptions): Promise<Prompt[]> {
    return this.#allPages('prompts/list', 'prompts', options);
  }

  /** Gets a prompt, with its arguments. */
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: InputRoundOptions & { inputRequired?: 'auto' },
  ): Promise<GetPromptResult>;
  getPrompt(
    name: string,
    args: Record<string, string> | undefined,
    options: InputRoundOptions & { inputRequired: 'return' },
  ): Promise<GetPromptResult | InputRequiredResult>;
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: InputRoundOptions,
  ): Promise<GetPromptResult | InputRequiredResult> {
    const params: Record<string, unknown> =
      args === undefined ? { name } : { name, arguments: args };
    return this.#typed('prompts/get', params, options, this.#settleRounds);
  }

  /** One page of resources. */
  listResources(params?: { cursor?: string }, options?: CallOptions): Promise<ListResourcesResult> {
    return this.#typed('resources/list', cursorParams(params), options);
  }

  /** Every resource, following `nextCursor`. */
  listAllResources(options?: ListAllOptions): Promise<Resource[]> {
    return this.#allPages('resources/list', 'resources', options);
  }

  /** One page of resource templates. */
  listResourceTemplates(
    params?: { cursor?: string },
    options?: CallOptions,
  ): Promise<ListResourceTemplatesResult> {
    return this.#typed('resources/templates/list', cursorParams(params), options);
  }

  /** Every resource template, following `nextCursor`. */
  listAllResourceTemplates(options?: ListAllOptions): Promise<ResourceTemplate[]> {
    return this.#allPages('resources/templates/list', 'resourceTemplates', options);
  }

  /**
   * Reads a resource. A resource the server does not have fails with `ResourceNotFoundError`,
   * whether the server says so with `-32002` (until 2025-11-25) or `-32602` (2026-07-28).
   *
   * @example
   * ```ts
   * import { ResourceNotFoundError, type ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * try {
   *   const { contents } = await session.readResource('file:///notes.txt');
   *   for (const c of contents) if ('text' in c) console.log(c.text);
   * } catch (error) {
   *   if (error instanceof ResourceNotFoundError) console.log('no such resource:', error.uri);
   *   else throw error;
   * }
   * ```
   */
  readResource(
    uri: string,
    options?: InputRoundOptions & { inputRequired?: 'auto' },
  ): Promise<ReadResourceResult>;
  readResource(
    uri: string,
    options: InputRoundOptions & { inputRequired: 'return' },
  ): Promise<ReadResourceResult | InputRequiredResult>;
  readResource(
    uri: string,
    options?: InputRoundOptions,
  ): Promise<ReadResourceResult | InputRequiredResult> {
    return this.#typed<ReadResourceResult>(
      'resources/read',
      { uri },
      options,
      this.#settleRounds,
    ).catch((error: unknown) => {
      if (
        error instanceof JsonRpcError &&
        (error.code === ErrorCode.ResourceNotFound || error.code === ErrorCode.InvalidParams)
      ) {
        throw new ResourceNotFoundError(error.toJSON(), uri, {
          method: 'resources/read',
          id: error.requestId ?? '?',
        });
      }
      throw error;
    });
  }

  /**
   * Opens a 2026-07-28 `subscriptions/listen` stream; resolves once the server acknowledged it
   * (with `honoured` and `refused` telling what it accepted). Iterate the subscription for its
   * notifications; `close()` ends it (the listen request is cancelled), as does `signal`.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const subscription = await session.listen({ toolsListChanged: true });
   * for await (const notification of subscription) {
   *   console.log(notification.method); // notifications/tools/list_changed
   *   break; // leaving the loop closes the subscription
   * }
   * ```
   */
  async listen(
    filter: SubscriptionFilter,
    options?: { readonly signal?: AbortSignal },
  ): Promise<Subscription> {
    this.#revisionFor('subscriptions/listen', 'request');
    if (this.#sends !== 'all') throw this.#refusal('send subscriptions/listen');
    const controller = new AbortController();
    const outer = options?.signal;
    const forward = (): void => controller.abort(outer?.reason);
    if (outer !== undefined) {
      if (outer.aborted) forward();
      else outer.addEventListener('abort', forward, { once: true });
    }
    const id = this.#dispatcher.nextRequestId;
    const sub = new Subscription(id, filter, () =>
      controller.abort('the client closed the subscription'),
    );
    this.#subscriptions.set(id, sub);
    this.#typed(
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
        this.#subscriptions.delete(id);
        // The caller's signal outlives the subscription: leave nothing on it.
        outer?.removeEventListener('abort', forward);
      });
    await sub.acknowledged;
    return sub;
  }

  /** Subscribes to a resource's updates (handshake revisions; 2026 uses `subscriptions/listen`). */
  async subscribeResource(uri: string, options?: CallOptions): Promise<void> {
    await this.#typed('resources/subscribe', { uri }, options);
  }

  /** Ends a resource subscription (handshake revisions). */
  async unsubscribeResource(uri: string, options?: CallOptions): Promise<void> {
    await this.#typed('resources/unsubscribe', { uri }, options);
  }

  /** Asks for completions of a prompt or resource-template argument. */
  complete(
    params: Omit<CompleteRequestParams, '_meta'>,
    options?: CallOptions,
  ): Promise<CompleteResult> {
    return this.#typed('completion/complete', params, options);
  }

  /** Sets the server's log level for this session (handshake revisions; on 2026 pass `logLevel` per call). */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    await this.#typed('logging/setLevel', { level }, options);
  }

  /** Tells the server the client's roots changed (handshake revisions). */
  sendRootsListChanged(): Promise<void> {
    return this.#typedNotify('notifications/roots/list_changed');
  }

  /**
   * Reports progress on a server request that carried a progress token (handshake revisions).
   */
  sendProgressNotification(
    progressToken: string | number,
    progress: number,
    total?: number,
    message?: string,
  ): Promise<void> {
    const params: Record<string, unknown> = { progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    return this.#typedNotify('notifications/progress', params);
  }

  /** Starts the dispatcher once, routing what it cannot route itself to this session. */
  #start(): Promise<void> {
    this.#started ??= this.#dispatcher
      .start({
        request: (request) => this.#serve(request),
        screenRequest: (method) => this.#screenRequest(method),
        notification: (notification) => this.#notify(notification),
        exception: (error) => this.#report({ type: 'exception', error }),
        transportEvent: (event) => this.#report({ type: 'transport', event }),
      })
      .then(() => {
        this.#opened = true;
      });
    return this.#started;
  }

  /**
   * MCP 2026-07-28: servers MUST NOT send requests, and clients send no responses; a request then
   * runs nothing, writes nothing, and is reported.
   */
  #screenRequest(method: string): Omit<Diagnostic, 'payload'> | undefined {
    const revision = this.#negotiatedRevision;
    if (revision === undefined || METHOD_TABLES[revision].serverRequests.size > 0) return undefined;
    return {
      code: 'NOT_IN_REVISION',
      message: `Dropped a ${method} request: on protocol ${revision} servers send no requests, so nothing was run and no response was written.`,
    };
  }

  #serve(request: InboundRequest): unknown {
    const revision = this.#negotiatedRevision;
    if (revision !== undefined && !serverMay(revision, 'request', request.method)) {
      // A method the negotiated revision does not define for servers: no handler or callback runs.
      throw new JsonRpcError({
        code: ErrorCode.MethodNotFound,
        message: `Method not found: ${request.method} (protocol ${revision} has no such server request)`,
      });
    }
    const entry = this.#handlers.get(request.method);
    if (entry === undefined) {
      if (this.#callbacks.handles(request.method)) {
        const meta = request.params?._meta;
        // A capability not declared is -32601 whatever the params; declared ones check params first.
        if (this.#callbacks.declares(request.method)) {
          this.#checkServerParams(request.method, request.params);
        }
        return this.#callbacks.run(request.method, request.params, {
          requestId: request.id,
          method: request.method,
          meta:
            typeof meta === 'object' && meta !== null
              ? (meta as Record<string, unknown>)
              : undefined,
          signal: request.signal,
        });
      }
      throw new JsonRpcError({
        code: ErrorCode.MethodNotFound,
        message: `Method not found: ${request.method}`,
      });
    }
    const extra: RequestHandlerExtra = {
      signal: request.signal,
      requestId: request.id,
      method: request.method,
    };
    // A handler's result is checked as a callback's is; an error it returns is sent as it is.
    const checked = (result: unknown): unknown =>
      result instanceof JsonRpcError || isBareErrorObject(result)
        ? result
        : this.#checkAnswer(request.method, result);
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
  }

  /**
   * Checks the client's answer to a server request or 2026 input request against the result type
   * of `method` in the negotiated revision, before it is sent. An answer that does not fit is not
   * sent: it is reported (`INVALID_CALLBACK_RESULT`) and a `CallbackResultError` naming the
   * fields is thrown (a legacy server gets `-32603` with its message; a 2026 call rejects with it).
   */
  #checkAnswer(method: string, answer: unknown): unknown {
    const rs = this.#revision;
    if (rs === undefined) return answer;
    const schema = rs.clientAnswers[method];
    if (schema === undefined) return answer;
    const parsed = schema.safeParse(answer);
    if (parsed.success) return answer;
    const error = new CallbackResultError(method, rs.revision, parsed.error.issues);
    this.#dispatcher.report({
      code: 'INVALID_CALLBACK_RESULT',
      message: `${error.message} It was not sent.`,
      payload: error,
    });
    throw error;
  }
}

/**
 * Builds a session over a transport (or a dispatcher built beforehand). Nothing is sent until
 * `connect()`. Every option but the transport is optional: see {@link ClientSessionOptions}.
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createStdioTransport } from 'mcp-actors/node';
 *
 * const session = createClientSession({
 *   transport: createStdioTransport({ command: 'npx', args: ['-y', 'some-mcp-server'] }),
 *   clientInfo: { name: 'my-app', version: '1.0.0' },
 *   roots: { list: () => [{ uri: 'file:///work', name: 'work' }] }, // advertises `roots`
 *   elicitation: { form: () => ({ action: 'decline' }) },
 *   messageHandler: (m) => {
 *     if (m.type === 'exception') console.warn('stream exception:', m.error.message);
 *   },
 *   onDiagnostic: (d) => console.debug(d.code, d.message), // what was dropped, for the curious
 * });
 * await session.connect();
 * const { tools } = await session.listTools();
 * await session.close();
 * ```
 */
export function createClientSession(options: ClientSessionOptions): ClientSession {
  return new ClientSession(options);
}
