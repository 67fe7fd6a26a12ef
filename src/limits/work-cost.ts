import type { ComplexityEstimator } from 'graphql-query-complexity';
import type { AreaLike, BoxLike, WorkScale } from './work-scale.js';

/**
 * What a field costs in WORK, not in fields: a work unit is about one microsecond of analysis on the
 * reference machine (2 shared cores), and each analysis is priced by what it touches —
 * origins in the area × requested types, candidates × types for site suggestions, changed points for
 * scenarios, polygon vertices for area polygons, features for coverage layers. The weights were measured
 * on the demo data (docs/operations.md, "Limits"); they only need to be right within a factor of ~2.
 */
export const WORK_WEIGHTS = {
  /** A settlement's access to one type, aggregated into indicators or a desert list (per area). */
  origin: 100,
  /** The same with a travel-model override (a table recomputed for the request). */
  originWithTravel: 100,
  /** Gap flags (or e-service potential) of one settlement and type. */
  gapFlag: 100,
  /** One settlement in the N-1 closure table (nearest and second-nearest point, cold). */
  closureOrigin: 1_000,
  /** One polygon vertex (PostGIS parses, validates and tests the area polygon per request). */
  polygonVertex: 25,
  /** One candidate site × type (coverage sets from the spatial index). */
  candidateType: 60,
  /** One greedy step over one candidate. */
  greedyCandidate: 2,
  /** One closed or added point in a scenario (its catchment re-evaluated, flags and indicators redone). */
  scenarioPoint: 1_500,
  /** One settlement × evaluated type in a scenario (deltas, indicators per area). */
  scenarioOrigin: 150,
  /** A saved scenario's evaluation, whose size is unknown when the query is priced. */
  savedScenario: 500_000,
  /** One settlement or service-point feature of a coverage layer, built and serialised. */
  feature: 150,
  /** One service-area feature of a coverage layer (a 49-vertex circle around one point). */
  serviceArea: 1_300,
  /**
   * serviceAreas: the minutes grid (at most 1M cells: filled, spread to the nearest road, thresholded),
   * once per request; one outline per minutes value; one point painted (ESTIMATED) or one road edge
   * scanned and rasterised with the type's labels (NETWORK). Measured: a type's [10, 20] on the demo
   * 0.25–0.45 s warm at load 19; on the 2.5M-edge bench network see bench/service-areas.bench.ts.
   */
  serviceAreaGrid: 400_000,
  serviceAreaValue: 150_000,
  serviceAreaPoint: 50,
  serviceAreaEdge: 0.5,
  /** One service point filtered and indexed into a derived (dated or open-at) snapshot. */
  pointIndexed: 5,
  /** Anything small but not free (nearest points of one location). */
  small: 100,
  /**
   * One write (a few indexed reads, the row, its audit row, the data-version bump, one transaction).
   * The snapshot reload it causes is paid by the next read, which is priced as usual.
   */
  write: 2_000,
  /** One audit-trail row (a keyset page of an indexed table). */
  auditRow: 10,
} as const;

/** Approximate serialised bytes per coverage-layer feature (measured on the demo data). */
export const FEATURE_BYTES = {
  settlement: 370,
  servicePoint: 280,
  serviceArea: 2_300,
  gridCell: 450,
} as const;

type Args = Record<string, unknown>;
const W = WORK_WEIGHTS;

const list = (v: unknown): unknown[] | null => (Array.isArray(v) ? v : null);

/** Positions in a (possibly malformed) GeoJSON coordinates array, counted without recursion limits. */
export function countPositions(coordinates: unknown): number {
  let n = 0;
  const walk = (c: unknown, depth: number): void => {
    if (!Array.isArray(c) || depth > 4) return;
    if (typeof c[0] === 'number') {
      n++;
      return;
    }
    for (const x of c) walk(x, depth + 1);
  };
  walk(coordinates, 0);
  return n;
}

function areaOf(args: Args): AreaLike | null {
  const a = args.area;
  return a && typeof a === 'object' ? (a as AreaLike) : null;
}

/** Building and testing the area itself: its polygon's vertices. */
function areaWork(area: AreaLike | null): number {
  if (!area?.polygon || typeof area.polygon !== 'object') return 0;
  return countPositions((area.polygon as { coordinates?: unknown }).coordinates) * W.polygonVertex;
}

const typesOf = (args: Args, scale: WorkScale) =>
  Math.max(1, list(args.serviceTypes)?.length ?? scale.catalogueTypes);

