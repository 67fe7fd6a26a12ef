/**
 * Capacity, need and shortfall for a service type: 2SFCA (engine/capacity.ts) over the resident origins
 * (grid cells where a grid covers, settlements elsewhere — every resident once), with per-area need from
 * the type's need rule, places inside, places reachable (each place counted once, shared between the areas
 * whose residents reach it) and the shortfall.
 */
import { LRUCache } from 'lru-cache';
import type { CapacityAccessOutput, DecayBand } from '../../engine/capacity.js';
import { capacityAccess, luoQiBands, spreadRatios } from '../../engine/capacity.js';
import { EngineInputError } from '../../engine/errors.js';
import type { PopulationBase, ResidentOrigin } from '../../engine/population-base.js';
import { thresholdsOf, travelMethodLabel } from '../../engine/travel/travel-cost.js';
import type { NeedBase, NeedRule, TravelModel } from '../../engine/types.js';
import { invalid } from '../../domain-error.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';

export interface CapacityRequest {
  code: string;
  model: TravelModel;
  /** Overrides the type's threshold. */
  thresholdMinutes?: number;
  /** 2SFCA demand base; default the need rule's base, else POPULATION. */
  demand?: NeedBase;
  /** Overrides the catalogue's need rule. */
  needRule?: NeedRule | null;
  /** E2SFCA with Luo & Qi's three bands (1, 0.68, 0.22), or given bands; default plain 2SFCA. */
  decay?: 'NONE' | 'LUO_QI' | readonly DecayBand[];
}

/** The settings an analysis ran with (stated in every answer). */
export interface CapacitySettings {
  code: string;
  thresholdMinutes: number;
  demand: NeedBase;
  needRule: NeedRule | null;
  bands: readonly DecayBand[] | null;
  method: string;
}

export interface PointLoad {
  servicePoint: ServicePoint;
  capacity: number;
  demandInCatchment: number;
  ratio: number;
}

/** A point load as it crosses a thread (the analysis workers): the point by id, resolved on the snapshot. */
export interface PointLoadRow {
  servicePointId: string;
  capacity: number;
  demandInCatchment: number;
  ratio: number;
}

export interface AreaCapacity {
  level: 'MUNICIPALITY' | 'COUNTY';
  areaCode: string;
  /** Demand of the area's residents (the demand base). */
  demand: number;
  /** Residents × placesPer100 / 100 of the need rule's base; null without a rule. */
  need: number | null;
  /** Capacity of the type's points located in the area (by the point's municipality code). */
  placesInside: number;
  /** Σ demand × A_i over the area's residents: the places its residents reach, each place counted once. */
  placesReachable: number;
  /** need − placesReachable (negative: surplus); null without a need rule. */
  shortfall: number | null;
  /** Demand-weighted mean A_i (places per unit of demand); null when the area has no demand. */
  meanAccess: number | null;
  populationBase: PopulationBase;
}

/**
 * What `capacityAccess` answers, as plain data (the analysis-worker job `capacityAccess` returns it):
 * the settings, the loads of the points serving the residents (points by id) and the per-area rows.
 */
export interface CapacityAccessAnswer {
  settings: CapacitySettings;
  points: PointLoadRow[];
  areas: AreaCapacity[];
}

export interface CapacityAnalysis {
  settings: CapacitySettings;
  result: CapacityAccessOutput;
  /** Demand per resident origin. */
  demand: Float64Array;
}

const VALUE: Record<NeedBase, (o: ResidentOrigin) => number> = {
  POPULATION: (o) => o.population,
  AGE_65_PLUS: (o) => o.population65Plus ?? 0,
  AGE_80_PLUS: (o) => o.population80Plus ?? 0,
};

/** A resident's numbers of a base (0 where unknown). */
export const baseValue = (base: NeedBase, origin: ResidentOrigin): number => VALUE[base](origin);

const analyses = new WeakMap<AnalysisSnapshot, LRUCache<string, CapacityAnalysis>>();

