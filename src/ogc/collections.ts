import type { Geometry } from 'geojson';
import { LRUCache } from 'lru-cache';
import { ANONYMOUS, type Viewer } from '../auth.js';
import { createContext } from '../context.js';
import type { DataVersions } from '../db/data-version.js';
import { gapFlagsFromTable } from '../engine/gaps.js';
import { residentsInArea } from '../modules/access/area-settlements.js';
import { accessFromTable, desertsAmong, indicatorsWithBase } from '../modules/access/access.service.js';
import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import { listAreas } from '../modules/areas/area.repository.js';
import { mapLayersFor } from '../modules/map/map-layers.js';
import { findServicePoints, type ServicePoint } from '../modules/service-points/service-point.repository.js';
import type { Settlement } from '../modules/settlements/settlement.repository.js';
import type { Services } from '../services.js';
import { runAnalysis } from '../workers/run-analysis.js';
import { fieldWork } from '../limits/work-cost.js';
import { workScaleOf } from '../limits/work-scale.js';
import type { PropertyValue, QueryableType } from './cql2.js';
import { invalidParameter, OgcError } from './errors.js';

/**
 * The collections of the OGC API, each read from the same services, snapshot and use cases the GraphQL
 * API answers from (access tables, gap flags, desertsAmong, indicatorsWithBase, the serviceAreas
 * analysis job, the map layers' area outlines and grid) — nothing here analyses anything itself.
 */

/** One feature as the collections produce it: CRS84 geometry, flat typed properties. */
export interface OgcFeature {
  id: string;
  geometry: Geometry | null;
  properties: Record<string, PropertyValue>;
}

/** What a request asks of a collection beyond paging and filtering. */
export interface CollectionQuery {
  /** YYYY-MM-DD (`datetime`), null = today. */
  asOf: string | null;
  /** Service type code (`serviceType`), where the collection takes one. */
  serviceType: string | null;
  /** `minutes`: thresholds (deserts: one) or service-area times. */
  minutes: number[] | null;
}

export interface Queryable {
  type: QueryableType;
  title: string;
  /** JSON Schema `format` (dates) or enum values. */
  format?: string;
  enum?: string[];
}

export interface CollectionInfo {
  id: string;
  title: string;
  description: string;
  geometryType: 'Point' | 'Polygon' | 'MultiPolygon' | 'Polygon/MultiPolygon';
  /** Extra query parameters the collection takes. */
  parameters: readonly ('serviceType' | 'minutes')[];
  /** Whether `datetime` applies. */
  temporal: boolean;
}

export interface ResolvedCollection extends CollectionInfo {
  queryables: Record<string, Queryable>;
  /** Every feature of the question, in the collection's order (the handler filters and pages). */
  features(query: CollectionQuery): Promise<OgcFeature[]>;
}

const round = (v: number | null | undefined, decimals: number): number | null =>
  v === null || v === undefined || !Number.isFinite(v)
    ? null
    : Math.round(v * 10 ** decimals) / 10 ** decimals;

const typeKey = (code: string): string => code.toLowerCase();

/** The properties every settlement-based feature has. */
function settlementBase(s: Settlement): Record<string, PropertyValue> {
  return {
    name: s.name,
    kind: s.kind,
    population: s.population,
    population65Plus: s.population65Plus,
    municipalityCode: s.municipalityCode,
    countyCode: s.countyCode,
    broadbandShare: s.broadbandShare,
    externalId: s.externalId,
  };
}

const SETTLEMENT_BASE_QUERYABLES: Record<string, Queryable> = {
  name: { type: 'string', title: 'Name' },
  kind: { type: 'string', title: 'Kind of place', enum: ['TATORT', 'SMAORT', 'VILLAGE', 'GRID_CELL'] },
  population: { type: 'integer', title: 'Inhabitants' },
  population65Plus: { type: 'integer', title: 'Inhabitants aged 65+' },
  municipalityCode: { type: 'string', title: 'SCB municipality (kommun) code' },
  countyCode: { type: 'string', title: 'SCB county (län) code' },
  broadbandShare: { type: 'number', title: 'Share of households with fast broadband (0..1)' },
  externalId: { type: 'string', title: 'Id in the source data' },
};

