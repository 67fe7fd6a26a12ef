import type { GapFlag, GapOptions } from '../../engine/gaps.js';
import type { AreaIndicatorRow } from '../../engine/indicators.js';
import type {
  AddedPoint,
  AreaIndicatorDelta,
  ScenarioResult,
  ScenarioTypeResult,
  SettlementAccessChange,
} from '../../engine/scenario/index.js';
import { EngineInputError } from '../../engine/errors.js';
import { evaluateScenario } from '../../engine/scenario/index.js';
import type { TravelModel } from '../../engine/types.js';
import { invalid } from '../../domain-error.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import type { Settlement } from '../settlements/settlement.repository.js';
import type { StoredScenarioChanges } from './scenario-changes.js';
import { toEngineChanges } from './scenario-changes.js';

import type { AreaLevel } from '../../domain.js';

export type { AreaLevel };

/** One settlement whose access to one type changes, with the points resolved. */
export interface AccessChangeView {
  settlement: Settlement;
  servicePointBefore: ServicePoint | null;
  /** An existing point; null when the nearest after is none or one of the scenario's new points. */
  servicePointAfter: ServicePoint | null;
  addedServicePointAfter: AddedPoint | null;
  minutesBefore: number | null;
  minutesAfter: number | null;
  withinBefore: boolean;
  withinAfter: boolean;
}

export type IndicatorRowView = AreaIndicatorRow & { areaName: string | null };

export interface IndicatorDeltaView {
  areaCode: string;
  areaName: string | null;
  before: IndicatorRowView;
  after: IndicatorRowView;
  delta: AreaIndicatorDelta['delta'];
}

export interface FlagChangeView {
  settlement: Settlement;
  serviceType: string;
  appeared: GapFlag[];
  vanished: GapFlag[];
}

export interface ScenarioTypeView {
  serviceType: string;
  thresholdMinutes: number;
  gainingAccess: AccessChangeView[];
  losingAccess: AccessChangeView[];
  accessChanged: AccessChangeView[];
  populationGainingAccess: number;
  populationLosingAccess: number;
  indicatorDeltas: IndicatorDeltaView[];
  flagChanges: FlagChangeView[];
  recomputedSettlements: number;
}

export interface ScenarioView {
  byServiceType: ScenarioTypeView[];
  populationGainingAccess: number;
  populationLosingAccess: number;
  closedServicePoints: ServicePoint[];
  addedServicePoints: AddedPoint[];
  ignoredServicePointIds: string[];
  method: string;
}

export interface EvaluateOptions {
  /** Types to evaluate; null = every type the changes touch (closed and added points' types, overrides). */
  types: readonly string[] | null;
  groupBy: AreaLevel;
  model: TravelModel;
  gapOptions: Partial<GapOptions>;
  /** Area names by code for the grouping level. */
  areaNames: ReadonlyMap<string, string | null>;
}

/** The types a set of changes touches, in catalogue order. */
export function touchedTypes(snapshot: AnalysisSnapshot, stored: StoredScenarioChanges): string[] {
  const touched = new Set<string>();
  for (const id of stored.closeServicePointIds) {
    for (const code of snapshot.pointsById.get(id)?.serviceTypes ?? []) touched.add(code);
  }
  for (const p of stored.addServicePoints) for (const code of p.serviceTypes) touched.add(code);
  for (const o of stored.thresholdMinutes) touched.add(o.serviceType);
  return snapshot.catalogue.map((t) => t.code).filter((code) => touched.has(code));
}

/**
 * Evaluates changes against the snapshot's cached scenario baseline (built once per data version and
 * travel model): who gains and loses access per type, indicator deltas per area, flags appeared/vanished.
 * Engine input errors (unknown ids, bad thresholds) become BAD_USER_INPUT.
 */
export function evaluateChanges(
  snapshot: AnalysisSnapshot,
  stored: StoredScenarioChanges,
  options: EvaluateOptions,
): ScenarioView {
  const { changes, ignoredServicePointIds, addedPoints } = toEngineChanges(snapshot, stored);
  const types = options.types ?? touchedTypes(snapshot, stored);
  let result: ScenarioResult;
  try {
    result = evaluateScenario(
      {
        settlements: snapshot.settlements,
        points: snapshot.openPoints,
        catalogue: snapshot.catalogue,
        types,
        model: options.model,
        changes,
        groupBy: options.groupBy,
        gapOptions: options.gapOptions,
      },
      { baseline: snapshot.scenarioBaseline(options.model) },
    );
  } catch (error) {
    if (error instanceof EngineInputError) throw invalid(error.message, 'changes');
    throw error;
  }
  const added = new Map(addedPoints.map((p) => [p.id, p]));
  const byServiceType = result.types.map((r) => typeView(snapshot, r, added, options.areaNames));
  return {
    byServiceType,
    populationGainingAccess: byServiceType.reduce((sum, t) => sum + t.populationGainingAccess, 0),
    populationLosingAccess: byServiceType.reduce((sum, t) => sum + t.populationLosingAccess, 0),
    closedServicePoints: result.closedPointIds.map((id) => snapshot.pointsById.get(id)!),
    addedServicePoints: addedPoints,
    ignoredServicePointIds,
    method: result.method,
  };
}

function typeView(
  snapshot: AnalysisSnapshot,
  r: ScenarioTypeResult,
  added: ReadonlyMap<string, AddedPoint>,
  areaNames: ReadonlyMap<string, string | null>,
): ScenarioTypeView {
  const change = (c: SettlementAccessChange): AccessChangeView => ({
    settlement: snapshot.settlements[c.settlementIndex]!,
    servicePointBefore: c.pointIdBefore === null ? null : (snapshot.pointsById.get(c.pointIdBefore) ?? null),
    servicePointAfter: c.pointIdAfter === null ? null : (snapshot.pointsById.get(c.pointIdAfter) ?? null),
    addedServicePointAfter: c.pointIdAfter === null ? null : (added.get(c.pointIdAfter) ?? null),
    minutesBefore: c.minutesBefore,
    minutesAfter: c.minutesAfter,
    withinBefore: c.withinBefore,
    withinAfter: c.withinAfter,
  });
  const named = (row: AreaIndicatorRow): IndicatorRowView => ({
    ...row,
    areaName: areaNames.get(row.areaCode) ?? null,
  });
  return {
    serviceType: r.serviceType,
    thresholdMinutes: r.thresholdMinutes,
    gainingAccess: r.gainingAccess.map(change),
    losingAccess: r.losingAccess.map(change),
    accessChanged: r.accessChanged.map(change),
    populationGainingAccess: r.populationGainingAccess,
    populationLosingAccess: r.populationLosingAccess,
    indicatorDeltas: r.indicatorDeltas.map((d) => ({
      areaCode: d.areaCode,
      areaName: areaNames.get(d.areaCode) ?? null,
      before: named(d.before),
      after: named(d.after),
      delta: d.delta,
    })),
    flagChanges: r.flagChanges.map((f) => ({
      settlement: snapshot.settlements[f.settlementIndex]!,
      serviceType: r.serviceType,
      appeared: f.appeared,
      vanished: f.vanished,
    })),
    recomputedSettlements: r.recomputedSettlements,
  };
}
