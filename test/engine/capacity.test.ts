/**
 * 2SFCA exactly as Luo & Wang (2003) define it, checked against a plain O(origins × points) evaluation of
 * the formula written here (no code shared with the engine), a hand-computed 3-origin 2-point example,
 * E2SFCA's band weights, and the property that adding capacity never lowers anyone's access.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AccessEngine } from '../../src/engine/access.js';
import { capacityAccess, type DecayBand } from '../../src/engine/capacity.js';
import type { Reach, TravelCost } from '../../src/engine/travel/travel-cost.js';
import { EstimatedTravelCost } from '../../src/engine/travel/estimated.js';
import type { EnginePoint, ServiceTypeDef, TravelModel } from '../../src/engine/types.js';
import { sharedDataFile } from '../helpers/shared-data.js';
import { minutesBetween } from '../support/oracles.js';

const CARE: ServiceTypeDef = {
  code: 'ELDERLY_CARE',
  nameSv: 'Äldreboende',
  nameEn: 'Elderly care',
  thresholdMinutes: 30,
  thresholdKm: null,
  digitalSubstitute: null,
};
const model: TravelModel = { circuityFactor: 1.35, speedKmh: 70, fixedMinutes: 0 };
const point = (id: string, lon: number, lat: number): EnginePoint => ({
  id,
  name: id,
  lon,
  lat,
  serviceTypes: ['ELDERLY_CARE'],
  municipalityCode: null,
});

/** A provider over a fixed minutes matrix (minutes[i][j] origin i → point j), for hand-worked cases. */
function matrixTravel(minutes: number[][], points: EnginePoint[]): TravelCost {
  const engine = new AccessEngine(points, [CARE]);
  return {
    method: 'ESTIMATED',
    model,
    engine,
    origins: minutes.map(() => ({ lon: 0, lat: 0 })),
    reach(lon, lat, _code, options): Reach {
      const j = points.findIndex((p) => p.lon === lon && p.lat === lat);
      const rows = minutes
        .map((row, i) => ({ i, t: row[j]! }))
        .filter((r) => r.t <= options!.thresholdMinutes!);
      return {
        index: Int32Array.from(rows, (r) => r.i),
        minutes: Float64Array.from(rows, (r) => r.t),
        travelKm: new Float64Array(rows.length),
        straightKm: new Float64Array(rows.length),
      };
    },
    table: () => {
      throw new Error('not used');
    },
    nearest: () => [],
    withPoints: () => {
      throw new Error('not used');
    },
    serviceAreas: () => {
      throw new Error('not used');
    },
  } as TravelCost;
}

/** The oracle: R_j = S_j / Σ_{t_kj ≤ T} D_k W(t_kj); A_i = Σ_{t_ij ≤ T} R_j W(t_ij) — written out plainly. */
function plain2sfca(
  t: (i: number, j: number) => number,
  demand: number[],
  capacity: number[],
  T: number,
  w: (minutes: number) => number = () => 1,
): { R: number[]; A: number[] } {
  const R = capacity.map((s, j) => {
    if (Number.isNaN(s)) return Number.NaN;
    let d = 0;
    for (let k = 0; k < demand.length; k++) if (t(k, j) <= T) d += demand[k]! * w(t(k, j));
    return d > 0 ? s / d : 0;
  });
  const A = demand.map((_, i) => {
    let a = 0;
    for (let j = 0; j < capacity.length; j++)
      if (!Number.isNaN(R[j]!) && t(i, j) <= T) a += R[j]! * w(t(i, j));
    return a;
  });
  return { R, A };
}

