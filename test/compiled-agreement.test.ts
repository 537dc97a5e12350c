import { describe, expect, it } from 'vitest';
import { assign, createMachine, raise, setup } from 'xstate';
import {
  bindProgram,
  compileMachine,
  emitInspection,
  nextLiteSessionId,
  startActor,
  step,
  type ActionImpl,
  type BoundState,
} from '../src/core/compiled-machine.js';
import {
  compiledCases,
  reachable,
  xstateInitial,
  xstateStep,
  type MachineCase,
} from './support/machines.js';

interface TestActor {
  state: BoundState<TestActor, { type: string }>;
  readonly context: unknown;
  readonly ran: string[];
}

/** Binds every action of the machine to a recorder. */
function recordingProgram(machine: Parameters<typeof compileMachine>[0]) {
  const compiled = compileMachine(machine);
  const names = Object.keys(machine.implementations.actions);
  const actions: Record<string, ActionImpl<TestActor, { type: string }>> = {};
  for (const name of names) actions[name] = (actor) => actor.ran.push(name);
  return bindProgram<TestActor, { type: string }>(compiled, actions);
}

/**
 * The library's machines have no exit actions and no self-transitions, so agreeing on them alone
 * would not show that the compiler orders exit, transition and entry actions as XState does. This
 * machine is built to have what they lack: entry and exit actions in every state, a targetless
 * transition, a self-transition that stays (internal) and one that re-enters, guarded candidates
 * tried in order with an unguarded fallback, a guard that reads the context, an event whose every
 * candidate is guarded and refused, and a final state entered from two states.
 */
const synthetic = setup({
  types: {
    context: {} as { limit: number },
    input: {} as { limit: number },
    events: {} as
      | { type: 'go'; n: number }
      | { type: 'stay' }
      | { type: 'again' }
      | { type: 'note' }
      | { type: 'finish' },
  },
  actions: {
    enterA: () => {},
    exitA: () => {},
    enterB: () => {},
    exitB: () => {},
    enterDone: () => {},
    onGo: () => {},
    onSkip: () => {},
    onStay: () => {},
    onAgain: () => {},
    onNote: () => {},
    onFinish: () => {},
  },
  guards: {
    below: ({ context, event }) => event.type === 'go' && event.n < context.limit,
    huge: ({ event }) => event.type === 'go' && event.n >= 10,
  },
}).createMachine({
  id: 'synthetic',
  context: ({ input }) => input,
  initial: 'a',
  states: {
    a: {
      entry: ['enterA'],
      exit: ['exitA'],
      on: {
        go: [
          { guard: 'below', target: 'b', actions: ['onGo'] },
          { guard: 'huge', actions: ['onSkip'] },
          { target: 'a', reenter: true, actions: ['onGo'] },
        ],
        stay: { target: 'a', actions: ['onStay'] },
        note: { actions: ['onNote'] },
        finish: { target: 'done', actions: ['onFinish'] },
      },
    },
    b: {
      entry: ['enterB'],
      exit: ['exitB'],
      on: {
        again: { target: 'b', reenter: true, actions: ['onAgain'] },
        stay: { target: 'b' },
        go: { target: 'a' },
        finish: { target: 'done' },
        // Its only candidate is guarded, and the guard never holds for this event.
        note: { guard: 'below', actions: ['onNote'] },
      },
    },
    done: { type: 'final', entry: ['enterDone'] },
  },
});

const syntheticEvents = [
  { type: 'go', n: 1 },
  { type: 'go', n: 5 },
  { type: 'go', n: 12 },
  { type: 'stay' },
  { type: 'again' },
  { type: 'note' },
  { type: 'finish' },
] as const;

const syntheticCase: MachineCase = {
  name: 'synthetic (exit actions, self-transitions, guards in order)',
  machine: synthetic,
  events: syntheticEvents,
  inputs: [{ limit: 3 }, { limit: 7 }],
};

