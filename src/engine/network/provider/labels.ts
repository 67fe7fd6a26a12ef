import type { EnginePoint } from '../../types.js';
import type { NodeLabels } from '../dijkstra.js';
import { applyDelta, insertFacility, relabelWithout } from '../incremental.js';
import { type FacilitySite, siteSeeds } from '../origin-access.js';
import type { RoadNetwork } from '../road-network.js';

/**
 * The road labels' life cycle apart from the router: the labels kept per network for the next data
 * version, and a point set's labels derived from another's (closures relabelled, additions inserted).
 */

/** A type's labels over a set of points: what a later point set's labels can be derived from. */
export interface BaseLabels {
  points: readonly EnginePoint[];
  sites: readonly (FacilitySite | null)[];
  labels: NodeLabels;
}

/**
 * Per network, each type's latest labels over a data version's own points (never a scenario's), by type
 * and network options: the next data version takes them as they are when the type's points are unchanged
 * (a settlement edit, or a write to another type), or derives its own from them when a few points closed,
 * opened or moved — the nodes that change hands, not a full pass. ~40 bytes per node and type.
 */
export const latestLabels = new WeakMap<RoadNetwork, Map<string, BaseLabels>>();

/**
 * This type's labels from the parent's, when the parent has them and the point sets differ by few
 * points: the parent's closed (or moved) points relabelled away, facility numbers mapped to this
 * engine's, each added point inserted. Equal to a full search (test/engine/network-travel-cost.test.ts).
 */
export function derivedLabels(
  network: RoadNetwork,
  base: BaseLabels,
  newPoints: readonly EnginePoint[],
  sites: readonly (FacilitySite | null)[],
): NodeLabels | null {
  const oldPoints = base.points;
  const key = (p: EnginePoint) => `${p.id}|${p.lon}|${p.lat}`;
  const newIndex = new Map(newPoints.map((p, j) => [key(p), j]));
  // oldToNew[f + 1] = the new facility number of old facility f (−1 → −1: unreached stays unreached).
  const oldToNew = new Int32Array(oldPoints.length + 1).fill(-1);
  const kept = new Uint8Array(newPoints.length);
  const closed: number[] = [];
  oldPoints.forEach((p, f) => {
    const j = newIndex.get(key(p));
    if (j === undefined) {
      if (base.sites[f] !== null) closed.push(f);
    } else {
      oldToNew[f + 1] = j;
      kept[j] = 1;
    }
  });
  const added: FacilitySite[] = [];
  newPoints.forEach((_, j) => {
    const site = sites[j];
    if (kept[j] === 0 && site) added.push(site);
  });
  // Many changes (closing most points, a different point set): one full search is cheaper.
  if (closed.length + added.length > Math.max(8, 0.1 * newPoints.length)) return null;
  // Kept points must keep their relative order, so that ties resolve as a full search would.
  let last = -1;
  for (let f = 0; f < oldPoints.length; f++) {
    const j = oldToNew[f + 1]!;
    if (j < 0) continue;
    if (j < last) return null;
    last = j;
  }
  const { graph, edges } = network;
  const placedBefore = base.sites.filter((s): s is FacilitySite => s !== null);
  const labels =
    closed.length > 0
      ? applyDelta(
          base.labels,
          relabelWithout(graph, base.labels, closed, siteSeeds(edges, placedBefore)),
          true,
        )
      : applyDelta(base.labels, { nodes: new Int32Array(0), ...emptyDelta }, true);
  const { facility1, facility2 } = labels;
  for (let x = 0; x < facility1.length; x++) {
    facility1[x] = oldToNew[facility1[x]! + 1]!;
    facility2[x] = oldToNew[facility2[x]! + 1]!;
  }
  for (const site of added) insertFacility(graph, labels, siteSeeds(edges, [site]));
  return labels;
}

/** Whether two point lists are the same points (ids and positions) in the same order. */
export function samePoints(a: readonly EnginePoint[], b: readonly EnginePoint[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    const p = a[j]!;
    const q = b[j]!;
    if (p.id !== q.id || p.lon !== q.lon || p.lat !== q.lat) return false;
  }
  return true;
}

const emptyDelta = {
  minutes1: new Float64Array(0),
  km1: new Float64Array(0),
  facility1: new Int32Array(0),
  minutes2: new Float64Array(0),
  km2: new Float64Array(0),
  facility2: new Int32Array(0),
};
