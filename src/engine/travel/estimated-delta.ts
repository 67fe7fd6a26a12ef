import type { AccessTable } from '../access-table.js';
import { type AccessEngine, emptyColumns } from '../access.js';
import { distanceKm } from '../geodesic.js';
import type { PointIndex } from '../spatial-index.js';
import type { EnginePoint, TravelModel } from '../types.js';
import { estimateMinutes, estimateTravelKm, reachRadiusKm, searchRadiusKm } from './model.js';
import { extrasOf, farSeconds, servedLists } from './delta-indexes.js';
import { applyThresholds, meetsThresholds, ROW_ESTIMATED } from './verdict.js';

/**
 * The ESTIMATED provider's incremental nearest: a k = 2 table over other points (a scenario's, the next
 * data version's) derived from a table over the points before, the origins unchanged. Under the estimate
 * a row's nearest two can only change when one of them closes (or moves away) or when a new point comes
 * at least as near as its second, so only those rows are searched again; the others keep their figures.
 * What a change costs is then the rows it touches — a write at country scale, a scenario of a few
 * hundred points — not a nearest search over every origin. One rule for both callers: the provider's
 * withPoints (scenarios, estimated.ts) and the next data version (modules/access/next-version.ts).
 */

/**
 * oldToNew[f + 1] = the new number of old point f (−1: closed or moved; −1 → −1), and the new numbers of
 * the points that are new (opened or moved here: a point is its id at its place); null when the kept
 * points change their relative order (ties would then resolve differently) or an id repeats (the mapping
 * would be ambiguous): build in full. Ids are matched, places compared as numbers (no string keys: this
 * runs per type for every scenario). A scenario's points (AccessEngine.withChanges) are the same objects
 * in the same order, some left out and some appended: matched by reference first, without hashing.
 * @example pointRenumbering([a, b, c], [a, c, d]) // { oldToNew: [-1, 0, -1, 1], added: [2] }
 */
export function pointRenumbering(
  oldPoints: readonly EnginePoint[],
  newPoints: readonly EnginePoint[],
): { oldToNew: Int32Array; added: Int32Array } | null {
  return sameObjectsRenumbering(oldPoints, newPoints) ?? renumberingById(oldPoints, newPoints);
}

/**
 * The renumbering when the new points are the old objects in order with some left out and the rest
 * appended; null when they are not (another order, an old object among the appended) or when many old
 * points find no partner (other objects for the same points: a data version's, matched by id instead).
 */
function sameObjectsRenumbering(
  oldPoints: readonly EnginePoint[],
  newPoints: readonly EnginePoint[],
): { oldToNew: Int32Array; added: Int32Array } | null {
  const oldToNew = new Int32Array(oldPoints.length + 1).fill(-1);
  let j = 0;
  let unmatched = 0;
  for (let f = 0; f < oldPoints.length; f++) {
    if (j < newPoints.length && oldPoints[f] === newPoints[j]) oldToNew[f + 1] = j++;
    else if (++unmatched > Math.max(16, oldPoints.length / 16)) return null; // other objects: by id
  }
  if (2 * j < oldPoints.length) return null; // few old points (other objects?): by id
  if (unmatched > 0 && j < newPoints.length) {
    const appended = new Set(newPoints.slice(j));
    for (let f = 0; f < oldPoints.length; f++) {
      if (oldToNew[f + 1] === -1 && appended.has(oldPoints[f]!)) return null;
    }
  }
  const added = new Int32Array(newPoints.length - j);
  for (let a = 0; a < added.length; a++) added[a] = j + a;
  return { oldToNew, added };
}

