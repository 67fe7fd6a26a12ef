import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { booleanPointInPolygon } from '@turf/turf';
import { parse } from 'csv-parse/sync';
import type { FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createDb } from '../../src/db/client.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import { OPEN_DATA } from '../helpers/shared-data.js';
import { backend, freshCliEnvironment } from '../helpers/db.js';

const run = promisify(execFile);
const SHARED = OPEN_DATA;
const TATORTER = join(SHARED, 'scb-tatorter-2020/tatorter_2020_points.csv');
const HEALTH = join(SHARED, 'osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv');
const KOMMUNER = join(SHARED, 'scb-kommuner-lan-2024/kommuner_2024_generalized.geojson');
const BIN = resolve(import.meta.dirname, '../../bin/serviceatlas.mjs');
const SCB_MAP =
  'name=tatort,population=befolkning_2020,municipalityCode=kommunkod,countyCode=lanskod,externalId=tatortskod';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Reads a CSV with csv-parse directly (the oracle side; the importer adds mapping and validation). */
function readCsv(file: string): Record<string, string>[] {
  return parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, bom: true });
}

/**
 * ONE server for the whole file, run in this process on the file's own database: on the embedded PGlite the
 * CLI sends every command through it (the path a user running `serve` takes), and this process reads the
 * oracle's SQL on the server's own handle instead of reopening the data directory after each command (a
 * CLI process opening the database itself costs ~10 s here). With DATABASE_URL the CLI runs on the
 * database directly beside the server, as it always does there.
 */
