/**
 * The Andorra demo (`SERVICEATLAS_DEMO=andorra`): a region built from one OpenStreetMap extract alone —
 * data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf (© OpenStreetMap contributors, ODbL 1.0; origin
 * and checksum in its SOURCE.md) — so that a newcomer sees road travel (`method: NETWORK`) with one
 * command:
 * - roads: the ordinary road import (src/import/roads/), car-usable ways cut into edges;
 * - areas: the seven parishes (admin_level=7 boundary relations) as municipalities and the country
 *   (admin_level=2) as the county, with synthetic SCB-style codes (the schema takes 4- and 2-digit codes):
 *   county `99`, parish `99` + its ISO 3166-2 number (AD-07 Andorra la Vella → `9907`). Without parish
 *   boundaries in the extract, one synthetic area (the extract's bounding box) is used, named as such;
 * - settlements: `place` nodes (city, town, village, hamlet, isolated_dwelling) inside the parishes, with
 *   the `population` tag where present, otherwise {@link DEFAULT_POPULATION} by place type — said in each
 *   settlement's `source`;
 * - service points: nodes and ways (at the centroid of their nodes) whose tags the import's table maps
 *   to a service type (src/import/osm-tags.ts: shop=supermarket/convenience, amenity=fuel, post_office,
 *   pharmacy, atm/bank, clinic/doctors, school, library …). None is generated.
 * Everything is written in one transaction; every row's `source` credits OpenStreetMap (ODbL).
 */
import { fileURLToPath } from 'node:url';
import { booleanPointInPolygon } from '@turf/turf';
import type { Kysely, Transaction } from 'kysely';
import { bumpDataVersion } from '../db/data-version.js';
import type { Database } from '../db/tables.js';
import { openingHoursProblem } from '../engine/opening-hours.js';
import { type OsmServiceType, osmServiceTypes } from '../import/osm-tags.js';
import { prepareRoads } from '../import/roads/index.js';
import { readCatalogue } from '../catalogue.js';
import type { AreaInput } from '../modules/areas/area.repository.js';
import { upsertAreas } from '../modules/areas/area.repository.js';
import { replaceRoadNetwork } from '../modules/roads/road-import.service.js';
import type { ServicePointInput } from '../modules/service-points/service-point.repository.js';
import { upsertServicePoints } from '../modules/service-points/service-point.repository.js';
import type { SettlementInput, SettlementKind } from '../modules/settlements/settlement.repository.js';
import { upsertSettlements } from '../modules/settlements/settlement.repository.js';
import type { OsmExtract } from './osm-extract.js';
import { readOsmExtract, wayCentroid } from './osm-extract.js';
import { assembleMultipolygon } from './osm-multipolygon.js';

/** The vendored extract, relative to the repository. */
export const ANDORRA_EXTRACT_RELATIVE = 'data/open/osm-andorra-2020/andorra-2020-05-01.osm.pbf';
export const ANDORRA_EXTRACT = fileURLToPath(new URL(`../../${ANDORRA_EXTRACT_RELATIVE}`, import.meta.url));

/** The credit every row of the demo carries (ODbL 1.0 asks for attribution). */
export const ANDORRA_CREDIT = `© OpenStreetMap contributors (ODbL 1.0), Andorra extract of 2020-05-01 (${ANDORRA_EXTRACT_RELATIVE})`;
export const ANDORRA_POINT_SOURCE = `${ANDORRA_CREDIT}: service points from OSM tags`;
export const ANDORRA_ROAD_SOURCE = `${ANDORRA_CREDIT}: roads`;

/** The synthetic county code of Andorra (SCB's county codes end at 25). */
export const ANDORRA_COUNTY_CODE = '99';

/** The `place` values taken as settlements. */
export const SETTLEMENT_PLACES = ['city', 'town', 'village', 'hamlet', 'isolated_dwelling'] as const;
type SettlementPlace = (typeof SETTLEMENT_PLACES)[number];

