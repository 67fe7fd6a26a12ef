import type { Db } from '../../db/db.js';
import { sql } from 'kysely';

import type { AreaLevel } from '../../domain.js';

export type { AreaLevel };

export interface Area {
  code: string;
  level: AreaLevel;
  name: string | null;
  parentCode: string | null;
}

/** An area as an import or the demo writes it: code, level, name, parent and boundary. */
export interface AreaBoundaryRow extends Area {
  /** GeoJSON Polygon or MultiPolygon in WGS84, or null when only the name is known. */
  geometry: unknown | null;
}

/** Upserts areas by code (names and, when given, boundaries). */
export async function upsertAreas(trx: Db, areas: readonly AreaBoundaryRow[]): Promise<number> {
  let n = 0;
  for (let start = 0; start < areas.length; start += 200) {
    const batch = areas.slice(start, start + 200);
    await trx
      .insertInto('areas')
      .values(
        batch.map((a) => ({
          code: a.code,
          level: a.level,
          name: a.name,
          parent_code: a.parentCode,
          geom:
            a.geometry === null
              ? sql<never>`NULL`
              : // Valid polygons only: generalised outlines self-intersect (18 of SCB's 311 did), so
                // ST_MakeValid repairs them and only the polygonal parts are kept.
                sql<never>`ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(a.geometry)}), 4326)), 3))`,
        })),
      )
      .onConflict((oc) =>
        oc.column('code').doUpdateSet((eb) => ({
          level: eb.ref('excluded.level'),
          name: sql<string>`COALESCE(excluded.name, areas.name)`,
          parent_code: sql<string>`COALESCE(excluded.parent_code, areas.parent_code)`,
          geom: sql<never>`COALESCE(excluded.geom, areas.geom)`,
        })),
      )
      .execute();
    n += batch.length;
  }
  return n;
}

export async function listAreas(db: Db, level?: AreaLevel): Promise<Area[]> {
  let q = db.selectFrom('areas').select(['code', 'level', 'name', 'parent_code']).orderBy('code');
  if (level) q = q.where('level', '=', level);
  const rows = await q.execute();
  return rows.map((r) => ({ code: r.code, level: r.level, name: r.name, parentCode: r.parent_code }));
}

/** Areas with boundaries as GeoJSON (for map layers), optionally simplified. */
export async function listAreaGeometries(
  db: Db,
  level: AreaLevel,
): Promise<{ code: string; name: string | null; level: AreaLevel; geometry: unknown }[]> {
  const rows = await db
    .selectFrom('areas')
    .select(['code', 'name', 'level', sql<string>`ST_AsGeoJSON(geom, 6)`.as('geojson')])
    .where('level', '=', level)
    .where('geom', 'is not', null)
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ code: r.code, name: r.name, level: r.level, geometry: JSON.parse(r.geojson) }));
}

/**
 * True when the database knows the code at that level: an imported area (boundary or name), or a settlement,
 * grid cell or service point filed under it. One query, each branch on an index or stopping at the first row.
 */
export async function areaCodeKnown(db: Db, level: AreaLevel, code: string): Promise<boolean> {
  const column = level === 'MUNICIPALITY' ? sql.ref('municipality_code') : sql.ref('county_code');
  const points =
    level === 'MUNICIPALITY'
      ? sql`OR EXISTS (SELECT 1 FROM service_points WHERE municipality_code = ${code})`
      : sql``;
  const { rows } = await sql<{ known: boolean }>`
    SELECT (EXISTS (SELECT 1 FROM areas WHERE code = ${code} AND level = ${level})
      OR EXISTS (SELECT 1 FROM settlements WHERE ${column} = ${code})
      OR EXISTS (SELECT 1 FROM settlement_versions WHERE ${column} = ${code})
      OR EXISTS (SELECT 1 FROM grid_cells WHERE ${column} = ${code})
      ${points}) AS known`.execute(db);
  return rows[0]?.known === true;
}

/** The boundary of one area as GeoJSON (Polygon or MultiPolygon); null when the code is unknown or has none. */
export async function findAreaGeometry(db: Db, code: string): Promise<unknown | null> {
  const row = await db
    .selectFrom('areas')
    .select(sql<string | null>`ST_AsGeoJSON(geom, 6)`.as('geojson'))
    .where('code', '=', code)
    .executeTakeFirst();
  return row?.geojson ? JSON.parse(row.geojson) : null;
}
