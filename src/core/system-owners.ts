/**
 * The owner of each actor system, for a machine provided once and shared by many actors. A
 * machine's `provide(…)` copies its state nodes (about 29 kB of heap), so the session's connection
 * machine and the stdio process machine are provided once per process; each actor of them is the
 * root of a system of its own, and its actions, actors and delays find their owner (the session,
 * the process) by the system they run in.
 */
export class SystemOwners<T extends object> {
  readonly #owners = new WeakMap<object, T>();
  readonly #stray: string;

  /** `stray` is the message when an actor runs in a system no owner has claimed (a bug). */
  constructor(stray: string) {
    this.#stray = stray;
  }

  /** Claims `system` for `owner`. */
  claim(system: object, owner: T): void {
    this.#owners.set(system, owner);
  }

  /** The owner of `system`; throws when none has claimed it. */
  of(system: object): T {
    const owner = this.#owners.get(system);
    if (owner === undefined) throw new Error(this.#stray);
    return owner;
  }
}
