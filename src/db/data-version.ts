import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './tables.js';

/**
 * The two write counters of `data_version` (migration 2026-11-30T0007):
 * - `snapshot`: bumped by writes that change what the analysis snapshot is built from (settlements,
 *   service points, catalogue, roads, grid, areas): the snapshot and everything derived from it
 *   (access tables, tiles, map layers) are rebuilt exactly when it changes;
 * - `writes`: bumped by every write (saved scenarios and their audit rows too): cached answers
 *   (the GraphQL response cache) are keyed on it.
 */
export interface DataVersions {
  readonly snapshot: number;
  readonly writes: number;
}

/** The channel the data_version trigger announces every change on (payload `snapshot:writes`), at commit. */
export const DATA_VERSION_CHANNEL = 'serviceatlas_data_version';

/**
 * Bumps the data version inside the writing transaction, so caches rebuild exactly when data changed.
 * `snapshot: false` for writes that change no snapshot input (saved scenarios): only `writes` moves.
 * Returns the snapshot version.
 */
export async function bumpDataVersion(
  trx: Kysely<Database> | Transaction<Database>,
  options: { snapshot?: boolean } = {},
): Promise<number> {
  const row = await trx
    .updateTable('data_version')
    .set(
      options.snapshot === false
        ? { writes: sql<number>`writes + 1` }
        : { version: sql<number>`version + 1`, writes: sql<number>`writes + 1` },
    )
    .where('id', '=', 1)
    .returning('version')
    .executeTakeFirstOrThrow();
  return row.version;
}

/** The snapshot version (what AnalysisSnapshot.version, TileJSON and reports call the data version). */
export async function readDataVersion(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('data_version').select('version').where('id', '=', 1).executeTakeFirst();
  return row?.version ?? 0;
}

/** Both counters, in one query. */
export async function readDataVersions(db: Kysely<Database>): Promise<DataVersions> {
  const row = await db
    .selectFrom('data_version')
    .select(['version', 'writes'])
    .where('id', '=', 1)
    .executeTakeFirst();
  return { snapshot: row?.version ?? 0, writes: row?.writes ?? 0 };
}

/** Where a process learns the current data versions (see versionSourceFor). */
export interface VersionSource {
  /** The versions as committed no earlier than this call (every write that committed before it is counted). */
  read(): Promise<DataVersions>;
  /** Version queries sent to the database so far (tests assert on it; not a timing). */
  readonly queries: number;
  /** How the source knows: 'notified' (no query per request) or 'queried'. */
  readonly kind: 'notified' | 'queried';
}

const newer = (a: DataVersions | null, b: DataVersions): DataVersions =>
  a === null ? b : { snapshot: Math.max(a.snapshot, b.snapshot), writes: Math.max(a.writes, b.writes) };

function parsePayload(payload: string): DataVersions | null {
  const m = /^(\d+):(\d+)$/.exec(payload);
  return m ? { snapshot: Number(m[1]), writes: Number(m[2]) } : null;
}

/**
 * The embedded database: one process holds it (the data directory's lock), so every write to it is made
 * by this process, and the data_version trigger's notification reaches this process's listener when the
 * write commits — before the writer's COMMIT returns (PGlite delivers it while answering the COMMIT).
 * So after the first query the versions are known without asking: exact, with no staleness window.
 */
class NotifiedVersions implements VersionSource {
  readonly kind = 'notified' as const;
  queries = 0;
  #known: DataVersions | null = null;
  #first: Promise<DataVersions> | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  notified(payload: string): void {
    const v = parsePayload(payload);
    if (v) this.#known = newer(this.#known, v);
  }

  read(): Promise<DataVersions> {
    if (this.#known) return Promise.resolve(this.#known);
    if (!this.#first) {
      this.queries++;
      const first = readDataVersions(this.db).then((v) => {
        // A notification that arrived while the query ran is newer than or equal to what it read.
        this.#known = newer(this.#known, v);
        return this.#known;
      });
      this.#first = first;
      first.catch(() => {
        if (this.#first === first) this.#first = null;
      });
    }
    return this.#first;
  }
}

/**
 * A database other processes write to (PostgreSQL): one version query per request, but concurrent
 * requests share one. A caller is given the result of a query that started after it called, so it sees
 * every write committed before its request (two API processes see each other's writes at once); callers
 * arriving while a query runs share the next one.
 */
class QueriedVersions implements VersionSource {
  readonly kind = 'queried' as const;
  queries = 0;
  #running: Promise<DataVersions> | null = null;
  #queued: Promise<DataVersions> | null = null;

  constructor(private readonly db: Kysely<Database>) {}

  read(): Promise<DataVersions> {
    if (!this.#running) return this.#start();
    if (!this.#queued) {
      const queued = this.#running
        .catch(() => {})
        .then(() => {
          this.#queued = null;
          return this.#start();
        });
      this.#queued = queued;
    }
    return this.#queued;
  }

  #start(): Promise<DataVersions> {
    this.queries++;
    const running: Promise<DataVersions> = readDataVersions(this.db).finally(() => {
      if (this.#running === running) this.#running = null;
    });
    this.#running = running;
    return running;
  }
}

const sources = new WeakMap<Kysely<Database>, VersionSource>();

/**
 * Registers a database whose every write this process sees (the embedded PGlite): `listen` subscribes
 * to DATA_VERSION_CHANNEL. Called by createDb before the database is used.
 */
export async function listenForDataVersions(
  db: Kysely<Database>,
  listen: (channel: string, onPayload: (payload: string) => void) => Promise<unknown>,
): Promise<void> {
  const source = new NotifiedVersions(db);
  await listen(DATA_VERSION_CHANNEL, (payload) => source.notified(payload));
  sources.set(db, source);
}

/** The version source of a database: notified (registered embedded databases) or queried (anything else). */
export function versionSourceFor(db: Kysely<Database>): VersionSource {
  let source = sources.get(db);
  if (!source) {
    source = new QueriedVersions(db);
    sources.set(db, source);
  }
  return source;
}
