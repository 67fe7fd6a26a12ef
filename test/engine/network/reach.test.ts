/**
 * The reach of a new point along the network (NetworkTravelCost.reach and .catchment: what a scenario's
 * added point, a candidate site and every 2SFCA catchment are made of) against the independent oracle:
 * a plain Dijkstra from each origin's snapped position to the site's, over an adjacency list with the
 * edges split at both (helpers.ts), plus both connectors. Origins are scattered at random and crowded
 * onto the site's own edge, where the drive along the edge is the only way in time.
 */
import { describe, expect, it } from 'vitest';
import { AccessEngine } from '../../../src/engine/access.js';
import { buildRoadNetwork, NetworkTravelCost } from '../../../src/engine/travel/network.js';
import { DEFAULT_TRAVEL_MODEL, type ServiceTypeDef } from '../../../src/engine/types.js';
import { buildEdges, type EdgePoint, Oracle, randomNetwork, seededRandom } from './helpers.js';

const TYPE: ServiceTypeDef = {
  code: 'GROCERY',
  nameSv: 'Dagligvaror',
  nameEn: 'Grocery',
  thresholdMinutes: 6,
  thresholdKm: null,
  digitalSubstitute: null,
};
const CONNECTOR_KMH = 20; // the provider's default connector speed

describe('NetworkTravelCost.reach equals a per-origin Dijkstra oracle', () => {
  for (const seed of [71, 72, 73, 74, 75, 76, 77, 78]) {
    it(`random network ${seed}${seed % 2 === 0 ? ', with a km threshold' : ''}`, () => {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 10);
      const edges = buildEdges(nodes, specs);
      const network = buildRoadNetwork(edges, `reach-${seed}`);
      // The site: a random vertex of a random edge's polyline, nudged off the road.
      const siteEdge = Math.floor(random() * (edges.count - 1));
      const vertexOf = (e: number, t: number) => {
        const first = edges.geometryStart[e]!;
        const last = edges.geometryStart[e + 1]! - 1;
        const v = first + Math.floor(t * (last - first));
        const w = Math.min(v + 1, last);
        const s = t * (last - first) - (v - first);
        return {
          lon: edges.vertexLonLat[2 * v]! + s * (edges.vertexLonLat[2 * w]! - edges.vertexLonLat[2 * v]!),
          lat:
            edges.vertexLonLat[2 * v + 1]! +
            s * (edges.vertexLonLat[2 * w + 1]! - edges.vertexLonLat[2 * v + 1]!),
        };
      };
      const nudge = (p: { lon: number; lat: number }) => ({
        lon: p.lon + (random() - 0.5) * 0.0004,
        lat: p.lat + (random() - 0.5) * 0.0002,
      });
      const site = nudge(vertexOf(siteEdge, random()));
      const origins = [
        ...Array.from({ length: 150 }, () => ({ lon: 15 + random() * 0.19, lat: 60 + random() * 0.095 })),
        ...Array.from({ length: 30 }, () => nudge(vertexOf(siteEdge, random()))),
      ];
      const thresholdMinutes = TYPE.thresholdMinutes;
      const thresholdKm = seed % 2 === 0 ? 4 : null;
      const travel = new NetworkTravelCost(
        origins,
        new AccessEngine([], [TYPE]),
        DEFAULT_TRAVEL_MODEL,
        network,
      );
      const got = travel.reach(site.lon, site.lat, 'GROCERY', { thresholdMinutes, thresholdKm });

      // The oracle, from the snaps (the snapper has its own brute-force test).
      const snapOf = (p: { lon: number; lat: number }) => network.snapper.snap(p.lon, p.lat, 5)!;
      const siteSnap = snapOf(site);
      const originSnaps = origins.map(snapOf);
      const points: EdgePoint[] = [siteSnap, ...originSnaps].map((s) => ({
        edge: s.edge,
        fraction: s.fraction,
      }));
      const oracle = new Oracle(edges, points);
      const target = oracle.pointNode[0]!;
      const connectorMinutes = (km: number) => (km / CONNECTOR_KMH) * 60;
      const expected: { index: number; minutes: number; km: number }[] = [];
      let onSiteEdge = 0;
      originSnaps.forEach((s, i) => {
        if (s.edge === siteSnap.edge) onSiteEdge++;
        const { minutes, km } = oracle.from(oracle.pointNode[1 + i]!);
        const m = connectorMinutes(s.connectorKm) + minutes[target]! + connectorMinutes(siteSnap.connectorKm);
        const k = s.connectorKm + km[target]! + siteSnap.connectorKm;
        if (m <= thresholdMinutes && (thresholdKm === null || k <= thresholdKm))
          expected.push({ index: i, minutes: m, km: k });
      });
      expect(onSiteEdge).toBeGreaterThan(0); // the along-the-edge case is exercised
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(origins.length); // the threshold cuts

      expect(Array.from(got.index)).toEqual(expected.map((e) => e.index));
      expected.forEach((e, r) => {
        expect(got.minutes[r]).toBeCloseTo(e.minutes, 9);
        expect(got.travelKm[r]).toBeCloseTo(e.km, 9);
        expect(got.travelKm[r]!).toBeGreaterThanOrEqual(got.straightKm[r]! - 1e-9);
      });
      // The catchment is the same set of origins, without the figures.
      const catchment = Array.from(
        travel.catchment(site.lon, site.lat, 'GROCERY', { thresholdMinutes, thresholdKm }),
      );
      expect(catchment.sort((a, b) => a - b)).toEqual(expected.map((e) => e.index));
    });
  }
});
