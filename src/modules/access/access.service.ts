import type { AccessTable } from '../../engine/access.js';
import type { AreaIndicatorRow } from '../../engine/indicators.js';
import { computeIndicators, isDesert } from '../../engine/indicators.js';
import type { BasedIndicatorRow } from '../../engine/population-base.js';
import { indicatorsByPopulationBase } from '../../engine/population-base.js';
import { noAccess } from '../../engine/access.js';
import { accessResultAt, subsetTable } from '../../engine/travel/travel-cost.js';
import type { AccessResult, TravelModel } from '../../engine/types.js';
import { validateTravelModel } from '../../engine/travel/model.js';
import { invalid } from '../../domain-error.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import type { AnalysisSnapshot } from './snapshot.js';
import { regionNotServed } from '../areas/regions.js';

/** Access from one place to its nearest open point of one type, with the point itself resolved. */
export interface ServiceAccess extends Omit<AccessResult, 'pointId'> {
  /** null when no point of the type is loaded (or reachable). */
  servicePoint: ServicePoint | null;
  /**
   * False when the point has no (parseable) opening hours, so an answer `at` a time counted it as open
   * without knowing; null when there is no point.
   */
  openingHoursKnown: boolean | null;
}

/** Merges per-request overrides into the server's travel model; refuses nonsense with BAD_USER_INPUT. */
export function resolveTravelModel(
  base: TravelModel,
  override?: { [K in keyof TravelModel]?: number | null } | null,
): TravelModel {
  const model = {
    circuityFactor: override?.circuityFactor ?? base.circuityFactor,
    speedKmh: override?.speedKmh ?? base.speedKmh,
    fixedMinutes: override?.fixedMinutes ?? base.fixedMinutes,
  };
  try {
    validateTravelModel(model);
  } catch (error) {
    throw invalid((error as Error).message, 'travel');
  }
  return model;
}

export function validateThreshold(minutes: number | null | undefined): number | undefined {
  if (minutes == null) return undefined;
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > 600) {
    throw invalid('thresholdMinutes must be a number in (0, 600]', 'thresholdMinutes');
  }
  return minutes;
}

/**
 * Row i of an access table as a ServiceAccess (the engine's accessResultAt, the point resolved). One object
 * literal of one shape (accessResultAt gives every field, absent ones undefined), not a spread: an access
 * page builds thousands (4,500 for 500 × 9) and the spread was the costliest line of our own code in it.
 */
export function accessFromTable(snapshot: AnalysisSnapshot, table: AccessTable, i: number): ServiceAccess {
  const r = accessResultAt(table, i, snapshot.engine.index(table.serviceType).points);
  const servicePoint = r.pointId ? (snapshot.pointsById.get(r.pointId) ?? null) : null;
  return {
    serviceType: r.serviceType,
    pointId: r.pointId,
    straightLineKm: r.straightLineKm,
    travelKm: r.travelKm,
    travelMinutes: r.travelMinutes,
    method: r.method,
    thresholdMinutes: r.thresholdMinutes,
    withinThreshold: r.withinThreshold,
    connectorKm: r.connectorKm,
    fallbackReason: r.fallbackReason,
    servicePoint,
    openingHoursKnown: servicePoint === null ? null : !snapshot.hoursUnknown(servicePoint),
  } as ServiceAccess;
}

/** An engine access result with its point looked up in the snapshot. */
function withServicePoint(snapshot: AnalysisSnapshot, r: AccessResult): ServiceAccess {
  const servicePoint = r.pointId ? (snapshot.pointsById.get(r.pointId) ?? null) : null;
  return {
    ...r,
    servicePoint,
    openingHoursKnown: servicePoint === null ? null : !snapshot.hoursUnknown(servicePoint),
  };
}

interface TablesMemo {
  codes: readonly string[];
  model: TravelModel;
  thresholdMinutes: number | undefined;
  tables: AccessTable[];
}

/** Per snapshot, the tables of the last (types, model, threshold) asked: a page asks the same 500 times. */
const lastTables = new WeakMap<AnalysisSnapshot, TablesMemo>();

function tablesOf(
  snapshot: AnalysisSnapshot,
  codes: readonly string[],
  model: TravelModel,
  thresholdMinutes: number | undefined,
): AccessTable[] {
  const last = lastTables.get(snapshot);
  if (
    last &&
    last.thresholdMinutes === thresholdMinutes &&
    last.model.circuityFactor === model.circuityFactor &&
    last.model.speedKmh === model.speedKmh &&
    last.model.fixedMinutes === model.fixedMinutes &&
    last.codes.length === codes.length &&
    last.codes.every((code, k) => code === codes[k])
  )
    return last.tables;
  const tables = codes.map((code) => snapshot.table(code, model, thresholdMinutes));
  lastTables.set(snapshot, { codes: [...codes], model: { ...model }, thresholdMinutes, tables });
  return tables;
}

