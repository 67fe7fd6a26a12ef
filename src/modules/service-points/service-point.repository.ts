import type { Db } from '../../db/db.js';
import type { SelectQueryBuilder } from 'kysely';
import { sql } from 'kysely';
import type { BBox, Crs } from '../../db/geo.js';
import { envelope, geoJsonGeom, pointGeom } from '../../db/geo.js';
import type { Database } from '../../db/tables.js';
import { insertedColumn, upsertInBatches } from '../../db/upsert.js';
import type { EnginePoint } from '../../engine/types.js';
import { escapeLike } from '../../text.js';

import type { ServicePointStatus } from '../../domain.js';

export type { ServicePointStatus };

/** A service point as the API serves it. */
export interface ServicePoint extends EnginePoint {
  status: ServicePointStatus;
  operator: string | null;
  capacity: number | null;
  openingHours: string | null;
  externalId: string | null;
  source: string;
  generated: boolean;
  validFrom: string | null;
  validTo: string | null;
}

export interface ServicePointFilter {
  name?: string | null;
  serviceType?: string | null;
  status?: ServicePointStatus | null;
  municipalityCode?: string | null;
  /** Points whose municipality code starts with the county code. */
  countyCode?: string | null;
  bbox?: BBox | null;
  polygon?: unknown;
  ids?: readonly number[];
  /**
   * YYYY-MM-DD: only points in service on that date (see findOpenServicePoints), read as they stood then:
   * `status` (returned and filtered) is the status on that date (statusOn).
   */
  inServiceOn?: string | null;
}

export interface ServicePointInput {
  name: string;
  serviceTypes: string[];
  status: ServicePointStatus;
  operator: string | null;
  capacity: number | null;
  openingHours: string | null;
  municipalityCode: string | null;
  externalId: string | null;
  validFrom: string | null;
  validTo: string | null;
  x: number;
  y: number;
  crs: Crs;
}

/**
 * The status today: a point closed on a date still ahead (closeServicePoint(closedOn: a future date), or an
 * import with a later valid_to) is OPEN until then and CLOSED from it — what the analyses count
 * (inServiceOn below), not the stored intent alone.
 */
const statusToday = sql<ServicePointStatus>`(CASE
    WHEN status = 'CLOSED' AND valid_to IS NOT NULL AND current_date < valid_to THEN 'OPEN'
    WHEN status = 'OPEN' AND valid_to IS NOT NULL AND current_date >= valid_to THEN 'CLOSED'
    ELSE status END)`;

/**
 * The service point columns; with `asOf`, `status` is the point's status on that date (statusOn), so a dated
 * question reads the row as it stood then; without, the status today (statusToday).
 */
function selectPoints(db: Db, asOf: string | null = null) {
  return db
    .selectFrom('service_points')
    .select([
      'id',
      'name',
      'service_types',
      (asOf === null ? statusToday : statusOn(asOf)).as('status'),
      'operator',
      'capacity',
      'opening_hours',
      'municipality_code',
      'external_id',
      'source',
      'generated',
      sql<string | null>`to_char(valid_from, 'YYYY-MM-DD')`.as('valid_from'),
      sql<string | null>`to_char(valid_to, 'YYYY-MM-DD')`.as('valid_to'),
      sql<number>`ST_X(geom)`.as('lon'),
      sql<number>`ST_Y(geom)`.as('lat'),
    ]);
}
type Row = Awaited<ReturnType<ReturnType<typeof selectPoints>['execute']>>[number];

function toServicePoint(r: Row): ServicePoint {
  return {
    id: String(r.id),
    name: r.name,
    serviceTypes: r.service_types,
    status: r.status,
    operator: r.operator,
    capacity: r.capacity,
    openingHours: r.opening_hours,
    municipalityCode: r.municipality_code,
    externalId: r.external_id,
    source: r.source,
    generated: r.generated,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    lon: Number(r.lon),
    lat: Number(r.lat),
  };
}

function applyFilter<O>(
  qb: SelectQueryBuilder<Database, 'service_points', O>,
  f: ServicePointFilter,
): SelectQueryBuilder<Database, 'service_points', O> {
  let q = qb;
  if (f.name) q = q.where(sql<boolean>`lower(name) like ${`${escapeLike(f.name.toLowerCase())}%`}`);
  if (f.serviceType) q = q.where(sql<boolean>`service_types @> ARRAY[${f.serviceType}]::text[]`);
  if (f.status)
    q = q.where(sql<boolean>`${f.inServiceOn ? statusOn(f.inServiceOn) : statusToday} = ${f.status}`);
  if (f.municipalityCode) q = q.where('municipality_code', '=', f.municipalityCode);
  if (f.countyCode) q = q.where('municipality_code', 'like', `${escapeLike(f.countyCode)}__`);
  if (f.bbox) q = q.where(sql<boolean>`geom && ${envelope(f.bbox)}`);
  if (f.polygon) q = q.where(sql<boolean>`ST_Intersects(geom, ${geoJsonGeom(f.polygon)})`);
  if (f.ids) q = q.where('id', 'in', f.ids.length > 0 ? [...f.ids] : [-1]);
  if (f.inServiceOn) q = q.where(inServiceOn(f.inServiceOn));
  return q;
}

