import type { Db } from '../../db/db.js';
import { sql } from 'kysely';
import type { StoredScenarioChanges } from './scenario-changes.js';
import { parseStoredChanges } from './scenario-changes.js';

/** A saved scenario as stored. */
export interface SavedScenario {
  id: string;
  name: string;
  description: string | null;
  changes: StoredScenarioChanges;
  createdBy: string | null;
  /** ISO 8601 timestamp. */
  createdAt: string;
}

/** JSON text cast to jsonb; the ::text cast keeps drivers from re-encoding the string as a JSON string. */
const jsonb = (value: unknown) => sql<string>`cast(${JSON.stringify(value)}::text as jsonb)`;

function selectScenarios(db: Db) {
  return db
    .selectFrom('scenarios')
    .select(['id', 'name', 'description', 'changes', 'created_by', 'created_at']);
}

type Row = Awaited<ReturnType<ReturnType<typeof selectScenarios>['execute']>>[number];

function toScenario(r: Row): SavedScenario {
  return {
    id: String(r.id),
    name: r.name,
    description: r.description,
    changes: parseStoredChanges(r.changes),
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** Parses an opaque scenario id; null when it cannot be one (so no query is made). */
function numericId(id: string): number | null {
  return /^\d{1,9}$/.test(id) ? Number(id) : null;
}

/** One saved scenario by id, or null (also for ids that cannot exist). Used by the API and the map tiles. */
export async function findScenario(db: Db, id: string): Promise<SavedScenario | null> {
  const n = numericId(id);
  if (n === null) return null;
  const row = await selectScenarios(db).where('id', '=', n).executeTakeFirst();
  return row ? toScenario(row) : null;
}

/** Every saved scenario, oldest first. */
export async function listScenarios(db: Db): Promise<SavedScenario[]> {
  const rows = await selectScenarios(db).orderBy('id').execute();
  return rows.map(toScenario);
}

/** Inserts a scenario (inside the caller's transaction, which also writes the audit row). */
export async function insertScenario(
  trx: Db,
  scenario: { name: string; description: string | null; changes: StoredScenarioChanges; createdBy: string },
): Promise<SavedScenario> {
  const row = await trx
    .insertInto('scenarios')
    .values({
      name: scenario.name,
      description: scenario.description,
      changes: jsonb(scenario.changes),
      created_by: scenario.createdBy,
    })
    .returning(['id', 'name', 'description', 'changes', 'created_by', 'created_at'])
    .executeTakeFirstOrThrow();
  return toScenario(row);
}

/** Locks and returns a scenario (null when there is none). */
export async function lockScenario(trx: Db, id: string): Promise<SavedScenario | null> {
  const n = numericId(id);
  if (n === null) return null;
  const row = await selectScenarios(trx).where('id', '=', n).forUpdate().executeTakeFirst();
  return row ? toScenario(row) : null;
}

export async function deleteScenarioRow(trx: Db, id: string): Promise<void> {
  const n = numericId(id);
  if (n !== null) await trx.deleteFrom('scenarios').where('id', '=', n).execute();
}
