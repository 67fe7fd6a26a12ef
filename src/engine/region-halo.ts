import { AccessEngine, computeAccessTable } from './access.js';
import { PointIndex } from './spatial-index.js';
import { reachRadiusKm, searchRadiusKm } from './travel/model.js';
import type { EnginePoint, ServiceTypeDef, TravelModel } from './types.js';

/**
 * The halo of a regional partition (docs/scaling.md, "Regional partitions"): the widest reach of any
 * catalogue type under the model — the engine's own reach radius (reachRadiusKm, with the search slack of
 * searchRadiusKm), at each type's own threshold — in great-circle km.
 */
export function haloRadiusKm(catalogue: readonly ServiceTypeDef[], model: TravelModel): number {
  let widest = 0;
  for (const type of catalogue) {
    const km = searchRadiusKm(reachRadiusKm(type.thresholdMinutes, model, type.thresholdKm));
    if (km > widest) widest = km;
  }
  return widest;
}

/**
 * The service points a partition keeps for its origins, so that every ESTIMATED answer for one of them
 * equals the whole instance's answer:
 * - every point within the halo radius of one of its origins (whatever is within reach of an origin, and
 *   every reach and catchment question inside the reach radius, sees the same points), and
 * - for every type, each origin's two nearest points of that type, wherever they are: an answer names the
 *   nearest point (and keeps the second for a closure) even when it is beyond reach, and a partition that
 *   lacked it would name another. A subset holding both gives the same two (same km, same tie-break by id).
 * Returned in input order (a subset of `points`).
 */
export function haloPoints<P extends EnginePoint>(
  points: readonly P[],
  origins: readonly { lon: number; lat: number }[],
  catalogue: readonly ServiceTypeDef[],
  model: TravelModel,
): P[] {
  if (origins.length === 0) return [];
  const keep = new Uint8Array(points.length);
  // Within the radius of some origin: one nearest-origin query per point.
  const radius = haloRadiusKm(catalogue, model);
  const originIndex = new PointIndex(
    origins.map((o, i) => ({
      id: String(i),
      name: '',
      lon: o.lon,
      lat: o.lat,
      serviceTypes: [],
      municipalityCode: null,
    })),
  );
  points.forEach((p, i) => {
    if (originIndex.nearest(p.lon, p.lat, 1, radius).length > 0) keep[i] = 1;
  });
  // Each origin's two nearest of every type, from the whole point set (the bulk table path).
  const position = new Map(points.map((p, i) => [p as EnginePoint, i]));
  const engine = new AccessEngine(points, catalogue);
  for (const type of catalogue) {
    const table = computeAccessTable(origins, engine, type.code, { model, k: 2 });
    const indexed = engine.index(type.code).points;
    for (const column of [table.pointIndex, table.secondPointIndex]) {
      if (!column) continue;
      for (const j of column) if (j >= 0) keep[position.get(indexed[j]!)!] = 1;
    }
  }
  return points.filter((_, i) => keep[i] === 1);
}
