import { describe, expect, it } from 'vitest';
import {
  nodeLabels,
  RoadGraph,
  renumberNodesForLocality,
  siteSeeds,
  sitesByEdge,
  EdgeSnapper,
} from '../../../src/engine/network/index.js';
import { accessEach, buildEdges, randomNetwork, randomSite, seededRandom } from './helpers.js';

/**
 * Renumbering nodes along a Hilbert curve is a relabelling of the same graph: every node keeps its
 * position and arcs, every answer (per node and per snapped origin) is the same, only indexed differently.
 */
describe('renumberNodesForLocality', () => {
  for (const seed of [1, 2, 3]) {
    it(`keeps every node's labels and every origin's access (random network ${seed})`, () => {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 12);
      const edges = buildEdges(nodes, specs);
      const { edges: local, newOf } = renumberNodesForLocality(edges);

      // A permutation of 0…n−1, positions moved with their nodes, edges kept in order.
      expect(new Set(newOf).size).toBe(edges.nodeCount);
      expect(Math.min(...newOf)).toBe(0);
      expect(Math.max(...newOf)).toBe(edges.nodeCount - 1);
      for (let x = 0; x < edges.nodeCount; x++) {
        expect(local.nodeLonLat[2 * newOf[x]!]).toBe(edges.nodeLonLat[2 * x]);
        expect(local.nodeLonLat[2 * newOf[x]! + 1]).toBe(edges.nodeLonLat[2 * x + 1]);
      }
      for (let e = 0; e < edges.count; e++) {
        expect(local.source[e]).toBe(newOf[edges.source[e]!]);
        expect(local.target[e]).toBe(newOf[edges.target[e]!]);
      }
      expect(local.edgeId).toBe(edges.edgeId);

      // Renumbering really moves nodes (else the test proves nothing).
      let moved = 0;
      for (let x = 0; x < edges.nodeCount; x++) if (newOf[x] !== x) moved++;
      expect(moved).toBeGreaterThan(edges.nodeCount / 2);

      const sites = Array.from({ length: 5 }, (_, facility) => randomSite(random, edges, facility));
      const before = nodeLabels(RoadGraph.build(edges), siteSeeds(edges, sites));
      const after = nodeLabels(RoadGraph.build(local), siteSeeds(local, sites));
      for (let x = 0; x < edges.nodeCount; x++) {
        const y = newOf[x]!;
        expect([after.minutes1[y], after.km1[y], after.facility1[y]]).toEqual([
          before.minutes1[x],
          before.km1[x],
          before.facility1[x],
        ]);
        expect([after.minutes2[y], after.km2[y], after.facility2[y]]).toEqual([
          before.minutes2[x],
          before.km2[x],
          before.facility2[x],
        ]);
      }

      // Origins snapped onto the edges: identical access through either numbering.
      const lons = Float64Array.from({ length: 200 }, () => 15 + random() * 0.24);
      const lats = Float64Array.from({ length: 200 }, () => 60 + random() * 0.12);
      const a = accessEach(
        edges,
        before,
        new EdgeSnapper(edges).snapMany(lons, lats, 5),
        20,
        sitesByEdge(sites),
      );
      const b = accessEach(
        local,
        after,
        new EdgeSnapper(local).snapMany(lons, lats, 5),
        20,
        sitesByEdge(sites),
      );
      expect(Array.from(b.minutes1)).toEqual(Array.from(a.minutes1));
      expect(Array.from(b.facility1)).toEqual(Array.from(a.facility1));
      expect(Array.from(b.minutes2)).toEqual(Array.from(a.minutes2));
    });
  }
});
