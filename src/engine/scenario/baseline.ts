import { AccessEngine, type AccessTable } from '../access.js';
import { UNKNOWN_AREA } from '../indicators.js';
import type { TravelCost } from '../travel/travel-cost.js';
import { EstimatedTravelCost } from '../travel/estimated.js';
import { applyThresholds } from '../travel/verdict.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef, TravelModel } from '../types.js';

import type { ScenarioBaseline, SettlementColumns } from './types.js';

/**
 * Computes what every scenario on the same settlements, points, catalogue and model reuses: one k = 2
 * access table per type (from the provider, which derives each scenario's nearest two from it through
 * withPoints, its derivation indexes built here too) and area memberships.
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
  for (const code of input.types) {
    tables.set(code, travel.table(code, { k: 2 }));
    if (travel instanceof EstimatedTravelCost) travel.prepareDerivations(code);
  }
  const areaMembers = { MUNICIPALITY: new Map<string, number[]>(), COUNTY: new Map<string, number[]>() };
  settlements.forEach((s, i) => {
    pushTo(areaMembers.MUNICIPALITY, s.municipalityCode ?? UNKNOWN_AREA, i);
    pushTo(areaMembers.COUNTY, s.countyCode ?? UNKNOWN_AREA, i);
  });
  return {
    settlements,
    points,
    catalogue,
    model,
    engine,
    travel,
    pointIds: new Set(points.map((p) => p.id)),
    tables,
    areaMembers,
    indicatorCache: new Map(),
    judgedTables: new Map(),
    columns: settlementColumns(settlements),
  };
}

function settlementColumns(settlements: readonly EngineSettlement[]): SettlementColumns {
  const n = settlements.length;
  const population = new Float64Array(n);
  const knows65Plus = new Uint8Array(n);
  const population65Plus = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = settlements[i]!;
    population[i] = s.population;
    knows65Plus[i] = s.population65Plus !== null ? 1 : 0;
    population65Plus[i] = s.population65Plus ?? 0;
  }
  return { population, knows65Plus, population65Plus };
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
