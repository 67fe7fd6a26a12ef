import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import { closureImpactAmong } from '../modules/scenarios/closure.service.js';
import type { StoredScenarioChanges } from '../modules/scenarios/scenario-changes.js';
import type { EvaluateOptions } from '../modules/scenarios/scenario.service.js';
import { evaluateChanges } from '../modules/scenarios/scenario.service.js';
import type { SiteSuggestionRequest } from '../modules/sites/sites.service.js';
import { suggestSites } from '../modules/sites/sites.service.js';
import type { TravelModel } from '../engine/types.js';

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
  /** The k = 2 nearest tables of the given types (the cold part of every access read), built here. */
  nearestTables: (snapshot: AnalysisSnapshot, a: { codes: readonly string[]; model: TravelModel }) =>
    a.codes.map((code) => snapshot.nearestTable(code, a.model)),
};

export type AnalysisJobs = typeof ANALYSIS_JOBS;
export type AnalysisJobName = keyof AnalysisJobs;
export type JobArgs<K extends AnalysisJobName> = Parameters<AnalysisJobs[K]>[1];
export type JobResult<K extends AnalysisJobName> = ReturnType<AnalysisJobs[K]>;
