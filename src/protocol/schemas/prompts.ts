/**
 * Prompts: `prompts/list`, `prompts/get`.
 *
 * Size: the build function is a table, one `r.def` per named schema of this group, each gated
 * by revision and referring to the ones before it; its inferred return type is the module's
 * typed surface. Cutting it in pieces would only add hand-written types between them.
 */
import * as z from './zod.js';
import { fields, type Gates, type Registry } from './gates.js';
import type { Content } from './content.js';
import type { Identity } from './identity.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Mrtr } from './mrtr.js';
import type { Primitives } from './primitives.js';

export function buildPrompts(
  g: Gates,
  r: Registry,
  p: Primitives,
  id: Identity,
  c: Content,
  rpc: JsonRpc,
  mrtr: Mrtr,
) {
  const modern = g.since('2026-07-28');

  const PromptArgument = r.def(
    'PromptArgument',
    z.object({
      name: z.string(),
      ...id.title,
      description: z.optional(z.string()),
      required: z.optional(z.boolean()),
    }),
  );
  const Prompt = r.def(
    'Prompt',
    z.object({
      name: z.string(),
      ...id.title,
      description: z.optional(z.string()),
      arguments: z.optional(z.array(PromptArgument)),
      ...id.icons,
      ...fields(g.since('2025-06-18'), () => ({ _meta: z.optional(p.Meta) })),
    }),
  );
  const PromptMessage = r.def('PromptMessage', z.object({ role: p.Role, content: c.ContentBlock }));
  const PromptReference = r.def(
    'PromptReference',
    z.object({ type: z.literal('ref/prompt'), name: z.string(), ...id.title }),
  );

  const ListPromptsRequest = r.def('ListPromptsRequest', rpc.listRequest('prompts/list'));
  const ListPromptsResult = r.def(
    'ListPromptsResult',
    rpc.listResult({ prompts: z.array(Prompt) }),
  );
  const GetPromptRequestParams = r.defIf(
    g.since('2025-11-25'),
    'GetPromptRequestParams',
    rpc.requestParams({
      name: z.string(),
      arguments: z.optional(z.record(z.string(), z.string())),
      ...mrtr.retryFields,
    }),
  );
  const GetPromptRequest = r.def(
    'GetPromptRequest',
    rpc.request('prompts/get', GetPromptRequestParams),
  );
  const GetPromptResult = r.def(
    'GetPromptResult',
    rpc.result({ description: z.optional(z.string()), messages: z.array(PromptMessage) }),
  );
  const PromptListChangedNotification = r.def(
    'PromptListChangedNotification',
    rpc.notification('notifications/prompts/list_changed', rpc.emptyNotificationParams),
  );
  if (modern) {
    r.def('ListPromptsResultResponse', rpc.resultResponse(ListPromptsResult));
    r.def('GetPromptResultResponse', rpc.resultResponse(mrtr.orInputRequired(GetPromptResult)));
  }

  return {
    PromptArgument,
    Prompt,
    PromptMessage,
    PromptReference,
    ListPromptsRequest,
    ListPromptsResult,
    GetPromptRequestParams,
    GetPromptRequest,
    GetPromptResult,
    PromptListChangedNotification,
  };
}

export type Prompts = ReturnType<typeof buildPrompts>;
