/**
 * Population grid squares (SCB "befolkning per ruta", 1 km or 250 m): validating records into cells.
 * Pure: no database. A cell is located by its SCB `rutid` (13 digits: the SWEREF 99 TM easting of the
 * square's lower-left corner, 6 digits, then its northing, 7 digits — `3520006860000` is the square
 * E 352,000–353,000, N 6,860,000–6,861,000) or, without one, by a point in the square (its centre, its
 * lower-left corner, or a GeoJSON polygon's centre) in the file's CRS; the database snaps that point to
 * the square it lies in.
 */
import type { Crs } from './coordinates.js';
import { checkCoordinateColumns, resolveCoordinates, SWEREF99TM_RANGE } from './coordinates.js';
import { ImportError, ImportOptionError, formatPosition } from './errors.js';
import type { RecordPosition } from './errors.js';
import type { FieldMap } from './field-map.js';
import { IDENTITY_FIELD_MAP } from './field-map.js';
import type { RawRecord } from './read.js';
import { RecordFields } from './validation-run.js';
import { CSV_HEADER, checkMappedColumns, RecordErrors, withRutidAsCellId } from './record-errors.js';
import { areaCodes } from './settlement-row.js';
import { parseNonNegativeInteger, parseText } from './values.js';

/** Cell sizes SCB publishes (metres); others are accepted with `--cell-size`. */
export const SCB_CELL_SIZES = [1000, 250] as const;

/** A validated grid cell before its square is fixed (the size may still be inferred). */
export interface GridRow {
  position: RecordPosition;
  /** The file's id; null when the file has none (derived from the corner: SCB's rutid format). */
  cellId: string | null;
  /** SWEREF 99 TM lower-left corner from an SCB rutid; null when the cell is given by a point. */
  corner: { x: number; y: number } | null;
  /** A point inside the square, in `crs` (used when there is no rutid corner). */
  point: { x: number; y: number; crs: Crs } | null;
  population: number;
  /** As published: SCB's disclosure control can make a subgroup exceed the rounded total, so no ≤ check. */
  population65Plus: number | null;
  population80Plus: number | null;
  municipalityCode: string | null;
  /** Derived from municipalityCode (its first two digits) when the file has none. */
  countyCode: string | null;
}

export interface GridValidationContext {
  file: string;
  crs: Crs;
  fieldMap?: FieldMap;
}

export interface GridValidationResult {
  rows: GridRow[];
  errors: ImportError[];
}

/**
 * The SWEREF 99 TM lower-left corner an SCB rutid encodes, or null when the id is not one
 * (13 digits, easting and northing inside SWEREF 99 TM's range).
 * @example parseRutid('3520006860000') // { x: 352000, y: 6860000 }
 */
export function parseRutid(id: string): { x: number; y: number } | null {
  if (!/^\d{13}$/.test(id)) return null;
  const x = Number(id.slice(0, 6));
  const y = Number(id.slice(6));
  const r = SWEREF99TM_RANGE;
  if (x < r.minE || x > r.maxE || y < r.minN || y > r.maxN) return null;
  return { x, y };
}

/** SCB's rutid of the square with this SWEREF 99 TM lower-left corner. */
export function rutidOf(corner: { x: number; y: number }): string {
  return `${String(Math.round(corner.x)).padStart(6, '0')}${String(Math.round(corner.y)).padStart(7, '0')}`;
}

/** `--cell-size` → metres (a positive whole number ≤ 100 km). */
export function parseCellSize(value: string | undefined): number | null {
  if (value === undefined) return null;
  const size = Number(value);
  if (!Number.isInteger(size) || size <= 0 || size > 100_000)
    throw new ImportOptionError(
      '--cell-size',
      `must be a whole number of metres, e.g. 1000 or 250 (got "${value}")`,
    );
  return size;
}

/**
 * The square size of a grid file: `--cell-size` when given, else inferred from the rutid corners — 1000
 * when every corner is on the kilometre, else 250 when every corner is on 250 m — and checked: every
 * rutid corner must lie on the size's lattice. Cells given only by a point need `--cell-size`.
 */
