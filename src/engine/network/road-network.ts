import { DEFAULT_CONNECTOR_KMH } from './origin-access.js';
import { RoadGraph } from './graph.js';
import { EdgeSnapper } from './snap.js';
import type { RoadEdges } from './types.js';

/** A road network ready for routing: its edges, the CSR graph and the edge snapper, built once. */
export interface RoadNetwork {
  readonly edges: RoadEdges;
  readonly graph: RoadGraph;
  readonly snapper: EdgeSnapper;
  /** Identity of the stored network (changes when it is re-imported). */
  readonly key: string;
  /** Milliseconds the graph and snapper took to build. */
  readonly buildMs: number;
}

/** Builds the routing graph and the snapper of a network (a country: a second or two). */
export function buildRoadNetwork(edges: RoadEdges, key: string): RoadNetwork {
  const started = performance.now();
  const graph = RoadGraph.build(edges);
  const snapper = new EdgeSnapper(edges);
  return { edges, graph, snapper, key, buildMs: performance.now() - started };
}

export interface NetworkOptions {
  /** A place farther than this from every road (km) is estimated instead. Default 5. */
  maxSnapKm: number;
  /** Speed on the connectors between places and their snapped road points (km/h). Default 20. */
  connectorKmh: number;
  /**
   * false: every data version builds its tables in full instead of deriving them from the last version's
   * (benches compare the two; the answers are the same). Default true.
   */
  tableDeltas?: boolean;
}

export const DEFAULT_NETWORK_OPTIONS: Readonly<NetworkOptions> = Object.freeze({
  maxSnapKm: 5,
  connectorKmh: DEFAULT_CONNECTOR_KMH,
});
