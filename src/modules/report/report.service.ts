import type { Deps, SharedDeps } from '../../deps.js';
import { DomainError } from '../../domain-error.js';
import type { AreaIndicatorRow } from '../../engine/indicators.js';
import { stockholmWallClock } from '../../engine/opening-hours.js';
import { travelMethodLabel } from '../../engine/travel/travel-cost.js';
import { indicatorsWithBase } from '../access/access.service.js';
import { residentsInArea } from '../access/area-settlements.js';
import { listAreas } from '../areas/area.repository.js';
import { connectivityIndex } from '../connectivity/connectivity.js';
import { accessChangesFor, snapshotDates } from '../history/history.service.js';
import { dataSourceRows } from './report.repository.js';
import { runAnalysis } from '../../workers/run-analysis.js';
import type { ReportAnalyses } from './report.analyses.js';
import type { ReportMap, ReportSettlement } from './report.maps.js';
import { reportMaps } from './report.maps.js';

export type { ReportMap, ReportMapPoint, ReportSettlement } from './report.maps.js';

/**
 * The municipal service plan's numbers, gathered by calling the SAME use cases the GraphQL resolvers call
 * (residentsInArea, indicatorsWithBase, desertsAmong, gapAnalysis, closureImpactAmong, suggestSites,
 * eServicePotential, accessChangesFor) over the same cached snapshots, so every figure equals the API's
 * answer to the same question. Rendering (HTML, CSV) only formats this object.
 */

/** The service types a plan maps and compares in detail (those of the catalogue, in this order). */
export const KEY_SERVICE_TYPES = ['GROCERY', 'PHARMACY', 'PRIMARY_CARE', 'POST'] as const;

/** The plan: its analyses (report.analyses.ts) and what the report gathers around them. */
export interface MunicipalityReport extends ReportAnalyses {
  code: string;
  name: string;
  countyCode: string;
  countyName: string | null;
  generatedAt: string;
  dataVersion: number;
  travelMethod: string;
  /** The travel model's code (the plan words it in its language). */
  travelMethodCode: 'NETWORK' | 'ESTIMATED';
  catalogue: { code: string; nameSv: string; nameEn: string; thresholdMinutes: number }[];
  keyTypes: string[];
  settlements: ReportSettlement[];
  population: number;
  population65Plus: number | null;
  /** The municipality's population grid cells (every resident), when a grid covers it. */
  grid: { cells: number; cellSizeM: number; population: number; population65Plus: number } | null;
  changes: {
    from: string;
    to: string;
    perType: {
      serviceType: string;
      pointsOpened: string[];
      pointsClosed: string[];
      settlementsLosingAccess: string[];
      settlementsGainingAccess: string[];
      populationLosingAccess: number;
      populationGainingAccess: number;
      population65PlusLosingAccess: number;
      population65PlusGainingAccess: number;
      populationBeyondThresholdDelta: number;
    }[];
  } | null;
  weekend: {
    tuesday: string;
    saturday: string;
    rows: {
      serviceType: string;
      tuesday: AreaIndicatorRow | null;
      saturday: AreaIndicatorRow | null;
      pointsWithUnknownHours: number;
    }[];
  };
  sources: { table: string; source: string; rows: number; lastImport: string | null; licence: string }[];
  maps: ReportMap[];
}

/** The municipality does not exist (no area, no settlements): the HTTP route answers 404. */
export class ReportNotFoundError extends DomainError {
  constructor(code: string) {
    super(
      'NOT_FOUND',
      `no municipality ${code}: give a 4-digit SCB municipality code with data, e.g. 2085`,
      'code',
    );
  }
}

/** An area's residents, or none when the database does not know the code (NOT_FOUND from residentsInArea). */
async function residentsInKnownArea(ctx: Deps, area: { municipalityCode?: string; countyCode?: string }) {
  try {
    return await residentsInArea(ctx, area);
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== 'NOT_FOUND') throw error;
    return { snapshot: await ctx.snapshot(), indices: [] as number[], residentIndices: [] as number[] };
  }
}

/** Europe/Stockholm local time (y, m 1-12, d, h, min) as an instant (DST from tzdata via Intl). */
export function stockholmInstant(y: number, m: number, d: number, h: number, min = 0): Date {
  const guess = Date.UTC(y, m - 1, d, h, min);
  const local = stockholmWallClock(new Date(guess));
  const asUtc = Date.UTC(
    local.getFullYear(),
    local.getMonth(),
    local.getDate(),
    local.getHours(),
    local.getMinutes(),
  );
  return new Date(guess - (asUtc - guess));
}