export const COLLECTIONS: readonly CollectionInfo[] = [
  {
    id: 'settlements',
    title: 'Settlements with access per service type',
    description:
      'Every settlement with its access to each service type: <type>_minutes, <type>_km (travel), <type>_within ' +
      '(within the type threshold), <type>_method (NETWORK or ESTIMATED), type codes in lower case; gapFlags lists ' +
      'TYPE:GAP_CODE pairs. The same figures as GraphQL Settlement.access and Settlement.gaps.',
    geometryType: 'Point',
    parameters: [],
    temporal: true,
  },
  {
    id: 'service-points',
    title: 'Service points',
    description:
      'Service points with their types, status, opening hours, capacity and source (with datetime: those in service that day).',
    geometryType: 'Point',
    parameters: [],
    temporal: true,
  },
  {
    id: 'municipalities',
    title: 'Municipalities with access indicators',
    description:
      'Municipality boundaries (or labelled approximate outlines) with the indicators per type of GraphQL accessIndicators(groupBy: MUNICIPALITY).',
    geometryType: 'Polygon/MultiPolygon',
    parameters: ['minutes'],
    temporal: true,
  },
  {
    id: 'counties',
    title: 'Counties with access indicators',
    description:
      'County boundaries (or labelled approximate outlines) with the indicators per type of GraphQL accessIndicators(groupBy: COUNTY).',
    geometryType: 'Polygon/MultiPolygon',
    parameters: ['minutes'],
    temporal: true,
  },
  {
    id: 'grid',
    title: 'Population grid with access',
    description:
      'Population squares with access to one service type (serviceType, default GROCERY) and the 2SFCA capacity access where the type has capacities.',
    geometryType: 'Polygon',
    parameters: ['serviceType', 'minutes'],
    temporal: true,
  },
  {
    id: 'deserts',
    title: 'Service deserts',
    description:
      'Settlements beyond the threshold of one service type (serviceType, default GROCERY; minutes overrides the threshold), most people first — GraphQL serviceDeserts.',
    geometryType: 'Point',
    parameters: ['serviceType', 'minutes'],
    temporal: true,
  },
  {
    id: 'service-areas',
    title: 'Service areas',
    description:
      'Areas from which a service type is reached within given minutes (serviceType, default GROCERY; minutes, comma-separated, default the type threshold) — GraphQL serviceAreas.',
    geometryType: 'Polygon/MultiPolygon',
    parameters: ['serviceType', 'minutes'],
    temporal: false,
  },
];

/** Features kept per snapshot (collection × parameters). */
const FEATURES_PER_SNAPSHOT = 32;

/** The collections over a server's services. One instance per Services (see `ogcSourceFor`). */
export class OgcCollections {
  readonly #memo = new WeakMap<AnalysisSnapshot, LRUCache<string, Promise<OgcFeature[]>>>();
  readonly #points = new LRUCache<string, Promise<OgcFeature[]>>({ max: 8 });

  constructor(readonly services: Services) {}

  versions(): Promise<DataVersions> {
    return this.services.versions();
  }

  /** The service type codes of the catalogue (current snapshot). */
  async serviceTypes(): Promise<string[]> {
    return (await this.services.snapshot()).catalogue.map((t) => t.code);
  }

  /** [west, south, east, north] of the loaded data (the collections' spatial extent). */
  async bounds(): Promise<[number, number, number, number]> {
    return mapLayersFor(this.services).bounds(await this.services.snapshot());
  }

  async hasGrid(): Promise<boolean> {
    return (await this.services.snapshot()).grid.length > 0;
  }

  /** The collections on offer now (grid only when one is loaded). */
  async list(): Promise<CollectionInfo[]> {
    const grid = await this.hasGrid();
    return COLLECTIONS.filter((c) => c.id !== 'grid' || grid);
  }

