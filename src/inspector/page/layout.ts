/**
 * Lays a statechart out with ELK (the Eclipse Layout Kernel, `elkjs`): states as nested boxes
 * (a compound state holds its children), transitions with a target as labelled edges, and a
 * small initial marker in each compound state pointing at its initial child. Transitions without
 * a target (they run actions and stay) have no edge: they are listed inside their state's box.
 *
 * No DOM here: text is measured by the caller, and the result is plain numbers (`Drawing`) that
 * diagram.ts turns into SVG. Coordinates are absolute (the drawing's top left is 0, 0).
 */
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkLabel, ElkNode } from 'elkjs/lib/elk-api.js';
import type { StateShape } from '../machine-shape.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** What a piece of text measures in the font it is drawn in. */
export type Measure = (text: string, font: 'name' | 'label') => number;

/** A state's box. */
export interface DrawnState {
  readonly id: string;
  readonly key: string;
  /** `atomic`, `compound`, `parallel`, `final` or `history`. */
  readonly type: string;
  readonly description: string | undefined;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** How deep it is nested (0: a child of the machine). */
  readonly depth: number;
  /** Its transitions that stay (no target), listed in its box under its name. */
  readonly internal: readonly { readonly key: string; readonly label: string }[];
}

/** A transition drawn on an arrow: its key and its label's lines. */
export interface DrawnTransition {
  /** `<source id>#<index in the source's transitions>`. */
  readonly key: string;
  /** The event as the page names it (`connect`, `done(probe)`, `after(connectTimeout)`). */
  readonly event: string;
  readonly guard: string | undefined;
  /** The event, then the guard (`[guard]`) on a line of its own. */
  readonly lines: readonly string[];
}

/**
 * An arrow: the transitions from one state to the same target(s), each with its lines in the
 * arrow's label, or an initial marker's arrow (no transitions).
 */
export interface DrawnEdge {
  /** `<source id>><target ids>`, or `<compound id>#initial` for an initial marker's arrow. */
  readonly key: string;
  readonly source: string;
  readonly targets: readonly string[];
  readonly transitions: readonly DrawnTransition[];
  readonly initial: boolean;
  /** One polyline per target, from the source's border to the target's border. */
  readonly paths: readonly (readonly Point[])[];
  /**
   * The label's top left corner and width: room for a step number (METRICS.badge), then its
   * lines, METRICS.labelHeight apart.
   */
  readonly labelBox: { readonly x: number; readonly y: number; readonly width: number } | undefined;
}

/** An initial marker: the dot in a compound state (or the machine) pointing at its initial child. */
export interface DrawnInitial {
  /** The compound state's id (the machine's id for the top level). */
  readonly parent: string;
  readonly x: number;
  readonly y: number;
}

/** A laid-out statechart. */
export interface Drawing {
  readonly machine: string;
  readonly width: number;
  readonly height: number;
  /** Parents before their children, so that a child is drawn over its parent. */
  readonly states: readonly DrawnState[];
  readonly edges: readonly DrawnEdge[];
  readonly initials: readonly DrawnInitial[];
}

/** Sizes of the drawing, in px. */
export const METRICS = {
  /** Height of a state's name line, and of each internal transition's line. */
  nameLine: 22,
  internalLine: 14,
  /** Horizontal padding inside a box. */
  padX: 10,
  /** Height of a line of an arrow's label. */
  labelHeight: 14,
  /** Room at the left of an arrow's label for the number of the step that took it. */
  badge: 20,
  /** Diameter of an initial marker. */
  initial: 10,
  /** Space around the drawing. */
  margin: 6,
} as const;

/** XState's generated event names, shortened: `done(probe)`, `error(probe)`, `after(idle)`. */
export function eventLabel(event: string): string {
  const done = /^xstate\.done\.actor\.(.+)$/.exec(event);
  if (done !== null) return `done(${done[1]})`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(event);
  if (error !== null) return `error(${error[1]})`;
  const after = /^xstate\.after\.([^.]+)\./.exec(event);
  if (after !== null) return `after(${after[1]})`;
  if (event === '(always)') return 'always';
  return event;
}

/** A transition's label on one line: `event [guard]`. */
export function transitionLabel(t: StateShape['transitions'][number]): string {
  return t.guard === undefined ? eventLabel(t.event) : `${eventLabel(t.event)} [${t.guard}]`;
}

/** A transition's label as drawn on an arrow: the event, and the guard on a line of its own. */
export function labelLines(t: StateShape['transitions'][number]): string[] {
  return t.guard === undefined ? [eventLabel(t.event)] : [eventLabel(t.event), `[${t.guard}]`];
}

