import type { Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import type { Config } from './config.js';
import type { TravelModel } from './engine/types.js';
import type { Deps, SnapshotQuery } from './deps.js';
import type { DataVersions } from './db/data-version.js';
import { versionSourceFor } from './db/data-version.js';
import type { ReadTarget } from './db/read-replicas.js';
import { ReadRouter, consistentRead } from './db/read-replicas.js';
import type { Database } from './db/tables.js';
import type { AnalysisSnapshot } from './modules/access/snapshot.js';
import { loadSnapshot } from './modules/access/snapshot.js';
import type { SharedTables } from './modules/access/shared-tables.js';
import { TableCache } from './modules/access/table-cache.js';
import { carryOverTables } from './modules/access/next-version.js';
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
async function prewarmNearestTables(
  snapshot: AnalysisSnapshot,
  config: Config,
  built: (seeding: Promise<unknown>) => void = () => {},
  threadsBooting: Promise<void> | null = null,
): Promise<AnalysisSnapshot> {
  const threads = config.limits.analysisWorkers;
  if (threads === 0 || snapshot.settlements.length === 0) return snapshot;
  const pool = analysisPoolFor(threads);
  // Types adopted from the table cache are not built again.
  const codes = snapshot.catalogue.map((t) => t.code).filter((code) => !snapshot.hasNearestTable(code));
  // A server starting: with tables to build, wait for its threads (they build them); with none (a restart
  // whose tables all came from the table cache), the snapshot was read while they booted.
  if (codes.length > 0 && threadsBooting) await threadsBooting;
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
  built(seeding);
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
  /** The snapshot before it: a request read on a standby a version behind gets it (see snapshot()). */
  private previous: { snapshot: AnalysisSnapshot; version: number; day: string } | null = null;
  /** Where reads go: the primary, or a hot standby (DATABASE_READ_URL, src/db/read-replicas.ts). */
  readonly reads: ReadRouter;
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

  /**
   * Set by a server while its analysis threads boot (src/server.ts): a snapshot load with tables to build
   * waits for them; one whose tables all come from the table cache does not.
   */
  threadsBooting: Promise<void> | null = null;

  /** Access tables kept between starts (null: none); see modules/access/table-cache.ts. */
  readonly tables: TableCache | null;

  constructor(
    readonly db: Kysely<Database>,
    readonly config: Config,
    readonly log: Logger | null = null,
    /**
     * `tableCacheDir`: where the table cache lives (null or absent: no cache); `saveTables`: write the
     * tables built off the request path there (a server; a CLI command only reads them); `reads`: the
     * standbys' router (DATABASE_READ_URL), else every read goes to `db`.
     */
    private readonly options: {
      tableCacheDir?: string | null;
      saveTables?: boolean;
      reads?: ReadRouter;
      /** Access tables shared between replicas through the primary (PostgreSQL; see shared-tables.ts). */
      sharedTables?: SharedTables | null;
    } = {},
  ) {
    this.reads = options.reads ?? new ReadRouter(db, [], { maxLagMs: 0, pollMs: 1000 });
    // A standby that replayed a write: the snapshot reloads ahead of the next request.
    if (this.reads.replicated) this.reads.onAdvance = () => this.refresh();
    this.tables = options.tableCacheDir ? new TableCache(options.tableCacheDir) : null;
    this.refusals = new WriteRefusals(log);
    if (config.limits.analysisWorkers > 0) void analysisPoolFor(config.limits.analysisWorkers).warmUp();
  }

  /** The newest versions the primary announced (PostgreSQL write notifications; null: none heard). */
  private announcedVersions: DataVersions | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;

  /**
   * The primary announced a write (src/db/version-listener.ts): with standbys, look at them now (the
   * reload follows when the one reads go to has replayed it: ReadRouter.onAdvance); else reload now.
   */
  announced(versions: DataVersions): void {
    this.announcedVersions = versions;
    if (this.reads.replicated) void this.reads.poll();
    else this.refresh();
  }

  /** Brings the snapshot to the current version in the background (one at a time; a request waits anyway). */
  refresh(): void {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = this.snapshot()
      .then(
        () => {},
        (error: unknown) =>
          this.log?.warn({ err: error }, 'the snapshot could not be reloaded after a write'),
      )
      .finally(() => {
        this.#refreshing = null;
        if (this.#refreshAgain) {
          this.#refreshAgain = false;
          this.refresh();
        }
      });
  }

  /**
   * What /readyz says of versions, without a query: `writes`, the version reads are answered at as last
   * seen (the read standby's replayed version, else the primary's announced one); `snapshot`, the loaded
   * snapshot's version; `announced`, the primary's last notification.
   */
  versionReport(): { writes: number | null; snapshot: number | null; announced: number | null } {
    const announced = this.announcedVersions?.writes ?? null;
    return {
      writes: this.reads.replicated ? this.reads.servingWrites() : announced,
      snapshot: this.settled?.version ?? null,
      announced,
    };
  }

  /** Both data versions as of now (snapshot inputs; every write). */
  async versions(): Promise<DataVersions> {
    return (await this.read()).versions;
  }

  /**
   * The read target for a request and the versions on it: a standby (or the primary), holding at least
   * `minWrites` (read-your-writes) and never older than what this process has served.
   */
  read(minWrites = 0): Promise<{ target: ReadTarget; versions: DataVersions }> {
    return this.reads.versionsOn((db) => versionSourceFor(db).read(), minWrites);
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
  async snapshot(known?: DataVersions, target?: ReadTarget): Promise<AnalysisSnapshot> {
    let from = target;
    let versions = known;
    if (!versions) ({ versions, target: from } = await this.read());
    from ??= this.reads.pick();
    const version = versions.snapshot;
    const day = new Date().toISOString().slice(0, 10);
    // A request read a version behind the current snapshot (a standby, while this process moved on to a
    // newer one): the previous snapshot, when it is that version, keeps its pages and analyses agreeing.
    if (known && version < this.currentVersion) {
      const same = [this.settled, this.previous].find((s) => s?.version === version && s.day === day);
      if (same) return same.snapshot;
    }
    // Versions only grow: a request holding an older reading (read before a write another request has
    // already seen) keeps the newer snapshot rather than reloading the old data.
    const changed = version > this.currentVersion || (known === undefined && version !== this.currentVersion);
    if (!this.current || changed || day !== this.currentDay) {
      this.currentVersion = version;
      this.currentDay = day;
      this.snapshotLoads++;
      // With standbys, one REPEATABLE READ transaction on one database: the version and every row at once.
      // The last version's snapshot (today's): its settlements and unchanged types' tables carry over.
      const last = this.settled?.day === day ? this.settled.snapshot : null;
      const load = (on: ReadTarget) =>
        consistentRead(on.db, this.reads.replicated, async (db) => {
          const snapshot = await loadSnapshot(db, {
            roads: this.roads,
            use: this.config.network.use,
            network: this.config.network,
            previous: last,
            regions: this.partition,
          });
          // Asked after the snapshot's rows were read: a dated import committing in between makes this say
          // "dated", the safe answer (lists then come from SQL), and the next request reloads anyway.
          if (this.config.regions.length === 0 && !(await hasSettlementVersions(db)))
            this.storedRows.add(snapshot);
          return snapshot;
        });
      // A standby that fails the load (gone, or a query cancelled by replay) is set aside; the primary loads.
      const primary = this.reads.primary;
      let loadedFrom = from;
      const loading = load(from)
        .catch((error: unknown) => {
          if (from === primary) throw error;
          this.reads.failed(from, error);
          loadedFrom = primary;
          return load(primary);
        })
        .then(async (snapshot) => {
          if (last && last.version < snapshot.version) {
            const carried = carryOverTables(last, snapshot, this.config.travelModel);
            if (carried.reused.length + carried.derived.length > 0)
              this.log?.debug({ version: snapshot.version, ...carried }, 'access tables carried over');
          }
          const adopted = (await this.tables?.adopt(snapshot, this.config.travelModel).catch(() => [])) ?? [];
          if (adopted.length > 0)
            this.log?.info(
              { version: snapshot.version, types: adopted },
              'access tables adopted from the table cache',
            );
          await this.shareTables(snapshot, loadedFrom);
          const ready = await prewarmNearestTables(
            snapshot,
            this.config,
            (seeding) => {
              // Written once the types are built, off the request path.
              if (this.tables && this.options.saveTables)
                void seeding.then(() => this.tables?.save(snapshot)).catch(() => {});
            },
            this.threadsBooting,
          );
          if (this.current === loading) {
            if (this.settled && this.settled.version < snapshot.version) this.previous = this.settled;
            this.settled = { snapshot: ready, version: snapshot.version, day };
            this.currentVersion = Math.max(this.currentVersion, snapshot.version);
          }
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
   * With a shared store (PostgreSQL replicas): the snapshot's missing nearest tables loaded from where it
   * was read, or built once across the replicas and stored there (modules/access/shared-tables.ts). A
   * failure costs only the sharing: the tables are then built here as without a store.
   */
  private async shareTables(snapshot: AnalysisSnapshot, from: ReadTarget): Promise<void> {
    const shared = this.options.sharedTables;
    if (!shared || snapshot.settlements.length === 0) return;
    const model = this.config.travelModel;
    const build = async () => {
      let seeding: Promise<unknown> = Promise.resolve();
      await prewarmNearestTables(snapshot, this.config, (s) => {
        seeding = s;
      });
      await seeding;
      // Without analysis threads (or a thread failing), here: the store wants every type.
      for (const { code } of snapshot.catalogue)
        if (!snapshot.hasNearestTable(code)) snapshot.nearestTable(code, model);
    };
    try {
      const { loaded, built } = await shared.share(snapshot, model, from.db, build);
      if (loaded.length > 0 || built.length > 0)
        this.log?.info({ version: snapshot.version, loaded, built }, 'access tables shared between replicas');
      if (built.length > 0 && this.tables && this.options.saveTables)
        void this.tables.save(snapshot).catch(() => {});
    } catch (error) {
      this.log?.warn({ err: error }, 'the shared access tables could not be used; built here');
    }
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
      const { target, versions } = await this.read();
      // Keyed by the period the date falls in, not the date: a client varying dates gets the snapshots
      // the data can make (one per validity period), not one SQL load per date it sends.
      const key = `${versions.snapshot}|${datedPeriod(await this.boundaries(versions.snapshot), query.asOf)}`;
      let loading = this.dated.get(key);
      if (!loading) {
        this.datedLoads++;
        const asOf = query.asOf;
        loading = consistentRead(target.db, this.reads.replicated, (db) =>
          loadSnapshot(db, {
            roads: this.roads,
            use: this.config.network.use,
            network: this.config.network,
            regions: this.partition,
            asOf,
          }),
        ).then((snapshot) => prewarmNearestTables(snapshot, this.config));
        this.dated.set(key, loading);
        loading.catch(() => this.dated.delete(key));
      }
      base = await loading;
    }
    return query.at == null ? base : this.openAt(base, query.at);
  }

  /**
   * What /readyz and /metrics say of a regional partition: the regions held and, once loaded, how many
   * settlements, grid cells and (halo) points its current snapshot holds. Null on a whole instance.
   */
  partitionStatus(): { regions: string[]; settlements?: number; gridCells?: number; points?: number } | null {
    if (this.config.regions.length === 0) return null;
    const s = this.settled?.snapshot;
    if (!s) return { regions: this.config.regions };
    const { settlements, grid, openPoints } = s;
    return {
      regions: this.config.regions,
      settlements: settlements.length,
      gridCells: grid.length,
      points: openPoints.length,
    };
  }

  /** A regional partition's codes and the travel model its halo is drawn for (SERVICEATLAS_REGIONS). */
  get partition(): { codes: readonly string[]; model: TravelModel } {
    return { codes: this.config.regions, model: this.config.travelModel };
  }

  /**
   * The snapshot of the points open at an instant (AnalysisSnapshot.openAt, cached by open set), with its
   * nearest and resident tables built on the analysis workers the first time that open set is seen: a
   * client varying `at` over many distinct open sets built them on the event loop (~1 s each, issue 19).
   * A worker derives the open set from its own copy of the parent (snapshot-transfer's `openAt` payload),
   * so under a road network its labels come from the parent's there, as they would here.
   */
  openAt(base: AnalysisSnapshot, at: Date): Promise<AnalysisSnapshot> | AnalysisSnapshot {
    const child = base.openAt(at);
    if (child === base) return child;
    let ready = this.openSets.get(child);
    if (!ready) {
      this.openSetBuilds++;
      ready = prewarmNearestTables(child, this.config);
      this.openSets.set(child, ready);
    }
    return ready;
  }
  /** Open-set snapshots whose tables are being (or were) built on the workers. */
  private readonly openSets = new WeakMap<AnalysisSnapshot, Promise<AnalysisSnapshot>>();
  /** Open-set snapshots sent to the workers so far (tests). */
  openSetBuilds = 0;

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
