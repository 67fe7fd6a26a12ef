import { distance, point } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { AccessEngine, computeAccessTable } from '../../src/engine/access.js';
import { EstimatedTravelCost } from '../../src/engine/travel/estimated.js';
import { DEFAULT_TRAVEL_MODEL, type EnginePoint, type TravelModel } from '../../src/engine/types.js';
import {
  loadCatalogue,
  randomSwedishPlace,
  seededRandom,
  serviceType,
  servicePoint,
} from './helpers/builders.js';
import { minutesFor } from '../support/oracles.js';

/** The nearest point's answer through the seam (the ESTIMATED provider's nearest); null when there is none. */
function accessVia(
  engine: AccessEngine,
  lon: number,
  lat: number,
  code: string,
  model: TravelModel = DEFAULT_TRAVEL_MODEL,
  thresholdMinutes?: number,
) {
  return (
    new EstimatedTravelCost([], engine, model).nearest(lon, lat, code, 1, { thresholdMinutes })[0] ?? null
  );
}

/** How many points of a type are within the thresholds of a place, by the provider's verdicts. */
function countVia(
  engine: AccessEngine,
  code: string,
  lon: number,
  lat: number,
  thresholdMinutes: number,
  model: TravelModel,
): number {
  return new EstimatedTravelCost([], engine, model)
    .nearest(lon, lat, code, engine.index(code).size, { thresholdMinutes })
    .filter((r) => r.withinThreshold).length;
}

const catalogue = loadCatalogue();
const turfKm = (a: { lon: number; lat: number }, b: { lon: number; lat: number }) =>
  distance(point([a.lon, a.lat]), point([b.lon, b.lat]));

/** Clustered points near towns plus scattered ones, each with one or two catalogue types. */
function clusteredCountry(seed: number, pointCount: number, originCount: number) {
  const random = seededRandom(seed);
  const codes = catalogue.map((t) => t.code);
  const towns = Array.from({ length: 60 }, () => randomSwedishPlace(random));
  const near = (c: { lon: number; lat: number }, spread: number) => ({
    lon: c.lon + (random() - 0.5) * spread * 2,
    lat: c.lat + (random() - 0.5) * spread,
  });
  const points: EnginePoint[] = Array.from({ length: pointCount }, (_, i) => {
    const place = random() < 0.2 ? randomSwedishPlace(random) : near(towns[i % towns.length]!, 0.3);
    const types = new Set([codes[i % codes.length]!, codes[Math.floor(random() * codes.length)]!]);
    return servicePoint(`pt${i}`, place.lon, place.lat, [...types]);
  });
  const origins = Array.from({ length: originCount }, (_, i) =>
    random() < 0.3 ? randomSwedishPlace(random) : near(towns[i % towns.length]!, 0.5),
  );
  return { points, origins };
}

