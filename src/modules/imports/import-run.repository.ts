import { sql } from 'kysely';
import type { Db } from '../../db/db.js';

/** The dates of the imported yearly snapshots (`--as-of` of completed imports), ascending. */
export async function completedSnapshotDates(db: Db): Promise<string[]> {
  const rows = await sql<{ d: string }>`
    SELECT DISTINCT to_char(as_of, 'YYYY-MM-DD') AS d FROM import_runs
    WHERE as_of IS NOT NULL AND status = 'DONE' ORDER BY 1`.execute(db);
  return rows.rows.map((r) => r.d);
}

/** Opens an import run (status RUNNING) and returns its id. */
export async function startImportRun(
  db: Db,
  run: { kind: string; file: string; format: string; asOf?: string | null },
): Promise<number> {
  const row = await db
    .insertInto('import_runs')
    .values({
      kind: run.kind,
      file: run.file,
      format: run.format,
      status: 'RUNNING',
      as_of: run.asOf ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Closes an import run as DONE with what it wrote. */
export async function finishImportRun(
  db: Db,
  id: number,
  counts: { inserted: number; updated: number },
): Promise<void> {
  await db
    .updateTable('import_runs')
    .set({ status: 'DONE', inserted: counts.inserted, updated: counts.updated, finished_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}
