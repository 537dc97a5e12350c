import { describe, expect, it } from 'vitest';
import { createMachine, setup } from 'xstate';
import {
  bindProgram,
  compileMachine,
  startActor,
  step,
  type ActionImpl,
  type BoundState,
} from '../src/core/compiled-machine.js';
import { compiledCases, reachable, xstateInitial, xstateStep } from './support/machines.js';

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

describe('the compiled form agrees with XState on every reachable state and event', () => {
  for (const c of compiledCases) {
    describe(c.name, () => {
      const program = recordingProgram(c.machine);

      it('starts in the same state with the same entry actions', () => {
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
        const seen = new Set<string>();
        for (const input of c.inputs) {
          for (const { key } of reachable(c.machine, c.events, input)) seen.add(key);
        }
        expect([...seen].sort()).toEqual(Object.keys(program.states).sort());
      });
    });
  }
});

describe('compileMachine refuses what it cannot run faithfully', () => {
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
    expect(() => compileMachine(inlineGuard)).toThrow(/inline guard/);
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
