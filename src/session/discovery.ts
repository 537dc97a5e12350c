/**
 * The 2026-07-28 negotiation steps: `server/discover` (MCP 2026-07-28 server/discover), retried
 * once with another version on `-32022`, and the `auto` mode's era probe, which falls back to the
 * legacy handshake when the server looks like a legacy one.
 */
import type { Negotiated, ProbeOutcome } from '../../machines/connection.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { ErrorCode, JsonRpcError, SendFailedError, reasonText } from '../errors/errors.js';
import { isModern, type Revision } from '../protocol/revisions.js';
import { clause } from '../errors/sentences.js';
import { modernStamp } from './meta.js';
import { MODERN_ERROR_CODES, NegotiationError } from './negotiation-errors.js';
import {
  legacyVersionOf,
  modernSupported,
  modernVersionOf,
  negotiationRun,
  newestOf,
  supportedFrom,
  type LateProbe,
  type NegotiationRun,
  type NegotiationSettings,
} from './negotiation-settings.js';

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

/** What one `server/discover` step works with. */
interface Discovery {
  readonly d: Dispatcher;
  readonly s: NegotiationSettings;
  readonly run: NegotiationRun;
  /** Whether this is the `auto` mode's probe. */
  readonly probing: boolean;
  /** Whether the probe may fall back to the handshake (a handshake revision is enabled). */
  readonly legacyPossible: boolean;
}

/** How one attempt ended: with an outcome, or with the version to retry with (once). */
type Attempt = { readonly done: ProbeOutcome } | { readonly retry: string };

/** `server/discover`, as the probe or not. */
async function discoverOrFallBack(
  d: Dispatcher,
  s: NegotiationSettings,
  probing: boolean,
  run: NegotiationRun,
): Promise<ProbeOutcome> {
  const x: Discovery = {
    d,
    s,
    run,
    probing,
    legacyPossible: probing && legacyVersionOf(s) !== undefined,
  };
  let version = modernVersionOf(s);
  if (version === undefined) return fallBack(x, 'no 2026 revision is enabled', undefined, false);
  for (let attempt = 0; ; attempt++) {
    const step = await attemptDiscover(x, version, attempt === 0);
    if ('done' in step) return step.done;
    version = step.retry;
  }
}

/**
 * The probe falls back to the handshake when it may; otherwise what would have made it fall back
 * fails the negotiation (with a hint when the server looks like a legacy-era one).
 */
function fallBack(
  x: Discovery,
  why: string,
  cause?: unknown,
  serverLooksLegacy = true,
): ProbeOutcome {
  if (x.legacyPossible) return { era: 'fallback', why };
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
}

/** One `server/discover` request with `version`, and what its answer or error means. */
async function attemptDiscover(x: Discovery, version: string, first: boolean): Promise<Attempt> {
  let raw: unknown;
  try {
    // No timeout of its own: the connect timeout bounds it. With a handshake to fall back to,
    // the probe waits probeTimeout for it, and then keeps listening while the handshake runs.
    const id = x.d.nextRequestId;
    x.run.asking = 'server/discover';
    const asked = x.d.request(
      'server/discover',
      { _meta: modernStamp(version, x.s) },
      { timeout: Infinity },
    );
    // Only when the answer must be 2026's: a probe in `auto` mode is mostly answered by a server
    // of the handshake, whose revision is built instead.
    if (!x.legacyPossible) x.s.prepare?.(version as Revision);
    const answer = x.legacyPossible ? await withinProbeTimeout(asked, x.s) : await asked;
    if (answer === PROBE_TIMED_OUT) {
      x.run.probeTimedOut = true;
      const late: LateProbe = {
        id,
        answer: lateAnswer(
          asked.finally(() => (late.arrived = true)),
          version,
          x.s,
        ),
        arrived: false,
      };
      x.run.late = late;
      return { done: fallBack(x, `server/discover had no answer within ${x.s.probeTimeout} ms`) };
    }
    raw = answer;
  } catch (error) {
    return refused(x, error, version, first);
  }
  return answered(x, raw, version, first);
}

/** `server/discover` failed: retry once on `-32022`, fall back, or fail. */
function refused(x: Discovery, error: unknown, version: string, first: boolean): Attempt {
  const { s } = x;
  if (error instanceof JsonRpcError) {
    if (error.code === ErrorCode.UnsupportedProtocolVersion) {
      // MCP 2026-07-28 basic/versioning: pick a mutually supported version and retry, once.
      // The version picked may be the one just refused (a server that turned the first
      // request away): the retry is still made, and still only once.
      const offered = supportedFrom(error.data);
      const next = newestOf(offered, modernSupported(s));
      if (first && next !== undefined) return { retry: next };
      if (
        x.legacyPossible &&
        offered.some((v) => !isModern(v as Revision) && s.supported.includes(v as Revision))
      ) {
        return { done: fallBack(x, `the server supports only ${offered.join(', ')}`) };
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
    return {
      done: fallBack(
        x,
        `server/discover was answered with error ${error.code} (${error.rpcMessage})`,
        error,
      ),
    };
  }
  // Refused below JSON-RPC (an HTTP 4xx with no JSON-RPC body, say): a legacy server.
  if (x.probing && error instanceof SendFailedError) {
    return {
      done: fallBack(x, `server/discover was refused: ${clause(reasonText(error.cause))}`, error),
    };
  }
  throw error;
}

/** `server/discover` answered: modern if the answer fits and names `version`; else retry once, fall back, or fail. */
async function answered(
  x: Discovery,
  raw: unknown,
  version: string,
  first: boolean,
): Promise<Attempt> {
  const { s } = x;
  let result: { supportedVersions: readonly string[] };
  try {
    result = (await s.check(version as Revision, 'server/discover', raw)) as typeof result;
  } catch (error) {
    if (x.probing) {
      return {
        done: fallBack(
          x,
          `server/discover returned something else than a discover result: ${clause(reasonText(error))}`,
          error,
        ),
      };
    }
    throw error;
  }
  if (result.supportedVersions.includes(version)) {
    return { done: { era: 'modern', protocolVersion: version, discoverResult: result } };
  }
  const next = newestOf(result.supportedVersions, modernSupported(s));
  if (first && next !== undefined) return { retry: next };
  if (x.legacyPossible) {
    return { done: fallBack(x, `the server supports only ${result.supportedVersions.join(', ')}`) };
  }
  throw new NegotiationError(
    `The server supports protocol versions ${result.supportedVersions.join(', ')}; this client supports ${s.supported.join(', ')}. There is no version in common.`,
    result.supportedVersions,
  );
}
