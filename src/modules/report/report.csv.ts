import { strToU8, zipSync } from 'fflate';
import type { CsvColumnType, CsvValue } from '../../csv.js';
import { WGS84_PRJ, csvCell, csvtSidecar, toCsv as sharedToCsv } from '../../csv.js';
import type { ReportLang } from './report.reasons.js';
import { eServiceName, gapReason, licenceLabel, serviceTypeName } from './report.reasons.js';
import type { MunicipalityReport } from './report.service.js';

/**
 * The plan's tables as CSV files in one zip (fflate), for planners' spreadsheets: UTF-8 with a BOM (Excel
 * opens it as UTF-8), comma-separated, RFC 4180 quoting, plain numbers (no thousands separators).
 */

type Cell = CsvValue;

export { csvCell };

/** UTF-8 with a BOM, CRLF, header first; every text cell formula-safe (src/csv.ts). */
export function toCsv(header: string[], rows: Cell[][]): string {
  return sharedToCsv(header, rows, { bom: true, eol: '\r\n' });
}

/**
 * GDAL column types per file (the `.csvt` written beside each CSV in the zip): names and codes String,
 * counts Integer, minutes and shares Real, the place columns Real and WKT.
 */
const TYPES: Record<string, CsvColumnType> = {
  population: 'Integer',
  population65Plus: 'Integer',
  populationBeyondThreshold: 'Integer',
  population65PlusBeyondThreshold: 'Integer',
  settlementsBeyondThreshold: 'Integer',
  populationLosingAccess: 'Integer',
  population65PlusLosingAccess: 'Integer',
  populationGainingAccess: 'Integer',
  populationBeyondThresholdDelta: 'Integer',
  marginalPopulation: 'Integer',
  potentialUsers: 'Integer',
  pointsWithUnknownHours: 'Integer',
  rank: 'Integer',
  rows: 'Integer',
  thresholdMinutes: 'Real',
  meanMinutesPopulationWeighted: 'Real',
  travelMinutes: 'Real',
  lon: 'Real',
  lat: 'Real',
  WKT: 'WKT',
};
const typeOf = (column: string): CsvColumnType => TYPES[column] ?? 'String';

/** A place as the last three columns: lon, lat and a WKT point GDAL reads as the geometry. */
const place = (lon: number | null | undefined, lat: number | null | undefined): Cell[] =>
  lon == null || lat == null ? [null, null, null] : [lon, lat, `POINT (${lon} ${lat})`];

/**
 * The CSV files of a report, by file name, in the plan's language: every cell of words (gap reasons, the
 * e-services' names, licence notes) reads as the HTML plan does. Column names and codes (serviceType, code,
 * kind, area) stay the API's identifiers, so a file joins with the API's answers and its .csvt keeps typing.
 */
