/**
 * The 2026-07-28 request stamp (MCP 2026-07-28 basic/index, per-request fields): the `_meta` keys
 * every request carries (protocol version, client capabilities and info, log level), the keys a
 * server stamps on what it sends (its info, a notification's subscription), and the building of
 * the stamp from the negotiation settings.
 */
import type { NegotiationSettings } from './negotiation-settings.js';

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
