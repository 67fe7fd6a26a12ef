import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Trusted writes (issue 11): API keys (role and municipality/county scope; only a keyed hash of the
 * secret is stored), and an audit log that records what changed — the entity, its id, the row before
 * and after — next to the existing actor/action columns. Saved scenarios no longer show a token
 * fingerprint: the old `token:<sha-256 prefix>` labels are replaced (they let a weak token be tested
 * offline), and `created_by` holds the actor id (a key id) from now on.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    // Random, not derived from the secret: shown in lists, logs and the audit trail.
    .addColumn('id', 'text', (c) => c.primaryKey().check(sql`id ~ '^k_[a-z0-9]{10,32}$'`))
    .addColumn('name', 'text')
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role IN ('reader','planner','admin')`))
    .addColumn('municipality_codes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('county_codes', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    // HMAC-SHA256(server secret, id ":" secret), hex: useless without the server secret.
    .addColumn('key_hash', 'text', (c) => c.notNull().check(sql`key_hash ~ '^[0-9a-f]{64}$'`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .alterTable('audit_log')
    .addColumn('entity', 'text')
    .addColumn('entity_id', 'text')
    .addColumn('before', 'jsonb')
    .addColumn('after', 'jsonb')
    .execute();
  await sql`CREATE INDEX audit_log_actor ON audit_log (actor, id)`.execute(db);
  await sql`CREATE INDEX audit_log_entity ON audit_log (entity, entity_id)`.execute(db);

  await sql`UPDATE scenarios SET created_by = 'legacy-write-token' WHERE created_by LIKE 'token:%'`.execute(
    db,
  );
  await sql`UPDATE audit_log SET actor = 'legacy-write-token' WHERE actor LIKE 'token:%'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS audit_log_entity`.execute(db);
  await sql`DROP INDEX IF EXISTS audit_log_actor`.execute(db);
  await db.schema
    .alterTable('audit_log')
    .dropColumn('entity')
    .dropColumn('entity_id')
    .dropColumn('before')
    .dropColumn('after')
    .execute();
  await db.schema.dropTable('api_keys').ifExists().execute();
}
