import { buffer, featureCollection, polygon, union } from '@turf/turf';
import concaveman from 'concaveman';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import { EARTH_RADIUS_KM } from '../geodesic.js';
import { reachFromSeeds } from './incremental.js';
import type { RoadGraph } from './graph.js';
import { type FacilitySite, siteSeeds } from './origin-access.js';

/** The part of the network within `minutes` of the sites, and a polygon around it. */
export interface ServiceArea {
  minutes: number;
  /** Nodes from which a site is reached within `minutes`. */
  nodes: Int32Array;
  /** Reachable stretches of edges: edge index and fraction range [from, to] along its polyline. */
  pieces: { edge: Int32Array; from: Float64Array; to: Float64Array };
  /** Polygon or MultiPolygon (one part per separate reachable network, e.g. an island), null when empty. */
  feature: Feature<Polygon | MultiPolygon, { minutes: number }> | null;
}

export interface ServiceAreaOptions {
  /** Each reached point is padded by this radius (km) so lone points and straight roads get an area. */
  padKm?: number;
  /** concaveman's concavity (1 detailed … ∞ convex hull). Default 2. */
  concavity?: number;
  /** concaveman's length threshold, in km: hull edges shorter than this are not dug further. Default 0.5. */
  lengthThresholdKm?: number;
}

const DEG_PER_KM = 180 / (Math.PI * EARTH_RADIUS_KM);

/**
 * Service areas (isochrones) of facility sites for several minute values. Costs are the labels' costs —
 * minutes from a place TO the nearest site, one-way streets honoured (the reversed-graph search) — so an
 * area is "where someone can drive to the service within N minutes", the question every access figure
 * answers; for a two-way network that is also the service's reach. The area holds whole edges whose cost
 * is within N and the cut points of edges partly within (interpolated along the polyline, by minutes).
 *
 * Polygons: a concave hull (`concaveman`: fast, O(n log n), outlines a point set with holes dug between
 * distant points; Turf's `concave` triangulates every point and is far slower on thousands of nodes) per
 * connected reachable piece of network, each point padded by `padKm`, then unioned with the previous
 * (smaller) value's polygon and with each other (`union`, polyclip): the union makes the result valid
 * (no overlaps, rings closed) and nested by construction — the 10-minute area lies inside the 20-minute one.
 * @example serviceAreas(graph, [site], [10, 20, 30]).map((a) => a.feature) // three nested polygons
 */
export function serviceAreas(
  graph: RoadGraph,
  sites: readonly FacilitySite[],
  minutesList: readonly number[],
  options: ServiceAreaOptions = {},
): ServiceArea[] {
  const values = [...new Set(minutesList)].sort((a, b) => a - b);
  const pad = options.padKm ?? 0.05;
  if (values.some((v) => !(v >= 0 && v < Number.POSITIVE_INFINITY))) {
    throw new RangeError(`service area minutes must be finite and ≥ 0, got ${minutesList.join(', ')}`);
  }
  if (values.length === 0) return [];
  const edges = graph.edges;
  const reach = reachFromSeeds(graph, siteSeeds(edges, sites), values.at(-1)!);
  const cost = new Map<number, number>();
  reach.nodes.forEach((x, i) => {
    cost.set(x, reach.minutes[i]!);
  });
  const candidateEdges = incidentEdges(graph, reach.nodes, sites);
  const areas: ServiceArea[] = [];
  let previous: Feature<Polygon | MultiPolygon> | null = null;
  for (const minutes of values) {
    const nodes = reach.nodes.filter((_, i) => reach.minutes[i]! <= minutes);
    const pieces = reachablePieces(graph, candidateEdges, cost, sites, minutes);
    const parts: Feature<Polygon | MultiPolygon>[] = hulls(graph, nodes, pieces, options);
    if (previous !== null) parts.push(previous);
    let feature: Feature<Polygon | MultiPolygon> | null = null;
    if (parts.length === 1) feature = parts[0]!;
    else if (parts.length > 1) feature = union(featureCollection(parts));
    // polyclip's union may leave a ring touching itself at a vertex (a "pinch", invalid as a simple
    // ring); a small buffer (JSTS, valid output) widens every pinch. Buffering only grows an area, so
    // the nesting previous ⊆ union ⊆ buffered holds.
    if (feature !== null) feature = buffer(feature, pad / 4, { units: 'kilometers' }) ?? feature;
    previous = feature;
    areas.push({
      minutes,
      nodes,
      pieces: {
        edge: Int32Array.from(pieces, (p) => p.edge),
        from: Float64Array.from(pieces, (p) => p.from),
        to: Float64Array.from(pieces, (p) => p.to),
      },
      feature:
        feature === null ? null : { type: 'Feature', properties: { minutes }, geometry: feature.geometry },
    });
  }
  return areas;
}

