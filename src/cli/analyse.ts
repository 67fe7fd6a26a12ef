import type { AreaFilter } from '../geo/area-filter.js';
import type { DesertRow } from '../modules/access/access.service.js';
import { desertsAmong, resolveTravelModel, validateThreshold } from '../modules/access/access.service.js';
import { settlementsInArea } from '../modules/access/area-settlements.js';
import { WGS84_PRJ, csvtSidecar, sidecarPaths, toCsv } from '../csv.js';
import type { CsvColumnType } from '../csv.js';
import type { CliCommand, CommandOutput } from './command.js';
import { output } from './command.js';
import { CliError } from './errors.js';

const COLUMNS = [
  'settlementId',
  'name',
  'kind',
  'municipalityCode',
  'countyCode',
  'population',
  'population65Plus',
  'serviceType',
  'nearestServicePointId',
  'nearestServicePoint',
  'straightLineKm',
  'travelKm',
  'travelMinutes',
  'thresholdMinutes',
  'method',
] as const;

function rowValues(d: DesertRow): Record<(typeof COLUMNS)[number], string | number | null> {
  const round = (v: number | null, digits: number) => (v === null ? null : Number(v.toFixed(digits)));
  return {
    settlementId: d.settlement.id,
    name: d.settlement.name,
    kind: d.settlement.kind,
    municipalityCode: d.settlement.municipalityCode,
    countyCode: d.settlement.countyCode,
    population: d.settlement.population,
    population65Plus: d.settlement.population65Plus,
    serviceType: d.access.serviceType,
    nearestServicePointId: d.access.servicePoint?.id ?? null,
    nearestServicePoint: d.access.servicePoint?.name ?? null,
    straightLineKm: round(d.access.straightLineKm, 3),
    travelKm: round(d.access.travelKm, 3),
    travelMinutes: round(d.access.travelMinutes, 1),
    thresholdMinutes: d.access.thresholdMinutes,
    method: d.access.method,
  };
}

/** The CSV's extra columns: the position as numbers and as WKT (GDAL's CSV driver reads a "WKT" column). */
const POSITION_COLUMNS = ['lon', 'lat', 'WKT'] as const;

/**
 * GDAL types of the CSV columns, in order: the `.csvt` sidecar. Without it GDAL reads every column as a
 * string; with type guessing it would read codes such as "0114" (Upplands Väsby) as the number 114.
 * Codes and ids are String; the WKT column becomes the layer's point geometry.
 */
export const CSV_COLUMN_TYPES: readonly CsvColumnType[] = [
  ...COLUMNS.map(
    (c): CsvColumnType =>
      c === 'population' || c === 'population65Plus'
        ? 'Integer'
        : ['straightLineKm', 'travelKm', 'travelMinutes', 'thresholdMinutes'].includes(c)
          ? 'Real'
          : 'String',
  ),
  'Real',
  'Real',
  'WKT',
];

/** Columns whose values are codes with meaningful leading zeros: always quoted, so they stay text. */
const TEXT_CODES = new Set<string>(['municipalityCode', 'countyCode']);

/**
 * Planner-ready CSV (one desert a row, header first, RFC 4180 quoting, names neutralised against formula
 * injection), ending with lon, lat and a WKT point (WGS84). Municipality and county codes are quoted so
 * tools that guess types keep "0114" as text.
 */
export function desertsToCsv(rows: readonly DesertRow[]): string {
  return toCsv(
    [...COLUMNS, ...POSITION_COLUMNS],
    rows.map((r) => {
      const v = rowValues(r);
      const { lon, lat } = r.settlement;
      return [...COLUMNS.map((c) => v[c]), lon, lat, `POINT (${lon} ${lat})`];
    }),
    { quoted: TEXT_CODES },
  );
}

/** The `.csvt` sidecar GDAL reads next to `<name>.csv` (one line of quoted type names). */
export function desertsCsvt(): string {
  return csvtSidecar(CSV_COLUMN_TYPES);
}

/** A GeoJSON FeatureCollection of the deserts (settlement points with the same properties as the CSV). */
export function desertsToGeoJson(rows: readonly DesertRow[]): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: rows.map((r) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [r.settlement.lon, r.settlement.lat] },
      properties: rowValues(r),
    })),
  });
}

