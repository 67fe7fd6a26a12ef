import type { NodeLabels, Seed } from './dijkstra.js';
import type { EdgeSnap } from './snap.js';
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
  const best = new Best();
  const base = connectorMinutesFor(snap.connectorKm, connectorKmh);
  const e = snap.edge;
  const m = edges.minutes[e]!;
  const len = edges.lengthKm[e]!;
  const f = snap.fraction;
  const twoWay = edges.oneway[e] === 0;
  const fromNode = (node: number, pm: number, pk: number) => {
    if (labels.facility1[node]! >= 0) {
      best.offer(base + pm + labels.minutes1[node]!, labels.facility1[node]!, pk + labels.km1[node]!);
    }
    if (labels.facility2[node]! >= 0) {
      best.offer(base + pm + labels.minutes2[node]!, labels.facility2[node]!, pk + labels.km2[node]!);
    }
  };
  fromNode(edges.target[e]!, (1 - f) * m, Math.max(0, len - snap.alongKm));
  // At fraction 0 the origin is ON node u, so u's labels apply even on a one-way edge.
  if (twoWay || f === 0) fromNode(edges.source[e]!, f * m, snap.alongKm);
  for (const site of sameEdgeFacilities) {
    if (site.edge !== e) continue;
    const g = site.fraction;
    if (g >= f) {
      best.offer(
        base + (g - f) * m + site.connectorMinutes,
        site.facility,
        site.alongKm - snap.alongKm + site.connectorKm,
      );
    } else if (twoWay) {
      best.offer(
        base + (f - g) * m + site.connectorMinutes,
        site.facility,
        snap.alongKm - site.alongKm + site.connectorKm,
      );
    }
  }
  return {
    minutes1: best.d1,
    km1: best.d1 === Number.POSITIVE_INFINITY ? best.k1 : best.k1 + snap.connectorKm,
    facility1: best.f1,
    minutes2: best.d2,
    km2: best.d2 === Number.POSITIVE_INFINITY ? best.k2 : best.k2 + snap.connectorKm,
    facility2: best.f2,
    connectorKm: snap.connectorKm,
  };
}

/** The best two distinct (minutes, facility, km) candidates, in the labels' order. */
class Best {
  d1 = Number.POSITIVE_INFINITY;
  f1 = -1;
  k1 = Number.POSITIVE_INFINITY;
  d2 = Number.POSITIVE_INFINITY;
  f2 = -1;
  k2 = Number.POSITIVE_INFINITY;

  offer(d: number, f: number, k: number): void {
    if (f === this.f1) {
      if (less(d, f, k, this.d1, this.f1, this.k1)) [this.d1, this.k1] = [d, k];
      return;
    }
    if (less(d, f, k, this.d1, this.f1, this.k1)) {
      [this.d2, this.f2, this.k2] = [this.d1, this.f1, this.k1];
      [this.d1, this.f1, this.k1] = [d, f, k];
      return;
    }
    if (less(d, f, k, this.d2, this.f2, this.k2)) [this.d2, this.f2, this.k2] = [d, f, k];
  }
}

function less(d1: number, f1: number, k1: number, d2: number, f2: number, k2: number): boolean {
  return d1 < d2 || (d1 === d2 && (f1 < f2 || (f1 === f2 && k1 < k2)));
}