describe('the compiled form agrees with XState on every reachable state and event', () => {
  for (const c of [...compiledCases, syntheticCase]) {
    describe(c.name, () => {
      // Compiled in each test, not once per describe: code run while tests are collected is
      // covered by no test, and a mutation run would not run these tests against its mutants.

      it('starts in the same state with the same entry actions', () => {
        const program = recordingProgram(c.machine);
        for (const input of c.inputs) {
          const expected = xstateInitial(c.machine, input);
          const actor: TestActor = { state: program.initial, context: input, ran: [] };
          startActor<TestActor, { type: string }>(actor);
          expect({ value: actor.state.key, actions: actor.ran }).toEqual({
            value: expected.value,
            actions: expected.actions,
          });
        }
      });

      it('takes the same transition and runs the same actions, in order', () => {
        const program = recordingProgram(c.machine);
        let checked = 0;
        for (const input of c.inputs) {
          for (const { key, snapshot } of reachable(c.machine, c.events, input)) {
            for (const event of c.events) {
              const expected = xstateStep(c.machine, snapshot, event);
              const actor: TestActor = {
                state: program.states[key] as BoundState<TestActor, { type: string }>,
                context: input,
                ran: [],
              };
              step(actor, event);
              expect({
                from: key,
                event: event.type,
                to: actor.state.key,
                actions: actor.ran,
              }).toEqual({
                from: key,
                event: event.type,
                to: expected.value,
                actions: expected.actions,
              });
              expect(actor.state.final).toBe(expected.status === 'done');
              checked += 1;
            }
          }
        }
        // Every state × every event × every input, not a sample.
        expect(checked).toBeGreaterThanOrEqual(
          c.events.length * Object.keys(program.states).length,
        );
      });

      it('reaches every state the machine defines', () => {
        const program = recordingProgram(c.machine);
        const seen = new Set<string>();
        for (const input of c.inputs) {
          for (const { key } of reachable(c.machine, c.events, input)) seen.add(key);
        }
        expect([...seen].sort()).toEqual(Object.keys(program.states).sort());
      });
    });
  }
});

describe('compileMachine takes what it can run faithfully', () => {
  it('takes named actions and guards written as objects, as when written as names', () => {
    const m = setup({
      actions: { a: () => {}, b: () => {} },
      guards: { ok: () => true },
    }).createMachine({
      initial: 's',
      states: {
        s: {
          entry: [{ type: 'a' }],
          exit: [{ type: 'b' }],
          on: { go: { guard: { type: 'ok' }, target: 't', actions: [{ type: 'b' }, 'a'] } },
        },
        t: { type: 'final' },
      },
    });
    const compiled = compileMachine(m);
    expect(compiled.states).toEqual({
      s: {
        final: false,
        entry: ['a'],
        exit: ['b'],
        on: { go: [{ guard: 'ok', target: 't', actions: ['b', 'a'] }] },
      },
      t: { final: true, entry: [], exit: [], on: {} },
    });
  });

  it('starts an actor with XState’s init event, and ignores an event its state has no transition for', () => {
    const seen: string[] = [];
    const m = setup({ actions: { hello: () => {} } }).createMachine({
      initial: 's',
      states: { s: { entry: ['hello'], on: { go: { actions: ['hello'] } } } },
    });
    const program = bindProgram<TestActor, { type: string }>(compileMachine(m), {
      hello: (actor, event) => {
        seen.push(event.type);
        actor.ran.push('hello');
      },
    });
    const actor: TestActor = { state: program.initial, context: undefined, ran: [] };
    startActor<TestActor, { type: string }>(actor);
    step(actor, { type: 'unknown' });
    step(actor, { type: 'go' });
    expect(seen).toEqual(['xstate.init', 'go']);
  });

  it('runs no entry actions on a targetless transition, even beside a state named "undefined"', () => {
    const m = setup({ actions: { act: () => {}, enter: () => {} } }).createMachine({
      initial: 's',
      states: { s: { on: { go: { actions: ['act'] } } }, undefined: { entry: ['enter'] } },
    });
    const actor: TestActor = { state: recordingProgram(m).initial, context: undefined, ran: [] };
    step(actor, { type: 'go' });
    expect(actor.ran).toEqual(['act']);
  });

  it('gives each light actor a session id of its own, in XState’s style', () => {
    const a = nextLiteSessionId('mcp');
    const b = nextLiteSessionId('mcp');
    expect(a).toMatch(/^mcp:\d+$/);
    expect(Number(b.slice(4))).toBe(Number(a.slice(4)) + 1);
  });

  it('reports inspection events to an observer function or to an observer object’s next', () => {
    const event = { type: '@xstate.event' } as unknown as Parameters<typeof emitInspection>[1];
    const called: unknown[] = [];
    emitInspection({ observer: (e) => called.push(['function', e]), rootId: 'x:0' }, event);
    emitInspection({ observer: { next: (e) => called.push(['next', e]) }, rootId: 'x:0' }, event);
    // An observer object without `next` is left alone.
    emitInspection({ observer: {}, rootId: 'x:0' }, event);
    expect(called).toEqual([
      ['function', event],
      ['next', event],
    ]);
  });
});

