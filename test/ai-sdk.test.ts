import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateText, stepCountIs } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpTools, toModelOutput, ToolResultError } from '../src/ai-sdk/index.js';
import {
  createClientSession,
  createSessionGroup,
  createInMemoryTransportPair,
  RequestCancelledError,
  type CallToolResult,
  type ClientSession,
  type JsonRpcMessage,
  type Tool,
  type Transport,
} from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { startScriptedServer } from '../src/testing/index.js';
import { serverEverything, serverScript } from './support/servers.js';

/**
 * The AI SDK bridge in the AI SDK's own tool loop: `generateText` with the SDK's mock language
 * model (`ai/test`), whose every step is scripted here, against the real
 * `@modelcontextprotocol/server-everything` over stdio through a `ClientSession`. What the model
 * receives at each step is what the SDK's model interface was called with.
 */

/** A transport that records what the client sends through it. */
function recording(inner: Transport, sent: JsonRpcMessage[]): Transport {
  return {
    start: (handlers) => inner.start(handlers),
    send: (message) => {
      sent.push(message);
      return inner.send(message);
    },
    close: () => inner.close(),
  };
}

/** The shapes of the SDK's model interface (version 3), as its mock model takes them. */
type CallOptions = Parameters<MockLanguageModelV3['doGenerate']>[0];
type GenerateResult = Awaited<ReturnType<MockLanguageModelV3['doGenerate']>>;
type Content = GenerateResult['content'][number];

const usage = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** A tool call of the model, as a provider reports it (the input JSON-encoded). */
function call(toolCallId: string, toolName: string, input: unknown): Content {
  return { type: 'tool-call', toolCallId, toolName, input: JSON.stringify(input) };
}

/**
 * The SDK's mock model, answering its n-th call with the n-th step: tool calls (the SDK runs
 * them and calls the model again) or text (the answer).
 */
function scriptedModel(steps: Content[][]): MockLanguageModelV3 {
  let n = 0;
  return new MockLanguageModelV3({
    doGenerate: (): Promise<GenerateResult> => {
      const content = steps[n++] ?? [{ type: 'text', text: '(no more steps)' }];
      const calls = content.some((c) => c.type === 'tool-call');
      return Promise.resolve({
        content,
        finishReason: { unified: calls ? 'tool-calls' : 'stop', raw: undefined },
        usage,
        warnings: [],
      });
    },
  });
}

/** The tool results the model was given in its prompt, by tool call id. */
function toolResults(prompt: CallOptions['prompt'] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const message of prompt ?? []) {
    if (message.role !== 'tool') continue;
    for (const part of message.content) {
      if (part.type === 'tool-result') out[part.toolCallId] = part.output;
    }
  }
  return out;
}

