import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** An opaque PostGIS geometry: written and read only through PostGIS functions in SQL (see db/geo.ts). */
export type GeometryValue = { readonly __brand: 'PostGIS geometry' };
type Geometry = ColumnType<GeometryValue, GeometryValue, GeometryValue>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface ServiceTypeTable {
  code: string;
  name_sv: string;
  name_en: string;
  threshold_minutes: number;
  threshold_km: number | null;
  substitute_name: string | null;
  substitute_adequacy: 'FULL' | 'PARTIAL' | 'NONE' | null;
  substitute_limitations: string | null;
  /** Need rule (migration 2026-11-30T0005): whose numbers make the need, and places per 100 of them. */
  need_base: Generated<'POPULATION' | 'AGE_65_PLUS' | 'AGE_80_PLUS' | null>;
  need_per_100: Generated<number | null>;
}

export interface SettlementTable {
  id: Generated<number>;
  external_id: string | null;
  name: string;
  /** lower-cased, accents folded (Ö→o): for case- and accent-insensitive prefix search. */
  name_norm: string;
  kind: 'TATORT' | 'SMAORT' | 'VILLAGE' | 'GRID_CELL';
  population: number;
  population_65_plus: number | null;
  municipality_code: string | null;
  county_code: string | null;
  broadband_share: number | null;
  geom: Geometry;
  source: string;
  import_run_id: number | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface ServicePointTable {
  id: Generated<number>;
  external_id: string | null;
  name: string;
  service_types: string[];
  status: 'OPEN' | 'CLOSED' | 'PLANNED';
  operator: string | null;
  capacity: number | null;
  opening_hours: string | null;
  municipality_code: string | null;
  valid_from: string | null;
  valid_to: string | null;
  geom: Geometry;
  source: string;
  /** true for the seeded demo points: generated, not observed. */
  generated: Generated<boolean>;
  import_run_id: number | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface AreaTable {
  code: string;
  level: 'MUNICIPALITY' | 'COUNTY';
  name: string | null;
  parent_code: string | null;
  geom: Geometry;
}

export interface ImportRunTable {
  id: Generated<number>;
  kind: string;
  file: string;
  format: string;
  status: 'RUNNING' | 'DONE' | 'FAILED';
  inserted: Generated<number>;
  updated: Generated<number>;
  skipped: Generated<number>;
  message: string | null;
  started_at: Generated<Timestamp>;
  finished_at: Timestamp | null;
  /** --as-of of a dated snapshot import (YYYY-MM-DD), else null (migration 2026-11-30T0006). */
  as_of: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface DataVersionTable {
  id: number;
  /** Bumped by writes that change the analysis snapshot's inputs. */
  version: number;
  /** Bumped by every write (saved scenarios too). */
  writes: Generated<number>;
}

/** A jsonb column: read as parsed JSON, written as a JSON text (cast with `::jsonb` in SQL). */
type Jsonb = ColumnType<unknown, string, string>;
/** A timestamptz the database sets (default now()), never written by the application. */
type CreatedAt = ColumnType<Date, never, never>;

/** A saved scenario: a named set of changes (ScenarioInput as JSON), re-evaluated on current data. */
export interface ScenarioTable {
  id: Generated<number>;
  name: string;
  description: string | null;
  changes: Jsonb;
  created_by: string | null;
  created_at: CreatedAt;
}

/**
 * One accepted write: who (the actor id — a key id, `write-token#n` or `jwt:<subject>`, never the key),
 * what (action, e.g. `servicePoint.update`), on what (entity and its id), the row before and after.
 * `target`/`details` are the columns of the first version (scenario writes before 2026-11-30).
 */
export interface AuditLogTable {
  id: Generated<number>;
  at: CreatedAt;
  actor: string | null;
  action: string;
  target: string | null;
  details: Jsonb | null;
  entity: string | null;
  entity_id: string | null;
  before: Jsonb | null;
  after: Jsonb | null;
}

/** An API key: a role and a scope; only HMAC-SHA256(server secret, id:secret) of its secret is stored. */
export interface ApiKeyTable {
  id: string;
  name: string | null;
  role: 'reader' | 'planner' | 'admin';
  municipality_codes: string[];
  county_codes: string[];
  key_hash: string;
  created_at: CreatedAt;
  revoked_at: ColumnType<Date | null, never, Date | string | null>;
  /** The primary's `writes` version after this key's last write (migration 2026-12-07T0010). */
  last_writes: Generated<number>;
}

/** bigint columns are read back as strings by node-postgres; cast in SQL (`::float8`) where numbers are needed. */
type BigintColumn = ColumnType<string | number, number | string, number | string>;

/** One road edge, stored in its driving direction (see migration 2026-11-29T0003). */
export interface RoadEdgeTable {
  id: ColumnType<string | number, never, never>;
  source: BigintColumn;
  target: BigintColumn;
  length_m: number;
  speed_kmh: number;
  minutes: number;
  road_class: string;
  oneway: boolean;
  is_ferry: boolean;
  osm_way_id: BigintColumn | null;
  name: string | null;
  geom: Geometry;
}

/** The one row (id 1) describing the loaded road network. */
export interface RoadNetworkTable {
  id: number;
  source: string;
  file: string;
  imported_at: Timestamp;
  edges: number;
  nodes: number;
  import_run_id: number | null;
}

/** One population grid square (SCB rutid), stored with its polygon and centre (WGS84). */
export interface GridCellTable {
  cell_id: string;
  size_m: number;
  population: number;
  population_65_plus: number | null;
  population_80_plus: number | null;
  municipality_code: string | null;
  county_code: string | null;
  geom: Geometry;
  centroid: Geometry;
  source: string;
  import_run_id: number | null;
}

/** One settlement as a dated snapshot recorded it (migration 2026-11-30T0006). */
export interface SettlementVersionTable {
  settlement_id: number;
  /** YYYY-MM-DD: the snapshot's --as-of date. */
  valid_from: string;
  /** false: the settlement was missing from that snapshot (it no longer existed from that date). */
  present: boolean;
  name: string | null;
  kind: 'TATORT' | 'SMAORT' | 'VILLAGE' | 'GRID_CELL' | null;
  population: number | null;
  population_65_plus: number | null;
  municipality_code: string | null;
  county_code: string | null;
  broadband_share: number | null;
  import_run_id: number | null;
}

/** Connectivity figures per municipality, settlement or grid square (migration 2026-12-06T0008). */
export interface ConnectivityTable {
  level: 'MUNICIPALITY' | 'SETTLEMENT' | 'GRID';
  /** Municipality code, settlement externalId or grid cellId. */
  area_key: string;
  broadband_share: number;
  gigabit_share: number | null;
  mobile_coverage: number | null;
  /** YYYY-MM-DD, the date the figures stand on. */
  as_of: ColumnType<string | null, string | null | undefined, string | null>;
  source: string;
  licence: string | null;
  generated: Generated<boolean>;
  import_run_id: number | null;
}

/** Access tables shared between replicas, in chunks (migration 2026-12-07T0009). */
export interface SharedAccessTableTable {
  key: string;
  chunk: number;
  chunks: number;
  service_type: string;
  data_version: number;
  bytes: Uint8Array;
  stored_at: Generated<Timestamp>;
}

export interface Database {
  service_types: ServiceTypeTable;
  settlements: SettlementTable;
  service_points: ServicePointTable;
  areas: AreaTable;
  import_runs: ImportRunTable;
  data_version: DataVersionTable;
  scenarios: ScenarioTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeyTable;
  road_edges: RoadEdgeTable;
  road_network: RoadNetworkTable;
  grid_cells: GridCellTable;
  settlement_versions: SettlementVersionTable;
  connectivity: ConnectivityTable;
  shared_access_tables: SharedAccessTableTable;
}

export type SettlementRecord = Selectable<SettlementTable>;
export type NewSettlement = Insertable<SettlementTable>;
export type SettlementUpdate = Updateable<SettlementTable>;
export type ServicePointRecord = Selectable<ServicePointTable>;