describe('AccessEngine', () => {
  const points = [
    servicePoint('g1', 15, 60, ['GROCERY', 'PHARMACY']),
    servicePoint('g2', 15, 60.3, ['GROCERY']),
  ];
  const engine = new AccessEngine(points, catalogue);

  it('throws a RangeError naming the code for an unknown service type', () => {
    expect(() => engine.serviceType('BAKERY')).toThrow(RangeError);
    expect(() => engine.index('BAKERY')).toThrow(/BAKERY/);
    expect(() => accessVia(engine, 15, 60, 'BAKERY')).toThrow(RangeError);
  });

  it('indexes, per type, the points offering it', () => {
    expect(engine.index('GROCERY').size).toBe(2);
    expect(engine.index('PHARMACY').points.map((p) => p.id)).toEqual(['g1']);
    expect(engine.index('FUEL').size).toBe(0);
  });

  it('gives km 0 and 0 minutes to a settlement exactly on a point', () => {
    expect(accessVia(engine, 15, 60, 'GROCERY')).toEqual({
      serviceType: 'GROCERY',
      pointId: 'g1',
      straightLineKm: 0,
      travelKm: 0,
      travelMinutes: 0,
      method: 'ESTIMATED',
      thresholdMinutes: 10,
      withinThreshold: true,
    });
  });

  it('estimates travel from the great-circle km with the model (hand-computed on a meridian)', () => {
    // 0.05° of meridian = 6371.0088 × 0.05 × π/180 = 5.559754 km; × 1.35 = 7.505668 km; / 70 × 60 = 6.433430 min
    const result = accessVia(engine, 15, 60.05, 'GROCERY')!;
    expect(result.pointId).toBe('g1');
    expect(result.straightLineKm).toBeCloseTo(5.559754, 5);
    expect(result.travelKm).toBeCloseTo(7.505668, 5);
    expect(result.travelMinutes).toBeCloseTo(6.43343, 4);
    expect(result.withinThreshold).toBe(true);
    const slow = { circuityFactor: 2, speedKmh: 30, fixedMinutes: 5 };
    expect(accessVia(engine, 15, 60.05, 'GROCERY', slow)?.travelMinutes).toBeCloseTo(5.559754 * 4 + 5, 4);
  });

  it('answers no point when no point of the type exists', () => {
    expect(accessVia(engine, 15, 60, 'FUEL')).toBeNull();
    expect(engine.nearest(15, 60, 'FUEL', 3)).toEqual([]);
  });

  it('returns the k nearest, nearest first, each ESTIMATED', () => {
    const results = engine.nearest(15, 60.2, 'GROCERY', 5);
    expect(results.map((r) => [r.pointId, r.method])).toEqual([
      ['g2', 'ESTIMATED'],
      ['g1', 'ESTIMATED'],
    ]);
  });

  it('counts the threshold as inclusive, and applies a km threshold to travel km', () => {
    const km = turfKm({ lon: 15, lat: 60.05 }, { lon: 15, lat: 60 });
    const exact = minutesFor(km);
    expect(accessVia(engine, 15, 60.05, 'GROCERY', DEFAULT_TRAVEL_MODEL, exact)?.withinThreshold).toBe(true);
    expect(accessVia(engine, 15, 60.05, 'GROCERY', DEFAULT_TRAVEL_MODEL, exact - 1e-9)?.withinThreshold).toBe(
      false,
    );
    const byKm = new AccessEngine(points, [serviceType('GROCERY', 60, 7.5)]);
    // travel km 7.505668 > 7.5 although 6.4 min ≤ 60
    expect(accessVia(byKm, 15, 60.05, 'GROCERY')?.withinThreshold).toBe(false);
    expect(accessVia(byKm, 15, 60.04, 'GROCERY')?.withinThreshold).toBe(true);
  });

  it('rejects a meaningless travel model', () => {
    expect(() =>
      accessVia(engine, 15, 60, 'GROCERY', { circuityFactor: 0.5, speedKmh: 70, fixedMinutes: 0 }),
    ).toThrow(/circuityFactor/);
  });
});

