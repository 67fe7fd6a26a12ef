import type { AccessEngine, AccessTable } from '../access.js';
import { distanceKmWithCos } from '../geodesic.js';
import type { FacilitySite, NodeLabels } from '../network/index.js';
import { resetRows } from '../network/provider/columns.js';
import type { SharedOrigins } from '../network/provider/shared.js';
import { type BaseTable, changedEdges, copyTable } from '../network/provider/tables.js';
import { pointRenumbering, renumber } from './estimated-delta.js';
import type { TravelModel } from '../types.js';
import { EstimatedTravelCost } from './estimated.js';
import { FALLBACK_SNAP_TOO_FAR, FALLBACK_UNREACHABLE, ROW_NETWORK } from './verdict.js';

/**
 * The row work of a NETWORK table (engine/travel/network.ts): after the labels were read into a table's
 * columns, each row's straight-line km and connectors and the estimate for the rows the network cannot
 * answer; and a table derived from the last data version's by reading again only the rows whose labels
 * changed.
 */

/** What the row work reads of the provider: the type's labels and sites, the origins and their snaps. */
export interface RowContext {
  code: string;
  engine: AccessEngine;
  model: TravelModel;
  origins: readonly { lon: number; lat: number }[];
  shared: SharedOrigins;
  labels: NodeLabels;
  sites: (FacilitySite | null)[];
  byEdge: Map<number, FacilitySite[]>;
}

/**
 * A k = 1 or 2 table derived from the last version's table of the type (same origins, a few points
 * closed, opened or moved): its columns copied, its point numbers renumbered, and only the rows of
 * origins on edges whose end labels changed (or that carry a closed or added site) read again, with
 * every row the network cannot answer. Null when the points were reordered (ties could differ) or when
 * most rows change.
 * Equal to a full table (test/engine/network/table-delta.test.ts).
 */
export function derivedTable(
  ctx: RowContext,
  base: BaseTable,
  k: 1 | 2,
  thresholds: { thresholdMinutes: number; thresholdKm: number | null },
): AccessTable | null {
  const { labels, sites, byEdge, code } = ctx;
  const points = ctx.engine.index(code).points;
  if (points.length === 0 || base.points.length === 0) return null;
  const renumbering = pointRenumbering(base.points, points);
  if (!renumbering) return null;
  const { oldToNew, added } = renumbering;
  const siteEdges: number[] = [];
  base.sites.forEach((site, f) => {
    if (site && oldToNew[f + 1] === -1) siteEdges.push(site.edge);
  });
  for (const j of added) {
    const site = sites[j];
    if (site) siteEdges.push(site.edge);
  }
  const onEdges = ctx.shared.originsOnEdges();
  const edges = changedEdges(onEdges, base.labels, labels, oldToNew, siteEdges);
  let changedOrigins = 0;
  for (const c of edges) changedOrigins += onEdges.blockStart[c + 1]! - onEdges.blockStart[c]!;
  // Most rows change (most points moved): one full read is cheaper than copying and patching.
  if (changedOrigins > ctx.origins.length / 2) return null;
  const table = copyTable(base.table);
  renumber(table.pointIndex, oldToNew);
  if (k === 2) renumber(table.secondPointIndex!, oldToNew);
  // The rows read again: those on changed edges, and every row the network could not answer before.
  const n = ctx.origins.length;
  const mark = new Uint8Array(n);
  const { blockStart, origin } = onEdges;
  for (const c of edges) for (let j = blockStart[c]!; j < blockStart[c + 1]!; j++) mark[origin[j]!] = 1;
  const fallback = base.table.fallback!;
  for (let i = 0; i < n; i++) if (fallback[i] !== 0 || base.table.method[i] !== ROW_NETWORK) mark[i] = 1;
  let count = 0;
  for (let i = 0; i < n; i++) count += mark[i]!;
  const rows = new Int32Array(count);
  count = 0;
  for (let i = 0; i < n; i++) if (mark[i] === 1) rows[count++] = i;
  // Those rows as a fresh table has them, then read from the labels.
  resetRows(table, rows, k);
  const scratchSecond = k === 2 ? null : ctx.shared.secondScratch(n);
  onEdges.accessOnEdges(labels, byEdge, edges, {
    minutes1: table.minutes,
    km1: table.travelKm,
    facility1: table.pointIndex,
    minutes2: table.secondMinutes ?? scratchSecond!.minutes,
    km2: table.secondTravelKm ?? scratchSecond!.km,
    facility2: table.secondPointIndex ?? scratchSecond!.facility,
  });
  finishRows(ctx, table, k, rows, thresholds);
  return table;
}

