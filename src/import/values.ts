/**
 * Field value parsers shared by the validators. Values arrive as CSV strings or JSON values; each
 * parser accepts both and explains a rejection as `must be … (got "…")`. Hand-written rather than zod
 * because every rule needs CSV-string coercion and a message naming the value.
 */
import { openingHoursProblem } from '../engine/opening-hours.js';
import { describeValue } from './errors.js';

/** A parsed value, or the reason it was rejected (without the location prefix). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (problem: string): Parsed<never> => ({ ok: false, problem });

/** Absent: missing, null, or a blank string (an empty CSV cell). */
export function isAbsent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * PostgreSQL's text, varchar and jsonb cannot hold U+0000 ("invalid byte sequence for encoding UTF8:
 * 0x00"), so a value with one is refused here, by field and line, rather than failing the whole
 * import's transaction untyped (found by the fuzz: a GeoJSON `"externalId": "\u0000"`).
 */
const NUL_PROBLEM = 'must not contain a NUL character (\\u0000), which no stored text can hold';

/** Text: a string (trimmed) or a number written as text; arrays/objects/booleans are rejected. */
export function parseText(value: unknown): Parsed<string> {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return fail(`${NUL_PROBLEM} (got ${describeValue(value)})`);
    return ok(value.trim());
  }
  if (typeof value === 'number' && Number.isFinite(value)) return ok(String(value));
  return fail(`must be text (got ${describeValue(value)})`);
}

/**
 * A non-negative integer: a JSON number that is an integer, or a string of digits. Thousands
 * separators and decimals (`1 234`, `1234.0`) are rejected rather than guessed at, since `1.234` is
 * 1234 in Swedish and 1.234 in English.
 */
export function parseNonNegativeInteger(value: unknown): Parsed<number> {
  const problem = `must be a non-negative integer (got ${describeValue(value)})`;
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? ok(value) : fail(problem);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return ok(Number(text));
    if (/^\d{1,3}([ \u00a0\u202f]\d{3})+$/.test(text))
      return fail(`${problem}; remove the thousands separators`);
  }
  return fail(problem);
}

/** A finite decimal: a JSON number, or a string with `.` or `,` as the decimal mark (`59,41`). */
export function parseDecimal(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? ok(value) : fail(`must be a finite number (got ${describeValue(value)})`);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$/.test(text)) return ok(Number(text.replace(',', '.')));
  }
  return fail(`must be a number (got ${describeValue(value)})`);
}

/** A share in 0..1 (decimal); a value in 1..100 gets a "percentage?" hint. */
export function parseShare(value: unknown): Parsed<number> {
  const parsed = parseDecimal(value);
  if (!parsed.ok) return parsed;
  if (parsed.value >= 0 && parsed.value <= 1) return parsed;
  const hint = parsed.value > 1 && parsed.value <= 100 ? '; a percentage? divide by 100' : '';
  return fail(`must be between 0 and 1 (got ${describeValue(value)}${hint})`);
}

function zeroPaddedCode(
  value: unknown,
  digits: number,
  strippedDigits: number,
  what: string,
): Parsed<string> {
  const problem = `must be a ${digits}-digit ${what} (got ${describeValue(value)})`;
  let text: string;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else return fail(problem);
  if (new RegExp(`^\\d{${digits}}$`).test(text)) return ok(text);
  // Spreadsheets drop the leading zero of codes like 0180 (Stockholm) and 01 (Stockholm county).
  if (new RegExp(`^\\d{${strippedDigits}}$`).test(text)) return ok(text.padStart(digits, '0'));
  return fail(problem);
}

/**
 * A Swedish municipality code (kommunkod), 4 digits. Three digits (`180`, from a spreadsheet that
 * stripped the zero) are padded to `0180`; numbers are accepted the same way.
 */
export function parseMunicipalityCode(value: unknown): Parsed<string> {
  return zeroPaddedCode(value, 4, 3, 'municipality code');
}

/** A Swedish county code (länskod), 2 digits; one digit (`1`) is padded to `01`. */
export function parseCountyCode(value: unknown): Parsed<string> {
  return zeroPaddedCode(value, 2, 1, 'county code');
}

/** One of `allowed`, case-insensitive, returned in its canonical (upper-case) spelling. */
export function parseEnum<T extends string>(value: unknown, allowed: readonly T[]): Parsed<T> {
  if (typeof value === 'string') {
    const upper = value.trim().toUpperCase();
    const match = allowed.find((candidate) => candidate === upper);
    if (match !== undefined) return ok(match);
  }
  return fail(`must be one of ${allowed.join(', ')} (got ${describeValue(value)})`);
}

/** A calendar date `YYYY-MM-DD` that exists (a datetime's date part is not accepted: say what you mean). */
export function parseIsoDate(value: unknown): Parsed<string> {
  const problem = `must be a date YYYY-MM-DD (got ${describeValue(value)})`;
  if (typeof value !== 'string') return fail(problem);
  const text = value.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return fail(problem);
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text
    ? ok(text)
    : fail(`is not a real date (got ${describeValue(value)})`);
}

/**
 * A list of codes: a JSON array of strings, or a string separated by `,` or `;` (OSM multi-values).
 * Items are trimmed; blanks dropped.
 */
export function parseList(value: unknown): Parsed<string[]> {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  if (items.some((item) => typeof item === 'string' && item.includes('\u0000')))
    return fail(`${NUL_PROBLEM} (got ${describeValue(value)})`);
  if (Array.isArray(value)) {
    if (!value.every((item) => typeof item === 'string')) {
      return fail(`must be a list of codes (got ${describeValue(value)})`);
    }
    return ok(value.map((item) => item.trim()).filter((item) => item !== ''));
  }
  if (typeof value === 'string') {
    return ok(
      value
        .split(/[,;]/)
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    );
  }
  return fail(`must be a list of codes or a comma-separated string (got ${describeValue(value)})`);
}

/** OSM `opening_hours` syntax, checked by the `opening_hours` library (stored as given, trimmed). */
export function parseOpeningHours(value: unknown): Parsed<string> {
  const text = parseText(value);
  if (!text.ok) return text;
  const problem = openingHoursProblem(text.value);
  return problem === null
    ? ok(text.value)
    : fail(`is not valid OSM opening_hours syntax (got ${describeValue(value)}): ${problem}`);
}
