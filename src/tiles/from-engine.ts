import type { AccessTable } from '../engine/access.js';
import type { AccessMethod, EnginePoint } from '../engine/types.js';
import { methodOf, ROW_NETWORK } from '../engine/travel/verdict.js';
import type { SettlementAccessInput } from './layer-features.js';

/**
 * The settlements layer's access input from an engine access table: its figures, its verdicts and its
 * per-row methods, as the travel-cost provider filled them (nothing recomputed here).
 * @param targets - the points the table's `pointIndex` refers to: `engine.index(serviceType).points`
 * @example settlementAccessFromTable(table, engine.index('GROCERY').points)
 */
export function settlementAccessFromTable(
  table: AccessTable,
  targets: readonly EnginePoint[],
): SettlementAccessInput {
  const n = table.pointIndex.length;
  const pointIds: (string | null)[] = new Array(n);
  let anyNetwork = false;
  for (let i = 0; i < n; i++) {
    const target = table.pointIndex[i]!;
    pointIds[i] = target >= 0 ? (targets[target]?.id ?? null) : null;
    if (table.method[i] === ROW_NETWORK) anyNetwork = true;
  }
  const method: AccessMethod = anyNetwork ? 'NETWORK' : 'ESTIMATED';
  return {
    minutes: table.minutes,
    straightKm: table.straightKm,
    travelKm: table.travelKm,
    pointIds,
    method,
    rowMethods: anyNetwork ? Array.from(table.method, methodOf) : undefined,
    within: table.within,
    thresholdMinutes: table.thresholdMinutes,
  };
}
