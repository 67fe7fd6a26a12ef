import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { reachRadiusKm, type ServiceAreaWindow } from '../../engine/travel/service-areas.js';
import type { AccessMethod, TravelModel } from '../../engine/types.js';
import { badInput, notFound } from '../../errors.js';
import type { AnalysisSnapshot } from './snapshot.js';

/** At most this many minute values per request (each is one polygon). */
export const MAX_SERVICE_AREA_VALUES = 12;

export interface ServiceAreaProperties {
  minutes: number;
  serviceType: string;
  servicePointId: string | null;
  /** NETWORK: reachable road network within the minutes; ESTIMATED: straight-line distance buffers. */
  method: AccessMethod;
  label: string;
}

export interface ServiceAreaRequest {
  serviceType?: string | null;
  servicePointId?: string | null;
  minutes: readonly number[];
  /** Clip to a bbox and/or area polygons (validated by the caller). */
  window?: ServiceAreaWindow | null;
}

/** What an area is, in words (the answer says which model drew it). */
function labelOf(method: AccessMethod, minutes: number, model: TravelModel): string {
  if (method === 'NETWORK') {
    return (
      `Reachable by road within ${minutes} min (one-way streets honoured; places off the road by the ` +
      'connector at its stated speed, up to the snap limit)'
    );
  }
  const radiusKm = reachRadiusKm(minutes, model);
  return (
    `Straight-line radius of ${Math.round(radiusKm * 100) / 100} km: the distance that fits in ${minutes} min ` +
    'under the estimated travel model (no road network loaded)'
  );
}

/**
 * Service areas (isochrones) for one open point or every open point of a type: one polygon feature per
 * minutes value, the area from which the service is reached within that time, nested (10 ⊂ 20). The
 * snapshot's travel provider draws them from one search (engine/travel/service-areas.ts): along the road
 * network when one is loaded, else the ESTIMATED model's straight-line reach, labelled as such.
 */
export function serviceAreasOf(
  snapshot: AnalysisSnapshot,
  model: TravelModel,
  request: ServiceAreaRequest,
): FeatureCollection<Polygon | MultiPolygon, ServiceAreaProperties> {
  const minutes = [...new Set(request.minutes)].sort((a, b) => a - b);
  if (minutes.length === 0) throw badInput('give at least one minutes value', 'minutes');
  if (minutes.length > MAX_SERVICE_AREA_VALUES) {
    throw badInput(`at most ${MAX_SERVICE_AREA_VALUES} minutes values, got ${minutes.length}`, 'minutes');
  }
  for (const m of minutes) {
    if (!Number.isFinite(m) || m <= 0 || m > 240) throw badInput('minutes must be in (0, 240]', 'minutes');
  }
  const pointId = request.servicePointId ?? null;
  const point = pointId === null ? null : snapshot.pointsById.get(pointId);
  if (pointId !== null && !point) throw notFound('open service point', pointId);
  const code = request.serviceType ?? point?.serviceTypes[0];
  if (code === undefined) throw badInput('give serviceType or servicePointId', 'serviceType');
  snapshot.engine.serviceType(code);
  if (point && !point.serviceTypes.includes(code)) {
    throw badInput(`service point ${pointId} does not offer ${code}`, 'serviceType');
  }
  const travel = snapshot.travel(model);
  const features: Feature<Polygon | MultiPolygon, ServiceAreaProperties>[] = [];
  const areas = travel.serviceAreas(code, minutes, {
    pointId: pointId ?? undefined,
    window: request.window ?? undefined,
  });
  for (const area of areas) {
    if (area.geometry === null) continue;
    features.push({
      type: 'Feature',
      geometry: area.geometry,
      properties: {
        minutes: area.minutes,
        serviceType: code,
        servicePointId: pointId,
        method: travel.method,
        label: labelOf(travel.method, area.minutes, model),
      },
    });
  }
  return { type: 'FeatureCollection', features };
}
