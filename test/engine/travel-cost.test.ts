/**
 * The travel-cost seam: one verdict for "within reach", re-timing that leaves road figures alone, one
 * row → answer function, and the analyses that used to skip a type's km threshold (MCLP coverage,
 * hexagons) now reading the same verdict as deserts and indicators. Oracles are hand-computed.
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine, type AccessTable, computeAccessTable } from '../../src/engine/access.js';
import { closureImpact } from '../../src/engine/closure.js';
import { computeIndicators, isDesert } from '../../src/engine/indicators.js';
import { buildCoverageProblem } from '../../src/engine/mclp.js';
import { accessResultAt, retime, subsetTable } from '../../src/engine/travel/travel-cost.js';
import { EstimatedTravelCost } from '../../src/engine/travel/estimated.js';
import type { ServiceTypeDef, TravelModel } from '../../src/engine/types.js';
import { DEFAULT_TRAVEL_MODEL } from '../../src/engine/types.js';
import { applyThresholds, FALLBACK_UNREACHABLE, ROW_NETWORK } from '../../src/engine/travel/verdict.js';
import { hexAggregate } from '../../src/tiles/hex.js';
import { servicePoint, settlement } from './fixtures/gaps/seed.js';
import { estimatedReach } from '../support/reach.js';

/** 1° of latitude on the engine's sphere (R = 6371.0088 km). */
const KM_PER_DEGREE = (Math.PI / 180) * 6371.0088;
const model: TravelModel = { circuityFactor: 1.5, speedKmh: 60, fixedMinutes: 0 };

/** A type with 30 minutes and a 12 km threshold: at 60 km/h and circuity 1.5, km binds before minutes. */
const kmBound: ServiceTypeDef = {
  code: 'POST',
  nameSv: 'Post',
  nameEn: 'Post',
  thresholdMinutes: 30,
  thresholdKm: 12,
  digitalSubstitute: null,
};

/** Settlements due north of a post office at (15, 60): straight km 2, 7, 9, and 40. */
function meridianCase() {
  const at = (km: number, id: string, population: number) =>
    settlement({ id, lon: 15, lat: 60 + km / KM_PER_DEGREE, population, population65Plus: null });
  const settlements = [at(2, 'a', 100), at(7, 'b', 200), at(9, 'c', 400), at(40, 'd', 800)];
  const points = [servicePoint({ id: 'p', lon: 15, lat: 60, serviceTypes: ['POST'] })];
  const engine = new AccessEngine(points, [kmBound]);
  return { settlements, engine };
}

describe('the verdict', () => {
  it('is within only when minutes and travel km both meet their thresholds', () => {
    const { settlements, engine } = meridianCase();
    const table = computeAccessTable(settlements, engine, 'POST', { model });
    // travel km = 1.5 × straight km: 3, 10.5, 13.5, 60; minutes = travel km at 60 km/h: 3, 10.5, 13.5, 60.
    expect(Array.from(table.travelKm).map((km) => Math.round(km * 1e6) / 1e6)).toEqual([3, 10.5, 13.5, 60]);
    expect(Array.from(table.within)).toEqual([1, 1, 0, 0]); // c: 13.5 min ≤ 30 but 13.5 km > 12
    expect(settlements.map((_, i) => isDesert(table, i))).toEqual([false, false, true, true]);
    const rows = computeIndicators(settlements, table, 'MUNICIPALITY');
    expect(rows[0]!.populationBeyondThreshold).toBe(400 + 800);
  });

  it('is never within for a row without a point, whatever the thresholds', () => {
    const { settlements } = meridianCase();
    const empty = new AccessEngine([], [kmBound]);
    const table = computeAccessTable(settlements, empty, 'POST', { model, thresholdMinutes: 1e9 });
    expect(Array.from(table.within)).toEqual([0, 0, 0, 0]);
  });

  it('re-judges the same figures under another threshold without touching them', () => {
    const { settlements, engine } = meridianCase();
    const table = computeAccessTable(settlements, engine, 'POST', { model });
    const strict = applyThresholds(table, 5, null);
    expect(Array.from(strict.within)).toEqual([1, 0, 0, 0]);
    expect(strict.minutes).toBe(table.minutes);
    expect(Array.from(table.within)).toEqual([1, 1, 0, 0]);
  });
});

describe('retime', () => {
  it('recomputes ESTIMATED rows under a new model and leaves NETWORK rows as the network gave them', () => {
    const { settlements, engine } = meridianCase();
    const base = computeAccessTable(settlements, engine, 'POST', { model, k: 2 });
    const mixed: AccessTable = { ...base, method: Uint8Array.from([0, ROW_NETWORK, 0, 0]) };
    mixed.minutes = Float64Array.from(base.minutes);
    mixed.minutes[1] = 25; // a road detour the estimate does not know
    const slow: TravelModel = { circuityFactor: 1.5, speedKmh: 30, fixedMinutes: 1 };
    const out = retime(mixed, slow, 30, 12);
    expect(out.minutes[0]).toBeCloseTo(3 * 2 + 1, 9); // 3 km at 30 km/h + 1
    expect(out.minutes[1]).toBe(25);
    expect(out.travelKm[1]).toBe(base.travelKm[1]);
    expect(out.minutes[2]).toBeCloseTo(13.5 * 2 + 1, 9);
    expect(Array.from(out.within)).toEqual([1, 1, 0, 0]);
  });
});

