/**
 * The progress bar: one status line at the bottom of stderr, redrawn in place with `\r` and
 * erase-line, cleared when the request ends. Drawn only when stderr is a terminal.
 */

/** What the status line needs of a stream (process.stderr, or a test double). */
export interface StatusStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

const ERASE_LINE = '\r\x1b[2K';

export interface ProgressView {
  readonly progress: number;
  readonly total?: number | undefined;
  readonly message?: string | undefined;
}

/** A number as shown: integers as they are, others to two decimals at most. */
function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

/**
 * The bar's text for `columns` columns: `label [█████░░░░░]  50%  5/10  message`, or, without a
 * total, `label … 5  message`.
 */
export function renderProgress(label: string, p: ProgressView, columns: number): string {
  const message = p.message === undefined || p.message === '' ? '' : `  ${p.message}`;
  let text: string;
  if (p.total !== undefined && p.total > 0) {
    const ratio = Math.min(1, Math.max(0, p.progress / p.total));
    const size = Math.max(10, Math.min(30, columns - label.length - 30));
    const filled = Math.round(ratio * size);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(size - filled)}`;
    const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
    text = `${label} ${bar} ${percent}  ${num(p.progress)}/${num(p.total)}${message}`;
  } else {
    text = `${label} … ${num(p.progress)}${message}`;
  }
  const chars = [...text];
  return chars.length < columns ? text : `${chars.slice(0, Math.max(0, columns - 2)).join('')}…`;
}

/**
 * The one status line. `log` writes a line above it; `suspend` takes it away while something
 * else uses the terminal (an interactive prompt) and draws it again after.
 */
export class StatusLine {
  readonly #stream: StatusStream;
  #text: string | undefined;
  #drawn = false;
  #suspended = 0;

  constructor(stream: StatusStream) {
    this.#stream = stream;
  }

  /** Whether a status line can be drawn at all (stderr is a terminal). */
  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  get columns(): number {
    return this.#stream.columns ?? 80;
  }

  /** Shows `text` as the status line (replacing what was there). */
  show(text: string): void {
    this.#text = text;
    this.#draw();
  }

  /** Removes the status line for good (until the next `show`). */
  clear(): void {
    this.#text = undefined;
    this.#erase();
  }

  /** Writes `text` (whole lines) above the status line. */
  log(text: string): void {
    this.#erase();
    this.#stream.write(text.endsWith('\n') ? text : `${text}\n`);
    this.#draw();
  }

  /** Takes the status line away while `use` runs, then draws it again. */
  async suspend<T>(use: () => Promise<T>): Promise<T> {
    this.#suspended++;
    this.#erase();
    try {
      return await use();
    } finally {
      this.#suspended--;
      this.#draw();
    }
  }

  #draw(): void {
    if (!this.enabled || this.#text === undefined || this.#suspended > 0) return;
    this.#stream.write(`${ERASE_LINE}${this.#text}`);
    this.#drawn = true;
  }

  #erase(): void {
    if (!this.#drawn) return;
    this.#stream.write(ERASE_LINE);
    this.#drawn = false;
  }
}
