import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Config } from './config.js';
import type { Deps, SnapshotQuery } from './deps.js';
import type { DataVersions } from './db/data-version.js';
import { versionSourceFor } from './db/data-version.js';
import type { Database } from './db/tables.js';
import type { AnalysisSnapshot } from './modules/access/snapshot.js';
import { loadSnapshot } from './modules/access/snapshot.js';
import { hasSettlementVersions } from './modules/settlements/settlement.repository.js';
import type { Logger } from './logger.js';
import { WriteRefusals } from './modules/audit/refusals.js';
import { datedPeriod, validityBoundaries } from './modules/history/validity-dates.js';
import { RoadNetworkCache } from './modules/roads/road-network.service.js';
import { analysisPoolFor } from './workers/analysis-pool.js';

/**
 * Builds a new snapshot's per-type nearest tables (the index searches every access read needs) on the
 * analysis worker pool, so a data-version change does not block the event loop for them; the worker keeps
 * the snapshot for the heavy analyses that follow. Without workers, or if the pool fails, the tables are
 * built lazily on first use as before.
 */
async function prewarmNearestTables(snapshot: AnalysisSnapshot, config: Config): Promise<AnalysisSnapshot> {
  const threads = config.limits.analysisWorkers;
  if (threads === 0 || snapshot.settlements.length === 0) return snapshot;
  const pool = analysisPoolFor(threads);
  const codes = snapshot.catalogue.map((t) => t.code);
  // One job per type, so a pool of several threads builds several types at once (on a country road
  // network a type's table is seconds of work).
  const model = config.travelModel;
  const seeding = Promise.all(
    codes.map((code) =>
      pool
        .run(snapshot, 'nearestTables', { codes: [code], model })
        .then(([table]) => {
          if (table) snapshot.seedNearestTable(code, table);
        })
        // On failure the table is built lazily on the main thread instead (the same table).
        .catch(() => {}),
    ),
  );
  // With a population grid, the resident tables (every square's nearest point: indicators, reports, grid
  // layers) too: over thousands of squares they were the main-thread part of the first report.
  const residents =
    snapshot.grid.length === 0
      ? Promise.resolve()
      : Promise.all(
          codes.map((code) =>
            pool
              .run(snapshot, 'residentTables', { codes: [code], model })
              .then(([table]) => {
                if (table) snapshot.seedResidentTable(code, model, table);
              })
              .catch(() => {}),
          ),
        );
  // A thread still booting (just after start) must not hold up requests: then the snapshot is served
  // at once and adopts the tables that have not been built on the main thread meanwhile.
  if (pool.warm) await Promise.all([seeding, residents]);
  return snapshot;
}

/**
 * Long-lived services shared by requests: the analysis snapshot (settlements, open points, catalogue
 * and access engine), rebuilt when the snapshot version changes (writes to its inputs, not saved
 * scenarios). The versions come from the database's version source (src/db/data-version.ts): on the
 * embedded database from the write notifications (no query), on PostgreSQL from one shared version query
 * per batch of concurrent requests, so every replica sees the other replicas' writes at once.
 */
export class Services {
  private current: Promise<AnalysisSnapshot> | null = null;
  private currentVersion = -1;
  private currentDay = '';
  /** The current snapshot once loaded, with the version and day it was loaded for. */
  private settled: { snapshot: AnalysisSnapshot; version: number; day: string } | null = null;
  /** Current snapshots whose settlements are exactly the stored rows (no dated versions at all). */
  private readonly storedRows = new WeakSet<AnalysisSnapshot>();
  /** Snapshots loaded so far (tests assert that a write reloads it, or does not). */
  snapshotLoads = 0;
  /** Dated (`asOf`) snapshots loaded so far (tests assert that dates of one period share one). */
  datedLoads = 0;
  /** The road network, rebuilt only when the stored network changes (not on every data version). */
  readonly roads = new RoadNetworkCache();
  /** Refused writes: logged and counted (GET /metrics). */
  readonly refusals: WriteRefusals;
  /**
   * Snapshots of past (or future) dates, `version|period` → snapshot (the first date asked of a validity
   * period loads it; every date of the period shares it); a few kept.
   */
  private readonly dated = new LRUCache<string, Promise<AnalysisSnapshot>>({ max: 8 });

  constructor(
    readonly db: Kysely<Database>,
    readonly config: Config,
    readonly log: Logger | null = null,
  ) {
    this.refusals = new WriteRefusals(log);
    if (config.limits.analysisWorkers > 0) void analysisPoolFor(config.limits.analysisWorkers).warmUp();
  }

