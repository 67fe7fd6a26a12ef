import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';
import { startOgcServer } from './fixture.js';

/**
 * Property-based fuzzing (fast-check) of the OGC API's query parameters over HTTP: random and
 * adversarial bbox, bbox-crs, crs, limit, offset, datetime, properties, serviceType, minutes, filter
 * (cql2-text made of real tokens and of random text; cql2-json made of random JSON) and filter-lang on
 * every collection. Properties: never a 5xx; a refusal is a 4xx OGC exception (`code`, `description`)
 * with the API's `error` object; a 200 is a GeoJSON FeatureCollection whose counts add up.
 * OGC_FUZZ_RUNS (default 400) cases; FUZZ_SEED replays a run.
 */
const RUNS = Number(process.env.OGC_FUZZ_RUNS ?? 400);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`ogc fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to replay), ${RUNS} cases`);

let server: TestServer;
beforeAll(async () => {
  server = await startOgcServer();
});
afterAll(async () => {
  await server?.close();
});

const num = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.integer({ min: -200, max: 200 }).map(String),
  fc.constantFrom('1e999', '-0', 'NaN', '', ' ', '0x10', '60.5', '14.9', '6700000', '500000'),
);
const crs = fc.constantFrom(
  'http://www.opengis.net/def/crs/OGC/1.3/CRS84',
  'http://www.opengis.net/def/crs/EPSG/0/4326',
  'http://www.opengis.net/def/crs/EPSG/0/3006',
  'http://www.opengis.net/def/crs/EPSG/0/3857',
  'EPSG:3006',
  '[EPSG:3857]',
  'EPSG:1',
  'http://www.opengis.net/def/crs/EPSG/0/99999',
  '',
  'urn:ogc:def:crs:EPSG::3006',
);
const token = fc.constantFrom(
  'population',
  'name',
  'grocery_minutes',
  'grocery_within',
  'pharmacy_km',
  'municipalityCode',
  'geometry',
  'nosuch',
  '>',
  '<',
  '=',
  '<>',
  '>=',
  'AND',
  'OR',
  'NOT',
  '(',
  ')',
  "'2080'",
  "'O''Hara'",
  '200',
  '-3.5',
  '1e400',
  'IN',
  'BETWEEN',
  'LIKE',
  "'Ort%'",
  'IS',
  'NULL',
  'TRUE',
  'false',
  ',',
  'S_INTERSECTS',
  'POLYGON((14 60, 16 60, 16 61, 14 61, 14 60))',
  'BBOX(14,60,16,61)',
  'POINT(15 60.5)',
  'POINT(1e9 1)',
  "DATE('2024-01-01')",
  '"name"',
  "'",
);
const cqlText = fc.oneof(
  fc.array(token, { maxLength: 14 }).map((t) => t.join(' ')),
  fc.string({ maxLength: 60 }),
  fc.constant('population > 200 AND grocery_within = false'),
);
const cqlJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      op: fc.constantFrom(
        'and',
        'or',
        'not',
        '=',
        '>',
        'in',
        'between',
        'like',
        'isNull',
        's_intersects',
        'xx',
      ),
      args: fc.array(
        fc.oneof(
          fc.record({ property: fc.constantFrom('population', 'name', 'geometry', 'nosuch') }),
          fc.jsonValue({ maxDepth: 2 }),
          fc.constant({ op: '>', args: [{ property: 'population' }, 100] }),
          fc.constant({ bbox: [14, 60, 16, 61] }),
          fc.constant({ type: 'Point', coordinates: [15, 60.5] }),
        ),
        { maxLength: 3 },
      ),
    })
    .map((v) => JSON.stringify(v)),
);
const params = fc.record(
  {
    bbox: fc.array(num, { minLength: 0, maxLength: 7 }).map((a) => a.join(',')),
    'bbox-crs': crs,
    crs,
    limit: fc.oneof(num, fc.integer({ min: 1, max: 20_000 }).map(String)),
    offset: fc.oneof(num, fc.integer({ min: 0, max: 100 }).map(String)),
    datetime: fc.constantFrom(
      '2024-01-01',
      '2031-06-01T12:00:00Z',
      '2024-02-30',
      '../2024-01-01',
      'now',
      '1800-01-01',
      '',
    ),
    properties: fc
      .array(fc.constantFrom('name', 'population', 'grocery_minutes', 'code', 'nosuch', ''), { maxLength: 3 })
      .map((a) => a.join(',')),
    serviceType: fc.constantFrom('GROCERY', 'pharmacy', 'TELEPORT', ''),
    minutes: fc.array(num, { minLength: 1, maxLength: 3 }).map((a) => a.join(',')),
    filter: fc.oneof(cqlText, cqlJson),
    'filter-lang': fc.constantFrom('cql2-text', 'cql2-json', 'cql-text', ''),
    f: fc.constantFrom('json', 'html', 'xml'),
  },
  { requiredKeys: [] },
);
const collection = fc.constantFrom(
  'settlements',
  'service-points',
  'municipalities',
  'counties',
  'deserts',
  'service-areas',
  'nosuch',
);

describe(`OGC API parameter fuzzing (${backend})`, () => {
  it('never answers 5xx; refusals are OGC exceptions; answers are FeatureCollections', async () => {
    await fc.assert(
      fc.asyncProperty(collection, params, async (id, p) => {
        const query = new URLSearchParams(p as Record<string, string>);
        const res = await fetch(`${server.url}/ogc/collections/${id}/items?${query}`);
        const text = await res.text();
        expect(res.status, `${id}?${query} → ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          const body = JSON.parse(text);
          expect(typeof body.code).toBe('string');
          expect(typeof body.description).toBe('string');
          expect(body.status).toBe(res.status);
          expect(['BAD_USER_INPUT', 'NOT_FOUND']).toContain(body.error.code);
        } else if (!(res.headers.get('content-type') ?? '').includes('html')) {
          const body = JSON.parse(text);
          expect(body.type).toBe('FeatureCollection');
          expect(body.numberReturned).toBe(body.features.length);
          expect(body.numberMatched).toBeGreaterThanOrEqual(body.numberReturned);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });
});
