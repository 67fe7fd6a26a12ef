import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import type { BBox } from '../../db/geo.js';
import { invalid, notFound } from '../../domain-error.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import type { MapLayers } from './map-layers.js';

/**
 * The `coverageLayer` GraphQL answer: one GeoJSON FeatureCollection mixing the parts a map frontend
 * asks for, each feature tagged with its `layer`. Unlike the vector tiles, GeoJSON can hold arrays, so
 * gap flags and a point's service types are arrays of codes here.
 */

/** The parts a coverage layer can include. */
export type CoverageLayerPart = 'SETTLEMENTS' | 'SERVICE_POINTS' | 'SERVICE_AREAS' | 'GRID_CELLS';

export interface CoverageLayerRequest {
  serviceType: string;
  /** Absent = the type's default threshold. */
  thresholdMinutes?: number;
  /** Only features inside (points) or touching (service areas) the box; null = everywhere. */
  bbox: BBox | null;
  include: readonly CoverageLayerPart[];
  /** A saved scenario to show the data as it leaves them (its threshold overrides apply). */
  scenarioId?: string | null;
}

type Properties = Record<string, unknown>;

/** Foreign members of the collection: what the features were computed for. */
export interface CoverageLayer extends FeatureCollection<Geometry, Properties> {
  serviceType: string;
  thresholdMinutes: number;
  dataVersion: number;
  /** The scenario shown, null for the baseline. */
  scenarioId: string | null;
}

const PART_ORDER: readonly CoverageLayerPart[] = [
  'GRID_CELLS',
  'SERVICE_AREAS',
  'SETTLEMENTS',
  'SERVICE_POINTS',
];

const codes = (joined: unknown): string[] =>
  typeof joined === 'string' && joined !== '' ? joined.split(',') : [];

function pointInBox(position: Position, box: BBox): boolean {
  const [lon, lat] = position as [number, number];
  return lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat;
}

/** Whether a polygon's bounding box overlaps the box (enough for circles a few km across). */
function polygonTouchesBox(rings: readonly (readonly Position[])[], box: BBox): boolean {
  let w = Number.POSITIVE_INFINITY;
  let s = Number.POSITIVE_INFINITY;
  let e = Number.NEGATIVE_INFINITY;
  let n = Number.NEGATIVE_INFINITY;
  for (const ring of rings) {
    for (const [lon, lat] of ring as [number, number][]) {
      if (lon < w) w = lon;
      if (lon > e) e = lon;
      if (lat < s) s = lat;
      if (lat > n) n = lat;
    }
  }
  return w <= box.maxLon && e >= box.minLon && s <= box.maxLat && n >= box.minLat;
}

/**
 * The coverage layer of one service type: settlements (access minutes, km, method, desert, gap-flag
 * codes), open service points and service areas (distance buffers), as requested, filtered by `bbox`.
 * Features are ordered service areas, settlements, service points (bottom to top when drawn).
 * @example await coverageLayer(layers, snapshot, { serviceType: 'PHARMACY', bbox: null, include: ['SETTLEMENTS'] })
 */
export async function coverageLayer(
  layers: MapLayers,
  baseline: AnalysisSnapshot,
  request: CoverageLayerRequest,
): Promise<CoverageLayer> {
  if (request.include.length === 0) throw invalid('include must name at least one part', 'include');
  const { serviceType: code, bbox, scenarioId } = request;
  let threshold = request.thresholdMinutes;
  let snapshot = baseline;
  if (scenarioId != null) {
    const scenario = await layers.scenario(baseline, scenarioId);
    if (scenario === null) throw notFound('Scenario', scenarioId);
    snapshot = scenario.snapshot;
    threshold ??= scenario.thresholdMinutes[code];
  }
  const features: Feature<Geometry, Properties>[] = [];
  for (const part of PART_ORDER) {
    if (!request.include.includes(part)) continue;
    if (part === 'GRID_CELLS') {
      for (const f of (await layers.grid(snapshot, code, threshold)).features) {
        if (bbox && !polygonTouchesBox(f.geometry.coordinates, bbox)) continue;
        features.push({
          type: 'Feature',
          id: `grid:${f.properties.id}`,
          geometry: f.geometry,
          properties: { layer: 'grid', ...f.properties },
        });
      }
    } else if (part === 'SETTLEMENTS') {
      for (const f of (await layers.settlements(snapshot, code, threshold)).features) {
        if (bbox && !pointInBox(f.geometry.coordinates, bbox)) continue;
        const properties = { layer: 'settlements', ...f.properties, flags: codes(f.properties.flags) };
        features.push({
          type: 'Feature',
          id: `settlement:${f.properties.id}`,
          geometry: f.geometry,
          properties,
        });
      }
    } else if (part === 'SERVICE_POINTS') {
      for (const f of (await layers.servicePoints(snapshot, code)).features) {
        if (bbox && !pointInBox(f.geometry.coordinates, bbox)) continue;
        const properties = {
          layer: 'service-points',
          ...f.properties,
          serviceTypes: codes(f.properties.serviceTypes),
        };
        features.push({
          type: 'Feature',
          id: `service-point:${f.properties.id}`,
          geometry: f.geometry,
          properties,
        });
      }
    } else {
      for (const f of (await layers.serviceAreas(snapshot, code, threshold)).features) {
        const rings = f.geometry.type === 'Polygon' ? f.geometry.coordinates : f.geometry.coordinates.flat();
        if (bbox && !polygonTouchesBox(rings, bbox)) continue;
        const properties = { layer: 'service-areas', ...f.properties };
        features.push({
          type: 'Feature',
          id: `service-area:${f.properties.pointId ?? `${code}:${threshold ?? 'default'}`}`,
          geometry: f.geometry,
          properties,
        });
      }
    }
  }
  return {
    type: 'FeatureCollection',
    serviceType: code,
    thresholdMinutes: (await layers.table(snapshot, code, threshold)).thresholdMinutes,
    dataVersion: snapshot.version,
    scenarioId: scenarioId ?? null,
    features,
  };
}
