import type { Clock } from '../../src/index.js';

/** A clock at time 0 whose timers run only when the test fires them; `pending` counts them. */
export function manualClock(): Clock & { fire(): void; readonly pending: number } {
  const timers = new Map<number, () => void>();
  let next = 0;
  return {
    now: () => 0,
    setTimeout: (callback) => {
      timers.set(++next, callback);
      return next;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    fire: () => {
      const callbacks = [...timers.values()];
      timers.clear();
      for (const callback of callbacks) callback();
    },
    get pending() {
      return timers.size;
    },
  };
}

/**
 * A clock whose time moves only when the test says: `advance(ms)` runs every timer due by then, in
 * the order they fall due, each at its own time; `pending` counts the timers left. It starts at
 * `start` (0 by default). `dueTimes` lists when the pending timers fall due, earliest first;
 * `timersSet` counts every `setTimeout`; `strayClears` counts the `clearTimeout`s given a handle
 * that is not a pending timer of this clock.
 */
export function steppingClock(start = 0): Clock & {
  advance(ms: number): void;
  readonly pending: number;
  readonly dueTimes: number[];
  readonly timersSet: number;
  readonly strayClears: number;
} {
  const timers = new Map<number, { at: number; callback: () => void }>();
  let now = start;
  let next = 0;
  let strays = 0;
  return {
    now: () => now,
    setTimeout: (callback, ms) => {
      timers.set(++next, { at: now + ms, callback });
      return next;
    },
    clearTimeout: (handle) => {
      if (!timers.delete(handle as number)) strays++;
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let due: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= until && (due === undefined || entry[1].at < due[1].at)) due = entry;
        }
        if (due === undefined) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].callback();
      }
      now = until;
    },
    get pending() {
      return timers.size;
    },
    get dueTimes() {
      return [...timers.values()].map((t) => t.at).sort((a, b) => a - b);
    },
    get timersSet() {
      return next;
    },
    get strayClears() {
      return strays;
    },
  };
}
