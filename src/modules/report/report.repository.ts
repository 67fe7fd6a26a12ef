import { sql } from 'kysely';
import type { Db } from '../../db/db.js';

/** Per table and source: row counts and the day of the latest change (the plan's "data sources" table). */
export async function dataSourceRows(
  db: Db,
): Promise<{ table: string; source: string; rows: number; last: string | null }[]> {
  const { rows } = await sql<{ table: string; source: string; rows: number; last: string | null }>`
    SELECT 'settlements' AS "table", source, count(*)::int AS rows,
      to_char(max(updated_at), 'YYYY-MM-DD') AS last FROM settlements GROUP BY source
    UNION ALL
    SELECT 'service_points', source, count(*)::int, to_char(max(updated_at), 'YYYY-MM-DD')
      FROM service_points GROUP BY source
    UNION ALL
    SELECT 'road_edges', source, edges, to_char(imported_at, 'YYYY-MM-DD') FROM road_network
    ORDER BY 1, 2`.execute(db);
  return rows;
}
