/**
 * Access tables shared between API replicas through the database (issue 23: "snapshots shared, not
 * rebuilt N times"). The expensive part of a data version's analysis snapshot is its per-type nearest
 * tables (seconds per type on a country road network); the rows themselves are one SQL read. So the first
 * replica to build a type's table for a set of inputs stores it in `shared_access_tables` on the primary
 * (the table cache's file format, in 1 MiB bytea chunks); streaming replication carries it to the standbys,
 * and every other replica loads it from where it reads instead of building it.
 *
 * Why the database and not a shared directory: the replicas of a real deployment run on several machines
 * that already share exactly one thing, the PostgreSQL primary and its standbys. A directory shared
 * between machines (NFS, EFS) is one more piece of infrastructure to run, secure and keep consistent, and
 * it does not follow a standby's replay: a replica reading from a standby finds the tables there once the
 * standby has the data they were built from, through the same WAL. (One machine, several processes: the
 * table cache directory, SERVICEATLAS_TABLE_CACHE, can already be one directory for all of them.)
 *
 * Keys: a table is stored under the table cache's fingerprint of exactly what it was built from (the
 * origins, the type's open points in order, its threshold, the travel model, the road network), not the
 * data version alone: a write that changes nothing a type reads keeps that type's table, and a table
 * built under another travel model is never picked up. The data version is recorded beside it, for
 * pruning. A stored file carries its key again and a SHA-256 of its body: a corrupt, truncated or
 * mismatching entry is ignored and the type built (and stored again). Per type the newest `keep` keys are
 * kept (default 2: the current version and the one before, which a lagging standby may still serve).
 *
 * Building once: replicas that miss the same tables (all of them, right after a write) take a session
 * advisory lock on the primary named by the set of missing keys; one builds and stores, the others wait,
 * loading what appears, and build themselves only if the holder neither finishes nor dies within `waitMs`
 * (a replica that dies drops its connection and with it the lock). PostgreSQL only: the embedded database
 * is one process (its table cache directory is enough).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { TravelModel } from '../../engine/types.js';
import type { AnalysisSnapshot } from './snapshot.js';
import { TableKeys, decodeTable, encodeTable } from './table-cache.js';

export const CHUNK_BYTES = 1 << 20;

export interface SharedTablesOptions {
  /** Keys kept per type (newest data versions first). */
  keep?: number;
  /** How long a replica waits for another one building the same tables before building them itself. */
  waitMs?: number;
  /** How often a waiting replica looks for the tables. */
  pollMs?: number;
}