/** The next Tuesday 10:00 and Saturday 16:00 (Stockholm) on or after the day of `now`. */
export function weekendComparisonTimes(now: Date): { tuesday: Date; saturday: Date } {
  const local = stockholmWallClock(now);
  const next = (weekday: number, hour: number) => {
    const ahead = (weekday - local.getDay() + 7) % 7;
    const day = new Date(local.getFullYear(), local.getMonth(), local.getDate() + ahead);
    return stockholmInstant(day.getFullYear(), day.getMonth() + 1, day.getDate(), hour);
  };
  return { tuesday: next(2, 10), saturday: next(6, 16) };
}

/** A licence note for a source label (what we know of the usual sources; otherwise: see the source). */
export function licenceOf(source: string): string {
  const s = source.toLowerCase();
  if (s.includes('generated')) return 'Generated demo data, not observed (no licence needed)';
  if (s.includes('geonames')) return 'GeoNames, CC BY 4.0';
  if (s.includes('osm') || s.includes('openstreetmap')) return '© OpenStreetMap contributors, ODbL 1.0';
  if (s.includes('scb')) return 'SCB (Statistics Sweden), CC0';
  return 'See the source’s own terms';
}

/** Gathers the plan of one municipality (code: 4 digits). */
export async function municipalityReport(
  services: SharedDeps,
  code: string,
  options: { now?: Date } = {},
): Promise<MunicipalityReport> {
  if (!/^\d{4}$/.test(code)) throw new ReportNotFoundError(code);
  const ctx = services.deps();
  const now = options.now ?? new Date();
  const model = ctx.config.travelModel;
  const area = { municipalityCode: code };
  const countyCode = code.slice(0, 2);
  const { snapshot, indices, residentIndices } = await residentsInKnownArea(ctx, area);
  const municipalities = new Map((await listAreas(ctx.db, 'MUNICIPALITY')).map((a) => [a.code, a.name]));
  const counties = new Map((await listAreas(ctx.db, 'COUNTY')).map((a) => [a.code, a.name]));
  if (indices.length === 0 && !municipalities.has(code)) throw new ReportNotFoundError(code);
  const county = await residentsInKnownArea(ctx, { countyCode });
  const catalogue = snapshot.catalogue.map((t) => ({
    code: t.code,
    nameSv: t.nameSv,
    nameEn: t.nameEn,
    thresholdMinutes: t.thresholdMinutes,
  }));
  const codes = catalogue.map((t) => t.code);
  const keyTypes = KEY_SERVICE_TYPES.filter((c) => codes.includes(c));

  const settlements = indices
    .map((i) => snapshot.settlements[i]!)
    .map((s) => ({
      id: s.id,
      name: s.name,
      kind: s.kind,
      population: s.population,
      population65Plus: s.population65Plus,
      lon: s.lon,
      lat: s.lat,
    }))
    .sort((a, b) => b.population - a.population || a.name.localeCompare(b.name, 'sv'));
  const population = settlements.reduce((n, s) => n + s.population, 0);
  const known65 = settlements.filter((s) => s.population65Plus !== null);
  const population65Plus = known65.length === 0 ? null : known65.reduce((n, s) => n + s.population65Plus!, 0);
  // Where a population grid covers the municipality, every resident (also outside the settlements).
  const cells = snapshot.grid.filter((c) => c.municipalityCode === code);
  const grid =
    cells.length === 0
      ? null
      : {
          cells: cells.length,
          cellSizeM: cells[0]!.sizeM,
          population: cells.reduce((n, c) => n + c.population, 0),
          population65Plus: cells.reduce((n, c) => n + (c.population65Plus ?? 0), 0),
        };

  // The analyses (indicators, deserts, gaps, closures, sites, e-services) on the analysis pool: their
  // cost grows with the municipality, and none of it may hold the server's event loop.
  const connectivity = await connectivityIndex(ctx.db, snapshot);
  // The county's positions are in its own snapshot: the same one, unless a write landed in between.
  const sameSnapshot = county.snapshot === snapshot;
  const analyses = await runAnalysis(ctx, snapshot, 'reportAnalyses', {
    indices,
    residentIndices,
    county: sameSnapshot ? { indices: county.indices, residentIndices: county.residentIndices } : null,
    codes,
    keyTypes,
    model,
    minBroadbandShare: ctx.config.minBroadbandShare,
    connectivity: connectivity.records,
  });
  const { deserts, gaps, closures, sites, eServices } = analyses;
  const indicators = sameSnapshot
    ? analyses.indicators
    : analyses.indicators.map((row) => ({
        ...row,
        county:
          indicatorsWithBase(
            county.snapshot,
            county.indices,
            county.residentIndices,
            row.serviceType,
            'COUNTY',
            model,
          )[0] ?? null,
      }));

  const changes = await changesSincePreviousSnapshot(ctx, code, keyTypes, now);

  const { tuesday, saturday } = weekendComparisonTimes(now);
  // Only the open-at snapshots: the area's positions are `indices`, looked up above.
  const weekdaySnapshot = await ctx.snapshot({ at: tuesday });
  const weekendSnapshot = await ctx.snapshot({ at: saturday });
  const weekend = {
    tuesday: tuesday.toISOString(),
    saturday: saturday.toISOString(),
    rows: keyTypes.map((type) => ({
      serviceType: type,
      tuesday:
        indicatorsWithBase(weekdaySnapshot, indices, residentIndices, type, 'MUNICIPALITY', model)[0] ?? null,
      saturday:
        indicatorsWithBase(weekendSnapshot, indices, residentIndices, type, 'MUNICIPALITY', model)[0] ?? null,
      pointsWithUnknownHours: snapshot.openPoints.filter(
        (p) => p.serviceTypes.includes(type) && p.municipalityCode === code && snapshot.hoursUnknown(p),
      ).length,
    })),
  };

  const maps = await reportMaps(services, ctx, code, indices, keyTypes);
  return {
    code,
    name: municipalities.get(code) ?? code,
    countyCode,
    countyName: counties.get(countyCode) ?? null,
    generatedAt: now.toISOString(),
    dataVersion: snapshot.version,
    travelMethod: travelMethodLabel(snapshot.travel(model).method),
    travelMethodCode: snapshot.travel(model).method,
    catalogue,
    keyTypes: [...keyTypes],
    settlements,
    population,
    population65Plus,
    grid,
    indicators,
    deserts,
    gaps,
    closures,
    sites,
    eServices,
    changes,
    weekend,
    sources: await dataSources(ctx),
    maps,
  };
}

