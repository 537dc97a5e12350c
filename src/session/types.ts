/** The session's public types, options and defaults. */
import type { InspectionEvent, Observer } from 'xstate';
import type { Negotiated, NegotiationMode } from '../../machines/connection.js';
import type { ResponseCache } from './cache.js';
import type { ClientCallbacks } from './callbacks.js';
import type { Clock } from '../core/clock.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Dispatcher, DispatcherOptions, RequestOptions } from '../core/dispatcher.js';
import type { JsonRpcNotification } from '../wire/jsonrpc.js';
import type * as Schemas from '../protocol/schemas/index.js';
import type { Revision } from '../protocol/revisions.js';
import type { Implementation } from '../protocol/types.js';
import type { TransportEvent } from '../wire/transport.js';
import type { Transport } from '../wire/transport.js';

/**
 * How long the `auto` mode waits for an answer to its `server/discover` probe: 3 s.
 *
 * @example
 * ```ts
 * import { createClientSession, DEFAULT_PROBE_TIMEOUT_MS, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // `auto` (the default mode) waits DEFAULT_PROBE_TIMEOUT_MS for server/discover before it falls
 * // back to initialize; give a slow server longer
 * const session = createClientSession({ transport, probeTimeout: DEFAULT_PROBE_TIMEOUT_MS * 3 });
 * ```
 */
export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

/**
 * What the message handler receives: every notification not routed elsewhere, every stream
 * exception (a frame that could not be read, a transport error: a `StreamError` or the
 * transport's own error), and what the transport did on its own (a session renewed, a stream
 * resumed). Diagnostics (what was dropped, as the protocol asks) go to `onDiagnostic` instead.
 */
export type SessionMessage =
  | { readonly type: 'notification'; readonly notification: JsonRpcNotification }
  | { readonly type: 'exception'; readonly error: Error }
  | { readonly type: 'transport'; readonly event: TransportEvent };

/** Context handed to a request handler. */
export interface RequestHandlerExtra {
  /** Aborted when the server cancels the request or the connection closes. */
  readonly signal: AbortSignal;
  readonly requestId: string | number;
  readonly method: string;
}

/**
 * Answers one kind of server request. Return the result; throw (or return) a `JsonRpcError` or a
 * plain `{ code, message, data? }` to answer with an error. Any other throw is answered with
 * `-32603` and the error's message.
 */
export type RequestHandler = (
  params: Readonly<Record<string, unknown>> | undefined,
  extra: RequestHandlerExtra,
) => unknown;

/**
 * A handler with a params check: `parse` throws to answer `-32602` (invalid params); what it
 * returns is what `handle` receives.
 */
export interface ValidatedRequestHandler<P> {
  /** Checks the params; throws to answer `-32602`. Returns what `handle` receives. */
  parse(params: unknown): P;
  /** Answers the request, as a {@link RequestHandler} does. */
  handle(params: P, extra: RequestHandlerExtra): unknown;
}

/** Handles one kind of server notification. A throw or rejection is reported as a `CALLBACK_FAILED` diagnostic. */
export type NotificationHandler = (
  params: Readonly<Record<string, unknown>> | undefined,
  notification: JsonRpcNotification,
) => void | Promise<void>;

/** A server request handler: a plain function, or one with a params check. */
export type RequestHandlerEntry = RequestHandler | ValidatedRequestHandler<unknown>;

/**
 * The options of {@link createClientSession}: where to connect (`transport` or `dispatcher`), how
 * to negotiate, the callbacks (sampling, elicitation, roots, logging) and handlers, timeouts
 * (`requestTimeout`, `maxTotalTimeout`, from the dispatcher's options) and inspection.
 *
 * @example
 * ```ts
 * import { createClientSession, type ClientSessionOptions, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const options: ClientSessionOptions = {
 *   transport,
 *   clientInfo: { name: 'my-app', version: '1.0.0' },
 *   mode: 'auto',
 *   requestTimeout: 120_000,
 *   sampling: { handler: () => ({ role: 'assistant', content: { type: 'text', text: 'ok' }, model: 'm' }) },
 *   notificationHandlers: {
 *     'notifications/message': (params) => console.log('server log:', params?.data),
 *   },
 *   inspect: (event) => console.log(event.type),
 * };
 * const session = createClientSession(options);
 * ```
 */
