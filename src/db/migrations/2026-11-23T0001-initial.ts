import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/** PostGIS, the catalogue, settlements, service points, areas, import runs and GiST indexes. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE EXTENSION IF NOT EXISTS postgis`.execute(db);

  await db.schema
    .createTable('service_types')
    .addColumn('code', 'text', (c) => c.primaryKey().check(sql`code ~ '^[A-Z][A-Z0-9_]*$'`))
    .addColumn('name_sv', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('threshold_minutes', 'float8', (c) => c.notNull().check(sql`threshold_minutes > 0`))
    .addColumn('threshold_km', 'float8', (c) => c.check(sql`threshold_km IS NULL OR threshold_km > 0`))
    .addColumn('substitute_name', 'text')
    .addColumn('substitute_adequacy', 'text', (c) =>
      c.check(sql`substitute_adequacy IS NULL OR substitute_adequacy IN ('FULL','PARTIAL','NONE')`),
    )
    .addColumn('substitute_limitations', 'text')
    .execute();

  await db.schema
    .createTable('import_runs')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('RUNNING','DONE','FAILED')`))
    .addColumn('inserted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('skipped', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('message', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('settlements')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('name_norm', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind IN ('TATORT','SMAORT','VILLAGE','GRID_CELL')`),
    )
    .addColumn('population', 'integer', (c) => c.notNull().check(sql`population >= 0`))
    .addColumn('population_65_plus', 'integer', (c) =>
      c.check(
        sql`population_65_plus IS NULL OR (population_65_plus >= 0 AND population_65_plus <= population)`,
      ),
    )
    .addColumn('municipality_code', 'text', (c) => c.check(sql`municipality_code ~ '^[0-9]{4}$'`))
    .addColumn('county_code', 'text', (c) => c.check(sql`county_code ~ '^[0-9]{2}$'`))
    .addColumn('broadband_share', 'float8', (c) => c.check(sql`broadband_share BETWEEN 0 AND 1`))
    .addColumn('geom', sql`geometry(Point, 4326)`, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('import_run_id', 'integer', (c) => c.references('import_runs.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX settlements_geom_gist ON settlements USING gist (geom)`.execute(db);
  await sql`CREATE INDEX settlements_name_norm ON settlements (name_norm text_pattern_ops)`.execute(db);
  await db.schema
    .createIndex('settlements_municipality')
    .on('settlements')
    .column('municipality_code')
    .execute();
  await db.schema.createIndex('settlements_county').on('settlements').column('county_code').execute();

  await db.schema
    .createTable('service_points')
    .addColumn('id', 'integer', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('external_id', 'text', (c) => c.unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('service_types', sql`text[]`, (c) => c.notNull().check(sql`cardinality(service_types) > 0`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status IN ('OPEN','CLOSED','PLANNED')`))
    .addColumn('operator', 'text')
    .addColumn('capacity', 'integer', (c) => c.check(sql`capacity IS NULL OR capacity >= 0`))
    .addColumn('opening_hours', 'text')
    .addColumn('municipality_code', 'text', (c) => c.check(sql`municipality_code ~ '^[0-9]{4}$'`))
    .addColumn('valid_from', 'date')
    .addColumn('valid_to', 'date')
    .addColumn('geom', sql`geometry(Point, 4326)`, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('generated', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('import_run_id', 'integer', (c) => c.references('import_runs.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`CREATE INDEX service_points_geom_gist ON service_points USING gist (geom)`.execute(db);
  await sql`CREATE INDEX service_points_types_gin ON service_points USING gin (service_types)`.execute(db);
  await sql`CREATE INDEX service_points_open_geom ON service_points USING gist (geom) WHERE status = 'OPEN'`.execute(
    db,
  );

  await db.schema
    .createTable('areas')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('level', 'text', (c) => c.notNull().check(sql`level IN ('MUNICIPALITY','COUNTY')`))
    .addColumn('name', 'text')
    .addColumn('parent_code', 'text')
    .addColumn('geom', sql`geometry(MultiPolygon, 4326)`)
    .execute();
  await sql`CREATE INDEX areas_geom_gist ON areas USING gist (geom)`.execute(db);

  // A single counter bumped by every write, so caches (engine, tiles) know when to rebuild.
  await db.schema
    .createTable('data_version')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO data_version (id, version) VALUES (1, 1)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'data_version',
    'areas',
    'service_points',
    'settlements',
    'import_runs',
    'service_types',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
