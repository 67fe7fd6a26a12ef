/**
 * The p-median problem (Hakimi 1964): choose k of m candidate sites minimising the demand-weighted travel
 * time Σ_i w_i · min_{c ∈ S} t_ic. Exact by enumerating every k-subset when there are few; beyond, the
 * named heuristic "greedy + Teitz–Bart interchange": sites added one at a time, each the best addition,
 * then vertex substitution (Teitz & Bart 1968) — swap a chosen site for an unchosen one while the total
 * falls — to a local optimum. Unreachable pairs cost `unreachableMinutes` (a stated penalty), so every
 * demand node is served by some site.
 */
import { EngineInputError } from './errors.js';

export interface PMedianProblem {
  /** Weight (demand) of each node, ≥ 0. */
  weight: Float64Array;
  /** Minutes, row-major by candidate: minutes[c * nodes + i]; Infinity where unreachable. */
  minutes: Float64Array;
  candidates: number;
  /** Cost of an unreachable pair (default 1,000 minutes). */
  unreachableMinutes?: number;
}

export interface PMedianResult {
  /** Chosen candidates, ascending. */
  sites: number[];
  /** For each node: the position in `sites` of the site serving it (its nearest chosen). */
  assignment: Int32Array;
  /** Σ w_i · t(i, its site). */
  total: number;
  method: string;
}

/** Subsets evaluated at most by the exact enumeration (each costs one pass over the nodes per site). */
export const EXACT_LIMIT = 20_000;

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) {
    r = (r * (n - k + i)) / i;
    if (r > 1e15) return Number.POSITIVE_INFINITY;
  }
  return Math.round(r);
}

function costOf(problem: PMedianProblem): (c: number, i: number) => number {
  const n = problem.weight.length;
  const penalty = problem.unreachableMinutes ?? 1_000;
  return (c, i) => {
    const t = problem.minutes[c * n + i]!;
    return Number.isFinite(t) ? t : penalty;
  };
}

/** Total and assignment of a set of sites. */
export function evaluateSites(
  problem: PMedianProblem,
  sites: readonly number[],
): { total: number; assignment: Int32Array } {
  const n = problem.weight.length;
  const cost = costOf(problem);
  const assignment = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let best = Number.POSITIVE_INFINITY;
    let at = 0;
    sites.forEach((c, s) => {
      const t = cost(c, i);
      if (t < best) {
        best = t;
        at = s;
      }
    });
    assignment[i] = at;
    total += problem.weight[i]! * best;
  }
  return { total, assignment };
}

/**
 * Solves the p-median for k sites: exact when C(m, k) ≤ EXACT_LIMIT (or `exact` forces it), else greedy +
 * Teitz–Bart interchange (`heuristic` forces it, for comparisons). Ties go to the lower candidate index.
 * @example solvePMedian({ weight, minutes, candidates: 30 }, 2).sites // [4, 17]
 */
export function solvePMedian(
  problem: PMedianProblem,
  k: number,
  options: { exact?: boolean; heuristic?: boolean } = {},
): PMedianResult {
  const m = problem.candidates;
  const n = problem.weight.length;
  if (!Number.isInteger(k) || k < 1) throw new EngineInputError(`count must be a whole number ≥ 1, got ${k}`);
  if (k > m) throw new EngineInputError(`count ${k} exceeds the ${m} candidate sites`);
  if (problem.minutes.length !== m * n)
    throw new RangeError('solvePMedian: minutes must be candidates × nodes');
  const combos = binomial(m, k);
  if (options.heuristic !== true && (options.exact === true || combos <= EXACT_LIMIT)) {
    if (combos > 50 * EXACT_LIMIT)
      throw new EngineInputError(`exact p-median: ${combos} subsets is too many`);
    return exact(problem, k, combos);
  }
  return greedyInterchange(problem, k);
}

function exact(problem: PMedianProblem, k: number, combos: number): PMedianResult {
  const m = problem.candidates;
  const n = problem.weight.length;
  const cost = costOf(problem);
  // nearest[i] per depth: best cost so far along the subset being built (depth-first, pruned by nothing).
  const best = { total: Number.POSITIVE_INFINITY, sites: [] as number[] };
  const levels = Array.from({ length: k + 1 }, () => new Float64Array(n).fill(Number.POSITIVE_INFINITY));
  const chosen: number[] = [];
  const visit = (start: number, depth: number) => {
    if (depth === k) {
      let total = 0;
      const row = levels[depth]!;
      for (let i = 0; i < n; i++) total += problem.weight[i]! * row[i]!;
      if (total < best.total) {
        best.total = total;
        best.sites = [...chosen];
      }
      return;
    }
    for (let c = start; c <= m - (k - depth); c++) {
      const from = levels[depth]!;
      const to = levels[depth + 1]!;
      for (let i = 0; i < n; i++) {
        const t = cost(c, i);
        to[i] = Math.min(t, from[i]!);
      }
      chosen.push(c);
      visit(c + 1, depth + 1);
      chosen.pop();
    }
  };
  visit(0, 0);
  const { assignment } = evaluateSites(problem, best.sites);
  return {
    sites: best.sites,
    assignment,
    total: best.total,
    method: `p-median, exact (all ${combos} sets of ${k} among ${m} candidates)`,
  };
}

function greedyInterchange(problem: PMedianProblem, k: number): PMedianResult {
  const m = problem.candidates;
  const n = problem.weight.length;
  const cost = costOf(problem);
  const w = problem.weight;
  const sites: number[] = [];
  const nearest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  // Greedy: add the site that lowers the total most.
  for (let step = 0; step < k; step++) {
    let bestC = -1;
    let bestTotal = Number.POSITIVE_INFINITY;
    for (let c = 0; c < m; c++) {
      if (sites.includes(c)) continue;
      let total = 0;
      for (let i = 0; i < n; i++) {
        const t = cost(c, i);
        total += w[i]! * Math.min(t, nearest[i]!);
      }
      if (total < bestTotal) {
        bestTotal = total;
        bestC = c;
      }
    }
    sites.push(bestC);
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i]!, cost(bestC, i));
  }
  // Teitz–Bart: the best improving swap (chosen out, unchosen in) until none improves.
  let current = evaluateSites(problem, sites).total;
  let swaps = 0;
  for (;;) {
    let improvement: { out: number; inn: number; total: number } | null = null;
    for (let s = 0; s < sites.length; s++) {
      const others = sites.filter((_, x) => x !== s);
      const rest = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
      for (const c of others) for (let i = 0; i < n; i++) rest[i] = Math.min(rest[i]!, cost(c, i));
      for (let c = 0; c < m; c++) {
        if (sites.includes(c)) continue;
        let total = 0;
        for (let i = 0; i < n; i++) {
          const t = cost(c, i);
          total += w[i]! * Math.min(t, rest[i]!);
        }
        if (total < (improvement?.total ?? current) - 1e-9 * Math.max(1, current))
          improvement = { out: s, inn: c, total };
      }
    }
    if (improvement === null) break;
    sites[improvement.out] = improvement.inn;
    current = improvement.total;
    swaps++;
  }
  sites.sort((a, b) => a - b);
  const { total, assignment } = evaluateSites(problem, sites);
  return {
    sites,
    assignment,
    total,
    method: `p-median, heuristic: greedy + Teitz–Bart interchange (${swaps} improving swaps; ${m} candidates, k = ${k})`,
  };
}
