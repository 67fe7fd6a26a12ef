import { strToU8, zipSync } from 'fflate';
import type { MunicipalityReport } from './report.service.js';

/**
 * The plan's tables as CSV files in one zip (fflate), for planners' spreadsheets: UTF-8 with a BOM (Excel
 * opens it as UTF-8), comma-separated, RFC 4180 quoting, plain numbers (no thousands separators).
 */

type Cell = string | number | boolean | null | undefined;

/** One CSV cell, quoted when it holds a comma, quote or line break; a formula-looking text is defused. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  // Spreadsheets run cells starting with = + - @ as formulas; names from data must never do that.
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return `\uFEFF${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/** The CSV files of a report, by file name. */
export function reportCsvFiles(report: MunicipalityReport): Record<string, string> {
  const files: Record<string, string> = {};
  files['settlements.csv'] = toCsv(
    ['name', 'kind', 'population', 'population65Plus', 'lon', 'lat'],
    report.settlements.map((s) => [s.name, s.kind, s.population, s.population65Plus, s.lon, s.lat]),
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
    ['serviceType', 'settlement', 'population', 'travelMinutes', 'nearestServicePoint'],
    report.deserts.flatMap((x) =>
      x.settlements.map((s) => [x.serviceType, s.name, s.population, s.travelMinutes, s.nearest]),
    ),
  );
  files['gaps.csv'] = toCsv(
    ['settlement', 'population', 'code', 'serviceType', 'reason', 'eService'],
    report.gaps.flatMap((g) =>
      g.flags.map((f) => [g.settlement, g.population, f.code, f.serviceType, f.reason, f.eService]),
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
    ['rank', 'settlement', 'lon', 'lat', 'marginalPopulation', 'serves'],
    report.sites.sites.map((s, i) => [
      i + 1,
      s.settlement,
      s.lon,
      s.lat,
      s.marginalPopulation,
      s.serves.join('; '),
    ]),
  );
  files['e-service-potential.csv'] = toCsv(
    ['serviceType', 'settlement', 'potentialUsers', 'eService'],
    report.eServices.map((x) => [x.serviceType, x.settlement, x.potentialUsers, x.eService]),
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
    report.sources.map((s) => [s.table, s.source, s.rows, s.lastImport, s.licence]),
  );
  return files;
}

/** The zip of every CSV file (deflated). */
export function reportCsvZip(report: MunicipalityReport): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, text] of Object.entries(reportCsvFiles(report))) entries[name] = strToU8(text);
  return zipSync(entries, { level: 6 });
}
