import { describe, expect, it } from 'vitest';
import {
  buildCoverageProblem,
  type CoverageProblem,
  solveExact,
  solveGreedy,
} from '../../src/engine/mclp.js';
import { DEFAULT_TRAVEL_MODEL } from '../../src/engine/types.js';
import { seededRandom, settlement } from './fixtures/gaps/seed.js';
import { estimatedReach } from '../support/reach.js';

/** A problem from plain arrays: covers[c][t] as number lists, coveredNow[t] as the covered demand indices. */
function problem(
  weights: number[],
  types: string[],
  coveredNow: Record<string, number[]>,
  covers: number[][][],
): CoverageProblem {
  const covered: Record<string, Uint8Array> = {};
  for (const t of types) {
    covered[t] = new Uint8Array(weights.length);
    for (const d of coveredNow[t] ?? []) covered[t][d] = 1;
  }
  return {
    demands: weights.map((weight, i) => ({ id: `d${i}`, weight })),
    types,
    coveredNow: covered,
    candidates: covers.map((_, c) => ({ id: `c${c}` })),
    covers: covers.map((row) => row.map((list) => Int32Array.from(list))),
  };
}

/** Independent oracle: the best coverage value of any set of ≤ count candidates, by bitmask enumeration. */
function bruteForceOptimum(p: CoverageProblem, count: number): number {
  const n = p.candidates.length;
  let best = 0;
  const value = (mask: number) => {
    let total = 0;
    p.types.forEach((t, ti) => {
      const covered = new Set<number>();
      for (let c = 0; c < n; c++) if (mask & (1 << c)) for (const d of p.covers[c]![ti]!) covered.add(d);
      for (const d of covered) if (!p.coveredNow[t]![d]) total += p.demands[d]!.weight;
    });
    return total;
  };
  const visit = (start: number, mask: number, size: number) => {
    best = Math.max(best, value(mask));
    if (size === count) return;
    for (let c = start; c < n; c++) visit(c + 1, mask | (1 << c), size + 1);
  };
  visit(0, 0, 0);
  return best;
}

/** Independent oracle: plain (non-lazy) greedy, ties by lowest index, stopping at zero gain. */
function naiveGreedy(p: CoverageProblem, count: number): number[] {
  const covered = p.types.map((t) => Uint8Array.from(p.coveredNow[t]!));
  const chosen: number[] = [];
  for (let round = 0; round < count; round++) {
    let best = -1;
    let bestGain = 0;
    for (let c = 0; c < p.candidates.length; c++) {
      let gain = 0;
      p.types.forEach((_, ti) => {
        for (const d of p.covers[c]![ti]!) if (!covered[ti]![d]) gain += p.demands[d]!.weight;
      });
      if (gain > bestGain) {
        best = c;
        bestGain = gain;
      }
    }
    if (best < 0) break;
    chosen.push(best);
    p.types.forEach((_, ti) => {
      for (const d of p.covers[best]![ti]!) covered[ti]![d] = 1;
    });
  }
  return chosen;
}

function randomProblem(seed: number): { p: CoverageProblem; count: number } {
  const random = seededRandom(seed);
  const demands = 20 + Math.floor(random() * 40);
  const candidates = 1 + Math.floor(random() * 25);
  const types = ['GROCERY', 'PHARMACY', 'POST'].slice(0, 1 + Math.floor(random() * 3));
  // Small integer weights make ties common, so tie-breaking is exercised too.
  const weights = Array.from({ length: demands }, () => 1 + Math.floor(random() * 5));
  const coveredNow: Record<string, number[]> = {};
  for (const t of types) coveredNow[t] = [...Array(demands).keys()].filter(() => random() < 0.2);
  const covers = Array.from({ length: candidates }, () =>
    types.map(() => [...Array(demands).keys()].filter(() => random() < 0.15)),
  );
  return { p: problem(weights, types, coveredNow, covers), count: 1 + Math.floor(random() * 3) };
}

// Hand fixture: five demands, two types; d4 already has a grocery.
//   c0: G{0,1} P{0}   c1: G{1,2,3}   c2: G{0} P{0,1,2}   c3: G{2,3,4} P{3,4}
const weights = [100, 50, 40, 30, 20];
const bundle = () =>
  problem(weights, ['GROCERY', 'PHARMACY'], { GROCERY: [4] }, [
    [[0, 1], [0]],
    [[1, 2, 3], []],
    [[0], [0, 1, 2]],
    [
      [2, 3, 4],
      [3, 4],
    ],
  ]);

