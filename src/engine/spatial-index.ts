import Flatbush from 'flatbush';
import { capBoundingBox, cosLatitude, distanceKm, writeUnitVector } from './geodesic.js';
import type { EnginePoint } from './types.js';

/** One answer of a spatial query: the point, its position in the index's `points`, and its great-circle km. */
export interface Neighbor {
  point: EnginePoint;
  index: number;
  km: number;
}

/**
 * A static index of service points answering exact great-circle nearest and radius queries.
 *
 * Points are stored in a flatbush R-tree on planar coordinates (x = lon·cos φ₀, y = lat, φ₀ = the points'
 * mean latitude). The planar metric is only used to find *candidates*; exactness comes from geometry on
 * the sphere, not from the planar metric:
 * 1. the planar k nearest give k real points, so the k-th smallest great-circle km among them is an upper
 *    bound `d` on the true k-th nearest distance;
 * 2. every point within `d` of the query lies inside the exact lon/lat bounding box of the spherical cap of
 *    radius `d` ({@link capBoundingBox}); x = lon·cos φ₀ is monotone in lon, so that box maps to a planar
 *    box and a flatbush box search returns a superset of the answer whatever the latitude distortion;
 * 3. the candidates are ranked by {@link distanceKm} (Turf's haversine), ties by point id.
 */
export class PointIndex {
  readonly points: readonly EnginePoint[];
  /** Unit vectors (x, y, z) of the points, three numbers per point, for trigonometry-free ranking. */
  readonly unitVectors: Float64Array;
  /** Each point's longitude, latitude and cosLatitude(latitude), for distanceKmWithCos in bulk paths. */
  readonly lons: Float64Array;
  readonly lats: Float64Array;
  readonly cosLats: Float64Array;
  /** Each point's rank in ascending id order (then input order): the tie-breaker of every query. */
  readonly idRank: Int32Array;
  private readonly tree: Flatbush | null;
  private readonly xScale: number;

  constructor(points: readonly EnginePoint[]) {
    this.points = points;
    const n = points.length;
    this.unitVectors = new Float64Array(n * 3);
    this.lons = new Float64Array(n);
    this.lats = new Float64Array(n);
    this.cosLats = new Float64Array(n);
    let latSum = 0;
    for (let i = 0; i < n; i++) {
      const p = points[i]!;
      if (!Number.isFinite(p.lon) || !Number.isFinite(p.lat) || Math.abs(p.lat) > 90) {
        throw new RangeError(`service point ${p.id} (index ${i}) has invalid coordinates ${p.lon}, ${p.lat}`);
      }
      latSum += p.lat;
      this.lons[i] = p.lon;
      this.lats[i] = p.lat;
      this.cosLats[i] = cosLatitude(p.lat);
      writeUnitVector(p.lon, p.lat, this.unitVectors, i);
    }
    this.idRank = rankById(points);
    const meanLat = n > 0 ? latSum / n : 0;
    this.xScale = Math.max(0.01, Math.cos((meanLat * Math.PI) / 180));
    if (n === 0) {
      this.tree = null;
      return;
    }
    const tree = new Flatbush(n);
    for (const p of points) tree.add(p.lon * this.xScale, p.lat);
    tree.finish();
    this.tree = tree;
  }

  /** Number of indexed points. */
  get size(): number {
    return this.points.length;
  }

  /**
   * The k points nearest to (lon, lat) by great-circle distance, sorted by km ascending then by point id;
   * fewer when the index holds fewer or `maxKm` cuts them off (a point exactly at `maxKm` is included).
   * @example new PointIndex(pharmacies).nearest(15.63, 60.48, 2) // [{ point, index, km: 0.8 }, …]
   */
  nearest(lon: number, lat: number, k = 1, maxKm = Number.POSITIVE_INFINITY): Neighbor[] {
    const tree = this.tree;
    k = Math.floor(k);
    if (tree === null || !(k >= 1) || !(maxKm >= 0)) return [];
    let boundKm = maxKm;
    if (k < this.size) {
      let seedWorst = 0;
      for (const i of tree.neighbors(lon * this.xScale, lat, k)) {
        const p = this.points[i]!;
        seedWorst = Math.max(seedWorst, distanceKm(lon, lat, p.lon, p.lat));
      }
      boundKm = Math.min(boundKm, seedWorst);
    }
    const found = this.collect(this.candidateIndices(lon, lat, boundKm), lon, lat, boundKm);
    return found.length > k ? found.slice(0, k) : found;
  }

  /**
   * Every point within `radiusKm` (inclusive) of (lon, lat), sorted by km ascending then by point id.
   * @example new PointIndex(schools).within(15.63, 60.48, 10).length // schools within 10 km
   */
  within(lon: number, lat: number, radiusKm: number): Neighbor[] {
    if (this.tree === null || !(radiusKm >= 0)) return [];
    return this.collect(this.candidateIndices(lon, lat, radiusKm), lon, lat, radiusKm);
  }

