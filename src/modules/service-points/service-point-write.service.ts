import type { Kysely, Transaction } from 'kysely';
import { isCalendarDate } from '../../calendar-date.js';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import { forbidden, invalid, missing } from '../../domain-error.js';
import { openingHoursProblem } from '../../engine/opening-hours.js';
import { lonLatProblem } from '../../geo/polygon.js';
import { municipalityExists } from '../areas/municipality-codes.js';
import { insertAuditEntry } from '../audit/audit.repository.js';
import { requirePlaceInScope } from '../areas/place-scope.js';
import type { Principal } from '../keys/principal.js';
import type { ServicePoint } from './service-point.repository.js';
import type { ServicePointColumns } from './service-point-write.repository.js';
import {
  insertServicePointRow,
  lockServicePoint,
  municipalityAt,
  pointIdByExternalId,
  readServicePoint,
  servicePointNumericId,
  serviceTypeCodes,
  updateServicePointRow,
} from './service-point-write.repository.js';

/**
 * Service-point writes (create, edit or move, close, reopen): plain arguments in, a ServicePoint out,
 * DomainErrors for expected failures. Each accepted write is ONE transaction that locks the row,
 * checks the principal's scope where the point is by the imported boundaries (for a move: the old and
 * the new place; place-scope.ts), writes, appends the audit row
 * (before/after) and bumps the data version, so the next read of any kind sees it. Rows are never
 * deleted: closing sets status CLOSED and valid_to (exclusive: the first day out of service).
 */

/** The editable fields; on create name, serviceTypes and location are required. */
export interface ServicePointFields {
  name?: string | null;
  serviceTypes?: readonly string[] | null;
  location?: { lon: number; lat: number } | null;
  municipalityCode?: string | null;
  operator?: string | null;
  capacity?: number | null;
  openingHours?: string | null;
  externalId?: string | null;
  /** First day in service (YYYY-MM-DD); default on create: today. */
  validFrom?: string | null;
}

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

const MAX_TEXT = 200;

function requireWriter(principal: Principal): void {
  if (principal.role === 'reader')
    throw forbidden(`key ${principal.id} is a reader key: writes need a planner or admin key`);
}

function text(value: string | null | undefined, field: string, max = MAX_TEXT): string | null | undefined {
  if (value === undefined || value === null) return value;
  const t = value.trim();
  if (t.length > max) throw invalid(`${field} must be at most ${max} characters`, field);
  return t === '' ? null : t;
}

/** Validates the fields (shape and ranges; catalogue and uniqueness need the database) into columns. */
function columnsOf(f: ServicePointFields, creating: boolean): ServicePointColumns {
  const c: ServicePointColumns = {};
  const required = (value: unknown, field: string) => {
    if ((creating && value === undefined) || value === null) throw invalid(`${field} is required`, field);
  };
  required(f.name, 'input.name');
  if (f.name != null) {
    const name = text(f.name, 'input.name');
    if (!name) throw invalid('input.name must not be blank', 'input.name');
    c.name = name;
  }
  required(f.serviceTypes, 'input.serviceTypes');
  if (f.serviceTypes != null) {
    const codes = [...new Set(f.serviceTypes.map((s) => s.trim().toUpperCase()))];
    if (codes.length === 0) throw invalid('input.serviceTypes needs at least one code', 'input.serviceTypes');
    c.service_types = codes;
  }
  required(f.location, 'input.location');
  if (f.location != null) {
    const problem = lonLatProblem(f.location.lon, f.location.lat);
    if (problem) throw invalid(`input.location: ${problem}`, 'input.location');
    c.location = { lon: f.location.lon, lat: f.location.lat };
  }
  if (f.municipalityCode !== undefined) {
    if (f.municipalityCode !== null && !/^\d{4}$/.test(f.municipalityCode))
      throw invalid(
        'input.municipalityCode must be 4 digits (SCB kommunkod), e.g. "2085"',
        'input.municipalityCode',
      );
    c.municipality_code = f.municipalityCode;
  }
  if (f.operator !== undefined) c.operator = text(f.operator, 'input.operator') ?? null;
  if (f.openingHours !== undefined) {
    c.opening_hours = text(f.openingHours, 'input.openingHours', 500) ?? null;
    // The import's rule and library (src/import/values.ts): unparseable hours were stored, then counted
    // as always open.
    const problem = c.opening_hours ? openingHoursProblem(c.opening_hours) : null;
    if (problem)
      throw invalid(
        `input.openingHours is not valid OSM opening_hours syntax (got ${JSON.stringify(c.opening_hours)}): ${problem}`,
        'input.openingHours',
      );
  }
  if (f.externalId !== undefined) c.external_id = text(f.externalId, 'input.externalId') ?? null;
  if (f.capacity !== undefined) {
    if (f.capacity !== null && !(Number.isSafeInteger(f.capacity) && f.capacity >= 0))
      throw invalid(`input.capacity must be a whole number ≥ 0, got ${f.capacity}`, 'input.capacity');
    c.capacity = f.capacity;
  }
  if (f.validFrom !== undefined) {
    if (f.validFrom !== null && !isCalendarDate(f.validFrom))
      throw invalid('input.validFrom must be a date YYYY-MM-DD', 'input.validFrom');
    c.valid_from = f.validFrom;
  }
  return c;
}

