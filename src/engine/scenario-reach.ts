import Flatbush from 'flatbush';
import { capBoundingBox } from './geodesic.js';

/**
 * The origins of one type whose km to a ranked point (the ESTIMATED derivations use the second nearest:
 * travel/estimated-delta.ts) is farther than a cutoff, each as the lon/lat bounding box of that "disc"
 * (the spherical cap of radius km·(1 + 1e-9) + 1e-9 around it). An added point can only come at least as
 * near as that ranked point when it lies in that cap, hence in the box: a point query returns a superset
 * of them, to be filtered exactly by the caller. Origins whose km is at most the cutoff are found by a
 * radius query of the cutoff around the added point instead, so a change reads the few far origins
 * around a point rather than every origin within the type's largest km.
 */
export class FarReachIndex {
  /** The cutoff (great-circle km): origins with km ≤ it are not in the index. */
  readonly cutoffKm: number;
  private readonly tree: Flatbush | null;
  private readonly settlementOf: Int32Array;

  /**
   * @param lons, lats the origins' coordinates
   * @param nearestKm each origin's great-circle km to its ranked point (pointIndex −1: none, an infinite
   *   disc)
   */
  constructor(
    lons: Float64Array,
    lats: Float64Array,
    nearestKm: Float64Array,
    pointIndex: Int32Array,
    cutoffKm: number,
  ) {
    this.cutoffKm = cutoffKm;
    const far: number[] = [];
    for (let i = 0; i < nearestKm.length; i++) {
      if (pointIndex[i]! < 0 || !(nearestKm[i]! <= cutoffKm)) far.push(i);
    }
    this.settlementOf = Int32Array.from(far);
    if (far.length === 0) {
      this.tree = null;
      return;
    }
    const tree = new Flatbush(far.length);
    for (const i of far) {
      const km = pointIndex[i]! < 0 ? Number.POSITIVE_INFINITY : nearestKm[i]!;
      const box = capBoundingBox(lons[i]!, lats[i]!, km * (1 + 1e-9) + 1e-9);
      tree.add(box.minLon, box.minLat, box.maxLon, box.maxLat);
    }
    tree.finish();
    this.tree = tree;
  }

  /** Origin indices (unsorted) of a superset of the far origins whose disc holds (lon, lat). */
  candidates(lon: number, lat: number): number[] {
    if (this.tree === null) return [];
    const hits = this.tree.search(lon, lat, lon, lat);
    for (let h = 0; h < hits.length; h++) hits[h] = this.settlementOf[hits[h]!]!;
    return hits;
  }
}
