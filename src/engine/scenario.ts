import { AccessEngine, type AccessTable } from './access.js';
import { secondWithinThreshold } from './closure.js';
import { type GapFlag, type GapOptions, gapFlagsFromTable } from './gaps.js';
import { distanceKm, EARTH_RADIUS_KM, writeUnitVector } from './geodesic.js';
import {
  type AreaIndicatorRow,
  type AreaSums,
  addAccess,
  addResidents,
  areaRow,
  computeIndicators,
  DEFAULT_SHARE_MINUTES,
  emptyAreaSums,
  isDesert,
  UNKNOWN_AREA,
} from './indicators.js';
import { FarReachIndex } from './scenario-reach.js';
import { PointIndex } from './spatial-index.js';
import { estimateMinutes, estimateTravelKm, straightLineKmWithin } from './travel/model.js';
import { type TravelCost, travelMethodLabel } from './travel/travel-cost.js';
import { EstimatedTravelCost } from './travel/estimated.js';
import { applyThresholds, ROW_ESTIMATED } from './travel/verdict.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef, TravelModel } from './types.js';
import { EngineInputError } from './errors.js';

/**
 * Scenarios: close some service points, add others, and see who gains and who loses access, how the
 * indicators of each area move, and which gap flags appear or vanish — against the baseline.
 *
 * Incremental evaluation (the default). The baseline (prepareScenarioBaseline, once per data version) holds,
 * per type, a k = 2 access table (nearest and second-nearest point of every settlement), the reverse lists
 * point → settlements and a spatial index of the settlements. A settlement's access, within-threshold state
 * and gap flags depend only on its nearest point and on whether its second-nearest is within the threshold,
 * so only these settlements can change:
 * - those whose nearest point closes, or whose second-nearest closes while within the threshold;
 * - those for which an added point is at most as far as their nearest point or within the threshold radius
 *   (per added point, a radius query of max(catalogue threshold radius, threshold radius) plus the far
 *   settlements whose nearest disc holds the point, from a per-type FarReachIndex; then filtered exactly
 *   per settlement, a chord test on unit vectors before the haversine).
 * Only they are recomputed: from their baseline top two when neither closed, else with a 2 + c nearest
 * query on the baseline index (c = closed points of the type), merged with the added points. Indicators
 * are updated only for the areas holding a changed settlement: the area's baseline row and sums are
 * computed once (the sums of computeIndicators over its members, cached in the baseline per type, threshold and
 * grouping), then the changed settlements' contributions are taken away and added back. The cost grows
 * with the change, not with the country. `strategy: 'FULL'` rebuilds the engine and recomputes every
 * settlement and area with computeAccessTable and computeIndicators: the tests' oracle and the bench's
 * baseline. Both give the same result (the mean minutes up to float rounding).
 */

export interface AddedPoint {
  id: string;
  name: string;
  lon: number;
  lat: number;
  serviceTypes: string[];
  municipalityCode: string | null;
}

export interface ScenarioChanges {
  closePointIds: string[];
  addPoints: AddedPoint[];
  /** Per-type threshold overrides, applied to baseline and scenario alike (a type's default otherwise). */
  thresholdMinutes: Record<string, number>;
}

export interface ScenarioInput {
  settlements: readonly EngineSettlement[];
  /** The open points of the baseline. */
  points: readonly EnginePoint[];
  catalogue: readonly ServiceTypeDef[];
  types: readonly string[];
  model: TravelModel;
  changes: ScenarioChanges;
  groupBy: 'MUNICIPALITY' | 'COUNTY';
  gapOptions?: Partial<GapOptions>;
}

/** One settlement whose access changes for one type. */
export interface SettlementAccessChange {
  settlementIndex: number;
  settlementId: string;
  pointIdBefore: string | null;
  pointIdAfter: string | null;
  /** null when there is no point of the type. */
  minutesBefore: number | null;
  minutesAfter: number | null;
  withinBefore: boolean;
  withinAfter: boolean;
}

