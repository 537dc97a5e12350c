/**
 * The methods each protocol revision defines, in each direction: the members of the `ClientRequest`,
 * `ClientNotification`, `ServerRequest` and `ServerNotification` unions of that revision's schema.
 * Plain lists, available before any schema is loaded, so that what the server sends can be gated
 * by the negotiated revision on the hot path.
 */
import { REVISIONS, type Revision } from './revisions.js';

/** The methods of one revision, per direction and kind. */
export interface MethodTable {
  /** Requests the client sends (`ClientRequest`). */
  readonly clientRequests: ReadonlySet<string>;
  /** Notifications the client sends (`ClientNotification`). */
  readonly clientNotifications: ReadonlySet<string>;
  /** Requests the server sends (`ServerRequest`; none in 2026-07-28: servers MUST NOT send requests). */
  readonly serverRequests: ReadonlySet<string>;
  /** Notifications the server sends (`ServerNotification`). */
  readonly serverNotifications: ReadonlySet<string>;
}

const TASKS = ['tasks/get', 'tasks/result', 'tasks/cancel', 'tasks/list'];

const HANDSHAKE_CLIENT_REQUESTS = [
  'initialize',
  'ping',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/list',
  'prompts/get',
  'tools/list',
  'tools/call',
  'logging/setLevel',
  'completion/complete',
];
const HANDSHAKE_CLIENT_NOTIFICATIONS = [
  'notifications/cancelled',
  'notifications/initialized',
  'notifications/progress',
  'notifications/roots/list_changed',
];
const SERVER_REQUESTS_2024 = ['ping', 'sampling/createMessage', 'roots/list'];
const SERVER_NOTIFICATIONS_2024 = [
  'notifications/cancelled',
  'notifications/progress',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/prompts/list_changed',
  'notifications/tools/list_changed',
  'notifications/message',
];

function table(lists: {
  clientRequests: readonly string[];
  clientNotifications: readonly string[];
  serverRequests: readonly string[];
  serverNotifications: readonly string[];
}): MethodTable {
  return {
    clientRequests: new Set(lists.clientRequests),
    clientNotifications: new Set(lists.clientNotifications),
    serverRequests: new Set(lists.serverRequests),
    serverNotifications: new Set(lists.serverNotifications),
  };
}

const handshake2024 = table({
  clientRequests: HANDSHAKE_CLIENT_REQUESTS,
  clientNotifications: HANDSHAKE_CLIENT_NOTIFICATIONS,
  serverRequests: SERVER_REQUESTS_2024,
  serverNotifications: SERVER_NOTIFICATIONS_2024,
});

/** The method table of every revision. */
export const METHOD_TABLES: Readonly<Record<Revision, MethodTable>> = {
  '2024-11-05': handshake2024,
  '2025-03-26': handshake2024,
  // Elicitation arrives as a server request.
  '2025-06-18': table({
    clientRequests: HANDSHAKE_CLIENT_REQUESTS,
    clientNotifications: HANDSHAKE_CLIENT_NOTIFICATIONS,
    serverRequests: [...SERVER_REQUESTS_2024, 'elicitation/create'],
    serverNotifications: SERVER_NOTIFICATIONS_2024,
  }),
  // Tasks in both directions; URL elicitation completes with a notification.
  '2025-11-25': table({
    clientRequests: [...HANDSHAKE_CLIENT_REQUESTS, ...TASKS],
    clientNotifications: [...HANDSHAKE_CLIENT_NOTIFICATIONS, 'notifications/tasks/status'],
    serverRequests: [...SERVER_REQUESTS_2024, 'elicitation/create', ...TASKS],
    serverNotifications: [
      ...SERVER_NOTIFICATIONS_2024,
      'notifications/tasks/status',
      'notifications/elicitation/complete',
    ],
  }),
  // Stateless: no handshake, no ping, no server requests (input requests ride in results).
  '2026-07-28': table({
    clientRequests: [
      'server/discover',
      'resources/list',
      'resources/templates/list',
      'resources/read',
      'subscriptions/listen',
      'prompts/list',
      'prompts/get',
      'tools/list',
      'tools/call',
      'completion/complete',
    ],
    clientNotifications: ['notifications/cancelled'],
    serverRequests: [],
    serverNotifications: [
      'notifications/cancelled',
      'notifications/progress',
      'notifications/resources/list_changed',
      'notifications/subscriptions/acknowledged',
      'notifications/resources/updated',
      'notifications/prompts/list_changed',
      'notifications/tools/list_changed',
      'notifications/message',
    ],
  }),
};

/** Every method some revision defines, in either direction: the MCP method names. */
const MCP_METHODS: ReadonlySet<string> = new Set(
  REVISIONS.flatMap((revision) => {
    const t = METHOD_TABLES[revision];
    return [
      ...t.clientRequests,
      ...t.clientNotifications,
      ...t.serverRequests,
      ...t.serverNotifications,
    ];
  }),
);

/**
 * Whether `method` is an MCP method (one some revision defines, in either direction) rather than
 * an extension's.
 */
export function isMcpMethod(method: string): boolean {
  return MCP_METHODS.has(method);
}

/**
 * Whether the server may send `method` (a request or a notification) on `revision`. An extension
 * method (one no revision defines) is allowed as a notification everywhere, and as a request
 * wherever servers may send requests at all (not on 2026-07-28).
 */
export function serverMay(
  revision: Revision,
  kind: 'request' | 'notification',
  method: string,
): boolean {
  const t = METHOD_TABLES[revision];
  if (kind === 'request') {
    if (t.serverRequests.size === 0) return false;
    return t.serverRequests.has(method) || !MCP_METHODS.has(method);
  }
  return t.serverNotifications.has(method) || !MCP_METHODS.has(method);
}
