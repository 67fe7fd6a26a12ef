import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The real open data the tests read (SCB, OpenStreetMap extracts), vendored in the repository under
 * `data/open/<dataset>/`, each folder with its SOURCE.md (origin, date, licence). No test reads outside the
 * repository.
 */
export const OPEN_DATA: string = resolve(import.meta.dirname, '../../data/open');

/** @deprecated name kept for the suites written before the data was vendored: the same folder. */
export const SHARED_DATA: string = OPEN_DATA;

/** Kept for the suites' `skipIf(!…)` guards: the data is in the repository, so it is always required. */
export const REQUIRE_REAL_DATA = true;

/** Absolute path of a vendored open-data file; a missing one is an error (it ships with the repository). */
export function sharedDataFile(relative: string): string {
  const file = resolve(OPEN_DATA, relative);
  if (!existsSync(file)) throw new Error(`vendored open-data file missing: data/open/${relative}`);
  return file;
}
