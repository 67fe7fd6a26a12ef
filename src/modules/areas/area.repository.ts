import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/tables.js';

type Db = Kysely<Database> | Transaction<Database>;

export type AreaLevel = 'MUNICIPALITY' | 'COUNTY';

export interface Area {
  code: string;
  level: AreaLevel;
  name: string | null;
  parentCode: string | null;
}

export interface AreaInput extends Area {
  /** GeoJSON Polygon or MultiPolygon in WGS84, or null when only the name is known. */
  geometry: unknown | null;
}

/** Upserts areas by code (names and, when given, boundaries). */
export async function upsertAreas(trx: Db, areas: readonly AreaInput[]): Promise<number> {
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

/** The boundary of one area as GeoJSON (Polygon or MultiPolygon); null when the code is unknown or has none. */
export async function findAreaGeometry(db: Db, code: string): Promise<unknown | null> {
  const row = await db
    .selectFrom('areas')
    .select(sql<string | null>`ST_AsGeoJSON(geom, 6)`.as('geojson'))
    .where('code', '=', code)
    .executeTakeFirst();
  return row?.geojson ? JSON.parse(row.geojson) : null;
}
