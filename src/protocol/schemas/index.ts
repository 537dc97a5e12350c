/**
 * zod schemas for every message of every supported protocol revision.
 *
 * Nothing is built at import time: `schemasFor(revision)` builds a revision's schemas on first use
 * and memoises them. Parsing strips members the revision does not define (so a field only a later
 * revision knows never leaks into an older revision's output), while free-form JSON (`_meta`,
 * JSON Schemas, tool arguments, structured content, open capability objects) is kept whole.
 *
 * The exported TypeScript types are inferred from the schemas and describe the newest revision's
 * shapes (types that a revision removed describe their last revision).
 */
import type { z } from 'zod';
import type { Revision } from '../revisions.js';
import { buildSchemas, type Defs, type RevisionSchemas } from './build.js';

export type { MethodSchemas, RequestSchemas, RevisionSchemas } from './build.js';
export type { JSONValue } from './primitives.js';

const cache = new Map<Revision, RevisionSchemas>();

/** The schemas of `revision`, built on first use and memoised. */
export function schemasFor(revision: Revision): RevisionSchemas {
  let schemas = cache.get(revision);
  if (!schemas) {
    schemas = buildSchemas(revision);
    cache.set(revision, schemas);
  }
  return schemas;
}

/** Revisions whose schemas have been built so far (for tests and diagnostics). */
export function builtRevisions(): Revision[] {
  return [...cache.keys()];
}

/**
 * The schema the client validates the result of its request `method` with, on `revision`;
 * `undefined` when the revision has no such client request. See
 * `RevisionSchemas.responseResults`: on 2026-07-28 an absent `resultType` reads as `"complete"`,
 * an unknown one is rejected, and `tools/call`, `prompts/get`, `resources/read` may answer with
 * an `InputRequiredResult`.
 */
export function resultSchemaFor<M extends keyof ResultsByMethod>(
  revision: Revision,
  method: M,
): z.ZodType<ResultsByMethod[M]> | undefined;
export function resultSchemaFor(revision: Revision, method: string): z.ZodType | undefined;
export function resultSchemaFor(revision: Revision, method: string): z.ZodType | undefined {
  return schemasFor(revision).responseResults[method];
}

// ---- inferred types ----

type Out<T> = z.output<NonNullable<T>>;

export type RequestId = Out<Defs['p']['RequestId']>;
export type ProgressToken = Out<Defs['p']['ProgressToken']>;
export type Role = Out<Defs['p']['Role']>;
export type LoggingLevel = Out<Defs['p']['LoggingLevel']>;

export type Icon = Out<Defs['id']['Icon']>;
export type Implementation = Out<Defs['id']['Implementation']>;
export type ClientCapabilities = Out<Defs['id']['ClientCapabilities']>;
export type ServerCapabilities = Out<Defs['id']['ServerCapabilities']>;

export type RequestMetaObject = Out<Defs['rpc']['RequestMetaObject']>;
export type NotificationMetaObject = Out<Defs['rpc']['NotificationMetaObject']>;
export type ResultMetaObject = Out<Defs['rpc']['ResultMetaObject']>;
export type Result = Out<Defs['rpc']['Result']>;
export type EmptyResult = Result;

export type Annotations = Out<Defs['c']['Annotations']>;
export type TextContent = Out<Defs['c']['TextContent']>;
export type ImageContent = Out<Defs['c']['ImageContent']>;
export type AudioContent = Out<Defs['c']['AudioContent']>;
export type ResourceLink = Out<Defs['c']['ResourceLink']>;
export type EmbeddedResource = Out<Defs['c']['EmbeddedResource']>;
export type TextResourceContents = Out<Defs['c']['TextResourceContents']>;
export type BlobResourceContents = Out<Defs['c']['BlobResourceContents']>;
export type ContentBlock = Out<Defs['c']['ContentBlock']>;
export type ToolUseContent = Out<Defs['c']['ToolUseContent']>;
export type ToolResultContent = Out<Defs['c']['ToolResultContent']>;
export type SamplingMessageContentBlock = Out<Defs['c']['SamplingMessageContentBlock']>;

export type Tool = Out<Defs['td']['Tool']>;
export type ToolAnnotations = Out<Defs['td']['ToolAnnotations']>;
export type ToolChoice = Out<Defs['td']['ToolChoice']>;
export type ListToolsResult = Out<Defs['tools']['ListToolsResult']>;
export type CallToolRequestParams = Out<Defs['tools']['CallToolRequestParams']>;
export type CallToolResult = Out<Defs['tools']['CallToolResult']>;

export type Prompt = Out<Defs['prompts']['Prompt']>;
export type PromptMessage = Out<Defs['prompts']['PromptMessage']>;
export type PromptReference = Out<Defs['prompts']['PromptReference']>;
export type ListPromptsResult = Out<Defs['prompts']['ListPromptsResult']>;
export type GetPromptRequestParams = Out<Defs['prompts']['GetPromptRequestParams']>;
export type GetPromptResult = Out<Defs['prompts']['GetPromptResult']>;

