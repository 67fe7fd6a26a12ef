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
  return db.transaction().execute(async (trx) => {
    const run = await trx
      .insertInto('import_runs')
      .values({ kind: request.kind, file: request.file, format, status: 'RUNNING' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const meta = { source, importRunId: run.id };
    const counts =
      validated.kind === 'settlements'
        ? await upsertSettlements(trx, validated.result.rows, meta)
        : await upsertServicePoints(trx, validated.result.rows, meta);
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
    };
  });
}
