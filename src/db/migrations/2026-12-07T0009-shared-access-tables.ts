import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Access tables shared between API replicas (issue 23): the first replica to build a type's nearest table
 * for a set of inputs stores it here on the primary, in 1 MiB bytea chunks, and streaming replication
 * carries it to the standbys, where the other replicas load it instead of building it again
 * (src/modules/access/shared-tables.ts). `key` is the table cache's fingerprint of exactly what the table
 * was built from (origins, the type's open points, threshold, travel model, road network); the file in the
 * chunks carries the key again and a SHA-256 of its body. Not snapshot input: no data-version trigger.
 * Only adds: the table `shared_access_tables`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE shared_access_tables (
    key text NOT NULL,
    chunk integer NOT NULL CHECK (chunk >= 0),
    chunks integer NOT NULL CHECK (chunks > 0 AND chunk < chunks),
    service_type text NOT NULL,
    data_version integer NOT NULL,
    bytes bytea NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (key, chunk)
  )`.execute(db);
  // Mostly computed doubles, which pglz barely shrinks: stored out of line uncompressed, so neither the
  // storing replica nor the loading ones spend CPU on it.
  await sql`ALTER TABLE shared_access_tables ALTER COLUMN bytes SET STORAGE EXTERNAL`.execute(db);
  await sql`CREATE INDEX shared_access_tables_type ON shared_access_tables (service_type, data_version)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS shared_access_tables`.execute(db);
}
