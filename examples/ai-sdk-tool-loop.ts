/**
 * An MCP server's tools in the Vercel AI SDK's own tool loop: `mcpTools` turns the session's
 * tools into AI SDK tools, and `generateText` runs the loop (the model asks for tools, the SDK
 * calls them through the session, the results go back to the model) until the model answers.
 *
 * The model is the AI SDK's mock (`ai/test`), so the run needs no network and no API key: at each
 * step it reads what the tools returned so far and decides, as a real model would. To use a real
 * one, install its provider and replace `model` (see below).
 *
 *   npx tsx examples/ai-sdk-tool-loop.ts           # against @modelcontextprotocol/server-everything
 */
import { generateText, stepCountIs, type LanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { mcpTools, toModelOutput } from '../src/ai-sdk/index.js';
import { createClientSession, type CallToolResult } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { stdioServer } from './server-everything.js';

type CallOptions = Parameters<MockLanguageModelV3['doGenerate']>[0];
type Content = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>['content'][number];

/** What the tools returned so far, as the model receives it: the outputs, by tool name. */
function toolOutputs(prompt: CallOptions['prompt']): Map<string, unknown> {
  const outputs = new Map<string, unknown>();
  for (const message of prompt) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type === 'tool-result') outputs.set(part.toolName, part.output);
    }
  }
  return outputs;
}

/**
 * The stand-in model: first it adds 2 and 3 and asks for the tiny image, then it echoes the
 * sum it read in the result, then it answers with what it saw.
 */
function decide(options: CallOptions): Content[] {
  const outputs = toolOutputs(options.prompt);
  const call = (id: string, toolName: string, input: unknown): Content => ({
    type: 'tool-call',
    toolCallId: id,
    toolName,
    input: JSON.stringify(input),
  });
  const sum = outputs.get('get-sum') as { type: 'text'; value: string } | undefined;
  if (sum === undefined)
    return [call('1', 'get-sum', { a: 2, b: 3 }), call('2', 'get-tiny-image', {})];
  const echo = outputs.get('echo') as { type: 'text'; value: string } | undefined;
  if (echo === undefined) {
    const total = /(\d+)\.?$/.exec(sum.value)?.[1] ?? '?';
    return [call('3', 'echo', { message: `The total is ${total}` })];
  }
  const image = outputs.get('get-tiny-image') as
    { type: 'content'; value: { type: string; mediaType?: string }[] } | undefined;
  const picture = image?.value.find((p) => p.type === 'image-data');
  return [
    { type: 'text', text: `${echo.value}; I also saw an image (${picture?.mediaType ?? 'none'}).` },
  ];
}

const model: LanguageModel = new MockLanguageModelV3({
  doGenerate: (options) => {
    const content = decide(options);
    const calls = content.some((c) => c.type === 'tool-call');
    return Promise.resolve({
      content,
      finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined },
      usage: {
        inputTokens: { total: 0, noCache: 0, cacheRead: undefined, cacheWrite: undefined },
        outputTokens: { total: 0, text: 0, reasoning: undefined },
      },
      warnings: [],
    });
  },
});
// A real model instead: `npm install @ai-sdk/openai`, set OPENAI_API_KEY, and
//   import { openai } from '@ai-sdk/openai';
//   const model: LanguageModel = openai('gpt-5');

const session = createClientSession({
  transport: createStdioTransport(stdioServer([])),
  clientInfo: { name: 'mcp-actors-ai-sdk-tool-loop', version: '0.1.0' },
});

/** A tool output in one line. */
function show(output: ReturnType<typeof toModelOutput>): string {
  if (output.type === 'content') {
    const parts = output.value.map((p) =>
      p.type === 'text'
        ? JSON.stringify(p.text)
        : `[${p.type}${'mediaType' in p ? ` ${p.mediaType}` : ''}]`,
    );
    return `content ${parts.join(' ')}`;
  }
  return `${output.type} ${'value' in output ? JSON.stringify(output.value) : ''}`;
}

try {
  await session.connect();
  const prompt = 'Add 2 and 3, echo the total, and show me the tiny image.';
  console.log(`user: ${prompt}`);
  let step = 0;
  const { text } = await generateText({
    model,
    tools: await mcpTools(session, { filter: ['get-sum', 'echo', 'get-tiny-image'] }),
    stopWhen: stepCountIs(5),
    prompt,
    abortSignal: AbortSignal.timeout(60_000), // cancels the MCP calls in flight too
    onStepFinish: ({ toolCalls, toolResults }) => {
      step++;
      for (const c of toolCalls)
        console.log(`step ${step}: call ${c.toolName} ${JSON.stringify(c.input)}`);
      // The output is the server's CallToolResult; toModelOutput is what the model was given.
      for (const r of toolResults) {
        const output = toModelOutput(r.output as CallToolResult);
        console.log(`step ${step}: ${r.toolName} gave the model ${show(output)}`);
      }
    },
  });
  console.log(`answer: ${text}`);
} catch (error) {
  console.log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await session.close();
}
