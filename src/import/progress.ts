/**
 * Progress for long imports: a bar on a terminal, a line every 10% in logs and CI, nothing in tests.
 */
import cliProgress from 'cli-progress';

/** Reports how far a long-running step has come. `total` and `tick` share one unit (bytes, records…). */
export interface ProgressReporter {
  /** Begins; `total` ≤ 0 means unknown. */
  start(total: number): void;
  /** Advances by `n` (default 1). */
  tick(n?: number): void;
  /** Ends (idempotent); a line reporter prints its last line. */
  stop(): void;
}

/** Reports nothing: the default for library use and tests. */
export const silentProgress: ProgressReporter = Object.freeze({
  start() {},
  tick() {},
  stop() {},
});

/** Where a reporter writes: stderr, or any stream-like sink. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Writes `<label>: 10%` … `<label>: 100%` as each tenth is passed, so a log gets ten lines, not
 * thousands. With an unknown total it prints only a final count.
 */
export class LineProgressReporter implements ProgressReporter {
  private total = 0;
  private done = 0;
  private printedTenths = 0;
  private running = false;

  constructor(
    private readonly label: string,
    private readonly sink: ProgressSink,
  ) {}

  start(total: number): void {
    this.total = total;
    this.done = 0;
    this.printedTenths = 0;
    this.running = true;
  }

  tick(n = 1): void {
    if (!this.running) return;
    this.done += n;
    if (this.total <= 0) return;
    const tenths = Math.min(10, Math.floor((this.done / this.total) * 10));
    if (tenths > this.printedTenths) {
      this.printedTenths = tenths;
      this.sink.write(`${this.label}: ${tenths * 10}%\n`);
    }
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    if (this.total <= 0) this.sink.write(`${this.label}: done (${this.done})\n`);
    else if (this.printedTenths < 10) this.sink.write(`${this.label}: 100%\n`);
  }
}

/** A cli-progress bar (for a TTY). */
export class BarProgressReporter implements ProgressReporter {
  private readonly bar: cliProgress.SingleBar;
  private running = false;

  constructor(label: string, sink: ProgressSink) {
    this.bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {percentage}% | ETA {eta_formatted}`,
        stream: sink as NodeJS.WritableStream,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(total: number): void {
    this.running = true;
    this.bar.start(Math.max(total, 1), 0);
  }

  tick(n = 1): void {
    if (this.running) this.bar.increment(n);
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.bar.update(this.bar.getTotal());
    this.bar.stop();
  }
}

/**
 * The reporter for a CLI step: a bar when `sink` (default stderr) is a terminal, else lines at 10%.
 *
 * @example
 * const progress = createProgressReporter('Reading tatorter.csv');
 */
export function createProgressReporter(label: string, sink: ProgressSink = process.stderr): ProgressReporter {
  return sink.isTTY ? new BarProgressReporter(label, sink) : new LineProgressReporter(label, sink);
}
