/**
 * Test material for the network engine: a RoadEdges builder, seeded random networks and an INDEPENDENT
 * oracle — a plain per-origin Dijkstra over an adjacency list built here from RoadEdges, with edges split
 * at the facility and origin positions (virtual nodes), so it shares no code with src/engine/network.
 */
import { distance } from '@turf/turf';
import { emptyLabels, type NodeLabels } from '../../../src/engine/network/dijkstra.js';
import { DEFAULT_CONNECTOR_KMH, type FacilitySite } from '../../../src/engine/network/index.js';
import { OriginsOnEdges } from '../../../src/engine/network/origins-on-edges.js';
import type { RoadEdges } from '../../../src/engine/network/types.js';

export { seededRandom } from '../../../src/demo/random.js';

export interface EdgeSpec {
  from: number;
  to: number;
  minutes: number;
  km?: number;
  oneway?: boolean;
  /** Intermediate polyline vertices [lon, lat]. */
  via?: [number, number][];
}

/** RoadEdges from node coordinates and edge specs (km defaults to the polyline's great-circle length). */
export function buildEdges(nodes: [number, number][], specs: EdgeSpec[]): RoadEdges {
  const count = specs.length;
  const geometryStart = new Uint32Array(count + 1);
  const vertices: number[] = [];
  const lengthKm = new Float64Array(count);
  specs.forEach((s, e) => {
    geometryStart[e] = vertices.length / 2;
    const line = [nodes[s.from]!, ...(s.via ?? []), nodes[s.to]!];
    let km = 0;
    line.forEach((p, i) => {
      vertices.push(p[0], p[1]);
      if (i > 0) km += distance(line[i - 1]!, p, { units: 'kilometers' });
    });
    lengthKm[e] = s.km ?? km;
  });
  geometryStart[count] = vertices.length / 2;
  return {
    count,
    nodeCount: nodes.length,
    source: Int32Array.from(specs, (s) => s.from),
    target: Int32Array.from(specs, (s) => s.to),
    nodeLonLat: Float64Array.from(nodes.flat()),
    lengthKm,
    minutes: Float64Array.from(specs, (s) => s.minutes),
    oneway: Uint8Array.from(specs, (s) => (s.oneway ? 1 : 0)),
    geometryStart,
    vertexLonLat: Float64Array.from(vertices),
    edgeId: Float64Array.from(specs, (_, e) => 1000 + e),
  };
}

/**
 * A seeded random network near 60°N: a jittered grid with holes, curved polylines, 20% one-way, a few
 * ferries (slow, straight), and some separate islands. Minutes are multiples of 0.25 so path sums are
 * exact and ties are real ties. km ≥ the polyline's great-circle length.
 */
export function randomNetwork(
  random: () => number,
  side = 8,
): { nodes: [number, number][]; specs: EdgeSpec[] } {
  const nodes: [number, number][] = [];
  const id = (i: number, j: number) => i * side + j;
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      nodes.push([15 + j * 0.02 + (random() - 0.5) * 0.01, 60 + i * 0.01 + (random() - 0.5) * 0.005]);
    }
  }
  const specs: EdgeSpec[] = [];
  const add = (a: number, b: number) => {
    if (random() < 0.15) return;
    const [ax, ay] = nodes[a]!;
    const [bx, by] = nodes[b]!;
    const ferry = random() < 0.04;
    const viaCount = ferry ? 0 : Math.floor(random() * 3);
    const via: [number, number][] = Array.from({ length: viaCount }, (_, k) => {
      const t = (k + 1) / (viaCount + 1);
      return [ax + t * (bx - ax) + (random() - 0.5) * 0.004, ay + t * (by - ay) + (random() - 0.5) * 0.002];
    });
    const line = [nodes[a]!, ...via, nodes[b]!];
    let km = 0;
    for (let k = 1; k < line.length; k++) km += distance(line[k - 1]!, line[k]!, { units: 'kilometers' });
    km *= 1 + random() * 0.2;
    const minutes = ferry
      ? 20 + Math.round(random() * 40) / 4
      : Math.max(0.25, Math.round((km / 60) * 60 * 4 * (0.6 + random())) / 4);
    const forward = random() < 0.5;
    specs.push({
      from: forward ? a : b,
      to: forward ? b : a,
      minutes,
      km,
      oneway: !ferry && random() < 0.2,
      via: forward ? via : [...via].reverse(),
    });
  };
  for (let i = 0; i < side; i++) {
    for (let j = 0; j < side; j++) {
      // Column side/2 is mostly cut: two halves joined by few links (sometimes none: islands).
      if (j + 1 < side && (j + 1 !== Math.floor(side / 2) || random() < 0.15)) add(id(i, j), id(i, j + 1));
      if (i + 1 < side) add(id(i, j), id(i + 1, j));
    }
  }
  // A lone island pair far away, never connected.
  const island = nodes.length;
  nodes.push([15.5, 60.5], [15.52, 60.5]);
  specs.push({ from: island, to: island + 1, minutes: 2, km: distance(nodes[island]!, nodes[island + 1]!) });
  return { nodes, specs };
}

