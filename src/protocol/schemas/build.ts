/**
 * Builds every schema of one protocol revision: the official types by name, the method tables of
 * both directions, and the schemas the client validates response results with.
 */
import * as z from './zod.js';
import type { Revision } from '../revisions.js';
import { buildContent, type Content } from './content.js';
import { buildElicitation, type Elicitation } from './elicitation.js';
import { gatesFor, must, Registry, type Gates } from './gates.js';
import { buildIdentity, type Identity } from './identity.js';
import { buildJsonRpc, type JsonRpc } from './jsonrpc.js';
import { buildLifecycle, type Lifecycle } from './lifecycle.js';
import { buildMrtr, type Mrtr } from './mrtr.js';
import { buildPrimitives, type Primitives } from './primitives.js';
import { buildPrompts, type Prompts } from './prompts.js';
import { buildResources, type Resources } from './resources.js';
import { buildSampling, type Sampling } from './sampling.js';
import { buildTasks, type Tasks } from './tasks.js';
import { buildToolDefinition, type ToolDefinition } from './tool-definition.js';
import { buildTools, type Tools } from './tools.js';

/** Schemas of one method: `params` (optional where the revision allows omitting them), `result`. */
export interface MethodSchemas {
  readonly params: z.ZodMiniType;
  readonly result?: z.ZodMiniType;
}

export interface RequestSchemas extends MethodSchemas {
  readonly result: z.ZodMiniType;
}

export interface RevisionSchemas {
  readonly revision: Revision;
  /** One schema per `definitions`/`$defs` key of the revision's schema.json, official names. */
  readonly types: Readonly<Record<string, z.ZodMiniType>>;
  /** Requests the client sends (the `ClientRequest` union), with their official result types. */
  readonly clientRequests: Readonly<Record<string, RequestSchemas>>;
  /** Notifications the client sends (`ClientNotification`). */
  readonly clientNotifications: Readonly<Record<string, MethodSchemas>>;
  /** Requests the server sends (`ServerRequest`; none in 2026-07-28), results the client returns. */
  readonly serverRequests: Readonly<Record<string, RequestSchemas>>;
  /** Notifications the server sends (`ServerNotification`). */
  readonly serverNotifications: Readonly<Record<string, MethodSchemas>>;
  /**
   * What the client validates the result of each of its requests with (see `resultSchemaFor`).
   * Up to 2025-11-25 this is the official result type. In 2026-07-28 `resultType` is required by
   * the schema, but a client must read an absent `resultType` as `"complete"` and must reject any
   * value it does not know: these schemas accept an absent `resultType` (output `"complete"`),
   * accept only `"complete"` otherwise, and for `tools/call`, `prompts/get` and `resources/read`
   * also accept an `InputRequiredResult` (`resultType: "input_required"` with `inputRequests` or
   * `requestState`, at least one of which the spec requires). The caching hints `ttlMs` and
   * `cacheScope` are optional here (the caching rules read an absent or negative `ttlMs` as 0).
   */
  readonly responseResults: Readonly<Record<string, z.ZodMiniType>>;
  /**
   * What the client's answers are checked with before they are sent, by method: the results of
   * the server requests (up to 2025-11-25) or of the input requests (2026-07-28), the official
   * result types.
   */
  readonly clientAnswers: Readonly<Record<string, z.ZodMiniType>>;
}

type Req = z.ZodMiniObject;

/** A request's or notification's `params` (every member of a shape built here is a mini type). */
function paramsOf(message: Req): z.ZodMiniType | undefined {
  return message.shape['params'] as z.ZodMiniType | undefined;
}
type Entry = readonly [request: Req | undefined, result: z.ZodMiniType | undefined];

function methodOf(request: Req): string {
  const literal = request.shape['method'];
  const method = literal instanceof z.ZodMiniLiteral ? literal._zod.def.values : [];
  if (method.length !== 1 || typeof method[0] !== 'string') {
    throw new Error('request schema without a method literal');
  }
  return method[0];
}

function methodUnion(members: readonly Req[]): z.ZodMiniType {
  return z.discriminatedUnion('method', members as unknown as [Req, ...Req[]]);
}

/**
 * The typed schemas of one revision, by module (named, not inferred, so that the declaration
 * files refer to each module's types instead of writing them all out again).
 */
