import { closureImpact } from '../../engine/closure.js';
import type { TravelModel } from '../../engine/types.js';
import { invalid } from '../../domain-error.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import type { Settlement } from '../settlements/settlement.repository.js';

export const DEFAULT_CLOSURE_COUNT = 20;
export const MAX_CLOSURE_COUNT = 500;

export interface ClosureImpactView {
  servicePoint: ServicePoint;
  settlementsLosingAccess: Settlement[];
  populationLosingAccess: number;
  /** Sum over the settlements losing access that know it; null when none of them does. */
  population65PlusLosingAccess: number | null;
}

/**
 * N-1 closure impact of the open points of a type, the most people losing access first (ties by the
 * point's position in the index). With an area, only points that are the nearest point of some
 * settlement of the area are listed; their impact counts every settlement, in the area or not (closing a
 * point affects all it serves). From the snapshot's cached k = 2 table: one pass, no SQL.
 */
export function closureImpactAmong(
  snapshot: AnalysisSnapshot,
  indices: readonly number[] | null,
  code: string,
  model: TravelModel,
  first: number | null | undefined,
): ClosureImpactView[] {
  const limit = first ?? DEFAULT_CLOSURE_COUNT;
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_CLOSURE_COUNT) {
    throw invalid(`first must be a whole number from 0 to ${MAX_CLOSURE_COUNT}`, 'first');
  }
  const table = snapshot.table(code, model);
  let allowed: Set<number> | null = null;
  if (indices !== null) {
    allowed = new Set();
    for (const i of indices) if (table.pointIndex[i]! >= 0) allowed.add(table.pointIndex[i]!);
  }
  const out: ClosureImpactView[] = [];
  for (const impact of closureImpact(snapshot.settlements, table)) {
    if (out.length >= limit) break;
    if (allowed !== null && !allowed.has(impact.pointIndex)) continue;
    const servicePoint = snapshot.pointAt(code, impact.pointIndex);
    if (servicePoint === null) continue;
    const settlements = impact.settlementIndices.map((i) => snapshot.settlements[i]!);
    const knows65Plus = settlements.some((s) => s.population65Plus !== null);
    out.push({
      servicePoint,
      settlementsLosingAccess: settlements,
      populationLosingAccess: impact.populationLosingAccess,
      population65PlusLosingAccess:
        settlements.length === 0 ? 0 : knows65Plus ? impact.population65PlusLosingAccess : null,
    });
  }
  return out;
}
