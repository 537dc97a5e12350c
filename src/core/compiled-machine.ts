import type { AnyStateMachine, InspectionEvent, Observer } from 'xstate';

/**
 * A flat XState machine compiled into a transition table, and a light actor that runs it.
 *
 * Why: a full XState actor costs about 24 µs and 3.8 KB per instance, and spawning children
 * copies the parent's children object, so one actor per in-flight request would dominate the
 * cost of a JSON-RPC round trip. The table keeps the machine definition as the single source of
 * behaviour (states, events, guards, targets, action order) and runs it with a lookup per event.
 * `test/compiled-agreement.test.ts` proves the table and XState agree on every reachable state
 * and event.
 *
 * Only flat machines compile: atomic or final child states of the root, named actions, named
 * guards, no `after`, `always`, `invoke` or context assignment. Anything else throws at compile
 * time, naming what to change.
 */

/** What an action implementation receives: the actor and the event that caused it. */
export type ActionImpl<A, E> = (actor: A, event: E) => void;

type GuardFn = (args: { context: unknown; event: unknown }) => boolean;

export interface CompiledTransition {
  readonly guard: string | undefined;
  readonly target: string | undefined;
  readonly actions: readonly string[];
}

export interface CompiledState {
  readonly final: boolean;
  readonly entry: readonly string[];
  readonly exit: readonly string[];
  readonly on: Readonly<Record<string, readonly CompiledTransition[]>>;
}

export interface CompiledMachine {
  readonly id: string;
  readonly initial: string;
  readonly states: Readonly<Record<string, CompiledState>>;
  readonly machine: AnyStateMachine;
}

/** The name of an action or guard declared by name (`'a'` or `{ type: 'a' }`, no params). */
function declaredName(ref: unknown): string | undefined {
  if (typeof ref === 'string') return ref;
  if (
    typeof ref === 'object' &&
    ref !== null &&
    typeof (ref as { type?: unknown }).type === 'string' &&
    (ref as { params?: unknown }).params === undefined
  ) {
    return (ref as { type: string }).type;
  }
  return undefined;
}

function actionName(machineId: string, action: unknown): string {
  const name = declaredName(action);
  if (name !== undefined) return name;
  throw new TypeError(
    `Machine "${machineId}" uses an inline or parameterised action; declare it by name in setup({ actions }) to compile it.`,
  );
}

function guardName(machineId: string, guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  const name = declaredName(guard);
  if (name !== undefined) return name;
  // A parameterised guard would be called without its params by the compiled form.
  throw new TypeError(
    `Machine "${machineId}" uses an inline or parameterised guard; declare it by name in setup({ guards }) to compile it.`,
  );
}

/** Compiles a flat machine into a table. Throws a `TypeError` naming what cannot compile. */
export function compileMachine(machine: AnyStateMachine): CompiledMachine {
  const root = machine.root;
  const id = machine.id;
  const initial = (root.config as { initial?: unknown }).initial;
  if (typeof initial !== 'string') {
    throw new TypeError(`Machine "${id}" needs a string initial state to compile.`);
  }
  const states: Record<string, CompiledState> = {};
  for (const [key, node] of Object.entries(root.states)) {
    const config = node.config as Record<string, unknown>;
    if (node.type !== 'atomic' && node.type !== 'final') {
      throw new TypeError(`State "${id}.${key}" is ${node.type}; only flat machines compile.`);
    }
    for (const unsupported of ['after', 'always', 'invoke'] as const) {
      if (config[unsupported] !== undefined) {
        throw new TypeError(
          `State "${id}.${key}" uses "${unsupported}", which the compiled form does not run; model it as an event.`,
        );
      }
    }
    const on: Record<string, CompiledTransition[]> = {};
    for (const [eventType, defs] of node.transitions) {
      if (eventType.includes('*')) {
        throw new TypeError(`State "${id}.${key}" uses a wildcard event "${eventType}".`);
      }
      on[eventType] = defs.map((def) => {
        if ((def.target?.length ?? 0) > 1) {
          throw new TypeError(`A transition of "${id}.${key}" has several targets.`);
        }
        const targetNode = def.target?.[0];
        // A transition to its own atomic state without `reenter` is internal in XState v5.
        const target =
          targetNode === undefined || (targetNode === node && !def.reenter)
            ? undefined
            : targetNode.key;
        return {
          guard: guardName(id, def.guard),
          target,
          actions: def.actions.map((a) => actionName(id, a)),
        };
      });
    }
    states[key] = {
      final: node.type === 'final',
      entry: node.entry.map((a) => actionName(id, a)),
      exit: node.exit.map((a) => actionName(id, a)),
      on,
    };
  }
  if (states[initial] === undefined) {
    throw new TypeError(
      `Machine "${id}" names initial state "${initial}", which it does not define.`,
    );
  }
  return { id, initial, states, machine };
}

/** A transition with its guard and actions resolved to functions. */
interface BoundTransition<A, E> {
  readonly guard: GuardFn | undefined;
  readonly target: BoundState<A, E> | undefined;
  readonly run: readonly ActionImpl<A, E>[];
}

