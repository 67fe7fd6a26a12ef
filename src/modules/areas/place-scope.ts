/**
 * Scope by place: a planner's write is allowed where the point IS, by the imported municipality
 * boundaries (PostGIS point-in-polygon), not by the municipality code a client or an old import wrote
 * beside it. Where no boundary covers the point, nobody can tell whose it is, so planner writes are
 * refused there with a message saying to import boundaries; admin keys may still write (their place
 * is everywhere). Used before a write (where the entity is now) and, for a move, after it (where it
 * goes).
 */
import type { Transaction } from 'kysely';
import { sql } from 'kysely';
import { pointGeom } from '../../db/geo.js';
import type { Database } from '../../db/tables.js';
import { forbidden } from '../../domain-error.js';
import type { Principal } from '../keys/principal.js';
import { describeScope, mayChange } from '../keys/principal.js';

type Trx = Transaction<Database>;

/**
 * The municipality whose boundary (areas, level MUNICIPALITY) covers a location: its code, or null
 * when none does (none imported, or the location lies outside them all). Boundaries touch along
 * shared edges: a point exactly on one gets the lowest code, every time.
 */
export async function municipalityAt(trx: Trx, lon: number, lat: number): Promise<string | null> {
  const row = await trx
    .selectFrom('areas')
    .select('code')
    .where('level', '=', 'MUNICIPALITY')
    .where('geom', 'is not', null)
    .where(sql<boolean>`ST_Covers(geom, ${pointGeom(lon, lat)})`)
    .orderBy('code')
    .executeTakeFirst();
  return row?.code ?? null;
}

/** Whether any municipality boundary is imported (for the refusal's advice). */
async function hasMunicipalityBoundaries(trx: Trx): Promise<boolean> {
  const row = await trx
    .selectFrom('areas')
    .select('code')
    .where('level', '=', 'MUNICIPALITY')
    .where('geom', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Checks that `principal` may write at `at`, and returns the municipality whose boundary covers it
 * (null when none does: only admins get that far). Readers never write (checked by the callers).
 *
 * @param what how the message names the thing, e.g. `service point 17`, `the new location`
 * @param field the input field the refusal points at
 */
export async function requirePlaceInScope(
  trx: Trx,
  principal: Principal,
  at: { lon: number; lat: number },
  what: string,
  field: string,
): Promise<string | null> {
  const code = await municipalityAt(trx, at.lon, at.lat);
  if (principal.role === 'admin') return code;
  const where = `(${at.lon}, ${at.lat})`;
  if (code === null) {
    const advice = (await hasMunicipalityBoundaries(trx))
      ? 'it lies outside every imported municipality boundary'
      : 'no municipality boundaries are imported';
    throw forbidden(
      `${what} at ${where}: ${advice}, so the key's scope cannot be checked against where it is. ` +
        'Planner keys write only inside imported boundaries: import them with ' +
        '`serviceatlas import areas <kommuner.geojson> --level MUNICIPALITY` (SCB boundaries), ' +
        'or have an admin key make this change',
      field,
    );
  }
  if (!mayChange(principal, { municipalityCode: code }))
    throw forbidden(
      `${what} at ${where} lies in municipality ${code}, outside the scope of key ${principal.id} ` +
        `(${describeScope(principal.scope)}); where a point lies is decided by the imported boundaries`,
      field,
    );
  return code;
}
