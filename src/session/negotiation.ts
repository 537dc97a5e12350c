import type { Negotiated, ProbeOutcome } from '../../machines/connection.js';
import type { Clock } from '../core/clock.js';
import type { Dispatcher } from '../core/dispatcher.js';
import {
  ErrorCode,
  JsonRpcError,
  McpLocalError,
  RequestTimeoutError,
  SendFailedError,
  reasonText,
  type McpErrorOptions,
} from '../errors/errors.js';
import {
  LEGACY_REVISIONS,
  isModern,
  isModernVersion,
  isRevision,
  type Revision,
} from '../protocol/revisions.js';
import { clause } from '../errors/sentences.js';

/**
 * The three negotiation steps the connection machine invokes: the legacy `initialize` handshake,
 * the modern `server/discover`, and the `auto` mode's era probe.
 */

/**
 * The `_meta` keys of every 2026-07-28 request (MCP 2026-07-28 basic/index, per-request fields).
 *
 * @example
 * ```ts
 * import { META_PROTOCOL_VERSION, type JsonRpcRequest } from 'mcp-actors';
 * declare const request: JsonRpcRequest; // a 2026-07-28 request, as a server or proxy sees it
 *
 * const meta = request.params?._meta as Record<string, unknown> | undefined;
 * console.log(meta?.[META_PROTOCOL_VERSION]); // '2026-07-28'
 * ```
 */
export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
/**
 * The `_meta` key of the client's capabilities on every 2026-07-28 request.
 *
 * @example
 * ```ts
 * import { META_CLIENT_CAPABILITIES, type JsonRpcRequest } from 'mcp-actors';
 * declare const request: JsonRpcRequest; // a 2026-07-28 request, as a server or proxy sees it
 *
 * const meta = request.params?._meta as Record<string, unknown> | undefined;
 * console.log(meta?.[META_CLIENT_CAPABILITIES]); // for example { roots: {}, elicitation: { form: {} } }
 * ```
 */
export const META_CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';
/**
 * The `_meta` key of the client's name and version on every 2026-07-28 request.
 *
 * @example
 * ```ts
 * import { META_CLIENT_INFO, type JsonRpcRequest } from 'mcp-actors';
 * declare const request: JsonRpcRequest; // a 2026-07-28 request, as a server or proxy sees it
 *
 * const meta = request.params?._meta as Record<string, unknown> | undefined;
 * console.log(meta?.[META_CLIENT_INFO]); // for example { name: 'my-app', version: '1.0.0' }
 * ```
 */
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
/**
 * The `_meta` key of a 2026-07-28 request's log level (the `logLevel` call option).
 *
 * @example
 * ```ts
 * import { META_LOG_LEVEL, type ClientSession, type JsonRpcRequest } from 'mcp-actors';
 * declare const session: ClientSession;
 * declare const request: JsonRpcRequest; // the request below, as the server sees it
 *
 * await session.callTool('build', {}, { logLevel: 'debug' }); // sets the field on 2026-07-28
 * const meta = request.params?._meta as Record<string, unknown> | undefined;
 * console.log(meta?.[META_LOG_LEVEL]); // 'debug'
 * ```
 */
export const META_LOG_LEVEL = 'io.modelcontextprotocol/logLevel';
/**
 * The `_meta` key of the server's name and version in a 2026-07-28 result.
 *
 * @example
 * ```ts
 * import { META_SERVER_INFO, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * await session.connect();
 * // on 2026-07-28 the server names itself in the _meta of its server/discover result
 * console.log(session.discoverResult?._meta?.[META_SERVER_INFO]); // same as session.serverInfo
 * ```
 */
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';
/**
 * The `_meta` key naming the `subscriptions/listen` stream a notification belongs to.
 *
 * @example
 * ```ts
 * import { META_SUBSCRIPTION_ID, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * session.setNotificationHandler('notifications/resources/updated', (params) => {
 *   const meta = params?._meta as Record<string, unknown> | undefined;
 *   console.log(params?.uri, 'from stream', meta?.[META_SUBSCRIPTION_ID]);
 * });
 * ```
 */
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/**
 * JSON-RPC errors only a 2026 server sends: seeing one means the server is modern.
 *
 * @example
 * ```ts
 * import { JsonRpcError, MODERN_ERROR_CODES, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * try {
 *   await session.listTools();
 * } catch (error) {
 *   if (error instanceof JsonRpcError && MODERN_ERROR_CODES.has(error.code)) {
 *     console.log('a 2026-07-28 server answered', error.code);
 *   }
 * }
 * ```
 */
