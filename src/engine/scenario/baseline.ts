import { AccessEngine, type AccessTable } from '../access.js';
import { writeUnitVector } from '../geodesic.js';
import { UNKNOWN_AREA } from '../indicators.js';
import { FarReachIndex } from '../scenario-reach.js';
import { PointIndex } from '../spatial-index.js';
import { straightLineKmWithin } from '../travel/model.js';
import type { TravelCost } from '../travel/travel-cost.js';
import { EstimatedTravelCost } from '../travel/estimated.js';
import { applyThresholds } from '../travel/verdict.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef, TravelModel } from '../types.js';

import type { ScenarioBaseline, SettlementColumns } from './types.js';

/**
 * Computes what every scenario on the same settlements, points, catalogue and model reuses: one k = 2
 * access table per type, the reverse lists point → settlements, a settlement index and area memberships.
 * @example
 * const baseline = prepareScenarioBaseline({ settlements, points, catalogue, types: ['GROCERY'], model });
 * evaluateScenario({ ...input, changes }, { baseline })
 */
export function prepareScenarioBaseline(input: {
  settlements: readonly EngineSettlement[];
  points: readonly EnginePoint[];
  catalogue: readonly ServiceTypeDef[];
  types: readonly string[];
  model: TravelModel;
  /**
   * The travel-cost provider over these settlements and points (default: ESTIMATED under `model`). A
   * NETWORK provider's scenarios are recomputed through it (strategy FULL).
   */
  travel?: TravelCost;
}): ScenarioBaseline {
  const { settlements, points, catalogue, model } = input;
  const engine = input.travel?.engine ?? new AccessEngine(points, catalogue);
  const travel = input.travel ?? new EstimatedTravelCost(settlements, engine, model);
  const tables = new Map<string, AccessTable>();
  const served = new Map<string, { start: Int32Array; settlements: Int32Array }>();
  const maxNearestKm = new Map<string, number>();
  const typePointsById = new Map<string, Map<string, number[]>>();
  const farReach = new Map<string, FarReachIndex>();
  const lons = Float64Array.from(settlements, (s) => s.lon);
  const lats = Float64Array.from(settlements, (s) => s.lat);
  for (const code of input.types) {
    const byId = new Map<string, number[]>();
    engine.index(code).points.forEach((p, pi) => {
      pushTo(byId, p.id, pi);
    });
    typePointsById.set(code, byId);
    const table = travel.table(code, { k: 2 });
    tables.set(code, table);
    served.set(code, servedLists(table, engine.index(code).size));
    let max = engine.index(code).size === 0 ? Number.POSITIVE_INFINITY : 0;
    for (const km of table.straightKm) if (km > max) max = km;
    maxNearestKm.set(code, max);
    if (engine.index(code).size > 0) {
      const cutoffKm = straightLineKmWithin(engine.serviceType(code).thresholdMinutes, model);
      farReach.set(code, new FarReachIndex(lons, lats, table.straightKm, table.pointIndex, cutoffKm));
    }
  }
  const areaMembers = { MUNICIPALITY: new Map<string, number[]>(), COUNTY: new Map<string, number[]>() };
  settlements.forEach((s, i) => {
    pushTo(areaMembers.MUNICIPALITY, s.municipalityCode ?? UNKNOWN_AREA, i);
    pushTo(areaMembers.COUNTY, s.countyCode ?? UNKNOWN_AREA, i);
  });
  const settlementIndex = new PointIndex(
    settlements.map((s) => ({
      id: s.id,
      name: s.name,
      lon: s.lon,
      lat: s.lat,
      serviceTypes: [],
      municipalityCode: null,
    })),
  );
  return {
    settlements,
    points,
    catalogue,
    model,
    engine,
    travel,
    pointIds: new Set(points.map((p) => p.id)),
    tables,
    served,
    maxNearestKm,
    farReach,
    settlementIndex,
    areaMembers,
    indicatorCache: new Map(),
    judgedTables: new Map(),
    typePointsById,
    columns: settlementColumns(settlements),
  };
}

function settlementColumns(settlements: readonly EngineSettlement[]): SettlementColumns {
  const n = settlements.length;
  const unit = new Float64Array(n * 3);
  const population = new Float64Array(n);
  const knows65Plus = new Uint8Array(n);
  const population65Plus = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = settlements[i]!;
    writeUnitVector(s.lon, s.lat, unit, i);
    population[i] = s.population;
    knows65Plus[i] = s.population65Plus !== null ? 1 : 0;
    population65Plus[i] = s.population65Plus ?? 0;
  }
  return { unit, population, knows65Plus, population65Plus };
}

/** CSR lists: for each point, the settlements whose nearest or second-nearest it is. */
function servedLists(table: AccessTable, pointCount: number): { start: Int32Array; settlements: Int32Array } {
  const start = new Int32Array(pointCount + 1);
  const first = table.pointIndex;
  const second = table.secondPointIndex!;
  for (let i = 0; i < first.length; i++) {
    if (first[i]! >= 0) start[first[i]! + 1]!++;
    if (second[i]! >= 0) start[second[i]! + 1]!++;
  }
  for (let p = 0; p < pointCount; p++) start[p + 1]! += start[p]!;
  const fill = start.slice(0, pointCount);
  const settlements = new Int32Array(start[pointCount]!);
  for (let i = 0; i < first.length; i++) {
    if (first[i]! >= 0) settlements[fill[first[i]!]!++] = i;
    if (second[i]! >= 0) settlements[fill[second[i]!]!++] = i;
  }
  return { start, settlements };
}

function pushTo(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** The baseline table of a type judged against a threshold override (cached per type and threshold). */
export function judgedBaseline(baseline: ScenarioBaseline, code: string, threshold: number): AccessTable {
  const table = baseline.tables.get(code)!;
  if (table.thresholdMinutes === threshold) return table;
  const key = `${code}|${threshold}`;
  let judged = baseline.judgedTables.get(key);
  if (judged === undefined) {
    judged = applyThresholds(table, threshold, table.thresholdKm);
    if (baseline.judgedTables.size >= 64) baseline.judgedTables.clear();
    baseline.judgedTables.set(key, judged);
  }
  return judged;
}
