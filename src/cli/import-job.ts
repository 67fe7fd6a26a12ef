/**
 * `serviceatlas import <kind> <file>` as a job, and `--wait`: light (no importer, no database), so that
 * index.ts can send an import through a running server without loading the application.
 */
import type { ImportJob, ImportJobOptions } from '../modules/imports/import-job.js';
import { isImportKind } from '../modules/imports/import-job.js';
import { CliError } from './errors.js';

/** `--wait <seconds>` → milliseconds (default: SERVICEATLAS_LOCK_WAIT). */
export function parseWait(value: string | undefined, defaultSeconds: number): number {
  if (value === undefined) return defaultSeconds * 1000;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0)
    throw new CliError(`--wait must be a number of seconds ≥ 0, got "${value}"`);
  return seconds * 1000;
}

/** Options of `serviceatlas import <kind>` as commander parsed them. */
export interface ImportCliOptions extends Omit<ImportJobOptions, 'append'> {
  /** Grid: add to the stored grid (commander gives a boolean). */
  append?: boolean;
  /** Seconds to wait for another command holding the embedded database. */
  wait?: string;
  /** Roads: expected SHA-256 of the file or download. */
  sha256?: string;
  /** Roads: accept a plain http URL. */
  allowHttp?: boolean;
}

/** The job for `import <kind> <file>` with commander's options (a roads source already resolved). */
export function importJobOf(kind: string, file: string, values: ImportCliOptions): ImportJob {
  if (!isImportKind(kind)) throw new CliError(`cannot import ${kind}`);
  return {
    kind,
    file,
    options: {
      format: values.format,
      crs: values.crs,
      map: values.map,
      typeMap: values.typeMap,
      source: values.source,
      asOf: values.asOf,
      level: values.level,
      speeds: values.speeds,
      clip: values.clip,
      cellSize: values.cellSize,
      append: values.append ? 'true' : undefined,
      licence: values.licence,
    } satisfies ImportJobOptions,
  };
}
