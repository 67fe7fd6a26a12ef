import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The real open data the tests read (SCB, OpenStreetMap extracts), vendored in the repository under
 * `data/open/<dataset>/`, each folder with its SOURCE.md (origin, date, licence). No test reads outside the
 * repository.
 */
export const OPEN_DATA: string = resolve(import.meta.dirname, '../../data/open');

/** Absolute path of a vendored open-data file; a missing one is an error (it ships with the repository). */
export function sharedDataFile(relative: string): string {
  const file = resolve(OPEN_DATA, relative);
  if (!existsSync(file)) throw new Error(`vendored open-data file missing: data/open/${relative}`);
  return file;
}