describe('solveGreedy', () => {
  it('picks the largest gain first, breaks a tie by the lowest index, and reports what each site newly covers', () => {
    const result = solveGreedy(bundle(), 3);
    // round 1: c0 250, c1 120, c2 290, c3 120 → c2. round 2: c0 50, c1 120, c3 70+50 → tie, c1. round 3: c3 50.
    expect(result.sites.map((s) => [s.candidate, s.marginalGain])).toEqual([
      [2, 290],
      [1, 120],
      [3, 50],
    ]);
    expect(result.sites[0]!.newlyCovered).toEqual({ GROCERY: [0], PHARMACY: [0, 1, 2] });
    expect(result.sites[2]!.newlyCovered).toEqual({ GROCERY: [], PHARMACY: [3, 4] });
    expect(result.coveredBefore).toBe(20);
    expect(result.coveredAfter).toBe(480);
    expect(result.method).toMatch(/^greedy \(lazy/);
  });

  it('is within 95% of the optimum on the hand fixture for one, two and three sites', () => {
    for (const count of [1, 2, 3]) {
      const greedy = solveGreedy(bundle(), count);
      const exact = solveExact(bundle(), count);
      const ratio = (greedy.coveredAfter - greedy.coveredBefore) / (exact.coveredAfter - exact.coveredBefore);
      expect(ratio).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('does not add sites that cover no one, and says so when asked for more sites than help', () => {
    const result = solveGreedy(bundle(), 10);
    expect(result.sites.map((s) => s.candidate)).toEqual([2, 1, 3]);
    expect(result.coveredAfter).toBe(20 + 220 + 240);
    expect(result.method).toContain('stopped at 3');
  });

  it('returns no sites and equal before and after without candidates', () => {
    const result = solveGreedy(problem(weights, ['GROCERY'], { GROCERY: [0] }, []), 2);
    expect(result).toMatchObject({ sites: [], coveredBefore: 100, coveredAfter: 100 });
  });

  it('keeps the 1 − 1/e guarantee on the classic trap where greedy is not optimal', () => {
    // c0 covers the two heavy demands; c1 and c2 together cover everything.
    const trap = problem([10, 10, 9, 9], ['GROCERY'], {}, [[[0, 1]], [[0, 2]], [[1, 3]]]);
    const greedy = solveGreedy(trap, 2);
    const exact = solveExact(trap, 2);
    expect(greedy.coveredAfter).toBe(29);
    expect(exact.coveredAfter).toBe(38);
    expect(exact.sites.map((s) => s.candidate)).toEqual([1, 2]);
    expect(greedy.coveredAfter / exact.coveredAfter).toBeGreaterThanOrEqual(1 - 1 / Math.E);
  });

  it('never lowers coverage: each site adds a positive amount', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { p, count } = randomProblem(seed);
      const result = solveGreedy(p, count);
      expect(result.coveredAfter).toBeGreaterThanOrEqual(result.coveredBefore);
      for (const site of result.sites) expect(site.marginalGain).toBeGreaterThan(0);
    }
  });

  it('chooses the same sites as a plain greedy on 30 seeded random instances', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const { p, count } = randomProblem(seed);
      expect(
        solveGreedy(p, count).sites.map((s) => s.candidate),
        `seed ${seed}`,
      ).toEqual(naiveGreedy(p, count));
    }
  });

  it('rejects a negative or fractional count and a malformed problem', () => {
    expect(() => solveGreedy(bundle(), -1)).toThrow(RangeError);
    expect(() => solveGreedy(bundle(), 1.5)).toThrow(RangeError);
    const malformed = { ...bundle(), covers: bundle().covers.slice(1) };
    expect(() => solveGreedy(malformed, 1)).toThrow(/3 rows for 4 candidates/);
  });
});