export const MODERN_ERROR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.HeaderMismatch,
  ErrorCode.MissingRequiredClientCapability,
  ErrorCode.UnsupportedProtocolVersion,
]);

export interface NegotiationSettings {
  readonly clientInfo: Readonly<Record<string, unknown>>;
  readonly capabilities: Readonly<Record<string, unknown>>;
  /** Extensions the transport takes part in, declared in 2026-07-28 capabilities. */
  readonly extensions: Readonly<Record<string, unknown>> | undefined;
  /** Revisions this client accepts, in any order. */
  readonly supported: readonly Revision[];
  /** The revision asked for in `initialize`: the newest supported legacy one unless set. */
  readonly legacyVersion: string | undefined;
  /** The revision tried first with `server/discover`: the newest supported modern one unless set. */
  readonly modernVersion: string | undefined;
  /**
   * How long `connect()` may take, ms, from the call: starting the transport and every step. The
   * session's lifecycle enforces it; the negotiation requests themselves wait without a timeout.
   */
  readonly connectTimeout: number;
  /** How long `auto` waits for an answer to its probe before it falls back to `initialize`, ms. */
  readonly probeTimeout: number;
  /** The clock of the probe timeout. */
  readonly clock: Clock;
  /**
   * Checks a negotiation result against its revision's schema (once the schemas have loaded);
   * rejects when it does not fit, resolves with the parsed result.
   */
  readonly check: (revision: Revision, method: string, result: unknown) => Promise<unknown>;
}

/**
 * Negotiation failed in a way no retry fixes: no common revision, or an unusable answer.
 *
 * @example
 * ```ts
 * import { createClientSession, NegotiationError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport, supportedProtocolVersions: ['2026-07-28'] });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof NegotiationError) console.log(error.serverVersions); // for example ['2025-06-18']
 * }
 * ```
 */
export class NegotiationError extends McpLocalError {
  override name = 'NegotiationError';
  declare readonly code: 'NEGOTIATION_FAILED';
  /** What the server said it supports, when it said. */
  readonly serverVersions: readonly string[] | undefined;
  constructor(message: string, serverVersions?: readonly string[], options?: McpErrorOptions) {
    super('NEGOTIATION_FAILED', message, options);
    this.serverVersions = serverVersions;
  }
}

/**
 * `connect()` took longer than its timeout (`initializeTimeout`, counted from the call to
 * `connect()`): the connection was closed. `method` names the request it was waiting for, if it
 * was waiting for one (none while the transport was starting). A `RequestTimeoutError` (code
 * `REQUEST_TIMEOUT`).
 *
 * @example
 * ```ts
 * import { ConnectTimeoutError, createClientSession, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport, initializeTimeout: 10_000 });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof ConnectTimeoutError) console.log(error.timeoutMs, error.method); // for example 10000 'initialize'
 * }
 * ```
 */
export class ConnectTimeoutError extends RequestTimeoutError {
  override name = 'ConnectTimeoutError';
  /** The request `connect()` was waiting for an answer to; undefined while the transport was starting. */
  readonly method: string | undefined;
  constructor(timeoutMs: number, method: string | undefined) {
    super({ method: method ?? 'connect', id: '(connect)' }, timeoutMs, 'total', {
      message: `connect() timed out after ${timeoutMs} ms, ${method === undefined ? 'while the transport was starting' : `with no answer to ${method}`}; the connection was closed.`,
      hint: {
        text: 'Raise `initializeTimeout` if the server needs longer to start.',
        option: 'initializeTimeout',
      },
    });
    this.method = method;
  }
}