export interface AreaIndicatorDelta {
  areaCode: string;
  before: AreaIndicatorRow;
  after: AreaIndicatorRow;
  delta: {
    populationBeyondThreshold: number;
    population65PlusBeyondThreshold: number | null;
    settlementsBeyondThreshold: number;
    meanMinutesPopulationWeighted: number | null;
  };
}

export interface FlagChange {
  settlementIndex: number;
  settlementId: string;
  appeared: GapFlag[];
  vanished: GapFlag[];
}

export interface ScenarioTypeResult {
  serviceType: string;
  thresholdMinutes: number;
  /** Beyond the threshold before, within after. */
  gainingAccess: SettlementAccessChange[];
  /** Within before, beyond after. */
  losingAccess: SettlementAccessChange[];
  /** Every settlement whose nearest point or minutes change (a superset of the two lists above). */
  accessChanged: SettlementAccessChange[];
  populationGainingAccess: number;
  populationLosingAccess: number;
  /** Areas with at least one changed settlement, by areaCode. */
  indicatorDeltas: AreaIndicatorDelta[];
  flagChanges: FlagChange[];
  /** Settlements whose access was recomputed (all of them with strategy FULL). */
  recomputedSettlements: number;
}

export interface ScenarioResult {
  types: ScenarioTypeResult[];
  closedPointIds: string[];
  addedPointIds: string[];
  method: string;
}

/** What evaluateScenario reuses between scenarios on the same data; see prepareScenarioBaseline. */
export interface ScenarioBaseline {
  readonly settlements: readonly EngineSettlement[];
  readonly points: readonly EnginePoint[];
  readonly catalogue: readonly ServiceTypeDef[];
  readonly model: TravelModel;
  readonly engine: AccessEngine;
  /** The travel-cost provider the tables came from (NETWORK scenarios are recomputed through it). */
  readonly travel: TravelCost;
  /** Ids of the baseline's points. */
  readonly pointIds: ReadonlySet<string>;
  /** Per type, the k = 2 table (the catalogue threshold; evaluation applies overrides). */
  readonly tables: ReadonlyMap<string, AccessTable>;
  /** Per type, CSR lists of the settlements whose nearest or second-nearest is each point. */
  readonly served: ReadonlyMap<string, { start: Int32Array; settlements: Int32Array }>;
  /** Per type, the largest great-circle km from a settlement to its nearest point (Infinity: no points). */
  readonly maxNearestKm: ReadonlyMap<string, number>;
  /**
   * Per type with points, the settlements whose nearest km exceeds the type's catalogue threshold radius,
   * by the box of their nearest disc (see FarReachIndex), for added points.
   */
  readonly farReach: ReadonlyMap<string, FarReachIndex>;
  /** Spatial index over the settlements (same order), for added points. */
  readonly settlementIndex: PointIndex;
  /** Settlement indices per area code, per grouping. */
  readonly areaMembers: { MUNICIPALITY: Map<string, number[]>; COUNTY: Map<string, number[]> };
  /** Baseline indicator rows and sums per type, threshold, grouping and area, filled on first use. */
  readonly indicatorCache: Map<string, CachedArea>;
  /** Per type and threshold override, the table re-judged against that threshold (filled on first use). */
  readonly judgedTables: Map<string, AccessTable>;
  /** Per type, the positions in engine.index(type).points of each point id (for closures). */
  readonly typePointsById: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
  /** The settlements' columns as typed arrays (same order), so hot loops do not chase objects. */
  readonly columns: SettlementColumns;
}

/** Typed-array columns of the settlements used by the incremental path. */
export interface SettlementColumns {
  /** Unit vectors (x, y, z), three numbers per settlement. */
  readonly unit: Float64Array;
  readonly population: Float64Array;
  /** 1 when population65Plus is known (not null). */
  readonly knows65Plus: Uint8Array;
  /** population65Plus ?? 0. */
  readonly population65Plus: Float64Array;
}

