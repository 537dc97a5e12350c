/**
 * Node-only parts of mcp-actors (they import `node:` modules). The package root stays
 * runtime-neutral; import these from `mcp-actors/node`.
 *
 * @module mcp-actors/node
 */
export { createNodeStreamChannel, type NodeStreamChannelOptions } from './streams.js';
export {
  createStdioTransport,
  DEFAULT_INHERITED_ENV,
  ServerExitedError,
  StdoutClosedError,
  type StdioServerParameters,
  type StdioTransport,
} from './stdio.js';
export { createNodeWebSocketTransport, type NodeWebSocketOptions } from './websocket.js';
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
  DEFAULT_REDIRECT_TIMEOUT_MS,
  defaultOAuthStorePath,
  OAuthStoreError,
  startLoopbackRedirect,
  type FileOAuthStore,
  type FileOAuthStoreOptions,
  type LoopbackRedirect,
  type LoopbackRedirectOptions,
  type OAuthStoreFailure,
} from './oauth.js';
