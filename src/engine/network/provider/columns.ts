import type { AccessTable } from '../../access-table.js';
import type { TravelModel } from '../../types.js';
import { sharedFloat64, sharedInt32, sharedUint8 } from '../../columns.js';
import { ROW_ESTIMATED } from '../../travel/verdict.js';

/**
 * An empty NETWORK access table of `n` rows (k = 2: with second ranks). The columns live in shared memory:
 * an analysis worker hands them to the main thread without a copy (structured cloning shares a
 * SharedArrayBuffer), and both keep reading them; nothing writes to a table after the provider returns it.
 */
export function emptyNetworkTable(code: string, model: TravelModel, n: number, k: 1 | 2): AccessTable {
  const table: AccessTable = {
    serviceType: code,
    thresholdMinutes: 0,
    thresholdKm: null,
    model: { ...model },
    pointIndex: sharedInt32(n).fill(-1),
    straightKm: sharedFloat64(n).fill(Number.NaN),
    minutes: sharedFloat64(n).fill(Number.POSITIVE_INFINITY),
    travelKm: sharedFloat64(n).fill(Number.NaN),
    within: new Uint8Array(n),
    method: sharedUint8(n).fill(ROW_ESTIMATED),
    connectorKm: sharedFloat64(n).fill(Number.NaN),
    fallback: sharedUint8(n),
  };
  if (k === 2) {
    table.secondPointIndex = sharedInt32(n).fill(-1);
    table.secondStraightKm = sharedFloat64(n).fill(Number.NaN);
    table.secondMinutes = sharedFloat64(n).fill(Number.POSITIVE_INFINITY);
    table.secondTravelKm = sharedFloat64(n).fill(Number.NaN);
    table.secondConnectorKm = sharedFloat64(n).fill(Number.NaN);
  }
  return table;
}

/** Rows of a NETWORK table set back to what {@link emptyNetworkTable} holds (before they are read again). */
export function resetRows(table: AccessTable, rows: Int32Array, k: 1 | 2): void {
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    table.pointIndex[i] = -1;
    table.straightKm[i] = Number.NaN;
    table.minutes[i] = Number.POSITIVE_INFINITY;
    table.travelKm[i] = Number.NaN;
    table.method[i] = ROW_ESTIMATED;
    table.connectorKm![i] = Number.NaN;
    table.fallback![i] = 0;
    if (k === 2) {
      table.secondPointIndex![i] = -1;
      table.secondStraightKm![i] = Number.NaN;
      table.secondMinutes![i] = Number.POSITIVE_INFINITY;
      table.secondTravelKm![i] = Number.NaN;
      table.secondConnectorKm![i] = Number.NaN;
    }
  }
}
