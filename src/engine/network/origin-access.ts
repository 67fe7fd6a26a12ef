import { emptyLabels, type NodeLabels, type Seed } from './dijkstra.js';
import type { EdgeSnap, SnapBatch } from './snap.js';
import type { RoadEdges } from './types.js';

/** Default speed on the connector between an off-road point and its snapped road point (km/h). */
export const DEFAULT_CONNECTOR_KMH = 20;

/**
 * A facility placed on the network: its snap onto an edge plus the connector from the road to the facility
 * itself (its minutes at the connector speed are part of every cost to it).
 */
export interface FacilitySite {
  facility: number;
  edge: number;
  fraction: number;
  alongKm: number;
  connectorKm: number;
  connectorMinutes: number;
}

/**
 * The site of a facility from its snap, its connector travelled at `connectorKmh`.
 * @example const site = facilitySite(3, snapper.snap(p.lon, p.lat, 5)!, 20);
 */
export function facilitySite(
  facility: number,
  snap: EdgeSnap,
  connectorKmh = DEFAULT_CONNECTOR_KMH,
): FacilitySite {
  return {
    facility,
    edge: snap.edge,
    fraction: snap.fraction,
    alongKm: snap.alongKm,
    connectorKm: snap.connectorKm,
    connectorMinutes: connectorMinutesFor(snap.connectorKm, connectorKmh),
  };
}

function connectorMinutesFor(km: number, kmh: number): number {
  if (!(kmh > 0)) throw new RangeError(`connector speed must be positive, got ${kmh} km/h`);
  return (km / kmh) * 60;
}

/**
 * The search seeds of facility sites. A site at fraction f of edge u → v is reached from u by driving f of
 * the edge forwards (seed u: f·minutes, alongKm), and from v only when the edge is two-way (seed v:
 * (1 − f)·minutes, lengthKm − alongKm) or when the site is at its very end (f = 1, on node v); both plus
 * the facility's connector.
 * @example nodeLabels(graph, siteSeeds(graph.edges, sites))
 */
export function siteSeeds(edges: RoadEdges, sites: readonly FacilitySite[]): Seed[] {
  const seeds: Seed[] = [];
  for (const site of sites) {
    const e = site.edge;
    const m = edges.minutes[e]!;
    const len = edges.lengthKm[e]!;
    seeds.push({
      facility: site.facility,
      node: edges.source[e]!,
      minutes: site.fraction * m + site.connectorMinutes,
      km: site.alongKm + site.connectorKm,
    });
    // At fraction 1 the site is ON node v, so v reaches it even on a one-way edge.
    if (edges.oneway[e] === 0 || site.fraction === 1) {
      seeds.push({
        facility: site.facility,
        node: edges.target[e]!,
        minutes: (1 - site.fraction) * m + site.connectorMinutes,
        km: Math.max(0, len - site.alongKm) + site.connectorKm,
      });
    }
  }
  return seeds;
}

/** Sites grouped by the edge they sit on (originAccess needs those on the origin's own edge). */
export function sitesByEdge(sites: readonly FacilitySite[]): Map<number, FacilitySite[]> {
  const byEdge = new Map<number, FacilitySite[]>();
  for (const site of sites) {
    const list = byEdge.get(site.edge);
    if (list === undefined) byEdge.set(site.edge, [site]);
    else list.push(site);
  }
  return byEdge;
}

/**
 * An origin's best two distinct facilities. Minutes and km include the connector(s); `connectorKm` is the
 * origin's own connector. Unreachable ranks: minutes = km = Infinity, facility = −1.
 */
export interface OriginAccess {
  minutes1: number;
  km1: number;
  facility1: number;
  minutes2: number;
  km2: number;
  facility2: number;
  connectorKm: number;
}

/**
 * Access from an origin snapped onto an edge u → v: the connector at `connectorKmh`, then the partial edge
 * forwards to v (and backwards to u only on a two-way edge, or when the origin is on u itself) continued by
 * that node's two labels; plus the
 * facilities on the same edge reached directly along it (ahead of the origin, or behind it on a two-way
 * edge). The best two distinct facilities by (minutes, facility, km), the same order as the labels.
 * @example originAccess(graph.edges, labels, snap, 20, byEdge.get(snap.edge))
 */
export function originAccess(
  edges: RoadEdges,
  labels: NodeLabels,
  snap: Pick<EdgeSnap, 'edge' | 'fraction' | 'alongKm' | 'connectorKm'>,
  connectorKmh = DEFAULT_CONNECTOR_KMH,
  sameEdgeFacilities: readonly FacilitySite[] = [],
): OriginAccess {
  const best = scratch;
  evaluate(
    best,
    edges,
    labels,
    snap.edge,
    snap.fraction,
    snap.alongKm,
    snap.connectorKm,
    connectorKmh,
    sameEdgeFacilities,
  );
  return {
    minutes1: best[0]!,
    km1: best[2]!,
    facility1: best[1]!,
    minutes2: best[3]!,
    km2: best[5]!,
    facility2: best[4]!,
    connectorKm: snap.connectorKm,
  };
}

/** {@link OriginAccess} for many origins, aligned by origin (unsnapped origins: Infinity and −1). */
/** The best two distinct facilities per origin: the labels' columns, one entry per origin instead of per node. */
export type OriginAccessBatch = NodeLabels;

