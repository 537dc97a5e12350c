/**
 * The typed API of a client session: `ClientSession`, a façade over the session's pieces. Each
 * public method says what it sends and which checks apply, and delegates: the lifecycle (the
 * half of the API it extends, `session-connection.ts`, over `lifecycle.ts`), the call path with
 * its revision checks, cache and input rounds (`calls.ts`, `checks.ts`, `rounds.ts`), pagination
 * (`pages.ts`), the tools of the latest listing (`tools.ts`), listen streams (`listens.ts`),
 * notification routing (`notifications.ts`) and serving the server's requests (`serving.ts`),
 * all built and wired in `assemble.ts`.
 */
import type { RequestOptions, Settle } from '../core/dispatcher.js';
import { ErrorCode, JsonRpcError, ResourceNotFoundError } from '../errors/errors.js';
import type {
  CallToolResult,
  CompleteRequestParams,
  CompleteResult,
  GetPromptResult,
  InputRequiredResult,
  ListPromptsResult,
  ListResourcesResult,
  ListResourceTemplatesResult,
  ListToolsResult,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  SubscriptionFilter,
  Tool,
} from '../protocol/types.js';
import { assembleSession } from './assemble.js';
import type { ListKind } from './callbacks.js';
import type { Calls } from './calls.js';
import type { RevisionChecks } from './checks.js';
import type { ListenStreams } from './listens.js';
import { SessionConnection } from './session-connection.js';
import type { NotificationRouter } from './notifications.js';
import { allPages } from './pages.js';
import type { ServerRequests } from './serving.js';
import type { Subscription } from './subscriptions.js';
import { cursorParams } from './support.js';
import type { ToolCatalog } from './tools.js';
import type {
  CallOptions,
  ClientSessionOptions,
  InputRoundOptions,
  ListAllOptions,
  NotificationHandler,
  RequestHandlerEntry,
} from './types.js';

export * from './types.js';

/**
 * A client session over one connection: the lifecycle actor, the dispatcher beneath it, and the
 * callbacks for what the server sends. Build one with {@link createClientSession}.
 *
 * @example
 * ```ts
 * import { createClientSession, createInMemoryTransportPair } from 'mcp-actors';
 * import { startScriptedServer } from 'mcp-actors/testing';
 *
 * const [clientSide, serverSide] = createInMemoryTransportPair();
 * startScriptedServer(serverSide, { handlers: { 'tools/list': () => ({ tools: [] }) } });
 *
 * await using session = createClientSession({ transport: clientSide, mode: 'legacy' });
 * await session.connect();
 * console.log(session.state, session.protocolVersion); // 'ready' '2025-11-25'
 * const { tools } = await session.listTools();
 * // leaving the block closes the session (Symbol.asyncDispose)
 * ```
 */
export class ClientSession extends SessionConnection {
  readonly #checks: RevisionChecks;
  readonly #calls: Calls;
  readonly #tools: ToolCatalog;
  readonly #listens: ListenStreams;
  readonly #notifications: NotificationRouter;
  readonly #serving: ServerRequests;

  constructor(options: ClientSessionOptions) {
    const parts = assembleSession(options);
    super(parts.life, parts.dispatcher);
    this.#checks = parts.checks;
    this.#calls = parts.calls;
    this.#tools = parts.tools;
    this.#listens = parts.listens;
    this.#notifications = parts.notifications;
    this.#serving = parts.serving;
  }

  /** Registers (or replaces, or with `undefined` removes) the handler of one server notification method. */
  setNotificationHandler(method: string, handler: NotificationHandler | undefined): void {
    this.#notifications.setHandler(method, handler);
  }

  /**
   * Calls `listener` on each `notifications/<kind>/list_changed` (tools, prompts, resources);
   * returns the unsubscribe function.
   */
  onListChanged(kind: ListKind, listener: () => void): () => void {
    return this.#notifications.onListChanged(kind, listener);
  }