describe('2SFCA, hand-computed: 3 origins, 2 points, T = 30 min', () => {
  // Demand 100, 200, 300; capacity 10 and 30. Minutes origin → point:
  //   origin 0: 10 | 40     origin 1: 20 | 25     origin 2: 50 | 5
  // p0 reaches origins 0, 1 (demand 300): R0 = 10/300. p1 reaches 1, 2 (demand 500): R1 = 30/500 = 0.06.
  // A0 = 1/30, A1 = 1/30 + 0.06, A2 = 0.06. Σ D·A = 100/30 + 200·(1/30 + 0.06) + 300·0.06 = 40 = Σ S.
  const minutes = [
    [10, 40],
    [20, 25],
    [50, 5],
  ];
  const points = [point('p0', 15, 60), point('p1', 15.5, 60)];
  const demand = Float64Array.from([100, 200, 300]);
  const travel = matrixTravel(minutes, points);
  // Capacities and ratios in the engine's point order (checked by id).
  const order = travel.engine.index('ELDERLY_CARE').points.map((p) => p.id);
  const byId = (values: Record<string, number>) => Float64Array.from(order, (id) => values[id]!);
  const capacity = byId({ p0: 10, p1: 30 });

  it('gives R_j and A_i of the worked example', () => {
    const out = capacityAccess({
      travel: matrixTravel(minutes, points),
      code: 'ELDERLY_CARE',
      demand,
      capacity,
      thresholdMinutes: 30,
    });
    expect([...out.ratio]).toEqual([10 / 300, 0.06]);
    expect(out.access[0]).toBeCloseTo(1 / 30, 12);
    expect(out.access[1]).toBeCloseTo(1 / 30 + 0.06, 12);
    expect(out.access[2]).toBeCloseTo(0.06, 12);
    expect([...out.demandInCatchment]).toEqual([...byId({ p0: 300, p1: 500 })]);
    const used = out.access.reduce((s, a, i) => s + a * demand[i]!, 0);
    expect(used).toBeCloseTo(40, 9);
  });

  it('E2SFCA weighs each band: 1 up to 10 min, 0.68 up to 20, 0.22 up to 30', () => {
    const bands: DecayBand[] = [
      { upToMinutes: 10, weight: 1 },
      { upToMinutes: 20, weight: 0.68 },
      { upToMinutes: 30, weight: 0.22 },
    ];
    const out = capacityAccess({
      travel,
      code: 'ELDERLY_CARE',
      demand,
      capacity,
      thresholdMinutes: 30,
      bands,
    });
    const R0 = 10 / (100 * 1 + 200 * 0.68);
    const R1 = 30 / (200 * 0.22 + 300 * 1);
    expect(out.ratio[order.indexOf('p0')]).toBeCloseTo(R0, 12);
    expect(out.ratio[order.indexOf('p1')]).toBeCloseTo(R1, 12);
    expect(out.access[0]).toBeCloseTo(R0, 12);
    expect(out.access[1]).toBeCloseTo(R0 * 0.68 + R1 * 0.22, 12);
    expect(out.access[2]).toBeCloseTo(R1, 12);
  });

  it('a point with no demand in reach serves nobody (R = 0) and an unknown capacity leaves the point out', () => {
    const out = capacityAccess({
      travel,
      code: 'ELDERLY_CARE',
      demand: Float64Array.from([0, 0, 300]),
      capacity: byId({ p0: 10, p1: Number.NaN }),
      thresholdMinutes: 30,
    });
    expect(out.ratio[order.indexOf('p0')]).toBe(0);
    expect(Number.isNaN(out.ratio[order.indexOf('p1')]!)).toBe(true);
    expect([...out.access]).toEqual([0, 0, 0]);
  });
});

