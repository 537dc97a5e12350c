/**
 * Node-only parts of mcp-actors (they import `node:` modules). The package root stays
 * runtime-neutral; import these from `mcp-actors/node`.
 *
 * @module mcp-actors/node
 */
export { createNodeStreamChannel, type NodeStreamChannelOptions } from './streams.js';
export { createStdioTransport, type StdioTransport } from './stdio.js';
export { DEFAULT_INHERITED_ENV, type StdioServerParameters } from './stdio-spawn.js';
export { ServerExitedError, StdoutClosedError } from './stdio-errors.js';
export { createNodeWebSocketTransport, type NodeWebSocketOptions } from './websocket.js';
export { createNodeFetch, type NodeFetchOptions } from './http-fetch.js';
export {
  InspectorAssetError,
  inspectorPageScript,
  startInspector,
  type InspectedSession,
  type Inspector,
  type InspectorFrame,
  type InspectorOptions,
  type InspectorRecord,
  type Sanitized,
  type StateShape,
} from './inspector.js';
export {
  createFileOAuthStore,
  defaultOAuthStorePath,
  type FileOAuthStore,
  type FileOAuthStoreOptions,
} from './oauth/file-store.js';
export { OAuthStoreError, type OAuthStoreFailure } from './oauth/store-error.js';
export {
  DEFAULT_REDIRECT_TIMEOUT_MS,
  startLoopbackRedirect,
  type LoopbackRedirect,
  type LoopbackRedirectOptions,
} from './oauth/loopback.js';
export {
  createServerTransport,
  type RemoteServerConfig,
  type ServerConfig,
  type ServerTransportOptions,
  type StdioServerConfig,
} from './server-transport.js';
export {
  loadServersConfig,
  parseServersConfig,
  type ConfiguredServer,
  type ServersConfigOptions,
} from './servers-config.js';
export { ServersConfigError, type ServersConfigIssue } from './servers-config-error.js';
export type { ConfigEnv } from './config-variables.js';
