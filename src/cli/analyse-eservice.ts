import { resolveTravelModel } from '../modules/access/access.service.js';
import type { EServiceTarget, EServiceTargetsResult } from '../modules/eservice/eservice-targets.js';
import { eServiceTargetsFromDb } from '../modules/eservice/eservice-targets.js';
import { CliError } from './errors.js';
import { type CliCommand, output } from './command.js';

type Cell = string | number | boolean | null;
type GdalType = 'String' | 'Integer' | 'Real' | 'Integer(Boolean)' | 'WKT';

/** The columns, in order, with their GDAL types (the `.csvt`). */
export const ESERVICE_COLUMNS: readonly {
  name: string;
  type: GdalType;
  value: (t: EServiceTarget) => Cell;
}[] = [
  { name: 'rank', type: 'Integer', value: (t) => t.rank },
  { name: 'originId', type: 'String', value: (t) => t.originId },
  { name: 'originKind', type: 'String', value: (t) => t.originKind },
  { name: 'name', type: 'String', value: (t) => t.name },
  { name: 'municipalityCode', type: 'String', value: (t) => t.municipalityCode },
  { name: 'countyCode', type: 'String', value: (t) => t.countyCode },
  { name: 'population', type: 'Integer', value: (t) => t.population },
  { name: 'population65Plus', type: 'Integer', value: (t) => t.population65Plus },
  { name: 'serviceType', type: 'String', value: (t) => t.serviceType },
  { name: 'eService', type: 'String', value: (t) => t.eService },
  { name: 'adequacy', type: 'String', value: (t) => t.adequacy },
  { name: 'travelMinutes', type: 'Real', value: (t) => round(t.travelMinutes, 1) },
  { name: 'travelKm', type: 'Real', value: (t) => round(t.travelKm, 3) },
  { name: 'thresholdMinutes', type: 'Real', value: (t) => t.thresholdMinutes },
  { name: 'method', type: 'String', value: (t) => t.method },
  { name: 'nearestServicePointId', type: 'String', value: (t) => t.nearestServicePointId },
  { name: 'connectivityKnown', type: 'Integer(Boolean)', value: (t) => t.connectivityKnown },
  { name: 'broadbandShare', type: 'Real', value: (t) => t.broadbandShare },
  { name: 'gigabitShare', type: 'Real', value: (t) => t.gigabitShare },
  { name: 'mobileCoverage', type: 'Real', value: (t) => t.mobileCoverage },
  { name: 'connectivityLevel', type: 'String', value: (t) => t.connectivityLevel },
  { name: 'connectivitySource', type: 'String', value: (t) => t.connectivitySource },
  { name: 'connectivityGenerated', type: 'Integer(Boolean)', value: (t) => t.connectivityGenerated },
  { name: 'potentialUsers', type: 'Real', value: (t) => round(t.potentialUsers, 2) },
  { name: 'lon', type: 'Real', value: (t) => t.lon },
  { name: 'lat', type: 'Real', value: (t) => t.lat },
  { name: 'WKT', type: 'WKT', value: (t) => `POINT (${t.lon} ${t.lat})` },
];

function round(v: number | null, digits: number): number | null {
  return v === null ? null : Number(v.toFixed(digits));
}

/**
 * One CSV cell (RFC 4180). Text is always quoted when it is a String column (codes such as "0114" stay
 * text in tools that guess types), and text starting with = + - @ tab or carriage return gets a leading
 * apostrophe (OWASP CSV injection), so a spreadsheet shows it instead of running it. Numbers are written
 * as numbers (a negative longitude is not a formula); booleans as 1/0 (GDAL's Integer(Boolean)).
 */
export function eServiceCsvCell(value: Cell, type: GdalType): string {
  if (value === null) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (typeof value === 'number') return String(value);
  let text = value;
  if (type === 'WKT') return `"${text}"`;
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

/** The CSV: the header row first, one target a row, ranked. */
export function eServiceTargetsToCsv(targets: readonly EServiceTarget[]): string {
  const lines = [ESERVICE_COLUMNS.map((c) => c.name).join(',')];
  for (const t of targets)
    lines.push(ESERVICE_COLUMNS.map((c) => eServiceCsvCell(c.value(t), c.type)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** The `.csvt` sidecar: the GDAL type of each column, in order. */
export function eServiceCsvt(): string {
  return `${ESERVICE_COLUMNS.map((c) => `"${c.type}"`).join(',')}\r\n`;
}

/** WGS 84 as OGC WKT with the EPSG authority, the `.prj` GDAL reads beside the CSV (EPSG:4326). */
export const EPSG_4326_PRJ =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],' +
  'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],' +
  'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],' +
  'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';

/** A GeoJSON FeatureCollection of the targets (points, the CSV's properties without the position columns). */
export function eServiceTargetsToGeoJson(result: EServiceTargetsResult): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    features: result.targets.map((t) => ({
      type: 'Feature',
      id: `${t.originKind === 'GRID_CELL' ? 'cell' : 'settlement'}:${t.originId}`,
      geometry: { type: 'Point', coordinates: [t.lon, t.lat] },
      properties: Object.fromEntries(
        ESERVICE_COLUMNS.filter((c) => !['lon', 'lat', 'WKT'].includes(c.name)).map((c) => [
          c.name,
          c.value(t),
        ]),
      ),
    })),
  });
}

