import { circle, featureCollection, union } from '@turf/turf';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { NetworkTravelCost } from '../../engine/network-travel-cost.js';
import { straightLineKmWithin } from '../../engine/travel.js';
import type { TravelModel } from '../../engine/types.js';
import { invalid, notFound } from '../../domain-error.js';
import type { AnalysisSnapshot } from './snapshot.js';

/** At most this many minute values per request (each is one polygon). */
export const MAX_SERVICE_AREA_VALUES = 12;

export interface ServiceAreaProperties {
  minutes: number;
  serviceType: string;
  servicePointId: string | null;
  /** NETWORK: reachable road network within the minutes; ESTIMATED: straight-line distance buffers. */
  method: 'NETWORK' | 'ESTIMATED';
  label: string;
}

export interface ServiceAreaRequest {
  serviceType?: string | null;
  servicePointId?: string | null;
  minutes: readonly number[];
}

/**
 * Service areas (isochrones) for one open point or every open point of a type: one polygon feature per
 * minutes value, the area from which the service is reached within that time. With a road network they
 * come from it (reachable roads and edge cuts, a concave hull, nested); without one they are the
 * ESTIMATED travel model's straight-line distance buffers, labelled as such.
 */
export function serviceAreasOf(
  snapshot: AnalysisSnapshot,
  model: TravelModel,
  request: ServiceAreaRequest,
): FeatureCollection<Polygon | MultiPolygon, ServiceAreaProperties> {
  const minutes = [...new Set(request.minutes)].sort((a, b) => a - b);
  if (minutes.length === 0) throw invalid('give at least one minutes value', 'minutes');
  if (minutes.length > MAX_SERVICE_AREA_VALUES) {
    throw invalid(`at most ${MAX_SERVICE_AREA_VALUES} minutes values, got ${minutes.length}`, 'minutes');
  }
  for (const m of minutes) {
    if (!Number.isFinite(m) || m <= 0 || m > 240) throw invalid('minutes must be in (0, 240]', 'minutes');
  }
  const pointId = request.servicePointId ?? null;
  const point = pointId === null ? null : snapshot.pointsById.get(pointId);
  if (pointId !== null && !point) throw notFound('open service point', pointId);
  const code = request.serviceType ?? point?.serviceTypes[0];
  if (code === undefined) throw invalid('give serviceType or servicePointId', 'serviceType');
  snapshot.engine.serviceType(code);
  if (point && !point.serviceTypes.includes(code)) {
    throw invalid(`service point ${pointId} does not offer ${code}`, 'serviceType');
  }
  const travel = snapshot.travel(model);
  const features: Feature<Polygon | MultiPolygon, ServiceAreaProperties>[] = [];
  if (travel instanceof NetworkTravelCost) {
    for (const area of travel.serviceAreas(code, minutes, pointId ?? undefined)) {
      if (area.feature === null) continue;
      features.push({
        type: 'Feature',
        geometry: area.feature.geometry,
        properties: {
          minutes: area.minutes,
          serviceType: code,
          servicePointId: pointId,
          method: 'NETWORK',
          label: `Reachable by road within ${area.minutes} min (one-way streets honoured)`,
        },
      });
    }
    return { type: 'FeatureCollection', features };
  }
  const points = point ? [point] : snapshot.engine.index(code).points;
  for (const m of minutes) {
    const radiusKm = straightLineKmWithin(m, model);
    if (!(radiusKm > 0) || points.length === 0) continue;
    const circles = points.map((p) => circle([p.lon, p.lat], radiusKm, { steps: 48, units: 'kilometers' }));
    const merged = circles.length === 1 ? circles[0]! : union(featureCollection(circles));
    if (!merged) continue;
    features.push({
      type: 'Feature',
      geometry: merged.geometry,
      properties: {
        minutes: m,
        serviceType: code,
        servicePointId: pointId,
        method: 'ESTIMATED',
        label:
          `Straight-line radius of ${Math.round(radiusKm * 100) / 100} km: the distance that fits in ${m} min ` +
          'under the estimated travel model (no road network loaded)',
      },
    });
  }
  return { type: 'FeatureCollection', features };
}
