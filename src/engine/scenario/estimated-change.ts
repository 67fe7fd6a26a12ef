import type { AccessTable } from '../access.js';
import { secondWithinThreshold } from '../closure.js';
import { distanceKm, EARTH_RADIUS_KM, writeUnitVector } from '../geodesic.js';
import type { FarReachIndex } from '../scenario-reach.js';
import { estimateMinutes, estimateTravelKm, straightLineKmWithin } from '../travel/model.js';
import { applyThresholds, ROW_ESTIMATED } from '../travel/verdict.js';
import type { EnginePoint } from '../types.js';

import type { AddedPoint, ScenarioBaseline, TypeContext } from './types.js';

/**
 * The ESTIMATED provider's incremental nearest for a scenario: which settlements a change can affect, and
 * their nearest two after it, from the baseline's k = 2 table and indexes (straight line × circuity: the
 * order by km is the order by minutes). Under NETWORK, the provider's withPoints derives road labels instead.
 */

/**
 * Nearest and second-nearest point after the changes for the affected settlements, from the baseline's
 * index: the 2 + c nearest (c = closed points of the type) hold the 2 nearest open ones; added points are
 * measured directly. Ranked by (km, id) like PointIndex, so it equals computeAccessTable on a rebuilt engine.
 */
export function nearestTwoAfter(
  ctx: TypeContext,
  before: AccessTable,
  affected: Int32Array,
  closedHere: ClosedPositions,
): { table: AccessTable; points: EnginePoint[] } {
  const { baseline, code, input } = ctx;
  const index = baseline.engine.index(code);
  const closedCount = closedHere.list.length;
  const added = input.changes.addPoints.filter((p) => p.serviceTypes.includes(code));
  const points: EnginePoint[] = [...index.points, ...added];
  const n = affected.length;
  const table: AccessTable = {
    serviceType: before.serviceType,
    thresholdMinutes: before.thresholdMinutes,
    thresholdKm: before.thresholdKm,
    model: before.model,
    pointIndex: new Int32Array(n).fill(-1),
    straightKm: new Float64Array(n).fill(Number.NaN),
    minutes: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
    travelKm: new Float64Array(n).fill(Number.NaN),
    within: new Uint8Array(n),
    method: new Uint8Array(n).fill(ROW_ESTIMATED),
    secondPointIndex: new Int32Array(n).fill(-1),
    secondStraightKm: new Float64Array(n).fill(Number.NaN),
    secondMinutes: new Float64Array(n).fill(Number.POSITIVE_INFINITY),
    secondTravelKm: new Float64Array(n).fill(Number.NaN),
  };
  const best: { pi: number; km: number }[] = [];
  const better = (a: { pi: number; km: number }, b: { pi: number; km: number }) =>
    a.km < b.km || (a.km === b.km && points[a.pi]!.id < points[b.pi]!.id);
  const offer = (pi: number, km: number) => {
    const entry = { pi, km };
    if (best.length < 2) best.push(entry);
    else if (better(entry, best[1]!)) best[1] = entry;
    else return;
    if (best.length === 2 && better(best[1]!, best[0]!)) best.reverse();
  };
  affected.forEach((i, j) => {
    const s = input.settlements[i]!;
    best.length = 0;
    const first = before.pointIndex[i]!;
    const second = before.secondPointIndex![i]!;
    if ((first < 0 || !closedHere.flags[first]) && (second < 0 || !closedHere.flags[second])) {
      // Neither of the two nearest closed: they stay the two nearest of the baseline's points.
      if (first >= 0) offer(first, before.straightKm[i]!);
      if (second >= 0) offer(second, before.secondStraightKm![i]!);
    } else {
      for (const neighbor of index.nearest(s.lon, s.lat, 2 + closedCount)) {
        if (!closedHere.flags[neighbor.index]) offer(neighbor.index, neighbor.km);
      }
    }
    added.forEach((p, a) => {
      offer(index.size + a, distanceKm(s.lon, s.lat, p.lon, p.lat));
    });
    const [nearest, next] = best;
    if (nearest !== undefined) {
      table.pointIndex[j] = nearest.pi;
      table.straightKm[j] = nearest.km;
      table.minutes[j] = estimateMinutes(nearest.km, input.model);
      table.travelKm[j] = estimateTravelKm(nearest.km, input.model);
    }
    if (next !== undefined) {
      table.secondPointIndex![j] = next.pi;
      table.secondStraightKm![j] = next.km;
      table.secondMinutes![j] = estimateMinutes(next.km, input.model);
      table.secondTravelKm![j] = estimateTravelKm(next.km, input.model);
    }
  });
  return { table: applyThresholds(table, before.thresholdMinutes, before.thresholdKm), points };
}

/** The closed points of one type: a flag per position in engine.index(type).points, and their positions. */
export interface ClosedPositions {
  flags: Uint8Array;
  /** Ascending positions. */
  list: number[];
}