export interface Defs {
  readonly g: Gates;
  readonly r: Registry;
  readonly p: Primitives;
  readonly id: Identity;
  readonly rpc: JsonRpc;
  readonly c: Content;
  readonly tasks: Tasks;
  readonly td: ToolDefinition;
  readonly s: Sampling;
  readonly e: Elicitation;
  readonly mrtr: Mrtr;
  readonly tools: Tools;
  readonly prompts: Prompts;
  readonly resources: Resources;
  readonly life: Lifecycle;
}

/** The typed schemas of one revision (types describe what a value may hold in any revision). */
export function buildDefs(revision: Revision): Defs {
  z.setDefaults();
  const g = gatesFor(revision);
  const r = new Registry();
  const p = buildPrimitives(g, r);
  const id = buildIdentity(g, r, p);
  const rpc = buildJsonRpc(g, r, p, id);
  const c = buildContent(g, r, p, id);
  const tasks = buildTasks(g, r, p, rpc);
  const td = buildToolDefinition(g, r, p, id);
  const s = buildSampling(g, r, p, c, rpc, td, tasks);
  const e = buildElicitation(g, r, p, rpc, tasks);
  const mrtr = buildMrtr(g, r, rpc, s, e);
  const tools = buildTools(g, r, c, rpc, td, tasks, mrtr);
  const prompts = buildPrompts(g, r, p, id, c, rpc, mrtr);
  const resources = buildResources(g, r, id, c, rpc, mrtr);
  const life = buildLifecycle(g, r, p, id, rpc, prompts, resources);
  return { g, r, p, id, rpc, c, tasks, td, s, e, mrtr, tools, prompts, resources, life };
}

/** Every schema of `revision`: the types by name, the method tables, the result checks. */
export function buildSchemas(revision: Revision): RevisionSchemas {
  const d = buildDefs(revision);
  const lists = methodLists(d);
  const clientRequests = requestTable(lists.clientRequestEntries);
  const serverRequests = requestTable(lists.serverRequestEntries);
  const clientNotifications = notificationTable(lists.clientNotificationList);
  const serverNotifications = notificationTable(lists.serverNotificationList);
  defineUnions(d, {
    clientRequests: clientRequests.members,
    clientNotifications: clientNotifications.members,
    serverRequests: serverRequests.members,
    serverNotifications: serverNotifications.members,
  });
  const responseResults = responseResultsOf(d, clientRequests.table);
  const clientAnswers = clientAnswersOf(d, serverRequests.table);
  return {
    revision,
    types: d.r.types,
    clientRequests: clientRequests.table,
    clientNotifications: clientNotifications.table,
    serverRequests: serverRequests.table,
    serverNotifications: serverNotifications.table,
    responseResults,
    clientAnswers,
  };
}

