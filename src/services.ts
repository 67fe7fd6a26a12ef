import type { Kysely } from 'kysely';
import type { Config } from './config.js';
import { readDataVersion } from './db/data-version.js';
import type { Database } from './db/tables.js';
import type { AnalysisSnapshot } from './modules/access/snapshot.js';
import { loadSnapshot } from './modules/access/snapshot.js';
import type { Logger } from './logger.js';
import { WriteRefusals } from './modules/audit/refusals.js';
import { RoadNetworkCache } from './modules/roads/road-network.service.js';

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
  /** Refused writes: logged and counted (GET /metrics). */
  readonly refusals: WriteRefusals;

  constructor(
    readonly db: Kysely<Database>,
    readonly config: Config,
    readonly log: Logger | null = null,
  ) {
    this.refusals = new WriteRefusals(log);
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
      });
      this.current = loading;
      loading.catch(() => {
        if (this.current === loading) this.current = null;
      });
    }
    return this.current;
  }
}
