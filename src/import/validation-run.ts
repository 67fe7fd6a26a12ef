/**
 * The record-by-record machinery shared by the settlement and service-point validators: header checks
 * for CSV, reader rejections, field access through `--map`, coordinates, duplicate externalIds, and
 * collecting every error (a file with any invalid record imports nothing, so all are reported).
 */
import type { Crs } from './coordinates.js';
import { checkCoordinateColumns, resolveCoordinates } from './coordinates.js';
import { ImportError, formatPosition } from './errors.js';
import type { RecordPosition } from './errors.js';
import type { FieldMap } from './field-map.js';
import { IDENTITY_FIELD_MAP, sourceKey } from './field-map.js';
import type { RawRecord } from './read.js';
import type { Parsed } from './values.js';
import { isAbsent, parseText } from './values.js';

/** What every validator needs to know. */
export interface ValidationContext {
  /** The file name used in error messages. */
  file: string;
  crs: Crs;
  /** `--map`, ours → theirs; default: every field under its own name. */
  fieldMap?: FieldMap;
}

/** The outcome of validating a file: import `rows` only when `errors` is empty. */
export interface ValidationResult<Row> {
  rows: Row[];
  errors: ImportError[];
  /** Records deliberately left out (e.g. a type not in `--type-map`, an OSM relation). */
  skipped: number;
  /** Why records were skipped, with counts, for the import summary. */
  skippedReasons: Map<string, number>;
}

/** Field access for one record, recording an error for each bad value. */
export class RecordFields {
  /** True once any error was recorded for this record. */
  failed = false;

  constructor(
    readonly record: RawRecord,
    private readonly fieldMap: FieldMap,
    private readonly report: (field: string | null, problem: string) => void,
  ) {}

  /** The raw value of our `field` (read from its mapped column/property). */
  raw(field: string): unknown {
    return this.record.properties[sourceKey(this.fieldMap, field)];
  }

  /** True when our `field` has a non-blank value. */
  has(field: string): boolean {
    return !isAbsent(this.raw(field));
  }

  /** Records a problem with our `field` (null: the whole record). */
  error(field: string | null, problem: string): void {
    this.failed = true;
    this.report(field, problem);
  }

  /** The parsed value, or null when absent or invalid (invalid also records an error). */
  optional<T>(field: string, parse: (value: unknown) => Parsed<T>): T | null {
    const value = this.raw(field);
    if (isAbsent(value)) return null;
    const parsed = parse(value);
    if (parsed.ok) return parsed.value;
    this.error(field, parsed.problem);
    return null;
  }

  /** Like {@link optional}, but absence is an error too. */
  required<T>(field: string, parse: (value: unknown) => Parsed<T>): T | null {
    if (!this.has(field)) {
      this.error(field, 'is required');
      return null;
    }
    return this.optional(field, parse);
  }
}

/** The coordinates and identity every row carries. */
export interface RowBase {
  externalId: string | null;
  x: number;
  y: number;
  crs: Crs;
}

/** Builds a row's own fields from a record; returns null when it records errors or a skip reason. */
export type RowBuilder<Fields> = (fields: RecordFields, skip: (reason: string) => void) => Fields | null;

/** Runs a row builder over records, one at a time (so streams need not be collected). */
export class ValidationRun<Fields> {
  private readonly fieldMap: FieldMap;
  private readonly rows: Array<Fields & RowBase> = [];
  private readonly errors: ImportError[] = [];
  private readonly skippedReasons = new Map<string, number>();
  private readonly externalIds = new Map<string, RecordPosition>();
  private skipped = 0;
  private headerChecked = false;
  private headerFailed = false;

  constructor(
    private readonly context: ValidationContext,
    private readonly build: RowBuilder<Fields>,
  ) {
    this.fieldMap = context.fieldMap ?? IDENTITY_FIELD_MAP;
  }

  private errorAt(position: RecordPosition | null, field: string | null, problem: string): void {
    this.errors.push(
      new ImportError(problem, {
        file: this.context.file,
        line: position?.line ?? null,
        featureIndex: position?.featureIndex ?? null,
        field,
        sourceField: field === null ? null : (this.fieldMap.get(field) ?? null),
      }),
    );
  }

  private skip(reason: string): void {
    this.skipped++;
    this.skippedReasons.set(reason, (this.skippedReasons.get(reason) ?? 0) + 1);
  }

  /** CSV: every mapped column and the coordinate columns must be in the header; reported once, at line 1. */
  private checkHeader(record: RawRecord): void {
    this.headerChecked = true;
    if (record.format !== 'csv') return;
    const columns = Object.keys(record.properties);
    const header = { line: 1, featureIndex: null };
    for (const [ours, theirs] of this.fieldMap) {
      if (!columns.includes(theirs)) {
        this.errorAt(
          header,
          ours,
          `mapped to column "${theirs}", which the file does not have (columns: ${columns.join(', ')})`,
        );
      }
    }
    const coordinateProblem = checkCoordinateColumns(columns, this.fieldMap, this.context.crs);
    if (coordinateProblem !== null) this.errorAt(header, null, coordinateProblem);
    this.headerFailed = this.errors.length > 0;
  }

  /** Validates one record. */
  add(record: RawRecord): void {
    if (!this.headerChecked) this.checkHeader(record);
    // With the header wrong, every row would repeat the same error: the header errors say it all.
    if (this.headerFailed) return;
    const { rejection, position } = record;
    if (rejection?.kind === 'skip') {
      this.skip(rejection.message);
      return;
    }
    if (rejection?.kind === 'error') {
      this.errorAt(position, rejection.field, rejection.message);
      // A row with the wrong number of fields has its values under the wrong columns: stop here.
      if (rejection.field === null) return;
    }

    let skipReason: string | null = null;
    const fields = new RecordFields(record, this.fieldMap, (field, problem) =>
      this.errorAt(position, field, problem),
    );
    const own = this.build(fields, (reason) => {
      skipReason = reason;
    });
    if (skipReason !== null) {
      this.skip(skipReason);
      return;
    }
    const externalId = fields.optional('externalId', parseText);
    if (externalId !== null) {
      const first = this.externalIds.get(externalId);
      if (first !== undefined) {
        fields.error(
          'externalId',
          `duplicate "${externalId}": also on ${formatPosition(first)} (an externalId must be unique in a file)`,
        );
      } else {
        this.externalIds.set(externalId, position);
      }
    }
    let x = 0;
    let y = 0;
    if (rejection?.field !== 'geometry') {
      const coordinates = resolveCoordinates(record, this.fieldMap, this.context.crs);
      if (coordinates.ok) ({ x, y } = coordinates);
      else for (const problem of coordinates.problems) fields.error(problem.field, problem.problem);
    }
    if (own === null || fields.failed || rejection !== undefined) return;
    this.rows.push({ ...own, externalId, x, y, crs: this.context.crs });
  }

  /** The rows, errors and skip counts so far. */
  finish(): ValidationResult<Fields & RowBase> {
    return {
      rows: this.rows,
      errors: this.errors,
      skipped: this.skipped,
      skippedReasons: this.skippedReasons,
    };
  }
}
