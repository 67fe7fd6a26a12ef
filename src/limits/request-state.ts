import { AsyncLocalStorage } from 'node:async_hooks';
import type { LimitsConfig } from '../config.js';
import { AppError } from '../errors.js';
import type { HeavyQueue } from './heavy-queue.js';

/**
 * What one GraphQL request may still spend: its deadline (with an AbortSignal that fires at it), its
 * heavy-queue slot, and the bytes of large JSON fields built so far. It travels with the request through
 * AsyncLocalStorage, so resolvers — and later engine loops, through checkBudget() — need no extra argument.
 */
export class RequestState {
  readonly deadline: number;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  /** Bytes of the large JSON values (coverage layers) built for this response so far. */
  responseBytes = 0;
  /** The heavy-queue slot this request holds (one per request however many heavy fields it asks for). */
  private slot: Promise<() => void> | null = null;
  private released = false;
  /** When this request last yielded to the event loop (light analysis fields yield every YIELD_EVERY_MS). */
  private lastYield = performance.now();

  constructor(
    readonly limits: LimitsConfig,
    readonly queue: HeavyQueue,
  ) {
    this.deadline = performance.now() + limits.requestTimeoutMs;
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => this.controller.abort(this.timeoutError()), limits.requestTimeoutMs);
    this.timer.unref();
  }

  timeoutError(): AppError {
    return new AppError(
      'TIMEOUT',
      `The request ran past its time budget of ${this.limits.requestTimeoutMs} ms (requestTimeoutMs); ask for a smaller area, fewer types or fewer fields`,
      { limit: 'requestTimeoutMs', max: this.limits.requestTimeoutMs, http: { status: 503 } },
    );
  }

  /** Throws TIMEOUT once the deadline has passed (a clock check: works inside synchronous loops too). */
  check(): void {
    if (performance.now() > this.deadline) throw this.timeoutError();
  }

  /** True when this request has run YIELD_EVERY_MS since it last yielded to the event loop. */
  yieldDue(): boolean {
    return performance.now() - this.lastYield >= YIELD_EVERY_MS;
  }

  /** Notes a yield to the event loop (see yieldDue). */
  yielded(): void {
    this.lastYield = performance.now();
  }

  /** Waits for this request's heavy slot (taken once, kept until the request ends). */
  async acquireHeavySlot(): Promise<void> {
    this.slot ??= this.queue.acquire(this.signal);
    await this.slot;
  }

  /** Counts bytes of a large value; refuses the response once it would pass maxResponseBytes. */
  addResponseBytes(bytes: number, field: string): void {
    this.responseBytes += bytes;
    const max = this.limits.maxResponseBytes;
    if (this.responseBytes > max) {
      throw new AppError(
        'QUERY_TOO_COMPLEX',
        `The response would exceed ${max} bytes (maxResponseBytes) at ${field}; ask for a smaller bbox, fewer parts or fewer aliases`,
        { limit: 'maxResponseBytes', max, actual: this.responseBytes },
      );
    }
  }

  /** Forgets the bytes counted so far (the query is about to be run again from the start). */
  resetResponseBytes(): void {
    this.responseBytes = 0;
  }

  /** Ends the request: stops the timer and frees its heavy slot. */
  finish(): void {
    clearTimeout(this.timer);
    if (this.released) return;
    this.released = true;
    this.slot?.then(
      (release) => release(),
      () => {},
    );
  }
}

/**
 * How long a request's light analysis fields (below heavyWork, e.g. a page's 500 Settlement.access) may run
 * before one of them yields to the event loop, so /healthz and other requests are served in between.
 */
export const YIELD_EVERY_MS = 10;

const storage = new AsyncLocalStorage<RequestState>();

/** Runs fn with the request state visible to every resolver and checkBudget() it reaches. */
export function runWithRequestState<T>(state: RequestState, fn: () => Promise<T>): Promise<T> {
  return storage.run(state, fn);
}

export function currentRequestState(): RequestState | undefined {
  return storage.getStore();
}

/**
 * The hook for long loops (engine, imports): throws TIMEOUT when the current request's time budget is
 * spent, and does nothing outside a request (CLI, tests). Cheap — one clock read — so call it every few
 * thousand iterations.
 */
export function checkBudget(): void {
  storage.getStore()?.check();
}

/** The current request's abort signal (fires at the deadline), or undefined outside a request. */
export function budgetSignal(): AbortSignal | undefined {
  return storage.getStore()?.signal;
}