/** What happened to a snapshot's missing tables. */
export interface SharedOutcome {
  loaded: string[];
  built: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SharedTables {
  /** Types loaded, built and stored by this process, and entries rejected (corrupt or mismatching). */
  readonly counts = { loaded: 0, built: 0, stored: 0, rejected: 0 };
  private readonly options: Required<SharedTablesOptions>;
  /** Keys this process loaded or stored (no second write). */
  private readonly known = new Set<string>();
  private readonly keys = new WeakMap<AnalysisSnapshot, TableKeys>();
  /** Keys whose stored entry was found corrupt or mismatching: replaced when this process stores them. */
  private readonly rejected = new Set<string>();

  constructor(
    private readonly primary: Kysely<Database>,
    options: SharedTablesOptions = {},
  ) {
    this.options = { keep: 2, waitMs: 120_000, pollMs: 100, ...options };
  }

  private keysOf(snapshot: AnalysisSnapshot): TableKeys {
    let keys = this.keys.get(snapshot);
    if (!keys) {
      keys = new TableKeys(snapshot);
      this.keys.set(snapshot, keys);
    }
    return keys;
  }

  /** key → type code of the snapshot's types whose nearest table is not built yet. */
  private missing(snapshot: AnalysisSnapshot, model: TravelModel): Map<string, string> {
    const keys = this.keysOf(snapshot);
    const out = new Map<string, string>();
    for (const { code } of snapshot.catalogue)
      if (!snapshot.hasNearestTable(code)) out.set(keys.key(code, model), code);
    return out;
  }

  /** Seeds the snapshot with the stored tables of its missing types found on `db`; the codes loaded. */
  async load(snapshot: AnalysisSnapshot, model: TravelModel, db: Kysely<Database>): Promise<string[]> {
    const wanted = this.missing(snapshot, model);
    if (wanted.size === 0) return [];
    const rows = await db
      .selectFrom('shared_access_tables')
      .select(['key', 'chunk', 'chunks', 'bytes'])
      .where('key', 'in', [...wanted.keys()])
      .orderBy('key')
      .orderBy('chunk')
      .execute();
    const byKey = new Map<string, typeof rows>();
    for (const row of rows) {
      const list = byKey.get(row.key) ?? [];
      list.push(row);
      byKey.set(row.key, list);
    }
    const loaded: string[] = [];
    const origins = snapshot.settlementSource.length;
    for (const [key, parts] of byKey) {
      const code = wanted.get(key)!;
      const whole = parts.length === parts[0]!.chunks && parts.every((p, i) => p.chunk === i);
      const table = whole ? decodeTable(Buffer.concat(parts.map((p) => p.bytes)), key, origins) : null;
      if (!table) {
        if (!this.rejected.has(key)) this.counts.rejected++;
        this.rejected.add(key);
        continue;
      }
      snapshot.seedNearestTable(code, table);
      this.known.add(key);
      loaded.push(code);
    }
    this.counts.loaded += loaded.length;
    return loaded.sort();
  }

  /**
   * Stores the snapshot's built nearest tables that are not stored yet, each under the model it was built
   * with, and prunes the types' older keys; the codes stored.
   */
  async store(snapshot: AnalysisSnapshot): Promise<string[]> {
    const keys = this.keysOf(snapshot);
    const stored: string[] = [];
    for (const { code } of snapshot.catalogue) {
      const table = snapshot.builtNearestTable(code);
      if (!table) continue;
      const key = keys.key(code, table.model);
      if (this.known.has(key)) continue;
      const file = encodeTable(table, key, snapshot.version);
      const chunks = Math.max(1, Math.ceil(file.byteLength / CHUNK_BYTES));
      const rows = Array.from({ length: chunks }, (_, chunk) => ({
        key,
        chunk,
        chunks,
        service_type: code,
        data_version: snapshot.version,
        bytes: file.subarray(chunk * CHUNK_BYTES, (chunk + 1) * CHUNK_BYTES),
      }));
      const replace = this.rejected.has(key);
      await this.primary.transaction().execute(async (trx) => {
        if (replace) await trx.deleteFrom('shared_access_tables').where('key', '=', key).execute();
        // A replica storing the same key at the same moment: its rows win, these are the same table.
        await trx
          .insertInto('shared_access_tables')
          .values(rows)
          .onConflict((oc) => oc.columns(['key', 'chunk']).doNothing())
          .execute();
        const newest = trx
          .selectFrom('shared_access_tables')
          .select('key')
          .where('service_type', '=', code)
          .where('chunk', '=', 0)
          .orderBy('data_version', 'desc')
          .orderBy('stored_at', 'desc')
          .limit(this.options.keep);
        await trx
          .deleteFrom('shared_access_tables')
          .where('service_type', '=', code)
          .where('key', 'not in', newest)
          .execute();
      });
      this.known.add(key);
      this.rejected.delete(key);
      stored.push(code);
    }
    this.counts.stored += stored.length;
    return stored;
  }

  /**
   * The snapshot's missing tables, built once across replicas: loaded from `read` (where this replica
   * reads) when another replica stored them; else built by `build` under the advisory lock of the missing
   * keys and stored; while another replica holds that lock, waited for.
   */
  async share(
    snapshot: AnalysisSnapshot,
    model: TravelModel,
    read: Kysely<Database>,
    build: () => Promise<void>,
  ): Promise<SharedOutcome> {
    const loaded = await this.load(snapshot, model, read).catch(() => [] as string[]);
    const missing = this.missing(snapshot, model);
    if (missing.size === 0) return { loaded, built: [] };
    const lock = lockId([...missing.keys()]);
    const buildAndStore = async (): Promise<string[]> => {
      await build();
      const built = [...missing.values()].filter((code) => snapshot.hasNearestTable(code));
      this.counts.built += built.length;
      await this.store(snapshot);
      return built.sort();
    };
    const deadline = Date.now() + this.options.waitMs;
    return this.primary.connection().execute(async (conn) => {
      for (;;) {
        const { rows } = await sql<{
          got: boolean;
        }>`SELECT pg_try_advisory_lock(${lock}::bigint) AS got`.execute(conn);
        if (rows[0]?.got) {
          try {
            // The holder before us may have just stored them (the primary has them before any standby).
            loaded.push(...(await this.load(snapshot, model, this.primary)));
            const built = this.missing(snapshot, model).size > 0 ? await buildAndStore() : [];
            return { loaded: loaded.sort(), built };
          } finally {
            await sql`SELECT pg_advisory_unlock(${lock}::bigint)`.execute(conn);
          }
        }
        await sleep(this.options.pollMs);
        loaded.push(...(await this.load(snapshot, model, read).catch(() => [] as string[])));
        if (this.missing(snapshot, model).size === 0) return { loaded: loaded.sort(), built: [] };
        if (Date.now() > deadline) return { loaded: loaded.sort(), built: await buildAndStore() };
      }
    });
  }

  /** Prometheus lines: tables loaded, built and stored by this replica, entries rejected. */
  prometheus(): string {
    const c = this.counts;
    return [
      '# HELP serviceatlas_shared_tables_total Access tables this replica loaded from, built for, or stored in the shared store.',
      '# TYPE serviceatlas_shared_tables_total counter',
      `serviceatlas_shared_tables_total{outcome="loaded"} ${c.loaded}`,
      `serviceatlas_shared_tables_total{outcome="built"} ${c.built}`,
      `serviceatlas_shared_tables_total{outcome="stored"} ${c.stored}`,
      `serviceatlas_shared_tables_total{outcome="rejected"} ${c.rejected}`,
      '',
    ].join('\n');
  }
}

/** A bigint advisory-lock id for a set of keys (60 bits of their hash, as a decimal string). */
function lockId(keys: string[]): string {
  const hash = createHash('sha256')
    .update([...keys].sort().join('\n'))
    .digest('hex');
  return BigInt(`0x${hash.slice(0, 15)}`).toString();
}