interface Piece {
  edge: number;
  from: number;
  to: number;
  /** Group ids: the edge's source node when from = 0, its target when to = 1, else −1. */
  atSource: boolean;
  atTarget: boolean;
}

/** Edges touching a reached node (from either end) or holding a site. */
function incidentEdges(graph: RoadGraph, nodes: Int32Array, sites: readonly FacilitySite[]): Int32Array {
  const { fwdOffset, fwdHead, fwdEdge } = graph;
  const set = new Set<number>();
  for (const x of nodes) {
    for (let a = fwdOffset[x]!; a < fwdOffset[x + 1]!; a++) set.add(fwdEdge[a]!);
    // Edges driven INTO x (x is their target, or a two-way edge's other end): found from their tails.
    for (let a = graph.revOffset[x]!; a < graph.revOffset[x + 1]!; a++) {
      const w = graph.revHead[a]!;
      for (let b = fwdOffset[w]!; b < fwdOffset[w + 1]!; b++) if (fwdHead[b] === x) set.add(fwdEdge[b]!);
    }
  }
  for (const s of sites) set.add(s.edge);
  return Int32Array.from([...set].sort((a, b) => a - b));
}

/**
 * The reachable stretches of the candidate edges within `limit` minutes. A point at fraction t of edge
 * u → v reaches a site by driving on to v ((1 − t)·minutes + cost(v)), back to u on a two-way edge
 * (t·minutes + cost(u)), or along the edge to a site on it; each gives an interval of t.
 */
function reachablePieces(
  graph: RoadGraph,
  candidateEdges: Int32Array,
  cost: Map<number, number>,
  sites: readonly FacilitySite[],
  limit: number,
): Piece[] {
  const { source, target, minutes, oneway } = graph.edges;
  const sitesOn = new Map<number, FacilitySite[]>();
  for (const s of sites) sitesOn.set(s.edge, [...(sitesOn.get(s.edge) ?? []), s]);
  const pieces: Piece[] = [];
  for (const e of candidateEdges) {
    const m = minutes[e]!;
    const twoWay = oneway[e] === 0;
    const span = (slack: number) => (m > 0 ? slack / m : Number.POSITIVE_INFINITY);
    const intervals: [number, number][] = [];
    const cv = cost.get(target[e]!) ?? Number.POSITIVE_INFINITY;
    if (cv <= limit) intervals.push([Math.max(0, 1 - span(limit - cv)), 1]);
    const cu = cost.get(source[e]!) ?? Number.POSITIVE_INFINITY;
    if (twoWay && cu <= limit) intervals.push([0, Math.min(1, span(limit - cu))]);
    for (const s of sitesOn.get(e) ?? []) {
      const slack = limit - s.connectorMinutes;
      if (slack < 0) continue;
      intervals.push([Math.max(0, s.fraction - span(slack)), s.fraction]);
      if (twoWay) intervals.push([s.fraction, Math.min(1, s.fraction + span(slack))]);
    }
    intervals.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let current: [number, number] | null = null;
    const flush = () => {
      if (current === null) return;
      pieces.push({
        edge: e,
        from: current[0],
        to: current[1],
        atSource: current[0] <= 0,
        atTarget: current[1] >= 1,
      });
    };
    for (const iv of intervals) {
      if (current !== null && iv[0] <= current[1]) current[1] = Math.max(current[1], iv[1]);
      else {
        flush();
        current = [iv[0], iv[1]];
      }
    }
    flush();
  }
  return pieces;
}

