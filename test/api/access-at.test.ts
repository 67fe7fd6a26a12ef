import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImportValidationError } from '../../src/import/index.js';
import { importFile } from '../../src/modules/imports/import.service.js';
import { importRoads } from '../../src/modules/roads/road-import.service.js';
import { aServicePoint, aSettlement, seed } from '../helpers/seed.js';
import type { TestServer } from '../helpers/server.js';
import { startTestServer } from '../helpers/server.js';

// Along the 15°E meridian: Village at 60.00; "Weekday shop" 0.045° north (≈ 5 km, ≈ 5.8 min: within the
// 10-minute GROCERY threshold); "Anytime shop" 0.135° north (≈ 15 km, ≈ 17.4 min: beyond it). The weekday
// shop keeps office hours and closes on public holidays; the other has no hours on record.
const TUESDAY_10 = '2026-12-01T10:00:00+01:00';
const SATURDAY_16 = '2026-12-05T16:00:00+01:00';
const CHRISTMAS_DAY_10 = '2026-12-25T10:00:00+01:00'; // a Friday, juldagen

interface Access {
  servicePoint: { name: string } | null;
  withinThreshold: boolean;
  openingHoursKnown: boolean | null;
}

describe('access at a time: only points open then count', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await seed(server.app.db, {
      settlements: [
        aSettlement({ name: 'Village', population: 700, population65Plus: 200, lon: 15, lat: 60 }),
      ],
      servicePoints: [
        aServicePoint({
          name: 'Weekday shop',
          lon: 15,
          lat: 60.045,
          openingHours: 'Mo-Fr 08:00-18:00; PH off',
        }),
        aServicePoint({ name: 'Anytime shop', lon: 15, lat: 60.135, openingHours: null }),
      ],
    });
  });
  afterAll(() => server?.close());

  const accessAt = async (at: string | null) => {
    const res = await server.gql<{ settlements: { nodes: { access: Access[] }[] } }>(
      `query($at: DateTime) { settlements(first: 1) { nodes {
        access(serviceTypes: [GROCERY], at: $at) { servicePoint { name } withinThreshold openingHoursKnown } } } }`,
      { at },
    );
    expect(res.errors).toBeUndefined();
    return res.data!.settlements.nodes[0]!.access[0]!;
  };

  it('finds the weekday shop on a Tuesday morning and without a time', async () => {
    expect(await accessAt(TUESDAY_10)).toEqual({
      servicePoint: { name: 'Weekday shop' },
      withinThreshold: true,
      openingHoursKnown: true,
    });
    expect((await accessAt(null)).servicePoint?.name).toBe('Weekday shop');
  });

  it('falls back to the shop with unknown hours on a Saturday afternoon and on Christmas Day, and says so', async () => {
    for (const at of [SATURDAY_16, CHRISTMAS_DAY_10]) {
      expect(await accessAt(at)).toEqual({
        servicePoint: { name: 'Anytime shop' },
        withinThreshold: false,
        openingHoursKnown: false,
      });
    }
  });

  it('lists only open points in nearestServicePoints at a time', async () => {
    const nearest = async (at: string) =>
      (
        await server.gql<{ nearestServicePoints: Access[] }>(
          `query($at: DateTime) { nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY,
             limit: 5, at: $at) { servicePoint { name } withinThreshold openingHoursKnown } }`,
          { at },
        )
      ).data!.nearestServicePoints.map((a) => a.servicePoint?.name);
    expect(await nearest(TUESDAY_10)).toEqual(['Weekday shop', 'Anytime shop']);
    expect(await nearest(SATURDAY_16)).toEqual(['Anytime shop']);
  });

  it('compares indicators and deserts on Saturday 16:00 with Tuesday 10:00', async () => {
    const query = `query($at: DateTime) {
      accessIndicators(serviceTypes: [GROCERY], groupBy: MUNICIPALITY, at: $at) {
        population populationBeyondThreshold population65PlusBeyondThreshold settlementsBeyondThreshold }
      serviceDeserts(serviceType: GROCERY, at: $at) { totalCount } }`;
    type R = {
      accessIndicators: { population: number; populationBeyondThreshold: number }[];
      serviceDeserts: { totalCount: number };
    };
    const tuesday = (await server.gql<R>(query, { at: TUESDAY_10 })).data!;
    const saturday = (await server.gql<R>(query, { at: SATURDAY_16 })).data!;
    expect(tuesday.accessIndicators[0]).toMatchObject({ population: 700, populationBeyondThreshold: 0 });
    expect(saturday.accessIndicators[0]).toMatchObject({
      population: 700,
      populationBeyondThreshold: 700,
      population65PlusBeyondThreshold: 200,
      settlementsBeyondThreshold: 1,
    });
    expect(tuesday.serviceDeserts.totalCount).toBe(0);
    expect(saturday.serviceDeserts.totalCount).toBe(1);
  });

  it('takes the same time in the coverage layer and the tiles', async () => {
    const layer = async (at: string) =>
      (
        await server.gql<{ coverageLayer: { features: { properties: { desert: boolean } }[] } }>(
          'query($at: DateTime) { coverageLayer(serviceType: GROCERY, at: $at) }',
          { at },
        )
      ).data!.coverageLayer.features.map((f) => f.properties.desert);
    expect(await layer(TUESDAY_10)).toEqual([false]);
    expect(await layer(SATURDAY_16)).toEqual([true]);
    const tileJson = await fetch(
      `${server.url}/tiles/settlements.json?serviceType=GROCERY&at=${encodeURIComponent(SATURDAY_16)}`,
    );
    expect(tileJson.status).toBe(200);
    expect(((await tileJson.json()) as { tiles: string[] }).tiles[0]).toContain(
      `at=${encodeURIComponent('2026-12-05T15:00:00.000Z')}`,
    );
    const bad = await fetch(`${server.url}/tiles/settlements.json?serviceType=GROCERY&at=saturday`);
    expect(bad.status).toBe(400);
  });

  it('refuses a time without an offset', async () => {
    const res = await server.gql(
      'query($at: DateTime) { nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, at: $at) { method } }',
      { at: '2026-12-05T16:00' },
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('applies the same opening hours on a road network (NETWORK answers through the travel-cost seam)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-hours-roads-'));
    const roads = join(dir, 'valley.geojson');
    // One road along the valley, past the village and both shops.
    writeFileSync(
      roads,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { highway: 'secondary' },
            geometry: {
              type: 'LineString',
              coordinates: [
                [15, 59.99],
                [15, 60.045],
                [15, 60.1],
                [15, 60.135],
                [15, 60.2],
              ],
            },
          },
        ],
      }),
    );
    await importRoads(server.app.db, { file: roads, format: 'geojson' });
    type R = {
      nearestServicePoints: { servicePoint: { name: string }; method: string; travelMinutes: number }[];
    };
    const all = (
      await server.gql<R>(
        '{ nearestServicePoints(location: { lon: 15, lat: 60 }, serviceType: GROCERY, limit: 2) { servicePoint { name } method travelMinutes } }',
      )
    ).data!.nearestServicePoints;
    expect(all.map((a) => [a.servicePoint.name, a.method])).toEqual([
      ['Weekday shop', 'NETWORK'],
      ['Anytime shop', 'NETWORK'],
    ]);
    const res = await server.gql<{
      settlements: {
        nodes: { access: { servicePoint: { name: string }; method: string; travelMinutes: number }[] }[];
      };
    }>(
      `query($at: DateTime) { settlements(first: 1) { nodes {
        access(serviceTypes: [GROCERY], at: $at) { servicePoint { name } method travelMinutes } } } }`,
      { at: SATURDAY_16 },
    );
    // On Saturday the village's answer is the network's figure for the shop that is open.
    expect(res.data!.settlements.nodes[0]!.access[0]).toEqual(all[1]);
  });

  it('refuses an import whose opening hours the library cannot parse, naming file, line and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-hours-'));
    const file = join(dir, 'shops.csv');
    writeFileSync(
      file,
      'name,serviceTypes,lon,lat,openingHours,externalId\n' +
        'Good,GROCERY,15.1,60.1,Mo-Fr 08:00-18:00,h1\n' +
        'Bad,GROCERY,15.1,60.2,open when we feel like it,h2\n',
    );
    const error = await importFile(server.app.db, {
      kind: 'service-points',
      file,
      crs: 'EPSG:4326',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportValidationError);
    const message = (error as Error).message;
    expect(message).toContain('shops.csv');
    expect(message).toMatch(/line 3/);
    expect(message).toContain('openingHours');
  });
});
