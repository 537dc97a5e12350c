/**
 * Takes the inspector's pictures in docs/: the page with the drawn connection statechart
 * (docs/inspector.png), a request picked in the requests table with its own machine and events
 * (docs/inspector-request.png), and the sequence view of the exchange (docs/inspector-sequence.png).
 *
 *   npm run build:page && npx tsx scripts/inspector-screenshots.ts [outDir]
 *
 * It watches a session with `@modelcontextprotocol/server-everything` over stdio (a
 * devDependency): the handshake, two echoes, a long operation with progress cancelled half way,
 * and opens the page in the headless Chromium of the browser tests (test/support/chromium.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClientSession } from '../src/index.js';
import { createStdioTransport, startInspector } from '../src/node/index.js';
import { launchChromium } from '../test/support/chromium.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.argv[2] ?? path.join(root, 'docs'));
const serverEverything = path.join(
  root,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

const inspector = await startInspector();
const browser = await launchChromium();
const session = createClientSession({
  transport: createStdioTransport({
    command: process.execPath,
    args: [serverEverything, 'stdio'],
  }),
  clientInfo: { name: 'inspector-screenshots', version: '1.0.0' },
  inspect: inspector.observer('server-everything (stdio)'),
});
try {
  const page = await browser.newPage({
    viewport: { width: 1600, height: 1000 },
    deviceScaleFactor: 2, // sharp when shown scaled down
  });
  await page.goto(inspector.url);
  await page.waitForSelector('header .status:has-text("live")');

  await session.connect();
  await session.callTool('echo', { message: 'hello inspector' });
  await session.callTool('echo', { message: 'again' });
  // A long operation: cancelled after its third progress report.
  const controller = new AbortController();
  let reports = 0;
  const long = session
    .callTool(
      'trigger-long-running-operation',
      { duration: 6, steps: 12 },
      {
        signal: controller.signal,
        onProgress: () => {
          if (++reports === 3) controller.abort('seen enough');
        },
      },
    )
    .catch((error: unknown) => error);
  await long;

  await page.waitForSelector('#history tr.request.settled:has-text("cancelled")');
  await page.waitForSelector('#chart svg.diagram .state.lit[data-id="connection.ready"]');
  await page.screenshot({ path: path.join(outDir, 'inspector.png') });

  await page.click('#history tr.request.settled:has-text("cancelled")');
  const request = page.locator('#request');
  await page.waitForSelector('#request-chart svg.diagram .state.lit');
  await request.screenshot({ path: path.join(outDir, 'inspector-request.png') });

  await page.locator('#sequence-view').screenshot({
    path: path.join(outDir, 'inspector-sequence.png'),
  });
  console.log(`written to ${outDir}: inspector.png, inspector-request.png, inspector-sequence.png`);
} finally {
  await session.close();
  await browser.close();
  await inspector.close();
}
