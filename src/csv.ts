/**
 * Every CSV Serviceatlas writes (the CLI's `analyse deserts`, `analyse capacity`, `audit export`, the
 * report's zip) goes through here: RFC 4180 quoting, OWASP's rule against formula injection, the header as
 * the first line, and the sidecars GDAL and QGIS read — `<name>.csvt` (column types, so codes such as
 * "0114" stay text) and `<name>.prj` (WGS 84 with its EPSG authority) where rows are places.
 */

export type CsvValue = string | number | boolean | null | undefined;

/** Characters a spreadsheet may take as the start of a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * OWASP's rule for a text cell: one starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
 * leading `'`, so Excel, LibreOffice and Google Sheets show it as text and never run it
 * (`=HYPERLINK(…)` → `'=HYPERLINK(…)`). Numbers are written as numbers (a negative shortfall stays −3).
 */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * One CSV cell: null/undefined empty; text neutralised, then quoted when it holds a comma, quote or line
 * break (or always, with `quote`: codes like "0114" that type-guessing tools would read as 114).
 */
export function csvCell(value: CsvValue, quote = false): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? neutraliseFormula(value) : String(value);
  return quote || /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface CsvOptions {
  /** Line ending (default `\n`; the report's files use `\r\n` for Excel). */
  eol?: string;
  /** A UTF-8 byte-order mark first, so Excel opens the file as UTF-8 (GDAL and csv-parse skip it). */
  bom?: boolean;
  /** Column names whose cells are always quoted (codes with leading zeros). */
  quoted?: ReadonlySet<string>;
}

/** The header line, then one line per row; every cell through `csvCell`. */
export function toCsv(
  header: readonly string[],
  rows: readonly CsvValue[][],
  options: CsvOptions = {},
): string {
  const eol = options.eol ?? '\n';
  const quoted = header.map((h) => options.quoted?.has(h) ?? false);
  const lines = [header.map((h) => csvCell(h)).join(',')];
  for (const row of rows) lines.push(row.map((v, i) => csvCell(v, quoted[i])).join(','));
  return `${options.bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;
}

/** A column type GDAL's CSV driver reads from a `.csvt` file. */
export type CsvColumnType = 'String' | 'Integer' | 'Integer64' | 'Real' | 'Date' | 'DateTime' | 'WKT';

/** The `.csvt` sidecar: one line of quoted GDAL type names, in column order. */
export function csvtSidecar(types: readonly CsvColumnType[]): string {
  return `${types.map((t) => `"${t}"`).join(',')}\n`;
}

/**
 * WGS 84 (EPSG:4326) as OGC WKT 1 with its authority codes: the `.prj` sidecar. With the authority GDAL
 * identifies the CRS as EPSG:4326 (SRID 4326 in PostGIS, srs_id 4326 in a GeoPackage); an ESRI WKT without
 * it loads as a custom CRS (SRID 900914, srs_id 100000).
 */
export const WGS84_PRJ =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],' +
  'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],' +
  'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4326"]]';

/** Where the sidecars of a CSV output go: `deserts.csv` → `deserts.csvt` and `deserts.prj`. */
export function sidecarPaths(output: string): { csvt: string; prj: string } {
  const base = output.replace(/\.csv$/i, '');
  return { csvt: `${base}.csvt`, prj: `${base}.prj` };
}
