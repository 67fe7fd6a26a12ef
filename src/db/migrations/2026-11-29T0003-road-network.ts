import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * The road network: one row per edge, shaped for pgRouting as it stands
 * (`SELECT id, source, target, minutes AS cost, CASE WHEN oneway THEN -1 ELSE minutes END AS reverse_cost
 * FROM road_edges`). A one-way edge is stored in its driving direction, so `oneway` never means
 * "against the geometry". Node ids are OSM node ids (or synthetic for GeoJSON); `road_network` is the
 * one row describing the loaded network.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE road_edges (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source bigint NOT NULL,
    target bigint NOT NULL,
    length_m double precision NOT NULL CHECK (length_m > 0),
    speed_kmh double precision NOT NULL CHECK (speed_kmh > 0),
    minutes double precision NOT NULL CHECK (minutes > 0),
    road_class text NOT NULL,
    oneway boolean NOT NULL,
    is_ferry boolean NOT NULL DEFAULT false,
    osm_way_id bigint,
    name text,
    geom geometry(LineString, 4326) NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX road_edges_geom ON road_edges USING gist (geom)`.execute(db);
  await sql`CREATE INDEX road_edges_source ON road_edges (source)`.execute(db);
  await sql`CREATE INDEX road_edges_target ON road_edges (target)`.execute(db);
  await sql`CREATE TABLE road_network (
    id integer PRIMARY KEY CHECK (id = 1),
    source text NOT NULL,
    file text NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    edges integer NOT NULL,
    nodes integer NOT NULL,
    import_run_id integer REFERENCES import_runs (id)
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS road_network`.execute(db);
  await sql`DROP TABLE IF EXISTS road_edges`.execute(db);
}
