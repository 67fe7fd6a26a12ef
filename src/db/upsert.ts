import { sql } from 'kysely';

/** Rows per INSERT statement of an upsert. */
const BATCH_SIZE = 500;

/**
 * The RETURNING column of an `INSERT … ON CONFLICT … DO UPDATE`: true for a row the statement inserted,
 * false for one it updated (PostgreSQL sets xmax only on the updated version).
 */
export const insertedColumn = sql<boolean>`(xmax = 0)`.as('inserted');

/**
 * Upserts the inputs in batches of 500 with `upsertBatch` (one statement returning `insertedColumn`) and
 * counts the rows it inserted and updated.
 */
export async function upsertInBatches<T>(
  inputs: readonly T[],
  upsertBatch: (batch: readonly T[]) => Promise<readonly { inserted: boolean }[]>,
): Promise<{ inserted: number; updated: number }> {
  let inserted = 0;
  let updated = 0;
  for (let start = 0; start < inputs.length; start += BATCH_SIZE) {
    const rows = await upsertBatch(inputs.slice(start, start + BATCH_SIZE));
    for (const r of rows) {
      if (r.inserted) inserted++;
      else updated++;
    }
  }
  return { inserted, updated };
}