/** A point on an edge for the oracle: its fraction along the edge (and a label to find it again). */
export interface EdgePoint {
  edge: number;
  fraction: number;
}

/**
 * The independent oracle. Builds a driving-direction adjacency list with every edge split at the given
 * points (facility sites and origins), then answers per-start Dijkstra queries on (minutes, km).
 */
export class Oracle {
  readonly adjacency: { to: number; minutes: number; km: number }[][] = [];
  /** Virtual node of each split point, by its position in `points`. */
  readonly pointNode: number[] = [];

  constructor(edges: RoadEdges, points: EdgePoint[]) {
    for (let n = 0; n < edges.nodeCount; n++) this.adjacency.push([]);
    const onEdge = new Map<number, number[]>();
    points.forEach((p, i) => {
      this.pointNode[i] = this.adjacency.length;
      this.adjacency.push([]);
      onEdge.set(p.edge, [...(onEdge.get(p.edge) ?? []), i]);
    });
    for (let e = 0; e < edges.count; e++) {
      const stops = (onEdge.get(e) ?? []).map((i) => ({ node: this.pointNode[i]!, f: points[i]!.fraction }));
      stops.sort((a, b) => a.f - b.f);
      const chain = [{ node: edges.source[e]!, f: 0 }, ...stops, { node: edges.target[e]!, f: 1 }];
      for (let k = 1; k < chain.length; k++) {
        const a = chain[k - 1]!;
        const b = chain[k]!;
        const minutes = (b.f - a.f) * edges.minutes[e]!;
        const km = (b.f - a.f) * edges.lengthKm[e]!;
        this.adjacency[a.node]!.push({ to: b.node, minutes, km });
        // Two points at the same place are joined both ways, even on a one-way edge.
        if (edges.oneway[e] === 0 || b.f === a.f) this.adjacency[b.node]!.push({ to: a.node, minutes, km });
      }
    }
  }

  /** Minutes and km (km along a minutes-optimal path, the shortest such) from `start` to every node. */
  from(start: number): { minutes: number[]; km: number[] } {
    const n = this.adjacency.length;
    const minutes = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    const km = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    const done = new Array<boolean>(n).fill(false);
    minutes[start] = 0;
    km[start] = 0;
    for (;;) {
      let best = -1;
      for (let x = 0; x < n; x++) {
        if (done[x] || minutes[x] === Number.POSITIVE_INFINITY) continue;
        if (best < 0 || minutes[x]! < minutes[best]! || (minutes[x] === minutes[best] && km[x]! < km[best]!))
          best = x;
      }
      if (best < 0) break;
      done[best] = true;
      for (const arc of this.adjacency[best]!) {
        const m = minutes[best]! + arc.minutes;
        const k = km[best]! + arc.km;
        if (m < minutes[arc.to]! || (m === minutes[arc.to] && k < km[arc.to]!)) {
          minutes[arc.to] = m;
          km[arc.to] = k;
        }
      }
    }
    return { minutes, km };
  }
}

