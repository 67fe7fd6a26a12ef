import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { readDataVersion } from './db/data-version.js';
import type { Database } from './db/tables.js';
import type { AnalysisSnapshot } from './modules/access/snapshot.js';
import { loadSnapshot } from './modules/access/snapshot.js';
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
  const seeding = pool
    .run(snapshot, 'nearestTables', { codes, model: config.travelModel })
    .then((tables) => {
      for (const [i, table] of tables.entries()) snapshot.seedNearestTable(codes[i]!, table);
    })
    // On failure the tables are built lazily on the main thread instead (the same tables).
    .catch(() => {});
  // A thread still booting (just after start) must not hold up requests: then the snapshot is served
  // at once and adopts the tables that have not been built on the main thread meanwhile.
  if (pool.warm) await seeding;
  return snapshot;
}

/**
 * Long-lived services shared by requests: the analysis snapshot (settlements, open points, catalogue
 * and access engine), rebuilt when the data version changes. One cheap version query per request keeps
 * every replica consistent with the database without cross-process messaging.
 */
export class Services {
  private current: Promise<AnalysisSnapshot> | null = null;
  private currentVersion = -1;
  /** The road network, rebuilt only when the stored network changes (not on every data version). */
  readonly roads = new RoadNetworkCache();

  constructor(
    readonly db: Kysely<Database>,
    readonly config: Config,
  ) {
    if (config.limits.analysisWorkers > 0) analysisPoolFor(config.limits.analysisWorkers).warmUp();
  }

  /** The current data version (a counter bumped by every write). */
  dataVersion(): Promise<number> {
    return readDataVersion(this.db);
  }

  /** The snapshot for the current data version (one version query; a reload only after writes). */
  async snapshot(): Promise<AnalysisSnapshot> {
    const version = await this.dataVersion();
    if (!this.current || version !== this.currentVersion) {
      this.currentVersion = version;
      const loading = loadSnapshot(this.db, {
        roads: this.roads,
        use: this.config.network.use,
        network: this.config.network,
      }).then((snapshot) => prewarmNearestTables(snapshot, this.config));
      this.current = loading;
      loading.catch(() => {
        if (this.current === loading) this.current = null;
      });
    }
    return this.current;
  }
}
