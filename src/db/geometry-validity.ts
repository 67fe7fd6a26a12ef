import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * PostGIS's verdict on a client polygon (after the JavaScript checks): ST_IsValid, and when it is not,
 * ST_IsValidDetail's reason ("Self-intersection", "Hole lies outside shell", …) and location.
 */
export async function polygonValidity(
  db: Kysely<unknown>,
  geometry: unknown,
): Promise<{ valid: boolean; reason: string | null; lon: number | null; lat: number | null }> {
  const { rows } = await sql<{
    valid: boolean;
    reason: string | null;
    lon: number | null;
    lat: number | null;
  }>`
    SELECT d.valid, d.reason, ST_X(d.location) AS lon, ST_Y(d.location) AS lat
    FROM (SELECT (ST_IsValidDetail(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326))).*) AS d`.execute(
    db,
  );
  const r = rows[0]!;
  return { valid: r.valid, reason: r.reason, lon: r.lon, lat: r.lat };
}

/**
 * The polygonal part of ST_MakeValid (a self-intersecting ring becomes a MultiPolygon of its lobes), as
 * GeoJSON; null when nothing polygonal is left.
 */
export async function repairPolygon(db: Kysely<unknown>, geometry: unknown): Promise<unknown | null> {
  const { rows } = await sql<{ geojson: string | null }>`
    SELECT CASE WHEN ST_IsEmpty(r) THEN NULL ELSE ST_AsGeoJSON(r) END AS geojson
    FROM (SELECT ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326)), 3) AS r) AS s`.execute(
    db,
  );
  const g = rows[0]?.geojson;
  return g ? JSON.parse(g) : null;
}
