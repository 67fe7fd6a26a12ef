/**
 * The embedded PGlite in a worker thread of its own (issue 19: PGlite's SQL ran on the main thread, so a
 * snapshot reload after each write, a dated period's first load and a polygon's PostGIS tests blocked
 * /healthz for up to ~1.3 s). The worker (pglite-worker.ts) owns the instance; this side sends each query
 * with its parameters and gets the rows back, and errors come back with their fields (SQLSTATE `code`,
 * `detail`, `constraint`, …) so the typed error mapping sees what it saw in-process.
 *
 * `@electric-sql/pglite/worker` is not used: it is built for browser workers (`navigator.locks` leader
 * election, `BroadcastChannel`), which Node 20's worker_threads do not have.
 *
 * Transactions stay pinned as before: the Kysely dialect (pglite-dialect.ts) hands out the one connection
 * behind its FIFO lock, and the worker runs queries in the order they arrive.
 */
import { Worker } from 'node:worker_threads';
import type { PgliteQueryable } from './pglite-dialect.js';
import type { PgliteStart } from './pglite-start.js';

const WORKER_FILE = new URL('./pglite-worker.mjs', import.meta.url);

export interface WireError {
  message: string;
  name: string;
  fields: Record<string, unknown>;
}

export type ToWorker =
  | { type: 'query'; id: number; sql: string; parameters: unknown[] }
  | { type: 'listen'; id: number; channel: string }
  | { type: 'dump'; id: number; compression: 'gzip' | 'none' | 'auto' }
  | { type: 'close'; id: number };

export type ToMain =
  | { type: 'say'; line: string }
  | { type: 'ready' }
  | { type: 'failed'; error: WireError }
  | { type: 'result'; id: number; rows: Record<string, unknown>[]; affectedRows?: number }
  | { type: 'dumped'; id: number; bytes: ArrayBuffer }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'notify'; channel: string; payload: string };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

function rebuild(error: WireError): Error {
  const e = new Error(error.message);
  Object.assign(e, error.fields);
  e.name = error.name;
  return e;
}

/** The worker-side PGlite, as far as Serviceatlas uses it. */
export class RemotePglite implements PgliteQueryable {
  private next = 1;
  private pending = new Map<number, { resolve: (m: ToMain) => void; reject: (e: Error) => void }>();
  private listeners = new Map<string, (payload: string) => void>();
  private gone: Error | null = null;
  closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: ToMain) => {
      if (message.type === 'notify') {
        this.listeners.get(message.channel)?.(message.payload);
        return;
      }
      if (!('id' in message)) return;
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.type === 'error') waiter.reject(rebuild(message.error));
      else waiter.resolve(message);
    });
    const fail = (error: Error) => {
      this.gone = error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => {
      this.closed = true;
      fail(new Error(`the embedded database's thread ended (exit code ${code})`));
    });
  }

  /** Starts the worker and PGlite in it; resolves once the database is open. */
  static async start(options: PgliteStart, say: (line: string) => void): Promise<RemotePglite> {
    const loadDataDir = options.loadDataDir ? await options.loadDataDir.arrayBuffer() : undefined;
    const worker = new Worker(WORKER_FILE, {
      workerData: { dataDir: options.dataDir, sharedBuffers: options.sharedBuffers, loadDataDir },
      transferList: loadDataDir ? [loadDataDir] : [],
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (message: ToMain) => {
        if (message.type === 'say') say(message.line);
        else if (message.type === 'ready') done(null);
        else if (message.type === 'failed') done(rebuild(message.error));
      };
      const onError = (error: Error) => done(error);
      const onExit = (code: number) =>
        done(new Error(`the embedded database's thread ended before it opened (exit code ${code})`));
      const done = (error: Error | null) => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (error) void worker.terminate().finally(() => reject(error));
        else resolve();
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    const remote = new RemotePglite(worker);
    worker.on('message', (message: ToMain) => {
      if (message.type === 'say') say(message.line);
    });
    return remote;
  }

  private call(message: WithoutId<ToWorker>): Promise<ToMain> {
    if (this.gone) return Promise.reject(this.gone);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async query<T = Record<string, unknown>>(
    sql: string,
    parameters?: unknown[],
  ): Promise<{ rows: T[]; affectedRows?: number }> {
    const answer = await this.call({ type: 'query', sql, parameters: parameters ?? [] });
    const result = answer as Extract<ToMain, { type: 'result' }>;
    return { rows: result.rows as T[], affectedRows: result.affectedRows };
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<void> {
    this.listeners.set(channel, onPayload);
    await this.call({ type: 'listen', channel });
  }

  async dumpDataDir(compression: 'gzip' | 'none' | 'auto' = 'auto'): Promise<Blob> {
    const answer = (await this.call({ type: 'dump', compression })) as Extract<ToMain, { type: 'dumped' }>;
    return new Blob([answer.bytes]);
  }

  /** Closes PGlite (it flushes the data directory) and ends the thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.gone) await this.call({ type: 'close' });
    } finally {
      this.closed = true;
      await this.worker.terminate();
    }
  }
}
