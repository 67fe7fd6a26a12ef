import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Read-your-writes by key across replicas (issue 23): `api_keys.last_writes`, the primary's `writes`
 * version after the key's last write through any replica. Authentication reads the key on the primary
 * anyway, so every replica learns it with the key and answers that key from no older data (it reads on
 * the primary while its standby is behind). Only adds: the column.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys ADD COLUMN last_writes integer NOT NULL DEFAULT 0`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE api_keys DROP COLUMN IF EXISTS last_writes`.execute(db);
}
