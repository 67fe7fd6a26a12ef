import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aServicePoint, aSettlement, seed } from '../../helpers/seed.js';
import type { TestServer } from '../../helpers/server.js';
import { startTestServer } from '../../helpers/server.js';
import { LON, latAt } from '../../support/meridian.js';

interface Site {
  location: { type: string; coordinates: [number, number] };
  settlement: { name: string } | null;
  marginalPopulation: number;
  serves: { name: string }[];
  servesByType: { serviceType: string; marginalPopulation: number; settlements: { name: string }[] }[];
}
interface Result {
  siteSuggestions: {
    sites: Site[];
    populationCoveredBefore: number;
    populationCoveredAfter: number;
    method: string;
  };
}

const QUERY = `query($types: [ServiceTypeCode!]!, $count: Int!, $area: AreaInput, $weighting: DemandWeighting,
  $candidates: [PointInput!], $exact: Boolean) {
  siteSuggestions(serviceTypes: $types, count: $count, area: $area, weighting: $weighting,
                  candidates: $candidates, exact: $exact) {
    populationCoveredBefore populationCoveredAfter method
    sites { location settlement { name } marginalPopulation serves { name }
            servesByType { serviceType marginalPopulation settlements { name } } }
  } }`;

/*
 * A grocery store at km 0; the grocery threshold is 10 min = 8.64 km. Settlements (km, population, 65+):
 * A 1 (100, 20) — covered today; B 20 (500, 50); C 25 (300, 30); F 29 (200, 20); G 43 (100, 10);
 * D 50 (400, 200); E 57 (50, 40). From a site at C: B (5 km), C, F (4 km) = 1000 people; at B: 800 (F is
 * 9 km away); at D: G (7), D, E (7) = 550; at G: 500; at E: 450. Greedy: C, then D. Before 100, after 1650.
 * By 65+: D covers 10 + 200 + 40 = 250, more than C's 50 + 30 + 20 = 100.
 */
describe('site suggestions over GraphQL', () => {
  let server: TestServer;
  const names = (list: { name: string }[]) => list.map((s) => s.name);

  beforeAll(async () => {
    server = await startTestServer();
    const place = (name: string, km: number, population: number, population65Plus: number) =>
      aSettlement({ name, lon: LON, lat: latAt(km), population, population65Plus });
    await seed(server.app.db, {
      settlements: [
        place('A', 1, 100, 20),
        place('B', 20, 500, 50),
        place('C', 25, 300, 30),
        place('F', 29, 200, 20),
        place('G', 43, 100, 10),
        place('D', 50, 400, 200),
        place('E', 57, 50, 40),
      ],
      servicePoints: [aServicePoint({ name: 'Butik', serviceTypes: ['GROCERY'], lon: LON, lat: latAt(0) })],
    });
  });
  afterAll(() => server?.close());

  it('picks the settlement covering the most uncovered people, then the next, with before and after', async () => {
    const r = await server.gql<Result>(QUERY, { types: ['GROCERY'], count: 2 });
    expect(r.errors).toBeUndefined();
    const result = r.data!.siteSuggestions;
    expect(result.sites.map((s) => s.settlement?.name)).toEqual(['C', 'D']);
    expect(result.sites.map((s) => s.marginalPopulation)).toEqual([1000, 550]);
    expect(names(result.sites[0]!.serves)).toEqual(['B', 'C', 'F']);
    expect(names(result.sites[1]!.serves)).toEqual(['G', 'D', 'E']);
    expect(result.sites[0]!.location).toEqual({ type: 'Point', coordinates: [LON, latAt(25)] });
    expect(result.populationCoveredBefore).toBe(100);
    expect(result.populationCoveredAfter).toBe(1650);
    expect(result.method).toMatch(/^greedy/);
  });

  it('finds the same optimum with exact=true', async () => {
    const r = await server.gql<Result>(QUERY, { types: ['GROCERY'], count: 2, exact: true });
    expect(r.errors).toBeUndefined();
    expect(r.data!.siteSuggestions.sites.map((s) => s.settlement?.name)).toEqual(['C', 'D']);
    expect(r.data!.siteSuggestions.populationCoveredAfter).toBe(1650);
    expect(r.data!.siteSuggestions.method).toMatch(/^exact \(enumeration of 21 combinations\)/);
  });

  it('weights demand by the 65+ population when asked', async () => {
    const r = await server.gql<Result>(QUERY, {
      types: ['GROCERY'],
      count: 1,
      weighting: 'POPULATION_65_PLUS',
    });
    const result = r.data!.siteSuggestions;
    expect(result.sites.map((s) => s.settlement?.name)).toEqual(['D']);
    expect(result.sites[0]!.marginalPopulation).toBe(250);
    expect(result.populationCoveredBefore).toBe(20);
    expect(result.populationCoveredAfter).toBe(270);
  });

  it('sums covered population over the types of the bundle', async () => {
    // No fuel station at all (15 min = 12.96 km): nobody is covered for FUEL today. With enough sites
    // everyone is covered for both types: 1650 + 1650.
    const r = await server.gql<Result>(QUERY, { types: ['GROCERY', 'FUEL'], count: 50 });
    expect(r.errors).toBeUndefined();
    const result = r.data!.siteSuggestions;
    expect(result.populationCoveredBefore).toBe(100);
    expect(result.populationCoveredAfter).toBe(3300);
    expect(result.method).toContain('stopped at');
    const first = result.sites[0]!;
    const byType = Object.fromEntries(first.servesByType.map((t) => [t.serviceType, t.marginalPopulation]));
    expect(first.marginalPopulation).toBe(byType.GROCERY! + byType.FUEL!);
  });

  it('chooses among given candidate points, which have no settlement', async () => {
    // km 47: G (4), D (3) = 500 (E is 10 km away); km 27: B (7), C (2), F (2) = 1000.
    const candidates = [
      { lon: LON, lat: latAt(47) },
      { lon: LON, lat: latAt(27) },
    ];
    const r = await server.gql<Result>(QUERY, { types: ['GROCERY'], count: 1, candidates });
    expect(r.errors).toBeUndefined();
    const [site] = r.data!.siteSuggestions.sites;
    expect(site!.settlement).toBeNull();
    expect(site!.location.coordinates).toEqual([LON, latAt(27)]);
    expect(site!.marginalPopulation).toBe(1000);
    expect(names(site!.serves)).toEqual(['B', 'C', 'F']);
  });

  it('takes demand and candidates from the area only', async () => {
    const bbox = { minLon: 14.9, maxLon: 15.1, minLat: latAt(40), maxLat: latAt(60) };
    const r = await server.gql<Result>(QUERY, { types: ['GROCERY'], count: 1, area: { bbox } });
    const result = r.data!.siteSuggestions;
    expect(result.sites.map((s) => s.settlement?.name)).toEqual(['D']);
    expect(result.populationCoveredBefore).toBe(0);
    expect(result.populationCoveredAfter).toBe(550);
  });

  it('refuses counts outside 1..50 and exact solving beyond its limits with BAD_USER_INPUT', async () => {
    for (const count of [0, 51]) {
      const r = await server.gql(QUERY, { types: ['GROCERY'], count });
      expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const candidates = Array.from({ length: 26 }, (_, i) => ({ lon: LON, lat: latAt(i) }));
    const exact = await server.gql(QUERY, { types: ['GROCERY'], count: 1, candidates, exact: true });
    expect(exact.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(exact.errors?.[0]?.message).toContain('25 candidates');
    const bad = await server.gql(QUERY, { types: ['GROCERY'], count: 1, candidates: [{ lon: 200, lat: 0 }] });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
