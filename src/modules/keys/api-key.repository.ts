import type { Db } from '../../db/db.js';
import { sql } from 'kysely';
import type { Role } from './principal.js';

/** An API key as stored (never its secret). */
export interface ApiKey {
  id: string;
  name: string | null;
  role: Role;
  municipalityCodes: string[];
  countyCodes: string[];
  keyHash: string;
  createdAt: string;
  revokedAt: string | null;
}

function selectKeys(db: Db) {
  return db
    .selectFrom('api_keys')
    .select([
      'id',
      'name',
      'role',
      'municipality_codes',
      'county_codes',
      'key_hash',
      'created_at',
      'revoked_at',
    ]);
}
type Row = Awaited<ReturnType<ReturnType<typeof selectKeys>['execute']>>[number];

const toKey = (r: Row): ApiKey => ({
  id: r.id,
  name: r.name,
  role: r.role,
  municipalityCodes: r.municipality_codes,
  countyCodes: r.county_codes,
  keyHash: r.key_hash,
  createdAt: new Date(r.created_at).toISOString(),
  revokedAt: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
});

export async function insertApiKey(db: Db, key: Omit<ApiKey, 'createdAt' | 'revokedAt'>): Promise<ApiKey> {
  const row = await db
    .insertInto('api_keys')
    .values({
      id: key.id,
      name: key.name,
      role: key.role,
      municipality_codes: sql<string[]>`${key.municipalityCodes}::text[]`,
      county_codes: sql<string[]>`${key.countyCodes}::text[]`,
      key_hash: key.keyHash,
    })
    .returning([
      'id',
      'name',
      'role',
      'municipality_codes',
      'county_codes',
      'key_hash',
      'created_at',
      'revoked_at',
    ])
    .executeTakeFirstOrThrow();
  return toKey(row);
}

/** One key by id (revoked ones included), or null. */
export async function findApiKey(db: Db, id: string): Promise<ApiKey | null> {
  const row = await selectKeys(db).where('id', '=', id).executeTakeFirst();
  return row ? toKey(row) : null;
}

/** A key and the version after its last write (authentication; see Principal.lastWrites). */
export async function findApiKeyForAuth(
  db: Db,
  id: string,
): Promise<{ key: ApiKey; lastWrites: number } | null> {
  const row = await selectKeys(db).select('last_writes').where('id', '=', id).executeTakeFirst();
  return row ? { key: toKey(row), lastWrites: Number(row.last_writes) } : null;
}

/** Records, on the primary, the version after a key's write (never lowers it). */
export async function recordKeyWrite(db: Db, id: string, writes: number): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ last_writes: sql<number>`GREATEST(last_writes, ${writes})` })
    .where('id', '=', id)
    .execute();
}

export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  return (await selectKeys(db).orderBy('created_at').orderBy('id').execute()).map(toKey);
}

/** Marks a key revoked (once); null when there is no such key. */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKey | null> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return findApiKey(db, id);
}
