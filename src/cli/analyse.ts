import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { App } from '../app.js';
import { loadConfig } from '../config.js';
import { DataDirBusyError } from '../db/data-dir-lock.js';
import type { DesertRow } from '../modules/access/access.service.js';
import { desertsAmong, resolveTravelModel, validateThreshold } from '../modules/access/access.service.js';
import { loadSnapshot } from '../modules/access/snapshot.js';
import { findSettlementIdsInArea } from '../modules/settlements/settlement.repository.js';
import { CliError } from './errors.js';
import { isReadyServer, openForCli, parseWait } from './import.js';

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

const csvCell = (v: string | number | null) => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Planner-ready CSV (one desert a row, RFC 4180 quoting). */
export function desertsToCsv(rows: readonly DesertRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of rows) {
    const v = rowValues(r);
    lines.push(COLUMNS.map((c) => csvCell(v[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
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

/** `serviceatlas analyse deserts --service-type X [--area code] [--threshold m] [--format csv|geojson] [--output f]` */
export async function runAnalyseCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'service-type': { type: 'string' },
      area: { type: 'string' },
      threshold: { type: 'string' },
      format: { type: 'string', default: 'csv' },
      output: { type: 'string' },
      wait: { type: 'string' },
    },
  });
  if (positionals[0] !== 'deserts') throw new CliError('analyse takes one analysis: deserts');
  const code = values['service-type']?.toUpperCase();
  if (!code) throw new CliError('--service-type is required (e.g. --service-type GROCERY)');
  const format = values.format;
  if (format !== 'csv' && format !== 'geojson') throw new CliError('--format must be csv or geojson');
  const area = values.area;
  if (area !== undefined && !/^\d{2}(\d{2})?$/.test(area)) {
    throw new CliError(
      '--area must be a 4-digit municipality code (e.g. 2085) or a 2-digit county code (e.g. 20)',
    );
  }
  let threshold: number | undefined;
  if (values.threshold !== undefined) {
    try {
      threshold = validateThreshold(Number(values.threshold));
    } catch (error) {
      throw new CliError(`--threshold: ${(error as Error).message}`);
    }
  }
  const config = loadConfig();
  const waitMs = parseWait(values.wait, config.lockWaitSeconds);
  let app: App;
  try {
    app = await openForCli('analyse deserts', waitMs);
  } catch (error) {
    if (error instanceof DataDirBusyError && isReadyServer(error.holder)) {
      // The server holds the embedded database; the same analysis is one GraphQL query away.
      const url = `http://localhost:${error.holder.port}/graphql`;
      throw new DataDirBusyError(
        error.dataDir,
        error.holder,
        `${error.message}, so this command cannot open it. Ask the running API instead: POST ${url} ` +
          `{ serviceDeserts(serviceType: ${code}${threshold === undefined ? '' : `, thresholdMinutes: ${threshold}`}) { … } }, ` +
          'or stop the server and run the command again.',
      );
    }
    throw error;
  }
  try {
    const snapshot = await loadSnapshot(app.db);
    if (!snapshot.catalogue.some((t) => t.code === code)) {
      throw new CliError(
        `unknown service type ${code}; known: ${snapshot.catalogue.map((t) => t.code).join(', ')}`,
      );
    }
    const filter =
      area === undefined ? {} : area.length === 4 ? { municipalityCode: area } : { countyCode: area };
    const ids = (await findSettlementIdsInArea(app.db, filter)) ?? snapshot.settlements.map((s) => s.id);
    const rows = desertsAmong(
      snapshot,
      snapshot.indicesOf(ids),
      code,
      resolveTravelModel(config.travelModel),
      threshold,
    );
    const text = format === 'csv' ? desertsToCsv(rows) : desertsToGeoJson(rows);
    if (values.output) writeFileSync(values.output, text);
    else process.stdout.write(text);
    const people = rows.reduce((s, r) => s + r.settlement.population, 0);
    const elderly = rows.reduce((s, r) => s + (r.settlement.population65Plus ?? 0), 0);
    console.error(
      `${rows.length} of ${ids.length} settlements are beyond the ${code} threshold: ${people} people (${elderly} aged 65+ where known)` +
        (values.output ? `; written to ${values.output}` : ''),
    );
    return 0;
  } finally {
    await app.close();
  }
}