  /**
   * Indices of a superset of the points within `radiusKm` of (lon, lat), unsorted and unfiltered:
   * the raw material for bulk queries that rank candidates themselves.
   * @example index.candidateIndices(15.63, 60.48, 5) // [12, 40, 41]
   */
  candidateIndices(lon: number, lat: number, radiusKm: number): number[] {
    const tree = this.tree;
    if (tree === null || !(radiusKm >= 0)) return [];
    if (radiusKm === Number.POSITIVE_INFINITY) return this.points.map((_, i) => i);
    const box = capBoundingBox(lon, lat, radiusKm);
    return tree.search(box.minLon * this.xScale, box.minLat, box.maxLon * this.xScale, box.maxLat);
  }

  private collect(candidates: readonly number[], lon: number, lat: number, maxKm: number): Neighbor[] {
    const found: Neighbor[] = [];
    for (const i of candidates) {
      const point = this.points[i]!;
      const km = distanceKm(lon, lat, point.lon, point.lat);
      if (km <= maxKm) found.push({ point, index: i, km });
    }
    const rank = this.idRank;
    found.sort((a, b) => a.km - b.km || rank[a.index]! - rank[b.index]!);
    return found;
  }
}

/** Ranks of the points in ascending id order (code-unit comparison), equal ids by input order. */
function rankById(points: readonly EnginePoint[]): Int32Array {
  const order = points.map((_, i) => i);
  order.sort((a, b) => {
    const idA = points[a]!.id;
    const idB = points[b]!.id;
    return idA < idB ? -1 : idA > idB ? 1 : a - b;
  });
  const rank = new Int32Array(points.length);
  order.forEach((pointIndex, r) => {
    rank[pointIndex] = r;
  });
  return rank;
}

/**
 * Positions 0..n-1 of lon/lat points sorted along a Hilbert curve over their bounding box, so that
 * consecutive positions are usually close on the ground (the bulk access path walks origins in this order).
 * @example hilbertOrder(Float64Array.of(20, 11, 20.1), Float64Array.of(67, 56, 67)) // Uint32Array [1, 0, 2] or similar
 */
export function hilbertOrder(lons: Float64Array, lats: Float64Array): Uint32Array {
  const n = lons.length;
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, lons[i]!);
    maxX = Math.max(maxX, lons[i]!);
    minY = Math.min(minY, lats[i]!);
    maxY = Math.max(maxY, lats[i]!);
  }
  const sx = 65535 / (maxX - minX || 1);
  const sy = 65535 / (maxY - minY || 1);
  const order = new Uint32Array(n);
  // key · 2^21 + position packs into an exactly representable double (< 2^53) for up to 2^21 positions,
  // letting the native typed-array sort do the work.
  if (n <= 1 << 21) {
    const packed = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const key = hilbert(((lons[i]! - minX) * sx) | 0, ((lats[i]! - minY) * sy) | 0);
      packed[i] = key * 2097152 + i;
    }
    packed.sort();
    for (let i = 0; i < n; i++) order[i] = packed[i]! % 2097152;
    return order;
  }
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    keys[i] = hilbert(((lons[i]! - minX) * sx) | 0, ((lats[i]! - minY) * sy) | 0);
    order[i] = i;
  }
  order.sort((a, b) => keys[a]! - keys[b]! || a - b);
  return order;
}

/**
 * Hilbert curve index of (x, y) in [0, 65535]², an unsigned 32-bit integer. The fast algorithm by
 * http://threadlocalmutex.com/ (public domain), as ported in flatbush (ISC), which does not export it.
 */
function hilbert(x: number, y: number): number {
  let a = x ^ y;
  let b = 0xffff ^ a;
  let c = 0xffff ^ (x | y);
  let d = x & (y ^ 0xffff);

  let A = a | (b >> 1);
  let B = (a >> 1) ^ a;
  let C = c ^ ((c >> 1) ^ (b & (d >> 1)));
  let D = d ^ ((a & (c >> 1)) ^ (d >> 1));

  a = (A & (A >> 2)) ^ (B & (B >> 2));
  b = (A & (B >> 2)) ^ (B & ((A ^ B) >> 2));
  c = C ^ ((A & (C >> 2)) ^ (B & (D >> 2)));
  d = D ^ ((B & (C >> 2)) ^ ((A ^ B) & (D >> 2)));

  A = (a & (a >> 4)) ^ (b & (b >> 4));
  B = (a & (b >> 4)) ^ (b & ((a ^ b) >> 4));
  C = c ^ ((a & (c >> 4)) ^ (b & (d >> 4)));
  D = d ^ ((b & (c >> 4)) ^ ((a ^ b) & (d >> 4)));

  c = C ^ ((A & (C >> 8)) ^ (B & (D >> 8)));
  d = D ^ ((B & (C >> 8)) ^ ((A ^ B) & (D >> 8)));

  c ^= c >> 1;
  d ^= d >> 1;
  a = x ^ y;
  b = d | (0xffff ^ (a | c));

  a = (a | (a << 8)) & 0x00ff00ff;
  a = (a | (a << 4)) & 0x0f0f0f0f;
  a = (a | (a << 2)) & 0x33333333;
  a = (a | (a << 1)) & 0x55555555;

  b = (b | (b << 8)) & 0x00ff00ff;
  b = (b | (b << 4)) & 0x0f0f0f0f;
  b = (b | (b << 2)) & 0x33333333;
  b = (b | (b << 1)) & 0x55555555;

  return ((b << 1) | a) >>> 0;
}