/** One padded concave hull per connected group of reached nodes and pieces (union–find over them). */
function hulls(
  graph: RoadGraph,
  nodes: Int32Array,
  pieces: readonly Piece[],
  options: ServiceAreaOptions,
): Feature<Polygon>[] {
  const edges = graph.edges;
  const ids = new Map<number, number>(); // node → group element
  const parent: number[] = [];
  const element = (key: number | null): number => {
    if (key !== null && ids.has(key)) return ids.get(key)!;
    parent.push(parent.length);
    if (key !== null) ids.set(key, parent.length - 1);
    return parent.length - 1;
  };
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  const join = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const points: { el: number; lon: number; lat: number }[] = [];
  for (const x of nodes) {
    points.push({ el: element(x), lon: edges.nodeLonLat[2 * x]!, lat: edges.nodeLonLat[2 * x + 1]! });
  }
  for (const p of pieces) {
    const el = element(null);
    if (p.atSource) join(el, element(edges.source[p.edge]!));
    if (p.atTarget) join(el, element(edges.target[p.edge]!));
    for (const [lon, lat] of polylineBetween(graph, p.edge, p.from, p.to)) points.push({ el, lon, lat });
  }
  if (points.length === 0) return [];
  const lat0 = points.reduce((sum, p) => sum + p.lat, 0) / points.length;
  const xs = Math.max(0.01, Math.cos((lat0 * Math.PI) / 180));
  const pad = Math.max(1e-6, (options.padKm ?? 0.05) * DEG_PER_KM);
  const threshold = (options.lengthThresholdKm ?? 0.5) * DEG_PER_KM;
  const groups = new Map<number, number[][]>();
  for (const p of points) {
    const root = find(p.el);
    let list = groups.get(root);
    if (list === undefined) {
      list = [];
      groups.set(root, list);
    }
    const x = p.lon * xs;
    list.push([x + pad, p.lat], [x, p.lat + pad], [x - pad, p.lat], [x, p.lat - pad]);
  }
  const out: Feature<Polygon>[] = [];
  for (const list of groups.values()) {
    const ring = concaveman(list, options.concavity ?? 2, threshold).map(([x, y]) => [x! / xs, y!]);
    const first = ring[0]!;
    const last = ring.at(-1)!;
    if (first[0] !== last[0] || first[1] !== last[1]) ring.push([first[0]!, first[1]!]);
    if (ring.length >= 4) out.push(polygon([ring]));
  }
  return out;
}

/** The polyline of an edge between two fractions of its length (by vertex-to-vertex degrees, then lerp). */
function polylineBetween(graph: RoadGraph, e: number, from: number, to: number): [number, number][] {
  const { geometryStart, vertexLonLat: v } = graph.edges;
  const first = geometryStart[e]!;
  const last = geometryStart[e + 1]! - 1;
  // Cumulative planar-ish length along the polyline (degrees, lon scaled at the vertex latitude).
  const cum: number[] = [0];
  for (let i = first; i < last; i++) {
    const c = Math.cos((v[2 * i + 1]! * Math.PI) / 180);
    cum.push(cum.at(-1)! + Math.hypot((v[2 * i + 2]! - v[2 * i]!) * c, v[2 * i + 3]! - v[2 * i + 1]!));
  }
  const total = cum.at(-1)!;
  const at = (t: number): [number, number] => {
    const target = t * total;
    let k = 0;
    while (k < cum.length - 2 && cum[k + 1]! < target) k++;
    const seg = cum[k + 1]! - cum[k]!;
    const s = seg > 0 ? Math.min(1, Math.max(0, (target - cum[k]!) / seg)) : 0;
    const i = first + k;
    return [v[2 * i]! + s * (v[2 * i + 2]! - v[2 * i]!), v[2 * i + 1]! + s * (v[2 * i + 3]! - v[2 * i + 1]!)];
  };
  const out: [number, number][] = [at(from)];
  for (let k = 1; k < cum.length - 1; k++) {
    const t = total > 0 ? cum[k]! / total : 0;
    if (t > from && t < to) out.push([v[2 * (first + k)]!, v[2 * (first + k) + 1]!]);
  }
  out.push(at(to));
  return out;
}