export function reportCsvFiles(report: MunicipalityReport, lang: ReportLang): Record<string, string> {
  const typeName = (code: string) => serviceTypeName(report.catalogue, code, lang).toLowerCase();
  const files: Record<string, string> = {};
  // Rows that are settlements carry their place (the settlement of that name, when the name is unique).
  const byName = new Map<string, { lon: number; lat: number } | null>();
  for (const s of report.settlements) byName.set(s.name, byName.has(s.name) ? null : s);
  const placeOf = (name: string) => {
    const s = byName.get(name);
    return place(s?.lon, s?.lat);
  };
  files['settlements.csv'] = toCsv(
    ['name', 'kind', 'population', 'population65Plus', 'lon', 'lat', 'WKT'],
    report.settlements.map((s) => [s.name, s.kind, s.population, s.population65Plus, ...place(s.lon, s.lat)]),
  );
  files['indicators.csv'] = toCsv(
    [
      'serviceType',
      'area',
      'areaCode',
      'thresholdMinutes',
      'population',
      'populationBeyondThreshold',
      'population65PlusBeyondThreshold',
      'settlementsBeyondThreshold',
      'meanMinutesPopulationWeighted',
    ],
    report.indicators.flatMap((r) =>
      (
        [
          ['MUNICIPALITY', r.municipality],
          ['COUNTY', r.county],
        ] as const
      )
        .filter(([, row]) => row !== null)
        .map(([level, row]) => [
          r.serviceType,
          level,
          row!.areaCode,
          row!.thresholdMinutes,
          row!.population,
          row!.populationBeyondThreshold,
          row!.population65PlusBeyondThreshold,
          row!.settlementsBeyondThreshold,
          row!.meanMinutesPopulationWeighted,
        ]),
    ),
  );
  files['deserts.csv'] = toCsv(
    ['serviceType', 'settlement', 'population', 'travelMinutes', 'nearestServicePoint', 'lon', 'lat', 'WKT'],
    report.deserts.flatMap((x) =>
      x.settlements.map((s) => [
        x.serviceType,
        s.name,
        s.population,
        s.travelMinutes,
        s.nearest,
        ...placeOf(s.name),
      ]),
    ),
  );
  files['gaps.csv'] = toCsv(
    ['settlement', 'population', 'code', 'serviceType', 'reason', 'eService', 'lon', 'lat', 'WKT'],
    report.gaps.flatMap((g) =>
      g.flags.map((f) => [
        g.settlement,
        g.population,
        f.code,
        f.serviceType,
        gapReason(f, g.settlement, typeName(f.serviceType), lang),
        eServiceName(f.serviceType, f.eService, lang),
        ...placeOf(g.settlement),
      ]),
    ),
  );
  files['closure-impact.csv'] = toCsv(
    ['serviceType', 'servicePoint', 'populationLosingAccess', 'population65PlusLosingAccess', 'settlements'],
    report.closures.map((c) => [
      c.serviceType,
      c.point,
      c.populationLosingAccess,
      c.population65PlusLosingAccess,
      c.settlements.join('; '),
    ]),
  );
  files['site-suggestions.csv'] = toCsv(
    ['rank', 'settlement', 'marginalPopulation', 'serves', 'lon', 'lat', 'WKT'],
    report.sites.sites.map((s, i) => [
      i + 1,
      s.settlement,
      s.marginalPopulation,
      s.serves.join('; '),
      ...place(s.lon, s.lat),
    ]),
  );
  files['e-service-potential.csv'] = toCsv(
    ['serviceType', 'settlement', 'potentialUsers', 'eService', 'lon', 'lat', 'WKT'],
    report.eServices.map((x) => [
      x.serviceType,
      x.settlement,
      x.potentialUsers,
      eServiceName(x.serviceType, x.eService, lang),
      ...placeOf(x.settlement),
    ]),
  );
  files['changes.csv'] = toCsv(
    [
      'serviceType',
      'from',
      'to',
      'pointsOpened',
      'pointsClosed',
      'settlementsLosingAccess',
      'settlementsGainingAccess',
      'populationLosingAccess',
      'populationGainingAccess',
      'populationBeyondThresholdDelta',
    ],
    (report.changes?.perType ?? []).map((c) => [
      c.serviceType,
      report.changes!.from,
      report.changes!.to,
      c.pointsOpened.join('; '),
      c.pointsClosed.join('; '),
      c.settlementsLosingAccess.join('; '),
      c.settlementsGainingAccess.join('; '),
      c.populationLosingAccess,
      c.populationGainingAccess,
      c.populationBeyondThresholdDelta,
    ]),
  );
  files['weekend-access.csv'] = toCsv(
    ['serviceType', 'at', 'populationBeyondThreshold', 'population', 'pointsWithUnknownHours'],
    report.weekend.rows.flatMap((r) => [
      [
        r.serviceType,
        report.weekend.tuesday,
        r.tuesday?.populationBeyondThreshold,
        r.tuesday?.population,
        r.pointsWithUnknownHours,
      ],
      [
        r.serviceType,
        report.weekend.saturday,
        r.saturday?.populationBeyondThreshold,
        r.saturday?.population,
        r.pointsWithUnknownHours,
      ],
    ]),
  );
  files['sources.csv'] = toCsv(
    ['table', 'source', 'rows', 'lastChanged', 'licence'],
    report.sources.map((s) => [s.table, s.source, s.rows, s.lastImport, licenceLabel(s.licence, lang)]),
  );
  return files;
}

/**
 * The sidecars GDAL and QGIS read beside each CSV: `<name>.csvt` (column types: codes stay text) and, for a
 * file whose rows are places (a WKT column), `<name>.prj` (WGS 84, EPSG:4326).
 */
export function reportCsvSidecars(files: Record<string, string>): Record<string, string> {
  const sidecars: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    const header = text
      .replace(/^\uFEFF/, '')
      .split('\r\n')[0]!
      .split(',');
    const base = name.replace(/\.csv$/, '');
    sidecars[`${base}.csvt`] = csvtSidecar(header.map(typeOf));
    if (header.includes('WKT')) sidecars[`${base}.prj`] = WGS84_PRJ;
  }
  return sidecars;
}

/** The zip of every CSV file and its sidecars (deflated), in the plan's language. */
export function reportCsvZip(report: MunicipalityReport, lang: ReportLang): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  const files = reportCsvFiles(report, lang);
  for (const [name, text] of Object.entries({ ...files, ...reportCsvSidecars(files) }))
    entries[name] = strToU8(text);
  return zipSync(entries, { level: 6 });
}
