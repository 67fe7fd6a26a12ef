import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Yearly history of settlements (`import settlements --as-of YYYY-MM-DD`): one row per settlement and
 * snapshot date with what the snapshot said — its figures, or `present = false` when the settlement was
 * missing from that snapshot. The settlement on date d is its latest version with valid_from ≤ d (none, or
 * a missing one: it did not exist then); a settlement with no versions at all is undated (always there).
 * Service points keep their history in their own valid_from/valid_to columns.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('settlement_versions')
    .addColumn('settlement_id', 'integer', (c) =>
      c.notNull().references('settlements.id').onDelete('cascade'),
    )
    .addColumn('valid_from', 'date', (c) => c.notNull())
    .addColumn('present', 'boolean', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('kind', 'text')
    .addColumn('population', 'integer')
    .addColumn('population_65_plus', 'integer')
    .addColumn('municipality_code', 'text')
    .addColumn('county_code', 'text')
    .addColumn('broadband_share', 'double precision')
    .addColumn('import_run_id', 'integer')
    .addPrimaryKeyConstraint('settlement_versions_pkey', ['settlement_id', 'valid_from'])
    .addCheckConstraint(
      'settlement_versions_present_has_figures',
      sql`NOT present OR (name IS NOT NULL AND kind IS NOT NULL AND population IS NOT NULL)`,
    )
    .execute();
  // The snapshot date of a dated import (--as-of): the dates a plan compares ("since the previous snapshot").
  await db.schema.alterTable('import_runs').addColumn('as_of', 'date').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('import_runs').dropColumn('as_of').execute();
  await db.schema.dropTable('settlement_versions').ifExists().execute();
}
