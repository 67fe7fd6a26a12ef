import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../db/data-version.js';
import type { Database } from '../db/tables.js';
import { readCounties } from '../catalogue.js';
import { upsertAreas } from '../modules/areas/area.repository.js';
import { upsertServicePoints } from '../modules/service-points/service-point.repository.js';
import { upsertSettlements } from '../modules/settlements/settlement.repository.js';
import { DEMO_POINT_SOURCE, generateDemoServicePoints } from './service-points.js';
import { buildDemoSettlements, DEMO_SETTLEMENT_SOURCE, municipalityNames } from './settlements.js';
import {
  DEMO_GRID_SOURCE,
  DEMO_OSM_SOURCE,
  demoGridCells,
  demoOsmPoints,
  OSM_DEMO_TYPES,
} from './real-points.js';
import { upsertGridCells } from '../modules/grid/grid.repository.js';

/**
 * Loads the demo region in one transaction, unless the database already holds settlements: SCB's 2,017
 * tätorter 2020 and Dalarna's 1 km population grid 2025 (real, CC0), OpenStreetMap pharmacies, clinics and
 * doctors (real, ODbL), and GENERATED points of the other types (labelled). Returns what was loaded.
 */
export async function loadDemoData(
  db: Kysely<Database>,
  say: (line: string) => void = () => {},
): Promise<{ settlements: number; servicePoints: number } | null> {
  const existing = await db.selectFrom('settlements').select('id').limit(1).executeTakeFirst();
  if (existing) return null;
  const settlements = buildDemoSettlements();
  const osmPoints = demoOsmPoints();
  const points = generateDemoServicePoints(settlements, new Set(Object.values(OSM_DEMO_TYPES)));
  const cells = demoGridCells();
  say(
    `Loading demo data: ${settlements.length} SCB tätorter, ${cells.length} SCB grid squares (Dalarna), ` +
      `${osmPoints.length} OpenStreetMap health points (ODbL), ${points.length} GENERATED service points…`,
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
        capacity: p.capacity,
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
    await upsertServicePoints(
      trx,
      osmPoints.map((p) => ({
        name: p.name,
        serviceTypes: p.serviceTypes,
        status: 'OPEN' as const,
        operator: null,
        capacity: null,
        openingHours: null,
        municipalityCode: p.municipalityCode,
        externalId: p.externalId,
        validFrom: null,
        validTo: null,
        x: p.lon,
        y: p.lat,
        crs: 'EPSG:4326' as const,
      })),
      { source: DEMO_OSM_SOURCE, importRunId: null, generated: false },
    );
    const run = await trx
      .insertInto('import_runs')
      .values({
        kind: 'grid',
        file: 'data/open/scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv',
        format: 'csv',
        status: 'DONE',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await upsertGridCells(trx, cells, { source: DEMO_GRID_SOURCE, importRunId: run.id });
    await bumpDataVersion(trx);
  });
  return { settlements: settlements.length, servicePoints: points.length + osmPoints.length };
}
