/**
 * What the inspector server streams to its pages: the sessions announced, the history of records
 * (the last `capacity`, a ring), the live actors kept apart from it, and each page's socket. New
 * records are queued and sent to every page once per turn of the event loop; a page that reads
 * too slowly (more than `maxBufferedBytes` waiting) is skipped and later told how many records
 * it missed. No HTTP here: inspector-server.ts accepts the pages' sockets and hands them over.
 */
import { LiveActors } from '../inspector/live-actors.js';
import type { StateShape } from '../inspector/machine-shape.js';
import type { InspectedSession, InspectorFrame, InspectorRecord } from '../inspector/records.js';

/** What the feed needs of a page's WebSocket. */
export interface PageSocket {
  /** 1 while open. */
  readonly readyState: number;
  /** Bytes sent but not yet written to the network. */
  readonly bufferedAmount: number;
  send(data: string): void;
  terminate(): void;
}

interface Page {
  readonly socket: PageSocket;
  /** Records this page missed and has not been told of yet. */
  dropped: number;
}

/** How often a page that missed records is checked for whether it reads again, in ms. */
const CATCH_UP_MS = 200;

/** The inspector's records and sessions, and the pages they are streamed to. */
export class InspectorFeed {
  readonly #capacity: number;
  readonly #maxBuffered: number;
  readonly #machines: () => Readonly<Record<string, StateShape>>;
  readonly #sessions: InspectedSession[] = [];
  readonly #pages = new Set<Page>();
  /** The last `capacity` records, oldest first (a ring once full). */
  readonly #history: InspectorRecord[] = [];
  #historyStart = 0;
  #forgotten = 0;
  /** The latest state and path of every live actor, kept even once the history drops them. */
  readonly #live = new LiveActors();
  #queue: InspectorRecord[] = [];
  #overflow = 0;
  #scheduled = false;
  #closed = false;
  /** While a page has missed records, checks now and then whether it reads again, to tell it. */
  #catchUp: ReturnType<typeof setInterval> | undefined;

  /**
   * @param capacity Records kept for pages that open later, and the most queued between sends.
   * @param maxBuffered Bytes waiting in a page's socket beyond which records for it are dropped.
   * @param machines The statecharts' shapes, sent to each page as it opens.
   */
  constructor(
    capacity: number,
    maxBuffered: number,
    machines: () => Readonly<Record<string, StateShape>>,
  ) {
    this.#capacity = capacity;
    this.#maxBuffered = maxBuffered;
    this.#machines = machines;
  }

  /** The sessions announced so far. */
  get sessions(): readonly InspectedSession[] {
    return [...this.#sessions];
  }

  /** Pages connected now. */
  get pages(): number {
    return this.#pages.size;
  }

  /** A new session, named `label` (default `session N`), announced to the pages open now. */
  addSession(label: string | undefined): InspectedSession {
    const session: InspectedSession = {
      id: `s${this.#sessions.length + 1}`,
      label: label ?? `session ${this.#sessions.length + 1}`,
    };
    this.#sessions.push(session);
    for (const p of this.#pages) this.#send(p, { type: 'session', session }, 0);
    return session;
  }

  /** Keeps `records` and queues them for the pages (nothing once closed). */
  publish(records: readonly InspectorRecord[]): void {
    if (this.#closed) return;
    for (const r of records) {
      this.#live.add(r);
      this.#remember(r);
      if (this.#queue.length < this.#capacity) this.#queue.push(r);
      else this.#overflow++;
    }
    if (!this.#scheduled && this.#pages.size > 0) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    } else if (this.#pages.size === 0) {
      this.#queue = [];
      this.#overflow = 0;
    }
  }

  /**
   * A page opened: it is sent `hello` (the machines, the sessions, what is kept) and then every
   * new record. Returns what to call when its socket closes or fails.
   */
  open(socket: PageSocket): () => void {
    const p: Page = { socket, dropped: 0 };
    this.#pages.add(p);
    socket.send(
      JSON.stringify({
        type: 'hello',
        machines: this.#machines(),
        sessions: this.#sessions,
        // The history holds the last `history.length` records made; older ones of live actors
        // are kept apart.
        live: this.#live.before(this.#live.count - this.#history.length),
        records: this.#kept(),
        dropped: this.#forgotten,
      } satisfies InspectorFrame),
    );
    return () => this.#pages.delete(p);
  }

  /** Stops: nothing more is kept or sent, and every page's socket is cut. */
  close(): void {
    this.#closed = true;
    if (this.#catchUp !== undefined) clearInterval(this.#catchUp);
    for (const p of this.#pages) p.socket.terminate();
    this.#pages.clear();
  }

  #remember(record: InspectorRecord): void {
    if (this.#history.length < this.#capacity) {
      this.#history.push(record);
      return;
    }
    this.#history[this.#historyStart] = record;
    this.#historyStart = (this.#historyStart + 1) % this.#capacity;
    this.#forgotten++;
  }

  #kept(): InspectorRecord[] {
    return [
      ...this.#history.slice(this.#historyStart),
      ...this.#history.slice(0, this.#historyStart),
    ];
  }

  /** Sends a frame to a page that keeps up; for one that does not, counts `size` records missed. */
  #send(p: Page, frame: InspectorFrame, size: number): boolean {
    if (p.socket.readyState !== 1) return false;
    if (p.socket.bufferedAmount > this.#maxBuffered) {
      p.dropped += size;
      return false;
    }
    p.socket.send(JSON.stringify(frame));
    return true;
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    const records = this.#queue;
    const lost = this.#overflow;
    this.#queue = [];
    this.#overflow = 0;
    if (records.length === 0 && lost === 0) return;
    for (const p of this.#pages) {
      const frame: InspectorFrame = { type: 'records', records, dropped: p.dropped + lost };
      if (this.#send(p, frame, records.length + lost)) p.dropped = 0;
      else if (p.dropped > 0) this.#watchCatchUp();
    }
  };

  #watchCatchUp(): void {
    if (this.#catchUp !== undefined) return;
    this.#catchUp = setInterval(() => {
      let behind = false;
      for (const p of this.#pages) {
        if (p.dropped === 0) continue;
        if (this.#send(p, { type: 'records', records: [], dropped: p.dropped }, 0)) p.dropped = 0;
        else behind = true;
      }
      if (!behind) {
        clearInterval(this.#catchUp);
        this.#catchUp = undefined;
      }
    }, CATCH_UP_MS);
    this.#catchUp.unref();
  }
}
