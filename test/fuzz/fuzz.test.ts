import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataVersion } from '../../src/db/data-version.js';
import { ERROR_CODES } from '../../src/errors.js';
import { ImportError, ImportOptionError, ImportValidationError } from '../../src/import/errors.js';
import { IMPORT_FIELDS } from '../../src/import/field-map.js';
import { importFile } from '../../src/modules/imports/import.service.js';
import { testConfig } from '../helpers/db.js';
import { deepJsonBody, fragmentChain } from '../helpers/hostile-documents.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

/**
 * Property-based fuzzing (fast-check) of what clients send: GraphQL variables of the main queries
 * (random and adversarial values: wrong types, nulls, missing, huge/negative numbers, 1e999, unknown enum
 * values and codes), GeoJSON area polygons (self-intersecting, out of range, degenerate, unclosed, holes
 * outside, antimeridian, SWEREF-like coordinates, wrong shapes) and import files (random CSV and GeoJSON
 * rows through the import service). Properties: no HTTP 5xx, no INTERNAL_SERVER_ERROR, every error code
 * from the closed set, the process survives; a failed import is a typed import error and leaves the row
 * counts and the data version as they were, a successful one adds exactly what it reports.
 *
 * Hostile documents (issue 19): fragments spreading fragments (doubling, chains, cycles, on Query and on
 * Settlement, up to thousands deep) and JSON bodies nested up to 20,000 deep; each answered 4xx or
 * executed, never 5xx, and /healthz answers after them.
 *
 * Dates (issue 19): instants built from parts, some out of range (30 February, 24:00, +25:00), through
 * the DateTime scalar and tiles `?at=`: refused (BAD_USER_INPUT / 400) exactly when they do not exist.
 *
 * FUZZ_RUNS (default 10,000) is the total number of cases, split 60 / 25 / 15 % (plus 4 % hostile); FUZZ_SEED replays a
 * run (the seed is printed). GraphQL cases go in batches of BATCH concurrent requests (one fast-check
 * run = one batch, shrunk as a whole), which overlaps the database's waits with the next request's work.
 */
