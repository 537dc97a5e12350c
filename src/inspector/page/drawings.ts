/**
 * The drawn parts of the page: the statecharts (laid out with ELK, lit from the records), the
 * request picked in the requests tables (its own request machine, lit at its state, with the
 * events it went through and their times), the session's other machines, and the sequence view
 * of the exchange. main.ts feeds it the records and calls it when it renders.
 */
import type { StateShape } from '../machine-shape.js';
import type { InspectorRecord } from '../records.js';
import { diagramStyle, forgetLayouts, showMachine } from './diagram.js';
import { el } from './dom.js';
import { Sequences } from './sequence.js';
import { renderSequence, sequenceStyle } from './sequence-view.js';
import { EVENTS_HEAD, Tracker, type Trace } from './trace.js';

const style = `
${diagramStyle}
${sequenceStyle}
#request-facts { font-family: ui-monospace, monospace; font-size: 12px; margin-bottom: 6px; }
#request-facts .outcome { font-weight: 600; }
.request-head { display: flex; align-items: center; gap: 8px; margin-bottom: 6px; }
.request-head h2 { margin: 0; }
.request-head button { margin-left: auto; }
#request-events { margin-top: 8px; }
#request-events td.event { font-family: ui-monospace, monospace; }
#request-events td.detail { white-space: normal; color: #566174; }
#request-events td.time { color: #566174; font-variant-numeric: tabular-nums; }
.machine-tabs { display: flex; gap: 4px; margin-bottom: 6px; flex-wrap: wrap; }
.machine-tabs button { border: 1px solid #c9ced6; background: #fff; border-radius: 4px; padding: 2px 8px; cursor: pointer; font-size: 12px; }
.machine-tabs button[aria-pressed="true"] { background: #2b6cb0; color: #fff; border-color: #2b6cb0; }
.machine-note { color: #566174; font-size: 12px; margin-bottom: 6px; }
tr.request { cursor: pointer; }
tr.request:hover { background: #f1f6fd; }
`;

/** The machines of the "Machines" section, with what the page knows of their actors. */
const OTHER_MACHINES: readonly { name: string; title: string; note: string }[] = [
  { name: 'dispatcher', title: 'dispatcher', note: 'The session’s dispatcher, lit where it is.' },
  {
    name: 'request',
    title: 'request',
    note: 'Each outbound request runs this machine: click a request above to see its own.',
  },
  {
    name: 'inboundRequest',
    title: 'inbound request',
    note: 'Each request from the server runs this machine: click one above to see its own.',
  },
  {
    name: 'stdioProcess',
    title: 'stdio process',
    note: 'The stdio transport’s server process: its actor runs inside the transport and is not watched, so only the machine is drawn.',
  },
];

