/**
 * What a negotiation works with: the settings drawn from the session's options, what one
 * `connect()` carries from one step to the next, and the picking of revisions from what each side
 * supports.
 */
import type { Negotiated } from '../../machines/connection.js';
import type { Clock } from '../core/clock.js';
import { LEGACY_REVISIONS, isModernVersion, type Revision } from '../protocol/revisions.js';

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
  /**
   * Starts building the schemas of `revision` (once they have loaded) as a negotiation request
   * that asks for it is sent, so that the build overlaps the server's answering instead of
   * following it.
   */
  readonly prepare?: (revision: Revision) => void;
}

/** The newest of `candidates` that `allowed` names. */
export function newestOf(
  candidates: readonly string[],
  allowed: readonly string[],
): string | undefined {
  return [...candidates]
    .filter((v) => allowed.includes(v))
    .sort()
    .at(-1);
}

/** The revision asked for in `initialize`. */
export function legacyVersionOf(s: NegotiationSettings): string | undefined {
  return s.legacyVersion ?? newestOf(LEGACY_REVISIONS, s.supported);
}

/** The revision tried first with `server/discover`. */
export function modernVersionOf(s: NegotiationSettings): string | undefined {
  return s.modernVersion ?? newestOf(modernSupported(s), s.supported);
}

/** The 2026 revisions among the supported ones. */
export const modernSupported = (s: NegotiationSettings): string[] =>
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

/** The versions a `-32022` error's data names as supported. */
export function supportedFrom(data: unknown): string[] {
  const supported = (data as { supported?: unknown } | null | undefined)?.supported;
  return Array.isArray(supported)
    ? supported.filter((v): v is string => typeof v === 'string')
    : [];
}
