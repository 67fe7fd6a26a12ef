import type { AccessTable } from '../../access-table.js';
import type { EnginePoint } from '../../types.js';
import type { NodeLabels } from '../dijkstra.js';
import type { FacilitySite } from '../origin-access.js';
import type { OriginsOnEdges } from '../origins-on-edges.js';
import type { SnappedOrigins } from './origin-snaps.js';

/**
 * The access tables a data version's NETWORK provider leaves for the next version (per network, as the
 * labels in labels.ts): the next version's table of a type is the same table when its points and origins
 * are unchanged, or is derived from it — only the rows of origins on edges whose end labels changed (or
 * that carry a closed or added site) are read again, plus the rows the network cannot answer.
 */

/** A type's table over a set of points and snapped origins, and the labels it was read from. */
export interface BaseTable {
  origins: SnappedOrigins;
  points: readonly EnginePoint[];
  sites: readonly (FacilitySite | null)[];
  labels: NodeLabels;
  table: AccessTable;
}

/**
 * Per snapped origin set (settlements and grid squares apart: each is snapped per network), by type,
 * network options, k, thresholds and model: the latest table of a data version.
 */
export const latestTables = new WeakMap<SnappedOrigins, Map<string, BaseTable>>();

/**
 * The compact edges (OriginsOnEdges) whose origins may read other figures under the new labels: those
 * ending at a node whose labels changed (facilities compared through the renumbering), and those carrying
 * a closed or an added site. Ascending, no repeats.
 */
export function changedEdges(
  onEdges: OriginsOnEdges,
  before: NodeLabels,
  after: NodeLabels,
  oldToNew: Int32Array,
  siteEdges: Iterable<number>,
): Int32Array {
  const mark = new Uint8Array(onEdges.edge.length);
  const { nodeStart, nodeEdges } = onEdges;
  const n = after.minutes1.length;
  const { minutes1: a1, km1: b1, facility1: c1, minutes2: a2, km2: b2, facility2: c2 } = before;
  const { minutes1: m1, km1: k1, facility1: f1, minutes2: m2, km2: k2, facility2: f2 } = after;
  for (let x = 0; x < n; x++) {
    if (nodeStart[x] === nodeStart[x + 1]) continue; // no origin on an edge ending here
    if (
      m1[x] !== a1[x] ||
      k1[x] !== b1[x] ||
      m2[x] !== a2[x] ||
      k2[x] !== b2[x] ||
      f1[x] !== oldToNew[c1[x]! + 1] ||
      f2[x] !== oldToNew[c2[x]! + 1]
    ) {
      for (let r = nodeStart[x]!; r < nodeStart[x + 1]!; r++) mark[nodeEdges[r]!] = 1;
    }
  }
  for (const e of siteEdges) {
    const c = onEdges.compactEdgeOf(e);
    if (c >= 0) mark[c] = 1;
  }
  let count = 0;
  for (let c = 0; c < mark.length; c++) count += mark[c]!;
  const out = new Int32Array(count);
  let k = 0;
  for (let c = 0; c < mark.length; c++) if (mark[c] === 1) out[k++] = c;
  return out;
}

/** A copy of a table's columns in new shared memory (the base table is never written: others read it). */
export function copyTable(table: AccessTable): AccessTable {
  const copy = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => {
    const Ctor = a.constructor as new (buffer: SharedArrayBuffer) => T;
    const out = new Ctor(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  const out: AccessTable = {
    ...table,
    model: { ...table.model },
    pointIndex: copy(table.pointIndex),
    straightKm: copy(table.straightKm),
    minutes: copy(table.minutes),
    travelKm: copy(table.travelKm),
    method: copy(table.method),
  };
  if (table.connectorKm) out.connectorKm = copy(table.connectorKm);
  if (table.fallback) out.fallback = copy(table.fallback);
  if (table.secondPointIndex) out.secondPointIndex = copy(table.secondPointIndex);
  if (table.secondStraightKm) out.secondStraightKm = copy(table.secondStraightKm);
  if (table.secondMinutes) out.secondMinutes = copy(table.secondMinutes);
  if (table.secondTravelKm) out.secondTravelKm = copy(table.secondTravelKm);
  if (table.secondConnectorKm) out.secondConnectorKm = copy(table.secondConnectorKm);
  return out;
}
