import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { EngineInputError } from '../engine/errors.js';
import { AppError } from '../errors.js';
import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import type { AnalysisJobName, JobArgs, JobResult } from './analysis-jobs.js';
import { ANALYSIS_JOBS } from './analysis-jobs.js';
import type { AnalysisOutcome, AnalysisTask } from './analysis-worker.js';
import { snapshotPayload } from './snapshot-transfer.js';

const WORKER_FILE = new URL('./analysis-worker.mjs', import.meta.url).href;

/** The default pool size: one thread per core beyond the one serving HTTP, at least 1, at most 4. */
export function defaultAnalysisWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/**
 * Runs the heavy analyses (ANALYSIS_JOBS) off the main event loop, on a fixed pool of worker threads
 * (Piscina), so /healthz and light reads are answered while a scenario, site suggestion or closure impact
 * is computed. Each worker keeps the snapshots it has seen (sent once per data version as shared memory,
 * see snapshot-transfer.ts), with their cached access tables. With 0 threads every job runs in-process.
 * A request's abort signal (its time budget) terminates the thread running its job; Piscina replaces it.
 */
export class AnalysisPool {
  private pool: Piscina<AnalysisTask, AnalysisOutcome> | null = null;
  private running = 0;
  private done = 0;
  private received = 0;
  private receiveMs = 0;
  private busyMs = 0;

  constructor(readonly threads: number) {}

  /** Whether a thread has answered a task yet (it is started and has loaded the modules). */
  get warm(): boolean {
    return this.done > 0;
  }

  /**
   * Starts the threads now (a server calls this at start), so the first analysis or snapshot does not
   * wait for a thread to boot and load the engine.
   */
  warmUp(): void {
    if (this.threads === 0 || this.done > 0 || this.running > 0) return;
    this.running++;
    this.ensurePool()
      .run({ job: 'ping', snapshot: null, args: null })
      .then(
        () => this.done++,
        () => {},
      )
      .finally(() => this.running--);
  }

  private ensurePool(): Piscina<AnalysisTask, AnalysisOutcome> {
    this.pool ??= new Piscina<AnalysisTask, AnalysisOutcome>({
      filename: WORKER_FILE,
      minThreads: this.threads,
      maxThreads: this.threads,
      // Threads live as long as the pool: each holds its snapshots and access tables.
      idleTimeout: Number.POSITIVE_INFINITY,
    });
    return this.pool;
  }

  /**
   * Jobs submitted and not yet answered, jobs answered, the snapshots the threads took (a thread takes
   * each snapshot once) with the milliseconds they spent on it, and the milliseconds the answered jobs
   * took on their threads (tests, bench, diagnostics).
   */
  get stats(): {
    threads: number;
    inFlight: number;
    completed: number;
    snapshotsReceived: number;
    receiveMs: number;
    busyMs: number;
  } {
    return {
      threads: this.threads,
      inFlight: this.running,
      completed: this.done,
      snapshotsReceived: this.received,
      receiveMs: this.receiveMs,
      busyMs: this.busyMs,
    };
  }

  async run<K extends AnalysisJobName>(
    snapshot: AnalysisSnapshot,
    job: K,
    args: JobArgs<K>,
    signal?: AbortSignal,
  ): Promise<JobResult<K>> {
    if (this.threads === 0) {
      const inProcess = ANALYSIS_JOBS[job] as (s: AnalysisSnapshot, a: JobArgs<K>) => JobResult<K>;
      return inProcess(snapshot, args);
    }
    const pool = this.ensurePool();
    const task: AnalysisTask = { job, snapshot: snapshotPayload(snapshot), args };
    this.running++;
    let outcome: AnalysisOutcome;
    try {
      outcome = await pool.run(task, signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    } finally {
      this.running--;
      this.done++;
    }
    this.busyMs += outcome.took ?? 0;
    if (outcome.received !== undefined) {
      this.received++;
      this.receiveMs += outcome.received;
    }
    if (outcome.ok) return outcome.value as JobResult<K>;
    if ('appError' in outcome) {
      const { code, message, extensions } = outcome.appError;
      throw new AppError(code, message, extensions);
    }
    throw new EngineInputError(outcome.engineInput);
  }

  /** Stops the threads (tests, shutdown); a later run starts new ones. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.destroy();
  }
}

const pools = new Map<number, AnalysisPool>();

/**
 * The process's pool of a given size: every app in the process (tests open several) shares it, so the
 * threads are started once and bounded by the CPU, not by the number of apps.
 */
export function analysisPoolFor(threads: number): AnalysisPool {
  let pool = pools.get(threads);
  if (!pool) {
    pool = new AnalysisPool(threads);
    pools.set(threads, pool);
  }
  return pool;
}
