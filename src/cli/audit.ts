import type { AuditEntry, AuditFilter } from '../modules/audit/audit.repository.js';
import { exportAuditEntries } from '../modules/audit/audit.repository.js';
import type { CsvColumnType } from '../csv.js';
import { csvtSidecar, sidecarPaths, toCsv } from '../csv.js';
import type { CliCommand } from './command.js';
import { output } from './command.js';
import { CliError } from './errors.js';

export interface AuditExportOptions {
  since: string;
  until?: string;
  actor?: string;
  action?: string;
  entity?: string;
  format: string;
  output?: string;
  wait?: string;
}

const AUDIT_COLUMNS = ['id', 'at', 'actor', 'action', 'entity', 'entityId', 'before', 'after'] as const;

/** GDAL column types (the `.csvt` beside `--output x.csv`). */
export const AUDIT_COLUMN_TYPES: readonly CsvColumnType[] = [
  'String',
  'DateTime',
  'String',
  'String',
  'String',
  'String',
  'String',
  'String',
];

/** RFC 4180 CSV, header first, one write a row; before/after as JSON text; every cell formula-safe. */
export function auditToCsv(entries: readonly AuditEntry[]): string {
  return toCsv(
    AUDIT_COLUMNS,
    entries.map((e) =>
      AUDIT_COLUMNS.map((c) => {
        const v = e[c] as unknown;
        return v === null || v === undefined || typeof v === 'string' || typeof v === 'number'
          ? v
          : JSON.stringify(v);
      }),
    ),
  );
}

function instant(value: string, option: string): string {
  const ok =
    /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) && !Number.isNaN(Date.parse(value));
  if (!ok)
    throw new CliError(
      `${option} must be a date or an ISO 8601 instant (e.g. 2026-11-01 or 2026-11-01T08:00:00Z), got "${value}"`,
    );
  return new Date(value).toISOString();
}

/** `audit export --since … [--until …] [--format csv|json] [--output file]`: the trail, oldest first. */
export const auditExport: CliCommand<AuditExportOptions> = {
  name: 'audit export',
  reads: true,
  check(opts) {
    if (opts.format !== 'csv' && opts.format !== 'json') throw new CliError('--format must be csv or json');
    filterOf(opts);
  },
  async run({ db }, opts) {
    const filter = filterOf(opts);
    const entries: AuditEntry[] = [];
    for await (const e of exportAuditEntries(db, filter)) entries.push(e);
    const text = opts.format === 'csv' ? auditToCsv(entries) : `${JSON.stringify(entries, null, 2)}\n`;
    const summary = `${entries.length} audit entries since ${filter.since}${opts.output ? `; written to ${opts.output}` : ''}`;
    return output(
      opts.output ? '' : text,
      [summary],
      opts.output
        ? [
            { path: opts.output, content: text },
            ...(opts.format === 'csv'
              ? [{ path: sidecarPaths(opts.output).csvt, content: csvtSidecar(AUDIT_COLUMN_TYPES) }]
              : []),
          ]
        : [],
    );
  },
};

function filterOf(opts: AuditExportOptions): AuditFilter {
  return {
    since: instant(opts.since, '--since'),
    until: opts.until ? instant(opts.until, '--until') : null,
    actor: opts.actor ?? null,
    action: opts.action ?? null,
    entity: opts.entity ?? null,
  };
}
