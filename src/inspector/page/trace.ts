/**
 * Where each watched actor is in its statechart, and how it got there: from the records of a
 * session, the states active now, the states entered so far, the transitions taken in order
 * (read back from each step's event and the states before and after it), and the events it
 * received with their times. No DOM here: diagram.ts draws what this keeps.
 */
import type { StateShape } from '../machine-shape.js';
import type { InspectorRecord } from '../records.js';
import type { Sanitized } from '../sanitize.js';

/** Steps kept per actor (a long-lived authorization refreshes again and again). */
export const STEPS_KEPT = 100;
/** Events kept per actor: the first ones and the latest ones (a long call reports much progress). */
export const EVENTS_HEAD = 20;
export const EVENTS_TAIL = 80;
/** Settled request actors whose traces are kept, per session (the page shows as many). */
export const SETTLED_TRACES = 200;

/** An event an actor received, and the state it left it in. */
export interface TracedEvent {
  readonly t: number;
  /** The event's type as XState names it (`send`, `progress`, `xstate.done.actor.probe`). */
  readonly type: string;
  /** A short account of its payload (`3/30 reading`, `-32601 Method not found`), or ''. */
  readonly detail: string;
  /** The state value after it, as text (`inFlight`, `initializing.handshaking`). */
  state: string | undefined;
}

/** One actor's trace. */
export interface Trace {
  readonly actor: string;
  /** The machine it runs, by the name the `hello` frame gives its shape. */
  readonly machine: string;
  readonly started: number;
  /** When it reached a final state (`status` `done`), else undefined. */
  ended: number | undefined;
  status: string;
  /** The ids of the active states (every level). */
  active: Set<string>;
  /** The ids of every state entered so far. */
  readonly visited: Set<string>;
  /** Transition keys taken, in order (`<source id>#<index>`, `<compound id>#initial`). */
  readonly steps: string[];
  /** Steps dropped from the front of `steps`. */
  stepsCut: number;
  /** The first events, then the latest ones; `eventsCut` were dropped between them. */
  readonly events: TracedEvent[];
  eventsCut: number;
  /** A request's JSON-RPC method and id, from its context. */
  method: string;
  id: string;
}

/** The machine an actor runs, from the `actor` record or, failing that, from its name. */
function machineOf(actor: string, declared: string | undefined): string | undefined {
  if (declared !== undefined) return declared;
  if (actor === 'connection' || actor === 'authorization' || actor === 'dispatcher') return actor;
  if (/^request:/.test(actor)) return 'request';
  if (/^inbound:/.test(actor)) return 'inboundRequest';
  return undefined;
}

const text = (v: Sanitized | undefined): string =>
  typeof v === 'string' ? v : v === undefined ? '' : JSON.stringify(v);

/** The ids of the states a value names: `{ initializing: 'handshaking' }` → both levels. */
export function activeIds(value: Sanitized, prefix: string): string[] {
  if (typeof value === 'string') return [`${prefix}.${value}`];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    out.push(`${prefix}.${key}`, ...activeIds(child, `${prefix}.${key}`));
  }
  return out;
}

/** A state value as text: `{ initializing: 'handshaking' }` → `initializing.handshaking`. */
export function valueText(value: Sanitized): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return text(value);
  return Object.entries(value)
    .map(([k, v]) => `${k}.${valueText(v)}`)
    .join(', ');
}

/** A short account of an event's payload. */
function detailOf(event: Record<string, Sanitized>): string {
  const cut = (s: string): string => (s.length > 80 ? `${s.slice(0, 79)}…` : s);
  const p = event['progress'];
  if (p !== undefined && p !== null && typeof p === 'object' && !Array.isArray(p)) {
    const total = p['total'] === undefined ? '' : `/${text(p['total'])}`;
    const message = p['message'] === undefined ? '' : ` ${text(p['message'])}`;
    return cut(`${text(p['progress'])}${total}${message}`);
  }
  const e = event['error'];
  if (e !== undefined && e !== null && typeof e === 'object' && !Array.isArray(e)) {
    const code = e['code'] === undefined ? '' : `${text(e['code'])} `;
    return cut(`${code}${text(e['message'] ?? e['name'])}`);
  }
  if (typeof event['reason'] === 'string') return cut(event['reason']);
  return '';
}

