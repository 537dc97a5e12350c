import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createClientSession,
  createStreamableHttpTransport,
  type ClientSession,
  type Transport,
} from '../src/index.js';
import { createNodeFetch, createStdioTransport } from '../src/node/index.js';
import { startHttpServerProcess, type HttpServerProcess } from './support/http-server-process.js';
import { serverEverything } from './support/servers.js';

/**
 * Against the real `@modelcontextprotocol/server-everything` (a devDependency), over stdio and over
 * Streamable HTTP (its own HTTP server, bound to 127.0.0.1; with the global `fetch` and with
 * `createNodeFetch`): the era probe, listings, tool calls
 * with output validation and progress, the server's requests for sampling, roots and elicitation
 * answered through the callbacks, cancellation.
 */

let session: ClientSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

let http: HttpServerProcess | undefined;
beforeAll(async () => {
  http = await startHttpServerProcess(serverEverything, ['streamableHttp']);
});
afterAll(async () => {
  await http?.stop();
});

const transports: [string, () => Transport][] = [
  [
    'stdio',
    () => createStdioTransport({ command: process.execPath, args: [serverEverything, 'stdio'] }),
  ],
  [
    'Streamable HTTP',
    () => createStreamableHttpTransport({ url: `${http?.origin ?? 'http://unstarted'}/mcp` }),
  ],
  [
    'Streamable HTTP on createNodeFetch',
    () =>
      createStreamableHttpTransport({
        url: `${http?.origin ?? 'http://unstarted'}/mcp`,
        fetch: createNodeFetch(),
      }),
  ],
];

describe.each(transports)('server-everything over %s', (_name, transport) => {
  function open(asked: { sampling: string[]; elicited: string[] }) {
    session = createClientSession({
      transport: transport(),
      clientInfo: { name: 'mcp-actors-test', version: '1.0.0' },
      sampling: (params) => {
        asked.sampling.push(JSON.stringify(params.messages));
        return {
          role: 'assistant',
          content: { type: 'text', text: 'a sampled answer' },
          model: 'test-model',
        };
      },
      roots: { list: () => [{ uri: 'file:///work', name: 'work' }] },
      elicitation: {
        form: (params) => {
          asked.elicited.push(String(params.message));
          return { action: 'decline' };
        },
      },
    });
    return session;
  }

  it('negotiates with the probe, lists, calls, reads and prompts', async () => {
    const s = open({ sampling: [], elicited: [] });
    const negotiated = await s.connect();
    expect(negotiated.era).toBe('legacy');
    // stdio: -32601 for server/discover; HTTP: its 400 for a request without a session.
    expect(s.fallbackReason).toMatch(/-32601|-32000/);
    expect(s.serverInfo?.name).toBe('mcp-servers/everything');
    const tools = await s.listAllTools();
    expect(tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'get-structured-content']),
    );
    await expect(s.callTool('echo', { message: 'hello' })).resolves.toMatchObject({
      content: [{ type: 'text', text: 'Echo: hello' }],
    });
    // Its output schema is validated against the structured content.
    const weather = await s.callTool('get-structured-content', { location: 'Chicago' });
    expect(weather.structuredContent).toBeDefined();
    const resources = await s.listAllResources();
    expect(resources.length).toBeGreaterThan(0);
    const first = resources[0];
    if (first === undefined) throw new Error('no resources');
    const read = await s.readResource(first.uri);
    expect(read.contents[0]?.uri).toBe(first.uri);
    const prompts = await s.listAllPrompts();
    expect(prompts.map((p) => p.name)).toContain('simple-prompt');
    await expect(s.getPrompt('simple-prompt')).resolves.toMatchObject({
      messages: expect.any(Array),
    });
  });

  it('reports progress of a long-running tool', async () => {
    const s = open({ sampling: [], elicited: [] });
    await s.connect();
    const progress: number[] = [];
    const result = await s.callTool(
      'trigger-long-running-operation',
      { duration: 0.2, steps: 2 },
      { onProgress: (p) => progress.push(p.progress) },
    );
    expect(progress).toEqual([1, 2]);
    expect(JSON.stringify(result.content)).toContain('completed');
  });

  it('answers the server’s sampling, roots and elicitation requests through the callbacks', async () => {
    const asked = { sampling: [] as string[], elicited: [] as string[] };
    const s = open(asked);
    await s.connect();
    const sampled = await s.callTool('trigger-sampling-request', {
      prompt: 'What is 2+2?',
      maxTokens: 10,
    });
    expect(JSON.stringify(sampled.content)).toContain('a sampled answer');
    expect(asked.sampling.join()).toContain('What is 2+2?');
    const roots = await s.callTool('get-roots-list', {});
    expect(JSON.stringify(roots.content)).toContain('file:///work');
    await s.callTool('trigger-elicitation-request', {});
    expect(asked.elicited.length).toBe(1);
  });

  it('cancels a long-running tool: the call rejects and the session goes on', async () => {
    const s = open({ sampling: [], elicited: [] });
    await s.connect();
    const controller = new AbortController();
    const call = s.callTool(
      'trigger-long-running-operation',
      { duration: 30, steps: 30 },
      { signal: controller.signal, onProgress: () => controller.abort('enough') },
    );
    await expect(call).rejects.toMatchObject({ code: 'REQUEST_CANCELLED' });
    await expect(s.callTool('echo', { message: 'still here' })).resolves.toMatchObject({
      content: [{ text: 'Echo: still here' }],
    });
  });
});
