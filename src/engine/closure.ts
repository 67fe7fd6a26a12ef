import type { AccessTable } from './access.js';
import type { EngineSettlement } from './types.js';
import { applyThresholds } from './travel/verdict.js';

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
  if (
    table.secondPointIndex === undefined ||
    table.secondMinutes === undefined ||
    table.secondWithin === undefined
  ) {
    throw new RangeError('closureImpact needs second-nearest access: compute the access table with k: 2');
  }
  const n = settlements.length;
  if (table.pointIndex.length !== n) {
    throw new RangeError(`access table has ${table.pointIndex.length} rows for ${n} settlements`);
  }
  // The verdicts are the table's; another minutes threshold re-judges the same figures.
  const judged =
    thresholdMinutes === table.thresholdMinutes
      ? table
      : applyThresholds(table, thresholdMinutes, table.thresholdKm);
  const { pointIndex, within } = judged;
  const secondWithin = judged.secondWithin!;
  const byPoint = new Map<number, ClosureImpact>();
  for (let i = 0; i < n; i++) {
    const nearest = pointIndex[i]!;
    if (nearest < 0 || within[i] !== 1) continue;
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
    if (secondWithin[i] === 1) continue;
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
 * Whether the second-nearest point of origin i is within the table's thresholds (its verdict), i.e.
 * whether the origin keeps access if its nearest point closes.
 * @example secondWithinThreshold(computeAccessTable(settlements, engine, 'GROCERY', { k: 2 }), 0) // true
 */
export function secondWithinThreshold(table: AccessTable, i: number): boolean {
  if (table.secondWithin === undefined) {
    throw new RangeError('second-nearest access is missing: compute the access table with k: 2');
  }
  return table.secondWithin[i] === 1;
}
