import type { AccessEngine, AccessTable } from '../access.js';
import type { GapFlag, GapOptions } from '../gaps.js';
import type { AreaIndicatorRow, AreaSums } from '../indicators.js';
import type { TravelCost } from '../travel/travel-cost.js';
import type { EnginePoint, EngineSettlement, ServiceTypeDef, TravelModel } from '../types.js';

/** The scenario folder's inputs, results and baseline. */

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
  /**
   * Per type, the k = 2 table (the catalogue threshold; evaluation applies overrides): the provider's own,
   * from which its withPoints derives a scenario's nearest two.
   */
  readonly tables: ReadonlyMap<string, AccessTable>;
  /** Settlement indices per area code, per grouping. */
  readonly areaMembers: { MUNICIPALITY: Map<string, number[]>; COUNTY: Map<string, number[]> };
  /** Baseline indicator rows and sums per type, threshold, grouping and area, filled on first use. */
  readonly indicatorCache: Map<string, CachedArea>;
  /** Per type and threshold override, the table re-judged against that threshold (filled on first use). */
  readonly judgedTables: Map<string, AccessTable>;
  /** The settlements' columns as typed arrays (same order), so hot loops do not chase objects. */
  readonly columns: SettlementColumns;
}

/** Typed-array columns of the settlements used by the incremental indicators. */
export interface SettlementColumns {
  readonly population: Float64Array;
  /** 1 when population65Plus is known (not null). */
  readonly knows65Plus: Uint8Array;
  /** population65Plus ?? 0. */
  readonly population65Plus: Float64Array;
}

/** What one type's evaluation reads (internal to the scenario folder). */
export interface TypeContext {
  input: ScenarioInput;
  baseline: ScenarioBaseline;
  /** The baseline's points with the scenario's closures and additions (indexes built as asked). */
  changedEngine: AccessEngine;
  code: string;
  strategy: 'INCREMENTAL' | 'FULL';
}

/** An area's baseline indicator row with the sums behind it, so changes can be added and taken away. */
export interface CachedArea {
  row: AreaIndicatorRow;
  sums: AreaSums;
}