/**
 * Computes what every scenario on the same settlements, points, catalogue and model reuses: one k = 2
 * access table per type, the reverse lists point → settlements, a settlement index and area memberships.
 * @example
 * const baseline = prepareScenarioBaseline({ settlements, points, catalogue, types: ['GROCERY'], model });
 * evaluateScenario({ ...input, changes }, { baseline })
 */
export function prepareScenarioBaseline(input: {
  settlements: readonly EngineSettlement[];
  points: readonly EnginePoint[];
  catalogue: readonly ServiceTypeDef[];
  types: readonly string[];
  model: TravelModel;
  /**
   * The travel-cost provider over these settlements and points (default: ESTIMATED under `model`). A
   * NETWORK provider's scenarios are recomputed through it (strategy FULL).
   */
  travel?: TravelCost;
}): ScenarioBaseline {
  const { settlements, points, catalogue, model } = input;
  const engine = input.travel?.engine ?? new AccessEngine(points, catalogue);
  const travel = input.travel ?? new EstimatedTravelCost(settlements, engine, model);
  const tables = new Map<string, AccessTable>();
  const served = new Map<string, { start: Int32Array; settlements: Int32Array }>();
  const maxNearestKm = new Map<string, number>();
  const typePointsById = new Map<string, Map<string, number[]>>();
  const farReach = new Map<string, FarReachIndex>();
  const lons = Float64Array.from(settlements, (s) => s.lon);
  const lats = Float64Array.from(settlements, (s) => s.lat);
  for (const code of input.types) {
    const byId = new Map<string, number[]>();
    engine.index(code).points.forEach((p, pi) => {
      pushTo(byId, p.id, pi);
    });
    typePointsById.set(code, byId);
    const table = travel.table(code, { k: 2 });
    tables.set(code, table);
    served.set(code, servedLists(table, engine.index(code).size));
    let max = engine.index(code).size === 0 ? Number.POSITIVE_INFINITY : 0;
    for (const km of table.straightKm) if (km > max) max = km;
    maxNearestKm.set(code, max);
    if (engine.index(code).size > 0) {
      const cutoffKm = straightLineKmWithin(engine.serviceType(code).thresholdMinutes, model);
      farReach.set(code, new FarReachIndex(lons, lats, table.straightKm, table.pointIndex, cutoffKm));
    }
  }
  const areaMembers = { MUNICIPALITY: new Map<string, number[]>(), COUNTY: new Map<string, number[]>() };
  settlements.forEach((s, i) => {
    pushTo(areaMembers.MUNICIPALITY, s.municipalityCode ?? UNKNOWN_AREA, i);
    pushTo(areaMembers.COUNTY, s.countyCode ?? UNKNOWN_AREA, i);
  });
  const settlementIndex = new PointIndex(
    settlements.map((s) => ({
      id: s.id,
      name: s.name,
      lon: s.lon,
      lat: s.lat,
      serviceTypes: [],
      municipalityCode: null,
    })),
  );
  return {
    settlements,
    points,
    catalogue,
    model,
    engine,
    travel,
    pointIds: new Set(points.map((p) => p.id)),
    tables,
    served,
    maxNearestKm,
    farReach,
    settlementIndex,
    areaMembers,
    indicatorCache: new Map(),
    judgedTables: new Map(),
    typePointsById,
    columns: settlementColumns(settlements),
  };
}

function settlementColumns(settlements: readonly EngineSettlement[]): SettlementColumns {
  const n = settlements.length;
  const unit = new Float64Array(n * 3);
  const population = new Float64Array(n);
  const knows65Plus = new Uint8Array(n);
  const population65Plus = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = settlements[i]!;
    writeUnitVector(s.lon, s.lat, unit, i);
    population[i] = s.population;
    knows65Plus[i] = s.population65Plus !== null ? 1 : 0;
    population65Plus[i] = s.population65Plus ?? 0;
  }
  return { unit, population, knows65Plus, population65Plus };
}

