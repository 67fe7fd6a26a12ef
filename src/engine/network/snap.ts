import Flatbush from 'flatbush';
import FlatQueue from 'flatqueue';
import { distanceKm, EARTH_RADIUS_KM } from '../geodesic.js';
import type { RoadEdges } from './types.js';

/** Where a point meets the road network: the nearest point on the nearest edge's polyline. */
export interface EdgeSnap {
  /** Edge index (position in RoadEdges, not its stored id). */
  edge: number;
  /** Road km from the edge's source node along its polyline to the snapped point (fraction × lengthKm). */
  alongKm: number;
  /** Share of the edge's polyline (by geodesic length) from the source node to the snapped point, 0 … 1. */
  fraction: number;
  /** Great-circle km from the query point to the snapped point. */
  connectorKm: number;
  lon: number;
  lat: number;
}

/** Degrees of a great circle per km: local planar distances (in degrees of latitude) convert with it. */
const DEG_PER_KM = 180 / (Math.PI * EARTH_RADIUS_KM);

/**
 * Nearest-EDGE snapping: a flatbush R-tree over the bounding boxes of every polyline segment, on planar
 * coordinates (x = lon·cos φ₀, y = lat, φ₀ = the network's mean latitude).
 *
 * A query walks the tree best-first (nearest box first) and measures each candidate segment exactly in
 * the query's own local plane (x = lon·cos φ, φ = the query's latitude — accurate to ~10⁻⁴ over a few km,
 * unlike one φ₀ for a whole country). Box distances are in the tree's plane, so they are scaled by
 * min(1, cos φ / cos φ₀) into a lower bound of the local distance: the walk stops as soon as no
 * remaining box can hold a nearer segment, so the answer is the nearest segment in the local plane, not
 * an approximation of the tree's. The connector is then measured on the sphere ({@link distanceKm}).
 */
export class EdgeSnapper {
  readonly edges: RoadEdges;
  /** Edge of each segment (segment s runs from vertex segStart[s] to segStart[s] + 1). */
  private readonly segEdge: Int32Array;
  private readonly segStart: Uint32Array;
  /** Geodesic km from the edge's first vertex to each vertex, and each edge's geodesic polyline length. */
  private readonly vertexAlong: Float64Array;
  private readonly polylineKm: Float64Array;
  private readonly tree: Flatbush | null;
  private readonly xScale: number;
  private readonly queue = new FlatQueue<number>();

  constructor(edges: RoadEdges) {
    this.edges = edges;
    const { count, geometryStart, vertexLonLat } = edges;
    const vertexCount = geometryStart[count]!;
    let segments = 0;
    let latSum = 0;
    for (let e = 0; e < count; e++) {
      const first = geometryStart[e]!;
      const last = geometryStart[e + 1]! - 1;
      if (last <= first)
        throw new RangeError(`edge ${edges.edgeId[e]} (index ${e}) has fewer than 2 vertices`);
      segments += last - first;
    }
    for (let i = 0; i < vertexCount; i++) latSum += vertexLonLat[2 * i + 1]!;
    this.xScale = Math.max(0.01, Math.cos(((vertexCount > 0 ? latSum / vertexCount : 0) * Math.PI) / 180));
    this.segEdge = new Int32Array(segments);
    this.segStart = new Uint32Array(segments);
    this.vertexAlong = new Float64Array(vertexCount);
    this.polylineKm = new Float64Array(count);
    this.tree = segments > 0 ? new Flatbush(segments) : null;
    let s = 0;
    const xs = this.xScale;
    for (let e = 0; e < count; e++) {
      const first = geometryStart[e]!;
      const last = geometryStart[e + 1]! - 1;
      let along = 0;
      this.vertexAlong[first] = 0;
      for (let i = first; i < last; i++) {
        const lon1 = vertexLonLat[2 * i]!;
        const lat1 = vertexLonLat[2 * i + 1]!;
        const lon2 = vertexLonLat[2 * i + 2]!;
        const lat2 = vertexLonLat[2 * i + 3]!;
        along += distanceKm(lon1, lat1, lon2, lat2);
        this.vertexAlong[i + 1] = along;
        this.segEdge[s] = e;
        this.segStart[s] = i;
        this.tree!.add(
          Math.min(lon1, lon2) * xs,
          Math.min(lat1, lat2),
          Math.max(lon1, lon2) * xs,
          Math.max(lat1, lat2),
        );
        s++;
      }
      this.polylineKm[e] = along;
    }
    this.tree?.finish();
  }

