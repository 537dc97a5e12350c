/**
 * The inspector page: connects to the server's `/events` socket and shows, per session, the
 * connection statechart (drawn from the machine definition) with the current state lit and the
 * path taken, the authorization statechart likewise when the session's OAuth client is watched,
 * the request actors in flight and settled, and the JSON-RPC log. Bundled into one script
 * (dist/inspector/page.js); it loads nothing else.
 */
import { LogView, type LogEntry } from './log.js';
import { foldable, putFirst } from './sections.js';
import { activeIds } from './trace.js';
import type {
  InspectedSession,
  InspectorFrame,
  InspectorRecord,
  Sanitized,
  StateShape,
} from '../records.js';
import { Drawings } from './drawings.js';

interface RequestRow {
  readonly actor: string;
  /** `out` for the client's requests, `in` for the server's. */
  readonly direction: 'out' | 'in';
  id: string;
  method: string;
  state: string;
  readonly started: number;
  ended: number | undefined;
  progress:
    { progress: number; total: number | undefined; message: string | undefined } | undefined;
}

/** Where one actor is in its statechart. */
interface ChartState {
  /** Ids of the states active now. */
  active: Set<string>;
  /** Ids of every state entered, and the path of state values taken. */
  readonly visited: Set<string>;
  readonly path: string[];
  /** Steps dropped from the front of a long path. */
  pathCut: number;
  status: string;
}

interface SessionView {
  /** The session's id and label (the label arrives with the session's announcement). */
  info: InspectedSession;
  readonly connection: ChartState;
  /** The OAuth client's authorization actor, once its records arrive; its (non-secret) context. */
  authorization: (ChartState & { context: Record<string, Sanitized> }) | undefined;
  readonly requests: Map<string, RequestRow>;
  readonly settled: RequestRow[];
  readonly log: LogEntry[];
}

const SETTLED_KEPT = 200;
const LOG_KEPT = 5000;
/** Steps of a path kept (a long-lived authorization refreshes again and again). */
const PATH_KEPT = 100;

let machines: Record<string, StateShape> = {};
const sessions = new Map<string, SessionView>();
let selected: string | undefined;
let dropped = 0;
let logCounter = 0;
let connected = false;
const expanded = new Set<number>();

// ------------------------------------------------------------------------------------------------
// Small DOM helpers.

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function ago(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

// ------------------------------------------------------------------------------------------------
// State values to state ids.

function valueText(value: Sanitized): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return text(value);
  return Object.entries(value)
    .map(([k, v]) => `${k}.${valueText(v)}`)
    .join(', ');
}

// ------------------------------------------------------------------------------------------------
// Records in.

const chartState = (): ChartState => ({
  active: new Set(),
  visited: new Set(),
  path: [],
  pathCut: 0,
  status: 'active',
});

/** Moves a chart to the state `value`: lit, marked visited, and on the path unless it stays. */
function enter(chart: ChartState, machine: string, value: Sanitized, status: string): void {
  chart.active = new Set(activeIds(value, machine));
  for (const id of chart.active) chart.visited.add(id);
  const step = valueText(value);
  if (chart.path[chart.path.length - 1] !== step) chart.path.push(step);
  if (chart.path.length > PATH_KEPT) {
    chart.pathCut += chart.path.length - PATH_KEPT;
    chart.path.splice(0, chart.path.length - PATH_KEPT);
  }
  chart.status = status;
}

function viewOf(id: string): SessionView {
  let view = sessions.get(id);
  if (view === undefined) {
    view = {
      info: { id, label: id },
      connection: chartState(),
      authorization: undefined,
      requests: new Map(),
      settled: [],
      log: [],
    };
    sessions.set(id, view);
    selected ??= id;
  }
  return view;
}

function addSession(info: InspectedSession): void {
  viewOf(info.id).info = info;
}

/** The method of each request by direction and id, so that a response is filed under its request's. */
const methodsById = new Map<string, string>();

