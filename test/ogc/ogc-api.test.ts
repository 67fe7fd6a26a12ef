// biome-ignore-all lint/suspicious/noExplicitAny: the tests read JSON answers (GeoJSON, GraphQL data) loosely and assert on them
import { Validator } from '@seriousme/openapi-schema-validator';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFORMANCE } from '../../src/ogc/handler.js';
import { backend } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startOgcServer } from './fixture.js';

/**
 * The OGC API – Features routes over HTTP on a small seeded region (both backends): the documents and
 * their links, the OpenAPI definition (validated by @seriousme/openapi-schema-validator), items as valid
 * GeoJSON, paging, CQL2 filters and bbox against GraphQL's answers, indicators and deserts against
 * GraphQL's, CRS against PostGIS ST_Transform, the refusals (400/404, never 500), ETags and HTML.
 */

let server: TestServer;
let ogc: string;

beforeAll(async () => {
  server = await startOgcServer();
  ogc = `${server.url}/ogc`;
});
afterAll(async () => {
  await server?.close();
});

interface Fc {
  type: string;
  numberMatched: number;
  numberReturned: number;
  links: { href: string; rel: string; type: string }[];
  features: {
    type: string;
    id: string;
    geometry: { type: string; coordinates: number[] };
    properties: Record<string, unknown>;
  }[];
}

async function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const url = path.startsWith('http') ? path : `${ogc}${path}`;
  // One retry when a kept-alive socket was closed by the server's keep-alive timeout just as it was reused
  // (a race of the test client on a loaded machine, not an answer of the API).
  const res = await fetch(url, { headers }).catch((error: { cause?: { code?: string } }) => {
    if (error.cause?.code !== 'ECONNRESET') throw error;
    return fetch(url, { headers });
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: res.status, body, headers: res.headers };
}

/** A GeoJSON FeatureCollection as RFC 7946 has it (structure, positions, properties objects). */
function expectGeoJson(fc: Fc): void {
  expect(fc.type).toBe('FeatureCollection');
  expect(Array.isArray(fc.features)).toBe(true);
  expect(fc.numberReturned).toBe(fc.features.length);
  for (const f of fc.features) {
    expect(f.type).toBe('Feature');
    expect(['string', 'number']).toContain(typeof f.id);
    expect(typeof f.properties).toBe('object');
    const walk = (c: unknown): void => {
      expect(Array.isArray(c)).toBe(true);
      const a = c as unknown[];
      if (typeof a[0] === 'number') {
        expect(a.length).toBeGreaterThanOrEqual(2);
        for (const n of a) expect(Number.isFinite(n)).toBe(true);
      } else for (const x of a) walk(x);
    };
    expect(['Point', 'Polygon', 'MultiPolygon']).toContain(f.geometry.type);
    walk(f.geometry.coordinates);
  }
}

const SETTLEMENTS_GQL = `query ($bbox: BBoxInput) {
  settlements(filter: { bbox: $bbox }, first: 500) {
    nodes { id name population
      access(serviceTypes: [GROCERY, PHARMACY]) { serviceType travelMinutes travelKm withinThreshold method } } } }`;

