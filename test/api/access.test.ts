import { distance } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';
import { minutesFor } from '../support/oracles.js';

/** Minutes under the default model (circuity 1.35, 70 km/h, no fixed time), from Turf's km: the oracle. */
const km = (a: [number, number], b: [number, number]) => distance(a, b, { units: 'kilometers' });

interface Access {
  serviceType: string;
  straightLineKm: number | null;
  travelKm: number | null;
  travelMinutes: number | null;
  withinThreshold: boolean;
  method: string;
  thresholdMinutes: number;
  servicePoint: { name: string } | null;
}

describe('access over GraphQL', () => {
  let server: TestServer;
  // A valley along the 15°E meridian: a pharmacy in Town; Village 0.1° (≈11 km) north; Hamlet 0.3° north.
  const town: [number, number] = [15, 60];
  const village: [number, number] = [15, 60.1];
  const hamlet: [number, number] = [15, 60.3];
  const neighbour: [number, number] = [15.2, 60.3];

  beforeAll(async () => {
    server = await startTestServer({ config: { maxPageSize: 500 } });
    await seed(server.app.db, {
      settlements: [
        aSettlement({ name: 'Town', population: 5000, population65Plus: 1000, lon: town[0], lat: town[1] }),
        aSettlement({
          name: 'Village',
          population: 400,
          population65Plus: 150,
          lon: village[0],
          lat: village[1],
        }),
        aSettlement({
          name: 'Hamlet',
          population: 80,
          population65Plus: null,
          lon: hamlet[0],
          lat: hamlet[1],
        }),
        aSettlement({
          name: 'Neighbour',
          population: 900,
          municipalityCode: '2081',
          lon: neighbour[0],
          lat: neighbour[1],
        }),
        // 520 more settlements, for the page-of-500 round-trip test.
        ...Array.from({ length: 520 }, (_, i) =>
          aSettlement({
            name: `Grid ${i}`,
            population: 10 + i,
            lon: 14 + (i % 26) * 0.05,
            lat: 61 + Math.floor(i / 26) * 0.05,
          }),
        ),
      ],
      servicePoints: [
        aServicePoint({ name: 'Town apotek', serviceTypes: ['PHARMACY'], lon: town[0], lat: town[1] }),
        aServicePoint({
          name: 'Closed apotek',
          serviceTypes: ['PHARMACY'],
          status: 'CLOSED',
          lon: hamlet[0],
          lat: hamlet[1],
        }),
        aServicePoint({
          name: 'Village shop',
          serviceTypes: ['GROCERY', 'POST'],
          lon: village[0],
          lat: village[1],
        }),
      ],
    });
  });
  afterAll(() => server?.close());

  it('gives the nearest open point with straight-line and travel distance, minutes and threshold', async () => {
    const r = await server.gql<{ settlements: { nodes: { name: string; access: Access[] }[] } }>(`{
      settlements(filter: { name: "village" }) { nodes { name access(serviceTypes: [PHARMACY, GROCERY, FUEL]) {
        serviceType straightLineKm travelKm travelMinutes withinThreshold method thresholdMinutes servicePoint { name } } } }
    }`);
    expect(r.errors).toBeUndefined();
    const [pharmacy, grocery, fuel] = r.data!.settlements.nodes[0]!.access;
    const d = km(village, town);
    expect(pharmacy!.servicePoint!.name).toBe('Town apotek');
    expect(pharmacy!.straightLineKm).toBeCloseTo(d, 6);
    expect(pharmacy!.travelKm).toBeCloseTo(d * 1.35, 6);
    expect(pharmacy!.travelMinutes).toBeCloseTo(minutesFor(d), 6);
    expect(pharmacy!.thresholdMinutes).toBe(20);
    expect(pharmacy!.withinThreshold).toBe(minutesFor(d) <= 20);
    expect(pharmacy!.method).toBe('ESTIMATED');
    // A settlement exactly on a point: 0 km, 0 minutes.
    expect(grocery).toMatchObject({ straightLineKm: 0, travelMinutes: 0, withinThreshold: true });
    // No fuel station loaded at all: no point, not within.
    expect(fuel).toMatchObject({
      servicePoint: null,
      straightLineKm: null,
      travelMinutes: null,
      withinThreshold: false,
    });
  });

  it('ignores closed points and lets the caller override the threshold and travel model', async () => {
    const r = await server.gql<{ settlements: { nodes: { access: Access[] }[] } }>(`{
      settlements(filter: { name: "hamlet" }) { nodes {
        access(serviceTypes: [PHARMACY], thresholdMinutes: 45, travel: { speedKmh: 90, circuityFactor: 1.2 }) {
          travelMinutes withinThreshold thresholdMinutes servicePoint { name } } } }
    }`);
    const [a] = r.data!.settlements.nodes[0]!.access;
    const d = km(hamlet, town);
    expect(a!.servicePoint!.name).toBe('Town apotek');
    expect(a!.travelMinutes).toBeCloseTo(((d * 1.2) / 90) * 60, 6);
    expect(a!.thresholdMinutes).toBe(45);
    expect(a!.withinThreshold).toBe(((d * 1.2) / 90) * 60 <= 45);
  });

  it('lists deserts most people first, within an area, with a threshold override', async () => {
    const r = await server.gql<{ serviceDeserts: { totalCount: number; nodes: { name: string }[] } }>(`{
      serviceDeserts(serviceType: PHARMACY, area: { municipalityCode: "2085", bbox: { minLon: 14.9, minLat: 59.9, maxLon: 15.3, maxLat: 60.4 } }) {
        totalCount nodes { name } }
    }`);
    expect(r.errors).toBeUndefined();
    const expected = [
      { name: 'Village', p: village, pop: 400 },
      { name: 'Hamlet', p: hamlet, pop: 80 },
    ].filter((s) => minutesFor(km(s.p, town)) > 20);
    expect(r.data!.serviceDeserts.nodes.map((n) => n.name)).toEqual(expected.map((e) => e.name));
    expect(r.data!.serviceDeserts.totalCount).toBe(expected.length);
  });

  it('computes indicators per municipality that match a hand computation', async () => {
    const r = await server.gql<{
      accessIndicators: {
        areaCode: string;
        population: number;
        population65Plus: number | null;
        populationBeyondThreshold: number;
        settlementsBeyondThreshold: number;
        meanMinutesPopulationWeighted: number;
        shareWithin: { minutes: number; share: number }[];
      }[];
    }>(`{
      accessIndicators(serviceTypes: [PHARMACY], groupBy: MUNICIPALITY, area: { bbox: { minLon: 14.9, minLat: 59.9, maxLon: 15.3, maxLat: 60.4 } }) {
        areaCode population population65Plus populationBeyondThreshold settlementsBeyondThreshold meanMinutesPopulationWeighted
        shareWithin { minutes share } }
    }`);
    expect(r.errors).toBeUndefined();
    const ludvika = r.data!.accessIndicators.find((x) => x.areaCode === '2085')!;
    const rows = [
      { pop: 5000, m: 0 },
      { pop: 400, m: minutesFor(km(village, town)) },
      { pop: 80, m: minutesFor(km(hamlet, town)) },
    ];
    const population = 5480;
    expect(ludvika.population).toBe(population);
    expect(ludvika.population65Plus).toBe(1150);
    expect(ludvika.populationBeyondThreshold).toBe(
      rows.filter((x) => x.m > 20).reduce((s, x) => s + x.pop, 0),
    );
    expect(ludvika.meanMinutesPopulationWeighted).toBeCloseTo(
      rows.reduce((s, x) => s + x.pop * x.m, 0) / population,
      6,
    );
    const within10 = rows.filter((x) => x.m <= 10).reduce((s, x) => s + x.pop, 0) / population;
    expect(ludvika.shareWithin.find((s) => s.minutes === 10)!.share).toBeCloseTo(within10, 9);
    expect(r.data!.accessIndicators.map((x) => x.areaCode)).toContain('2081');
  });

  it('returns the k nearest points from any location, nearest first', async () => {
    const r = await server.gql<{ nearestServicePoints: Access[] }>(`{
      nearestServicePoints(location: { lon: 15, lat: 60.2 }, serviceType: GROCERY, limit: 3) { straightLineKm servicePoint { name } }
    }`);
    expect(r.data!.nearestServicePoints).toHaveLength(1);
    expect(r.data!.nearestServicePoints[0]!.straightLineKm).toBeCloseTo(km([15, 60.2], village), 6);
    const bad = await server.gql(
      '{ nearestServicePoints(location: { lon: 200, lat: 60 }, serviceType: GROCERY) { travelMinutes } }',
    );
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('reports the travel model it uses', async () => {
    const r = await server.gql('{ travelModel { circuityFactor speedKmh fixedMinutes networkLoaded } }');
    expect(r.data).toEqual({
      travelModel: { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0, networkLoaded: false },
    });
  });

  it('serves a page of 500 settlements × 9 types of access in at most 3 SQL round trips', async () => {
    const query = `{ settlements(first: 500) { totalCount nodes { id access { serviceType travelMinutes servicePoint { name } } } } }`;
    await server.gql(query); // warm: the snapshot is loaded once per data version
    server.database.queries.length = 0;
    const r = await server.gql<{ settlements: { nodes: { access: Access[] }[] } }>(query);
    expect(r.errors).toBeUndefined();
    expect(r.data!.settlements.nodes).toHaveLength(500);
    expect(r.data!.settlements.nodes.every((n) => n.access.length === 9)).toBe(true);
    expect(server.database.queries.length).toBeLessThanOrEqual(3);
  });

  it('sees a new service point after a write (the snapshot follows the data version)', async () => {
    const before = await server.gql<{ settlements: { nodes: { access: Access[] }[] } }>(
      '{ settlements(filter: { name: "hamlet" }) { nodes { access(serviceTypes: [FUEL]) { servicePoint { name } } } } }',
    );
    expect(before.data!.settlements.nodes[0]!.access[0]!.servicePoint).toBeNull();
    await seed(server.app.db, {
      servicePoints: [aServicePoint({ name: 'Hamlet fuel', serviceTypes: ['FUEL'], lon: 15, lat: 60.3 })],
    });
    const after = await server.gql<{ settlements: { nodes: { access: Access[] }[] } }>(
      '{ settlements(filter: { name: "hamlet" }) { nodes { access(serviceTypes: [FUEL]) { servicePoint { name } } } } }',
    );
    expect(after.data!.settlements.nodes[0]!.access[0]!.servicePoint!.name).toBe('Hamlet fuel');
  });

  it('refuses a costly query (page size × fields) with QUERY_TOO_COMPLEX', async () => {
    // One page of 500 × all 9 types is fine (above); twelve such pages in one request are not.
    const page = 'settlements(first: 500) { nodes { access { servicePoint { name operator source } } } }';
    const r = await server.gql(`{ ${Array.from({ length: 12 }, (_, k) => `p${k}: ${page}`).join(' ')} }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COMPLEX');
  });
});
