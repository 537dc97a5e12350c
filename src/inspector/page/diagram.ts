/**
 * Statecharts drawn as SVG from their ELK layout (layout.ts), and lit from a trace (trace.ts):
 * the active states outlined, the current (innermost active) state lit, the states entered so
 * far tinted, and the transitions taken drawn thick, numbered in the order they were taken, the
 * latest one strongest.
 *
 * Each state is a `g.state[data-id]`; each transition a `.transition[data-key]` (a `g.edge`
 * with its path, arrowhead and label, or a `text.internal` line in its state's box for one
 * that stays); each initial marker a `g.edge.initial` from a `circle.initial-dot`.
 */
import type { StateShape } from '../machine-shape.js';
import {
  layOut,
  METRICS,
  type Drawing,
  type DrawnEdge,
  type DrawnState,
  type Point,
} from './layout.js';
import type { Trace } from './trace.js';

const SVG = 'http://www.w3.org/2000/svg';

/** An SVG element with its attributes and children (the diagrams and the sequence view). */
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

/** The diagrams' styles (added to the page once). */
export const diagramStyle = `
.diagram-box { overflow: auto; max-height: 70vh; }
.diagram-box.fit svg.diagram { max-width: 100%; height: auto; }
.diagram-tools { display: flex; gap: 6px; align-items: center; font-size: 11px; color: #566174; margin: 0 0 4px; }
.diagram-tools button { font-size: 11px; padding: 0 6px; border: 1px solid #c9ced6; background: #fff; border-radius: 3px; cursor: pointer; }
.diagram-tools button[aria-pressed="true"] { background: #2b6cb0; border-color: #2b6cb0; color: #fff; }
svg.diagram { display: block; font-family: ui-monospace, monospace; }
svg.diagram .state > rect { fill: #fbfcfd; stroke: #b8c0cc; stroke-width: 1; }
svg.diagram .state.compound > rect { fill: #f7f8fa; }
svg.diagram .state.final > rect.inner { fill: none; }
svg.diagram .state .name { font-size: 12px; font-weight: 600; fill: #1d2430; }
svg.diagram .state .internal { font-size: 10.5px; fill: #5b6575; }
svg.diagram .state.visited > rect { stroke: #7f9cc4; fill: #eef4fc; }
svg.diagram .state.compound.visited > rect { fill: #f3f7fd; }
svg.diagram .state.active > rect { stroke: #d97706; stroke-width: 2; }
svg.diagram .state.lit > rect { fill: #fde7b0; stroke: #b45309; stroke-width: 2.5; }
svg.diagram .state.lit .name { fill: #7c2d12; }
svg.diagram .edge path.line { fill: none; stroke: #8a94a6; stroke-width: 1; }
svg.diagram .edge path.head { fill: #8a94a6; }
svg.diagram .edge .label { font-size: 10.5px; fill: #38455a; }
svg.diagram .edge rect.label-bg { fill: #fff; opacity: .85; }
svg.diagram .initial-dot { fill: #1d2430; }
svg.diagram .edge:hover path.line { stroke: #1d2430; stroke-width: 2; }
svg.diagram .edge:hover .label { fill: #000; }
svg.diagram .edge.taken path.line { stroke: #2b6cb0; stroke-width: 2; }
svg.diagram .edge.taken path.head { fill: #2b6cb0; }
svg.diagram .transition.label.taken { fill: #1e4e8c; font-weight: 600; }
svg.diagram .edge.last path.line { stroke: #d97706; stroke-width: 2.5; }
svg.diagram .edge.last path.head { fill: #d97706; }
svg.diagram .internal.taken { fill: #1e4e8c; font-weight: 600; }
svg.diagram .transition.last { fill: #b45309; }
svg.diagram .step { font-size: 9.5px; font-weight: 700; fill: #fff; }
svg.diagram .step-bg { fill: #2b6cb0; }
svg.diagram .last .step-bg { fill: #d97706; }
`;

// ------------------------------------------------------------------------------------------------
// Measuring text, in the fonts the diagram uses.

let ruler: SVGTextElement | undefined;
function measure(text: string, font: 'name' | 'label'): number {
  if (ruler === undefined) {
    const host = svg('svg', {
      class: 'diagram',
      style: 'position:absolute;left:-10000px;top:0;visibility:hidden',
      width: 10,
      height: 10,
      'aria-hidden': 'true',
    });
    const state = svg('g', { class: 'state' });
    ruler = svg('text');
    state.append(ruler);
    host.append(state);
    document.body.append(host);
  }
  ruler.setAttribute('class', font === 'name' ? 'name' : 'internal');
  ruler.textContent = text;
  return ruler.getComputedTextLength();
}

