import { circle } from '@turf/turf';
import type { Feature, FeatureCollection, MultiPolygon, Point, Polygon } from 'geojson';
import type { AccessMethod, EnginePoint, EngineSettlement } from '../engine/types.js';

/**
 * GeoJSON FeatureCollections for the map layers, built from plain inputs (no database).
 * Properties are flat scalars only, because Mapbox Vector Tiles cannot hold arrays, objects or nulls:
 * lists are comma-joined and unknown values are left out rather than set to null.
 */

/** Access-time classes used to colour settlements and hexagons; `none` = no service point reachable. */
export type AccessClass = '0-5' | '5-10' | '10-20' | '20-30' | '30+' | 'none';

/** The access classes in legend order, with their upper bound in minutes. */
export const ACCESS_CLASSES: readonly { accessClass: AccessClass; maxMinutes: number }[] = Object.freeze([
  { accessClass: '0-5', maxMinutes: 5 },
  { accessClass: '5-10', maxMinutes: 10 },
  { accessClass: '10-20', maxMinutes: 20 },
  { accessClass: '20-30', maxMinutes: 30 },
  { accessClass: '30+', maxMinutes: Number.POSITIVE_INFINITY },
]);

/**
 * The access class of a travel time; a class includes its upper bound (exactly 5 min is '0-5').
 * @example accessClassOf(7.5) // '5-10'
 */
export function accessClassOf(minutes: number | null): AccessClass {
  if (minutes === null || !Number.isFinite(minutes)) return 'none';
  for (const { accessClass, maxMinutes } of ACCESS_CLASSES) {
    if (minutes <= maxMinutes) return accessClass;
  }
  return '30+';
}

/** Rounds to one decimal, keeping non-finite values out (null). */
function round1(value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value)) return null;
  return Math.round(value * 10) / 10;
}

/** Access of one service type for every settlement, index-aligned with the settlements array. */
export interface SettlementAccessInput {
  /** Travel minutes to the nearest open point; NaN or Infinity when none is reachable. */
  minutes: Float64Array;
  /** Straight-line (geodesic) km to that point; NaN when none. */
  straightKm: Float64Array;
  /** Travel km (road network or estimated); when absent `km` is the straight-line distance. */
  travelKm?: Float64Array;
  /** The nearest point's id, null when none. */
  pointIds: readonly (string | null)[];
  method: AccessMethod;
  /** Per-row methods when they differ (a NETWORK table with ESTIMATED fallback rows). */
  rowMethods?: readonly AccessMethod[];
  /** The analyses' verdict per row (1 = within the minutes and any km threshold): the table's `within`. */
  within: Uint8Array;
  thresholdMinutes: number;
}

/** Properties of a settlement feature in the `settlements` layer. */
export interface SettlementFeatureProperties {
  id: string;
  name: string;
  population: number;
  population65Plus?: number;
  municipalityCode?: string;
  /** Travel minutes rounded to 0.1; absent when no point is reachable. */
  minutes?: number;
  /** Travel km (straight-line km when no travel distance was given), rounded to 0.1. */
  km?: number;
  /** Straight-line km rounded to 0.1. */
  straightKm?: number;
  method: AccessMethod;
  thresholdMinutes: number;
  /** Beyond the threshold, or no point reachable at all. */
  desert: boolean;
  /** Comma-joined gap codes, e.g. `SINGLE_POINT_OF_FAILURE,CROSS_BORDER_NEAREST`; '' when none. */
  flags: string;
  accessClass: AccessClass;
  pointId?: string;
}

function checkLength(name: string, actual: number, expected: number): void {
  if (actual !== expected) {
    throw new RangeError(`${name} has ${actual} entries but there are ${expected} settlements`);
  }
}

/**
 * Settlement points with their access to one service type, for the `settlements` layer.
 * Feature ids are the settlement's index (numeric, as MVT and MapLibre feature-state need);
 * the settlement's own id is the `id` property.
 * @example settlementFeatures(settlements, settlementAccessFromTable(table, points))
 */
