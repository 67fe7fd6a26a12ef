/**
 * What the CLI and the server's /internal/import endpoint (internal-import.ts) say to each other: the path,
 * the header carrying the job, and the NDJSON events of the answer. No import code here, so the CLI can
 * send an import without loading the importers.
 */
import type { ImportJob } from '../modules/imports/import-job.js';

export const INTERNAL_IMPORT_PATH = '/internal/import';
/** Request header carrying the job (base64url JSON of {@link ImportRequestHeader}). */
export const IMPORT_JOB_HEADER = 'x-serviceatlas-import';

export interface ImportRequestHeader {
  job: ImportJob;
  /** How long to wait for an import already running in the server before refusing. */
  waitMs: number;
}

/** One line of the NDJSON answer. */
export type ImportEvent =
  | { event: 'progress'; op: 'start'; total: number }
  | { event: 'progress'; op: 'tick'; n: number }
  | { event: 'progress'; op: 'stop' }
  | { event: 'waiting'; message: string }
  | { event: 'done'; lines: string[] }
  | { event: 'error'; exit: 1 | 2 | 3; message: string };