const bboxOf = (args: Args): BoxLike | null =>
  args.bbox && typeof args.bbox === 'object' ? (args.bbox as BoxLike) : null;

/** Estimated response bytes of a coverage layer. */
export function coverageBytes(args: Args, scale: WorkScale): number {
  const parts = list(args.include) ?? ['SETTLEMENTS'];
  const box = bboxOf(args);
  const type = String(args.serviceType ?? '');
  let bytes = 0;
  if (parts.includes('SETTLEMENTS'))
    bytes += scale.originsIn(box ? { bbox: box } : null) * FEATURE_BYTES.settlement;
  if (parts.includes('SERVICE_POINTS')) bytes += scale.pointsOfType(type, box) * FEATURE_BYTES.servicePoint;
  if (parts.includes('SERVICE_AREAS')) bytes += scale.pointsOfType(type, box) * FEATURE_BYTES.serviceArea;
  if (parts.includes('GRID_CELLS')) bytes += (scale.residents - scale.settlements) * FEATURE_BYTES.gridCell;
  return bytes;
}

/**
 * A question `at` an instant or `asOf` a date runs on a derived snapshot: its point indexes, and a fresh
 * access table over every settlement per type (cached afterwards, so this is the cold price).
 */
function datedWork(args: Args, scale: WorkScale, types: number): number {
  if (args.at == null && args.asOf == null) return 0;
  return scale.openPoints * W.pointIndexed + scale.settlements * types * W.origin;
}

/** Own work of a field (children not included), keyed by schema coordinate. */
const FIELD_WORK: Record<string, (args: Args, scale: WorkScale) => number> = {
  'Query.accessIndicators': (a, s) =>
    areaWork(areaOf(a)) +
    s.originsIn(areaOf(a)) * typesOf(a, s) * (a.travel ? W.originWithTravel : W.origin) +
    datedWork(a, s, typesOf(a, s)),
  'Query.serviceDeserts': (a, s) =>
    areaWork(areaOf(a)) +
    s.originsIn(areaOf(a)) * (a.travel ? W.originWithTravel : W.origin) +
    datedWork(a, s, 1),
  'Query.gapAnalysis': (a, s) => areaWork(areaOf(a)) + s.originsIn(areaOf(a)) * typesOf(a, s) * W.gapFlag,
  'Query.eServicePotential': (a, s) => areaWork(areaOf(a)) + s.originsIn(areaOf(a)) * W.gapFlag,
  // Over the resident origins (grid squares too): the area's share of the settlements scales the residents.
  'Query.eServiceTargets': (a, s) =>
    areaWork(areaOf(a)) +
    Math.ceil((s.residents * s.originsIn(areaOf(a))) / Math.max(1, s.settlements)) * W.gapFlag,
  // The k = 2 table over every settlement (a point's impact counts all it serves), then the area's points.
  'Query.closureImpact': (a, s) => areaWork(areaOf(a)) + s.settlements * W.closureOrigin,
  'Query.siteSuggestions': (a, s) => {
    const origins = s.originsIn(areaOf(a));
    const candidates = list(a.candidates)?.length ?? origins;
    const count = typeof a.count === 'number' ? Math.max(1, a.count) : 1;
    return (
      areaWork(areaOf(a)) +
      origins * typesOf(a, s) * W.gapFlag +
      candidates * typesOf(a, s) * W.candidateType +
      candidates * count * W.greedyCandidate
    );
  },
  'Query.evaluateScenario': (a, s) => {
    const changes = (a.changes ?? {}) as Args;
    const points =
      (list(changes.closeServicePointIds)?.length ?? 0) + (list(changes.addServicePoints)?.length ?? 0);
    const types = list(a.serviceTypes)?.length ?? Math.min(s.catalogueTypes, Math.max(1, points));
    return points * W.scenarioPoint + s.settlements * types * W.scenarioOrigin;
  },
  'Scenario.evaluation': () => W.savedScenario,
  'Query.coverageLayer': (a, s) => {
    const parts = list(a.include) ?? ['SETTLEMENTS'];
    const box = bboxOf(a);
    const type = String(a.serviceType ?? '');
    let work = 0;
    if (parts.includes('SETTLEMENTS')) work += s.originsIn(box ? { bbox: box } : null) * W.feature;
    if (parts.includes('SERVICE_POINTS')) work += s.pointsOfType(type, box) * W.feature;
    if (parts.includes('SERVICE_AREAS')) work += s.pointsOfType(type, box) * W.serviceArea;
    if (parts.includes('GRID_CELLS')) work += (s.residents - s.settlements) * W.feature;
    return work + datedWork(a, s, 1);
  },
  // Two dated snapshots (each cached after the first question): point indexes and a table per date.
  'Query.accessChanges': (a, s) =>
    areaWork(areaOf(a)) + 2 * (s.openPoints * W.pointIndexed + s.settlements * W.origin),
  'Query.nearestServicePoints': (a, s) => W.small + datedWork(a, s, 0),
  // A Settlement's access `at` a time or `asOf` a date: the derived snapshot (cached) and its tables.
  'Settlement.access': (a, s) => datedWork(a, s, typesOf(a, s)),
  // 2SFCA runs over every resident origin (grid cells and settlements outside the grid), cached per
  // snapshot: one reach per capacitated point (step 1) and a spread of its ratio (step 2).
  'Query.capacityAccess': (a, s) =>
    areaWork(areaOf(a)) + s.residents * W.origin * 2 + s.pointsOfType(String(a.serviceType ?? '')) * W.small,
  // The same analysis (cached) read at one settlement; the first call pays for it through capacityAccess's price.
  'Settlement.capacityAccess': () => W.small,
  // p-median over the group's candidates and residents (bounded by MAX_JOINT_* in the service).
  'Query.jointFacility': (a, s) =>
    s.residents * W.origin + (list(a.municipalityCodes)?.length ?? 1) * W.candidateType * 1_000,
  // One minutes grid from one search (the type's labels or one point's bounded search), one outline per
  // minutes value: the grid is capped, so the price grows with values, points and road edges, not with
  // their overlaps (engine/travel/service-areas.ts).
  'Query.serviceAreas': (a, s) => {
    const values = list(a.minutes)?.length ?? 1;
    const points = a.servicePointId ? 1 : s.pointsOfType(String(a.serviceType ?? ''));
    return (
      areaWork(areaOf(a)) +
      W.serviceAreaGrid +
      values * W.serviceAreaValue +
      points * W.serviceAreaPoint +
      s.networkEdges * W.serviceAreaEdge
    );
  },
};

