/**
 * Cutting kept ways into graph edges: a way is split at every graph node it passes (a node used by two
 * or more kept ways, or twice by one) and ends at its first and last node, so intersections become
 * nodes and every edge keeps the polyline between them. Shared by the OSM and GeoJSON readers.
 */
import { haversineM } from './geo.js';

/** One stored edge, source → target along `coords` (lon/lat interleaved). */
export interface RoadEdge {
  /** Stored node ids: OSM node ids, or synthetic ones for GeoJSON. */
  source: number;
  target: number;
  lengthM: number;
  speedKmh: number;
  minutes: number;
  roadClass: string;
  oneway: boolean;
  isFerry: boolean;
  osmWayId: number | null;
  name: string | null;
  coords: number[];
}

/** A kept way's attributes, direction already applied (a `oneway=-1` way arrives reversed). */
export interface WayAttributes {
  roadClass: string;
  speedKmh: number;
  oneway: boolean;
  isFerry: boolean;
  /** A ferry's stated minutes for the whole way, shared among its edges by length; null = by speed. */
  wayMinutes: number | null;
  osmWayId: number | null;
  name: string | null;
}

/** Counts of what the split produced. */
export interface EdgeStats {
  edges: number;
  onewayEdges: number;
  ferryEdges: number;
  lengthM: number;
  zeroLengthDropped: number;
  /** Way vertices whose node is not in the file (clipped extracts): the way is cut there. */
  missingNodes: number;
}

export function emptyEdgeStats(): EdgeStats {
  return { edges: 0, onewayEdges: 0, ferryEdges: 0, lengthM: 0, zeroLengthDropped: 0, missingNodes: 0 };
}

/**
 * A way's vertices in reusable scratch arrays: vertex i has stored node id `keys[i]`, dense node index
 * `index[i]` and lon/lat `coords[2i]`, `coords[2i + 1]` (NaN when the node is missing from the file).
 */
export class WayVertices {
  keys = new Float64Array(256);
  index = new Int32Array(256);
  coords = new Float64Array(512);
  length = 0;

  reset(n: number): void {
    if (n > this.keys.length) {
      const size = 2 ** Math.ceil(Math.log2(n));
      this.keys = new Float64Array(size);
      this.index = new Int32Array(size);
      this.coords = new Float64Array(2 * size);
    }
    this.length = n;
  }
}

/**
 * Splits ways into edges. `isGraphNode[index]` marks graph nodes; `usedNodes[index]` is set for every
 * node that ends an emitted edge (their count is the network's node count).
 */
export class EdgeSplitter {
  readonly stats = emptyEdgeStats();
  private nodeCount = 0;

  constructor(
    private readonly isGraphNode: Uint8Array,
    private readonly usedNodes: Uint8Array,
  ) {}

  /** Distinct nodes at the ends of the edges emitted so far. */
  get nodes(): number {
    return this.nodeCount;
  }

  *split(v: WayVertices, way: WayAttributes): Generator<RoadEdge> {
    const { keys, index, coords } = v;
    const n = v.length;
    let wayLengthM = 0;
    if (way.wayMinutes !== null) {
      for (let i = 1; i < n; i++) {
        if (!Number.isNaN(coords[2 * i - 2]!) && !Number.isNaN(coords[2 * i]!))
          wayLengthM += haversineM(
            coords[2 * i - 2]!,
            coords[2 * i - 1]!,
            coords[2 * i]!,
            coords[2 * i + 1]!,
          );
      }
    }
    let piece: number[] = [];
    let start = -1;
    let previous = -1;
    let lengthM = 0;
    for (let i = 0; i < n; i++) {
      if (Number.isNaN(coords[2 * i]!)) {
        this.stats.missingNodes++;
        if (previous >= 0 && start !== previous) {
          const edge = this.edge(keys, index, start, previous, piece, lengthM, way, wayLengthM);
          if (edge) yield edge;
        }
        piece = [];
        start = previous = -1;
        lengthM = 0;
        continue;
      }
      if (previous >= 0 && keys[i] === keys[previous]) continue; // a node repeated in a row
      const lon = coords[2 * i]!;
      const lat = coords[2 * i + 1]!;
      if (previous >= 0) lengthM += haversineM(coords[2 * previous]!, coords[2 * previous + 1]!, lon, lat);
      else start = i;
      piece.push(lon, lat);
      previous = i;
      if (i !== start && (this.isGraphNode[index[i]!] === 1 || i === n - 1)) {
        const edge = this.edge(keys, index, start, i, piece, lengthM, way, wayLengthM);
        if (edge) yield edge;
        piece = [lon, lat];
        start = i;
        lengthM = 0;
      }
    }
    if (previous >= 0 && start !== previous) {
      const edge = this.edge(keys, index, start, previous, piece, lengthM, way, wayLengthM);
      if (edge) yield edge;
    }
  }

  private edge(
    keys: Float64Array,
    index: Int32Array,
    from: number,
    to: number,
    coords: number[],
    lengthM: number,
    way: WayAttributes,
    wayLengthM: number,
  ): RoadEdge | null {
    if (!(lengthM > 0)) {
      this.stats.zeroLengthDropped++;
      return null;
    }
    for (const i of [index[from]!, index[to]!]) {
      if (this.usedNodes[i] === 0) {
        this.usedNodes[i] = 1;
        this.nodeCount++;
      }
    }
    const minutes =
      way.wayMinutes !== null && wayLengthM > 0
        ? (way.wayMinutes * lengthM) / wayLengthM
        : (lengthM / 1000 / way.speedKmh) * 60;
    this.stats.edges++;
    this.stats.lengthM += lengthM;
    if (way.oneway) this.stats.onewayEdges++;
    if (way.isFerry) this.stats.ferryEdges++;
    return {
      source: keys[from]!,
      target: keys[to]!,
      lengthM,
      speedKmh: way.wayMinutes !== null && minutes > 0 ? lengthM / 1000 / (minutes / 60) : way.speedKmh,
      minutes,
      roadClass: way.roadClass,
      oneway: way.oneway,
      isFerry: way.isFerry,
      osmWayId: way.osmWayId,
      name: way.name,
      coords,
    };
  }
}
