/**
 * Finding a record's coordinates (geometry, or `lon`/`lat` resp. `x`/`y` columns after mapping) and
 * checking them against the declared CRS, with hints when the columns or values belong to the other one.
 */
import { ImportOptionError } from './errors.js';
import type { FieldMap } from './field-map.js';
import { sourceKey } from './field-map.js';
import type { RawRecord } from './record.js';
import { isAbsent, parseDecimal } from './values.js';

// The coordinate reference systems imports accept (src/domain.ts); the database transforms EPSG:3006 to 4326.
import { CRS_CODES, type Crs } from '../domain.js';

export { CRS_CODES, type Crs };

/** Checks a `--crs` value; `3006` and `epsg:3006` are accepted for `EPSG:3006`. */
export function parseCrs(value: string): Crs {
  const code = value
    .trim()
    .toUpperCase()
    .replace(/^(EPSG:)?/, 'EPSG:');
  if ((CRS_CODES as readonly string[]).includes(code)) return code as Crs;
  throw new ImportOptionError('--crs', `unsupported CRS "${value}" (supported: ${CRS_CODES.join(', ')})`);
}

/** Our coordinate field names in a CRS: `lon`,`lat` for WGS 84, `x`,`y` (easting, northing) for SWEREF 99 TM. */
export function coordinateFields(crs: Crs): readonly [string, string] {
  return crs === 'EPSG:4326' ? ['lon', 'lat'] : ['x', 'y'];
}

/**
 * Plausible SWEREF 99 TM values: a looser box around Sweden (real data: E ≈ 260,000–930,000,
 * N ≈ 6,130,000–7,680,000), wide enough for border areas, narrow enough to catch degrees or swapped axes.
 */
export const SWEREF99TM_RANGE = Object.freeze({
  minE: 180_000,
  maxE: 1_000_000,
  minN: 6_100_000,
  maxN: 7_700_000,
});

function inSweref(x: number, y: number): boolean {
  const r = SWEREF99TM_RANGE;
  return x >= r.minE && x <= r.maxE && y >= r.minN && y <= r.maxN;
}

function inDegrees(x: number, y: number): boolean {
  return Math.abs(x) <= 180 && Math.abs(y) <= 90;
}

/** A coordinate problem: which of our fields, and what is wrong. */
export interface CoordinateProblem {
  field: string;
  problem: string;
}

/** Checks a coordinate pair against the CRS; null when plausible. */
export function checkCoordinates(x: number, y: number, crs: Crs): CoordinateProblem | null {
  const [xField, yField] = coordinateFields(crs);
  if (crs === 'EPSG:4326') {
    if (inDegrees(x, y)) return null;
    if (inSweref(x, y)) {
      return { field: xField, problem: `(${x}, ${y}) looks like SWEREF 99 TM metres: pass --crs EPSG:3006` };
    }
    if (Math.abs(x) <= 90 && Math.abs(y) <= 180) {
      return { field: yField, problem: `latitude ${y} is outside -90..90 (lon and lat swapped?)` };
    }
    return Math.abs(x) > 180
      ? { field: xField, problem: `longitude ${x} is outside -180..180` }
      : { field: yField, problem: `latitude ${y} is outside -90..90` };
  }
  if (inSweref(x, y)) return null;
  if (inDegrees(x, y))
    return { field: xField, problem: `(${x}, ${y}) looks like degrees: pass --crs EPSG:4326` };
  if (inSweref(y, x))
    return { field: xField, problem: `(${x}, ${y}) looks like northing, easting (x and y swapped?)` };
  const r = SWEREF99TM_RANGE;
  return x < r.minE || x > r.maxE
    ? { field: xField, problem: `easting ${x} is outside the SWEREF 99 TM range ${r.minE}–${r.maxE}` }
    : { field: yField, problem: `northing ${y} is outside the SWEREF 99 TM range ${r.minN}–${r.maxN}` };
}

/** Coordinates of a record, or the problems finding them. */
export type CoordinateResult =
  | { ok: true; x: number; y: number }
  | { ok: false; problems: CoordinateProblem[] };

/**
 * A record's coordinates: its geometry, unless the coordinate fields are mapped explicitly with
 * `--map` (then the mapped properties win) or there is no geometry (CSV, null geometry). Decimal
 * commas are accepted in columns (`59,4`, as in `;`-separated Swedish files).
 */
export function resolveCoordinates(record: RawRecord, fieldMap: FieldMap, crs: Crs): CoordinateResult {
  const [xField, yField] = coordinateFields(crs);
  const explicit = fieldMap.has(xField) || fieldMap.has(yField);
  let x: number;
  let y: number;
  if (record.geometry !== null && !explicit) {
    [x, y] = record.geometry.coordinates;
  } else {
    const problems: CoordinateProblem[] = [];
    const values = [xField, yField].map((field) => {
      const value = record.properties[sourceKey(fieldMap, field)];
      if (isAbsent(value)) {
        problems.push({
          field,
          problem: record.format === 'csv' ? 'is required' : 'is required (the feature has no geometry)',
        });
        return Number.NaN;
      }
      const parsed = parseDecimal(value);
      if (!parsed.ok) problems.push({ field, problem: parsed.problem });
      return parsed.ok ? parsed.value : Number.NaN;
    });
    if (problems.length > 0) return { ok: false, problems };
    [x, y] = values as [number, number];
  }
  const problem = checkCoordinates(x, y, crs);
  return problem ? { ok: false, problems: [problem] } : { ok: true, x, y };
}

/**
 * For a CSV header: null when the CRS's coordinate columns (after mapping) are present, else what to do —
 * e.g. `columns x,y found: pass --crs EPSG:3006`.
 */
export function checkCoordinateColumns(
  columns: readonly string[],
  fieldMap: FieldMap,
  crs: Crs,
): string | null {
  const has = (field: string): boolean => columns.includes(sourceKey(fieldMap, field));
  const [xField, yField] = coordinateFields(crs);
  if (has(xField) && has(yField)) return null;
  const wanted = [xField, yField].map((f) => sourceKey(fieldMap, f)).join(',');
  const other: Crs = crs === 'EPSG:4326' ? 'EPSG:3006' : 'EPSG:4326';
  const [otherX, otherY] = coordinateFields(other);
  if (has(otherX) && has(otherY)) {
    const found = [otherX, otherY].map((f) => sourceKey(fieldMap, f)).join(',');
    return (
      `coordinate columns ${wanted} not found for ${crs}; columns ${found} found: pass --crs ${other}` +
      ` (or map yours with --map ${xField}=…,${yField}=…)`
    );
  }
  return `coordinate columns ${wanted} not found for ${crs}: map yours with --map ${xField}=…,${yField}=… (columns: ${columns.join(', ')})`;
}
