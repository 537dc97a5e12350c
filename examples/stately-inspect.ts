/**
 * Stately's own inspector (`@statelyai/inspect`, the XState v5 one; `@xstate/inspect` only works
 * with XState v4) takes the same `inspect` hook. Its viewer is a hosted page on stately.ai, so it
 * needs the internet; the offline inspector (examples/inspect.ts) does not.
 *
 *   npm run build && node dist/examples/stately-inspect.js
 */
import { createSkyInspector } from '@statelyai/inspect';
import { createClientSession } from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';

// In a browser app, `createBrowserInspector()` opens the viewer in a new window instead.
const { inspect } = createSkyInspector({ onerror: (error) => console.error(error.message) });

const session = createClientSession({
  transport: createStdioTransport({
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-everything'],
  }),
  inspect,
});
await session.connect();
await session.callTool('echo', { message: 'seen on stately.ai' });
await session.close();
