/**
 * Time, injected. Every timer of the engine goes through a `Clock`, so tests drive time with fake
 * timers or a clock of their own, and nothing sleeps.
 */
export interface Clock {
  /** Milliseconds on a monotonic-enough scale; only differences are used. */
  now(): number;
  /** Calls `callback` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a timer set with `setTimeout`. */
  clearTimeout(handle: unknown): void;
}

/**
 * The default clock: `Date.now` and the global timer functions, looked up at each call so that
 * fake timers installed after the session was built still take effect.
 *
 * @example
 * ```ts
 * import { createClientSession, systemClock, type Clock, type Transport } from 'mcp-actors';
 * declare const transport: Transport;
 *
 * // the default `clock`; wrap it to watch the engine's timers
 * const clock: Clock = {
 *   ...systemClock,
 *   setTimeout(callback, ms) {
 *     console.log('timer', ms);
 *     return systemClock.setTimeout(callback, ms);
 *   },
 * };
 * const session = createClientSession({ transport, clock });
 * ```
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(callback, ms) {
    return globalThis.setTimeout(callback, ms);
  },
  clearTimeout(handle) {
    globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};
