import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import { buildRoadNetwork, type RoadNetwork } from '../../engine/travel/network.js';
import { loadRoadEdges, readRoadNetworkInfo } from './road.repository.js';

/**
 * The loaded road network, built once per STORED network — not per data version: service-point and
 * settlement writes bump the data version (a new analysis snapshot) but leave the network as it was, so
 * a country graph is not rebuilt on every write. A re-import changes the road_network row (time, counts),
 * which is the key. One cheap query per snapshot load tells whether it changed.
 */
export class RoadNetworkCache {
  private current: { key: string; network: Promise<RoadNetwork | null> } | null = null;

  constructor(private readonly progress: (line: string) => void = () => {}) {}

  /** The current network, or null when none is loaded. */
  async get(db: Kysely<Database>): Promise<RoadNetwork | null> {
    const info = await readRoadNetworkInfo(db);
    if (info === null) {
      this.current = null;
      return null;
    }
    const key = `${info.importedAt.toISOString()}|${info.edges}|${info.nodes}`;
    if (this.current?.key !== key) {
      const loading = (async () => {
        const started = performance.now();
        const edges = await loadRoadEdges(db);
        if (edges === null || edges.count === 0) return null;
        const loadedMs = performance.now() - started;
        const network = buildRoadNetwork(edges, key);
        this.progress(
          `road network: ${edges.count} edges, ${edges.nodeCount} nodes loaded in ${Math.round(loadedMs)} ms, ` +
            `graph and snapper built in ${Math.round(network.buildMs)} ms (${Math.round(network.graph.bytes() / 1e6)} MB)`,
        );
        return network;
      })();
      this.current = { key, network: loading };
      loading.catch(() => {
        if (this.current?.network === loading) this.current = null;
      });
    }
    return this.current.network;
  }
}
