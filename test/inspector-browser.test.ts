import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizationMachine,
  connectionMachine,
  requestMachine,
  stdioProcessMachine,
} from '../machines/index.js';
import {
  createClientSession,
  createInMemoryTransportPair,
  createOAuthClient,
  createStreamableHttpTransport,
  type ClientSession,
  type OAuthClient,
} from '../src/index.js';
import { createStdioTransport } from '../src/node/index.js';
import { describeMachine, type StateShape } from '../src/inspector/machine-shape.js';
import type { InspectorFrame, InspectorRecord } from '../src/inspector/records.js';
import { startInspector, type Inspector } from '../src/node/inspector.js';
import { startScriptedServer } from '../src/testing/index.js';
import { launchChromium } from './support/chromium.js';
import {
  authorizeAsUser,
  startAuthorizationServer,
  startProtectedMcpServer,
} from './support/oauth-server.js';
import { serverEverything } from './support/servers.js';

/**
 * The offline inspector in a real browser: headless Chromium (the build shipped in the
 * @sparticuz/chromium package, see test/support/chromium.ts; driven by playwright-core)
 * opens the page while a session with server-everything connects, calls tools, runs a long
 * operation with progress, cancels it and closes; a second, in-memory session shows beside it;
 * a third runs OAuth's code flow against the fixture's authorization server, and its
 * authorization statechart shows under it.
 * The statecharts are drawn from the machines' definitions: each is checked against
 * `describeMachine` of the same machine (a box per state, a label per transition). The pictures
 * in docs/ are taken by scripts/inspector-screenshots.ts.
 */

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
interface ElementLike {
  readonly textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): ElementLike | null;
  querySelectorAll(selector: string): Iterable<ElementLike>;
}

const active = (page: Page, state: string) =>
  page.waitForSelector(`#chart .state.active[data-id="connection.${state}"]`);

/** Every state of a machine (not the machine itself), and every transition's key. */
function partsOf(shape: StateShape): { states: string[]; transitions: string[] } {
  const states: string[] = [];
  const transitions: string[] = [];
  const walk = (s: StateShape): void => {
    s.transitions.forEach((_, i) => transitions.push(`${s.id}#${i}`));
    for (const c of s.states) {
      states.push(c.id);
      walk(c);
    }
  };
  walk(shape);
  return { states, transitions };
}

/** The `data-*` values of the elements `selector` finds, in document order. */
const dataOf = (page: Page, selector: string, key: string): Promise<string[]> =>
  page
    .locator(selector)
    .evaluateAll((nodes, k) => nodes.map((n) => (n as unknown as Dataset).dataset[k] ?? ''), key);

/** The keys of a drawing's taken transitions and initial arrows, by the step that took them. */
async function stepsOf(page: Page, svg: string): Promise<string[]> {
  const taken = await page
    .locator(`${svg} .transition.taken, ${svg} g.edge.initial.taken`)
    .evaluateAll((nodes) =>
      nodes.map((n) => {
        const d = (n as unknown as Dataset).dataset;
        return [d['key'] ?? '', d['steps'] ?? ''] as const;
      }),
    );
  const byStep: string[] = [];
  for (const [key, steps] of taken) {
    for (const step of steps.split(' ')) if (step !== '') byStep[Number(step) - 1] = key;
  }
  return byStep;
}