interface ShapeIndex {
  readonly root: StateShape;
  readonly states: Map<string, StateShape>;
  readonly depth: Map<string, number>;
}

const indexes = new WeakMap<StateShape, ShapeIndex>();
function indexOf(root: StateShape): ShapeIndex {
  let index = indexes.get(root);
  if (index !== undefined) return index;
  const states = new Map<string, StateShape>();
  const depth = new Map<string, number>();
  const walk = (s: StateShape, d: number): void => {
    states.set(s.id, s);
    depth.set(s.id, d);
    for (const c of s.states) walk(c, d + 1);
  };
  walk(root, 0);
  index = { root, states, depth };
  indexes.set(root, index);
  return index;
}

/**
 * The transitions that took an actor from the states `before` to the states `after` on
 * `event`, in the order they were taken: the event's transition (from the deepest active state
 * that has one whose target is now active, or that stays when nothing changed), then, for each
 * compound state entered, its initial step, then the eventless transitions followed from there.
 * Transitions that differ only by guard and lead to the same place are all given: which guard
 * held cannot be read from the states.
 */
export function stepsBetween(
  shape: StateShape,
  before: ReadonlySet<string>,
  after: ReadonlySet<string>,
  event: string,
): string[] {
  const index = indexOf(shape);
  const steps: string[] = [];
  /** Follows an entered state down: initial steps, then eventless steps, to the states now active. */
  const settle = (id: string, budget: number): void => {
    if (budget === 0) return;
    const s = index.states.get(id);
    if (s === undefined) return;
    if (s.states.length > 0 && s.initial !== undefined) {
      // A compound state that is a target is entered by its initial step.
      steps.push(`${s.id}#initial`);
      settle(s.initial, budget - 1);
      return;
    }
    if (after.has(id)) return;
    const i = s.transitions.findIndex(
      (t) => t.event === '(always)' && t.targets.some((target) => after.has(target)),
    );
    const t = s.transitions[i];
    if (t === undefined) return;
    steps.push(`${s.id}#${i}`);
    for (const target of t.targets) settle(target, budget - 1);
  };
  if (before.size === 0) {
    if (event === 'xstate.init') settle(shape.id, 20);
    return steps;
  }
  const same = before.size === after.size && [...before].every((id) => after.has(id));
  const sources = [...before].sort((a, b) => (index.depth.get(b) ?? 0) - (index.depth.get(a) ?? 0));
  for (const source of sources) {
    const s = index.states.get(source);
    if (s === undefined) continue;
    const taken: number[] = [];
    s.transitions.forEach((t, i) => {
      if (t.event !== event) return;
      const fits = t.targets.length === 0 ? same : t.targets.every((target) => after.has(target));
      if (fits) taken.push(i);
    });
    if (taken.length === 0) continue;
    // Guarded alternatives: only those that lead where the first one does.
    const first = s.transitions[taken[0] as number];
    const where = first?.targets.join(' ') ?? '';
    const alike = taken.filter((i) => s.transitions[i]?.targets.join(' ') === where);
    for (const i of alike) steps.push(`${s.id}#${i}`);
    for (const target of first?.targets ?? []) settle(target, 20);
    break;
  }
  return steps;
}

interface SessionTraces {
  readonly actors: Map<string, Trace>;
  /** Settled request actors, oldest first (bounded by SETTLED_TRACES). */
  readonly settled: string[];
}

/** The traces of every session's actors, fed with records. */
export class Tracker {
  readonly #sessions = new Map<string, SessionTraces>();
  readonly #declared = new Map<string, string | undefined>();
  #machines: Readonly<Record<string, StateShape>> = {};

  /** Forgets everything; `machines` are the shapes of the new `hello` frame. */
  reset(machines: Readonly<Record<string, StateShape>>): void {
    this.#machines = machines;
    this.#sessions.clear();
    this.#declared.clear();
  }

  /** The trace of `actor` in `session`, when it has one. */
  trace(session: string | undefined, actor: string): Trace | undefined {
    return session === undefined ? undefined : this.#sessions.get(session)?.actors.get(actor);
  }