function renumberingById(
  oldPoints: readonly EnginePoint[],
  newPoints: readonly EnginePoint[],
): { oldToNew: Int32Array; added: Int32Array } | null {
  const newIndex = new Map<string, number>();
  for (let j = 0; j < newPoints.length; j++) newIndex.set(newPoints[j]!.id, j);
  if (newIndex.size !== newPoints.length) return null;
  const oldToNew = new Int32Array(oldPoints.length + 1).fill(-1);
  const kept = new Uint8Array(newPoints.length);
  let last = -1;
  for (let f = 0; f < oldPoints.length; f++) {
    const p = oldPoints[f]!;
    const j = newIndex.get(p.id);
    if (j === undefined) continue;
    const q = newPoints[j]!;
    if (q.lon !== p.lon || q.lat !== p.lat) continue; // moved: closed here, added there
    if (j <= last) return null;
    last = j;
    oldToNew[f + 1] = j;
    kept[j] = 1;
  }
  const added: number[] = [];
  for (let j = 0; j < newPoints.length; j++) if (kept[j] === 0) added.push(j);
  return { oldToNew, added: Int32Array.from(added) };
}

/** A facility column renumbered in place (old f → oldToNew[f + 1]). */
export function renumber(column: Int32Array, oldToNew: Int32Array): void {
  for (let i = 0; i < column.length; i++) column[i] = oldToNew[column[i]! + 1]!;
}

/** What a derivation starts from: an ESTIMATED k = 2 table and the index of the points it numbers. */
export interface NearestTwoBase {
  table: AccessTable;
  index: PointIndex;
}

/**
 * The rows searched again: ascending origin indices, and their new nearest two (row r = origin rows[r]).
 * Every row whose nearest point or whose verdicts (within, second within) may differ is among them; a row
 * whose second only gives way to a farther point while both are beyond the thresholds is not (nothing a
 * verdict reads changes), so its second there is the parent's, not the new one.
 */
export interface NearestTwoRows {
  rows: Int32Array;
  /** Numbered in the new points, judged against the thresholds asked for. */
  table: AccessTable;
}

/** The thresholds a derived table is judged against. */
export interface Thresholds {
  thresholdMinutes: number;
  thresholdKm: number | null;
}

/**
 * Up to these changes a searched row keeps its two of the base when neither closed or asks the old index
 * for its 2 + c nearest (c = closed points), and measures the added points one by one: no index to build
 * (at 100k origins over 2.8k points, 2 + 16 nearest per row cost more than building the new index).
 * Beyond, the new points' index (a few ms to build for thousands of points) answers each row.
 */
const MAX_CLOSED_FOR_OLD_INDEX = 8;
const MAX_ADDED_FOR_OLD_INDEX = 8;
/**
 * Added points up to which each is tested against every origin (a latitude test rules out most): a
 * write's one or two points. Beyond, or when the base has them already (a scenario baseline), a radius
 * query on the origins and an index of the wide second discs (built once per base table).
 */
const MAX_ADDED_FOR_SCAN = 4;
/**
 * The share of rows beyond which one full search is built instead (most rows change). A row searched on
 * its own costs about four of the bulk search's (measured at 100k origins over 2.8k points), so between a
 * quarter and a half deriving may cost up to twice a full build — bounded, and a scenario reads only the
 * searched rows where a full build would make it read every row.
 */
const MAX_SHARE_SEARCHED = 1 / 2;

/**
 * The rows of `code` whose nearest point or verdicts under `thresholds` may differ over `engine`'s points
 * from `base`'s (see NearestTwoRows), searched again exactly (the same km and tie-break by id as the bulk
 * search: equal to computeAccessTable on those rows) — a scenario's question. Null
 * when it cannot be derived — a NETWORK or k = 1 base, fewer than two points, reordered points — or when
 * most rows would be searched again (the change is measured, not counted: one full search is then
 * cheaper than row by row). `originIndex` (the provider's, shared) answers radius queries for many added
 * points.
 */
export function nearestTwoRows(
  base: NearestTwoBase,
  origins: readonly { lon: number; lat: number }[],
  engine: AccessEngine,
  code: string,
  model: TravelModel,
  thresholds: Thresholds,
  originIndex?: () => PointIndex,
): NearestTwoRows | null {
  const found = searchAgain(base, origins, engine, code, model, originIndex, thresholds);
  if (!found) return null;
  return {
    rows: found.rows,
    table: applyThresholds(found.table, thresholds.thresholdMinutes, thresholds.thresholdKm),
  };
}

