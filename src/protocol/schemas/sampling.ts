/**
 * Sampling (`sampling/createMessage`) and roots (`roots/list`): server requests, MRTR input in 2026.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, legacyFields, must, newer, only, type Gates, type Registry } from './gates.js';
import type { Content } from './content.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Primitives } from './primitives.js';
import type { Tasks } from './tasks.js';
import type { ToolDefinition } from './tool-definition.js';

export function buildSampling(
  g: Gates,
  r: Registry,
  p: Primitives,
  c: Content,
  rpc: JsonRpc,
  t: ToolDefinition,
  tasks: Tasks,
) {
  const modern = g.since('2026-07-28');
  const named = g.since('2025-11-25');

  const ModelHint = r.def('ModelHint', z.object({ name: z.optional(z.string()) }));
  const priority = z.optional(z.number().check(z.minimum(0), z.maximum(1)));
  const ModelPreferences = r.def(
    'ModelPreferences',
    z.object({
      hints: z.optional(z.array(ModelHint)),
      costPriority: priority,
      speedPriority: priority,
      intelligencePriority: priority,
    }),
  );
  const SamplingMessage = r.def(
    'SamplingMessage',
    z.object({
      role: p.Role,
      content: c.samplingContent,
      ...fields(named, () => ({
        _meta: z.optional(p.Meta),
      })),
    }),
  );
  const CreateMessageRequestParams = r.defIf(
    named,
    'CreateMessageRequestParams',
    z.object({
      ...legacyFields(!modern, () => ({
        _meta: z.optional(rpc.LegacyRequestMeta),
      })),
      messages: z.array(SamplingMessage),
      modelPreferences: z.optional(ModelPreferences),
      systemPrompt: z.optional(z.string()),
      includeContext: z.optional(z.enum(['allServers', 'none', 'thisServer'])),
      temperature: z.optional(z.number()),
      maxTokens: z.number(),
      stopSequences: z.optional(z.array(z.string())),
      metadata: z.optional(modern ? p.JSONObject : p.OpenObject),
      ...fields(named, () => ({
        tools: z.optional(z.array(t.Tool)),
        toolChoice: z.optional(t.ToolChoice),
      })),
      ...legacyFields(g.is('2025-11-25'), () => ({
        task: z.optional(must(tasks, 'tasks').TaskMetadata),
      })),
    }),
  );
  const CreateMessageRequest = r.def(
    'CreateMessageRequest',
    // 2026: a bare input request inside `InputRequiredResult`; before: a server request.
    newer(
      modern,
      () => rpc.bareRequest('sampling/createMessage', CreateMessageRequestParams),
      () => rpc.request('sampling/createMessage', CreateMessageRequestParams),
    ),
  );
  const CreateMessageResult = r.def(
    'CreateMessageResult',
    z.object({
      _meta: z.optional(p.Meta),
      role: p.Role,
      content: c.samplingContent,
      model: z.string(),
      stopReason: z.optional(z.string()),
    }),
  );

  const Root = r.def(
    'Root',
    z.object({ uri: z.string(), name: z.optional(z.string()), ...c.meta }),
  );
  const ListRootsRequest = r.def(
    'ListRootsRequest',
    newer(
      modern,
      () => rpc.bareRequest('roots/list', z.optional(z.object({ _meta: z.optional(p.Meta) }))),
      () => rpc.request('roots/list', rpc.emptyRequestParams),
    ),
  );
  const ListRootsResult = r.def(
    'ListRootsResult',
    z.object({
      ...legacyFields(!modern, () => ({
        _meta: z.optional(p.Meta),
      })),
      roots: z.array(Root),
    }),
  );
  const RootsListChangedNotification = r.def(
    'RootsListChangedNotification',
    only(!modern, () =>
      rpc.notification('notifications/roots/list_changed', rpc.emptyNotificationParams),
    ),
  );

  return {
    ModelPreferences,
    SamplingMessage,
    CreateMessageRequestParams,
    CreateMessageRequest,
    CreateMessageResult,
    Root,
    ListRootsRequest,
    ListRootsResult,
    RootsListChangedNotification,
  };
}

export type Sampling = ReturnType<typeof buildSampling>;
