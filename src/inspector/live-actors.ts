import { AUTHORIZATION, type InspectorRecord } from './records.js';

/**
 * The latest state of every live actor, kept apart from the history of records, so that a page
 * opened late still sees where each actor is and the path it took.
 */

/** Steps of an actor's path kept (a long-lived authorization refreshes again and again). */
const PATH_KEPT = 100;
/** Actors of one session other than its roots kept at most; the oldest go first. */
const ACTORS_KEPT = 1000;

/** A record and its place in the order records were made. */
interface Numbered {
  readonly seq: number;
  readonly record: InspectorRecord;
}

/** What is kept of one actor. */
interface KeptActor {
  /** Whether it is a root of its session (`connection`, `authorization`): kept after it ends. */
  readonly root: boolean;
  /** The record of its start. */
  readonly start: Numbered | undefined;
  /** The snapshots that changed its state, oldest first: the path it took (the last `PATH_KEPT`). */
  readonly path: Numbered[];
  /** Its latest snapshot, when it is not the last step of the path (its context changed since). */
  latest: Numbered | undefined;
}

/**
 * The latest snapshot, the start and the path taken (bounded) of every live actor, kept apart
 * from the history of records so that a page opened after the history has dropped them still
 * shows where each actor is and how it got there. An actor is live from its start until a
 * snapshot says it is no longer active (done, stopped, failed); a session's roots (`connection`,
 * `authorization`, the actors without a parent) stay kept after that too, so a page shows how a
 * session ended. Records are numbered in the order they are given to {@link LiveActors.add}.
 */
export class LiveActors {
  /** By session, then by actor name, in the order they started. */
  readonly #sessions = new Map<string, Map<string, KeptActor>>();
  #seq = 0;

  /** How many records were added. */
  get count(): number {
    return this.#seq;
  }

  /** Notes one record (records must be added in the order they were made). */
  add(record: InspectorRecord): void {
    const seq = this.#seq++;
    if (record.kind !== 'actor' && record.kind !== 'snapshot') return;
    let actors = this.#sessions.get(record.session);
    if (actors === undefined) {
      actors = new Map();
      this.#sessions.set(record.session, actors);
    }
    if (record.kind === 'actor') {
      // Only machines have states to show.
      if (record.machine === undefined) return;
      actors.delete(record.actor);
      actors.set(record.actor, {
        root: record.parent === undefined,
        start: { seq, record },
        path: [],
        latest: undefined,
      });
      if (actors.size > ACTORS_KEPT) this.#forgetOldest(actors);
      return;
    }
    let kept = actors.get(record.actor);
    if (kept === undefined) {
      // A snapshot of an actor whose start came before this was made (or was not a record).
      const root = record.actor === 'connection' || record.actor === AUTHORIZATION;
      kept = { root, start: undefined, path: [], latest: undefined };
      actors.set(record.actor, kept);
      if (actors.size > ACTORS_KEPT) this.#forgetOldest(actors);
    }
    if (record.status !== 'active' && !kept.root) {
      actors.delete(record.actor);
      return;
    }
    const last = kept.path[kept.path.length - 1]?.record;
    if (last?.kind === 'snapshot' && JSON.stringify(last.value) === JSON.stringify(record.value)) {
      kept.latest = { seq, record };
      return;
    }
    kept.path.push({ seq, record });
    kept.latest = undefined;
    if (kept.path.length > PATH_KEPT) kept.path.splice(0, kept.path.length - PATH_KEPT);
  }

  /** Forgets the oldest actor that is not a root. */
  #forgetOldest(actors: Map<string, KeptActor>): void {
    for (const [name, kept] of actors) {
      if (kept.root) continue;
      actors.delete(name);
      return;
    }
  }

  /**
   * The kept records numbered below `seq` (those a history that starts at `seq` no longer
   * holds), in the order they were made: each live actor's start, the path it took and its
   * latest snapshot.
   */
  before(seq: number): InspectorRecord[] {
    const out: Numbered[] = [];
    for (const actors of this.#sessions.values()) {
      for (const kept of actors.values()) {
        for (const n of [kept.start, ...kept.path, kept.latest]) {
          if (n !== undefined && n.seq < seq) out.push(n);
        }
      }
    }
    return out.sort((a, b) => a.seq - b.seq).map((n) => n.record);
  }
}
