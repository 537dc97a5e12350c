/**
 * The protocol's types as the client meets them, inferred from the zod schemas of `./schemas/`
 * (no second copy: each type is the schemas' output type, renamed and documented).
 *
 * One type serves every supported revision (2024-11-05 to 2026-07-28): it is what parsing gives
 * in any of them. A member that exists only in some revisions says which in its documentation;
 * members a later revision removed are optional; results read `resultType`, `ttlMs` and
 * `cacheScope` (2026-07-28) as optional, since older revisions have none and the client reads an
 * absent `resultType` as `"complete"`.
 *
 * Size: a table, one named and documented type per schema (and the unions and helpers that name
 * them), read by name rather than in order; the types stay together so that each has one home
 * that `src/index.ts` re-exports.
 */
// Named interfaces over the inferred types, though they add no member: errors, hovers and the API
// reference then show the protocol's names instead of the inferred structure.
/* eslint-disable @typescript-eslint/no-empty-object-type */
import type * as z from 'zod/mini';
import type { Defs } from './schemas/build.js';

export type { JSONValue } from './schemas/primitives.js';

/** The output type of a schema that may be absent in some revisions. */
type Out<T> = z.output<NonNullable<T>>;

/** `T` with the members of `R` in place of its own. */
type With<T, R> = Omit<T, keyof R> & R;

/**
 * `T`, its members documented by `D`: each member of `D` is declared `unknown` (and optional, so
 * that it changes neither the type nor the optionality of `T`'s member) and carries the
 * documentation, which declaration files keep where they drop that of the schemas' inferred
 * shapes.
 */
type Documented<
  T,
  D extends { readonly [K in keyof D]?: K extends keyof T ? unknown : never },
> = T & D;

/**
 * The documentation of members several types share (type literals, not interfaces: an interface
 * has no implicit index signature, and the types must stay assignable to records).
 */
type TitleDoc = {
  /** A name for people to read, where `name` is the one for programs (2025-06-18 and later). */
  title?: unknown;
};
type IconsDoc = {
  /** Icons to show for it (2025-11-25 and later). */
  icons?: unknown;
};
type MetaDoc = {
  /** Metadata, every key kept (2025-06-18 and later). */
  _meta?: unknown;
};
type AnnotatedDoc = {
  /** Hints for the client about audience and priority (2025-03-26 and later). */
  annotations?: unknown;
};
type ResultMetaDoc = {
  /** Metadata, every key kept; on 2026-07-28 it may name the server (`serverInfo`). */
  _meta?: unknown;
};
type LegacyRequestMetaDoc = {
  /** The request's metadata (until 2025-11-25; a 2026-07-28 input request has none). */
  _meta?: unknown;
};
type LegacyResultMetaDoc = {
  /** Metadata (until 2025-11-25; a 2026-07-28 input response has none). */
  _meta?: unknown;
};
type TaskDoc = {
  /** Run the request as a task (2025-11-25 only). */
  task?: unknown;
};

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
export interface Implementation extends Documented<
  Out<Defs['id']['Implementation']>,
  TitleDoc &
    IconsDoc & {
      /** What the program is (2025-11-25 and later). */
      description?: unknown;
      /** The program's website (2025-11-25 and later). */
      websiteUrl?: unknown;
    }
> {}

/**
 * What the client can do: `roots`, `sampling`, `elicitation` (2025-06-18 and later), `tasks`
 * (2025-11-25 only), `extensions` (2026-07-28), `experimental`.
 */
export interface ClientCapabilities extends Documented<
  Out<Defs['id']['ClientCapabilities']>,
  {
    /**
     * The client lists its roots. Until 2025-11-25 `listChanged` says it announces changes;
     * 2026-07-28 has no such notification.
     */
    roots?: unknown;
    /** The client answers sampling requests; `context` and `tools` from 2025-11-25 on. */
    sampling?: unknown;
    /** The client answers elicitation requests (2025-06-18 and later; modes from 2025-11-25). */
    elicitation?: unknown;
    /** Task-augmented requests the client accepts (2025-11-25 only). */
    tasks?: unknown;
    /** Extensions supported, by identifier (2026-07-28). */
    extensions?: unknown;
  }
> {}

/**
 * What the server offers: `tools`, `prompts`, `resources`, `logging`, `completions` (2025-03-26
 * and later), `tasks` (2025-11-25 only), `extensions` (2026-07-28), `experimental`.
 */
export interface ServerCapabilities extends Documented<
  Out<Defs['id']['ServerCapabilities']>,
  {
    /** The server answers `completion/complete` (2025-03-26 and later). */
    completions?: unknown;
    /** Task-augmented requests the server accepts (2025-11-25 only). */
    tasks?: unknown;
    /** Extensions supported, by identifier (2026-07-28). */
    extensions?: unknown;
  }
> {}

// ---- content ----

