import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import type { ServiceAreaRequest } from '../modules/access/service-areas.service.js';
import { serviceAreasOf } from '../modules/access/service-areas.service.js';
import type { CapacityRequest } from '../modules/capacity/capacity.service.js';
import {
  analyseCapacity,
  capacityAccessAnswer,
  settlementCapacityAccess,
} from '../modules/capacity/capacity.service.js';
import type { JointFacilityRequest } from '../modules/capacity/joint-facility.service.js';
import { jointFacility } from '../modules/capacity/joint-facility.service.js';
import type { ReportAnalysesArgs } from '../modules/report/report.analyses.js';
import { reportAnalyses } from '../modules/report/report.analyses.js';
import { closureImpactAmong } from '../modules/scenarios/closure.service.js';
import type { StoredScenarioChanges } from '../modules/scenarios/scenario-changes.js';
import type { EvaluateOptions } from '../modules/scenarios/scenario.service.js';
import { evaluateChanges } from '../modules/scenarios/scenario.service.js';
import type { SiteSuggestionRequest } from '../modules/sites/sites.service.js';
import { suggestSites } from '../modules/sites/sites.service.js';
import type { TravelModel } from '../engine/types.js';
import type { GridAccessColumns } from '../tiles/grid-features.js';

/**
 * The heavy analyses that run on the analysis worker pool (src/workers/analysis-pool.ts): each takes the
 * snapshot and plain, structured-cloneable arguments and returns a plain result. The same functions run
 * in-process when the pool is off (SERVICEATLAS_ANALYSIS_WORKERS=0), so the answers cannot differ.
 */
export const ANALYSIS_JOBS = {
  evaluateScenario: (
    snapshot: AnalysisSnapshot,
    a: { stored: StoredScenarioChanges; options: EvaluateOptions },
  ) => evaluateChanges(snapshot, a.stored, a.options),
  siteSuggestions: (
    snapshot: AnalysisSnapshot,
    a: { indices: readonly number[]; request: SiteSuggestionRequest; residentIndices?: readonly number[] },
  ) => suggestSites(snapshot, a.indices, a.request, a.residentIndices),
  closureImpact: (
    snapshot: AnalysisSnapshot,
    a: {
      indices: readonly number[] | null;
      code: string;
      model: TravelModel;
      first: number | null | undefined;
    },
  ) => closureImpactAmong(snapshot, a.indices, a.code, a.model, a.first),
  /** The municipal service plan's analyses (indicators, deserts, gaps, closures, sites, e-services). */
  reportAnalyses: (snapshot: AnalysisSnapshot, a: ReportAnalysesArgs) => reportAnalyses(snapshot, a),
  /** 2SFCA of a type over every resident, with point loads (points by id) and per-area rows. */
  capacityAccess: (
    snapshot: AnalysisSnapshot,
    a: { request: CapacityRequest; residentIndices: readonly number[] | null },
  ) => capacityAccessAnswer(snapshot, a.request, a.residentIndices),
  /** 2SFCA A_i at every settlement of the snapshot (by position); null when no point has a capacity. */
  settlementCapacityAccess: (snapshot: AnalysisSnapshot, a: { request: CapacityRequest }) => {
    const analysis = analyseCapacity(snapshot, a.request);
    if (analysis.result.pointsUsed === 0) return null;
    return settlementCapacityAccess(snapshot, analysis, a.request.model);
  },
  /** p-median shared facilities for a group of municipalities (sites' settlements by id). */
  jointFacility: (snapshot: AnalysisSnapshot, a: { request: JointFacilityRequest }) =>
    jointFacility(snapshot, a.request),
  /** Service areas (isochrones) of one point or of every open point of a type. */
  serviceAreas: (snapshot: AnalysisSnapshot, a: { model: TravelModel; request: ServiceAreaRequest }) =>
    serviceAreasOf(snapshot, a.model, a.request),
  /**
   * The grid layer's analysis (map layers, coverageLayer GRID_CELLS): every grid square's nearest point
   * (the resident table) and, when the type has capacities, the 2SFCA A_i. The features (the response
   * itself) are drawn from these arrays on the main thread.
   */
  gridAccess: (
    snapshot: AnalysisSnapshot,
    a: { code: string; model: TravelModel; thresholdMinutes: number | undefined },
  ) => {
    const { thresholdMinutes, pointIndex, minutes, within, method } = snapshot.residentTable(
      a.code,
      a.model,
      a.thresholdMinutes,
    );
    const request: CapacityRequest = { code: a.code, model: a.model, thresholdMinutes: a.thresholdMinutes };
    const analysis = analyseCapacity(snapshot, request);
    // Only the columns the squares show cross the thread (not km, connectors, fallbacks).
    const table: GridAccessColumns = { thresholdMinutes, pointIndex, minutes, within, method };
    return { table, access: analysis.result.pointsUsed > 0 ? analysis.result.access : null };
  },
  /** The k = 2 nearest tables of the given types (the cold part of every access read), built here. */
  nearestTables: (snapshot: AnalysisSnapshot, a: { codes: readonly string[]; model: TravelModel }) =>
    a.codes.map((code) => snapshot.nearestTable(code, a.model)),
  /**
   * The resident tables (every grid square and settlement outside the grid, nearest point and verdict) of
   * the given types at their own thresholds: the cold part of indicators, reports and grid layers.
   */
  residentTables: (snapshot: AnalysisSnapshot, a: { codes: readonly string[]; model: TravelModel }) =>
    a.codes.map((code) => snapshot.residentTable(code, a.model)),
  /**
   * Diagnostics (tests, bench): how the thread running this job made a type's road-network labels for the
   * snapshot — a full search, derived from the last version's, or taken over as they were — or null when it
   * has not made them (or there is no network). Sent to the type's thread, like every job about one type.
   */
  labelSource: (snapshot: AnalysisSnapshot, a: { code: string; model: TravelModel }) => {
    return snapshot.travel(a.model).labelSourceOf?.(a.code) ?? null;
  },
};

export type AnalysisJobs = typeof ANALYSIS_JOBS;
export type AnalysisJobName = keyof AnalysisJobs;
export type JobArgs<K extends AnalysisJobName> = Parameters<AnalysisJobs[K]>[1];
export type JobResult<K extends AnalysisJobName> = ReturnType<AnalysisJobs[K]>;