const TOTAL = Number(process.env.FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const BATCH = 4;
const RUNS = {
  // Hostile documents and bodies (issue 19): on top of the split below.
  hostile: Math.max(40, Math.round(TOTAL * 0.04)),
  variables: Math.max(1, Math.round(TOTAL * 0.6)),
  areas: Math.max(1, Math.round(TOTAL * 0.25)),
  imports: Math.max(1, Math.round(TOTAL * 0.15)),
};
console.log(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} to replay), ${TOTAL} cases`, RUNS);

let server: TestServer;
let dir = '';
let pointIds: string[] = [];
let settlementIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer({
    config: {
      limits: { ...testConfig().limits, rateLimitPerIp: 0, rateLimitPerKey: 0, requestTimeoutMs: 120_000 },
    },
  });
  const settlements = Array.from({ length: 40 }, (_, i) =>
    aSettlement({
      lon: 14 + (i % 8) * 0.25,
      lat: 59.5 + Math.floor(i / 8) * 0.2,
      population: 200 + i * 37,
      municipalityCode: i % 2 ? '2085' : '2080',
    }),
  );
  const points = Array.from({ length: 20 }, (_, i) =>
    aServicePoint({
      lon: 14.1 + (i % 5) * 0.4,
      lat: 59.6 + Math.floor(i / 5) * 0.25,
      serviceTypes: i % 3 === 0 ? ['GROCERY', 'POST'] : i % 3 === 1 ? ['PHARMACY'] : ['GROCERY'],
    }),
  );
  await seed(server.app.db, { settlements, servicePoints: points });
  const r = await server.gql<{
    servicePoints: { nodes: { id: string }[] };
    settlements: { nodes: { id: string }[] };
  }>('{ servicePoints(first: 100) { nodes { id } } settlements(first: 100) { nodes { id } } }');
  pointIds = r.data!.servicePoints.nodes.map((n) => n.id);
  settlementIds = r.data!.settlements.nodes.map((n) => n.id);
  dir = mkdtempSync(join(tmpdir(), 'sa-fuzz-'));
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// ---------- values ----------

/** A marker replaced by a raw JSON number after stringifying (JSON.stringify cannot write 1e999). */
const RAW = '__raw_number__';
const rawNumber = fc
  .constantFrom('1e999', '-1e999', '1e400', '-0', '123456789012345678901234567890')
  .map((n) => ({
    [RAW]: n,
  }));

const wildNumber = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(
    0,
    -1,
    -0,
    1e308,
    -1e308,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 1,
    5e-324,
    600.0001,
    1e6,
    6_700_000,
  ),
  rawNumber,
);
const wildString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    'NaN',
    'Infinity',
    '-1',
    '1e999',
    '__proto__',
    'constructor',
    'null',
    "'; DROP TABLE settlements; --",
    'x'.repeat(3000),
    'åäö',
    '\u0000',
    'GROCERY',
    'PHARMACY',
    'NOPE',
    '20',
    '2085',
    'YXJyYXljb25uZWN0aW9uOjE=',
  ),
);
/** Anything at all, including the wrong type for every position. */
const wild: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 2, arbitrary: fc.constant(undefined) },
  fc.boolean(),
  wildNumber,
  wildString,
  fc.array(fc.oneof(wildNumber, wildString, fc.constant(null)), { maxLength: 4 }),
  fc.dictionary(wildString, fc.oneof(wildNumber, wildString), { maxKeys: 3 }),
  fc.anything({ maxDepth: 2 }),
);
const or = <T>(near: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: near as fc.Arbitrary<unknown> }, wild);

const lon = or(fc.oneof(fc.double({ min: 13, max: 17, noNaN: true }), fc.double({ min: -200, max: 200 })));
const lat = or(fc.oneof(fc.double({ min: 59, max: 61, noNaN: true }), fc.double({ min: -100, max: 100 })));
const smallInt = or(fc.oneof(fc.integer({ min: -3, max: 12 }), fc.integer({ min: 400, max: 100_000 })));
const minutes = or(fc.oneof(fc.double({ min: -10, max: 700 }), fc.constantFrom(0, 5, 600, 601)));
const typeCode = or(fc.constantFrom('GROCERY', 'PHARMACY', 'POST', 'LIBRARY', 'grocery', 'NOPE', ''));
const typeList = or(fc.array(typeCode, { maxLength: 4 }));
const bbox = or(fc.record({ minLon: lon, minLat: lat, maxLon: lon, maxLat: lat }, { requiredKeys: [] }));
const point = or(fc.record({ lon, lat }, { requiredKeys: [] }));
const travel = or(
  fc.record(
    { circuityFactor: or(fc.double({ min: -1, max: 5 })), speedKmh: minutes, fixedMinutes: minutes },
    { requiredKeys: [] },
  ),
);

// ---------- polygons ----------

const coordinate = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 14, max: 16, noNaN: true }) },
  fc.double({ min: 59, max: 61, noNaN: true }),
  fc.constantFrom(180, -180, 180.5, 200, 90, 91, -91, 0, 500_000, 6_700_000, Number.NaN),
  fc.double(),
);
const position = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(coordinate, coordinate) },
  fc.tuple(coordinate, coordinate, coordinate),
  fc.tuple(coordinate),
  fc.array(wild, { maxLength: 3 }),
);
const randomRing = fc
  .tuple(fc.array(position, { minLength: 0, maxLength: 10 }), fc.boolean())
  .map(([ring, close]) => (close && ring.length > 0 ? [...ring, ring[0]] : ring));
const square = (x: number, y: number, r: number) => [
  [x - r, y - r],
  [x + r, y - r],
  [x + r, y + r],
  [x - r, y + r],
  [x - r, y - r],
];
const shaped = fc.oneof(
  // A regular polygon (valid; either winding).
  fc
    .tuple(
      fc.double({ min: 14, max: 16, noNaN: true }),
      fc.double({ min: 59, max: 61, noNaN: true }),
      fc.integer({ min: 3, max: 40 }),
      fc.double({ min: 0, max: 2, noNaN: true }),
      fc.boolean(),
    )
    .map(([x, y, n, r, cw]) => {
      const ring = Array.from({ length: n }, (_, i) => {
        const a = ((cw ? -1 : 1) * 2 * Math.PI * i) / n;
        return [x + r * Math.cos(a), y + r * Math.sin(a)];
      });
      return [[...ring, ring[0]]];
    }),
  // A bow tie (self-intersecting).
  fc
    .tuple(fc.double({ min: 14, max: 16, noNaN: true }), fc.double({ min: 59, max: 61, noNaN: true }))
    .map(([x, y]) => [
      [
        [x, y],
        [x + 1, y + 1],
        [x + 1, y],
        [x, y + 1],
        [x, y],
      ],
    ]),
  // A hole outside its shell, a hole crossing it, a hole equal to it.
  fc
    .tuple(fc.double({ min: 14, max: 16, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }))
    .map(([x, d]) => [square(x, 60, 0.5), square(x + d, 60 + d, 0.2)]),
  // Degenerate: one point repeated, collinear, too few positions.
  fc.double({ min: 14, max: 16, noNaN: true }).map((x) => [
    [
      [x, 60],
      [x, 60],
      [x, 60],
      [x, 60],
    ],
  ]),
  fc.double({ min: 14, max: 16, noNaN: true }).map((x) => [
    [
      [x, 60],
      [x + 1, 60],
      [x + 2, 60],
      [x, 60],
    ],
  ]),
  // Across the antimeridian, and SWEREF 99 TM metres given as degrees.
  fc.constant([
    [
      [179, 60],
      [-179, 60],
      [-179, 61],
      [179, 61],
      [179, 60],
    ],
  ]),
  fc.constant([
    [
      [500000, 6700000],
      [510000, 6700000],
      [510000, 6710000],
      [500000, 6700000],
    ],
  ]),
  fc.array(randomRing, { minLength: 0, maxLength: 3 }),
);
const geometryType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('Polygon') },
  fc.constantFrom('MultiPolygon', 'Point', 'LineString', 'GeometryCollection', 'polygon', ''),
  wild,
);
const polygon = fc.oneof(
  { weight: 10, arbitrary: fc.record({ type: geometryType, coordinates: shaped }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('MultiPolygon'),
      coordinates: fc.array(shaped, { maxLength: 3 }),
    }),
  },
  fc.record({ type: geometryType, coordinates: wild }, { requiredKeys: [] }),
  wild,
);
const area = or(
  fc.record(
    {
      bbox,
      countyCode: or(fc.constantFrom('20', '21', '99', '2')),
      municipalityCode: or(fc.constantFrom('2085', '2080', '0000', '20851')),
      polygon,
      repair: or(fc.boolean()),
    },
    { requiredKeys: [] },
  ),
);

// ---------- GraphQL ----------

interface Case {
  query: string;
  variables: Record<string, unknown>;
}
const op = (query: string, variables: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(variables, { requiredKeys: [] }).map((v): Case => ({ query, variables: v }));

const someIds = () =>
  or(fc.array(fc.oneof(fc.constantFrom(...pointIds, ...settlementIds), wildString), { maxLength: 6 }));

const operations = (): fc.Arbitrary<Case> =>
  fc.oneof(
    op(
      `query($first: Int, $after: String, $filter: SettlementFilter) { settlements(first: $first, after: $after, filter: $filter) { totalCount nodes { id name access(serviceTypes: [GROCERY]) { travelMinutes } } pageInfo { endCursor } } }`,
      {
        first: smallInt,
        after: or(fc.constantFrom('YXJyYXljb25uZWN0aW9uOjE=', 'c2V0dGxlbWVudDo1', 'bm9wZQ==')),
        filter: or(
          fc.record(
            {
              name: wildString,
              municipalityCode: wildString,
              bbox,
              minPopulation: smallInt,
              kind: or(fc.constantFrom('TATORT', 'SMAORT', 'NOPE')),
              polygon,
            },
            { requiredKeys: [] },
          ),
        ),
      },
    ),
    op(
      `query($first: Int, $filter: ServicePointFilter) { servicePoints(first: $first, filter: $filter) { totalCount nodes { id serviceTypes } } }`,
      {
        first: smallInt,
        filter: or(
          fc.record(
            {
              serviceType: typeCode,
              status: or(fc.constantFrom('OPEN', 'CLOSED', 'open')),
              bbox,
              countyCode: wildString,
            },
            { requiredKeys: [] },
          ),
        ),
      },
    ),
    op(
      `query($t: ServiceTypeCode!, $area: AreaInput, $m: Float, $first: Int, $travel: TravelModelInput) { serviceDeserts(serviceType: $t, area: $area, thresholdMinutes: $m, first: $first, travel: $travel) { totalCount nodes { name } } }`,
      { t: typeCode, area, m: minutes, first: smallInt, travel },
    ),
    op(
      `query($types: [ServiceTypeCode!], $g: AreaLevel!, $area: AreaInput, $m: Float) { accessIndicators(serviceTypes: $types, groupBy: $g, area: $area, thresholdMinutes: $m) { areaCode population } }`,
      {
        types: typeList,
        g: or(fc.constantFrom('COUNTY', 'MUNICIPALITY', 'county', 'NOPE')),
        area,
        m: minutes,
      },
    ),
    op(
      `query($p: PointInput!, $t: ServiceTypeCode!, $limit: Int, $travel: TravelModelInput) { nearestServicePoints(location: $p, serviceType: $t, limit: $limit, travel: $travel) { travelMinutes } }`,
      { p: point, t: typeCode, limit: smallInt, travel },
    ),
    op(
      `query($t: ServiceTypeCode!, $bbox: BBoxInput, $inc: [CoverageLayerPart!], $m: Float, $s: ID) { coverageLayer(serviceType: $t, bbox: $bbox, include: $inc, thresholdMinutes: $m, scenario: $s) }`,
      {
        t: typeCode,
        bbox,
        inc: or(
          fc.array(fc.constantFrom('SETTLEMENTS', 'SERVICE_POINTS', 'SERVICE_AREAS', 'NOPE'), {
            maxLength: 3,
          }),
        ),
        m: minutes,
        s: or(fc.constantFrom('1', '999999', 'abc')),
      },
    ),
    op(
      `query($t: ServiceTypeCode!, $area: AreaInput, $first: Int) { closureImpact(serviceType: $t, area: $area, first: $first) { populationLosingAccess } }`,
      { t: typeCode, area, first: smallInt },
    ),
    op(
      `query($types: [ServiceTypeCode!]!, $count: Int!, $area: AreaInput, $c: [PointInput!], $exact: Boolean, $w: DemandWeighting) { siteSuggestions(serviceTypes: $types, count: $count, area: $area, candidates: $c, exact: $exact, weighting: $w) { populationCoveredAfter } }`,
      {
        types: typeList,
        count: smallInt,
        area,
        c: or(fc.array(point, { maxLength: 5 })),
        exact: or(fc.boolean()),
        w: or(fc.constantFrom('POPULATION', 'POPULATION_65_PLUS', 'NOPE')),
      },
    ),
    op(
      `query($changes: ScenarioInput!, $types: [ServiceTypeCode!], $g: AreaLevel) { evaluateScenario(changes: $changes, serviceTypes: $types, groupBy: $g) { populationLosingAccess byServiceType { serviceType } } }`,
      {
        changes: or(
          fc.record(
            {
              closeServicePointIds: someIds(),
              addServicePoints: or(
                fc.array(
                  or(
                    fc.record(
                      {
                        name: wildString,
                        location: point,
                        serviceTypes: typeList,
                        municipalityCode: wildString,
                      },
                      { requiredKeys: [] },
                    ),
                  ),
                  { maxLength: 3 },
                ),
              ),
              thresholdMinutes: or(
                fc.array(or(fc.record({ serviceType: typeCode, minutes }, { requiredKeys: [] })), {
                  maxLength: 3,
                }),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        types: typeList,
        g: or(fc.constantFrom('COUNTY', 'MUNICIPALITY')),
      },
    ),
    op(
      `query($area: AreaInput, $types: [ServiceTypeCode!], $codes: [GapCode!], $first: Int, $after: String, $b: Float, $sort: GapSort) { gapAnalysis(area: $area, serviceTypes: $types, codes: $codes, first: $first, after: $after, minBroadbandShare: $b, sortBy: $sort) { totalCount } }`,
      {
        area,
        types: typeList,
        codes: or(
          fc.array(fc.constantFrom('E_SERVICE_CAN_CLOSE', 'NEW_SERVICE_POINT_NEEDED', 'NOPE'), {
            maxLength: 2,
          }),
        ),
        first: smallInt,
        after: wildString,
        b: or(fc.double({ min: -1, max: 2 })),
        sort: or(fc.constantFrom('NAME', 'PEOPLE_AFFECTED', 'NOPE')),
      },
    ),
    op(
      `query($m: [Float!]!, $t: ServiceTypeCode, $id: ID) { serviceAreas(minutes: $m, serviceType: $t, servicePointId: $id) }`,
      { m: or(fc.array(minutes, { maxLength: 4 })), t: typeCode, id: someIds() },
    ),
    op(`query($id: ID!) { settlement(id: $id) { name gaps { code } } servicePoint(id: $id) { name } }`, {
      id: or(fc.oneof(fc.constantFrom(...settlementIds), wildString, fc.integer())),
    }),
  );

const KNOWN = new Set<string>(ERROR_CODES.filter((c) => c !== 'INTERNAL_SERVER_ERROR'));

async function send(c: Case): Promise<{ status: number; text: string }> {
  const body = JSON.stringify({ query: c.query, variables: c.variables }).replace(
    new RegExp(`\\{"${RAW}":"([^"]+)"\\}`, 'g'),
    '$1',
  );
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

