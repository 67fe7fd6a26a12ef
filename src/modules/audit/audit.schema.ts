import { requirePrincipal } from '../../auth.js';
import { AppError } from '../../errors.js';
import { builder } from '../../graphql/builder.js';
import { defineConnection } from '../../graphql/connection.js';
import { decodeCursor, pageSize, toPage } from '../../graphql/pagination.js';
import type { AuditEntry } from './audit.repository.js';
import { listAuditEntries } from './audit.repository.js';

export const AuditEntryRef = builder.objectRef<AuditEntry>('AuditEntry').implement({
  description: 'One accepted write: who, when, what, and the record before and after.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Opaque id (increasing with time).' }),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at, description: 'When the write committed (UTC).' }),
    actor: t.exposeString('actor', {
      description:
        'Who: an API key id (`k_…`), `write-token#n` (SERVICEATLAS_WRITE_TOKENS) or `jwt:<subject>` — never the key.',
    }),
    action: t.exposeString('action', {
      description:
        'What: servicePoint.create, servicePoint.update, servicePoint.close, servicePoint.reopen, settlement.update, scenario.save, scenario.delete.',
    }),
    entity: t.exposeString('entity', {
      nullable: true,
      description: 'The kind of record: servicePoint, settlement or scenario.',
    }),
    entityId: t.exposeID('entityId', { nullable: true, description: 'The record’s id.' }),
    before: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (e) => e.before,
      description: 'The record before the write (null for a creation).',
    }),
    after: t.field({
      type: 'JSON',
      nullable: true,
      resolve: (e) => e.after,
      description: 'The record after the write (null for a deletion).',
    }),
  }),
});

const AuditEntryConnection = defineConnection<AuditEntry>(
  'AuditEntry',
  AuditEntryRef,
  'A page of the audit trail, newest first (Relay connection).',
);

const AuditLogFilterRef = builder.inputType('AuditLogFilter', {
  description: 'Narrows the audit trail; all given fields must hold.',
  fields: (t) => ({
    actor: t.string({
      description: 'Only writes by this actor (a key id, `write-token#n`, `jwt:<subject>`).',
    }),
    action: t.string({ description: 'Only this action, e.g. "servicePoint.create".' }),
    entity: t.string({ description: 'Only this kind of record: servicePoint, settlement or scenario.' }),
    entityId: t.id({ description: 'Only this record (with entity).' }),
    since: t.field({ type: 'DateTime', description: 'From this instant (inclusive).' }),
    until: t.field({ type: 'DateTime', description: 'Before this instant (exclusive).' }),
  }),
});

builder.queryFields((t) => ({
  auditLog: t.field({
    type: AuditEntryConnection,
    description: 'The audit trail of accepted writes, newest first. Admin keys only.',
    args: {
      first: t.arg.int({ description: 'Page size (default 50, at most the server cap).' }),
      after: t.arg.string({
        description: 'Cursor after which the page starts (endCursor of the previous page).',
      }),
      filter: t.arg({ type: AuditLogFilterRef, description: 'Which entries.' }),
    },
    resolve: async (_r, args, ctx) => {
      const principal = requirePrincipal(ctx.viewer, 'The audit log');
      if (principal.role !== 'admin')
        throw new AppError(
          'FORBIDDEN',
          `The audit log is for admin keys; key ${principal.id} is a ${principal.role} key`,
        );
      const first = pageSize(args.first, ctx.config.maxPageSize);
      const beforeId = args.after ? decodeCursor(args.after) : null;
      const f = args.filter ?? {};
      const page = await listAuditEntries(
        ctx.db,
        {
          ...f,
          since: f.since == null ? null : f.since.toISOString(),
          until: f.until == null ? null : f.until.toISOString(),
          entityId: f.entityId == null ? null : String(f.entityId),
        },
        { first, beforeId },
      );
      return toPage(page.entries, page.hasNextPage, page.count, beforeId !== null);
    },
  }),
}));
