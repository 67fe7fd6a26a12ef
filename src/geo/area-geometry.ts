import type { Kysely } from 'kysely';
import { polygonValidity, repairPolygon } from '../db/geometry-validity.js';
import { invalid } from '../domain-error.js';

/**
 * The PostGIS half of polygon validation (the JavaScript half, checkPolygonGeometry, runs first): an
 * invalid polygon (self-intersection, hole outside its shell, …) is BAD_USER_INPUT naming PostGIS's
 * reason and where, unless the request asked for `repair`, which keeps the polygonal part of
 * ST_MakeValid instead.
 */
export async function validPolygon(
  db: Kysely<unknown>,
  geometry: unknown,
  options: { field: string; repair: boolean },
): Promise<unknown> {
  let verdict: Awaited<ReturnType<typeof polygonValidity>>;
  try {
    verdict = await polygonValidity(db, geometry);
  } catch (error) {
    // PostGIS refused to read it at all (a shape the JavaScript checks let through).
    throw invalid(
      `${options.field} is not a readable GeoJSON polygon: ${(error as Error).message}`,
      options.field,
    );
  }
  if (verdict.valid) return geometry;
  if (!options.repair) {
    const at = verdict.lon !== null && verdict.lat !== null ? ` at [${verdict.lon}, ${verdict.lat}]` : '';
    throw invalid(
      `${options.field} is not a valid polygon: ${verdict.reason ?? 'invalid'}${at}; fix it, or set repair: true to use the polygonal part of ST_MakeValid`,
      options.field,
    );
  }
  const repaired = await repairPolygon(db, geometry);
  if (repaired === null)
    throw invalid(`${options.field} has no polygonal part left after repair`, options.field);
  return repaired;
}