describe('solveExact', () => {
  it('equals a brute-force optimum on 30 seeded random instances, and greedy stays within 1 − 1/e of it', () => {
    const ratios: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const { p, count } = randomProblem(seed);
      const exact = solveExact(p, count);
      const optimum = bruteForceOptimum(p, count);
      expect(exact.coveredAfter - exact.coveredBefore, `seed ${seed}`).toBe(optimum);
      const greedy = solveGreedy(p, count);
      const ratio = optimum === 0 ? 1 : (greedy.coveredAfter - greedy.coveredBefore) / optimum;
      expect(ratio, `seed ${seed}`).toBeGreaterThanOrEqual(1 - 1 / Math.E);
      ratios.push(ratio);
    }
    const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
    expect(mean).toBeGreaterThanOrEqual(0.95);
  });

  it('takes the lexicographically smallest set on ties and lists it in greedy order', () => {
    // {1,2} and {2,3} both reach 410; {1,2} wins; c2 has the larger gain so it is listed first.
    const result = solveExact(bundle(), 2);
    expect(result.sites.map((s) => [s.candidate, s.marginalGain])).toEqual([
      [2, 290],
      [1, 120],
    ]);
    expect(result.method).toBe('exact (enumeration of 6 combinations)');
  });

  it('handles more sites than candidates and leaves zero-gain sites out', () => {
    const result = solveExact(bundle(), 7);
    expect(result.sites.map((s) => s.candidate)).toEqual([2, 1, 3]);
    expect(result.method).toContain('only 3 site(s) add coverage');
  });

  it('returns no sites without candidates', () => {
    const result = solveExact(problem([5], ['GROCERY'], {}, []), 3);
    expect(result).toMatchObject({ sites: [], coveredBefore: 0, coveredAfter: 0 });
  });

  it('refuses cases beyond its limits with a RangeError', () => {
    const many = problem(
      [1],
      ['GROCERY'],
      {},
      Array.from({ length: 26 }, () => [[0]]),
    );
    expect(() => solveExact(many, 1)).toThrow(/limited to 25 candidates/);
    const twentyFive = problem(
      [1],
      ['GROCERY'],
      {},
      Array.from({ length: 25 }, () => [[0]]),
    );
    expect(() => solveExact(twentyFive, 4)).toThrow(/limited to 2300 combinations .* got 12650 for 4 of 25/);
    expect(solveExact(twentyFive, 3).method).toBe(
      'exact (enumeration of 2300 combinations); only 1 site(s) add coverage',
    );
  });
});

describe('buildCoverageProblem', () => {
  // Along the meridian 15°E: 0.05° of latitude ≈ 5.56 km. Default model: 10 min ≈ 8.64 km, 20 min ≈ 17.28 km.
  const settlements = [
    settlement({ id: 's0', lat: 60.0, population: 100, population65Plus: 10 }),
    settlement({ id: 's1', lat: 60.05, population: 200, population65Plus: 50 }),
    settlement({ id: 's2', lat: 60.1, population: 300, population65Plus: null }),
    settlement({ id: 's3', lat: 60.3, population: 400, population65Plus: 90 }),
  ];

  it('finds the settlements within each type threshold that are not covered today', () => {
    const p = buildCoverageProblem({
      settlements,
      weighting: 'POPULATION',
      candidates: [{ id: 'here', lon: 15, lat: 60 }],
      types: ['GROCERY', 'PHARMACY'],
      thresholdMinutes: { GROCERY: 10, PHARMACY: 20 },
      currentWithin: { GROCERY: Uint8Array.of(1, 0, 0, 1), PHARMACY: Uint8Array.of(0, 0, 0, 0) },
      reach: estimatedReach(settlements, DEFAULT_TRAVEL_MODEL, ['GROCERY', 'PHARMACY']),
    });
    expect([...p.coveredNow['GROCERY']!]).toEqual([1, 0, 0, 1]);
    expect(p.covers[0]!.map((list) => [...list])).toEqual([[1], [0, 1, 2]]);
    expect(p.demands.map((d) => d.weight)).toEqual([100, 200, 300, 400]);
    // A type with no points at all (PHARMACY): nobody covered before; the site covers s0..s2.
    const result = solveGreedy(p, 1);
    expect(result.coveredBefore).toBe(500);
    expect(result.coveredAfter).toBe(500 + 200 + 600);
  });

  it('weights demand by the 65+ population, counting unknown as 0', () => {
    const p = buildCoverageProblem({
      settlements,
      weighting: 'POPULATION_65_PLUS',
      candidates: [],
      types: ['GROCERY'],
      thresholdMinutes: { GROCERY: 10 },
      currentWithin: { GROCERY: new Uint8Array(4) },
      reach: estimatedReach(settlements, DEFAULT_TRAVEL_MODEL, ['GROCERY']),
    });
    expect(p.demands.map((d) => d.weight)).toEqual([10, 50, 0, 90]);
  });

  it('rejects a missing threshold or a verdict column of the wrong length', () => {
    const base = {
      settlements,
      weighting: 'POPULATION' as const,
      candidates: [],
      types: ['GROCERY'],
      reach: estimatedReach(settlements, DEFAULT_TRAVEL_MODEL, ['GROCERY']),
    };
    expect(() => buildCoverageProblem({ ...base, thresholdMinutes: {}, currentWithin: {} })).toThrow(
      /no threshold given for service type GROCERY/,
    );
    expect(() =>
      buildCoverageProblem({
        ...base,
        thresholdMinutes: { GROCERY: 10 },
        currentWithin: { GROCERY: new Uint8Array(2) },
      }),
    ).toThrow(/one entry per settlement/);
  });
});