describe('mcpTools over a session to server-everything (stdio), in generateText', () => {
  const sent: JsonRpcMessage[] = [];
  let session: ClientSession;
  let listed: Tool[];

  beforeAll(async () => {
    session = createClientSession({
      transport: recording(
        createStdioTransport({ command: process.execPath, args: [serverEverything, 'stdio'] }),
        sent,
      ),
    });
    await session.connect();
    listed = await session.listAllTools();
  });
  afterAll(async () => {
    await session.close();
  });

  it('runs a tool loop: the model calls echo and get-tiny-image, gets their results, answers', async () => {
    const model = scriptedModel([
      [call('c1', 'echo', { message: 'hello' }), call('c2', 'get-tiny-image', {})],
      [{ type: 'text', text: 'The server said hello and sent a tiny image.' }],
    ]);
    const result = await generateText({
      model,
      tools: await mcpTools(session),
      stopWhen: stepCountIs(5),
      prompt: 'Echo hello, then show me the tiny image.',
    });

    expect(result.text).toBe('The server said hello and sent a tiny image.');
    expect(result.steps).toHaveLength(2);
    expect(model.doGenerateCalls).toHaveLength(2);

    // The first call offered every tool of the listing, each with its JSON Schema.
    const offered = model.doGenerateCalls[0]?.tools ?? [];
    expect(offered.map((t) => t.name).sort()).toEqual(listed.map((t) => t.name).sort());
    const echo = listed.find((t) => t.name === 'echo');
    expect(offered.find((t) => t.name === 'echo')).toMatchObject({
      type: 'function',
      description: echo?.description,
      inputSchema: echo?.inputSchema,
    });

    // The tools ran on the server; what they returned reached the model's second call.
    const image = await session.callTool('get-tiny-image', {});
    const picture = image.content.find((b) => b.type === 'image');
    if (picture?.type !== 'image') throw new Error('get-tiny-image sent no image');
    const given = toolResults(model.doGenerateCalls[1]?.prompt);
    expect(given['c1']).toEqual({ type: 'text', value: 'Echo: hello' });
    expect(given['c2']).toMatchObject({
      type: 'content',
      value: expect.arrayContaining([
        { type: 'text', text: expect.stringMatching(/image/i) },
        { type: 'image-data', data: picture.data, mediaType: picture.mimeType },
      ]),
    });
    // The step's output is the server's result as it came.
    const [first] = result.steps;
    expect(first?.toolResults.find((r) => r.toolCallId === 'c1')?.output).toEqual({
      content: [{ type: 'text', text: 'Echo: hello' }],
    });
  });

  it('gives the model structured content as JSON', async () => {
    const model = scriptedModel([
      [call('w', 'get-structured-content', { location: 'Chicago' })],
      [{ type: 'text', text: 'done' }],
    ]);
    const result = await generateText({
      model,
      tools: await mcpTools(session),
      stopWhen: stepCountIs(3),
      prompt: 'Weather in Chicago?',
    });
    const output = result.steps[0]?.toolResults[0]?.output as CallToolResult;
    expect(output.structuredContent).toMatchObject({ temperature: expect.any(Number) });
    // Not the text that repeats it: the value itself.
    expect(toolResults(model.doGenerateCalls[1]?.prompt)['w']).toEqual({
      type: 'json',
      value: output.structuredContent,
    });
  });

  it('turns an isError result into a tool error the model sees as error text', async () => {
    const model = scriptedModel([
      [call('bad', 'echo', {})], // no `message`: the server's tool fails
      [{ type: 'text', text: 'I forgot the message.' }],
    ]);
    const result = await generateText({
      model,
      tools: await mcpTools(session),
      stopWhen: stepCountIs(3),
      prompt: 'Echo nothing.',
    });
    expect(result.text).toBe('I forgot the message.');
    const failure = result.steps[0]?.content.find((p) => p.type === 'tool-error');
    expect(failure?.error).toBeInstanceOf(ToolResultError);
    const error = failure?.error as ToolResultError;
    expect(error.toolName).toBe('echo');
    expect(error.result.isError).toBe(true);
    expect(error.message).toMatch(/Input validation error/);
    expect(toolResults(model.doGenerateCalls[1]?.prompt)['bad']).toEqual({
      type: 'error-text',
      value: error.message,
    });
  });

  it('filters the tools by name or by predicate', async () => {
    const byName = await mcpTools(session, { filter: ['echo', 'get-sum', 'no-such-tool'] });
    expect(Object.keys(byName).sort()).toEqual(['echo', 'get-sum']);
    expect(byName['echo']).toMatchObject({
      type: 'dynamic',
      title: listed.find((t) => t.name === 'echo')?.title,
    });
    const byPredicate = await mcpTools(session, { filter: (t) => t.name.startsWith('get-') });
    expect(Object.keys(byPredicate).sort()).toEqual(
      listed
        .map((t) => t.name)
        .filter((n) => n.startsWith('get-'))
        .sort(),
    );
    // Only those are offered to the model.
    const model = scriptedModel([[{ type: 'text', text: 'ok' }]]);
    await generateText({ model, tools: byName, prompt: 'hi' });
    expect(model.doGenerateCalls[0]?.tools?.map((t) => t.name).sort()).toEqual(['echo', 'get-sum']);
  });

  it('passes the abort signal on: aborting the generation cancels the MCP request', async () => {
    const controller = new AbortController();
    const model = scriptedModel([
      [call('long', 'trigger-long-running-operation', { duration: 30, steps: 30 })],
      [{ type: 'text', text: 'never reached' }],
    ]);
    const before = sent.length;
    const tools = await mcpTools(session, {
      // The first progress of the long operation: the user gives up.
      call: { onProgress: () => controller.abort('user pressed stop') },
    });
    const errors: unknown[] = [];
    await expect(
      generateText({
        model,
        tools,
        stopWhen: stepCountIs(3),
        prompt: 'Run the long operation.',
        abortSignal: controller.signal,
        onStepFinish: (step) => {
          for (const part of step.content) if (part.type === 'tool-error') errors.push(part.error);
        },
      }),
    ).rejects.toBe('user pressed stop');
    // The SDK stopped there: the model was not called again.
    expect(model.doGenerateCalls).toHaveLength(1);
    // The request was cancelled on the wire, by its id, and rejected as cancelled.
    const request = sent
      .slice(before)
      .find((m) => 'method' in m && m.method === 'tools/call' && 'id' in m);
    if (request === undefined || !('id' in request)) throw new Error('no tools/call sent');
    expect(sent.slice(before)).toContainEqual(
      expect.objectContaining({
        method: 'notifications/cancelled',
        params: expect.objectContaining({ requestId: request.id }),
      }),
    );
    expect(errors).toEqual([expect.any(RequestCancelledError)]);
    expect((errors[0] as RequestCancelledError).reason).toBe('user pressed stop');
    // The session goes on.
    await expect(session.callTool('echo', { message: 'still here' })).resolves.toMatchObject({
      content: [{ text: 'Echo: still here' }],
    });
  });
});

