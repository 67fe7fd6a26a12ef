import type { Kysely } from 'kysely';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import { forbidden, invalid, missing } from '../../domain-error.js';
import { insertAuditEntry } from '../audit/audit.repository.js';
import type { Principal } from '../keys/principal.js';
import type { StoredScenarioChanges } from './scenario-changes.js';
import type { SavedScenario } from './scenario.repository.js';
import { deleteScenarioRow, insertScenario, lockScenario } from './scenario.repository.js';

/** Who may write scenarios: planners and admins. */
function requireWriter(principal: Principal): void {
  if (principal.role === 'reader')
    throw forbidden(`key ${principal.id} is a reader key: saving scenarios needs a planner or admin key`);
}

/**
 * Saves a scenario whose changes were already checked against the current data; `createdBy` is the
 * principal's id (a key id, never a fingerprint of the secret). Audited; bumps the `writes` version (not the snapshot's).
 */
export async function saveScenario(
  db: Kysely<Database>,
  principal: Principal,
  args: { name: string; description: string | null; changes: StoredScenarioChanges },
): Promise<SavedScenario> {
  requireWriter(principal);
  const name = args.name.trim();
  if (name.length === 0 || name.length > 200) throw invalid('name must be 1..200 characters', 'name');
  if (args.description != null && args.description.length > 2000)
    throw invalid('description must be at most 2000 characters', 'description');
  return db.transaction().execute(async (trx) => {
    const saved = await insertScenario(trx, {
      name,
      description: args.description,
      changes: args.changes,
      createdBy: principal.id,
    });
    await insertAuditEntry(trx, {
      actor: principal.id,
      action: 'scenario.save',
      entity: 'scenario',
      entityId: saved.id,
      before: null,
      after: saved,
    });
    // A saved scenario changes no snapshot input: only the `writes` counter moves (cached answers).
    await bumpDataVersion(trx, { snapshot: false });
    return saved;
  });
}

/**
 * Deletes a saved scenario: admins any, planners only those they saved (FORBIDDEN otherwise).
 * NOT_FOUND when there is no such scenario.
 */
export async function deleteScenario(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
): Promise<SavedScenario> {
  requireWriter(principal);
  return db.transaction().execute(async (trx) => {
    const before = await lockScenario(trx, id);
    if (!before) throw missing(`scenario ${JSON.stringify(id)} was not found`);
    if (principal.role !== 'admin' && before.createdBy !== principal.id)
      throw forbidden(
        `scenario ${id} was saved by ${before.createdBy ?? 'someone else'}; key ${principal.id} may delete only the scenarios it saved`,
        'id',
      );
    await deleteScenarioRow(trx, id);
    await insertAuditEntry(trx, {
      actor: principal.id,
      action: 'scenario.delete',
      entity: 'scenario',
      entityId: before.id,
      before,
      after: null,
    });
    // A saved scenario changes no snapshot input: only the `writes` counter moves (cached answers).
    await bumpDataVersion(trx, { snapshot: false });
    return before;
  });
}
