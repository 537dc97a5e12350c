/**
 * The protocol revisions this engine speaks, and how they compare. Dates compare as strings.
 * "Legacy" revisions use the `initialize` handshake; "modern" (2026-07-28) is stateless, with
 * `server/discover` and per-request `_meta` (MCP 2026-07-28 basic/versioning).
 *
 * @example
 * ```ts
 * import { createClientSession, REVISIONS, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // every revision but the oldest (the default is all of REVISIONS)
 * const supportedProtocolVersions = REVISIONS.filter((r) => r !== '2024-11-05');
 * const session = createClientSession({ transport, supportedProtocolVersions });
 * ```
 */
export const REVISIONS = [
  '2024-11-05',
  '2025-03-26',
  '2025-06-18',
  '2025-11-25',
  '2026-07-28',
] as const;

/** A protocol revision this engine speaks. */
export type Revision = (typeof REVISIONS)[number];

/**
 * Handshake (legacy) revisions, newest first.
 *
 * @example
 * ```ts
 * import { createClientSession, LEGACY_REVISIONS, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // a client that only speaks the handshake revisions
 * const session = createClientSession({
 *   transport,
 *   mode: 'legacy',
 *   supportedProtocolVersions: LEGACY_REVISIONS,
 * });
 * ```
 */
export const LEGACY_REVISIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

/**
 * Stateless (modern) revisions, newest first.
 *
 * @example
 * ```ts
 * import { createClientSession, MODERN_REVISIONS, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // a client that only speaks the stateless revisions (server/discover, no initialize)
 * const session = createClientSession({
 *   transport,
 *   mode: 'modern',
 *   supportedProtocolVersions: MODERN_REVISIONS,
 * });
 * ```
 */
export const MODERN_REVISIONS = ['2026-07-28'] as const;

/** A handshake revision (2024-11-05 to 2025-11-25). */
export type LegacyRevision = (typeof LEGACY_REVISIONS)[number];
/** A stateless revision (2026-07-28). */
export type ModernRevision = (typeof MODERN_REVISIONS)[number];

/**
 * The newest revision: 2026-07-28.
 *
 * @example
 * ```ts
 * import { LATEST_REVISION, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * await session.connect();
 * if (session.protocolVersion !== LATEST_REVISION) {
 *   console.log(`negotiated ${session.protocolVersion ?? '?'}, not ${LATEST_REVISION}`);
 * }
 * ```
 */
export const LATEST_REVISION: Revision = '2026-07-28';
/**
 * The newest handshake revision: 2025-11-25.
 *
 * @example
 * ```ts
 * import { createClientSession, LATEST_LEGACY_REVISION, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // the revision asked for in initialize (this is also the default)
 * const session = createClientSession({
 *   transport,
 *   mode: 'legacy',
 *   protocolVersion: LATEST_LEGACY_REVISION,
 * });
 * ```
 */
export const LATEST_LEGACY_REVISION: LegacyRevision = '2025-11-25';

/**
 * Whether a value is one of {@link REVISIONS}.
 *
 * @example
 * ```ts
 * import { isRevision } from 'mcp-actors';
 *
 * console.log(isRevision('2025-06-18')); // true
 * console.log(isRevision('2023-01-01')); // false
 * const fromConfig: unknown = JSON.parse('"2025-11-25"');
 * if (isRevision(fromConfig)) console.log('pin', fromConfig); // typed as Revision
 * ```
 */
export function isRevision(value: unknown): value is Revision {
  return typeof value === 'string' && (REVISIONS as readonly string[]).includes(value);
}

/**
 * Whether `revision` is `since` or later.
 *
 * @example
 * ```ts
 * import { atLeast, isRevision, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * const version = session.protocolVersion;
 * if (isRevision(version) && atLeast(version, '2025-06-18')) {
 *   console.log('structured tool output is available');
 * }
 * ```
 */
export function atLeast(revision: Revision, since: Revision): boolean {
  return revision >= since;
}

/**
 * Whether a revision is a stateless one (2026-07-28), as opposed to a handshake revision.
 *
 * @example
 * ```ts
 * import { isModern, isRevision, type ClientSession } from 'mcp-actors';
 * declare const session: ClientSession;
 *
 * const version = session.protocolVersion;
 * if (isRevision(version) && isModern(version)) {
 *   console.log('stateless: no ping, every request carries its _meta');
 * }
 * ```
 */
export function isModern(revision: Revision): revision is ModernRevision {
  return (MODERN_REVISIONS as readonly string[]).includes(revision);
}

/**
 * Whether a version string names a stateless revision: every revision from 2026-07-28 on is
 * (revision identifiers are dates, which order as strings). Used when negotiating with a server
 * that names versions this client may not know yet.
 *
 * @example
 * ```ts
 * import { isModernVersion } from 'mcp-actors';
 *
 * console.log(isModernVersion('2026-07-28')); // true
 * console.log(isModernVersion('2027-03-01')); // true: a later revision this client does not know yet
 * console.log(isModernVersion('2025-11-25')); // false
 * ```
 */
export function isModernVersion(version: string): boolean {
  return version >= '2026-07-28';
}
