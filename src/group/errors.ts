/**
 * The errors of a session group's routing: a name or URI that no server of the group offers, and
 * a server that is not `ready` when a call is routed to it.
 */
import { McpLocalError, reasonText } from '../errors/errors.js';
import type { ServerStatus } from './types.js';

/** What kind of entry a group call looked for. */
export type GroupEntryKind = 'tool' | 'prompt' | 'resource';

/**
 * A call named a tool or prompt (or a resource URI) that is not in the group's aggregate and that
 * no server of the group could own.
 *
 * @example
 * ```ts
 * import { UnknownGroupEntryError, type SessionGroup } from 'mcp-actors';
 * declare const group: SessionGroup;
 *
 * try {
 *   await group.callTool('files_read', { path: 'notes.txt' });
 * } catch (error) {
 *   if (error instanceof UnknownGroupEntryError) console.log(error.kind, error.entry); // 'tool' 'files_read'
 * }
 * ```
 */
export class UnknownGroupEntryError extends McpLocalError {
  override name = 'UnknownGroupEntryError';
  declare readonly code: 'UNKNOWN_GROUP_ENTRY';
  /** What was looked for. */
  readonly kind: GroupEntryKind;
  /** The aggregated name (or the URI) asked for. */
  readonly entry: string;
  constructor(kind: GroupEntryKind, entry: string) {
    super(
      'UNKNOWN_GROUP_ENTRY',
      `No server of the group offers the ${kind} ${JSON.stringify(entry)}.`,
    );
    this.kind = kind;
    this.entry = entry;
  }
}

/**
 * A call was routed to a server of the group that is not `ready` (connecting, reconnecting,
 * failed or closed). It fails at once, without waiting for the server; `cause` is why the server
 * last failed or dropped, when known.
 *
 * @example
 * ```ts
 * import { ServerUnavailableError, type SessionGroup } from 'mcp-actors';
 * declare const group: SessionGroup;
 *
 * try {
 *   await group.callTool('memory_read_graph');
 * } catch (error) {
 *   if (error instanceof ServerUnavailableError) console.log(error.server, error.status); // 'memory' 'reconnecting'
 * }
 * ```
 */
export class ServerUnavailableError extends McpLocalError {
  override name = 'ServerUnavailableError';
  declare readonly code: 'SERVER_UNAVAILABLE';
  /** The server the call was for. */
  readonly server: string;
  /** Its status when the call was made. */
  readonly status: ServerStatus;
  constructor(server: string, status: ServerStatus, cause?: unknown) {
    super(
      'SERVER_UNAVAILABLE',
      `The server ${JSON.stringify(server)} is ${status}` +
        (cause === undefined ? '.' : ` (${reasonText(cause)}).`),
      cause === undefined ? undefined : { cause },
    );
    this.server = server;
    this.status = status;
  }
}
