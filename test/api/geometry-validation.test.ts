import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSettlement, seed } from '../helpers/seed.js';
import type { GraphQLResponse, TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { defaultMaxPolygonVertices } from '../../src/config.js';

/**
 * Geometry inputs over real HTTP: every malformed or meaningless polygon, box and point is a
 * BAD_USER_INPUT naming the problem and where — never a plausible number, never INTERNAL_SERVER_ERROR.
 * With no service points every settlement is a desert, so `serviceDeserts.totalCount` counts the
 * settlements in the area (the oracle: the hand-placed settlements below).
 */
const DESERTS = `query($area: AreaInput) {
  serviceDeserts(serviceType: GROCERY, area: $area, first: 1) { totalCount } }`;

type Deserts = { serviceDeserts: { totalCount: number } };

// Left lobe, right lobe, and between the lobes of the bow-tie below; one far away.
const PLACES = [
  { name: 'left', lon: 14.2, lat: 60 },
  { name: 'right', lon: 15.8, lat: 60 },
  { name: 'between', lon: 15, lat: 59.3 },
  { name: 'far', lon: 20, lat: 65 },
];
const square = (w: number, s: number, e: number, n: number) => [
  [w, s],
  [e, s],
  [e, n],
  [w, n],
  [w, s],
];

describe('geometry validation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, { settlements: PLACES.map((p) => aSettlement(p)) });
  });
  afterAll(() => server.close());

  const deserts = (polygon: unknown, extra: Record<string, unknown> = {}) =>
    server.gql<Deserts>(DESERTS, { area: { polygon, ...extra } });
  const badInput = (r: GraphQLResponse, ...parts: (string | RegExp)[]) => {
    expect(r.data ?? null).toBeNull();
    const e = r.errors?.[0];
    expect(e?.extensions?.code).toBe('BAD_USER_INPUT');
    for (const p of parts) expect(e!.message).toMatch(p);
    return e!;
  };

  it('accepts a valid polygon in either winding and counts the same settlements', async () => {
    const ccw = square(14, 59, 16.5, 61);
    const cw = [...ccw].reverse();
    const a = await deserts({ type: 'Polygon', coordinates: [ccw] });
    const b = await deserts({ type: 'Polygon', coordinates: [cw] });
    expect(a.errors).toBeUndefined();
    expect(a.data!.serviceDeserts.totalCount).toBe(3);
    expect(b.data!.serviceDeserts.totalCount).toBe(3);
  });

  const bowTie = {
    type: 'Polygon',
    coordinates: [
      [
        [14, 59],
        [16, 61],
        [16, 59],
        [14, 61],
        [14, 59],
      ],
    ],
  };

  it('refuses a self-intersecting polygon naming PostGIS’s reason and where', async () => {
    const e = badInput(await deserts(bowTie), /Self-intersection/, /\[15, 60\]/, /repair/);
    expect(e.extensions?.field).toBe('area.polygon');
  });

  it('repairs it when asked (the polygonal part of ST_MakeValid: the two lobes)', async () => {
    const r = await deserts(bowTie, { repair: true });
    expect(r.errors).toBeUndefined();
    expect(r.data!.serviceDeserts.totalCount).toBe(2);
  });

  it('refuses a hole outside its shell', async () => {
    const r = await deserts({
      type: 'Polygon',
      coordinates: [square(14, 59, 15, 60), square(18, 62, 19, 63).reverse()],
    });
    badInput(r, /Hole lies outside shell/);
  });

  it('refuses out-of-range latitude naming the ring and position', async () => {
    const ring = square(14, 59, 16, 61);
    ring[2] = [16, 200];
    badInput(
      await deserts({ type: 'Polygon', coordinates: [ring] }),
      /latitude 200/,
      /coordinates\[0\]\[2\]/,
    );
  });

  it('refuses a ring crossing the antimeridian', async () => {
    const ring = [
      [179, 60],
      [-179, 60],
      [-179, 61],
      [179, 61],
      [179, 60],
    ];
    badInput(await deserts({ type: 'Polygon', coordinates: [ring] }), /antimeridian/, /coordinates\[0\]/);
  });

  it('recognises SWEREF 99 TM metres given as degrees', async () => {
    const ring = square(500_000, 6_700_000, 520_000, 6_720_000);
    badInput(await deserts({ type: 'Polygon', coordinates: [ring] }), /SWEREF 99 TM/, /EPSG:4326/);
  });

  it('refuses degenerate rings: too few positions, zero area, not closed', async () => {
    badInput(
      await deserts({
        type: 'Polygon',
        coordinates: [
          [
            [14, 59],
            [15, 60],
            [14, 59],
          ],
        ],
      }),
      /at least 4/,
      /coordinates\[0\]/,
    );
    badInput(
      await deserts({
        type: 'Polygon',
        coordinates: [
          [
            [14, 59],
            [15, 60],
            [16, 61],
            [14, 59],
          ],
        ],
      }),
      /zero area/,
    );
    badInput(
      await deserts({
        type: 'Polygon',
        coordinates: [
          [
            [14, 59],
            [16, 59],
            [16, 61],
            [14, 61],
            [14, 60],
          ],
        ],
      }),
      /not closed/,
    );
  });

  it('refuses a non-finite coordinate (JSON 1e999 is Infinity) instead of reading it as 0', async () => {
    const body = `{"query": ${JSON.stringify(DESERTS)}, "variables": {"area": {"polygon": {"type": "Polygon", "coordinates": [[[14, 59], [1e999, 59], [16, 61], [14, 59]]]}}}}`;
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    badInput({ status: res.status, ...((await res.json()) as object) }, /finite/, /coordinates\[0\]\[1\]/);
  });

  it('answers malformed shapes with BAD_USER_INPUT, not INTERNAL_SERVER_ERROR', async () => {
    for (const polygon of [
      { type: 'Polygon', coordinates: 'x' },
      {
        type: 'Polygon',
        coordinates: [
          [
            ['a', 1],
            [2, 3],
            [4, 5],
            ['a', 1],
          ],
        ],
      },
      { type: 'Polygon', coordinates: [[[[14, 59]]]] },
      { type: 'Polygon', coordinates: [] },
      { type: 'MultiPolygon', coordinates: [[]] },
      { type: 'Point', coordinates: [14, 59] },
      {
        type: 'Polygon',
        coordinates: [
          [
            [14, 59, 1, 2],
            [16, 59],
            [16, 61],
            [14, 59, 1, 2],
          ],
        ],
      },
    ]) {
      badInput(await deserts(polygon), /area\.polygon/);
    }
  });

  it('caps the vertices of a polygon (maxPolygonVertices)', async () => {
    const ring: number[][] = [];
    for (let i = 0; i < 50_000; i++) {
      const a = (2 * Math.PI * i) / 50_000;
      ring.push([15 + Math.cos(a), 60 + 0.5 * Math.sin(a)]);
    }
    ring.push(ring[0]!);
    const cap = server.app.config.limits.maxPolygonVertices;
    badInput(
      await deserts({ type: 'Polygon', coordinates: [ring] }),
      /maxPolygonVertices/,
      new RegExp(String(cap)),
    );
  });

  it('caps polygons at 5,000 vertices on the embedded database (PostGIS on the event loop), 20,000 on a server', async () => {
    expect(defaultMaxPolygonVertices(undefined)).toBe(5_000);
    expect(defaultMaxPolygonVertices('postgres://db/atlas')).toBe(20_000);
    expect(server.app.config.limits.maxPolygonVertices).toBe(server.app.config.databaseUrl ? 20_000 : 5_000);
    // A 19,000-vertex polygon (the hostile probe's): refused on the embedded database before PostGIS sees it.
    const ring: number[][] = [];
    for (let i = 0; i < 18_999; i++) {
      const a = (2 * Math.PI * i) / 18_999;
      ring.push([15 + Math.cos(a) * (1 + 0.02 * Math.sin(37 * a)), 60 + 0.5 * Math.sin(a)]);
    }
    ring.push(ring[0]!);
    const answer = await deserts({ type: 'Polygon', coordinates: [ring] });
    if (server.app.config.databaseUrl) expect(answer.errors).toBeUndefined();
    else badInput(answer, /maxPolygonVertices/, /5000/);
  });

  it('validates every part of a MultiPolygon, naming the part', async () => {
    const bad = square(14, 59, 15, 60);
    bad[1] = [15, -95];
    badInput(
      await deserts({ type: 'MultiPolygon', coordinates: [[square(14, 59, 15, 60)], [bad]] }),
      /coordinates\[1\]\[0\]\[1\]/,
      /latitude -95/,
    );
  });

  it('refuses SWEREF 99 TM and antimeridian bounding boxes with a message saying so', async () => {
    const q =
      'query($b: BBoxInput) { serviceDeserts(serviceType: GROCERY, area: { bbox: $b }, first: 1) { totalCount } }';
    badInput(
      await server.gql(q, { b: { minLon: 500_000, minLat: 6_700_000, maxLon: 520_000, maxLat: 6_720_000 } }),
      /SWEREF 99 TM/,
    );
    badInput(
      await server.gql(q, { b: { minLon: 170, minLat: 60, maxLon: -170, maxLat: 61 } }),
      /antimeridian/,
    );
  });

  it('refuses points out of range, in SWEREF 99 TM or not finite, naming the input', async () => {
    badInput(
      await server.gql(
        '{ nearestServicePoints(serviceType: GROCERY, location: { lon: 1e999, lat: 60 }) { travelMinutes } }',
      ),
      /finite/,
    );
    badInput(
      await server.gql(
        '{ nearestServicePoints(serviceType: GROCERY, location: { lon: 500000, lat: 6700000 }) { travelMinutes } }',
      ),
      /SWEREF 99 TM/,
    );
    badInput(
      await server.gql(
        '{ siteSuggestions(serviceTypes: [GROCERY], count: 1, candidates: [{ lon: 15, lat: 60 }, { lon: 15, lat: 200 }]) { method } }',
      ),
      /candidates\[1\]/,
      /latitude 200/,
    );
    badInput(
      await server.gql(
        '{ evaluateScenario(changes: { addServicePoints: [{ name: "x", serviceTypes: [GROCERY], location: { lon: 500000, lat: 6700000 } }] }) { method } }',
      ),
      /SWEREF 99 TM/,
    );
  });
});