/**
 * The whole k = 2 table of `code` over `engine`'s points, derived from `base`: its columns copied and
 * renumbered, the rows whose nearest two may differ searched again and written over. Null as for
 * nearestTwoRows.
 * Equal to computeAccessTable (test/engine/travel/estimated-delta.test.ts).
 */
export function derivedEstimatedTable(
  base: NearestTwoBase,
  origins: readonly { lon: number; lat: number }[],
  engine: AccessEngine,
  code: string,
  model: TravelModel,
  thresholds: Thresholds = base.table,
  originIndex?: () => PointIndex,
): { table: AccessTable; rows: number } | null {
  const found = searchAgain(base, origins, engine, code, model, originIndex, null);
  if (!found) return null;
  const { rows, table: patch, oldToNew } = found;
  const from = base.table;
  const pointIndex = from.pointIndex.slice();
  const secondPointIndex = from.secondPointIndex!.slice();
  renumber(pointIndex, oldToNew);
  renumber(secondPointIndex, oldToNew);
  const table: AccessTable = {
    ...from,
    model: { ...from.model },
    pointIndex,
    straightKm: from.straightKm.slice(),
    minutes: from.minutes.slice(),
    travelKm: from.travelKm.slice(),
    method: from.method.slice(),
    secondPointIndex,
    secondStraightKm: from.secondStraightKm!.slice(),
    secondMinutes: from.secondMinutes!.slice(),
    secondTravelKm: from.secondTravelKm!.slice(),
  };
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    table.pointIndex[i] = patch.pointIndex[r]!;
    table.straightKm[i] = patch.straightKm[r]!;
    table.minutes[i] = patch.minutes[r]!;
    table.travelKm[i] = patch.travelKm[r]!;
    table.secondPointIndex![i] = patch.secondPointIndex![r]!;
    table.secondStraightKm![i] = patch.secondStraightKm![r]!;
    table.secondMinutes![i] = patch.secondMinutes![r]!;
    table.secondTravelKm![i] = patch.secondTravelKm![r]!;
  }
  return {
    table: applyThresholds(table, thresholds.thresholdMinutes, thresholds.thresholdKm),
    rows: rows.length,
  };
}

/**
 * The rows to search again and their new nearest two (unjudged), with the renumbering: with `verdicts`,
 * the rows whose nearest or verdicts under them may differ; without, every row whose nearest two may.
 */
function searchAgain(
  base: NearestTwoBase,
  origins: readonly { lon: number; lat: number }[],
  engine: AccessEngine,
  code: string,
  model: TravelModel,
  originIndex: (() => PointIndex) | undefined,
  verdicts: Thresholds | null,
): { rows: Int32Array; table: AccessTable; oldToNew: Int32Array } | null {
  const from = base.table;
  const n = origins.length;
  if (!from.secondPointIndex || !from.secondStraightKm || from.pointIndex.length !== n) return null;
  if (from.connectorKm || from.fallback) return null; // a NETWORK table
  const oldPoints = base.index.points;
  const points = engine.pointsOf(code);
  if (oldPoints.length < 2 || points.length < 2) return null;
  const renumbering = pointRenumbering(oldPoints, points);
  if (!renumbering) return null;
  const { oldToNew, added } = renumbering;
  if (added.length === 0 && points.length === oldPoints.length) {
    return { rows: new Int32Array(0), table: emptyRows(from, 0), oldToNew }; // nothing changed
  }
  const rows = rowsToSearch(base, origins, points, oldToNew, added, originIndex, model, verdicts);
  if (rows.length > n * MAX_SHARE_SEARCHED) return null;
  return { rows, table: nearestTwoOf(base, origins, engine, code, model, rows, oldToNew, added), oldToNew };
}

