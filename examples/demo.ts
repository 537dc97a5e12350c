/**
 * The main job on an embedded default: a session over the in-memory transport against a small
 * scripted server. It connects, calls a tool with progress, answers a server request, and prints
 * every lifecycle transition and request outcome.
 */
import {
  createClientSession,
  createInMemoryTransportPair,
  RequestTimeoutError,
} from '../src/index.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';

const [clientSide, serverSide] = createInMemoryTransportPair();

const server = startScriptedServer(serverSide, {
  serverInfo: { name: 'demo-server', version: '1.0.0' },
  instructions: 'A scripted server for the mcp-actors demo.',
  handlers: {
    'tools/call': async (params, call) => {
      const token = (params?._meta as { progressToken?: string | number } | undefined)
        ?.progressToken;
      for (let step = 1; step <= 3; step++) {
        if (token !== undefined) {
          call.notify('notifications/progress', { progressToken: token, progress: step, total: 3 });
        }
        await Promise.resolve();
      }
      const roots = await server.request('roots/list');
      return {
        content: [{ type: 'text', text: `echo: ${JSON.stringify(params?.arguments)}` }],
        roots,
      };
    },
    'tools/slow': () => NO_RESPONSE,
  },
});

const log = (line: string): void => console.log(line);

const session = createClientSession({
  transport: clientSide,
  clientInfo: { name: 'mcp-actors-demo', version: '0.1.0' },
  capabilities: { roots: {} },
  requestHandlers: {
    'roots/list': () => ({ roots: [{ uri: 'file:///demo', name: 'demo' }] }),
  },
  inspect: (event) => {
    if (event.type === '@xstate.snapshot') {
      const ref = event.actorRef as { id?: string };
      const snap = event.snapshot as { value?: unknown };
      log(`  [inspect] ${ref.id ?? '?'} → ${JSON.stringify(snap.value)}`);
    }
  },
});

session.onStateChange((state) => log(`lifecycle: ${state}`));

const negotiated = await session.connect();
log(
  `connected to ${session.serverInfo?.name} ${session.serverInfo?.version}: ${negotiated.era} era, protocol ${negotiated.protocolVersion}` +
    (session.fallbackReason === undefined
      ? ''
      : ` (the probe fell back: ${session.fallbackReason})`),
);

const result = await session.request(
  'tools/call',
  { name: 'echo', arguments: { text: 'hello' } },
  { onProgress: (p) => log(`progress ${p.progress}/${String(p.total)}`) },
);
log(`tools/call result: ${JSON.stringify(result)}`);

try {
  await session.request('tools/slow', {}, { timeout: 50 });
} catch (error) {
  log(`tools/slow: ${error instanceof RequestTimeoutError ? error.code : String(error)}`);
}

await session.close();
log(`final state: ${session.state}`);