/** The settings of a request: threshold, demand base, need rule and decay bands, checked. */
export function capacitySettings(snapshot: AnalysisSnapshot, request: CapacityRequest): CapacitySettings {
  const type = snapshot.engine.serviceType(request.code);
  const { thresholdMinutes } = thresholdsOf(snapshot.engine, request.code, {
    thresholdMinutes: request.thresholdMinutes,
  });
  const needRule = request.needRule === undefined ? (type.needRule ?? null) : request.needRule;
  if (needRule !== null && !(needRule.placesPer100 >= 0 && Number.isFinite(needRule.placesPer100)))
    throw invalid('need.placesPer100 must be a number ≥ 0', 'need');
  const demand = request.demand ?? needRule?.base ?? 'POPULATION';
  const bands =
    request.decay === undefined || request.decay === 'NONE'
      ? null
      : request.decay === 'LUO_QI'
        ? luoQiBands(thresholdMinutes)
        : [...request.decay];
  const travel = snapshot.residentTravel(request.model);
  const variant = bands
    ? `E2SFCA (Luo & Qi 2009) with weights ${bands.map((b) => `${b.weight} up to ${round(b.upToMinutes)} min`).join(', ')}`
    : '2SFCA (Luo & Wang 2003)';
  const origins =
    snapshot.grid.length > 0 ? 'grid cells where the grid covers, settlements elsewhere' : 'settlements';
  const method =
    `${variant}: R_j = capacity_j / Σ demand_k (t_kj ≤ ${round(thresholdMinutes)} min); A_i = Σ R_j (t_ij ≤ ${round(thresholdMinutes)} min); ` +
    `demand ${demand}, origins ${origins}; travel: ${travelMethodLabel(travel.method)}`;
  return { code: request.code, thresholdMinutes, demand, needRule, bands, method };
}

const round = (x: number) => Math.round(x * 100) / 100;

/** 2SFCA over every resident origin of the snapshot (cached per snapshot and settings). */
export function analyseCapacity(snapshot: AnalysisSnapshot, request: CapacityRequest): CapacityAnalysis {
  const settings = capacitySettings(snapshot, request);
  let cache = analyses.get(snapshot);
  if (!cache) {
    cache = new LRUCache({ max: 16 });
    analyses.set(snapshot, cache);
  }
  const m = request.model;
  const key = JSON.stringify([settings.code, settings.thresholdMinutes, settings.demand, settings.bands, m]);
  const cached = cache.get(key);
  if (cached) return cached;
  const origins = snapshot.residents().origins;
  const demand = Float64Array.from(origins, (o) => baseValue(settings.demand, o));
  const points = snapshot.engine.index(settings.code).points;
  const capacity = Float64Array.from(points, (p) => snapshot.pointsById.get(p.id)?.capacity ?? Number.NaN);
  let result: CapacityAccessOutput;
  try {
    result = capacityAccess({
      travel: snapshot.residentTravel(m),
      code: settings.code,
      demand,
      capacity,
      thresholdMinutes: settings.thresholdMinutes,
      bands: settings.bands,
    });
  } catch (error) {
    if (error instanceof EngineInputError) throw invalid(error.message, 'decay');
    throw error;
  }
  const analysis = { settings, result, demand };
  cache.set(key, analysis);
  return analysis;
}

/** The capacitated points with their loads; only those serving a resident in `residentIdx` when given. */
export function pointLoads(
  snapshot: AnalysisSnapshot,
  analysis: CapacityAnalysis,
  residentIdx: readonly number[] | null,
): PointLoad[] {
  const points = snapshot.engine.index(analysis.settings.code).points;
  let inArea: Uint8Array | null = null;
  if (residentIdx !== null) {
    inArea = new Uint8Array(snapshot.residents().origins.length);
    for (const i of residentIdx) inArea[i] = 1;
  }
  const out: PointLoad[] = [];
  points.forEach((p, j) => {
    const catchment = analysis.result.catchments[j];
    if (!catchment) return;
    if (inArea !== null && !catchment.some((i) => inArea![i] === 1)) return;
    const servicePoint = snapshot.pointsById.get(p.id);
    if (!servicePoint) return;
    out.push({
      servicePoint,
      capacity: servicePoint.capacity ?? 0,
      demandInCatchment: analysis.result.demandInCatchment[j]!,
      ratio: analysis.result.ratio[j]!,
    });
  });
  return out;
}

