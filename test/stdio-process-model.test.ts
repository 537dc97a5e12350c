import { describe, expect, it } from 'vitest';
import { createActor, SimulatedClock } from 'xstate';
import { stdioProcessMachine, type StdioProcessEvent } from '../machines/index.js';

/**
 * The stdio server process's statechart (machines/stdio-process.ts) run on its own, on a simulated
 * clock, with recording actions: the shutdown ladder (stdin closed, SIGTERM, SIGKILL) at its grace
 * delays, and what each state does with each event. The stdio transport's tests run it with real
 * processes; these need none.
 */

const ALL_EVENTS: readonly StdioProcessEvent[] = [
  { type: 'spawned' },
  { type: 'spawnFailed', error: new Error('ENOENT') },
  { type: 'close' },
  { type: 'outputEnded' },
  { type: 'exited', code: 0, signal: null },
];

function start(delays?: { stdinGrace?: number; termGrace?: number; outputGrace?: number }) {
  const clock = new SimulatedClock();
  const ran: string[] = [];
  const record = (name: string) => () => {
    ran.push(name);
  };
  const machine = stdioProcessMachine.provide({
    actions: {
      closeStdin: record('closeStdin'),
      terminateGroup: record('terminateGroup'),
      killGroup: record('killGroup'),
      reapAndReport: record('reapAndReport'),
      reportOutputClosed: record('reportOutputClosed'),
    },
    ...(delays === undefined ? {} : { delays }),
  });
  const actor = createActor(machine, { clock }).start();
  return {
    clock,
    ran,
    send: (event: StdioProcessEvent) => actor.send(event),
    state: () => actor.getSnapshot().value,
    status: () => actor.getSnapshot().status,
  };
}