export function resolveCellSize(rows: readonly GridRow[], given: number | null, file: string): number {
  const corners = rows.filter((r) => r.corner !== null);
  if (given === null && corners.length < rows.length) {
    throw new ImportOptionError(
      '--cell-size',
      `${file}: some cells have no SCB rutid, so the square size cannot be read from the ids: pass --cell-size 1000 or 250`,
    );
  }
  const onLattice = (size: number) => (r: GridRow) => r.corner!.x % size === 0 && r.corner!.y % size === 0;
  let size = given;
  if (size === null) {
    size = SCB_CELL_SIZES.find((s) => corners.every(onLattice(s))) ?? null;
    if (size === null) {
      throw new ImportOptionError(
        '--cell-size',
        `${file}: the rutid corners are not on a 1000 m or 250 m lattice: pass --cell-size <metres>`,
      );
    }
  }
  const off = corners.find((r) => !onLattice(size!)(r));
  if (off !== undefined) {
    throw new ImportError(
      `rutid "${off.cellId}" is not a corner of a ${size} m square (easting and northing must be multiples of ${size})`,
      { file, line: off.position.line, featureIndex: off.position.featureIndex, field: 'cellId' },
    );
  }
  return size;
}

/**
 * Validates grid records; import the rows only when `errors` is empty. Every problem is reported with its
 * line or feature and field. `cellId` is read from the mapped column, else `cellId`, else SCB's `rutid`.
 */
export async function validateGridStream(
  records: AsyncIterable<RawRecord> | Iterable<RawRecord>,
  context: GridValidationContext,
): Promise<GridValidationResult> {
  let fieldMap = context.fieldMap ?? IDENTITY_FIELD_MAP;
  const rows: GridRow[] = [];
  const errors = new RecordErrors(context.file, () => fieldMap);
  const errorAt = errors.at.bind(errors);
  const seen = new Map<string, RecordPosition>();
  let first = true;
  for await (const record of records) {
    if (first) {
      first = false;
      const columns = Object.keys(record.properties);
      fieldMap = withRutidAsCellId(fieldMap, columns);
      if (record.format === 'csv') {
        checkMappedColumns(fieldMap, columns, errors);
        // Coordinates are needed only when cells are not located by a rutid.
        const cellColumn = fieldMap.get('cellId') ?? 'cellId';
        if (!columns.includes(cellColumn)) {
          const problem = checkCoordinateColumns(columns, fieldMap, context.crs);
          if (problem !== null)
            errorAt(CSV_HEADER, null, `${problem} (or give each cell its SCB rutid as cellId)`);
        }
        if (errors.count > 0) break;
      }
    }
    const { position, rejection } = record;
    if (rejection !== undefined) {
      errorAt(position, rejection.field, rejection.message);
      if (rejection.field === null || rejection.kind === 'skip') continue;
    }
    const fields = new RecordFields(record, fieldMap, (field, problem) => errorAt(position, field, problem));
    const cellId = fields.optional('cellId', parseText);
    const population = fields.required('population', parseNonNegativeInteger);
    const population65Plus = fields.optional('population65Plus', parseNonNegativeInteger);
    const population80Plus = fields.optional('population80Plus', parseNonNegativeInteger);
    const { municipalityCode, countyCode } = areaCodes(fields);
    if (cellId !== null) {
      const before = seen.get(cellId);
      if (before !== undefined)
        fields.error(
          'cellId',
          `duplicate "${cellId}": also on ${formatPosition(before)} (a cell id must be unique in a file)`,
        );
      else seen.set(cellId, position);
    }
    const corner = cellId === null ? null : parseRutid(cellId);
    let point: GridRow['point'] = null;
    if (corner === null && rejection?.field !== 'geometry') {
      const coordinates = resolveCoordinates(record, fieldMap, context.crs);
      if (coordinates.ok) point = { x: coordinates.x, y: coordinates.y, crs: context.crs };
      else {
        for (const problem of coordinates.problems)
          fields.error(
            problem.field,
            `${problem.problem}${cellId === null ? ' (or give the cell its SCB rutid as cellId)' : ` ("${cellId}" is not an SCB rutid, so the cell needs coordinates)`}`,
          );
      }
    }
    if (fields.failed || rejection !== undefined || population === null) continue;
    rows.push({
      position,
      cellId,
      corner,
      point,
      population,
      population65Plus,
      population80Plus,
      municipalityCode,
      countyCode,
    });
  }
  return { rows, errors: errors.list };
}
