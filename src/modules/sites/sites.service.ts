import type { AccessTable } from '../../engine/access.js';
import { EngineInputError } from '../../engine/errors.js';
import type { CandidateReach, DemandWeighting, McLpResult } from '../../engine/mclp.js';
import { buildCoverageProblem, solveExact, solveGreedy } from '../../engine/mclp.js';
import { type TravelCost, travelMethodLabel } from '../../engine/travel/travel-cost.js';
import type { TravelModel } from '../../engine/types.js';
import { invalid } from '../../domain-error.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { Settlement } from '../settlements/settlement.repository.js';

export const MAX_SITES = 50;
export const MAX_CANDIDATES = 10_000;

/** The people one suggested site newly covers for one type. */
export interface SiteServedType {
  serviceType: string;
  settlements: Settlement[];
  marginalPopulation: number;
}

export interface SuggestedSite {
  location: { lon: number; lat: number };
  /** The candidate settlement, null for a given candidate point. */
  settlement: Settlement | null;
  marginalPopulation: number;
  serves: Settlement[];
  servesByType: SiteServedType[];
  /** Grid squares newly covered (their residents are in marginalPopulation; `serves` lists settlements). */
  gridCellsServed?: number;
}

export interface SiteSuggestionResult {
  /** GRID when demand came from grid cells (and settlements outside the grid), else SETTLEMENTS. */
  populationBase?: 'GRID' | 'SETTLEMENTS' | 'MIXED';
  sites: SuggestedSite[];
  populationCoveredBefore: number;
  populationCoveredAfter: number;
  method: string;
}

export interface SiteSuggestionRequest {
  types: readonly string[];
  count: number;
  weighting: DemandWeighting;
  /** Candidate points; null = the area's settlements. */
  candidates: readonly { lon: number; lat: number }[] | null;
  exact: boolean;
  model: TravelModel;
}

/**
 * Maximal covering location for a multi-service point: `count` sites among the candidates that newly cover
 * the most demand (the area's settlements, weighted by population or 65+ population), summed over the types.
 * Today's coverage comes from the snapshot's cached access tables (the same desert test as everywhere).
 */
export function suggestSites(
  snapshot: AnalysisSnapshot,
  indices: readonly number[],
  request: SiteSuggestionRequest,
  /** With a grid: the area's resident origins (snapshot.residents()), the demand instead of `indices`. */
  residentIndices?: readonly number[],
): SiteSuggestionResult {
  validateSiteRequest(request);
  if (residentIndices !== undefined && snapshot.grid.length > 0)
    return suggestSitesOverResidents(snapshot, indices, residentIndices, request);
  const { types, model } = request;
  const demand = indices.map((i) => snapshot.settlements[i]!);
  const candidates =
    request.candidates?.map((p, c) => ({ id: `candidate:${c}`, lon: p.lon, lat: p.lat })) ??
    demand.map((s) => ({ id: s.id, lon: s.lon, lat: s.lat }));
  if (demand.length === 0 || candidates.length === 0) {
    return {
      sites: [],
      populationCoveredBefore: 0,
      populationCoveredAfter: 0,
      method: 'no settlements or candidates',
    };
  }
  const problem = buildCoverageProblem({
    settlements: demand,
    weighting: request.weighting,
    candidates,
    types,
    ...currentCoverage(types, (code) => snapshot.table(code, model), indices),
    reach: demandReach(snapshot.travel(model), indices),
  });
  const solved = solve(problem, request);
  const weight = (s: Settlement) =>
    request.weighting === 'POPULATION' ? s.population : (s.population65Plus ?? 0);
  return {
    sites: solved.sites.map((site) => {
      const servesByType = types.map((code) => {
        const settlements = (site.newlyCovered[code] ?? []).map((d) => demand[d]!);
        return {
          serviceType: code,
          settlements,
          marginalPopulation: settlements.reduce((sum, s) => sum + weight(s), 0),
        };
      });
      const served = [...new Set(types.flatMap((code) => site.newlyCovered[code] ?? []))].sort(
        (a, b) => a - b,
      );
      const candidate = candidates[site.candidate]!;
      return {
        location: { lon: candidate.lon, lat: candidate.lat },
        settlement: request.candidates === null ? demand[site.candidate]! : null,
        marginalPopulation: site.marginalGain,
        serves: served.map((d) => demand[d]!),
        servesByType,
      };
    }),
    populationCoveredBefore: solved.coveredBefore,
    populationCoveredAfter: solved.coveredAfter,
    method: `${solved.method}; travel: ${travelMethodLabel(snapshot.travel(model).method)}`,
  };
}

/** The request's own limits (count, types, candidates), checked before any work, whatever the demand. */
function validateSiteRequest(request: SiteSuggestionRequest): void {
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_SITES) {
    throw invalid(`count must be a whole number from 1 to ${MAX_SITES}, got ${request.count}`, 'count');
  }
  if (request.types.length === 0)
    throw invalid('serviceTypes must name at least one service type', 'serviceTypes');
  if (request.candidates !== null && request.candidates.length > MAX_CANDIDATES) {
    throw invalid(`at most ${MAX_CANDIDATES} candidates, got ${request.candidates.length}`, 'candidates');
  }
}

/**
 * Per type, the thresholds and today's verdicts of the demand rows (`rows` of the type's table: minutes
 * and, where a type has one, km).
 */