function summaryOf(
  session: string,
  direction: 'in' | 'out',
  message: Sanitized,
): { method: string; summary: string } {
  const m = (message ?? {}) as Record<string, Sanitized>;
  const hasId = m['id'] !== undefined && m['id'] !== null;
  const id = hasId ? ` #${text(m['id'])}` : '';
  if (typeof m['method'] === 'string') {
    if (hasId) methodsById.set(`${session} ${direction} ${text(m['id'])}`, m['method']);
    const params = m['params'] as Record<string, Sanitized> | undefined;
    const name =
      params !== undefined && params !== null && typeof params['name'] === 'string'
        ? ` ${params['name']}`
        : '';
    return { method: m['method'], summary: `${m['method']}${name}${id}` };
  }
  // A response answers a request that went the other way.
  const key = `${session} ${direction === 'in' ? 'out' : 'in'} ${text(m['id'])}`;
  const method = (hasId ? methodsById.get(key) : undefined) ?? '';
  if (hasId) methodsById.delete(key);
  const of = method === '' ? '' : ` of ${method}`;
  if (m['error'] !== undefined) {
    const e = m['error'] as Record<string, Sanitized>;
    return { method, summary: `error${of}${id}: ${text(e['code'])} ${text(e['message'])}` };
  }
  return { method, summary: `result${of}${id}` };
}

function addLog(view: SessionView, entry: Omit<LogEntry, 'n'>): void {
  view.log.push({ ...entry, n: logCounter++ });
  if (view.log.length > LOG_KEPT) view.log.splice(0, view.log.length - LOG_KEPT);
}

