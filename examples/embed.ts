/**
 * Embedding a session in a long-running app: connect to a stdio server, keep its tool list up to
 * date, show what the server sends on its own (log messages, list changes, other notifications)
 * and what the session reports (stream exceptions, diagnostics), and shut down cleanly on Ctrl+C:
 * pending requests are rejected, the server's stdin is closed, and the process waits for the
 * server to exit (SIGTERM, then SIGKILL, if it does not) before it exits itself.
 *
 *   npx tsx examples/embed.ts                  # @modelcontextprotocol/server-everything
 *   npx tsx examples/embed.ts <command> [args…]   # another stdio server
 */
import { createClientSession, type Diagnostic, type SessionMessage } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { stdioServer } from './server-everything.js';

const server = stdioServer(process.argv.slice(2));

const log = (line: string): void => console.log(`[${new Date().toISOString()}] ${line}`);

/**
 * What the session dropped and reported (a late response, a notification that does not fit the
 * revision, …): nothing to act on, shown here for the curious.
 */
function onDiagnostic(d: Diagnostic): void {
  log(`diagnostic ${d.code}: ${d.message}`);
}

/** Everything the session hands to the app that no callback took. */
function onMessage(m: SessionMessage): void {
  switch (m.type) {
    case 'notification':
      // List changes and log messages have their own callbacks below; show the rest.
      if (
        !m.notification.method.endsWith('/list_changed') &&
        m.notification.method !== 'notifications/message'
      ) {
        log(`notification: ${m.notification.method}`);
      }
      break;
    case 'exception':
      log(`stream exception (the session goes on): ${m.error.message}`);
      break;
    case 'transport':
      log(`transport: ${m.event.type}: ${m.event.message}`);
      break;
  }
}

const transport = createStdioTransport({ ...server, stderr: 'capture' });
const session = createClientSession({
  transport,
  clientInfo: { name: 'mcp-actors-embed', version: '0.1.0' },
  messageHandler: onMessage,
  onDiagnostic,
  logging: (params) => log(`server log [${String(params.level)}]: ${JSON.stringify(params.data)}`),
});

let tools: string[] = [];
async function refreshTools(): Promise<void> {
  tools = (await session.listAllTools()).map((t) => t.name);
  log(`tools (${tools.length}): ${tools.join(', ')}`);
}
session.onListChanged('tools', () => {
  log('the server changed its tools');
  refreshTools().catch((error: unknown) => log(`could not list tools: ${String(error)}`));
});

// The session may end without us: the server crashed or closed its stdout.
session.onStateChange((state) => {
  if (state === 'closed' && !stopping) {
    log(`the session closed by itself: ${String(session.error)}`);
    process.exitCode = 1;
  }
});

let stopping = false;
process.on('SIGINT', () => {
  if (stopping) {
    log('second SIGINT: exiting now');
    process.exit(130);
  }
  stopping = true;
  log('SIGINT: closing the session');
  session.close().then(
    () => log(`closed: session ${session.state}, server process ${transport.processState}`),
    (error: unknown) => {
      log(`close failed: ${String(error)}`);
      process.exitCode = 1;
    },
  );
  // Nothing else keeps the event loop alive: once the server has exited, so does this process.
});

const negotiated = await session.connect();
log(
  `connected to ${session.serverInfo?.name ?? '?'} (pid ${String(transport.pid)}), ${negotiated.era} era, protocol ${negotiated.protocolVersion}`,
);
await refreshTools();
log('ready; press Ctrl+C to stop');
