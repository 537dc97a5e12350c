import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createClientSession,
  createInMemoryTransportPair,
  type ClientSession,
} from '../src/index.js';
import { startInspector, type Inspector } from '../src/node/inspector.js';
import { NO_RESPONSE, startScriptedServer } from '../src/testing/index.js';
import { launchChromium } from './support/chromium.js';

/**
 * The inspector page in headless Chromium (see test/support/chromium.ts), against in-memory
 * sessions with a scripted server: what a page opened late shows, the log's filter, the log
 * following its newest entry, and the layout (the requests in view, the charts folded).
 */

let browser: Browser | undefined;
let inspector: Inspector | undefined;
let session: ClientSession | undefined;
let page: Page | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await page?.close();
  await session?.close();
  await inspector?.close();
  page = undefined;
  session = undefined;
  inspector = undefined;
});

/** A connected in-memory session, watched by a new inspector; `tools/hang` never answers. */
async function watchedSession(history?: number): Promise<{ insp: Inspector; s: ClientSession }> {
  const insp = await startInspector(history === undefined ? {} : { history });
  inspector = insp;
  const [client, server] = createInMemoryTransportPair();
  startScriptedServer(server, {
    handlers: {
      'tools/call': (params) => ({
        content: [{ type: 'text', text: `answer to ${String(params?.['name'])}` }],
      }),
      'tools/hang': () => NO_RESPONSE,
    },
  });
  const s = createClientSession({
    transport: client,
    mode: 'legacy',
    inspect: insp.observer('in memory'),
  });
  session = s;
  await s.connect();
  return { insp, s };
}

async function open(insp: Inspector, width = 1400, height = 1000): Promise<Page> {
  const p = await (browser as Browser).newPage({ viewport: { width, height } });
  page = p;
  await p.goto(insp.url);
  await p.waitForSelector('header .status:has-text("live")');
  return p;
}

/** The parts of the DOM read in the page (the tests are type-checked without the DOM types). */
interface Rect {
  readonly top: number;
  readonly bottom: number;
}
interface Element {
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
  readonly dataset: Readonly<Record<string, string | undefined>>;
  getBoundingClientRect(): Rect;
  querySelectorAll(selector: string): Iterable<Element>;
}

/** How the log is scrolled: how far from its bottom, and the first entry in view. */
const logState = (p: Page) =>
  p.locator('#log').evaluate((node) => {
    const box = node as unknown as Element;
    const top = box.getBoundingClientRect().top;
    let first: { n: string | undefined; offset: number } | undefined;
    for (const row of box.querySelectorAll('.log-entry')) {
      const rect = row.getBoundingClientRect();
      if (rect.bottom > top) {
        first = { n: row.dataset['n'], offset: rect.top - top };
        break;
      }
    }
    return {
      fromBottom: box.scrollHeight - box.scrollTop - box.clientHeight,
      scrollTop: box.scrollTop,
      scrollable: box.scrollHeight > box.clientHeight,
      first,
    };
  });

/** Turns the mouse wheel over the log (as a user scrolls it). */
async function wheel(p: Page, deltaY: number): Promise<void> {
  const box = await p.locator('#log').boundingBox();
  if (box === null) throw new Error('the log is not shown');
  await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await p.mouse.wheel(0, deltaY);
}

/** Whether the last entry of the log is inside the log's visible box. */
const newestInView = (p: Page) =>
  p.locator('#log').evaluate((node) => {
    const box = node as unknown as Element;
    const rows = [...box.querySelectorAll('.log-entry')];
    const last = rows[rows.length - 1];
    if (last === undefined) return false;
    const outer = box.getBoundingClientRect();
    const rect = last.getBoundingClientRect();
    return rect.top >= outer.top && rect.bottom <= outer.bottom + 1;
  });

describe('the inspector page opened late', () => {
  it('shows where the connection is and the path it took after more calls than the history holds', async () => {
    const { insp, s } = await watchedSession(); // the default history, 5 000 records
    const hanging = s.request('tools/hang', {}).catch((e: unknown) => e);
    // About 6 records a call: the connection's records and the hanging request's leave the history.
    for (let i = 0; i < 800; i++) await s.callTool(`tool-${i}`, {});
    const p = await open(insp);
    await p.waitForSelector('#chart .state.active[data-id="connection.ready"]');
    expect(await p.textContent('#path')).toBe(
      'path: preconnect → initializing.handshaking → ready',
    );
    expect(
      await p.getAttribute('#chart .state[data-id="connection.initializing"]', 'class'),
    ).toContain('visited');
    // The request still in flight, started before the history's first record.
    const row = p.locator('#requests tr.request.inflight');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.textContent()).toMatch(/tools\/hang.*inFlight/);
    // And what goes on after the page opened shows too.
    await s.close();
    await p.waitForSelector('#chart .state.active[data-id="connection.closed"]');
    expect(await p.textContent('#path')).toBe(
      'path: preconnect → initializing.handshaking → ready → closing → closed',
    );
    await expect(hanging).resolves.toMatchObject({ code: 'CONNECTION_CLOSED' });
  }, 60_000);
});