export function closedPositions(ctx: TypeContext): ClosedPositions {
  const { baseline, code } = ctx;
  const flags = new Uint8Array(baseline.engine.index(code).size);
  const byId = baseline.typePointsById.get(code)!;
  const list: number[] = [];
  for (const id of ctx.closed) {
    for (const pi of byId.get(id) ?? []) {
      if (flags[pi] === 0) {
        flags[pi] = 1;
        list.push(pi);
      }
    }
  }
  list.sort((a, b) => a - b);
  return { flags, list };
}

/** Ascending indices of the settlements whose access or flags may change (see the file comment). */
export function affectedSettlements(
  ctx: TypeContext,
  before: AccessTable,
  threshold: number,
  closedHere: ClosedPositions,
): Int32Array {
  const { baseline, code, input } = ctx;
  const marks = new Uint8Array(input.settlements.length);
  const marked: number[] = [];
  const served = baseline.served.get(code)!;
  const pointIndex = before.pointIndex;
  const straightKm = before.straightKm;
  const secondIndex = before.secondPointIndex!;
  for (const pi of closedHere.list) {
    for (let r = served.start[pi]!; r < served.start[pi + 1]!; r++) {
      const i = served.settlements[r]!;
      // A closed second-nearest only matters while it is within reach (single point of failure appears).
      if (
        marks[i] === 0 &&
        (pointIndex[i] === pi || (secondIndex[i] === pi && secondWithinThreshold(before, i)))
      ) {
        marks[i] = 1;
        marked.push(i);
      }
    }
  }
  const added = input.changes.addPoints.filter((p) => p.serviceTypes.includes(code));
  if (added.length > 0) {
    const thresholdKm = straightLineKmWithin(threshold, input.model);
    const radius = Math.max(baseline.maxNearestKm.get(code)!, thresholdKm) * (1 + 1e-9) + 1e-9;
    const farReach = baseline.farReach.get(code);
    const unit = baseline.columns.unit;
    const settlements = input.settlements;
    const pointUnit = new Float64Array(3);
    for (const point of added) {
      writeUnitVector(point.lon, point.lat, pointUnit, 0);
      const px = pointUnit[0]!;
      const py = pointUnit[1]!;
      const pz = pointUnit[2]!;
      for (const i of reachCandidates(baseline, farReach, point, radius, thresholdKm)) {
        if (marks[i] === 1) continue;
        const nearestKm = pointIndex[i]! >= 0 ? straightKm[i]! : Number.POSITIVE_INFINITY;
        const reach = Math.max(nearestKm, thresholdKm) * (1 + 1e-9) + 1e-9;
        // A trigonometry-free necessary condition first: the chord between unit vectors never exceeds the
        // angle (km / R), so a chord beyond reach / R (with slack far above rounding) is out of reach.
        const dx = unit[i * 3]! - px;
        const dy = unit[i * 3 + 1]! - py;
        const dz = unit[i * 3 + 2]! - pz;
        const chordLimit = (reach / EARTH_RADIUS_KM) * (1 + 1e-9) + 1e-12;
        if (dx * dx + dy * dy + dz * dz > chordLimit * chordLimit) continue;
        const s = settlements[i]!;
        if (distanceKm(s.lon, s.lat, point.lon, point.lat) <= reach) {
          marks[i] = 1;
          marked.push(i);
        }
      }
    }
  }
  return Int32Array.from(marked).sort();
}

/**
 * Indices of a superset of the settlements within max(their nearest km, thresholdKm) (with the slack of the
 * caller's exact test) of an added point: those within the radius (≥ both) around it; with a far-reach
 * index, only those within max(its cutoff, thresholdKm) plus the far ones whose nearest disc holds it —
 * a settlement within its own nearest km but beyond the cutoff is far, one within the cutoff is in the
 * radius query. May repeat an index.
 */
function reachCandidates(
  baseline: ScenarioBaseline,
  farReach: FarReachIndex | undefined,
  point: AddedPoint,
  radius: number,
  thresholdKm: number,
): number[] {
  const { lon, lat } = point;
  // The boxes hold lon in [-180, 180]: other coordinates take the plain radius query.
  if (farReach === undefined || !(Math.abs(lon) <= 180 && Math.abs(lat) <= 90)) {
    return baseline.settlementIndex.candidateIndices(lon, lat, radius);
  }
  const nearRadius = Math.max(farReach.cutoffKm, thresholdKm) * (1 + 1e-9) + 1e-9;
  if (!(nearRadius < radius)) return baseline.settlementIndex.candidateIndices(lon, lat, radius);
  const near = baseline.settlementIndex.candidateIndices(lon, lat, nearRadius);
  for (const i of farReach.candidates(lon, lat)) near.push(i);
  return near;
}