/**
 * Access of settlements to several types: from the cached whole-snapshot tables when the settlement is
 * in the snapshot (no SQL at all), else computed from its location.
 */
export function accessOfSettlement(
  snapshot: AnalysisSnapshot,
  settlement: Settlement,
  codes: readonly string[],
  model: TravelModel,
  thresholdMinutes?: number,
): ServiceAccess[] {
  const i = snapshot.settlementIndex.get(settlement.id);
  if (i !== undefined) {
    const tables = tablesOf(snapshot, codes, model, thresholdMinutes);
    return tables.map((table) => accessFromTable(snapshot, table, i));
  }
  // A partition's snapshot holds only its regions' settlements (and their halo of points): one outside
  // them would be answered from the wrong points.
  if (snapshot.regions.length > 0)
    throw regionNotServed(snapshot.regions, `Settlement ${settlement.id}`, 'id');
  return codes.map((code) => {
    const [r] = snapshot.travel(model).nearest(settlement.lon, settlement.lat, code, 1, { thresholdMinutes });
    return withServicePoint(
      snapshot,
      r ?? noAccess(code, thresholdMinutes ?? snapshot.engine.serviceType(code).thresholdMinutes),
    );
  });
}

/** The k nearest open points of a type from any location. */
export function nearestFrom(
  snapshot: AnalysisSnapshot,
  location: { lon: number; lat: number },
  code: string,
  limit: number,
  model: TravelModel,
  thresholdMinutes?: number,
): ServiceAccess[] {
  // Any location: a partition cannot tell whether its halo holds that place's nearest points.
  if (snapshot.regions.length > 0)
    throw regionNotServed(snapshot.regions, 'Access from an arbitrary location', 'location');
  return snapshot
    .travel(model)
    .nearest(location.lon, location.lat, code, limit, { thresholdMinutes })
    .map((r) => withServicePoint(snapshot, r));
}

export interface DesertRow {
  settlement: Settlement;
  access: ServiceAccess;
}

/**
 * Settlements of the area (ids from PostGIS) beyond the threshold of a type, the most people first
 * (then the longest time, then id).
 */
export function desertsAmong(
  snapshot: AnalysisSnapshot,
  indices: readonly number[],
  code: string,
  model: TravelModel,
  thresholdMinutes?: number,
): DesertRow[] {
  const table = snapshot.table(code, model, thresholdMinutes);
  const rows: DesertRow[] = [];
  for (const i of indices) {
    if (isDesert(table, i))
      rows.push({ settlement: snapshot.settlements[i]!, access: accessFromTable(snapshot, table, i) });
  }
  return rows.sort(
    (a, b) =>
      b.settlement.population - a.settlement.population ||
      (b.access.travelMinutes ?? Number.POSITIVE_INFINITY) -
        (a.access.travelMinutes ?? Number.POSITIVE_INFINITY) ||
      Number(a.settlement.id) - Number(b.settlement.id),
  );
}

/**
 * Indicators per municipality or county for an area, each row with its population base: without a grid
 * the settlements' (SETTLEMENTS); with one, population figures from the resident origins (grid cells where
 * the grid covers, settlements elsewhere) and settlement counts from the settlements.
 */
export function indicatorsWithBase(
  snapshot: AnalysisSnapshot,
  idx: readonly number[],
  residentIdx: readonly number[],
  code: string,
  groupBy: 'MUNICIPALITY' | 'COUNTY',
  model: TravelModel,
  thresholdMinutes?: number,
): BasedIndicatorRow[] {
  if (snapshot.grid.length === 0) {
    return indicatorsAmong(snapshot, idx, code, groupBy, model, thresholdMinutes).map((row) => ({
      ...row,
      populationBase: 'SETTLEMENTS' as const,
    }));
  }
  const settlementTable = snapshot.table(code, model, thresholdMinutes);
  const residentTable = snapshot.residentTable(code, model, thresholdMinutes);
  const origins = snapshot.residents().origins;
  return indicatorsByPopulationBase(
    idx.map((i) => snapshot.settlements[i]!),
    subsetTable(settlementTable, idx),
    residentIdx.map((i) => origins[i]!),
    subsetTable(residentTable, residentIdx),
    groupBy,
  );
}

/** Indicators per municipality or county for the settlements of an area. */
export function indicatorsAmong(
  snapshot: AnalysisSnapshot,
  idx: readonly number[],
  code: string,
  groupBy: 'MUNICIPALITY' | 'COUNTY',
  model: TravelModel,
  thresholdMinutes?: number,
): AreaIndicatorRow[] {
  const full = snapshot.table(code, model, thresholdMinutes);
  const subset = idx.map((i) => snapshot.settlements[i]!);
  return computeIndicators(subset, subsetTable(full, idx), groupBy);
}
