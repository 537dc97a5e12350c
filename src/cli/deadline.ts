/**
 * The request-level deadline: an idle timeout that progress resets, and that stands still while
 * the user is asked something (a terminal dialog) or is at the browser (an authorization); and
 * the set of a run's deadlines that such waits pause together.
 */

/** One request's deadline: `expire` runs when `ms` pass with no answer and no progress. */
export class Deadline {
  readonly #ms: number;
  readonly #expire: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #paused = 0;
  #stopped = false;

  constructor(ms: number, expire: () => void) {
    this.#ms = ms;
    this.#expire = expire;
    this.#arm();
  }

  /** Progress: the wait starts again. */
  touch(): void {
    this.#arm();
  }

  pause(): void {
    this.#paused++;
    this.#disarm();
  }

  resume(): void {
    this.#paused = Math.max(0, this.#paused - 1);
    this.#arm();
  }

  stop(): void {
    this.#stopped = true;
    this.#disarm();
  }

  #arm(): void {
    this.#disarm();
    if (this.#stopped || this.#paused > 0 || this.#ms === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#stopped = true;
      this.#expire();
    }, this.#ms);
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * The deadlines of a run's requests in flight: a dialog open or an authorization waiting for
 * the user pauses them all, and a deadline started meanwhile starts paused.
 */
export class Deadlines {
  readonly #running = new Set<Deadline>();
  #dialogOpen = 0;
  #authorizing = false;

  /** Starts the deadline of one request; `stop` it when the request is over. */
  start(ms: number, expire: () => void): { deadline: Deadline; stop: () => void } {
    const deadline = new Deadline(ms, expire);
    if (this.#dialogOpen > 0) deadline.pause();
    if (this.#authorizing) deadline.pause();
    this.#running.add(deadline);
    return {
      deadline,
      stop: () => {
        deadline.stop();
        this.#running.delete(deadline);
      },
    };
  }

  /** A dialog opened: every deadline stands still until it closes. */
  dialogOpened(): void {
    this.#dialogOpen++;
    for (const d of this.#running) d.pause();
  }

  dialogClosed(): void {
    this.#dialogOpen--;
    for (const d of this.#running) d.resume();
  }

  /** The authorization waits for the user at the browser (true), or stopped waiting. */
  authorizing(waiting: boolean): void {
    if (waiting === this.#authorizing) return;
    this.#authorizing = waiting;
    for (const d of this.#running) {
      if (waiting) d.pause();
      else d.resume();
    }
  }
}

/** An AbortSignal aborted when any of `signals` is (AbortSignal.any, without relying on it). */
export function anyAbort(...signals: AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      controller.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => controller.abort(s.reason), { once: true });
  }
  return controller.signal;
}
