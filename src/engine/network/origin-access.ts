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
    minutes1: best.d1,
    km1: best.k1,
    facility1: best.f1,
    minutes2: best.d2,
    km2: best.k2,
    facility2: best.f2,
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
    out.minutes1[i] = best.d1;
    out.km1[i] = best.k1;
    out.facility1[i] = best.f1;
    out.minutes2[i] = best.d2;
    out.km2[i] = best.k2;
    out.facility2[i] = best.f2;
  }
  return out;
}

const NO_SITES: readonly FacilitySite[] = [];

/** Fills `best` with an origin's two best facilities (km including the origin's connector). */
function evaluate(
  best: Best,
  edges: RoadEdges,
  labels: NodeLabels,
  e: number,
  f: number,
  alongKm: number,
  connectorKm: number,
  connectorKmh: number,
  sites: readonly FacilitySite[],
): void {
  best.reset();
  const base = connectorMinutesFor(connectorKm, connectorKmh);
  const m = edges.minutes[e]!;
  const len = edges.lengthKm[e]!;
  const twoWay = edges.oneway[e] === 0;
  best.fromNode(labels, edges.target[e]!, base + (1 - f) * m, connectorKm + Math.max(0, len - alongKm));
  // At fraction 0 the origin is ON node u, so u's labels apply even on a one-way edge.
  if (twoWay || f === 0) best.fromNode(labels, edges.source[e]!, base + f * m, connectorKm + alongKm);
  for (const site of sites) {
    if (site.edge !== e) continue;
    const g = site.fraction;
    if (g >= f) {
      best.offer(
        base + (g - f) * m + site.connectorMinutes,
        site.facility,
        connectorKm + site.alongKm - alongKm + site.connectorKm,
      );
    } else if (twoWay) {
      best.offer(
        base + (f - g) * m + site.connectorMinutes,
        site.facility,
        connectorKm + alongKm - site.alongKm + site.connectorKm,
      );
    }
  }
}

/** The best two distinct (minutes, facility, km) candidates, in the labels' order. */
class Best {
  d1 = Number.POSITIVE_INFINITY;
  f1 = -1;
  k1 = Number.POSITIVE_INFINITY;
  d2 = Number.POSITIVE_INFINITY;
  f2 = -1;
  k2 = Number.POSITIVE_INFINITY;

  reset(): void {
    this.d1 = this.k1 = this.d2 = this.k2 = Number.POSITIVE_INFINITY;
    this.f1 = this.f2 = -1;
  }

  /** Offers both labels of `node`, reached at extra cost (minutes, km). */
  fromNode(labels: NodeLabels, node: number, minutes: number, km: number): void {
    const f1 = labels.facility1[node]!;
    if (f1 >= 0) this.offer(minutes + labels.minutes1[node]!, f1, km + labels.km1[node]!);
    const f2 = labels.facility2[node]!;
    if (f2 >= 0) this.offer(minutes + labels.minutes2[node]!, f2, km + labels.km2[node]!);
  }

  offer(d: number, f: number, k: number): void {
    if (f === this.f1) {
      if (less(d, f, k, this.d1, this.f1, this.k1)) {
        this.d1 = d;
        this.k1 = k;
      }
      return;
    }
    if (less(d, f, k, this.d1, this.f1, this.k1)) {
      this.d2 = this.d1;
      this.f2 = this.f1;
      this.k2 = this.k1;
      this.d1 = d;
      this.f1 = f;
      this.k1 = k;
      return;
    }
    if (less(d, f, k, this.d2, this.f2, this.k2)) {
      this.d2 = d;
      this.f2 = f;
      this.k2 = k;
    }
  }
}

const scratch = new Best();

function less(d1: number, f1: number, k1: number, d2: number, f2: number, k2: number): boolean {
  return d1 < d2 || (d1 === d2 && (f1 < f2 || (f1 === f2 && k1 < k2)));
}
