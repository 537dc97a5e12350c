/**
 * The commands of one request, `call`, `get-prompt` and `read`: the request with its arguments
 * (checked before connecting, in dispatch.ts), and its result printed as text or JSON. A tool
 * result with `isError` is printed too, and exits with 1.
 */
import type { ClientSession } from '../index.js';
import { parseJsonObject, parsePromptArguments } from './args.js';
import { EXIT } from './exit.js';
import { formatPromptResult, formatReadResult, formatToolResult } from './format.js';
import type { PerCall } from './command-listing.js';
import type { CommandRun } from './run-state.js';

type Json = Record<string, unknown>;

/** What a request that may ask for input adds (2026-07-28): how many rounds it may take. */
export type PerInputCall = PerCall & { maxInputRounds?: number };

/** `call <tool> [arguments]`. */
export async function callTool(
  run: CommandRun,
  session: ClientSession,
  perCall: PerInputCall,
): Promise<number> {
  const [name = '', argsText] = run.options.args;
  const args = parseJsonObject(argsText, 'tool arguments');
  const result: Json = await run.withRequest(name, (o) =>
    session.callTool(name, args, { ...o, ...perCall }),
  );
  if (run.options.json) run.json(result);
  else run.out(formatToolResult(result));
  if (result.isError === true) {
    run.note(`mcp-actors: the tool ${JSON.stringify(name)} reported an error (isError).`);
    return EXIT.serverError;
  }
  return EXIT.ok;
}

/** `get-prompt <name> [arguments]`. */
export async function getPrompt(
  run: CommandRun,
  session: ClientSession,
  perCall: PerInputCall,
): Promise<number> {
  const [name = '', argsText] = run.options.args;
  const args = parsePromptArguments(argsText);
  const result = (await run.withRequest(name, (o) =>
    session.getPrompt(name, args, { ...o, ...perCall }),
  )) as Json;
  if (run.options.json) run.json(result);
  else run.out(formatPromptResult(result));
  return EXIT.ok;
}

/** `read <uri>`. */
export async function readResource(
  run: CommandRun,
  session: ClientSession,
  perCall: PerInputCall,
): Promise<number> {
  const [uri = ''] = run.options.args;
  const result = (await run.withRequest(uri, (o) =>
    session.readResource(uri, { ...o, ...perCall }),
  )) as Json;
  if (run.options.json) run.json(result);
  else run.out(formatReadResult(result));
  return EXIT.ok;
}
