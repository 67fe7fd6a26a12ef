import type { AccessTable } from '../engine/access.js';
import { estimateTravelKm } from '../engine/travel.js';
import type { AccessMethod, EnginePoint } from '../engine/types.js';
import type { SettlementAccessInput } from './layer-features.js';

/**
 * The settlements layer's access input from an engine access table.
 * @param targets - the points the table's `pointIndex` refers to: `engine.index(serviceType).points`
 * @param method - ESTIMATED for the engine's straight-line estimate (travel km = straight km × circuity)
 * @example settlementAccessFromTable(table, engine.index('GROCERY').points)
 */
export function settlementAccessFromTable(
  table: AccessTable,
  targets: readonly EnginePoint[],
  method: AccessMethod = 'ESTIMATED',
): SettlementAccessInput {
  const n = table.pointIndex.length;
  const pointIds: (string | null)[] = new Array(n);
  const travelKm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const target = table.pointIndex[i]!;
    pointIds[i] = target >= 0 ? (targets[target]?.id ?? null) : null;
    travelKm[i] = target >= 0 ? estimateTravelKm(table.straightKm[i]!, table.model) : Number.NaN;
  }
  return {
    minutes: table.minutes,
    straightKm: table.straightKm,
    travelKm,
    pointIds,
    method,
    thresholdMinutes: table.thresholdMinutes,
  };
}
