import type { AnyStateMachine } from 'xstate';

/**
 * The shape of a statechart for the inspector page to draw: its states, their initial children
 * and their transitions (with guard names), read from the machine's definition.
 */

/** A state of a machine, as the page draws it. */
export interface StateShape {
  /** The state's id, e.g. `connection.initializing.handshaking`. */
  readonly id: string;
  readonly key: string;
  readonly type: string;
  /** The id of the initial child state, for compound states. */
  readonly initial: string | undefined;
  readonly description: string | undefined;
  readonly transitions: readonly {
    readonly event: string;
    readonly targets: readonly string[];
    /** The guard's name, when the transition has one. */
    readonly guard?: string;
  }[];
  readonly states: readonly StateShape[];
}

type TargetLike = string | { id: string };
type GuardLike = string | { type?: string; params?: unknown } | undefined;

interface DefinitionNode {
  id: string;
  key: string;
  type: string;
  description?: string;
  initial?: { target?: readonly TargetLike[] };
  transitions?: readonly { eventType: string; target?: readonly TargetLike[]; guard?: GuardLike }[];
}

/** A machine's state node: its definition, its eventless transitions, its children. */
interface StateNodeLike {
  readonly definition: DefinitionNode;
  /** Eventless transitions (`always`), which the definition leaves out. */
  readonly always?: readonly { target?: readonly TargetLike[]; guard?: GuardLike }[];
  readonly states: Readonly<Record<string, StateNodeLike>>;
}

const idOfTarget = (t: TargetLike): string => (typeof t === 'string' ? t.replace(/^#/, '') : t.id);

/** A guard's name, with its parameters when they are a plain value: `modeIs(pinned)`. */
function guardName(guard: GuardLike): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (guard.type === undefined) return undefined;
  const p = guard.params;
  return typeof p === 'string' || typeof p === 'number' || typeof p === 'boolean'
    ? `${guard.type}(${String(p)})`
    : guard.type;
}

const transitionOf = (
  event: string,
  t: { target?: readonly TargetLike[]; guard?: GuardLike },
): StateShape['transitions'][number] => {
  const guard = guardName(t.guard);
  return {
    event,
    targets: (t.target ?? []).map(idOfTarget),
    ...(guard === undefined ? {} : { guard }),
  };
};

/**
 * The shape of a machine's states and transitions, from its definition (nothing hand-drawn).
 * Eventless transitions (`always`) are listed under the event `(always)`; a guard with a plain
 * parameter is named with it (`modeIs(pinned)`).
 */
export function describeMachine(machine: AnyStateMachine): StateShape {
  const walk = (node: StateNodeLike): StateShape => {
    const d = node.definition;
    const initial = d.initial?.target?.[0];
    return {
      id: d.id,
      key: d.key,
      type: d.type,
      initial: initial === undefined ? undefined : idOfTarget(initial),
      description: d.description,
      transitions: [
        ...(d.transitions ?? []).map((t) => transitionOf(t.eventType, t)),
        ...(node.always ?? []).map((t) => transitionOf('(always)', t)),
      ],
      states: Object.values(node.states).map(walk),
    };
  };
  return walk(machine.root as unknown as StateNodeLike);
}
