/**
 * A tool-calling loop, the way an LLM application drives MCP tools: list the tools, let the model
 * pick a call, run it, feed the result back, and repeat until the model answers.
 *
 * The "model" here is a deterministic function, so the run is the same every time: given the task
 * "add 2 and 3, add 7 to that, and echo the result", it looks for a tool that adds (by name and
 * input schema) and one that echoes, and plans its calls from what the tools returned so far.
 *
 *   npx tsx examples/tool-loop.ts                  # against @modelcontextprotocol/server-everything
 *   npx tsx examples/tool-loop.ts <command> [args…]   # against another stdio server
 */
import { createClientSession, McpError } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { stdioServer } from './server-everything.js';

/** A tool as the model sees it: its name, description and input schema. */
interface ToolInfo {
  readonly name: string;
  readonly description?: string | undefined;
  readonly inputSchema: Readonly<Record<string, unknown>>;
}

/** The names of a tool's parameters, from its input schema. */
const paramsOf = (tool: ToolInfo): string[] => Object.keys(tool.inputSchema.properties ?? {});

/** The conversation the model reads: the task, its own calls, and what each call returned. */
type Message =
  | { readonly role: 'user'; readonly text: string }
  | {
      readonly role: 'assistant';
      readonly call: { readonly name: string; readonly args: Record<string, unknown> };
    }
  | {
      readonly role: 'tool';
      readonly name: string;
      readonly text: string;
      readonly isError: boolean;
    };

/** What the model decides: call a tool, or answer. */
type Decision =
  | { readonly type: 'call'; readonly name: string; readonly args: Record<string, unknown> }
  | { readonly type: 'answer'; readonly text: string };

/**
 * The fake model. It reads the numbers of the task, adds them pairwise with an adding tool (two
 * number parameters, "sum" or "add" in its name or description), then echoes the total if an echo
 * tool exists, then answers. Every step is derived from the conversation, as a real model's would be.
 */
function model(conversation: readonly Message[], tools: readonly ToolInfo[]): Decision {
  const task = conversation.find((m) => m.role === 'user')?.text ?? '';
  const numbers = [...task.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));
  const results = conversation.filter((m) => m.role === 'tool');
  const last = results[results.length - 1];
  if (last?.isError === true) return { type: 'answer', text: `A tool failed: ${last.text}` };

  const adder = tools.find(
    (t) =>
      /\b(sum|add)\b/i.test(`${t.name.replace(/[-_]/g, ' ')} ${t.description ?? ''}`) &&
      paramsOf(t).length === 2,
  );
  const echo = tools.find((t) => /echo/i.test(t.name));
  if (adder === undefined) return { type: 'answer', text: 'None of these tools can add numbers.' };
  const [a, b] = paramsOf(adder) as [string, string];

  // The running total: the first number, then the last number an adding call returned.
  const sums = results.filter((r) => r.name === adder.name);
  const lastSum = sums[sums.length - 1];
  const total =
    lastSum === undefined ? numbers[0] : Number(/(-?\d+(?:\.\d+)?)\.?\s*$/.exec(lastSum.text)?.[1]);
  const next = numbers[sums.length + 1];
  if (next !== undefined && total !== undefined) {
    return { type: 'call', name: adder.name, args: { [a]: total, [b]: next } };
  }
  const echoed = results.find((r) => r.name === echo?.name);
  if (echo !== undefined && echoed === undefined) {
    return { type: 'call', name: echo.name, args: { message: `The total is ${total}` } };
  }
  return { type: 'answer', text: echoed?.text ?? `The total is ${total}.` };
}

const server = stdioServer(process.argv.slice(2));

const session = createClientSession({
  transport: createStdioTransport(server),
  clientInfo: { name: 'mcp-actors-tool-loop', version: '0.1.0' },
});

const MAX_STEPS = 10;
try {
  await session.connect();
  const tools = await session.listAllTools();
  console.log(`tools: ${tools.map((t) => t.name).join(', ')}`);

  const conversation: Message[] = [
    { role: 'user', text: 'Add 2 and 3, then add 7 to that, and echo the result.' },
  ];
  console.log(`user: ${(conversation[0] as { text: string }).text}`);
  for (let step = 1; ; step++) {
    if (step > MAX_STEPS) throw new Error(`no answer after ${MAX_STEPS} steps`);
    const decision = model(conversation, tools);
    if (decision.type === 'answer') {
      console.log(`answer: ${decision.text}`);
      break;
    }
    console.log(`step ${step}: call ${decision.name} ${JSON.stringify(decision.args)}`);
    conversation.push({ role: 'assistant', call: { name: decision.name, args: decision.args } });
    try {
      const result = await session.callTool(decision.name, decision.args, { timeout: 30_000 });
      const text = result.content
        .map((c) => (c.type === 'text' ? c.text : `[${c.type}]`))
        .join('\n');
      console.log(`step ${step}: ${decision.name} returned ${JSON.stringify(text)}`);
      conversation.push({
        role: 'tool',
        name: decision.name,
        text,
        isError: result.isError === true,
      });
    } catch (error) {
      // A protocol error (unknown tool, bad arguments, timeout) goes back to the model as a failed call.
      if (!(error instanceof McpError)) throw error;
      console.log(`step ${step}: ${decision.name} failed: ${error.message}`);
      conversation.push({ role: 'tool', name: decision.name, text: error.message, isError: true });
    }
  }
} catch (error) {
  console.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await session.close();
}
