import type { AccessTable } from '../access-table.js';
import { originColumns } from '../access.js';
import { FarReachIndex } from '../scenario-reach.js';

/**
 * What the ESTIMATED derivations (estimated-delta.ts) borrow from a base table, built once per table and
 * kept beside it (a WeakMap: gone with the table): which rows each point serves (for closures) and the
 * rows with wide second discs (for added points). A scenario baseline derives many times from the same
 * tables, so its provider builds them up front (EstimatedTravelCost.prepareDerivations).
 */

/** What a base table lends every derivation from it, built on first use (scenarios derive many times). */
interface BaseExtras {
  /** CSR lists: for each point, the rows whose nearest or second-nearest it is. */
  served?: { start: Int32Array; rows: Int32Array };
  /** The rows whose second is farther than a cutoff, by the box of their second disc. */
  far?: FarReachIndex;
}

const baseExtras = new WeakMap<AccessTable, BaseExtras>();

export function extrasOf(table: AccessTable): BaseExtras {
  let extras = baseExtras.get(table);
  if (extras === undefined) {
    extras = {};
    baseExtras.set(table, extras);
  }
  return extras;
}

/**
 * Builds, for a base table, what derivations from it reuse: the served lists, and with `origins` the index
 * of wide second discs (what many added points need). For a scenario baseline, once per data version.
 */
export function prepareDerivations(
  table: AccessTable,
  pointCount: number,
  origins: readonly { lon: number; lat: number }[],
): void {
  const extras = extrasOf(table);
  servedLists(table, pointCount, extras);
  if (table.secondStraightKm) farSeconds(table, origins, extras);
}

export function servedLists(
  table: AccessTable,
  pointCount: number,
  extras: BaseExtras,
): { start: Int32Array; rows: Int32Array } {
  if (extras.served !== undefined) return extras.served;
  const start = new Int32Array(pointCount + 1);
  const first = table.pointIndex;
  const second = table.secondPointIndex!;
  for (let i = 0; i < first.length; i++) {
    if (first[i]! >= 0) start[first[i]! + 1]!++;
    if (second[i]! >= 0) start[second[i]! + 1]!++;
  }
  for (let p = 0; p < pointCount; p++) start[p + 1]! += start[p]!;
  const fill = start.slice(0, pointCount);
  const rows = new Int32Array(start[pointCount]!);
  for (let i = 0; i < first.length; i++) {
    if (first[i]! >= 0) rows[fill[first[i]!]!++] = i;
    if (second[i]! >= 0) rows[fill[second[i]!]!++] = i;
  }
  extras.served = { start, rows };
  return extras.served;
}

/**
 * The rows whose second km exceeds a cutoff (the 90th percentile of a sample of the column: a radius
 * query of it around an added point reads the dense rows, the tree the few wide discs).
 */
export function farSeconds(
  table: AccessTable,
  origins: readonly { lon: number; lat: number }[],
  extras: BaseExtras,
): FarReachIndex {
  if (extras.far !== undefined) return extras.far;
  const secondKm = table.secondStraightKm!;
  const n = secondKm.length;
  const step = Math.max(1, Math.floor(n / 4096));
  const sample: number[] = [];
  for (let i = 0; i < n; i += step) if (Number.isFinite(secondKm[i]!)) sample.push(secondKm[i]!);
  sample.sort((a, b) => a - b);
  const cutoffKm = sample.length === 0 ? 0 : sample[Math.floor(sample.length * 0.9)]!;
  const { lon, lat } = originColumns(origins);
  extras.far = new FarReachIndex(lon, lat, secondKm, table.secondPointIndex!, cutoffKm);
  return extras.far;
}