  /** Both data versions as of now (snapshot inputs; every write). */
  versions(): Promise<DataVersions> {
    return versionSourceFor(this.db).read();
  }

  /** The current snapshot version (a counter bumped by every write to the snapshot's inputs). */
  async dataVersion(): Promise<number> {
    return (await this.versions()).snapshot;
  }

  /**
   * The snapshot for the current data version (a reload only after writes to its inputs, and when
   * the day changes: a point closed from a future date, or opened on one, changes hands at midnight).
   * `known`: versions the caller already read for this request (no second look-up).
   */
  async snapshot(known?: DataVersions): Promise<AnalysisSnapshot> {
    const version = (known ?? (await this.versions())).snapshot;
    const day = new Date().toISOString().slice(0, 10);
    // Versions only grow: a request holding an older reading (read before a write another request has
    // already seen) keeps the newer snapshot rather than reloading the old data.
    const changed = version > this.currentVersion || (known === undefined && version !== this.currentVersion);
    if (!this.current || changed || day !== this.currentDay) {
      this.currentVersion = version;
      this.currentDay = day;
      this.snapshotLoads++;
      const loading = loadSnapshot(this.db, {
        roads: this.roads,
        use: this.config.network.use,
        network: this.config.network,
      }).then(async (snapshot) => {
        // Asked after the snapshot's rows were read: a dated import committing in between makes this say
        // "dated", the safe answer (lists then come from SQL), and the next request reloads anyway.
        if (!(await hasSettlementVersions(this.db))) this.storedRows.add(snapshot);
        const ready = await prewarmNearestTables(snapshot, this.config);
        if (this.current === loading) this.settled = { snapshot: ready, version, day };
        return ready;
      });
      this.current = loading;
      loading.catch(() => {
        if (this.current === loading) this.current = null;
      });
    }
    return this.current;
  }

  /**
   * True when the snapshot's settlements are the stored rows as they are — no settlement has dated
   * versions — so a page of `settlements` without a filter can be served from it, with no SQL.
   */
  hasStoredSettlements(snapshot: AnalysisSnapshot): boolean {
    return this.storedRows.has(snapshot);
  }

  /**
   * The current snapshot if it is loaded already and not older than `version` (today's): for light reads
   * that may use it but must not wait for a load (null: they go to SQL instead).
   */
  loadedSnapshot(version: number): AnalysisSnapshot | null {
    const s = this.settled;
    const day = new Date().toISOString().slice(0, 10);
    return s !== null && s.version >= version && s.day === day ? s.snapshot : null;
  }

  #deps: Deps | null = null;

  /** The use cases' dependencies outside a request (the report, the CLI): the cached snapshots, no viewer. */
  deps(): Deps {
    this.#deps ??= { db: this.db, config: this.config, snapshot: (query) => this.snapshotFor(query) };
    return this.#deps;
  }

  /**
   * The snapshot for a question: the data as it stood on `asOf` (points in service and settlements as they
   * were that day; default today), restricted to the points open at `at` (opening hours) when given.
   * Dated and open-at snapshots are cached, so a report or a comparison of two dates reuses them.
   */
  async snapshotFor(query: SnapshotQuery = {}): Promise<AnalysisSnapshot> {
    let base: AnalysisSnapshot;
    if (query.asOf == null) {
      base = await this.snapshot();
    } else {
      const version = await this.dataVersion();
      // Keyed by the period the date falls in, not the date: a client varying dates gets the snapshots
      // the data can make (one per validity period), not one SQL load per date it sends.
      const key = `${version}|${datedPeriod(await this.boundaries(version), query.asOf)}`;
      let loading = this.dated.get(key);
      if (!loading) {
        this.datedLoads++;
        loading = loadSnapshot(this.db, {
          roads: this.roads,
          use: this.config.network.use,
          network: this.config.network,
          asOf: query.asOf,
        }).then((snapshot) => prewarmNearestTables(snapshot, this.config));
        this.dated.set(key, loading);
        loading.catch(() => this.dated.delete(key));
      }
      base = await loading;
    }
    return query.at == null ? base : base.openAt(query.at);
  }

  /** The validity boundaries of a data version (see datedPeriod), read once per version. */
  private boundaries(version: number): Promise<string[]> {
    if (this.#boundaries?.version !== version) {
      const dates = validityBoundaries(this.db);
      this.#boundaries = { version, dates };
      dates.catch(() => {
        if (this.#boundaries?.dates === dates) this.#boundaries = null;
      });
    }
    return this.#boundaries.dates;
  }
  #boundaries: { version: number; dates: Promise<string[]> } | null = null;
}

export type { SnapshotQuery };