/** Layouts by machine name (a machine is laid out once per page). */
const layouts = new Map<string, { shape: StateShape; drawing: Promise<Drawing> }>();

function layoutOf(name: string, shape: StateShape): Promise<Drawing> {
  const known = layouts.get(name);
  if (known !== undefined && known.shape === shape) return known.drawing;
  const drawing = layOut(shape, measure);
  layouts.set(name, { shape, drawing });
  return drawing;
}

// ------------------------------------------------------------------------------------------------
// Drawing.

/** `points` as an SVG path with slightly rounded corners. */
function pathOf(points: readonly Point[]): string {
  const r = 4;
  let d = '';
  points.forEach((p, i) => {
    if (i === 0) {
      d += `M${p.x},${p.y}`;
      return;
    }
    const prev = points[i - 1] as Point;
    const next = points[i + 1];
    if (next === undefined) {
      d += ` L${p.x},${p.y}`;
      return;
    }
    const inLen = Math.hypot(p.x - prev.x, p.y - prev.y);
    const outLen = Math.hypot(next.x - p.x, next.y - p.y);
    const k = Math.min(r, inLen / 2, outLen / 2);
    const a = {
      x: p.x - ((p.x - prev.x) / (inLen || 1)) * k,
      y: p.y - ((p.y - prev.y) / (inLen || 1)) * k,
    };
    const b = {
      x: p.x + ((next.x - p.x) / (outLen || 1)) * k,
      y: p.y + ((next.y - p.y) / (outLen || 1)) * k,
    };
    d += ` L${a.x},${a.y} Q${p.x},${p.y} ${b.x},${b.y}`;
  });
  return d;
}

/** An arrowhead at the end of `points`. */
function headOf(points: readonly Point[]): string {
  const end = points[points.length - 1];
  const before = points[points.length - 2];
  if (end === undefined || before === undefined) return '';
  const len = Math.hypot(end.x - before.x, end.y - before.y) || 1;
  const ux = (end.x - before.x) / len;
  const uy = (end.y - before.y) / len;
  const size = 7;
  const bx = end.x - ux * size;
  const by = end.y - uy * size;
  return `M${end.x},${end.y} L${bx - uy * 3.5},${by + ux * 3.5} L${bx + uy * 3.5},${by - ux * 3.5} Z`;
}

/** The SVG of a drawing (unlit). */
export function drawingSvg(drawing: Drawing): SVGSVGElement {
  const root = svg('svg', {
    class: 'diagram',
    'data-machine': drawing.machine,
    width: drawing.width,
    height: drawing.height,
    viewBox: `0 0 ${drawing.width} ${drawing.height}`,
    role: 'img',
    'aria-label': `${drawing.machine} statechart`,
  });
  const states = svg('g', { class: 'states' });
  for (const s of drawing.states) states.append(stateSvg(s));
  const edges = svg('g', { class: 'edges' });
  for (const e of drawing.edges) edges.append(edgeSvg(e));
  const initials = svg('g', { class: 'initials' });
  for (const i of drawing.initials) {
    initials.append(
      svg('circle', {
        class: 'initial-dot',
        'data-parent': i.parent,
        cx: i.x,
        cy: i.y,
        r: METRICS.initial / 2 - 1,
      }),
    );
  }
  root.append(states, edges, initials);
  return root;
}

/** A state's box: its name, its transitions that stay, and its description as a tooltip. */
function stateSvg(s: DrawnState): SVGGElement {
  const g = svg('g', { class: `state ${s.type}`, 'data-id': s.id });
  const compound = s.type === 'compound' || s.type === 'parallel';
  g.append(
    svg('rect', { x: s.x, y: s.y, width: s.width, height: s.height, rx: compound ? 10 : 7 }),
  );
  if (s.type === 'final') {
    g.append(
      svg('rect', {
        class: 'inner',
        x: s.x + 3,
        y: s.y + 3,
        width: Math.max(0, s.width - 6),
        height: Math.max(0, s.height - 6),
        rx: 5,
      }),
    );
  }
  g.append(
    svg(
      'text',
      {
        class: 'name',
        x: compound ? s.x + METRICS.padX : s.x + s.width / 2,
        y: s.y + 15,
        'text-anchor': compound ? 'start' : 'middle',
      },
      s.key,
    ),
  );
  s.internal.forEach((t, i) => {
    g.append(
      svg(
        'text',
        {
          class: 'transition internal',
          'data-key': t.key,
          x: s.x + METRICS.padX,
          y: s.y + METRICS.nameLine + 8 + i * METRICS.internalLine,
        },
        `↺ ${t.label}`,
      ),
    );
  });
  if (s.description !== undefined) g.append(svg('title', {}, s.description));
  return g;
}

