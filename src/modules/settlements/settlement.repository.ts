import type { Db } from '../../db/db.js';
import type { SelectQueryBuilder } from 'kysely';
import { sql } from 'kysely';
import type { EngineSettlement } from '../../engine/types.js';
import type { BBox, Crs } from '../../db/geo.js';
import { envelope, geoJsonGeom, pointGeom } from '../../db/geo.js';
import type { Database } from '../../db/tables.js';
import { insertedColumn, upsertInBatches } from '../../db/upsert.js';
import { escapeLike, normaliseName } from '../../text.js';

import type { SettlementKind } from '../../domain.js';

export type { SettlementKind };

/** A settlement as the API serves it. */
export interface Settlement extends EngineSettlement {
  kind: SettlementKind;
  externalId: string | null;
  source: string;
  /** Set when read as of a date (a dated snapshot): nested answers default to the same date. */
  asOf?: string;
}

/** Which settlements: every field narrows (AND). `name` is a case- and accent-insensitive prefix. */
export interface SettlementFilter {
  name?: string | null;
  municipalityCode?: string | null;
  countyCode?: string | null;
  bbox?: BBox | null;
  polygon?: unknown;
  minPopulation?: number | null;
  kind?: SettlementKind | null;
  ids?: readonly number[];
}

export interface SettlementInput {
  name: string;
  kind: SettlementKind;
  population: number;
  population65Plus: number | null;
  municipalityCode: string | null;
  countyCode: string | null;
  broadbandShare: number | null;
  externalId: string | null;
  x: number;
  y: number;
  crs: Crs;
}

