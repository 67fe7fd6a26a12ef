/**
 * The NETWORK travel model's routing core: pure TypeScript over typed arrays (no SQL, GraphQL or HTTP).
 *
 * Units: minutes, km (road km along polylines, great-circle km for connectors), WGS84 lon/lat.
 * Direction: every cost is FROM a place (node, origin) TO a service, driving, one-way streets honoured;
 * the searches run from the services over reversed arcs.
 *
 *   edges = renumberNodesForLocality(edges).edges;         // nodes along a Hilbert curve (cache locality)
 *   const graph = RoadGraph.build(edges);                 // CSR, reversed + forward arcs, weak components
 *   const snapper = new EdgeSnapper(edges);               // nearest EDGE (not vertex), exact per query
 *   const sites = points.map((p, i) => facilitySite(i, snapper.snap(p.lon, p.lat, 5)!, 20));
 *   const seeds = siteSeeds(edges, sites);                // a mid-edge site seeds u (and v if two-way)
 *   const labels = nodeLabels(graph, seeds);              // per node: nearest + 2nd nearest distinct facility
 *   const onEdges = new OriginsOnEdges(edges, snapper.snapMany(lons, lats, 5), 20);  // origins by edge
 *   const all = onEdges.access(labels, sitesByEdge(sites), lons.length);   // every origin's best two
 *   const delta = relabelWithout(graph, labels, [closed], seeds);   // closure: only nodes it owned
 *   const reach = reachFromSeeds(graph, siteSeeds(edges, [newSite]), 30); // added site: bounded search
 *   // service areas: engine/travel/service-areas.ts (networkServiceAreas over a type's labels)
 *
 * Tie-breaking everywhere: (minutes, facility index, km) ascending — equal minutes go to the lower
 * facility index. Unreached: minutes = km = Infinity, facility = −1. A null snap (nothing within maxKm)
 * or an Infinity rank is where the caller falls back to ESTIMATED; `graph.component` (weakly connected)
 * tells an island origin apart from a one-way dead end.
 */
export type { FacilitySite } from './origin-access.js';
export { DEFAULT_CONNECTOR_KMH, facilitySite, siteSeeds, sitesByEdge } from './origin-access.js';
export type { NodeLabels, SearchOptions, Seed } from './dijkstra.js';
export { emptyLabels, nodeLabels } from './dijkstra.js';
export type { LabelDelta, NodeReach } from './incremental.js';
export { applyDelta, forEachReached, insertFacility, reachFromSeeds, relabelWithout } from './incremental.js';
export { RoadGraph } from './graph.js';
export { renumberNodesForLocality } from './locality.js';
export type { EdgeSnap, SnapBatch } from './snap.js';
export { EdgeSnapper } from './snap.js';
export type { RoadEdges } from './types.js';
