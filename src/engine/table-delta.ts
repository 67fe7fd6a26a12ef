import type { AccessTable } from './access-table.js';
import type { AccessEngine } from './access.js';
import { distanceKm } from './geodesic.js';
import { estimateMinutes, estimateTravelKm } from './travel/model.js';
import { applyThresholds } from './travel/verdict.js';
import type { EnginePoint, TravelModel } from './types.js';

/**
 * A data version's access table derived from the last version's when a few points closed, opened or moved
 * (the origins unchanged): what a write at country scale costs is the rows whose nearest two could
 * include, or included, the changed points — not a nearest search over every origin.
 */

/** The key of a point in both versions: a moved point is another point. */
const pointKey = (p: EnginePoint) => `${p.id}|${p.lon}|${p.lat}`;

/**
 * oldToNew[f + 1] = the new number of old point f (−1: closed or moved; −1 → −1), and the new numbers of
 * the points that are new (opened or moved here); null when the kept points change their relative order
 * (ties would then resolve differently, so the caller builds in full).
 * @example pointRenumbering([a, b, c], [a, c, d]) // { oldToNew: [-1, 0, -1, 1], added: [2] }
 */
export function pointRenumbering(
  oldPoints: readonly EnginePoint[],
  newPoints: readonly EnginePoint[],
): { oldToNew: Int32Array; added: Int32Array } | null {
  const newIndex = new Map(newPoints.map((p, j) => [pointKey(p), j]));
  const oldToNew = new Int32Array(oldPoints.length + 1).fill(-1);
  const kept = new Uint8Array(newPoints.length);
  let last = -1;
  for (let f = 0; f < oldPoints.length; f++) {
    const j = newIndex.get(pointKey(oldPoints[f]!));
    if (j === undefined) continue;
    if (j < last) return null;
    last = j;
    oldToNew[f + 1] = j;
    kept[j] = 1;
  }
  const added: number[] = [];
  for (let j = 0; j < newPoints.length; j++) if (kept[j] === 0) added.push(j);
  return { oldToNew, added: Int32Array.from(added) };
}

/** A facility column renumbered in place (old f → oldToNew[f + 1]). */
export function renumber(column: Int32Array, oldToNew: Int32Array): void {
  for (let i = 0; i < column.length; i++) column[i] = oldToNew[column[i]! + 1]!;
}

/** Changes beyond which a full build is cheaper than reading the changed rows one by one. */
const MAX_CHANGED_POINTS = 64;

/**
 * The ESTIMATED k = 2 table of `code` over `engine`'s points, derived from `base` (the same origins, the
 * last version's points `basePoints`): columns copied and renumbered; the rows whose first or second
 * point closed or moved, and the rows an opened (or moved) point comes nearer than their second, are
 * searched again exactly (PointIndex.nearest: the same km and tie-break by id as the bulk search). Null
 * when it cannot be derived (no second rank, reordered or many changed points): build in full.
 * Equal to computeAccessTable (test/engine/table-delta.test.ts).
 */
export function derivedEstimatedTable(
  base: AccessTable,
  basePoints: readonly EnginePoint[],
  origins: readonly { lon: number; lat: number }[],
  engine: AccessEngine,
  code: string,
  model: TravelModel,
): { table: AccessTable; rows: number } | null {
  const index = engine.index(code);
  const points = index.points;
  const n = origins.length;
  if (!base.secondPointIndex || !base.secondStraightKm || base.pointIndex.length !== n) return null;
  if (base.connectorKm || base.fallback) return null; // a NETWORK table
  const renumbering = pointRenumbering(basePoints, points);
  if (!renumbering) return null;
  const { oldToNew, added } = renumbering;
  const closedCount = basePoints.length - (points.length - added.length);
  if (closedCount + added.length > MAX_CHANGED_POINTS || points.length < 2) return null;
  const pointIndex = base.pointIndex.slice();
  const secondPointIndex = base.secondPointIndex.slice();
  renumber(pointIndex, oldToNew);
  renumber(secondPointIndex, oldToNew);
  const straightKm = base.straightKm.slice();
  const secondStraightKm = base.secondStraightKm.slice();
  const minutes = base.minutes.slice();
  const travelKm = base.travelKm.slice();
  const secondMinutes = base.secondMinutes!.slice();
  const secondTravelKm = base.secondTravelKm!.slice();
  // Rows to search again: a closed (or moved-away) point among their two, or fewer than two points before.
  const again = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (pointIndex[i]! < 0 || secondPointIndex[i]! < 0) again[i] = 1;
  }
  // An opened point nearer than (or as near as) a row's second: that row too. Latitude alone rules out
  // most rows (1° of latitude is ≥ 110.5 km along any meridian; a margin keeps the test conservative).
  const KM_PER_DEGREE_LAT = 110;
  for (const j of added) {
    const q = points[j]!;
    for (let i = 0; i < n; i++) {
      if (again[i] === 1) continue;
      const o = origins[i]!;
      const limit = secondStraightKm[i]!;
      if (Math.abs(o.lat - q.lat) * KM_PER_DEGREE_LAT > limit + 1e-6) continue;
      if (distanceKm(o.lon, o.lat, q.lon, q.lat) <= limit + 1e-9) again[i] = 1;
    }
  }
  let rows = 0;
  for (let i = 0; i < n; i++) {
    if (again[i] === 0) continue;
    rows++;
    const o = origins[i]!;
    const found = index.nearest(o.lon, o.lat, 2);
    const first = found[0];
    const second = found[1];
    pointIndex[i] = first ? first.index : -1;
    straightKm[i] = first ? first.km : Number.NaN;
    minutes[i] = first ? estimateMinutes(first.km, model) : Number.POSITIVE_INFINITY;
    travelKm[i] = first ? estimateTravelKm(first.km, model) : Number.NaN;
    secondPointIndex[i] = second ? second.index : -1;
    secondStraightKm[i] = second ? second.km : Number.NaN;
    secondMinutes[i] = second ? estimateMinutes(second.km, model) : Number.POSITIVE_INFINITY;
    secondTravelKm[i] = second ? estimateTravelKm(second.km, model) : Number.NaN;
  }
  const table: AccessTable = {
    ...base,
    model: { ...base.model },
    pointIndex,
    straightKm,
    minutes,
    travelKm,
    method: base.method.slice(),
    secondPointIndex,
    secondStraightKm,
    secondMinutes,
    secondTravelKm,
  };
  return { table: applyThresholds(table, base.thresholdMinutes, base.thresholdKm), rows };
}