function apply(r: InspectorRecord): void {
  drawings.record(r);
  const view = viewOf(r.session);
  switch (r.kind) {
    case 'actor': {
      if (r.machine === 'request' || r.machine === 'inboundRequest') {
        view.requests.set(r.actor, {
          actor: r.actor,
          direction: r.machine === 'request' ? 'out' : 'in',
          id: r.actor.replace(/^[a-z]+:/, ''),
          method: '',
          state: '',
          started: r.t,
          ended: undefined,
          progress: undefined,
        });
      }
      return;
    }
    case 'snapshot': {
      if (r.actor === 'connection') {
        enter(view.connection, 'connection', r.value, r.status);
        return;
      }
      if (r.actor === 'authorization') {
        view.authorization ??= { ...chartState(), context: {} };
        enter(view.authorization, 'authorization', r.value, r.status);
        const context = r.context;
        if (context !== null && typeof context === 'object' && !Array.isArray(context)) {
          view.authorization.context = context;
        }
        return;
      }
      const row = view.requests.get(r.actor);
      if (row === undefined) return;
      row.state = valueText(r.value);
      const context = r.context as Record<string, Sanitized> | null;
      if (context !== null && typeof context === 'object') {
        if (context['method'] !== undefined) row.method = text(context['method']);
        if (context['id'] !== undefined) row.id = text(context['id']);
      }
      if (r.status === 'done') {
        row.ended = r.t;
        view.requests.delete(r.actor);
        view.settled.unshift(row);
        if (view.settled.length > SETTLED_KEPT) view.settled.length = SETTLED_KEPT;
      }
      return;
    }
    case 'event': {
      const event = r.event as Record<string, Sanitized>;
      const row = view.requests.get(r.actor);
      if (row !== undefined && event['type'] === 'progress') {
        const p = (event['progress'] ?? {}) as Record<string, Sanitized>;
        row.progress = {
          progress: Number(p['progress']),
          total: typeof p['total'] === 'number' ? p['total'] : undefined,
          message: typeof p['message'] === 'string' ? p['message'] : undefined,
        };
      }
      return;
    }
    case 'message': {
      const { method, summary } = summaryOf(r.session, r.direction, r.message);
      addLog(view, { t: r.t, direction: r.direction, method, summary, body: r.message });
      return;
    }
    case 'exception': {
      const e = (r.error ?? {}) as Record<string, Sanitized>;
      addLog(view, {
        t: r.t,
        direction: 'exception',
        method: '',
        summary: `${text(e['code'] ?? e['name'])}: ${text(e['message'])}`,
        body: r.error,
      });
      return;
    }
    case 'diagnostic': {
      addLog(view, {
        t: r.t,
        direction: 'diagnostic',
        method: '',
        summary: `${r.code}: ${r.message}`,
        body: r.payload,
      });
      return;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Rendering.

const style = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f6f7f9; }
header { display: flex; gap: 16px; align-items: center; padding: 8px 16px; background: #1d2430; color: #fff; }
header h1 { font-size: 15px; margin: 0; font-weight: 600; }
header .status { margin-left: auto; font-size: 12px; opacity: .85; }
nav { display: flex; gap: 4px; padding: 8px 16px 0; flex-wrap: wrap; }
nav button { border: 1px solid #c9ced6; background: #fff; border-radius: 4px 4px 0 0; padding: 4px 10px; cursor: pointer; }
nav button.selected { background: #2b6cb0; color: #fff; border-color: #2b6cb0; }
main { display: grid; grid-template-columns: minmax(360px, 1fr) minmax(420px, 1.3fr); gap: 12px; padding: 12px 16px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 10px 12px; min-width: 0; }
section h2 { font-size: 13px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: #566174; }
.path { font-family: ui-monospace, monospace; font-size: 12px; margin-bottom: 8px; color: #38455a; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eef0f3; white-space: nowrap; }
td.method { font-family: ui-monospace, monospace; }
.bar { display: inline-block; width: 80px; height: 8px; background: #e5e8ed; border-radius: 4px; vertical-align: middle; }
.bar > span { display: block; height: 100%; background: #2b6cb0; border-radius: 4px; }
.outcome-succeeded, .outcome-responded { color: #1f7a3a; }
.outcome-failed, .outcome-timedOut, .outcome-cancelled, .outcome-closed { color: #b42318; }
.log-tools { display: flex; gap: 8px; margin-bottom: 6px; align-items: center; }
.log-tools input { flex: 1; padding: 3px 6px; }
.log-tools button { padding: 2px 8px; cursor: pointer; }
.log { height: calc(100vh - 190px); min-height: 240px; overflow: auto; overflow-anchor: none; overscroll-behavior: contain; font-family: ui-monospace, monospace; font-size: 12px; }
.log-entry { padding: 2px 4px; border-bottom: 1px solid #f0f1f4; cursor: pointer; }
.log-entry .dir { display: inline-block; width: 18px; font-weight: 700; }
.log-entry.in .dir { color: #1f7a3a; } .log-entry.out .dir { color: #2b6cb0; } .log-entry.exception { color: #b42318; } .log-entry.diagnostic { color: #8a5a00; }
.log-entry pre { margin: 4px 0 4px 18px; white-space: pre-wrap; word-break: break-all; background: #f6f7f9; padding: 4px; cursor: text; }
.notice { color: #b42318; font-size: 12px; }
.empty { color: #8a93a3; font-style: italic; }
.facts { margin-bottom: 8px; }
.facts th { color: #566174; font-weight: 500; width: 1%; }
.facts td { font-family: ui-monospace, monospace; white-space: normal; word-break: break-all; }
.facts td.error { color: #b42318; }
`;

const root = document.getElementById('app') as HTMLElement;
root.textContent = '';
document.head.append(el('style', {}, style));
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
  drawings.chart(box, machine, selected);
  pathBox.textContent =
    state === undefined ? '' : `path: ${state.pathCut > 0 ? '… → ' : ''}${state.path.join(' → ')}`;
}

/** The authorization's context, as the page shows it (it holds nothing secret). */
function renderAuthorization(view: SessionView | undefined): void {
  const auth = view?.authorization;
  authSection.hidden = auth === undefined;
  if (auth === undefined) return;
  renderChart(authChart, authPath, 'authorization', auth);
  const c = auth.context;
  const shown = (v: Sanitized | undefined): string =>
    v === undefined || v === null || v === '' ? '—' : text(v);
  const error = c['error'] as Record<string, Sanitized> | undefined;
  const rows: [string, string, string][] = [
    ['grant', 'grant', shown(c['grant'])],
    ['issuer', 'issuer', shown(c['issuer'])],
    ['resource', 'resource', shown(c['resource'])],
    ['scope', 'scope', shown(c['scope'])],
    ['generation', 'token generation', shown(c['generation'])],
    ['refreshable', 'refreshable', shown(c['refreshable'])],
    [
      'error',
      'last error',
      error === undefined || error === null || typeof error !== 'object'
        ? '—'
        : `${text(error['reason'] ?? error['name'] ?? 'error')}: ${text(error['message'] ?? '')}`,
    ],
  ];
  authFacts.replaceChildren(
    el(
      'table',
      { class: 'facts' },
      ...rows.map(([key, label, value]) =>
        el(
          'tr',
          { 'data-key': key },
          el('th', {}, label),
          el('td', key === 'error' && value !== '—' ? { class: 'error' } : {}, value),
        ),
      ),
    ),
  );
}

function requestTable(rows: readonly RequestRow[], now: number, settled: boolean): HTMLElement {
  if (rows.length === 0) return el('div', { class: 'empty' }, settled ? 'none yet' : 'none');
  const table = el(
    'table',
    {},
    el(
      'tr',
      {},
      ...['', 'id', 'method', 'state', settled ? 'took' : 'elapsed', 'progress'].map((h) =>
        el('th', {}, h),
      ),
    ),
  );
  for (const r of rows) {
    const p = r.progress;
    const progress =
      p === undefined
        ? ''
        : p.total !== undefined && p.total > 0
          ? el(
              'span',
              {},
              el(
                'span',
                { class: 'bar' },
                el('span', { style: `width:${Math.min(100, (100 * p.progress) / p.total)}%` }),
              ),
              ` ${p.progress}/${p.total}${p.message === undefined ? '' : ` ${p.message}`}`,
            )
          : `${p.progress}${p.message === undefined ? '' : ` ${p.message}`}`;
    table.append(
      el(
        'tr',
        { class: `request ${settled ? 'settled' : 'inflight'}`, 'data-actor': r.actor },
        el('td', {}, r.direction === 'out' ? '→' : '←'),
        el('td', {}, r.id),
        el('td', { class: 'method' }, r.method),
        el('td', { class: `outcome-${r.state}` }, r.state),
        el('td', {}, ago((r.ended ?? now) - r.started)),
        el('td', {}, progress),
      ),
    );
  }
  return table;
}

/** One entry of the log, expanded to its JSON when `open`. */
function drawLogEntry(e: LogEntry, t0: number, open: boolean): HTMLElement {
  const row = el(
    'div',
    { class: `log-entry ${e.direction}`, 'data-n': String(e.n), 'data-method': e.method },
    el(
      'span',
      { class: 'dir' },
      e.direction === 'in'
        ? '←'
        : e.direction === 'out'
          ? '→'
          : e.direction === 'exception'
            ? '!'
            : '·',
    ),
    `+${ago(e.t - t0)}  ${e.summary}`,
  );
  if (open) row.append(el('pre', {}, JSON.stringify(e.body, null, 2)));
  return row;
}

function renderLog(view: SessionView | undefined): void {
  logView.render(view?.info.id, view?.log ?? [], expanded);
}

function renderNav(): void {
  nav.textContent = '';
  for (const view of sessions.values()) {
    const button = el(
      'button',
      { 'data-session': view.info.id, class: view.info.id === selected ? 'selected' : '' },
      view.info.label,
    );
    button.addEventListener('click', () => {
      selected = view.info.id;
      expanded.clear();
      invalidate();
    });
    nav.append(button);
  }
}

let dirty = false;
function render(): void {
  dirty = false;
  const view = selected === undefined ? undefined : sessions.get(selected);
  const now = Date.now();
  renderNav();
  renderChart(chart, chartPath, 'connection', view?.connection);
  renderAuthorization(view);
  requestsBox.replaceChildren(
    requestTable(view === undefined ? [] : [...view.requests.values()], now, false),
  );
  historyBox.replaceChildren(requestTable(view?.settled ?? [], now, true));
  renderLog(view);
  drawings.render(selected);
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
  const view = selected === undefined ? undefined : sessions.get(selected);
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
      for (const s of frame.sessions) addSession(s);
      // What the history no longer holds of the live actors first: it is older than the rest.
      for (const r of frame.live) apply(r);
      for (const r of frame.records) apply(r);
      dropped = frame.dropped;
    } else if (frame.type === 'session') {
      addSession(frame.session);
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
