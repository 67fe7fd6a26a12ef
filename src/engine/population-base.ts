/**
 * Who the residents are: population grid cells where a grid covers a municipality, settlements
 * elsewhere — every resident counted once. Settlements (tätorter, villages) stay the places answers are
 * about (a village's access, its gap flags); population totals, people in deserts, mean minutes and shares
 * within come from the resident origins, so the ~1 in 6 people living outside every tätort are counted.
 */
import type { AccessTable } from './access.js';
import type { AreaIndicatorRow } from './indicators.js';
import {
  areaRow,
  computeIndicators,
  DEFAULT_SHARE_MINUTES,
  emptyAreaSums,
  UNKNOWN_AREA,
} from './indicators.js';
import type { EngineSettlement } from './types.js';

/** A population grid square as the engine sees it: its centre and residents. */
export interface EngineGridCell {
  /** The cell id (SCB rutid). */
  id: string;
  sizeM: number;
  lon: number;
  lat: number;
  population: number;
  population65Plus: number | null;
  population80Plus: number | null;
  municipalityCode: string | null;
  countyCode: string | null;
}

/** What an answer's population figures were counted from. */
export type PopulationBase = 'GRID' | 'SETTLEMENTS' | 'MIXED';

/** One origin of the resident set. */
export interface ResidentOrigin extends EngineSettlement {
  population80Plus: number | null;
  /** True for a grid cell, false for a settlement outside the grid. */
  grid: boolean;
}

/** The resident origins: every grid cell, then the settlements of municipalities the grid does not cover. */
export interface ResidentOrigins {
  origins: ResidentOrigin[];
  /** origins[0 .. gridCount) are the grid cells, in the order given. */
  gridCount: number;
  /** For settlement i: its position in `origins`, or -1 when the grid covers its municipality. */
  settlementOrigin: Int32Array;
  /** Municipalities with at least one grid cell. */
  covered: ReadonlySet<string>;
}

/**
 * The resident origins. A municipality is covered by the grid when any cell lies in it (SCB grids list
 * every populated square, so a municipality in the file is wholly in it); its settlements are then left
 * out (their people are in the cells). Settlements with no municipality code stay in (nothing says the
 * grid holds them): import settlements with codes when a grid is loaded.
 * @example residentOrigins(settlements, []).origins.length === settlements.length // no grid: settlements
 */
export function residentOrigins(
  settlements: readonly EngineSettlement[],
  cells: readonly EngineGridCell[],
): ResidentOrigins {
  const covered = new Set<string>();
  for (const c of cells) if (c.municipalityCode !== null) covered.add(c.municipalityCode);
  const origins: ResidentOrigin[] = cells.map((c) => ({
    id: c.id,
    name: c.id,
    lon: c.lon,
    lat: c.lat,
    population: c.population,
    population65Plus: c.population65Plus,
    population80Plus: c.population80Plus,
    municipalityCode: c.municipalityCode,
    countyCode: c.countyCode,
    broadbandShare: null,
    grid: true,
  }));
  const settlementOrigin = new Int32Array(settlements.length).fill(-1);
  settlements.forEach((s, i) => {
    if (s.municipalityCode !== null && covered.has(s.municipalityCode)) return;
    settlementOrigin[i] = origins.length;
    origins.push({ ...s, population80Plus: null, grid: false });
  });
  return { origins, gridCount: cells.length, settlementOrigin, covered };
}

/** An indicator row that says what its population figures were counted from. */
export type BasedIndicatorRow = AreaIndicatorRow & { populationBase: PopulationBase };

/**
 * Indicators per area with the population counted from the resident origins: population, 65+, people
 * beyond the threshold, mean minutes and shares within from `residents` (rows `residentTable`); the
 * settlement counts (settlementsBeyondThreshold, settlementsWithoutService) from the settlements
 * (`settlementTable`). Each row says its base: GRID (every origin of the area a grid cell), SETTLEMENTS
 * (none), MIXED (a county or area only partly covered). Both tables must be over exactly the given
 * origins (subset them first).
 */
export function indicatorsByPopulationBase(
  settlements: readonly EngineSettlement[],
  settlementTable: AccessTable,
  residents: readonly ResidentOrigin[],
  residentTable: AccessTable,
  groupBy: 'MUNICIPALITY' | 'COUNTY',
): BasedIndicatorRow[] {
  const bySettlements = new Map(
    computeIndicators(settlements, settlementTable, groupBy).map((r) => [r.areaCode, r]),
  );
  const byResidents = computeIndicators(residents, residentTable, groupBy);
  const gridOrigins = new Map<string, { grid: number; other: number }>();
  for (const r of residents) {
    const code = (groupBy === 'MUNICIPALITY' ? r.municipalityCode : r.countyCode) ?? UNKNOWN_AREA;
    let counts = gridOrigins.get(code);
    if (counts === undefined) {
      counts = { grid: 0, other: 0 };
      gridOrigins.set(code, counts);
    }
    if (r.grid) counts.grid++;
    else counts.other++;
  }
  const rows: BasedIndicatorRow[] = byResidents.map((row) => {
    const counts = gridOrigins.get(row.areaCode)!;
    const base: PopulationBase = counts.other === 0 ? 'GRID' : counts.grid === 0 ? 'SETTLEMENTS' : 'MIXED';
    const places = bySettlements.get(row.areaCode);
    return {
      ...row,
      settlementsBeyondThreshold: places?.settlementsBeyondThreshold ?? 0,
      settlementsWithoutService: places?.settlementsWithoutService ?? 0,
      populationBase: base,
    };
  });
  // Settlements of a covered municipality whose cells all lie outside the area asked for (a bbox through
  // a village): their counts still show, with no residents in the area.
  const shareMinutes = byResidents[0]?.shareWithin.map((s) => s.minutes) ?? [...DEFAULT_SHARE_MINUTES];
  for (const [code, places] of bySettlements) {
    if (gridOrigins.has(code)) continue;
    rows.push({
      ...areaRow(code, residentTable, emptyAreaSums(shareMinutes.length), shareMinutes),
      settlementsBeyondThreshold: places.settlementsBeyondThreshold,
      settlementsWithoutService: places.settlementsWithoutService,
      populationBase: 'GRID',
    });
  }
  return rows.sort((a, b) => (a.areaCode < b.areaCode ? -1 : a.areaCode > b.areaCode ? 1 : 0));
}
