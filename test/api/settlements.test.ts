import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

interface Conn {
  totalCount: number;
  nodes: { id: string; name: string; population: number; location: { coordinates: [number, number] } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('settlements and service points over GraphQL', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ config: { maxPageSize: 3 } });
    await seed(server.app.db, {
      settlements: [
        aSettlement({
          name: 'Borlänge',
          population: 41955,
          municipalityCode: '2081',
          lon: 15.4356,
          lat: 60.4858,
        }),
        aSettlement({
          name: 'Ludvika',
          population: 15245,
          municipalityCode: '2085',
          lon: 15.1878,
          lat: 60.1496,
        }),
        aSettlement({
          name: 'Grängesberg',
          population: 3300,
          municipalityCode: '2085',
          lon: 14.9981,
          lat: 60.0767,
        }),
        aSettlement({
          name: 'Örebro',
          population: 107038,
          municipalityCode: '1880',
          countyCode: '18',
          lon: 15.2066,
          lat: 59.2741,
        }),
        aSettlement({ name: 'Säter', population: 4500, municipalityCode: '2082', lon: 15.75, lat: 60.35 }),
      ],
      servicePoints: [
        aServicePoint({ name: 'Ludvika apotek', serviceTypes: ['PHARMACY'], lon: 15.19, lat: 60.15 }),
        aServicePoint({
          name: 'Ludvika servicepunkt',
          serviceTypes: ['GROCERY', 'POST'],
          lon: 15.18,
          lat: 60.14,
        }),
        aServicePoint({
          name: 'Closed shop',
          status: 'CLOSED',
          serviceTypes: ['GROCERY'],
          lon: 15.0,
          lat: 60.08,
        }),
      ],
    });
  });
  afterAll(() => server?.close());

  it('finds a settlement by an accent- and case-insensitive name prefix', async () => {
    const r = await server.gql<{ settlements: Conn }>(
      '{ settlements(filter: { name: "ORE" }) { totalCount nodes { name population location } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.settlements.nodes.map((n) => n.name)).toEqual(['Örebro']);
    expect(r.data!.settlements.nodes[0]!.location).toEqual({
      type: 'Point',
      coordinates: [15.2066, 59.2741],
    });
  });

  it('filters by municipality, county, minimum population and bounding box together', async () => {
    const r = await server.gql<{ a: Conn; b: Conn; c: Conn }>(`{
      a: settlements(filter: { municipalityCode: "2085" }) { totalCount nodes { name } }
      b: settlements(filter: { countyCode: "20", minPopulation: 5000 }) { totalCount nodes { name } }
      c: settlements(filter: { bbox: { minLon: 15.1, minLat: 60.1, maxLon: 15.5, maxLat: 60.5 } }) { totalCount nodes { name } }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.a.nodes.map((n) => n.name).sort()).toEqual(['Grängesberg', 'Ludvika']);
    expect(r.data!.b.nodes.map((n) => n.name).sort()).toEqual(['Borlänge', 'Ludvika']);
    expect(r.data!.c.nodes.map((n) => n.name).sort()).toEqual(['Borlänge', 'Ludvika']);
  });

  it('pages with cursors until every settlement has been seen once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const r: Awaited<ReturnType<typeof server.gql<{ settlements: Conn }>>> = await server.gql<{
        settlements: Conn;
      }>(
        'query($after: String) { settlements(first: 2, after: $after) { totalCount nodes { name } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(r.data!.settlements.totalCount).toBe(5);
      seen.push(...r.data!.settlements.nodes.map((n) => n.name));
      if (!r.data!.settlements.pageInfo.hasNextPage) break;
      after = r.data!.settlements.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(5);
    expect(new Set(seen).size).toBe(5);
  });

  it('refuses a page larger than the cap with BAD_USER_INPUT naming the cap', async () => {
    const r = await server.gql('{ settlements(first: 4) { totalCount } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/at most 3/);
  });

  it('refuses a malformed cursor and a malformed bbox with BAD_USER_INPUT', async () => {
    const a = await server.gql('{ settlements(after: "nonsense") { totalCount } }');
    expect(a.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const b = await server.gql(
      '{ settlements(filter: { bbox: { minLon: 20, minLat: 60, maxLon: 10, maxLat: 61 } }) { totalCount } }',
    );
    expect(b.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('returns a settlement by id and null for an unknown id', async () => {
    const list = await server.gql<{ settlements: Conn }>(
      '{ settlements(filter: { name: "ludvika" }) { nodes { id } } }',
    );
    const id = list.data!.settlements.nodes[0]!.id;
    const r = await server.gql<{ s: { name: string } | null; none: null }>(
      `query($id: ID!) { s: settlement(id: $id) { name } none: settlement(id: "999999") { name } }`,
      { id },
    );
    expect(r.data).toEqual({ s: { name: 'Ludvika' }, none: null });
  });

  it('filters service points by type and status', async () => {
    const r = await server.gql<{
      open: { totalCount: number };
      closed: { nodes: { name: string }[] };
      multi: { nodes: { serviceTypes: string[] }[] };
    }>(`{
      open: servicePoints(filter: { serviceType: GROCERY, status: OPEN }) { totalCount }
      closed: servicePoints(filter: { status: CLOSED }) { nodes { name } }
      multi: servicePoints(filter: { serviceType: POST }) { nodes { serviceTypes } }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.open.totalCount).toBe(1);
    expect(r.data!.closed.nodes.map((n) => n.name)).toEqual(['Closed shop']);
    expect(r.data!.multi.nodes[0]!.serviceTypes.sort()).toEqual(['GROCERY', 'POST']);
  });

  it('refuses an unknown service type with BAD_USER_INPUT listing the known ones', async () => {
    const r = await server.gql('{ servicePoints(filter: { serviceType: GROCERIES }) { totalCount } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.errors?.[0]?.message).toMatch(/GROCERY/);
  });

  it('does not count introspection toward the depth limit (schema tools nest ofType deeply)', async () => {
    // The depth refusal itself is tested on data fields in http-standard.test.ts.
    const deep = `{ __schema { types { fields { type { ${'ofType { '.repeat(10)}name${' }'.repeat(15)}`;
    const r = await server.gql(deep);
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
  });

  it('serves /healthz and /readyz', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as {
      status: string;
      migrated: boolean;
      postgis: string;
    };
    expect(ready).toMatchObject({ status: 'ready', migrated: true });
    expect(ready.postgis).toMatch(/^3\./);
  });

  it('counts (count(*)) only when totalCount is selected, and once however often it is selected', async () => {
    const counts = () => server.database.queries.filter((q) => /count\(\*\)/i.test(q)).length;
    // A filter keeps the settlements page in SQL (a plain one may come from the loaded snapshot with no
    // SQL at all: test/load/light-reads.test.ts).
    const args = { settlements: 'first: 2, filter: { minPopulation: 0 }', servicePoints: 'first: 2' };
    for (const list of ['settlements', 'servicePoints'] as const) {
      server.database.queries.length = 0;
      const page = await server.gql(`{ ${list}(${args[list]}) { nodes { id } pageInfo { hasNextPage } } }`);
      expect(page.errors).toBeUndefined();
      // The page itself is one query; on PostgreSQL the request also reads the data versions (the
      // response cache's key and the snapshot's), which is not the list's work.
      const listQueries = server.database.queries.filter((q) => !/"data_version"/.test(q)).length;
      expect({ list, counts: counts(), queries: listQueries }).toEqual({
        list,
        counts: 0,
        queries: 1,
      });

      server.database.queries.length = 0;
      const counted = await server.gql<Record<string, { totalCount: number }>>(
        `{ ${list}(${args[list]}) { totalCount again: totalCount nodes { id } } }`,
      );
      expect(counts()).toBe(1);
      const conn = counted.data![list] as unknown as { totalCount: number; again: number };
      expect(conn.again).toBe(conn.totalCount);
    }
    const all = await server.gql<{ settlements: Conn }>(
      '{ settlements(first: 3) { totalCount nodes { id } } }',
    );
    expect(all.data!.settlements.totalCount).toBe(5);
  });
});
