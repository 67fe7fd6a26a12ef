import type { Feature, FeatureCollection, LineString } from 'geojson';
import type { RoadEdges } from '../engine/network/types.js';

/** The properties of one road edge on the `network-edges` tile layer. */
export interface NetworkEdgeFeatureProperties {
  /** The stored edge id (road_edges.id). */
  edgeId: number;
  /** Road km along the edge, rounded to 0.01. */
  lengthKm: number;
  /** Minutes to drive the whole edge, rounded to 0.01. */
  minutes: number;
  /** The speed the edge is driven at (km / minutes × 60), rounded to 1 km/h; absent for a zero-minute edge. */
  speedKmh?: number;
  /** True when drivable only from its first vertex to its last. */
  oneway: boolean;
}

const round = (value: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

/**
 * The loaded road network as GeoJSON lines, one feature per stored edge with its polyline as routed
 * (so the map shows exactly the roads the NETWORK answers travel on), for the `network-edges` layer.
 * @example networkEdgeFeatures(snapshot.network.edges).features.length === snapshot.network.edges.count
 */
export function networkEdgeFeatures(
  edges: RoadEdges,
): FeatureCollection<LineString, NetworkEdgeFeatureProperties> {
  const features: Feature<LineString, NetworkEdgeFeatureProperties>[] = new Array(edges.count);
  const v = edges.vertexLonLat;
  for (let e = 0; e < edges.count; e++) {
    const coordinates: [number, number][] = [];
    for (let i = edges.geometryStart[e]!; i < edges.geometryStart[e + 1]!; i++)
      coordinates.push([v[2 * i]!, v[2 * i + 1]!]);
    const minutes = edges.minutes[e]!;
    const lengthKm = edges.lengthKm[e]!;
    const properties: NetworkEdgeFeatureProperties = {
      edgeId: edges.edgeId[e]!,
      lengthKm: round(lengthKm, 2),
      minutes: round(minutes, 2),
      oneway: edges.oneway[e] === 1,
    };
    if (minutes > 0) properties.speedKmh = Math.round((lengthKm / minutes) * 60);
    features[e] = { type: 'Feature', geometry: { type: 'LineString', coordinates }, properties };
  }
  return { type: 'FeatureCollection', features };
}