/**
 * Evaluates a scenario against the baseline, per requested type. Throws a RangeError for an unknown point id
 * in closePointIds, an added point id that already exists, an unknown type, a threshold that is not a
 * positive number, or a baseline prepared for other data.
 * @example
 * evaluateScenario({ settlements, points, catalogue, types: ['GROCERY'], model: DEFAULT_TRAVEL_MODEL,
 *   changes: { closePointIds: ['osm/42'], addPoints: [], thresholdMinutes: {} }, groupBy: 'MUNICIPALITY' })
 *   .types[0].losingAccess // the settlements that become grocery deserts
 */
export function evaluateScenario(
  input: ScenarioInput,
  options: { baseline?: ScenarioBaseline; strategy?: 'INCREMENTAL' | 'FULL' } = {},
): ScenarioResult {
  const { settlements, points, changes } = input;
  const baseline = options.baseline ?? prepareScenarioBaseline(input);
  // The incremental path's shortcuts (radius queries, the 2 + c nearest) hold for the straight-line
  // estimate; on a road network every settlement is re-read through the provider, whose road labels are
  // derived from the baseline's (closed points relabelled, added points inserted: withPoints).
  const strategy = baseline.travel.method === 'NETWORK' ? 'FULL' : (options.strategy ?? 'INCREMENTAL');
  // Identity for the big arrays (they are not copied), content for the small ones.
  if (baseline.settlements !== settlements || baseline.points !== points) {
    throw new RangeError('the scenario baseline was prepared for other settlements or points');
  }
  if (
    JSON.stringify(baseline.model) !== JSON.stringify(input.model) ||
    (baseline.catalogue !== input.catalogue &&
      JSON.stringify(baseline.catalogue) !== JSON.stringify(input.catalogue))
  ) {
    throw new RangeError('the scenario baseline was prepared with another travel model or catalogue');
  }
  const closed = new Set<string>();
  for (const id of changes.closePointIds) {
    if (!baseline.pointIds.has(id))
      throw new EngineInputError(`closePointIds: no open service point with id ${id}`);
    closed.add(id);
  }
  const added = new Set<string>();
  for (const p of changes.addPoints) {
    if (baseline.pointIds.has(p.id) || added.has(p.id)) {
      throw new EngineInputError(`addPoints: a service point with id ${p.id} already exists`);
    }
    added.add(p.id);
  }
  for (const [code, minutes] of Object.entries(changes.thresholdMinutes)) {
    if (!(Number.isFinite(minutes) && minutes > 0)) {
      throw new EngineInputError(`thresholdMinutes.${code} must be a positive number, got ${minutes}`);
    }
  }
  for (const code of input.types) {
    baseline.engine.serviceType(code);
    if (!baseline.tables.has(code)) throw new RangeError(`the scenario baseline has no table for ${code}`);
  }
  // The full recompute rebuilds the engine; the incremental path queries the baseline's indexes instead.
  let changedEngine: AccessEngine | null = null;
  if (strategy === 'FULL') {
    const changedPoints: EnginePoint[] = points.filter((p) => !closed.has(p.id));
    changedPoints.push(...changes.addPoints.map((p) => ({ ...p, serviceTypes: [...p.serviceTypes] })));
    changedEngine = new AccessEngine(
      changedPoints,
      input.catalogue.filter((t) => input.types.includes(t.code)),
    );
  }
  const types = input.types.map((code) =>
    evaluateType({ input, baseline, changedEngine, closed, code, strategy }),
  );
  return {
    types,
    closedPointIds: [...closed],
    addedPointIds: changes.addPoints.map((p) => p.id),
    method: `${
      baseline.travel.method === 'NETWORK'
        ? 'every settlement and area re-read from road labels updated incrementally where few points change (the nodes the closed points served relabelled, bounded searches from added points; else one full search per type)'
        : strategy === 'FULL'
          ? 'full recompute of every settlement and area'
          : 'incremental: recomputed the settlements served by closed points or within reach of added points, and their areas'
    }; travel: ${travelMethodLabel(baseline.travel.method)}`,
  };
}