export interface Ranked {
  minutes: number;
  km: number;
  facility: number;
}

/** The best two distinct facilities by (minutes, facility), given a cost per facility. */
export function topTwo(costs: Ranked[]): [Ranked | undefined, Ranked | undefined] {
  const byFacility = new Map<number, Ranked>();
  for (const c of costs) {
    if (c.minutes === Number.POSITIVE_INFINITY) continue;
    const old = byFacility.get(c.facility);
    if (old === undefined || c.minutes < old.minutes || (c.minutes === old.minutes && c.km < old.km)) {
      byFacility.set(c.facility, c);
    }
  }
  const sorted = [...byFacility.values()].sort((a, b) => a.minutes - b.minutes || a.facility - b.facility);
  return [sorted[0], sorted[1]];
}

/** A facility at `fraction` along `edge`, on the road itself (no connector). */
export function siteOnEdge(edges: RoadEdges, facility: number, edge: number, fraction: number): FacilitySite {
  return {
    facility,
    edge,
    fraction,
    alongKm: fraction * edges.lengthKm[edge]!,
    connectorKm: 0,
    connectorMinutes: 0,
  };
}

/** A facility on a random edge at a random quarter of its length (quarters keep costs exact, so ties occur). */
export function randomSite(random: () => number, edges: RoadEdges, facility: number): FacilitySite {
  const edge = Math.floor(random() * edges.count);
  return siteOnEdge(edges, facility, edge, Math.floor(random() * 5) / 4);
}

/**
 * One origin's best two facilities through the engine's edge-by-edge pass (OriginsOnEdges over a batch of
 * that one origin), as an object: what a table row reads for an origin snapped at `snap`.
 */
export function accessOf(
  edges: RoadEdges,
  labels: NodeLabels,
  snap: { edge: number; fraction: number; alongKm: number; connectorKm: number },
  connectorKmh = DEFAULT_CONNECTOR_KMH,
  sameEdgeFacilities: readonly FacilitySite[] = [],
) {
  const batch = {
    edge: Int32Array.of(snap.edge),
    fraction: Float64Array.of(snap.fraction),
    alongKm: Float64Array.of(snap.alongKm),
    connectorKm: Float64Array.of(snap.connectorKm),
    lon: Float64Array.of(Number.NaN),
    lat: Float64Array.of(Number.NaN),
  };
  const out = new OriginsOnEdges(edges, batch, connectorKmh).access(
    labels,
    new Map([[snap.edge, sameEdgeFacilities]]),
    1,
  );
  return {
    minutes1: out.minutes1[0]!,
    km1: out.km1[0]!,
    facility1: out.facility1[0]!,
    minutes2: out.minutes2[0]!,
    km2: out.km2[0]!,
    facility2: out.facility2[0]!,
    connectorKm: snap.connectorKm,
  };
}

/** Every origin of a batch on its own ({@link accessOf}), as the labels' columns (unsnapped: −1, Infinity). */
export function accessEach(
  edges: RoadEdges,
  labels: NodeLabels,
  snaps: { edge: Int32Array; fraction: Float64Array; alongKm: Float64Array; connectorKm: Float64Array },
  connectorKmh: number,
  sitesOnEdges: ReadonlyMap<number, readonly FacilitySite[]>,
): NodeLabels {
  const n = snaps.edge.length;
  const out = emptyLabels(n);
  for (let i = 0; i < n; i++) {
    const edge = snaps.edge[i]!;
    if (edge < 0) continue;
    const snap = {
      edge,
      fraction: snaps.fraction[i]!,
      alongKm: snaps.alongKm[i]!,
      connectorKm: snaps.connectorKm[i]!,
    };
    const one = accessOf(edges, labels, snap, connectorKmh, sitesOnEdges.get(edge) ?? []);
    out.minutes1[i] = one.minutes1;
    out.km1[i] = one.km1;
    out.facility1[i] = one.facility1;
    out.minutes2[i] = one.minutes2;
    out.km2[i] = one.km2;
    out.facility2[i] = one.facility2;
  }
  return out;
}