/**
 * The summary line of `analyse deserts` (stderr), saying what it counts: settlements and the sum of their
 * own populations — not every resident, which `accessIndicators` counts by population grid where one is
 * imported — and 65+ only where it is known, or that it is not known.
 */
export function desertsSummary(
  rows: readonly DesertRow[],
  settlements: number,
  code: string,
  output: string | undefined,
): string {
  const people = rows.reduce((s, r) => s + r.settlement.population, 0);
  const known = rows.filter((r) => r.settlement.population65Plus !== null);
  const elderly = known.reduce((s, r) => s + r.settlement.population65Plus!, 0);
  const aged =
    rows.length === 0
      ? ''
      : known.length === 0
        ? '; 65+ is not known for any of them'
        : known.length === rows.length
          ? `, ${elderly} of them aged 65+`
          : `; ${elderly} aged 65+ in the ${known.length} of them where 65+ is known`;
  return (
    `${rows.length} of ${settlements} settlements are beyond the ${code} threshold; ` +
    `together they have ${people} inhabitants (the sum of the settlements' own populations, not every ` +
    `resident of the area: accessIndicators.populationBeyondThreshold counts those, by population grid where one is imported)${aged}` +
    (output ? `; written to ${output}` : '')
  );
}

/** Options of `serviceatlas analyse deserts` (parsed by commander in cli/index.ts). */
export interface AnalyseDesertsOptions {
  serviceType: string;
  area?: string;
  threshold?: string;
  format: string;
  output?: string;
  /** Seconds to wait for the embedded data directory when another process holds it. */
  wait?: string;
}

/** `--area` as an area filter: a 4-digit municipality or a 2-digit county code (CliError otherwise). */
export function areaOption(area: string | undefined): AreaFilter {
  if (area === undefined) return {};
  if (!/^\d{2}(\d{2})?$/.test(area))
    throw new CliError(
      '--area must be a 4-digit municipality code (e.g. 2085) or a 2-digit county code (e.g. 20)',
    );
  return area.length === 4 ? { municipalityCode: area } : { countyCode: area };
}

/** `--threshold` as minutes (CliError naming the option otherwise). */
export function thresholdOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  try {
    return validateThreshold(Number(value));
  } catch (error) {
    throw new CliError(`--threshold: ${(error as Error).message}`);
  }
}

/**
 * `serviceatlas analyse deserts --service-type X [--area code] [--threshold m] [--format csv|geojson] [--output f]`:
 * the settlements of the area beyond the type's threshold, from the same use cases as `serviceDeserts`
 * (settlementsInArea: an unknown area code is refused; desertsAmong).
 */
export const analyseDeserts: CliCommand<AnalyseDesertsOptions> = {
  name: 'analyse deserts',
  reads: true,
  check(values) {
    if (values.format !== 'csv' && values.format !== 'geojson')
      throw new CliError('--format must be csv or geojson');
    areaOption(values.area);
    thresholdOption(values.threshold);
  },
  async run({ services, config }, values) {
    const deps = services.deps();
    const code = values.serviceType.toUpperCase();
    const threshold = thresholdOption(values.threshold);
    const { catalogue } = await deps.snapshot();
    if (!catalogue.some((t) => t.code === code))
      throw new CliError(`unknown service type ${code}; known: ${catalogue.map((t) => t.code).join(', ')}`);
    const { snapshot, indices } = await settlementsInArea(deps, areaOption(values.area));
    const rows = desertsAmong(snapshot, indices, code, resolveTravelModel(config.travelModel), threshold);
    const text = values.format === 'csv' ? desertsToCsv(rows) : desertsToGeoJson(rows);
    const files: CommandOutput['files'] = [];
    if (values.output) {
      files.push({ path: values.output, content: text });
      if (values.format === 'csv') {
        const sidecars = sidecarPaths(values.output);
        files.push(
          { path: sidecars.csvt, content: desertsCsvt() },
          { path: sidecars.prj, content: WGS84_PRJ },
        );
      }
    }
    const summary = desertsSummary(rows, indices.length, code, values.output);
    return output(values.output ? '' : text, [summary], files);
  },
};
