import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isMigrated } from '../db/migrate.js';
import type { Database } from '../db/tables.js';

/** /readyz: the database answers, PostGIS is there, and every migration is applied. */
export async function readiness(
  db: Kysely<Database>,
): Promise<{ ready: boolean; detail: Record<string, unknown> }> {
  try {
    const row = await sql<{ postgis: string }>`SELECT postgis_lib_version() AS postgis`.execute(db);
    const migrated = await isMigrated(db as unknown as Kysely<unknown>);
    return { ready: migrated, detail: { database: 'ok', postgis: row.rows[0]?.postgis ?? null, migrated } };
  } catch (error) {
    return { ready: false, detail: { database: 'unreachable', error: (error as Error).message } };
  }
}
