/** p-median: the exact solver equals a brute force written plainly here; the heuristic never beats it. */
import { describe, expect, it } from 'vitest';
import { solvePMedian } from '../../src/engine/p-median.js';

function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every k-subset of 0..m-1, plainly. */
function subsets(m: number, k: number): number[][] {
  if (k === 0) return [[]];
  const out: number[][] = [];
  for (let first = 0; first <= m - k; first++)
    for (const rest of subsets(m - first - 1, k - 1)) out.push([first, ...rest.map((r) => r + first + 1)]);
  return out;
}

function bruteForce(weight: number[], t: number[][], k: number): { total: number; sites: number[] } {
  let best = { total: Number.POSITIVE_INFINITY, sites: [] as number[] };
  for (const set of subsets(t.length, k)) {
    let total = 0;
    weight.forEach((w, i) => {
      total += w * Math.min(...set.map((c) => t[c]![i]!));
    });
    if (total < best.total) best = { total, sites: set };
  }
  return best;
}

function randomCase(seed: number) {
  const rnd = random(seed);
  const m = 3 + Math.floor(rnd() * 7);
  const n = 5 + Math.floor(rnd() * 40);
  const k = 1 + Math.floor(rnd() * Math.min(3, m));
  const nodes = Array.from({ length: n }, () => [rnd() * 100, rnd() * 100]);
  const sites = Array.from({ length: m }, () => [rnd() * 100, rnd() * 100]);
  const t = sites.map(([x, y]) => nodes.map(([a, b]) => Math.hypot(a! - x!, b! - y!)));
  const weight = nodes.map(() => Math.floor(rnd() * 100));
  const problem = { weight: Float64Array.from(weight), minutes: Float64Array.from(t.flat()), candidates: m };
  return { problem, t, weight, k };
}

describe('p-median', () => {
  it('exact equals brute force on 60 random small cases', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const { problem, t, weight, k } = randomCase(seed);
      const solved = solvePMedian(problem, k);
      expect(solved.method).toMatch(/exact/);
      const oracle = bruteForce(weight, t, k);
      expect(solved.total).toBeCloseTo(oracle.total, 6);
      // Each node is assigned to its nearest chosen site.
      weight.forEach((_, i) => {
        const own = t[solved.sites[solved.assignment[i]!]!]![i]!;
        expect(own).toBeCloseTo(Math.min(...solved.sites.map((c) => t[c]![i]!)), 12);
      });
    }
  });

  it('greedy + Teitz–Bart never beats the optimum and finds it on most small cases', () => {
    let optimal = 0;
    for (let seed = 100; seed < 160; seed++) {
      const { problem, t, weight, k } = randomCase(seed);
      const heuristic = solvePMedian(problem, k, { heuristic: true });
      expect(heuristic.method).toMatch(/Teitz–Bart/);
      const oracle = bruteForce(weight, t, k);
      expect(heuristic.total).toBeGreaterThanOrEqual(oracle.total - 1e-6);
      expect(heuristic.total).toBeLessThanOrEqual(oracle.total * 1.1 + 1e-6);
      if (Math.abs(heuristic.total - oracle.total) < 1e-6) optimal++;
    }
    expect(optimal).toBeGreaterThanOrEqual(54);
  });

  it('refuses more sites than candidates', () => {
    const { problem } = randomCase(7);
    expect(() => solvePMedian(problem, problem.candidates + 1)).toThrow(/exceeds/);
  });
});