export interface BoundState<A, E> {
  readonly key: string;
  readonly final: boolean;
  readonly on: Readonly<Record<string, readonly BoundTransition<A, E>[] | undefined>>;
  readonly entry: readonly ActionImpl<A, E>[];
}

/** A compiled machine bound to its action implementations: what light actors run. */
export interface Program<A, E> {
  readonly compiled: CompiledMachine;
  readonly initial: BoundState<A, E>;
  readonly states: Readonly<Record<string, BoundState<A, E>>>;
}

/**
 * Binds every action name of the compiled machine to an implementation, and every guard name to
 * the machine's own guard. Throws when one is missing, so a typo fails at start-up, not mid-request.
 */
export function bindProgram<A, E>(
  compiled: CompiledMachine,
  actions: Readonly<Record<string, ActionImpl<A, E>>>,
): Program<A, E> {
  const guards = (compiled.machine.implementations.guards ?? {}) as Record<
    string,
    GuardFn | undefined
  >;
  const fn = (name: string): ActionImpl<A, E> => {
    const impl = actions[name];
    if (impl === undefined) {
      throw new TypeError(`No implementation for action "${name}" of machine "${compiled.id}".`);
    }
    return impl;
  };
  const bound: Record<string, BoundState<A, E>> = {};
  // Two passes: create the state shells, then link transitions to them.
  const onTables: Record<string, Record<string, readonly BoundTransition<A, E>[]>> = {};
  for (const [key, state] of Object.entries(compiled.states)) {
    const on: Record<string, readonly BoundTransition<A, E>[]> = {};
    onTables[key] = on;
    bound[key] = { key, final: state.final, on, entry: state.entry.map(fn) };
  }
  for (const [key, state] of Object.entries(compiled.states)) {
    const on = onTables[key] as Record<string, readonly BoundTransition<A, E>[]>;
    for (const [eventType, transitions] of Object.entries(state.on)) {
      on[eventType] = transitions.map((t) => {
        let guard: GuardFn | undefined;
        if (t.guard !== undefined) {
          guard = guards[t.guard];
          if (guard === undefined) {
            throw new TypeError(
              `No implementation for guard "${t.guard}" of machine "${compiled.id}".`,
            );
          }
        }
        const target = t.target === undefined ? undefined : bound[t.target];
        // Exit actions of the source run before the transition's own actions, then the target's entry.
        const exits = t.target === undefined ? [] : state.exit.map(fn);
        const entries = target === undefined ? [] : target.entry;
        return { guard, target, run: [...exits, ...t.actions.map(fn), ...entries] };
      });
    }
  }
  const initial = bound[compiled.initial] as BoundState<A, E>;
  return { compiled, initial, states: bound };
}

/** The inspection hook shared by a session's actors, with the id of its root. */
export interface InspectionSink {
  readonly observer: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  readonly rootId: string;
}

let liteSessionCounter = 0;

export function emitInspection(sink: InspectionSink, event: InspectionEvent): void {
  const observer = sink.observer;
  if (typeof observer === 'function') observer(event);
  else observer.next?.(event);
}

/** The parts of an actor reference an inspector reads. */
export interface LiteActorRef {
  readonly id: string;
  readonly sessionId: string;
  readonly _parent: LiteActorRef | undefined;
  readonly logic: AnyStateMachine;
  send(event: { type: string }): void;
  getSnapshot(): LiteSnapshot;
}

export interface LiteSnapshot {
  readonly status: 'active' | 'done';
  readonly value: string;
  readonly context: unknown;
}

/**
 * Steps a light actor: finds the first enabled transition for the event in the current state and
 * runs it. When the state has no enabled transition for the event, the event is ignored, as
 * XState ignores it.
 */
export function step<
  A extends { state: BoundState<A, E>; readonly context: unknown },
  E extends { type: string },
>(actor: A, event: E): void {
  const candidates = actor.state.on[event.type];
  if (candidates === undefined) return;
  for (let i = 0; i < candidates.length; i++) {
    const t = candidates[i] as BoundTransition<A, E>;
    if (t.guard !== undefined && !t.guard({ context: actor.context, event })) continue;
    if (t.target !== undefined) actor.state = t.target;
    const run = t.run;
    for (let j = 0; j < run.length; j++) (run[j] as ActionImpl<A, E>)(actor, event);
    return;
  }
}

const INIT_EVENT = { type: 'xstate.init' };

/** Runs the entry actions of the actor's initial state, as XState does when an actor starts. */
export function startActor<A extends { state: BoundState<A, E> }, E extends { type: string }>(
  actor: A,
): void {
  const entry = actor.state.entry;
  for (let i = 0; i < entry.length; i++) (entry[i] as ActionImpl<A, E>)(actor, INIT_EVENT as E);
}

/** Makes a fresh session id for a light actor, in XState's style. */
export function nextLiteSessionId(prefix: string): string {
  liteSessionCounter += 1;
  return `${prefix}:${liteSessionCounter}`;
}