interface TypeContext {
  input: ScenarioInput;
  baseline: ScenarioBaseline;
  /** Only with strategy FULL. */
  changedEngine: AccessEngine | null;
  closed: ReadonlySet<string>;
  code: string;
  strategy: 'INCREMENTAL' | 'FULL';
}

function evaluateType(ctx: TypeContext): ScenarioTypeResult {
  const { input, baseline, changedEngine, code } = ctx;
  const { settlements } = input;
  const type = baseline.engine.serviceType(code);
  const threshold = input.changes.thresholdMinutes[code] ?? type.thresholdMinutes;
  const before = judgedBaseline(baseline, code, threshold);
  const beforePoints = baseline.engine.index(code).points;

  // Row j of `after` is settlement affected[j]; its pointIndex values index afterPoints.
  let affected: Int32Array;
  let after: AccessTable;
  let afterPoints: readonly EnginePoint[];
  if (changedEngine !== null) {
    affected = Int32Array.from(settlements.keys());
    after = baseline.travel.withPoints(changedEngine).table(code, { thresholdMinutes: threshold, k: 2 });
    afterPoints = changedEngine.index(code).points;
  } else {
    const closedHere = closedPositions(ctx);
    affected = affectedSettlements(ctx, before, threshold, closedHere);
    ({ table: after, points: afterPoints } = nearestTwoAfter(ctx, before, affected, closedHere));
  }

  const accessChanged: SettlementAccessChange[] = [];
  const changedRows: number[] = [];
  const flagChanges: FlagChange[] = [];
  affected.forEach((i, j) => {
    const settlement = settlements[i]!;
    const pointBefore = before.pointIndex[i]! >= 0 ? beforePoints[before.pointIndex[i]!]! : null;
    const pointAfter = after.pointIndex[j]! >= 0 ? afterPoints[after.pointIndex[j]!]! : null;
    const minutesBefore = before.minutes[i]!;
    const minutesAfter = after.minutes[j]!;
    const withinBefore = !isDesert(before, i);
    const withinAfter = !isDesert(after, j);
    if (pointBefore?.id !== pointAfter?.id || minutesBefore !== minutesAfter) {
      accessChanged.push({
        settlementIndex: i,
        settlementId: settlement.id,
        pointIdBefore: pointBefore?.id ?? null,
        pointIdAfter: pointAfter?.id ?? null,
        minutesBefore: Number.isFinite(minutesBefore) ? minutesBefore : null,
        minutesAfter: Number.isFinite(minutesAfter) ? minutesAfter : null,
        withinBefore,
        withinAfter,
      });
      changedRows.push(j);
    }
    // Flags depend on the settlement, the type, within-or-not, one-or-more points within, whether there is
    // a point at all and its municipality; when none of these change, neither can the flags.
    if (
      withinBefore === withinAfter &&
      (!withinBefore || secondWithinThreshold(before, i) === secondWithinThreshold(after, j)) &&
      (pointBefore === null) === (pointAfter === null) &&
      pointBefore?.municipalityCode === pointAfter?.municipalityCode
    ) {
      return;
    }
    const flagsBefore = gapFlagsFromTable(settlement, before, i, beforePoints, type, input.gapOptions);
    const flagsAfter = gapFlagsFromTable(settlement, after, j, afterPoints, type, input.gapOptions);
    const appeared = flagsAfter.filter((f) => !flagsBefore.some((g) => g.code === f.code));
    const vanished = flagsBefore.filter((f) => !flagsAfter.some((g) => g.code === f.code));
    if (appeared.length > 0 || vanished.length > 0) {
      flagChanges.push({ settlementIndex: i, settlementId: settlement.id, appeared, vanished });
    }
  });

  const gainingAccess = accessChanged.filter((c) => !c.withinBefore && c.withinAfter);
  const losingAccess = accessChanged.filter((c) => c.withinBefore && !c.withinAfter);
  const population = (list: SettlementAccessChange[]) =>
    list.reduce((sum, c) => sum + settlements[c.settlementIndex]!.population, 0);
  return {
    serviceType: code,
    thresholdMinutes: threshold,
    gainingAccess,
    losingAccess,
    accessChanged,
    populationGainingAccess: population(gainingAccess),
    populationLosingAccess: population(losingAccess),
    indicatorDeltas: indicatorDeltas(ctx, before, after, accessChanged, changedRows),
    flagChanges,
    recomputedSettlements: affected.length,
  };
}

