import { area, booleanPointInPolygon, booleanValid, difference, featureCollection, point } from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { type FacilitySite, RoadGraph, serviceAreas } from '../../../src/engine/network/index.js';
import { buildEdges, type EdgePoint, Oracle, randomNetwork, seededRandom } from './helpers.js';

const MINUTES = [3, 6, 12];

describe('serviceAreas (isochrones) against the oracle', () => {
  it('reaches exactly the oracle nodes, cuts edges at the limit, and gives valid nested polygons', () => {
    for (let seed = 51; seed <= 53; seed++) {
      const random = seededRandom(seed);
      const { nodes, specs } = randomNetwork(random, 8);
      const edges = buildEdges(nodes, specs);
      const graph = RoadGraph.build(edges);
      const island = edges.count - 1;
      const sites: FacilitySite[] = [0, 1].map((facility) => {
        const edge = Math.floor(random() * (edges.count - 1));
        return {
          facility,
          edge,
          fraction: 0.5,
          alongKm: 0.5 * edges.lengthKm[edge]!,
          connectorKm: 0,
          connectorMinutes: 0,
        };
      });
      // A third site on the island far away: its area must come out as a separate part.
      sites.push({ facility: 2, edge: island, fraction: 0, alongKm: 0, connectorKm: 0, connectorMinutes: 0 });
      const areas = serviceAreas(graph, sites, [12, 3, 6, 6]);
      expect(areas.map((a) => a.minutes)).toEqual(MINUTES);

      // Oracle cost from every node (and every piece end) to the nearest site.
      const pieceEnds: EdgePoint[] = [];
      for (const a of areas) {
        a.pieces.edge.forEach((edge, i) => {
          pieceEnds.push({ edge, fraction: a.pieces.from[i]! }, { edge, fraction: a.pieces.to[i]! });
        });
      }
      const oracle = new Oracle(edges, [...sites, ...pieceEnds]);
      const costFrom = (start: number) => {
        const { minutes } = oracle.from(start);
        return Math.min(...sites.map((_, j) => minutes[oracle.pointNode[j]!]!));
      };
      const nodeCost = Array.from({ length: edges.nodeCount }, (_, x) => costFrom(x));
      let endIndex = 0;
      let previous: (typeof areas)[number]['feature'] = null;
      for (const a of areas) {
        const expected = nodeCost.flatMap((c, x) => (c <= a.minutes ? [x] : []));
        expect([...a.nodes].sort((p, q) => p - q)).toEqual(expected);
        // Every piece end is within the limit; a cut inside an edge (not at a site) lies exactly on it.
        for (let i = 0; i < a.pieces.edge.length; i++) {
          for (const t of [a.pieces.from[i]!, a.pieces.to[i]!]) {
            const c = costFrom(oracle.pointNode[sites.length + endIndex]!);
            endIndex++;
            expect(c).toBeLessThanOrEqual(a.minutes + 1e-9);
            const atSite = sites.some((s) => s.edge === a.pieces.edge[i] && s.fraction === t);
            if (t > 0 && t < 1 && !atSite) expect(c).toBeCloseTo(a.minutes, 9);
          }
        }
        const feature = a.feature!;
        expect(feature.properties.minutes).toBe(a.minutes);
        expect(['Polygon', 'MultiPolygon']).toContain(feature.geometry.type);
        expect(booleanValid(feature)).toBe(true);
        for (const x of expected) {
          const p = point([edges.nodeLonLat[2 * x]!, edges.nodeLonLat[2 * x + 1]!]);
          expect(booleanPointInPolygon(p, feature), `node ${x} inside the ${a.minutes}-minute area`).toBe(
            true,
          );
        }
        // The island site is far from the rest: a separate part.
        expect(feature.geometry.type).toBe('MultiPolygon');
        if (previous !== null) {
          const outside = difference(featureCollection([previous, feature]));
          expect(outside === null ? 0 : area(outside)).toBeLessThan(1);
          expect(area(feature)).toBeGreaterThanOrEqual(area(previous));
        }
        previous = feature;
      }
    }
  });

  it('a single site on a straight road gives a thin area around the reachable stretch', () => {
    const edges = buildEdges(
      [
        [15, 60],
        [15.2, 60],
      ],
      [{ from: 0, to: 1, minutes: 20 }],
    );
    const site: FacilitySite = {
      facility: 0,
      edge: 0,
      fraction: 0.5,
      alongKm: 0.5 * edges.lengthKm[0]!,
      connectorKm: 0,
      connectorMinutes: 0,
    };
    const [a] = serviceAreas(RoadGraph.build(edges), [site], [5]);
    expect([...a!.nodes]).toEqual([]);
    expect([a!.pieces.from[0], a!.pieces.to[0]]).toEqual([0.25, 0.75]);
    expect(booleanPointInPolygon(point([15.1, 60]), a!.feature!)).toBe(true);
    expect(booleanPointInPolygon(point([15.06, 60]), a!.feature!)).toBe(true);
    expect(booleanPointInPolygon(point([15.02, 60]), a!.feature!)).toBe(false);
    expect(booleanPointInPolygon(point([15.1, 60.01]), a!.feature!)).toBe(false);
  });
});