async function sendRaw(body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
}

/** The property of every GraphQL answer: a client mistake is never a server error. */
function checkAnswer(c: Case, r: { status: number; text: string }): void {
  const context = () => `${r.status} ${r.text.slice(0, 600)}\nfor ${JSON.stringify(c).slice(0, 1500)}`;
  if (r.status >= 500) throw new Error(`HTTP ${context()}`);
  const body = JSON.parse(r.text) as { errors?: { extensions?: { code?: string } }[] };
  for (const e of body.errors ?? []) {
    const code = e.extensions?.code ?? '(none)';
    if (!KNOWN.has(code)) throw new Error(`error code ${code}: ${context()}`);
  }
}

// ---------- hostile documents (issue 19) ----------

/** Fragments F0…F(depth) each spreading the next `copies` times (the last may spread F0: a cycle). */
const fragmentDocument = fc
  .record({
    depth: fc.oneof(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 100, max: 300 })),
    copies: fc.integer({ min: 1, max: 4 }),
    onSettlement: fc.boolean(),
    leaf: fc.integer({ min: 0, max: 3 }),
    alias: fc.boolean(),
    cycle: fc.boolean(),
    inline: fc.boolean(),
  })
  .map((r): Case => {
    const type = r.onSettlement ? 'Settlement' : 'Query';
    const leaves = r.onSettlement
      ? ['id', 'name population', 'access(serviceTypes: [GROCERY]) { travelMinutes }', 'gaps { code }']
      : [
          '__typename',
          'serviceTypes { code }',
          'settlements(first: 50) { nodes { id } }',
          'gapAnalysis(first: 1) { totalCount }',
        ];
    const leaf = `${r.alias ? 'x: ' : ''}${leaves[r.leaf]}`;
    let query = r.onSettlement ? '{ settlements(first: 3) { nodes { ...F0 } } }\n' : '{ ...F0 }\n';
    for (let i = 0; i < r.depth; i++) {
      const spread = r.inline ? `... on ${type} { ...F${i + 1} }` : `...F${i + 1}`;
      query += `fragment F${i} on ${type} { ${Array.from({ length: r.copies }, () => spread).join(' ')} }\n`;
    }
    query += `fragment F${r.depth} on ${type} { ${leaf}${r.cycle ? ' ...F0' : ''} }\n`;
    return { query, variables: {} };
  });