/** A deterministic random source (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compareWithOracle(
  origins: { lon: number; lat: number }[],
  points: EnginePoint[],
  demand: number[],
  capacity: number[],
  T: number,
) {
  const engine = new AccessEngine(points, [CARE]);
  const indexed = engine.index('ELDERLY_CARE').points;
  // The engine's points are in its index order: capacities follow the points by id.
  const capacityById = new Map(points.map((p, j) => [p.id, capacity[j]!]));
  const out = capacityAccess({
    travel: new EstimatedTravelCost(origins, engine, model),
    code: 'ELDERLY_CARE',
    demand: Float64Array.from(demand),
    capacity: Float64Array.from(indexed, (p) => capacityById.get(p.id)!),
    thresholdMinutes: T,
  });
  const oracle = plain2sfca((i, j) => minutesBetween(origins[i]!, points[j]!, model), demand, capacity, T);
  const oracleR = new Map(points.map((p, j) => [p.id, oracle.R[j]!]));
  indexed.forEach((p, j) => {
    const expected = oracleR.get(p.id)!;
    if (Number.isNaN(expected)) expect(Number.isNaN(out.ratio[j]!)).toBe(true);
    else expect(out.ratio[j]).toBeCloseTo(expected, 12);
  });
  let nonZero = 0;
  oracle.A.forEach((a, i) => {
    expect(out.access[i]).toBeCloseTo(a, 12);
    if (a > 0) nonZero++;
  });
  return { out, nonZero };
}

describe('2SFCA equals the formula evaluated plainly over every origin × point', () => {
  it('on random places around Dalarna (five seeds)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rnd = random(seed);
      const origins = Array.from({ length: 400 }, () => ({ lon: 13 + rnd() * 3, lat: 60 + rnd() * 1.5 }));
      const points = Array.from({ length: 25 }, (_, j) => point(`p${j}`, 13 + rnd() * 3, 60 + rnd() * 1.5));
      const demand = origins.map(() => Math.floor(rnd() * 500));
      const capacity = points.map(() => (rnd() < 0.15 ? Number.NaN : Math.floor(rnd() * 80)));
      const { nonZero } = compareWithOracle(origins, points, demand, capacity, 10 + rnd() * 40);
      expect(nonZero).toBeGreaterThan(0);
    }
  });

  const grid = sharedDataFile('scb-befolkning-1km-dalarna-2025/befolkning_1km_2025_dalarna.csv');
  const health = sharedDataFile('osm-sweden-health-facilities-2020/osm_health_nodes_sweden_2020.csv');
  it('on Dalarna’s real 1 km grid (65+ as demand) and its OSM clinics and doctors with capacities', () => {
    const cells = readFileSync(grid, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const origins = cells.map((c) => ({ lon: Number(c[5]), lat: Number(c[6]) }));
    const demand = cells.map((c) => Number(c[8]));
    const points = readFileSync(health, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c.at(-2)?.startsWith('20') && (c[1] === 'clinic' || c[1] === 'doctors'))
      .map((c) => point(`osm/${c[0]}`, Number(c.at(-3)), Number(c.at(-4))));
    expect(points.length).toBeGreaterThan(3);
    const rnd = random(42);
    const capacity = points.map(() => 20 + Math.floor(rnd() * 60));
    const { out, nonZero } = compareWithOracle(origins, points, demand, capacity, 30);
    expect(nonZero).toBeGreaterThan(100);
    // Every place in use is counted once: Σ D·A = Σ S over points with demand in reach.
    const used = out.access.reduce((s, a, i) => s + a * demand[i]!, 0);
    let capacityInUse = 0;
    out.ratio.forEach((r, j) => {
      if (r > 0) capacityInUse += out.ratio[j]! * out.demandInCatchment[j]!;
    });
    expect(used).toBeCloseTo(capacityInUse, 6);
  });
});

describe('the ESTIMATED catchment', () => {
  it('holds exactly the origins reach returns, also for origins placed on the threshold’s edge', () => {
    const rnd = random(77);
    const engine = new AccessEngine([point('p', 15, 60)], [CARE]);
    // Straight-line km that fits in T minutes under the model, and origins at that distance ± a hair.
    const T = 30;
    const edgeKm = ((T / 60) * model.speedKmh) / model.circuityFactor;
    const origins = Array.from({ length: 3000 }, (_, i) => {
      const km = i < 1000 ? edgeKm * (1 + (rnd() - 0.5) * 1e-9) : rnd() * 2 * edgeKm;
      const bearing = rnd() * 2 * Math.PI;
      const lat = 60 + (km / 111.195) * Math.cos(bearing);
      const lon = 15 + ((km / 111.195) * Math.sin(bearing)) / Math.cos((60 * Math.PI) / 180);
      return { lon, lat };
    });
    const travel = new EstimatedTravelCost(origins, engine, model);
    for (const at of [
      { lon: 15, lat: 60 },
      { lon: 15.3, lat: 60.2 },
    ]) {
      const reach = [...travel.reach(at.lon, at.lat, 'ELDERLY_CARE', { thresholdMinutes: T }).index];
      const catchment = [...travel.catchment(at.lon, at.lat, 'ELDERLY_CARE', { thresholdMinutes: T })].sort(
        (a, b) => a - b,
      );
      expect(catchment).toEqual(reach);
      expect(reach.length).toBeGreaterThan(100);
    }
  });
});

describe('adding capacity never lowers anyone’s access', () => {
  it('holds for raised capacities and newly capacitated points (property, 30 random cases)', () => {
    for (let seed = 100; seed < 130; seed++) {
      const rnd = random(seed);
      const origins = Array.from({ length: 120 }, () => ({ lon: 14 + rnd(), lat: 60 + rnd() * 0.5 }));
      const points = Array.from({ length: 8 }, (_, j) => point(`p${j}`, 14 + rnd(), 60 + rnd() * 0.5));
      const engine = new AccessEngine(points, [CARE]);
      const travel = new EstimatedTravelCost(origins, engine, model);
      const demand = Float64Array.from(origins, () => Math.floor(rnd() * 300));
      const n = engine.index('ELDERLY_CARE').points.length;
      const before = Float64Array.from({ length: n }, () =>
        rnd() < 0.3 ? Number.NaN : Math.floor(rnd() * 50),
      );
      const after = Float64Array.from(before);
      const j = Math.floor(rnd() * n);
      after[j] = (Number.isNaN(after[j]!) ? 0 : after[j]!) + 1 + Math.floor(rnd() * 40);
      const T = 5 + rnd() * 30;
      const a = capacityAccess({
        travel,
        code: 'ELDERLY_CARE',
        demand,
        capacity: before,
        thresholdMinutes: T,
      });
      const b = capacityAccess({
        travel,
        code: 'ELDERLY_CARE',
        demand,
        capacity: after,
        thresholdMinutes: T,
      });
      for (let i = 0; i < origins.length; i++)
        expect(b.access[i]!).toBeGreaterThanOrEqual(a.access[i]! - 1e-15);
    }
  });
});
