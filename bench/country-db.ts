/**
 * Stores a generated country (country-case.ts) in a database, as the GraphQL benches serve it: every origin
 * a GRID_CELL settlement with a small population, every point OPEN with its types, then one data-version
 * bump, all in one transaction.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../src/db/data-version.js';
import type { Database } from '../src/db/tables.js';
import type { EnginePoint } from '../src/engine/types.js';
import { upsertServicePoints } from '../src/modules/service-points/service-point.repository.js';
import { upsertSettlements } from '../src/modules/settlements/settlement.repository.js';
import { importRoads } from '../src/modules/roads/road-import.service.js';
import { seededRandom, type Place } from './country-case.js';
import { generateNetwork } from './network-case.js';

const STORED = { source: 'bench (generated)', importRunId: null };

export async function storeCountryCase(
  db: Kysely<Database>,
  { origins, points }: { origins: readonly Place[]; points: readonly EnginePoint[] },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await upsertSettlements(
      trx,
      origins.map((o, i) => ({
        name: `Origin ${i}`,
        kind: 'GRID_CELL' as const,
        population: 1 + (i % 97),
        population65Plus: null,
        municipalityCode: null,
        countyCode: null,
        broadbandShare: null,
        externalId: `o${i}`,
        x: o.lon,
        y: o.lat,
        crs: 'EPSG:4326' as const,
      })),
      STORED,
    );
    await upsertServicePoints(
      trx,
      points.map((p) => ({
        name: p.name,
        serviceTypes: [...p.serviceTypes],
        status: 'OPEN' as const,
        operator: null,
        capacity: null,
        openingHours: null,
        municipalityCode: null,
        externalId: p.id,
        validFrom: null,
        validTo: null,
        x: p.lon,
        y: p.lat,
        crs: 'EPSG:4326' as const,
      })),
      STORED,
    );
    await bumpDataVersion(trx);
  });
}

/**
 * The generated Sweden-shaped road network (network-case.ts, ≈ 2.4 km grid), written as GeoJSON and
 * imported as `serviceatlas import roads` would. Returns the import's summary and its wall seconds.
 */
export async function storeGeneratedNetwork(
  db: Kysely<Database>,
): Promise<{ edges: number; nodes: number; seconds: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sa-bench-roads-'));
  try {
    const edges = generateNetwork(seededRandom(2026), 2.4);
    const features = [];
    for (let e = 0; e < edges.count; e++) {
      const coords = [];
      for (let v = edges.geometryStart[e]!; v < edges.geometryStart[e + 1]!; v++)
        coords.push([edges.vertexLonLat[2 * v]!, edges.vertexLonLat[2 * v + 1]!]);
      const kmh = Math.max(5, Math.round((edges.lengthKm[e]! / edges.minutes[e]!) * 60));
      features.push({
        type: 'Feature',
        geometry: { type: 'LineString', coordinates: coords },
        properties: {
          highway: kmh >= 90 ? 'trunk' : 'tertiary',
          maxspeed: String(kmh),
          oneway: edges.oneway[e] ? 'yes' : 'no',
        },
      });
    }
    const file = join(dir, 'generated-roads.geojson');
    writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
    const t = performance.now();
    const summary = await importRoads(db, { file, format: 'geojson', source: 'bench (generated network)' });
    return { edges: summary.edges, nodes: summary.nodes, seconds: (performance.now() - t) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
