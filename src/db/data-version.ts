import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from './tables.js';

/** Bumps the data version inside the writing transaction, so caches rebuild exactly when data changed. */
export async function bumpDataVersion(trx: Kysely<Database> | Transaction<Database>): Promise<number> {
  const row = await trx
    .updateTable('data_version')
    .set({ version: sql<number>`version + 1` })
    .where('id', '=', 1)
    .returning('version')
    .executeTakeFirstOrThrow();
  return row.version;
}

export async function readDataVersion(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('data_version').select('version').where('id', '=', 1).executeTakeFirst();
  return row?.version ?? 0;
}
