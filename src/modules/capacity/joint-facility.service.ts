/**
 * Joint facilities across municipal borders: where k shared facilities of a type best serve a group of
 * municipalities' need (p-median on the active travel model's minutes, demand = the need base of the
 * group's residents), who would use each from which municipality, and a cost split by each municipality's
 * share of the expected users.
 */
import { EngineInputError } from '../../engine/errors.js';
import { type PMedianProblem, solvePMedian } from '../../engine/p-median.js';
import { travelMethodLabel } from '../../engine/travel/travel-cost.js';
import type { NeedBase, TravelModel } from '../../engine/types.js';
import { invalid } from '../../domain-error.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import { baseValue } from './capacity.service.js';

export const MAX_JOINT_CANDIDATES = 300;
export const MAX_JOINT_COUNT = 10;
/** Minutes within which candidates' travel is searched (beyond: the unreachable penalty). */
const SEARCH_MINUTES = 180;
const UNREACHABLE_MINUTES = 1_000;

export interface MunicipalityShare {
  municipalityCode: string;
  /** Demand (the need base) of the municipality's residents served by the facility (or facilities). */
  demand: number;
  /** Expected users: the facility's capacity split by demand shares (the demand itself without a capacity). */
  expectedUsers: number;
  /** demand / the facility's (the group's) demand; sums to 1. */
  share: number;
}

/**
 * One proposed facility. Plain data (the answer crosses threads on the analysis worker pool): the
 * settlement it is placed at by id, resolved on the snapshot by the caller.
 */
export interface JointSite {
  location: { lon: number; lat: number };
  settlementId: string | null;
  gridCellId: string | null;
  capacity: number | null;
  demand: number;
  /** Need of the residents it serves (need rule), null without a rule. */
  need: number | null;
  meanMinutes: number;
  users: MunicipalityShare[];
}

export interface JointFacilityResult {
  method: string;
  demandBase: NeedBase;
  sites: JointSite[];
  /** Over all the facilities: each municipality's share of the expected users (sums to 1). */
  costSplit: MunicipalityShare[];
  totalWeightedMinutes: number;
  meanMinutes: number;
}

export interface JointFacilityRequest {
  code: string;
  municipalityCodes: readonly string[];
  count: number;
  capacity: number | null;
  model: TravelModel;
  exact?: boolean;
}

/** Demand shares → rows that sum to 1 (each municipality in the group listed, even with 0). */
function shares(
  demandBy: Map<string, number>,
  group: readonly string[],
  capacity: number | null,
): MunicipalityShare[] {
  const total = [...demandBy.values()].reduce((s, d) => s + d, 0);
  return group.map((m) => {
    const demand = demandBy.get(m) ?? 0;
    const share = total > 0 ? demand / total : 1 / group.length;
    return {
      municipalityCode: m,
      demand,
      expectedUsers: capacity === null ? demand : capacity * share,
      share,
    };
  });
}