describe(`OGC API – Features (${backend})`, () => {
  it('landing page, conformance and collections, with their links', async () => {
    const landing = await get('');
    expect(landing.status).toBe(200);
    const rels = landing.body.links.map((l: { rel: string }) => l.rel);
    for (const rel of ['self', 'alternate', 'service-desc', 'conformance', 'data'])
      expect(rels).toContain(rel);
    const conformance = await get('/conformance');
    expect(conformance.body.conformsTo).toEqual([...CONFORMANCE]);
    const collections = await get('/collections');
    const ids = collections.body.collections.map((c: { id: string }) => c.id);
    expect(ids).toEqual([
      'settlements',
      'service-points',
      'municipalities',
      'counties',
      'deserts',
      'service-areas',
    ]);
    const settlements = collections.body.collections[0];
    expect(settlements.crs).toContain('http://www.opengis.net/def/crs/EPSG/0/3006');
    expect(settlements.links.map((l: { rel: string }) => l.rel)).toEqual(
      expect.arrayContaining(['self', 'items', 'http://www.opengis.net/def/rel/ogc/1.0/queryables']),
    );
    const one = await get('/collections/settlements');
    expect(one.body.id).toBe('settlements');
    // The spatial extent is the data's.
    const [w, s, e, n] = one.body.extent.spatial.bbox[0];
    expect(w).toBeGreaterThan(14.5);
    expect(e).toBeLessThan(16.2);
    expect(s).toBeGreaterThan(60.1);
    expect(n).toBeLessThan(61);
  });

  it('the OpenAPI 3.0 document validates', async () => {
    const api = await get('/api');
    expect(api.status).toBe(200);
    expect(api.headers.get('content-type')).toBe('application/vnd.oai.openapi+json;version=3.0');
    const doc = api.body;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(Object.keys(doc.paths)).toContain('/collections/{collectionId}/items');
  });

  it('queryables list every settlement property with its type', async () => {
    const q = await get('/collections/settlements/queryables');
    expect(q.headers.get('content-type')).toContain('application/schema+json');
    const p = q.body.properties;
    expect(p.population.type).toBe('integer');
    expect(p.grocery_minutes.type).toBe('number');
    expect(p.pharmacy_within.type).toBe('boolean');
    expect(p.grocery_method.type).toBe('string');
    expect(p.name.type).toBe('string');
    expect(p.geometry.format).toBe('geometry-point');
    const schema = await get('/collections/municipalities/schema');
    expect(schema.body.properties.grocery_populationBeyondThreshold.type).toBe('integer');
    expect(schema.body.properties.populationBase.enum).toEqual(['GRID', 'SETTLEMENTS', 'MIXED']);
  });

  it('settlements with a bbox and a CQL2 filter are exactly GraphQL’s settlements for the same question', async () => {
    const bbox = { minLon: 14.8, minLat: 60.25, maxLon: 15.7, maxLat: 60.8 };
    const gql = await server.gql<{ settlements: { nodes: any[] } }>(SETTLEMENTS_GQL, { bbox });
    expect(gql.errors).toBeUndefined();
    const expected = gql.data!.settlements.nodes.filter(
      (s) =>
        s.population > 200 &&
        s.access.find((a: any) => a.serviceType === 'GROCERY').withinThreshold === false,
    );
    expect(expected.length).toBeGreaterThan(3);
    expect(expected.length).toBeLessThan(gql.data!.settlements.nodes.length);
    for (const [lang, filter] of [
      ['cql2-text', 'population > 200 AND grocery_within = false'],
      [
        'cql2-json',
        JSON.stringify({
          op: 'and',
          args: [
            { op: '>', args: [{ property: 'population' }, 200] },
            { op: '=', args: [{ property: 'grocery_within' }, false] },
          ],
        }),
      ],
    ] as const) {
      const q = new URLSearchParams({
        bbox: '14.8,60.25,15.7,60.8',
        filter,
        'filter-lang': lang,
        limit: '1000',
      });
      const r = await get(`/collections/settlements/items?${q}`);
      expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/geo+json');
      expectGeoJson(r.body);
      expect(r.body.numberMatched).toBe(expected.length);
      expect(r.body.features.map((f: any) => f.id)).toEqual(expected.map((s) => s.id));
      for (const f of r.body.features) {
        const s = expected.find((e) => e.id === f.id)!;
        for (const a of s.access) {
          const k = a.serviceType.toLowerCase();
          expect(f.properties[`${k}_minutes`]).toBe(a.travelMinutes);
          expect(f.properties[`${k}_km`]).toBe(a.travelKm);
          expect(f.properties[`${k}_within`]).toBe(a.withinThreshold);
          expect(f.properties[`${k}_method`]).toBe(a.method);
        }
        expect(f.properties.name).toBe(s.name);
        expect(f.properties.population).toBe(s.population);
      }
    }
  });

  it('S_INTERSECTS with a polygon, IN, BETWEEN and IS NULL select what GraphQL’s polygon area and fields select', async () => {
    const polygon = {
      type: 'Polygon',
      coordinates: [
        [
          [14.9, 60.3],
          [15.5, 60.3],
          [15.5, 60.7],
          [14.9, 60.7],
          [14.9, 60.3],
        ],
      ],
    };
    const gql = await server.gql<{ gapAnalysis: unknown; settlements: { nodes: any[] } }>(
      `query ($p: JSON) { settlements(first: 500) { nodes { id population population65Plus municipalityCode } }
        area: serviceDeserts(serviceType: GROCERY, area: { polygon: $p }, thresholdMinutes: 600, first: 0) { totalCount } }`,
      { p: polygon },
    );
    expect(gql.errors).toBeUndefined();
    // PostGIS decides polygon membership for GraphQL; the same question through the OGC filter.
    const inside = await sql<{ id: number }>`SELECT id FROM settlements
      WHERE ST_Intersects(geom, ST_SetSRID(ST_GeomFromGeoJSON(${JSON.stringify(polygon)}), 4326)) ORDER BY id`.execute(
      server.app.db,
    );
    const insideIds = new Set(inside.rows.map((r) => String(r.id)));
    const wkt = 'POLYGON((14.9 60.3, 15.5 60.3, 15.5 60.7, 14.9 60.7, 14.9 60.3))';
    const filter = `S_INTERSECTS(geometry, ${wkt}) AND municipalityCode IN ('2080', '2181') AND (population BETWEEN 100 AND 1500 OR population65Plus IS NULL)`;
    const r = await get(`/collections/settlements/items?limit=1000&filter=${encodeURIComponent(filter)}`);
    expect(r.status).toBe(200);
    const expected = gql.data!.settlements.nodes.filter(
      (s) =>
        insideIds.has(s.id) &&
        ['2080', '2181'].includes(s.municipalityCode) &&
        ((s.population >= 100 && s.population <= 1500) || s.population65Plus === null),
    );
    expect(expected.length).toBeGreaterThan(2);
    expect(r.body.features.map((f: any) => f.id)).toEqual(expected.map((s) => s.id));
  });

  it('paging with next links visits every feature once; numberMatched is the sum of the pages', async () => {
    const seen: string[] = [];
    let url: string | undefined =
      `${ogc}/collections/settlements/items?limit=7&filter=${encodeURIComponent('population > 100')}`;
    let matched = -1;
    let pages = 0;
    while (url) {
      const r = await get(url);
      expect(r.status).toBe(200);
      expectGeoJson(r.body);
      if (matched < 0) matched = r.body.numberMatched;
      expect(r.body.numberMatched).toBe(matched);
      seen.push(...r.body.features.map((f: any) => f.id));
      if (pages > 0) expect(r.body.links.some((l: any) => l.rel === 'prev')).toBe(true);
      url = r.body.links.find((l: any) => l.rel === 'next')?.href;
      pages++;
      expect(pages).toBeLessThan(20);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(matched);
    const all = await get('/collections/settlements/items?limit=1000');
    expect(seen).toEqual(
      all.body.features.filter((f: any) => f.properties.population > 100).map((f: any) => f.id),
    );
    expect(pages).toBe(Math.ceil(matched / 7));
  });

  it('crs=EPSG:3006 gives northing, easting within 1 mm of PostGIS ST_Transform; bbox-crs EPSG:3006 selects the same', async () => {
    const crs = 'http://www.opengis.net/def/crs/EPSG/0/3006';
    const r = await get(`/collections/settlements/items?limit=1000&crs=${encodeURIComponent(crs)}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-crs')).toBe(`<${crs}>`);
    const rows = await sql<{
      id: number;
      e: number;
      n: number;
    }>`SELECT id, ST_X(ST_Transform(geom, 3006)) AS e,
      ST_Y(ST_Transform(geom, 3006)) AS n FROM settlements ORDER BY id`.execute(server.app.db);
    expect(rows.rows.length).toBe(r.body.features.length);
    for (const row of rows.rows) {
      const f = r.body.features.find((x: any) => x.id === String(row.id));
      const [n, e] = f.geometry.coordinates;
      expect(Math.abs(n - Number(row.n))).toBeLessThan(0.001);
      expect(Math.abs(e - Number(row.e))).toBeLessThan(0.001);
    }
    // The same box in SWEREF 99 TM (northing first) and in CRS84 select the same points (a box of
    // projected coordinates is not a lon/lat box, so compare with PostGIS on the projected points).
    const box = [6_690_000, 480_000, 6_730_000, 540_000];
    const inBox = await sql<{
      id: number;
    }>`SELECT id FROM settlements WHERE ST_Intersects(ST_Transform(geom, 3006),
      ST_MakeEnvelope(${box[1]}, ${box[0]}, ${box[3]}, ${box[2]}, 3006)) ORDER BY id`.execute(server.app.db);
    const b = await get(
      `/collections/settlements/items?limit=1000&bbox=${box.join(',')}&bbox-crs=${encodeURIComponent(crs)}`,
    );
    expect(b.status).toBe(200);
    expect(inBox.rows.length).toBeGreaterThan(2);
    expect(b.body.features.map((f: any) => f.id)).toEqual(inBox.rows.map((x) => String(x.id)));
    // EPSG:3857 is easting, northing.
    const m = await get(
      '/collections/settlements/items?limit=1&crs=http://www.opengis.net/def/crs/EPSG/0/3857',
    );
    const row = await sql<{
      x: number;
      y: number;
    }>`SELECT ST_X(ST_Transform(geom, 3857)) AS x, ST_Y(ST_Transform(geom, 3857)) AS y
      FROM settlements WHERE id = ${Number(m.body.features[0].id)}`.execute(server.app.db);
    expect(Math.abs(m.body.features[0].geometry.coordinates[0] - Number(row.rows[0]!.x))).toBeLessThan(0.001);
    expect(Math.abs(m.body.features[0].geometry.coordinates[1] - Number(row.rows[0]!.y))).toBeLessThan(0.001);
  });

  it('municipalities and counties carry GraphQL accessIndicators’ figures', async () => {
    const gql = await server.gql<{ accessIndicators: any[] }>(
      `{ accessIndicators(groupBy: MUNICIPALITY, serviceTypes: [GROCERY, PHARMACY]) { areaCode serviceType population
          populationBeyondThreshold settlementsBeyondThreshold meanMinutesPopulationWeighted populationBase
          shareWithin { minutes share } } }`,
    );
    expect(gql.errors).toBeUndefined();
    const r = await get('/collections/municipalities/items');
    expect(r.status).toBe(200);
    expectGeoJson(r.body);
    expect(r.body.features.map((f: any) => f.id).sort()).toEqual(['2080', '2081', '2181']);
    for (const row of gql.data!.accessIndicators) {
      const f = r.body.features.find((x: any) => x.id === row.areaCode);
      const k = row.serviceType.toLowerCase();
      expect(f.properties.population).toBe(row.population);
      expect(f.properties.populationBase).toBe(row.populationBase);
      expect(f.properties[`${k}_populationBeyondThreshold`]).toBe(row.populationBeyondThreshold);
      expect(f.properties[`${k}_settlementsBeyondThreshold`]).toBe(row.settlementsBeyondThreshold);
      expect(f.properties[`${k}_meanMinutes`]).toBe(row.meanMinutesPopulationWeighted);
      for (const { minutes, share } of row.shareWithin)
        expect(f.properties[`${k}_shareWithin${minutes}`]).toBe(share);
    }
    const counties = await get('/collections/counties/items');
    expect(counties.body.features.map((f: any) => f.id).sort()).toEqual(['20', '21']);
  });

  it('deserts (serviceType, minutes) are GraphQL serviceDeserts, in its order; service-areas answer per minutes value', async () => {
    const gql = await server.gql<{ serviceDeserts: { nodes: { id: string }[] } }>(
      '{ serviceDeserts(serviceType: PHARMACY, thresholdMinutes: 25, first: 500) { nodes { id } } }',
    );
    expect(gql.errors).toBeUndefined();
    const r = await get('/collections/deserts/items?serviceType=PHARMACY&minutes=25&limit=1000');
    expect(r.status).toBe(200);
    expect(r.body.features.map((f: any) => f.id)).toEqual(gql.data!.serviceDeserts.nodes.map((n) => n.id));
    expect(r.body.features.length).toBeGreaterThan(0);
    expect(
      r.body.features.every(
        (f: any) => f.properties.serviceType === 'PHARMACY' && f.properties.thresholdMinutes === 25,
      ),
    ).toBe(true);

    const areas = await get('/collections/service-areas/items?serviceType=GROCERY&minutes=10,20');
    expect(areas.status).toBe(200);
    expectGeoJson(areas.body);
    const gqlAreas = await server.gql<{ serviceAreas: any }>(
      '{ serviceAreas(serviceType: GROCERY, minutes: [10, 20]) }',
    );
    expect(areas.body.features.map((f: any) => f.properties.minutes)).toEqual(
      gqlAreas.data!.serviceAreas.features.map((f: any) => f.properties.minutes),
    );
    expect(areas.body.features[1].geometry).toEqual(gqlAreas.data!.serviceAreas.features[1].geometry);
  });

  it('datetime answers as the data stood that day (GraphQL asOf), for settlements and service points', async () => {
    const gql = await server.gql<{ settlements: { nodes: any[] } }>(
      '{ settlements(first: 500, asOf: "2031-06-01") { nodes { id access(serviceTypes: [GROCERY]) { travelMinutes } } } }',
    );
    expect(gql.errors).toBeUndefined();
    const later = await get('/collections/settlements/items?limit=1000&datetime=2031-06-01');
    const today = await get('/collections/settlements/items?limit=1000');
    let changed = 0;
    for (const s of gql.data!.settlements.nodes) {
      const f = later.body.features.find((x: any) => x.id === s.id);
      expect(f.properties.grocery_minutes).toBe(s.access[0].travelMinutes);
      if (
        today.body.features.find((x: any) => x.id === s.id).properties.grocery_minutes !==
        f.properties.grocery_minutes
      )
        changed++;
    }
    expect(changed).toBeGreaterThan(0);
    const points = await get('/collections/service-points/items?datetime=2025-01-01T12:00:00Z');
    const pointsLater = await get('/collections/service-points/items?datetime=2031-01-01');
    expect(pointsLater.body.numberMatched).toBe(points.body.numberMatched + 1);
  });

  it('properties, one feature, HTML, ETag revalidation, compression and CORS', async () => {
    const r = await get('/collections/settlements/items?limit=2&properties=name,grocery_minutes');
    expect(Object.keys(r.body.features[0].properties)).toEqual(['name', 'grocery_minutes']);
    const id = r.body.features[0].id;
    const one = await get(`/collections/settlements/items/${id}`);
    expect(one.status).toBe(200);
    expect(one.body.type).toBe('Feature');
    expect(one.body.links.map((l: any) => l.rel)).toEqual(expect.arrayContaining(['self', 'collection']));
    expect((await get('/collections/settlements/items/999999')).status).toBe(404);

    const html = await get('/collections/settlements/items?limit=3&f=html');
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.body).toContain('<table>');
    expect(html.body).toContain('grocery_minutes');
    const browser = await get('/collections', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' });
    expect(browser.headers.get('content-type')).toContain('text/html');
    const escaped = await get('/collections/settlements/items?limit=100&f=html');
    expect(escaped.body).toContain('O&#39;Hara');

    const first = await fetch(`${ogc}/collections/settlements/items?limit=5`);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"ogc-/);
    const again = await fetch(`${ogc}/collections/settlements/items?limit=5`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const big = await fetch(`${ogc}/collections/settlements/items?limit=1000`, {
      headers: { 'accept-encoding': 'gzip', origin: 'https://maps.example' },
    });
    expect(big.headers.get('content-encoding')).toBe('gzip');
    expect(big.headers.get('access-control-allow-origin')).toBe('*');
    expect(big.headers.get('access-control-expose-headers')).toContain('Content-Crs');
    const pre = await fetch(`${ogc}/collections`, {
      method: 'OPTIONS',
      headers: { origin: 'https://maps.example' },
    });
    expect(pre.status).toBe(204);
    const post = await fetch(`${ogc}/collections`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('refuses bad parameters with a 400 OGC exception naming them, never a 500', async () => {
    const cases: [string, string, RegExp][] = [
      ['filter=population%20%3E', 'filter', /malformed CQL2 filter/],
      ['filter=nosuch%20%3E%201', 'filter', /unknown property 'nosuch'/],
      ['filter=%7B%22op%22%3A', 'filter', /add filter-lang=cql2-json/],
      ['filter-lang=cql2-json&filter=%7B%22op%22%3A', 'filter', /not JSON/],
      ['filter-lang=cql2-json&filter=population%20%3E%201', 'filter', /not JSON/],
      ['filter-lang=ecql&filter=population%20%3E%201', 'filter-lang', /cql2-text or cql2-json/],
      ['crs=EPSG:9999', 'crs', /not a supported CRS/],
      ['bbox-crs=http://www.opengis.net/def/crs/EPSG/0/2400&bbox=1,2,3,4', 'bbox-crs', /not a supported CRS/],
      ['bbox=14,60,200,61', 'bbox', /out of range/],
      ['bbox=14,61,15,60', 'bbox', /north of the upper corner/],
      ['bbox=14,60,15', 'bbox', /4 numbers/],
      ['bbox=a,b,c,d', 'bbox', /must be numbers/],
      ['limit=0', 'limit', /integer ≥ 1/],
      ['limit=-5', 'limit', /integer ≥ 1/],
      ['offset=x', 'offset', /integer ≥ 0/],
      ['properties=name,nosuch', 'properties', /unknown property 'nosuch'/],
      ['datetime=2020-01-01/2021-01-01', 'datetime', /intervals/],
      ['datetime=yesterday', 'datetime', /must be a date/],
      ['serviceType=GROCERY', 'serviceType', /does not take serviceType/],
      ['frobnicate=1', 'frobnicate', /unknown query parameter/],
      ['f=xml', 'f', /json or html/],
    ];
    for (const [query, parameter, message] of cases) {
      const r = await get(`/collections/settlements/items?${query}`);
      expect(r.status, query).toBe(400);
      expect(r.body.code, query).toBe('InvalidParameterValue');
      expect(r.body.parameter, query).toBe(parameter);
      expect(r.body.description, query).toMatch(message);
      expect(r.body.error.code).toBe('BAD_USER_INPUT');
    }
    const bad = await get('/collections/deserts/items?serviceType=TELEPORT');
    expect(bad.status).toBe(400);
    expect(bad.body.description).toMatch(/not a known service type/);
    expect((await get('/collections/deserts/items?minutes=0')).status).toBe(400);
    expect(
      (await get('/collections/service-areas/items?minutes=10,20,30,40,50,60,70,80,90,100,110,120,130'))
        .status,
    ).toBe(400);
    const missing = await get('/collections/nosuch/items');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('NotFound');
    expect((await get('/collections/settlements/nosuch')).status).toBe(404);
  });
});
