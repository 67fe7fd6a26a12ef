import type { Deps } from '../deps.js';
import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import { budgetSignal } from '../limits/request-state.js';
import type { AnalysisJobName, JobArgs, JobResult } from './analysis-jobs.js';
import { analysisPoolFor } from './analysis-pool.js';

/**
 * Runs a heavy analysis for a request: on the process's worker pool (config.limits.analysisWorkers
 * threads; 0 = in-process), cancelled when the request's time budget runs out.
 */
export function runAnalysis<K extends AnalysisJobName>(
  ctx: Pick<Deps, 'config'>,
  snapshot: AnalysisSnapshot,
  job: K,
  args: JobArgs<K>,
): Promise<JobResult<K>> {
  return analysisPoolFor(ctx.config.limits.analysisWorkers).run(snapshot, job, args, budgetSignal());
}
