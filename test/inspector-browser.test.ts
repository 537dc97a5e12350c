import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClientSession,
  createInMemoryTransportPair,
  createOAuthClient,
  createStreamableHttpTransport,
  type ClientSession,
  type OAuthClient,
} from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { startInspector, type Inspector } from '../src/node/inspector.js';
import { startScriptedServer } from '../src/testing/index.js';
import { launchChromium } from './support/chromium.js';
import {
  authorizeAsUser,
  startAuthorizationServer,
  startProtectedMcpServer,
} from './support/oauth-server.js';

/**
 * The offline inspector in a real browser: headless Chromium (the build shipped in the
 * @sparticuz/chromium package, see test/support/chromium.ts; driven by playwright-core)
 * opens the page while a session with server-everything connects, calls tools, runs a long
 * operation with progress, cancels it and closes; a second, in-memory session shows beside it;
 * a third runs OAuth's code flow against the fixture's authorization server, and its
 * authorization statechart shows under it.
 * The screenshot for the README is taken here (`UPDATE_SCREENSHOT=1 npx vitest run
 * test/inspector-browser.test.ts` writes docs/inspector.png).
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverEverything = path.join(
  root,
  'node_modules/@modelcontextprotocol/server-everything/dist/index.js',
);

let browser: Browser | undefined;
let inspector: Inspector | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  inspector = await startInspector();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await inspector?.close();
});

/** The part of a DOM element read in the page (the tests are type-checked without the DOM types). */
interface Dataset {
  readonly dataset: Readonly<Record<string, string | undefined>>;
}

const active = (page: Page, state: string) =>
  page.waitForSelector(`#chart .state.active[data-id="connection.${state}"]`);