export interface ClientSessionOptions extends DispatcherOptions, ClientCallbacks {
  /** The transport to speak over. Give this or `dispatcher`, not both. */
  readonly transport?: Transport;
  /** A dispatcher built beforehand (for example shared setup in tests). Give this or `transport`. */
  readonly dispatcher?: Dispatcher;
  /** Sent as `clientInfo`. Default `{ name: 'mcp-actors', version: <package version> }`. */
  readonly clientInfo?: Implementation;
  /** Sent as `capabilities`. Default `{}`. */
  readonly capabilities?: Readonly<Record<string, unknown>>;
  /**
   * How to find the revision: `legacy` (`initialize`), `modern` (`server/discover`, 2026-07-28),
   * `auto` (probe with `server/discover`, fall back to `initialize`), or `pinned` (adopt `pinned`
   * with no traffic). Default `auto`.
   */
  readonly mode?: NegotiationMode;
  /** For `mode: 'pinned'`: a negotiation this client already has (for example from an earlier session). */
  readonly pinned?: Negotiated;
  /**
   * The revision to ask for first: in `initialize` when it is a handshake revision, in
   * `server/discover` when it is 2026-07-28. Default: the newest supported of each era.
   */
  readonly protocolVersion?: string;
  /** Revisions this client accepts. Default: all five, 2024-11-05 to 2026-07-28. */
  readonly supportedProtocolVersions?: readonly Revision[];
  /**
   * How long `connect()` may take, ms, counted from the call: starting the transport, the probe,
   * the handshake or `server/discover`, and loading the schemas. Past it `connect()` fails with a
   * `ConnectTimeoutError` (code `REQUEST_TIMEOUT`) and the connection is closed. Default:
   * `requestTimeout`; `Infinity` for none.
   */
  readonly initializeTimeout?: number;
  /**
   * How long `auto` waits for an answer to its probe before falling back to `initialize`, ms.
   * Default 3 000; `Infinity`: never fall back on silence. A probe answer that comes later, while
   * `initialize` is pending, still wins.
   */
  readonly probeTimeout?: number;
  /**
   * 2026-07-28 result cache: results with a positive `ttlMs` are served from it while fresh.
   * Default: a cache of this session's own; give one `ResponseCache` to several sessions to share
   * public entries; `false` for none.
   */
  readonly cache?: ResponseCache | false;
  /**
   * The authorization context of this session's requests: `private` cache entries are shared only
   * among sessions with the same value. Default `''`.
   */
  readonly credential?: string;
  /**
   * Drop tools whose `x-mcp-header` annotations are invalid from `listTools` results on 2026
   * sessions (MCP 2026-07-28 Streamable HTTP: clients MUST exclude them), reporting each as a
   * `TOOL_DROPPED` diagnostic. Default: on over a transport that mirrors arguments into
   * `Mcp-Param-*` headers (the Streamable HTTP ones), off otherwise (stdio may ignore the
   * annotations).
   */
  readonly checkHeaderAnnotations?: boolean;
  /**
   * Receives every notification not routed elsewhere, every stream exception and what the
   * transport did on its own: what may need the application's attention. Diagnostics go to
   * `onDiagnostic`.
   */
  readonly messageHandler?: (message: SessionMessage) => void | Promise<void>;
  /**
   * Receives every diagnostic: what the session and its dispatcher received and dropped, as the
   * protocol asks (unknown-id, late and duplicate responses, notifications that do not fit the
   * revision, progress for no request, …), a user callback that threw, a write that failed, a tool
   * left out of a listing. None of them stops the session; each is also shown by the inspector.
   * With a `dispatcher` built beforehand, this listener is added to the dispatcher's own.
   */
  readonly onDiagnostic?: (diagnostic: Diagnostic) => void | Promise<void>;
  /** Handlers of server notifications by method; each runs before the message handler sees the notification. */
  readonly notificationHandlers?: Readonly<Record<string, NotificationHandler>>;
  /** Handlers of server requests by method. `ping` is answered without one. */
  readonly requestHandlers?: Readonly<Record<string, RequestHandlerEntry>>;
  /** An XState inspection observer: the connection, the dispatcher and every request appear in it. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
}

/** Options of every typed call: the request options, plus the 2026 per-request log level. */
export interface CallOptions extends RequestOptions {
  /**
   * 2026-07-28: opt this request into `notifications/message` at this level (the
   * `io.modelcontextprotocol/logLevel` `_meta` field). Not sent on handshake revisions, where
   * `setLoggingLevel` sets the level for the session.
   */
  readonly logLevel?: Schemas.LoggingLevel;
}

/** Options of the listing helpers that walk every page. */
export interface ListAllOptions extends CallOptions {
  /** The most pages to fetch before giving up with `PAGINATION_FAILED`. Default 1 000. */
  readonly maxPages?: number;
}

/** Options of the calls that may ask for input on 2026-07-28 (`tools/call`, `prompts/get`, `resources/read`). */
export interface InputRoundOptions extends CallOptions {
  /**
   * `auto` (default): answer an `InputRequiredResult` by running its input requests through the
   * session's callbacks and retrying; `return`: hand the `InputRequiredResult` back to the caller.
   */
  readonly inputRequired?: 'auto' | 'return';
  /** The most input rounds before giving up with `TOO_MANY_ROUNDS`. Default 10. */
  readonly maxInputRounds?: number;
}

/**
 * The default cap on pages of the listing helpers.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_PAGES, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * // listAll* stops with PAGINATION_FAILED after DEFAULT_MAX_PAGES pages unless told otherwise
 * const resources = await session.listAllResources({ maxPages: DEFAULT_MAX_PAGES * 10 });
 * const prompts = await session.listAllPrompts({ maxPages: 5 }); // a tighter cap
 * ```
 */
export const DEFAULT_MAX_PAGES = 1_000;
/**
 * The default cap on 2026 input rounds of one call.
 *
 * @example
 * ```ts
 * import { DEFAULT_MAX_INPUT_ROUNDS, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * // a call stops with TOO_MANY_ROUNDS after DEFAULT_MAX_INPUT_ROUNDS rounds of input requests
 * const result = await session.callTool(
 *   'setup-wizard',
 *   {},
 *   { maxInputRounds: DEFAULT_MAX_INPUT_ROUNDS * 2 },
 * );
 * ```
 */
export const DEFAULT_MAX_INPUT_ROUNDS = 10;

export type SchemaModule = typeof Schemas;

let schemaLoading: Promise<SchemaModule> | undefined;

/**
 * Loads the protocol schemas (zod). A session starts loading them when it is built, so that
 * importing the package stays cheap, and `connect()` writes its first request without waiting for
 * them (they are needed to check the answer); call this beforehand to take that cost even earlier.
 * Resolves to the schema module.
 *
 * @example
 * ```ts
 * import { createClientSession, loadSchemas, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const schemasLoading = loadSchemas(); // start loading the zod schemas while the app boots
 * const session = createClientSession({ transport });
 * await schemasLoading;
 * await session.connect(); // no schema loading left to wait for
 * ```
 */
export function loadSchemas(): Promise<SchemaModule> {
  schemaLoading ??= import('../protocol/schemas/index.js');
  return schemaLoading;
}

/** This package's version, sent as `clientInfo` by default. */
export const PACKAGE_VERSION = '0.1.0';
