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
 * Whether origin i of a table is a service desert for its type: no point in reach, minutes beyond the
 * table's threshold, or (when a km threshold applies) travel km = straight km × circuity beyond it.
 * `thresholdKm` defaults to the table's own; pass null to ignore distance.
 * @example isDesert(table, 0) // true when settlement 0 is more than table.thresholdMinutes away
 */
export function isDesert(table: AccessTable, i: number, thresholdKm?: number | null): boolean {
  if (table.pointIndex[i]! < 0) return true;
  if (!(table.minutes[i]! <= table.thresholdMinutes)) return true;
  const kmLimit = thresholdKm === undefined ? (table.thresholdKm ?? null) : thresholdKm;
  return kmLimit !== null && table.straightKm[i]! * table.model.circuityFactor > kmLimit;
}

/**
 * Indices (ascending) of every origin of the table that is a desert, as decided by {@link isDesert}.
 * @example desertIndices(computeAccessTable(settlements, engine, 'FUEL')) // [3, 17, 42]
 */
export function desertIndices(table: AccessTable, thresholdKm?: number | null): number[] {
  const deserts: number[] = [];
  for (let i = 0; i < table.pointIndex.length; i++) {
    if (isDesert(table, i, thresholdKm)) deserts.push(i);
  }
  return deserts;
}

interface Accumulator {
  population: number;
  population65Plus: number;
  knows65Plus: boolean;
  populationBeyond: number;
  population65PlusBeyond: number;
  settlementsBeyond: number;
  settlementsWithoutService: number;
  weightedMinutes: number;
  weightOfFiniteMinutes: number;
  populationWithin: number[];
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
  const areas = new Map<string, Accumulator>();
  settlements.forEach((settlement, i) => {
    const code =
      (groupBy === 'MUNICIPALITY' ? settlement.municipalityCode : settlement.countyCode) ?? UNKNOWN_AREA;
    let area = areas.get(code);
    if (area === undefined) {
      area = {
        population: 0,
        population65Plus: 0,
        knows65Plus: false,
        populationBeyond: 0,
        population65PlusBeyond: 0,
        settlementsBeyond: 0,
        settlementsWithoutService: 0,
        weightedMinutes: 0,
        weightOfFiniteMinutes: 0,
        populationWithin: shareMinutes.map(() => 0),
      };
      areas.set(code, area);
    }
    const population = settlement.population;
    const minutes = table.minutes[i]!;
    area.population += population;
    if (settlement.population65Plus !== null) {
      area.knows65Plus = true;
      area.population65Plus += settlement.population65Plus;
    }
    if (table.pointIndex[i]! < 0) area.settlementsWithoutService++;
    if (isDesert(table, i)) {
      area.settlementsBeyond++;
      area.populationBeyond += population;
      area.population65PlusBeyond += settlement.population65Plus ?? 0;
    }
    if (Number.isFinite(minutes)) {
      area.weightedMinutes += population * minutes;
      area.weightOfFiniteMinutes += population;
    }
    shareMinutes.forEach((m, j) => {
      if (minutes <= m) area.populationWithin[j]! += population;
    });
  });
  return [...areas.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([areaCode, area]) => ({
      areaCode,
      serviceType: table.serviceType,
      thresholdMinutes: table.thresholdMinutes,
      population: area.population,
      population65Plus: area.knows65Plus ? area.population65Plus : null,
      populationBeyondThreshold: area.populationBeyond,
      population65PlusBeyondThreshold: area.knows65Plus ? area.population65PlusBeyond : null,
      settlementsBeyondThreshold: area.settlementsBeyond,
      settlementsWithoutService: area.settlementsWithoutService,
      meanMinutesPopulationWeighted:
        area.population > 0 && area.weightOfFiniteMinutes > 0
          ? area.weightedMinutes / area.weightOfFiniteMinutes
          : null,
      shareWithin: shareMinutes.map((minutes, j) => ({
        minutes,
        share: area.population > 0 ? area.populationWithin[j]! / area.population : 0,
      })),
    }));
}
