/**
 * The offline inspector: a session with server-everything, watched live in the browser.
 *
 *   npm run build && node dist/examples/inspect.js
 *
 * Open the printed address; the page shows the connection statechart with the current state lit,
 * the requests in flight and settled, and every JSON-RPC message. Ctrl-C ends it.
 */
import { createClientSession } from '../src/index.js';
import { createStdioTransport, startInspector } from '../src/node/index.js';
import { serverEverythingScript as serverEverything } from './server-everything.js';

const inspector = await startInspector();
console.log(`inspector: ${inspector.url}`);

const session = createClientSession({
  transport: createStdioTransport({ command: process.execPath, args: [serverEverything, 'stdio'] }),
  inspect: inspector.observer('server-everything'),
});
await session.connect();
const { tools } = await session.listTools();
console.log(`${tools.length} tools; calling echo, then a long operation with progress`);
await session.callTool('echo', { message: 'watched' });
await session.callTool(
  'trigger-long-running-operation',
  { duration: 10, steps: 10 },
  { onProgress: (p) => console.log(`progress ${p.progress}/${p.total ?? '?'}`) },
);
console.log('done; the page keeps the history. Ctrl-C to end.');
process.once('SIGINT', () => {
  void session.close().then(() => inspector.close());
});
