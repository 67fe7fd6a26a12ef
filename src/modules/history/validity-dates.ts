import { sql } from 'kysely';
import type { Db } from '../../db/db.js';

/**
 * Every date on which the data as of a date can change: the start and end of a service point's period in
 * service, and the start of a settlement's yearly version. Between two consecutive such dates, a dated
 * snapshot (`asOf`) is the same whatever the day (service-point.repository `inServiceOn` and
 * settlement.repository `findSettlementsAsOf` compare the day only with these columns).
 */
export async function validityBoundaries(db: Db): Promise<string[]> {
  const rows = await sql<{ d: string }>`
    SELECT DISTINCT to_char(d, 'YYYY-MM-DD') AS d FROM (
      SELECT valid_from AS d FROM service_points WHERE valid_from IS NOT NULL
      UNION SELECT valid_to FROM service_points WHERE valid_to IS NOT NULL
      UNION SELECT valid_from FROM settlement_versions
    ) AS boundaries ORDER BY 1`.execute(db);
  return rows.rows.map((r) => r.d);
}

/**
 * The period a day falls in, named by the latest boundary on or before it ('' before the first): days
 * with the same period see the same data. `boundaries` ascending, days as YYYY-MM-DD.
 * @example datedPeriod(['2019-06-30', '2024-01-01'], '2020-05-05') // '2019-06-30'
 */
export function datedPeriod(boundaries: readonly string[], day: string): string {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid]! <= day) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? '' : boundaries[lo - 1]!;
}
