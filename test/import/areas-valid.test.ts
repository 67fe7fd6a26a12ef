import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { importAreas } from '../../src/modules/areas/area-import.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshApp } from '../helpers/db.js';
import { sharedDataFile } from '../helpers/shared-data.js';

const KOMMUNER = sharedDataFile('scb-kommuner-lan-2024/kommuner_2024_generalized.geojson');
const LAN = sharedDataFile('scb-kommuner-lan-2024/lan_2024_generalized.geojson');

/**
 * The `areas` layer must carry valid polygons: outlines are repaired at import (ST_MakeValid, polygonal
 * parts kept), checked here on the real SCB files and on a self-intersecting outline.
 */
describe('areas imported from SCB’s generalised outlines', () => {
  let app: App;
  let database: TestDatabase;
  beforeAll(async () => {
    ({ app, database } = await freshApp());
    await importAreas(app.db, {
      file: KOMMUNER,
      level: 'MUNICIPALITY',
      map: 'code=kommunkod,name=kommunnamn',
    });
    await importAreas(app.db, { file: LAN, level: 'COUNTY', map: 'code=lanskod,name=lansnamn' });
  });
  afterAll(async () => {
    await app.close();
    await database.close();
  });

  it('repairs a self-intersecting outline at import into a valid MultiPolygon of its lobes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'areas-'));
    const file = join(dir, 'bowtie.geojson');
    const bowTie = [
      [
        [14, 59],
        [16, 61],
        [16, 59],
        [14, 61],
        [14, 59],
      ],
    ];
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { code: '9999', name: 'Bow tie' },
            geometry: { type: 'Polygon', coordinates: bowTie },
          },
        ],
      }),
    );
    try {
      await importAreas(app.db, { file, level: 'MUNICIPALITY' });
      const { rows } = await sql<{ valid: boolean; parts: number; area: number }>`
        SELECT ST_IsValid(geom) AS valid, ST_NumGeometries(geom) AS parts, ST_Area(geom) AS area
        FROM areas WHERE code = '9999'`.execute(app.db);
      // Two triangles of base 2° and height 1°: 1 square degree each.
      expect(rows[0]).toEqual({ valid: true, parts: 2, area: 2 });
    } finally {
      await sql`DELETE FROM areas WHERE code = '9999'`.execute(app.db);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores every one of the 311 areas as a valid, non-empty MultiPolygon', async () => {
    const { rows } = await sql<{ n: number; valid: number; multi: number; nonempty: number }>`
      SELECT count(*)::int AS n,
             count(*) FILTER (WHERE ST_IsValid(geom))::int AS valid,
             count(*) FILTER (WHERE GeometryType(geom) = 'MULTIPOLYGON')::int AS multi,
             count(*) FILTER (WHERE NOT ST_IsEmpty(geom))::int AS nonempty
      FROM areas`.execute(app.db);
    expect(rows[0]).toEqual({ n: 311, valid: 311, multi: 311, nonempty: 311 });
  });

  it('keeps the repaired outlines’ extent: each area’s bounding box matches the published one', async () => {
    const features = (
      JSON.parse(readFileSync(KOMMUNER, 'utf8')) as {
        features: { properties: { kommunkod: string }; geometry: unknown }[];
      }
    ).features;
    let worst = 0;
    for (const f of features) {
      const { rows } = await sql<{ d: number }>`
        SELECT ST_HausdorffDistance(ST_Envelope(geom), ST_Envelope(ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(f.geometry)}), 4326))) AS d
        FROM areas WHERE code = ${f.properties.kommunkod}`.execute(app.db);
      worst = Math.max(worst, rows[0]!.d);
    }
    expect(worst).toBeLessThan(1e-9);
  });
});
