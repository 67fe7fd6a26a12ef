/**
 * Oracle test on real data: the engine's nearest pharmacy for each of the 2,017 SCB tätorter (2020)
 * against PostGIS ST_Distance(geography) — spheroid, so within 0.5% of the engine's sphere — computed in
 * an embedded PGlite with PostGIS created inside the test.
 */
import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessEngine, computeAccessTable } from '../../src/engine/access.js';
import type { EnginePoint } from '../../src/engine/types.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { loadCatalogue } from './helpers/builders.js';

const tatorterCsv = sharedDataFile('scb-tatorter-2020/tatorter_2020_points.csv');
const healthCsv = sharedDataFile('osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv');
const TOLERANCE = 0.005;

interface Tatort {
  id: string;
  name: string;
  lon: number;
  lat: number;
}

function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

describe('nearest pharmacy for every tätort equals PostGIS geography (SCB tätorter and OSM nodes vendored in data/open/)', () => {
  let pg: PGlite;
  let tatorter: Tatort[];
  let pharmacies: EnginePoint[];

  beforeAll(async () => {
    tatorter = readCsv(tatorterCsv).map((r) => ({
      id: r.tatortskod!,
      name: r.tatort!,
      lon: Number(r.lon),
      lat: Number(r.lat),
    }));
    pharmacies = readCsv(healthCsv)
      .filter((r) => r.amenity === 'pharmacy')
      .map((r) => ({
        id: `osm/${r.osm_node_id}`,
        name: r.name ?? '',
        lon: Number(r.lon),
        lat: Number(r.lat),
        serviceTypes: ['PHARMACY'],
        municipalityCode: r.kommunkod_pip || null,
      }));
    pg = await PGlite.create({ extensions: { postgis } });
    await pg.exec(`CREATE EXTENSION IF NOT EXISTS postgis;
        CREATE TABLE tatort (id text PRIMARY KEY, geog geography(Point, 4326));
        CREATE TABLE pharmacy (id text PRIMARY KEY, geog geography(Point, 4326));`);
    const insert = async (table: string, rows: { id: string; lon: number; lat: number }[]) => {
      for (let i = 0; i < rows.length; i += 500) {
        const batch = rows.slice(i, i + 500);
        const values = batch.map(
          (_, j) =>
            `($${j * 3 + 1}, ST_SetSRID(ST_MakePoint($${j * 3 + 2}, $${j * 3 + 3}), 4326)::geography)`,
        );
        await pg.query(
          `INSERT INTO ${table} VALUES ${values.join(', ')}`,
          batch.flatMap((r) => [r.id, r.lon, r.lat]),
        );
      }
    };
    await insert('tatort', tatorter);
    await insert('pharmacy', pharmacies);
    await pg.exec('CREATE INDEX ON pharmacy USING gist (geog); ANALYZE pharmacy; ANALYZE tatort;');
  }, 120_000);

  afterAll(async () => {
    await pg?.close();
  });

  it('has the real data it expects', () => {
    expect(tatorter.length).toBe(2017);
    expect(pharmacies.length).toBe(690);
    expect(tatorter.every((t) => t.lat > 55 && t.lat < 69.1 && t.lon > 10.9 && t.lon < 24.2)).toBe(true);
  });

  it('gives every tätort the PostGIS nearest pharmacy, distance within 0.5%', async () => {
    // KNN on geography (sphere) for 10 candidates, then the spheroid distance of each
    const { rows } = await pg.query<{ tatort: string; pharmacy: string; km: number }>(
      `SELECT t.id AS tatort, c.id AS pharmacy, ST_Distance(c.geog, t.geog, true) / 1000 AS km
         FROM tatort t CROSS JOIN LATERAL (
           SELECT p.id, p.geog FROM pharmacy p ORDER BY p.geog <-> t.geog LIMIT 10) c`,
    );
    const candidates = new Map<string, Map<string, number>>();
    for (const r of rows) {
      if (!candidates.has(r.tatort)) candidates.set(r.tatort, new Map());
      candidates.get(r.tatort)!.set(r.pharmacy, Number(r.km));
    }
    const engine = new AccessEngine(pharmacies, loadCatalogue());
    const table = computeAccessTable(tatorter, engine, 'PHARMACY');
    const points = engine.index('PHARMACY').points;
    let samePoint = 0;
    const failures: string[] = [];
    tatorter.forEach((t, i) => {
      const byPostgis = [...candidates.get(t.id)!.entries()].sort((a, b) => a[1] - b[1]);
      const [bestId, bestKm] = byPostgis[0]!;
      const engineKm = table.straightKm[i]!;
      const engineId = points[table.pointIndex[i]!]!.id;
      if (Math.abs(engineKm - bestKm) > TOLERANCE * bestKm + 1e-6) {
        failures.push(
          `${t.name} (${t.id}): engine ${engineKm.toFixed(3)} km, PostGIS ${bestKm.toFixed(3)} km`,
        );
      }
      if (engineId === bestId) samePoint++;
      else {
        // a near-tie: PostGIS must put the engine's pharmacy within 0.5% of its own best
        const postgisKmOfEngineChoice = candidates.get(t.id)!.get(engineId);
        if (
          postgisKmOfEngineChoice === undefined ||
          postgisKmOfEngineChoice > bestKm * (1 + TOLERANCE) + 1e-6
        ) {
          failures.push(
            `${t.name} (${t.id}): engine chose ${engineId}, PostGIS ${bestId} (${bestKm.toFixed(3)} km)`,
          );
        }
      }
    });
    expect(failures).toEqual([]);
    expect(samePoint).toBeGreaterThan(2017 * 0.98);
  });
});
