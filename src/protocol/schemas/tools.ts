/** Tool definitions, `tools/list` and `tools/call`. */
import * as z from 'zod';
import { fields, legacyFields, must, newer, only, type Gates, type Registry } from './gates.js';
import type { Content } from './content.js';
import type { Identity } from './identity.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Mrtr } from './mrtr.js';
import type { Primitives } from './primitives.js';
import type { Tasks } from './tasks.js';

/**
 * `Tool` and the types it uses. JSON Schemas (`inputSchema`, `outputSchema`) are open objects:
 * every keyword is kept; only the members the official schema types are checked.
 */
export function buildToolDefinition(g: Gates, r: Registry, p: Primitives, id: Identity) {
  const modern = g.since('2026-07-28');

  const ToolAnnotations = r.defIf(
    g.since('2025-03-26'),
    'ToolAnnotations',
    z.object({
      title: z.optional(z.string()),
      readOnlyHint: z.optional(z.boolean()),
      destructiveHint: z.optional(z.boolean()),
      idempotentHint: z.optional(z.boolean()),
      openWorldHint: z.optional(z.boolean()),
    }),
  );
  const ToolExecution = r.def(
    'ToolExecution',
    only(g.is('2025-11-25'), () =>
      z.object({ taskSupport: z.optional(z.enum(['forbidden', 'optional', 'required'])) }),
    ),
  );
  const ToolChoice = r.defIf(
    g.since('2025-11-25'),
    'ToolChoice',
    z.object({ mode: z.optional(z.enum(['auto', 'none', 'required'])) }),
  );

  /** Until 2025-11-25: an object schema with typed `properties`/`required` (and `$schema` in 11-25). */
  const legacyObjectSchema = () =>
    z.looseObject({
      ...fields(g.since('2025-11-25'), () => ({ $schema: z.optional(z.string()) })),
      type: z.literal('object'),
      properties: z.optional(z.record(z.string(), p.OpenObject)),
      required: z.optional(z.array(z.string())),
    });
  /**
   * 2026: a JSON Schema object with `type: "object"`; before: the same with `properties` and
   * `required` typed. Older values are values of the newer type.
   */
  const inputSchema = newer(
    modern,
    () => z.looseObject({ $schema: z.optional(z.string()), type: z.literal('object') }),
    legacyObjectSchema,
  );
  /** 2026: any JSON Schema object; before: an object schema like `inputSchema`. */
  const outputSchema = newer(
    modern,
    () => z.looseObject({ $schema: z.optional(z.string()) }),
    legacyObjectSchema,
  );

  const Tool = r.def(
    'Tool',
    z.object({
      name: z.string(),
      ...id.title,
      description: z.optional(z.string()),
      inputSchema,
      ...fields(g.since('2025-06-18'), () => ({
        outputSchema: z.optional(outputSchema),
      })),
      ...fields(g.since('2025-03-26'), () => ({
        annotations: z.optional(ToolAnnotations),
      })),
      ...id.icons,
      ...legacyFields(g.is('2025-11-25'), () => ({
        execution: z.optional(must(ToolExecution, 'ToolExecution')),
      })),
      ...fields(g.since('2025-06-18'), () => ({
        _meta: z.optional(p.Meta),
      })),
    }),
  );
  return { ToolAnnotations, ToolChoice, Tool };
}

export type ToolDefinition = ReturnType<typeof buildToolDefinition>;

export function buildTools(
  g: Gates,
  r: Registry,
  c: Content,
  rpc: JsonRpc,
  t: ToolDefinition,
  tasks: Tasks,
  mrtr: Mrtr,
) {
  const modern = g.since('2026-07-28');
  const named = g.since('2025-11-25');

  const ListToolsRequest = r.def('ListToolsRequest', rpc.listRequest('tools/list'));
  const ListToolsResult = r.def('ListToolsResult', rpc.listResult({ tools: z.array(t.Tool) }));

  const CallToolRequestParams = r.defIf(
    named,
    'CallToolRequestParams',
    rpc.requestParams({
      name: z.string(),
      arguments: z.optional(z.record(z.string(), z.unknown())),
      ...legacyFields(g.is('2025-11-25'), () => ({
        task: z.optional(must(tasks, 'tasks').TaskMetadata),
      })),
      ...mrtr.retryFields,
    }),
  );
  const CallToolRequest = r.def(
    'CallToolRequest',
    rpc.request('tools/call', CallToolRequestParams),
  );
  const CallToolResult = r.def(
    'CallToolResult',
    rpc.result({
      content: z.array(c.ContentBlock),
      ...fields(g.since('2025-06-18'), () => ({
        structuredContent: c.structuredContent,
      })),
      isError: z.optional(z.boolean()),
    }),
  );
  const ToolListChangedNotification = r.def(
    'ToolListChangedNotification',
    rpc.notification('notifications/tools/list_changed', rpc.emptyNotificationParams),
  );

  if (modern) {
    r.def('ListToolsResultResponse', rpc.resultResponse(ListToolsResult));
    r.def('CallToolResultResponse', rpc.resultResponse(mrtr.orInputRequired(CallToolResult)));
  }

  return {
    ListToolsRequest,
    ListToolsResult,
    CallToolRequestParams,
    CallToolRequest,
    CallToolResult,
    ToolListChangedNotification,
  };
}

export type Tools = ReturnType<typeof buildTools>;