  /** Registers (or replaces) the handler of one server request method. */
  setRequestHandler(method: string, handler: RequestHandlerEntry): void {
    this.#serving.setHandler(method, handler);
  }

  /**
   * Sends any request (extension methods included) and resolves with its raw result, unvalidated.
   * `settle` (advanced) turns the raw result into what the call resolves with, at resolve time.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const raw = await session.request(
   *   'example/extension',
   *   { question: 42 },
   *   { timeout: 5_000, onProgress: (p) => console.log(p.progress, p.total) },
   * );
   * ```
   */
  request(
    method: string,
    params?: Record<string, unknown>,
    options?: RequestOptions,
    settle?: Settle,
  ): Promise<unknown> {
    return this.#calls.request(method, params, options, settle);
  }

  /** Sends a notification (refused unless the session is ready). */
  notify(method: string, params?: Record<string, unknown>): Promise<void> {
    return this.#calls.notify(method, params);
  }

  /** `ping`: resolves when the server answers (MCP basic/utilities/ping). */
  async ping(options?: RequestOptions): Promise<void> {
    const revision = this.#checks.revisionFor('ping', 'request');
    const result = await this.#calls.request('ping', undefined, options);
    if (revision !== undefined) this.#checks.result(revision, 'ping', result);
  }

  // The MCP methods.