describe('accessResultAt', () => {
  it('reports a NETWORK row with its connector and a fallback row with its reason', () => {
    const { settlements, engine } = meridianCase();
    const base = computeAccessTable(settlements, engine, 'POST', { model });
    const table: AccessTable = {
      ...base,
      method: Uint8Array.from([ROW_NETWORK, 0, 0, 0]),
      connectorKm: Float64Array.from([0.25, Number.NaN, Number.NaN, Number.NaN]),
      fallback: Uint8Array.from([0, FALLBACK_UNREACHABLE, 0, 0]),
    };
    const points = engine.index('POST').points;
    const network = accessResultAt(table, 0, points);
    expect(network).toMatchObject({
      method: 'NETWORK',
      connectorKm: 0.25,
      pointId: 'p',
      withinThreshold: true,
    });
    expect(network.fallbackReason).toBeUndefined();
    const fallback = accessResultAt(table, 1, points);
    expect(fallback.method).toBe('ESTIMATED');
    expect(fallback.fallbackReason).toMatch(/no road/);
    expect(accessResultAt(table, 2, points).withinThreshold).toBe(false);
  });

  it('refuses rank 2 of a table computed with k: 1', () => {
    const { settlements, engine } = meridianCase();
    const table = computeAccessTable(settlements, engine, 'POST', { model });
    expect(() => accessResultAt(table, 0, engine.index('POST').points, 2)).toThrow(/k: 2/);
  });
});

describe('analyses that used to ignore a km threshold', () => {
  it('MCLP coverage: a site serves only settlements within both thresholds', () => {
    const { settlements } = meridianCase();
    const problem = buildCoverageProblem({
      settlements,
      weighting: 'POPULATION',
      candidates: [{ id: 'site', lon: 15, lat: 60 }],
      types: ['POST'],
      thresholdMinutes: { POST: 30 },
      thresholdKm: { POST: 12 },
      currentWithin: { POST: new Uint8Array(4) },
      reach: estimatedReach(settlements, model, ['POST']),
    });
    // a (3 km) and b (10.5 km) are within 12 km; c (13.5 km) is within 30 minutes but not 12 km.
    expect(Array.from(problem.covers[0]![0]!)).toEqual([0, 1]);
  });

  it('the ESTIMATED provider reach equals the verdict of a table with a point at the site', () => {
    const { settlements, engine } = meridianCase();
    const travel = new EstimatedTravelCost(settlements, engine, model);
    const reach = travel.reach(15, 60, 'POST');
    const table = travel.table('POST');
    const within = Array.from(table.within)
      .map((w, i) => (w === 1 ? i : -1))
      .filter((i) => i >= 0);
    expect(Array.from(reach.index)).toEqual(within);
    expect(Array.from(reach.minutes)).toEqual(within.map((i) => table.minutes[i]));
  });

  it('hexagons count a settlement beyond the km threshold as beyond, like deserts do', () => {
    const { settlements, engine } = meridianCase();
    const table = computeAccessTable(settlements, engine, 'POST', { model });
    const hexes = hexAggregate(settlements, table.minutes, table.thresholdMinutes, 0, table.within);
    const beyond = hexes.features.reduce((sum, f) => sum + f.properties.populationBeyondThreshold, 0);
    expect(beyond).toBe(400 + 800);
  });

  it('closure impact judges the second-nearest by the same verdict (km included)', () => {
    const { settlements } = meridianCase();
    // Two offices: p at the origin of the line, q 10 km north. For b (7 km) q is 3 km away.
    const points = [
      servicePoint({ id: 'p', lon: 15, lat: 60, serviceTypes: ['POST'] }),
      servicePoint({ id: 'q', lon: 15, lat: 60 + 10 / KM_PER_DEGREE, serviceTypes: ['POST'] }),
    ];
    const engine = new AccessEngine(points, [kmBound]);
    const table = computeAccessTable(settlements, engine, 'POST', { model, k: 2 });
    const impacts = closureImpact(settlements, table);
    const losers = impacts.flatMap((impact) => impact.settlementIndices);
    // Every settlement within reach keeps access if its nearest closes exactly when its second is within.
    for (let i = 0; i < settlements.length; i++) {
      const expectLoss = table.within[i] === 1 && table.secondWithin![i] !== 1;
      expect(losers.includes(i)).toBe(expectLoss);
    }
  });
});

describe('subsetTable', () => {
  it('keeps every per-row column of the chosen rows, in order', () => {
    const { settlements, engine } = meridianCase();
    const table = computeAccessTable(settlements, engine, 'POST', { model, k: 2 });
    const sub = subsetTable(table, [3, 1]);
    expect(Array.from(sub.within)).toEqual([table.within[3], table.within[1]]);
    expect(Array.from(sub.travelKm)).toEqual([table.travelKm[3], table.travelKm[1]]);
    expect(sub.secondPointIndex?.length).toBe(2);
    expect(
      computeIndicators([settlements[3]!, settlements[1]!], sub, 'COUNTY')[0]!.populationBeyondThreshold,
    ).toBe(800);
  });
});

it('the default model is unchanged by the seam', () => {
  expect(DEFAULT_TRAVEL_MODEL).toEqual({ circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 });
});