describe('the CLI on real SCB and OSM files (vendored in data/open/)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  let server: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-cli-'));
    ({ env, drop } = await freshCliEnvironment(join(dir, 'db')));
    const config = loadConfig(env);
    // The embedded directory starts as the migrated template (a cluster is slow to create), held by the
    // server as `serve` holds it (its lock names the port, so the CLI goes through it).
    const handle =
      backend === 'pglite'
        ? await createDb({
            dataDir: config.dataDir,
            loadDataDir: new Blob([readFileSync(inject('pgliteTemplate'))]),
            lock: { command: 'serve', waitMs: 0 },
          })
        : await createDb({ databaseUrl: config.databaseUrl });
    const app = await openApp(config, { demo: false, handle });
    server = await startServer({ app, config, port: 0 });
  }, 300_000);
  afterAll(async () => {
    await server?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The database the CLI wrote to, read through the server's own handle. */
  const db = () => server.app.db;

  async function count(table: 'settlements' | 'service_points'): Promise<number> {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db());
    return r.rows[0]!.n;
  }

  /** On the embedded backend every command says it went through the server. */
  function expectThroughServer(r: CliResult): void {
    if (backend === 'pglite') expect(r.stderr).toMatch(/through it/);
  }

  it('refuses a file with one bad row: exit 1, the message names the line and field, nothing imported', async () => {
    const lines = readFileSync(TATORTER, 'utf8').split('\n');
    lines[41] = lines[41]!.replace(/,(\d+),2020,/, ',-3,2020,');
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, lines.join('\n'));
    const r = await cli(env, 'import', 'settlements', bad, '--map', SCB_MAP);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.csv');
    expect(r.stderr).toMatch(/line 42/);
    expect(r.stderr).toMatch(/population/);
    expect(await count('settlements')).toBe(0);
  }, 120_000);

  it('imports the 2,017 SCB tätorter with their populations, and re-importing updates instead of duplicating', async () => {
    const first = await cli(env, 'import', 'settlements', TATORTER, '--map', SCB_MAP);
    expect(first.stderr + first.stdout).toMatch(/2017 inserted, 0 updated/);
    expect(first.code).toBe(0);
    expectThroughServer(first);
    const again = await cli(
      env,
      'import',
      'settlements',
      TATORTER,
      '--crs',
      'EPSG:3006',
      '--map',
      `${SCB_MAP},x=e_sweref99tm,y=n_sweref99tm`,
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 inserted, 2017 updated/);

    const scb = readCsv(TATORTER);
    {
      const rows = await sql<{ external_id: string; population: number; lon: number; lat: number }>`
          SELECT external_id, population, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM settlements`.execute(
        db(),
      );
      expect(rows.rows).toHaveLength(2017);
      const byId = new Map(rows.rows.map((r) => [r.external_id, r]));
      const ludvika = scb.find((s) => s.tatort === 'Ludvika')!;
      expect(byId.get(ludvika.tatortskod!)!.population).toBe(15614);
      // Populations equal the file's; SWEREF 99 TM → WGS84 by PostGIS lands within ~1 m of SCB's own lon/lat.
      for (const s of scb) {
        const row = byId.get(s.tatortskod!)!;
        expect(row.population).toBe(Number(s.befolkning_2020));
        expect(Math.abs(Number(row.lon) - Number(s.lon))).toBeLessThan(2e-5);
        expect(Math.abs(Number(row.lat) - Number(s.lat))).toBeLessThan(2e-5);
      }
    }
  }, 300_000);

  it('imports OSM pharmacies and care centres with a type map, skipping the unmapped amenities', async () => {
    const r = await cli(
      env,
      'import',
      'service-points',
      HEALTH,
      '--map',
      'serviceTypes=amenity,externalId=osm_node_id,municipalityCode=kommunkod_pip',
      '--type-map',
      'pharmacy=PHARMACY,clinic=PRIMARY_CARE,doctors=PRIMARY_CARE',
    );
    expect(r.code).toBe(0);
    const amenities = readCsv(HEALTH).map((row) => row.amenity);
    const mapped = amenities.filter((a) => a === 'pharmacy' || a === 'clinic' || a === 'doctors').length;
    expectThroughServer(r);
    expect(await count('service_points')).toBe(mapped);
    expect(r.stdout).toMatch(new RegExp(`${mapped} inserted`));
  }, 120_000);

  it('imports SCB municipality boundaries that contain their own tätorter', async () => {
    const bad = await cli(env, 'import', 'areas', KOMMUNER, '--level', 'PARISH');
    expect(bad.code).toBe(1);
    const r = await cli(
      env,
      'import',
      'areas',
      KOMMUNER,
      '--level',
      'MUNICIPALITY',
      '--map',
      'code=kommunkod,name=kommunnamn',
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Imported 290 municipalities/);
    expectThroughServer(r);
    // Oracle: Turf's point-in-polygon on the original file, for every settlement point PostGIS holds
    // (the generalised outlines miss some coastal tätorter, so both may say "none": they must agree).
    const kommuner = JSON.parse(readFileSync(KOMMUNER, 'utf8')) as FeatureCollection<
      MultiPolygon | Polygon,
      { kommunkod: string }
    >;
    {
      const rows = await sql<{ lon: number; lat: number; found: string | null }>`
          SELECT ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat,
                 (SELECT a.code FROM areas a WHERE a.level = 'MUNICIPALITY' AND ST_Contains(a.geom, s.geom) LIMIT 1) AS found
          FROM settlements s`.execute(db());
      expect(rows.rows).toHaveLength(2017);
      let agree = 0;
      for (const row of rows.rows) {
        const hit = kommuner.features.find((f) =>
          booleanPointInPolygon([Number(row.lon), Number(row.lat)], f),
        );
        if ((hit?.properties.kommunkod ?? null) === row.found) agree++;
      }
      expect(agree).toBeGreaterThanOrEqual(2015); // a point exactly on a shared edge may go either way
      expect(rows.rows.filter((x) => x.found !== null).length).toBeGreaterThan(1800);
    }
  }, 120_000);

  it('writes the Dalarna pharmacy deserts as CSV, matching PostGIS geography distances', async () => {
    const out = join(dir, 'deserts.csv');
    const r = await cli(
      env,
      'analyse',
      'deserts',
      '--service-type',
      'PHARMACY',
      '--area',
      '20',
      '--output',
      out,
    );
    expect(r.code).toBe(0);
    expectThroughServer(r);
    expect(readFileSync(out, 'utf8')).toMatch(
      /^settlementId,name,kind,municipalityCode,countyCode,population,population65Plus,/,
    );
    const rows = readCsv(out);

    // The oracle: PostGIS's own nearest pharmacy distance on the spheroid, for every Dalarna tätort.
    const oracle = await sql<{ id: number; km: number }>`
        SELECT s.id, (SELECT min(ST_Distance(s.geom::geography, p.geom::geography)) / 1000
                      FROM service_points p WHERE p.status = 'OPEN' AND 'PHARMACY' = ANY(p.service_types)) AS km
        FROM settlements s WHERE s.county_code = '20'`.execute(db());
    const minutes = (km: number) => ((km * 1.35) / 70) * 60;
    const reported = new Map(rows.map((r) => [r.settlementId, r]));
    let compared = 0;
    for (const o of oracle.rows) {
      const m = minutes(Number(o.km));
      if (Math.abs(m - 20) / 20 < 0.005) continue; // sphere vs spheroid (~0.2%): too close to call
      expect(reported.has(String(o.id))).toBe(m > 20);
      const row = reported.get(String(o.id));
      if (row) expect(Math.abs(Number(row.straightLineKm) - Number(o.km)) / Number(o.km)).toBeLessThan(0.005);
      compared++;
    }
    expect(compared).toBeGreaterThan(90);
    expect(rows.length).toBeGreaterThan(0);

    // The same deserts as GeoJSON: one Point feature per CSV row, at the settlement, same properties.
    const geo = await cli(
      env,
      'analyse',
      'deserts',
      '--service-type',
      'PHARMACY',
      '--area',
      '20',
      '--format',
      'geojson',
    );
    expect(geo.code).toBe(0);
    const fc = JSON.parse(geo.stdout) as FeatureCollection<
      Point,
      { settlementId: string; travelMinutes: number }
    >;
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.map((f) => f.properties.settlementId)).toEqual(rows.map((r) => r.settlementId));
    for (const f of fc.features) {
      expect(f.geometry.type).toBe('Point');
      expect(f.properties.travelMinutes).toBeGreaterThan(20);
    }
  }, 120_000);

  it('exits 1 with a clear message for an unknown service type', async () => {
    const r = await cli(env, 'analyse', 'deserts', '--service-type', 'NOPE');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown service type NOPE/);
  }, 60_000);
});