/** Options of `serviceatlas analyse e-service` (parsed by commander in cli/index.ts). */
export interface AnalyseEServiceOptions {
  serviceType: string;
  area?: string;
  threshold?: string;
  minBroadbandShare?: string;
  weight65Plus?: string;
  knownConnectivityOnly?: boolean;
  format: string;
  output?: string;
  wait?: string;
}

function shareOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1)
    throw new CliError(`${name} must be a number between 0 and 1, got "${value}"`);
  return n;
}

function thresholdOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const threshold = Number(value);
  if (value.trim() === '' || !Number.isFinite(threshold) || threshold <= 0 || threshold > 600)
    throw new CliError(`--threshold must be a number of minutes in (0, 600], got "${value}"`);
  return threshold;
}

/**
 * `analyse e-service` as a command that runs here or through the server holding the embedded data
 * directory (src/cli/command.ts): the same targets, the same bytes either way.
 */
export const analyseEServiceCommand: CliCommand<AnalyseEServiceOptions> = {
  name: 'analyse e-service',
  reads: true,
  check(values) {
    if (values.format !== 'csv' && values.format !== 'geojson')
      throw new CliError('--format must be csv or geojson');
    if (values.area !== undefined && !/^\d{2}(\d{2})?$/.test(values.area))
      throw new CliError(
        '--area must be a 4-digit municipality code (e.g. 2085) or a 2-digit county code (e.g. 20)',
      );
    thresholdOption(values.threshold);
    shareOption('--min-broadband-share', values.minBroadbandShare);
    shareOption('--weight-65-plus', values.weight65Plus);
  },
  async run({ db, config, services }, values) {
    const code = values.serviceType.toUpperCase();
    const { format, area } = values;
    const threshold = thresholdOption(values.threshold);
    const minBroadbandShare = shareOption('--min-broadband-share', values.minBroadbandShare);
    const weight65Plus = shareOption('--weight-65-plus', values.weight65Plus);
    const snapshot = await services.deps().snapshot();
    if (!snapshot.catalogue.some((t) => t.code === code)) {
      throw new CliError(
        `unknown service type ${code}; known: ${snapshot.catalogue.map((t) => t.code).join(', ')}`,
      );
    }
    // Membership by code: the origins (squares and settlements) carry their municipality and county codes.
    const origins = snapshot.residents().origins;
    const residentIndices: number[] = [];
    origins.forEach((o, i) => {
      if (area === undefined || (area.length === 4 ? o.municipalityCode === area : o.countyCode === area))
        residentIndices.push(i);
    });
    let result: EServiceTargetsResult;
    try {
      result = await eServiceTargetsFromDb(
        db,
        snapshot,
        residentIndices,
        resolveTravelModel(config.travelModel),
        {
          serviceType: code,
          thresholdMinutes: threshold,
          minBroadbandShare: minBroadbandShare ?? config.minBroadbandShare,
          weight65Plus,
          knownConnectivityOnly: values.knownConnectivityOnly === true,
        },
      );
    } catch (error) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code;
      if (code === 'BAD_USER_INPUT') throw new CliError((error as Error).message);
      throw error;
    }
    const text = format === 'csv' ? eServiceTargetsToCsv(result.targets) : eServiceTargetsToGeoJson(result);
    const sum = (pick: (t: EServiceTarget) => number) => result.targets.reduce((s, t) => s + pick(t), 0);
    const unknown = result.targets.filter((t) => !t.connectivityKnown);
    const generated = result.targets.some((t) => t.connectivityGenerated);
    const summary =
      result.eService === null
        ? `${code} has no digital substitute: no e-service targets (${residentIndices.length} resident origins, base ${result.populationBase})`
        : `${result.targets.length} e-service targets for ${code} (${result.eService}) over ${residentIndices.length} resident origins ` +
          `(base ${result.populationBase}): ${sum((t) => t.population)} people, ${sum((t) => t.population65Plus ?? 0)} aged 65+ where known; ` +
          `${unknown.length} with connectivity unknown` +
          (generated ? '; connectivity figures include GENERATED (demo) values' : '') +
          (values.output ? `; written to ${values.output}` : '');
    if (!values.output) return output(text, [summary]);
    const base = values.output.replace(/\.csv$/i, '');
    return output(
      '',
      [summary],
      [
        { path: values.output, content: text },
        ...(format === 'csv'
          ? [
              { path: `${base}.csvt`, content: eServiceCsvt() },
              { path: `${base}.prj`, content: EPSG_4326_PRJ },
            ]
          : []),
      ],
    );
  },
};
