/**
 * The inspector page: connects to the server's `/events` socket and shows, per session, the
 * connection statechart (drawn from the machine definition) with the current state lit and the
 * path taken, the authorization statechart likewise when the session's OAuth client is watched,
 * the request actors in flight and settled, and the JSON-RPC log. Bundled into one script
 * (dist/inspector/page.js); it loads nothing else. This module lays the page out, renders it on
 * the next frame after a change and reads the socket; what it shows of each session is kept in
 * sessions.ts, and drawn by panels.ts and drawings.ts.
 */
import { el } from './dom.js';
import { Drawings } from './drawings.js';
import { LogView } from './log.js';
import { authorizationFacts, drawLogEntry, requestTable } from './panels.js';
import { foldable, putFirst } from './sections.js';
import { SessionViews, type ChartState, type SessionView } from './sessions.js';
import { pageStyle } from './style.js';
import type { StateShape } from '../machine-shape.js';
import type { InspectorFrame, InspectorRecord } from '../records.js';

let machines: Record<string, StateShape> = {};
const sessions = new SessionViews();
let dropped = 0;
let connected = false;
const expanded = new Set<number>();

function apply(r: InspectorRecord): void {
  drawings.record(r);
  sessions.apply(r);
}

// ------------------------------------------------------------------------------------------------
// Rendering.

const root = document.getElementById('app') as HTMLElement;
root.textContent = '';
document.head.append(el('style', {}, pageStyle));
const statusLine = el('span', { class: 'status' }, 'connecting…');
const nav = el('nav', { id: 'sessions' });
const chartPath = el('div', { class: 'path', id: 'path' });
const chart = el('div', { id: 'chart' });
const authPath = el('div', { class: 'path', id: 'auth-path' });
const authChart = el('div', { id: 'auth-chart' });
const authFacts = el('div', { id: 'auth-context' });
const authSection = el(
  'section',
  { id: 'authorization' },
  el('h2', {}, 'Authorization'),
  authPath,
  authFacts,
  authChart,
);
authSection.hidden = true;
const requestsBox = el('div', { id: 'requests' });
const historyBox = el('div', { id: 'history' });
const filter = el('input', {
  id: 'filter',
  type: 'search',
  placeholder: 'filter: a method, a tool, an argument, any text of a message',
});
const logBox = el('div', { class: 'log', id: 'log' });
const notice = el('div', { class: 'notice', id: 'notice' });
const drawings = new Drawings(() => invalidate());
root.append(
  el('header', {}, el('h1', {}, 'mcp-actors inspector'), statusLine),
  nav,
  el(
    'main',
    {},
    el(
      'div',
      {},
      el('section', {}, el('h2', {}, 'Connection'), chartPath, chart),
      authSection,
      el('section', {}, el('h2', {}, 'Requests in flight'), requestsBox),
      el('section', {}, el('h2', {}, 'Settled requests'), historyBox),
      drawings.requestSection,
      drawings.machinesSection,
    ),
    el(
      'div',
      {},
      el(
        'section',
        {},
        el('h2', {}, 'Messages'),
        el('div', { class: 'log-tools' }, filter),
        notice,
        logBox,
      ),
      drawings.sequenceSection,
    ),
  ),
);

/** Draws `machine`'s statechart into `box` (laid out once), lit where the actor is. */
function renderChart(
  box: HTMLElement,
  pathBox: HTMLElement,
  machine: string,
  state: ChartState | undefined,
): void {
  if (machines[machine] === undefined) return;
  drawings.chart(box, machine, sessions.selected);
  pathBox.textContent =
    state === undefined ? '' : `path: ${state.pathCut > 0 ? '… → ' : ''}${state.path.join(' → ')}`;
}