function currentCoverage(
  types: readonly string[],
  tableOf: (code: string) => AccessTable,
  rows: readonly number[],
): {
  thresholdMinutes: Record<string, number>;
  thresholdKm: Record<string, number | null>;
  currentWithin: Record<string, Uint8Array>;
} {
  const thresholdMinutes: Record<string, number> = {};
  const thresholdKm: Record<string, number | null> = {};
  const currentWithin: Record<string, Uint8Array> = {};
  for (const code of types) {
    const table = tableOf(code);
    thresholdMinutes[code] = table.thresholdMinutes;
    thresholdKm[code] = table.thresholdKm;
    currentWithin[code] = Uint8Array.from(rows, (i) => table.within[i]!);
  }
  return { thresholdMinutes, thresholdKm, currentWithin };
}

/** Greedy or exact, an engine input error reported on the argument that caused it. */
function solve(problem: ReturnType<typeof buildCoverageProblem>, request: SiteSuggestionRequest): McLpResult {
  try {
    return request.exact ? solveExact(problem, request.count) : solveGreedy(problem, request.count);
  } catch (error) {
    if (error instanceof EngineInputError) throw invalid(error.message, request.exact ? 'exact' : 'count');
    throw error;
  }
}

/**
 * The provider's reach of a candidate site (over every snapshot settlement) as positions in the demand
 * list (`indices` are the demand's snapshot positions), in any order (the coverage problem sorts them).
 */
function demandReach(travel: TravelCost, indices: readonly number[]): CandidateReach {
  const position = new Int32Array(maxIndex(indices) + 1).fill(-1);
  indices.forEach((i, d) => {
    position[i] = d;
  });
  return (candidate, type, thresholdMinutes, thresholdKm) => {
    // Only who is reached counts here, not the minutes: the provider's catchment (the same set as
    // reach's, without the exact distance of every origin) where it has one.
    const options = { thresholdMinutes, thresholdKm };
    const reached =
      travel.catchment?.(candidate.lon, candidate.lat, type, options) ??
      travel.reach(candidate.lon, candidate.lat, type, options).index;
    // At most one demand position per origin reached; the coverage problem reads the filled part at once.
    const served = new Int32Array(reached.length);
    let n = 0;
    for (let r = 0; r < reached.length; r++) {
      const i = reached[r]!;
      const d = i < position.length ? position[i]! : -1;
      if (d >= 0) served[n++] = d;
    }
    return served.subarray(0, n);
  };
}

function maxIndex(indices: readonly number[]): number {
  let max = -1;
  for (const i of indices) if (i > max) max = i;
  return max;
}

/**
 * Site suggestions with demand from the resident origins (grid cells where a grid covers, settlements
 * elsewhere: every resident once); candidates stay the area's settlements (or the given points), and
 * `serves` lists the settlements among the newly covered (grid squares are counted in gridCellsServed).
 */
function suggestSitesOverResidents(
  snapshot: AnalysisSnapshot,
  indices: readonly number[],
  residentIndices: readonly number[],
  request: SiteSuggestionRequest,
): SiteSuggestionResult {
  const { types, model } = request;
  const { origins } = snapshot.residents();
  const demand = residentIndices.map((i) => origins[i]!);
  const places = indices.map((i) => snapshot.settlements[i]!);
  const candidates =
    request.candidates?.map((p, c) => ({ id: `candidate:${c}`, lon: p.lon, lat: p.lat })) ??
    places.map((s) => ({ id: s.id, lon: s.lon, lat: s.lat }));
  const grid = demand.filter((o) => o.grid).length;
  const populationBase = grid === demand.length ? 'GRID' : grid === 0 ? 'SETTLEMENTS' : 'MIXED';
  if (demand.length === 0 || candidates.length === 0) {
    return {
      populationBase,
      sites: [],
      populationCoveredBefore: 0,
      populationCoveredAfter: 0,
      method: 'no residents or candidates',
    };
  }
  const travel = snapshot.residentTravel(model);
  const problem = buildCoverageProblem({
    settlements: demand,
    weighting: request.weighting,
    candidates,
    types,
    ...currentCoverage(types, (code) => snapshot.residentTable(code, model), residentIndices),
    reach: demandReach(travel, residentIndices),
  });
  const solved = solve(problem, request);
  const weight = (o: (typeof demand)[number]) =>
    request.weighting === 'POPULATION' ? o.population : (o.population65Plus ?? 0);
  const settlementOf = (d: number) => {
    const o = demand[d]!;
    return o.grid ? null : (snapshot.settlements[snapshot.settlementIndex.get(o.id)!] ?? null);
  };
  return {
    populationBase,
    sites: solved.sites.map((site) => {
      const servesByType = types.map((code) => {
        const covered = site.newlyCovered[code] ?? [];
        return {
          serviceType: code,
          settlements: covered.map(settlementOf).filter((s): s is Settlement => s !== null),
          marginalPopulation: covered.reduce((sum, d) => sum + weight(demand[d]!), 0),
        };
      });
      const served = [...new Set(types.flatMap((code) => site.newlyCovered[code] ?? []))].sort(
        (a, b) => a - b,
      );
      const candidate = candidates[site.candidate]!;
      return {
        location: { lon: candidate.lon, lat: candidate.lat },
        settlement: request.candidates === null ? places[site.candidate]! : null,
        marginalPopulation: site.marginalGain,
        serves: served.map(settlementOf).filter((s): s is Settlement => s !== null),
        servesByType,
        gridCellsServed: served.filter((d) => demand[d]!.grid).length,
      };
    }),
    populationCoveredBefore: solved.coveredBefore,
    populationCoveredAfter: solved.coveredAfter,
    method: `${solved.method}; demand: residents (grid cells where a grid covers, settlements elsewhere); travel: ${travelMethodLabel(travel.method)}`,
  };
}
