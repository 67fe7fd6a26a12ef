/**
 * Caps on what one import file may make us hold or produce, each stated in its error with the variable
 * that raises it (docs/operations.md, "Imports"). Read from the environment at each import, so the
 * worker running an import (isolated-import.ts) and a library caller see the same values.
 *
 * - Decompression: a `.gz`/`.bz2` file may expand to at most SERVICEATLAS_IMPORT_MAX_EXPANSION times its
 *   compressed size (default 100; real OSM XML and CSV expand 5–20×), and never less than 64 MiB: a
 *   1.5 kB `.bz2` of 2 GiB of zeros stops at 64 MiB, streaming (nothing is held).
 * - Records: one CSV record (or header), one XML tag: at most SERVICEATLAS_IMPORT_MAX_RECORD_KB
 *   (default 1024 KiB); a missing closing quote otherwise swallows the rest of the file into one record.
 * - Fields: one value (a name, an opening-hours string…) at most SERVICEATLAS_IMPORT_MAX_FIELD_CHARS
 *   (default 10,000) characters; the row is refused naming line and field.
 * - GeoJSON is parsed in one piece: its text at most SERVICEATLAS_IMPORT_MAX_GEOJSON_MB (default 512).
 */
import { ImportOptionError } from './errors.js';

export interface ImportLimits {
  maxExpansion: number;
  minDecompressedBytes: number;
  maxRecordBytes: number;
  maxFieldChars: number;
  maxGeoJsonBytes: number;
}

export const MIN_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new ImportOptionError(name, `must be a number > 0, got "${raw}"`);
  return value;
}

/** The caps in force (from the environment). */
export function importLimits(env: NodeJS.ProcessEnv = process.env): ImportLimits {
  return {
    maxExpansion: positive(env, 'SERVICEATLAS_IMPORT_MAX_EXPANSION', 100),
    minDecompressedBytes: MIN_DECOMPRESSED_BYTES,
    maxRecordBytes: Math.round(positive(env, 'SERVICEATLAS_IMPORT_MAX_RECORD_KB', 1024) * 1024),
    maxFieldChars: Math.round(positive(env, 'SERVICEATLAS_IMPORT_MAX_FIELD_CHARS', 10_000)),
    maxGeoJsonBytes: Math.round(positive(env, 'SERVICEATLAS_IMPORT_MAX_GEOJSON_MB', 512) * 1024 * 1024),
  };
}

/** The decompressed-size cap of a file of `compressedBytes`. */
export function decompressedCap(compressedBytes: number, limits = importLimits()): number {
  return Math.max(limits.minDecompressedBytes, Math.ceil(limits.maxExpansion * compressedBytes));
}

/** "a value longer than 10000 characters" problems, shared by the readers. */
export function fieldTooLong(length: number, limits = importLimits()): string | null {
  return length > limits.maxFieldChars
    ? `is ${length} characters long, more than the ${limits.maxFieldChars} allowed ` +
        '(SERVICEATLAS_IMPORT_MAX_FIELD_CHARS)'
    : null;
}