/** The authorization's statechart and facts, when the session's OAuth client is watched. */
function renderAuthorization(view: SessionView | undefined): void {
  const auth = view?.authorization;
  authSection.hidden = auth === undefined;
  if (auth === undefined) return;
  renderChart(authChart, authPath, 'authorization', auth);
  authFacts.replaceChildren(authorizationFacts(auth.context));
}

function renderLog(view: SessionView | undefined): void {
  logView.render(view?.info.id, view?.log ?? [], expanded);
}

function renderNav(): void {
  nav.textContent = '';
  for (const view of sessions.values()) {
    const button = el(
      'button',
      {
        'data-session': view.info.id,
        class: view.info.id === sessions.selected ? 'selected' : '',
      },
      view.info.label,
    );
    button.addEventListener('click', () => {
      sessions.selected = view.info.id;
      expanded.clear();
      invalidate();
    });
    nav.append(button);
  }
}

let dirty = false;
function render(): void {
  dirty = false;
  const view = sessions.current();
  const now = Date.now();
  renderNav();
  renderChart(chart, chartPath, 'connection', view?.connection);
  renderAuthorization(view);
  requestsBox.replaceChildren(
    requestTable(view === undefined ? [] : [...view.requests.values()], now, false),
  );
  historyBox.replaceChildren(requestTable(view?.settled ?? [], now, true));
  renderLog(view);
  drawings.render(sessions.selected);
  notice.textContent =
    dropped > 0 ? `${dropped} events were dropped (the page read too slowly or opened late)` : '';
  statusLine.textContent = connected
    ? `live · ${sessions.size} session${sessions.size === 1 ? '' : 's'}`
    : 'disconnected';
}

function invalidate(): void {
  if (dirty) return;
  dirty = true;
  requestAnimationFrame(render);
}

const logView = new LogView({ box: logBox, filter, drawEntry: drawLogEntry });
filter.addEventListener('input', () => invalidate());
drawings.pickFrom(requestsBox, historyBox);
logBox.addEventListener('click', (event) => {
  const target = event.target as HTMLElement;
  if (target.closest('pre') !== null) return;
  const row = target.closest<HTMLElement>('.log-entry');
  const n = Number(row?.dataset['n']);
  if (!Number.isFinite(n)) return;
  if (expanded.has(n)) expanded.delete(n);
  else expanded.add(n);
  invalidate();
});
// Elapsed times of requests in flight move on their own.
setInterval(() => {
  const view = sessions.current();
  if (view !== undefined && view.requests.size > 0) invalidate();
}, 250);

// The requests first, in view without scrolling however tall the statecharts; the statecharts
// and the settled requests fold to their titles.
putFirst(requestsBox.parentElement as HTMLElement, historyBox.parentElement as HTMLElement);
foldable(historyBox.parentElement as HTMLElement, 'settled');
foldable(chart.parentElement as HTMLElement, 'connection');
foldable(authSection, 'authorization');
foldable(drawings.machinesSection, 'machines');
foldable(drawings.sequenceSection, 'sequence');

// ------------------------------------------------------------------------------------------------
// The socket.

function connect(): void {
  const socket = new WebSocket(`ws://${location.host}/events`);
  socket.addEventListener('open', () => {
    connected = true;
    invalidate();
  });
  socket.addEventListener('message', (event: MessageEvent<string>) => {
    const frame = JSON.parse(event.data) as InspectorFrame;
    if (frame.type === 'hello') {
      machines = { ...frame.machines };
      drawings.reset(machines);
      sessions.clear();
      for (const s of frame.sessions) sessions.announce(s);
      // What the history no longer holds of the live actors first: it is older than the rest.
      for (const r of frame.live) apply(r);
      for (const r of frame.records) apply(r);
      dropped = frame.dropped;
    } else if (frame.type === 'session') {
      sessions.announce(frame.session);
    } else {
      for (const r of frame.records) apply(r);
      dropped += frame.dropped;
    }
    invalidate();
  });
  socket.addEventListener('close', () => {
    connected = false;
    invalidate();
  });
}

connect();