describe('computeAccessTable', () => {
  it('equals the Turf brute-force nearest for every origin (k = 2 included)', () => {
    const { points, origins } = clusteredCountry(21, 900, 4_000);
    const engine = new AccessEngine(points, catalogue);
    for (const code of ['GROCERY', 'ELDERLY_CARE']) {
      const table = computeAccessTable(origins, engine, code, { k: 2 });
      const typePoints = engine.index(code).points;
      origins.forEach((o, i) => {
        const ranked = typePoints
          .map((p) => ({ id: p.id, km: turfKm(o, p) }))
          .sort((a, b) => a.km - b.km || (a.id < b.id ? -1 : 1));
        expect(table.straightKm[i]).toBeCloseTo(ranked[0]!.km, 9);
        expect(table.minutes[i]).toBeCloseTo(minutesFor(ranked[0]!.km), 9);
        expect(table.secondStraightKm![i]).toBeCloseTo(ranked[1]!.km, 9);
        expect(table.secondMinutes![i]).toBeCloseTo(minutesFor(ranked[1]!.km), 9);
        if (ranked[1]!.km - ranked[0]!.km > 1e-9)
          expect(typePoints[table.pointIndex[i]!]!.id).toBe(ranked[0]!.id);
        expect(table.secondPointIndex![i]).not.toBe(table.pointIndex[i]);
      });
    }
  });

  it('agrees exactly with engine.nearest on 20,000 clustered origins (same km, same point, ties by id)', () => {
    const { points, origins } = clusteredCountry(22, 3_000, 20_000);
    // exact ties: duplicate a few points under other ids at the same place
    points.push(...points.slice(0, 30).map((p) => ({ ...p, id: `a-${p.id}` })));
    const engine = new AccessEngine(points, catalogue);
    origins.push(...points.slice(0, 50).map((p) => ({ lon: p.lon, lat: p.lat })));
    for (const code of catalogue.map((t) => t.code)) {
      const table = computeAccessTable(origins, engine, code, { k: 2 });
      const index = engine.index(code);
      origins.forEach((o, i) => {
        const [first, second] = index.nearest(o.lon, o.lat, 2);
        expect([table.pointIndex[i], table.straightKm[i]]).toEqual([first!.index, first!.km]);
        expect([table.secondPointIndex![i], table.secondStraightKm![i]]).toEqual([second!.index, second!.km]);
      });
    }
  });

  it('fills -1, NaN and Infinity when the type has no point, and none for the second when it has one', () => {
    const engine = new AccessEngine([servicePoint('only', 15, 60, ['GROCERY'])], catalogue);
    const origins = [
      { lon: 15, lat: 60 },
      { lon: 16, lat: 61 },
    ];
    const fuel = computeAccessTable(origins, engine, 'FUEL');
    expect([...fuel.pointIndex]).toEqual([-1, -1]);
    expect([...fuel.straightKm]).toEqual([Number.NaN, Number.NaN]);
    expect([...fuel.minutes]).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
    const grocery = computeAccessTable(origins, engine, 'GROCERY', { k: 2 });
    expect([...grocery.pointIndex]).toEqual([0, 0]);
    expect(grocery.straightKm[0]).toBe(0);
    expect([...grocery.secondPointIndex!]).toEqual([-1, -1]);
    expect([...grocery.secondMinutes!]).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });

  it('handles no origins, and reports the thresholds and model it used', () => {
    const engine = new AccessEngine([servicePoint('g', 15, 60)], catalogue);
    const model = { circuityFactor: 1.2, speedKmh: 50, fixedMinutes: 1 };
    const table = computeAccessTable([], engine, 'GROCERY', { model, thresholdMinutes: 12 });
    expect(table).toMatchObject({ serviceType: 'GROCERY', thresholdMinutes: 12, thresholdKm: null, model });
    expect(table.pointIndex.length).toBe(0);
  });

  it('treats points beyond maxKm as out of reach', () => {
    const engine = new AccessEngine([servicePoint('g', 15, 60)], catalogue);
    const table = computeAccessTable(
      [
        { lon: 15, lat: 60.05 },
        { lon: 15, lat: 61 },
      ],
      engine,
      'GROCERY',
      { maxKm: 50 },
    );
    expect([...table.pointIndex]).toEqual([0, -1]);
  });

  it('recomputes when the same origin array is edited in place', () => {
    const engine = new AccessEngine([servicePoint('a', 15, 60), servicePoint('b', 18, 64)], catalogue);
    const origins = [{ lon: 15.1, lat: 60.1 }];
    expect(computeAccessTable(origins, engine, 'GROCERY').pointIndex[0]).toBe(0);
    origins[0]!.lon = 18.1;
    origins[0]!.lat = 64.1;
    expect(computeAccessTable(origins, engine, 'GROCERY').pointIndex[0]).toBe(1);
  });

  it('rejects origins with invalid coordinates and k outside 1..2', () => {
    const engine = new AccessEngine([servicePoint('a', 15, 60)], catalogue);
    expect(() => computeAccessTable([{ lon: Number.NaN, lat: 60 }], engine, 'GROCERY')).toThrow(/origin 0/);
    expect(() => computeAccessTable([], engine, 'GROCERY', { k: 3 as 2 })).toThrow(RangeError);
    expect(() => computeAccessTable([], engine, 'GROCERY', { maxKm: Number.NaN })).toThrow(/maxKm/);
  });
});

