/**
 * zod schemas for every message of every supported protocol revision.
 *
 * Nothing is built at import time: `schemasFor(revision)` builds a revision's schemas on first use
 * and memoises them. Parsing strips members the revision does not define (so a field only a later
 * revision knows never leaks into an older revision's output), while free-form JSON (`_meta`,
 * JSON Schemas, tool arguments, structured content, open capability objects) is kept whole.
 *
 * The exported TypeScript types are inferred from the schemas (see `../types.ts`): each is what
 * parsing gives in any revision.
 */
import type * as z from './zod.js';
import type { Revision } from '../revisions.js';
import type {
  CallToolResult,
  CompleteResult,
  DiscoverResult,
  GetPromptResult,
  InitializeResult,
  InputRequiredResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  ReadResourceResult,
  SubscriptionsListenResult,
} from '../types.js';
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
): z.ZodMiniType<ResultsByMethod[M]> | undefined;
export function resultSchemaFor(revision: Revision, method: string): z.ZodMiniType | undefined;
export function resultSchemaFor(revision: Revision, method: string): z.ZodMiniType | undefined {
  return schemasFor(revision).responseResults[method];
}

// ---- inferred types ----

export type * from '../types.js';

type Out<T> = z.output<NonNullable<T>>;

export type RequestId = Out<Defs['p']['RequestId']>;
export type ProgressToken = Out<Defs['p']['ProgressToken']>;
export type RequestMetaObject = Out<Defs['rpc']['RequestMetaObject']>;
export type NotificationMetaObject = Out<Defs['rpc']['NotificationMetaObject']>;
export type ResultMetaObject = Out<Defs['rpc']['ResultMetaObject']>;
export type Result = Out<Defs['rpc']['Result']>;
export type EmptyResult = Result;
export type CallToolRequestParams = Out<Defs['tools']['CallToolRequestParams']>;
export type GetPromptRequestParams = Out<Defs['prompts']['GetPromptRequestParams']>;
export type ReadResourceRequestParams = Out<Defs['resources']['ReadResourceRequestParams']>;
export type InitializeRequestParams = Out<Defs['life']['InitializeRequestParams']>;

/** Output of `resultSchemaFor(revision, method)` per client request method. */
export interface ResultsByMethod {
  initialize: InitializeResult;
  ping: EmptyResult;
  'server/discover': DiscoverResult;
  'resources/list': ListResourcesResult;
  'resources/templates/list': ListResourceTemplatesResult;
  'resources/read': ReadResourceResult | InputRequiredResult;
  'resources/subscribe': EmptyResult;
  'resources/unsubscribe': EmptyResult;
  'subscriptions/listen': SubscriptionsListenResult;
  'prompts/list': ListPromptsResult;
  'prompts/get': GetPromptResult | InputRequiredResult;
  'tools/list': ListToolsResult;
  'tools/call': CallToolResult | InputRequiredResult;
  'logging/setLevel': EmptyResult;
  'completion/complete': CompleteResult;
}