/**
 * After the labels were read into a table's rows (all, or `rows`): each NETWORK row's straight-line km
 * and connectors, and the rows the network cannot answer given the estimate, computed for them alone.
 */
export function finishRows(
  ctx: RowContext,
  table: AccessTable,
  k: 1 | 2,
  rows: Int32Array | null,
  thresholds: { thresholdMinutes: number; thresholdKm: number | null },
): void {
  const { thresholdMinutes, thresholdKm } = thresholds;
  const { sites, code } = ctx;
  const snaps = ctx.shared.originSnaps();
  // The type's point columns, cosines included, as its PointIndex keeps them.
  const { points, lons: pointLon, lats: pointLat, cosLats: pointCos } = ctx.engine.index(code);
  const { lons, lats } = ctx.shared.originCoordinates();
  const cosLat = ctx.shared.originCosLatitudes();
  const siteConnector = Float64Array.from(sites, (s) => (s === null ? Number.NaN : s.connectorKm));
  /** Rows the network cannot answer: they get the estimate, computed for them alone. */
  const fallbackRows: number[] = [];
  const count = rows === null ? ctx.origins.length : rows.length;
  for (let r = 0; r < count; r++) {
    const i = rows === null ? r : rows[r]!;
    const f1 = table.pointIndex[i]!;
    if (f1 < 0) {
      if (points.length > 0)
        table.fallback![i] = snaps.edge[i]! < 0 ? FALLBACK_SNAP_TOO_FAR : FALLBACK_UNREACHABLE;
      fallbackRows.push(i);
      table.minutes[i] = Number.POSITIVE_INFINITY;
      table.travelKm[i] = Number.NaN;
      if (k === 2) {
        table.secondPointIndex![i] = -1;
        table.secondMinutes![i] = Number.POSITIVE_INFINITY;
        table.secondTravelKm![i] = Number.NaN;
      }
      continue;
    }
    const lon = lons[i]!;
    const lat = lats[i]!;
    const originConnector = snaps.connectorKm[i]!;
    table.method[i] = ROW_NETWORK;
    const c = cosLat[i]!;
    table.straightKm[i] = distanceKmWithCos(lon, lat, c, pointLon[f1]!, pointLat[f1]!, pointCos[f1]!);
    table.connectorKm![i] = originConnector + siteConnector[f1]!;
    if (k === 2) {
      const f2 = table.secondPointIndex![i]!;
      if (f2 >= 0) {
        table.secondStraightKm![i] = distanceKmWithCos(
          lon,
          lat,
          c,
          pointLon[f2]!,
          pointLat[f2]!,
          pointCos[f2]!,
        );
        table.secondConnectorKm![i] = originConnector + siteConnector[f2]!;
      } else table.secondTravelKm![i] = Number.NaN;
    }
  }
  // The estimate for the fallback rows only (typically a few percent): an estimate of every origin
  // cost more than the network answer itself.
  if (fallbackRows.length > 0 && points.length > 0) {
    const subset = fallbackRows.map((i) => ctx.origins[i]!);
    const estimate = new EstimatedTravelCost(subset, ctx.engine, ctx.model).table(code, {
      thresholdMinutes,
      thresholdKm,
      k,
    });
    fallbackRows.forEach((i, j) => {
      table.pointIndex[i] = estimate.pointIndex[j]!;
      table.straightKm[i] = estimate.straightKm[j]!;
      table.minutes[i] = estimate.minutes[j]!;
      table.travelKm[i] = estimate.travelKm[j]!;
      if (k === 2) {
        table.secondPointIndex![i] = estimate.secondPointIndex![j]!;
        table.secondStraightKm![i] = estimate.secondStraightKm![j]!;
        table.secondMinutes![i] = estimate.secondMinutes![j]!;
        table.secondTravelKm![i] = estimate.secondTravelKm![j]!;
      }
    });
  }
}
