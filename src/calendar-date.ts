/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
export function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 instant with an offset (`2026-06-06T16:00:00+02:00`, `…Z`) that exists, or null: its date
 * exists (2026-02-30 does not: `new Date()` would roll it over to 2 March), hours 00–23, minutes and
 * seconds 00–59, an offset of at most ±23:59. Fractions of a second are kept to the millisecond.
 */
export function parseInstant(text: string): Date | null {
  const m = INSTANT.exec(text);
  if (!m) return null;
  const [, date, hh, mm, ss, , zone, , oh, om] = m;
  if (!isCalendarDate(date!)) return null;
  if (Number(hh) > 23 || Number(mm) > 59 || (ss !== undefined && Number(ss) > 59)) return null;
  if (zone !== 'Z' && (Number(oh) > 23 || Number(om) > 59)) return null;
  const instant = new Date(text);
  return Number.isNaN(instant.getTime()) ? null : instant;
}