/** Hints about content or a resource: audience, priority, `lastModified` (2025-06-18 and later). */
export interface Annotations extends Documented<
  Out<Defs['c']['Annotations']>,
  {
    /** Who the item is meant for. */
    audience?: unknown;
    /** How important the item is, from 0 (least) to 1 (most). */
    priority?: unknown;
    /** When the item was last changed, ISO 8601 (2025-06-18 and later). */
    lastModified?: unknown;
  }
> {}

/** Text content. */
export interface TextContent extends Documented<
  Out<Defs['c']['TextContent']>,
  AnnotatedDoc & MetaDoc
> {}

/** An image, base64 in `data`. */
export interface ImageContent extends Documented<
  Out<Defs['c']['ImageContent']>,
  AnnotatedDoc & MetaDoc
> {}

/** Audio, base64 in `data` (2025-03-26 and later). */
export interface AudioContent extends Documented<
  Out<Defs['c']['AudioContent']>,
  AnnotatedDoc & MetaDoc
> {}

/** A link to a resource the client may read or subscribe to (2025-06-18 and later). */
export interface ResourceLink extends Documented<
  Out<Defs['c']['ResourceLink']>,
  TitleDoc & IconsDoc & AnnotatedDoc & MetaDoc
> {}

/** A resource's contents inside a message or a tool result. */
export interface EmbeddedResource extends Documented<
  Out<Defs['c']['EmbeddedResource']>,
  AnnotatedDoc & MetaDoc
> {}

/** A resource's contents as text. */
export interface TextResourceContents extends Documented<
  Out<Defs['c']['TextResourceContents']>,
  MetaDoc
> {}

/** A resource's contents as binary data, base64 in `blob`. */
export interface BlobResourceContents extends Documented<
  Out<Defs['c']['BlobResourceContents']>,
  MetaDoc
> {}

/**
 * A block of a tool result or a prompt message, told apart by `type`: `"text"`, `"image"`,
 * `"audio"` (2025-03-26 and later), `"resource_link"` (2025-06-18 and later), `"resource"`.
 */
export type ContentBlock =
  TextContent | ImageContent | AudioContent | ResourceLink | EmbeddedResource;

/** A model's request to call a tool, in sampling (2025-11-25 and later). */
export interface ToolUseContent extends Out<Defs['c']['ToolUseContent']> {}

/** The result of a tool call the model asked for, in sampling (2025-11-25 and later). */
export interface ToolResultContent extends Documented<
  Out<Defs['c']['ToolResultContent']>,
  MetaDoc & {
    /** The tool's structured output: any JSON value on 2026-07-28, an object before. */
    structuredContent?: unknown;
  }
> {}

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
export interface Tool extends Documented<
  Out<Defs['td']['Tool']>,
  {
    /** The tool's name, as `callTool` takes it. */
    name?: unknown;
    /**
     * The JSON Schema of the tool's arguments: until 2025-11-25 an object schema with `properties`
     * and `required`; on 2026-07-28 any JSON Schema with `type: "object"`.
     */
    inputSchema?: unknown;
    /**
     * The JSON Schema of `structuredContent` in the tool's results (2025-06-18 and later): an
     * object schema until 2025-11-25, any JSON Schema on 2026-07-28.
     */
    outputSchema?: unknown;
    /** Hints about the tool's behaviour (2025-03-26 and later); not to be trusted from an untrusted server. */
    annotations?: unknown;
    /** Whether the tool runs as a task (2025-11-25 only; 2026-07-28 has no tasks). */
    execution?: unknown;
  } & TitleDoc &
    IconsDoc &
    MetaDoc
> {}

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
export interface CallToolResult extends Documented<
  With<
    Complete<Out<Defs['tools']['CallToolResult']>>,
    {
      /** What the tool returned, for a model or a person. */
      content: ContentBlock[];
    }
  >,
  ResultMetaDoc & {
    /**
     * The tool's structured output (2025-06-18 and later), checked against the tool's
     * `outputSchema`: any JSON value on 2026-07-28, an object before.
     */
    structuredContent?: unknown;
    /** The tool failed: `content` says how (a tool error, not a protocol error). */
    isError?: unknown;
  }
> {}

// ---- prompts ----

/** An argument a prompt takes. */
export interface PromptArgument extends Out<Defs['prompts']['PromptArgument']> {}

/** A prompt the server offers; `icons` from 2025-11-25 on. */
export interface Prompt extends Documented<
  With<
    Out<Defs['prompts']['Prompt']>,
    {
      /** The arguments the prompt takes. */
      arguments?: PromptArgument[];
    }
  >,
  TitleDoc & IconsDoc & MetaDoc
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
export interface Resource extends Documented<
  Out<Defs['resources']['Resource']>,
  TitleDoc & IconsDoc & AnnotatedDoc & MetaDoc
> {}

/** A template of resource URIs (RFC 6570). */
export interface ResourceTemplate extends Documented<
  Out<Defs['resources']['ResourceTemplate']>,
  TitleDoc & IconsDoc & AnnotatedDoc & MetaDoc