  /**
   * The nearest point of the network to (lon, lat), or null when none is within `maxKm` (great-circle).
   * Ties between segments at the same distance go to the lower segment (edge order, then along it).
   * @example snapper.snap(15.63, 60.48, 5) // { edge: 812, alongKm: 0.31, fraction: 0.4, connectorKm: 0.05, … }
   */
  snap(lon: number, lat: number, maxKm = Number.POSITIVE_INFINITY): EdgeSnap | null {
    const tree = this.tree;
    if (tree === null || !(maxKm >= 0) || !Number.isFinite(lon) || !Number.isFinite(lat)) return null;
    const cosQ = Math.cos((lat * Math.PI) / 180);
    const ratio = Math.min(1, cosQ / this.xScale);
    const qx = lon * this.xScale;
    // Local planar distances are in degrees; allow 1% over maxKm for the plane's error, check km at the end.
    const maxLocal = maxKm === Number.POSITIVE_INFINITY ? maxKm : maxKm * DEG_PER_KM * 1.01 + 1e-9;
    const maxTreeSq = ratio > 0 ? (maxLocal / ratio) ** 2 : Number.POSITIVE_INFINITY;
    const boxes = tree._boxes;
    const indices = tree._indices;
    const levelBounds = tree._levelBounds;
    const numItems4 = tree.numItems * 4;
    const nodeSize4 = tree.nodeSize * 4;
    const q = this.queue;
    const ratioSq = ratio * ratio;
    const vll = this.edges.vertexLonLat;
    let bestSq = Number.POSITIVE_INFINITY;
    let bestSeg = -1;
    let bestT = 0;
    q.clear();
    q.push((boxes.length - 4) << 1, 0);
    while (q.length > 0) {
      const boxSq = q.peekValue()!;
      if (boxSq * ratioSq > bestSq) break;
      const top = q.pop()!;
      if (top & 1) {
        const seg = top >> 1;
        const i = this.segStart[seg]!;
        const ax = vll[2 * i]! * cosQ;
        const ay = vll[2 * i + 1]!;
        const bx = vll[2 * i + 2]! * cosQ;
        const by = vll[2 * i + 3]!;
        const px = lon * cosQ;
        const dx = bx - ax;
        const dy = by - ay;
        const len2 = dx * dx + dy * dy;
        let t = len2 > 0 ? ((px - ax) * dx + (lat - ay) * dy) / len2 : 0;
        t = Math.max(0, Math.min(1, t));
        const ex = ax + t * dx - px;
        const ey = ay + t * dy - lat;
        const dSq = ex * ex + ey * ey;
        if (dSq < bestSq || (dSq === bestSq && seg < bestSeg)) {
          bestSq = dSq;
          bestSeg = seg;
          bestT = t;
        }
        continue;
      }
      const nodeIndex = top >> 1;
      const isLeafLevel = nodeIndex < numItems4;
      const end = Math.min(nodeIndex + nodeSize4, upperBound(nodeIndex, levelBounds));
      for (let pos = nodeIndex; pos < end; pos += 4) {
        const dx = Math.max(boxes[pos]! - qx, qx - boxes[pos + 2]!, 0);
        const dy = Math.max(boxes[pos + 1]! - lat, lat - boxes[pos + 3]!, 0);
        const dist = dx * dx + dy * dy;
        if (dist > maxTreeSq) continue;
        const child = indices[pos >> 2]! | 0;
        q.push(isLeafLevel ? (child << 1) | 1 : child << 1, dist);
      }
    }
    q.clear();
    if (bestSeg < 0) return null;
    return this.describe(bestSeg, bestT, lon, lat, maxKm);
  }

