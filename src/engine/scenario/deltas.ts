import type { AccessTable } from '../access.js';
import {
  type AreaIndicatorRow,
  type AreaSums,
  addAccess,
  addResidents,
  areaRow,
  computeIndicators,
  DEFAULT_SHARE_MINUTES,
  emptyAreaSums,
  UNKNOWN_AREA,
} from '../indicators.js';
import type { EngineSettlement } from '../types.js';

import type { AreaIndicatorDelta, CachedArea, SettlementAccessChange, TypeContext } from './types.js';

/** Indicator rows before and after for every area holding a changed settlement, by areaCode. */
export function indicatorDeltas(
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
