/**
 * `serviceatlas import connectivity FILE --level MUNICIPALITY|SETTLEMENT|GRID`: read and validate the
 * whole CSV first (nothing is written on any error), then write in ONE transaction: the import run, the
 * figures (upserted by level and key), the data-version bump. The summary says how many rows match a
 * stored municipality, settlement or grid square (figures for areas not loaded yet are kept: they apply
 * once those are imported).
 */
import { basename } from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { ImportFormat, ProgressReporter } from '../../import/index.js';
import {
  ImportOptionError,
  detectFormat,
  parseFieldMap,
  readRecords,
  silentProgress,
} from '../../import/index.js';
import type { ConnectivityLevel } from '../../import/connectivity-row.js';
import { CONNECTIVITY_LEVELS, validateConnectivityStream } from '../../import/connectivity-row.js';
import { countMatchedConnectivity, upsertConnectivity } from './connectivity.repository.js';
import { inImportRun, validatedRows } from '../imports/validated-import.js';

export interface ConnectivityImportRequest {
  file: string;
  /** Where the bytes are when not at `file` (the server's copy of an upload). */
  path?: string;
  format?: ImportFormat;
  level: ConnectivityLevel;
  map?: string;
  /** YYYY-MM-DD the figures stand on (PTS publishes yearly, as of 1 October). */
  asOf?: string | null;
  source?: string;
  licence?: string | null;
  progress?: ProgressReporter;
}

export interface ConnectivityImportSummary {
  importRunId: number;
  file: string;
  level: ConnectivityLevel;
  rows: number;
  inserted: number;
  updated: number;
  /** Rows whose key names a stored municipality / settlement (externalId) / grid square. */
  matched: number;
  source: string;
  licence: string | null;
  asOf: string | null;
}

/** `--level` → a level (case-insensitive), else an option error naming the choices. */
export function parseConnectivityLevel(value: string | undefined): ConnectivityLevel {
  const level = value?.trim().toUpperCase();
  if (level === undefined || !(CONNECTIVITY_LEVELS as readonly string[]).includes(level))
    throw new ImportOptionError(
      '--level',
      `must be ${CONNECTIVITY_LEVELS.join(', ')} (got "${value ?? ''}")`,
    );
  return level as ConnectivityLevel;
}

export async function importConnectivity(
  db: Kysely<Database>,
  request: ConnectivityImportRequest,
): Promise<ConnectivityImportSummary> {
  const format = request.format ?? detectFormat(request.file);
  if (format !== 'csv') throw new ImportOptionError('--format', 'connectivity is read from csv');
  const records = readRecords(request.file, {
    format,
    progress: request.progress ?? silentProgress,
    path: request.path,
  });
  const rows = validatedRows(
    request.file,
    await validateConnectivityStream(records, {
      file: request.file,
      level: request.level,
      fieldMap: parseFieldMap(request.map, 'connectivity'),
    }),
    'connectivity rows',
  );
  const source = request.source ?? `import: ${basename(request.file)}`;
  const licence = request.licence ?? null;
  const asOf = request.asOf ?? null;
  const run = { kind: 'connectivity', file: request.file, format, asOf };
  return inImportRun(db, run, async (trx, runId) => {
    const counts = await upsertConnectivity(
      trx,
      rows.map((r) => ({
        level: request.level,
        key: r.key,
        broadbandShare: r.broadbandShare,
        gigabitShare: r.gigabitShare,
        mobileCoverage: r.mobileCoverage,
        asOf,
      })),
      { source, licence, generated: false, importRunId: runId },
    );
    const matched = await countMatchedConnectivity(trx, request.level, runId);
    const result: ConnectivityImportSummary = {
      importRunId: runId,
      file: request.file,
      level: request.level,
      rows: rows.length,
      inserted: counts.inserted,
      updated: counts.updated,
      matched,
      source,
      licence,
      asOf,
    };
    return { counts, result };
  });
}

/** The lines the CLI prints for a committed connectivity import. */
export function describeConnectivityImport(summary: ConnectivityImportSummary): string[] {
  const what =
    summary.level === 'MUNICIPALITY'
      ? 'municipalities'
      : summary.level === 'SETTLEMENT'
        ? 'settlements (by externalId)'
        : 'grid squares';
  return [
    `Imported connectivity (${summary.level}) from ${summary.file}: ${summary.rows} rows — ` +
      `${summary.inserted} inserted, ${summary.updated} updated (import run ${summary.importRunId})`,
    `  ${summary.matched} of ${summary.rows} match stored ${what}; the others apply once those are imported`,
    `  source: ${summary.source}; licence: ${summary.licence ?? '(not given)'}; as of: ${summary.asOf ?? '(not given)'}`,
  ];
}