const hostileCase = fc.oneof(
  { weight: 4, arbitrary: fragmentDocument.map((c) => ({ kind: 'graphql' as const, c })) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 1, max: 6000 })
      .map((n) => ({ kind: 'graphql' as const, c: { query: fragmentChain(n), variables: {} } })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({
        depth: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 200, max: 20_000 })),
        shape: fc.constantFrom('array' as const, 'object' as const),
        where: fc.constantFrom('variables' as const, 'extensions' as const),
      })
      .map((r) => ({ kind: 'json' as const, body: deepJsonBody(r.depth, r.shape, r.where) })),
  },
);

// ---------- dates (issue 19) ----------

/** An instant from its parts, each sometimes out of range; `exists` is the oracle, from the parts alone. */
const instantCase = fc
  .record({
    y: fc.integer({ min: 1999, max: 2101 }),
    mo: fc.integer({ min: 0, max: 13 }),
    d: fc.integer({ min: 0, max: 32 }),
    h: fc.integer({ min: 0, max: 25 }),
    mi: fc.integer({ min: 0, max: 61 }),
    s: fc.option(fc.integer({ min: 0, max: 61 })),
    zone: fc.oneof(
      fc.constant('Z'),
      fc.record({
        sign: fc.constantFrom('+', '-'),
        oh: fc.integer({ min: 0, max: 25 }),
        om: fc.integer({ min: 0, max: 61 }),
      }),
    ),
  })
  .map((r) => {
    const two = (n: number) => String(n).padStart(2, '0');
    const zone = r.zone === 'Z' ? 'Z' : `${r.zone.sign}${two(r.zone.oh)}:${two(r.zone.om)}`;
    const text = `${r.y}-${two(r.mo)}-${two(r.d)}T${two(r.h)}:${two(r.mi)}${r.s === null ? '' : `:${two(r.s)}`}${zone}`;
    const leap = (r.y % 4 === 0 && r.y % 100 !== 0) || r.y % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][r.mo - 1] ?? 0;
    const exists =
      r.mo >= 1 &&
      r.mo <= 12 &&
      r.d >= 1 &&
      r.d <= days &&
      r.h <= 23 &&
      r.mi <= 59 &&
      (r.s ?? 0) <= 59 &&
      (r.zone === 'Z' || (r.zone.oh <= 23 && r.zone.om <= 59));
    return { text, exists };
  });

