/**
 * The listing commands, `tools`, `prompts` and `resources`: every page of the list, as a table
 * fitted to the terminal or as JSON; a note (and the empty listing with `--json`) when the server
 * lacks the capability.
 */
import type { ClientSession } from '../index.js';
import { JsonRpcError } from '../errors/errors.js';
import { EXIT } from './exit.js';
import { formatPrompts, formatResources, formatTools } from './format.js';
import type { LogLevel } from './options.js';
import type { CommandRun, RequestCallOptions } from './run-state.js';

type Json = Record<string, unknown>;

/** What each request of a command adds to the request options (the 2026 per-call log level). */
export interface PerCall {
  logLevel?: LogLevel;
}

export const has = (caps: Readonly<Record<string, unknown>> | undefined, name: string): boolean =>
  caps !== undefined && caps[name] !== undefined && caps[name] !== null;

/**
 * A listing command: when the server lacks the capability, a note (and the empty listing with
 * `--json`); otherwise the listing, as JSON or as text.
 */
async function listing(
  run: CommandRun,
  caps: Readonly<Record<string, unknown>> | undefined,
  capability: string,
  empty: Json,
  label: string,
  list: (options: RequestCallOptions) => Promise<{ json: Json; text: () => string }>,
): Promise<number> {
  if (!has(caps, capability)) {
    run.note(`mcp-actors: the server offers no ${capability} (no ${capability} capability).`);
    if (run.options.json) run.json(empty);
    return EXIT.ok;
  }
  const { json, text } = await run.withRequest(label, list);
  if (run.options.json) run.json(json);
  else run.out(text());
  return EXIT.ok;
}

/** `tools`: every tool. */
export function listTools(
  run: CommandRun,
  session: ClientSession,
  perCall: PerCall,
): Promise<number> {
  return listing(
    run,
    session.serverCapabilities,
    'tools',
    { tools: [] },
    'tools/list',
    async (o) => {
      const tools = await session.listAllTools({ ...o, ...perCall });
      return { json: { tools }, text: () => formatTools(tools, run.columns) };
    },
  );
}

/** `prompts`: every prompt. */
export function listPrompts(
  run: CommandRun,
  session: ClientSession,
  perCall: PerCall,
): Promise<number> {
  return listing(
    run,
    session.serverCapabilities,
    'prompts',
    { prompts: [] },
    'prompts/list',
    async (o) => {
      const prompts = await session.listAllPrompts({ ...o, ...perCall });
      return { json: { prompts }, text: () => formatPrompts(prompts, run.columns) };
    },
  );
}

/** `resources`: every resource and every resource template. */
export function listResources(
  run: CommandRun,
  session: ClientSession,
  perCall: PerCall,
): Promise<number> {
  return listing(
    run,
    session.serverCapabilities,
    'resources',
    { resources: [], resourceTemplates: [] },
    'resources/list',
    async (o) => {
      const resources = await session.listAllResources({ ...o, ...perCall });
      let templates: unknown[] = [];
      try {
        templates = await session.listAllResourceTemplates({ ...o, ...perCall });
      } catch (error) {
        // A server without templates may not know the method at all.
        if (!(error instanceof JsonRpcError && error.code === -32601)) throw error;
      }
      return {
        json: { resources, resourceTemplates: templates },
        text: () => formatResources(resources, templates as Json[], run.columns),
      };
    },
  );
}
