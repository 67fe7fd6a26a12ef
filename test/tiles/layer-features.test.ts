import { describe, expect, it } from 'vitest';
import {
  accessClassOf,
  areaFeatures,
  serviceAreaFeatures,
  servicePointFeatures,
  settlementFeatures,
} from '../../src/tiles/layer-features.js';
import { demoWorld, haversineKm, settlement } from './fixtures.js';
import { withVerdict } from '../support/oracles.js';

const twoSettlements = [
  settlement({ id: 'a', name: 'Åsen', lon: 15, lat: 60, population: 120, population65Plus: 40 }),
  settlement({
    id: 'b',
    name: 'Björkby',
    lon: 15.5,
    lat: 60.2,
    population: 35,
    population65Plus: null,
    municipalityCode: null,
  }),
];

describe('settlementFeatures', () => {
  it('rounds minutes and km to 0.1, classes access and marks deserts against the unrounded time', () => {
    const fc = settlementFeatures(
      twoSettlements,
      withVerdict({
        minutes: new Float64Array([4.96, 10.04]),
        straightKm: new Float64Array([4.123, 9.87]),
        travelKm: new Float64Array([5.566, 13.3245]),
        pointIds: ['p1', 'p2'],
        method: 'ESTIMATED',
        thresholdMinutes: 10,
      }),
      [[], ['NEW_SERVICE_POINT_NEEDED', 'CROSS_BORDER_NEAREST']],
    );
    const [a, b] = fc.features.map((f) => f.properties);
    expect(a).toEqual({
      id: 'a',
      name: 'Åsen',
      population: 120,
      population65Plus: 40,
      municipalityCode: '2080',
      minutes: 5,
      km: 5.6,
      straightKm: 4.1,
      method: 'ESTIMATED',
      thresholdMinutes: 10,
      desert: false,
      flags: '',
      accessClass: '0-5',
      pointId: 'p1',
    });
    // 10.04 min shows as 10 but is beyond a 10-minute threshold.
    expect(b).toMatchObject({ minutes: 10, desert: true, accessClass: '10-20', km: 13.3 });
    expect(b!.flags).toBe('NEW_SERVICE_POINT_NEEDED,CROSS_BORDER_NEAREST');
    expect(b).not.toHaveProperty('population65Plus');
    expect(b).not.toHaveProperty('municipalityCode');
    expect(fc.features[1]!.geometry.coordinates).toEqual([15.5, 60.2]);
    expect(fc.features.map((f) => f.id)).toEqual([0, 1]);
  });

  it('uses the straight-line km as km when no travel distance is given', () => {
    const fc = settlementFeatures(
      twoSettlements,
      withVerdict({
        minutes: new Float64Array([3, 3]),
        straightKm: new Float64Array([2.04, 2.06]),
        pointIds: ['p', 'p'],
        method: 'NETWORK',
        thresholdMinutes: 10,
      }),
    );
    expect(fc.features.map((f) => f.properties.km)).toEqual([2, 2.1]);
    expect(fc.features.every((f) => f.properties.method === 'NETWORK')).toBe(true);
  });

  it('refuses access arrays that do not line up with the settlements', () => {
    const access = {
      minutes: new Float64Array(1),
      straightKm: new Float64Array(2),
      pointIds: [null, null],
      method: 'ESTIMATED' as const,
      thresholdMinutes: 10,
    };
    expect(() => settlementFeatures(twoSettlements, withVerdict(access))).toThrow(
      /access.minutes has 1 entries but there are 2/,
    );
    expect(() =>
      settlementFeatures(twoSettlements, withVerdict({ ...access, minutes: new Float64Array(2) }), [[]]),
    ).toThrow(/flags/);
  });
});

describe('accessClassOf', () => {
  it('includes each upper bound in its class', () => {
    expect([0, 5, 5.01, 10, 20, 30, 30.1].map(accessClassOf)).toEqual([
      '0-5',
      '0-5',
      '5-10',
      '5-10',
      '10-20',
      '20-30',
      '30+',
    ]);
    expect(accessClassOf(Number.POSITIVE_INFINITY)).toBe('none');
    expect(accessClassOf(null)).toBe('none');
  });
});

describe('servicePointFeatures', () => {
  it('keeps only points offering the type and joins their types with commas', () => {
    const world = demoWorld({ points: 30 });
    const fc = servicePointFeatures(world.points, { serviceType: 'PHARMACY' });
    const want = world.points.filter((p) => p.serviceTypes.includes('PHARMACY'));
    expect(fc.features.map((f) => f.properties.id)).toEqual(want.map((p) => p.id));
    expect(fc.features[0]!.properties.serviceTypes).toBe(want[0]!.serviceTypes.join(','));
    expect(fc.features[0]!.properties.serviceTypeCount).toBe(want[0]!.serviceTypes.length);
    expect(servicePointFeatures(world.points).features).toHaveLength(30);
  });
});

describe('serviceAreaFeatures', () => {
  it('draws labelled straight-line buffers whose vertices lie at the radius from the point', () => {
    const world = demoWorld({ points: 5 });
    const fc = serviceAreaFeatures(world.points, 5.833, { thresholdMinutes: 10, serviceType: undefined });
    expect(fc.features).toHaveLength(5);
    for (const [i, feature] of fc.features.entries()) {
      const point = world.points[i]!;
      expect(feature.properties.method).toBe('DISTANCE_BUFFER');
      expect(feature.properties.radiusKm).toBe(5.83);
      expect(feature.properties.label).toMatch(
        /straight-line radius of 5\.83 km.*10 min.*not a road-network isochrone/i,
      );
      const ring = feature.geometry.coordinates[0]!;
      expect(ring[0]).toEqual(ring[ring.length - 1]);
      for (const [lon, lat] of ring) {
        expect(haversineKm(point.lon, point.lat, lon!, lat!)).toBeCloseTo(5.833, 2);
      }
    }
  });

  it('rejects a radius that is not positive', () => {
    expect(() => serviceAreaFeatures([], 0)).toThrow(/radiusKm/);
    expect(() => serviceAreaFeatures([], Number.NaN)).toThrow(/radiusKm/);
  });
});

describe('areaFeatures', () => {
  it('merges indicators by area code, leaving out nulls and never overwriting code, name or level', () => {
    const world = demoWorld();
    const fc = areaFeatures(
      world.areas,
      new Map([
        [
          '2061',
          { populationBeyondThreshold: 1200, meanMinutesPopulationWeighted: 7.5, population65Plus: null },
        ],
        ['20', { code: 'XX', populationBeyondThreshold: 5000 }],
      ]),
    );
    const byCode = new Map(fc.features.map((f) => [f.properties.code, f.properties]));
    expect(byCode.get('2061')).toEqual({
      code: '2061',
      name: 'South-west',
      level: 'MUNICIPALITY',
      populationBeyondThreshold: 1200,
      meanMinutesPopulationWeighted: 7.5,
    });
    expect(byCode.get('20')).toMatchObject({ code: '20', level: 'COUNTY', populationBeyondThreshold: 5000 });
    expect(byCode.get('2062')).toEqual({ code: '2062', name: 'South-east', level: 'MUNICIPALITY' });
    expect(fc.features[0]!.geometry).toBe(world.areas[0]!.geometry);
    const fromRecord = areaFeatures(world.areas, { '2062': { settlementsBeyondThreshold: 3 } });
    expect(fromRecord.features[1]!.properties.settlementsBeyondThreshold).toBe(3);
  });
});
