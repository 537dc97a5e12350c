/**
 * The inspector page's message log: the filter, which finds its text anywhere in a message, and
 * the list, which follows the newest entry unless the user has scrolled up to read older ones.
 *
 * The list is drawn incrementally: new entries are appended, so that what the user reads stays
 * where it is while messages arrive; it is drawn anew only when the session, the filter or the
 * log itself (a new `hello`) changes.
 */
import type { Sanitized } from '../sanitize.js';

/** One entry of a session's log: a message in or out, a stream exception or a diagnostic. */
export interface LogEntry {
  /** Its number on the page, increasing: a later entry has a larger one. */
  readonly n: number;
  readonly t: number;
  readonly direction: 'in' | 'out' | 'exception' | 'diagnostic';
  readonly method: string;
  readonly summary: string;
  readonly body: Sanitized;
}

/** Entries drawn at most while following the newest (older ones are cut from the front). */
const SHOWN_FOLLOWING = 400;
/** Entries drawn at most while the user reads older ones (beyond, the oldest are cut). */
const SHOWN_READING = 5000;
/** How close to its bottom (in CSS pixels) the list counts as at the bottom. */
const BOTTOM_SLACK = 8;

// ------------------------------------------------------------------------------------------------
// The filter.

/** The text the filter searches in each entry, in lower case (made when first searched). */
const searchText = new WeakMap<LogEntry, string>();

/** Every key and every value of `value`, in order: a method, a tool's name, an argument. */
function texts(value: Sanitized, into: string[]): void {
  if (value === null) return;
  if (typeof value !== 'object') {
    into.push(String(value));
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) texts(item, into);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    into.push(key);
    texts(item, into);
  }
}

/**
 * Whether `entry` shows under the filter `wanted`: its text is found, in any case, in the
 * entry's summary, its method, or any key or value of its message (a tool's name, an argument's
 * name or value, a word of a result). An empty filter shows everything.
 */
export function matchesFilter(entry: LogEntry, wanted: string): boolean {
  const needle = wanted.trim().toLowerCase();
  if (needle === '') return true;
  let haystack = searchText.get(entry);
  if (haystack === undefined) {
    const all = [entry.summary, entry.method];
    texts(entry.body, all);
    haystack = all.join('\n').toLowerCase();
    searchText.set(entry, haystack);
  }
  return haystack.includes(needle);
}

// ------------------------------------------------------------------------------------------------
// The list.

/** What the log view is given to draw with. */
export interface LogViewParts {
  /** The scrolling box the entries are drawn in. */
  readonly box: HTMLElement;
  /** The filter's input (the `follow` button is put after it). */
  readonly filter: HTMLInputElement;
  /** Draws one entry (`t0`: the time entries are shown relative to; `open`: expanded). */
  readonly drawEntry: (entry: LogEntry, t0: number, open: boolean) => HTMLElement;
}

/** One entry as drawn. */
interface Drawn {
  readonly entry: LogEntry;
  node: HTMLElement;
  open: boolean;
}

/**
 * The log of the selected session. It follows the newest entry (keeps the list scrolled to its
 * bottom as entries arrive) until the user scrolls up; then what they read stays in place,
 * however many entries arrive, and the `follow` control shows. Back at the bottom (by scrolling,
 * or with the control) it follows again.
 */
export class LogView {
  readonly #parts: LogViewParts;
  /** Whether the list is kept at its newest entry. */
  #following = true;
  /** The list's scroll position when it was last put at its bottom. */
  #pinnedTop = 0;
  /** What the drawn list shows: the session, the log (a new one after a `hello`), the filter. */
  #session: string | undefined;
  #log: readonly LogEntry[] | undefined;
  #wanted = '';
  /** The time of the list's first entry (unknown while the list is empty). */
  #t0: number | undefined;
  /** The entries drawn, oldest first. */
  #drawn: Drawn[] = [];
  /** The note that leads the list when older entries that match are not drawn. */
  readonly #earlier: HTMLElement;
  /**
   * `#follow`, shown while the user reads older entries: a click goes back to the newest and
   * follows.
   */
  readonly #follow: HTMLButtonElement;

