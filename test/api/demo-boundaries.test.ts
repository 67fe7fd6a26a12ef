/**
 * The demo with real boundaries (issue 21, "Real boundaries in the demo"): SCB's municipalities and
 * counties 2024 (generalised, CC0, data/open/scb-kommuner-lan-2024/) are loaded at the first demo start,
 * so writes are scoped by place, the map's `areas` layer and the report draw real outlines, and the
 * README's write example works as written. The oracle is the vendored GeoJSON read plainly, and the
 * README text itself.
 */
import { readFileSync } from 'node:fs';
import { booleanPointInPolygon } from '@turf/turf';
import type { Feature, MultiPolygon } from 'geojson';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/modules/keys/api-key.service.js';
import { TEST_KEY_SECRET } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { decodedLayer, tileAndLocal } from '../tiles/decode.js';

const boundaries = (name: string) =>
  JSON.parse(
    readFileSync(new URL(`../../data/open/scb-kommuner-lan-2024/${name}`, import.meta.url), 'utf8'),
  ) as { features: Feature<MultiPolygon, Record<string, string>>[] };
const kommuner = boundaries('kommuner_2024_generalized.geojson').features;
const lan = boundaries('lan_2024_generalized.geojson').features;

/** The README's write example, verbatim: the GraphQL block that creates "Paketskåp Grangärde". */
function readmeWriteExample(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const block = blocks.find((b) => b.includes('Paketskåp Grangärde'));
  if (!block) throw new Error('the README has no write example creating "Paketskåp Grangärde"');
  return block;
}

describe('the demo region has SCB’s real boundaries', () => {
  let server: TestServer;
  let ludvikaPlanner: string;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    ludvikaPlanner = (
      await createApiKey(server.app.db, TEST_KEY_SECRET, {
        role: 'planner',
        municipalityCodes: ['2085'],
        countyCodes: [],
        name: 'Ludvika planners',
      })
    ).token;
  }, 300_000);
  afterAll(() => server?.close());

  it('stores every municipality and county outline of the vendored files, valid', async () => {
    const rows = await sql<{ level: string; n: number; valid: number }>`
      SELECT level, count(*)::int AS n, count(*) FILTER (WHERE ST_IsValid(geom))::int AS valid
      FROM areas WHERE geom IS NOT NULL GROUP BY level ORDER BY level`.execute(server.app.db);
    expect(rows.rows).toEqual([
      { level: 'COUNTY', n: lan.length, valid: lan.length },
      { level: 'MUNICIPALITY', n: kommuner.length, valid: kommuner.length },
    ]);
    expect(kommuner.length).toBe(290);
    expect(lan.length).toBe(21);
  });

  it('the README write example works as written for the 2085 planner (Grangärde lies in Ludvika)', async () => {
    const grangarde = [14.98, 60.26];
    const ludvika = kommuner.find((f) => f.properties.kommunkod === '2085')!;
    expect(booleanPointInPolygon(grangarde, ludvika)).toBe(true); // the oracle: Turf on the vendored file
    const r = await server.gql<{
      createServicePoint: {
        servicePoint: { id: string; municipalityCode: string; status: string } | null;
        errors: { code: string; message: string }[];
      };
    }>(readmeWriteExample(), {}, { token: ludvikaPlanner });
    expect(r.errors).toBeUndefined();
    expect(r.data!.createServicePoint.errors).toEqual([]);
    expect(r.data!.createServicePoint.servicePoint).toMatchObject({
      municipalityCode: '2085',
      status: 'OPEN',
    });
  });

  it('the probe on the demo: the 2085 planner cannot put a pharmacy at Falun labelled 2085', async () => {
    const r = await server.gql<{ createServicePoint: { servicePoint: unknown; errors: { code: string }[] } }>(
      `mutation { createServicePoint(input: { name: "Apotek", serviceTypes: [PHARMACY],
         location: { lon: 15.63, lat: 60.61 } }) { servicePoint { id } errors { code field message } } }`,
      {},
      { token: ludvikaPlanner },
    );
    expect(r.data!.createServicePoint.servicePoint).toBeNull();
    expect(r.data!.createServicePoint.errors.map((e) => e.code)).toEqual(['FORBIDDEN']);
  });

  it('the map’s areas layer and the report draw the boundaries, not approximate outlines', async () => {
    const z = 7;
    const at = tileAndLocal(15.19, 60.15, z);
    const res = await fetch(`${server.url}/tiles/areas/${z}/${at.x}/${at.y}.mvt?serviceType=PHARMACY`);
    expect(res.status).toBe(200);
    const layer = decodedLayer(new Uint8Array(await res.arrayBuffer()), 'areas')!;
    const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    const ludvika = features.find(
      (f) => f.properties.code === '2085' && f.properties.level === 'MUNICIPALITY',
    );
    expect(ludvika?.properties.outline).toBe('BOUNDARY');
    expect(features.every((f) => f.properties.outline === 'BOUNDARY')).toBe(true);
    const report = await fetch(`${server.url}/reports/municipality/2085?lang=en`);
    expect(report.status).toBe(200);
    const html = await report.text();
    expect(html).toContain('Municipal boundary');
    expect(html).not.toContain('Approximate municipal area');
  }, 120_000);
});
