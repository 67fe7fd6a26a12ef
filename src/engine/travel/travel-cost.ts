import type { AccessEngine, AccessTable } from '../access.js';
import { EngineInputError } from '../errors.js';
import type { AccessMethod, AccessResult, EnginePoint, TravelModel } from '../types.js';
import { estimateMinutes, estimateTravelKm } from './model.js';
import type { ServiceAreaShape, ServiceAreaWindow } from './service-areas.js';
import { applyThresholds, FALLBACK_REASONS, methodOf, ROW_ESTIMATED } from './verdict.js';

/**
 * The travel-cost seam. Every analysis — access, deserts, indicators, gap flags, closures, scenarios,
 * site suggestions, tiles, hexagons, coverage, the CLI — reads its travel figures from an access table
 * filled by ONE provider, and its "within reach" from the table's verdict columns (verdict.ts), never
 * from a formula of its own. Two providers: ESTIMATED (straight line × circuity at a mean speed, from the
 * spatial index, estimated.ts) and NETWORK (the road network, network.ts), which falls back to the estimate
 * row by row where the network cannot reach and says so in the row's method and fallback reason.
 */

/** How a provider's method reads in an answer's `method` text. */
export function travelMethodLabel(method: AccessMethod): string {
  return method === 'NETWORK'
    ? 'NETWORK (road network; places it cannot reach estimated)'
    : 'ESTIMATED (straight line × circuity)';
}

/**
 * The same nearest points under another estimate model and thresholds: ESTIMATED rows get their minutes
 * and travel km from their straight-line km under `model`; NETWORK rows keep their road figures (the
 * network, not the model, decides them). The nearest points themselves do not change: under the estimate
 * minutes grow with km whatever the model, and a network's order does not depend on it.
 */
export function retime(
  table: AccessTable,
  model: TravelModel,
  thresholdMinutes: number,
  thresholdKm: number | null,
): AccessTable {
  const same =
    table.model.circuityFactor === model.circuityFactor &&
    table.model.speedKmh === model.speedKmh &&
    table.model.fixedMinutes === model.fixedMinutes;
  let out: AccessTable = { ...table, model: { ...model } };
  if (!same) {
    const first = retimeColumns(
      table.method,
      table.pointIndex,
      table.straightKm,
      table.minutes,
      table.travelKm,
      model,
    );
    out = { ...out, minutes: first.minutes, travelKm: first.travelKm };
    if (table.secondPointIndex && table.secondStraightKm && table.secondMinutes && table.secondTravelKm) {
      const second = retimeColumns(
        table.method,
        table.secondPointIndex,
        table.secondStraightKm,
        table.secondMinutes,
        table.secondTravelKm,
        model,
      );
      out.secondMinutes = second.minutes;
      out.secondTravelKm = second.travelKm;
    }
  }
  return applyThresholds(out, thresholdMinutes, thresholdKm);
}

function retimeColumns(
  method: Uint8Array,
  pointIndex: Int32Array,
  straightKm: Float64Array,
  minutes: Float64Array,
  travelKm: Float64Array,
  model: TravelModel,
): { minutes: Float64Array; travelKm: Float64Array } {
  const outMinutes = Float64Array.from(minutes);
  const outKm = Float64Array.from(travelKm);
  for (let i = 0; i < pointIndex.length; i++) {
    if (method[i] !== ROW_ESTIMATED || pointIndex[i]! < 0) continue;
    outMinutes[i] = estimateMinutes(straightKm[i]!, model);
    outKm[i] = estimateTravelKm(straightKm[i]!, model);
  }
  return { minutes: outMinutes, travelKm: outKm };
}

/**
 * Row i of an access table as an AccessResult (rank 1 = nearest, 2 = second nearest): the one place a
 * table row becomes an answer, so every API, tile and flag reports the same figures and method.
 * `points` are the points the table's pointIndex refers to (engine.index(type).points).
 */
export function accessResultAt(
  table: AccessTable,
  i: number,
  points: readonly EnginePoint[],
  rank: 1 | 2 = 1,
): AccessResult {
  const first = rank === 1;
  const pointIndex = first ? table.pointIndex : table.secondPointIndex;
  const straightKm = first ? table.straightKm : table.secondStraightKm;
  const minutes = first ? table.minutes : table.secondMinutes;
  const travelKm = first ? table.travelKm : table.secondTravelKm;
  const within = first ? table.within : table.secondWithin;
  if (!pointIndex || !straightKm || !minutes || !travelKm || !within) {
    throw new Error('accessResultAt: the table has no second rank (compute it with k: 2)');
  }
  const pi = pointIndex[i]!;
  const point = pi >= 0 ? points[pi]! : null;
  const method = methodOf(table.method[i]!);
  const connector = first ? table.connectorKm : table.secondConnectorKm;
  const reason = table.fallback ? FALLBACK_REASONS[table.fallback[i]!] : null;
  // One object shape for every row (absent figures are undefined, not missing): a page reads thousands.
  return {
    serviceType: table.serviceType,
    pointId: point?.id ?? null,
    straightLineKm: point === null ? null : straightKm[i]!,
    travelKm: point === null ? null : travelKm[i]!,
    travelMinutes: point === null ? null : minutes[i]!,
    method,
    thresholdMinutes: table.thresholdMinutes,
    withinThreshold: within[i] === 1,
    connectorKm: method === 'NETWORK' && point !== null && connector ? connector[i]! : undefined,
    fallbackReason: reason ?? undefined,
  };
}