function selectSettlements(db: Db) {
  return db
    .selectFrom('settlements')
    .select([
      'id',
      'name',
      'kind',
      'population',
      'population_65_plus',
      'municipality_code',
      'county_code',
      'broadband_share',
      'external_id',
      'source',
      sql<number>`ST_X(geom)`.as('lon'),
      sql<number>`ST_Y(geom)`.as('lat'),
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof selectSettlements>['execute']>>[number];

function toSettlement(r: Row): Settlement {
  return {
    id: String(r.id),
    name: r.name,
    kind: r.kind,
    population: r.population,
    population65Plus: r.population_65_plus,
    municipalityCode: r.municipality_code,
    countyCode: r.county_code,
    broadbandShare: r.broadband_share,
    externalId: r.external_id,
    source: r.source,
    lon: Number(r.lon),
    lat: Number(r.lat),
  };
}

function applyFilter<O>(
  qb: SelectQueryBuilder<Database, 'settlements', O>,
  f: SettlementFilter,
): SelectQueryBuilder<Database, 'settlements', O> {
  let q = qb;
  if (f.name) q = q.where('name_norm', 'like', `${escapeLike(normaliseName(f.name))}%`);
  if (f.municipalityCode) q = q.where('municipality_code', '=', f.municipalityCode);
  if (f.countyCode) q = q.where('county_code', '=', f.countyCode);
  if (f.bbox) q = q.where(sql<boolean>`geom && ${envelope(f.bbox)}`);
  if (f.polygon) q = q.where(sql<boolean>`ST_Intersects(geom, ${geoJsonGeom(f.polygon)})`);
  if (f.minPopulation != null) q = q.where('population', '>=', f.minPopulation);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.ids) q = q.where('id', 'in', f.ids.length > 0 ? [...f.ids] : [-1]);
  return q;
}

/**
 * Settlements that exist today: undated ones, and dated ones whose latest snapshot on or before today has
 * them (a settlement missing from the latest yearly snapshot is no longer listed; asOf shows its past).
 */
const existsToday = sql<boolean>`(NOT EXISTS (SELECT 1 FROM settlement_versions w WHERE w.settlement_id = settlements.id)
  OR (SELECT v.present FROM settlement_versions v WHERE v.settlement_id = settlements.id AND v.valid_from <= current_date
      ORDER BY v.valid_from DESC LIMIT 1) IS TRUE)`;

/** One page of settlements ordered by id (keyset pagination), plus the filter's total count. */
export async function listSettlements(
  db: Db,
  filter: SettlementFilter,
  page: { first: number; afterId: number | null },
): Promise<{ settlements: Settlement[]; hasNextPage: boolean; count: () => Promise<number> }> {
  let q = applyFilter(selectSettlements(db), filter)
    .where(existsToday)
    .orderBy('id')
    .limit(page.first + 1);
  if (page.afterId !== null) q = q.where('id', '>', page.afterId);
  const rows = await q.execute();
  // The count is a second query (a full scan of the filter's rows on a large table), run only when a
  // client selects totalCount: most pages do not, and on PostgreSQL it dominated a page's cost.
  const count = async () =>
    (
      await applyFilter(db.selectFrom('settlements'), filter)
        .where(existsToday)
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  return {
    settlements: rows.slice(0, page.first).map(toSettlement),
    hasNextPage: rows.length > page.first,
    count,
  };
}

/** True when any settlement has dated versions (yearly snapshots imported with --as-of). */
export async function hasSettlementVersions(db: Db): Promise<boolean> {
  const rows = await db.selectFrom('settlement_versions').select('settlement_id').limit(1).execute();
  return rows.length > 0;
}

/** Every settlement matching the filter (for analyses over an area), ordered by id. */
export async function findSettlements(db: Db, filter: SettlementFilter = {}): Promise<Settlement[]> {
  const rows = await applyFilter(selectSettlements(db), filter).orderBy('id').execute();
  return rows.map(toSettlement);
}

/**
 * Every settlement as it stood on a date (null = today): its latest dated version on or before the date
 * (yearly snapshots, table settlement_versions), or — for a settlement never imported with --as-of — the
 * settlement as stored. A settlement whose versions all start later, or whose latest version says it was
 * missing, did not exist on that date. Ordered by id, like findSettlements.
 */
export async function findSettlementsAsOf(
  db: Db,
  asOf: string | null,
  /** A regional partition's county or municipality codes (empty = every settlement). */
  regions: readonly string[] = [],
): Promise<Settlement[]> {
  const dated = await db.selectFrom('settlement_versions').select('settlement_id').limit(1).execute();
  if (dated.length === 0) {
    const all =
      regions.length === 0
        ? await findSettlements(db)
        : (
            await selectSettlements(db)
              .where((eb) =>
                eb.or([eb('county_code', 'in', [...regions]), eb('municipality_code', 'in', [...regions])]),
              )
              .orderBy('id')
              .execute()
          ).map(toSettlement);
    return asOf === null ? all : all.map((s) => ({ ...s, asOf }));
  }
  const inRegions =
    regions.length === 0
      ? sql`true`
      : sql`(CASE WHEN v.settlement_id IS NULL THEN s.county_code ELSE v.county_code END IN (${sql.join(regions)})
          OR CASE WHEN v.settlement_id IS NULL THEN s.municipality_code ELSE v.municipality_code END IN (${sql.join(regions)}))`;
  const day = asOf === null ? sql`current_date` : sql`${asOf}::date`;
  const rows = await sql<Row>`
    SELECT s.id,
      CASE WHEN v.settlement_id IS NULL THEN s.name ELSE v.name END AS name,
      CASE WHEN v.settlement_id IS NULL THEN s.kind ELSE v.kind END AS kind,
      CASE WHEN v.settlement_id IS NULL THEN s.population ELSE v.population END AS population,
      CASE WHEN v.settlement_id IS NULL THEN s.population_65_plus ELSE v.population_65_plus END AS population_65_plus,
      CASE WHEN v.settlement_id IS NULL THEN s.municipality_code ELSE v.municipality_code END AS municipality_code,
      CASE WHEN v.settlement_id IS NULL THEN s.county_code ELSE v.county_code END AS county_code,
      CASE WHEN v.settlement_id IS NULL THEN s.broadband_share ELSE v.broadband_share END AS broadband_share,
      s.external_id, s.source, ST_X(s.geom) AS lon, ST_Y(s.geom) AS lat
    FROM settlements s
    LEFT JOIN LATERAL (
      SELECT * FROM settlement_versions sv
      WHERE sv.settlement_id = s.id AND sv.valid_from <= ${day}
      ORDER BY sv.valid_from DESC LIMIT 1
    ) v ON true
    WHERE CASE WHEN v.settlement_id IS NOT NULL THEN v.present
      ELSE NOT EXISTS (SELECT 1 FROM settlement_versions w WHERE w.settlement_id = s.id) END
      AND ${inRegions}
    ORDER BY s.id`.execute(db);
  return rows.rows.map((r) => (asOf === null ? toSettlement(r) : { ...toSettlement(r), asOf }));
}

/** The settlements (of a dated snapshot, in memory) that a filter selects, the same rules as the SQL filter. */
export function settlementsMatching(settlements: readonly Settlement[], f: SettlementFilter): Settlement[] {
  const prefix = f.name ? normaliseName(f.name) : null;
  return settlements.filter(
    (s) =>
      (prefix === null || normaliseName(s.name).startsWith(prefix)) &&
      (!f.municipalityCode || s.municipalityCode === f.municipalityCode) &&
      (!f.countyCode || s.countyCode === f.countyCode) &&
      (!f.bbox ||
        (s.lon >= f.bbox.minLon &&
          s.lon <= f.bbox.maxLon &&
          s.lat >= f.bbox.minLat &&
          s.lat <= f.bbox.maxLat)) &&
      (f.minPopulation == null || s.population >= f.minPopulation) &&
      (!f.kind || s.kind === f.kind) &&
      (!f.ids || f.ids.includes(Number(s.id))),
  );
}

/** Settlements by id, in one query (for DataLoader). */
export async function findSettlementsByIds(db: Db, ids: readonly number[]): Promise<Settlement[]> {
  if (ids.length === 0) return [];
  return findSettlements(db, { ids });
}

/**
 * Inserts settlements, updating those whose externalId already exists (never duplicating).
 * Runs inside the caller's transaction; returns how many rows were inserted and updated.
 */
export async function upsertSettlements(
  trx: Db,
  inputs: readonly SettlementInput[],
  meta: { source: string; importRunId: number | null },
): Promise<{ inserted: number; updated: number }> {
  return upsertInBatches(inputs, (batch) =>
    trx
      .insertInto('settlements')
      .values(
        batch.map((s) => ({
          external_id: s.externalId,
          name: s.name,
          name_norm: normaliseName(s.name),
          kind: s.kind,
          population: s.population,
          population_65_plus: s.population65Plus,
          municipality_code: s.municipalityCode,
          county_code: s.countyCode,
          broadband_share: s.broadbandShare,
          geom: pointGeom(s.x, s.y, s.crs),
          source: meta.source,
          import_run_id: meta.importRunId,
        })),
      )
      .onConflict((oc) =>
        oc.column('external_id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          name_norm: eb.ref('excluded.name_norm'),
          kind: eb.ref('excluded.kind'),
          population: eb.ref('excluded.population'),
          population_65_plus: eb.ref('excluded.population_65_plus'),
          municipality_code: eb.ref('excluded.municipality_code'),
          county_code: eb.ref('excluded.county_code'),
          broadband_share: eb.ref('excluded.broadband_share'),
          geom: eb.ref('excluded.geom'),
          source: eb.ref('excluded.source'),
          import_run_id: eb.ref('excluded.import_run_id'),
          updated_at: sql`now()`,
        })),
      )
      .returning(insertedColumn)
      .execute(),
  );
}

/** Ids of the settlements in an area (PostGIS does the spatial filter), or null for "everywhere". */
export async function findSettlementIdsInArea(db: Db, area: SettlementFilter): Promise<string[] | null> {
  const given = Object.values(area).some((v) => v !== undefined && v !== null);
  if (!given) return null;
  const rows = await applyFilter(db.selectFrom('settlements').select('id'), area).orderBy('id').execute();
  return rows.map((r) => String(r.id));
}
