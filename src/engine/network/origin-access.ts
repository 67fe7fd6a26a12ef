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

/** The best two distinct facilities per origin: the labels' columns, one entry per origin instead of per node. */
export type OriginAccessBatch = NodeLabels;
