/**
 * The road network as the engine receives it: one entry per directed-or-two-way edge, in aligned typed
 * arrays (a country has millions of edges; objects per edge would cost ~10× the memory). Produced by the
 * road repository from the stored `road_edges` table (or by tests and benchmarks directly); consumed by
 * the graph builder, the snapper and the isochrones. Nothing here knows about SQL.
 *
 * Edges run between graph nodes (road intersections and dead ends); the polyline between them keeps the
 * road's shape, so origins can be snapped onto the middle of an edge.
 */
export interface RoadEdges {
  /** Number of edges. */
  count: number;
  /** Number of graph nodes; node numbers are dense, 0 … nodeCount − 1. */
  nodeCount: number;
  /** Node number at the start of each edge (its polyline's first vertex). */
  source: Int32Array;
  /** Node number at the end of each edge (its polyline's last vertex). */
  target: Int32Array;
  /** Node coordinates, WGS84 lon/lat interleaved: node n is at [2n], [2n + 1]. */
  nodeLonLat: Float64Array;
  /** Road length of each edge in km, along its polyline. */
  lengthKm: Float64Array;
  /** Minutes to drive (or sail) the whole edge: length / speed, or a ferry's stated duration. */
  minutes: Float64Array;
  /** 1 = one-way, drivable only from source to target; 0 = both directions at the same cost. */
  oneway: Uint8Array;
  /**
   * Polyline of each edge, source → target: vertices geometryStart[e] … geometryStart[e + 1] − 1 of
   * `vertexLonLat` (so geometryStart has count + 1 entries and every edge has at least 2 vertices).
   */
  geometryStart: Uint32Array;
  /** Polyline vertices, WGS84 lon/lat interleaved. */
  vertexLonLat: Float64Array;
  /** The stored id of each edge (road_edges.id), for reports and pgRouting comparisons. */
  edgeId: Float64Array;
}
