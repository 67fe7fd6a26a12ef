import FlatQueue from 'flatqueue';
import type { RoadGraph } from './graph.js';
import type { FacilitySite } from './origin-access.js';
import type { EdgeSnap } from './snap.js';
import type { RoadEdges } from './types.js';

/**
 * The forward (driving-direction) search from one place to its k nearest points: what `nearest` answers
 * for a location that is not an origin of the labels. Typed arrays per node and per point, reset after
 * each call by the lists of what it touched (a query touches a few hundred nodes of millions).
 */

/** Per-network scratch of {@link forwardSearch} (not re-entrant; one per provider state). */
export class ForwardScratch {
  readonly minutes: Float64Array;
  readonly km: Float64Array;
  readonly settled: Uint8Array;
  touched: Int32Array = new Int32Array(256);
  pointMinutes: Float64Array = new Float64Array(0);
  pointKm: Float64Array = new Float64Array(0);
  found: Int32Array = new Int32Array(0);
  readonly queue = new FlatQueue<number>();

  constructor(nodeCount: number) {
    this.minutes = new Float64Array(nodeCount).fill(Number.POSITIVE_INFINITY);
    this.km = new Float64Array(nodeCount);
    this.settled = new Uint8Array(nodeCount);
  }

  /** Room for `n` points (their slots Infinity). */
  forPoints(n: number): void {
    if (this.pointMinutes.length >= n) return;
    this.pointMinutes = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.pointKm = new Float64Array(n);
    this.found = new Int32Array(n);
  }
}

/**
 * The k nearest points from a snapped location by a forward Dijkstra: a point on edge e at fraction g is
 * reached from e's source after g of the edge, from its target after 1 − g when e is two-way. Stops once
 * the next node is no nearer than the k-th point found. Nearest first; equal minutes by point index.
 */
export function forwardSearch(
  graph: RoadGraph,
  edges: RoadEdges,
  snap: EdgeSnap,
  connectorKmh: number,
  sites: readonly (FacilitySite | null)[],
  byEdge: ReadonlyMap<number, readonly FacilitySite[]>,
  k: number,
  scratch: ForwardScratch,
): { facility: number; minutes: number; km: number }[] {
  scratch.forPoints(sites.length);
  const { minutes: dist, km: distKm, settled, queue } = scratch;
  const { pointMinutes, pointKm, found } = scratch;
  let touchedCount = 0;
  let foundCount = 0;
  /** The k-th smallest found minutes, recomputed only after a point improved (Infinity below k found). */
  let kthMinutes = Number.POSITIVE_INFINITY;
  let kthStale = false;
  const ranked: number[] = [];
  const kth = (): number => {
    if (foundCount < k) return Number.POSITIVE_INFINITY;
    if (kthStale) {
      ranked.length = 0;
      for (let r = 0; r < foundCount; r++) ranked.push(pointMinutes[found[r]!]!);
      ranked.sort((a, b) => a - b);
      kthMinutes = ranked[k - 1]!;
      kthStale = false;
    }
    return kthMinutes;
  };
  const offerPoint = (facility: number, minutes: number, km: number): void => {
    const site = sites[facility]!;
    const total = minutes + site.connectorMinutes;
    const old = pointMinutes[facility]!;
    if (old === Number.POSITIVE_INFINITY) found[foundCount++] = facility;
    else if (!(total < old)) return;
    pointMinutes[facility] = total;
    pointKm[facility] = km + site.connectorKm;
    kthStale = true;
  };
  const push = (node: number, minutes: number, km: number): void => {
    const old = dist[node]!;
    if (old <= minutes) return;
    if (old === Number.POSITIVE_INFINITY) {
      if (touchedCount === scratch.touched.length) {
        const grown = new Int32Array(2 * touchedCount);
        grown.set(scratch.touched);
        scratch.touched = grown;
      }
      scratch.touched[touchedCount++] = node;
    }
    dist[node] = minutes;
    distKm[node] = km;
    queue.push(node, minutes);
  };

  const base = (snap.connectorKm / connectorKmh) * 60;
  const e0 = snap.edge;
  const m0 = edges.minutes[e0]!;
  const len0 = edges.lengthKm[e0]!;
  const twoWay0 = edges.oneway[e0] === 0;
  for (const site of byEdge.get(e0) ?? []) {
    if (site.fraction >= snap.fraction) {
      offerPoint(site.facility, base + (site.fraction - snap.fraction) * m0, site.alongKm - snap.alongKm);
    } else if (twoWay0) {
      offerPoint(site.facility, base + (snap.fraction - site.fraction) * m0, snap.alongKm - site.alongKm);
    }
  }
  push(edges.target[e0]!, base + (1 - snap.fraction) * m0, len0 - snap.alongKm + snap.connectorKm);
  if (twoWay0 || snap.fraction === 0) {
    push(edges.source[e0]!, base + snap.fraction * m0, snap.alongKm + snap.connectorKm);
  }
  while (queue.length > 0) {
    const minutes = queue.peekValue()!;
    const u = queue.pop()!;
    if (settled[u] === 1 || dist[u]! < minutes) continue;
    if (minutes >= kth()) break;
    settled[u] = 1;
    const km = distKm[u]!;
    for (let a = graph.fwdOffset[u]!; a < graph.fwdOffset[u + 1]!; a++) {
      const e = graph.fwdEdge[a]!;
      const v = graph.fwdHead[a]!;
      const m = edges.minutes[e]!;
      const len = edges.lengthKm[e]!;
      const onEdge = byEdge.get(e);
      if (onEdge !== undefined) {
        // The arc drives e forwards when it leaves e's source towards its target.
        const forward = edges.source[e] === u && edges.target[e] === v;
        for (const site of onEdge) {
          const share = forward ? site.fraction : 1 - site.fraction;
          const along = forward ? site.alongKm : len - site.alongKm;
          offerPoint(site.facility, minutes + share * m, km + along);
        }
      }
      push(v, minutes + m, km + len);
    }
  }

  const out: { facility: number; minutes: number; km: number }[] = [];
  for (let r = 0; r < foundCount; r++) {
    const f = found[r]!;
    out.push({ facility: f, minutes: pointMinutes[f]!, km: pointKm[f]! });
    pointMinutes[f] = Number.POSITIVE_INFINITY;
  }
  for (let r = 0; r < touchedCount; r++) {
    const x = scratch.touched[r]!;
    dist[x] = Number.POSITIVE_INFINITY;
    settled[x] = 0;
  }
  queue.clear();
  return out.sort((a, b) => a.minutes - b.minutes || a.facility - b.facility).slice(0, k);
}
