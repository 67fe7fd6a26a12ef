/**
 * When boundaries are imported, the municipality and county codes stored beside settlements and
 * service points are derived again from where they are, so a code written before the boundaries (by an
 * import or a client) cannot contradict them. A point inside a boundary takes its code. Generalised
 * boundaries cut coasts short (SCB's generalised 2024 kommuner leave 122 of the 2,017 tätort points
 * outside every polygon), so a point outside all of them but within BOUNDARY_SNAP_METRES of one takes
 * the nearest; farther out it keeps its code. (Writes by place do not snap: place-scope.ts.)
 */
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { AreaLevel } from './area.repository.js';

/** How far outside every boundary a point may lie and still take the nearest one's code. */
export const BOUNDARY_SNAP_METRES = 2000;

export interface RederivedCodes {
  /** Rows whose stored code changed, per table. */
  settlements: number;
  servicePoints: number;
  /** Rows outside every boundary that took the nearest within BOUNDARY_SNAP_METRES. */
  snapped: number;
  /** Rows outside every boundary and farther than that: their codes were kept. */
  unplaced: number;
}

type Trx = Transaction<Database>;

/** The code of the `level` boundary covering `geom`, else the nearest within the snap distance. */
function placeSql(level: AreaLevel, geom: ReturnType<typeof sql.ref>) {
  const at = sql`ST_PointOnSurface(${geom})`;
  return {
    inside: sql<string | null>`(SELECT a.code FROM areas a WHERE a.level = ${level} AND a.geom IS NOT NULL
      AND ST_Covers(a.geom, ${at}) ORDER BY a.code LIMIT 1)`,
    nearest: sql<string | null>`(SELECT a.code FROM areas a WHERE a.level = ${level} AND a.geom IS NOT NULL
      AND ST_DWithin(a.geom::geography, ${at}::geography, ${BOUNDARY_SNAP_METRES})
      ORDER BY ST_Distance(a.geom::geography, ${at}::geography), a.code LIMIT 1)`,
  };
}

async function rederiveTable(
  trx: Trx,
  table: 'settlements' | 'service_points',
  level: AreaLevel,
): Promise<{ changed: number; snapped: number; unplaced: number }> {
  const { inside, nearest } = placeSql(level, sql.ref('t.geom'));
  const hasCounty = table === 'settlements';
  // A MUNICIPALITY boundary gives the municipality (and, for settlements, its county: SCB's kommunkod
  // begins with the länskod); a COUNTY boundary gives the county of settlements without a municipality.
  const set =
    level === 'MUNICIPALITY'
      ? hasCounty
        ? sql`municipality_code = p.code, county_code = left(p.code, 2)`
        : sql`municipality_code = p.code`
      : sql`county_code = p.code`;
  const differs =
    level === 'MUNICIPALITY'
      ? hasCounty
        ? sql`(t.municipality_code IS DISTINCT FROM p.code OR t.county_code IS DISTINCT FROM left(p.code, 2))`
        : sql`t.municipality_code IS DISTINCT FROM p.code`
      : sql`t.municipality_code IS NULL AND t.county_code IS DISTINCT FROM p.code`;
  const scope = level === 'COUNTY' ? sql`WHERE t.municipality_code IS NULL` : sql``;
  const result = await sql<{ changed: number; snapped: number; unplaced: number }>`
    WITH placed AS (
      SELECT t.id, i.code AS inside, COALESCE(i.code, ${nearest}) AS code
      FROM ${sql.table(table)} t
      CROSS JOIN LATERAL (SELECT ${inside} AS code) i
      ${scope}
    ), changed AS (
      UPDATE ${sql.table(table)} t SET ${set}, updated_at = now()
      FROM placed p
      WHERE t.id = p.id AND p.code IS NOT NULL AND ${differs}
      RETURNING t.id
    )
    SELECT (SELECT count(*) FROM changed)::int AS changed,
           (SELECT count(*) FROM placed WHERE inside IS NULL AND code IS NOT NULL)::int AS snapped,
           (SELECT count(*) FROM placed WHERE code IS NULL)::int AS unplaced`.execute(trx);
  return result.rows[0]!;
}

/** Derives the stored codes again from the `level` boundaries just imported (in the import's transaction). */
export async function rederiveCodes(trx: Trx, level: AreaLevel): Promise<RederivedCodes> {
  const settlements = await rederiveTable(trx, 'settlements', level);
  const points =
    level === 'MUNICIPALITY'
      ? await rederiveTable(trx, 'service_points', level)
      : { changed: 0, snapped: 0, unplaced: 0 };
  return {
    settlements: settlements.changed,
    servicePoints: points.changed,
    snapped: settlements.snapped + points.snapped,
    unplaced: settlements.unplaced + points.unplaced,
  };
}

/** The import's report line. */
export function describeRederived(level: AreaLevel, r: RederivedCodes): string {
  const what = level === 'COUNTY' ? 'county' : 'municipality';
  const changed =
    level === 'COUNTY'
      ? `${r.settlements} settlements without a municipality changed county`
      : `${r.settlements} settlements and ${r.servicePoints} service points changed ${what}`;
  return (
    `  codes derived again from the boundaries: ${changed}; ${r.snapped} outside every boundary took the ` +
    `nearest within ${BOUNDARY_SNAP_METRES / 1000} km; ${r.unplaced} farther out kept their code`
  );
}