/**
 * Inhabitants assumed for a place node without a `population` tag: an order of magnitude by place type
 * (OSM's wiki: towns are thousands to tens of thousands, villages hundreds, hamlets tens, isolated
 * dwellings one or two households) — a placeholder, labelled in the settlement's source, not a count.
 */
export const DEFAULT_POPULATION: Readonly<Record<SettlementPlace, number>> = {
  city: 50_000,
  town: 5_000,
  village: 500,
  hamlet: 50,
  isolated_dwelling: 5,
};

/** The settlement's source: the credit, the place type and where its population comes from. */
export function settlementSource(place: string, populationTagged: boolean): string {
  return populationTagged
    ? `${ANDORRA_CREDIT}: place=${place} node, population from its OSM population tag`
    : `${ANDORRA_CREDIT}: place=${place} node, population a DEFAULT for place=${place} ` +
        `(${DEFAULT_POPULATION[place as SettlementPlace]}; no population tag), not a count`;
}

/** `population=24678`, `24 678`, `24,678` → 24678; anything else → null. */
export function parsePopulation(value: string | undefined): number | null {
  if (value === undefined) return null;
  const digits = value.trim().replace(/[\s,.'’]/g, '');
  if (!/^\d{1,9}$/.test(digits)) return null;
  return Number(digits);
}

/** The kind by population, the rule every settlement import without a kind column uses. */
function kindFor(population: number): SettlementKind {
  if (population >= 200) return 'TATORT';
  if (population >= 50) return 'SMAORT';
  return 'VILLAGE';
}

type Geometry =
  | { type: 'MultiPolygon'; coordinates: number[][][][] }
  | { type: 'Polygon'; coordinates: number[][][] };

export interface AndorraArea extends AreaInput {
  geometry: Geometry;
}

export interface AndorraSettlement extends SettlementInput {
  source: string;
}

export interface AndorraDemo {
  areas: AndorraArea[];
  /** True when the parishes came from the extract; false: one synthetic area. */
  parishesFromOsm: boolean;
  settlements: AndorraSettlement[];
  /** Place nodes left out because they lie outside every parish. */
  settlementsOutside: number;
  points: ServicePointInput[];
  /** opening_hours values dropped because the `opening_hours` library cannot parse them. */
  openingHoursDropped: number;
}

const bboxPolygon = (west: number, south: number, east: number, north: number): Geometry => ({
  type: 'Polygon',
  coordinates: [
    [
      [west, south],
      [east, south],
      [east, north],
      [west, north],
      [west, south],
    ],
  ],
});

/** Parishes and country from the extract's boundary relations, or one synthetic area. */
function demoAreas(extract: OsmExtract): { areas: AndorraArea[]; fromOsm: boolean } {
  const parishes: AndorraArea[] = [];
  let country: Geometry | null = null;
  for (const relation of extract.relations) {
    const t = relation.tags;
    if (t.boundary !== 'administrative') continue;
    if (t.admin_level === '2' && t['ISO3166-1'] === 'AD') {
      const assembled = assembleMultipolygon(extract, relation);
      if (assembled.ok) country = assembled.geometry;
    }
    const iso = /^AD-(\d{2})$/.exec(t['ISO3166-2'] ?? '');
    if (t.admin_level !== '7' || iso === null) continue;
    const assembled = assembleMultipolygon(extract, relation);
    if (!assembled.ok) continue;
    parishes.push({
      code: `${ANDORRA_COUNTY_CODE}${iso[1]}`,
      level: 'MUNICIPALITY',
      name: t.name ?? `AD-${iso[1]}`,
      parentCode: ANDORRA_COUNTY_CODE,
      geometry: assembled.geometry,
    });
  }
  parishes.sort((a, b) => a.code.localeCompare(b.code));
  if (parishes.length > 0) {
    return {
      fromOsm: true,
      areas: [
        {
          code: ANDORRA_COUNTY_CODE,
          level: 'COUNTY',
          name: 'Andorra',
          parentCode: null,
          geometry: country ?? {
            type: 'MultiPolygon',
            coordinates: parishes.flatMap((p) => (p.geometry as { coordinates: number[][][][] }).coordinates),
          },
        },
        ...parishes,
      ],
    };
  }
  let [west, south, east, north] = [180, 90, -180, -90];
  for (const [lon, lat] of extract.coords.values()) {
    west = Math.min(west, lon);
    south = Math.min(south, lat);
    east = Math.max(east, lon);
    north = Math.max(north, lat);
  }
  const box = bboxPolygon(west, south, east, north);
  return {
    fromOsm: false,
    areas: [
      {
        code: ANDORRA_COUNTY_CODE,
        level: 'COUNTY',
        name: 'Andorra extract (synthetic area: no boundaries in the extract)',
        parentCode: null,
        geometry: box,
      },
      {
        code: `${ANDORRA_COUNTY_CODE}00`,
        level: 'MUNICIPALITY',
        name: 'Andorra extract (synthetic area: the extract’s bounding box, no parish boundaries in it)',
        parentCode: ANDORRA_COUNTY_CODE,
        geometry: box,
      },
    ],
  };
}

/** Builds the demo's rows from the extract (no database). */
export async function buildAndorraDemo(file: string = ANDORRA_EXTRACT): Promise<AndorraDemo> {
  const extract = await readOsmExtract(file);
  const { areas, fromOsm } = demoAreas(extract);
  const parishes = areas.filter((a) => a.level === 'MUNICIPALITY');
  const parishOf = (lon: number, lat: number): string | null =>
    parishes.find((p) => booleanPointInPolygon([lon, lat], p.geometry))?.code ?? null;

  const settlements: AndorraSettlement[] = [];
  let settlementsOutside = 0;
  for (const node of extract.taggedNodes) {
    const place = node.tags.place;
    if (place === undefined || !(SETTLEMENT_PLACES as readonly string[]).includes(place)) continue;
    const name = node.tags.name?.trim();
    if (!name) continue;
    const municipalityCode = parishOf(node.lon, node.lat);
    if (municipalityCode === null) {
      settlementsOutside++;
      continue;
    }
    const tagged = parsePopulation(node.tags.population);
    const population = tagged ?? DEFAULT_POPULATION[place as SettlementPlace];
    settlements.push({
      name,
      kind: kindFor(population),
      population,
      population65Plus: null,
      municipalityCode,
      countyCode: ANDORRA_COUNTY_CODE,
      broadbandShare: null,
      externalId: `osm:node/${node.id}`,
      x: node.lon,
      y: node.lat,
      crs: 'EPSG:4326',
      source: settlementSource(place, tagged !== null),
    });
  }

  const names = new Map(readCatalogue().map((t) => [t.code, t.nameEn]));
  const points: ServicePointInput[] = [];
  let openingHoursDropped = 0;
  const addPoint = (
    kind: 'node' | 'way',
    id: number,
    tags: Readonly<Record<string, string>>,
    at: readonly [number, number],
    types: OsmServiceType[],
  ) => {
    let openingHours = tags.opening_hours?.trim() || null;
    if (openingHours !== null && openingHoursProblem(openingHours) !== null) {
      openingHours = null;
      openingHoursDropped++;
    }
    points.push({
      name: tags.name?.trim() || `${names.get(types[0]!) ?? types[0]} (unnamed in OpenStreetMap)`,
      serviceTypes: types,
      status: 'OPEN',
      operator: tags.operator?.trim() || null,
      capacity: null,
      openingHours,
      municipalityCode: parishOf(at[0], at[1]),
      externalId: `osm:${kind}/${id}`,
      validFrom: null,
      validTo: null,
      x: at[0],
      y: at[1],
      crs: 'EPSG:4326',
    });
  };
  for (const node of extract.taggedNodes) {
    const types = osmServiceTypes(node.tags);
    if (types.length > 0) addPoint('node', node.id, node.tags, [node.lon, node.lat], types);
  }
  for (const way of extract.ways.values()) {
    if (Object.keys(way.tags).length === 0) continue;
    const types = osmServiceTypes(way.tags);
    if (types.length === 0) continue;
    const centroid = wayCentroid(extract, way);
    if (centroid !== null) addPoint('way', way.id, way.tags, centroid, types);
  }
  settlements.sort((a, b) => a.externalId!.localeCompare(b.externalId!));
  points.sort((a, b) => a.externalId!.localeCompare(b.externalId!));
  return { areas, parishesFromOsm: fromOsm, settlements, settlementsOutside, points, openingHoursDropped };
}

/** Whether the database holds the Andorra demo already (its settlements carry the extract's credit). */
async function holdsAndorraDemo(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom('settlements')
    .select('id')
    .where('source', 'like', `${ANDORRA_CREDIT}%`)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export interface AndorraLoaded {
  settlements: number;
  servicePoints: number;
  areas: number;
  roadEdges: number;
  roadKm: number;
}

/**
 * Loads the Andorra demo into an empty database in one transaction; null when it is there already.
 * A database holding other settlements is refused (the demo would mix with them): use another
 * SERVICEATLAS_DATA_DIR or DATABASE_URL.
 */
export async function loadAndorraDemo(
  db: Kysely<Database>,
  say: (line: string) => void = () => {},
): Promise<AndorraLoaded | null> {
  const existing = await db.selectFrom('settlements').select('id').limit(1).executeTakeFirst();
  if (existing) {
    if (await holdsAndorraDemo(db)) return null;
    throw new Error(
      'SERVICEATLAS_DEMO=andorra needs an empty database, and this one holds other settlements: ' +
        'start it on another data directory (SERVICEATLAS_DATA_DIR, default ./.serviceatlas-andorra for this ' +
        'demo) or database (DATABASE_URL), or set SERVICEATLAS_DEMO=off',
    );
  }
  const started = performance.now();
  const demo = await buildAndorraDemo();
  const prepared = await prepareRoads(ANDORRA_EXTRACT, { format: 'pbf' });
  say(
    `Loading the Andorra demo from ${ANDORRA_EXTRACT_RELATIVE} (© OpenStreetMap contributors, ODbL): ` +
      `${demo.settlements.length} settlements from place nodes, ${demo.points.length} service points from OSM tags, ` +
      (demo.parishesFromOsm
        ? `${demo.areas.length - 1} parishes`
        : 'one synthetic area (no parish boundaries in the extract)') +
      `, ${prepared.waysKept} road ways…`,
  );
  const loaded = await db.transaction().execute(async (trx: Transaction<Database>) => {
    await upsertAreas(trx, demo.areas);
    const bySource = new Map<string, AndorraSettlement[]>();
    for (const s of demo.settlements) bySource.set(s.source, [...(bySource.get(s.source) ?? []), s]);
    for (const [source, rows] of bySource) await upsertSettlements(trx, rows, { source, importRunId: null });
    await upsertServicePoints(trx, demo.points, {
      source: ANDORRA_POINT_SOURCE,
      importRunId: null,
      generated: false,
    });
    const roads = await replaceRoadNetwork(trx, prepared, {
      file: ANDORRA_EXTRACT_RELATIVE,
      source: ANDORRA_ROAD_SOURCE,
    });
    await bumpDataVersion(trx);
    return roads;
  });
  say(
    `  Andorra demo loaded in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${loaded.edges} road edges (${loaded.km.toFixed(0)} km)`,
  );
  return {
    settlements: demo.settlements.length,
    servicePoints: demo.points.length,
    areas: demo.areas.length,
    roadEdges: loaded.edges,
    roadKm: loaded.km,
  };
}
