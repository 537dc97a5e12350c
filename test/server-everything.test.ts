import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createClientSession, type ClientSession } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';

/**
 * Against the real `@modelcontextprotocol/server-everything` (a devDependency) over stdio: the era
 * probe, listings, tool calls with output validation and progress, and the server's requests for
 * sampling, roots and elicitation answered through the callbacks.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverEverything = path.join(
  root,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

let session: ClientSession | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

function open(asked: { sampling: string[]; elicited: string[] }) {
  session = createClientSession({
    transport: createStdioTransport({
      command: process.execPath,
      args: [serverEverything, 'stdio'],
    }),
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

describe('server-everything over stdio', () => {
  it('negotiates with the probe, lists, calls, reads and prompts', async () => {
    const s = open({ sampling: [], elicited: [] });
    const negotiated = await s.connect();
    expect(negotiated.era).toBe('legacy');
    expect(s.fallbackReason).toMatch(/-32601/);
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
});
