import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { booleanPointInPolygon, polygon } from '@turf/turf';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCliEnvironment, openCliDatabase } from '../helpers/db.js';
import { type FileServer, startFileServer } from '../helpers/file-server.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { cli } from './run.js';

const PBF = readFileSync(sharedDataFile('osm-andorra-2020/andorra-2020-05-01.osm.pbf'));
const SHA = 'b930084d27461716f4396a878e29baa17bfd51e22378fef5659863b01128a739';
const RING: [number, number][] = [
  [1.5, 42.5],
  [1.53, 42.5],
  [1.53, 42.52],
  [1.5, 42.52],
  [1.5, 42.5],
];

describe('serviceatlas import roads <URL> (a local HTTP server; nothing leaves the machine)', () => {
  let server: FileServer;
  let dir: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    server = await startFileServer('andorra-latest.osm.pbf', PBF);
    dir = mkdtempSync(join(tmpdir(), 'serviceatlas-roads-url-'));
    dataDir = join(dir, 'db');
    ({ env, drop } = await freshCliEnvironment(dataDir));
    // Downloads go to the data directory's downloads/ also on PostgreSQL runs.
    env = { ...env, SERVICEATLAS_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  async function roads() {
    const handle = await openCliDatabase(env);
    try {
      const edges = await sql<{ n: number }>`SELECT count(*)::int AS n FROM road_edges`.execute(handle.db);
      const network = await sql<{ source: string }>`SELECT source FROM road_network`.execute(handle.db);
      return { edges: edges.rows[0]!.n, source: network.rows[0]?.source ?? null };
    } finally {
      await handle.close();
    }
  }

  it('refuses plain http without --allow-http, and a wrong checksum (exit 1, nothing imported)', async () => {
    const plain = await cli(env, 'import', 'roads', server.url);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/refusing plain http/);
    expect(server.requests).toEqual([]); // not even asked

    const wrong = await cli(env, 'import', 'roads', server.url, '--allow-http', '--sha256', '0'.repeat(64));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(
      `checksum mismatch: expected SHA-256 ${'0'.repeat(64)}, the download has ${SHA}`,
    );
    expect(readdirSync(join(dataDir, 'downloads'))).toEqual([]);
    if (env.DATABASE_URL) expect(await roads()).toEqual({ edges: 0, source: null });
    // The embedded database was never even opened: the data directory holds only the downloads folder.
    else expect(readdirSync(dataDir)).toEqual(['downloads']);
  }, 300_000);

  it('downloads with progress on stderr, resumes after a cut connection, checks the checksum, clips and imports', async () => {
    server.requests.length = 0;
    server.cut(1, 700_000);
    const clip = join(dir, 'centre.geojson');
    writeFileSync(clip, JSON.stringify({ type: 'Polygon', coordinates: [RING] }));
    const r = await cli(env, 'import', 'roads', server.url, '--allow-http', '--sha256', SHA, '--clip', clip);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Downloading http:\/\/127\.0\.0\.1:\d+\/andorra-latest\.osm\.pbf/);
    expect(r.stderr).toMatch(/(the connection was cut|the connection ended after) .*retrying/);
    expect(r.stderr).toMatch(/Resuming .* at byte [\d,]+ of 1,664,907/);
    expect(server.requests.map((q) => q.status)).toEqual([200, 206]);
    expect(r.stdout).toMatch(/Imported roads from .*andorra-latest\.osm\.pbf \(pbf\)/);
    expect(r.stdout).toContain(`clipped to polygon ${clip}`);
    expect(existsSync(join(dataDir, 'downloads', 'andorra-latest.osm.pbf'))).toBe(true);
    const stored = await roads();
    expect(stored.source).toBe(`import: ${server.url}`);
    expect(stored.edges).toBeGreaterThan(50);
    // Every kept way has a node inside (Turf): checked on the stored edges' vertices, per way.
    const handle = await openCliDatabase(env);
    try {
      const rows = (
        await sql<{ way: string; geojson: string }>`
          SELECT osm_way_id::text AS way, ST_AsGeoJSON(ST_Collect(geom)) AS geojson
          FROM road_edges GROUP BY osm_way_id`.execute(handle.db)
      ).rows;
      const area = polygon([RING]);
      for (const row of rows) {
        const lines = JSON.parse(row.geojson).coordinates as [number, number][][];
        expect(
          lines.some((line) => line.some((c) => booleanPointInPolygon(c, area))),
          `way ${row.way}`,
        ).toBe(true);
      }
    } finally {
      await handle.close();
    }
  }, 300_000);
});
