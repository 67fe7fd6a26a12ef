/**
 * The flow the file imports of one table share (grid, connectivity): validate the whole file first and
 * write nothing on any error; then write in ONE transaction — the import run opened, the rows written,
 * the run closed with its counts, the data version bumped — so a failure leaves no trace.
 */
import type { Kysely, Transaction } from 'kysely';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import {
  type ImportError as ImportErrorType,
  ImportError,
  ImportValidationError,
} from '../../import/index.js';
import { finishImportRun, startImportRun } from './import-run.repository.js';

/** The rows of a validated file; throws every error found, or one saying the file has no `what`. */
export function validatedRows<R>(
  file: string,
  result: { rows: R[]; errors: ImportErrorType[] },
  what: string,
): R[] {
  if (result.errors.length > 0) throw new ImportValidationError(file, result.errors);
  if (result.rows.length === 0) throw new ImportError(`the file has no ${what}`, { file });
  return result.rows;
}

/**
 * Runs `write` in one transaction inside an import run of `kind`: `write` gets the transaction and the
 * run's id and returns its counts with its result; the run is closed DONE and the data version bumped.
 */
export function inImportRun<T>(
  db: Kysely<Database>,
  run: { kind: string; file: string; format: string; asOf?: string | null },
  write: (
    trx: Transaction<Database>,
    runId: number,
  ) => Promise<{ counts: { inserted: number; updated: number }; result: T }>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    const runId = await startImportRun(trx, run);
    const { counts, result } = await write(trx, runId);
    await finishImportRun(trx, runId, counts);
    await bumpDataVersion(trx);
    return result;
  });
}