/**
 * Ascending rows whose nearest two may differ: a closed (or moved-away) point among their two (the base's
 * served lists), or an added point at most as far as their second (with a hair of slack: an extra row
 * searched again is harmless). With `verdicts`, not a row whose second closes while beyond them, nor one
 * an added point comes nearer than its second but farther than its first and beyond the reach radius:
 * the new second is then beyond too, as the old one was (searching these rural rows again, with their
 * wide candidate boxes, was most of a small scenario's cost).
 */
function rowsToSearch(
  base: NearestTwoBase,
  origins: readonly { lon: number; lat: number }[],
  points: readonly EnginePoint[],
  oldToNew: Int32Array,
  added: Int32Array,
  originIndex: (() => PointIndex) | undefined,
  model: TravelModel,
  verdicts: Thresholds | null,
): Int32Array {
  const n = origins.length;
  const marks = new Uint8Array(n);
  const marked: number[] = [];
  const mark = (i: number) => {
    if (marks[i] === 0) {
      marks[i] = 1;
      marked.push(i);
    }
  };
  const table = base.table;
  const extras = extrasOf(table);
  const size = base.index.size;
  const first = table.pointIndex;
  const second = table.secondPointIndex!;
  /** Whether a row's second may be passed over: another kept or added point beyond the verdicts. */
  const secondBeyond = (i: number) =>
    verdicts !== null &&
    !meetsThresholds(
      table.secondMinutes![i]!,
      table.secondTravelKm![i]!,
      verdicts.thresholdMinutes,
      verdicts.thresholdKm,
    );
  if (points.length - added.length < size) {
    const served = servedLists(table, size, extras);
    for (let f = 0; f < size; f++) {
      if (oldToNew[f + 1]! >= 0) continue;
      for (let r = served.start[f]!; r < served.start[f + 1]!; r++) {
        const i = served.rows[r]!;
        if (first[i] === f || oldToNew[first[i]! + 1]! < 0 || !secondBeyond(i)) mark(i);
      }
    }
  }
  // A row without a second (fewer than two points in reach of the bulk search) takes any added point.
  const firstKm = table.straightKm;
  const secondKm = table.secondStraightKm!;
  const reachKm =
    verdicts === null
      ? Number.POSITIVE_INFINITY
      : searchRadiusKm(reachRadiusKm(verdicts.thresholdMinutes, model, verdicts.thresholdKm));
  const limitOf = (i: number) =>
    second[i]! < 0
      ? Number.POSITIVE_INFINITY
      : secondBeyond(i)
        ? Math.min(secondKm[i]!, Math.max(firstKm[i]!, reachKm))
        : secondKm[i]!;
  const near = (i: number, q: EnginePoint) => {
    const o = origins[i]!;
    return distanceKm(o.lon, o.lat, q.lon, q.lat) <= limitOf(i) + 1e-9;
  };
  const indexed =
    added.length > 0 && originIndex && (extras.far !== undefined || added.length > MAX_ADDED_FOR_SCAN);
  const far = indexed ? farSeconds(base.table, origins, extras) : null;
  // Latitude alone rules out most rows of a scan (1° of latitude is ≥ 110.5 km along any meridian; a
  // margin keeps the test conservative).
  const KM_PER_DEGREE_LAT = 110;
  for (const j of added) {
    const q = points[j]!;
    // The boxes hold lon in [-180, 180]: a point given other coordinates is scanned.
    if (far !== null && Math.abs(q.lon) <= 180 && Math.abs(q.lat) <= 90) {
      const candidates = originIndex!().candidateIndices(q.lon, q.lat, far.cutoffKm * (1 + 1e-9) + 1e-9);
      for (const i of far.candidates(q.lon, q.lat)) candidates.push(i);
      for (const i of candidates) if (marks[i] === 0 && near(i, q)) mark(i);
      continue;
    }
    for (let i = 0; i < n; i++) {
      if (marks[i] === 1) continue;
      if (Math.abs(origins[i]!.lat - q.lat) * KM_PER_DEGREE_LAT > limitOf(i) + 1e-6) continue;
      if (near(i, q)) mark(i);
    }
  }
  return Int32Array.from(marked).sort();
}

