import { AppError } from '../errors.js';

/**
 * A bounded semaphore for heavy analyses (scenarios, site suggestions, closure impact, coverage layers,
 * gap analyses over large areas): at most `concurrency` run, at most `maxWaiting` wait, the rest are
 * refused at once with SERVER_BUSY (HTTP 429, Retry-After) instead of piling up memory and latency.
 */
export class HeavyQueue {
  private running = 0;
  private readonly waiting: { grant: () => void; fail: (e: unknown) => void }[] = [];

  constructor(
    readonly concurrency: number,
    readonly maxWaiting: number,
    /** Seconds a refused client should wait before retrying. */
    readonly retryAfterSeconds = 2,
  ) {}

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /** Resolves with a release function once a slot is free; rejects when the queue is full or on abort. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(this.busyError());
    return new Promise((resolve, reject) => {
      const entry = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        fail: reject,
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  private busyError(): AppError {
    const max = this.maxWaiting;
    return new AppError(
      'SERVER_BUSY',
      `The server is busy: ${this.running} heavy analyses are running and ${this.waiting.length} are waiting (heavyQueue ${max}); retry in ${this.retryAfterSeconds} s`,
      {
        limit: 'heavyQueue',
        max,
        actual: this.waiting.length + 1,
        retryAfterSeconds: this.retryAfterSeconds,
        http: { status: 429, headers: new Map([['retry-after', String(this.retryAfterSeconds)]]) },
      },
    );
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.running--;
    };
  }
}

const queues = new WeakMap<object, HeavyQueue>();

/**
 * The queue of one limits configuration: servers started with the same limits object (one process, one
 * CPU budget) share it, and tests can take its slots to see what a full queue answers.
 */
export function heavyQueueFor(limits: { heavyConcurrency: number; heavyQueue: number }): HeavyQueue {
  let queue = queues.get(limits);
  if (!queue) {
    queue = new HeavyQueue(limits.heavyConcurrency, limits.heavyQueue);
    queues.set(limits, queue);
  }
  return queue;
}
