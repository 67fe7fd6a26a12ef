import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Two counters in `data_version`: `version` (bumped by writes that change what the analysis snapshot is
 * built from: settlements, service points, catalogue, roads, grid, areas) and `writes` (bumped by every
 * write, saved scenarios included), so a saved scenario no longer reloads the snapshot but still changes
 * what cached answers are keyed on. Every change of the row is announced on the channel
 * `serviceatlas_data_version` (payload `version:writes`), delivered at commit: an embedded database
 * learns of its own writes without a query (src/db/data-version.ts).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE data_version ADD COLUMN writes integer NOT NULL DEFAULT 0`.execute(db);
  await sql`UPDATE data_version SET writes = version`.execute(db);
  await sql`
    CREATE FUNCTION data_version_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('serviceatlas_data_version', NEW.version || ':' || NEW.writes);
      RETURN NEW;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER data_version_notify AFTER UPDATE ON data_version
    FOR EACH ROW EXECUTE FUNCTION data_version_notify()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS data_version_notify ON data_version`.execute(db);
  await sql`DROP FUNCTION IF EXISTS data_version_notify()`.execute(db);
  await sql`ALTER TABLE data_version DROP COLUMN IF EXISTS writes`.execute(db);
}
