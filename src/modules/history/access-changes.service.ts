import type { AreaIndicatorRow } from '../../engine/indicators.js';
import type { TravelModel } from '../../engine/types.js';
import { indicatorsAmong } from '../access/access.service.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { ServicePoint } from '../service-points/service-point.repository.js';
import type { Settlement } from '../settlements/settlement.repository.js';

/** One area's indicators on both dates. */
export interface IndicatorDelta {
  areaCode: string;
  before: AreaIndicatorRow | null;
  after: AreaIndicatorRow | null;
}

/** What changed for one service type between two dates: the "since last year" table of a service plan. */
export interface AccessChanges {
  serviceType: string;
  from: string;
  to: string;
  thresholdMinutes: number;
  /** Points of the type in service on `to` but not on `from`, in the area. */
  pointsOpened: ServicePoint[];
  /** Points of the type in service on `from` but not on `to`, in the area. */
  pointsClosed: ServicePoint[];
  /** Settlements (existing on both dates) within the threshold on `from` and beyond it on `to`; most people first. */
  settlementsLosingAccess: Settlement[];
  settlementsGainingAccess: Settlement[];
  /** Their population (and 65+, where known) on `to`. */
  populationLosingAccess: number;
  populationGainingAccess: number;
  population65PlusLosingAccess: number;
  population65PlusGainingAccess: number;
  /** Indicators per municipality on both dates. */
  indicatorDeltas: IndicatorDelta[];
}

/** The two dated snapshots and the area's settlements in each (positions, ascending). */
export interface DatedArea {
  snapshot: AnalysisSnapshot;
  indices: readonly number[];
}

/**
 * Compares two dated snapshots (each cached, so a report or a second question reuses their access
 * tables): opened and closed points, settlements crossing the threshold, indicator deltas. `inArea` says
 * whether a point lies in the area (PostGIS decided it for the caller).
 */
export function accessChanges(
  code: string,
  from: DatedArea & { date: string },
  to: DatedArea & { date: string },
  model: TravelModel,
  inArea: (point: ServicePoint) => boolean,
  thresholdMinutes?: number,
): AccessChanges {
  const pointsOf = (s: AnalysisSnapshot) => s.openPoints.filter((p) => p.serviceTypes.includes(code));
  const before = pointsOf(from.snapshot);
  const after = pointsOf(to.snapshot);
  const beforeIds = new Set(before.map((p) => p.id));
  const afterIds = new Set(after.map((p) => p.id));
  const pointsOpened = after.filter((p) => !beforeIds.has(p.id) && inArea(p));
  const pointsClosed = before.filter((p) => !afterIds.has(p.id) && inArea(p));

  const tableFrom = from.snapshot.table(code, model, thresholdMinutes);
  const tableTo = to.snapshot.table(code, model, thresholdMinutes);
  const losing: Settlement[] = [];
  const gaining: Settlement[] = [];
  for (const i of to.indices) {
    const settlement = to.snapshot.settlements[i]!;
    const j = from.snapshot.settlementIndex.get(settlement.id);
    if (j === undefined) continue;
    const wasWithin = tableFrom.within[j] === 1;
    const isWithin = tableTo.within[i] === 1;
    if (wasWithin && !isWithin) losing.push(settlement);
    if (!wasWithin && isWithin) gaining.push(settlement);
  }
  const byPeople = (a: Settlement, b: Settlement) =>
    b.population - a.population || Number(a.id) - Number(b.id);
  losing.sort(byPeople);
  gaining.sort(byPeople);
  const sum = (list: Settlement[], f: (s: Settlement) => number | null) =>
    list.reduce((n, s) => n + (f(s) ?? 0), 0);

  const rowsFrom = indicatorsAmong(
    from.snapshot,
    from.indices,
    code,
    'MUNICIPALITY',
    model,
    thresholdMinutes,
  );
  const rowsTo = indicatorsAmong(to.snapshot, to.indices, code, 'MUNICIPALITY', model, thresholdMinutes);
  const codes = [...new Set([...rowsFrom, ...rowsTo].map((r) => r.areaCode))].sort();
  const indicatorDeltas = codes.map((areaCode) => ({
    areaCode,
    before: rowsFrom.find((r) => r.areaCode === areaCode) ?? null,
    after: rowsTo.find((r) => r.areaCode === areaCode) ?? null,
  }));

  return {
    serviceType: code,
    from: from.date,
    to: to.date,
    thresholdMinutes: tableTo.thresholdMinutes,
    pointsOpened,
    pointsClosed,
    settlementsLosingAccess: losing,
    settlementsGainingAccess: gaining,
    populationLosingAccess: sum(losing, (s) => s.population),
    populationGainingAccess: sum(gaining, (s) => s.population),
    population65PlusLosingAccess: sum(losing, (s) => s.population65Plus),
    population65PlusGainingAccess: sum(gaining, (s) => s.population65Plus),
    indicatorDeltas,
  };
}
