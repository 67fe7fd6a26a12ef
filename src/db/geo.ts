import type { RawBuilder } from 'kysely';
import { sql } from 'kysely';
import type { GeometryValue } from './tables.js';

import type { Crs } from '../domain.js';

export type { Crs };

/** A WGS84 point from coordinates in the given CRS; SWEREF 99 TM is transformed by PostGIS. */
export function pointGeom(x: number, y: number, crs: Crs = 'EPSG:4326'): RawBuilder<GeometryValue> {
  if (crs === 'EPSG:3006') {
    return sql<GeometryValue>`ST_Transform(ST_SetSRID(ST_MakePoint(${x}::float8, ${y}::float8), 3006), 4326)`;
  }
  return sql<GeometryValue>`ST_SetSRID(ST_MakePoint(${x}::float8, ${y}::float8), 4326)`;
}

export interface BBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export function envelope(b: BBox): RawBuilder<GeometryValue> {
  return sql<GeometryValue>`ST_MakeEnvelope(${b.minLon}::float8, ${b.minLat}::float8, ${b.maxLon}::float8, ${b.maxLat}::float8, 4326)`;
}

/**
 * A GeoJSON Polygon/MultiPolygon given by a user, as a WGS84 geometry (validated by PostGIS). A scalar
 * subquery, so the GeoJSON is parsed once per statement (an InitPlan), not once per row it is tested
 * against: measured on PGlite, 19,000 vertices against 6,000 points 2.1–2.5 s inline, 1.4–1.8 s so.
 */
export function geoJsonGeom(geometry: unknown): RawBuilder<GeometryValue> {
  return sql<GeometryValue>`(SELECT ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), 4326))`;
}

/** Validates a bounding box; returns a message or null. */
export function bboxProblem(b: BBox): string | null {
  const values = [b.minLon, b.minLat, b.maxLon, b.maxLat];
  if (!values.every(Number.isFinite)) return 'bbox coordinates must be finite numbers';
  if (b.minLon < -180 || b.maxLon > 180 || b.minLat < -90 || b.maxLat > 90) {
    // Projected metres given as degrees (SWEREF 99 TM, EPSG:3006) are the usual cause.
    if (b.minLon > 180 && b.minLat > 90 && b.minLon < 1_000_000 && b.minLat > 6_000_000)
      return 'bbox numbers look like SWEREF 99 TM (EPSG:3006) metres, not WGS84 degrees; transform them to EPSG:4326';
    return 'bbox is outside WGS84 lon/lat range (lon −180..180, lat −90..90)';
  }
  if (b.minLon > b.maxLon)
    return 'bbox minLon exceeds maxLon; a box across the antimeridian is not supported: split it in two';
  if (b.minLat > b.maxLat) return 'bbox minLat must not exceed maxLat';
  return null;
}