  #memoise(
    snapshot: AnalysisSnapshot,
    key: string,
    build: () => Promise<OgcFeature[]>,
  ): Promise<OgcFeature[]> {
    let cache = this.#memo.get(snapshot);
    if (!cache) {
      cache = new LRUCache({ max: FEATURES_PER_SNAPSHOT });
      this.#memo.set(snapshot, cache);
    }
    const hit = cache.get(key);
    if (hit) return hit;
    const pending = build();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
    return pending;
  }

  /** A collection with its queryables and features; null when there is no such collection. */
  async resolve(id: string, viewer: Viewer = ANONYMOUS): Promise<ResolvedCollection | null> {
    const info = (await this.list()).find((c) => c.id === id);
    if (!info) return null;
    const codes = await this.serviceTypes();
    const services = this.services;
    const layers = mapLayersFor(services);
    const model = services.config.travelModel;
    const snapshotOf = (q: CollectionQuery) => services.snapshotFor({ asOf: q.asOf });
    const typeOf = (q: CollectionQuery): string =>
      q.serviceType ?? (codes.includes('GROCERY') ? 'GROCERY' : codes[0]!);
    const threshold = (q: CollectionQuery): number | undefined => q.minutes?.[0];
    const key = (q: CollectionQuery) => `${id}|${q.serviceType ?? ''}|${q.minutes?.join(',') ?? ''}`;

    switch (id) {
      case 'settlements': {
        const queryables: Record<string, Queryable> = {
          geometry: { type: 'geometry', title: 'Settlement point' },
          ...SETTLEMENT_BASE_QUERYABLES,
          gapFlags: { type: 'string', title: 'Gap flags, comma-separated TYPE:GAP_CODE' },
        };
        for (const code of codes) {
          const k = typeKey(code);
          queryables[`${k}_minutes`] = { type: 'number', title: `Minutes to the nearest ${code}` };
          queryables[`${k}_km`] = { type: 'number', title: `Travel km to the nearest ${code}` };
          queryables[`${k}_within`] = { type: 'boolean', title: `Within the ${code} threshold` };
          queryables[`${k}_method`] = {
            type: 'string',
            title: `How the ${code} access was computed`,
            enum: ['NETWORK', 'ESTIMATED'],
          };
        }
        return {
          ...info,
          queryables,
          features: async (q) => {
            const snapshot = await snapshotOf(q);
            return this.#memoise(snapshot, key(q), async () => {
              const options = { minBroadbandShare: services.config.minBroadbandShare };
              const perType: {
                code: string;
                k: string;
                table: Awaited<ReturnType<typeof layers.table>>;
                type: ReturnType<typeof snapshot.engine.serviceType>;
                points: ReturnType<typeof snapshot.engine.index>['points'];
              }[] = [];
              for (const code of snapshot.catalogue.map((t) => t.code)) {
                perType.push({
                  code,
                  k: typeKey(code),
                  table: await layers.table(snapshot, code),
                  type: snapshot.engine.serviceType(code),
                  points: snapshot.engine.index(code).points,
                });
              }
              return snapshot.settlements.map((s, i) => {
                const properties = settlementBase(s);
                const flags: string[] = [];
                for (const { code, k, table, type, points } of perType) {
                  const a = accessFromTable(snapshot, table, i);
                  properties[`${k}_minutes`] = a.travelMinutes;
                  properties[`${k}_km`] = a.travelKm;
                  properties[`${k}_within`] = a.withinThreshold;
                  properties[`${k}_method`] = a.method;
                  for (const f of gapFlagsFromTable(s, table, i, points, type, options))
                    flags.push(`${code}:${f.code}`);
                }
                properties.gapFlags = flags.join(',');
                return { id: s.id, geometry: { type: 'Point', coordinates: [s.lon, s.lat] }, properties };
              });
            });
          },
        };
      }
      case 'service-points':
        return {
          ...info,
          queryables: {
            geometry: { type: 'geometry', title: 'Service point location' },
            name: { type: 'string', title: 'Name' },
            serviceTypes: { type: 'string', title: 'Service type codes, comma-separated' },
            status: { type: 'string', title: 'Status', enum: ['OPEN', 'CLOSED', 'PLANNED'] },
            operator: { type: 'string', title: 'Operator' },
            capacity: { type: 'number', title: 'Capacity (places)' },
            openingHours: { type: 'string', title: 'Opening hours (OSM syntax)' },
            municipalityCode: { type: 'string', title: 'SCB municipality code' },
            externalId: { type: 'string', title: 'Id in the source data' },
            source: { type: 'string', title: 'Where the record came from' },
            validFrom: { type: 'date', title: 'In service from', format: 'date' },
            validTo: { type: 'date', title: 'Out of service from (exclusive)', format: 'date' },
          },
          features: async (q) => {
            const { writes } = await services.versions();
            const k = `${writes}|${q.asOf ?? ''}`;
            let pending = this.#points.get(k);
            if (!pending) {
              pending = findServicePoints(services.db, q.asOf ? { inServiceOn: q.asOf } : {}).then((points) =>
                points.map(pointFeature),
              );
              this.#points.set(k, pending);
              pending.catch(() => this.#points.delete(k));
            }
            return pending;
          },
        };
      case 'municipalities':
      case 'counties': {
        const level = id === 'municipalities' ? 'MUNICIPALITY' : 'COUNTY';
        const queryables: Record<string, Queryable> = {
          geometry: { type: 'geometry', title: 'Boundary' },
          code: { type: 'string', title: 'SCB area code' },
          name: { type: 'string', title: 'Name' },
          outline: {
            type: 'string',
            title: 'BOUNDARY (imported) or APPROXIMATE',
            enum: ['BOUNDARY', 'APPROXIMATE'],
          },
          populationBase: {
            type: 'string',
            title: 'What the population figures count: GRID, SETTLEMENTS or MIXED',
            enum: ['GRID', 'SETTLEMENTS', 'MIXED'],
          },
          population: { type: 'integer', title: 'Residents' },
          population65Plus: { type: 'integer', title: 'Residents aged 65+' },
        };
        for (const code of codes) {
          const k = typeKey(code);
          queryables[`${k}_thresholdMinutes`] = { type: 'number', title: `${code} threshold (minutes)` };
          queryables[`${k}_populationBeyondThreshold`] = {
            type: 'integer',
            title: `People beyond the ${code} threshold`,
          };
          queryables[`${k}_population65PlusBeyondThreshold`] = {
            type: 'integer',
            title: `People 65+ beyond the ${code} threshold`,
          };
          queryables[`${k}_settlementsBeyondThreshold`] = {
            type: 'integer',
            title: `Settlements beyond the ${code} threshold`,
          };
          queryables[`${k}_meanMinutes`] = {
            type: 'number',
            title: `Population-weighted mean minutes to ${code}`,
          };
          for (const m of [5, 10, 20, 30]) {
            queryables[`${k}_shareWithin${m}`] = {
              type: 'number',
              title: `Share of the population within ${m} min of ${code}`,
            };
          }
        }
        return {
          ...info,
          queryables,
          features: async (q) => {
            const ctx = createContext(services, viewer);
            const snapshot = await snapshotOf(q);
            // Priced as GraphQL accessIndicators(groupBy, every type) is: the same analysis, the same maxWork.
            const args = {
              groupBy: level,
              serviceTypes: codes,
              thresholdMinutes: threshold(q),
              asOf: q.asOf,
            };
            const work = fieldWork('Query.accessIndicators', args, workScaleOf(snapshot));
            if (work > services.config.limits.maxWork) {
              throw invalidParameter(
                'minutes',
                `the indicators of every type for every ${level.toLowerCase()} are more work than one request may do (maxWork: ${work} > ${services.config.limits.maxWork}), as in GraphQL accessIndicators`,
              );
            }
            return this.#memoise(snapshot, key(q), async () => {
              const { indices, residentIndices } = await residentsInArea(ctx, null, { asOf: q.asOf });
              const outlines = (await layers.outlines(snapshot)).filter((o) => o.level === level);
              const names = new Map((await listAreas(services.db, level)).map((a) => [a.code, a.name]));
              const byCode = new Map<string, Record<string, PropertyValue>>();
              for (const code of snapshot.catalogue.map((t) => t.code)) {
                await layers.table(snapshot, code);
                const k = typeKey(code);
                const rows = indicatorsWithBase(
                  snapshot,
                  indices,
                  residentIndices,
                  code,
                  level,
                  model,
                  threshold(q),
                );
                for (const row of rows) {
                  let p = byCode.get(row.areaCode);
                  if (!p) {
                    p = {
                      populationBase: row.populationBase,
                      population: row.population,
                      population65Plus: row.population65Plus,
                    };
                    byCode.set(row.areaCode, p);
                  }
                  p[`${k}_thresholdMinutes`] = row.thresholdMinutes;
                  p[`${k}_populationBeyondThreshold`] = row.populationBeyondThreshold;
                  p[`${k}_population65PlusBeyondThreshold`] = row.population65PlusBeyondThreshold;
                  p[`${k}_settlementsBeyondThreshold`] = row.settlementsBeyondThreshold;
                  p[`${k}_meanMinutes`] = row.meanMinutesPopulationWeighted;
                  for (const { minutes, share } of row.shareWithin) p[`${k}_shareWithin${minutes}`] = share;
                }
              }
              return outlines
                .slice()
                .sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
                .map((o) => {
                  const properties: Record<string, PropertyValue> = {
                    code: o.code,
                    name: o.name ?? names.get(o.code) ?? null,
                    outline: o.outline === 'BOUNDARY' ? 'BOUNDARY' : 'APPROXIMATE',
                    populationBase: null,
                    population: null,
                    population65Plus: null,
                  };
                  for (const name of Object.keys(queryables)) {
                    if (name !== 'geometry' && !(name in properties)) properties[name] = null;
                  }
                  Object.assign(properties, byCode.get(o.code) ?? {});
                  return { id: o.code, geometry: o.geometry, properties };
                });
            });
          },
        };
      }
      case 'grid':
        return {
          ...info,
          queryables: {
            geometry: { type: 'geometry', title: 'Grid square' },
            cellId: { type: 'string', title: 'Cell id (e.g. SCB rutid)' },
            serviceType: { type: 'string', title: 'Service type of the access figures' },
            sizeM: { type: 'number', title: 'Square size (m)' },
            population: { type: 'integer', title: 'Residents' },
            population65Plus: { type: 'integer', title: 'Residents aged 65+' },
            population80Plus: { type: 'integer', title: 'Residents aged 80+' },
            municipalityCode: { type: 'string', title: 'SCB municipality code' },
            minutes: { type: 'number', title: 'Minutes to the nearest point' },
            method: { type: 'string', title: 'NETWORK or ESTIMATED' },
            within: { type: 'boolean', title: 'Within the threshold' },
            thresholdMinutes: { type: 'number', title: 'Threshold (minutes)' },
            capacityAccess: { type: 'number', title: '2SFCA capacity access A_i (places per resident)' },
            capacityAccessPer1000: { type: 'number', title: '2SFCA capacity access per 1000 residents' },
          },
          features: async (q) => {
            const snapshot = await snapshotOf(q);
            const code = typeOf(q);
            return this.#memoise(snapshot, key({ ...q, serviceType: code }), async () => {
              const squares = await layers.grid(snapshot, code, threshold(q));
              return squares.features.map((f, i) => {
                const p = f.properties;
                return {
                  id: String(p.id ?? snapshot.grid[i]!.id),
                  geometry: f.geometry,
                  properties: {
                    cellId: p.id,
                    serviceType: code,
                    sizeM: p.sizeM,
                    population: p.population,
                    population65Plus: p.population65Plus ?? null,
                    population80Plus: p.population80Plus ?? null,
                    municipalityCode: p.municipalityCode ?? null,
                    minutes: p.minutes ?? null,
                    method: p.method,
                    within: !p.desert,
                    thresholdMinutes: p.thresholdMinutes,
                    capacityAccess: p.capacityAccess ?? null,
                    capacityAccessPer1000: p.capacityAccessPer1000 ?? null,
                  },
                };
              });
            });
          },
        };
      case 'deserts':
        return {
          ...info,
          queryables: {
            geometry: { type: 'geometry', title: 'Settlement point' },
            ...SETTLEMENT_BASE_QUERYABLES,
            serviceType: { type: 'string', title: 'Service type' },
            thresholdMinutes: { type: 'number', title: 'Threshold (minutes)' },
            minutes: { type: 'number', title: 'Minutes to the nearest point (null: none in reach)' },
            km: { type: 'number', title: 'Travel km to the nearest point' },
            method: { type: 'string', title: 'NETWORK or ESTIMATED' },
            servicePointId: { type: 'string', title: 'The nearest point (id)' },
          },
          features: async (q) => {
            const snapshot = await snapshotOf(q);
            const code = typeOf(q);
            return this.#memoise(snapshot, key({ ...q, serviceType: code }), async () => {
              await layers.table(snapshot, code, threshold(q));
              const all = [...snapshot.settlements.keys()];
              return desertsAmong(snapshot, all, code, model, threshold(q)).map(
                ({ settlement: s, access: a }) => ({
                  id: s.id,
                  geometry: { type: 'Point' as const, coordinates: [s.lon, s.lat] },
                  properties: {
                    ...settlementBase(s),
                    serviceType: code,
                    thresholdMinutes: a.thresholdMinutes,
                    minutes: a.travelMinutes,
                    km: a.travelKm,
                    method: a.method,
                    servicePointId: a.servicePoint?.id ?? null,
                  },
                }),
              );
            });
          },
        };
      case 'service-areas':
        return {
          ...info,
          queryables: {
            geometry: { type: 'geometry', title: 'Service area' },
            serviceType: { type: 'string', title: 'Service type' },
            minutes: { type: 'number', title: 'Reached within these minutes' },
            method: { type: 'string', title: 'NETWORK or ESTIMATED' },
            label: { type: 'string', title: 'How the area was drawn' },
          },
          features: async (q) => {
            const snapshot = await services.snapshot();
            const code = typeOf(q);
            const minutes = q.minutes ?? [snapshot.engine.serviceType(code).thresholdMinutes];
            // Priced as GraphQL serviceAreas is (the same analysis, the same maxWork).
            const work = fieldWork(
              'Query.serviceAreas',
              { serviceType: code, minutes },
              workScaleOf(snapshot),
            );
            const max = services.config.limits.maxWork;
            if (work > max) {
              throw invalidParameter(
                'serviceType',
                `the service areas of every ${code} point at ${minutes.join(', ')} min are more work than one request may do (maxWork: ${work} > ${max}), as in GraphQL serviceAreas; ask for fewer minutes values or a type with fewer points`,
              );
            }
            return this.#memoise(snapshot, key({ ...q, serviceType: code, minutes }), async () => {
              const areas = await runAnalysis(services, snapshot, 'serviceAreas', {
                model,
                request: { serviceType: code, servicePointId: null, minutes },
              });
              return areas.features.map((f) => ({
                id: `${code}-${f.properties.minutes}`,
                geometry: f.geometry,
                properties: {
                  serviceType: f.properties.serviceType,
                  minutes: f.properties.minutes,
                  method: f.properties.method,
                  label: f.properties.label,
                },
              }));
            });
          },
        };
      default:
        return null;
    }
  }
}

function pointFeature(p: ServicePoint): OgcFeature {
  return {
    id: p.id,
    geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
    properties: {
      name: p.name,
      serviceTypes: p.serviceTypes.join(','),
      status: p.status,
      operator: p.operator,
      capacity: p.capacity,
      openingHours: p.openingHours,
      municipalityCode: p.municipalityCode,
      externalId: p.externalId,
      source: p.source,
      validFrom: p.validFrom,
      validTo: p.validTo,
    },
  };
}

/** Validates `serviceType` against the catalogue (400 naming the known codes). */
export function checkServiceType(value: string, codes: readonly string[]): string {
  const code = value.toUpperCase();
  if (!codes.includes(code)) {
    throw invalidParameter(
      'serviceType',
      `serviceType '${value.slice(0, 60)}' is not a known service type; use one of ${codes.join(', ')}`,
    );
  }
  return code;
}

export { OgcError };

const instances = new WeakMap<Services, OgcCollections>();

/** The OGC collections of a Services instance (one per server). */
export function ogcCollectionsFor(services: Services): OgcCollections {
  let c = instances.get(services);
  if (!c) {
    c = new OgcCollections(services);
    instances.set(services, c);
  }
  return c;
}

export { round };
