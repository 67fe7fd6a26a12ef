/**
 * Errors raised while reading and validating import files. Every error says where (file, CSV line or
 * GeoJSON feature, field) and what was wrong; the CLI maps them to exit code 1 (bad input).
 */

/** Where in a file a record came from. */
export interface RecordPosition {
  /** 1-based line in the file, header included (CSV, OSM XML); null when not line-based. */
  line: number | null;
  /** 0-based index in the FeatureCollection's `features` (GeoJSON); null otherwise. */
  featureIndex: number | null;
}

/** What an {@link ImportError} points at. */
export interface ImportErrorLocation {
  file: string;
  line?: number | null;
  featureIndex?: number | null;
  /** Our field name (e.g. `population`), not the file's column name. */
  field?: string | null;
  /** The file's own column/property name when `--map` renamed it (e.g. `befolkning_2020`). */
  sourceField?: string | null;
}

/** Renders a position as `line 17` / `feature 4`, or null when there is none. */
export function formatPosition(position: Partial<RecordPosition>): string | null {
  if (position.line != null) return `line ${position.line}`;
  if (position.featureIndex != null) return `feature ${position.featureIndex}`;
  return null;
}

function formatField(field: string | null, sourceField: string | null): string | null {
  if (field === null) return null;
  return sourceField !== null && sourceField !== field
    ? `field "${field}" (column "${sourceField}")`
    : `field "${field}"`;
}

/**
 * One problem in one place of an import file.
 *
 * @example
 * new ImportError('must be a non-negative integer (got "-3")', { file: 'tatorter.csv', line: 17, field: 'population' })
 * // message: tatorter.csv: line 17, field "population": must be a non-negative integer (got "-3")
 */
export class ImportError extends Error {
  override name = 'ImportError';
  readonly file: string;
  /** 1-based CSV/XML line including the header, or null. */
  readonly line: number | null;
  /** 0-based GeoJSON feature index, or null. */
  readonly featureIndex: number | null;
  /** Our field name, or null when the problem is not about one field. */
  readonly field: string | null;
  /** The file's column/property name behind `field` when mapped, else null. */
  readonly sourceField: string | null;
  /** The problem without the location prefix, e.g. `must be a non-negative integer (got "-3")`. */
  readonly problem: string;

  constructor(problem: string, location: ImportErrorLocation) {
    const line = location.line ?? null;
    const featureIndex = location.featureIndex ?? null;
    const field = location.field ?? null;
    const sourceField = location.sourceField ?? null;
    const where = [formatPosition({ line, featureIndex }), formatField(field, sourceField)].filter(
      (part): part is string => part !== null,
    );
    super(`${location.file}: ${where.length > 0 ? `${where.join(', ')}: ` : ''}${problem}`);
    this.file = location.file;
    this.line = line;
    this.featureIndex = featureIndex;
    this.field = field;
    this.sourceField = sourceField;
    this.problem = problem;
  }

  /** The message without the leading `<file>: `, for lists under a per-file heading. */
  get locatedProblem(): string {
    return this.message.slice(this.file.length + 2);
  }
}

/** How many errors {@link ImportValidationError}'s message lists before summarising the rest. */
export const LISTED_ERRORS = 20;

/**
 * All the problems found in one file. A file with any invalid record imports nothing, so the message
 * lists the first {@link LISTED_ERRORS} and counts the rest; `errors` holds every one.
 */
export class ImportValidationError extends Error {
  override name = 'ImportValidationError';
  readonly file: string;
  readonly errors: readonly ImportError[];

  constructor(file: string, errors: readonly ImportError[], listed = LISTED_ERRORS) {
    const count = errors.length;
    const lines = errors.slice(0, listed).map((error) => `  ${error.locatedProblem}`);
    if (count > listed) lines.push(`  … and ${count - listed} more`);
    super(
      `${file}: ${count} ${count === 1 ? 'problem' : 'problems'} found; nothing was imported.\n${lines.join('\n')}`,
    );
    this.file = file;
    this.errors = errors;
  }
}

/**
 * A bad command-line option (`--map`, `--type-map`, `--format`, `--crs`): not about a place in a file.
 *
 * @example
 * new ImportOptionError('--map', 'unknown field "popluation" (did you mean "population"?)')
 * // message: --map: unknown field "popluation" (did you mean "population"?)
 */
export class ImportOptionError extends Error {
  override name = 'ImportOptionError';
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`${option}: ${problem}`);
    this.option = option;
  }
}

/** Renders a raw value for a message: strings quoted, arrays/objects as JSON, cut at 60 characters. */
export function describeValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (value === undefined) text = 'nothing';
  else if (typeof value === 'number' || typeof value === 'boolean' || value === null) text = String(value);
  else text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
