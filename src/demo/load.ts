import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../db/data-version.js';
import type { Database } from '../db/tables.js';
import { readCounties } from '../catalogue.js';
import { upsertAreas } from '../modules/areas/area.repository.js';
import { upsertServicePoints } from '../modules/service-points/service-point.repository.js';
import { upsertSettlements } from '../modules/settlements/settlement.repository.js';
import { DEMO_POINT_SOURCE, generateDemoServicePoints } from './service-points.js';
import { buildDemoSettlements, DEMO_SETTLEMENT_SOURCE, municipalityNames } from './settlements.js';

/**
 * Loads the demo region (all Swedish places with ≥ 1,000 inhabitants, real; service points, generated)
 * in one transaction, unless the database already holds settlements. Returns what was loaded.
 */
export async function loadDemoData(
  db: Kysely<Database>,
  say: (line: string) => void = () => {},
): Promise<{ settlements: number; servicePoints: number } | null> {
  const existing = await db.selectFrom('settlements').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  const settlements = buildDemoSettlements();
  const points = generateDemoServicePoints(settlements);
  say(
    `Loading demo data: ${settlements.length} real settlements (GeoNames), ${points.length} GENERATED service points…`,
  );
  await db.transaction().execute(async (trx) => {
    const names = municipalityNames();
    await upsertAreas(trx, [
      ...readCounties().map((c) => ({
        code: c.code,
        level: 'COUNTY' as const,
        name: c.name,
        parentCode: null,
        geometry: null,
      })),
      ...[...names].map(([code, name]) => ({
        code,
        level: 'MUNICIPALITY' as const,
        name,
        parentCode: code.slice(0, 2),
        geometry: null,
      })),
    ]);
    await upsertSettlements(
      trx,
      settlements.map((s) => ({
        name: s.name,
        kind: 'TATORT' as const,
        population: s.population,
        population65Plus: null,
        municipalityCode: s.municipalityCode,
        countyCode: s.countyCode,
        broadbandShare: null,
        externalId: s.externalId,
        x: s.lon,
        y: s.lat,
        crs: 'EPSG:4326' as const,
      })),
      { source: DEMO_SETTLEMENT_SOURCE, importRunId: null },
    );
    await upsertServicePoints(
      trx,
      points.map((p) => ({
        name: p.name,
        serviceTypes: p.serviceTypes,
        status: p.status,
        operator: null,
        capacity: null,
        openingHours: p.openingHours,
        municipalityCode: p.municipalityCode,
        externalId: p.externalId,
        validFrom: null,
        validTo: p.validTo,
        x: p.lon,
        y: p.lat,
        crs: 'EPSG:4326' as const,
      })),
      { source: DEMO_POINT_SOURCE, importRunId: null, generated: true },
    );
    await bumpDataVersion(trx);
  });
  return { settlements: settlements.length, servicePoints: points.length };
}