/** The `_meta` stamp of a 2026 request. */
export function modernStamp(
  version: string,
  settings: Pick<NegotiationSettings, 'clientInfo' | 'capabilities' | 'extensions'>,
  logLevel?: string,
): Record<string, unknown> {
  const stamp: Record<string, unknown> = {
    [META_PROTOCOL_VERSION]: version,
    [META_CLIENT_CAPABILITIES]: modernCapabilities(settings.capabilities, settings.extensions),
    [META_CLIENT_INFO]: settings.clientInfo,
  };
  if (logLevel !== undefined) stamp[META_LOG_LEVEL] = logLevel;
  return stamp;
}

/** Capabilities in the 2026 shape: `roots` has no `listChanged` any more (roots are asked for on demand), and the transport's extensions join `extensions`. */
function modernCapabilities(
  caps: Readonly<Record<string, unknown>>,
  extensions: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> {
  let out = caps;
  const roots = caps.roots;
  if (typeof roots === 'object' && roots !== null && 'listChanged' in roots) {
    const { listChanged: _ignored, ...rest } = roots as Record<string, unknown>;
    void _ignored;
    out = { ...out, roots: rest };
  }
  if (extensions !== undefined && Object.keys(extensions).length > 0) {
    const own = caps.extensions;
    out = {
      ...out,
      extensions: { ...(typeof own === 'object' && own !== null ? own : {}), ...extensions },
    };
  }
  return out;
}

function newestOf(candidates: readonly string[], allowed: readonly string[]): string | undefined {
  return [...candidates]
    .filter((v) => allowed.includes(v))
    .sort()
    .at(-1);
}

export function legacyVersionOf(s: NegotiationSettings): string | undefined {
  return s.legacyVersion ?? newestOf(LEGACY_REVISIONS, s.supported);
}

export function modernVersionOf(s: NegotiationSettings): string | undefined {
  return s.modernVersion ?? newestOf(modernSupported(s), s.supported);
}

const modernSupported = (s: NegotiationSettings): string[] =>
  s.supported.filter((v) => isModernVersion(v));

/**
 * What one `connect()` carries from one negotiation step to the next: a probe that timed out may
 * still be answered while the handshake it fell back to is pending.
 */
export interface NegotiationRun {
  /** The probe's `server/discover`, unanswered when the probe timed out: its id, and its answer if valid. */
  late: LateProbe | undefined;
  /** Whether the probe timed out (then a `-32022` to `initialize` naming 2026 probes again, once). */
  probeTimedOut: boolean;
  /** The method of the negotiation request sent last (what a connect timeout waited for). */
  asking: string | undefined;
}

/** A probe's `server/discover` still out after the probe timeout. */
export interface LateProbe {
  readonly id: number;
  /** Its answer, checked: the negotiation it means, or undefined (an error, or not valid). */
  readonly answer: Promise<Negotiated | undefined>;
  /**
   * Whether its answer has arrived (set in the first reaction to it, before checking it): an
   * answer read before `initialize`'s from the same stream is taken first, whatever the checking
   * costs.
   */
  arrived: boolean;
}

/** A fresh {@link NegotiationRun}, for one `connect()`. */
export function negotiationRun(): NegotiationRun {
  return { late: undefined, probeTimedOut: false, asking: undefined };
}

/**
 * The legacy handshake (MCP 2024-11-05 … 2025-11-25 basic/lifecycle): `initialize` with the
 * client's revision, capabilities and info; accept any supported revision the server answers with,
 * refuse any other (the caller then disconnects); then exactly one `notifications/initialized`.
 *
 * After a probe that timed out (a server slow to start), the handshake is a fallback that may be
 * wrong: a valid answer to the probe that arrives while `initialize` is pending wins (the session
 * is on 2026-07-28; `initialize` is not cancelled, only no longer waited for), and a `-32022` to
 * `initialize` naming a 2026 revision this client speaks probes again, once.
 */
export async function handshake(
  d: Dispatcher,
  s: NegotiationSettings,
  run: NegotiationRun = negotiationRun(),
): Promise<Negotiated> {
  const requested = legacyVersionOf(s);
  if (requested === undefined) {
    throw new NegotiationError(
      `No handshake revision is enabled (supportedProtocolVersions is ${s.supported.join(', ')}); enable one of ${LEGACY_REVISIONS.join(', ')}, or use mode 'modern'.`,
    );
  }
  const id = d.nextRequestId;
  run.asking = 'initialize';
  // No timeout of its own: the connect timeout bounds the whole of connect().
  const asked = d.request(
    'initialize',
    { protocolVersion: requested, capabilities: s.capabilities, clientInfo: s.clientInfo },
    { timeout: Infinity },
  );
  const late = run.late;
  let raw: unknown;
  try {
    let first: { raw: unknown } | { modern: Negotiated };
    if (late === undefined) first = { raw: await asked };
    else {
      const settled = asked.then(
        (r) => ({ raw: r }),
        (error: unknown) => ({ error }),
      );
      const outcome = await Promise.race([
        settled,
        // Only a valid answer races: an error or something else leaves the handshake to run.
        late.answer.then((n) => (n === undefined ? new Promise<never>(() => {}) : { modern: n })),
      ]);
      // The probe's answer came first on the stream (checking it takes longer): it decides.
      const modern = !('modern' in outcome) && late.arrived ? await late.answer : undefined;
      if (modern !== undefined) first = { modern };
      else if ('error' in outcome) throw outcome.error;
      else first = outcome;
    }
    if ('modern' in first) {
      // MCP 2026-07-28 basic/versioning: a discover result means modern. MCP basic/lifecycle: the
      // client MUST NOT cancel initialize; its answer, when it comes, is dropped as late.
      run.late = undefined;
      d.abandon(id, 'the server answered the era probe');
      return first.modern;
    }
    raw = first.raw;
  } catch (error) {
    if (
      run.probeTimedOut &&
      error instanceof JsonRpcError &&
      error.code === ErrorCode.UnsupportedProtocolVersion &&
      newestOf(supportedFrom(error.data), modernSupported(s)) !== undefined
    ) {
      // A 2026 server that was too slow for the probe: ask server/discover again, once.
      forget(d, run);
      return discover(d, s, run);
    }
    throw error;
  } finally {
    forget(d, run);
  }
  const answered = (raw as { protocolVersion?: unknown } | null)?.protocolVersion;
  if (!isRevision(answered) || isModern(answered) || !s.supported.includes(answered)) {
    // MCP basic/lifecycle: a client that does not support the server's revision disconnects.
    throw new UnsupportedVersionError(
      answered,
      s.supported.filter((v) => !isModern(v)),
    );
  }
  const result = await s.check(answered, 'initialize', raw);
  // MCP basic/lifecycle: after a successful initialization the client MUST send `initialized`, once.
  await d.notify('notifications/initialized');
  return { era: 'legacy', protocolVersion: answered, initializeResult: result };
}

/** Stops waiting for a probe answer that is still out (it is not cancelled: it is a probe). */
function forget(d: Dispatcher, run: NegotiationRun): void {
  const late = run.late;
  if (late === undefined) return;
  run.late = undefined;
  d.abandon(late.id, 'negotiation went on without it');
}

/** `server/discover` (MCP 2026-07-28 server/discover), retried once on `-32022`. */
export async function discover(
  d: Dispatcher,
  s: NegotiationSettings,
  run: NegotiationRun = negotiationRun(),
): Promise<Negotiated> {
  const outcome = await discoverOrFallBack(d, s, false, run);
  if (outcome.era === 'fallback') throw new NegotiationError(outcome.why);
  return outcome;
}

/**
 * The era probe (MCP 2026-07-28 basic/versioning, transports/stdio): `server/discover` first; a
 * discover result or a recognised 2026 error means modern (never fall back then); any other error,
 * or silence within `probeTimeout`, means legacy. Not keyed to one error code. A probe that timed
 * out is not abandoned: `run.late` keeps waiting for its answer, which the handshake may yet take.
 */
export function probe(
  d: Dispatcher,
  s: NegotiationSettings,
  run: NegotiationRun = negotiationRun(),
): Promise<ProbeOutcome> {
  return discoverOrFallBack(d, s, true, run);
}

const PROBE_TIMED_OUT: unique symbol = Symbol('probe timed out');

/** `asked`, or `PROBE_TIMED_OUT` once the probe timeout has passed without an answer. */
function withinProbeTimeout<T>(
  asked: Promise<T>,
  s: NegotiationSettings,
): Promise<T | typeof PROBE_TIMED_OUT> {
  if (s.probeTimeout === Infinity) return asked;
  return new Promise((resolve, reject) => {
    const timer = s.clock.setTimeout(() => resolve(PROBE_TIMED_OUT), s.probeTimeout);
    asked.then(
      (value) => {
        s.clock.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        s.clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A discover answer arriving after the probe timeout: the negotiation it means, if it is valid. */
async function lateAnswer(
  asked: Promise<unknown>,
  version: string,
  s: NegotiationSettings,
): Promise<Negotiated | undefined> {
  try {
    const result = (await s.check(version as Revision, 'server/discover', await asked)) as {
      supportedVersions: readonly string[];
    };
    return result.supportedVersions.includes(version)
      ? { era: 'modern', protocolVersion: version, discoverResult: result }
      : undefined;
  } catch {
    return undefined; // an error, or not a discover result: the handshake goes on
  }
}

/** `server/discover`, as the probe or not. */
async function discoverOrFallBack(
  d: Dispatcher,
  s: NegotiationSettings,
  probing: boolean,
  run: NegotiationRun,
): Promise<ProbeOutcome> {
  const legacyPossible = probing && legacyVersionOf(s) !== undefined;
  const fallBack = (why: string, cause?: unknown, serverLooksLegacy = true): ProbeOutcome => {
    if (legacyPossible) return { era: 'fallback', why };
    // What would have made the probe fall back: the server looks like a legacy-era one.
    throw new NegotiationError(why, undefined, {
      ...(cause === undefined ? {} : { cause }),
      ...(serverLooksLegacy
        ? {
            hint: {
              text: "The server may predate 2026-07-28: with mode 'auto' and a handshake revision among supportedProtocolVersions, the session falls back to initialize.",
              option: 'mode',
            },
          }
        : {}),
    });
  };
  let version = modernVersionOf(s);
  if (version === undefined) return fallBack('no 2026 revision is enabled', undefined, false);
  for (let attempt = 0; ; attempt++) {
    let raw: unknown;
    try {
      // No timeout of its own: the connect timeout bounds it. With a handshake to fall back to,
      // the probe waits probeTimeout for it, and then keeps listening while the handshake runs.
      const id = d.nextRequestId;
      run.asking = 'server/discover';
      const asked = d.request(
        'server/discover',
        { _meta: modernStamp(version, s) },
        { timeout: Infinity },
      );
      const answer = legacyPossible ? await withinProbeTimeout(asked, s) : await asked;
      if (answer === PROBE_TIMED_OUT) {
        run.probeTimedOut = true;
        const late: LateProbe = {
          id,
          answer: lateAnswer(
            asked.finally(() => (late.arrived = true)),
            version,
            s,
          ),
          arrived: false,
        };
        run.late = late;
        return fallBack(`server/discover had no answer within ${s.probeTimeout} ms`);
      }
      raw = answer;
    } catch (error) {
      if (error instanceof JsonRpcError) {
        if (error.code === ErrorCode.UnsupportedProtocolVersion) {
          // MCP 2026-07-28 basic/versioning: pick a mutually supported version and retry, once.
          // The version picked may be the one just refused (a server that turned the first
          // request away): the retry is still made, and still only once.
          const offered = supportedFrom(error.data);
          const next = newestOf(offered, modernSupported(s));
          if (attempt === 0 && next !== undefined) {
            version = next;
            continue;
          }
          if (
            legacyPossible &&
            offered.some((v) => !isModern(v as Revision) && s.supported.includes(v as Revision))
          ) {
            return fallBack(`the server supports only ${offered.join(', ')}`);
          }
          throw new NegotiationError(
            next === undefined
              ? `The server supports protocol versions ${offered.join(', ') || '(none named)'}; this client supports ${s.supported.join(', ')}. There is no version in common.`
              : `The server refused protocol version ${version} again after naming it as supported (${offered.join(', ')}).`,
            offered,
            { cause: error },
          );
        }
        if (MODERN_ERROR_CODES.has(error.code)) throw error;
        return fallBack(
          `server/discover was answered with error ${error.code} (${error.rpcMessage})`,
          error,
        );
      }
      // Refused below JSON-RPC (an HTTP 4xx with no JSON-RPC body, say): a legacy server.
      if (probing && error instanceof SendFailedError) {
        return fallBack(`server/discover was refused: ${clause(reasonText(error.cause))}`, error);
      }
      throw error;
    }
    let result: { supportedVersions: readonly string[] };
    try {
      result = (await s.check(version as Revision, 'server/discover', raw)) as typeof result;
    } catch (error) {
      if (probing)
        return fallBack(
          `server/discover returned something else than a discover result: ${clause(reasonText(error))}`,
          error,
        );
      throw error;
    }
    if (result.supportedVersions.includes(version)) {
      return { era: 'modern', protocolVersion: version, discoverResult: result };
    }
    const next = newestOf(result.supportedVersions, modernSupported(s));
    if (attempt === 0 && next !== undefined) {
      version = next;
      continue;
    }
    if (legacyPossible)
      return fallBack(`the server supports only ${result.supportedVersions.join(', ')}`);
    throw new NegotiationError(
      `The server supports protocol versions ${result.supportedVersions.join(', ')}; this client supports ${s.supported.join(', ')}. There is no version in common.`,
      result.supportedVersions,
    );
  }
}

function supportedFrom(data: unknown): string[] {
  const supported = (data as { supported?: unknown } | null | undefined)?.supported;
  return Array.isArray(supported)
    ? supported.filter((v): v is string => typeof v === 'string')
    : [];
}

/**
 * The server answered `initialize` with a revision this client does not speak.
 *
 * @example
 * ```ts
 * import { createClientSession, UnsupportedVersionError, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * const session = createClientSession({ transport, mode: 'legacy' });
 * try {
 *   await session.connect();
 * } catch (error) {
 *   if (error instanceof UnsupportedVersionError) console.log(error.serverVersion); // for example '2023-01-01'
 * }
 * ```
 */
export class UnsupportedVersionError extends McpLocalError {
  override name = 'UnsupportedVersionError';
  declare readonly code: 'NEGOTIATION_FAILED';
  readonly serverVersion: unknown;
  constructor(serverVersion: unknown, supported: readonly string[]) {
    super(
      'NEGOTIATION_FAILED',
      `The server answered initialize with protocol version ${JSON.stringify(serverVersion)}, which this client does not support (it supports ${supported.join(', ')}); the session was closed. Use a server that speaks one of these, or enable its version in supportedProtocolVersions.`,
    );
    this.serverVersion = serverVersion;
  }
}
