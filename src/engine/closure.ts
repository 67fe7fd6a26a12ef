import type { AccessTable } from './access.js';
import type { EngineSettlement } from './types.js';

/**
 * N-1 closure impact: for every service point, who becomes a service desert if that one point closes.
 *
 * With the nearest and second-nearest point of every settlement (an AccessTable computed with k = 2), this
 * is one pass over the settlements instead of one access recompute per point: if point P closes, only the
 * settlements whose nearest is P change, and their new nearest is their old second nearest. They lose
 * access exactly when they were within the threshold and the second nearest is beyond it (or absent).
 */

export interface ClosureImpact {
  /** Index into the engine's point list for the type (AccessTable.pointIndex values). */
  pointIndex: number;
  /** Settlements that would become deserts, ascending. */
  settlementIndices: number[];
  populationLosingAccess: number;
  /** Unknown 65+ populations count as 0. */
  population65PlusLosingAccess: number;
}

/**
 * Closure impact of every point that is the nearest point of some settlement within the threshold, ranked
 * by population losing access (descending), ties by pointIndex. Points whose settlements all have a second
 * point within reach are listed with 0; points that are nobody's nearest are not listed (closing them
 * changes no one's access). The thresholds are the table's (minutes, overridable here, and km when the
 * type has one), as in isDesert. O(settlements + points listed · log). Throws a RangeError when the table
 * has no second-nearest access (compute it with k: 2) or does not match the settlements.
 * @example
 * closureImpact(settlements, computeAccessTable(settlements, engine, 'GROCERY', { k: 2 }), 10)[0]
 * // { pointIndex: 17, settlementIndices: [3, 4], populationLosingAccess: 420, population65PlusLosingAccess: 130 }
 */
export function closureImpact(
  settlements: readonly EngineSettlement[],
  table: AccessTable,
  thresholdMinutes: number = table.thresholdMinutes,
): ClosureImpact[] {
  const { pointIndex, minutes, straightKm, secondMinutes, secondStraightKm } = table;
  if (secondMinutes === undefined || secondStraightKm === undefined) {
    throw new RangeError('closureImpact needs second-nearest minutes: compute the access table with k: 2');
  }
  const n = settlements.length;
  if (pointIndex.length !== n) {
    throw new RangeError(`access table has ${pointIndex.length} rows for ${n} settlements`);
  }
  const kmLimit = table.thresholdKm ?? null;
  const circuity = table.model.circuityFactor;
  const byPoint = new Map<number, ClosureImpact>();
  for (let i = 0; i < n; i++) {
    const nearest = pointIndex[i]!;
    if (nearest < 0 || !meets(minutes[i]!, straightKm[i]!, thresholdMinutes, kmLimit, circuity)) continue;
    let impact = byPoint.get(nearest);
    if (impact === undefined) {
      impact = {
        pointIndex: nearest,
        settlementIndices: [],
        populationLosingAccess: 0,
        population65PlusLosingAccess: 0,
      };
      byPoint.set(nearest, impact);
    }
    if (meets(secondMinutes[i]!, secondStraightKm[i]!, thresholdMinutes, kmLimit, circuity)) continue;
    const settlement = settlements[i]!;
    impact.settlementIndices.push(i);
    impact.populationLosingAccess += settlement.population;
    impact.population65PlusLosingAccess += settlement.population65Plus ?? 0;
  }
  return [...byPoint.values()].sort(
    (a, b) => b.populationLosingAccess - a.populationLosingAccess || a.pointIndex - b.pointIndex,
  );
}

/**
 * Whether the second-nearest point of origin i meets the table's thresholds (minutes and, when the table
 * has one, travel km), i.e. whether the origin keeps access if its nearest point closes.
 * @example secondWithinThreshold(computeAccessTable(settlements, engine, 'GROCERY', { k: 2 }), 0) // true
 */
export function secondWithinThreshold(table: AccessTable, i: number): boolean {
  const { secondMinutes, secondStraightKm, secondPointIndex } = table;
  if (secondMinutes === undefined || secondStraightKm === undefined || secondPointIndex === undefined) {
    throw new RangeError('second-nearest access is missing: compute the access table with k: 2');
  }
  if (secondPointIndex[i]! < 0) return false;
  return meets(
    secondMinutes[i]!,
    secondStraightKm[i]!,
    table.thresholdMinutes,
    table.thresholdKm ?? null,
    table.model.circuityFactor,
  );
}

/** The thresholds of isDesert: minutes ≤ limit and, with a km limit, travel km (straight × circuity) ≤ it. */
function meets(
  minutes: number,
  straightKm: number,
  limit: number,
  kmLimit: number | null,
  circuity: number,
): boolean {
  return minutes <= limit && (kmLimit === null || straightKm * circuity <= kmLimit);
}
