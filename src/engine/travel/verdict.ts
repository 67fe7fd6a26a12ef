import { uint8Column } from '../columns.js';
import type { AccessTable } from '../access-table.js';
import { estimateMinutes, estimateTravelKm } from './model.js';
import type { AccessMethod, AccessResult, TravelModel } from '../types.js';

/**
 * "Within reach", defined once: the verdict columns of an access table and how a single figure is
 * judged. Every analysis reads these verdicts (see travel-cost.ts for the seam they belong to).
 */

/** Per-row method codes of an access table's `method` column. */
export const ROW_ESTIMATED = 0;
export const ROW_NETWORK = 1;

/** Why a row of a NETWORK table fell back to the estimate (its `fallback` column; 0 = it did not). */
export const FALLBACK_REASONS: readonly (string | null)[] = [
  null,
  'the location is farther from any road than the snap limit',
  'no road connects the location to any open point of the type',
];
export const FALLBACK_SNAP_TOO_FAR = 1;
export const FALLBACK_UNREACHABLE = 2;

/** The method name of a row code. */
export function methodOf(code: number): AccessMethod {
  return code === ROW_NETWORK ? 'NETWORK' : 'ESTIMATED';
}

/**
 * The one definition of "within reach": minutes ≤ the minutes threshold (inclusive) and, when a km
 * threshold applies, travel km ≤ it. Unknown (NaN/Infinity) figures are never within.
 */
export function meetsThresholds(
  minutes: number,
  travelKm: number,
  thresholdMinutes: number,
  thresholdKm: number | null,
): boolean {
  return minutes <= thresholdMinutes && (thresholdKm === null || travelKm <= thresholdKm);
}

/**
 * The table with its thresholds set and its verdict columns (`within`, and `secondWithin` when it has a
 * second rank) computed from its minutes and travel km. The arrays of figures are shared, not copied.
 */
export function applyThresholds(
  table: AccessTable,
  thresholdMinutes: number,
  thresholdKm: number | null,
): AccessTable {
  const within = verdicts(table.pointIndex, table.minutes, table.travelKm, thresholdMinutes, thresholdKm);
  const out: AccessTable = { ...table, thresholdMinutes, thresholdKm, within };
  if (table.secondPointIndex && table.secondMinutes && table.secondTravelKm) {
    out.secondWithin = verdicts(
      table.secondPointIndex,
      table.secondMinutes,
      table.secondTravelKm,
      thresholdMinutes,
      thresholdKm,
    );
  }
  return out;
}

function verdicts(
  pointIndex: Int32Array,
  minutes: Float64Array,
  travelKm: Float64Array,
  thresholdMinutes: number,
  thresholdKm: number | null,
): Uint8Array {
  const n = pointIndex.length;
  const within = uint8Column(n);
  for (let i = 0; i < n; i++) {
    within[i] =
      pointIndex[i]! >= 0 && meetsThresholds(minutes[i]!, travelKm[i]!, thresholdMinutes, thresholdKm)
        ? 1
        : 0;
  }
  return within;
}

/** One ESTIMATED answer from a great-circle distance: the estimate's km and minutes and its verdict. */
export function estimatedAccess(
  serviceType: string,
  pointId: string,
  straightKm: number,
  model: TravelModel,
  thresholdMinutes: number,
  thresholdKm: number | null,
): AccessResult {
  const travelKm = estimateTravelKm(straightKm, model);
  const travelMinutes = estimateMinutes(straightKm, model);
  return {
    serviceType,
    pointId,
    straightLineKm: straightKm,
    travelKm,
    travelMinutes,
    method: 'ESTIMATED',
    thresholdMinutes,
    withinThreshold: meetsThresholds(travelMinutes, travelKm, thresholdMinutes, thresholdKm),
  };
}
