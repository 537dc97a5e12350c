/**
 * The public shapes of a session group: the servers it is given, how it names what they offer,
 * how it restarts them, what it aggregates, and the group itself. `createSessionGroup`
 * (group.ts) builds one; `mcp-actors/node` turns an `mcpServers` configuration into the
 * `ServerSpec`s it takes.
 */
import type { InspectionEvent, Observer } from 'xstate';
import type { Clock } from '../core/clock.js';
import type { ClientSession } from '../session/session.js';
import type { ClientSessionOptions, InputRoundOptions } from '../session/types.js';
import type {
  CallToolResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '../protocol/types.js';
import type { Transport } from '../wire/transport.js';

/**
 * One server of a group: how to reach it (a fresh transport for every connection, since a
 * transport connects once) and the options of its sessions.
 */
export interface ServerSpec {
  /** Makes the transport of one connection attempt; called again for every reconnection. */
  readonly transport: () => Transport;
  /**
   * The session options of this server (its negotiation `mode`, callbacks, timeouts…), except
   * `transport` and `dispatcher`, which the group provides.
   */
  readonly session?: Omit<ClientSessionOptions, 'transport' | 'dispatcher'>;
}

/** Where one server of a group is. */
export type ServerStatus =
  /** Its session is connecting (the first time, or again after `reconnecting`). */
  | 'connecting'
  /** Connected; what it offers is in the aggregate. */
  | 'ready'
  /** It failed or dropped; waiting for the next attempt (bounded exponential backoff). */
  | 'reconnecting'
  /** Out of restarts (or removed while failing); stays out until `restart(name)`. */
  | 'failed'
  /** Removed from the group, or the group closed. */
  | 'closed';

/** A server's status, with what the group knows of it. */
export interface ServerState {
  readonly name: string;
  readonly status: ServerStatus;
  /** The session of the current (or last) connection attempt. */
  readonly session: ClientSession | undefined;
  /** Why it last failed or dropped, while `reconnecting` or `failed`. */
  readonly error: unknown;
  /** Restarts counted in the current window. */
  readonly restarts: number;
  /** When the next attempt starts (clock milliseconds), while `reconnecting`. */
  readonly retryAt: number | undefined;
}

/** How a failed or dropped server is brought back, as a supervisor would. */
export interface RestartPolicy {
  /** The first backoff delay, in ms. Default 500. */
  readonly initialDelay?: number;
  /** The longest backoff delay, in ms. Default 30 000. */
  readonly maxDelay?: number;
  /** Each consecutive failure multiplies the delay by this. Default 2. */
  readonly factor?: number;
  /** The share of each delay drawn at random (0: none, 1: all of it). Default 0.5. */
  readonly jitter?: number;
  /** At most this many restarts within `window`; one more and the server is `failed`. Default 5. */
  readonly maxRestarts?: number;
  /** The window of `maxRestarts`, in ms. Default 60 000. */
  readonly window?: number;
}

/**
 * How the names of tools and prompts of several servers become one namespace:
 * - `prefix` (default): every name becomes `<server><separator><name>`;
 * - `refuse`: names are kept; a name two servers offer is left out of the aggregate (both
 *   entries) and reported as a `NameCollision`;
 * - a function: the aggregated name of each entry (a collision of what it returns is refused
 *   as above).
 */
export type NamingPolicy =
  | 'prefix'
  | 'refuse'
  | ((entry: {
      readonly server: string;
      readonly name: string;
      readonly kind: 'tool' | 'prompt';
    }) => string);

/** Options of {@link createSessionGroup}. */
export interface SessionGroupOptions {
  /** The servers to start with, by name (more can be added with `add`). */
  readonly servers?: Readonly<Record<string, ServerSpec>>;
  /** How names are aggregated. Default `prefix`. */
  readonly naming?: NamingPolicy;
  /** The separator of the `prefix` policy. Default `_`. */
  readonly separator?: string;
  /** How failed or dropped servers are restarted. */
  readonly restart?: RestartPolicy;
  /** Time, injected (fake timers in tests). Default: the system clock. */
  readonly clock?: Clock;
  /** The source of the backoff's jitter, a number in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /** Observes the group's actor and, through their sessions, every server's actors. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
}

/** Where an aggregated entry came from. */
export interface Origin {
  /** The server that offers it. */
  readonly server: string;
  /** Its name on that server (tools, prompts) or its URI (resources). */
  readonly original: string;
}

/** A tool of the aggregate: the server's tool under its aggregated name, with its origin. */
export type GroupTool = Tool & { readonly origin: Origin };
/** A prompt of the aggregate. */
export type GroupPrompt = Prompt & { readonly origin: Origin };
/** A resource of the aggregate (URIs are not renamed). */
export type GroupResource = Resource & { readonly origin: Origin };
/** A resource template of the aggregate (URI templates are not renamed). */
export type GroupResourceTemplate = ResourceTemplate & { readonly origin: Origin };

/** A name (or URI) that more than one server offers and that the naming policy refused. */
export interface NameCollision {
  readonly kind: 'tool' | 'prompt' | 'resource';
  readonly name: string;
  readonly servers: readonly string[];
}

/** Everything the ready servers of a group offer, as one. */
export interface Aggregate {
  readonly tools: readonly GroupTool[];
  readonly prompts: readonly GroupPrompt[];
  readonly resources: readonly GroupResource[];
  readonly resourceTemplates: readonly GroupResourceTemplate[];
  readonly collisions: readonly NameCollision[];
}

/** What a group tells its listeners. */
export type GroupEvent =
  | { readonly type: 'status'; readonly server: string; readonly state: ServerState }
  | { readonly type: 'aggregate'; readonly aggregate: Aggregate };

/** A session group: several servers, one aggregate, each server supervised. */
export interface SessionGroup {
  /** Adds a server and starts connecting it; throws `InvalidArgumentError` on a name in use. */
  add(name: string, spec: ServerSpec): void;
  /** Removes a server: closes its session, takes its entries out of the aggregate. */
  remove(name: string): Promise<void>;
  /** Starts a `failed` server again (its restart count starts over). */
  restart(name: string): void;
  /**
   * Resolves once every server present has settled its first attempt (`ready` or not): one slow
   * or failing server delays only this promise, never another server's calls.
   */
  ready(): Promise<readonly ServerState[]>;
  /** Every server's state, in the order they were added. */
  servers(): readonly ServerState[];
  /** One server's state, or undefined for a name not in the group. */
  server(name: string): ServerState | undefined;
  /** The session of a `ready` server, or undefined. */
  session(name: string): ClientSession | undefined;
  /** What the ready servers offer now. */
  aggregate(): Aggregate;
  /** The tools of the aggregate (`aggregate().tools`). */
  tools(): readonly GroupTool[];
  /** The prompts of the aggregate. */
  prompts(): readonly GroupPrompt[];
  /** The resources of the aggregate. */
  resources(): readonly GroupResource[];
  /** The resource templates of the aggregate. */
  resourceTemplates(): readonly GroupResourceTemplate[];
  /**
   * Calls a tool by its aggregated name on the server that owns it. A name not in the aggregate
   * is `UnknownGroupEntryError`; a server not `ready` is `ServerUnavailableError` (naming the
   * server and its status), at once.
   */
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: InputRoundOptions,
  ): Promise<CallToolResult>;
  /** Gets a prompt by its aggregated name, routed as `callTool`. */
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: InputRoundOptions,
  ): Promise<GetPromptResult>;
  /**
   * Reads a resource by URI from the server whose listing has it (or whose template matches it);
   * `server` picks one where several offer the URI.
   */
  readResource(
    uri: string,
    options?: InputRoundOptions & { readonly server?: string },
  ): Promise<ReadResourceResult>;
  /** Calls `listener` on each status change and each change of the aggregate; returns the unsubscribe function. */
  on(listener: (event: GroupEvent) => void): () => void;
  /** Closes every server and resolves once all have closed; the group takes nothing more. */
  close(): Promise<void>;
  /** `close()`, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}