/** The requests (with their results) and notifications of each direction, in schema.json's order. */
function methodLists(d: Defs): {
  clientRequestEntries: Entry[];
  serverRequestEntries: Entry[];
  clientNotificationList: (z.ZodMiniType | undefined)[];
  serverNotificationList: (z.ZodMiniType | undefined)[];
} {
  const { g, rpc, s, e, mrtr, tools, prompts, resources, life, tasks } = d;
  const modern = g.since('2026-07-28');
  const empty = rpc.Result;
  /** MRTR-capable requests may answer with an `InputRequiredResult` (2026). */
  const mrtrResult = (complete: z.ZodMiniType) =>
    modern ? mrtr.orInputRequired(complete) : complete;

  const clientRequestEntries: Entry[] = [
    [life.InitializeRequest, life.InitializeResult],
    [life.PingRequest, empty],
    [life.DiscoverRequest, life.DiscoverResult],
    [resources.ListResourcesRequest, resources.ListResourcesResult],
    [resources.ListResourceTemplatesRequest, resources.ListResourceTemplatesResult],
    [resources.ReadResourceRequest, mrtrResult(resources.ReadResourceResult)],
    [resources.SubscribeRequest, empty],
    [resources.UnsubscribeRequest, empty],
    [life.SubscriptionsListenRequest, life.SubscriptionsListenResult],
    [prompts.ListPromptsRequest, prompts.ListPromptsResult],
    [prompts.GetPromptRequest, mrtrResult(prompts.GetPromptResult)],
    [tools.ListToolsRequest, tools.ListToolsResult],
    [tools.CallToolRequest, mrtrResult(tools.CallToolResult)],
    [tasks?.GetTaskRequest, tasks?.GetTaskResult],
    [tasks?.GetTaskPayloadRequest, tasks?.GetTaskPayloadResult],
    [tasks?.CancelTaskRequest, tasks?.CancelTaskResult],
    [tasks?.ListTasksRequest, tasks?.ListTasksResult],
    [life.SetLevelRequest, empty],
    [life.CompleteRequest, life.CompleteResult],
  ];
  const serverRequestEntries: Entry[] = modern
    ? []
    : [
        [life.PingRequest, empty],
        [tasks?.GetTaskRequest, tasks?.GetTaskResult],
        [tasks?.GetTaskPayloadRequest, tasks?.GetTaskPayloadResult],
        [tasks?.CancelTaskRequest, tasks?.CancelTaskResult],
        [tasks?.ListTasksRequest, tasks?.ListTasksResult],
        [s.CreateMessageRequest, s.CreateMessageResult],
        [s.ListRootsRequest, s.ListRootsResult],
        [e?.ElicitRequest, e?.ElicitResult],
      ];
  const clientNotificationList = [
    life.CancelledNotification,
    life.InitializedNotification,
    modern ? undefined : life.ProgressNotification,
    tasks?.TaskStatusNotification,
    s.RootsListChangedNotification,
  ];
  const serverNotificationList = [
    life.CancelledNotification,
    life.ProgressNotification,
    resources.ResourceListChangedNotification,
    life.SubscriptionsAcknowledgedNotification,
    resources.ResourceUpdatedNotification,
    prompts.PromptListChangedNotification,
    tools.ToolListChangedNotification,
    tasks?.TaskStatusNotification,
    life.LoggingMessageNotification,
    e?.ElicitationCompleteNotification,
  ];

  return {
    clientRequestEntries,
    serverRequestEntries,
    clientNotificationList,
    serverNotificationList,
  };
}

/** The request schemas of a direction by method, and the requests for its union. */
function requestTable(entries: readonly Entry[]): {
  table: Record<string, RequestSchemas>;
  members: Req[];
} {
  const table: Record<string, RequestSchemas> = {};
  const members: Req[] = [];
  for (const [request, result] of entries) {
    if (!request) continue;
    const method = methodOf(request);
    table[method] = {
      params: must(paramsOf(request), method),
      result: must(result, method),
    };
    members.push(request);
  }
  return { table, members };
}

/** The notification schemas of a direction by method, and the notifications for its union. */
function notificationTable(list: readonly (z.ZodMiniType | undefined)[]): {
  table: Record<string, MethodSchemas>;
  members: Req[];
} {
  const table: Record<string, MethodSchemas> = {};
  const members: Req[] = [];
  for (const notification of list) {
    if (!notification) continue;
    const n = notification as Req;
    table[methodOf(n)] = { params: must(paramsOf(n), methodOf(n)) };
    members.push(n);
  }
  return { table, members };
}

/** Defines the unions of schema.json (2026 `ClientNotification` is the cancelled notification itself). */
function defineUnions(
  d: Defs,
  members: {
    clientRequests: Req[];
    clientNotifications: Req[];
    serverRequests: Req[];
    serverNotifications: Req[];
  },
): void {
  const { g, r, rpc, s, e, mrtr, tools, prompts, resources, life, tasks } = d;
  const modern = g.since('2026-07-28');
  r.def('ClientRequest', methodUnion(members.clientRequests));
  r.def(
    'ClientNotification',
    modern ? life.CancelledNotification : methodUnion(members.clientNotifications),
  );
  if (!modern) r.def('ServerRequest', methodUnion(members.serverRequests));
  r.def('ServerNotification', methodUnion(members.serverNotifications));
  r.def(
    'ClientResult',
    modern
      ? rpc.Result
      : z.union([
          rpc.Result,
          ...[
            tasks?.GetTaskResult,
            tasks?.GetTaskPayloadResult,
            tasks?.CancelTaskResult,
            tasks?.ListTasksResult,
            s.CreateMessageResult,
            s.ListRootsResult,
            e?.ElicitResult,
          ].filter((x) => x !== undefined),
        ]),
  );
  r.def(
    'ServerResult',
    z.union([
      rpc.Result,
      ...[
        mrtr.InputRequiredResult,
        life.InitializeResult,
        life.DiscoverResult,
        resources.ListResourcesResult,
        resources.ListResourceTemplatesResult,
        resources.ReadResourceResult,
        life.SubscriptionsListenResult,
        prompts.ListPromptsResult,
        prompts.GetPromptResult,
        tools.ListToolsResult,
        tools.CallToolResult,
        tasks?.GetTaskResult,
        tasks?.GetTaskPayloadResult,
        tasks?.CancelTaskResult,
        tasks?.ListTasksResult,
        life.CompleteResult,
      ].filter((x) => x !== undefined),
    ]),
  );
}

