import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { bumpDataVersion } from '../../db/data-version.js';
import type { Database } from '../../db/tables.js';
import { forbidden, invalid, missing } from '../../domain-error.js';
import { insertAuditEntry } from '../audit/audit.repository.js';
import type { Principal } from '../keys/principal.js';
import { requirePlaceInScope } from '../areas/place-scope.js';
import type { Settlement } from './settlement.repository.js';
import { findSettlementsByIds } from './settlement.repository.js';

/** What a planner may correct on a settlement (a village gets fibre, a new population count). */
export interface SettlementFields {
  population?: number | null;
  population65Plus?: number | null;
  broadbandShare?: number | null;
}

/**
 * Updates a settlement's population, 65+ population or fast-broadband share in one transaction with its
 * audit row and a data-version bump; planners only inside their municipalities/counties, by where the
 * settlement's point lies in the imported boundaries (place-scope.ts).
 */
export async function updateSettlement(
  db: Kysely<Database>,
  principal: Principal,
  id: string,
  fields: SettlementFields,
): Promise<Settlement> {
  if (principal.role === 'reader')
    throw forbidden(`key ${principal.id} is a reader key: writes need a planner or admin key`);
  const set: { population?: number; population_65_plus?: number | null; broadband_share?: number | null } =
    {};
  if (fields.population !== undefined) {
    if (fields.population === null) throw invalid('input.population cannot be null', 'input.population');
    if (!Number.isSafeInteger(fields.population) || fields.population < 0)
      throw invalid(
        `input.population must be a whole number ≥ 0, got ${fields.population}`,
        'input.population',
      );
    set.population = fields.population;
  }
  if (fields.population65Plus !== undefined) {
    const v = fields.population65Plus;
    if (v !== null && (!Number.isSafeInteger(v) || v < 0))
      throw invalid(`input.population65Plus must be a whole number ≥ 0, got ${v}`, 'input.population65Plus');
    set.population_65_plus = v;
  }
  if (fields.broadbandShare !== undefined) {
    const v = fields.broadbandShare;
    if (v !== null && !(Number.isFinite(v) && v >= 0 && v <= 1))
      throw invalid(
        `input.broadbandShare must be a share between 0 and 1${v !== null && v > 1 && v <= 100 ? ' (a percentage? divide by 100)' : ''}, got ${v}`,
        'input.broadbandShare',
      );
    set.broadband_share = v;
  }
  if (Object.keys(set).length === 0) throw invalid('input changes nothing: give at least one field', 'input');
  const n = /^\d{1,9}$/.test(id) ? Number(id) : null;
  return db.transaction().execute(async (trx) => {
    const row =
      n === null
        ? undefined
        : await trx.selectFrom('settlements').select('id').where('id', '=', n).forUpdate().executeTakeFirst();
    if (n === null || !row) throw missing(`settlement ${JSON.stringify(id)} was not found`);
    const [before] = await findSettlementsByIds(trx, [n]);
    if (!before) throw missing(`settlement ${JSON.stringify(id)} was not found`);
    // Where the settlement's point is, by the imported boundaries (not its stored code).
    await requirePlaceInScope(trx, principal, before, `settlement ${id}`, 'id');
    const population = set.population ?? before.population;
    const elderly = set.population_65_plus !== undefined ? set.population_65_plus : before.population65Plus;
    if (elderly !== null && elderly > population)
      throw invalid(
        `population65Plus (${elderly}) cannot exceed population (${population})`,
        fields.population65Plus !== undefined ? 'input.population65Plus' : 'input.population',
      );
    await trx
      .updateTable('settlements')
      .set({ ...set, updated_at: sql`now()` } as never)
      .where('id', '=', n)
      .execute();
    const [after] = await findSettlementsByIds(trx, [n]);
    await insertAuditEntry(trx, {
      actor: principal.id,
      action: 'settlement.update',
      entity: 'settlement',
      entityId: id,
      before,
      after,
    });
    await bumpDataVersion(trx);
    return after!;
  });
}
