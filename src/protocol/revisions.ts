/**
 * The protocol revisions this engine speaks, and how they compare. Dates compare as strings.
 * "Legacy" revisions use the `initialize` handshake; "modern" (2026-07-28) is stateless, with
 * `server/discover` and per-request `_meta` (MCP 2026-07-28 basic/versioning).
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

/** Handshake (legacy) revisions, newest first. */
export const LEGACY_REVISIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

/** Stateless (modern) revisions, newest first. */
export const MODERN_REVISIONS = ['2026-07-28'] as const;

/** A handshake revision (2024-11-05 to 2025-11-25). */
export type LegacyRevision = (typeof LEGACY_REVISIONS)[number];
/** A stateless revision (2026-07-28). */
export type ModernRevision = (typeof MODERN_REVISIONS)[number];

/** The newest revision: 2026-07-28. */
export const LATEST_REVISION: Revision = '2026-07-28';
/** The newest handshake revision: 2025-11-25. */
export const LATEST_LEGACY_REVISION: LegacyRevision = '2025-11-25';

/** Whether a value is one of {@link REVISIONS}. */
export function isRevision(value: unknown): value is Revision {
  return typeof value === 'string' && (REVISIONS as readonly string[]).includes(value);
}

/** Whether `revision` is `since` or later. */
export function atLeast(revision: Revision, since: Revision): boolean {
  return revision >= since;
}

/** Whether a revision is a stateless one (2026-07-28), as opposed to a handshake revision. */
export function isModern(revision: Revision): revision is ModernRevision {
  return (MODERN_REVISIONS as readonly string[]).includes(revision);
}

/**
 * Whether a version string names a stateless revision: every revision from 2026-07-28 on is
 * (revision identifiers are dates, which order as strings). Used when negotiating with a server
 * that names versions this client may not know yet.
 */
export function isModernVersion(version: string): boolean {
  return version >= '2026-07-28';
}
