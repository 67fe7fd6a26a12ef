import { hilbertOrder } from '../spatial-index.js';
import type { RoadEdges } from './types.js';

/**
 * The same network with its nodes renumbered along a Hilbert curve over their positions, so that nodes
 * close on the ground get close numbers. Edges keep their order, ids, geometry and costs; only the node
 * numbers in `source`/`target` and the rows of `nodeLonLat` move.
 *
 * Why: a Dijkstra wavefront touches each settled node's per-node state (labels, CSR offsets, arcs) and
 * its neighbours'. On a country graph that state is far larger than the CPU caches, so the pass's time is
 * made of cache misses, and their number depends on how far apart neighbours are in memory. Node numbers
 * as stored (OpenStreetMap node ids, i.e. roughly the order things were mapped in) scatter neighbours
 * over the whole array; along a Hilbert curve most neighbours share cache lines with nodes settled just
 * before. bench/network.bench.ts measures both orders on the same graph.
 *
 * @returns the renumbered edges and `newOf`: newOf[old node] = new node.
 * @example const { edges: local } = renumberNodesForLocality(loaded); RoadGraph.build(local)
 */
export function renumberNodesForLocality(edges: RoadEdges): { edges: RoadEdges; newOf: Int32Array } {
  const n = edges.nodeCount;
  const lons = new Float64Array(n);
  const lats = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lons[i] = edges.nodeLonLat[2 * i]!;
    lats[i] = edges.nodeLonLat[2 * i + 1]!;
  }
  const order = n > 0 ? hilbertOrder(lons, lats) : new Uint32Array(0);
  const newOf = new Int32Array(n);
  for (let k = 0; k < n; k++) newOf[order[k]!] = k;
  const nodeLonLat = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const j = newOf[i]!;
    nodeLonLat[2 * j] = lons[i]!;
    nodeLonLat[2 * j + 1] = lats[i]!;
  }
  const source = new Int32Array(edges.count);
  const target = new Int32Array(edges.count);
  for (let e = 0; e < edges.count; e++) {
    source[e] = newOf[edges.source[e]!]!;
    target[e] = newOf[edges.target[e]!]!;
  }
  return { edges: { ...edges, source, target, nodeLonLat }, newOf };
}