function ago(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function clock(t: number): string {
  const d = new Date(t);
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** An event's name as the page shows it: XState's generated names shortened. */
function eventName(type: string): string {
  const m = /^xstate\.(done|error)\.actor\.(.+)$/.exec(type);
  if (m !== null) return `${m[1]}(${m[2]})`;
  const after = /^xstate\.after\.([^.]+)\./.exec(type);
  if (after !== null) return `after(${after[1]})`;
  return type;
}

/** The drawn parts of the page, and the state they are drawn from. */
export class Drawings {
  readonly #tracker = new Tracker();
  readonly #sequences = new Sequences();
  #machines: Readonly<Record<string, StateShape>> = {};
  /** The request picked in the tables: its session and actor. */
  #picked: { session: string; actor: string } | undefined;
  #otherMachine = 'dispatcher';
  /** The session shown at the last render. */
  #session: string | undefined;
  #pickedStyle = el('style');

  /** The picked request: its machine, lit, and its events (hidden until a request is picked). */
  readonly requestSection: HTMLElement;
  readonly #requestTitle = el('h2', {}, 'Request');
  readonly #requestFacts = el('div', { id: 'request-facts' });
  readonly #requestChart = el('div', { id: 'request-chart' });
  readonly #requestEvents = el('div', { id: 'request-events' });
  /** The session's other machines: the dispatcher (lit), request, inbound request, stdio process. */
  readonly machinesSection: HTMLElement;
  readonly #machineTabs = el('div', { class: 'machine-tabs' });
  readonly #machineNote = el('div', { class: 'machine-note' });
  readonly #machineChart = el('div', { id: 'machine-chart' });
  /** The exchange on a timeline. */
  readonly sequenceSection: HTMLElement;
  readonly #sequenceBox = el('div', { class: 'sequence', id: 'sequence' });

  constructor(private readonly invalidate: () => void) {
    document.head.append(el('style', {}, style), this.#pickedStyle);
    const close = el('button', { type: 'button', id: 'request-close' }, 'close');
    close.addEventListener('click', () => {
      this.#picked = undefined;
      this.invalidate();
    });
    this.requestSection = el(
      'section',
      { id: 'request' },
      el('div', { class: 'request-head' }, this.#requestTitle, close),
      this.#requestFacts,
      this.#requestChart,
      this.#requestEvents,
    );
    this.requestSection.hidden = true;
    for (const m of OTHER_MACHINES) {
      const button = el('button', { type: 'button', 'data-machine': m.name }, m.title);
      button.addEventListener('click', () => {
        this.#otherMachine = m.name;
        this.invalidate();
      });
      this.#machineTabs.append(button);
    }
    this.machinesSection = el(
      'section',
      { id: 'machines' },
      el('h2', {}, 'Machines'),
      this.#machineTabs,
      this.#machineNote,
      this.#machineChart,
    );
    this.sequenceSection = el(
      'section',
      { id: 'sequence-view' },
      el('h2', {}, 'Sequence'),
      this.#sequenceBox,
    );
  }

  /** A new `hello` frame: its machines, and nothing seen yet. */
  reset(machines: Readonly<Record<string, StateShape>>): void {
    this.#machines = machines;
    this.#tracker.reset(machines);
    this.#sequences.reset();
    this.#picked = undefined;
    forgetLayouts();
  }

  /** Takes one record in. */
  record(r: InspectorRecord): void {
    this.#tracker.apply(r);
    this.#sequences.apply(r);
  }

  /** The trace of an actor of a session (for the page's own use and tests). */
  trace(session: string | undefined, actor: string): Trace | undefined {
    return this.#tracker.trace(session, actor);
  }

  /** Draws the statechart of the actor `actor` (its machine's name too) of `session` into `box`. */
  chart(box: HTMLElement, actor: string, session: string | undefined): void {
    const shape = this.#machines[actor];
    if (shape === undefined) return;
    showMachine(box, actor, shape, this.#tracker.trace(session, actor));
  }

  /** Lets a click on a row of these request tables (rows with `data-actor`) pick that request. */
  pickFrom(...tables: HTMLElement[]): void {
    for (const table of tables) {
      table.addEventListener('click', (event) => {
        const row = (event.target as Element).closest<HTMLElement>('tr[data-actor]');
        const actor = row?.dataset['actor'];
        const session = this.#session;
        if (actor === undefined || session === undefined) return;
        this.#picked = { session, actor };
        this.invalidate();
        this.requestSection.scrollIntoView({ block: 'nearest' });
      });
    }
  }

  /** Draws the parts that depend on the session shown. */
  render(session: string | undefined): void {
    this.#session = session;
    this.#renderRequest(session);
    this.#renderMachines(session);
    renderSequence(this.#sequenceBox, session, this.#sequences);
  }

  #renderRequest(session: string | undefined): void {
    const picked = this.#picked?.session === session ? this.#picked : undefined;
    const trace = picked === undefined ? undefined : this.#tracker.trace(session, picked.actor);
    const shape = trace === undefined ? undefined : this.#machines[trace.machine];
    this.#pickedStyle.textContent =
      picked === undefined
        ? ''
        : `tr.request[data-actor="${CSS.escape(picked.actor)}"] { background: #fff3d6; outline: 2px solid #d97706; }`;
    this.requestSection.hidden = trace === undefined || shape === undefined;
    if (trace === undefined || shape === undefined) return;
    const inbound = trace.machine === 'inboundRequest';
    const state = [...trace.active].filter(
      (id) => ![...trace.active].some((other) => other.startsWith(`${id}.`)),
    );
    this.#requestTitle.textContent = `${inbound ? 'Inbound request' : 'Request'} #${trace.id}`;
    this.requestSection.dataset['actor'] = trace.actor;
    this.#requestFacts.replaceChildren(
      `${inbound ? '←' : '→'} ${trace.method || '(method not seen)'} · `,
      el(
        'span',
        { class: `outcome outcome-${state.map((id) => id.split('.').pop()).join(' ')}` },
        state.map((id) => id.split('.').slice(1).join('.')).join(', ') || '—',
      ),
      ` · ${trace.ended === undefined ? 'for' : 'took'} ${ago((trace.ended ?? Date.now()) - trace.started)}`,
    );
    showMachine(this.#requestChart, trace.machine, shape, trace);
    const rows = trace.events.map((e) =>
      el(
        'tr',
        { class: 'event', 'data-type': e.type },
        el('td', { class: 'time' }, `+${ago(e.t - trace.started)}`),
        el('td', { class: 'time' }, clock(e.t)),
        el('td', { class: 'event' }, eventName(e.type)),
        el('td', { class: 'detail' }, e.detail),
        el('td', {}, e.state === undefined ? '' : `→ ${e.state}`),
      ),
    );
    if (trace.eventsCut > 0) {
      rows.splice(
        EVENTS_HEAD,
        0,
        el(
          'tr',
          {},
          el('td', { colspan: '5', class: 'empty' }, `${trace.eventsCut} events not kept`),
        ),
      );
    }
    this.#requestEvents.replaceChildren(
      el(
        'table',
        {},
        el(
          'tr',
          {},
          ...['since start', 'time', 'event', '', 'state after'].map((h) => el('th', {}, h)),
        ),
        ...rows,
      ),
    );
  }

  #renderMachines(session: string | undefined): void {
    for (const button of this.#machineTabs.querySelectorAll<HTMLElement>('button')) {
      button.setAttribute('aria-pressed', String(button.dataset['machine'] === this.#otherMachine));
    }
    const chosen = OTHER_MACHINES.find((m) => m.name === this.#otherMachine);
    const shape = this.#machines[this.#otherMachine];
    this.#machineNote.textContent = chosen?.note ?? '';
    if (shape === undefined) {
      this.#machineChart.textContent = '';
      return;
    }
    const trace =
      this.#otherMachine === 'dispatcher' ? this.#tracker.trace(session, 'dispatcher') : undefined;
    showMachine(this.#machineChart, this.#otherMachine, shape, trace);
  }
}
