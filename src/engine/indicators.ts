import type { AccessTable } from './access.js';
import type { EngineSettlement } from './types.js';

/** Access indicators of one area (municipality or county) for one service type, as national analyses report them. */
export interface AreaIndicatorRow {
  areaCode: string;
  serviceType: string;
  thresholdMinutes: number;
  population: number;
  /** Sum over the settlements that know it; null if no settlement in the area knows it. */
  population65Plus: number | null;
  populationBeyondThreshold: number;
  /** 65+ population of the deserts that know it; null when population65Plus is null. */
  population65PlusBeyondThreshold: number | null;
  /** Deserts (see {@link isDesert}), including settlements without any point of the type in reach. */
  settlementsBeyondThreshold: number;
  /** Settlements with no point of the type at all within reach (pointIndex -1). */
  settlementsWithoutService: number;
  /** Population-weighted mean minutes over settlements with a finite time; null if none or population 0. */
  meanMinutesPopulationWeighted: number | null;
  /** For each m: the population share (0..1) whose minutes ≤ m; 0 when the area's population is 0. */
  shareWithin: { minutes: number; share: number }[];
}

/** Default share-within steps in minutes, as in national service analyses. */
export const DEFAULT_SHARE_MINUTES: readonly number[] = [5, 10, 20, 30];

/** The area code used for settlements whose municipality or county code is null. */
export const UNKNOWN_AREA = 'UNKNOWN';

/**
 * Whether origin i of a table is a service desert for its type: the table's verdict (verdict.ts) says its
 * nearest point is not within the thresholds — no point in reach, minutes beyond the threshold, or travel
 * km beyond a km threshold. To judge against other thresholds, re-judge the table (applyThresholds).
 * @example isDesert(table, 0) // true when settlement 0 is more than table.thresholdMinutes away
 */
export function isDesert(table: AccessTable, i: number): boolean {
  return table.within[i] !== 1;
}

/**
 * Indices (ascending) of every origin of the table that is a desert, as decided by {@link isDesert}.
 * @example desertIndices(computeAccessTable(settlements, engine, 'FUEL')) // [3, 17, 42]
 */
export function desertIndices(table: AccessTable): number[] {
  const deserts: number[] = [];
  for (let i = 0; i < table.pointIndex.length; i++) {
    if (isDesert(table, i)) deserts.push(i);
  }
  return deserts;
}

/**
 * The running sums behind one area's indicator row. computeIndicators and the scenarios' incremental
 * area updates both use these functions, so the two can never drift apart.
 */
export interface AreaSums {
  population: number;
  population65Plus: number;
  knows65Plus: boolean;
  populationBeyond: number;
  population65PlusBeyond: number;
  settlementsBeyond: number;
  settlementsWithoutService: number;
  weightedMinutes: number;
  finitePopulation: number;
  /** Population within each of the share-within minutes. */
  populationWithin: number[];
}

export function emptyAreaSums(shareCount: number): AreaSums {
  return {
    population: 0,
    population65Plus: 0,
    knows65Plus: false,
    populationBeyond: 0,
    population65PlusBeyond: 0,
    settlementsBeyond: 0,
    settlementsWithoutService: 0,
    weightedMinutes: 0,
    finitePopulation: 0,
    populationWithin: new Array<number>(shareCount).fill(0),
  };
}

/** Adds an origin's residents to the area's totals (they do not depend on access). */
export function addResidents(sums: AreaSums, population: number, population65Plus: number | null): void {
  sums.population += population;
  if (population65Plus !== null) {
    sums.knows65Plus = true;
    sums.population65Plus += population65Plus;
  }
}

/**
 * Adds (sign 1) or takes away (sign −1) the access of row `i` of a table for an origin with these
 * residents: deserts by the table's verdict, the population-weighted minutes, the shares within.
 */