export type Resource = Out<Defs['resources']['Resource']>;
export type ResourceTemplate = Out<Defs['resources']['ResourceTemplate']>;
export type ResourceTemplateReference = Out<Defs['resources']['ResourceTemplateReference']>;
export type ListResourcesResult = Out<Defs['resources']['ListResourcesResult']>;
export type ListResourceTemplatesResult = Out<Defs['resources']['ListResourceTemplatesResult']>;
export type ReadResourceRequestParams = Out<Defs['resources']['ReadResourceRequestParams']>;
export type ReadResourceResult = Out<Defs['resources']['ReadResourceResult']>;

export type InitializeRequestParams = Out<Defs['life']['InitializeRequestParams']>;
export type InitializeResult = Out<Defs['life']['InitializeResult']>;
export type DiscoverResult = Out<Defs['life']['DiscoverResult']>;
export type CompleteRequestParams = Out<Defs['life']['CompleteRequestParams']>;
export type CompleteResult = Out<Defs['life']['CompleteResult']>;
export type LoggingMessageNotificationParams = Out<
  Defs['life']['LoggingMessageNotificationParams']
>;
export type CancelledNotificationParams = Out<Defs['life']['CancelledNotificationParams']>;
export type ProgressNotificationParams = Out<Defs['life']['ProgressNotificationParams']>;
export type SubscriptionFilter = Out<Defs['life']['SubscriptionFilter']>;
export type SubscriptionsListenResult = Out<Defs['life']['SubscriptionsListenResult']>;

export type ModelPreferences = Out<Defs['s']['ModelPreferences']>;
export type SamplingMessage = Out<Defs['s']['SamplingMessage']>;
/** The params of `sampling/createMessage` (what a sampling callback receives). */
export type CreateMessageRequestParams = Out<Defs['s']['CreateMessageRequestParams']>;
/** The answer to `sampling/createMessage`: the model's reply. */
export type CreateMessageResult = Out<Defs['s']['CreateMessageResult']>;
export type Root = Out<Defs['s']['Root']>;
/** The answer to `roots/list`. */
export type ListRootsResult = Out<Defs['s']['ListRootsResult']>;

type Elicit = NonNullable<Defs['e']>;
/** The params of a form-mode `elicitation/create` (what a form elicitation callback receives). */
export type ElicitRequestFormParams = Out<Elicit['ElicitRequestFormParams']>;
/** The params of a URL-mode `elicitation/create` (MCP 2025-11-25 and later). */
export type ElicitRequestURLParams = Out<Elicit['ElicitRequestURLParams']>;
/** The params of `elicitation/create`, in either mode. */
export type ElicitRequestParams = Out<Elicit['ElicitRequestParams']>;
/** The answer to `elicitation/create`: `action` accept, decline or cancel, and the form's `content`. */
export type ElicitResult = Out<Elicit['ElicitResult']>;

export type InputRequest = Out<Defs['mrtr']['InputRequest']>;
export type InputRequests = Out<Defs['mrtr']['InputRequests']>;
export type InputResponse = Out<Defs['mrtr']['InputResponse']>;
export type InputResponses = Out<Defs['mrtr']['InputResponses']>;
export type InputRequiredResult = Out<Defs['mrtr']['InputRequiredResult']>;

/**
 * A complete result as `resultSchemaFor` outputs it: `resultType` is `"complete"` on 2026 and
 * absent before; 2026 caching hints may be absent.
 */
export type Complete<T> = T extends { ttlMs: number }
  ? Omit<T, 'resultType' | 'ttlMs' | 'cacheScope'> & {
      resultType?: 'complete';
      ttlMs?: number;
      cacheScope?: T extends { cacheScope: infer S } ? S : never;
    }
  : Omit<T, 'resultType'> & { resultType?: 'complete' };
/** An `InputRequiredResult` as `resultSchemaFor` outputs it. */
export type InputRequired = Omit<InputRequiredResult, 'resultType'> & {
  resultType: 'input_required';
};

/** Output of `resultSchemaFor(revision, method)` per client request method. */
export interface ResultsByMethod {
  initialize: InitializeResult;
  ping: EmptyResult;
  'server/discover': Complete<DiscoverResult>;
  'resources/list': Complete<ListResourcesResult>;
  'resources/templates/list': Complete<ListResourceTemplatesResult>;
  'resources/read': Complete<ReadResourceResult> | InputRequired;
  'resources/subscribe': EmptyResult;
  'resources/unsubscribe': EmptyResult;
  'subscriptions/listen': Complete<SubscriptionsListenResult>;
  'prompts/list': Complete<ListPromptsResult>;
  'prompts/get': Complete<GetPromptResult> | InputRequired;
  'tools/list': Complete<ListToolsResult>;
  'tools/call': Complete<CallToolResult> | InputRequired;
  'logging/setLevel': EmptyResult;
  'completion/complete': Complete<CompleteResult>;
}
