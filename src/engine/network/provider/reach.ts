import type { FacilitySite } from '../origin-access.js';
import type { OriginsOnEdges } from '../origins-on-edges.js';
import type { RoadNetwork } from '../road-network.js';
import { forEachReached } from '../incremental.js';
import { siteSeeds } from '../origin-access.js';

const EMPTY = new Float64Array(0);

/** Scratch of originsWithin (one per provider state; it does not re-enter itself). */
export interface ReachScratch {
  /** Minutes and km from each node to the current site (Infinity between calls). */
  nodeMinutes: Float64Array;
  nodeKm: Float64Array;
  /** The nodes the current call settled (their slots are reset after it). */
  settled: Int32Array;
  /** The origins found, and (with figures) their minutes and km by origin. */
  found: Int32Array;
  bestMinutes: Float64Array;
  bestKm: Float64Array;
}

/** A scratch for a network of `nodeCount` nodes and `originCount` origins. */
export function reachScratch(nodeCount: number, originCount: number): ReachScratch {
  return {
    nodeMinutes: new Float64Array(nodeCount).fill(Number.POSITIVE_INFINITY),
    nodeKm: new Float64Array(nodeCount).fill(Number.POSITIVE_INFINITY),
    settled: new Int32Array(1024),
    found: new Int32Array(originCount),
    bestMinutes: new Float64Array(originCount),
    bestKm: new Float64Array(originCount),
  };
}

/**
 * The origins a new site serves within the thresholds: one bounded search from the site gives the nodes
 * within the threshold their minutes and km (left in the scratch, reset after); then the origins are read
 * edge by edge (OriginsOnEdges.collect). With `figures`: ascending, with minutes and road km; without, in
 * the order found (no sort).
 */
export function originsWithin(
  network: RoadNetwork,
  site: FacilitySite,
  onEdges: OriginsOnEdges,
  scratch: ReachScratch,
  thresholdMinutes: number,
  thresholdKm: number | null,
  figures: boolean,
): { index: Int32Array; minutes: Float64Array; km: Float64Array } {
  const { nodeMinutes, nodeKm } = scratch;
  let settledCount = 0;
  forEachReached(network.graph, siteSeeds(network.edges, [site]), thresholdMinutes, (x, d, k) => {
    nodeMinutes[x] = d;
    nodeKm[x] = k;
    if (settledCount === scratch.settled.length) {
      const grown = new Int32Array(2 * settledCount);
      grown.set(scratch.settled);
      scratch.settled = grown;
    }
    scratch.settled[settledCount++] = x;
    return true;
  });
  const { found, bestMinutes, bestKm } = scratch;
  const n = onEdges.collect(
    nodeMinutes,
    nodeKm,
    scratch.settled,
    settledCount,
    site,
    thresholdMinutes,
    thresholdKm,
    found,
    figures ? bestMinutes : null,
    figures ? bestKm : null,
  );
  for (let r = 0; r < settledCount; r++) {
    const x = scratch.settled[r]!;
    nodeMinutes[x] = Number.POSITIVE_INFINITY;
    nodeKm[x] = Number.POSITIVE_INFINITY;
  }
  const index = found.slice(0, n);
  if (!figures) return { index, minutes: EMPTY, km: EMPTY };
  index.sort();
  const minutes = new Float64Array(n);
  const km = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    minutes[r] = bestMinutes[index[r]!]!;
    km[r] = bestKm[index[r]!]!;
  }
  return { index, minutes, km };
}
