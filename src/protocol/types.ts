/**
 * The protocol's types as the client meets them, inferred from the zod schemas of `./schemas/`
 * (no second copy: each type is the schemas' output type, renamed and documented).
 *
 * One type serves every supported revision (2024-11-05 to 2026-07-28): it is what parsing gives
 * in any of them. A member that exists only in some revisions says which in its documentation;
 * members a later revision removed are optional; results read `resultType`, `ttlMs` and
 * `cacheScope` (2026-07-28) as optional, since older revisions have none and the client reads an
 * absent `resultType` as `"complete"`.
 */
// Named interfaces over the inferred types, though they add no member: errors, hovers and the API
// reference then show the protocol's names instead of the inferred structure.
/* eslint-disable @typescript-eslint/no-empty-object-type */
import type { z } from 'zod';
import type { Defs } from './schemas/build.js';

export type { JSONValue } from './schemas/primitives.js';

/** The output type of a schema that may be absent in some revisions. */
type Out<T> = z.output<NonNullable<T>>;

/** `T` with the members of `R` in place of its own. */
type With<T, R> = Omit<T, keyof R> & R;

/** An array as read-only, anything else as it is. */
type ReadonlyArrays<V> = V extends readonly (infer E)[] ? readonly E[] : V;

/** `T` with read-only members and arrays, for what a caller gives as well as reads. */
type Given<T> = { readonly [K in keyof T]: ReadonlyArrays<T[K]> };

/**
 * A complete result as the client receives it: `resultType` is `"complete"` on 2026-07-28 and
 * absent before; the 2026 caching hints may be absent.
 */
export type Complete<T> = T extends { ttlMs: number }
  ? Omit<T, 'resultType' | 'ttlMs' | 'cacheScope'> & {
      /** `"complete"` on 2026-07-28 (an absent `resultType` reads as it); absent before. */
      resultType?: 'complete';
      /** How long the result may be served from a cache, ms (2026-07-28; absent reads as 0). */
      ttlMs?: number;
      /** Who may share a cached copy: this credential only, or anyone (2026-07-28). */
      cacheScope?: T extends { cacheScope: infer S } ? S : never;
    }
  : Omit<T, 'resultType'> & {
      /** `"complete"` on 2026-07-28 (an absent `resultType` reads as it); absent before. */
      resultType?: 'complete';
    };

// ---- scalars ----

/** Who a message is from, or who content is meant for: `"user"` or `"assistant"`. */
export type Role = Out<Defs['p']['Role']>;

/** A log level, `"debug"` to `"emergency"` (RFC 5424 severities). */
export type LoggingLevel = Out<Defs['p']['LoggingLevel']>;

// ---- identity and capabilities ----

/** An icon for a server, tool, prompt or resource (2025-11-25 and later). */
export interface Icon extends Out<Defs['id']['Icon']> {}

/**
 * A program's name and version, as `clientInfo` and `serverInfo` carry them; `title` from
 * 2025-06-18, `icons`, `description` and `websiteUrl` from 2025-11-25 on.
 */
export interface Implementation extends Out<Defs['id']['Implementation']> {}

/**
 * What the client can do: `roots`, `sampling`, `elicitation` (2025-06-18 and later), `tasks`
 * (2025-11-25 only), `extensions` (2026-07-28), `experimental`.
 */
export interface ClientCapabilities extends Out<Defs['id']['ClientCapabilities']> {}

/**
 * What the server offers: `tools`, `prompts`, `resources`, `logging`, `completions` (2025-03-26
 * and later), `tasks` (2025-11-25 only), `extensions` (2026-07-28), `experimental`.
 */
export interface ServerCapabilities extends Out<Defs['id']['ServerCapabilities']> {}

// ---- content ----

/** Hints about content or a resource: audience, priority, `lastModified` (2025-06-18 and later). */
export interface Annotations extends Out<Defs['c']['Annotations']> {}

/** Text content. */
export interface TextContent extends Out<Defs['c']['TextContent']> {}

/** An image, base64 in `data`. */
export interface ImageContent extends Out<Defs['c']['ImageContent']> {}

/** Audio, base64 in `data` (2025-03-26 and later). */
export interface AudioContent extends Out<Defs['c']['AudioContent']> {}

/** A link to a resource the client may read or subscribe to (2025-06-18 and later). */
export interface ResourceLink extends Out<Defs['c']['ResourceLink']> {}

/** A resource's contents inside a message or a tool result. */
export interface EmbeddedResource extends Out<Defs['c']['EmbeddedResource']> {}

/** A resource's contents as text. */
export interface TextResourceContents extends Out<Defs['c']['TextResourceContents']> {}

/** A resource's contents as binary data, base64 in `blob`. */
export interface BlobResourceContents extends Out<Defs['c']['BlobResourceContents']> {}

/**
 * A block of a tool result or a prompt message, told apart by `type`: `"text"`, `"image"`,
 * `"audio"` (2025-03-26 and later), `"resource_link"` (2025-06-18 and later), `"resource"`.
 */
export type ContentBlock =
  TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource;

