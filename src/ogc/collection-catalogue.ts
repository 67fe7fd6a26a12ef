import type { Geometry } from 'geojson';
import type { LRUCache } from 'lru-cache';
import type { Viewer } from '../auth.js';
import type { AnalysisSnapshot } from '../modules/access/snapshot.js';
import type { mapLayersFor } from '../modules/map/map-layers.js';
import type { ServicePoint } from '../modules/service-points/service-point.repository.js';
import type { Settlement } from '../modules/settlements/settlement.repository.js';
import type { Services } from '../services.js';
import type { PropertyValue, QueryableType } from './cql2.js';
import { invalidParameter } from './errors.js';

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

export const round = (v: number | null | undefined, decimals: number): number | null =>
  v === null || v === undefined || !Number.isFinite(v)
    ? null
    : Math.round(v * 10 ** decimals) / 10 ** decimals;

export const typeKey = (code: string): string => code.toLowerCase();

/** The properties every settlement-based feature has. */
export function settlementBase(s: Settlement): Record<string, PropertyValue> {
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

export const SETTLEMENT_BASE_QUERYABLES: Record<string, Queryable> = {
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
    id: 'eservice-targets',
    title: 'E-service targets',
    description:
      'Resident origins (population squares where a grid is loaded, settlements elsewhere) beyond the threshold of one service type (serviceType, default GROCERY; minutes overrides the threshold) that its e-service would reach, ranked by potential users; connectivityKnown false where the connectivity is unknown (never dropped) — GraphQL eServiceTargets.',
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

export function pointFeature(p: ServicePoint): OgcFeature {
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

/** What every collection's builder reads: the request's collection and the server's services and caches. */
export interface CollectionContext {
  info: CollectionInfo;
  viewer: Viewer;
  /** The catalogue's service type codes. */
  codes: string[];
  services: Services;
  layers: ReturnType<typeof mapLayersFor>;
  model: Services['config']['travelModel'];
  snapshotOf(q: CollectionQuery): Promise<AnalysisSnapshot>;
  /** The request's service type, else GROCERY (else the first type). */
  typeOf(q: CollectionQuery): string;
  /** The request's first minutes value, if any. */
  threshold(q: CollectionQuery): number | undefined;
  /** The memo key of a request's features. */
  key(q: CollectionQuery): string;
  /** Memoises a request's features for the life of its snapshot. */
  memoise(snapshot: AnalysisSnapshot, key: string, build: () => Promise<OgcFeature[]>): Promise<OgcFeature[]>;
  /** The service points' features by write version and date. */
  pointsCache: LRUCache<string, Promise<OgcFeature[]>>;
}
