import { describe, expect, it } from 'vitest';
import { AccessEngine, computeAccessTable } from '../../src/engine/access.js';
import { computeIndicators, desertIndices, isDesert } from '../../src/engine/indicators.js';
import { serviceType, servicePoint, settlement } from './helpers/builders.js';
import { applyThresholds } from '../../src/engine/travel/verdict.js';

// Everything lies on the meridian 15°E, so every distance is by hand R·Δφ: 111.19508 km per degree;
// minutes = km × 1.35 / 70 × 60 (the default travel model).
const kmOnMeridian = (degrees: number) => (6371.0088 * degrees * Math.PI) / 180;
const minutesOnMeridian = (degrees: number) => ((kmOnMeridian(degrees) * 1.35) / 70) * 60;

const catalogue = [serviceType('GROCERY', 10), serviceType('FUEL', 15), serviceType('PHARMACY', 60, 10)];
const points = [
  servicePoint('g1', 15, 60, ['GROCERY', 'PHARMACY']),
  servicePoint('g2', 15, 60.3, ['GROCERY']),
];
const settlements = [
  // on g1: 0 km, 0 min
  settlement('s1', 15, 60, {
    population: 1000,
    population65Plus: 200,
    municipalityCode: '0001',
    countyCode: '01',
  }),
  // 0.05° from g1: 5.56 km, 6.43 min; 65+ unknown
  settlement('s2', 15, 60.05, {
    population: 500,
    population65Plus: null,
    municipalityCode: '0001',
    countyCode: '01',
  }),
  // 0.1° from g2: 11.12 km, 12.87 min > 10 → grocery desert; nobody lives there
  settlement('s3', 15, 60.2, {
    population: 0,
    population65Plus: 0,
    municipalityCode: '0002',
    countyCode: null,
  }),
  // 0.7° from g2: 77.8 km, 90.1 min; no municipality code
  settlement('s4', 15, 61, {
    population: 300,
    population65Plus: 100,
    municipalityCode: null,
    countyCode: '01',
  }),
  // on g2
  settlement('s5', 15, 60.3, {
    population: 200,
    population65Plus: null,
    municipalityCode: '0002',
    countyCode: '02',
  }),
  // on g2 too, alone in a municipality with population 0
  settlement('s6', 15, 60.3, {
    population: 0,
    population65Plus: null,
    municipalityCode: '0003',
    countyCode: null,
  }),
];
const engine = new AccessEngine(points, catalogue);