describe('access invariants (seeded random cases)', () => {
  it('adding a point never makes any origin worse; removing one never makes it better', () => {
    const random = seededRandom(23);
    for (let trial = 0; trial < 20; trial++) {
      const { points, origins } = clusteredCountry(100 + trial, 200, 2_000);
      const base = computeAccessTable(origins, new AccessEngine(points, catalogue), 'GROCERY');
      const extra = randomSwedishPlace(random);
      const added = [...points, servicePoint('new', extra.lon, extra.lat, ['GROCERY'])];
      const withNew = computeAccessTable(origins, new AccessEngine(added, catalogue), 'GROCERY');
      const groceries = points.filter((p) => p.serviceTypes.includes('GROCERY'));
      const removedId = groceries[Math.floor(random() * groceries.length)]!.id;
      const without = computeAccessTable(
        origins,
        new AccessEngine(
          points.filter((p) => p.id !== removedId),
          catalogue,
        ),
        'GROCERY',
      );
      const newIndex = added.filter((p) => p.serviceTypes.includes('GROCERY')).length - 1;
      let improved = 0;
      for (let i = 0; i < origins.length; i++) {
        expect(withNew.minutes[i]).toBeLessThanOrEqual(base.minutes[i]!);
        expect(without.minutes[i]).toBeGreaterThanOrEqual(base.minutes[i]!);
        // whoever improved did so thanks to the new point
        if (withNew.minutes[i]! < base.minutes[i]!) {
          improved++;
          expect(withNew.pointIndex[i]).toBe(newIndex);
        }
      }
      expect(improved).toBeLessThan(origins.length);
    }
  });
});

describe('points within reach of a place (the provider’s nearest, all of them, by verdict)', () => {
  it('counts the points meeting the threshold, consistently with the nearest one’s verdict', () => {
    const { points, origins } = clusteredCountry(24, 1_500, 1_500);
    const engine = new AccessEngine(points, catalogue);
    const typePoints = engine.index('PHARMACY').points;
    for (const o of origins) {
      const count = countVia(engine, 'PHARMACY', o.lon, o.lat, 20, DEFAULT_TRAVEL_MODEL);
      const bruteForce = typePoints.filter((p) => minutesFor(turfKm(o, p)) <= 20).length;
      expect(count).toBe(bruteForce);
      expect(count > 0).toBe(accessVia(engine, o.lon, o.lat, 'PHARMACY')?.withinThreshold ?? false);
    }
  });

  it('also applies the type’s km threshold and counts a point at the exact boundary', () => {
    const points = [servicePoint('a', 15, 60), servicePoint('b', 15, 60.05), servicePoint('c', 15, 60.2)];
    const engine = new AccessEngine(points, [serviceType('GROCERY', 30, 10)]);
    // b: 7.51 travel km ≤ 10; c: 30.0 travel km > 10 though 25.7 min ≤ 30
    expect(countVia(engine, 'GROCERY', 15, 60, 30, DEFAULT_TRAVEL_MODEL)).toBe(2);
    const exact = minutesFor(turfKm({ lon: 15, lat: 60 }, { lon: 15, lat: 60.05 }));
    expect(countVia(engine, 'GROCERY', 15, 60, exact, DEFAULT_TRAVEL_MODEL)).toBe(2);
    expect(countVia(engine, 'GROCERY', 15, 60, exact - 1e-9, DEFAULT_TRAVEL_MODEL)).toBe(1);
  });
});
