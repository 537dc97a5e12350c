import type { OutboundRequest } from './actors.js';
import type { Clock } from './clock.js';
import type { Reporter } from './reporting.js';

/**
 * The deadlines of the requests in flight, on one timer: armed at the earliest deadline, a scan
 * at expiry times out each request whose idle or total time ran out. Arming per request would
 * cost a timer object and a clear per round trip; a scan at expiry costs nothing on the hot path.
 * While the transport is held (a person authorizing) the timer stands still, and every deadline
 * moves on by the time held once released.
 *
 * Deadlines are kept in milliseconds since these deadlines were made, not on the clock's own
 * scale (`Date.now()` is far beyond a small integer): an integer deadline then sits in the
 * request object as it is, where a large one would be a boxed number per request. `undefined`
 * is no deadline.
 */

/** The requests whose deadlines are kept. */
export interface InFlight {
  readonly size: number;
  values(): IterableIterator<OutboundRequest>;
}

export class Deadlines {
  readonly #clock: Clock;
  readonly #requests: InFlight;
  readonly #reporter: Pick<Reporter, 'drive'>;
  #timer: unknown = undefined;
  #armedAt = Infinity;
  /** Holds of the transport (a user authorizing): request deadlines stand still meanwhile. */
  #holds = 0;
  #heldSince = 0;
  /** The clock's time when these deadlines were made: every time here is counted from it. */
  readonly #origin: number;

  constructor(clock: Clock, requests: InFlight, reporter: Pick<Reporter, 'drive'>) {
    this.#clock = clock;
    this.#origin = clock.now();
    this.#requests = requests;
    this.#reporter = reporter;
  }

  /** Whether the timer is armed. */
  get armed(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts a request's deadlines, as it is written. */
  start(req: OutboundRequest): void {
    const { timeout, maxTotalTimeout } = req.policy;
    if (timeout === Infinity && maxTotalTimeout === Infinity) return;
    const now = this.#now();
    if (timeout !== Infinity) req.idleDeadline = now + timeout;
    if (maxTotalTimeout !== Infinity) req.totalDeadline = now + maxTotalTimeout;
    this.#arm(earliest(req), now);
  }

  /** The time on this object's scale (see the class's comment). */
  #now(): number {
    return this.#clock.now() - this.#origin;
  }

  /** Restarts a request's idle deadline (progress arrived); the timer catches up at its next scan. */
  restartIdle(req: OutboundRequest): void {
    const timeout = req.policy.timeout;
    if (timeout !== Infinity) req.idleDeadline = this.#now() + timeout;
  }

  /** The time left before `req` times out (0 for none); deadlines stand still while held. */
  timeLeft(req: OutboundRequest | undefined): number {
    if (req === undefined) return 0;
    const deadline = earliest(req);
    return deadline - (this.#holds > 0 ? this.#heldSince : this.#now());
  }

  /** With nothing in flight, no timer stays behind to hold the process open. */
  settled(): void {
    if (this.#requests.size === 0) this.disarm();
  }

  /**
   * The transport waits for a person (`true`) or stopped (`false`). While held no request times
   * out; once released, every deadline moves on by the time held.
   */
  hold(waiting: boolean): void {
    const now = this.#now();
    if (waiting) {
      if (this.#holds++ === 0) {
        this.#heldSince = now;
        this.disarm();
      }
      return;
    }
    if (this.#holds === 0 || --this.#holds > 0) return;
    const shift = now - this.#heldSince;
    let next = Infinity;
    for (const req of this.#requests.values()) {
      if (req.idleDeadline !== undefined) req.idleDeadline += shift;
      if (req.totalDeadline !== undefined) req.totalDeadline += shift;
      next = Math.min(next, earliest(req));
    }
    this.#arm(Math.max(next, now), now);
  }

  disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedAt = Infinity;
  }

  /** Arms the timer at `deadline`, unless it is armed no later or held; `Infinity` arms nothing. */
  #arm(deadline: number, now: number): void {
    if (deadline >= this.#armedAt || this.#holds > 0) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#armedAt = deadline;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, deadline - now));
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedAt = Infinity;
    const now = this.#now();
    let next = Infinity;
    for (const req of this.#requests.values()) {
      const idle = req.idleDeadline ?? Infinity;
      const total = req.totalDeadline ?? Infinity;
      if (idle <= now && idle <= total) {
        this.#reporter.drive(req, { type: 'timeout', kind: 'idle' });
      } else if (total <= now) {
        this.#reporter.drive(req, { type: 'timeout', kind: 'total' });
      } else {
        // Stryker disable next-line EqualityOperator: with idle === total, either one is the same d
        const d = idle < total ? idle : total;
        // Stryker disable next-line EqualityOperator: with d === next, next = d leaves next as it is
        if (d < next) next = d;
      }
    }
    // At least 1 ms apart, so that many deadlines a few µs apart cost one scan per ms, not per request.
    this.#arm(Math.max(next, now + 1), now);
  }
}

/** A request's earlier deadline (`Infinity` for none). */
function earliest(req: OutboundRequest): number {
  return Math.min(req.idleDeadline ?? Infinity, req.totalDeadline ?? Infinity);
}