describe('compileMachine refuses what it cannot run faithfully', () => {
  it('refuses a machine without a string initial state, or naming one it does not define', () => {
    expect(() => compileMachine(createMachine({ id: 'none' }))).toThrow(
      'Machine "none" needs a string initial state to compile.',
    );
    expect(() =>
      compileMachine(createMachine({ id: 'bad', initial: 'nope', states: { a: {} } })),
    ).toThrow('Machine "bad" names initial state "nope", which it does not define.');
  });

  it('refuses a wildcard event and a transition with several targets', () => {
    const wildcard = createMachine({
      id: 'w',
      initial: 'a',
      states: { a: { on: { '*': { target: 'b' } } }, b: {} },
    });
    expect(() => compileMachine(wildcard)).toThrow('State "w.a" uses a wildcard event "*".');
    const twoTargets = createMachine({
      id: 't',
      initial: 'a',
      states: { a: { on: { go: { target: ['b', 'c'] } } }, b: {}, c: {} },
    });
    expect(() => compileMachine(twoTargets)).toThrow('A transition of "t.a" has several targets.');
  });

  it('refuses parameterised actions and guards', () => {
    const paramAction = setup({ actions: { a: () => {} } }).createMachine({
      initial: 's',
      states: { s: { on: { go: { actions: [{ type: 'a', params: { n: 1 } }] } } } },
    });
    expect(() => compileMachine(paramAction)).toThrow(/inline or parameterised action/);
    const paramGuard = setup({ guards: { g: () => true } }).createMachine({
      initial: 's',
      states: { s: { on: { go: { guard: { type: 'g', params: { n: 1 } } } } } },
    });
    expect(() => compileMachine(paramGuard)).toThrow(/inline or parameterised guard/);
  });

  it('refuses to bind a program whose guard has no implementation', () => {
    const m = createMachine({
      initial: 's',
      states: { s: { on: { go: { guard: 'missing', target: 's' } } } },
    });
    expect(() => bindProgram(compileMachine(m), {})).toThrow(
      'No implementation for guard "missing" of machine "(machine)".',
    );
  });

  it('refuses nested states', () => {
    const m = createMachine({ initial: 'a', states: { a: { initial: 'x', states: { x: {} } } } });
    expect(() => compileMachine(m)).toThrow(/compound; only flat machines compile/);
  });

  it('refuses after, always and invoke', () => {
    const withAfter = createMachine({ initial: 'a', states: { a: { after: { 10: 'b' } }, b: {} } });
    expect(() => compileMachine(withAfter)).toThrow(/uses "after"/);
    const withAlways = createMachine({ initial: 'a', states: { a: { always: 'b' }, b: {} } });
    expect(() => compileMachine(withAlways)).toThrow(/uses "always"/);
    const withInvoke = createMachine({
      initial: 'a',
      states: { a: { invoke: { src: 'x' } } },
    });
    expect(() => compileMachine(withInvoke)).toThrow(/uses "invoke"/);
  });

  it('refuses inline actions and inline guards', () => {
    const inlineAction = createMachine({
      initial: 'a',
      states: { a: { on: { go: { actions: () => {} } } } },
    });
    expect(() => compileMachine(inlineAction)).toThrow(/declare it by name/);
    const inlineGuard = createMachine({
      initial: 'a',
      states: { a: { on: { go: { guard: () => true, target: 'b' } } }, b: {} },
    });
    expect(() => compileMachine(inlineGuard)).toThrow(/inline or parameterised guard/);
  });

  it('refuses built-in action creators and references that name nothing', () => {
    // assign() and raise() are functions that carry a string `type`: still inline, not declared.
    const builtIns = [
      assign({}),
      raise({ type: 'x' }),
      null as never,
      {} as never,
      { type: 5 } as never,
    ];
    for (const entry of builtIns) {
      const m = createMachine({ initial: 's', states: { s: { entry: [entry] } } });
      expect(() => compileMachine(m)).toThrow(
        'Machine "(machine)" uses an inline or parameterised action; declare it by name in setup({ actions }) to compile it.',
      );
    }
  });

  it('refuses to bind a program with a missing action implementation', () => {
    const m = setup({ actions: { a: () => {}, b: () => {} } }).createMachine({
      initial: 's',
      states: { s: { on: { go: { actions: ['a', 'b'] } } } },
    });
    expect(() => bindProgram(compileMachine(m), { a: () => {} })).toThrow(
      /No implementation for action "b"/,
    );
  });
});
