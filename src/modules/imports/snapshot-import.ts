import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { ServicePointRow } from '../../import/index.js';
import { ImportOptionError } from '../../import/index.js';

/**
 * Yearly snapshots (`import … --as-of YYYY-MM-DD`). A snapshot states the complete set on its date for
 * what it covers — the service types its rows hold (settlements: the kinds), or every row of its
 * `--source` when one is given:
 * - service points present in it are in service from that date (valid_from, if new or earlier), and one
 *   missing from it is closed from that date (status CLOSED, valid_to = the date; valid_to is exclusive);
 * - settlements present in it get a dated version with the file's figures (settlement_versions), and one
 *   missing from it gets a dated "missing" version: it did not exist from that date.
 * Matching between years is by externalId, so every row needs one. Re-importing the same file on the same
 * date writes the same rows again (idempotent). Snapshots are meant to be imported in date order; an
 * older one imported later still records its own date, but does not undo a later closure.
 */

type Trx = Transaction<Database>;

/** Refuses a snapshot whose rows cannot be matched between years. */
export function requireExternalIds(rows: readonly { externalId: string | null }[], file: string): string[] {
  const missing = rows.filter((r) => r.externalId === null).length;
  if (missing > 0) {
    throw new ImportOptionError(
      '--as-of',
      `${file}: ${missing} row(s) have no externalId; a dated snapshot matches rows between years by externalId ` +
        '(map a stable id column with --map externalId=<column>)',
    );
  }
  return rows.map((r) => r.externalId as string);
}

/** What a scope covers: one source, or the codes the file holds. */
export interface SnapshotScope {
  source: string | null;
}

/**
 * The dates and status each service-point row is written with in a snapshot on `asOf`, from what is
 * stored for its externalId: a new point starts on asOf; a known point keeps the earlier start (or none,
 * if it was imported undated); a closure on a LATER date stays; an earlier closure is undone (it is back).
 * Dates the file gives itself (validFrom/validTo) win.
 */
export async function datePointRows(
  trx: Trx,
  rows: readonly ServicePointRow[],
  asOf: string,
): Promise<ServicePointRow[]> {
  const ids = rows.map((r) => r.externalId as string);
  const stored = new Map<string, { validFrom: string | null; validTo: string | null; status: string }>();
  for (let i = 0; i < ids.length; i += 5000) {
    const batch = ids.slice(i, i + 5000);
    const found = await trx
      .selectFrom('service_points')
      .select([
        'external_id',
        'status',
        sql<string | null>`to_char(valid_from, 'YYYY-MM-DD')`.as('valid_from'),
        sql<string | null>`to_char(valid_to, 'YYYY-MM-DD')`.as('valid_to'),
      ])
      .where('external_id', 'in', batch)
      .execute();
    for (const r of found)
      stored.set(r.external_id as string, { validFrom: r.valid_from, validTo: r.valid_to, status: r.status });
  }
  return rows.map((row) => {
    const before = stored.get(row.externalId as string);
    let validFrom = row.validFrom;
    if (validFrom === null) {
      if (!before) validFrom = asOf;
      else validFrom = before.validFrom === null ? null : before.validFrom < asOf ? before.validFrom : asOf;
    }
    let validTo = row.validTo;
    let status = row.status;
    if (validTo === null && before?.validTo != null && before.validTo > asOf) {
      validTo = before.validTo;
      if (before.status === 'CLOSED' && status === 'OPEN') status = 'CLOSED';
    }
    return { ...row, validFrom, validTo, status };
  });
}

/**
 * Closes the points of the snapshot's scope that were in service on asOf and are missing from it.
 * Returns how many were closed.
 */