/** A model's request to call a tool, in sampling (2025-11-25 and later). */
export interface ToolUseContent extends Out<Defs['c']['ToolUseContent']> {}

/** The result of a tool call the model asked for, in sampling (2025-11-25 and later). */
export interface ToolResultContent extends Out<Defs['c']['ToolResultContent']> {}

/**
 * A block of a sampling message: `"text"`, `"image"`, `"audio"` (2025-03-26 and later),
 * `"tool_use"` and `"tool_result"` (2025-11-25 and later).
 */
export type SamplingMessageContentBlock =
  TextContent | ImageContent | AudioContent | ToolUseContent | ToolResultContent;

// ---- tools ----

/**
 * A tool the server offers: `name`, `inputSchema`, and `title` (2025-06-18 and later),
 * `outputSchema` (2025-06-18 and later), `annotations` (2025-03-26 and later), `icons`
 * (2025-11-25 and later), `execution` (2025-11-25 only).
 */
export interface Tool extends Out<Defs['td']['Tool']> {}

/** Hints about a tool's behaviour (2025-03-26 and later); not to be trusted from an untrusted server. */
export interface ToolAnnotations extends Out<Defs['td']['ToolAnnotations']> {}

/** Whether and how a model should call the tools offered in sampling (2025-11-25 and later). */
export interface ToolChoice extends Out<Defs['td']['ToolChoice']> {}

/** A page of tools (`listTools`); `nextCursor` asks for the next page. */
export interface ListToolsResult extends With<
  Complete<Out<Defs['tools']['ListToolsResult']>>,
  {
    /** The tools of this page. */
    tools: Tool[];
  }
> {}

/**
 * What a tool call gives (`callTool`): `content`, `structuredContent` (2025-06-18 and later),
 * `isError` when the tool failed.
 */
export interface CallToolResult extends With<
  Complete<Out<Defs['tools']['CallToolResult']>>,
  {
    /** What the tool returned, for a model or a person. */
    content: ContentBlock[];
  }
> {}

// ---- prompts ----

/** An argument a prompt takes. */
export interface PromptArgument extends Out<Defs['prompts']['PromptArgument']> {}

/** A prompt the server offers; `icons` from 2025-11-25 on. */
export interface Prompt extends With<
  Out<Defs['prompts']['Prompt']>,
  {
    /** The arguments the prompt takes. */
    arguments?: PromptArgument[];
  }
> {}

/** A message of a prompt. */
export interface PromptMessage extends With<
  Out<Defs['prompts']['PromptMessage']>,
  {
    /** The message's content. */
    content: ContentBlock;
  }
> {}

/** Names a prompt, in `completion/complete`. */
export interface PromptReference extends Out<Defs['prompts']['PromptReference']> {}

/** A page of prompts (`listPrompts`). */
export interface ListPromptsResult extends With<
  Complete<Out<Defs['prompts']['ListPromptsResult']>>,
  {
    /** The prompts of this page. */
    prompts: Prompt[];
  }
> {}

/** A prompt filled with its arguments (`getPrompt`). */
export interface GetPromptResult extends With<
  Complete<Out<Defs['prompts']['GetPromptResult']>>,
  {
    /** The prompt's messages. */
    messages: PromptMessage[];
  }
> {}

// ---- resources ----

/** A resource the server offers. */
export interface Resource extends Out<Defs['resources']['Resource']> {}

/** A template of resource URIs (RFC 6570). */
export interface ResourceTemplate extends Out<Defs['resources']['ResourceTemplate']> {}

/** Names a resource template, in `completion/complete`. */
export interface ResourceTemplateReference extends Out<
  Defs['resources']['ResourceTemplateReference']
> {}

/** A page of resources (`listResources`). */
export interface ListResourcesResult extends With<
  Complete<Out<Defs['resources']['ListResourcesResult']>>,
  {
    /** The resources of this page. */
    resources: Resource[];
  }
> {}

/** A page of resource templates (`listResourceTemplates`). */
export interface ListResourceTemplatesResult extends With<
  Complete<Out<Defs['resources']['ListResourceTemplatesResult']>>,
  {
    /** The resource templates of this page. */
    resourceTemplates: ResourceTemplate[];
  }
> {}

/** A resource's contents (`readResource`). */
export interface ReadResourceResult extends With<
  Complete<Out<Defs['resources']['ReadResourceResult']>>,
  {
    /** The contents: text or base64 data, each with its URI. */
    contents: (TextResourceContents | BlobResourceContents)[];
  }
> {}

/** The params of `notifications/resources/updated`: the URI of a resource that changed. */
export interface ResourceUpdatedNotificationParams extends Out<
  Defs['resources']['ResourceUpdatedNotificationParams']
> {}

// ---- lifecycle and utilities ----

/** The server's answer to `initialize` (the handshake revisions, up to 2025-11-25). */
export interface InitializeResult extends With<
  Omit<Out<Defs['life']['InitializeResult']>, 'resultType'>,
  {
    /** What the server offers. */
    capabilities: ServerCapabilities;
    /** The server's name and version. */
    serverInfo: Implementation;
  }
> {}

