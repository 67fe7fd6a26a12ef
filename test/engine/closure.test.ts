import { describe, expect, it } from 'vitest';
import { AccessEngine, type AccessTable, computeAccessTable } from '../../src/engine/access.js';
import { closureImpact } from '../../src/engine/closure.js';
import { isDesert } from '../../src/engine/indicators.js';
import { applyThresholds } from '../../src/engine/travel/verdict.js';
import { DEFAULT_TRAVEL_MODEL } from '../../src/engine/types.js';
import { randomCase } from './fixtures/gaps/random-case.js';
import { catalogue, settlement } from './fixtures/gaps/seed.js';

/** Straight-line km that the default model turns into `minutes` (70 km/h, circuity 1.35). */
const kmFor = (minutes: number) => ((minutes / 60) * 70) / 1.35;

/** A hand-written k = 2 table: rows of [nearest point, minutes, second point, minutes]; -1 = none. */
function table(rows: [number, number, number, number][], thresholdKm: number | null = null): AccessTable {
  const col = (c: 0 | 1 | 2 | 3) => rows.map((r) => r[c]);
  const minutesOf = (point: number, minutes: number) => (point < 0 ? Infinity : minutes);
  const kmOf = (point: number, minutes: number) => (point < 0 ? Number.NaN : kmFor(minutes));
  const circuity = DEFAULT_TRAVEL_MODEL.circuityFactor;
  const hand: AccessTable = {
    serviceType: 'GROCERY',
    thresholdMinutes: 10,
    thresholdKm,
    model: { ...DEFAULT_TRAVEL_MODEL },
    pointIndex: Int32Array.from(col(0)),
    minutes: Float64Array.from(rows.map((r) => minutesOf(r[0], r[1]))),
    straightKm: Float64Array.from(rows.map((r) => kmOf(r[0], r[1]))),
    travelKm: Float64Array.from(rows.map((r) => kmOf(r[0], r[1]) * circuity)),
    within: new Uint8Array(rows.length),
    method: new Uint8Array(rows.length),
    secondPointIndex: Int32Array.from(col(2)),
    secondMinutes: Float64Array.from(rows.map((r) => minutesOf(r[2], r[3]))),
    secondStraightKm: Float64Array.from(rows.map((r) => kmOf(r[2], r[3]))),
    secondTravelKm: Float64Array.from(rows.map((r) => kmOf(r[2], r[3]) * circuity)),
  };
  return applyThresholds(hand, hand.thresholdMinutes, thresholdKm);
}

const villages = [
  settlement({ id: 's0', population: 100, population65Plus: 30 }),
  settlement({ id: 's1', population: 150, population65Plus: 40 }),
  settlement({ id: 's2', population: 300, population65Plus: null }),
  settlement({ id: 's3', population: 500, population65Plus: 100 }),
  settlement({ id: 's4', population: 80, population65Plus: 20 }),
  settlement({ id: 's5', population: 60, population65Plus: 10 }),
  settlement({ id: 's6', population: 40, population65Plus: 5 }),
];
const rows: [number, number, number, number][] = [
  [0, 5, 1, 15], // s0: p0 then p1 beyond → loses access if p0 closes
  [0, 3, 1, 8], //  s1: p1 is a backup within reach
  [1, 9, 2, 40], // s2: loses access if p1 closes
  [0, 12, 1, 20], // s3: already a desert
  [2, 2, 0, 4], //  s4: p0 is a backup
  [0, 7, 2, 10], // s5: backup exactly at the threshold (inclusive)
  [-1, 0, -1, 0], // s6: no point at all
];

describe('closureImpact', () => {
  it('lists, for each point that is someone’s nearest within reach, who becomes a desert if it closes', () => {
    expect(closureImpact(villages, table(rows), 10)).toEqual([
      { pointIndex: 1, settlementIndices: [2], populationLosingAccess: 300, population65PlusLosingAccess: 0 },
      {
        pointIndex: 0,
        settlementIndices: [0],
        populationLosingAccess: 100,
        population65PlusLosingAccess: 30,
      },
      { pointIndex: 2, settlementIndices: [], populationLosingAccess: 0, population65PlusLosingAccess: 0 },
    ]);
  });

  it('uses a threshold given in the call instead of the table’s', () => {
    // At 4 min: s1 (3 min, backup 8 min) loses access with p0; s4 (2 min, backup 4 min) keeps it.
    expect(closureImpact(villages, table(rows), 4)).toEqual([
      {
        pointIndex: 0,
        settlementIndices: [1],
        populationLosingAccess: 150,
        population65PlusLosingAccess: 40,
      },
      { pointIndex: 2, settlementIndices: [], populationLosingAccess: 0, population65PlusLosingAccess: 0 },
    ]);
  });

  it('honours a distance threshold on travel km as isDesert does', () => {
    // 9 km of road ≈ 7.7 min: s2 (9 min) is already a desert; s1's and s5's backups (8, 10 min) are too far.
    const withKm = table(rows, 9);
    expect(isDesert(withKm, 2)).toBe(true);
    expect(closureImpact(villages, withKm, 10)).toEqual([
      {
        pointIndex: 0,
        settlementIndices: [0, 1, 5],
        populationLosingAccess: 310,
        population65PlusLosingAccess: 80,
      },
      { pointIndex: 2, settlementIndices: [], populationLosingAccess: 0, population65PlusLosingAccess: 0 },
    ]);
  });

  it('ranks equal populations by point index', () => {
    const twins = [settlement({ id: 'a', population: 10 }), settlement({ id: 'b', population: 10 })];
    const impact = closureImpact(
      twins,
      table([
        [3, 1, -1, 0],
        [1, 1, -1, 0],
      ]),
      10,
    );
    expect(impact.map((r) => r.pointIndex)).toEqual([1, 3]);
  });

  it('refuses a table without second-nearest access', () => {
    const { secondMinutes: _m, secondStraightKm: _k, ...k1 } = table(rows);
    expect(() => closureImpact(villages, k1, 10)).toThrow(/k: 2/);
  });

  it('equals recomputing access without each point, on a seeded random case', () => {
    const { settlements, points } = randomCase({
      seed: 7,
      settlements: 400,
      points: 60,
      types: ['GROCERY', 'FUEL'],
    });
    const types = catalogue();
    const engine = new AccessEngine(points, types);
    const baseline = computeAccessTable(settlements, engine, 'GROCERY', { k: 2 });
    const impact = closureImpact(settlements, baseline, baseline.thresholdMinutes);
    const grocery = engine.index('GROCERY').points;
    expect(impact.length).toBeGreaterThan(5);
    for (const row of impact) {
      const without = new AccessEngine(
        points.filter((p) => p.id !== grocery[row.pointIndex]!.id),
        types,
      );
      const after = computeAccessTable(settlements, without, 'GROCERY');
      const losing = settlements.map((_, i) => i).filter((i) => !isDesert(baseline, i) && isDesert(after, i));
      expect(row.settlementIndices, `closing ${grocery[row.pointIndex]!.id}`).toEqual(losing);
    }
  });
});