export async function closeMissingPoints(
  trx: Trx,
  present: readonly string[],
  serviceTypes: readonly string[],
  asOf: string,
  scope: SnapshotScope,
): Promise<number> {
  const day = sql`${asOf}::date`;
  const inScope =
    scope.source !== null
      ? sql`source = ${scope.source}`
      : sql`service_types && ${sql.val([...serviceTypes])}::text[]`;
  const result = await sql`
    UPDATE service_points SET status = 'CLOSED', valid_to = ${day}, updated_at = now()
    WHERE ${inScope}
      AND (external_id IS NULL OR NOT (external_id = ANY(${sql.val([...present])}::text[])))
      AND status <> 'PLANNED'
      AND (valid_from IS NULL OR valid_from <= ${day})
      AND ((valid_to IS NULL AND status <> 'CLOSED') OR ${day} < valid_to)`.execute(trx);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Gives settlements that have no dated version yet (imported undated) a version "since always" with their
 * stored figures, before a snapshot adds dated ones: their past stays as it was.
 */
export async function keepUndatedPast(
  trx: Trx,
  present: readonly string[],
  kinds: readonly string[],
  scope: SnapshotScope,
): Promise<void> {
  const inScope =
    scope.source !== null
      ? sql`s.source = ${scope.source}`
      : sql`s.kind = ANY(${sql.val([...kinds])}::text[])`;
  await sql`
    INSERT INTO settlement_versions (settlement_id, valid_from, present, name, kind, population,
      population_65_plus, municipality_code, county_code, broadband_share, import_run_id)
    SELECT s.id, DATE '0001-01-01', true, s.name, s.kind, s.population, s.population_65_plus,
      s.municipality_code, s.county_code, s.broadband_share, s.import_run_id
    FROM settlements s
    WHERE (${inScope} OR s.external_id = ANY(${sql.val([...present])}::text[]))
      AND NOT EXISTS (SELECT 1 FROM settlement_versions v WHERE v.settlement_id = s.id)`.execute(trx);
}

/**
 * Records the snapshot: a version on asOf with the (just upserted) figures of every settlement in it, and
 * a "missing" version for each settlement of the scope that existed on asOf but is not in it. Returns how
 * many settlements were marked missing.
 */
export async function recordSettlementSnapshot(
  trx: Trx,
  present: readonly string[],
  kinds: readonly string[],
  asOf: string,
  scope: SnapshotScope,
  importRunId: number,
): Promise<number> {
  const day = sql`${asOf}::date`;
  const ids = sql.val([...present]);
  await sql`
    INSERT INTO settlement_versions (settlement_id, valid_from, present, name, kind, population,
      population_65_plus, municipality_code, county_code, broadband_share, import_run_id)
    SELECT s.id, ${day}, true, s.name, s.kind, s.population, s.population_65_plus, s.municipality_code,
      s.county_code, s.broadband_share, ${importRunId}
    FROM settlements s WHERE s.external_id = ANY(${ids}::text[])
    ON CONFLICT (settlement_id, valid_from) DO UPDATE SET present = true, name = excluded.name,
      kind = excluded.kind, population = excluded.population, population_65_plus = excluded.population_65_plus,
      municipality_code = excluded.municipality_code, county_code = excluded.county_code,
      broadband_share = excluded.broadband_share, import_run_id = excluded.import_run_id`.execute(trx);
  const inScope =
    scope.source !== null
      ? sql`s.source = ${scope.source}`
      : sql`s.kind = ANY(${sql.val([...kinds])}::text[])`;
  const missing = await sql`
    INSERT INTO settlement_versions (settlement_id, valid_from, present, import_run_id)
    SELECT s.id, ${day}, false, ${importRunId}
    FROM settlements s
    WHERE ${inScope}
      AND (s.external_id IS NULL OR NOT (s.external_id = ANY(${ids}::text[])))
      AND (SELECT v.present FROM settlement_versions v WHERE v.settlement_id = s.id AND v.valid_from <= ${day}
           ORDER BY v.valid_from DESC LIMIT 1) IS TRUE
    ON CONFLICT (settlement_id, valid_from) DO UPDATE SET present = false, name = NULL, kind = NULL,
      population = NULL, population_65_plus = NULL, municipality_code = NULL, county_code = NULL,
      broadband_share = NULL, import_run_id = excluded.import_run_id`.execute(trx);
  // The stored row shows the latest snapshot's figures (an older snapshot imported later does not win).
  await sql`
    UPDATE settlements s SET kind = v.kind, population = v.population, population_65_plus = v.population_65_plus,
      municipality_code = v.municipality_code, county_code = v.county_code, broadband_share = v.broadband_share
    FROM (SELECT DISTINCT ON (settlement_id) * FROM settlement_versions ORDER BY settlement_id, valid_from DESC) v
    WHERE v.settlement_id = s.id AND v.present AND s.external_id = ANY(${ids}::text[])`.execute(trx);
  return Number(missing.numAffectedRows ?? 0);
}
