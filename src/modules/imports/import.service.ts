import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import type {
  Crs,
  ImportFormat,
  ProgressReporter,
  RawRecord,
  ValidationContext,
} from '../../import/index.js';
import {
  ImportValidationError,
  detectFormat,
  parseFieldMap,
  parseTypeMap,
  readRecords,
  silentProgress,
  validateServicePointsStream,
  validateSettlementsStream,
} from '../../import/index.js';
import { listServiceTypes } from '../service-types/service-type.repository.js';
import { upsertServicePoints } from '../service-points/service-point.repository.js';
import { upsertSettlements } from '../settlements/settlement.repository.js';
import {
  closeMissingPoints,
  datePointRows,
  keepUndatedPast,
  recordSettlementSnapshot,
  requireExternalIds,
} from './snapshot-import.js';

export type ImportKind = 'settlements' | 'service-points';

export interface ImportRequest {
  kind: ImportKind;
  file: string;
  /** Where the bytes are when not at `file` (an import sent through the server: its upload). */
  path?: string;
  format?: ImportFormat;
  crs: Crs;
  /** `--map name=tatort,population=befolkning_2020` */
  map?: string;
  /** `--type-map pharmacy=PHARMACY,clinic=PRIMARY_CARE` (service points) */
  typeMap?: string;
  /** Recorded on every row (default: the file name). */
  source?: string;
  /**
   * YYYY-MM-DD: the file is the complete snapshot on that date for what it covers (its service types or
   * settlement kinds, or its --source): rows missing from it are closed from that date (snapshot-import.ts).
   */
  asOf?: string;
  progress?: ProgressReporter;
}

export interface ImportSummary {
  importRunId: number;
  file: string;
  format: ImportFormat;
  valid: number;
  inserted: number;
  updated: number;
  skipped: number;
  skippedReasons: Record<string, number>;
  /** --as-of: the snapshot date, and how many stored rows of its scope were missing from it (closed). */
  asOf: string | null;
  closed: number;
}

/** Service points are checked against the stored catalogue (and an optional `--type-map`). */
async function validatePoints(
  db: Kysely<Database>,
  records: AsyncIterable<RawRecord>,
  context: ValidationContext,
  typeMap: string | undefined,
) {
  const known = new Set((await listServiceTypes(db)).map((t) => t.code));
  return validateServicePointsStream(records, {
    ...context,
    knownServiceTypes: known,
    typeMap: typeMap ? parseTypeMap(typeMap, known) : undefined,
  });
}

/**
 * Reads and validates the whole file first; any invalid row → ImportValidationError and nothing written.
 * Then writes every row in ONE transaction (an import run, the upserts by externalId, the data-version
 * bump): a failure half-way rolls everything back.
 */
export async function importFile(db: Kysely<Database>, request: ImportRequest): Promise<ImportSummary> {
  const format = request.format ?? detectFormat(request.file);
  const progress = request.progress ?? silentProgress;
  const records = readRecords(request.file, {
    format,
    crs: request.crs,
    allowPolygons: request.kind === 'settlements',
    progress,
    path: request.path,
  });
  const context = {
    file: request.file,
    crs: request.crs,
    fieldMap: parseFieldMap(request.map, request.kind),
  };
  const validated =
    request.kind === 'settlements'
      ? { kind: 'settlements' as const, result: await validateSettlementsStream(records, context) }
      : {
          kind: 'service-points' as const,
          result: await validatePoints(db, records, context, request.typeMap),
        };
  const { result } = validated;
  if (result.errors.length > 0) throw new ImportValidationError(request.file, result.errors);

  const source = request.source ?? `import: ${basename(request.file)}`;
  const asOf = request.asOf ?? null;
  const present = asOf === null ? [] : requireExternalIds(result.rows, request.file);
  const scope = { source: request.source ?? null };
  return db.transaction().execute(async (trx) => {
    const run = await trx
      .insertInto('import_runs')
      .values({ kind: request.kind, file: request.file, format, status: 'RUNNING', as_of: asOf })
      .returning('id')
      .executeTakeFirstOrThrow();
    const meta = { source, importRunId: run.id };
    let counts: { inserted: number; updated: number };
    let closed = 0;
    if (validated.kind === 'settlements') {
      const kinds = [...new Set(validated.result.rows.map((r) => r.kind))];
      if (asOf !== null) await keepUndatedPast(trx, present, kinds, scope);
      counts = await upsertSettlements(trx, validated.result.rows, meta);
      if (asOf !== null) closed = await recordSettlementSnapshot(trx, present, kinds, asOf, scope, run.id);
    } else if (asOf === null) {
      counts = await upsertServicePoints(trx, validated.result.rows, meta);
    } else {
      const rows = await datePointRows(trx, validated.result.rows, asOf);
      counts = await upsertServicePoints(trx, rows, meta);
      const types = [...new Set(rows.flatMap((r) => r.serviceTypes))];
      closed = await closeMissingPoints(trx, present, types, asOf, scope);
    }
    await trx
      .updateTable('import_runs')
      .set({
        status: 'DONE',
        inserted: counts.inserted,
        updated: counts.updated,
        skipped: result.skipped,
        finished_at: sql`now()`,
      })
      .where('id', '=', run.id)
      .execute();
    await bumpDataVersion(trx);
    return {
      importRunId: run.id,
      file: request.file,
      format,
      valid: result.rows.length,
      inserted: counts.inserted,
      updated: counts.updated,
      skipped: result.skipped,
      skippedReasons: Object.fromEntries(result.skippedReasons),
      asOf,
      closed,
    };
  });
}