const initialId = (parent: string): string => `${parent}::initial`;

/** A state's transitions with a target, grouped by source and targets: one arrow each. */
function arrowsOf(
  state: StateShape,
): { key: string; targets: readonly string[]; transitions: DrawnTransition[] }[] {
  const arrows = new Map<
    string,
    { key: string; targets: readonly string[]; transitions: DrawnTransition[] }
  >();
  state.transitions.forEach((t, i) => {
    if (t.targets.length === 0) return;
    const key = `${state.id}>${t.targets.join(' ')}`;
    let arrow = arrows.get(key);
    if (arrow === undefined) {
      arrow = { key, targets: t.targets, transitions: [] };
      arrows.set(key, arrow);
    }
    arrow.transitions.push({
      key: `${state.id}#${i}`,
      event: eventLabel(t.event),
      guard: t.guard,
      lines: labelLines(t),
    });
  });
  return [...arrows.values()];
}

/** The layout options of the graph (ELK layered, top to bottom, edges across levels). */
const GRAPH_OPTIONS: Readonly<Record<string, string>> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
  'elk.json.shapeCoords': 'ROOT',
  'elk.json.edgeCoords': 'ROOT',
  'elk.padding': `[top=${METRICS.margin},left=${METRICS.margin},bottom=${METRICS.margin},right=${METRICS.margin}]`,
  'elk.spacing.nodeNode': '12',
  'elk.spacing.edgeNode': '8',
  'elk.spacing.edgeEdge': '6',
  'elk.spacing.edgeLabel': '2',
  'elk.layered.spacing.nodeNodeBetweenLayers': '16',
  'elk.layered.spacing.edgeNodeBetweenLayers': '8',
  'elk.layered.spacing.edgeEdgeBetweenLayers': '6',
  // Each arrow enters its target at a point of its own: a state with many arrows in (closing,
  // closed) is wider, but every arrow can be followed to its label and its source.
  'elk.layered.mergeEdges': 'false',
  'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
  // Long arrows kept straight, so the drawing stays narrow with each arrow on its own track.
  'elk.layered.nodePlacement.strategy': 'LINEAR_SEGMENTS',
  'elk.layered.thoroughness': '50',
  'elk.layered.compaction.postCompaction.strategy': 'EDGE_LENGTH',
  'elk.edgeLabels.placement': 'CENTER',
};

