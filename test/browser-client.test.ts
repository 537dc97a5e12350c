import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScenarioFailure, ScenarioOutcome } from './support/browser-client.js';
import { launchChromium } from './support/chromium.js';
import { startCorsMcpServer, type CorsMcpServer } from './support/cors-mcp-server.js';

/**
 * The root entry in a browser: test/support/browser-client.ts, which imports the package's root
 * entry (src/index.ts), is bundled by esbuild for the browser (platform browser, ESM, the lazily
 * loaded parts split into chunks as bundlers do) and served from one origin; an MCP server of the
 * official SDK with CORS (test/support/cors-mcp-server.ts) is served from another. Headless
 * Chromium (test/support/chromium.ts) opens the page, which connects over Streamable HTTP, lists
 * the tools, calls them (one with an output schema, one with progress) and cancels one with an
 * AbortSignal; then the same in a module Web Worker, under a Content-Security-Policy, and against
 * a server whose CORS admits only the headers of its own revision.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A CSP that allows scripts from the page's origin only: no inline code, no eval. */
const CSP = "script-src 'self'";

/**
 * The page and the bundle's files, served from memory on 127.0.0.1: at `/`, and at `/csp/` with
 * the {@link CSP} on every response (a worker takes its policy from its own script's response).
 */
async function servePage(files: ReadonlyMap<string, Uint8Array>): Promise<Server> {
  const page = `<!doctype html><meta charset="utf-8"><title>mcp-actors in the browser</title>
<script type="module" src="browser-client.js"></script>`;
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const csp = pathname.startsWith('/csp/');
    const name = pathname.slice(csp ? '/csp/'.length : 1);
    const headers: Record<string, string> = csp ? { 'content-security-policy': CSP } : {};
    if (name === '') {
      res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' }).end(page);
      return;
    }
    const file = files.get(name);
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-type': 'text/javascript; charset=utf-8' }).end(file);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

let browser: Browser | undefined;
let pages: Server | undefined;
let pageOrigin = '';
/** Its CORS admits every header a Streamable HTTP client sends. */
let mcp: CorsMcpServer | undefined;
/** Its CORS admits only the headers of the revisions before 2026-07-28. */
let legacyCors: CorsMcpServer | undefined;
/** Its CORS does not expose Mcp-Session-Id. */
let hidesSession: CorsMcpServer | undefined;
/** Its CORS admits Content-Type and Mcp-Session-Id only (no MCP-Protocol-Version). */
let fewHeaders: CorsMcpServer | undefined;
/** The source files that went into the bundle. */
let inputs: string[] = [];

beforeAll(async () => {
  const result = await build({
    entryPoints: [path.join(root, 'test/support/browser-client.ts')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    outdir: path.join(root, 'node_modules/.cache/mcp-actors-browser-test'),
    entryNames: '[name]',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  inputs = Object.keys(result.metafile.inputs);
  pages = await servePage(
    new Map(
      result.outputFiles
        .filter((f) => f.path.endsWith('.js'))
        .map((f) => [path.basename(f.path), f.contents]),
    ),
  );
  pageOrigin = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  mcp = await startCorsMcpServer({ allowOrigin: pageOrigin });
  legacyCors = await startCorsMcpServer({
    allowOrigin: pageOrigin,
    allowHeaders: [
      'Accept',
      'Content-Type',
      'Last-Event-ID',
      'Mcp-Session-Id',
      'MCP-Protocol-Version',
    ],
  });
  hidesSession = await startCorsMcpServer({ allowOrigin: pageOrigin, exposeHeaders: [] });
  fewHeaders = await startCorsMcpServer({
    allowOrigin: pageOrigin,
    allowHeaders: ['Content-Type', 'Mcp-Session-Id'],
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await mcp?.close();
  await legacyCors?.close();
  await hidesSession?.close();
  await fewHeaders?.close();
  if (pages !== undefined) {
    pages.closeAllConnections();
    await new Promise<void>((resolve) => pages?.close(() => resolve()));
  }
});

/** Opens the page at `at`; returns it with what its console and errors said (for failure messages). */
async function openPage(at: '/' | '/csp/'): Promise<{ page: Page; said: string[] }> {
  const page = await (browser as Browser).newPage();
  const said: string[] = [];
  page.on('console', (m) => said.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => said.push(`pageerror: ${e.message}`));
  await page.goto(`${pageOrigin}${at}`);
  await page.waitForFunction(() => 'mcpBrowserTest' in globalThis);
  return { page, said };
}

type Run = (url: string) => Promise<ScenarioOutcome | ScenarioFailure>;

/** Runs the scenario in the page or in its worker, against `server`. */
async function run(
  page: Page,
  where: 'inPage' | 'inWorker',
  server: CorsMcpServer,
): Promise<ScenarioOutcome | ScenarioFailure> {
  return page.evaluate(
    ([w, url]) =>
      (globalThis as unknown as { mcpBrowserTest: Record<string, Run> }).mcpBrowserTest[w]!(url),
    [where, server.url] as const,
  );
}

/** Connects from the page and closes: how `connect()` settled. */
async function connect(page: Page, server: CorsMcpServer): Promise<unknown> {
  return page.evaluate(
    (url) =>
      (
        globalThis as unknown as {
          mcpBrowserTest: { connect(url: string): Promise<unknown> };
        }
      ).mcpBrowserTest.connect(url),
    server.url,
  );
}

/** What every run must have seen, in the page and in the worker alike (but the output schema). */
function expectScenario(
  outcome: ScenarioOutcome | ScenarioFailure,
  where: string,
  said: string[],
): ScenarioOutcome {
  expect(outcome, said.join('\n')).not.toHaveProperty('error');
  const o = outcome as ScenarioOutcome;
  expect(o.where).toBe(where);
  expect(o.protocolVersion).toBe('2025-11-25');
  expect(o.sessionId).toMatch(/^[0-9a-f-]{36}$/);
  expect([...o.tools].sort()).toEqual(['cancellations', 'count', 'echo', 'sum', 'wait']);
  expect(o.echoed).toBe(`hello from the ${where}`);
  expect(o.progress).toEqual([
    { progress: 1, total: 3, message: 'step 1' },
    { progress: 2, total: 3, message: 'step 2' },
    { progress: 3, total: 3, message: 'step 3' },
  ]);
  expect(o.counted).toBe('counted to 3');
  expect(o.cancelledCall).toMatchObject({
    settled: 'rejected',
    name: 'RequestCancelledError',
    code: 'REQUEST_CANCELLED',
  });
  expect(o.waitRequestId).toMatch(/^\d+$/);
  // The server received notifications/cancelled for the very request it was waiting in.
  expect(o.serverCancelled).toEqual([
    { requestId: Number(o.waitRequestId), reason: 'stopped by the page' },
  ]);
  return o;
}

/** The structured content of a valid result, checked against the tool's output schema. */
const SUMMED = { settled: 'resolved', value: { sum: 5 } };

describe('the root entry in Chromium', () => {
  it('bundles for the browser with no Node module in it', () => {
    expect(inputs).toContain('src/index.ts');
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('src/node/'))).toEqual([]);
  });

  it('connects from a page on another origin, calls tools, reports progress and cancels', async () => {
    const { page, said } = await openPage('/');
    try {
      const outcome = expectScenario(await run(page, 'inPage', mcp!), 'page', said);
      expect(outcome.summed).toEqual(SUMMED);
      // Cross-origin for real: every request came from the page's origin, after a preflight.
      const requests = mcp!.requests;
      expect(requests.every((r) => r.origin === pageOrigin)).toBe(true);
      expect(requests.some((r) => r.preflight?.method === 'POST')).toBe(true);
    } finally {
      await page.close();
    }
  });

  it('does the same inside a Web Worker', async () => {
    const { page, said } = await openPage('/');
    try {
      const outcome = expectScenario(await run(page, 'inWorker', mcp!), 'worker', said);
      expect(outcome.summed).toEqual(SUMMED);
    } finally {
      await page.close();
    }
  });

  it('works under a CSP without eval, output schemas included (they are interpreted)', async () => {
    const { page, said } = await openPage('/csp/');
    try {
      for (const where of ['inPage', 'inWorker'] as const) {
        const outcome = expectScenario(
          await run(page, where, mcp!),
          where === 'inPage' ? 'page' : 'worker',
          said,
        );
        expect(outcome.summed).toEqual(SUMMED);
      }
    } finally {
      await page.close();
    }
  });

  it('falls back to initialize when CORS admits no 2026 header: the browser refuses the probe', async () => {
    const { page, said } = await openPage('/');
    try {
      const outcome = expectScenario(await run(page, 'inPage', legacyCors!), 'page', said);
      expect(outcome.summed).toEqual(SUMMED);
      // The server/discover probe carries Mcp-Method, which the preflight did not admit: the
      // browser never sent it, and the session went on with initialize.
      const preflights = legacyCors!.requests.flatMap((r) =>
        r.preflight === undefined ? [] : [r.preflight.headers ?? ''],
      );
      expect(preflights.some((h) => h.split(',').includes('mcp-method'))).toBe(true);
      expect(legacyCors!.methods[0]).toBe('initialize');
      expect(legacyCors!.methods).not.toContain('server/discover');
    } finally {
      await page.close();
    }
  });

  it('says when CORS hides the session id from the page', async () => {
    const { page } = await openPage('/');
    try {
      const settled = await connect(page, hidesSession!);
      expect(settled).toMatchObject({ settled: 'rejected', code: 'SEND_FAILED' });
      expect((settled as { message: string }).message).toContain(
        'The answer to initialize carried no Mcp-Session-Id that this page can read: if the server keeps sessions, its CORS must expose the header (Access-Control-Expose-Headers: Mcp-Session-Id).',
      );
    } finally {
      await page.close();
    }
  });

  it('says which request headers CORS must allow when the browser refuses a request', async () => {
    const { page } = await openPage('/');
    try {
      const settled = await connect(page, fewHeaders!);
      expect(settled).toMatchObject({ settled: 'rejected', code: 'SEND_FAILED' });
      expect((settled as { message: string }).message).toContain(
        `Failed to fetch (from a page at ${pageOrigin}, this is also how a CORS refusal shows, named on the browser console only: the server's CORS must allow that origin and the request headers content-type, mcp-protocol-version, mcp-session-id)`,
      );
    } finally {
      await page.close();
    }
  });
});