/**
 * The whole `capacityAccess` answer for the residents `residentIdx` (every resident origin when null):
 * the 2SFCA (cached per snapshot and settings), the point loads and the per-area rows. Runs on the
 * analysis worker pool (src/workers/analysis-jobs.ts), or in-process when the pool is off.
 */
export function capacityAccessAnswer(
  snapshot: AnalysisSnapshot,
  request: CapacityRequest,
  residentIdx: readonly number[] | null,
): CapacityAccessAnswer {
  const analysis = analyseCapacity(snapshot, request);
  return {
    settings: analysis.settings,
    points: pointLoads(snapshot, analysis, residentIdx).map(({ servicePoint, ...load }) => ({
      servicePointId: servicePoint.id,
      ...load,
    })),
    areas: areaCapacities(snapshot, analysis, residentIdx),
  };
}

/**
 * Need, places inside, places reachable and shortfall per municipality and per county of the residents
 * `residentIdx` (every resident origin when null), municipalities first, each level by code.
 */
export function areaCapacities(
  snapshot: AnalysisSnapshot,
  analysis: CapacityAnalysis,
  residentIdx: readonly number[] | null,
): AreaCapacity[] {
  const { origins } = snapshot.residents();
  const { needRule } = analysis.settings;
  const idx = residentIdx ?? [...origins.keys()];
  const inside = new Map<string, number>();
  const points = snapshot.engine.index(analysis.settings.code).points;
  points.forEach((p, j) => {
    if (!analysis.result.catchments[j]) return;
    const m = p.municipalityCode;
    const capacity = snapshot.pointsById.get(p.id)?.capacity ?? 0;
    if (m === null) return;
    inside.set(m, (inside.get(m) ?? 0) + capacity);
    inside.set(m.slice(0, 2), (inside.get(m.slice(0, 2)) ?? 0) + capacity);
  });
  type Sums = { demand: number; needBase: number; reachable: number; grid: number; other: number };
  const levels = { MUNICIPALITY: new Map<string, Sums>(), COUNTY: new Map<string, Sums>() };
  for (const i of idx) {
    const o = origins[i]!;
    const codes = { MUNICIPALITY: o.municipalityCode, COUNTY: o.countyCode };
    for (const level of ['MUNICIPALITY', 'COUNTY'] as const) {
      const code = codes[level];
      if (code === null) continue;
      let sums = levels[level].get(code);
      if (!sums) {
        sums = { demand: 0, needBase: 0, reachable: 0, grid: 0, other: 0 };
        levels[level].set(code, sums);
      }
      const d = analysis.demand[i]!;
      sums.demand += d;
      sums.reachable += d * analysis.result.access[i]!;
      if (needRule) sums.needBase += baseValue(needRule.base, o);
      if (o.grid) sums.grid++;
      else sums.other++;
    }
  }
  const out: AreaCapacity[] = [];
  for (const level of ['MUNICIPALITY', 'COUNTY'] as const) {
    for (const [areaCode, s] of [...levels[level]].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const need = needRule ? (s.needBase * needRule.placesPer100) / 100 : null;
      out.push({
        level,
        areaCode,
        demand: s.demand,
        need,
        placesInside: inside.get(areaCode) ?? 0,
        placesReachable: s.reachable,
        shortfall: need === null ? null : need - s.reachable,
        meanAccess: s.demand > 0 ? s.reachable / s.demand : null,
        populationBase: s.other === 0 ? 'GRID' : s.grid === 0 ? 'SETTLEMENTS' : 'MIXED',
      });
    }
  }
  return out;
}

/**
 * A_i at every settlement of the snapshot (its own location, the ratios R_j of the resident analysis):
 * settlement-level answers stay per settlement, also where grid cells are the demand.
 */
export function settlementCapacityAccess(
  snapshot: AnalysisSnapshot,
  analysis: CapacityAnalysis,
  model: TravelModel,
): Float64Array {
  if (snapshot.grid.length === 0) return analysis.result.access;
  let cache = settlementSpread.get(analysis);
  if (!cache) {
    cache = spreadRatios(
      snapshot.travel(model),
      analysis.settings.code,
      analysis.result.ratio,
      analysis.settings.thresholdMinutes,
      analysis.settings.bands,
    );
    settlementSpread.set(analysis, cache);
  }
  return cache;
}
const settlementSpread = new WeakMap<CapacityAnalysis, Float64Array>();
