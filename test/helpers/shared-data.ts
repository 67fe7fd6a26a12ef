import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The real open data of `../shared/data` (SCB, OpenStreetMap extracts), found the way CI lays it out: a
 * clone with `shared/` beside it. SERVICEATLAS_SHARED_DIR overrides (a worktree elsewhere).
 */
function locateSharedData(): string | null {
  const candidates = [
    process.env.SERVICEATLAS_SHARED_DIR && resolve(process.env.SERVICEATLAS_SHARED_DIR, 'data'),
    resolve(import.meta.dirname, '../../../shared/data'),
    '/work/shared/data',
  ];
  for (const dir of candidates) if (dir && existsSync(dir)) return dir;
  return null;
}

export const SHARED_DATA: string | null = locateSharedData();

/**
 * In CI (CI=true) or with REQUIRE_REAL_DATA=1 a missing shared data folder is an error, not a skip: the
 * real-data suites are part of what CI proves.
 */
export const REQUIRE_REAL_DATA = process.env.CI === 'true' || process.env.REQUIRE_REAL_DATA === '1';

/** Path of a file under shared/data, or null when the folder is absent (never null when required). */
export function sharedDataFile(relative: string): string | null {
  if (SHARED_DATA === null) {
    if (REQUIRE_REAL_DATA) throw new Error(`../shared/data is required here (CI) but absent: ${relative}`);
    return null;
  }
  const file = resolve(SHARED_DATA, relative);
  if (!existsSync(file)) {
    if (REQUIRE_REAL_DATA) throw new Error(`shared data file missing: ${file}`);
    return null;
  }
  return file;
}
