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
