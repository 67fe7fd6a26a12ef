import type { PGlite } from '@electric-sql/pglite';
import type { LogEvent } from 'kysely';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { AcquireOptions, DataDirLock } from './data-dir-lock.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { listenForDataVersions } from './data-version.js';
import { timing } from '../timings.js';
import { pgliteDialect } from './pglite-dialect.js';
import { RemotePglite } from './pglite-remote.js';
import { startPglite } from './pglite-start.js';
import type { Database } from './tables.js';

export type Backend = 'pglite' | 'postgres';

export interface DbHandle {
  db: Kysely<Database>;
  backend: Backend;
  /** The embedded database in this thread; undefined on a server or when it runs in its worker. */
  pglite?: PGlite;
  /** A dump of the embedded database's data directory (tests' template); undefined on a server. */
  dumpDataDir?: (compression?: 'gzip' | 'none' | 'auto') => Promise<Blob>;
  /** The data directory's one-writer lock (embedded database on disk only). */
  lock?: DataDirLock;
  close(): Promise<void>;
}

export interface CreateDbOptions {
  /** A PostgreSQL + PostGIS server; when absent the embedded PGlite is used. */
  databaseUrl?: string;
  /** Where the embedded database lives; undefined = in memory. */
  dataDir?: string;
  /** A dumped data directory (tar or tar.gz) to start the embedded database from (tests). */
  loadDataDir?: Blob;
  /** Called with every executed query (counting round trips in tests, logging). */
  onQuery?: (event: LogEvent) => void;
  /** Progress lines for slow steps (first start of the embedded database). */
  progress?: (line: string) => void;
  /**
   * Who is opening the data directory and how long to wait for its lock (default: refuse after 5 s).
   * Only for `dataDir`: a PostgreSQL server (DATABASE_URL) handles concurrent writers itself.
   */
  lock?: Partial<AcquireOptions>;
  /**
   * The embedded database's shared_buffers for this process (e.g. `16MB`; default: the cluster's, 128 MB).
   * A CLI command reads each row once: a small pool saves ~130 MB of resident memory.
   */
  sharedBuffers?: string;
  /**
   * Run the embedded database in a worker thread of its own (pglite-remote.ts), so its SQL does not block
   * the event loop. Default: SERVICEATLAS_PGLITE_WORKER=on.
   */
  pgliteWorker?: boolean;
}

const DEFAULT_LOCK_WAIT_MS = 5_000;

/** One Kysely code path over either backend: a pg Pool (DATABASE_URL) or an embedded PGlite with PostGIS. */
export async function createDb(options: CreateDbOptions): Promise<DbHandle> {
  const log = options.onQuery;
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle client can be cut off by the server (restart, failover, DROP DATABASE … FORCE); pg emits
    // that on the pool, and an unhandled 'error' would crash the process. The pool replaces the client.
    pool.on('error', (error) => options.progress?.(`database connection lost: ${error.message}`));
    // A client in use (checked out for a query or a transaction) has no pool listener: pg-pool removes it
    // on acquire, so a connection cut off mid-query (a restart) raised an uncaught 'error' that would
    // crash the process. The query itself fails with the same error (the request gets it); this listener
    // only keeps the process up, and the pool discards the broken client on release.
    pool.on('connect', (client) => {
      client.on('error', (error) => options.progress?.(`database connection lost: ${error.message}`));
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log });
    return { db, backend: 'postgres', close: () => db.destroy() };
  }
  const say = options.progress ?? (() => {});
  // The lock comes before PGlite touches the directory: a second opener must never get as far as reading it.
  const lock = options.dataDir
    ? await acquireDataDirLock(options.dataDir, {
        command: 'open',
        waitMs: DEFAULT_LOCK_WAIT_MS,
        onStale: (holder) =>
          say(`Taking over the lock of ${options.dataDir}: its holder (pid ${holder?.pid ?? '?'}) is gone.`),
        ...options.lock,
      })
    : undefined;
  try {
    return await openPglite(options, lock, say);
  } catch (error) {
    lock?.release();
    throw error;
  }
}

async function openPglite(
  options: CreateDbOptions,
  lock: DataDirLock | undefined,
  say: (line: string) => void,
): Promise<DbHandle> {
  const log = options.onQuery;
  const start = {
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    sharedBuffers: options.sharedBuffers,
  };
  const inWorker = options.pgliteWorker ?? process.env.SERVICEATLAS_PGLITE_WORKER === 'on';
  timing('PGlite and PostGIS modules imported');
  if (inWorker) {
    const remote = await RemotePglite.start(start, say);
    timing('PGlite started in its worker (WASM, PostGIS, data directory)');
    const db = new Kysely<Database>({ dialect: pgliteDialect(remote), log });
    await listenForDataVersions(db, (channel, onPayload) => remote.listen(channel, onPayload));
    return {
      db,
      backend: 'pglite',
      lock,
      dumpDataDir: (compression) => remote.dumpDataDir(compression),
      close: async () => {
        try {
          await db.destroy();
          await remote.close();
        } finally {
          lock?.release();
        }
      },
    };
  }
  const pglite = await startPglite(start, say);
  timing('PGlite started (WASM, PostGIS, data directory)');
  const db = new Kysely<Database>({ dialect: pgliteDialect(pglite), log });
  // One process holds the embedded database, so it learns of every write from the data_version
  // trigger's notification, at commit, instead of a version query per request. Subscribed before the
  // database is used, so the LISTEN cannot fall inside someone's transaction.
  await listenForDataVersions(db, (channel, onPayload) => pglite.listen(channel, onPayload));
  return {
    db,
    backend: 'pglite',
    pglite,
    lock,
    dumpDataDir: (compression) => pglite.dumpDataDir(compression),
    close: async () => {
      try {
        // destroy() waits for the transactions in flight (the dialect's pool end), then PGlite flushes.
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        lock?.release();
      }
    },
  };
}