/** The ELK graph of a machine: nodes for states and initial markers, edges for arrows. */
export function elkGraph(machine: StateShape, measure: Measure): ElkNode {
  const edges: ElkExtendedEdge[] = [];
  const initialNode = (parent: StateShape): ElkNode[] => {
    if (parent.initial === undefined) return [];
    edges.push({
      id: `${parent.id}#initial`,
      sources: [initialId(parent.id)],
      targets: [parent.initial],
    });
    return [{ id: initialId(parent.id), width: METRICS.initial, height: METRICS.initial }];
  };
  const node = (state: StateShape): ElkNode => {
    for (const arrow of arrowsOf(state)) {
      const lines = arrow.transitions.flatMap((t) => t.lines);
      const label: ElkLabel = {
        text: lines.join('\n'),
        width:
          Math.ceil(Math.max(...lines.map((line) => measure(line, 'label')))) + 4 + METRICS.badge,
        height: METRICS.labelHeight * lines.length,
      };
      edges.push({
        id: arrow.key,
        sources: [state.id],
        targets: [...arrow.targets],
        labels: [label],
      });
    }
    const internal = state.transitions.filter((t) => t.targets.length === 0);
    const width =
      Math.max(
        measure(state.key, 'name'),
        ...internal.map((t) => measure(`↺ ${transitionLabel(t)}`, 'label')),
      ) +
      2 * METRICS.padX;
    const head = METRICS.nameLine + internal.length * METRICS.internalLine;
    if (state.states.length === 0) {
      return {
        id: state.id,
        width: Math.ceil(width),
        height: head + (internal.length > 0 ? 6 : 4),
      };
    }
    return {
      id: state.id,
      layoutOptions: {
        'elk.padding': `[top=${head + 6},left=12,bottom=12,right=12]`,
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${Math.ceil(width)}, ${head + 20})`,
      },
      children: [...initialNode(state), ...state.states.map(node)],
    };
  };
  const children = [...initialNode(machine), ...machine.states.map(node)];
  return { id: machine.id, layoutOptions: { ...GRAPH_OPTIONS }, children, edges };
}

let elk: InstanceType<typeof ELK.default> | undefined;

/** Lays `machine` out. */
export async function layOut(machine: StateShape, measure: Measure): Promise<Drawing> {
  elk ??= new ELK.default();
  const laid = await elk.layout(elkGraph(machine, measure));
  return drawingOf(machine, laid);
}

/** The boxes and the edges of a laid-out graph, by id. */
interface Laid {
  readonly boxes: ReadonlyMap<string, ElkNode>;
  readonly edges: ReadonlyMap<string, ElkExtendedEdge>;
}

function laidById(laid: ElkNode): Laid {
  const boxes = new Map<string, ElkNode>();
  const collect = (n: ElkNode): void => {
    for (const c of n.children ?? []) {
      boxes.set(c.id, c);
      collect(c);
    }
  };
  collect(laid);
  const allEdges: ElkExtendedEdge[] = [];
  const collectEdges = (n: ElkNode): void => {
    allEdges.push(...(n.edges ?? []));
    for (const c of n.children ?? []) collectEdges(c);
  };
  collectEdges(laid);
  return { boxes, edges: new Map(allEdges.map((e) => [e.id, e])) };
}

/** The polylines ELK routed for edge `id`, one per section. */
function pathsOf(laid: Laid, id: string): Point[][] {
  return (laid.edges.get(id)?.sections ?? []).map((s) => [
    s.startPoint,
    ...(s.bendPoints ?? []),
    s.endPoint,
  ]);
}

/** Where ELK put edge `id`'s label. */
function labelOf(laid: Laid, id: string): DrawnEdge['labelBox'] {
  const l = laid.edges.get(id)?.labels?.[0];
  return l === undefined ? undefined : { x: l.x ?? 0, y: l.y ?? 0, width: l.width ?? 0 };
}

/** The initial marker of `parent` (a compound state or the machine) and its arrow, if it has one. */
function initialMarker(
  laid: Laid,
  parent: StateShape,
): { readonly initial: DrawnInitial; readonly edge: DrawnEdge } | undefined {
  if (parent.initial === undefined) return undefined;
  const box = laid.boxes.get(initialId(parent.id));
  if (box === undefined) return undefined;
  return {
    initial: {
      parent: parent.id,
      x: (box.x ?? 0) + METRICS.initial / 2,
      y: (box.y ?? 0) + METRICS.initial / 2,
    },
    edge: {
      key: `${parent.id}#initial`,
      source: initialId(parent.id),
      targets: [parent.initial],
      transitions: [],
      initial: true,
      paths: pathsOf(laid, `${parent.id}#initial`),
      labelBox: undefined,
    },
  };
}

/** A state's box, with its transitions that stay listed inside. */
function drawnState(state: StateShape, depth: number, box: ElkNode | undefined): DrawnState {
  return {
    id: state.id,
    key: state.key,
    type: state.type,
    description: state.description,
    x: box?.x ?? 0,
    y: box?.y ?? 0,
    width: box?.width ?? 0,
    height: box?.height ?? 0,
    depth,
    internal: state.transitions.flatMap((t, i) =>
      t.targets.length === 0 ? [{ key: `${state.id}#${i}`, label: transitionLabel(t) }] : [],
    ),
  };
}

/** The drawing of a laid-out graph (coordinates are the root's: `elk.json.*Coords` ROOT). */
function drawingOf(machine: StateShape, laidOut: ElkNode): Drawing {
  const laid = laidById(laidOut);
  const states: DrawnState[] = [];
  const edges: DrawnEdge[] = [];
  const initials: DrawnInitial[] = [];
  const initialOf = (parent: StateShape): void => {
    const marker = initialMarker(laid, parent);
    if (marker === undefined) return;
    initials.push(marker.initial);
    edges.push(marker.edge);
  };
  const walk = (state: StateShape, depth: number): void => {
    states.push(drawnState(state, depth, laid.boxes.get(state.id)));
    for (const arrow of arrowsOf(state)) {
      edges.push({
        key: arrow.key,
        source: state.id,
        targets: arrow.targets,
        transitions: arrow.transitions,
        initial: false,
        paths: pathsOf(laid, arrow.key),
        labelBox: labelOf(laid, arrow.key),
      });
    }
    initialOf(state);
    for (const child of state.states) walk(child, depth + 1);
  };
  initialOf(machine);
  for (const s of machine.states) walk(s, 0);
  return {
    machine: machine.id,
    width: Math.ceil(laidOut.width ?? 0),
    height: Math.ceil(laidOut.height ?? 0),
    states,
    edges,
    initials,
  };
}