describe('stdioProcessMachine', () => {
  it('closes stdin, then SIGTERM after stdinGrace, then SIGKILL after termGrace (defaults 2 s, 2 s)', () => {
    const p = start();
    expect(p.state()).toBe('starting');
    p.send({ type: 'spawned' });
    expect(p.state()).toBe('running');
    p.send({ type: 'close' });
    expect({ state: p.state(), ran: p.ran }).toEqual({ state: 'endingInput', ran: ['closeStdin'] });
    p.clock.increment(1_999);
    expect(p.state()).toBe('endingInput');
    p.clock.increment(1);
    expect({ state: p.state(), ran: p.ran }).toEqual({
      state: 'terminating',
      ran: ['closeStdin', 'terminateGroup'],
    });
    p.clock.increment(1_999);
    expect(p.state()).toBe('terminating');
    p.clock.increment(1);
    expect({ state: p.state(), ran: p.ran }).toEqual({
      state: 'killing',
      ran: ['closeStdin', 'terminateGroup', 'killGroup'],
    });
    p.clock.increment(60_000);
    expect(p.ran).toHaveLength(3);
    p.send({ type: 'exited', code: null, signal: 'SIGKILL' });
    expect({ state: p.state(), status: p.status(), ran: p.ran.at(-1) }).toEqual({
      state: 'exited',
      status: 'done',
      ran: 'reapAndReport',
    });
  });

  it('uses the grace delays the transport sets', () => {
    const p = start({ stdinGrace: 50, termGrace: 70 });
    p.send({ type: 'spawned' });
    p.send({ type: 'close' });
    p.clock.increment(49);
    expect(p.state()).toBe('endingInput');
    p.clock.increment(1);
    expect(p.state()).toBe('terminating');
    p.clock.increment(69);
    expect(p.state()).toBe('terminating');
    p.clock.increment(1);
    expect(p.state()).toBe('killing');
  });

  it('signals nothing to a server that exits once its stdin is closed', () => {
    const p = start();
    p.send({ type: 'spawned' });
    p.send({ type: 'close' });
    p.clock.increment(1_000);
    p.send({ type: 'exited', code: 0, signal: null });
    p.clock.increment(10_000);
    expect({ state: p.state(), ran: p.ran }).toEqual({
      state: 'exited',
      ran: ['closeStdin', 'reapAndReport'],
    });
  });

  it('stops the ladder at SIGTERM for a server that exits on it', () => {
    const p = start();
    p.send({ type: 'spawned' });
    p.send({ type: 'close' });
    p.clock.increment(2_000);
    p.send({ type: 'exited', code: null, signal: 'SIGTERM' });
    p.clock.increment(10_000);
    expect(p.ran).toEqual(['closeStdin', 'terminateGroup', 'reapAndReport']);
  });

  it('ends a process that fails to spawn, or exits before it is seen running, at once', () => {
    const failed = start();
    failed.send({ type: 'spawnFailed', error: new Error('ENOENT') });
    expect({ state: failed.state(), ran: failed.ran }).toEqual({
      state: 'exited',
      ran: ['reapAndReport'],
    });
    const early = start();
    early.send({ type: 'exited', code: 1, signal: null });
    expect({ state: early.state(), ran: early.ran }).toEqual({
      state: 'exited',
      ran: ['reapAndReport'],
    });
  });

  it('shuts down a process closed while it is still starting', () => {
    const p = start();
    p.send({ type: 'close' });
    expect({ state: p.state(), ran: p.ran }).toEqual({ state: 'endingInput', ran: ['closeStdin'] });
    p.clock.increment(2_000);
    expect(p.state()).toBe('terminating');
  });

  it('waits outputGrace (default 200 ms) after stdout ends before reporting it closed, once', () => {
    const p = start();
    p.send({ type: 'spawned' });
    p.send({ type: 'outputEnded' });
    expect(p.state()).toBe('outputEnded');
    p.clock.increment(199);
    expect(p.ran).toEqual([]);
    p.clock.increment(1);
    expect({ state: p.state(), ran: p.ran }).toEqual({
      state: 'outputEnded',
      ran: ['reportOutputClosed'],
    });
    p.clock.increment(10_000);
    expect(p.ran).toEqual(['reportOutputClosed']);
    // The transport then closes: the same shutdown follows.
    p.send({ type: 'close' });
    expect({ state: p.state(), ran: p.ran }).toEqual({
      state: 'endingInput',
      ran: ['reportOutputClosed', 'closeStdin'],
    });
  });

  it('reports nothing when the exit follows the end of stdout within outputGrace', () => {
    const p = start({ outputGrace: 300 });
    p.send({ type: 'spawned' });
    p.send({ type: 'outputEnded' });
    p.clock.increment(299);
    p.send({ type: 'exited', code: 0, signal: null });
    p.clock.increment(10_000);
    expect({ state: p.state(), ran: p.ran }).toEqual({ state: 'exited', ran: ['reapAndReport'] });
  });

  it('ignores, in each state, the events it has no use for', () => {
    // What each state does with each event: its next state, or itself when it ignores the event.
    const table: Record<string, Record<StdioProcessEvent['type'], string>> = {
      starting: {
        spawned: 'running',
        spawnFailed: 'exited',
        close: 'endingInput',
        outputEnded: 'starting',
        exited: 'exited',
      },
      running: {
        spawned: 'running',
        spawnFailed: 'running',
        close: 'endingInput',
        outputEnded: 'outputEnded',
        exited: 'exited',
      },
      outputEnded: {
        spawned: 'outputEnded',
        spawnFailed: 'outputEnded',
        close: 'endingInput',
        outputEnded: 'outputEnded',
        exited: 'exited',
      },
      endingInput: {
        spawned: 'endingInput',
        spawnFailed: 'endingInput',
        close: 'endingInput',
        outputEnded: 'endingInput',
        exited: 'exited',
      },
      terminating: {
        spawned: 'terminating',
        spawnFailed: 'terminating',
        close: 'terminating',
        outputEnded: 'terminating',
        exited: 'exited',
      },
      killing: {
        spawned: 'killing',
        spawnFailed: 'killing',
        close: 'killing',
        outputEnded: 'killing',
        exited: 'exited',
      },
    };
    // The events that lead from `starting` to each state.
    const paths: Record<string, readonly StdioProcessEvent['type'][]> = {
      starting: [],
      running: ['spawned'],
      outputEnded: ['spawned', 'outputEnded'],
      endingInput: ['spawned', 'close'],
      terminating: ['spawned', 'close'],
      killing: ['spawned', 'close'],
    };
    // The grace delays that pass after the path, one at a time (a delay armed while the clock
    // advances counts from the time it is armed).
    const waits: Record<string, readonly number[]> = {
      terminating: [2_000],
      killing: [2_000, 2_000],
    };
    const seen: Record<string, Record<string, string>> = {};
    for (const [state, path] of Object.entries(paths)) {
      for (const event of ALL_EVENTS) {
        const p = start();
        for (const type of path) p.send(ALL_EVENTS.find((e) => e.type === type)!);
        for (const ms of waits[state] ?? []) p.clock.increment(ms);
        expect(p.state()).toBe(state);
        const before = p.ran.length;
        p.send(event);
        (seen[state] ??= {})[event.type] = p.state();
        // An ignored event runs nothing.
        if (p.state() === state) expect(p.ran.length).toBe(before);
      }
    }
    expect(seen).toEqual(table);
  });
});
