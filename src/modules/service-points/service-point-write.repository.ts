import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import { pointGeom } from '../../db/geo.js';
import type { Database, ServicePointTable } from '../../db/tables.js';
import type { ServicePoint } from './service-point.repository.js';
import { findServicePoints } from './service-point.repository.js';

type Trx = Transaction<Database>;

/** Parses an opaque service-point id; null when it cannot be one. */
export function servicePointNumericId(id: string): number | null {
  return /^\d{1,9}$/.test(id) ? Number(id) : null;
}

/** One point, locked for the rest of the transaction (so two edits of it are serialised), or null. */
export async function lockServicePoint(trx: Trx, id: number): Promise<ServicePoint | null> {
  const row = await trx
    .selectFrom('service_points')
    .select('id')
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!row) return null;
  return (await findServicePoints(trx, { ids: [id] }))[0] ?? null;
}

export async function readServicePoint(trx: Trx, id: number): Promise<ServicePoint> {
  const point = (await findServicePoints(trx, { ids: [id] }))[0];
  if (!point) throw new Error(`service point ${id} vanished inside its own transaction`);
  return point;
}

/** The municipality whose boundary covers a location (see place-scope.ts). */
export { municipalityAt } from '../areas/place-scope.js';

/** Codes of the service types in the catalogue. */
export async function serviceTypeCodes(trx: Trx): Promise<Set<string>> {
  const rows = await trx.selectFrom('service_types').select('code').execute();
  return new Set(rows.map((r) => r.code));
}

/** The id of the point holding an external id, or null. */
export async function pointIdByExternalId(trx: Trx, externalId: string): Promise<string | null> {
  const row = await trx
    .selectFrom('service_points')
    .select('id')
    .where('external_id', '=', externalId)
    .executeTakeFirst();
  return row ? String(row.id) : null;
}

/** The columns a write may set (geometry from lon/lat). */
export interface ServicePointColumns {
  name?: string;
  service_types?: readonly string[];
  status?: ServicePointTable['status'];
  operator?: string | null;
  capacity?: number | null;
  opening_hours?: string | null;
  municipality_code?: string | null;
  external_id?: string | null;
  /** A date, or 'today' for the database's current_date. */
  valid_from?: string | null;
  valid_to?: string | null;
  location?: { lon: number; lat: number };
}

const dateValue = (v: string | null) => (v === 'today' ? sql<string>`current_date` : v);

function toRow(c: ServicePointColumns) {
  return {
    ...(c.name !== undefined && { name: c.name }),
    ...(c.service_types !== undefined && { service_types: sql<string[]>`${[...c.service_types]}::text[]` }),
    ...(c.status !== undefined && { status: c.status }),
    ...(c.operator !== undefined && { operator: c.operator }),
    ...(c.capacity !== undefined && { capacity: c.capacity }),
    ...(c.opening_hours !== undefined && { opening_hours: c.opening_hours }),
    ...(c.municipality_code !== undefined && { municipality_code: c.municipality_code }),
    ...(c.external_id !== undefined && { external_id: c.external_id }),
    ...(c.valid_from !== undefined && { valid_from: dateValue(c.valid_from) }),
    ...(c.valid_to !== undefined && { valid_to: dateValue(c.valid_to) }),
    ...(c.location !== undefined && { geom: pointGeom(c.location.lon, c.location.lat) }),
  };
}

export async function insertServicePointRow(
  trx: Trx,
  c: ServicePointColumns & {
    name: string;
    service_types: readonly string[];
    location: { lon: number; lat: number };
  },
  source: string,
): Promise<number> {
  const row = await trx
    .insertInto('service_points')
    .values({ status: 'OPEN', ...toRow(c), source } as never)
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateServicePointRow(trx: Trx, id: number, c: ServicePointColumns): Promise<void> {
  await trx
    .updateTable('service_points')
    .set({ ...toRow(c), updated_at: sql`now()` } as never)
    .where('id', '=', id)
    .execute();
}
