import { sql } from 'kysely';
import type { Db } from '../../db/db.js';
import { DomainError } from '../../domain-error.js';
import type { AreaFilter } from '../../geo/area-filter.js';

/**
 * A regional partition's refusal (SERVICEATLAS_REGIONS; docs/scaling.md "Regional partitions"): the
 * question is about an area this replica does not hold, so the load balancer should have sent it to the
 * partition that does (or to a whole instance). GraphQL `extensions.code` REGION_NOT_SERVED.
 */
export function regionNotServed(regions: readonly string[], what: string, field: string | null): DomainError {
  return new DomainError(
    'REGION_NOT_SERVED',
    `${what} is not served by this replica, a regional partition holding ${regions.join(', ')}; ` +
      'send the request with its area (countyCode or municipalityCode, or the X-Serviceatlas-Area header) ' +
      'through the load balancer, or to a whole instance',
    field,
  );
}

/**
 * Refuses (REGION_NOT_SERVED) an area a partition does not hold. Held: a county code among the regions; a
 * municipality code among them, or whose settlements or grid cells lie in a county among them. Everything
 * else — no area (everywhere), or only a bbox or polygon — is refused: a partition cannot answer for
 * places outside its regions, and a bbox may cross into them. A whole instance (no regions) holds all.
 */
export async function requireServedArea(db: Db, regions: readonly string[], area: AreaFilter): Promise<void> {
  if (regions.length === 0) return;
  if (area.countyCode != null) {
    if (regions.includes(area.countyCode)) return;
    throw regionNotServed(regions, `County ${area.countyCode}`, 'area.countyCode');
  }
  if (area.municipalityCode != null) {
    if (await municipalityServed(db, regions, area.municipalityCode)) return;
    throw regionNotServed(regions, `Municipality ${area.municipalityCode}`, 'area.municipalityCode');
  }
  throw regionNotServed(regions, 'A question without a county or municipality code', 'area');
}

async function municipalityServed(db: Db, regions: readonly string[], code: string): Promise<boolean> {
  if (regions.includes(code)) return true;
  const { rows } = await sql<{ held: boolean }>`
    SELECT (EXISTS (SELECT 1 FROM settlements WHERE municipality_code = ${code} AND county_code IN (${sql.join(regions)}))
      OR EXISTS (SELECT 1 FROM grid_cells WHERE municipality_code = ${code} AND county_code IN (${sql.join(regions)})))
      AS held`.execute(db);
  return rows[0]?.held === true;
}
