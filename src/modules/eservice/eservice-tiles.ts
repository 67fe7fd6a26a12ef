/**
 * The `eservice-targets` vector-tile layer: every e-service target of a type (default options: the server's
 * minBroadbandShare, unknown connectivity included, no 65+ weight) as a point feature, memoised per
 * snapshot, type and threshold.
 */
import type { Feature, FeatureCollection, Point } from 'geojson';
import { resolveTravelModel } from '../access/access.service.js';
import type { AnalysisSnapshot } from '../access/snapshot.js';
import { connectivityIndex } from '../connectivity/connectivity.js';
import type { MapLayers } from '../map/map-layers.js';
import type { EServiceTarget } from './eservice-targets.js';
import { eServiceTargetsAmong } from './eservice-targets.js';

type Props = Record<string, string | number | boolean>;

const cache = new WeakMap<AnalysisSnapshot, Map<string, Promise<FeatureCollection<Point, Props>>>>();

/** A target as a tile feature (absent values left out: MVT has no null). */
export function targetFeature(t: EServiceTarget): Feature<Point, Props> {
  const properties: Props = {
    rank: t.rank,
    originId: t.originId,
    originKind: t.originKind,
    name: t.name,
    population: t.population,
    eService: t.eService,
    connectivityKnown: t.connectivityKnown,
    connectivityGenerated: t.connectivityGenerated,
    potentialUsers: Math.round(t.potentialUsers * 10) / 10,
    thresholdMinutes: t.thresholdMinutes,
  };
  if (t.municipalityCode !== null) properties.municipalityCode = t.municipalityCode;
  if (t.population65Plus !== null) properties.population65Plus = t.population65Plus;
  if (t.travelMinutes !== null) properties.minutes = Math.round(t.travelMinutes * 10) / 10;
  if (t.broadbandShare !== null) properties.broadbandShare = t.broadbandShare;
  if (t.connectivityLevel !== null) properties.connectivityLevel = t.connectivityLevel;
  return { type: 'Feature', geometry: { type: 'Point', coordinates: [t.lon, t.lat] }, properties };
}

/** The layer's features for a type (every resident origin of the snapshot). */
export function eServiceTargetFeatures(
  layers: MapLayers,
  snapshot: AnalysisSnapshot,
  code: string,
  thresholdMinutes?: number,
): Promise<FeatureCollection<Point, Props>> {
  let perSnapshot = cache.get(snapshot);
  if (perSnapshot === undefined) {
    perSnapshot = new Map();
    cache.set(snapshot, perSnapshot);
  }
  const key = `${code}|${thresholdMinutes ?? ''}`;
  let features = perSnapshot.get(key);
  if (features === undefined) {
    features = (async () => {
      const { config, db } = layers.services;
      const connectivity = await connectivityIndex(db, snapshot);
      const all = [...snapshot.residents().origins.keys()];
      const result = eServiceTargetsAmong(
        snapshot,
        all,
        connectivity,
        resolveTravelModel(config.travelModel),
        {
          serviceType: code,
          thresholdMinutes,
          minBroadbandShare: config.minBroadbandShare,
        },
      );
      return { type: 'FeatureCollection' as const, features: result.targets.map(targetFeature) };
    })();
    features.catch(() => perSnapshot.delete(key));
    perSnapshot.set(key, features);
  }
  return features;
}