/** Checks the codes against the catalogue and the external id against other points. */
async function checkAgainstData(trx: Trx, c: ServicePointColumns, selfId: string | null): Promise<void> {
  if (c.service_types) {
    const known = await serviceTypeCodes(trx);
    const unknown = c.service_types.filter((code) => !known.has(code));
    if (unknown.length > 0)
      throw invalid(
        `unknown service type ${unknown.join(', ')}; known: ${[...known].sort().join(', ')}`,
        'input.serviceTypes',
      );
  }
  if (c.external_id) {
    const holder = await pointIdByExternalId(trx, c.external_id);
    if (holder !== null && holder !== selfId)
      throw invalid(
        `externalId "${c.external_id}" is already used by service point ${holder}`,
        'input.externalId',
      );
  }
}

/**
 * Where a (new) location is, for a write: the principal must be allowed there by the imported
 * boundaries (place-scope.ts: planners are refused where none covers it), and a given code must agree
 * with the boundary that covers it. Returns the code to store: the boundary's, else (admins only, no
 * boundary covering) the given one, else `fallback`.
 */
async function placeOf(
  trx: Trx,
  principal: Principal,
  location: { lon: number; lat: number },
  given: string | null | undefined,
  what: string,
  field: string,
  fallback: string | null = null,
): Promise<string | null> {
  const found = await municipalityAt(trx, location.lon, location.lat);
  if (found !== null && given != null && given !== found)
    throw invalid(
      `input.municipalityCode ${given} does not match the location, which lies in municipality ${found}`,
      'input.municipalityCode',
    );
  if (found === null && given != null && !(await municipalityExists(trx, given)))
    throw invalid(
      `input.municipalityCode ${given} is not a municipality: neither an SCB kommunkod nor the code of an imported boundary`,
      'input.municipalityCode',
    );
  const place = await requirePlaceInScope(trx, principal, location, what, field);
  return place ?? (given != null ? given : fallback);
}

/**
 * Two writers claiming one externalId at once both pass the check above; the unique index refuses the
 * second at commit, and that is the same user error.
 */
async function uniqueExternalId<T>(c: ServicePointColumns, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as { code?: string }).code === '23505' && c.external_id)
      throw invalid(
        `externalId "${c.external_id}" is already used by another service point`,
        'input.externalId',
      );
    throw error;
  }
}

async function audit(
  trx: Trx,
  principal: Principal,
  action: string,
  before: ServicePoint | null,
  after: ServicePoint,
) {
  await insertAuditEntry(trx, {
    actor: principal.id,
    action,
    entity: 'servicePoint',
    entityId: after.id,
    before,
    after,
  });
  await bumpDataVersion(trx);
}

export async function createServicePoint(
  db: Db,
  principal: Principal,
  fields: ServicePointFields,
): Promise<ServicePoint> {
  requireWriter(principal);
  const c = columnsOf(fields, true);
  return uniqueExternalId(c, () =>
    db.transaction().execute(async (trx) => {
      await checkAgainstData(trx, c, null);
      const location = c.location!;
      c.municipality_code = await placeOf(
        trx,
        principal,
        location,
        c.municipality_code,
        'the new point',
        'input.location',
      );
      c.valid_from ??= 'today';
      const id = await insertServicePointRow(
        trx,
        { ...c, name: c.name!, service_types: c.service_types!, location },
        `api (${principal.id})`,
      );
      const after = await readServicePoint(trx, id);
      await audit(trx, principal, 'servicePoint.create', null, after);
      return after;
    }),
  );
}

