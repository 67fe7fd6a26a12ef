/**
 * serviceAreas over GraphQL on the demo data (ESTIMATED: no road network), on the backend under test:
 * the README's example answers within the default limits for every type, and each answer is checked by
 * PostGIS on that backend — ST_IsValid for every polygon, ST_Covers for the nesting 10 ⊂ 20 — and against
 * the access minutes the API itself reports for the settlements (inside when within, outside when
 * clearly beyond), by ST_Covers again. The NETWORK counterpart runs on Andorra's roads
 * (test/modules/roads/andorra-network.test.ts).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../../helpers/db.js';
import type { TestServer } from '../../helpers/server.js';
import { startTestServer } from '../../helpers/server.js';

interface AreaFeature {
  geometry: unknown;
  properties: { minutes: number; method: string; serviceType: string; label: string };
}

const TYPES = [
  'GROCERY',
  'FUEL',
  'POST',
  'PHARMACY',
  'PAYMENT',
  'PRIMARY_CARE',
  'SCHOOL',
  'LIBRARY',
  'ELDERLY_CARE',
];

describe('serviceAreas on the demo (ESTIMATED)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The default work limits (maxWork: the price decides QUERY_TOO_COMPLEX) as a deployment has them; only
    // the wall-clock timeout is raised, since a shared test machine may run at a load of 30 (speed is
    // shown by bench/service-areas.bench.ts, not asserted here).
    const defaults = testConfig().limits;
    expect(defaults.maxWork).toBe(3_000_000);
    server = await startTestServer({
      demo: true,
      config: { maxPageSize: 500, limits: { ...defaults, requestTimeoutMs: 300_000, rateLimitPerIp: 0 } },
    });
  }, 900_000);
  afterAll(() => server?.close());

  /** PostGIS on the backend under test: validity and covers, for GeoJSON geometries and points. */
  async function isValid(geometry: unknown): Promise<boolean> {
    const r = await sql<{ ok: boolean }>`
      SELECT ST_IsValid(ST_GeomFromGeoJSON(${JSON.stringify(geometry)})) AS ok`.execute(server.app.db);
    return r.rows[0]!.ok;
  }
  async function covers(outer: unknown, inner: unknown): Promise<boolean> {
    const r = await sql<{ ok: boolean }>`
      SELECT ST_Covers(ST_GeomFromGeoJSON(${JSON.stringify(outer)}), ST_GeomFromGeoJSON(${JSON.stringify(inner)})) AS ok`.execute(
      server.app.db,
    );
    return r.rows[0]!.ok;
  }
  async function coveredPoints(geometry: unknown, points: [number, number][]): Promise<boolean[]> {
    const r = await sql<{ ok: boolean }>`
      SELECT ST_Covers(ST_GeomFromGeoJSON(${JSON.stringify(geometry)}), ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) AS ok
      FROM unnest(${points.map((p) => p[0])}::float8[], ${points.map((p) => p[1])}::float8[]) WITH ORDINALITY AS p(lon, lat, n)
      ORDER BY p.n`.execute(server.app.db);
    return r.rows.map((row) => row.ok);
  }

  async function areasOf(
    type: string,
    minutes: number[],
    extra = '',
  ): Promise<{ features: AreaFeature[]; errors?: unknown }> {
    const res = await server.gql<{ serviceAreas: { features: AreaFeature[] } }>(
      `query($t: ServiceTypeCode, $m: [Float!]!) { serviceAreas(serviceType: $t, minutes: $m${extra}) }`,
      { t: type, m: minutes },
    );
    return { features: res.data?.serviceAreas.features ?? [], errors: res.errors };
  }

  it('answers the README example for every type within the default limits: valid, nested polygons', async () => {
    for (const type of TYPES) {
      const { features, errors } = await areasOf(type, [20, 10]);
      expect(errors, type).toBeUndefined();
      if (features.length === 0) continue; // a type without open points has no area
      expect(features.map((f) => [f.properties.minutes, f.properties.method])).toEqual([
        [10, 'ESTIMATED'],
        [20, 'ESTIMATED'],
      ]);
      for (const f of features)
        expect(await isValid(f.geometry), `${type} ${f.properties.minutes}`).toBe(true);
      expect(await covers(features[1]!.geometry, features[0]!.geometry), `${type}: 10 ⊂ 20`).toBe(true);
    }
  }, 300_000);

  it('agrees with the access minutes of every settlement (inside within m, outside clearly beyond)', async () => {
    const { features } = await areasOf('PHARMACY', [5, 10, 20]);
    expect(features).toHaveLength(3);
    const res = await server.gql<{
      settlements: {
        nodes: { location: { coordinates: [number, number] }; access: { travelMinutes: number | null }[] }[];
      };
    }>(
      '{ settlements(first: 500) { nodes { location access(serviceTypes: [PHARMACY]) { travelMinutes } } } }',
    );
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.settlements.nodes;
    expect(nodes.length).toBe(500);
    let inside = 0;
    let outside = 0;
    for (const f of features) {
      const m = f.properties.minutes;
      const covered = await coveredPoints(
        f.geometry,
        nodes.map((n) => n.location.coordinates),
      );
      nodes.forEach((n, i) => {
        const minutes = n.access[0]!.travelMinutes ?? Number.POSITIVE_INFINITY;
        if (minutes <= m) {
          expect(covered[i], `settlement at ${minutes} min inside the ${m}-minute area`).toBe(true);
          inside++;
        } else if (minutes > m + 2) {
          // Cells are ~0.7 km country-wide: about 0.8 min of the estimate.
          expect(covered[i], `settlement at ${minutes} min outside the ${m}-minute area`).toBe(false);
          outside++;
        }
      });
    }
    expect(inside).toBeGreaterThan(100);
    expect(outside).toBeGreaterThan(10);
  }, 120_000);

  it('clips to a bbox and to a municipality polygon; refuses a bad bbox on its field', async () => {
    const bbox = { minLon: 14.9, minLat: 60.0, maxLon: 15.4, maxLat: 60.3 };
    const res = await server.gql<{ serviceAreas: { features: AreaFeature[] } }>(
      'query($b: BBoxInput) { serviceAreas(serviceType: GROCERY, minutes: [10], bbox: $b) }',
      { b: bbox },
    );
    expect(res.errors).toBeUndefined();
    const [f] = res.data!.serviceAreas.features;
    expect(await isValid(f!.geometry)).toBe(true);
    const box = await sql<{ ok: boolean }>`
      SELECT ST_Covers(ST_Expand(ST_MakeEnvelope(14.9, 60.0, 15.4, 60.3, 4326), 0.02), ST_GeomFromGeoJSON(${JSON.stringify(f!.geometry)})) AS ok`.execute(
      server.app.db,
    );
    expect(box.rows[0]!.ok).toBe(true);
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [15.0, 60.0],
          [15.3, 60.0],
          [15.0, 60.2],
          [15.0, 60.0],
        ],
      ],
    };
    const cut = await server.gql<{ serviceAreas: { features: AreaFeature[] } }>(
      'query($a: AreaInput) { serviceAreas(serviceType: GROCERY, minutes: [10], area: $a) }',
      { a: { polygon } },
    );
    expect(cut.errors).toBeUndefined();
    expect(await isValid(cut.data!.serviceAreas.features[0]!.geometry)).toBe(true);
    const bad = await server.gql(
      'query { serviceAreas(serviceType: GROCERY, minutes: [10], bbox: { minLon: 16, minLat: 60, maxLon: 15, maxLat: 61 }) }',
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    // The demo imports SCB's municipality boundaries: a municipality code clips to its polygon…
    const ludvika = await server.gql<{ serviceAreas: { features: { geometry: unknown }[] } }>(
      'query { serviceAreas(serviceType: GROCERY, minutes: [10], area: { municipalityCode: "2085" }) }',
    );
    expect(ludvika.errors).toBeUndefined();
    expect(await isValid(ludvika.data!.serviceAreas.features[0]!.geometry)).toBe(true);
    // …and a code that is no municipality is NOT_FOUND.
    const unknown = await server.gql(
      'query { serviceAreas(serviceType: GROCERY, minutes: [10], area: { municipalityCode: "9999" }) }',
    );
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  }, 120_000);
});
