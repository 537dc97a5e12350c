import { createActor, setup } from 'xstate';
import { describe, expect, it } from 'vitest';
import { SystemOwners } from '../src/core/system-owners.js';

/** A machine provided once, shared by two actors, each finding its own owner by its system. */
describe('SystemOwners', () => {
  it('finds the owner of each actor’s system, and refuses a system nobody claimed', () => {
    const owners = new SystemOwners<{ name: string; seen: string[] }>('ran outside its owner');
    const machine = setup({
      actions: { note: ({ system }) => owners.of(system).seen.push(owners.of(system).name) },
    }).createMachine({ on: { ping: { actions: 'note' } } });
    const a = { name: 'a', seen: [] as string[] };
    const b = { name: 'b', seen: [] as string[] };
    const actorA = createActor(machine);
    const actorB = createActor(machine);
    owners.claim(actorA.system, a);
    owners.claim(actorB.system, b);
    actorA.start();
    actorB.start();
    actorA.send({ type: 'ping' });
    actorB.send({ type: 'ping' });
    actorB.send({ type: 'ping' });
    expect([a.seen, b.seen]).toEqual([['a'], ['b', 'b']]);
    expect(() => owners.of(createActor(machine).system)).toThrow('ran outside its owner');
  });
});