/**
 * Nearest and second-nearest point after the changes for the affected settlements, from the baseline's
 * index: the 2 + c nearest (c = closed points of the type) hold the 2 nearest open ones; added points are
 * measured directly. Ranked by (km, id) like PointIndex, so it equals computeAccessTable on a rebuilt engine.
 */
function nearestTwoAfter(
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
interface ClosedPositions {
  flags: Uint8Array;
  /** Ascending positions. */
  list: number[];
}

function closedPositions(ctx: TypeContext): ClosedPositions {
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
function affectedSettlements(
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

/** Indicator rows before and after for every area holding a changed settlement, by areaCode. */
function indicatorDeltas(
  ctx: TypeContext,
  before: AccessTable,
  after: AccessTable,
  accessChanged: readonly SettlementAccessChange[],
  /** Row of `after` for each entry of accessChanged. */
  changedRows: readonly number[],
): AreaIndicatorDelta[] {
  const { input } = ctx;
  const groupBy = input.groupBy;
  const areaOf = (s: EngineSettlement) =>
    (groupBy === 'MUNICIPALITY' ? s.municipalityCode : s.countyCode) ?? UNKNOWN_AREA;
  const areas = [...new Set(accessChanged.map((c) => areaOf(input.settlements[c.settlementIndex]!)))].sort();
  if (areas.length === 0) return [];
  if (ctx.strategy === 'FULL') {
    const beforeRows = computeIndicators(input.settlements, before, groupBy);
    const afterRows = computeIndicators(input.settlements, after, groupBy);
    const wanted = new Set(areas);
    return deltas(
      beforeRows.filter((r) => wanted.has(r.areaCode)),
      afterRows.filter((r) => wanted.has(r.areaCode)),
    );
  }
  // Before: each area's row from the baseline's cache. After: the before row plus the changed settlements'
  // contributions, the same sums as computeIndicators (the FULL strategy checks it) without re-reading
  // every member: the cost follows the changed settlements, not the area sizes.
  const beforeRows: AreaIndicatorRow[] = [];
  const afterRows: AreaIndicatorRow[] = [];
  const byArea = new Map<string, AreaSums>();
  for (const code of areas) {
    const base = areaBaseline(ctx, before, code);
    beforeRows.push(base.row);
    byArea.set(code, { ...base.sums, populationWithin: [...base.sums.populationWithin] });
  }
  accessChanged.forEach((change, c) => {
    const i = change.settlementIndex;
    const { population, population65Plus } = input.settlements[i]!;
    const sums = byArea.get(areaOf(input.settlements[i]!))!;
    addAccess(sums, population, population65Plus, after, changedRows[c]!, DEFAULT_SHARE_MINUTES, 1);
    addAccess(sums, population, population65Plus, before, i, DEFAULT_SHARE_MINUTES, -1);
  });
  for (const code of areas) afterRows.push(areaRow(code, before, byArea.get(code)!, DEFAULT_SHARE_MINUTES));
  return deltas(beforeRows, afterRows);
}

/** An area's baseline indicator row with the sums behind it, so changes can be added and taken away. */
interface CachedArea {
  row: AreaIndicatorRow;
  sums: AreaSums;
}

/**
 * The baseline row and sums of one area for one type and threshold, computed once and cached: one pass
 * over the area's members (ascending, as computeIndicators visits them) through the same accumulator as
 * computeIndicators, so the row is bit for bit the one it gives.
 */
function areaBaseline(ctx: TypeContext, before: AccessTable, areaCode: string): CachedArea {
  const { baseline, input, code } = ctx;
  const key = `${code}|${before.thresholdMinutes}|${input.groupBy}|${areaCode}`;
  const cached = baseline.indicatorCache.get(key);
  if (cached !== undefined) return cached;
  const members = baseline.areaMembers[input.groupBy].get(areaCode)!;
  const { population: populations, knows65Plus, population65Plus: populations65Plus } = baseline.columns;
  const sums = emptyAreaSums(DEFAULT_SHARE_MINUTES.length);
  for (let m = 0; m < members.length; m++) {
    const i = members[m]!;
    const population65Plus = knows65Plus[i] === 1 ? populations65Plus[i]! : null;
    addResidents(sums, populations[i]!, population65Plus);
    addAccess(sums, populations[i]!, population65Plus, before, i, DEFAULT_SHARE_MINUTES);
  }
  const area = { row: areaRow(areaCode, before, sums, DEFAULT_SHARE_MINUTES), sums };
  baseline.indicatorCache.set(key, area);
  return area;
}

/** The baseline table of a type judged against a threshold override (cached per type and threshold). */
function judgedBaseline(baseline: ScenarioBaseline, code: string, threshold: number): AccessTable {
  const table = baseline.tables.get(code)!;
  if (table.thresholdMinutes === threshold) return table;
  const key = `${code}|${threshold}`;
  let judged = baseline.judgedTables.get(key);
  if (judged === undefined) {
    judged = applyThresholds(table, threshold, table.thresholdKm);
    if (baseline.judgedTables.size >= 64) baseline.judgedTables.clear();
    baseline.judgedTables.set(key, judged);
  }
  return judged;
}

function deltas(beforeRows: AreaIndicatorRow[], afterRows: AreaIndicatorRow[]): AreaIndicatorDelta[] {
  return beforeRows.map((b, r) => {
    const a = afterRows[r]!;
    return {
      areaCode: b.areaCode,
      before: b,
      after: a,
      delta: {
        populationBeyondThreshold: a.populationBeyondThreshold - b.populationBeyondThreshold,
        population65PlusBeyondThreshold:
          a.population65PlusBeyondThreshold === null || b.population65PlusBeyondThreshold === null
            ? null
            : a.population65PlusBeyondThreshold - b.population65PlusBeyondThreshold,
        settlementsBeyondThreshold: a.settlementsBeyondThreshold - b.settlementsBeyondThreshold,
        meanMinutesPopulationWeighted:
          a.meanMinutesPopulationWeighted === null || b.meanMinutesPopulationWeighted === null
            ? null
            : a.meanMinutesPopulationWeighted - b.meanMinutesPopulationWeighted,
      },
    };
  });
}

/** CSR lists: for each point, the settlements whose nearest or second-nearest it is. */
function servedLists(table: AccessTable, pointCount: number): { start: Int32Array; settlements: Int32Array } {
  const start = new Int32Array(pointCount + 1);
  const first = table.pointIndex;
  const second = table.secondPointIndex!;
  for (let i = 0; i < first.length; i++) {
    if (first[i]! >= 0) start[first[i]! + 1]!++;
    if (second[i]! >= 0) start[second[i]! + 1]!++;
  }
  for (let p = 0; p < pointCount; p++) start[p + 1]! += start[p]!;
  const fill = start.slice(0, pointCount);
  const settlements = new Int32Array(start[pointCount]!);
  for (let i = 0; i < first.length; i++) {
    if (first[i]! >= 0) settlements[fill[first[i]!]!++] = i;
    if (second[i]! >= 0) settlements[fill[second[i]!]!++] = i;
  }
  return { start, settlements };
}

function pushTo(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
