import { move, transferableSymbol, valueSymbol } from 'piscina';
import { shareColumns } from '../engine/columns.js';
import { EngineInputError } from '../engine/errors.js';
import { DomainError } from '../domain-error.js';
import type { AnalysisJobName } from './analysis-jobs.js';
import { ANALYSIS_JOBS } from './analysis-jobs.js';
import type { SnapshotPayload } from './snapshot-transfer.js';
import { SnapshotReceiver } from './snapshot-transfer.js';
import { transferableResult } from './result-transfer.js';

/** One task for an analysis worker: which job, on which snapshot, with which (cloneable) arguments. */
export interface AnalysisTask {
  /** 'ping' only starts the thread (and loads the modules). */
  job: AnalysisJobName | 'ping';
  snapshot: SnapshotPayload | null;
  args: unknown;
}

/**
 * What a task answers. Expected failures travel as data (an Error's class does not survive the thread
 * boundary), so the pool can throw the same DomainError / EngineInputError the in-process call would; the
 * GraphQL error they become is made on the main thread, in one place (errors.ts `toAppError`).
 */
export type AnalysisOutcome = (
  | { ok: true; value: unknown }
  | { ok: false; domainError: { code: DomainError['code']; message: string; field: string | null } }
  | { ok: false; engineInput: string }
) & {
  /** Milliseconds this task spent taking a snapshot the thread had not seen (diagnostics, bench). */
  received?: number;
  /** Milliseconds the task took on its thread, snapshot included (diagnostics, bench). */
  took?: number;
};

const receiver = new SnapshotReceiver();
// Tables built here reach the main thread without a copy (engine/columns.ts).
shareColumns(true);

/** The worker's entry point (Piscina calls the default export once per task). */
export default function runAnalysisTask(task: AnalysisTask): AnalysisOutcome {
  if (task.job === 'ping' || task.snapshot === null) return { ok: true, value: null };
  const t0 = performance.now();
  const { snapshot, known } = receiver.receive(task.snapshot);
  const received = known ? undefined : performance.now() - t0;
  const job = ANALYSIS_JOBS[task.job] as (s: typeof snapshot, args: unknown) => unknown;
  let outcome: AnalysisOutcome;
  try {
    outcome = { ok: true, value: job(snapshot, task.args), received };
  } catch (error) {
    if (error instanceof DomainError) {
      const { code, message, field } = error;
      return { ok: false, domainError: { code, message, field }, received };
    }
    if (error instanceof EngineInputError) return { ok: false, engineInput: error.message, received };
    throw error;
  }
  // Large typed arrays (access tables) go back transferred, not cloned (see result-transfer.ts).
  const { value, transfer } = transferableResult(outcome.value);
  outcome.took = performance.now() - t0;
  if (transfer.length === 0) return outcome;
  const movable = { [transferableSymbol]: transfer, [valueSymbol]: { ...outcome, value } };
  return move(movable as never) as unknown as AnalysisOutcome;
}
