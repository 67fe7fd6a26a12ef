import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { Migrator, sql } from 'kysely';
import * as initial from './migrations/2026-11-23T0001-initial.js';
import * as scenarios from './migrations/2026-11-23T0002-scenarios.js';
import * as roadNetwork from './migrations/2026-11-29T0003-road-network.js';
import * as gridCapacity from './migrations/2026-11-30T0005-grid-capacity.js';
import * as trustedWrites from './migrations/2026-11-30T0004-trusted-writes.js';
import * as settlementHistory from './migrations/2026-11-30T0006-settlement-history.js';
import * as writeVersion from './migrations/2026-11-30T0007-write-version.js';
import * as connectivity from './migrations/2026-12-06T0008-connectivity.js';
import * as sharedAccessTables from './migrations/2026-12-07T0009-shared-access-tables.js';
import * as keyLastWrite from './migrations/2026-12-07T0010-key-last-write.js';

/** Migrations are listed here (not read from disk) so they work the same from tsx, tests and bundles. */
const migrations: Record<string, Migration> = {
  '2026-11-23T0001-initial': initial,
  '2026-11-23T0002-scenarios': scenarios,
  '2026-11-29T0003-road-network': roadNetwork,
  '2026-11-30T0005-grid-capacity': gridCapacity,
  '2026-11-30T0004-trusted-writes': trustedWrites,
  '2026-11-30T0006-settlement-history': settlementHistory,
  '2026-11-30T0007-write-version': writeVersion,
  '2026-12-06T0008-connectivity': connectivity,
  '2026-12-07T0009-shared-access-tables': sharedAccessTables,
  '2026-12-07T0010-key-last-write': keyLastWrite,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/**
 * Applies every pending migration; throws with the failing migration's name. When the database already
 * records every known migration (every start but the first after an upgrade) that is one read, not the
 * Migrator's table checks, lock and listing (~1 s of a CLI command on the embedded database under load).
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<string[]> {
  if (await allApplied(db)) return [];
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`);
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** One read of Kysely's migration table: true when it lists every known migration (false if it is absent). */
async function allApplied(db: Kysely<unknown>): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db);
    const applied = new Set(rows.map((r) => r.name));
    return migrationNames.every((name) => applied.has(name));
  } catch {
    return false;
  }
}

/** True when every known migration has been applied (for /readyz). */
export function isMigrated(db: Kysely<unknown>): Promise<boolean> {
  return allApplied(db);
}

export const migrationNames = Object.keys(migrations);
