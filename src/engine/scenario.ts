import { AccessEngine, type AccessTable, computeAccessTable } from './access.js';
import { secondWithinThreshold } from './closure.js';
import { type GapFlag, type GapOptions, gapFlagsFromTable } from './gaps.js';
import { distanceKm } from './geodesic.js';
import { type AreaIndicatorRow, computeIndicators, isDesert, UNKNOWN_AREA } from './indicators.js';
import { PointIndex } from './spatial-index.js';
import { straightLineKmWithin } from './travel.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef, TravelModel } from './types.js';

/**
 * Scenarios: close some service points, add others, and see who gains and who loses access, how the
 * indicators of each area move, and which gap flags appear or vanish — against the baseline.
 *
 * Incremental evaluation (the default). The baseline holds, per type, a k = 2 access table (nearest and
 * second-nearest point of every settlement), the points' "served settlements" lists and a spatial index of
 * the settlements. A settlement's access, within-threshold state and gap flags depend only on its nearest
 * point and on whether its second-nearest is within the threshold, so only these settlements can change:
 * - those whose nearest point closes, or whose second-nearest closes while within the threshold;
 * - those for which an added point is at most as far as their nearest point or within the threshold radius
 *   (found with one radius query per added point, radius max(largest nearest-km of the type, threshold
 *   radius), then filtered per settlement).
 * Only they are recomputed (against an engine of the changed points), and indicators are recomputed only
 * for the areas containing a changed settlement. The cost grows with the change, not with the country.
 * `strategy: 'FULL'` recomputes everything and must give the same result (it is the tests' oracle).
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
  /** Per type, the k = 2 table (the catalogue threshold; evaluation applies overrides). */
  readonly tables: ReadonlyMap<string, AccessTable>;
  /** Per type, CSR lists of the settlements whose nearest or second-nearest is each point. */
  readonly served: ReadonlyMap<string, { start: Int32Array; settlements: Int32Array }>;
  /** Per type, the largest great-circle km from a settlement to its nearest point (Infinity: no points). */
  readonly maxNearestKm: ReadonlyMap<string, number>;
  /** Spatial index over the settlements (same order), for added points. */
  readonly settlementIndex: PointIndex;
  /** Settlement indices per area code, per grouping. */
  readonly areaMembers: { MUNICIPALITY: Map<string, number[]>; COUNTY: Map<string, number[]> };
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
}): ScenarioBaseline {
  const { settlements, points, catalogue, model } = input;
  const engine = new AccessEngine(points, catalogue);
  const tables = new Map<string, AccessTable>();
  const served = new Map<string, { start: Int32Array; settlements: Int32Array }>();
  const maxNearestKm = new Map<string, number>();
  for (const code of input.types) {
    const table = computeAccessTable(settlements, engine, code, { model, k: 2 });
    tables.set(code, table);
    served.set(code, servedLists(table, engine.index(code).size));
    let max = engine.index(code).size === 0 ? Number.POSITIVE_INFINITY : 0;
    for (const km of table.straightKm) if (km > max) max = km;
    maxNearestKm.set(code, max);
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
    tables,
    served,
    maxNearestKm,
    settlementIndex,
    areaMembers,
  };
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
  const strategy = options.strategy ?? 'INCREMENTAL';
  const baseline = options.baseline ?? prepareScenarioBaseline(input);
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
  const known = new Set(points.map((p) => p.id));
  for (const id of changes.closePointIds) {
    if (!known.has(id)) throw new RangeError(`closePointIds: no open service point with id ${id}`);
    closed.add(id);
  }
  for (const p of changes.addPoints) {
    if (known.has(p.id)) throw new RangeError(`addPoints: a service point with id ${p.id} already exists`);
    known.add(p.id);
  }
  for (const [code, minutes] of Object.entries(changes.thresholdMinutes)) {
    if (!(Number.isFinite(minutes) && minutes > 0)) {
      throw new RangeError(`thresholdMinutes.${code} must be a positive number, got ${minutes}`);
    }
  }
  for (const code of input.types) {
    baseline.engine.serviceType(code);
    if (!baseline.tables.has(code)) throw new RangeError(`the scenario baseline has no table for ${code}`);
  }
  const changedPoints: EnginePoint[] = points.filter((p) => !closed.has(p.id));
  changedPoints.push(...changes.addPoints.map((p) => ({ ...p, serviceTypes: [...p.serviceTypes] })));
  const changedTypes = input.catalogue.filter((t) => input.types.includes(t.code));
  const changedEngine = new AccessEngine(changedPoints, changedTypes);
  const types = input.types.map((code) =>
    evaluateType({ input, baseline, changedEngine, closed, code, strategy }),
  );
  return {
    types,
    closedPointIds: [...closed],
    addedPointIds: changes.addPoints.map((p) => p.id),
    method:
      strategy === 'FULL'
        ? 'full recompute of every settlement and area'
        : 'incremental: recomputed the settlements served by closed points or within reach of added points, and their areas',
  };
}