/** The server's answer to `server/discover` (2026-07-28). */
export interface DiscoverResult extends With<
  Complete<Out<Defs['life']['DiscoverResult']>>,
  {
    /** What the server offers. */
    capabilities: ServerCapabilities;
  }
> {}

/** The params of `completion/complete`; `context` from 2025-06-18 on. */
export interface CompleteRequestParams extends Out<Defs['life']['CompleteRequestParams']> {}

/** Completions of an argument (`complete`): up to 100 `values`, with `total` and `hasMore`. */
export interface CompleteResult extends Complete<Out<Defs['life']['CompleteResult']>> {}

/** The params of `notifications/message`: a log message from the server. */
export interface LoggingMessageNotificationParams extends Out<
  Defs['life']['LoggingMessageNotificationParams']
> {}

/** The params of `notifications/progress`; `message` from 2025-03-26 on. */
export interface ProgressNotificationParams extends Out<
  Defs['life']['ProgressNotificationParams']
> {}

/** The params of `notifications/cancelled`. */
export interface CancelledNotificationParams extends Out<
  Defs['life']['CancelledNotificationParams']
> {}

/** What a 2026-07-28 `subscriptions/listen` asks for (and what the server honours). */
export interface SubscriptionFilter extends Given<Out<Defs['life']['SubscriptionFilter']>> {}

/** How the server ends a `subscriptions/listen` stream (2026-07-28). */
export interface SubscriptionsListenResult extends Complete<
  Out<Defs['life']['SubscriptionsListenResult']>
> {}

// ---- sampling and roots ----

/** What the server would like of the model: hints and the cost, speed and intelligence priorities. */
export interface ModelPreferences extends Out<Defs['s']['ModelPreferences']> {}

/**
 * A message of a sampling conversation; `content` is one block, or (2025-11-25 and later) a list.
 */
export interface SamplingMessage extends With<
  Out<Defs['s']['SamplingMessage']>,
  {
    /** One block, or (2025-11-25 and later) a list of blocks. */
    content: SamplingMessageContentBlock | SamplingMessageContentBlock[];
  }
> {}

/**
 * The params of `sampling/createMessage` (what a sampling callback receives); `tools` and
 * `toolChoice` from 2025-11-25 on, `task` in 2025-11-25 only.
 */
export interface CreateMessageRequestParams extends With<
  Out<Defs['s']['CreateMessageRequestParams']>,
  {
    /** The conversation so far. */
    messages: SamplingMessage[];
  }
> {}

/** The answer to `sampling/createMessage`: the model's reply. */
export interface CreateMessageResult extends With<
  Out<Defs['s']['CreateMessageResult']>,
  {
    /** One block, or (2025-11-25 and later) a list of blocks. */
    content: SamplingMessageContentBlock | SamplingMessageContentBlock[];
  }
> {}

/** A root the client exposes to the server: a `file://` URI, and a name to show. */
export interface Root extends Out<Defs['s']['Root']> {}

/** The answer to `roots/list`. */
export interface ListRootsResult extends With<
  Out<Defs['s']['ListRootsResult']>,
  {
    /** The client's roots. */
    roots: Root[];
  }
> {}

// ---- elicitation ----

type Elicit = NonNullable<Defs['e']>;

/**
 * The params of a form-mode `elicitation/create` (2025-06-18 and later): what a form
 * elicitation callback receives.
 */
export interface ElicitRequestFormParams extends Out<Elicit['ElicitRequestFormParams']> {}

/**
 * The params of a URL-mode `elicitation/create` (2025-11-25 and later); `elicitationId` in
 * 2025-11-25 only.
 */
export interface ElicitRequestURLParams extends Out<Elicit['ElicitRequestURLParams']> {}

/** The params of `elicitation/create`, in either mode (URL mode from 2025-11-25 on). */
export type ElicitRequestParams = ElicitRequestFormParams | ElicitRequestURLParams;

/** The answer to `elicitation/create`: `action` accept, decline or cancel, and the form's `content`. */
export interface ElicitResult extends Out<Elicit['ElicitResult']> {}

// ---- 2026-07-28 input rounds ----

/** A request inside an `InputRequiredResult`: sampling, roots or elicitation (2026-07-28). */
export type InputRequest = Out<Defs['mrtr']['InputRequest']>;

/** The input requests of an `InputRequiredResult`, by key (2026-07-28). */
export type InputRequests = Record<string, InputRequest>;

/** The answer to one input request (2026-07-28). */
export type InputResponse = Out<Defs['mrtr']['InputResponse']>;

/** The answers to input requests, by the keys of the requests (2026-07-28). */
export type InputResponses = Record<string, InputResponse>;

/**
 * A 2026-07-28 answer asking for input before the request can complete: `inputRequests` to
 * answer and retry with, and/or `requestState` to send back. The session answers them through the
 * callbacks unless the call asked for `inputRequired: 'return'`.
 */
export interface InputRequiredResult extends With<
  Out<Defs['mrtr']['InputRequiredResult']>,
  {
    /** Always `"input_required"`. */
    resultType: 'input_required';
  }
> {}
