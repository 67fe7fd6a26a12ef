import type { EngineSettlement } from './types.js';
import { EngineInputError } from './errors.js';

/**
 * Maximal covering location, multi-service: choose `count` candidate sites for a service point offering a
 * bundle of types so as to maximise the newly covered demand. Coverage value = Σ over types of the weights
 * of the demands covered for that type (someone covered for two types counts twice — the API contract).
 * Pure and deterministic: ties go to the lowest candidate index; zero-gain sites are never added.
 */

export interface CoverageProblem {
  /** Demand points (settlements), weight = population or 65+ population. */
  demands: readonly { id: string; weight: number }[];
  /** The service types of the bundle. */
  types: readonly string[];
  /** coveredNow[type][d] = 1 when demand d is already within that type's threshold. */
  coveredNow: Readonly<Record<string, Uint8Array>>;
  candidates: readonly { id: string }[];
  /**
   * covers[c][t] = ascending demand indices newly reachable from candidate c within type t's threshold
   * (demands already covered may be listed too; the solvers ignore them).
   */
  covers: readonly (readonly Int32Array[])[];
}

export interface SuggestedSiteResult {
  /** Index into problem.candidates. */
  candidate: number;
  /** Coverage value this site adds given the sites chosen before it. */
  marginalGain: number;
  /** Per type, the demand indices this site newly covers (ascending). */
  newlyCovered: Record<string, number[]>;
}

export interface McLpResult {
  sites: SuggestedSiteResult[];
  coveredBefore: number;
  coveredAfter: number;
  method: string;
}

/**
 * Greedy maximal covering with lazy evaluation (CELF): a max-heap of stale upper bounds on each candidate's
 * gain; only the top is re-evaluated. Coverage is submodular, so the result is within 1 − 1/e of optimum.
 * Stops early when no candidate adds coverage (the method says so).
 * @example
 * solveGreedy({ demands: [{ id: 'a', weight: 10 }], types: ['GROCERY'],
 *   coveredNow: { GROCERY: new Uint8Array(1) }, candidates: [{ id: 'c0' }],
 *   covers: [[Int32Array.of(0)]] }, 1).coveredAfter // 10
 */
export function solveGreedy(problem: CoverageProblem, count: number): McLpResult {
  validate(problem, count);
  const state = new CoverageState(problem);
  const n = problem.candidates.length;
  // Heap of candidate indices ordered by (bound desc, index asc); bound[c] is exact when stamp[c] === round.
  const bound = new Float64Array(n);
  const stamp = new Int32Array(n);
  for (let c = 0; c < n; c++) bound[c] = state.gain(c);
  const heap = new CandidateHeap(bound);
  for (let c = 0; c < n; c++) heap.push(c);
  const sites: SuggestedSiteResult[] = [];
  let evaluations = n;
  let round = 0;
  while (sites.length < count && heap.size > 0) {
    const top = heap.peek();
    if (stamp[top] !== round) {
      heap.pop();
      bound[top] = state.gain(top);
      stamp[top] = round;
      evaluations++;
      heap.push(top);
      continue;
    }
    if (bound[top]! <= 0) break;
    heap.pop();
    sites.push(state.add(top));
    round++;
  }
  const short =
    sites.length < Math.min(count, n) ? `; stopped at ${sites.length}: no other site adds coverage` : '';
  return result(state, sites, `greedy (lazy, ${evaluations} evaluations), within 1-1/e of optimum${short}`);
}

/**
 * Exact maximal covering by enumerating every combination of min(count, candidates) sites; for small
 * cases, to report the greedy's gap to optimum: ≤ maxCandidates candidates (default 25) and no more
 * combinations than 3 of maxCandidates (2300 by default; so 4 of 4 is fine, 4 of 25 is not).
 * Ties go to the lexicographically smallest index set; zero-gain sites are left out. Sites are listed in
 * greedy order within the optimal set, so marginal gains descend. Throws a RangeError beyond the limits.
 * @example solveExact(problem, 2).method // 'exact (enumeration of 300 combinations)' for 25 candidates
 */