describe('the log', () => {
  it('times its entries from the session’s first message when the page was open before it', async () => {
    const insp = await startInspector();
    inspector = insp;
    const [client, server] = createInMemoryTransportPair();
    startScriptedServer(server, {});
    const s = createClientSession({
      transport: client,
      mode: 'legacy',
      inspect: insp.observer('opened early'),
    });
    session = s;
    const p = await open(insp);
    // The session is on the page, its log still empty.
    await p.locator('#path').waitFor();
    expect(await p.locator('#log .log-entry').count()).toBe(0);
    await s.connect();
    await p.locator('#log .log-entry', { hasText: 'result of initialize #0' }).waitFor();
    const times = (await p.locator('#log .log-entry').allTextContents()).map(
      (t) => /^\S+ ?\+(\S+ \S+)/.exec(t)?.[1],
    );
    expect(times[0]).toBe('0 ms');
    // Every entry is timed from the first: seconds at most, never the clock's epoch.
    for (const t of times) expect(t).toMatch(/^\d+(\.\d+)? (ms|s)$/);
  });

  it('filters on any text of a message: a method, a tool’s name, an argument’s value, in any case', async () => {
    const { insp, s } = await watchedSession();
    const p = await open(insp);
    await s.callTool('weather', { city: 'Reykjavík', units: 'metric' });
    await s.callTool('echo', { text: 'hello' });
    await p.locator('#log .log-entry', { hasText: 'result of tools/call #2' }).waitFor();
    // Each entry's text without its arrow and time.
    const shown = async () =>
      (await p.locator('#log .log-entry').allTextContents()).map((t) =>
        t.replace(/^\S+ \S+ {2}/, ''),
      );
    const filtered = async (text: string) => {
      await p.fill('#filter', text);
      await expect.poll(async () => (await p.inputValue('#filter')) === text).toBe(true);
      return expect.poll(shown);
    };
    // A tool's name: the request that names it, and the result that quotes it.
    await (await filtered('weather')).toEqual(['tools/call weather #1', 'result of tools/call #1']);
    // An argument's value, in another case.
    await (await filtered('REYKJAV')).toEqual(['tools/call weather #1']);
    // An argument's name.
    await (await filtered('units')).toEqual(['tools/call weather #1']);
    // Text of a result.
    await (await filtered('answer to echo')).toEqual(['result of tools/call #2']);
    // A method still: requests and the results filed under them.
    await (
      await filtered('tools/call')
    ).toEqual([
      'tools/call weather #1',
      'result of tools/call #1',
      'tools/call echo #2',
      'result of tools/call #2',
    ]);
    await (await filtered('')).toHaveLength(7); // initialize, its result, initialized, and these
  }, 60_000);

  it('follows the newest entry unless scrolled up, keeps what is in view still, and follows again at the bottom', async () => {
    const { insp, s } = await watchedSession();
    const p = await open(insp, 1400, 700);
    // More entries than are drawn while following (400): the oldest are cut from the front.
    for (let i = 0; i < 220; i++) await s.callTool(`first-${i}`, {});
    await p.locator('#log .log-entry', { hasText: 'tools/call first-219' }).waitFor();
    const last = (text: string) =>
      expect.poll(() => p.locator('#log .log-entry').last().textContent()).toContain(text);
    /** Waits for the page to have the result of request `id` (the newest settled request). */
    const received = (id: number) =>
      expect
        .poll(() => p.locator('#history tr.request.settled td:nth-child(2)').first().textContent())
        .toBe(String(id));
    await last('result of tools/call #220');
    expect((await logState(p)).scrollable).toBe(true);
    expect(await p.locator('#log .log-entry').count()).toBe(400);
    await expect.poll(async () => (await logState(p)).fromBottom).toBeLessThanOrEqual(8);
    expect(await newestInView(p)).toBe(true);

    // The user scrolls up with the wheel: the log stays where they are while entries arrive.
    await wheel(p, -600);
    await p.waitForSelector('#follow:not([hidden])');
    // The whole turn of the wheel scrolled (should it be animated).
    await expect.poll(async () => (await logState(p)).fromBottom).toBeGreaterThanOrEqual(600 - 8);
    const before = await logState(p);
    for (let i = 0; i < 200; i++) await s.callTool(`more-${i}`, {});
    await received(420);
    const after = await logState(p);
    expect(after.first?.n).toBe(before.first?.n);
    expect(Math.abs((after.first?.offset ?? 0) - (before.first?.offset ?? 0))).toBeLessThan(2);
    expect(await newestInView(p)).toBe(false);

    // Scrolled back to the bottom, it follows again.
    await expect
      .poll(async () => {
        await wheel(p, 1_000_000);
        return p.isHidden('#follow');
      })
      .toBe(true);
    await s.callTool('after-return', {});
    await last('result of tools/call #421');
    await expect.poll(() => newestInView(p)).toBe(true);

    // Scrolled up again, the button brings it back to the newest and following.
    await wheel(p, -600);
    await p.waitForSelector('#follow:not([hidden])');
    await p.click('#follow');
    await s.callTool('after-button', {});
    await last('result of tools/call #422');
    await expect.poll(() => newestInView(p)).toBe(true);
    await expect.poll(async () => (await logState(p)).fromBottom).toBeLessThanOrEqual(8);
  }, 60_000);
});

