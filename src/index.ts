/**
 * mcp-actors: a Model Context Protocol client session engine built on XState v5 actors.
 * This entry is runtime-neutral (no Node-only modules); Node-only transports live under
 * `mcp-actors/node`.
 *
 * @module mcp-actors
 */
export * from './errors/errors.js';
export * from './wire/jsonrpc.js';
export type { Diagnostic, DiagnosticCode } from './core/diagnostics.js';
export { systemClock, type Clock } from './core/clock.js';
export type {
  Transport,
  TransportEvent,
  TransportHandlers,
  ByteChannel,
  ByteSink,
} from './wire/transport.js';
export {
  Dispatcher,
  createDispatcher,
  toWireError,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type DispatcherHandlers,
  type DispatcherOptions,
  type InboundRequest,
  type Progress,
  type ProgressToken,
  type RequestOptions,
} from './core/dispatcher.js';
export {
  ClientSession,
  createClientSession,
  DEFAULT_PROBE_TIMEOUT_MS,
  DEFAULT_MAX_INPUT_ROUNDS,
  DEFAULT_MAX_PAGES,
  loadSchemas,
  type CallOptions,
  type InputRoundOptions,
  type ListAllOptions,
  type ClientSessionOptions,
  type NotificationHandler,
  type RequestHandler,
  type RequestHandlerEntry,
  type RequestHandlerExtra,
  type SessionMessage,
  type ValidatedRequestHandler,
} from './session/session.js';
export {
  LineDecoder,
  DEFAULT_MAX_MESSAGE_BYTES,
  type LineDecoderOptions,
  type LineDecoderSink,
} from './wire/line.js';
export { encodeLine } from './wire/line-encode.js';
export { createFramedTransport, type FramedTransportOptions } from './transports/framed.js';
export { createInMemoryTransportPair, createByteChannelPair } from './transports/in-memory.js';
export {
  createStreamableHttpTransport,
  HttpError,
  SessionExpiredError,
  type SessionExpiry,
  type StreamableHttpOptions,
  type StreamableHttpTransport,
} from './transports/streamable-http.js';
export {
  createSseTransport,
  DEFAULT_ENDPOINT_TIMEOUT_MS,
  SseTransportError,
  type SseFailure,
  type SseOptions,
  type SseTransport,
} from './transports/sse.js';
export { createOAuthClient, OAuthClient } from './auth/oauth.js';
export { oauthStoreKey } from './auth/tokens.js';
export { unionScopes } from './auth/scopes.js';
export {
  type AssertionProvider,
  type AssertionRequest,
  type AuthorizationRequest,
  type HttpAuth,
  type HttpAuthHooks,
  type LogoutOutcome,
  type OAuthClientOptions,
  type OAuthGrant,
  type PreRegisteredClient,
  type Revocation,
  type TokenKind,
  type UserAgent,
} from './auth/types.js';
export { idJagAssertion, type IdJagOptions } from './auth/enterprise.js';
export {
  createMemoryOAuthStore,
  type OAuthRecord,
  type OAuthStore,
  type StoredClient,
  type StoredTokens,
  type TokenEndpointAuthMethod,
} from './auth/store.js';
export {
  createHttpTransport,
  type HttpTransport,
  type HttpTransportOptions,
} from './transports/http-auto.js';
export { createWebSocketTransport, type WebSocketOptions } from './transports/websocket.js';
export {
  describeCloseCode,
  WebSocketClosedError,
  WebSocketConnectError,
  WebSocketSubprotocolError,
} from './transports/websocket-errors.js';
export {
  MCP_WEBSOCKET_SUBPROTOCOL,
  type WebSocketAuthorize,
  type WebSocketConstructor,
  type WebSocketLike,
  type WebSocketTransport,
  type WebSocketTransportState,
} from './transports/websocket-types.js';
export type {
  ConnectionState,
  Negotiated,
  NegotiationMode,
  NegotiationPath,
} from '../machines/connection.js';
export {
  ConnectTimeoutError,
  NegotiationError,
  UnsupportedVersionError,
  MODERN_ERROR_CODES,
} from './session/negotiation-errors.js';
export {
  META_CLIENT_CAPABILITIES,
  META_CLIENT_INFO,
  META_LOG_LEVEL,
  META_PROTOCOL_VERSION,
  META_SERVER_INFO,
  META_SUBSCRIPTION_ID,
} from './session/meta.js';
export * from './protocol/revisions.js';
export {
  capabilitiesOf,
  type CallbackExtra,
  type ClientCallbacks,
  type ElicitationCallback,
  type ElicitationHandler,
  type ElicitRequestUrlModeParams,
  type ListKind,
  type RootsCallback,
  type SamplingCallback,
  type SamplingHandler,
} from './session/callbacks.js';
// The protocol's types, inferred from the schemas; each covers every supported revision.
export type {
  Annotations,
  AudioContent,
  BlobResourceContents,
  CallToolResult,
  CancelledNotificationParams,
  ClientCapabilities,
  CompleteRequestParams,
  CompleteResult,
  ContentBlock,
  CreateMessageRequestParams,
  CreateMessageResult,
  DiscoverResult,
  ElicitRequestFormParams,
  ElicitRequestParams,
  ElicitRequestURLParams,
  ElicitResult,
  EmbeddedResource,
  GetPromptResult,
  Icon,
  ImageContent,
  Implementation,
  InitializeResult,
  InputRequest,
  InputRequests,
  InputRequiredResult,
  InputResponse,
  InputResponses,
  JSONValue,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListRootsResult,
  ListToolsResult,
  LoggingLevel,
  LoggingMessageNotificationParams,
  ModelPreferences,
  ProgressNotificationParams,
  Prompt,
  PromptArgument,
  PromptMessage,
  PromptReference,
  ReadResourceResult,
  Resource,
  ResourceLink,
  ResourceTemplate,
  ResourceTemplateReference,
  ResourceUpdatedNotificationParams,
  Role,
  Root,
  SamplingMessage,
  SamplingMessageContentBlock,
  ServerCapabilities,
  SubscriptionFilter,
  SubscriptionsListenResult,
  TextContent,
  TextResourceContents,
  Tool,
  ToolAnnotations,
  ToolChoice,
  ToolResultContent,
  ToolUseContent,
} from './protocol/types.js';
export {
  Subscription,
  SubscriptionEndedError,
  type SubscriptionEnd,
} from './session/subscriptions.js';
export { ResponseCache, CACHEABLE_METHODS, type ResponseCacheOptions } from './session/cache.js';
export {
  InvalidOutputSchemaError,
  InvalidToolOutputError,
  type InvalidOutputSchemaReason,
  type InvalidToolOutputReason,
  type OutputSchemaDialect,
  type SchemaViolation,
} from './protocol/tool-output.js';
export { createSessionGroup } from './group/group.js';
export {
  ServerUnavailableError,
  UnknownGroupEntryError,
  type GroupEntryKind,
} from './group/errors.js';
export type {
  Aggregate,
  GroupEvent,
  GroupPrompt,
  GroupResource,
  GroupResourceTemplate,
  GroupTool,
  NameCollision,
  NamingPolicy,
  Origin,
  RestartPolicy,
  ServerSpec,
  ServerState,
  ServerStatus,
  SessionGroup,
  SessionGroupOptions,
} from './group/types.js';
