import { samePoints } from '../../engine/network/provider/labels.js';
import { derivedEstimatedTable } from '../../engine/travel/estimated-delta.js';
import type { TravelModel } from '../../engine/types.js';
import type { AnalysisSnapshot } from './snapshot.js';

/**
 * What a new data version takes from the last one before anything is built: a write closing, opening or
 * moving a point changes one or two types' tables, not nine. Each type's k = 2 nearest table of the last
 * version is taken as it is when the type's points, the settlements (the same array: loadSnapshot's
 * `previous`), the network and the model are unchanged; under ESTIMATED a type with a few changed points
 * gets its table derived here (the rows whose nearest two include or included a changed point, by the
 * rule the ESTIMATED provider's withPoints derives scenarios by: engine/travel/estimated-delta.ts),
 * milliseconds for one point over 600k settlements. Under NETWORK a changed type is left to the analysis
 * pool, whose thread for that type holds the last version's labels and table and derives both
 * (NetworkTravelCost.acrossVersions). Returns the types taken and derived.
 */
export function carryOverTables(
  previous: AnalysisSnapshot | null,
  next: AnalysisSnapshot,
  model: TravelModel,
): { reused: string[]; derived: string[] } {
  const out = { reused: [] as string[], derived: [] as string[] };
  if (!previous || previous === next) return out;
  if (previous.settlementSource !== next.settlementSource) return out;
  if (previous.network !== next.network || previous.asOf !== next.asOf) return out;
  const [a, b] = [previous.networkOptions, next.networkOptions];
  if (a.maxSnapKm !== b.maxSnapKm || a.connectorKmh !== b.connectorKmh) return out;
  for (const type of next.catalogue) {
    const code = type.code;
    const table = previous.builtNearestTable(code);
    if (!table || next.hasNearestTable(code)) continue;
    const m = table.model;
    if (
      m.circuityFactor !== model.circuityFactor ||
      m.speedKmh !== model.speedKmh ||
      m.fixedMinutes !== model.fixedMinutes
    )
      continue;
    let before: AnalysisSnapshot['engine'];
    try {
      before = previous.engine;
      const was = before.serviceType(code);
      if (was.thresholdMinutes !== type.thresholdMinutes || was.thresholdKm !== type.thresholdKm) continue;
    } catch {
      continue; // a type the last version did not have
    }
    const oldIndex = before.index(code);
    const newPoints = next.engine.index(code).points;
    if (samePoints(oldIndex.points, newPoints)) {
      next.seedNearestTable(code, table);
      out.reused.push(code);
    } else if (next.network === null) {
      const base = { table, index: oldIndex };
      const derived = derivedEstimatedTable(base, next.settlements, next.engine, code, model);
      if (derived) {
        next.seedNearestTable(code, derived.table);
        out.derived.push(code);
      }
    }
  }
  return out;
}
