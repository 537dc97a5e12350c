/**
 * `mcpTools`: the tools of a session group (its aggregate) or of one session (its whole listing)
 * as an AI SDK `ToolSet`, each calling through the group or the session.
 */
import { dynamicTool, jsonSchema, type JSONSchema7, type ToolSet } from 'ai';
import type { SessionGroup } from '../group/types.js';
import type { CallToolResult, Tool } from '../protocol/types.js';
import type { ClientSession } from '../session/session.js';
import type { InputRoundOptions, ListAllOptions } from '../session/types.js';
import { toModelOutput, ToolResultError } from './output.js';

/** The options of one call: input rounds answered through the callbacks, so a `CallToolResult`. */
type CallToolOptions = Omit<InputRoundOptions, 'inputRequired'>;

/** Where {@link mcpTools} takes its tools from: a session group, or one session. */
export type McpToolSource = SessionGroup | ClientSession;

/** Options of {@link mcpTools}. */
export interface McpToolsOptions {
  /**
   * Which tools to offer: a list of names (aggregated names for a group; a name not offered is
   * left out, as a group's server may be down), or a predicate on each tool (a group's tools
   * carry their `origin`). Default: every tool.
   */
  readonly filter?: readonly string[] | ((tool: Tool) => boolean);
  /**
   * Options of every `tools/call` (its `timeout`, `onProgress`, `_meta`…). The call's `signal` is
   * the AI SDK's `abortSignal`; an input request on 2026-07-28 is always answered through the
   * session's callbacks.
   */
  readonly call?: Omit<InputRoundOptions, 'signal' | 'inputRequired' | 'requestId'>;
  /** Options of a session's listing (`listAllTools`): its `signal`, `maxPages`, `timeout`. */
  readonly list?: ListAllOptions;
}

/**
 * The tools of a session group or of one session, as AI SDK tools (`dynamicTool`, since they are
 * known at run time only), one per tool: a group's aggregate by aggregated name, or a session's
 * every page of `tools/list` (hence async; a group's tools are there at once). Each carries the
 * tool's `inputSchema` as its JSON Schema (with `properties: {}` added where a schema has none,
 * as some providers require), its description and its title.
 *
 * The set is a snapshot: a tool the server adds later is not in it; call `mcpTools` again (say,
 * before each `generateText`, or on the group's `aggregate` event). Names are the MCP names as
 * they are: a group's naming policy can make them fit a provider's rules.
 *
 * A tool's `execute(input, { abortSignal })` calls it through the group (`group.callTool`, which
 * routes to the owning server) or the session, with the abort signal as the call's `signal`: an
 * aborted generation cancels the MCP request (`notifications/cancelled`). It returns the
 * `CallToolResult` as the server sent it (the step's `output`); the model sees it through
 * {@link toModelOutput}. A result with `isError: true` is thrown as a {@link ToolResultError}:
 * the AI SDK records a `tool-error` and the model sees its text as an `error-text` output. Errors
 * of the call itself (timeout, closed connection, a group's server down) are thrown as they are.
 *
 * @example
 * ```ts
 * import { generateText, stepCountIs, type LanguageModel } from 'ai';
 * import { createClientSession } from 'mcp-actors';
 * import { mcpTools } from 'mcp-actors/ai-sdk';
 * import { createStdioTransport } from 'mcp-actors/node';
 * declare const model: LanguageModel; // a provider's model, such as openai('gpt-5')
 *
 * const session = createClientSession({
 *   transport: createStdioTransport({ command: 'npx', args: ['-y', 'some-mcp-server'] }),
 * });
 * await session.connect();
 * try {
 *   const { text } = await generateText({
 *     model,
 *     tools: await mcpTools(session, { filter: ['echo', 'get-tiny-image'] }),
 *     stopWhen: stepCountIs(5),
 *     prompt: 'Echo "hello", then describe the tiny image.',
 *     abortSignal: AbortSignal.timeout(60_000), // cancels the MCP calls in flight too
 *   });
 *   console.log(text);
 * } finally {
 *   await session.close();
 * }
 * ```
 *
 * @example
 * Every server of a group at once, under their aggregated names:
 * ```ts
 * import { generateText, stepCountIs, type LanguageModel } from 'ai';
 * import type { SessionGroup } from 'mcp-actors';
 * import { mcpTools } from 'mcp-actors/ai-sdk';
 * declare const group: SessionGroup;
 * declare const model: LanguageModel;
 *
 * await group.ready();
 * const tools = await mcpTools(group, {
 *   filter: (tool) => !(tool.annotations?.destructiveHint ?? false),
 *   call: { timeout: 30_000 },
 * });
 * const { text } = await generateText({ model, tools, stopWhen: stepCountIs(10), prompt: '…' });
 * ```
 */
export async function mcpTools(
  source: McpToolSource,
  options: McpToolsOptions = {},
): Promise<ToolSet> {
  const group = isGroup(source) ? source : undefined;
  const listed: readonly Tool[] =
    group !== undefined
      ? group.tools()
      : await (source as ClientSession).listAllTools(options.list);
  const call = (name: string, args: Record<string, unknown>, signal: AbortSignal | undefined) => {
    const callOptions: CallToolOptions =
      signal === undefined ? { ...options.call } : { ...options.call, signal };
    return group !== undefined
      ? group.callTool(name, args, callOptions)
      : (source as ClientSession).callTool(name, args, callOptions);
  };
  const tools: ToolSet = {};
  for (const tool of listed) {
    if (!kept(tool, options.filter)) continue;
    tools[tool.name] = bridge(tool, call);
  }
  return tools;
}

/** A group has its aggregate; a session has none. */
function isGroup(source: McpToolSource): source is SessionGroup {
  return typeof (source as Partial<SessionGroup>).aggregate === 'function';
}

function kept(tool: Tool, filter: McpToolsOptions['filter']): boolean {
  if (filter === undefined) return true;
  return typeof filter === 'function' ? filter(tool) : filter.includes(tool.name);
}

/** One MCP tool as an AI SDK tool. */
function bridge(
  tool: Tool,
  call: (
    name: string,
    args: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ) => Promise<CallToolResult>,
): ToolSet[string] {
  const name = tool.name;
  const title = tool.title ?? tool.annotations?.title;
  const schema = { ...tool.inputSchema, properties: tool.inputSchema['properties'] ?? {} };
  return dynamicTool({
    ...(tool.description === undefined ? {} : { description: tool.description }),
    ...(title === undefined ? {} : { title }),
    inputSchema: jsonSchema(schema as JSONSchema7),
    execute: async (input, { abortSignal }) => {
      const result = await call(name, (input ?? {}) as Record<string, unknown>, abortSignal);
      if (result.isError === true) throw new ToolResultError(name, result);
      return result;
    },
    toModelOutput: ({ output }) => toModelOutput(output as CallToolResult),
  });
}