  /**
   * One page of tools. The tools' output schemas are remembered to validate `callTool` results.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * let page = await session.listTools();
   * for (const tool of page.tools) console.log(tool.name, tool.description ?? '');
   * if (page.nextCursor !== undefined) page = await session.listTools({ cursor: page.nextCursor });
   * ```
   */
  async listTools(params?: { cursor?: string }, options?: CallOptions): Promise<ListToolsResult> {
    const result = await this.#calls.typed<ListToolsResult>(
      'tools/list',
      cursorParams(params),
      options,
      this.#calls.checked,
    );
    const tools = this.#tools.listed(
      result.tools,
      params?.cursor === undefined,
      this.#calls.modern,
    );
    return tools === result.tools ? result : { ...result, tools };
  }

  /**
   * Every tool, following `nextCursor`; stops on a repeated cursor or after `maxPages`.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const tools = await session.listAllTools({ maxPages: 50 });
   * console.log(tools.map((t) => t.name).join(', '));
   * ```
   */
  async listAllTools(options?: ListAllOptions): Promise<Tool[]> {
    const tools = await allPages<Tool>(this.#calls.page, 'tools/list', 'tools', options);
    return this.#tools.listed(tools, true, this.#calls.modern);
  }

  /**
   * Calls a tool. Its `structuredContent` is validated against the `outputSchema` of the latest
   * listing (a tool not listed is not validated; an `isError` result is not validated). On
   * 2026-07-28, input requests are answered through the callbacks (see `inputRequired`).
   *
   * @example
   * ```ts
   * import { JsonRpcError, RequestTimeoutError, type ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * try {
   *   const result = await session.callTool(
   *     'echo',
   *     { message: 'hi' },
   *     { timeout: 30_000, onProgress: (p) => console.log(`${p.progress}/${p.total ?? '?'}`) },
   *   );
   *   for (const block of result.content) if (block.type === 'text') console.log(block.text);
   *   if (result.isError === true) console.log('the tool reported an error');
   * } catch (error) {
   *   if (error instanceof RequestTimeoutError) console.log(`no answer in ${error.timeoutMs} ms`);
   *   else if (error instanceof JsonRpcError) console.log(error.code, error.message);
   *   else throw error;
   * }
   * ```
   *
   * @example
   * On 2026-07-28, take the input rounds yourself:
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const result = await session.callTool('deploy', {}, { inputRequired: 'return' });
   * if (result.resultType === 'input_required' && 'inputRequests' in result) {
   *   console.log(Object.keys(result.inputRequests ?? {})); // what the server asks for
   * }
   * ```
   */
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: InputRoundOptions & { inputRequired?: 'auto' },
  ): Promise<CallToolResult>;
  callTool(
    name: string,
    args: Record<string, unknown> | undefined,
    options: InputRoundOptions & { inputRequired: 'return' },
  ): Promise<CallToolResult | InputRequiredResult>;
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: InputRoundOptions,
  ): Promise<CallToolResult | InputRequiredResult> {
    const params: Record<string, unknown> =
      args === undefined ? { name } : { name, arguments: args };
    return this.#calls.typed('tools/call', params, options, this.#calls.toolCall);
  }

  /** One page of prompts. */
  listPrompts(params?: { cursor?: string }, options?: CallOptions): Promise<ListPromptsResult> {
    return this.#calls.typed('prompts/list', cursorParams(params), options, this.#calls.checked);
  }

  /** Every prompt, following `nextCursor`. */
  listAllPrompts(options?: ListAllOptions): Promise<Prompt[]> {
    return allPages<Prompt>(this.#calls.page, 'prompts/list', 'prompts', options);
  }

  /** Gets a prompt, with its arguments. */
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: InputRoundOptions & { inputRequired?: 'auto' },
  ): Promise<GetPromptResult>;
  getPrompt(
    name: string,
    args: Record<string, string> | undefined,
    options: InputRoundOptions & { inputRequired: 'return' },
  ): Promise<GetPromptResult | InputRequiredResult>;
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: InputRoundOptions,
  ): Promise<GetPromptResult | InputRequiredResult> {
    const params: Record<string, unknown> =
      args === undefined ? { name } : { name, arguments: args };
    return this.#calls.typed('prompts/get', params, options, this.#calls.withRounds);
  }

  /** One page of resources. */
  listResources(params?: { cursor?: string }, options?: CallOptions): Promise<ListResourcesResult> {
    return this.#calls.typed('resources/list', cursorParams(params), options, this.#calls.checked);
  }

  /** Every resource, following `nextCursor`. */
  listAllResources(options?: ListAllOptions): Promise<Resource[]> {
    return allPages<Resource>(this.#calls.page, 'resources/list', 'resources', options);
  }

  /** One page of resource templates. */
  listResourceTemplates(
    params?: { cursor?: string },
    options?: CallOptions,
  ): Promise<ListResourceTemplatesResult> {
    return this.#calls.typed(
      'resources/templates/list',
      cursorParams(params),
      options,
      this.#calls.checked,
    );
  }

  /** Every resource template, following `nextCursor`. */
  listAllResourceTemplates(options?: ListAllOptions): Promise<ResourceTemplate[]> {
    return allPages<ResourceTemplate>(
      this.#calls.page,
      'resources/templates/list',
      'resourceTemplates',
      options,
    );
  }

  /**
   * Reads a resource. A resource the server does not have fails with `ResourceNotFoundError`,
   * whether the server says so with `-32002` (until 2025-11-25) or `-32602` (2026-07-28).
   *
   * @example
   * ```ts
   * import { ResourceNotFoundError, type ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * try {
   *   const { contents } = await session.readResource('file:///notes.txt');
   *   for (const c of contents) if ('text' in c) console.log(c.text);
   * } catch (error) {
   *   if (error instanceof ResourceNotFoundError) console.log('no such resource:', error.uri);
   *   else throw error;
   * }
   * ```
   */
  readResource(
    uri: string,
    options?: InputRoundOptions & { inputRequired?: 'auto' },
  ): Promise<ReadResourceResult>;
  readResource(
    uri: string,
    options: InputRoundOptions & { inputRequired: 'return' },
  ): Promise<ReadResourceResult | InputRequiredResult>;
  readResource(
    uri: string,
    options?: InputRoundOptions,
  ): Promise<ReadResourceResult | InputRequiredResult> {
    return this.#calls
      .typed<ReadResourceResult>('resources/read', { uri }, options, this.#calls.withRounds)
      .catch((error: unknown) => {
        if (
          error instanceof JsonRpcError &&
          (error.code === ErrorCode.ResourceNotFound || error.code === ErrorCode.InvalidParams)
        ) {
          throw new ResourceNotFoundError(error.toJSON(), uri, {
            method: 'resources/read',
            id: error.requestId ?? '?',
          });
        }
        throw error;
      });
  }

  /**
   * Opens a 2026-07-28 `subscriptions/listen` stream; resolves once the server acknowledged it
   * (with `honoured` and `refused` telling what it accepted). Iterate the subscription for its
   * notifications; `close()` ends it (the listen request is cancelled), as does `signal`.
   *
   * @example
   * ```ts
   * import type { ClientSession } from 'mcp-actors';
   * declare const session: ClientSession;
   *
   * const subscription = await session.listen({ toolsListChanged: true });
   * for await (const notification of subscription) {
   *   console.log(notification.method); // notifications/tools/list_changed
   *   break; // leaving the loop closes the subscription
   * }
   * ```
   */
  async listen(
    filter: SubscriptionFilter,
    options?: { readonly signal?: AbortSignal },
  ): Promise<Subscription> {
    this.#checks.revisionFor('subscriptions/listen', 'request');
    this.#calls.mustBeReady('send subscriptions/listen');
    return this.#listens.open(filter, options?.signal);
  }

  /** Subscribes to a resource's updates (handshake revisions; 2026 uses `subscriptions/listen`). */
  async subscribeResource(uri: string, options?: CallOptions): Promise<void> {
    await this.#calls.typed('resources/subscribe', { uri }, options, this.#calls.checked);
  }

  /** Ends a resource subscription (handshake revisions). */
  async unsubscribeResource(uri: string, options?: CallOptions): Promise<void> {
    await this.#calls.typed('resources/unsubscribe', { uri }, options, this.#calls.checked);
  }

  /** Asks for completions of a prompt or resource-template argument. */
  complete(
    params: Omit<CompleteRequestParams, '_meta'>,
    options?: CallOptions,
  ): Promise<CompleteResult> {
    return this.#calls.typed('completion/complete', params, options, this.#calls.checked);
  }

  /** Sets the server's log level for this session (handshake revisions; on 2026 pass `logLevel` per call). */
  async setLoggingLevel(level: LoggingLevel, options?: CallOptions): Promise<void> {
    await this.#calls.typed('logging/setLevel', { level }, options, this.#calls.checked);
  }

  /** Tells the server the client's roots changed (handshake revisions). */
  sendRootsListChanged(): Promise<void> {
    return this.#calls.typedNotify('notifications/roots/list_changed');
  }

  /**
   * Reports progress on a server request that carried a progress token (handshake revisions).
   */
  sendProgressNotification(
    progressToken: string | number,
    progress: number,
    total?: number,
    message?: string,
  ): Promise<void> {
    const params: Record<string, unknown> = { progressToken, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    return this.#calls.typedNotify('notifications/progress', params);
  }
}

/**
 * Builds a session over a transport (or a dispatcher built beforehand). Nothing is sent until
 * `connect()`. Every option but the transport is optional: see {@link ClientSessionOptions}.
 *
 * @example
 * ```ts
 * import { createClientSession } from 'mcp-actors';
 * import { createStdioTransport } from 'mcp-actors/node';
 *
 * const session = createClientSession({
 *   transport: createStdioTransport({ command: 'npx', args: ['-y', 'some-mcp-server'] }),
 *   clientInfo: { name: 'my-app', version: '1.0.0' },
 *   roots: { list: () => [{ uri: 'file:///work', name: 'work' }] }, // advertises `roots`
 *   elicitation: { form: () => ({ action: 'decline' }) },
 *   messageHandler: (m) => {
 *     if (m.type === 'exception') console.warn('stream exception:', m.error.message);
 *   },
 *   onDiagnostic: (d) => console.debug(d.code, d.message), // what was dropped, for the curious
 * });
 * await session.connect();
 * const { tools } = await session.listTools();
 * await session.close();
 * ```
 */
export function createClientSession(options: ClientSessionOptions): ClientSession {
  return new ClientSession(options);
}