/** An arrow: its lines and heads, its label, and room for the step numbers. */
function edgeSvg(e: DrawnEdge): SVGGElement {
  const g = svg('g', {
    class: e.initial ? 'edge initial' : 'edge',
    'data-key': e.key,
    'data-source': e.source,
    'data-target': e.targets.join(' '),
  });
  const short = (id: string): string => id.split('.').slice(1).join('.');
  if (!e.initial) {
    g.append(
      svg(
        'title',
        {},
        `${short(e.source)} → ${e.targets.map(short).join(', ')}: ${e.transitions.map((t) => t.lines.join(' ')).join('; ')}`,
      ),
    );
  }
  for (const points of e.paths) {
    g.append(svg('path', { class: 'line', d: pathOf(points) }));
    g.append(svg('path', { class: 'head', d: headOf(points) }));
  }
  if (e.labelBox !== undefined) g.append(...labelSvg(e.transitions, e.labelBox));
  g.append(svg('g', { class: 'steps' }));
  return g;
}

/** An arrow's label: a background, then each transition's lines. */
function labelSvg(
  transitions: DrawnEdge['transitions'],
  { x, y, width }: NonNullable<DrawnEdge['labelBox']>,
): SVGElement[] {
  const lines = transitions.reduce((n, t) => n + t.lines.length, 0);
  const out: SVGElement[] = [
    svg('rect', { class: 'label-bg', x, y, width, height: lines * METRICS.labelHeight, rx: 2 }),
  ];
  let line = 0;
  for (const t of transitions) {
    const text = svg('text', {
      class: 'transition label',
      'data-key': t.key,
      'data-event': t.event,
      ...(t.guard === undefined ? {} : { 'data-guard': t.guard }),
    });
    for (const content of t.lines) {
      text.append(
        svg(
          'tspan',
          { x: x + METRICS.badge + 2, y: y + (line + 1) * METRICS.labelHeight - 3.5 },
          content,
        ),
      );
      line++;
    }
    out.push(text);
  }
  return out;
}

/** Where an arrow's step number goes: in the room left of its label, or beside its middle. */
function stepAnchor(edge: SVGGElement): Point | undefined {
  const label = edge.querySelector('rect.label-bg');
  if (label !== null) {
    return {
      x: Number(label.getAttribute('x')) + METRICS.badge / 2,
      y: Number(label.getAttribute('y')) + METRICS.labelHeight / 2,
    };
  }
  const line = edge.querySelector<SVGPathElement>('path.line');
  if (line === null) return undefined;
  const p = line.getPointAtLength(line.getTotalLength() / 2);
  return { x: p.x - 4 - METRICS.badge / 2, y: p.y };
}

