/**
 * `serviceatlas import <kind> <file> [options]` as data: one job type for every import kind, run the
 * same way by the CLI on its own database and by a running server for a CLI that sent it there (the
 * embedded database has one writer). A new kind (roads, a grid) is one more entry in RUNNERS.
 */
export type { ImportJob, ImportJobKind, ImportJobOptions } from './import-job.js';
export { IMPORT_KINDS, isImportKind } from './import-job.js';
import type { Kysely } from 'kysely';
import type { ImportJob, ImportJobKind } from './import-job.js';
import { DataDirBusyError } from '../../db/data-dir-lock.js';
import type { Database } from '../../db/tables.js';
import type { ProgressReporter } from '../../import/index.js';
import {
  ImportError,
  ImportOptionError,
  ImportValidationError,
  parseCrs,
  parseIsoDate,
  parseFormat,
  silentProgress,
} from '../../import/index.js';
import { importAreas } from '../areas/area-import.js';
import { describeRederived } from '../areas/rederive.js';
import { importFile } from './import.service.js';
import { describeGridImport, importGrid } from '../grid/grid-import.service.js';
import { parseCellSize } from '../../import/grid-row.js';
import { describeRoadImport, importRoads } from '../roads/road-import.service.js';
import { detectRoadFormat, parseRoadFormat } from '../../import/roads/index.js';
import { basename } from 'node:path';
import {
  describeConnectivityImport,
  importConnectivity,
  parseConnectivityLevel,
} from '../connectivity/connectivity-import.service.js';

export interface ImportJobContext {
  /** Where the bytes are when not at `job.file` (the server's copy of an upload). */
  path?: string;
  progress?: ProgressReporter;
  /** A reporter per pass, for imports that read the file more than once (roads). */
  progressFor?: (label: string) => ProgressReporter;
}

/** What the CLI prints on stdout when the import has been committed. */
export interface ImportOutcome {
  lines: string[];
}

type Runner = (db: Kysely<Database>, job: ImportJob, context: ImportJobContext) => Promise<ImportOutcome>;

const pointImport: Runner = async (db, job, context) => {
  const kind = job.kind === 'settlements' ? 'settlements' : 'service-points';
  const summary = await importFile(db, {
    kind,
    file: job.file,
    path: context.path,
    format: job.options.format ? parseFormat(job.options.format) : undefined,
    crs: parseCrs(job.options.crs ?? 'EPSG:4326'),
    map: job.options.map,
    typeMap: job.options.typeMap,
    source: job.options.source,
    asOf: job.options.asOf === undefined ? undefined : parseAsOf(job.options.asOf),
    progress: context.progress,
  });
  const lines = [
    `Imported ${kind} from ${job.file} (${summary.format}): ${summary.valid} valid rows — ` +
      `${summary.inserted} inserted, ${summary.updated} updated, ${summary.skipped} skipped (import run ${summary.importRunId})`,
  ];
  for (const [reason, count] of Object.entries(summary.skippedReasons))
    lines.push(`  skipped ${count}: ${reason}`);
  if (summary.asOf !== null)
    lines.push(
      `  snapshot of ${summary.asOf}: ${summary.closed} ${kind === 'settlements' ? 'settlements' : 'service points'} ` +
        'of its scope missing from it, closed from that date',
    );
  return { lines };
};

/** `--as-of YYYY-MM-DD`, a real calendar date. */
function parseAsOf(value: string): string {
  const parsed = parseIsoDate(value);
  if (!parsed.ok) throw new ImportOptionError('--as-of', parsed.problem);
  return parsed.value;
}

/** A road network replaces the stored one; the format comes from the user's file name (an upload has none). */
const roadImport: Runner = async (db, job, context) => {
  const summary = await importRoads(db, {
    file: context.path ?? job.file,
    format: job.options.format ? parseRoadFormat(job.options.format) : detectRoadFormat(job.file),
    crs: job.options.crs ? parseCrs(job.options.crs) : undefined,
    map: job.options.map,
    speedsFile: job.options.speeds,
    clip: job.options.clip,
    source: job.options.source ?? `import: ${basename(job.file)}`,
    progressFor: context.progressFor,
  });
  return { lines: describeRoadImport(job.file, summary) };
};

/** A population grid replaces the stored one (or, with --append, adds to it). */
const gridImport: Runner = async (db, job, context) => {
  const summary = await importGrid(db, {
    file: job.file,
    path: context.path,
    format: job.options.format ? parseFormat(job.options.format) : undefined,
    crs: parseCrs(job.options.crs ?? 'EPSG:4326'),
    map: job.options.map,
    cellSize: parseCellSize(job.options.cellSize),
    append: job.options.append === 'true',
    source: job.options.source,
    progress: context.progress,
    writeProgress: context.progressFor?.('Writing grid cells'),
  });
  return { lines: describeGridImport(job.file, summary) };
};

/** Connectivity figures per municipality, settlement or grid square (upserted by level and key). */
const connectivityImport: Runner = async (db, job, context) => {
  const summary = await importConnectivity(db, {
    file: job.file,
    path: context.path,
    format: job.options.format ? parseFormat(job.options.format) : undefined,
    level: parseConnectivityLevel(job.options.level),
    map: job.options.map,
    asOf: job.options.asOf === undefined ? null : parseAsOf(job.options.asOf),
    source: job.options.source,
    licence: job.options.licence ?? null,
    progress: context.progress,
  });
  return { lines: describeConnectivityImport(summary) };
};

const RUNNERS: Record<ImportJobKind, Runner> = {
  grid: gridImport,
  connectivity: connectivityImport,
  settlements: pointImport,
  'service-points': pointImport,
  roads: roadImport,
  areas: async (db, job, context) => {
    const level = job.options.level?.toUpperCase();
    if (level !== 'MUNICIPALITY' && level !== 'COUNTY')
      throw new ImportOptionError('--level', 'must be MUNICIPALITY or COUNTY');
    const { count, rederived } = await importAreas(db, {
      file: job.file,
      path: context.path,
      level,
      map: job.options.map,
    });
    return {
      lines: [
        `Imported ${count} ${level === 'COUNTY' ? 'counties' : 'municipalities'} from ${job.file}`,
        describeRederived(level, rederived),
      ],
    };
  },
};

/** Runs one import job (each kind writes in one transaction: all of it or nothing). */
export function runImportJob(
  db: Kysely<Database>,
  job: ImportJob,
  context: ImportJobContext = {},
): Promise<ImportOutcome> {
  return RUNNERS[job.kind](db, job, { progress: silentProgress, ...context });
}

/** CLI exit codes: 0 ok, 1 bad input, 2 internal error, 3 busy (the data directory is in use; nothing changed). */
export type ExitCode = 0 | 1 | 2 | 3;

/** How a failed import ends: the exit code and the message, the same whether it ran here or in the server. */
export function importFailure(error: unknown): { exit: 1 | 2 | 3; message: string } {
  if (
    error instanceof ImportValidationError ||
    error instanceof ImportError ||
    error instanceof ImportOptionError
  )
    return { exit: 1, message: error.message };
  if (error instanceof DataDirBusyError) return { exit: 3, message: error.message };
  return { exit: 2, message: error instanceof Error ? error.message : String(error) };
}
