// biome-ignore-all lint/suspicious/noExplicitAny: the tests read JSON answers (GeoJSON, GraphQL data) loosely and assert on them
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startOgcServer } from './fixture.js';

/**
 * GDAL's OAPIF driver as the outside client (ogrinfo / ogr2ogr, Debian's gdal-bin): it lists the
 * collections, and ogr2ogr of settlements with a bbox and a CQL2 filter gives exactly GraphQL's
 * settlements, with typed fields, and in SWEREF 99 TM the same points as PostGIS ST_Transform.
 */
const hasOgr = spawnSync('ogrinfo', ['--version'], { encoding: 'utf8' }).status === 0;

/** Runs a GDAL tool asynchronously: the server answering it lives in this process's event loop. */
function run(cmd: string, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { encoding: 'utf8', timeout: 120_000, env: { ...process.env, GDAL_HTTP_TIMEOUT: '100' } },
      (error, stdout, stderr) => {
        const status = error
          ? typeof (error as { code?: unknown }).code === 'number'
            ? (error as { code: number }).code
            : -1
          : 0;
        resolve({ status, stdout, stderr });
      },
    );
  });
}

let server: TestServer;
let root: string;
let dir: string;

describe.skipIf(!hasOgr)(
  `GDAL OAPIF client (${backend}) — skipped where gdal-bin (ogrinfo) is not installed`,
  () => {
    beforeAll(async () => {
      server = await startOgcServer();
      root = `${server.url.replace('localhost', '127.0.0.1')}/ogc`;
      dir = mkdtempSync(join(tmpdir(), 'sa-ogc-gdal-'));
    });
    afterAll(async () => {
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('ogrinfo OAPIF:…/ogc lists the collections', async () => {
      const r = await run('ogrinfo', ['-ro', '-q', `OAPIF:${root}`]);
      expect(r.status, r.stderr).toBe(0);
      for (const id of [
        'settlements',
        'service-points',
        'municipalities',
        'counties',
        'deserts',
        'service-areas',
      ]) {
        expect(r.stdout).toMatch(new RegExp(`\\d+: ${id} `));
      }
    });

    it('ogr2ogr of settlements with a bbox and a CQL2 filter gives GraphQL’s settlements, typed, paged by next links', async () => {
      const bbox = { minLon: 14.8, minLat: 60.25, maxLon: 15.7, maxLat: 60.8 };
      const gql = await server.gql<{ settlements: { nodes: any[] } }>(
        `query ($bbox: BBoxInput) { settlements(filter: { bbox: $bbox }, first: 500) {
        nodes { id name population access(serviceTypes: [GROCERY]) { travelMinutes withinThreshold } } } }`,
        { bbox },
      );
      expect(gql.errors).toBeUndefined();
      const expected = gql.data!.settlements.nodes.filter(
        (s) => s.population > 200 && !s.access[0].withinThreshold,
      );
      expect(expected.length).toBeGreaterThan(3);

      // The CQL2 filter rides on the dataset URL (GDAL appends it to every request); the bbox is GDAL's -spat.
      const filter = encodeURIComponent('population > 200 AND grocery_within = false');
      const source = `OAPIF:${root}?filter=${filter}&filter-lang=cql2-text`;
      const gpkg = join(dir, 'settlements.gpkg');
      const r = await run('ogr2ogr', [
        '-f',
        'GPKG',
        gpkg,
        source,
        'settlements',
        '-spat',
        '14.8',
        '60.25',
        '15.7',
        '60.8',
        '-oo',
        'PAGE_SIZE=3',
      ]);
      expect(r.status, r.stderr).toBe(0);
      const info = await run('ogrinfo', ['-ro', '-so', gpkg, 'settlements']);
      expect(info.status, info.stderr).toBe(0);
      expect(info.stdout).toMatch(new RegExp(`Feature Count: ${expected.length}\\b`));
      expect(info.stdout).toMatch(/^population: Integer/m);
      expect(info.stdout).toMatch(/^grocery_minutes: Real/m);
      expect(info.stdout).toMatch(/^name: String/m);
      expect(info.stdout).toMatch(/^grocery_within: Integer\(Boolean\)/m);

      const json = join(dir, 'settlements.geojson');
      const out = await run('ogr2ogr', ['-f', 'GeoJSON', json, gpkg, 'settlements']);
      expect(out.status, out.stderr).toBe(0);
      const features = JSON.parse(readFileSync(json, 'utf8')).features as {
        properties: Record<string, unknown>;
      }[];
      expect(features.map((f) => f.properties.name).sort()).toEqual(expected.map((s) => s.name).sort());
      for (const f of features) {
        const s = expected.find((e) => e.name === f.properties.name)!;
        expect(f.properties.population).toBe(s.population);
        expect(f.properties.grocery_minutes).toBeCloseTo(s.access[0].travelMinutes, 9);
        expect(f.properties.grocery_within).toBe(false);
      }
    });

    it('with -t_srs EPSG:3006 (and with crs=EPSG:3006 on the server) the points are within 1 mm of PostGIS ST_Transform', async () => {
      const rows = await sql<{
        name: string;
        e: number;
        n: number;
      }>`SELECT name, ST_X(ST_Transform(geom, 3006)) AS e,
      ST_Y(ST_Transform(geom, 3006)) AS n FROM settlements ORDER BY id`.execute(server.app.db);
      const byName = new Map(rows.rows.map((r) => [r.name, r]));
      const check = (file: string) => {
        const features = JSON.parse(readFileSync(file, 'utf8')).features as {
          properties: { name: string };
          geometry: { coordinates: [number, number] };
        }[];
        expect(features.length).toBe(rows.rows.length);
        for (const f of features) {
          const r = byName.get(f.properties.name)!;
          // GDAL writes easting, northing (traditional GIS order) whatever the CRS's axis order.
          expect(Math.abs(f.geometry.coordinates[0] - Number(r.e))).toBeLessThan(0.001);
          expect(Math.abs(f.geometry.coordinates[1] - Number(r.n))).toBeLessThan(0.001);
        }
      };
      const gpkg = join(dir, 'sweref.gpkg');
      const a = await run('ogr2ogr', [
        '-f',
        'GPKG',
        '-t_srs',
        'EPSG:3006',
        gpkg,
        `OAPIF:${root}`,
        'settlements',
        '-oo',
        'PAGE_SIZE=20',
      ]);
      expect(a.status, a.stderr).toBe(0);
      expect((await run('ogrinfo', ['-ro', '-so', gpkg, 'settlements'])).stdout).toMatch(/SWEREF99 TM/);
      const viaGdal = join(dir, 'sweref-gdal.geojson');
      expect(
        (
          await run('ogr2ogr', [
            '-f',
            'GeoJSON',
            '-lco',
            'COORDINATE_PRECISION=5',
            viaGdal,
            gpkg,
            'settlements',
          ])
        ).status,
      ).toBe(0);
      check(viaGdal);

      // The server's own transform: crs=EPSG:3006 answers northing, easting; read as such.
      const res = await fetch(
        `${root}/collections/settlements/items?limit=1000&crs=${encodeURIComponent('http://www.opengis.net/def/crs/EPSG/0/3006')}`,
      );
      const fc = (await res.json()) as {
        features: { properties: { name: string }; geometry: { coordinates: [number, number] } }[];
      };
      for (const f of fc.features)
        f.geometry.coordinates = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      const viaServer = join(dir, 'sweref-server.json');
      (await import('node:fs')).writeFileSync(viaServer, JSON.stringify(fc));
      check(viaServer);
    });
  },
);
