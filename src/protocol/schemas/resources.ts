/**
 * Resources: list, templates, read, subscribe (legacy) and their notifications.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { type Gates, type Registry } from './gates.js';
import type { Content } from './content.js';
import type { Identity } from './identity.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Mrtr } from './mrtr.js';

export function buildResources(
  g: Gates,
  r: Registry,
  id: Identity,
  c: Content,
  rpc: JsonRpc,
  mrtr: Mrtr,
) {
  const modern = g.since('2026-07-28');
  const named = g.since('2025-11-25');

  const Resource = r.def('Resource', z.object(c.resourceFields));
  const ResourceTemplate = r.def(
    'ResourceTemplate',
    z.object({
      uriTemplate: z.string(),
      name: z.string(),
      ...id.title,
      description: z.optional(z.string()),
      mimeType: z.optional(z.string()),
      ...c.annotations,
      ...id.icons,
      ...c.meta,
    }),
  );
  const ResourceTemplateReference = r.def(
    g.since('2025-06-18') ? 'ResourceTemplateReference' : 'ResourceReference',
    z.object({ type: z.literal('ref/resource'), uri: z.string() }),
  );

  const ListResourcesRequest = r.def('ListResourcesRequest', rpc.listRequest('resources/list'));
  const ListResourcesResult = r.def(
    'ListResourcesResult',
    rpc.listResult({ resources: z.array(Resource) }),
  );
  const ListResourceTemplatesRequest = r.def(
    'ListResourceTemplatesRequest',
    rpc.listRequest('resources/templates/list'),
  );
  const ListResourceTemplatesResult = r.def(
    'ListResourceTemplatesResult',
    rpc.listResult({ resourceTemplates: z.array(ResourceTemplate) }),
  );

  const uri = { uri: z.string() };
  r.defIf(named, 'ResourceRequestParams', rpc.requestParams(uri));
  const ReadResourceRequestParams = r.defIf(
    named,
    'ReadResourceRequestParams',
    rpc.requestParams({ ...uri, ...mrtr.retryFields }),
  );
  const ReadResourceRequest = r.def(
    'ReadResourceRequest',
    rpc.request('resources/read', ReadResourceRequestParams),
  );
  const ReadResourceResult = r.def(
    'ReadResourceResult',
    rpc.result({ contents: z.array(c.resourceContents), ...rpc.cacheable }),
  );

  let SubscribeRequest: z.ZodMiniObject | undefined;
  let UnsubscribeRequest: z.ZodMiniObject | undefined;
  if (!modern) {
    const SubscribeRequestParams = r.defIf(named, 'SubscribeRequestParams', rpc.requestParams(uri));
    const UnsubscribeRequestParams = r.defIf(
      named,
      'UnsubscribeRequestParams',
      rpc.requestParams(uri),
    );
    SubscribeRequest = r.def(
      'SubscribeRequest',
      rpc.request('resources/subscribe', SubscribeRequestParams),
    );
    UnsubscribeRequest = r.def(
      'UnsubscribeRequest',
      rpc.request('resources/unsubscribe', UnsubscribeRequestParams),
    );
  }

  const ResourceListChangedNotification = r.def(
    'ResourceListChangedNotification',
    rpc.notification('notifications/resources/list_changed', rpc.emptyNotificationParams),
  );
  const ResourceUpdatedNotificationParams = r.defIf(
    named,
    'ResourceUpdatedNotificationParams',
    rpc.notificationParams(uri),
  );
  const ResourceUpdatedNotification = r.def(
    'ResourceUpdatedNotification',
    rpc.notification('notifications/resources/updated', ResourceUpdatedNotificationParams),
  );

  if (modern) {
    r.def('ListResourcesResultResponse', rpc.resultResponse(ListResourcesResult));
    r.def('ListResourceTemplatesResultResponse', rpc.resultResponse(ListResourceTemplatesResult));
    r.def(
      'ReadResourceResultResponse',
      rpc.resultResponse(mrtr.orInputRequired(ReadResourceResult)),
    );
  }

  return {
    Resource,
    ResourceTemplate,
    ResourceTemplateReference,
    ListResourcesRequest,
    ListResourcesResult,
    ListResourceTemplatesRequest,
    ListResourceTemplatesResult,
    ReadResourceRequestParams,
    ReadResourceRequest,
    ReadResourceResult,
    SubscribeRequest,
    UnsubscribeRequest,
    ResourceListChangedNotification,
    ResourceUpdatedNotificationParams,
    ResourceUpdatedNotification,
  };
}

export type Resources = ReturnType<typeof buildResources>;
