import { AccessEngine, type AccessTable } from '../access.js';
import { gapFlagCodesMayDiffer, gapFlagsFromTable } from '../gaps.js';
import { isDesert } from '../indicators.js';
import { EstimatedTravelCost } from '../travel/estimated.js';
import { travelMethodLabel } from '../travel/travel-cost.js';
import { EngineInputError } from '../errors.js';

import type {
  ScenarioBaseline,
  ScenarioInput,
  ScenarioResult,
  ScenarioTypeResult,
  SettlementAccessChange,
  FlagChange,
  TypeContext,
} from './types.js';
import { judgedBaseline, prepareScenarioBaseline } from './baseline.js';
import { indicatorDeltas } from './deltas.js';

/**
 * Scenarios: close some service points, add others, and see who gains and who loses access, how the
 * indicators of each area move, and which gap flags appear or vanish — against the baseline.
 *
 * Incremental evaluation (the default). The baseline (prepareScenarioBaseline, once per data version) holds
 * the provider's k = 2 access table per type (nearest and second-nearest point of every settlement). A
 * settlement's access, within-threshold state and gap flags depend only on its nearest two, so the
 * scenario asks the baseline's provider for the same origins over the changed points (withPoints) and
 * reads only the rows it searched again (nearestTwoChanges): under ESTIMATED those whose nearest two
 * include a closed point or that an added point comes at least as near as their second
 * (travel/estimated-delta.ts, the rule the next data version's tables are derived by too), less those
 * where only a second beyond the threshold gives way to a farther one. Every other row keeps its nearest
 * point and verdicts — all that access, flags and indicators read — so they equal the baseline's judged
 * against the scenario's threshold. Indicators are updated only for the areas holding a changed settlement: the
 * area's baseline row and sums are computed once (the sums of computeIndicators over its members, cached
 * in the baseline per type, threshold and grouping), then the changed settlements' contributions are
 * taken away and added back. The cost grows with the change, not with the country. When the provider
 * cannot derive the rows (most of them change; NETWORK labels) every settlement is read from its table.
 * `strategy: 'FULL'` rebuilds the engine and recomputes every settlement and area with computeAccessTable
 * and computeIndicators: the tests' oracle and the bench's baseline. Both give the same result (the mean
 * minutes up to float rounding).
 */

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
  // The full recompute rebuilds the engine; the incremental path derives from the baseline's indexes and
  // builds a type's index over the changed points only when its provider asks for it.
  const addPoints = changes.addPoints.map((p) => ({ ...p, serviceTypes: [...p.serviceTypes] }));
  const changedEngine =
    strategy === 'FULL'
      ? new AccessEngine(
          [...points.filter((p) => !closed.has(p.id)), ...addPoints],
          input.catalogue.filter((t) => input.types.includes(t.code)),
        )
      : baseline.engine.withChanges(closed, addPoints);
  const types = input.types.map((code) => evaluateType({ input, baseline, changedEngine, code, strategy }));
  return {
    types,
    closedPointIds: [...closed],
    addedPointIds: changes.addPoints.map((p) => p.id),
    method: `${
      baseline.travel.method === 'NETWORK'
        ? 'every settlement and area re-read from road labels updated incrementally where few points change (the nodes the closed points served relabelled, bounded searches from added points; else one full search per type)'
        : strategy === 'FULL'
          ? 'full recompute of every settlement and area'
          : 'incremental: searched again the settlements whose nearest two include a closed point or that an added point comes nearer than their second, and their areas'
    }; travel: ${travelMethodLabel(baseline.travel.method)}`,
  };
}

function evaluateType(ctx: TypeContext): ScenarioTypeResult {
  const { input, baseline, changedEngine, code } = ctx;
  const { settlements } = input;
  const type = baseline.engine.serviceType(code);
  const threshold = input.changes.thresholdMinutes[code] ?? type.thresholdMinutes;
  const before = judgedBaseline(baseline, code, threshold);
  const beforePoints = baseline.engine.index(code).points;

  // Row j of `after` is settlement affected[j]; its pointIndex values index afterPoints.
  // FULL is the oracle: under ESTIMATED a provider without a parent searches every origin. A NETWORK
  // provider's withPoints derives road labels, as every NETWORK scenario does.
  const travel =
    ctx.strategy === 'FULL' && baseline.travel.method === 'ESTIMATED'
      ? new EstimatedTravelCost(baseline.travel.origins, changedEngine, baseline.travel.model)
      : baseline.travel.withPoints(changedEngine);
  const afterPoints = changedEngine.pointsOf(code);
  const changes =
    ctx.strategy === 'FULL'
      ? null
      : (travel.nearestTwoChanges?.(code, { thresholdMinutes: threshold }) ?? null);
  let affected: Int32Array;
  let after: AccessTable;
  if (changes !== null) {
    ({ rows: affected, table: after } = changes);
  } else {
    affected = Int32Array.from(settlements.keys());
    after = travel.table(code, { thresholdMinutes: threshold, k: 2 });
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
    // Only the rows whose flags can differ (the rule lives beside the flag rules, in gaps.ts).
    if (!gapFlagCodesMayDiffer(before, i, pointBefore, after, j, pointAfter)) return;
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
