import type { Db } from '../../db/db.js';
import type { SelectQueryBuilder, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { Database } from '../../db/tables.js';

/** One accepted write as the audit trail shows it. */
export interface AuditEntry {
  id: string;
  /** ISO 8601 (UTC). */
  at: string;
  actor: string;
  action: string;
  entity: string | null;
  entityId: string | null;
  before: unknown;
  after: unknown;
}

export interface NewAuditEntry {
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  before: unknown;
  after: unknown;
}

export interface AuditFilter {
  actor?: string | null;
  action?: string | null;
  entity?: string | null;
  entityId?: string | null;
  /** ISO instants: since inclusive, until exclusive. */
  since?: string | null;
  until?: string | null;
}

/** JSON text cast to jsonb; the ::text cast keeps drivers from re-encoding the string as a JSON string. */
const jsonb = (value: unknown) =>
  value === null || value === undefined ? null : sql<string>`cast(${JSON.stringify(value)}::text as jsonb)`;

/** Writes one audit row; call it inside the write's own transaction, so both commit or neither does. */
export async function insertAuditEntry(trx: Transaction<Database>, entry: NewAuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      actor: entry.actor,
      action: entry.action,
      entity: entry.entity,
      entity_id: entry.entityId,
      target: `${entry.entity}:${entry.entityId}`,
      before: jsonb(entry.before),
      after: jsonb(entry.after),
    })
    .execute();
}

function selectEntries(db: Db) {
  return db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor', 'action', 'entity', 'entity_id', 'target', 'before', 'after', 'details']);
}
type Row = Awaited<ReturnType<ReturnType<typeof selectEntries>['execute']>>[number];

function toEntry(r: Row): AuditEntry {
  // Rows written before 2026-11-30 have `target` ("scenario:3") and `details` instead.
  const [legacyEntity, legacyId] = r.target?.split(':') ?? [];
  return {
    id: String(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor ?? 'unknown',
    action: r.action,
    entity: r.entity ?? legacyEntity ?? null,
    entityId: r.entity_id ?? legacyId ?? null,
    before: r.before ?? null,
    after: r.after ?? r.details ?? null,
  };
}

function applyFilter<O>(
  qb: SelectQueryBuilder<Database, 'audit_log', O>,
  f: AuditFilter,
): SelectQueryBuilder<Database, 'audit_log', O> {
  let q = qb;
  if (f.actor) q = q.where('actor', '=', f.actor);
  if (f.action) q = q.where('action', '=', f.action);
  if (f.entity) q = q.where('entity', '=', f.entity);
  if (f.entityId) q = q.where('entity_id', '=', f.entityId);
  if (f.since) q = q.where('at', '>=', f.since as never);
  if (f.until) q = q.where('at', '<', f.until as never);
  return q;
}

/** A page of the trail, newest first (keyset on id: `beforeId` is the last id of the previous page). */
export async function listAuditEntries(
  db: Db,
  filter: AuditFilter,
  page: { first: number; beforeId: number | null },
): Promise<{ entries: AuditEntry[]; hasNextPage: boolean; count: () => Promise<number> }> {
  let q = applyFilter(selectEntries(db), filter)
    .orderBy('id', 'desc')
    .limit(page.first + 1);
  if (page.beforeId !== null) q = q.where('id', '<', page.beforeId);
  const rows = await q.execute();
  const count = async () =>
    (
      await applyFilter(db.selectFrom('audit_log'), filter)
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow()
    ).n;
  return {
    entries: rows.slice(0, page.first).map(toEntry),
    hasNextPage: rows.length > page.first,
    count,
  };
}

/** Every entry matching the filter, oldest first, in batches (for `audit export`). */
export async function* exportAuditEntries(
  db: Db,
  filter: AuditFilter,
  batch = 1000,
): AsyncGenerator<AuditEntry> {
  let afterId = 0;
  for (;;) {
    const rows = await applyFilter(selectEntries(db), filter)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(batch)
      .execute();
    for (const r of rows) yield toEntry(r);
    if (rows.length < batch) return;
    afterId = Number(rows.at(-1)!.id);
  }
}
