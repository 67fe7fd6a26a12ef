/**
 * Golden-file tests: test/engine/fixtures/in/<name>.json → fixtures/out/<name>.json.
 * Regenerate with `UPDATE_GOLDEN=1 npx vitest run test/engine/golden.test.ts`, then review the diff:
 * the meridian-line output is also checked against hand-computed values below, not only against itself.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AccessEngine, computeAccessTable } from '../../src/engine/access.js';
import { computeIndicators, isDesert } from '../../src/engine/indicators.js';
import {
  DEFAULT_TRAVEL_MODEL,
  type EnginePoint,
  type EngineSettlement,
  type ServiceTypeDef,
  type TravelModel,
} from '../../src/engine/types.js';
import { loadCatalogue } from './helpers/builders.js';
import { EstimatedTravelCost } from '../../src/engine/travel/estimated.js';

interface FixtureInput {
  description: string;
  /** Catalogue codes, or full definitions for custom types. */
  serviceTypes: (string | ServiceTypeDef)[];
  model?: TravelModel;
  k?: 1 | 2;
  points: EnginePoint[];
  settlements: EngineSettlement[];
}

const inDir = new URL('./fixtures/in/', import.meta.url);
const outDir = new URL('./fixtures/out/', import.meta.url);
const update = process.env.UPDATE_GOLDEN === '1';
const catalogue = loadCatalogue();

/** JSON has no NaN/Infinity: absent values become null. */
const finiteOrNull = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);

function runFixture(input: FixtureInput) {
  const types = input.serviceTypes.map((t) =>
    typeof t === 'string' ? catalogue.find((c) => c.code === t)! : t,
  );
  const model = input.model ?? DEFAULT_TRAVEL_MODEL;
  const engine = new AccessEngine(input.points, types);
  const travel = new EstimatedTravelCost([], engine, model);
  const access: Record<string, unknown[]> = {};
  const deserts: Record<string, string[]> = {};
  const indicators: Record<string, unknown[]> = { MUNICIPALITY: [], COUNTY: [] };
  for (const type of types) {
    const table = computeAccessTable(input.settlements, engine, type.code, { model, k: input.k ?? 1 });
    const typePoints = engine.index(type.code).points;
    access[type.code] = input.settlements.map((s, i) => {
      const [single] = travel.nearest(s.lon, s.lat, type.code, 1);
      // the bulk table and the single-origin answer (the provider's nearest) must agree
      expect(typePoints[table.pointIndex[i]!]?.id ?? null).toBe(single?.pointId ?? null);
      expect(isDesert(table, i)).toBe(!(single?.withinThreshold ?? false));
      return {
        settlement: s.id,
        point: single?.pointId ?? null,
        straightKm: finiteOrNull(table.straightKm[i]),
        minutes: finiteOrNull(table.minutes[i]),
        desert: isDesert(table, i),
        ...(table.secondPointIndex
          ? {
              secondPoint: typePoints[table.secondPointIndex[i]!]?.id ?? null,
              secondStraightKm: finiteOrNull(table.secondStraightKm![i]),
              secondMinutes: finiteOrNull(table.secondMinutes![i]),
            }
          : {}),
      };
    });
    deserts[type.code] = input.settlements.filter((_, i) => isDesert(table, i)).map((s) => s.id);
    indicators.MUNICIPALITY!.push(...computeIndicators(input.settlements, table, 'MUNICIPALITY'));
    indicators.COUNTY!.push(...computeIndicators(input.settlements, table, 'COUNTY'));
  }
  return { description: input.description, model, access, deserts, indicators };
}