/**
 * The nearest two over the new points of each row: after a small change, the row's two of the base when
 * neither closed, else the old index's 2 + c nearest (c = closed points; they hold the two nearest kept
 * ones), merged with the added points measured one by one; otherwise the new points' index. Ranked by
 * (km, id, new number) like PointIndex; the base's km are the bulk search's, the same haversine.
 */
function nearestTwoOf(
  base: NearestTwoBase,
  origins: readonly { lon: number; lat: number }[],
  engine: AccessEngine,
  code: string,
  model: TravelModel,
  rows: Int32Array,
  oldToNew: Int32Array,
  added: Int32Array,
): AccessTable {
  const points = engine.pointsOf(code);
  const closedCount = base.index.size - (points.length - added.length);
  const newIndex =
    closedCount <= MAX_CLOSED_FOR_OLD_INDEX && added.length <= MAX_ADDED_FOR_OLD_INDEX
      ? null
      : engine.index(code);
  const m = rows.length;
  const from = base.table;
  const table = emptyRows(from, m);
  let pi1 = -1;
  let km1 = Number.NaN;
  let pi2 = -1;
  let km2 = Number.NaN;
  const better = (pi: number, km: number, than: number, thanKm: number) =>
    than < 0 ||
    km < thanKm ||
    (km === thanKm &&
      (points[pi]!.id < points[than]!.id || (points[pi]!.id === points[than]!.id && pi < than)));
  const offer = (pi: number, km: number) => {
    if (better(pi, km, pi1, km1)) {
      pi2 = pi1;
      km2 = km1;
      pi1 = pi;
      km1 = km;
    } else if (better(pi, km, pi2, km2)) {
      pi2 = pi;
      km2 = km;
    }
  };
  for (let r = 0; r < m; r++) {
    const o = origins[rows[r]!]!;
    pi1 = pi2 = -1;
    km1 = km2 = Number.NaN;
    if (newIndex !== null) {
      for (const found of newIndex.nearest(o.lon, o.lat, 2)) offer(found.index, found.km);
    } else {
      const i = rows[r]!;
      const first = oldToNew[from.pointIndex[i]! + 1]!;
      const second = oldToNew[from.secondPointIndex![i]! + 1]!;
      if (first >= 0 && second >= 0) {
        // Neither of the two nearest closed: they stay the two nearest of the kept points.
        offer(first, from.straightKm[i]!);
        offer(second, from.secondStraightKm![i]!);
      } else {
        for (const found of base.index.nearest(o.lon, o.lat, 2 + closedCount)) {
          const j = oldToNew[found.index + 1]!;
          if (j >= 0) offer(j, found.km);
        }
      }
      for (const j of added) {
        const q = points[j]!;
        offer(j, distanceKm(o.lon, o.lat, q.lon, q.lat));
      }
    }
    if (pi1 >= 0) {
      table.pointIndex[r] = pi1;
      table.straightKm[r] = km1;
      table.minutes[r] = estimateMinutes(km1, model);
      table.travelKm[r] = estimateTravelKm(km1, model);
    }
    if (pi2 >= 0) {
      table.secondPointIndex![r] = pi2;
      table.secondStraightKm![r] = km2;
      table.secondMinutes![r] = estimateMinutes(km2, model);
      table.secondTravelKm![r] = estimateTravelKm(km2, model);
    }
  }
  return table;
}

/** A k = 2 ESTIMATED table of m rows without a point (the base's type, thresholds and model). */
function emptyRows(base: AccessTable, m: number): AccessTable {
  const second = emptyColumns(m);
  return {
    serviceType: base.serviceType,
    thresholdMinutes: base.thresholdMinutes,
    thresholdKm: base.thresholdKm,
    model: { ...base.model },
    ...emptyColumns(m),
    within: new Uint8Array(m),
    method: new Uint8Array(m).fill(ROW_ESTIMATED),
    secondPointIndex: second.pointIndex,
    secondStraightKm: second.straightKm,
    secondMinutes: second.minutes,
    secondTravelKm: second.travelKm,
  };
}