export function jointFacility(
  snapshot: AnalysisSnapshot,
  request: JointFacilityRequest,
): JointFacilityResult {
  const group = [...new Set(request.municipalityCodes)];
  if (group.length === 0)
    throw invalid('municipalityCodes must name at least one municipality', 'municipalityCodes');
  for (const m of group)
    if (!/^\d{4}$/.test(m)) throw invalid(`municipality code "${m}" must be 4 digits`, 'municipalityCodes');
  if (!Number.isInteger(request.count) || request.count < 1 || request.count > MAX_JOINT_COUNT)
    throw invalid(`count must be a whole number from 1 to ${MAX_JOINT_COUNT}`, 'count');
  if (request.capacity !== null && !(request.capacity >= 0 && Number.isFinite(request.capacity)))
    throw invalid('capacity must be a number ≥ 0', 'capacity');
  const type = snapshot.engine.serviceType(request.code);
  const base: NeedBase = type.needRule?.base ?? 'POPULATION';
  const inGroup = new Set(group);
  const { origins } = snapshot.residents();
  const nodes = [...origins.keys()].filter((i) => inGroup.has(origins[i]!.municipalityCode ?? ''));
  if (nodes.length === 0) throw invalid('no residents in these municipalities', 'municipalityCodes');
  const weight = Float64Array.from(nodes, (i) => baseValue(base, origins[i]!));
  // Candidates: the group's settlements; without any, its most populous grid squares.
  let candidates: { lon: number; lat: number; settlement: Settlement | null; cellId: string | null }[] =
    snapshot.settlements
      .filter((s) => inGroup.has(s.municipalityCode ?? ''))
      .sort((a, b) => b.population - a.population)
      .slice(0, MAX_JOINT_CANDIDATES)
      .map((s) => ({ lon: s.lon, lat: s.lat, settlement: s, cellId: null }));
  if (candidates.length === 0) {
    candidates = nodes
      .filter((i) => origins[i]!.grid)
      .sort((a, b) => origins[b]!.population - origins[a]!.population)
      .slice(0, MAX_JOINT_CANDIDATES)
      .map((i) => ({ lon: origins[i]!.lon, lat: origins[i]!.lat, settlement: null, cellId: origins[i]!.id }));
  }
  if (request.count > candidates.length)
    throw invalid(
      `count ${request.count} exceeds the ${candidates.length} candidate sites in the group`,
      'count',
    );
  // Minutes from each resident to each candidate, from the active travel model (reach of a new point).
  const travel = snapshot.residentTravel(request.model);
  const position = new Map(nodes.map((origin, n) => [origin, n]));
  const minutes = new Float64Array(candidates.length * nodes.length).fill(Number.POSITIVE_INFINITY);
  candidates.forEach((c, ci) => {
    const reach = travel.reach(c.lon, c.lat, request.code, {
      thresholdMinutes: SEARCH_MINUTES,
      thresholdKm: null,
    });
    for (let r = 0; r < reach.index.length; r++) {
      const n = position.get(reach.index[r]!);
      if (n !== undefined) minutes[ci * nodes.length + n] = reach.minutes[r]!;
    }
  });
  const problem: PMedianProblem = {
    weight,
    minutes,
    candidates: candidates.length,
    unreachableMinutes: UNREACHABLE_MINUTES,
  };
  let solved: ReturnType<typeof solvePMedian>;
  try {
    solved = solvePMedian(problem, request.count, { exact: request.exact });
  } catch (error) {
    if (error instanceof EngineInputError) throw invalid(error.message, 'count');
    throw error;
  }
  const capacityEach = request.capacity;
  const allDemand = new Map<string, number>();
  const sites: JointSite[] = solved.sites.map((ci, s) => {
    const byMunicipality = new Map<string, number>();
    let demand = 0;
    let weighted = 0;
    nodes.forEach((origin, n) => {
      if (solved.assignment[n] !== s) return;
      const m = origins[origin]!.municipalityCode!;
      const w = weight[n]!;
      byMunicipality.set(m, (byMunicipality.get(m) ?? 0) + w);
      allDemand.set(m, (allDemand.get(m) ?? 0) + w);
      demand += w;
      const t = minutes[ci * nodes.length + n]!;
      weighted += w * (Number.isFinite(t) ? t : UNREACHABLE_MINUTES);
    });
    const c = candidates[ci]!;
    return {
      location: { lon: c.lon, lat: c.lat },
      settlementId: c.settlement?.id ?? null,
      gridCellId: c.cellId,
      capacity: capacityEach,
      demand,
      need: type.needRule ? (demand * type.needRule.placesPer100) / 100 : null,
      meanMinutes: demand > 0 ? weighted / demand : 0,
      users: shares(byMunicipality, group, capacityEach),
    };
  });
  const totalDemand = weight.reduce((s, w) => s + w, 0);
  return {
    method:
      `${solved.method}; demand ${base} of the group's residents (grid cells where a grid covers, settlements elsewhere), ` +
      `candidates: ${candidates[0]?.settlement ? 'the group’s settlements' : 'its most populous grid squares'}; ` +
      `uncapacitated assignment to the nearest facility; travel: ${travelMethodLabel(travel.method)}`,
    demandBase: base,
    sites,
    costSplit: shares(allDemand, group, capacityEach === null ? null : capacityEach * sites.length),
    totalWeightedMinutes: solved.total,
    meanMinutes: totalDemand > 0 ? solved.total / totalDemand : 0,
  };
}