export function addAccess(
  sums: AreaSums,
  population: number,
  population65Plus: number | null,
  table: AccessTable,
  i: number,
  shareMinutes: readonly number[],
  sign: 1 | -1 = 1,
): void {
  const minutes = table.minutes[i]!;
  if (table.pointIndex[i]! < 0) sums.settlementsWithoutService += sign;
  if (table.within[i] !== 1) {
    sums.settlementsBeyond += sign;
    sums.populationBeyond += sign * population;
    sums.population65PlusBeyond += sign * (population65Plus ?? 0);
  }
  if (Number.isFinite(minutes)) {
    sums.weightedMinutes += sign * population * minutes;
    sums.finitePopulation += sign * population;
  }
  for (let k = 0; k < shareMinutes.length; k++) {
    if (minutes <= shareMinutes[k]!) sums.populationWithin[k]! += sign * population;
  }
}

/** The indicator row of an area from its sums. */
export function areaRow(
  areaCode: string,
  table: Pick<AccessTable, 'serviceType' | 'thresholdMinutes'>,
  sums: AreaSums,
  shareMinutes: readonly number[],
): AreaIndicatorRow {
  return {
    areaCode,
    serviceType: table.serviceType,
    thresholdMinutes: table.thresholdMinutes,
    population: sums.population,
    population65Plus: sums.knows65Plus ? sums.population65Plus : null,
    populationBeyondThreshold: sums.populationBeyond,
    population65PlusBeyondThreshold: sums.knows65Plus ? sums.population65PlusBeyond : null,
    settlementsBeyondThreshold: sums.settlementsBeyond,
    settlementsWithoutService: sums.settlementsWithoutService,
    meanMinutesPopulationWeighted:
      sums.population > 0 && sums.finitePopulation > 0 ? sums.weightedMinutes / sums.finitePopulation : null,
    shareWithin: shareMinutes.map((minutes, j) => ({
      minutes,
      share: sums.population > 0 ? sums.populationWithin[j]! / sums.population : 0,
    })),
  };
}

/**
 * Indicators per municipality or county from one access table, in one pass, rows sorted by areaCode;
 * settlements with a null code are grouped under 'UNKNOWN'. `settlements[i]` must be origin i of the table.
 *
 * The mean access time is population-weighted over the settlements that have a finite time, so it
 * describes those who have a point in reach; settlements without any are reported separately in
 * settlementsWithoutService (and counted in settlementsBeyondThreshold and populationBeyondThreshold).
 * @example
 * const rows = computeIndicators(settlements, computeAccessTable(settlements, engine, 'PHARMACY'), 'MUNICIPALITY');
 * rows[0].shareWithin // [{ minutes: 5, share: 0.61 }, { minutes: 10, share: 0.8 }, …]
 */
export function computeIndicators(
  settlements: readonly EngineSettlement[],
  table: AccessTable,
  groupBy: 'MUNICIPALITY' | 'COUNTY',
  options: { shareMinutes?: number[] } = {},
): AreaIndicatorRow[] {
  if (settlements.length !== table.pointIndex.length) {
    throw new RangeError(
      `computeIndicators: ${settlements.length} settlements but the ${table.serviceType} table has ${table.pointIndex.length} origins`,
    );
  }
  const shareMinutes = [...(options.shareMinutes ?? DEFAULT_SHARE_MINUTES)];
  const areas = new Map<string, AreaSums>();
  settlements.forEach((settlement, i) => {
    const code =
      (groupBy === 'MUNICIPALITY' ? settlement.municipalityCode : settlement.countyCode) ?? UNKNOWN_AREA;
    let area = areas.get(code);
    if (area === undefined) {
      area = emptyAreaSums(shareMinutes.length);
      areas.set(code, area);
    }
    addResidents(area, settlement.population, settlement.population65Plus);
    addAccess(area, settlement.population, settlement.population65Plus, table, i, shareMinutes);
  });
  return [...areas.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([areaCode, area]) => areaRow(areaCode, table, area, shareMinutes));
}
