/**
 * Lifecycle and utilities: `initialize`/`ping` (legacy), `server/discover` and subscriptions
 * (2026), completion, logging, cancellation and progress.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, only, type Gates, type Registry } from './gates.js';
import type { Identity } from './identity.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Primitives } from './primitives.js';
import type { Prompts } from './prompts.js';
import type { Resources } from './resources.js';

export function buildLifecycle(
  g: Gates,
  r: Registry,
  p: Primitives,
  id: Identity,
  rpc: JsonRpc,
  prompts: Prompts,
  resources: Resources,
) {
  const modern = g.since('2026-07-28');
  const named = g.since('2025-11-25');

  // ---- legacy handshake and ping ----
  const InitializeRequestParams = only(!modern, () =>
    r.defIf(
      named,
      'InitializeRequestParams',
      rpc.requestParams({
        protocolVersion: z.string(),
        capabilities: id.ClientCapabilities,
        clientInfo: id.Implementation,
      }),
    ),
  );
  const InitializeResult = r.def(
    'InitializeResult',
    only(!modern, () =>
      rpc.result({
        protocolVersion: z.string(),
        capabilities: id.ServerCapabilities,
        serverInfo: id.Implementation,
        instructions: z.optional(z.string()),
      }),
    ),
  );
  let InitializeRequest: z.ZodMiniObject | undefined;
  let InitializedNotification: z.ZodMiniObject | undefined;
  let PingRequest: z.ZodMiniObject | undefined;
  if (InitializeRequestParams) {
    InitializeRequest = r.def(
      'InitializeRequest',
      rpc.request('initialize', InitializeRequestParams),
    );
    InitializedNotification = r.def(
      'InitializedNotification',
      rpc.notification('notifications/initialized', rpc.emptyNotificationParams),
    );
    PingRequest = r.def('PingRequest', rpc.request('ping', rpc.emptyRequestParams));
  }

  // ---- 2026 discovery ----
  const DiscoverResult = r.def(
    'DiscoverResult',
    only(modern, () =>
      rpc.result({
        ...rpc.cacheable,
        supportedVersions: z.array(z.string()),
        capabilities: id.ServerCapabilities,
        instructions: z.optional(z.string()),
      }),
    ),
  );
  const DiscoverRequest = r.def(
    'DiscoverRequest',
    only(modern, () => rpc.request('server/discover', rpc.RequestParams)),
  );
  if (DiscoverResult) r.def('DiscoverResultResponse', rpc.resultResponse(DiscoverResult));

  // ---- completion ----
  const CompleteRequestParams = r.defIf(
    named,
    'CompleteRequestParams',
    rpc.requestParams({
      ref: z.discriminatedUnion('type', [
        prompts.PromptReference,
        resources.ResourceTemplateReference,
      ]),
      argument: z.object({ name: z.string(), value: z.string() }),
      ...fields(g.since('2025-06-18'), () => ({
        context: z.optional(z.object({ arguments: z.optional(z.record(z.string(), z.string())) })),
      })),
    }),
  );
  const CompleteRequest = r.def(
    'CompleteRequest',
    rpc.request('completion/complete', CompleteRequestParams),
  );
  const CompleteResult = r.def(
    'CompleteResult',
    rpc.result({
      completion: z.object({
        values: modern ? z.array(z.string()).check(z.maxLength(100)) : z.array(z.string()),
        total: z.optional(z.number()),
        hasMore: z.optional(z.boolean()),
      }),
    }),
  );
  if (modern) r.def('CompleteResultResponse', rpc.resultResponse(CompleteResult));

  // ---- logging ----
  let SetLevelRequest: z.ZodMiniObject | undefined;
  if (!modern) {
    const SetLevelRequestParams = r.defIf(
      named,
      'SetLevelRequestParams',
      rpc.requestParams({ level: p.LoggingLevel }),
    );
    SetLevelRequest = r.def(
      'SetLevelRequest',
      rpc.request('logging/setLevel', SetLevelRequestParams),
    );
  }
  const LoggingMessageNotificationParams = r.defIf(
    named,
    'LoggingMessageNotificationParams',
    rpc.notificationParams({
      level: p.LoggingLevel,
      logger: z.optional(z.string()),
      data: z.unknown(),
    }),
  );
  const LoggingMessageNotification = r.def(
    'LoggingMessageNotification',
    rpc.notification('notifications/message', LoggingMessageNotificationParams),
  );

  // ---- cancellation and progress ----
  const CancelledNotificationParams = r.defIf(
    named,
    'CancelledNotificationParams',
    rpc.notificationParams({
      requestId: g.is('2025-11-25') ? z.optional(p.RequestId) : p.RequestId,
      reason: z.optional(z.string()),
    }),
  );
  const CancelledNotification = r.def(
    'CancelledNotification',
    rpc.notification('notifications/cancelled', CancelledNotificationParams),
  );
  const ProgressNotificationParams = r.defIf(
    named,
    'ProgressNotificationParams',
    rpc.notificationParams({
      progressToken: p.ProgressToken,
      progress: z.number(),
      total: z.optional(z.number()),
      ...fields(g.since('2025-03-26'), () => ({
        message: z.optional(z.string()),
      })),
    }),
  );
  const ProgressNotification = r.def(
    'ProgressNotification',
    rpc.notification('notifications/progress', ProgressNotificationParams),
  );

  // ---- 2026 subscriptions ----
  const SubscriptionFilter = r.def(
    'SubscriptionFilter',
    only(modern, () =>
      z.object({
        toolsListChanged: z.optional(z.boolean()),
        promptsListChanged: z.optional(z.boolean()),
        resourcesListChanged: z.optional(z.boolean()),
        resourceSubscriptions: z.optional(z.array(z.string())),
      }),
    ),
  );
  let SubscriptionsListenRequest: z.ZodMiniObject | undefined;
  let SubscriptionsListenResult: z.ZodMiniObject | undefined;
  let SubscriptionsAcknowledgedNotification: z.ZodMiniObject | undefined;
  if (SubscriptionFilter) {
    const params = r.def(
      'SubscriptionsListenRequestParams',
      rpc.requestParams({ notifications: SubscriptionFilter }),
    );
    SubscriptionsListenRequest = r.def(
      'SubscriptionsListenRequest',
      rpc.request('subscriptions/listen', params),
    );
    const listenMeta = r.def(
      'SubscriptionsListenResultMetaObject',
      z.looseObject({
        'io.modelcontextprotocol/serverInfo': z.optional(id.Implementation),
        'io.modelcontextprotocol/subscriptionId': p.RequestId,
      }),
    );
    SubscriptionsListenResult = r.def(
      'SubscriptionsListenResult',
      z.object({ _meta: listenMeta, resultType: z.string() }),
    );
    r.def('SubscriptionsListenResultResponse', rpc.resultResponse(SubscriptionsListenResult));
    const ackParams = r.def(
      'SubscriptionsAcknowledgedNotificationParams',
      rpc.notificationParams({ notifications: SubscriptionFilter }),
    );
    SubscriptionsAcknowledgedNotification = r.def(
      'SubscriptionsAcknowledgedNotification',
      rpc.notification('notifications/subscriptions/acknowledged', ackParams),
    );
  }

  return {
    InitializeRequestParams,
    InitializeRequest,
    InitializeResult,
    InitializedNotification,
    PingRequest,
    DiscoverRequest,
    DiscoverResult,
    CompleteRequestParams,
    CompleteRequest,
    CompleteResult,
    SetLevelRequest,
    LoggingMessageNotificationParams,
    LoggingMessageNotification,
    CancelledNotificationParams,
    CancelledNotification,
    ProgressNotificationParams,
    ProgressNotification,
    SubscriptionFilter,
    SubscriptionsListenRequest,
    SubscriptionsListenResult,
    SubscriptionsAcknowledgedNotification,
  };
}

export type Lifecycle = ReturnType<typeof buildLifecycle>;
