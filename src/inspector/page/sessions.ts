/**
 * What the inspector page knows of each session, built from the records as they arrive: where
 * the connection and authorization actors are in their statecharts and the path they took, the
 * request actors in flight and settled, and the log of messages, exceptions and diagnostics.
 * No DOM here: main.ts renders it.
 */
import type { LogEntry } from './log.js';
import { text } from './dom.js';
import { activeIds, valueText } from './trace.js';
import type { InspectedSession, InspectorRecord } from '../records.js';
import type { Sanitized } from '../sanitize.js';

/** A request actor, as the requests tables show it. */
export interface RequestRow {
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
export interface ChartState {
  /** Ids of the states active now. */
  active: Set<string>;
  /** Ids of every state entered, and the path of state values taken. */
  readonly visited: Set<string>;
  readonly path: string[];
  /** Steps dropped from the front of a long path. */
  pathCut: number;
  status: string;
}

/** One session, as the page shows it. */
export interface SessionView {
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

type RecordOf<K extends InspectorRecord['kind']> = InspectorRecord & { readonly kind: K };

/** The sessions the page shows, by id, in the order they were first seen, and the one selected. */
export class SessionViews {
  readonly #views = new Map<string, SessionView>();
  /** The session shown: the first one seen, until the user picks another. */
  selected: string | undefined;
  #logCounter = 0;
  /** The method of each request by direction and id, so that a response is filed under its request's. */
  readonly #methodsById = new Map<string, string>();

  get size(): number {
    return this.#views.size;
  }

  values(): IterableIterator<SessionView> {
    return this.#views.values();
  }

  /** The selected session's view, if any. */
  current(): SessionView | undefined {
    return this.selected === undefined ? undefined : this.#views.get(this.selected);
  }

  /** Forgets every session (the selection stays). */
  clear(): void {
    this.#views.clear();
  }

  /** The view of session `id`, made (and selected, if none is) when first seen. */
  view(id: string): SessionView {
    let view = this.#views.get(id);
    if (view === undefined) {
      view = {
        info: { id, label: id },
        connection: chartState(),
        authorization: undefined,
        requests: new Map(),
        settled: [],
        log: [],
      };
      this.#views.set(id, view);
      this.selected ??= id;
    }
    return view;
  }

  /** A session announced, with its label. */
  announce(info: InspectedSession): void {
    this.view(info.id).info = info;
  }

  /** Takes one record into its session's view. */
  apply(r: InspectorRecord): void {
    const view = this.view(r.session);
    switch (r.kind) {
      case 'actor':
        return actorStarted(view, r);
      case 'snapshot':
        return snapshotTaken(view, r);
      case 'event':
        return eventReceived(view, r);
      case 'message': {
        const { method, summary } = this.#summaryOf(r.session, r.direction, r.message);
        this.#addLog(view, { t: r.t, direction: r.direction, method, summary, body: r.message });
        return;
      }
      case 'exception': {
        const e = (r.error ?? {}) as Record<string, Sanitized>;
        this.#addLog(view, {
          t: r.t,
          direction: 'exception',
          method: '',
          summary: `${text(e['code'] ?? e['name'])}: ${text(e['message'])}`,
          body: r.error,
        });
        return;
      }
      case 'diagnostic':
        this.#addLog(view, {
          t: r.t,
          direction: 'diagnostic',
          method: '',
          summary: `${r.code}: ${r.message}`,
          body: r.payload,
        });
        return;
    }
  }

  /** A message's method and one-line summary; a response is named after its request's method. */
  #summaryOf(
    session: string,
    direction: 'in' | 'out',
    message: Sanitized,
  ): { method: string; summary: string } {
    const m = (message ?? {}) as Record<string, Sanitized>;
    const hasId = m['id'] !== undefined && m['id'] !== null;
    const id = hasId ? ` #${text(m['id'])}` : '';
    if (typeof m['method'] === 'string') {
      if (hasId) this.#methodsById.set(`${session} ${direction} ${text(m['id'])}`, m['method']);
      const params = m['params'] as Record<string, Sanitized> | undefined;
      const name =
        params !== undefined && params !== null && typeof params['name'] === 'string'
          ? ` ${params['name']}`
          : '';
      return { method: m['method'], summary: `${m['method']}${name}${id}` };
    }
    // A response answers a request that went the other way.
    const key = `${session} ${direction === 'in' ? 'out' : 'in'} ${text(m['id'])}`;
    const method = (hasId ? this.#methodsById.get(key) : undefined) ?? '';
    if (hasId) this.#methodsById.delete(key);
    const of = method === '' ? '' : ` of ${method}`;
    if (m['error'] !== undefined) {
      const e = m['error'] as Record<string, Sanitized>;
      return { method, summary: `error${of}${id}: ${text(e['code'])} ${text(e['message'])}` };
    }
    return { method, summary: `result${of}${id}` };
  }

  #addLog(view: SessionView, entry: Omit<LogEntry, 'n'>): void {
    view.log.push({ ...entry, n: this.#logCounter++ });
    if (view.log.length > LOG_KEPT) view.log.splice(0, view.log.length - LOG_KEPT);
  }
}

/** A request actor (outbound or inbound) started: a row in flight. */
function actorStarted(view: SessionView, r: RecordOf<'actor'>): void {
  if (r.machine !== 'request' && r.machine !== 'inboundRequest') return;
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

/** A new state: of a statechart shown (connection, authorization), or of a request's row. */
function snapshotTaken(view: SessionView, r: RecordOf<'snapshot'>): void {
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
}

/** An event delivered: a request's progress moves its bar. */
function eventReceived(view: SessionView, r: RecordOf<'event'>): void {
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
}
