import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Population grid squares (SCB "befolkning per ruta", 1 km or 250 m) as a second origin set, and the
 * optional need rule of a service type (demand base and planning ratio) for capacity analyses.
 * Only adds: the table `grid_cells` and two nullable columns on `service_types`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE grid_cells (
    cell_id text PRIMARY KEY,
    size_m integer NOT NULL CHECK (size_m > 0),
    population integer NOT NULL CHECK (population >= 0),
    population_65_plus integer CHECK (population_65_plus IS NULL OR population_65_plus >= 0),
    population_80_plus integer CHECK (population_80_plus IS NULL OR population_80_plus >= 0),
    municipality_code text CHECK (municipality_code ~ '^[0-9]{4}$'),
    county_code text CHECK (county_code ~ '^[0-9]{2}$'),
    geom geometry(Polygon, 4326) NOT NULL,
    centroid geometry(Point, 4326) NOT NULL,
    source text NOT NULL,
    import_run_id integer REFERENCES import_runs (id)
  )`.execute(db);
  await sql`CREATE INDEX grid_cells_centroid ON grid_cells USING gist (centroid)`.execute(db);
  await sql`CREATE INDEX grid_cells_municipality ON grid_cells (municipality_code)`.execute(db);
  await sql`ALTER TABLE service_types
    ADD COLUMN need_base text CHECK (need_base IS NULL OR need_base IN ('POPULATION','AGE_65_PLUS','AGE_80_PLUS')),
    ADD COLUMN need_per_100 float8 CHECK (need_per_100 IS NULL OR need_per_100 >= 0)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE service_types DROP COLUMN IF EXISTS need_per_100, DROP COLUMN IF EXISTS need_base`.execute(
    db,
  );
  await sql`DROP TABLE IF EXISTS grid_cells`.execute(db);
}
