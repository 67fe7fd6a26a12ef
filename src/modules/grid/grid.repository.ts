import type { Db } from '../../db/db.js';
import { sql } from 'kysely';
import type { BBox } from '../../db/geo.js';
import { envelope, geoJsonGeom } from '../../db/geo.js';
import { insertedColumn, upsertInBatches } from '../../db/upsert.js';
import type { EngineGridCell } from '../../engine/population-base.js';

/** A cell ready to write: its square's SWEREF 99 TM lower-left corner and size. */
export interface GridCellInput {
  cellId: string;
  cornerX: number;
  cornerY: number;
  sizeM: number;
  population: number;
  population65Plus: number | null;
  population80Plus: number | null;
  municipalityCode: string | null;
  countyCode: string | null;
}

/**
 * Inserts cells, updating those whose cell id is stored (never duplicating). The square is built in
 * SWEREF 99 TM and transformed to WGS84 by PostGIS; the centroid is the square's centre transformed.
 */
export async function upsertGridCells(
  trx: Db,
  cells: readonly GridCellInput[],
  meta: { source: string; importRunId: number },
  onBatch: (n: number) => void = () => {},
): Promise<{ inserted: number; updated: number }> {
  return upsertInBatches(cells, async (batch) => {
    const rows = await trx
      .insertInto('grid_cells')
      .values(
        batch.map((c) => ({
          cell_id: c.cellId,
          size_m: c.sizeM,
          population: c.population,
          population_65_plus: c.population65Plus,
          population_80_plus: c.population80Plus,
          municipality_code: c.municipalityCode,
          county_code: c.countyCode,
          geom: sql`ST_Transform(ST_MakeEnvelope(${c.cornerX}::float8, ${c.cornerY}::float8, ${c.cornerX + c.sizeM}::float8, ${c.cornerY + c.sizeM}::float8, 3006), 4326)`,
          centroid: sql`ST_Transform(ST_SetSRID(ST_MakePoint(${c.cornerX + c.sizeM / 2}::float8, ${c.cornerY + c.sizeM / 2}::float8), 3006), 4326)`,
          source: meta.source,
          import_run_id: meta.importRunId,
        })),
      )
      .onConflict((oc) =>
        oc.column('cell_id').doUpdateSet((eb) => ({
          size_m: eb.ref('excluded.size_m'),
          population: eb.ref('excluded.population'),
          population_65_plus: eb.ref('excluded.population_65_plus'),
          population_80_plus: eb.ref('excluded.population_80_plus'),
          municipality_code: eb.ref('excluded.municipality_code'),
          county_code: eb.ref('excluded.county_code'),
          geom: eb.ref('excluded.geom'),
          centroid: eb.ref('excluded.centroid'),
          source: eb.ref('excluded.source'),
          import_run_id: eb.ref('excluded.import_run_id'),
        })),
      )
      .returning(insertedColumn)
      .execute();
    onBatch(batch.length);
    return rows;
  });
}

/**
 * Cells of an import run without a municipality get the one whose boundary (the `areas` table) contains
 * their centre; then every cell of the run without a county gets its municipality's first two digits.
 * Returns the cells of the run left without a municipality.
 */
export async function assignGridAreas(trx: Db, importRunId: number): Promise<number> {
  await sql`UPDATE grid_cells g SET municipality_code = a.code
    FROM areas a
    WHERE g.import_run_id = ${importRunId} AND g.municipality_code IS NULL
      AND a.level = 'MUNICIPALITY' AND ST_Intersects(a.geom, g.centroid)`.execute(trx);
  await sql`UPDATE grid_cells SET county_code = left(municipality_code, 2)
    WHERE import_run_id = ${importRunId} AND county_code IS NULL AND municipality_code IS NOT NULL`.execute(
    trx,
  );
  const row = await trx
    .selectFrom('grid_cells')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('import_run_id', '=', importRunId)
    .where('municipality_code', 'is', null)
    .executeTakeFirstOrThrow();
  return row.n;
}