export function settlementFeatures(
  settlements: readonly EngineSettlement[],
  access: SettlementAccessInput,
  flags?: readonly (readonly string[])[],
): FeatureCollection<Point, SettlementFeatureProperties> {
  const n = settlements.length;
  checkLength('access.minutes', access.minutes.length, n);
  checkLength('access.straightKm', access.straightKm.length, n);
  checkLength('access.pointIds', access.pointIds.length, n);
  if (access.travelKm) checkLength('access.travelKm', access.travelKm.length, n);
  checkLength('access.within', access.within.length, n);
  if (flags) checkLength('flags', flags.length, n);

  const features: Feature<Point, SettlementFeatureProperties>[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const settlement = settlements[i]!;
    const rawMinutes = access.minutes[i]!;
    const minutes = round1(rawMinutes);
    const straightKm = round1(access.straightKm[i]);
    const km = access.travelKm ? round1(access.travelKm[i]) : straightKm;
    const pointId = access.pointIds[i] ?? null;
    const reachable = minutes !== null && pointId !== null;
    const properties: SettlementFeatureProperties = {
      id: settlement.id,
      name: settlement.name,
      population: settlement.population,
      method: access.rowMethods?.[i] ?? access.method,
      thresholdMinutes: access.thresholdMinutes,
      // The table's verdict (never the rounded minutes: 10.04 min is a desert at 10).
      desert: access.within[i] !== 1,
      flags: flags ? flags[i]!.join(',') : '',
      accessClass: reachable ? accessClassOf(rawMinutes) : 'none',
    };
    if (settlement.population65Plus !== null) properties.population65Plus = settlement.population65Plus;
    if (settlement.municipalityCode !== null) properties.municipalityCode = settlement.municipalityCode;
    if (reachable) {
      properties.minutes = minutes;
      if (km !== null) properties.km = km;
      if (straightKm !== null) properties.straightKm = straightKm;
      properties.pointId = pointId;
    }
    features[i] = {
      type: 'Feature',
      id: i,
      geometry: { type: 'Point', coordinates: [settlement.lon, settlement.lat] },
      properties,
    };
  }
  return { type: 'FeatureCollection', features };
}

/** Properties of a feature in the `service-points` layer. */
export interface ServicePointFeatureProperties {
  id: string;
  name: string;
  /** Comma-joined service-type codes. */
  serviceTypes: string;
  /** How many types the point offers; > 1 marks a multi-service point (servicepunkt). */
  serviceTypeCount: number;
  municipalityCode?: string;
}

/**
 * Open service points, optionally only those offering `serviceType`, for the `service-points` layer.
 * @example servicePointFeatures(points, { serviceType: 'GROCERY' })
 */
export function servicePointFeatures(
  points: readonly EnginePoint[],
  options: { serviceType?: string } = {},
): FeatureCollection<Point, ServicePointFeatureProperties> {
  const features: Feature<Point, ServicePointFeatureProperties>[] = [];
  points.forEach((point, index) => {
    if (options.serviceType !== undefined && !point.serviceTypes.includes(options.serviceType)) return;
    const properties: ServicePointFeatureProperties = {
      id: point.id,
      name: point.name,
      serviceTypes: point.serviceTypes.join(','),
      serviceTypeCount: point.serviceTypes.length,
    };
    if (point.municipalityCode !== null) properties.municipalityCode = point.municipalityCode;
    features.push({
      type: 'Feature',
      id: index,
      geometry: { type: 'Point', coordinates: [point.lon, point.lat] },
      properties,
    });
  });
  return { type: 'FeatureCollection', features };
}

/** Properties of a feature in the `service-areas` layer. */
export interface ServiceAreaFeatureProperties {
  /** The point of a distance buffer; absent on a type's network isochrone. */
  pointId?: string;
  name?: string;
  /**
   * DISTANCE_BUFFER: a geodesic circle around one point (no road network loaded); NETWORK_ISOCHRONE: the
   * area from which the nearest point of the type is reached by road within the threshold.
   */
  method: 'DISTANCE_BUFFER' | 'NETWORK_ISOCHRONE';
  /** Buffer radius (DISTANCE_BUFFER only). */
  radiusKm?: number;
  thresholdMinutes?: number;
  serviceType?: string;
  /** A human-readable explanation of what the area is (and is not). */
  label: string;
}

