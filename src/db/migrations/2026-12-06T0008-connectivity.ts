import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Connectivity figures (issue 24): fixed-broadband and mobile coverage per municipality, per settlement
 * (matched by its externalId) or per population square (its cellId), the shapes PTS's broadband mapping
 * and Kolada publish. One row per (level, area key): re-importing the same key updates it. Finer data
 * wins over coarser when answers are computed (src/modules/connectivity/connectivity.ts); every row keeps
 * its source, licence, date (`as_of`) and whether it is GENERATED (the demo's rule), not measured.
 * Only adds: the table `connectivity`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE connectivity (
    level text NOT NULL CHECK (level IN ('MUNICIPALITY','SETTLEMENT','GRID')),
    area_key text NOT NULL CHECK (area_key <> ''),
    broadband_share float8 NOT NULL CHECK (broadband_share >= 0 AND broadband_share <= 1),
    gigabit_share float8 CHECK (gigabit_share IS NULL OR (gigabit_share >= 0 AND gigabit_share <= 1)),
    mobile_coverage float8 CHECK (mobile_coverage IS NULL OR (mobile_coverage >= 0 AND mobile_coverage <= 1)),
    as_of date,
    source text NOT NULL,
    licence text,
    generated boolean NOT NULL DEFAULT false,
    import_run_id integer REFERENCES import_runs (id),
    PRIMARY KEY (level, area_key),
    CHECK (level <> 'MUNICIPALITY' OR area_key ~ '^[0-9]{4}$')
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS connectivity`.execute(db);
}