  constructor(parts: LogViewParts) {
    this.#parts = parts;
    this.#earlier = document.createElement('div');
    this.#earlier.className = 'empty';
    this.#follow = document.createElement('button');
    this.#follow.type = 'button';
    this.#follow.id = 'follow';
    this.#follow.title = 'Back to the newest entry, and follow';
    this.#follow.textContent = 'newest ↓';
    this.#follow.hidden = true;
    parts.filter.after(this.#follow);
    parts.box.addEventListener('scroll', () => {
      // By the user, or by the list keeping its place: at the bottom it follows, elsewhere the
      // user reads.
      this.#setFollowing(this.#atBottom());
    });
    this.#follow.addEventListener('click', () => {
      this.#setFollowing(true);
      this.#pin();
    });
  }

  /**
   * Shows `log`, the entries of `session`, under the filter, expanding the entries numbered in
   * `expanded`: appends what arrived since the last call, or draws anew when the session, the
   * log or the filter changed.
   */
  render(
    session: string | undefined,
    log: readonly LogEntry[],
    expanded: ReadonlySet<number>,
  ): void {
    const { box } = this.#parts;
    const wanted = this.#parts.filter.value.trim();
    // A scroll up not yet reported (scroll events come once a frame).
    if (this.#following && box.scrollTop < this.#pinnedTop - 1 && !this.#atBottom()) {
      this.#setFollowing(false);
    }
    if (session !== this.#session || log !== this.#log || wanted !== this.#wanted) {
      // Another list: shown from its newest entry.
      this.#setFollowing(true);
      this.#session = session;
      this.#log = log;
      this.#wanted = wanted;
      this.#t0 = undefined;
      this.#drawn = [];
      box.replaceChildren();
    }
    this.#append(log, wanted, expanded);
    this.#openOrClose(expanded);
    this.#trim();
    this.#noteEarlier(log, wanted);
    if (this.#following) this.#pin();
  }

  /** Draws the entries of `log` newer than the last drawn that match the filter. */
  #append(log: readonly LogEntry[], wanted: string, expanded: ReadonlySet<number>): void {
    const last = this.#drawn[this.#drawn.length - 1]?.entry.n ?? -Infinity;
    let from = log.length;
    while (from > 0 && (log[from - 1]?.n ?? -Infinity) > last) from--;
    // A new list draws no more than it keeps.
    if (this.#drawn.length === 0) {
      let matching = 0;
      let start = log.length;
      while (start > from && matching < SHOWN_FOLLOWING) {
        start--;
        const entry = log[start];
        if (entry !== undefined && matchesFilter(entry, wanted)) matching++;
      }
      from = start;
    }
    // The list may have been empty when it was first drawn: its first entry sets the origin.
    this.#t0 ??= log[0]?.t;
    const { box, drawEntry } = this.#parts;
    for (let i = from; i < log.length; i++) {
      const entry = log[i];
      if (entry === undefined || !matchesFilter(entry, wanted)) continue;
      const open = expanded.has(entry.n);
      const node = drawEntry(entry, this.#t0 ?? entry.t, open);
      box.append(node);
      this.#drawn.push({ entry, node, open });
    }
  }

  /** Redraws the entries expanded or collapsed since they were drawn. */
  #openOrClose(expanded: ReadonlySet<number>): void {
    for (const drawn of this.#drawn) {
      const open = expanded.has(drawn.entry.n);
      if (open === drawn.open) continue;
      const node = this.#parts.drawEntry(drawn.entry, this.#t0 ?? drawn.entry.t, open);
      drawn.node.replaceWith(node);
      drawn.node = node;
      drawn.open = open;
    }
  }

  /**
   * Cuts the oldest entries drawn beyond what is kept (fewer while following), keeping the
   * entries in view where they are.
   */
  #trim(): void {
    const kept = this.#following ? SHOWN_FOLLOWING : SHOWN_READING;
    const cut = this.#drawn.length - kept;
    if (cut <= 0) return;
    const { box } = this.#parts;
    const anchor = this.#drawn[cut]?.node;
    const before = anchor?.offsetTop ?? 0;
    for (const drawn of this.#drawn.slice(0, cut)) drawn.node.remove();
    this.#drawn = this.#drawn.slice(cut);
    if (!this.#following && anchor !== undefined) box.scrollTop -= before - anchor.offsetTop;
  }

  /** Says, at the top of the list, how many older entries that match are not drawn. */
  #noteEarlier(log: readonly LogEntry[], wanted: string): void {
    const first = this.#drawn[0]?.entry.n;
    let count = 0;
    if (first !== undefined) {
      for (const entry of log) {
        if (entry.n >= first) break;
        if (matchesFilter(entry, wanted)) count++;
      }
    }
    const { box } = this.#parts;
    if (count === 0) {
      this.#earlier.remove();
      return;
    }
    this.#earlier.textContent = `${count} earlier entries not shown`;
    if (this.#earlier.isConnected) return;
    box.prepend(this.#earlier);
    // Put above what the user reads: keep that in place.
    if (!this.#following) box.scrollTop += this.#earlier.offsetHeight;
  }

  #atBottom(): boolean {
    const { box } = this.#parts;
    return box.scrollHeight - box.scrollTop - box.clientHeight <= BOTTOM_SLACK;
  }

  /** Scrolls to the newest entry. */
  #pin(): void {
    const { box } = this.#parts;
    box.scrollTop = box.scrollHeight;
    this.#pinnedTop = box.scrollTop;
  }

  #setFollowing(following: boolean): void {
    this.#following = following;
    this.#follow.hidden = following;
  }
}