/** Lights `root` (a drawing's SVG) from `trace`; unlit when there is none. */
export function light(root: SVGSVGElement, trace: Trace | undefined): void {
  const active = trace?.active ?? new Set<string>();
  for (const node of root.querySelectorAll<SVGGElement>('g.state')) {
    const id = node.dataset['id'] ?? '';
    const isActive = active.has(id);
    // Lit: the innermost active states (none of their children is active).
    const lit = isActive && ![...active].some((other) => other.startsWith(`${id}.`));
    node.classList.toggle('active', isActive);
    node.classList.toggle('lit', lit);
    node.classList.toggle('visited', trace?.visited.has(id) ?? false);
  }
  const signature =
    trace === undefined ? '' : `${trace.actor} ${trace.stepsCut} ${trace.steps.length}`;
  if (root.dataset['steps'] === signature) return;
  root.dataset['steps'] = signature;
  const order = new Map<string, number[]>();
  trace?.steps.forEach((key, i) => {
    const list = order.get(key) ?? [];
    list.push(i + 1 + (trace.stepsCut ?? 0));
    order.set(key, list);
  });
  const latest = trace?.steps[trace.steps.length - 1];
  for (const node of root.querySelectorAll<SVGElement>('.transition')) {
    const key = node.dataset['key'] ?? '';
    const numbers = order.get(key);
    node.classList.toggle('taken', numbers !== undefined);
    node.classList.toggle('last', key === latest);
    if (numbers === undefined) node.removeAttribute('data-steps');
    else node.dataset['steps'] = numbers.join(' ');
  }
  for (const edge of root.querySelectorAll<SVGGElement>('g.edge')) {
    // An arrow's steps: its own (an initial marker's), or its transitions'.
    const keys = edge.classList.contains('initial')
      ? [edge.dataset['key'] ?? '']
      : [...edge.querySelectorAll<SVGElement>('.transition')].map((t) => t.dataset['key'] ?? '');
    const numbers = keys.flatMap((key) => order.get(key) ?? []).sort((a, b) => a - b);
    edge.classList.toggle('taken', numbers.length > 0);
    edge.classList.toggle('last', latest !== undefined && keys.includes(latest));
    if (numbers.length === 0) edge.removeAttribute('data-steps');
    else edge.dataset['steps'] = numbers.join(' ');
    const badge = edge.querySelector('g.steps');
    if (badge === null) continue;
    badge.replaceChildren();
    const at = numbers.length === 0 ? undefined : stepAnchor(edge);
    if (at === undefined) continue;
    // The latest step that took it (all of them in its tooltip).
    const content = String(numbers[numbers.length - 1]);
    const width = Math.max(13, 5 + content.length * 6);
    badge.append(
      svg('title', {}, `taken at step${numbers.length === 1 ? '' : 's'} ${numbers.join(', ')}`),
      svg('rect', {
        class: 'step-bg',
        x: at.x - width / 2,
        y: at.y - 6.5,
        width,
        height: 13,
        rx: 6.5,
      }),
      svg('text', { class: 'step', x: at.x, y: at.y + 3.5, 'text-anchor': 'middle' }, content),
    );
  }
}

/** The buttons above a diagram: fit it to the width, or show it at its size (scrolling). */
function zoomTools(box: HTMLElement): void {
  if (box.previousElementSibling?.classList.contains('diagram-tools') === true) return;
  const tools = document.createElement('div');
  tools.className = 'diagram-tools';
  const buttons = (['fit', 'actual size'] as const).map((name) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = name;
    b.dataset['zoom'] = name === 'fit' ? 'fit' : 'actual';
    b.addEventListener('click', () => {
      box.classList.toggle('fit', name === 'fit');
      for (const other of buttons) other.setAttribute('aria-pressed', String(other === b));
    });
    return b;
  });
  buttons[0]?.setAttribute('aria-pressed', 'true');
  buttons[1]?.setAttribute('aria-pressed', 'false');
  tools.append('zoom', ...buttons);
  box.before(tools);
}

interface BoxState {
  machine: string;
  trace: Trace | undefined;
  svg: SVGSVGElement | undefined;
}
const boxes = new WeakMap<HTMLElement, BoxState>();

/**
 * Shows the statechart of `shape` (the machine named `machine`) in `box`, lit from `trace`: laid
 * out the first time (asynchronously: the box says so meanwhile), then only lit again.
 */
export function showMachine(
  box: HTMLElement,
  machine: string,
  shape: StateShape,
  trace: Trace | undefined,
): void {
  let state = boxes.get(box);
  if (state?.machine !== machine || (state.svg !== undefined && !box.contains(state.svg))) {
    state = { machine, trace, svg: undefined };
    boxes.set(box, state);
    box.classList.add('diagram-box', 'fit');
    zoomTools(box);
    box.replaceChildren(
      Object.assign(document.createElement('div'), {
        className: 'empty',
        textContent: 'laying out…',
      }),
    );
    const wanted = state;
    void layoutOf(machine, shape).then(
      (drawing) => {
        if (boxes.get(box) !== wanted) return;
        wanted.svg = drawingSvg(drawing);
        box.replaceChildren(wanted.svg);
        light(wanted.svg, wanted.trace);
      },
      (error: unknown) => {
        if (boxes.get(box) !== wanted) return;
        box.textContent = `The statechart could not be laid out: ${String(error)}`;
      },
    );
    return;
  }
  state.trace = trace;
  if (state.svg !== undefined) light(state.svg, trace);
}

/** Forgets the layouts (the machines of a new `hello` frame may differ). */
export function forgetLayouts(): void {
  layouts.clear();
}