  #traces(session: string): SessionTraces {
    let traces = this.#sessions.get(session);
    if (traces === undefined) {
      traces = { actors: new Map(), settled: [] };
      this.#sessions.set(session, traces);
    }
    return traces;
  }

  #traceOf(session: string, actor: string, t: number, create: boolean): Trace | undefined {
    const traces = this.#traces(session);
    const known = traces.actors.get(actor);
    if (known !== undefined || !create) return known;
    const machine = machineOf(actor, this.#declared.get(`${session} ${actor}`));
    if (machine === undefined || this.#machines[machine] === undefined) return undefined;
    const trace: Trace = {
      actor,
      machine,
      started: t,
      ended: undefined,
      status: 'active',
      active: new Set(),
      visited: new Set(),
      steps: [],
      stepsCut: 0,
      events: [],
      eventsCut: 0,
      method: '',
      id: actor.replace(/^[a-z]+:/, ''),
    };
    traces.actors.set(actor, trace);
    return trace;
  }

  /** Takes one record in. */
  apply(r: InspectorRecord): void {
    switch (r.kind) {
      case 'actor': {
        this.#declared.set(`${r.session} ${r.actor}`, r.machine);
        const traces = this.#traces(r.session);
        // An actor of the same name starts again: a new trace.
        traces.actors.delete(r.actor);
        this.#traceOf(r.session, r.actor, r.t, true);
        return;
      }
      case 'event': {
        const trace = this.#traceOf(r.session, r.actor, r.t, true);
        if (trace === undefined) return;
        const event = (r.event ?? {}) as Record<string, Sanitized>;
        push(trace, {
          t: r.t,
          type: text(event['type']),
          detail: detailOf(event),
          state: undefined,
        });
        return;
      }
      case 'snapshot': {
        const trace = this.#traceOf(r.session, r.actor, r.t, true);
        if (trace === undefined) return;
        const shape = this.#machines[trace.machine];
        if (shape === undefined) return;
        const after = new Set(activeIds(r.value, shape.id));
        const steps = stepsBetween(shape, trace.active, after, r.event);
        trace.steps.push(...steps);
        if (trace.steps.length > STEPS_KEPT) {
          trace.stepsCut += trace.steps.length - STEPS_KEPT;
          trace.steps.splice(0, trace.steps.length - STEPS_KEPT);
        }
        trace.active = after;
        for (const id of after) trace.visited.add(id);
        trace.status = r.status;
        const state = valueText(r.value);
        // The snapshot of the event received last of its type and not yet given one: most often
        // the last event, but an event that its own handling caused (a caller aborting from its
        // progress callback) is received, and its snapshot reported, before it.
        let received: TracedEvent | undefined;
        for (let i = trace.events.length - 1; i >= trace.events.length - 8 && i >= 0; i--) {
          const e = trace.events[i] as TracedEvent;
          if (e.type === r.event && e.state === undefined) {
            received = e;
            break;
          }
        }
        if (received !== undefined) received.state = state;
        else push(trace, { t: r.t, type: r.event, detail: '', state });
        const context = r.context;
        if (context !== null && typeof context === 'object' && !Array.isArray(context)) {
          if (typeof context['method'] === 'string') trace.method = context['method'];
          if (context['id'] !== undefined) trace.id = text(context['id']);
        }
        if (r.status === 'done' && trace.ended === undefined) {
          trace.ended = r.t;
          this.#settle(r.session, r.actor);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Keeps the traces of the last SETTLED_TRACES settled requests of a session. */
  #settle(session: string, actor: string): void {
    if (!/^(request|inbound):/.test(actor)) return;
    const traces = this.#traces(session);
    traces.settled.push(actor);
    while (traces.settled.length > SETTLED_TRACES) {
      const old = traces.settled.shift();
      if (old !== undefined && traces.actors.get(old)?.ended !== undefined) {
        traces.actors.delete(old);
        this.#declared.delete(`${session} ${old}`);
      }
    }
  }
}

function push(trace: Trace, event: TracedEvent): void {
  trace.events.push(event);
  if (trace.events.length > EVENTS_HEAD + EVENTS_TAIL) {
    trace.events.splice(EVENTS_HEAD, 1);
    trace.eventsCut++;
  }
}