> {}

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
export interface CompleteRequestParams extends Documented<
  Out<Defs['life']['CompleteRequestParams']>,
  {
    /** Values of the other arguments already given (2025-06-18 and later). */
    context?: unknown;
  }
> {}

/** Completions of an argument (`complete`): up to 100 `values`, with `total` and `hasMore`. */
export interface CompleteResult extends Complete<Out<Defs['life']['CompleteResult']>> {}

/** The params of `notifications/message`: a log message from the server. */
export interface LoggingMessageNotificationParams extends Out<
  Defs['life']['LoggingMessageNotificationParams']
> {}

/** The params of `notifications/progress`; `message` from 2025-03-26 on. */
export interface ProgressNotificationParams extends Documented<
  Out<Defs['life']['ProgressNotificationParams']>,
  {
    /** What is being done (2025-03-26 and later). */
    message?: unknown;
  }
> {}

/** The params of `notifications/cancelled`. */
export interface CancelledNotificationParams extends Documented<
  Out<Defs['life']['CancelledNotificationParams']>,
  {
    /**
     * The request cancelled. Absent only in 2025-11-25, where task-augmented requests are
     * cancelled with `tasks/cancel` instead.
     */
    requestId?: unknown;
  }
> {}

/** What a 2026-07-28 `subscriptions/listen` asks for (and what the server honours). */
export interface SubscriptionFilter extends Documented<
  Given<Out<Defs['life']['SubscriptionFilter']>>,
  {
    /** `notifications/tools/list_changed`. */
    toolsListChanged?: unknown;
    /** `notifications/prompts/list_changed`. */
    promptsListChanged?: unknown;
    /** `notifications/resources/list_changed`. */
    resourcesListChanged?: unknown;
    /** Resource URIs whose `notifications/resources/updated` to receive. */
    resourceSubscriptions?: unknown;
  }
> {}

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
export interface SamplingMessage extends Documented<
  With<
    Out<Defs['s']['SamplingMessage']>,
    {
      /** One block, or (2025-11-25 and later) a list of blocks. */
      content: SamplingMessageContentBlock | SamplingMessageContentBlock[];
    }
  >,
  {
    /** Metadata, every key kept (2025-11-25 and later). */
    _meta?: unknown;
  }
> {}

/**
 * The params of `sampling/createMessage` (what a sampling callback receives); `tools` and
 * `toolChoice` from 2025-11-25 on, `task` in 2025-11-25 only.
 */
export interface CreateMessageRequestParams extends Documented<
  With<
    Out<Defs['s']['CreateMessageRequestParams']>,
    {
      /** The conversation so far. */
      messages: SamplingMessage[];
    }
  >,
  LegacyRequestMetaDoc &
    TaskDoc & {
      /** Provider-specific metadata: JSON values on 2026-07-28, any object before. */
      metadata?: unknown;
      /** Tools the model may call (2025-11-25 and later; asked only of `sampling.tools` clients). */
      tools?: unknown;
      /** Whether and how the model should call `tools` (2025-11-25 and later). */
      toolChoice?: unknown;
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
export interface ListRootsResult extends Documented<
  With<
    Out<Defs['s']['ListRootsResult']>,
    {
      /** The client's roots. */
      roots: Root[];
    }
  >,
  LegacyResultMetaDoc
> {}

// ---- elicitation ----

type Elicit = NonNullable<Defs['e']>;

/**
 * The params of a form-mode `elicitation/create` (2025-06-18 and later): what a form
 * elicitation callback receives.
 */
export interface ElicitRequestFormParams extends Documented<
  Out<Elicit['ElicitRequestFormParams']>,
  LegacyRequestMetaDoc &
    TaskDoc & {
      /** `"form"` or absent: form mode (the mode exists from 2025-11-25 on). */
      mode?: unknown;
    }
> {}

/**
 * The params of a URL-mode `elicitation/create` (2025-11-25 and later); `elicitationId` in
 * 2025-11-25 only.
 */
export interface ElicitRequestURLParams extends Documented<
  Out<Elicit['ElicitRequestURLParams']>,
  LegacyRequestMetaDoc &
    TaskDoc & {
      /**
       * Names the elicitation in `notifications/elicitation/complete` (2025-11-25, where it is
       * required; 2026-07-28 input requests have none).
       */
      elicitationId?: unknown;
    }
> {}

/** The params of `elicitation/create`, in either mode (URL mode from 2025-11-25 on). */
export type ElicitRequestParams = ElicitRequestFormParams | ElicitRequestURLParams;

/** The answer to `elicitation/create`: `action` accept, decline or cancel, and the form's `content`. */
export interface ElicitResult extends Documented<
  Out<Elicit['ElicitResult']>,
  LegacyResultMetaDoc & {
    /** `accept` (with `content`), `decline`, or `cancel` (the user dismissed the request). */
    action?: unknown;
    /** The form's values, for `accept` in form mode; lists of strings from 2025-11-25 on. */
    content?: unknown;
  }
> {}

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
