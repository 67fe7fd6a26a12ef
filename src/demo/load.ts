import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../db/data-version.js';
import type { Database } from '../db/tables.js';
import { readCounties } from '../catalogue.js';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AreaBoundaryRow } from '../modules/areas/area.repository.js';
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
import { upsertConnectivity } from '../modules/connectivity/connectivity.repository.js';
import {
  DEMO_CONNECTIVITY_LICENCE,
  DEMO_CONNECTIVITY_SOURCE,
  generateDemoConnectivity,
} from './connectivity.js';
import { loadAndorraDemo } from './andorra.js';

/** SCB's generalised municipality and county boundaries 2024 (CC0), vendored for the tests and the demo. */
export const DEMO_BOUNDARIES_DIR = fileURLToPath(
  new URL('../../data/open/scb-kommuner-lan-2024/', import.meta.url),
);

interface BoundaryFile {
  features: { properties: Record<string, string>; geometry: unknown }[];
}

/**
 * The demo's areas: every county and municipality with its real outline (SCB 2024, generalised), named
 * as the catalogue and the tätort file name them. The settlements keep SCB's own municipality codes
 * from the tätort file (better than the generalised outlines, which put 27 tätort points in a
 * neighbouring municipality and 122 outside every one); writes by place use the outlines.
 */
export function demoAreas(): AreaBoundaryRow[] {
  const read = (name: string) =>
    JSON.parse(readFileSync(`${DEMO_BOUNDARIES_DIR}${name}`, 'utf8')) as BoundaryFile;
  const municipalities = read('kommuner_2024_generalized.geojson').features;
  const counties = read('lan_2024_generalized.geojson').features;
  const names = municipalityNames();
  const countyNames = new Map(readCounties().map((c) => [c.code, c.name]));
  return [
    ...counties.map((f) => ({
      code: f.properties.lanskod!,
      level: 'COUNTY' as const,
      name: countyNames.get(f.properties.lanskod!) ?? `${f.properties.lansnamn} län`,
      parentCode: null,
      geometry: f.geometry,
    })),
    ...municipalities.map((f) => ({
      code: f.properties.kommunkod!,
      level: 'MUNICIPALITY' as const,
      name: names.get(f.properties.kommunkod!) ?? f.properties.kommunnamn ?? null,
      parentCode: f.properties.kommunkod!.slice(0, 2),
      geometry: f.geometry,
    })),
  ];
}

/**
 * A demo database loaded before the boundaries were part of the demo has names only: give it the
 * outlines (once; a database whose boundaries were imported is left alone). Returns how many areas
 * got one, 0 when nothing was done.
 */
export async function addDemoBoundaries(db: Kysely<Database>): Promise<number> {
  const demo = await db
    .selectFrom('settlements')
    .select('id')
    .where('source', '=', DEMO_SETTLEMENT_SOURCE)
    .limit(1)
    .executeTakeFirst();
  if (!demo) return 0;
  const outlined = await db
    .selectFrom('areas')
    .select('code')
    .where('geom', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  if (outlined) return 0;
  return db.transaction().execute(async (trx) => {
    const n = await upsertAreas(trx, demoAreas());
    await bumpDataVersion(trx);
    return n;
  });
}

/**
 * Loads the demo region in one transaction, unless the database already holds settlements: SCB's
 * municipality and county boundaries 2024 (generalised), SCB's 2,017 tätorter 2020 and Dalarna's 1 km
 * population grid 2025 (real, CC0), OpenStreetMap pharmacies, clinics and doctors (real, ODbL), GENERATED
 * points of the other types and GENERATED connectivity per municipality, tätort and grid square
 * (labelled; src/demo/connectivity.ts). Returns what was loaded.
 */
export async function loadDemoData(
  db: Kysely<Database>,
  say: (line: string) => void = () => {},
  region: 'sweden' | 'andorra' = 'sweden',
): Promise<{ settlements: number; servicePoints: number } | null> {
  // SERVICEATLAS_DEMO=andorra: everything from one OpenStreetMap extract, roads included (andorra.ts).
  if (region === 'andorra') return loadAndorraDemo(db, say);
  const existing = await db.selectFrom('settlements').select('id').limit(1).executeTakeFirst();
  if (existing) {
    const outlined = await addDemoBoundaries(db);
    if (outlined > 0)
      say(`Added SCB's municipality and county boundaries 2024 to the demo data (${outlined} areas).`);
    return null;
  }
  const settlements = buildDemoSettlements();
  const osmPoints = demoOsmPoints();
  const points = generateDemoServicePoints(settlements, new Set(Object.values(OSM_DEMO_TYPES)));
  const cells = demoGridCells();
  say(
    `Loading demo data: SCB's 290 municipality and 21 county boundaries, ${settlements.length} SCB tätorter, ` +
      `${cells.length} SCB grid squares (Dalarna), ${osmPoints.length} OpenStreetMap health points (ODbL), ` +
      `${points.length} GENERATED service points, GENERATED connectivity figures…`,
  );
  await db.transaction().execute(async (trx) => {
    await upsertAreas(trx, demoAreas());
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
    // GENERATED connectivity (no real figures are vendored): labelled in source and `generated`.
    await upsertConnectivity(
      trx,
      generateDemoConnectivity({
        municipalityCodes: [...municipalityNames().keys()],
        settlements: settlements.map((s) => ({ externalId: s.externalId, population: s.population })),
        cells: cells.map((c) => ({ cellId: c.cellId, population: c.population })),
      }),
      {
        source: DEMO_CONNECTIVITY_SOURCE,
        licence: DEMO_CONNECTIVITY_LICENCE,
        generated: true,
        importRunId: null,
      },
    );
    await bumpDataVersion(trx);
  });
  return { settlements: settlements.length, servicePoints: points.length + osmPoints.length };
}
