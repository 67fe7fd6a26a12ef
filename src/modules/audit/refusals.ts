import type { Logger } from '../../logger.js';

/** One refused write: who (the key id, never the key), what, and why. */
export interface Refusal {
  /** Key id, `write-token#n`, `jwt:<sub>`, or null for a request without a valid credential. */
  actor: string | null;
  /** The mutation, e.g. `createServicePoint`. */
  action: string;
  /** UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT or NOT_FOUND. */
  code: string;
  reason: string;
  field?: string | null;
  entityId?: string | null;
}

/**
 * Refused writes are not stored (an unauthenticated client could fill a table), but each one is logged
 * (pino, `msg: "write refused"`, with the actor and the reason) and counted per action and code; the
 * counts are served as Prometheus text at GET /metrics (`serviceatlas_write_refusals_total`).
 */
export class WriteRefusals {
  private readonly counts = new Map<string, number>();
  private accepted = 0;

  constructor(private readonly log: Logger | null) {}

  record(refusal: Refusal): void {
    const key = `${refusal.action}\u0000${refusal.code}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.log?.warn(
      {
        event: 'write.refused',
        actor: refusal.actor,
        action: refusal.action,
        code: refusal.code,
        reason: refusal.reason,
        field: refusal.field ?? undefined,
        entityId: refusal.entityId ?? undefined,
      },
      'write refused',
    );
  }

  /** Counts an accepted write (for the same metrics page). */
  acceptedWrite(): void {
    this.accepted++;
  }

  /** Refusals so far, by action and code. */
  snapshot(): { action: string; code: string; count: number }[] {
    return [...this.counts].map(([key, count]) => {
      const [action = '', code = ''] = key.split('\u0000');
      return { action, code, count };
    });
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Prometheus text exposition format. */
  prometheus(): string {
    const lines = [
      '# HELP serviceatlas_write_refusals_total Writes refused (no or bad key, out of scope, bad input, not found).',
      '# TYPE serviceatlas_write_refusals_total counter',
    ];
    for (const r of this.snapshot())
      lines.push(`serviceatlas_write_refusals_total{action="${r.action}",code="${r.code}"} ${r.count}`);
    lines.push(
      '# HELP serviceatlas_writes_accepted_total Writes accepted (each one is in audit_log).',
      '# TYPE serviceatlas_writes_accepted_total counter',
      `serviceatlas_writes_accepted_total ${this.accepted}`,
    );
    return `${lines.join('\n')}\n`;
  }
}