/**
 * Locks an existing point and checks the principal may change it where it IS: the municipality whose
 * imported boundary covers its location (not the code stored beside it, which a client or an import
 * before the boundaries may have written).
 */
async function lockedInScope(
  trx: Trx,
  principal: Principal,
  id: string,
): Promise<{ n: number; point: ServicePoint }> {
  const n = servicePointNumericId(id);
  const point = n === null ? null : await lockServicePoint(trx, n);
  if (n === null || point === null) throw missing(`service point ${JSON.stringify(id)} was not found`);
  await requirePlaceInScope(trx, principal, point, `service point ${id}`, 'id');
  return { n, point };
}

/** Edits fields and/or moves the point; a move is checked against the old and the new municipality. */
export async function updateServicePoint(
  db: Db,
  principal: Principal,
  id: string,
  fields: ServicePointFields,
): Promise<ServicePoint> {
  requireWriter(principal);
  const c = columnsOf(fields, false);
  if (Object.keys(c).length === 0) throw invalid('input changes nothing: give at least one field', 'input');
  return uniqueExternalId(c, () =>
    db.transaction().execute(async (trx) => {
      const { n, point: before } = await lockedInScope(trx, principal, id);
      await checkAgainstData(trx, c, before.id);
      if (c.location || c.municipality_code !== undefined) {
        const location = c.location ?? { lon: before.lon, lat: before.lat };
        const given =
          c.municipality_code !== undefined
            ? c.municipality_code
            : c.location
              ? undefined
              : before.municipalityCode;
        // Checked where it goes as well as where it was (lockedInScope). An admin's point moved where
        // no boundary covers it keeps its code unless one is given.
        c.municipality_code = await placeOf(
          trx,
          principal,
          location,
          given,
          'the new location',
          c.location ? 'input.location' : 'input.municipalityCode',
          c.location ? before.municipalityCode : null,
        );
      }
      const from = c.valid_from !== undefined ? c.valid_from : before.validFrom;
      if (from && before.validTo && from >= before.validTo)
        throw invalid(
          `input.validFrom ${from} must be before the closing date ${before.validTo}`,
          'input.validFrom',
        );
      await updateServicePointRow(trx, n, c);
      const after = await readServicePoint(trx, n);
      await audit(trx, principal, 'servicePoint.update', before, after);
      return after;
    }),
  );
}

/** Closes a point on a date (default today): status CLOSED, valid_to = that date. Never deletes. */
export async function closeServicePoint(
  db: Db,
  principal: Principal,
  id: string,
  closedOn: string | null,
): Promise<ServicePoint> {
  requireWriter(principal);
  if (closedOn !== null && !isCalendarDate(closedOn))
    throw invalid('closedOn must be a date YYYY-MM-DD', 'closedOn');
  return db.transaction().execute(async (trx) => {
    const { n, point: before } = await lockedInScope(trx, principal, id);
    // A closing date ahead counts too (status is OPEN until then): reopen first to change it.
    if (before.status === 'CLOSED' || before.validTo !== null)
      throw invalid(
        `service point ${id} is already closed or closing (valid to ${before.validTo ?? 'unknown'}); reopen it to change the date`,
        'id',
      );
    if (closedOn !== null && before.validFrom && closedOn <= before.validFrom)
      throw invalid(
        `closedOn ${closedOn} must be after the first day in service, ${before.validFrom}`,
        'closedOn',
      );
    await updateServicePointRow(trx, n, { status: 'CLOSED', valid_to: closedOn ?? 'today' });
    const after = await readServicePoint(trx, n);
    await audit(trx, principal, 'servicePoint.close', before, after);
    return after;
  });
}

/** Opens a CLOSED (or PLANNED) point again: status OPEN, no end date. */
export async function reopenServicePoint(db: Db, principal: Principal, id: string): Promise<ServicePoint> {
  requireWriter(principal);
  return db.transaction().execute(async (trx) => {
    const { n, point: before } = await lockedInScope(trx, principal, id);
    if (before.status === 'OPEN' && before.validTo === null)
      throw invalid(`service point ${id} is open already`, 'id');
    await updateServicePointRow(trx, n, { status: 'OPEN', valid_to: null });
    const after = await readServicePoint(trx, n);
    await audit(trx, principal, 'servicePoint.reopen', before, after);
    return after;
  });
}