/** Deep equality with numbers compared to 1e-9 (relative for large ones), reporting the JSON path. */
function expectMatches(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    if (!(Math.abs(actual - expected) <= tolerance)) {
      throw new Error(`${path}: expected ${expected}, got ${actual}`);
    }
    return;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (actual.length !== expected.length)
      throw new Error(`${path}: length ${actual.length} ≠ ${expected.length}`);
    expected.forEach((e, i) => {
      expectMatches(actual[i], e, `${path}[${i}]`);
    });
    return;
  }
  if (expected !== null && typeof expected === 'object' && actual !== null && typeof actual === 'object') {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    for (const key of keys) {
      expectMatches(
        (actual as Record<string, unknown>)[key],
        (expected as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
    }
    return;
  }
  if (actual !== expected)
    throw new Error(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

const fixtureNames = readdirSync(inDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe('golden fixtures', () => {
  it('has fixtures to check', () => {
    expect(fixtureNames).toEqual(
      expect.arrayContaining(['meridian-line', 'ties-and-thresholds', 'dalarna-real']),
    );
  });

  for (const name of fixtureNames) {
    it(`reproduces fixtures/out/${name}.json`, () => {
      const input = JSON.parse(readFileSync(new URL(`${name}.json`, inDir), 'utf8')) as FixtureInput;
      const actual = JSON.parse(JSON.stringify(runFixture(input))) as unknown;
      const outFile = new URL(`${name}.json`, outDir);
      if (update || !existsSync(outFile)) {
        if (!update)
          throw new Error(`fixtures/out/${name}.json is missing: run with UPDATE_GOLDEN=1 and review it`);
        writeFileSync(outFile, `${JSON.stringify(actual, null, 1)}\n`);
        return;
      }
      expectMatches(actual, JSON.parse(readFileSync(outFile, 'utf8')));
    });
  }
});

describe('meridian-line golden output, checked by hand', () => {
  // On a meridian the great-circle distance is R·Δφ: 6371.0088 × π/180 = 111.195080 km per degree;
  // the default model gives 111.195080 × 1.35 / 70 × 60 = 128.668593 minutes per degree.
  const KM_PER_DEGREE = 111.19508;
  const MINUTES_PER_DEGREE = 128.668593;
  type MeridianOut = {
    access: Record<
      string,
      {
        settlement: string;
        point: string | null;
        straightKm: number | null;
        minutes: number | null;
        desert: boolean;
        secondPoint?: string | null;
        secondMinutes?: number | null;
      }[]
    >;
    indicators: Record<
      string,
      {
        areaCode: string;
        serviceType: string;
        meanMinutesPopulationWeighted: number | null;
        populationBeyondThreshold: number;
        population65PlusBeyondThreshold: number | null;
      }[]
    >;
  };
  // read when a test runs, so that a first UPDATE_GOLDEN run can create the file
  const readOut = () =>
    JSON.parse(readFileSync(new URL('meridian-line.json', outDir), 'utf8')) as MeridianOut;
  // [settlement, nearest, Δφ, second, Δφ, desert] worked out on paper from the fixture's description
  const expected: Record<string, [string, string, number, string | null, number | null, boolean][]> = {
    GROCERY: [
      ['a', 'g1', 0, 'g2', 0.3, false],
      ['b', 'g1', 0.05, 'g2', 0.25, false], // 6.43 min ≤ 10
      ['c', 'g2', 0.1, 'g1', 0.2, true], // 12.87 min > 10
      ['d', 'g2', 0.7, 'g1', 1.0, true],
    ],
    PHARMACY: [
      ['a', 'g1', 0, null, null, false],
      ['b', 'g1', 0.05, null, null, false],
      ['c', 'g1', 0.2, null, null, true], // 25.7 min > 20
      ['d', 'g1', 1.0, null, null, true],
    ],
    FUEL: [
      ['a', 'f1', 0.5, null, null, true], // 64.3 min > 15
      ['b', 'f1', 0.55, null, null, true],
      ['c', 'f1', 0.7, null, null, true],
      ['d', 'f1', 1.5, null, null, true],
    ],
  };

  for (const [code, rows] of Object.entries(expected)) {
    it(`has the hand-computed ${code} access`, () => {
      const out = readOut();
      rows.forEach(([settlement, point, dPhi, second, secondDPhi, desert], i) => {
        const row = out.access[code]![i]!;
        expect(row.settlement).toBe(settlement);
        expect(row.point).toBe(point);
        expect(row.straightKm).toBeCloseTo(dPhi * KM_PER_DEGREE, 4);
        expect(row.minutes).toBeCloseTo(dPhi * MINUTES_PER_DEGREE, 4);
        expect(row.desert).toBe(desert);
        expect(row.secondPoint).toBe(second);
        if (secondDPhi === null) expect(row.secondMinutes).toBeNull();
        else expect(row.secondMinutes).toBeCloseTo(secondDPhi * MINUTES_PER_DEGREE, 4);
      });
    });
  }

  it('has the hand-computed municipality indicators', () => {
    const out = readOut();
    const find = (code: string, area: string) =>
      out.indicators.MUNICIPALITY!.find((r) => r.serviceType === code && r.areaCode === area)!;
    // 2001: a (1000, 0 min) and b (500, 0.05°): mean = 500 × 6.4334 / 1500
    expect(find('GROCERY', '2001').meanMinutesPopulationWeighted).toBeCloseTo(
      (500 * 0.05 * MINUTES_PER_DEGREE) / 1500,
      4,
    );
    // 2002: c (50, 0.1°) and d (300, 0.7°), both grocery deserts; 65+ 10 + 100
    expect(find('GROCERY', '2002')).toMatchObject({
      populationBeyondThreshold: 350,
      population65PlusBeyondThreshold: 110,
    });
    expect(find('GROCERY', '2002').meanMinutesPopulationWeighted).toBeCloseTo(
      ((50 * 0.1 + 300 * 0.7) * MINUTES_PER_DEGREE) / 350,
      4,
    );
    // FUEL: everyone beyond; 2001's 65+ is known only for a (200)
    expect(find('FUEL', '2001')).toMatchObject({
      populationBeyondThreshold: 1500,
      population65PlusBeyondThreshold: 200,
    });
  });
});
