/** What a progress display writes to: a stream with an optional TTY flag and width. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressOptions {
  /** Total number of units of work. */
  total: number;
  /** Text shown before the bar, e.g. `sampling`. */
  label: string;
  /** Unit name in the counter, e.g. `images`. */
  unit?: string;
  /** Units already done before this run (resumed work): shown, but not used for the rate. */
  initial?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
  /** On a non-TTY stream, the least time between two plain lines, in ms (default 10 s). */
  plainIntervalMs?: number;
}

/** Formats a duration in seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(r).padStart(2, '0')}s`;
  return `${r}s`;
}

/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws one line in place; elsewhere
 * (logs of a cluster job) it prints a plain line at most every `plainIntervalMs` and at the end.
 * The ETA uses the rate of this run only, so resumed work does not make it optimistic.
 */
export class ProgressBar {
  private done: number;
  private readonly start: number;
  private lastPlain = -Infinity;
  private lastDraw = -Infinity;
  private lastLine = '';
  private finished = false;
  /** Extra text after the counter (e.g. the training loss). */
  private detail = '';
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.done = options.initial ?? 0;
    this.start = this.now();
  }

  /** Units done so far (resumed ones included). */
  get completed(): number {
    return this.done;
  }

  /** Records `n` more units done and redraws when useful. */
  tick(n = 1, detail?: string): void {
    this.done += n;
    if (detail !== undefined) this.detail = detail;
    this.render(false);
  }

  /** The line describing the current state (without bar on non-TTY streams). */
  line(): string {
    const { total, label, unit = '' } = this.options;
    const fresh = this.done - (this.options.initial ?? 0);
    const elapsed = (this.now() - this.start) / 1000;
    const rate = elapsed > 0 ? fresh / elapsed : 0;
    const left = total - this.done;
    const eta = rate > 0 ? formatDuration(left / rate) : '?';
    const percent = total > 0 ? Math.floor((100 * this.done) / total) : 100;
    const count = `${this.done}/${total}${unit ? ` ${unit}` : ''}${this.detail ? ` ${this.detail}` : ''}`;
    const speed = rate > 0 ? (rate >= 1 ? `${rate.toFixed(1)}/s` : `${(1 / rate).toFixed(1)}s each`) : '';
    const tail =
      this.done >= total ? `done in ${formatDuration(elapsed)}` : `${speed ? `${speed}, ` : ''}ETA ${eta}`;
    if (this.stream.isTTY) {
      const width = 24;
      const filled = total > 0 ? Math.round((width * this.done) / total) : width;
      const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
      return `${label} [${bar}] ${percent}% ${count} ${tail}`;
    }
    return `${label}: ${count} (${percent}%) ${tail}`;
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.render(true);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private render(force: boolean): void {
    const t = this.now();
    if (this.stream.isTTY) {
      if (!force && t - this.lastDraw < 100) return;
      this.lastDraw = t;
      const columns = this.stream.columns ?? 100;
      this.stream.write(
        `\r${this.line()
          .slice(0, columns - 1)
          .padEnd(Math.min(columns - 1, 80))}`,
      );
      return;
    }
    const interval = this.options.plainIntervalMs ?? 10_000;
    if (!force && t - this.lastPlain < interval) return;
    const line = this.line();
    if (line === this.lastLine) return;
    this.lastPlain = t;
    this.lastLine = line;
    this.stream.write(`${line}\n`);
  }
}
