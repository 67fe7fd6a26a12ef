/**
 * Connectivity figures (issue 24): validating CSV records into rows, one per municipality, settlement or
 * population square. Pure: no database. The shapes Swedish data comes in — PTS's broadband mapping (share
 * of households and workplaces with access to ≥ 100 Mbit/s and ≥ 1 Gbit/s, per municipality, per
 * tätort/småort, per 250 m/1 km square) and Kolada's per-municipality indicators — map onto:
 * - the key of the level: `municipalityCode` (MUNICIPALITY, 4 digits, `180` padded to `0180`),
 *   `externalId` (SETTLEMENT: the settlement's externalId, e.g. SCB's tätortskod) or `cellId`
 *   (GRID: the square's id, e.g. SCB's `rutid`, read from a `rutid` column when there is no `cellId`);
 * - `broadbandShare` (required, 0..1): share of households with fast fixed broadband (≥ 100 Mbit/s);
 * - `gigabitShare` (optional, 0..1): share with ≥ 1 Gbit/s;
 * - `mobileCoverage` (optional, 0..1): share of the area (or households) with good mobile coverage.
 * Every problem is reported with its line and field; a key given twice is an error naming both lines.
 */
import { type ImportError, formatPosition } from './errors.js';
import { CSV_HEADER, checkMappedColumns, RecordErrors, withRutidAsCellId } from './record-errors.js';
import type { RecordPosition } from './errors.js';
import type { FieldMap } from './field-map.js';
import { IDENTITY_FIELD_MAP } from './field-map.js';
import type { RawRecord } from './read.js';
import { RecordFields } from './validation-run.js';
import { parseMunicipalityCode, parseShare, parseText } from './values.js';

/** Which areas a connectivity file describes. */
export type ConnectivityLevel = 'MUNICIPALITY' | 'SETTLEMENT' | 'GRID';

export const CONNECTIVITY_LEVELS: readonly ConnectivityLevel[] = ['MUNICIPALITY', 'SETTLEMENT', 'GRID'];

/** Our key field per level. */
export const CONNECTIVITY_KEY_FIELD: Readonly<Record<ConnectivityLevel, string>> = {
  MUNICIPALITY: 'municipalityCode',
  SETTLEMENT: 'externalId',
  GRID: 'cellId',
};

/** One validated connectivity figure. */
export interface ConnectivityRow {
  position: RecordPosition;
  /** Municipality code, settlement externalId or cell id. */
  key: string;
  broadbandShare: number;
  gigabitShare: number | null;
  mobileCoverage: number | null;
}

export interface ConnectivityValidationContext {
  file: string;
  level: ConnectivityLevel;
  fieldMap?: FieldMap;
}

export interface ConnectivityValidationResult {
  rows: ConnectivityRow[];
  errors: ImportError[];
}

/**
 * Validates connectivity records; import the rows only when `errors` is empty.
 * @example
 * await validateConnectivityStream(records, { file: 'pts.csv', level: 'MUNICIPALITY' })
 * // { rows: [{ key: '2085', broadbandShare: 0.91, … }], errors: [] }
 */
export async function validateConnectivityStream(
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  context: ConnectivityValidationContext,
): Promise<ConnectivityValidationResult> {
  let fieldMap = context.fieldMap ?? IDENTITY_FIELD_MAP;
  const keyField = CONNECTIVITY_KEY_FIELD[context.level];
  const rows: ConnectivityRow[] = [];
  const errors = new RecordErrors(context.file, () => fieldMap);
  const errorAt = errors.at.bind(errors);
  const seen = new Map<string, RecordPosition>();
  let first = true;
  for await (const record of records) {
    if (first) {
      first = false;
      const columns = Object.keys(record.properties);
      if (keyField === 'cellId') fieldMap = withRutidAsCellId(fieldMap, columns);
      if (record.format === 'csv') {
        checkMappedColumns(fieldMap, columns, errors);
        for (const field of [keyField, 'broadbandShare']) {
          const column = fieldMap.get(field) ?? field;
          if (!fieldMap.has(field) && !columns.includes(column))
            errorAt(
              CSV_HEADER,
              field,
              `the file has no column "${column}" (columns: ${columns.join(', ')}); ` +
                `name it, or map it with --map ${field}=<column>`,
            );
        }
        if (errors.count > 0) return { rows: [], errors: errors.list };
      }
    }
    if (record.rejection) {
      if (record.rejection.kind === 'error')
        errorAt(record.position, record.rejection.field, record.rejection.message);
      continue;
    }
    const fields = new RecordFields(record, fieldMap, (field, problem) =>
      errorAt(record.position, field, problem),
    );
    const key = fields.required(
      keyField,
      keyField === 'municipalityCode' ? parseMunicipalityCode : parseText,
    );
    if (key !== null && key === '') fields.error(keyField, 'is required');
    const broadbandShare = fields.required('broadbandShare', parseShare);
    const gigabitShare = fields.optional('gigabitShare', parseShare);
    const mobileCoverage = fields.optional('mobileCoverage', parseShare);
    if (broadbandShare !== null && gigabitShare !== null && gigabitShare > broadbandShare + 1e-9) {
      fields.error(
        'gigabitShare',
        `must not exceed broadbandShare (${broadbandShare}): every household with ≥ 1 Gbit/s has ≥ 100 Mbit/s (got ${gigabitShare})`,
      );
    }
    if (fields.failed || key === null || broadbandShare === null) continue;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      errorAt(
        record.position,
        keyField,
        `"${key}" is given twice (first at ${formatPosition(earlier) ?? 'an earlier record'}): one figure per area`,
      );
      continue;
    }
    seen.set(key, record.position);
    rows.push({ position: record.position, key, broadbandShare, gigabitShare, mobileCoverage });
  }
  return { rows, errors: errors.list };
}