/**
 * {@link originAccess} for a batch of snapped origins (an `EdgeSnapper.snapMany` result) without allocating
 * per origin: 600k origins × 9 types stay in typed arrays.
 * @example const acc = originAccessMany(edges, labels, snapper.snapMany(lons, lats, 5), 20, sitesByEdge(sites));
 */
export function originAccessMany(
  edges: RoadEdges,
  labels: NodeLabels,
  snaps: Pick<SnapBatch, 'edge' | 'fraction' | 'alongKm' | 'connectorKm'>,
  connectorKmh: number,
  sitesOnEdges: ReadonlyMap<number, readonly FacilitySite[]>,
): OriginAccessBatch {
  const n = snaps.edge.length;
  const out: OriginAccessBatch = emptyLabels(n);
  const best = scratch;
  for (let i = 0; i < n; i++) {
    const e = snaps.edge[i]!;
    if (e < 0) continue;
    const sites = sitesOnEdges.get(e) ?? NO_SITES;
    evaluate(
      best,
      edges,
      labels,
      e,
      snaps.fraction[i]!,
      snaps.alongKm[i]!,
      snaps.connectorKm[i]!,
      connectorKmh,
      sites,
    );
    out.minutes1[i] = best[0]!;
    out.km1[i] = best[2]!;
    out.facility1[i] = best[1]!;
    out.minutes2[i] = best[3]!;
    out.km2[i] = best[5]!;
    out.facility2[i] = best[4]!;
  }
  return out;
}

const NO_SITES: readonly FacilitySite[] = [];

/** Fills `best` with an origin's two best facilities (km including the origin's connector). */
function evaluate(
  best: Float64Array,
  edges: RoadEdges,
  labels: NodeLabels,
  e: number,
  f: number,
  alongKm: number,
  connectorKm: number,
  connectorKmh: number,
  sites: readonly FacilitySite[],
): void {
  resetBest(best);
  const base = connectorMinutesFor(connectorKm, connectorKmh);
  const m = edges.minutes[e]!;
  const len = edges.lengthKm[e]!;
  const twoWay = edges.oneway[e] === 0;
  offerNode(best, labels, edges.target[e]!, base + (1 - f) * m, connectorKm + Math.max(0, len - alongKm));
  // At fraction 0 the origin is ON node u, so u's labels apply even on a one-way edge.
  if (twoWay || f === 0) offerNode(best, labels, edges.source[e]!, base + f * m, connectorKm + alongKm);
  offerSitesAlongEdge(best, sites, e, m, twoWay, f, alongKm, base, connectorKm);
}

/**
 * An origin's best two distinct (minutes, facility, km) candidates so far, in the labels' order:
 * [minutes1, facility1, km1, minutes2, facility2, km2] (a typed array: no object per origin).
 */
export type BestTwo = Float64Array;

/** Empties `b` (both ranks unreached). */
export function resetBest(b: BestTwo): void {
  b[0] = b[2] = b[3] = b[5] = Number.POSITIVE_INFINITY;
  b[1] = b[4] = -1;
}

/** Offers (d, f, k) to the best two distinct facilities in `b`. */
export function offerBest(b: BestTwo, d: number, f: number, k: number): void {
  const d1 = b[0]!;
  const f1 = b[1]!;
  if (f === f1) {
    if (d < d1 || (d === d1 && k < b[2]!)) {
      b[0] = d;
      b[2] = k;
    }
    return;
  }
  if (d < d1 || (d === d1 && (f < f1 || (f === f1 && k < b[2]!)))) {
    b[3] = d1;
    b[4] = f1;
    b[5] = b[2]!;
    b[0] = d;
    b[1] = f;
    b[2] = k;
    return;
  }
  const d2 = b[3]!;
  const f2 = b[4]!;
  if (d < d2 || (d === d2 && (f < f2 || (f === f2 && k < b[5]!)))) {
    b[3] = d;
    b[4] = f;
    b[5] = k;
  }
}

/** Offers both labels of `node`, reached at extra cost (minutes, km). */
function offerNode(b: BestTwo, labels: NodeLabels, node: number, minutes: number, km: number): void {
  const f1 = labels.facility1[node]!;
  if (f1 >= 0) offerBest(b, minutes + labels.minutes1[node]!, f1, km + labels.km1[node]!);
  const f2 = labels.facility2[node]!;
  if (f2 >= 0) offerBest(b, minutes + labels.minutes2[node]!, f2, km + labels.km2[node]!);
}

/**
 * Offers an origin at fraction `f` (`alongKm`) of edge e the facilities sitting on that same edge, driven
 * along it: those ahead, and those behind on a two-way edge. `base` and `connectorKm` are the origin's
 * connector minutes and km; `edgeMinutes` the edge's.
 */
export function offerSitesAlongEdge(
  b: BestTwo,
  sites: readonly FacilitySite[],
  e: number,
  edgeMinutes: number,
  twoWay: boolean,
  f: number,
  alongKm: number,
  base: number,
  connectorKm: number,
): void {
  for (const site of sites) {
    if (site.edge !== e) continue;
    const g = site.fraction;
    if (g >= f) {
      offerBest(
        b,
        base + (g - f) * edgeMinutes + site.connectorMinutes,
        site.facility,
        connectorKm + site.alongKm - alongKm + site.connectorKm,
      );
    } else if (twoWay) {
      offerBest(
        b,
        base + (f - g) * edgeMinutes + site.connectorMinutes,
        site.facility,
        connectorKm + alongKm - site.alongKm + site.connectorKm,
      );
    }
  }
}

const scratch: BestTwo = new Float64Array(6);
