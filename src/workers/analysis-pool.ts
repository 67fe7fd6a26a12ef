import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { EngineInputError } from '../engine/errors.js';
import { DomainError } from '../domain-error.js';
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
 *
 * Each thread is a lane of its own (a one-thread Piscina), so a job can be sent to a chosen thread: a job
 * about one service type goes to the lane that type was first given (types are dealt to the lanes in
 * turn), because that thread keeps the type's road-network labels from the last data version and can take
 * them over instead of running its full passes (NetworkTravelCost.acrossVersions); Piscina itself sends a
 * task to whichever thread is free. Other jobs go to the least busy lane (see chooseLane).
 */
export class AnalysisPool {
  private lanes: Lane[] = [];
  /** The lane each service type was dealt (in the order the types were first seen). */
  private readonly laneOfType = new Map<string, number>();
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
   * wait for a thread to boot and load the engine; resolves once they have answered.
   */
  warmUp(): Promise<void> {
    if (this.warming) return this.warming;
    if (this.threads === 0 || this.done > 0 || this.running > 0) return Promise.resolve();
    const pings = this.ensureLanes().map((lane) => {
      this.running++;
      return lane.piscina
        .run({ job: 'ping', snapshot: null, args: null })
        .then(
          () => {
            this.done++;
          },
          () => {},
        )
        .finally(() => this.running--);
    });
    this.warming = Promise.all(pings).then(() => {});
    return this.warming;
  }
  /** The threads' first answers (resolves when every thread has started, or failed to). */
  private warming: Promise<void> | null = null;

  /** The lanes, started on first use. */
  private ensureLanes(): Lane[] {
    if (this.lanes.length === 0) {
      this.lanes = Array.from({ length: this.threads }, () => ({
        piscina: new Piscina<AnalysisTask, AnalysisOutcome>({
          filename: WORKER_FILE,
          minThreads: 1,
          maxThreads: 1,
          // Threads live as long as the pool: each holds its snapshots, access tables and labels.
          idleTimeout: Number.POSITIVE_INFINITY,
        }),
        queued: 0,
      }));
    }
    return this.lanes;
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
    const lanes = this.ensureLanes();
    const lane =
      lanes[
        chooseLane(
          this.laneOfType,
          lanes.map((l) => l.queued),
          typeOf(args),
        )
      ]!;
    const task: AnalysisTask = { job, snapshot: snapshotPayload(snapshot), args };
    this.running++;
    lane.queued++;
    let outcome: AnalysisOutcome;
    try {
      outcome = await lane.piscina.run(task, signal ? { signal } : {});
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    } finally {
      lane.queued--;
      this.running--;
      this.done++;
    }
    this.busyMs += outcome.took ?? 0;
    if (outcome.received !== undefined) {
      this.received++;
      this.receiveMs += outcome.received;
    }
    if (outcome.ok) return outcome.value as JobResult<K>;
    if ('domainError' in outcome) {
      const { code, message, field } = outcome.domainError;
      throw new DomainError(code, message, field);
    }
    throw new EngineInputError(outcome.engineInput);
  }

  /** Stops the threads (tests, shutdown); a later run starts new ones. */
  async close(): Promise<void> {
    const lanes = this.lanes;
    this.lanes = [];
    this.warming = null;
    await Promise.all(lanes.map((lane) => lane.piscina.destroy()));
  }
}

/**
 * The lane for a job, given each lane's jobs not yet answered: a job about one service type goes to the
 * lane the type was dealt (types are dealt to the lanes in turn, in the order first seen, and keep their
 * lane); a job about no single type goes to the least busy lane (the first of equals). A type's job waits
 * for its own lane even when another is idle: sent elsewhere it would run the type's full passes there
 * (seconds on a country network) where its own thread takes the labels over, and a burst of jobs (a new
 * data version's nine tables) is spread evenly by the dealing anyway.
 * @example chooseLane(new Map(), [0, 0], 'SCHOOL') // 0; then 'PHARMACY' → 1, 'SCHOOL' → 0 again
 */
export function chooseLane(
  laneOfType: Map<string, number>,
  queued: readonly number[],
  type: string | null,
): number {
  let least = 0;
  for (let i = 1; i < queued.length; i++) if (queued[i]! < queued[least]!) least = i;
  if (type === null) return least;
  let own = laneOfType.get(type);
  if (own === undefined) {
    own = laneOfType.size % queued.length;
    laneOfType.set(type, own);
  }
  return own;
}

/** One thread of the pool, and the jobs sent to it and not yet answered. */
interface Lane {
  piscina: Piscina<AnalysisTask, AnalysisOutcome>;
  queued: number;
}

/** The one service type a job is about (`code`, or a single entry of `codes`), else null. */
function typeOf(args: unknown): string | null {
  if (typeof args !== 'object' || args === null) return null;
  const { code, codes } = args as { code?: unknown; codes?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(codes) && codes.length === 1 && typeof codes[0] === 'string') return codes[0];
  return null;
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