export async function listServicePoints(
  db: Db,
  filter: ServicePointFilter,
  page: { first: number; afterId: number | null },
): Promise<{ servicePoints: ServicePoint[]; hasNextPage: boolean; count: () => Promise<number> }> {
  let q = applyFilter(selectPoints(db, filter.inServiceOn ?? null), filter)
    .orderBy('id')
    .limit(page.first + 1);
  if (page.afterId !== null) q = q.where('id', '>', page.afterId);
  const rows = await q.execute();
  // The count is a second query (a full scan of the filter's rows on a large table), run only when a
  // client selects totalCount: most pages do not, and on PostgreSQL it dominated a page's cost.
  const count = async () =>
    (
      await applyFilter(db.selectFrom('service_points'), filter)
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  return {
    servicePoints: rows.slice(0, page.first).map(toServicePoint),
    hasNextPage: rows.length > page.first,
    count,
  };
}

export async function findServicePoints(db: Db, filter: ServicePointFilter = {}): Promise<ServicePoint[]> {
  const rows = await applyFilter(selectPoints(db, filter.inServiceOn ?? null), filter)
    .orderBy('id')
    .execute();
  return rows.map(toServicePoint);
}

/**
 * Points in service on a date (null = today): (valid_from IS NULL OR valid_from <= d) AND (valid_to IS
 * NULL OR d < valid_to — valid_to is EXCLUSIVE, the first day out of service) AND status <> 'PLANNED'.
 * A CLOSED point without a valid_to (closed on an unknown date) is out of service on every date. This is
 * the set the access engine indexes.
 */
export async function findOpenServicePoints(db: Db, asOf: string | null = null): Promise<ServicePoint[]> {
  const rows = await selectPoints(db).where(inServiceOn(asOf)).orderBy('id').execute();
  return rows.map(toServicePoint);
}

/**
 * A point's status on a date, from its stored status and service period: OPEN while in service
 * (inServiceOn), PLANNED when planned or not yet opened (valid_from after the date), else CLOSED. A point
 * closed by the 2026 snapshot (status CLOSED, valid_to 2026-…) was OPEN on 2024-06-01.
 */
function statusOn(asOf: string) {
  const day = sql`${asOf}::date`;
  return sql<ServicePointStatus>`(CASE WHEN ${inServiceOn(asOf)} THEN 'OPEN'
    WHEN status = 'PLANNED' OR (valid_from IS NOT NULL AND ${day} < valid_from) THEN 'PLANNED'
    ELSE 'CLOSED' END)`;
}

/** The shared "in service on date d" condition (null = today). */
function inServiceOn(asOf: string | null) {
  const day = asOf === null ? sql`current_date` : sql`${asOf}::date`;
  return sql<boolean>`(status <> 'PLANNED'
    AND (valid_from IS NULL OR valid_from <= ${day})
    AND ((valid_to IS NULL AND status <> 'CLOSED') OR ${day} < valid_to))`;
}

/** Inserts service points, updating those whose externalId exists; inside the caller's transaction. */
export async function upsertServicePoints(
  trx: Db,
  inputs: readonly ServicePointInput[],
  meta: { source: string; importRunId: number | null; generated?: boolean },
): Promise<{ inserted: number; updated: number }> {
  return upsertInBatches(inputs, (batch) =>
    trx
      .insertInto('service_points')
      .values(
        batch.map((p) => ({
          external_id: p.externalId,
          name: p.name,
          service_types: sql<string[]>`${p.serviceTypes}::text[]`,
          status: p.status,
          operator: p.operator,
          capacity: p.capacity,
          opening_hours: p.openingHours,
          municipality_code: p.municipalityCode,
          valid_from: p.validFrom,
          valid_to: p.validTo,
          geom: pointGeom(p.x, p.y, p.crs),
          source: meta.source,
          generated: meta.generated ?? false,
          import_run_id: meta.importRunId,
        })),
      )
      .onConflict((oc) =>
        oc.column('external_id').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          service_types: eb.ref('excluded.service_types'),
          status: eb.ref('excluded.status'),
          operator: eb.ref('excluded.operator'),
          capacity: eb.ref('excluded.capacity'),
          opening_hours: eb.ref('excluded.opening_hours'),
          municipality_code: eb.ref('excluded.municipality_code'),
          valid_from: eb.ref('excluded.valid_from'),
          valid_to: eb.ref('excluded.valid_to'),
          geom: eb.ref('excluded.geom'),
          source: eb.ref('excluded.source'),
          generated: eb.ref('excluded.generated'),
          import_run_id: eb.ref('excluded.import_run_id'),
          updated_at: sql`now()`,
        })),
      )
      .returning(insertedColumn)
      .execute(),
  );
}
