/**
 * The main job: a real session against an MCP server over stdio. With no arguments it starts the
 * embedded default, `@modelcontextprotocol/server-everything`; otherwise it runs the given command:
 *
 *   npm start                      # server-everything
 *   npm start -- npx -y some-mcp-server --flag
 *   npm start -- http://127.0.0.1:3001/mcp   # Streamable HTTP (or HTTP+SSE)
 *   npm start -- ws://127.0.0.1:3001/mcp     # WebSocket
 *
 * It negotiates (era probe), lists tools, resources and prompts, calls a tool with progress, and
 * prints what happened, including every lifecycle transition.
 */
import {
  createClientSession,
  createHttpTransport,
  type Progress,
  type Transport,
} from '../src/index.js';
import { createNodeWebSocketTransport, createStdioTransport } from '../src/node/index.js';
import { stdioServer } from './server-everything.js';

const [command] = process.argv.slice(2);
const log = (line: string): void => console.log(line);

const isUrl = command !== undefined && /^(https?|wss?):\/\//.test(command);

const server = stdioServer(process.argv.slice(2));

log(`server: ${isUrl ? String(command) : [server.command, ...(server.args ?? [])].join(' ')}`);
const transport: Transport = !isUrl
  ? createStdioTransport(server)
  : /^wss?:/.test(String(command))
    ? createNodeWebSocketTransport({ url: String(command) })
    : createHttpTransport({ url: String(command) });
const session = createClientSession({
  transport,
  clientInfo: { name: 'mcp-actors-main', version: '0.1.0' },
  roots: { list: () => [{ uri: `file://${process.cwd()}`, name: 'cwd' }] },
  sampling: () => ({
    role: 'assistant',
    content: { type: 'text', text: '(no model here)' },
    model: 'none',
  }),
  messageHandler: (m) => {
    if (m.type === 'exception') log(`  stream exception: ${m.error.message}`);
  },
});
// Every state, nested ones too (the negotiation path shows as initializing.<step>).
let last = '';
session.actor.subscribe((snapshot) => {
  const value = snapshot.value as string | Record<string, string>;
  const shown =
    typeof value === 'string'
      ? value
      : Object.entries(value)
          .map(([k, v]) => `${k}.${v}`)
          .join();
  if (shown !== last) log(`lifecycle: ${(last = shown)}`);
});

try {
  const negotiated = await session.connect();
  log(
    `negotiated: ${negotiated.era} era, protocol ${negotiated.protocolVersion}` +
      (session.fallbackReason === undefined
        ? ''
        : ` (the probe fell back: ${session.fallbackReason})`),
  );
  log(`server: ${session.serverInfo?.name ?? '?'} ${session.serverInfo?.version ?? ''}`);
  const caps = session.serverCapabilities ?? {};
  const tools = 'tools' in caps ? await session.listAllTools() : [];
  log(`tools (${tools.length}): ${tools.map((t) => t.name).join(', ')}`);
  const resources = 'resources' in caps ? await session.listAllResources() : [];
  log(
    `resources (${resources.length}): ${resources
      .slice(0, 5)
      .map((r) => r.uri)
      .join(', ')}${resources.length > 5 ? ', …' : ''}`,
  );
  const prompts = 'prompts' in caps ? await session.listAllPrompts() : [];
  log(`prompts (${prompts.length}): ${prompts.map((p) => p.name).join(', ')}`);

  const onProgress = (p: Progress): void =>
    log(
      `  progress ${p.progress}${p.total === undefined ? '' : `/${p.total}`}${p.message === undefined ? '' : ` ${p.message}`}`,
    );
  const long = tools.find((t) => t.name === 'trigger-long-running-operation');
  if (long !== undefined) {
    const result = await session.callTool(long.name, { duration: 1, steps: 4 }, { onProgress });
    log(`${long.name}: ${JSON.stringify(result.content)}`);
  } else if (tools.some((t) => t.name === 'echo')) {
    const result = await session.callTool(
      'echo',
      { message: 'hello from mcp-actors' },
      { onProgress },
    );
    log(`echo: ${JSON.stringify(result.content)}`);
  }
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await session.close();
  log(`final state: ${session.state}`);
}