export function solveExact(
  problem: CoverageProblem,
  count: number,
  opts?: { maxCandidates?: number },
): McLpResult {
  validate(problem, count);
  const maxCandidates = opts?.maxCandidates ?? 25;
  const n = problem.candidates.length;
  const k = Math.min(count, n);
  if (n > maxCandidates) {
    throw new EngineInputError(
      `exact solving is limited to ${maxCandidates} candidates, got ${n}; use solveGreedy`,
    );
  }
  const limit = binomial(maxCandidates, Math.min(3, maxCandidates));
  const combinationsNeeded = binomial(n, k);
  if (combinationsNeeded > limit) {
    throw new EngineInputError(
      `exact solving is limited to ${limit} combinations (${maxCandidates} candidates, 3 sites), got ${combinationsNeeded} for ${k} of ${n}; use solveGreedy`,
    );
  }
  const state = new CoverageState(problem);
  let best: number[] = [];
  let bestValue = 0;
  let combinations = 0;
  const combo: number[] = [];
  const visit = (start: number): void => {
    if (combo.length === k) {
      combinations++;
      const value = state.valueOf(combo);
      if (value > bestValue) {
        bestValue = value;
        best = combo.slice();
      }
      return;
    }
    for (let c = start; c <= n - (k - combo.length); c++) {
      combo.push(c);
      visit(c + 1);
      combo.pop();
    }
  };
  if (k > 0) visit(0);
  // Order the optimal set greedily (ties by index) so each site's marginal gain is meaningful.
  const sites: SuggestedSiteResult[] = [];
  const remaining = best.slice();
  while (remaining.length > 0) {
    // remaining is ascending, so a strict '>' keeps the lowest index on ties.
    let pick = -1;
    let pickGain = 0;
    remaining.forEach((c, i) => {
      const g = state.gain(c);
      if (g > pickGain) {
        pick = i;
        pickGain = g;
      }
    });
    if (pick < 0) break;
    sites.push(state.add(remaining[pick]!));
    remaining.splice(pick, 1);
  }
  const short = sites.length < k ? `; only ${sites.length} site(s) add coverage` : '';
  return result(state, sites, `exact (enumeration of ${combinations} combinations)${short}`);
}

/** Demand weighting for site suggestions: everyone, or only people aged 65+ (unknown 65+ counts as 0). */
export type DemandWeighting = 'POPULATION' | 'POPULATION_65_PLUS';

export interface CoverageProblemInput {
  settlements: readonly EngineSettlement[];
  weighting: DemandWeighting;
  candidates: readonly { id: string; lon: number; lat: number }[];
  types: readonly string[];
  /** Per type, the access threshold in minutes. */
  thresholdMinutes: Readonly<Record<string, number>>;
  /** Per type, the km threshold on travel km (absent or null = none). */
  thresholdKm?: Readonly<Record<string, number | null>>;
  /**
   * Per type, the access table's verdict for each settlement today (its `within` column, rows aligned with
   * `settlements`): 1 = covered. The verdict, not minutes: a type's km threshold counts too.
   */
  currentWithin: Readonly<Record<string, Uint8Array>>;
  /**
   * The settlements (positions in `settlements`) a new site at the candidate would serve within a type's
   * thresholds: the travel-cost provider's reach (road network or estimate).
   */
  reach: CandidateReach;
}

/** Positions of the settlements a new site at (lon, lat) serves within the thresholds, any order. */
export type CandidateReach = (
  candidate: { lon: number; lat: number },
  type: string,
  thresholdMinutes: number,
  thresholdKm: number | null,
) => ArrayLike<number>;

/**
 * Builds a CoverageProblem: coveredNow from today's verdicts (the tables' `within`), and for each candidate and type the
 * settlements not covered today that a site there would serve within the type's thresholds (minutes and,
 * where the type has one, km), as the travel-cost provider's reach says.
 * @example
 * buildCoverageProblem({ settlements, weighting: 'POPULATION', candidates: settlements, types: ['GROCERY'],
 *   thresholdMinutes: { GROCERY: 10 }, currentWithin: { GROCERY: table.within },
 *   reach: (c, t, m, km) => travel.catchment!(c.lon, c.lat, t, { thresholdMinutes: m, thresholdKm: km }) })
 */
export function buildCoverageProblem(input: CoverageProblemInput): CoverageProblem {
  const { settlements, types } = input;
  const demands = settlements.map((s) => ({
    id: s.id,
    weight: input.weighting === 'POPULATION' ? s.population : (s.population65Plus ?? 0),
  }));
  const coveredNow: Record<string, Uint8Array> = {};
  for (const t of types) {
    const threshold = input.thresholdMinutes[t];
    const within = input.currentWithin[t];
    if (threshold === undefined) throw new RangeError(`no threshold given for service type ${t}`);
    if (within === undefined || within.length !== settlements.length) {
      throw new RangeError(
        `currentWithin for ${t} must have one entry per settlement (${settlements.length})`,
      );
    }
    coveredNow[t] = Uint8Array.from(within, (w) => (w === 1 ? 1 : 0));
  }
  const reach = input.reach;
  const covers = input.candidates.map((candidate) =>
    types.map((t) => {
      const coveredToday = coveredNow[t]!;
      const served = reach(candidate, t, input.thresholdMinutes[t]!, input.thresholdKm?.[t] ?? null);
      // Counted, then filled: one exact-size array per (candidate, type), no growing list to collect.
      let n = 0;
      for (let r = 0; r < served.length; r++) if (!coveredToday[served[r]!]) n++;
      const out = new Int32Array(n);
      n = 0;
      for (let r = 0; r < served.length; r++) if (!coveredToday[served[r]!]) out[n++] = served[r]!;
      return out.sort();
    }),
  );
  return { demands, types, coveredNow, candidates: input.candidates.map((c) => ({ id: c.id })), covers };
}

