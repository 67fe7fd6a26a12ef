import { sql } from 'kysely';
import type { Db } from '../../db/db.js';

/** The dates of the imported yearly snapshots (`--as-of` of completed imports), ascending. */
export async function completedSnapshotDates(db: Db): Promise<string[]> {
  const rows = await sql<{ d: string }>`
    SELECT DISTINCT to_char(as_of, 'YYYY-MM-DD') AS d FROM import_runs
    WHERE as_of IS NOT NULL AND status = 'DONE' ORDER BY 1`.execute(db);
  return rows.rows.map((r) => r.d);
}