describe('isDesert and desertIndices', () => {
  it('marks settlements beyond the minute threshold or without any point', () => {
    const grocery = computeAccessTable(settlements, engine, 'GROCERY');
    expect(desertIndices(grocery)).toEqual([2, 3]);
    expect(desertIndices(computeAccessTable(settlements, engine, 'FUEL'))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('applies the km threshold on travel km (straight km × circuity), by default the table’s', () => {
    const pharmacy = computeAccessTable(settlements, engine, 'PHARMACY');
    // travel km from g1: s2 0.05° → 7.5 ≤ 10; s3 0.2° → 30.0; s5/s6 0.3° → 45.0; s4 1° → 150.1; all ≤ 60 min but s4
    expect(desertIndices(pharmacy)).toEqual([2, 3, 4, 5]);
    // Re-judged against other km limits through the one verdict.
    const judged = (km: number | null) => applyThresholds(pharmacy, pharmacy.thresholdMinutes, km);
    expect(desertIndices(judged(null))).toEqual([3]);
    expect(isDesert(judged(7.5), 1)).toBe(true);
    expect(isDesert(judged(7.6), 1)).toBe(false);
  });
});

describe('computeIndicators (hand-computed fixture)', () => {
  it('reports grocery access per municipality, with the edge cases', () => {
    const rows = computeIndicators(
      settlements,
      computeAccessTable(settlements, engine, 'GROCERY'),
      'MUNICIPALITY',
    );
    expect(rows.map((r) => r.areaCode)).toEqual(['0001', '0002', '0003', 'UNKNOWN']);
    const [m1, m2, m3, unknown] = rows;
    expect(m1).toEqual({
      areaCode: '0001',
      serviceType: 'GROCERY',
      thresholdMinutes: 10,
      population: 1500,
      population65Plus: 200, // s2 does not know it; s1 does
      populationBeyondThreshold: 0,
      population65PlusBeyondThreshold: 0,
      settlementsBeyondThreshold: 0,
      settlementsWithoutService: 0,
      meanMinutesPopulationWeighted: expect.closeTo((1000 * 0 + 500 * minutesOnMeridian(0.05)) / 1500, 9),
      shareWithin: [
        { minutes: 5, share: expect.closeTo(1000 / 1500, 12) },
        { minutes: 10, share: 1 },
        { minutes: 20, share: 1 },
        { minutes: 30, share: 1 },
      ],
    });
    // s3 (a desert, population 0, 65+ 0) and s5 (on g2, 65+ unknown)
    expect(m2).toMatchObject({
      population: 200,
      population65Plus: 0,
      populationBeyondThreshold: 0,
      population65PlusBeyondThreshold: 0,
      settlementsBeyondThreshold: 1,
      settlementsWithoutService: 0,
      meanMinutesPopulationWeighted: 0,
      shareWithin: [
        { minutes: 5, share: 1 },
        { minutes: 10, share: 1 },
        { minutes: 20, share: 1 },
        { minutes: 30, share: 1 },
      ],
    });
    // population 0 and no 65+ known: mean null, shares 0, 65+ null
    expect(m3).toMatchObject({
      population: 0,
      population65Plus: null,
      population65PlusBeyondThreshold: null,
      meanMinutesPopulationWeighted: null,
      settlementsBeyondThreshold: 0,
      shareWithin: [5, 10, 20, 30].map((minutes) => ({ minutes, share: 0 })),
    });
    expect(unknown).toMatchObject({
      population: 300,
      population65Plus: 100,
      populationBeyondThreshold: 300,
      population65PlusBeyondThreshold: 100,
      settlementsBeyondThreshold: 1,
      meanMinutesPopulationWeighted: expect.closeTo(minutesOnMeridian(0.7), 9),
      shareWithin: [5, 10, 20, 30].map((minutes) => ({ minutes, share: 0 })),
    });
  });

  it('reports a type with no point at all: everyone beyond, nobody served, no mean time', () => {
    const rows = computeIndicators(settlements, computeAccessTable(settlements, engine, 'FUEL'), 'COUNTY');
    expect(rows.map((r) => [r.areaCode, r.settlementsWithoutService, r.settlementsBeyondThreshold])).toEqual([
      ['01', 3, 3],
      ['02', 1, 1],
      ['UNKNOWN', 2, 2],
    ]);
    expect(rows[0]).toMatchObject({
      population: 1800,
      population65Plus: 300,
      populationBeyondThreshold: 1800,
      population65PlusBeyondThreshold: 300,
      meanMinutesPopulationWeighted: null,
      shareWithin: [5, 10, 20, 30].map((minutes) => ({ minutes, share: 0 })),
    });
    expect(rows[1]).toMatchObject({
      population: 200,
      population65Plus: null,
      population65PlusBeyondThreshold: null,
    });
  });

  it('groups by county and takes custom share steps', () => {
    const rows = computeIndicators(
      settlements,
      computeAccessTable(settlements, engine, 'GROCERY'),
      'COUNTY',
      {
        shareMinutes: [7, 100],
      },
    );
    const county01 = rows.find((r) => r.areaCode === '01')!;
    // s1 0 min, s2 6.43 min, s4 90.1 min
    expect(county01.shareWithin).toEqual([
      { minutes: 7, share: expect.closeTo(1500 / 1800, 12) },
      { minutes: 100, share: 1 },
    ]);
    expect(county01.meanMinutesPopulationWeighted).toBeCloseTo(
      (500 * minutesOnMeridian(0.05) + 300 * minutesOnMeridian(0.7)) / 1800,
      9,
    );
    expect(county01.populationBeyondThreshold).toBe(300);
  });

  it('counts a settlement exactly at the threshold as within (inclusive)', () => {
    const minutes = computeAccessTable(settlements, engine, 'GROCERY').minutes[1]!;
    expect(minutes).toBeCloseTo(minutesOnMeridian(0.05), 9);
    const at = computeAccessTable(settlements, engine, 'GROCERY', { thresholdMinutes: minutes });
    const justBelow = computeAccessTable(settlements, engine, 'GROCERY', {
      thresholdMinutes: minutes - 1e-9,
    });
    expect(isDesert(at, 1)).toBe(false);
    expect(isDesert(justBelow, 1)).toBe(true);
  });

  it('refuses settlements that do not match the table', () => {
    const table = computeAccessTable(settlements, engine, 'GROCERY');
    expect(() => computeIndicators(settlements.slice(1), table, 'COUNTY')).toThrow(
      /5 settlements but the GROCERY table has 6/,
    );
  });
});