interface TypeContext {
  input: ScenarioInput;
  baseline: ScenarioBaseline;
  changedEngine: AccessEngine;
  closed: ReadonlySet<string>;
  code: string;
  strategy: 'INCREMENTAL' | 'FULL';
}

function evaluateType(ctx: TypeContext): ScenarioTypeResult {
  const { input, baseline, changedEngine, code } = ctx;
  const { settlements, model } = input;
  const type = baseline.engine.serviceType(code);
  const threshold = input.changes.thresholdMinutes[code] ?? type.thresholdMinutes;
  const before: AccessTable = { ...baseline.tables.get(code)!, thresholdMinutes: threshold };
  const beforePoints = baseline.engine.index(code).points;
  const afterPoints = changedEngine.index(code).points;

  const affected =
    ctx.strategy === 'FULL'
      ? Int32Array.from(settlements.keys())
      : affectedSettlements(ctx, before, threshold);
  // Row j of `after` is settlement affected[j].
  const origins = ctx.strategy === 'FULL' ? settlements : Array.from(affected, (i) => settlements[i]!);
  const after = computeAccessTable(origins, changedEngine, code, {
    model,
    thresholdMinutes: threshold,
    k: 2,
  });

  const accessChanged: SettlementAccessChange[] = [];
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
    } else if (
      withinBefore === withinAfter &&
      (!withinBefore || secondWithinThreshold(before, i) === secondWithinThreshold(after, j))
    ) {
      return; // same nearest, same reach, same redundancy: the flags cannot differ
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
    indicatorDeltas: indicatorDeltas(ctx, before, after, affected, accessChanged),
    flagChanges,
    recomputedSettlements: affected.length,
  };
}

/** Ascending indices of the settlements whose access or flags may change (see the file comment). */
function affectedSettlements(ctx: TypeContext, before: AccessTable, threshold: number): Int32Array {
  const { baseline, code, input } = ctx;
  const marked = new Set<number>();
  const served = baseline.served.get(code)!;
  const typePoints = baseline.engine.index(code).points;
  const secondIndex = before.secondPointIndex!;
  typePoints.forEach((p, pi) => {
    if (!ctx.closed.has(p.id)) return;
    for (let r = served.start[pi]!; r < served.start[pi + 1]!; r++) {
      const i = served.settlements[r]!;
      // A closed second-nearest only matters while it is within reach (single point of failure appears).
      if (before.pointIndex[i] === pi || (secondIndex[i] === pi && secondWithinThreshold(before, i)))
        marked.add(i);
    }
  });
  const added = input.changes.addPoints.filter((p) => p.serviceTypes.includes(code));
  if (added.length > 0) {
    const thresholdKm = straightLineKmWithin(threshold, input.model);
    const radius = Math.max(baseline.maxNearestKm.get(code)!, thresholdKm) * (1 + 1e-9) + 1e-9;
    for (const point of added) {
      for (const i of baseline.settlementIndex.candidateIndices(point.lon, point.lat, radius)) {
        if (marked.has(i)) continue;
        const s = input.settlements[i]!;
        const nearestKm = before.pointIndex[i]! >= 0 ? before.straightKm[i]! : Number.POSITIVE_INFINITY;
        const reach = Math.max(nearestKm, thresholdKm) * (1 + 1e-9) + 1e-9;
        if (distanceKm(s.lon, s.lat, point.lon, point.lat) <= reach) marked.add(i);
      }
    }
  }
  return Int32Array.from(marked).sort();
}

/** Indicator rows before and after for every area holding a changed settlement, by areaCode. */
function indicatorDeltas(
  ctx: TypeContext,
  before: AccessTable,
  after: AccessTable,
  affected: Int32Array,
  accessChanged: readonly SettlementAccessChange[],
): AreaIndicatorDelta[] {
  const { input, baseline } = ctx;
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
  const members = areas.flatMap((code) => baseline.areaMembers[groupBy].get(code)!);
  const position = new Map<number, number>();
  affected.forEach((i, j) => {
    position.set(i, j);
  });
  const memberSettlements = members.map((i) => input.settlements[i]!);
  const slice = (pick: (i: number) => [table: AccessTable, row: number]): AccessTable => {
    const pointIndex = new Int32Array(members.length);
    const straightKm = new Float64Array(members.length);
    const minutes = new Float64Array(members.length);
    members.forEach((i, m) => {
      const [table, row] = pick(i);
      pointIndex[m] = table.pointIndex[row]!;
      straightKm[m] = table.straightKm[row]!;
      minutes[m] = table.minutes[row]!;
    });
    return { ...before, pointIndex, straightKm, minutes };
  };
  const beforeRows = computeIndicators(
    memberSettlements,
    slice((i) => [before, i]),
    groupBy,
  );
  const afterRows = computeIndicators(
    memberSettlements,
    slice((i) => {
      const j = position.get(i);
      return j === undefined ? [before, i] : [after, j];
    }),
    groupBy,
  );
  return deltas(beforeRows, afterRows);
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