describe('fuzz (fast-check)', () => {
  it('refuses a settlement polygon with overflowing coordinates as a bad row (found by this fuzz on PGlite)', async () => {
    const file = join(dir, 'overflow.geojson');
    const ring = [
      [-5.99e307, 59],
      [-5.99e307, 59],
      [-5.99e307, 59.1],
      [-5.99e307, 59],
    ];
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            geometry: { type: 'Polygon', coordinates: [ring] },
            properties: { name: 'Ort', population: '15' },
          },
        ],
      }),
    );
    const failure = await importFile(server.app.db, { kind: 'settlements', file, crs: 'EPSG:4326' }).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(ImportValidationError);
    const problems = (failure as ImportValidationError).errors.map((e) => e.locatedProblem);
    expect(problems).toEqual([expect.stringMatching(/^feature 0, field "(lon|geometry)"/)]);
  });

  it('refuses NUL characters in arguments as BAD_USER_INPUT (found by this fuzz on PostgreSQL)', async () => {
    for (const c of [
      {
        query: 'query($f: ServicePointFilter) { servicePoints(filter: $f) { totalCount } }',
        variables: { f: { countyCode: '\u0000' } },
      },
      {
        query: 'query($f: SettlementFilter) { settlements(filter: $f) { totalCount } }',
        variables: { f: { name: 'a\u0000b' } },
      },
      { query: '{ settlements(filter: { municipalityCode: "\\u0000" }) { totalCount } }', variables: {} },
    ]) {
      const r = await send(c);
      expect(r.status).toBe(200);
      const body = JSON.parse(r.text) as { errors: { extensions: { code: string } }[] };
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('refuses a travel speed so low that minutes overflow to Infinity (found by this fuzz on PGlite)', async () => {
    const r = await send({
      query: `query($travel: TravelModelInput) { nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, travel: $travel) { travelMinutes } }`,
      variables: { travel: { speedKmh: 5e-324 } },
    });
    const body = JSON.parse(r.text) as { errors: { extensions: { code: string } }[] };
    expect(body.errors.map((e) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  it('finds no settlement or point for ids beyond the integer column (found by this fuzz on PostgreSQL)', async () => {
    for (const id of ['2147483648', '99999999999', '0x10', '1e3', '-1', '0', '007']) {
      const r = await send({
        query: 'query($id: ID!) { settlement(id: $id) { name } servicePoint(id: $id) { name } }',
        variables: { id },
      });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.text)).toEqual({ data: { settlement: null, servicePoint: null } });
    }
  });

  it(`hostile documents and bodies: ${RUNS.hostile} cases, 4xx or answered, never 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const answers = await Promise.all(
          cases.map((h) => (h.kind === 'graphql' ? send(h.c) : sendRaw(h.body))),
        );
        for (const [i, h] of cases.entries()) {
          const c = h.kind === 'graphql' ? h.c : { query: h.body.slice(0, 300), variables: {} };
          checkAnswer(c, answers[i]!);
        }
      }),
      { numRuns: Math.ceil(RUNS.hostile / BATCH), seed: SEED + 3 },
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 600_000);

  it(`dates: ${RUNS.hostile} instants through DateTime and tiles ?at=, refused exactly when they do not exist`, async () => {
    const query =
      'query($at: DateTime) { nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, at: $at) { travelMinutes } }';
    await fc.assert(
      fc.asyncProperty(fc.array(instantCase, { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const answers = await Promise.all(
          cases.map(async (c) => {
            const gql = await send({ query, variables: { at: c.text } });
            const tile = await fetch(
              `${server.url}/tiles/settlements/8/138/72.mvt?at=${encodeURIComponent(c.text)}`,
            );
            await tile.arrayBuffer();
            return { gql, tile: tile.status };
          }),
        );
        for (const [i, c] of cases.entries()) {
          const { gql, tile } = answers[i]!;
          checkAnswer({ query, variables: { at: c.text } }, gql);
          const codes = (
            (JSON.parse(gql.text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []
          ).map((e) => e.extensions?.code);
          if (c.exists) {
            expect(codes, c.text).toEqual([]);
            expect(tile, c.text).toBe(200);
          } else {
            expect(codes, c.text).toEqual(['BAD_USER_INPUT']);
            expect(tile, c.text).toBe(400);
          }
        }
      }),
      { numRuns: Math.ceil(RUNS.hostile / BATCH), seed: SEED + 4 },
    );
  }, 600_000);

  it(`GraphQL variables of the main queries: ${RUNS.variables} cases, no 5xx or INTERNAL_SERVER_ERROR`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operations(), { minLength: BATCH, maxLength: BATCH }), async (cases) => {
        const answers = await Promise.all(cases.map(send));
        for (const [i, c] of cases.entries()) checkAnswer(c, answers[i]!);
      }),
      { numRuns: Math.ceil(RUNS.variables / BATCH), seed: SEED },
    );
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  }, 600_000);

  it(`GeoJSON area polygons: ${RUNS.areas} cases, valid ones answered, the rest BAD_USER_INPUT`, async () => {
    const query = `query($area: AreaInput) { serviceDeserts(serviceType: GROCERY, area: $area, first: 5) { totalCount } }`;
    const areaCase = fc.record({ p: polygon, repair: or(fc.boolean()) });
    await fc.assert(
      fc.asyncProperty(fc.array(areaCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
        const cases = batch.map(({ p, repair }) => ({ query, variables: { area: { polygon: p, repair } } }));
        const answers = await Promise.all(cases.map(send));
        for (const [i, c] of cases.entries()) checkAnswer(c, answers[i]!);
      }),
      { numRuns: Math.ceil(RUNS.areas / BATCH), seed: SEED + 1 },
    );
  }, 600_000);

  it(`import files (CSV and GeoJSON) through the import service: ${RUNS.imports} cases, all or nothing`, async () => {
    const db = server.app.db;
    const counts = async () => {
      const row = await sql<{ s: number; p: number; r: number }>`SELECT
        (SELECT count(*)::int FROM settlements) AS s, (SELECT count(*)::int FROM service_points) AS p,
        (SELECT count(*)::int FROM import_runs) AS r`.execute(db);
      return { ...row.rows[0]!, version: await readDataVersion(db) };
    };
    let n = 0;
    await fc.assert(
      fc.asyncProperty(importCase, async (c) => {
        n++;
        const file = join(dir, `case-${n}.${c.format}`);
        writeFileSync(file, c.content);
        const before = await counts();
        let summary: Awaited<ReturnType<typeof importFile>> | null = null;
        try {
          summary = await importFile(db, { kind: c.kind, file, crs: c.crs });
        } catch (error) {
          const typed =
            error instanceof ImportValidationError ||
            error instanceof ImportError ||
            error instanceof ImportOptionError;
          if (!typed)
            throw new Error(
              `untyped import failure ${String(error)} for ${JSON.stringify(c).slice(0, 1500)}`,
            );
        } finally {
          rmSync(file, { force: true });
        }
        const after = await counts();
        if (summary === null) {
          expect(after).toEqual(before);
        } else {
          const grew = c.kind === 'settlements' ? after.s - before.s : after.p - before.p;
          expect(grew).toBe(summary.inserted);
          expect(summary.inserted + summary.updated).toBe(summary.valid);
          expect(after.version).toBe(before.version + 1);
          expect(after.r).toBe(before.r + 1);
        }
      }),
      { numRuns: RUNS.imports, seed: SEED + 2 },
    );
  }, 600_000);
});

// ---------- import files ----------

const cellText = fc.oneof(
  wildString,
  fc.double().map(String),
  fc.integer({ min: -10, max: 200_000 }).map(String),
  fc.constantFrom(
    '15.5',
    '60.1',
    '59,9',
    '1e3',
    '-0',
    '6700000',
    '500000',
    'TATORT',
    'GROCERY',
    'PHARMACY;POST',
    'GROCERY,POST',
    'OPEN',
    'PLANNED',
    '2026-01-01',
    '2026-13-40',
    '"',
    '""',
    'a\nb',
    'a;b',
    '2085',
    '20',
  ),
);

const csvCell = (v: string) => (/["\n\r,;]/.test(v) && v !== '' ? `"${v.replaceAll('"', '""')}"` : v);

const importCase = fc
  .record({
    kind: fc.constantFrom('settlements' as const, 'service-points' as const),
    format: fc.constantFrom('csv' as const, 'geojson' as const),
    crs: fc.constantFrom('EPSG:4326' as const, 'EPSG:3006' as const),
    delimiter: fc.constantFrom(',', ';'),
    seed: fc.integer(),
    extra: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
    // Each row: a value (or nothing) per column, near-valid most of the time.
    rows: fc.array(
      fc.record({
        name: fc.oneof(fc.constantFrom('Ort', 'Butik', 'Åsen'), cellText),
        population: fc.oneof(fc.integer({ min: 0, max: 50_000 }).map(String), cellText),
        lon: fc.oneof(fc.double({ min: 14, max: 16, noNaN: true }).map(String), cellText),
        lat: fc.oneof(fc.double({ min: 59, max: 61, noNaN: true }).map(String), cellText),
        serviceTypes: fc.oneof(fc.constantFrom('GROCERY', 'PHARMACY', 'GROCERY,POST'), cellText),
        externalId: fc.oneof(
          fc.integer({ min: 0, max: 30 }).map((i) => `fuzz:${i}`),
          cellText,
        ),
        other: cellText,
      }),
      { maxLength: 6 },
    ),
    columns: fc.subarray([...IMPORT_FIELDS['service-points'], ...IMPORT_FIELDS.settlements]),
    geometry: fc.oneof(
      fc.constant('point'),
      fc.constant('polygon'),
      fc.constant('none'),
      fc.constant('wild'),
    ),
  })
  .map((r) => {
    const base =
      r.kind === 'settlements'
        ? ['name', 'population', 'lon', 'lat', 'externalId']
        : ['name', 'serviceTypes', 'lon', 'lat', 'externalId'];
    const columns = [
      ...new Set([...base.filter((_, i) => (r.seed >> i) & 1 || i < 2), ...r.columns, ...r.extra]),
    ];
    const value = (row: (typeof r.rows)[number], col: string) =>
      col in row ? String(row[col as keyof typeof row]) : row.other;
    let content: string;
    if (r.format === 'csv') {
      const lines = [columns.join(r.delimiter)];
      for (const row of r.rows) lines.push(columns.map((c) => csvCell(value(row, c))).join(r.delimiter));
      content = `${lines.join('\n')}\n`;
    } else {
      const features = r.rows.map((row) => {
        const x = Number(value(row, 'lon'));
        const y = Number(value(row, 'lat'));
        const geometry =
          r.geometry === 'point'
            ? { type: 'Point', coordinates: [x, y] }
            : r.geometry === 'polygon'
              ? {
                  type: 'Polygon',
                  coordinates: [
                    [
                      [x, y],
                      [x + 0.1, y],
                      [x, y + 0.1],
                      [x, y],
                    ],
                  ],
                }
              : r.geometry === 'none'
                ? null
                : { type: row.other, coordinates: row.other };
        const properties = Object.fromEntries(
          columns.filter((c) => c !== 'lon' && c !== 'lat').map((c) => [c, value(row, c)]),
        );
        return { type: 'Feature', geometry, properties };
      });
      content = JSON.stringify({ type: 'FeatureCollection', features });
    }
    return { kind: r.kind, format: r.format, crs: r.crs, content };
  });