/** Origins a new point would serve: indices into the provider's origins (ascending) with their figures. */
export interface Reach {
  index: Int32Array;
  minutes: Float64Array;
  travelKm: Float64Array;
  straightKm: Float64Array;
}

/** The thresholds of one type for one question. */
export interface ThresholdOptions {
  /** Overrides the type's minutes threshold. */
  thresholdMinutes?: number;
  /** Overrides the type's km threshold (null = none). */
  thresholdKm?: number | null;
}

/**
 * A travel-cost provider over one set of origins (the snapshot's settlements) and one set of open points
 * (the engine's indexes).
 */
export interface TravelCost {
  /** The provider's method (a NETWORK provider still reports ESTIMATED on its fallback rows). */
  readonly method: AccessMethod;
  /** The estimate's parameters (every row under ESTIMATED, fallback rows under NETWORK). */
  readonly model: TravelModel;
  readonly engine: AccessEngine;
  /** The origins the provider answers for (table rows and reach indices refer to them). */
  readonly origins: readonly { lon: number; lat: number }[];
  /** Nearest (and with k: 2 second-nearest) open point of a type for every origin, verdicts filled. */
  table(code: string, options?: ThresholdOptions & { k?: 1 | 2 }): AccessTable;
  /** The k nearest open points of a type from any location, by travel minutes, nearest first. */
  nearest(lon: number, lat: number, code: string, k: number, options?: ThresholdOptions): AccessResult[];
  /**
   * The origins a NEW point of a type at (lon, lat) would serve within the thresholds: the coverage of a
   * candidate site, the reach of a scenario's added point.
   */
  reach(lon: number, lat: number, code: string, options?: ThresholdOptions): Reach;
  /** The same provider over other open points (a scenario's or a candidate's point set). */
  withPoints(engine: AccessEngine): TravelCost;
  /**
   * Optional, for a provider made by withPoints: the origins (ascending) whose nearest point or verdicts
   * (within, second within, under the thresholds asked) may differ from the parent's k = 2 table of the
   * type, with their nearest two here (row r = origin rows[r], verdicts filled); every other origin keeps
   * the parent's nearest and verdicts (its second may give way to a farther one beyond the thresholds).
   * Null when it cannot tell (ask `table`). Absent = the provider cannot derive rows (NETWORK derives
   * whole labels instead).
   */
  nearestTwoChanges?(
    code: string,
    options?: ThresholdOptions,
  ): { rows: Int32Array; table: AccessTable } | null;
  /**
   * Optional: only the origins `reach` would return (any order), for bulk questions that need no figures
   * (2SFCA's catchments). Absent = `reach(…).index`.
   */
  catchment?(lon: number, lat: number, code: string, options?: ThresholdOptions): Int32Array;
  /**
   * Service areas (isochrones) of every open point of a type, or of one (`pointId`): one outline per
   * minutes value, ascending, nested — the places from which the service is reached within that time under
   * this provider, from one search (travel/service-areas.ts).
   */
  serviceAreas(
    code: string,
    minutes: readonly number[],
    options?: ServiceAreaRequestOptions,
  ): ServiceAreaShape[];
  /**
   * Optional diagnostics (tests, benches): how this provider made a type's road labels — a full search,
   * derived from the last version's, or reused — or null when it has not made them. Absent = no labels.
   */
  labelSourceOf?(code: string): 'FULL' | 'INCREMENTAL' | 'REUSED' | null;
}

/** Which part of a type's service areas to build. */
export interface ServiceAreaRequestOptions {
  /** One open point of the type (its id) instead of every point. */
  pointId?: string;
  /** Clip to a bbox and/or polygon. */
  window?: ServiceAreaWindow;
}

/** A type's thresholds with the overrides applied. */
export function thresholdsOf(
  engine: AccessEngine,
  code: string,
  options: ThresholdOptions = {},
): { thresholdMinutes: number; thresholdKm: number | null } {
  const type = engine.serviceType(code);
  const thresholdMinutes = options.thresholdMinutes ?? type.thresholdMinutes;
  if (!(thresholdMinutes > 0) || !Number.isFinite(thresholdMinutes)) {
    throw new EngineInputError(`thresholdMinutes must be a positive number, got ${thresholdMinutes}`);
  }
  const thresholdKm = options.thresholdKm === undefined ? type.thresholdKm : options.thresholdKm;
  return { thresholdMinutes, thresholdKm };
}

/**
 * The rows `indices` of a table (in that order), every per-row column included: indicators over an area's
 * settlements read the same verdicts and figures as the whole table.
 */
export function subsetTable(table: AccessTable, indices: readonly number[]): AccessTable {
  const pick = <A extends Int32Array | Float64Array | Uint8Array>(arr: A | undefined): A | undefined => {
    if (arr === undefined) return undefined;
    const out = new (arr.constructor as new (n: number) => A)(indices.length);
    for (let j = 0; j < indices.length; j++) out[j] = arr[indices[j]!]!;
    return out;
  };
  return {
    ...table,
    pointIndex: pick(table.pointIndex)!,
    straightKm: pick(table.straightKm)!,
    minutes: pick(table.minutes)!,
    travelKm: pick(table.travelKm)!,
    within: pick(table.within)!,
    method: pick(table.method)!,
    connectorKm: pick(table.connectorKm),
    fallback: pick(table.fallback),
    secondPointIndex: pick(table.secondPointIndex),
    secondStraightKm: pick(table.secondStraightKm),
    secondMinutes: pick(table.secondMinutes),
    secondTravelKm: pick(table.secondTravelKm),
    secondWithin: pick(table.secondWithin),
    secondConnectorKm: pick(table.secondConnectorKm),
  };
}
