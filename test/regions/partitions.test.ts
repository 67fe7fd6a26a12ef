/**
 * Regional partitions (SERVICEATLAS_REGIONS; docs/scaling.md "Regional partitions"), on both backends:
 * the generated country case (small) served by two partitions (WEST and EAST counties) and one whole
 * instance over the same database, behind the region router (the nginx `map` of docs/deploy/regions.md).
 * For every settlement, the access answer of every type through its partition equals the whole
 * instance's — border settlements included, whose nearest point lies in the other partition — and so do
 * the indicators per municipality of every county; an area a partition does not hold is REGION_NOT_SERVED.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../../src/server.js';
import type { App } from '../../src/app.js';
import type { TestDatabase } from '../helpers/db.js';
import { freshApp } from '../helpers/db.js';
import type { RegionRouter } from '../helpers/region-router.js';
import { startRegionRouter, upstreamFor } from '../helpers/region-router.js';
import { EAST, regionsCase, storeRegionsCase, WEST } from '../helpers/regions-case.js';

const data = regionsCase({ origins: 2_500, points: 300 });

let app: App;
let database: TestDatabase;
let whole: RunningServer;
let west: RunningServer;
let east: RunningServer;
let router: RegionRouter;

interface Gql {
  data?: Record<string, unknown>;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

async function gql(url: string, query: string, area?: string): Promise<Gql> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(area ? { 'x-serviceatlas-area': area } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as Gql;
}

interface Node {
  id: string;
  access: {
    serviceType: string;
    travelMinutes: number | null;
    straightLineKm: number | null;
    withinThreshold: boolean;
    servicePoint: { id: string; municipalityCode: string | null } | null;
  }[];
}

/** Every settlement of a county with its access to every type, page by page. */
async function accessOfCounty(url: string, county: string): Promise<Node[]> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (;;) {
    const cursor: string = after ? `, after: ${JSON.stringify(after)}` : '';
    const r = await gql(
      url,
      `{ settlements(first: 500, filter: { countyCode: "${county}" }${cursor}) {
          nodes { id access { serviceType travelMinutes straightLineKm withinThreshold
            servicePoint { id municipalityCode } } }
          pageInfo { hasNextPage endCursor } } }`,
      county,
    );
    expect(r.errors).toBeUndefined();
    const page = r.data!.settlements as {
      nodes: Node[];
      pageInfo: { hasNextPage: boolean; endCursor: string };
    };
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

const INDICATORS = `areaCode population populationBeyondThreshold settlementsBeyondThreshold
  settlementsWithoutService meanMinutesPopulationWeighted population65PlusBeyondThreshold serviceType
  thresholdMinutes shareWithin { minutes share }`;

beforeAll(async () => {
  ({ app, database } = await freshApp());
  await storeRegionsCase(app.db, data);
  whole = await startServer({ app, config: app.config, port: 0 });
  west = await startServer({ app, config: { ...app.config, regions: WEST }, port: 0 });
  east = await startServer({ app, config: { ...app.config, regions: EAST }, port: 0 });
  router = await startRegionRouter(
    [
      { regions: WEST, url: west.url },
      { regions: EAST, url: east.url },
    ],
    whole.url,
  );
}, 600_000);

afterAll(async () => {
  await router?.close();
  for (const s of [west, east, whole]) await s?.close();
  await database?.close();
});

describe('regional partitions of the generated country', () => {
  it('routes an area to the partition holding it: exact code, then its county prefix, else the whole', () => {
    const partitions = [
      { regions: WEST, url: 'w' },
      { regions: [...EAST, '9999'], url: 'e' },
    ];
    expect(upstreamFor('13', partitions, 'all')).toBe('w');
    expect(upstreamFor('1305', partitions, 'all')).toBe('w');
    expect(upstreamFor('2210', partitions, 'all')).toBe('e');
    expect(upstreamFor('9999', partitions, 'all')).toBe('e');
    expect(upstreamFor('0114', partitions, 'all')).toBe('all');
    expect(upstreamFor(null, partitions, 'all')).toBe('all');
  });

  it('answers every settlement’s access per type as the whole instance does, border settlements included', async () => {
    let settlements = 0;
    let border = 0;
    let beyondReach = 0;
    for (const [mine, counties] of [
      [WEST, WEST],
      [EAST, EAST],
    ] as const) {
      for (const county of counties) {
        const routed = await accessOfCounty(router.url, county);
        const reference = await accessOfCounty(whole.url, county);
        expect(routed.map((n) => n.id)).toEqual(reference.map((n) => n.id));
        expect(routed).toEqual(reference);
        settlements += routed.length;
        for (const n of routed) {
          // Answered from a point in the other partition's counties: a border settlement.
          if (
            n.access.some(
              (a) => a.servicePoint && !mine.includes(a.servicePoint.municipalityCode!.slice(0, 2)),
            )
          )
            border++;
          if (n.access.some((a) => a.servicePoint && !a.withinThreshold)) beyondReach++;
        }
      }
    }
    expect(settlements).toBe(data.settlements.length);
    // The case has both kinds the halo must get right: nearest points across the partition line, and
    // nearest points beyond every threshold's reach (kept by the two-nearest rule).
    expect(border).toBeGreaterThan(10);
    expect(beyondReach).toBeGreaterThan(10);
    // Both partitions answered through the router, the whole instance only directly.
    expect(router.served.get(west.url)).toBeGreaterThan(0);
    expect(router.served.get(east.url)).toBeGreaterThan(0);
    expect(router.served.get(whole.url)).toBeUndefined();
  }, 600_000);

  it('gives every county’s indicators per municipality as the whole instance does', async () => {
    for (const county of [...WEST, ...EAST]) {
      const query = `{ accessIndicators(area: { countyCode: "${county}" }, groupBy: MUNICIPALITY) { ${INDICATORS} } }`;
      const routed = await gql(router.url, query, county);
      const reference = await gql(whole.url, query);
      expect(routed.errors).toBeUndefined();
      expect(routed.data).toEqual(reference.data);
    }
    // A municipality (its county's prefix routes it) and the county level too.
    const query = `{ accessIndicators(area: { municipalityCode: "1705" }, groupBy: COUNTY) { ${INDICATORS} } }`;
    const routed = await gql(router.url, query, '1705');
    expect(routed.errors).toBeUndefined();
    expect(routed.data).toEqual((await gql(whole.url, query)).data);
  }, 600_000);

  it('refuses an area it does not hold with REGION_NOT_SERVED, naming the field', async () => {
    const other = await gql(
      west.url,
      `{ accessIndicators(area: { countyCode: "${EAST[0]}" }, groupBy: COUNTY) { areaCode } }`,
    );
    expect(other.errors?.[0]?.extensions).toMatchObject({
      code: 'REGION_NOT_SERVED',
      field: 'area.countyCode',
    });
    const everywhere = await gql(west.url, '{ accessIndicators(groupBy: COUNTY) { areaCode } }');
    expect(everywhere.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_NOT_SERVED', field: 'area' });
    const municipality = await gql(
      east.url,
      `{ serviceDeserts(serviceType: PHARMACY, area: { municipalityCode: "1305" }, first: 1) { totalCount } }`,
    );
    expect(municipality.errors?.[0]?.extensions).toMatchObject({
      code: 'REGION_NOT_SERVED',
      field: 'area.municipalityCode',
    });
    const location = await gql(
      west.url,
      '{ nearestServicePoints(location: { lon: 14, lat: 57 }, serviceType: PHARMACY) { travelMinutes } }',
    );
    expect(location.errors?.[0]?.extensions?.code).toBe('REGION_NOT_SERVED');
    // A settlement of the other partition: refused, not answered from this partition's halo.
    const eastern = await gql(
      whole.url,
      `{ settlements(first: 1, filter: { countyCode: "${EAST[0]}" }) { nodes { id } } }`,
    );
    const id = (eastern.data!.settlements as { nodes: { id: string }[] }).nodes[0]!.id;
    const settlement = await gql(west.url, `{ settlement(id: "${id}") { access { travelMinutes } } }`);
    expect(settlement.errors?.[0]?.extensions).toMatchObject({ code: 'REGION_NOT_SERVED', field: 'id' });
  });

  it('says which regions it holds on /readyz and /metrics', async () => {
    const ready = (await (await fetch(`${west.url}/readyz`)).json()) as {
      partition?: Record<string, unknown>;
    };
    expect(ready.partition).toMatchObject({ regions: WEST });
    expect(ready.partition?.settlements).toBeGreaterThan(0);
    expect(ready.partition?.settlements).toBeLessThan(data.settlements.length);
    expect(ready.partition?.points).toBeLessThanOrEqual(data.points.length);
    const metrics = await (await fetch(`${east.url}/metrics`)).text();
    for (const r of EAST) expect(metrics).toContain(`serviceatlas_region_held{region="${r}"} 1`);
    expect(metrics).toMatch(/serviceatlas_partition_rows\{kind="settlements"\} \d+/);
    const all = (await (await fetch(`${whole.url}/readyz`)).json()) as { partition?: unknown };
    expect(all.partition).toBeUndefined();
  });
});