describe('the layout', () => {
  it('shows the requests without scrolling at a usual window size, and folds the statechart to its path, remembered', async () => {
    const [width, height] = [1280, 720];
    const { insp, s } = await watchedSession();
    for (let i = 0; i < 30; i++) await s.callTool(`done-${i}`, {});
    const p = await open(insp, width, height);
    const hanging = s.request('tools/hang', {}).catch((e: unknown) => e);
    await p.locator('#requests tr.request.inflight', { hasText: 'tools/hang' }).waitFor();
    await p.waitForSelector('#chart .state.active[data-id="connection.ready"]');
    // Boxes of elements that stay (the tables in them are drawn anew as time passes).
    const box = async (selector: string) => {
      const rect = await p.locator(selector).boundingBox();
      if (rect === null) throw new Error(`${selector} is not shown`);
      return rect;
    };
    const inView = async (selector: string) => {
      const rect = await box(selector);
      return (
        rect.x >= 0 && rect.y >= 0 && rect.x + rect.width <= width && rect.y + rect.height <= height
      );
    };
    const scrollY = () => p.evaluate(() => (globalThis as unknown as { scrollY: number }).scrollY);
    const fold = 'section:has(> #chart) > h2 button.fold';
    const chartSection = 'section:has(> #chart)';

    // Opened, the requests in flight, the settled ones and the log are in view, unscrolled, with
    // the statechart drawn below the requests.
    expect(await scrollY()).toBe(0);
    expect(await inView('#requests')).toBe(true);
    expect(await inView('#history')).toBe(true);
    expect(await inView('#log')).toBe(true);
    expect((await box('#chart')).y).toBeGreaterThan((await box('#requests')).y);

    // Folded, the chart is gone and its path stays: the section is its title and path line.
    expect(await p.isVisible('#chart')).toBe(true);
    expect((await box(chartSection)).height).toBeGreaterThan(height / 2);
    await p.click(fold);
    expect(await p.isVisible('#chart')).toBe(false);
    expect(await p.textContent('#path')).toBe(
      'path: preconnect → initializing.handshaking → ready',
    );
    expect(await p.getAttribute(fold, 'aria-expanded')).toBe('false');
    expect((await box(chartSection)).height).toBeLessThan(80);
    expect(await inView(chartSection)).toBe(true);
    expect(await inView('#requests')).toBe(true);
    expect(await inView('#path')).toBe(true);

    // The fold outlives a reload; a click unfolds it.
    await p.reload();
    await p.waitForSelector('#chart .state.active[data-id="connection.ready"]', {
      state: 'attached',
    });
    expect(await p.isVisible('#chart')).toBe(false);
    expect(await p.isVisible('#path')).toBe(true);
    await p.click(fold);
    expect(await p.isVisible('#chart')).toBe(true);
    expect(await p.getAttribute(fold, 'aria-expanded')).toBe('true');

    // The session's other machines and the sequence view fold to their titles too.
    for (const id of ['#machines', '#sequence-view']) {
      const button = `${id} > h2 button.fold`;
      expect(await p.getAttribute(button, 'aria-expanded')).toBe('true');
      const open = (await box(id)).height;
      await p.click(button);
      expect(await p.getAttribute(button, 'aria-expanded')).toBe('false');
      const folded = (await box(id)).height;
      expect(folded).toBeLessThan(60);
      expect(folded).toBeLessThan(open);
    }

    await s.close();
    await expect(hanging).resolves.toMatchObject({ code: 'CONNECTION_CLOSED' });
  }, 60_000);
});