/** The distinct cell sizes stored (a grid has one; an appended file must match it). */
export async function storedGridSizes(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('grid_cells').select('size_m').distinct().execute();
  return rows.map((r) => r.size_m);
}

/**
 * SWEREF 99 TM coordinates of WGS84 (or SWEREF) points, in order, transformed by PostGIS (the same
 * transform the squares are built with).
 */
export async function toSweref(
  db: Db,
  points: readonly { x: number; y: number; crs: 'EPSG:4326' | 'EPSG:3006' }[],
): Promise<{ x: number; y: number }[]> {
  const out: { x: number; y: number }[] = [];
  for (let start = 0; start < points.length; start += 1000) {
    const batch = points.slice(start, start + 1000);
    const values = sql.join(
      batch.map(
        (p, i) =>
          sql`(${i}::int, ${p.x}::float8, ${p.y}::float8, ${p.crs === 'EPSG:3006' ? 3006 : 4326}::int)`,
      ),
    );
    const result = await sql<{ i: number; x: number; y: number }>`
      SELECT i, ST_X(t) AS x, ST_Y(t) AS y FROM (
        SELECT i, ST_Transform(ST_SetSRID(ST_MakePoint(px, py), srid), 3006) AS t
        FROM (VALUES ${values}) AS v(i, px, py, srid)) q ORDER BY i`.execute(db);
    for (const r of result.rows) out.push({ x: Number(r.x), y: Number(r.y) });
  }
  return out;
}

/** Every stored cell as the engine sees it (centre, residents, codes), ordered by cell id. */
export async function findGridCells(
  db: Db,
  /** A regional partition's county or municipality codes (empty = every cell). */
  regions: readonly string[] = [],
): Promise<EngineGridCell[]> {
  const rows = await db
    .selectFrom('grid_cells')
    .$if(regions.length > 0, (q) =>
      q.where((eb) =>
        eb.or([eb('county_code', 'in', [...regions]), eb('municipality_code', 'in', [...regions])]),
      ),
    )
    .select([
      'cell_id',
      'size_m',
      'population',
      'population_65_plus',
      'population_80_plus',
      'municipality_code',
      'county_code',
      sql<number>`ST_X(centroid)`.as('lon'),
      sql<number>`ST_Y(centroid)`.as('lat'),
    ])
    .orderBy('cell_id')
    .execute();
  return rows.map((r) => ({
    id: r.cell_id,
    sizeM: r.size_m,
    lon: Number(r.lon),
    lat: Number(r.lat),
    population: r.population,
    population65Plus: r.population_65_plus,
    population80Plus: r.population_80_plus,
    municipalityCode: r.municipality_code,
    countyCode: r.county_code,
  }));
}

/** Which cells: the same area filter as settlements (the centre decides). */
export interface GridAreaFilter {
  municipalityCode?: string | null;
  countyCode?: string | null;
  bbox?: BBox | null;
  polygon?: unknown;
}

/** Ids of the cells whose centre lies in an area, or null for "everywhere". */
export async function findGridCellIdsInArea(db: Db, area: GridAreaFilter): Promise<string[] | null> {
  const given = Object.values(area).some((v) => v !== undefined && v !== null);
  if (!given) return null;
  let q = db.selectFrom('grid_cells').select('cell_id');
  if (area.municipalityCode) q = q.where('municipality_code', '=', area.municipalityCode);
  if (area.countyCode) q = q.where('county_code', '=', area.countyCode);
  if (area.bbox) q = q.where(sql<boolean>`centroid && ${envelope(area.bbox)}`);
  if (area.polygon) q = q.where(sql<boolean>`ST_Intersects(centroid, ${geoJsonGeom(area.polygon)})`);
  const rows = await q.orderBy('cell_id').execute();
  return rows.map((r) => r.cell_id);
}

/** Deletes the stored grid (a replacing import); returns how many squares it held. */
export async function deleteGridCells(trx: Db): Promise<number> {
  const deleted = await trx.deleteFrom('grid_cells').executeTakeFirst();
  return Number(deleted.numDeletedRows ?? 0);
}
