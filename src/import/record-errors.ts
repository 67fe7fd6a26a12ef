/**
 * What every validator of a record stream shares (connectivity-row.ts, grid-row.ts): an error list whose
 * errors name the file, the record's position, our field and the file's own column for it; and the
 * first record's checks of a CSV header (a column `--map` names that is missing; SCB's `rutid` read as
 * `cellId` when the file has no `cellId`).
 */
import { ImportError, type RecordPosition } from './errors.js';
import type { FieldMap } from './field-map.js';

export class RecordErrors {
  readonly list: ImportError[] = [];

  /** `fieldMap()` is read at each error: a validator may widen its map after the first record. */
  constructor(
    private readonly file: string,
    private readonly fieldMap: () => FieldMap,
  ) {}

  /** Records a problem at a position (null: the file as a whole) and field (null: the record). */
  at(position: RecordPosition | null, field: string | null, problem: string): void {
    this.list.push(
      new ImportError(problem, {
        file: this.file,
        line: position?.line ?? null,
        featureIndex: position?.featureIndex ?? null,
        field,
        sourceField: field === null ? null : (this.fieldMap().get(field) ?? null),
      }),
    );
  }

  get count(): number {
    return this.list.length;
  }
}

/** The header line of a CSV file, as a position. */
export const CSV_HEADER: RecordPosition = { line: 1, featureIndex: null };

/** The map with `cellId` read from a `rutid` column, when the file has that and no `cellId` (SCB's name). */
export function withRutidAsCellId(fieldMap: FieldMap, columns: readonly string[]): FieldMap {
  if (!fieldMap.has('cellId') && !columns.includes('cellId') && columns.includes('rutid'))
    return new Map([...fieldMap, ['cellId', 'rutid']]);
  return fieldMap;
}

/** Reports every column `--map` names that the CSV header lacks. */
export function checkMappedColumns(
  fieldMap: FieldMap,
  columns: readonly string[],
  errors: RecordErrors,
): void {
  for (const [ours, theirs] of fieldMap) {
    if (!columns.includes(theirs))
      errors.at(
        CSV_HEADER,
        ours,
        `mapped to column "${theirs}", which the file does not have (columns: ${columns.join(', ')})`,
      );
  }
}