describe('the inspector page', () => {
  it('shows the statechart, the requests and the log of live sessions, and keeps secrets out', async () => {
    const insp = inspector as Inspector;
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(insp.url);
    await page.waitForSelector('header .status:has-text("live")');

    let session: ClientSession | undefined = createClientSession({
      transport: createStdioTransport({
        command: process.execPath,
        args: [serverEverything, 'stdio'],
      }),
      clientInfo: { name: 'inspector-test', version: '1.0.0' },
      inspect: insp.observer('server-everything (stdio)'),
    });
    try {
      await session.connect();
      await active(page, 'ready');
      // The negotiation path taken: the era probe, then the handshake.
      await expect.poll(() => page.textContent('#path')).toMatch(/preconnect → .*ready/);
      expect(
        await page.getAttribute('#chart .state[data-id="connection.initializing"]', 'class'),
      ).toContain('visited');

      await session.callTool('echo', { message: 'hello inspector' });
      await session.callTool('echo', { message: 'with a secret', api_key: 'sk-do-not-show' });

      // A long operation in flight, with progress; cancelled once the page shows it.
      const controller = new AbortController();
      const long = session
        .callTool(
          'trigger-long-running-operation',
          { duration: 30, steps: 30 },
          { signal: controller.signal, onProgress: () => {} },
        )
        .catch((e: unknown) => e);
      const row = page.locator('#requests tr.request.inflight', { hasText: 'tools/call' });
      await row.waitFor();
      await page.waitForSelector('#requests tr.request.inflight .bar > span');
      expect(await row.textContent()).toMatch(/inFlight.*1\/30/);
      // The README's picture: written to docs/ when asked (UPDATE_SCREENSHOT=1), so that a test
      // run leaves the committed one alone; taken and checked either way.
      const shot = await page.screenshot(
        process.env['UPDATE_SCREENSHOT'] === '1'
          ? { path: path.join(root, 'docs/inspector.png') }
          : {},
      );
      expect(shot.subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(shot.length).toBeGreaterThan(20_000);
      controller.abort('seen enough');
      await expect(long).resolves.toMatchObject({ code: 'REQUEST_CANCELLED' });
      await page.waitForSelector('#history tr.request.settled:has-text("cancelled")');
      expect(
        await page.locator('#history tr.request.settled', { hasText: 'succeeded' }).count(),
      ).toBeGreaterThanOrEqual(3); // the handshake and the two echoes

      // The log: both directions, filtered by method, an entry expanded to its JSON.
      expect(
        await page.locator('#log .log-entry.out', { hasText: 'tools/call echo' }).count(),
      ).toBe(2);
      expect(
        await page.locator('#log .log-entry.in', { hasText: 'notifications/progress' }).count(),
      ).toBeGreaterThanOrEqual(1);
      await page.fill('#filter', 'tools/');
      const shownMethods = () =>
        page
          .locator('#log .log-entry')
          .evaluateAll((rows) =>
            rows.map((r) => (r as unknown as Dataset).dataset['method'] ?? ''),
          );
      await expect
        .poll(async () => (await shownMethods()).every((m) => m.includes('tools/')))
        .toBe(true);
      // Requests and their responses (filed under the request's method).
      expect((await shownMethods()).length).toBeGreaterThanOrEqual(5);
      expect(
        await page.locator('#log .log-entry.in', { hasText: 'result of tools/call' }).count(),
      ).toBe(2);
      await page.locator('#log .log-entry.out', { hasText: 'tools/call echo' }).nth(1).click();
      const body = await page.locator('#log .log-entry pre').first().textContent();
      expect(body).toContain('"api_key": "[redacted]"');
      expect(await page.content()).not.toContain('sk-do-not-show');

      // A second session appears beside the first; each keeps its own chart state.
      const [client, server] = createInMemoryTransportPair();
      startScriptedServer(server, { handlers: {} });
      const second = createClientSession({
        transport: client,
        mode: 'legacy',
        inspect: insp.observer('in-memory'),
      });
      await second.connect();
      await second.close();
      await page.click('nav button:has-text("in-memory")');
      await active(page, 'closed');
      await page.click('nav button:has-text("server-everything")');
      await active(page, 'ready');

      await session.close();
      session = undefined;
      await active(page, 'closed');
    } finally {
      await session?.close();
      await page.close();
    }
    // Everything the page loaded came from the inspector itself.
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.every((u) => u.startsWith(insp.url))).toBe(true);
    expect(insp.sessions.map((s) => s.label)).toEqual(['server-everything (stdio)', 'in-memory']);
  }, 60_000);

  it('shows the authorization statechart of a session whose OAuth client is watched, lit where the flow is', async () => {
    const insp = inspector as Inspector;
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    const authServer = await startAuthorizationServer();
    const mcp = await startProtectedMcpServer({ issuer: authServer.issuer });
    /** What must not show: the access tokens sent, the authorization code. */
    const secrets: string[] = [];
    let session: ClientSession | undefined;
    let oauth: OAuthClient | undefined;
    try {
      await page.goto(insp.url);
      await page.waitForSelector('header .status:has-text("live")');
      const observer = insp.observer('protected (OAuth)');
      oauth = createOAuthClient({
        grant: {
          type: 'authorization_code',
          redirectUri: 'http://127.0.0.1:8976/callback',
          userAgent: async ({ url }) => {
            const back = await authorizeAsUser(url);
            const code = back.searchParams.get('code');
            if (code !== null) secrets.push(code);
            return back;
          },
        },
        inspect: observer,
      });
      session = createClientSession({
        transport: createStreamableHttpTransport({
          url: mcp.url,
          auth: oauth,
          fetch: (input, init) => {
            const token = /^Bearer (.+)$/.exec(
              new Headers(init?.headers).get('authorization') ?? '',
            );
            if (token?.[1] !== undefined) secrets.push(token[1]);
            return fetch(input, init);
          },
        }),
        inspect: observer,
      });
      await session.connect();
      await session.callTool('echo', { message: 'authorized' });

      await page.click('nav button:has-text("protected (OAuth)")');
      await active(page, 'ready');
      await page.waitForSelector(
        '#authorization:not([hidden]) #auth-chart .state.active[data-id="authorization.authorized"]',
      );
      expect(await page.textContent('#auth-path')).toBe(
        'path: idle → discovering → registering → authorizing → exchanging → authorized',
      );
      for (const state of ['idle', 'discovering', 'registering', 'authorizing', 'exchanging']) {
        expect(
          await page.getAttribute(`#auth-chart .state[data-id="authorization.${state}"]`, 'class'),
        ).toMatch(/visited(?!.*active)/);
      }
      // Drawn from the definition: every state, and the transitions with their guards.
      expect(await page.locator('#auth-chart .state').count()).toBe(9);
      expect(
        await page.textContent(
          '#auth-chart .state[data-id="authorization.registering"] .transitions',
        ),
      ).toContain('done(register) [needsUser] → authorizing');
      expect(await page.textContent('#auth-context tr[data-key="issuer"] td')).toBe(
        authServer.issuer,
      );
      expect(await page.textContent('#auth-context tr[data-key="resource"] td')).toBe(mcp.url);
      expect(await page.textContent('#auth-context tr[data-key="generation"] td')).toBe('1');
      expect(await page.textContent('#auth-context tr[data-key="refreshable"] td')).toBe('true');
      expect(await page.textContent('#auth-context tr[data-key="scope"] td')).toContain('mcp:read');
      expect(await page.textContent('#auth-context tr[data-key="error"] td')).toBe('—');

      await session.close();
      session = undefined;
      await active(page, 'closed');
      expect(secrets.length).toBeGreaterThanOrEqual(2);
      const html = await page.content();
      expect(secrets.filter((secret) => html.includes(secret))).toEqual([]);

      // A session without an OAuth client shows no authorization.
      const [client, server] = createInMemoryTransportPair();
      startScriptedServer(server, { handlers: {} });
      const plain = createClientSession({
        transport: client,
        mode: 'legacy',
        inspect: insp.observer('without OAuth'),
      });
      await plain.connect();
      await plain.close();
      await page.click('nav button:has-text("without OAuth")');
      await page.waitForSelector('#authorization[hidden]', { state: 'attached' });
    } finally {
      await session?.close();
      oauth?.stop();
      await page.close();
      await mcp.close();
      await authServer.close();
    }
  }, 60_000);
});