/**
 * Service areas as straight-line distance buffers (Turf geodesic circles) around service points.
 * `radiusKm` is normally the straight-line distance that fits within the threshold under the travel
 * model (see `straightLineKmWithin`); the label says so, so nobody mistakes it for an isochrone.
 * @example serviceAreaFeatures(points, 5.8, { thresholdMinutes: 10, serviceType: 'GROCERY' })
 */
export function serviceAreaFeatures(
  points: readonly EnginePoint[],
  radiusKm: number,
  options: { thresholdMinutes?: number; serviceType?: string; steps?: number } = {},
): FeatureCollection<Polygon, ServiceAreaFeatureProperties> {
  if (!(radiusKm > 0) || !Number.isFinite(radiusKm)) {
    throw new RangeError(`radiusKm must be a positive number, got ${radiusKm}`);
  }
  const radius = Math.round(radiusKm * 100) / 100;
  const label =
    options.thresholdMinutes !== undefined
      ? `Straight-line radius of ${radius} km: the distance that fits in ${options.thresholdMinutes} min ` +
        'under the estimated travel model (not a road-network isochrone)'
      : `Straight-line radius of ${radius} km (a distance buffer, not a road-network isochrone)`;
  const features: Feature<Polygon, ServiceAreaFeatureProperties>[] = [];
  points.forEach((point, index) => {
    if (options.serviceType !== undefined && !point.serviceTypes.includes(options.serviceType)) return;
    const properties: ServiceAreaFeatureProperties = {
      pointId: point.id,
      name: point.name,
      method: 'DISTANCE_BUFFER',
      radiusKm: radius,
      label,
    };
    if (options.thresholdMinutes !== undefined) properties.thresholdMinutes = options.thresholdMinutes;
    if (options.serviceType !== undefined) properties.serviceType = options.serviceType;
    const buffer = circle([point.lon, point.lat], radiusKm, {
      steps: options.steps ?? 48,
      units: 'kilometers',
    });
    features.push({ type: 'Feature', id: index, geometry: buffer.geometry, properties });
  });
  return { type: 'FeatureCollection', features };
}

/** An administrative area (municipality or county) with its boundary. */
export interface AreaFeatureInput {
  code: string;
  name: string | null;
  level: 'MUNICIPALITY' | 'COUNTY' | string;
  geometry: Polygon | MultiPolygon;
}

/** Indicator values of one area, flattened to scalars (e.g. populationBeyondThreshold, meanMinutes). */
export type AreaIndicatorValues = Readonly<Record<string, number | string | boolean | null | undefined>>;

/** Properties of a feature in the `areas` layer: code, name, level, then the indicator values. */
export type AreaFeatureProperties = Record<string, number | string | boolean>;

/**
 * Area polygons for the `areas` layer, with their indicators (looked up by area code) merged in as
 * flat properties; null or undefined indicator values are left out.
 * @example areaFeatures(municipalities, new Map([['2080', { populationBeyondThreshold: 1200 }]]))
 */
export function areaFeatures(
  areas: readonly AreaFeatureInput[],
  indicators?: ReadonlyMap<string, AreaIndicatorValues> | Readonly<Record<string, AreaIndicatorValues>>,
): FeatureCollection<Polygon | MultiPolygon, AreaFeatureProperties> {
  const lookup = (code: string): AreaIndicatorValues | undefined => {
    if (indicators === undefined) return undefined;
    if (indicators instanceof Map) return indicators.get(code);
    return Object.hasOwn(indicators, code)
      ? (indicators as Readonly<Record<string, AreaIndicatorValues>>)[code]
      : undefined;
  };
  const features = areas.map((area, index): Feature<Polygon | MultiPolygon, AreaFeatureProperties> => {
    const properties: AreaFeatureProperties = { code: area.code, level: area.level };
    if (area.name !== null) properties.name = area.name;
    for (const [key, value] of Object.entries(lookup(area.code) ?? {})) {
      if (value === null || value === undefined || key in properties) continue;
      properties[key] = value;
    }
    return { type: 'Feature', id: index, geometry: area.geometry, properties };
  });
  return { type: 'FeatureCollection', features };
}
