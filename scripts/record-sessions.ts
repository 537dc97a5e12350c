/**
 * Records what a real server sends in a session of each handshake revision, as seeds for the fuzz
 * run (`npm run fuzz`, scripts/fuzz/corpus.ts). It runs `@modelcontextprotocol/server-everything`
 * (a devDependency) over stdio, once per revision from 2024-11-05 to 2025-11-25, drives it through
 * its tools, prompts, resources, completions, logging, progress and its own requests (sampling,
 * elicitation, roots), and writes every message the server sent to
 * `test/fixtures/recorded/server-everything-<revision>.jsonl`: one JSON object a line,
 * `{ "message": … }`, with `"answers": "<method>"` on the responses, naming the request answered.
 *
 *   npx tsx scripts/record-sessions.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createClientSession,
  LEGACY_REVISIONS,
  type JsonRpcMessage,
  type Transport,
} from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = path.join(
  root,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);
const outDir = path.join(root, 'test/fixtures/recorded');

interface Recorded {
  readonly answers?: string;
  readonly message: unknown;
}

/** Wraps a transport, keeping every message received, with the method of the request it answers. */
function recording(inner: Transport, into: Recorded[]): Transport {
  const methods = new Map<string | number, string>();
  return {
    start: (handlers) =>
      inner.start({
        ...handlers,
        message: (message) => {
          const m = message as { id?: string | number; method?: string };
          const answers =
            m.method === undefined && m.id !== undefined ? methods.get(m.id) : undefined;
          into.push(answers === undefined ? { message } : { answers, message });
          handlers.message(message);
        },
      }),
    send: (message: JsonRpcMessage) => {
      if ('method' in message && 'id' in message) methods.set(message.id, message.method);
      return inner.send(message);
    },
    close: () => inner.close(),
  };
}

async function record(revision: string): Promise<Recorded[]> {
  const into: Recorded[] = [];
  const session = createClientSession({
    transport: recording(
      createStdioTransport({ command: process.execPath, args: [server, 'stdio'] }),
      into,
    ),
    mode: 'legacy',
    protocolVersion: revision,
    sampling: () => ({
      role: 'assistant',
      content: { type: 'text', text: 'A recorded answer.' },
      model: 'recorder',
    }),
    elicitation: {
      form: () => ({ action: 'accept', content: { name: 'Ada', color: 'red' } }),
      url: () => ({ action: 'decline' }),
    },
    roots: { list: () => [{ uri: 'file:///tmp/project', name: 'project' }] },
  });
  await session.connect();
  const attempt = async (what: () => Promise<unknown>): Promise<void> => {
    try {
      await what();
    } catch {
      // A refusal is recorded too (the server's error response).
    }
  };
  await attempt(() => session.ping());
  await attempt(() => session.setLoggingLevel('debug'));
  await attempt(() => session.listTools());
  await attempt(() => session.callTool('echo', { message: 'hello' }));
  await attempt(() => session.callTool('get-sum', { a: 2, b: 40 }));
  await attempt(() => session.callTool('get-annotated-message', { messageType: 'error' }));
  await attempt(() => session.callTool('get-annotated-message', { messageType: 'success' }));
  await attempt(() => session.callTool('get-resource-links', { count: 3 }));
  await attempt(() => session.callTool('get-resource-reference', { resourceType: 'Blob' }));
  await attempt(() => session.callTool('get-structured-content', { location: 'Chicago' }));
  await attempt(() => session.callTool('get-tiny-image', {}));
  await attempt(() => session.callTool('get-roots-list', {}));
  await attempt(() => session.callTool('trigger-sampling-request', { prompt: 'Say hi' }));
  await attempt(() => session.callTool('trigger-elicitation-request', {}));
  await attempt(() =>
    session.callTool(
      'trigger-long-running-operation',
      { duration: 1, steps: 4 },
      { onProgress: () => {} },
    ),
  );
  await attempt(() => session.callTool('no-such-tool', {}));
  await attempt(() => session.listPrompts());
  await attempt(() => session.getPrompt('simple-prompt'));
  await attempt(() => session.getPrompt('args-prompt', { city: 'Paris', state: 'TX' }));
  await attempt(() => session.listResources());
  await attempt(() => session.listResourceTemplates());
  await attempt(() => session.readResource('demo://resource/static/document/architecture.md'));
  await attempt(() => session.readResource('demo://resource/dynamic/blob/1'));
  await attempt(() => session.subscribeResource('demo://resource/dynamic/text/1'));
  await attempt(() =>
    session.complete({
      ref: { type: 'ref/prompt', name: 'completable-prompt' },
      argument: { name: 'department', value: 'E' },
    }),
  );
  await attempt(() => session.request('no/such-method', {}));
  await session.close();
  return into;
}

mkdirSync(outDir, { recursive: true });
for (const revision of [...LEGACY_REVISIONS].reverse()) {
  const messages = await record(revision);
  const file = path.join(outDir, `server-everything-${revision}.jsonl`);
  writeFileSync(file, messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
  console.log(`${revision}: ${messages.length} messages → ${path.relative(root, file)}`);
}