/** What the client validates each of its requests' results with (see `RevisionSchemas.responseResults`). */
function responseResultsOf(
  d: Defs,
  clientRequests: Readonly<Record<string, RequestSchemas>>,
): Record<string, z.ZodMiniType> {
  const { g, mrtr, tools, prompts, resources, life } = d;
  const modern = g.since('2026-07-28');
  const responseResults: Record<string, z.ZodMiniType> = {};
  if (modern) {
    // See RevisionSchemas.responseResults.
    const complete = (result: z.ZodMiniObject) =>
      z.extend(result, {
        resultType: z._default(z.literal('complete'), 'complete'),
        // Caching hints: absent (older servers) or negative means "stale at once" to the cache.
        ...('ttlMs' in result.shape
          ? { ttlMs: z.optional(z.number()), cacheScope: z.optional(z.enum(['private', 'public'])) }
          : {}),
      });
    const inputRequired = z.extend(must(mrtr.InputRequiredResult, 'InputRequiredResult'), {
      resultType: z.literal('input_required'),
    });
    const anyInputRequired = z.union([
      z.extend(inputRequired, { inputRequests: must(mrtr.InputRequests, 'InputRequests') }),
      z.extend(inputRequired, { requestState: z.string() }),
    ]);
    const completes: readonly (readonly [Req | undefined, z.ZodMiniObject | undefined, boolean])[] =
      [
        [life.DiscoverRequest, life.DiscoverResult, false],
        [resources.ListResourcesRequest, resources.ListResourcesResult, false],
        [resources.ListResourceTemplatesRequest, resources.ListResourceTemplatesResult, false],
        [resources.ReadResourceRequest, resources.ReadResourceResult, true],
        [life.SubscriptionsListenRequest, life.SubscriptionsListenResult, false],
        [prompts.ListPromptsRequest, prompts.ListPromptsResult, false],
        [prompts.GetPromptRequest, prompts.GetPromptResult, true],
        [tools.ListToolsRequest, tools.ListToolsResult, false],
        [tools.CallToolRequest, tools.CallToolResult, true],
        [life.CompleteRequest, life.CompleteResult, false],
      ];
    for (const [request, result, canAskForInput] of completes) {
      const method = methodOf(must(request, 'request'));
      const done = complete(must(result, method));
      responseResults[method] = canAskForInput ? z.union([done, anyInputRequired]) : done;
    }
  } else {
    for (const [method, entry] of Object.entries(clientRequests)) {
      responseResults[method] = entry.result;
    }
  }

  return responseResults;
}

/** What the client's answers are checked with (see `RevisionSchemas.clientAnswers`). */
function clientAnswersOf(
  d: Defs,
  serverRequests: Readonly<Record<string, RequestSchemas>>,
): Record<string, z.ZodMiniType> {
  const { g, s, e } = d;
  const modern = g.since('2026-07-28');
  const clientAnswers: Record<string, z.ZodMiniType> = {};
  if (modern) {
    clientAnswers['sampling/createMessage'] = s.CreateMessageResult;
    clientAnswers['roots/list'] = s.ListRootsResult;
  } else {
    for (const [method, entry] of Object.entries(serverRequests)) {
      clientAnswers[method] = entry.result;
    }
  }
  if (e !== undefined) clientAnswers['elicitation/create'] = e.ElicitResult;

  return clientAnswers;
}