describe('mcpTools over a session group (server-everything and server-memory over stdio)', () => {
  it('offers the aggregate under its names and routes each call to the server that owns it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mcp-actors-ai-group-'));
    const group = createSessionGroup({
      servers: {
        everything: {
          transport: () =>
            createStdioTransport({ command: process.execPath, args: [serverEverything, 'stdio'] }),
        },
        memory: {
          transport: () =>
            createStdioTransport({
              command: process.execPath,
              args: [serverScript('server-memory')],
              env: { MEMORY_FILE_PATH: path.join(dir, 'memory.json') },
            }),
        },
      },
    });
    try {
      await group.ready();
      const entity = {
        name: 'Ada',
        entityType: 'person',
        observations: ['wrote the first program'],
      };
      const model = scriptedModel([
        [
          call('e', 'everything_echo', { message: 'from the group' }),
          call('m', 'memory_create_entities', { entities: [entity] }),
        ],
        [call('r', 'memory_read_graph', {})],
        [{ type: 'text', text: 'Ada is remembered.' }],
      ]);
      const result = await generateText({
        model,
        tools: await mcpTools(group),
        stopWhen: stepCountIs(5),
        prompt: 'Echo, then remember Ada and read the graph.',
      });
      expect(result.text).toBe('Ada is remembered.');

      const offered = (model.doGenerateCalls[0]?.tools ?? []).map((t) => t.name).sort();
      expect(offered).toEqual(
        group
          .tools()
          .map((t) => t.name)
          .sort(),
      );
      expect(offered).toEqual(expect.arrayContaining(['everything_echo', 'memory_read_graph']));

      const given = toolResults(model.doGenerateCalls[1]?.prompt);
      expect(given['e']).toEqual({ type: 'text', value: 'Echo: from the group' });
      // The entity was created on the memory server: reading the graph there (through the group,
      // then on its session directly) finds it.
      const graph = toolResults(model.doGenerateCalls[2]?.prompt)['r'];
      expect(JSON.stringify(graph)).toContain('wrote the first program');
      const direct = await group.session('memory')?.callTool('read_graph', {});
      expect(JSON.stringify(direct?.content)).toContain('wrote the first program');
    } finally {
      await group.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('mcpTools over a session to a scripted server', () => {
  const page1: Tool[] = [
    {
      name: 'speak',
      title: 'Speak',
      description: 'Says a word aloud.',
      inputSchema: { type: 'object', properties: { word: { type: 'string' } } },
    },
  ];
  // A schema without `properties` (MCP allows it; some providers refuse it).
  const page2: Tool[] = [
    { name: 'mixed', annotations: { title: 'Mixed' }, inputSchema: { type: 'object' } },
  ];
  const results: Record<string, CallToolResult> = {
    speak: {
      content: [
        { type: 'text', text: 'Listen:' },
        { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
      ],
    },
    mixed: {
      content: [
        {
          type: 'resource',
          resource: { uri: 'file:///a.png', mimeType: 'image/png', blob: 'iVBO' },
        },
        {
          type: 'resource',
          resource: { uri: 'file:///b.wav', mimeType: 'audio/wav', blob: 'UklG' },
        },
        {
          type: 'resource',
          resource: { uri: 'file:///c.zip', mimeType: 'application/zip', blob: 'UEsD' },
        },
        { type: 'resource', resource: { uri: 'file:///d.txt', text: 'dee' } },
        { type: 'resource_link', uri: 'file:///e.txt', name: 'e' },
      ],
      structuredContent: { left: 'to the text blocks' },
    },
  };

  async function open(): Promise<{ session: ClientSession; calls: unknown[] }> {
    const calls: unknown[] = [];
    const [clientSide, serverSide] = createInMemoryTransportPair();
    startScriptedServer(serverSide, {
      handlers: {
        'tools/list': (params) =>
          params?.['cursor'] === 'two' ? { tools: page2 } : { tools: page1, nextCursor: 'two' },
        'tools/call': (params) => {
          calls.push(params);
          return results[String(params?.['name'])];
        },
      },
    });
    const session = createClientSession({ transport: clientSide, mode: 'legacy' });
    await session.connect();
    return { session, calls };
  }

  it('takes the tools of every page, with their schemas, titles and descriptions', async () => {
    const { session } = await open();
    try {
      const tools = await mcpTools(session);
      expect(Object.keys(tools)).toEqual(['speak', 'mixed']);
      expect(tools['speak']).toMatchObject({ title: 'Speak', description: 'Says a word aloud.' });
      expect(tools['mixed']).toMatchObject({ title: 'Mixed' });
      expect(tools['mixed']).not.toHaveProperty('description');
      const model = scriptedModel([[{ type: 'text', text: 'ok' }]]);
      await generateText({ model, tools, prompt: 'hi' });
      expect(model.doGenerateCalls[0]?.tools).toEqual([
        expect.objectContaining({ name: 'speak', inputSchema: page1[0]?.inputSchema }),
        expect.objectContaining({
          name: 'mixed',
          inputSchema: { type: 'object', properties: {} },
        }),
      ]);
    } finally {
      await session.close();
    }
  });

  it('maps audio and embedded media to file and image parts, the rest to text', async () => {
    const { session, calls } = await open();
    try {
      const model = scriptedModel([
        [call('a', 'speak', { word: 'hi' }), call('b', 'mixed', {})],
        [{ type: 'text', text: 'done' }],
      ]);
      await generateText({
        model,
        tools: await mcpTools(session),
        stopWhen: stepCountIs(3),
        prompt: 'go',
      });
      expect(calls).toEqual([
        { name: 'speak', arguments: { word: 'hi' } },
        { name: 'mixed', arguments: {} },
      ]);
      const given = toolResults(model.doGenerateCalls[1]?.prompt);
      expect(given['a']).toEqual({
        type: 'content',
        value: [
          { type: 'text', text: 'Listen:' },
          { type: 'file-data', data: 'UklGRg==', mediaType: 'audio/wav' },
        ],
      });
      expect(given['b']).toEqual({
        type: 'content',
        value: [
          { type: 'image-data', data: 'iVBO', mediaType: 'image/png' },
          { type: 'file-data', data: 'UklG', mediaType: 'audio/wav' },
          {
            type: 'text',
            text: 'Resource file:///c.zip: application/zip data (4 base64 characters), not shown.',
          },
          { type: 'text', text: 'Resource file:///d.txt:\ndee' },
          { type: 'text', text: 'Resource link: file:///e.txt (e)' },
        ],
      });
    } finally {
      await session.close();
    }
  });
});

describe('toModelOutput and ToolResultError', () => {
  it('reads embedded resources and resource links of server-everything as text', async () => {
    const session = createClientSession({
      transport: createStdioTransport({
        command: process.execPath,
        args: [serverEverything, 'stdio'],
      }),
    });
    try {
      await session.connect();
      const reference = await session.callTool('get-resource-reference', {
        resourceType: 'Text',
        resourceId: 1,
      });
      const output = toModelOutput(reference);
      expect(output.type).toBe('text');
      expect(output.type === 'text' && output.value).toMatch(
        /^Returning resource reference for Resource 1:\nResource demo:\/\/resource\/dynamic\/text\/1:\nResource 1: This is a plaintext resource/,
      );
      const links = toModelOutput(await session.callTool('get-resource-links', { count: 1 }));
      expect(links.type === 'text' && links.value).toMatch(
        /\nResource link: demo:\/\/resource\/dynamic\/\w+\/1 \(.*; text\/plain; .*\)$/,
      );
    } finally {
      await session.close();
    }
  });

  it('shows a content type it does not know as JSON, and joins text blocks', () => {
    const later = { type: 'hologram', frames: 3 } as unknown as CallToolResult['content'][number];
    expect(toModelOutput({ content: [{ type: 'text', text: 'a' }, later] })).toEqual({
      type: 'text',
      value: 'a\n{"type":"hologram","frames":3}',
    });
    expect(toModelOutput({ content: [] })).toEqual({ type: 'text', value: '' });
  });

  it('says what a failed tool said: its text, else its structured content, else a sentence', () => {
    expect(
      new ToolResultError('t', { content: [{ type: 'text', text: 'disk full' }], isError: true })
        .message,
    ).toBe('disk full');
    expect(
      new ToolResultError('t', { content: [], structuredContent: { code: 28 }, isError: true })
        .message,
    ).toBe('{"code":28}');
    expect(new ToolResultError('t', { content: [], isError: true }).message).toBe(
      'The tool "t" failed and said nothing about why.',
    );
  });
});