function binomial(n: number, k: number): number {
  let value = 1;
  for (let i = 1; i <= k; i++) value = (value * (n - k + i)) / i;
  return Math.round(value);
}

function validate(problem: CoverageProblem, count: number): void {
  if (!Number.isInteger(count) || count < 0)
    throw new EngineInputError(`count must be a whole number ≥ 0, got ${count}`);
  if (problem.covers.length !== problem.candidates.length) {
    throw new RangeError(
      `covers has ${problem.covers.length} rows for ${problem.candidates.length} candidates`,
    );
  }
  for (const t of problem.types) {
    const covered = problem.coveredNow[t];
    if (covered === undefined || covered.length !== problem.demands.length) {
      throw new RangeError(`coveredNow.${t} must have one entry per demand (${problem.demands.length})`);
    }
  }
  problem.covers.forEach((row, c) => {
    if (row.length !== problem.types.length) {
      throw new RangeError(`covers[${c}] has ${row.length} type lists for ${problem.types.length} types`);
    }
  });
}

function result(state: CoverageState, sites: SuggestedSiteResult[], method: string): McLpResult {
  const gained = sites.reduce((sum, s) => sum + s.marginalGain, 0);
  return { sites, coveredBefore: state.before, coveredAfter: state.before + gained, method };
}

/** Which (type, demand) pairs are covered, with the sites chosen so far; stamps make set evaluation O(Σ covers). */
class CoverageState {
  readonly before: number;
  private readonly covered: Uint8Array[];
  private readonly seen: Int32Array[];
  private stampNow = 0;

  constructor(private readonly problem: CoverageProblem) {
    this.covered = problem.types.map((t) => Uint8Array.from(problem.coveredNow[t]!));
    this.seen = problem.types.map(() => new Int32Array(problem.demands.length));
    let before = 0;
    this.covered.forEach((row) => {
      for (let d = 0; d < row.length; d++) if (row[d]) before += problem.demands[d]!.weight;
    });
    this.before = before;
  }

  /** Coverage the candidate would add now. */
  gain(c: number): number {
    let g = 0;
    const rows = this.problem.covers[c]!;
    for (let t = 0; t < rows.length; t++) {
      const covered = this.covered[t]!;
      for (const d of rows[t]!) if (!covered[d]) g += this.problem.demands[d]!.weight;
    }
    return g;
  }

  /** Coverage a set of candidates would add together (does not change the state). */
  valueOf(set: readonly number[]): number {
    const stamp = ++this.stampNow;
    let g = 0;
    for (const c of set) {
      const rows = this.problem.covers[c]!;
      for (let t = 0; t < rows.length; t++) {
        const covered = this.covered[t]!;
        const seen = this.seen[t]!;
        for (const d of rows[t]!) {
          if (covered[d] || seen[d] === stamp) continue;
          seen[d] = stamp;
          g += this.problem.demands[d]!.weight;
        }
      }
    }
    return g;
  }

  add(c: number): SuggestedSiteResult {
    const newlyCovered: Record<string, number[]> = {};
    let gain = 0;
    const rows = this.problem.covers[c]!;
    for (let t = 0; t < rows.length; t++) {
      const covered = this.covered[t]!;
      const fresh: number[] = [];
      for (const d of rows[t]!) {
        if (covered[d]) continue;
        covered[d] = 1;
        fresh.push(d);
        gain += this.problem.demands[d]!.weight;
      }
      newlyCovered[this.problem.types[t]!] = fresh.sort((a, b) => a - b);
    }
    return { candidate: c, marginalGain: gain, newlyCovered };
  }
}

/** Binary max-heap of candidate indices by (bound desc, index asc). */
class CandidateHeap {
  private readonly items: number[] = [];
  constructor(private readonly bound: Float64Array) {}

  get size(): number {
    return this.items.length;
  }

  peek(): number {
    return this.items[0]!;
  }

  push(c: number): void {
    const items = this.items;
    items.push(c);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.before(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.before(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const ba = this.bound[a]!;
    const bb = this.bound[b]!;
    return ba > bb || (ba === bb && a < b);
  }
}