/**
 * Fields whose work does not depend on the size of the data: writes and audit-trail pages. Kept apart
 * from FIELD_WORK so pricing them needs no analysis snapshot (a write would otherwise load the snapshot
 * that the write itself is about to make stale).
 */
export const CONSTANT_WORK: Record<string, (args: Args) => number> = {
  'Mutation.createServicePoint': () => W.write,
  'Mutation.updateServicePoint': () => W.write,
  'Mutation.closeServicePoint': () => W.write,
  'Mutation.reopenServicePoint': () => W.write,
  'Mutation.updateSettlement': () => W.write,
  'Mutation.saveScenario': (a) => {
    const changes = (a.changes ?? {}) as Args;
    const points =
      (list(changes.closeServicePointIds)?.length ?? 0) + (list(changes.addServicePoints)?.length ?? 0);
    return W.write + points * W.small;
  },
  'Mutation.deleteScenario': () => W.write,
  'Query.auditLog': (a) => W.small + (typeof a.first === 'number' ? a.first : 50) * W.auditRow,
};

/** Whether a field's work depends on the data (pricing it needs the snapshot; it may take a heavy slot). */
export const isWorkPriced = (coordinate: string): boolean => coordinate in FIELD_WORK;

/** The own work of one field call, or 0 when it is not priced. */
export function fieldWork(coordinate: string, args: Args, scale: WorkScale): number {
  const constant = CONSTANT_WORK[coordinate];
  if (constant) return Math.ceil(constant(args));
  const f = FIELD_WORK[coordinate];
  return f ? Math.ceil(f(args, scale)) : 0;
}

/** Root field names whose pricing needs the snapshot's sizes. */
export const WORK_PRICED_FIELD_NAMES = new Set(Object.keys(FIELD_WORK).map((c) => c.split('.')[1]!));

/**
 * graphql-query-complexity estimator for WORK: a field's own work plus its children's, the children
 * multiplied by the page or list size the field asks for (as for the field complexity).
 */
export function workEstimator(scale: WorkScale, responseBytes: { total: number }): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const coordinate = `${type.name}.${field.name}`;
    if (coordinate === 'Query.coverageLayer') responseBytes.total += coverageBytes(args, scale);
    const size = [args.first, args.limit, args.count].find((v): v is number => typeof v === 'number');
    // Lists with no size argument (saved scenarios): a generous typical count.
    const multiplier = size !== undefined ? Math.max(1, size) : field.name === 'scenarios' ? 20 : 1;
    return fieldWork(coordinate, args, scale) + multiplier * childComplexity;
  };
}
