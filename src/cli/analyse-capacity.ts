import { resolveTravelModel } from '../modules/access/access.service.js';
import { validAreaOf } from '../modules/access/area-settlements.js';
import { listAreaGeometries, listAreas } from '../modules/areas/area.repository.js';
import type { AreaCapacity, PointLoad } from '../modules/capacity/capacity.service.js';
import { analyseCapacity, areaCapacities, pointLoads } from '../modules/capacity/capacity.service.js';
import type { NeedBase } from '../engine/types.js';
import type { CsvColumnType } from '../csv.js';
import { csvtSidecar, sidecarPaths, toCsv } from '../csv.js';
import { areaOption, thresholdOption } from './analyse.js';
import type { CliCommand } from './command.js';
import { output } from './command.js';
import { CliError } from './errors.js';

/** Options of `serviceatlas analyse capacity`. */
export interface AnalyseCapacityOptions {
  serviceType: string;
  area?: string;
  threshold?: string;
  demand?: string;
  format: string;
  output?: string;
  wait?: string;
}

const AREA_COLUMNS = [
  'level',
  'areaCode',
  'areaName',
  'populationBase',
  'demand',
  'need',
  'placesInside',
  'placesReachable',
  'shortfall',
  'meanAccess',
] as const;

/** GDAL column types (the `.csvt` beside `--output x.csv`): codes and names text, figures Real. */
export const CAPACITY_COLUMN_TYPES: readonly CsvColumnType[] = AREA_COLUMNS.map((c) =>
  c === 'level' || c === 'areaCode' || c === 'areaName' || c === 'populationBase' ? 'String' : 'Real',
);
const r2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

type AreaRow = AreaCapacity & { areaName: string | null };

function areaValues(a: AreaRow): Record<(typeof AREA_COLUMNS)[number], string | number | null> {
  return {
    level: a.level,
    areaCode: a.areaCode,
    areaName: a.areaName,
    populationBase: a.populationBase,
    demand: r2(a.demand),
    need: r2(a.need),
    placesInside: r2(a.placesInside),
    placesReachable: r2(a.placesReachable),
    shortfall: r2(a.shortfall),
    meanAccess: a.meanAccess === null ? null : Number(a.meanAccess.toPrecision(6)),
  };
}

/**
 * One row per municipality, then per county: need, places inside, places reachable, shortfall. The header
 * is the first line (the method, in words, goes to stderr and into the GeoJSON); codes and names quoted,
 * names neutralised against formula injection.
 */
export function capacityToCsv(areas: readonly AreaRow[]): string {
  return toCsv(
    AREA_COLUMNS,
    areas.map((a) => {
      const v = areaValues(a);
      return AREA_COLUMNS.map((c) => v[c]);
    }),
    { quoted: new Set(['areaCode', 'areaName']) },
  );
}

/** Areas (their stored boundary, or no geometry) and capacitated points (with R_j) as one FeatureCollection. */
export function capacityToGeoJson(
  areas: readonly AreaRow[],
  points: readonly PointLoad[],
  geometries: ReadonlyMap<string, unknown>,
  method: string,
): string {
  return JSON.stringify({
    type: 'FeatureCollection',
    method,
    features: [
      ...areas.map((a) => ({
        type: 'Feature',
        geometry: geometries.get(a.areaCode) ?? null,
        properties: { layer: 'areas', ...areaValues(a) },
      })),
      ...points.map((p) => ({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [p.servicePoint.lon, p.servicePoint.lat] },
        properties: {
          layer: 'service-points',
          id: p.servicePoint.id,
          name: p.servicePoint.name,
          municipalityCode: p.servicePoint.municipalityCode,
          capacity: p.capacity,
          demandInCatchment: r2(p.demandInCatchment),
          ratio: Number(p.ratio.toPrecision(6)),
        },
      })),
    ],
  });
}

const DEMANDS: readonly NeedBase[] = ['POPULATION', 'AGE_65_PLUS', 'AGE_80_PLUS'];

/**
 * `serviceatlas analyse capacity --service-type X [--area code] [--threshold m] [--demand base] [--format csv|geojson]`:
 * 2SFCA per municipality and county (capacity.service.ts, as `capacityAccess`), the residents of the area
 * by their codes; an unknown area code is refused (NOT_FOUND, as in the API).
 */
export const analyseCapacityCommand: CliCommand<AnalyseCapacityOptions> = {
  name: 'analyse capacity',
  reads: true,
  check(values) {
    if (values.format !== 'csv' && values.format !== 'geojson')
      throw new CliError('--format must be csv or geojson');
    areaOption(values.area);
    demandOption(values.demand);
    thresholdOption(values.threshold);
  },
  async run({ db, config, services }, values) {
    const deps = services.deps();
    const code = values.serviceType.toUpperCase();
    const { format, area } = values;
    const demand = demandOption(values.demand);
    const threshold = thresholdOption(values.threshold);
    await validAreaOf(deps, areaOption(area));
    const snapshot = await deps.snapshot();
    if (!snapshot.catalogue.some((t) => t.code === code))
      throw new CliError(
        `unknown service type ${code}; known: ${snapshot.catalogue.map((t) => t.code).join(', ')}`,
      );
    const model = resolveTravelModel(config.travelModel);
    const analysis = analyseCapacity(snapshot, { code, model, thresholdMinutes: threshold, demand });
    const origins = snapshot.residents().origins;
    const residentIdx =
      area === undefined
        ? null
        : [...origins.keys()].filter((i) =>
            area.length === 4 ? origins[i]!.municipalityCode === area : origins[i]!.countyCode === area,
          );
    const names = new Map((await listAreas(db)).map((a) => [a.code, a.name]));
    const areas = areaCapacities(snapshot, analysis, residentIdx).map((a) => ({
      ...a,
      areaName: names.get(a.areaCode) ?? null,
    }));
    const points = pointLoads(snapshot, analysis, residentIdx);
    let text: string;
    if (format === 'csv') text = capacityToCsv(areas);
    else {
      const geometries = new Map<string, unknown>();
      for (const level of ['MUNICIPALITY', 'COUNTY'] as const)
        for (const g of await listAreaGeometries(db, level)) geometries.set(g.code, g.geometry);
      text = capacityToGeoJson(areas, points, geometries, analysis.settings.method);
    }
    const short = areas.filter((a) => a.level === 'MUNICIPALITY' && (a.shortfall ?? 0) > 0).length;
    const summary =
      `${code}: ${analysis.result.pointsUsed} points with a capacity, ${areas.filter((a) => a.level === 'MUNICIPALITY').length} municipalities` +
      (analysis.settings.needRule ? `, ${short} short of places` : ' (no need rule: no shortfall)') +
      (values.output ? `; written to ${values.output}` : '');
    return output(
      values.output ? '' : text,
      [`${code}: ${analysis.settings.method}`, summary],
      values.output
        ? [
            { path: values.output, content: text },
            ...(format === 'csv'
              ? [{ path: sidecarPaths(values.output).csvt, content: csvtSidecar(CAPACITY_COLUMN_TYPES) }]
              : []),
          ]
        : [],
    );
  },
};

function demandOption(value: string | undefined): NeedBase | undefined {
  const demand = value?.toUpperCase() as NeedBase | undefined;
  if (demand !== undefined && !DEMANDS.includes(demand))
    throw new CliError(`--demand must be one of ${DEMANDS.join(', ')}`);
  return demand;
}