  private describe(seg: number, t: number, lon: number, lat: number, maxKm: number): EdgeSnap | null {
    const vll = this.edges.vertexLonLat;
    const i = this.segStart[seg]!;
    const e = this.segEdge[seg]!;
    const lon1 = vll[2 * i]!;
    const lat1 = vll[2 * i + 1]!;
    const lon2 = vll[2 * i + 2]!;
    const lat2 = vll[2 * i + 3]!;
    const sLon = t === 1 ? lon2 : lon1 + t * (lon2 - lon1);
    const sLat = t === 1 ? lat2 : lat1 + t * (lat2 - lat1);
    const connectorKm = distanceKm(lon, lat, sLon, sLat);
    if (connectorKm > maxKm) return null;
    const along = this.vertexAlong[i]! + t * (this.vertexAlong[i + 1]! - this.vertexAlong[i]!);
    const total = this.polylineKm[e]!;
    const fraction = total > 0 ? Math.min(1, Math.max(0, along / total)) : 0;
    return {
      edge: e,
      alongKm: fraction * this.edges.lengthKm[e]!,
      fraction,
      connectorKm,
      lon: sLon,
      lat: sLat,
    };
  }

  /**
   * Snaps many points at once into typed arrays (edge −1 where nothing is within maxKm). Visiting the points
   * in a spatially sorted order (e.g. `hilbertOrder`) keeps the tree walk in cache; results come back in
   * input order either way.
   * @example const batch = snapper.snapMany(lons, lats, 5); batch.edge[i] // −1 or an edge index
   */
  snapMany(lons: Float64Array, lats: Float64Array, maxKm: number, order?: Uint32Array): SnapBatch {
    const n = lons.length;
    const batch: SnapBatch = {
      edge: new Int32Array(n).fill(-1),
      fraction: new Float64Array(n),
      alongKm: new Float64Array(n),
      connectorKm: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
      lon: new Float64Array(n).fill(Number.NaN),
      lat: new Float64Array(n).fill(Number.NaN),
    };
    for (let j = 0; j < n; j++) {
      const i = order === undefined ? j : order[j]!;
      const s = this.snap(lons[i]!, lats[i]!, maxKm);
      if (s === null) continue;
      batch.edge[i] = s.edge;
      batch.fraction[i] = s.fraction;
      batch.alongKm[i] = s.alongKm;
      batch.connectorKm[i] = s.connectorKm;
      batch.lon[i] = s.lon;
      batch.lat[i] = s.lat;
    }
    return batch;
  }

  /** Bytes held by the snapper's own arrays and tree. */
  bytes(): number {
    return (
      this.segEdge.byteLength +
      this.segStart.byteLength +
      this.vertexAlong.byteLength +
      this.polylineKm.byteLength +
      (this.tree?.data.byteLength ?? 0)
    );
  }
}

/** {@link EdgeSnap} fields for many points, aligned by point; edge = −1 where the point did not snap. */
export interface SnapBatch {
  edge: Int32Array;
  fraction: Float64Array;
  alongKm: Float64Array;
  connectorKm: Float64Array;
  lon: Float64Array;
  lat: Float64Array;
}

/** First index in the sorted `bounds` greater than `value` (flatbush's own helper, for its level ends). */
function upperBound(value: number, bounds: readonly number[]): number {
  let i = 0;
  let j = bounds.length - 1;
  while (i < j) {
    const m = (i + j) >> 1;
    if (bounds[m]! > value) j = m;
    else i = m + 1;
  }
  return bounds[i]!;
}