/** accessChanges from the previous snapshot date to today, per key type; null without an earlier snapshot. */
async function changesSincePreviousSnapshot(
  ctx: Deps,
  code: string,
  keyTypes: readonly string[],
  now: Date,
): Promise<MunicipalityReport['changes']> {
  const local = stockholmWallClock(now);
  const today = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}`;
  const past = (await snapshotDates(ctx)).filter((d) => d <= today);
  // The previous snapshot: the one before the latest (the latest is the current state, with any closures
  // since); with a single snapshot, the changes since it.
  const from = past.length >= 2 ? past[past.length - 2]! : (past[0] ?? null);
  if (from === null) return null;
  const perType = [];
  for (const type of keyTypes) {
    const c = await accessChangesFor(ctx, {
      serviceType: type,
      from,
      to: today,
      area: { municipalityCode: code },
    });
    perType.push({
      serviceType: type,
      pointsOpened: c.pointsOpened.map((p) => p.name),
      pointsClosed: c.pointsClosed.map((p) => p.name),
      settlementsLosingAccess: c.settlementsLosingAccess.map((s) => s.name),
      settlementsGainingAccess: c.settlementsGainingAccess.map((s) => s.name),
      populationLosingAccess: c.populationLosingAccess,
      populationGainingAccess: c.populationGainingAccess,
      population65PlusLosingAccess: c.population65PlusLosingAccess,
      population65PlusGainingAccess: c.population65PlusGainingAccess,
      populationBeyondThresholdDelta: c.indicatorDeltas.reduce(
        (n, d) => n + (d.after?.populationBeyondThreshold ?? 0) - (d.before?.populationBeyondThreshold ?? 0),
        0,
      ),
    });
  }
  return { from, to: today, perType };
}

/** Where the data came from: sources per table with row counts, the latest import and a licence note. */
async function dataSources(ctx: Deps): Promise<MunicipalityReport['sources']> {
  const rows = await dataSourceRows(ctx.db);
  return rows.map((r) => ({
    table: r.table,
    source: r.source,
    rows: Number(r.rows),
    lastImport: r.last,
    licence: licenceOf(r.source),
  }));
}
