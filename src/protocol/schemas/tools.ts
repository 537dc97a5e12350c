/** `tools/list` and `tools/call` (the tool definition itself: tool-definition.ts). */
import * as z from './zod.js';
import { fields, legacyFields, must, type Gates, type Registry } from './gates.js';
import type { Content } from './content.js';
import type { JsonRpc } from './jsonrpc.js';
import type { Mrtr } from './mrtr.js';
import type { Tasks } from './tasks.js';
import type { ToolDefinition } from './tool-definition.js';

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
