/**
 * The three negotiation steps the connection machine invokes: the legacy `initialize` handshake
 * (here), the modern `server/discover` and the `auto` mode's era probe (in `discovery.ts`).
 */
import type { Negotiated } from '../../machines/connection.js';
import type { Dispatcher } from '../core/dispatcher.js';
import { ErrorCode, JsonRpcError } from '../errors/errors.js';
import { LEGACY_REVISIONS, isModern, isRevision } from '../protocol/revisions.js';
import { discover } from './discovery.js';
import { NegotiationError, UnsupportedVersionError } from './negotiation-errors.js';
import {
  legacyVersionOf,
  modernSupported,
  negotiationRun,
  newestOf,
  supportedFrom,
  type NegotiationRun,
  type NegotiationSettings,
} from './negotiation-settings.js';

export { discover, probe } from './discovery.js';

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
  if (isRevision(requested)) s.prepare?.(requested);
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
