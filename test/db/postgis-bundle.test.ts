/**
 * The trimmed PostGIS bundle (src/db/postgis-bundle.ts): the tar filter keeps exactly the entries asked
 * for, byte for byte, and drops the rest; the embedded database opened with the trimmed bundle answers
 * PostGIS questions (a transform through PROJ, a geography distance) as PostGIS does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { filterTar, keepEntry } from '../../src/db/postgis-bundle.js';
import { createDb } from '../../src/db/client.js';
import { describeWhen } from '../helpers/backend-only.js';
import { backend } from '../helpers/db.js';

/** A ustar archive of the given files (name → text), as `tar` writes one. */
function tarOf(files: Record<string, string>): Uint8Array {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0, 'utf8');
    header.write('0000644\0', 100);
    header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
    header.write('0', 156);
    header.write('ustar\0', 257);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

describe('filterTar', () => {
  const files = {
    'lib/postgresql/postgis-3.so': 'wasm'.repeat(300),
    'lib/postgresql/postgis_raster-3.so': 'raster',
    'share/postgresql/extension/postgis.control': 'control',
    'share/postgresql/extension/postgis--3.6.2.sql': 'install',
    'share/postgresql/extension/postgis--unpackaged--3.6.2.sql': 'old',
    'share/proj/proj.db': 'proj',
  };

  it('keeps the entries asked for, byte for byte, and drops the others', () => {
    const kept = filterTar(tarOf(files), (name) => keepEntry(name, true));
    const expected = tarOf({
      'lib/postgresql/postgis-3.so': files['lib/postgresql/postgis-3.so'],
      'share/postgresql/extension/postgis.control': 'control',
      'share/postgresql/extension/postgis--3.6.2.sql': 'install',
      'share/proj/proj.db': 'proj',
    });
    expect(Buffer.from(kept).equals(Buffer.from(expected))).toBe(true);
  });

  it('leaves the install script out for a cluster that has the extension', () => {
    const kept = filterTar(tarOf(files), (name) => keepEntry(name, false));
    const text = Buffer.from(kept).toString('latin1');
    expect(text).not.toContain('postgis--3.6.2.sql');
    expect(text).toContain('postgis.control');
  });

  it('refuses a truncated archive', () => {
    expect(() => filterTar(tarOf(files).subarray(0, 700), () => true)).toThrow(/truncated/);
  });
});

describeWhen(backend === 'pglite')('the embedded database with the trimmed bundle', () => {
  it('creates PostGIS on a new cluster and answers transforms and distances (16 MB buffers)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-postgis-'));
    try {
      const handle = await createDb({ dataDir: join(dir, 'data'), sharedBuffers: '16MB' });
      try {
        await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(handle.db);
        const { rows } = await sql<{ x: number; y: number; m: number }>`
          SELECT ST_X(p) AS x, ST_Y(p) AS y,
                 ST_Distance('SRID=4326;POINT(15 60)'::geography, 'SRID=4326;POINT(15 61)'::geography) AS m
          FROM (SELECT ST_Transform('SRID=4326;POINT(15 60)'::geometry, 3006) AS p) t`.execute(handle.db);
        // SWEREF 99 TM's central meridian is 15°E (false easting 500 km); 1° of latitude ≈ 111.2 km.
        expect(rows[0]!.x).toBeCloseTo(500000, 3);
        expect(rows[0]!.y).toBeCloseTo(6651411.19, 1);
        expect(rows[0]!.m).toBeGreaterThan(111_000);
        expect(rows[0]!.m).toBeLessThan(111_500);
        // A CLI command's small buffer pool (CreateDbOptions.sharedBuffers) is the one PostgreSQL runs with.
        const shown = await sql<{ shared_buffers: string }>`SHOW shared_buffers`.execute(handle.db);
        expect(shown.rows[0]!.shared_buffers).toBe('16MB');
      } finally {
        await handle.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