describe('the inspector page', () => {
  it('shows the statechart, the requests and the log of live sessions, and keeps secrets out', async () => {
    const insp = inspector as Inspector;
    const page = await (browser as Browser).newPage({ viewport: { width: 1400, height: 1000 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    // What the page receives, to check the sequence view against.
    const received: InspectorRecord[] = [];
    const sessionIds = new Map<string, string>();
    page.on('websocket', (ws) =>
      ws.on('framereceived', ({ payload }) => {
        const frame = JSON.parse(String(payload)) as InspectorFrame;
        if (frame.type === 'session') sessionIds.set(frame.session.label, frame.session.id);
        else {
          if (frame.type === 'hello') {
            for (const s of frame.sessions) sessionIds.set(s.label, s.id);
          }
          received.push(...frame.records);
        }
      }),
    );
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

      // The connection statechart, laid out: a box per state (nested in its parent's), the
      // transitions as labelled arrows with their guards, delays as after(…).
      const connection = partsOf(describeMachine(connectionMachine));
      const chartSvg = '#chart svg.diagram[data-machine="connection"]';
      expect((await dataOf(page, `${chartSvg} g.state`, 'id')).sort()).toEqual(
        [...connection.states].sort(),
      );
      expect((await dataOf(page, `${chartSvg} .transition`, 'key')).sort()).toEqual(
        [...connection.transitions].sort(),
      );
      // Each arrow joins the states it says, and is drawn (a path with points).
      const arrows = await page.locator(`${chartSvg} g.edge:not(.initial)`).count();
      expect(arrows).toBeGreaterThanOrEqual(15);
      expect(await page.locator(`${chartSvg} g.edge path.line[d*="L"]`).count()).toBe(
        arrows + (await page.locator(`${chartSvg} g.edge.initial`).count()),
      );
      const box = async (id: string) =>
        (await page.locator(`${chartSvg} g.state[data-id="${id}"] > rect`).boundingBox())!;
      const parent = await box('connection.initializing');
      const child = await box('connection.initializing.handshaking');
      expect(child.x).toBeGreaterThanOrEqual(parent.x);
      expect(child.y).toBeGreaterThanOrEqual(parent.y);
      expect(child.x + child.width).toBeLessThanOrEqual(parent.x + parent.width);
      expect(child.y + child.height).toBeLessThanOrEqual(parent.y + parent.height);
      const label = (key: string) => page.textContent(`${chartSvg} .transition[data-key="${key}"]`);
      expect(await label('connection.initializing.probing#0')).toBe(
        'done(probe)[probeFoundModern]',
      );
      expect(await label('connection.initializing#2')).toBe(
        'after(connectTimeout)[connectTimeLimited]',
      );
      expect(await label('connection.initializing.choosing#2')).toBe('always[modeIs(auto)]');
      expect(
        await page.getAttribute(
          `${chartSvg} g.edge:has(.transition[data-key="connection.preconnect#0"])`,
          'data-target',
        ),
      ).toBe('connection.initializing');
      // Lit where it is; the path traced, in order.
      // Lit where the session's connection actor really is.
      const value: unknown = session.actor.getSnapshot().value;
      expect(value).toBe('ready');
      expect(await dataOf(page, `${chartSvg} g.state.lit`, 'id')).toEqual([
        `connection.${value as string}`,
      ]);
      expect(await stepsOf(page, chartSvg)).toEqual([
        'connection#initial',
        'connection.preconnect#0', // connect
        'connection.initializing#initial',
        'connection.initializing.choosing#2', // always [modeIs(auto)]
        'connection.initializing.probing#1', // done(probe): a legacy server, so the handshake
        'connection.initializing.handshaking#0', // done(handshake)
      ]);
      expect(
        await page.getAttribute(
          `${chartSvg} g.edge:has(.transition[data-key="connection.initializing.handshaking#0"])`,
          'class',
        ),
      ).toMatch(/taken.*last|last.*taken/);

      // The session's other machines: the dispatcher lit where it is; the stdio process drawn.
      await page.waitForSelector(
        '#machine-chart svg[data-machine="dispatcher"] g.state.lit[data-id="dispatcher.open"]',
      );
      await page.click('#machines button[data-machine="stdioProcess"]');
      const stdio = partsOf(describeMachine(stdioProcessMachine));
      await page.waitForSelector('#machine-chart svg[data-machine="stdioProcess"]');
      expect(await page.locator('#machine-chart g.state').count()).toBe(stdio.states.length);
      expect(await page.locator('#machine-chart .transition').count()).toBe(
        stdio.transitions.length,
      );
      expect(await label('connection.ready#0')).toBe('close');
      expect(
        await page.textContent('#machine-chart .transition[data-key="stdioProcess.endingInput#1"]'),
      ).toBe('after(stdinGrace)');
      // A transition that stays is listed in its state's box.
      expect(
        await page.textContent(
          '#machine-chart g.state[data-id="stdioProcess.outputEnded"] .transition.internal',
        ),
      ).toBe('↺ after(outputGrace)');

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

      // A request picked in the table: its own machine, lit at its state, with its events.
      await page.click('#history tr.request.settled:has-text("cancelled")');
      await page.waitForSelector('#request:not([hidden])');
      const requestSvg = '#request-chart svg.diagram[data-machine="request"]';
      await page.waitForSelector(`${requestSvg} g.state.lit[data-id="request.cancelled"]`);
      expect(await page.textContent('#request-facts')).toMatch(
        /→ tools\/call · cancelled · took \d/,
      );
      const requestParts = partsOf(describeMachine(requestMachine));
      expect(await page.locator(`${requestSvg} g.state`).count()).toBe(requestParts.states.length);
      expect(await page.locator(`${requestSvg} .transition`).count()).toBe(
        requestParts.transitions.length,
      );
      const steps = await stepsOf(page, requestSvg);
      expect(steps.slice(0, 2)).toEqual(['request#initial', 'request.created#0']); // send
      expect(steps.at(-1)).toMatch(/^request\.inFlight#/);
      expect(
        await page.textContent(`${requestSvg} .transition[data-key="${steps.at(-1)}"]`),
      ).toMatch(/^abort/);
      const events = await page
        .locator('#request-events tr.event')
        .evaluateAll((rows) =>
          rows.map((r) =>
            [...(r as unknown as ElementLike).querySelectorAll('td')].map(
              (td) => td.textContent ?? '',
            ),
          ),
        );
      const types = events.map((e) => e[2]);
      expect(types.slice(0, 2)).toEqual(['xstate.init', 'send']);
      expect(types).toContain('abort');
      const progress = events.find((e) => e[2] === 'progress');
      expect(progress?.[3]).toBe('1/30');
      expect(progress?.[4]).toBe('→ inFlight');
      expect(events.find((e) => e[2] === 'abort')?.[4]).toBe('→ cancelled');
      for (const e of events) {
        expect(e[0]).toMatch(/^\+\d+(\.\d+)? (ms|s)$/);
        expect(e[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
      }
      // Another: an echo, lit where it ended.
      await page.locator('#history tr.request.settled', { hasText: 'succeeded' }).nth(1).click();
      await page.waitForSelector(`${requestSvg} g.state.lit[data-id="request.succeeded"]`);
      expect(await stepsOf(page, requestSvg)).toEqual([
        'request#initial',
        'request.created#0', // send
        'request.inFlight#0', // result
      ]);

      // The sequence view: the exchange on two lifelines, newest at the bottom.
      const arrowsShown = await page.locator('#sequence g.message').evaluateAll((nodes) =>
        nodes.map((node) => {
          const n = node as unknown as ElementLike;
          const line = n.querySelector('line')!;
          return {
            classes: n.getAttribute('class') ?? '',
            label: n.querySelector('.label')?.textContent ?? '',
            from: Number(line.getAttribute('x1')),
            to: Number(line.getAttribute('x2')),
            y: Number(line.getAttribute('y1')),
          };
        }),
      );
      const echo = arrowsShown.find((a) => a.label.startsWith('tools/call echo #'));
      const echoResult = arrowsShown.find((a) => /^result #\d+ of tools\/call · /.test(a.label));
      expect(echo?.classes).toBe('message out request');
      expect(echoResult?.classes).toBe('message in result');
      expect(echo!.from).toBeLessThan(echo!.to); // client → server
      expect(echoResult!.from).toBeGreaterThan(echoResult!.to); // server → client
      expect(arrowsShown.map((a) => a.label)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^initialize #\d+$/),
          'notifications/initialized',
          expect.stringMatching(/^notifications\/progress 1\/30$/),
          expect.stringMatching(/^notifications\/cancelled of #\d+$/),
        ]),
      );
      const ys = arrowsShown.map((a) => a.y);
      expect(ys).toEqual([...ys].sort((a, b) => a - b));
      // The cancel notification follows the request it cancels.
      const cancelled = arrowsShown.findIndex((a) => a.label.startsWith('notifications/cancelled'));
      const longCall = arrowsShown.findIndex((a) =>
        a.label.startsWith('tools/call trigger-long-running-operation #'),
      );
      expect(longCall).toBeGreaterThan(-1);
      expect(cancelled).toBeGreaterThan(longCall);

      await session.close();
      session = undefined;
      await active(page, 'closed');
      await page.waitForSelector(`${chartSvg} g.state.lit[data-id="connection.closed"]`);
      expect((await stepsOf(page, chartSvg)).slice(6, 7)).toEqual(['connection.ready#0']); // close
      // Every message the page received for this session has its arrow, in the order received
      // (the session is closed: no more will come).
      const sessionId = sessionIds.get('server-everything (stdio)');
      const wire = received
        .filter((r) => r.kind === 'message' && r.session === sessionId)
        .map((r) => {
          const m = (r.kind === 'message' ? r.message : null) as Record<string, unknown> | null;
          const raw = m?.['id'];
          const id =
            raw === undefined || raw === null
              ? ''
              : typeof raw === 'string'
                ? raw
                : JSON.stringify(raw);
          const method = typeof m?.['method'] === 'string' ? m['method'] : 'response';
          return `${r.kind === 'message' ? r.direction : ''} ${method} ${id}`;
        });
      expect(wire.length).toBeGreaterThanOrEqual(10);
      expect(wire.length).toBeLessThanOrEqual(80); // all of them drawn (SEQUENCE_SHOWN)
      const drawn = () =>
        page.locator('#sequence g.message').evaluateAll((nodes) =>
          nodes.map((node) => {
            const d = (node as unknown as Dataset).dataset;
            const classes = (node as unknown as ElementLike).getAttribute('class') ?? '';
            const direction = classes.includes(' out ') ? 'out' : 'in';
            const method = /request|notification/.test(classes) ? (d['method'] ?? '') : 'response';
            return { n: d['n'], entry: `${direction} ${method} ${d['id'] ?? ''}` };
          }),
        );
      await expect.poll(async () => (await drawn()).map((a) => a.entry)).toEqual(wire);
      expect((await drawn()).map((a) => a.n)).toEqual(wire.map((_, i) => String(i + 1)));
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
      const authorization = partsOf(describeMachine(authorizationMachine));
      const authSvg = '#auth-chart svg.diagram[data-machine="authorization"]';
      expect((await dataOf(page, `${authSvg} g.state`, 'id')).sort()).toEqual(
        [...authorization.states].sort(),
      );
      expect((await dataOf(page, `${authSvg} .transition`, 'key')).sort()).toEqual(
        [...authorization.transitions].sort(),
      );
      expect(
        await page.textContent(`${authSvg} .transition[data-key="authorization.registering#0"]`),
      ).toBe('done(register)[needsUser]');
      expect(
        await page.getAttribute(
          `${authSvg} g.edge:has(.transition[data-key="authorization.registering#0"])`,
          'data-target',
        ),
      ).toBe('authorization.authorizing');
      expect(await dataOf(page, `${authSvg} g.state.lit`, 'id')).toEqual([
        'authorization.authorized',
      ]);
      expect(await stepsOf(page, authSvg)).toEqual([
        'authorization#initial',
        'authorization.idle#0', // challenge
        'authorization.discovering#0', // done(discover)
        'authorization.registering#0', // done(register) [needsUser]
        'authorization.authorizing#0', // done(authorize)
        'authorization.exchanging#0', // done(exchange)
      ]);
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
